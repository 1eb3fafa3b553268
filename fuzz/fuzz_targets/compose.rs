//! A compose project: the input is `compose.yaml`, optionally followed by a NUL byte and the
//! project's `.env`. Files are written to a private folder per process, as the loader reads
//! files (it resolves `env_file`, `extends` and `include` against their folder).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use parity_compose::ComposeOptions;
use parity_model::Environment;

fn project_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("parity-fuzz-compose-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creating the fuzz project folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let (compose, dotenv) = match data.iter().position(|&byte| byte == 0) {
        Some(split) => (&data[..split], Some(&data[split + 1..])),
        None => (data, None),
    };
    let dir = project_dir();
    let compose_path = dir.join("compose.yaml");
    std::fs::write(&compose_path, compose).expect("writing compose.yaml");
    let dotenv_path = dir.join(".env");
    match dotenv {
        Some(dotenv) => std::fs::write(&dotenv_path, dotenv).expect("writing .env"),
        None => {
            let _ = std::fs::remove_file(&dotenv_path);
        }
    }
    let options = ComposeOptions {
        profiles: vec!["debug".to_owned()],
        ..ComposeOptions::default()
    };
    let mut env = Environment::new(dir.display().to_string());
    parity_compose::load(&[compose_path], &options, &mut env);
});
