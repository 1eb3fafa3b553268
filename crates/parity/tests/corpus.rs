#![allow(clippy::print_stderr)]

//! Every real project in `../shared/corpus` loads through the facade without errors, and diffing
//! each side against itself finds nothing (a property every rule must keep).

use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Where the compose project of a corpus `local/` folder is: the first folder (breadth first, in
/// name order) holding a file docker compose finds by itself, else the first YAML file with a
/// top-level `services:` key (projects that name theirs `java25.yml` or
/// `docker-compose_default.yaml`), which is passed as a file.
fn compose_root(local: &Path) -> PathBuf {
    let mut dirs = vec![local.to_path_buf()];
    let mut index = 0;
    while let Some(dir) = dirs.get(index).cloned() {
        index += 1;
        let mut children: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        children.sort();
        let names = [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "docker-compose.yml",
        ];
        if children.iter().any(|child| {
            child
                .file_name()
                .is_some_and(|n| names.iter().any(|name| n == *name))
        }) {
            return dir;
        }
        dirs.extend(children.into_iter().filter(|child| child.is_dir()));
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()))
        .collect();
    files.sort();
    files
        .into_iter()
        .find(|file| {
            file.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
                && std::fs::read_to_string(file)
                    .is_ok_and(|text| text.lines().any(|line| line == "services:"))
        })
        .unwrap_or_else(|| panic!("no compose file under {}", local.display()))
}

#[test]
fn corpus_projects_load_and_self_diff_is_clean() {
    let Some(corpus) = corpus() else {
        eprintln!("skipping: ../shared/corpus is not present");
        return;
    };
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    projects.sort();
    assert!(
        projects.len() >= 15,
        "expected the 15 corpus projects, found {}",
        projects.len()
    );
    let policy = parity::Policy::builtin();
    for project in &projects {
        let name = project.file_name().unwrap().to_string_lossy();
        let local_root = compose_root(&project.join("local"));
        let local = parity::load(&local_root).unwrap();
        let prod = parity::load(project.join("prod")).unwrap();
        for env in [&local, &prod] {
            let errors: Vec<String> = env
                .diagnostics
                .iter()
                .filter(|d| d.level == parity::DiagnosticLevel::Error)
                .map(|d| d.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{name}: load errors:\n{}",
                errors.join("\n")
            );
            assert!(
                env.graph.service_count() > 0,
                "{name}: no services read from {}",
                env.root
            );
            let report = parity::diff(env, env, &policy);
            // Rules that judge one side on its own (what prod pins, where its URLs point, how it
            // stores secrets) fire on a self-diff by design; the invariant is about comparisons.
            const ONE_SIDED: &[&str] = &[
                "unpinned-image",
                "dangling-dependency",
                "secret-in-plain-env",
                "loopback-reference",
                "env-contract",
                "env-undocumented",
            ];
            let findings: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| !ONE_SIDED.contains(&f.rule))
                .map(|f| f.message.as_str())
                .collect();
            assert!(
                findings.is_empty(),
                "{name}: {} against itself: {findings:#?}",
                env.root
            );
        }
        // Deterministic: the same input gives the same report.
        let first = parity::diff(&local, &prod, &policy);
        let second = parity::diff(
            &parity::load(&local_root).unwrap(),
            &parity::load(project.join("prod")).unwrap(),
            &policy,
        );
        assert_eq!(first, second, "{name}: report is not deterministic");
    }
}
