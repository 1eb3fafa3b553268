//! parity's compose loader against `docker-compose config` (compose-go): the fixtures under
//! `testdata/`, the shared corpus and a few hundred generated projects, compared as data.
//!
//! `PARITY_COMPOSE_SEED=N` runs only the generated project of seed N (kept in
//! `target/compose-seed-N/` to look at); `PARITY_COMPOSE_SEED=A..B` runs the generated projects
//! of seeds A to B-1 (more than the default run, to look for rare differences). Without a reference binary the test skips, unless
//! `PARITY_REQUIRE_REFERENCE` names `compose`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use parity_conformance::compose::{ComposeRun, run};
use parity_conformance::{Outcome, Tool, table, workspace_root};

#[test]
fn compose_loader_matches_docker_compose_config() {
    let requested = std::env::var("PARITY_COMPOSE_SEED").ok();
    let options = match requested.as_deref().map(str::trim) {
        // `A..B`: only those generated projects (to look for rare differences).
        Some(range) if range.contains("..") => {
            let (start, end) = range.split_once("..").unwrap_or_default();
            let bound = |text: &str| -> u64 {
                text.parse()
                    .unwrap_or_else(|_| panic!("PARITY_COMPOSE_SEED={range:?}: expected N or A..B"))
            };
            ComposeRun {
                fixtures: false,
                corpus: false,
                seeds: (bound(start)..bound(end)).collect(),
                ..ComposeRun::default()
            }
        }
        Some(seed) => {
            let seed: u64 = seed
                .parse()
                .unwrap_or_else(|_| panic!("PARITY_COMPOSE_SEED={seed:?}: expected N or A..B"));
            ComposeRun {
                generated_dir: Some(
                    workspace_root()
                        .join("target")
                        .join(format!("compose-seed-{seed}")),
                ),
                ..ComposeRun::seed(seed)
            }
        }
        None => ComposeRun::default(),
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
    for source in ["testdata/", "corpus/", "seed "] {
        let cases: Vec<&Outcome> = suite
            .cases
            .iter()
            .filter(|case| case.name.starts_with(source))
            .map(|case| &case.outcome)
            .collect();
        let count = |wanted: fn(&Outcome) -> bool| cases.iter().filter(|o| wanted(o)).count();
        println!(
            "  {source:<10} {:>4} cases: {} identical, {} divergent, {} differing",
            cases.len(),
            count(|o| matches!(o, Outcome::Identical)),
            count(|o| matches!(o, Outcome::Divergent { .. })),
            count(|o| matches!(o, Outcome::Differs { .. })),
        );
    }
    for case in &suite.cases {
        if let Outcome::Divergent { reason } = &case.outcome {
            println!("divergent (documented) {}: {reason}", case.name);
        }
    }
    assert!(
        requested.is_some() || suite.cases.len() >= 300,
        "only {} cases:\n{text}",
        suite.cases.len()
    );
    assert_eq!(suite.differing(), 0, "\n{text}");
}
