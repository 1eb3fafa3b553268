//! A Terraform root module: the input is `main.tf`, optionally followed by a NUL byte and
//! `terraform.tfvars`. Also evaluates the input as one expression.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use parity_model::Environment;
use parity_terraform::TerraformOptions;

fn module_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("parity-fuzz-terraform-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creating the fuzz module folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let (main, tfvars) = match data.iter().position(|&byte| byte == 0) {
        Some(split) => (&data[..split], Some(&data[split + 1..])),
        None => (data, None),
    };
    let dir = module_dir();
    std::fs::write(dir.join("main.tf"), main).expect("writing main.tf");
    let tfvars_path = dir.join("terraform.tfvars");
    match tfvars {
        Some(tfvars) => std::fs::write(&tfvars_path, tfvars).expect("writing terraform.tfvars"),
        None => {
            let _ = std::fs::remove_file(&tfvars_path);
        }
    }
    let mut env = Environment::new(dir.display().to_string());
    parity_terraform::load_module(dir, &TerraformOptions::default(), &mut env);
    if let Ok(text) = std::str::from_utf8(main) {
        let _ = parity_terraform::evaluate_expression(text, dir);
        if parity_terraform::looks_like_show_json(text) {
            let mut show = Environment::new("show.json");
            parity_terraform::load_show_json("show.json", text, &mut show);
        }
    }
});
