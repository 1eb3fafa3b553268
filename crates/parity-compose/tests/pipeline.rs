//! The loading pipeline moves trees instead of copying them (docs/performance.md): the last file
//! given hands its tree over when nothing in it refers elsewhere. These projects check that a
//! tree handed over that way is still the one every rule sees, including when an earlier file
//! extends a service of that last file.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use parity_compose::{ComposeOptions, load};
use parity_model::{EnvValue, Environment, Service};

fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "parity-compose-pipeline-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn service<'a>(env: &'a Environment, name: &str) -> &'a Service {
    env.graph
        .services()
        .map(|(_, service)| service)
        .find(|service| service.name == name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn env_value(service: &Service, name: &str) -> Option<String> {
    let var = service.containers.first()?.env_var(name)?;
    match &var.value {
        EnvValue::Literal(text) => Some(text.expose().to_owned()),
        _ => None,
    }
}

#[test]
fn an_earlier_file_extends_a_service_of_the_last_file_which_is_then_merged_too() {
    let dir = scratch(
        "extends-last",
        &[
            (
                "compose.yaml",
                "services:\n  api:\n    extends:\n      file: compose.override.yaml\n      service: base\n    environment:\n      MODE: api\n",
            ),
            (
                "compose.override.yaml",
                "services:\n  base:\n    image: registry.example.com/base:1.2\n    environment:\n      MODE: base\n      REGION: eu-west-1\n  api:\n    ports:\n      - \"8080:80\"\n",
            ),
        ],
    );
    let files = [dir.join("compose.yaml"), dir.join("compose.override.yaml")];
    let mut env = Environment::new(dir.display().to_string());
    load(&files, &ComposeOptions::default(), &mut env);

    let errors: Vec<String> = env
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .filter(|text| text.contains("error"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let api = service(&env, "api");
    let container = api.containers.first().unwrap();
    assert_eq!(
        container.image.as_ref().map(ToString::to_string).as_deref(),
        Some("registry.example.com/base:1.2"),
        "the image comes from the extended service of the last file"
    );
    assert_eq!(env_value(api, "MODE").as_deref(), Some("api"));
    assert_eq!(env_value(api, "REGION").as_deref(), Some("eu-west-1"));
    assert_eq!(
        container
            .ports
            .iter()
            .map(|port| (port.published, port.container))
            .collect::<Vec<_>>(),
        [(Some(8080), 80)],
        "the last file's own override of api is merged as well"
    );
    let base = service(&env, "base");
    assert_eq!(env_value(base, "MODE").as_deref(), Some("base"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_same_file_given_twice_loads_as_once() {
    let dir = scratch(
        "twice",
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    environment:\n      - LEVEL=info\n",
        )],
    );
    let file = dir.join("compose.yaml");
    let mut once = Environment::new(dir.display().to_string());
    load(
        std::slice::from_ref(&file),
        &ComposeOptions::default(),
        &mut once,
    );
    let mut twice = Environment::new(dir.display().to_string());
    load(
        &[file.clone(), file],
        &ComposeOptions::default(),
        &mut twice,
    );

    let web_once = service(&once, "web");
    let web_twice = service(&twice, "web");
    assert_eq!(web_once, web_twice);
    assert_eq!(env_value(web_twice, "LEVEL").as_deref(), Some("info"));
    assert_eq!(twice.graph.services().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
