//! Output formats, `--format F=FILE`, the gate's exit codes per format, baselines and graph
//! exports, end to end through the `parity` binary.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{Run, SECRETS, SHOP_LOCAL, SHOP_PROD, run, workspace};

const FORMATS: &[&str] = &["text", "json", "sarif", "markdown", "junit", "github"];

fn assert_no_secrets(format: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "secret {secret:?} leaked into {format} output:\n{text}"
        );
    }
}

fn diff(extra: &[&str]) -> Run {
    let mut args = vec!["diff", SHOP_LOCAL, SHOP_PROD];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn every_format_renders_the_example_without_secrets() {
    for format in FORMATS {
        let out = diff(&["--format", format]);
        assert_eq!(out.code, 1, "{format}: drift at warning or above exits 1");
        assert_no_secrets(format, &out.stdout);
        assert_no_secrets(format, &out.stderr);
        assert!(
            out.stdout.contains("image-mismatch"),
            "{format} names the rule:\n{}",
            out.stdout
        );
        assert!(
            !out.stdout.contains('\x1b'),
            "{format}: no colour in a pipe"
        );
    }
}

#[test]
fn sarif_from_the_example_is_valid_and_points_at_both_sides() {
    let out = diff(&["--format", "sarif"]);
    let log: Value = serde_json::from_str(&out.stdout).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("testdata/schemas/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &log["runs"][0];
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert!(rule_ids.contains(&"image-mismatch"), "{rule_ids:?}");
    let image = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| {
            result["ruleId"] == "image-mismatch" && result["properties"]["service"] == "api"
        })
        .expect("api's image drift is a result");
    assert_eq!(image["level"], "error");
    let uris: Vec<&str> = image["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "testdata/examples/shop/local/compose.yaml",
            "testdata/examples/shop/prod/api.yaml"
        ]
    );
    assert_eq!(
        image["partialFingerprints"]["parity/v1"]
            .as_str()
            .unwrap()
            .len(),
        16
    );
}

#[test]
fn markdown_junit_and_github_carry_their_structure() {
    let markdown = diff(&["--format", "markdown"]).stdout;
    assert!(markdown.starts_with("## parity: "), "{markdown}");
    assert!(markdown.contains("| 🔴 error | 1 |"), "{markdown}");
    assert!(
        markdown.contains("<details><summary>🔴 <b>api</b>"),
        "{markdown}"
    );
    assert!(
        markdown.contains("```mermaid\nflowchart LR\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("[\"search (local only)\"]:::missing"),
        "{markdown}"
    );
    assert!(
        markdown.contains("[\"cart-cleanup (prod only)\"]:::missing"),
        "{markdown}"
    );

    let junit = diff(&["--format", "junit"]).stdout;
    assert!(
        junit
            .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"parity\"")
    );
    assert!(junit.contains(
        "<testcase name=\"api\" classname=\"parity.image-mismatch\">\n      <failure type=\"error\""
    ), "{junit}");
    assert!(
        junit.contains("<testcase name=\"mailhog\" classname=\"parity.image-mismatch\"/>"),
        "{junit}"
    );

    let github = diff(&["--format", "github"]).stdout;
    assert!(
        github.lines().all(|line| line.starts_with("::")),
        "{github}"
    );
    assert!(github.contains(
        "::error file=testdata/examples/shop/local/compose.yaml,line=30,col=12,title=parity image-mismatch (api)::"
    ), "{github}");
}

/// A policy that turns every finding of the example into a note.
fn notes_only_policy(dir: &Path) -> PathBuf {
    let policy = dir.join("parity.yaml");
    let rules: String = parity_rule_names()
        .iter()
        .map(|name| format!("  {name}: note\n"))
        .collect();
    std::fs::write(&policy, format!("version: 1\nrules:\n{rules}")).unwrap();
    policy
}

fn parity_rule_names() -> Vec<String> {
    let out = run(&["rules", "--format", "json"]);
    let rules: Value = serde_json::from_str(&out.stdout).unwrap();
    rules
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn fail_on_sets_the_exit_code_for_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let notes = notes_only_policy(dir.path());
    let notes = notes.to_str().unwrap();
    for format in FORMATS {
        // The example has an error, warnings and notes.
        for (fail_on, code) in [("error", 1), ("warning", 1), ("note", 1), ("never", 0)] {
            let out = diff(&["--format", format, "--fail-on", fail_on]);
            assert_eq!(out.code, code, "{format} --fail-on {fail_on}");
        }
        // Only notes: the default gate (warning) passes, --fail-on note fails.
        for (fail_on, code) in [("error", 0), ("warning", 0), ("note", 1), ("never", 0)] {
            let out = diff(&["--format", format, "--fail-on", fail_on, "--policy", notes]);
            assert_eq!(out.code, code, "{format} --fail-on {fail_on}, notes only");
        }
        // No drift at all.
        let out = run(&[
            "diff",
            SHOP_PROD,
            SHOP_PROD,
            "--format",
            format,
            "--fail-on",
            "note",
        ]);
        assert_eq!(out.code, 0, "{format}: identical sides");
    }
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let sarif = format!("sarif={}", path("parity.sarif"));
    let junit = format!("junit={}", path("junit.xml"));
    let markdown = format!("markdown={}", path("comment.md"));
    let out = diff(&[
        "--format", "text", "--format", &sarif, "--format", &junit, "--format", &markdown,
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("[image-mismatch]"), "text on stdout");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(path("parity.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        std::fs::read_to_string(path("junit.xml"))
            .unwrap()
            .contains("<testsuites")
    );
    assert!(
        std::fs::read_to_string(path("comment.md"))
            .unwrap()
            .starts_with("## parity: ")
    );

    // --output takes the one format without a file.
    let out = diff(&[
        "--format",
        "json",
        "--output",
        &path("r.json"),
        "--format",
        &format!("github={}", path("gh.txt")),
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(path("r.json")).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert!(
        std::fs::read_to_string(path("gh.txt"))
            .unwrap()
            .starts_with("::")
    );
}

#[test]
fn format_usage_errors_exit_2() {
    let out = diff(&["--format", "json", "--format", "sarif"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("only one --format can go to standard output"),
        "{}",
        out.stderr
    );
    let out = diff(&["--format", "yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown format `yaml`"),
        "{}",
        out.stderr
    );
    let out = diff(&["--format", "sarif=", "--fail-on", "never"]);
    assert_eq!(out.code, 2);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn baseline_hides_known_findings_and_reports_stale_entries() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("parity-baseline.json");
    let baseline_arg = baseline.to_str().unwrap();

    let out = run(&["baseline", "write", baseline_arg, SHOP_LOCAL, SHOP_PROD]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("parity: recorded "), "{}", out.stderr);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    let entries = written["findings"].as_array().unwrap().clone();
    let findings =
        serde_json::from_str::<Value>(&diff(&["--format", "json"]).stdout).unwrap()["findings"]
            .as_array()
            .unwrap()
            .clone();
    assert_eq!(entries.len(), findings.len());
    assert_eq!(entries[0]["fingerprint"], findings[0]["fingerprint"]);
    assert_no_secrets("baseline", &std::fs::read_to_string(&baseline).unwrap());

    // Everything known: clean, and the count of hidden findings is reported.
    let out = diff(&["--baseline", baseline_arg]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("no drift found"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "{}: {} known findings hidden",
            baseline_arg,
            entries.len()
        )),
        "{}",
        out.stdout
    );

    // The same project moved elsewhere and edited above every service: still all known.
    let moved = dir.path().join("checkout/local");
    copy_dir(&workspace().join(SHOP_LOCAL), &moved);
    let compose = moved.join("compose.yaml");
    let text = std::fs::read_to_string(&compose).unwrap();
    std::fs::write(
        &compose,
        format!("# a new comment\n# and another\n\n{text}"),
    )
    .unwrap();
    let out = run(&[
        "diff",
        moved.to_str().unwrap(),
        SHOP_PROD,
        "--baseline",
        baseline_arg,
    ]);
    assert_eq!(out.code, 0, "line shifts keep fingerprints: {}", out.stdout);

    // Drop one entry (new drift) and add one that no longer occurs (fixed drift).
    let mut edited = written.clone();
    let findings_list = edited["findings"].as_array_mut().unwrap();
    let dropped = findings_list.remove(0);
    findings_list.push(serde_json::json!({
        "fingerprint": "00000000000000ff", "rule": "image-mismatch", "service": "legacy",
        "key": null, "message": "image of `legacy` differs"
    }));
    std::fs::write(&baseline, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    for format in ["text", "json", "sarif", "markdown"] {
        let out = diff(&["--baseline", baseline_arg, "--format", format]);
        assert_eq!(out.code, 1, "{format}: the new finding fails the gate");
        assert!(
            out.stdout.contains(
                dropped["message"]
                    .as_str()
                    .unwrap()
                    .split('`')
                    .next()
                    .unwrap()
            )
        );
        match format {
            "text" => {
                assert!(
                    out.stdout.contains("1 entry no longer found"),
                    "{}",
                    out.stdout
                );
                assert!(
                    out.stdout
                        .contains("00000000000000ff [image-mismatch] legacy"),
                    "{}",
                    out.stdout
                );
            }
            "json" => {
                let report: Value = serde_json::from_str(&out.stdout).unwrap();
                assert_eq!(report["findings"].as_array().unwrap().len(), 1);
                assert_eq!(report["baseline"]["hidden"], entries.len() - 1);
                assert_eq!(report["baseline"]["stale"][0]["service"], "legacy");
                assert!(
                    out.stderr.contains("1 entry no longer found"),
                    "{}",
                    out.stderr
                );
            }
            "sarif" => {
                let log: Value = serde_json::from_str(&out.stdout).unwrap();
                assert_eq!(log["runs"][0]["results"][0]["baselineState"], "new");
                assert_eq!(
                    log["runs"][0]["properties"]["baseline"]["stale"][0]["service"],
                    "legacy"
                );
            }
            _ => assert!(
                out.stdout.contains("1 baseline entry no longer occurs"),
                "{}",
                out.stdout
            ),
        }
    }
}

#[test]
fn bad_baselines_are_usage_errors_with_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b.json");
    std::fs::write(
        &baseline,
        "{\n  \"version\": 1,\n  \"findings\": [\n    {\"fingerprint\": 42}\n  ]\n}\n",
    )
    .unwrap();
    let out = diff(&["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("b.json:4:21: expected `fingerprint`"),
        "{}",
        out.stderr
    );
    let out = diff(&["--baseline", "no/such/baseline.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no/such/baseline.json"),
        "{}",
        out.stderr
    );

    // A baseline is not written from input that could not be read.
    let prod = dir.path().join("prod");
    std::fs::create_dir(&prod).unwrap();
    std::fs::write(prod.join("broken.yaml"), "kind: [oops\n").unwrap();
    let target = dir.path().join("never.json");
    let out = run(&[
        "baseline",
        "write",
        target.to_str().unwrap(),
        SHOP_LOCAL,
        prod.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not written"), "{}", out.stderr);
    assert!(!target.exists());
}

#[test]
fn graph_exports() {
    let dot = run(&["graph", SHOP_PROD]);
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    assert!(
        dot.stdout.starts_with("digraph parity {\n"),
        "{}",
        dot.stdout
    );
    assert!(
        dot.stdout.contains("label=\"shop-secrets\\nSecret\""),
        "{}",
        dot.stdout
    );
    assert!(
        dot.stdout.contains("[label=\"selects\", style=dotted];"),
        "{}",
        dot.stdout
    );

    let mermaid = run(&["graph", SHOP_LOCAL, "--format", "mermaid"]);
    assert_eq!(mermaid.code, 0);
    assert!(mermaid.stdout.starts_with("flowchart LR\n"));
    assert!(
        mermaid.stdout.contains("|depends-on|"),
        "{}",
        mermaid.stdout
    );

    let json = run(&["graph", SHOP_PROD, "--format", "json"]);
    let graph: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(graph["version"], 1);
    let nodes = graph["nodes"].as_array().unwrap();
    let api = nodes
        .iter()
        .find(|node| node["name"] == "api" && node["type"] == "service")
        .unwrap();
    assert_eq!(api["kind"], "Deployment");
    assert_eq!(api["file"], "testdata/examples/shop/prod/api.yaml");
    for edge in graph["edges"].as_array().unwrap() {
        let index = edge["from"].as_u64().unwrap();
        assert!(nodes.iter().any(|node| node["id"] == index));
    }
    for format in ["dot", "mermaid", "json"] {
        for side in [SHOP_LOCAL, SHOP_PROD] {
            let out = run(&["graph", side, "--format", format]);
            assert_no_secrets(format, &out.stdout);
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.dot");
    let out = run(&["graph", SHOP_PROD, "-o", file.to_str().unwrap()]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("digraph")
    );
    assert_eq!(run(&["graph", "does/not/exist"]).code, 2);
}

#[test]
fn suppressed_findings_reach_sarif_junit_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("parity.yaml");
    std::fs::write(
        &policy,
        "version: 1\nsuppress:\n  - rule: missing-service\n    service: search\n    reason: search is a managed service in prod\n",
    )
    .unwrap();
    let policy = policy.to_str().unwrap();

    let sarif = diff(&["--policy", policy, "--format", "sarif"]);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let search = results
        .iter()
        .find(|r| r["ruleId"] == "missing-service" && r["properties"]["service"] == "search")
        .expect("the suppressed finding is still a SARIF result");
    assert_eq!(search["suppressions"][0]["kind"], "external");
    assert_eq!(
        search["suppressions"][0]["justification"],
        "search is a managed service in prod"
    );
    let unsuppressed = results
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .count();
    let json: Value =
        serde_json::from_str(&diff(&["--policy", policy, "--format", "json"]).stdout).unwrap();
    assert_eq!(unsuppressed, json["findings"].as_array().unwrap().len());

    let junit = diff(&["--policy", policy, "--format", "junit"]).stdout;
    assert!(
        junit.contains(
            "<testcase name=\"search\" classname=\"parity.missing-service\"><skipped message=\"suppressed (policy): search is a managed service in prod\"/></testcase>"
        ),
        "{junit}"
    );
    let markdown = diff(&["--policy", policy, "--format", "markdown"]).stdout;
    assert!(
        markdown.contains("<details><summary>1 finding suppressed</summary>"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| search is a managed service in prod |"),
        "{markdown}"
    );
}

/// The composite action runs parity with a fixed set of formats; they must stay valid.
#[test]
fn action_yml_invokes_formats_parity_accepts() {
    let action = std::fs::read_to_string(workspace().join("action.yml")).unwrap();
    let formats: Vec<String> = action
        .lines()
        .filter_map(|line| line.trim().strip_prefix("--format "))
        .map(|rest| {
            let value = rest.trim_end_matches(['\\', ' ']).trim_matches('"');
            value.split('=').next().unwrap().to_owned()
        })
        .collect();
    assert!(
        formats.len() >= 4 && formats.contains(&"sarif".to_owned()),
        "{formats:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["diff".into(), SHOP_LOCAL.into(), SHOP_PROD.into()];
    for (index, format) in formats.iter().enumerate() {
        args.push("--format".into());
        args.push(if index == 0 {
            format.clone()
        } else {
            format!("{format}={}", dir.path().join(format).display())
        });
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for format in formats.iter().skip(1) {
        assert!(dir.path().join(format).is_file(), "{format} written");
    }
}
