//! parity's compose loader against `docker-compose config` (compose-go): the fixtures under
//! `testdata/`, the shared corpus and a few hundred generated projects, compared as data.
//!
//! `PARITY_COMPOSE_SEED=N` runs only the generated project of seed N (kept in
//! `target/compose-seed-N/` to look at). Without a reference binary the test skips, unless
//! `PARITY_REQUIRE_REFERENCE` names `compose`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use parity_conformance::compose::{ComposeRun, run};
use parity_conformance::{Outcome, Tool, table, workspace_root};

#[test]
fn compose_loader_matches_docker_compose_config() {
    let one_seed = std::env::var_os("PARITY_COMPOSE_SEED").is_some();
    let options = match std::env::var("PARITY_COMPOSE_SEED") {
        Ok(seed) => {
            let seed: u64 = seed
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("PARITY_COMPOSE_SEED={seed:?} is not a number"));
            ComposeRun {
                generated_dir: Some(
                    workspace_root()
                        .join("target")
                        .join(format!("compose-seed-{seed}")),
                ),
                ..ComposeRun::seed(seed)
            }
        }
        Err(_) => ComposeRun::default(),
    };
    let started = Instant::now();
    let suite = match run(&options) {
        Ok(suite) => suite,
        Err(missing) if Tool::Compose.is_required() => panic!("{missing}"),
        Err(missing) => {
            println!("skipping: {missing}");
            return;
        }
    };
    let text = table(std::slice::from_ref(&suite));
    println!(
        "{} cases in {:.1} s: {} identical, {} divergent, {} differing",
        suite.cases.len(),
        started.elapsed().as_secs_f64(),
        suite.identical(),
        suite.divergent(),
        suite.differing()
    );
    for case in &suite.cases {
        if let Outcome::Divergent { reason } = &case.outcome {
            println!("divergent (documented) {}: {reason}", case.name);
        }
    }
    assert!(
        one_seed || suite.cases.len() >= 300,
        "only {} cases:\n{text}",
        suite.cases.len()
    );
    assert_eq!(suite.differing(), 0, "\n{text}");
}
