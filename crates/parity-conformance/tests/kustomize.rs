//! parity's kustomize builds equal `kubectl kustomize`'s, for every kustomization under
//! `testdata/` and in the corpus. Skips when kubectl is missing, unless
//! `PARITY_REQUIRE_REFERENCE` names `kustomize`.

#![allow(clippy::print_stderr)]

use parity_conformance::kustomize::{KustomizeRun, run};
use parity_conformance::{Tool, table};

#[test]
fn builds_match_kubectl_kustomize() {
    let suite = match run(&KustomizeRun::default()) {
        Ok(suite) => suite,
        Err(missing) if Tool::Kustomize.is_required() => {
            panic!("PARITY_REQUIRE_REFERENCE names kustomize: {missing}")
        }
        Err(missing) => {
            eprintln!("skipping: {missing}");
            return;
        }
    };
    assert!(
        suite.cases.len() >= 18,
        "{}",
        table(std::slice::from_ref(&suite))
    );
    assert_eq!(suite.differing(), 0, "\n{}", table(&[suite]));
}
