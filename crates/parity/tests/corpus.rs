//! Every real project in `../shared/corpus` loads through the facade without errors, and diffing
//! each side against itself finds nothing (a property every rule must keep).

use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

#[test]
fn corpus_projects_load_and_self_diff_is_clean() {
    let Some(corpus) = corpus() else {
        eprintln!("skipping: ../shared/corpus is not present");
        return;
    };
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    projects.sort();
    assert!(projects.len() >= 15, "expected the 15 corpus projects, found {}", projects.len());
    let policy = parity::Policy::builtin();
    for project in &projects {
        let name = project.file_name().unwrap().to_string_lossy();
        let local = parity::load(project.join("local")).unwrap();
        let prod = parity::load(project.join("prod")).unwrap();
        for env in [&local, &prod] {
            let errors: Vec<String> = env.diagnostics.iter().filter(|d| d.level == parity::DiagnosticLevel::Error).map(|d| d.to_string()).collect();
            assert!(errors.is_empty(), "{name}: load errors:\n{}", errors.join("\n"));
            assert!(env.graph.service_count() > 0, "{name}: no services read from {}", env.root);
            let report = parity::diff(env, env, &policy);
            let findings: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
            assert!(findings.is_empty(), "{name}: {} against itself: {findings:#?}", env.root);
        }
        // Deterministic: the same input gives the same report.
        let first = parity::diff(&local, &prod, &policy);
        let second = parity::diff(&parity::load(project.join("local")).unwrap(), &parity::load(project.join("prod")).unwrap(), &policy);
        assert_eq!(first, second, "{name}: report is not deterministic");
    }
}
