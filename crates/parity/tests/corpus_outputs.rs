#![allow(clippy::print_stderr)]

//! Every output format over the real projects in `../shared/corpus`: SARIF validates against the
//! SARIF 2.1.0 schema, the Markdown fits in a pull-request comment, JUnit and the GitHub commands
//! are well formed, and a baseline written from a run hides exactly that run's findings.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// The first folder under `local` (breadth first, name order) that docker compose would read by
/// itself; projects that name their compose file otherwise are skipped here (the facade's corpus
/// test covers their loading).
fn compose_dir(local: &Path) -> Option<PathBuf> {
    let names = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ];
    let mut queue = vec![local.to_path_buf()];
    let mut index = 0;
    while let Some(dir) = queue.get(index).cloned() {
        index += 1;
        if names.iter().any(|name| dir.join(name).is_file()) {
            return Some(dir);
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_dir())
            .collect();
        children.sort();
        queue.extend(children);
    }
    None
}

#[test]
fn every_format_over_the_corpus() {
    let Some(corpus) = corpus() else {
        eprintln!("skipping: ../shared/corpus is not there");
        return;
    };
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../testdata/schemas/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let rules: Vec<&parity::RuleMeta> = parity::RULES.iter().map(|rule| rule.meta()).collect();
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    projects.sort();
    let mut checked = 0;
    for project in projects {
        let name = project.file_name().unwrap().to_string_lossy().into_owned();
        let Some(local_dir) = compose_dir(&project.join("local")) else {
            eprintln!("{name}: no compose project found by its default name, skipped");
            continue;
        };
        let local = parity::load(&local_dir).unwrap();
        let prod = parity::load(project.join("prod")).unwrap();
        let report = parity::diff(&local, &prod, &parity::Policy::builtin());

        let mut sarif = Vec::new();
        parity::render_sarif(
            &report,
            &rules,
            parity::SarifTool {
                version: "0.0.0",
                information_uri: None,
            },
            &mut sarif,
        )
        .unwrap();
        let log: Value = serde_json::from_slice(&sarif).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .take(5)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: SARIF schema violations {errors:#?}"
        );
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(results.len() >= report.findings.len(), "{name}");

        let mut markdown = Vec::new();
        parity::render_markdown(&report, &mut markdown).unwrap();
        let markdown = String::from_utf8(markdown).unwrap();
        assert!(
            markdown.chars().count() < 65_536,
            "{name}: Markdown too long for a comment"
        );
        assert_eq!(
            markdown.matches("<details>").count(),
            markdown.matches("</details>").count(),
            "{name}"
        );

        let mut junit = Vec::new();
        parity::render_junit(&report, &rules, &mut junit).unwrap();
        let junit = String::from_utf8(junit).unwrap();
        assert_eq!(
            junit.matches("<testcase ").count(),
            junit.matches("</testcase>").count() + junit.matches("\"/>\n").count(),
            "{name}: every test case is closed"
        );
        assert!(
            !junit
                .chars()
                .any(|ch| ch < ' ' && !matches!(ch, '\t' | '\n' | '\r')),
            "{name}"
        );

        let mut github = Vec::new();
        parity::render_github(&report, &mut github).unwrap();
        let github = String::from_utf8(github).unwrap();
        assert!(
            github.lines().all(|line| line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice ")),
            "{name}: {github}"
        );

        // A baseline of this run hides exactly this run's findings.
        let baseline = parity::Baseline::from_report(&report);
        let read = parity::Baseline::parse("b.json", &baseline.to_json("test")).unwrap();
        let mut filtered = report.clone();
        read.apply("b.json", &mut filtered);
        assert!(filtered.findings.is_empty(), "{name}");
        let status = filtered.baseline.unwrap();
        assert_eq!(status.hidden, report.findings.len(), "{name}");
        assert!(status.stale.is_empty(), "{name}");

        for format in [
            parity::render_graph_dot,
            parity::render_graph_mermaid,
            parity::render_graph_json,
        ] {
            let mut out = Vec::new();
            format(&prod.graph, &mut out).unwrap();
            assert!(!out.is_empty(), "{name}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} corpus projects checked");
}
