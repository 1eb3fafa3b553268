//! The `parity` binary end to end: exit codes, output formats, bad input.

mod common;
use common::{SECRETS, SHOP_LOCAL, SHOP_PROD, parity, workspace};

fn assert_no_secrets(text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "secret {secret:?} leaked into output:\n{text}"
        );
    }
}

#[test]
fn example_text_report() {
    let output = parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "drift at warning or above exits 1"
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_no_secrets(&stdout);
    assert_no_secrets(&stderr);
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!("example_text", stdout);
    insta::assert_snapshot!("example_stderr", stderr);
}

#[test]
fn example_json_report() {
    let output = parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_no_secrets(&stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["version"], 1);
    let findings = report["findings"].as_array().unwrap();
    let image = findings
        .iter()
        .find(|f| f["rule"] == "image-mismatch" && f["service"] == "api")
        .expect("api's image tag drift is reported");
    assert_eq!(image["severity"], "error");
    assert_eq!(
        image["local"], "ghcr.io/acme/shop-api:1.8.0",
        "interpolated from .env"
    );
    assert_eq!(image["prod"], "ghcr.io/acme/shop-api:1.7.3");
    let sides: Vec<&str> = image["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["side"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["local", "prod"]);
    assert!(findings.iter().any(|f| f["rule"] == "missing-service"
        && f["service"] == "search"
        && f["missing_in"] == "prod"));
    assert!(findings.iter().any(|f| f["rule"] == "env-unmatched"
        && f["service"] == "order_worker"
        && f["key"] == "FEATURE_RECOMMENDATIONS"
        && f["missing_in"] == "prod"));
    assert!(
        !findings.iter().any(|f| f["service"] == "mailhog"),
        "local-only dev tools are ignored by default"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f["rule"] == "image-mismatch" && f["service"] == "web"),
        "web is built from source locally"
    );
    insta::assert_snapshot!("example_json", stdout);
}

#[test]
fn fail_on_threshold_sets_the_exit_code() {
    parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--fail-on", "never"])
        .assert()
        .code(0);
    parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--fail-on", "error"])
        .assert()
        .code(1);
    // Identical sides: nothing to report.
    parity()
        .args(["diff", SHOP_PROD, SHOP_PROD])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("no drift found"));
}

#[test]
fn output_file_and_colour() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--format", "json", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    let coloured = parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--color", "always"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(coloured.stdout)
            .unwrap()
            .contains("\x1b[1;31merror")
    );
}

#[test]
fn missing_root_is_a_usage_error() {
    let output = parity()
        .args(["diff", "does/not/exist", SHOP_PROD])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("does/not/exist: no such file or directory"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    parity().args(["diff", SHOP_LOCAL]).assert().code(2);
    parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--format", "yaml"])
        .assert()
        .code(2);
    parity()
        .args(["explain", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown rule"));
}

/// A prod folder with one good manifest and one bad file.
fn prod_with(bad_name: &str, bad: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace().join(SHOP_PROD).join("api.yaml"),
        dir.path().join("api.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join(bad_name), bad).unwrap();
    dir
}

fn run_bad(bad_name: &str, bad: &[u8]) -> (i32, String, String) {
    let prod = prod_with(bad_name, bad);
    let output = parity()
        .args(["diff", SHOP_LOCAL])
        .arg(prod.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code().unwrap(), stdout, stderr)
}

#[test]
fn syntax_error_names_file_line_column_and_other_files_still_count() {
    let (code, stdout, stderr) = run_bad(
        "broken.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [oops\n",
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("broken.yaml:"), "{stderr}");
    assert!(stderr.contains(": error: "), "{stderr}");
    assert!(
        stdout.contains("[image-mismatch]"),
        "findings from the good file are still printed:\n{stdout}"
    );
}

#[test]
fn non_utf8_empty_and_unknown_kinds() {
    let (code, _, stderr) = run_bad(
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("latin1.yaml:4:12: error: not valid UTF-8 text"),
        "{stderr}"
    );

    let (code, stdout, _) = run_bad("empty.yaml", b"");
    assert_eq!(code, 1, "an empty file is not an error");
    assert!(stdout.contains("[image-mismatch]"));

    let crd = b"apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: shop-tls\nspec:\n  secretName: shop-tls\n";
    let (code, _, stderr) = run_bad("cert.yaml", crd);
    assert_eq!(
        code, 1,
        "an unknown kind is kept as a plain resource, not an error: {stderr}"
    );
}

#[test]
fn alias_bomb_finishes_fast_with_an_error() {
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for level in 1..12 {
        bomb.push_str(&format!(
            "x{level}: &a{level} [{}]\n",
            vec![format!("*a{}", level - 1); 9].join(", ")
        ));
    }
    let start = std::time::Instant::now();
    let (code, _, stderr) = run_bad("bomb.yaml", bomb.as_bytes());
    assert_eq!(code, 2);
    assert!(stderr.contains("alias"), "{stderr}");
    assert!(start.elapsed().as_secs() < 20, "bounded time");
}

#[test]
fn prod_from_standard_input() {
    let manifest = std::fs::read_to_string(workspace().join(SHOP_PROD).join("api.yaml")).unwrap();
    let output = parity()
        .args(["diff", SHOP_LOCAL, "-", "--format", "json"])
        .write_stdin(manifest)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["prod"]["root"], "<stdin>");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "image-mismatch" && f["locations"][1]["file"] == "<stdin>")
    );
}

#[test]
fn rules_and_explain() {
    let output = parity().args(["rules"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let listing = String::from_utf8(output.stdout).unwrap();
    for name in [
        "missing-service",
        "image-mismatch",
        "env-unmatched",
        "port-mismatch",
    ] {
        assert!(listing.contains(name), "{listing}");
    }
    let json = parity()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "image-mismatch" && r["code"] == "PAR201")
    );

    for query in ["image-mismatch", "PAR201"] {
        let explain = parity().args(["explain", query]).output().unwrap();
        assert_eq!(explain.status.code(), Some(0));
        let text = String::from_utf8(explain.stdout).unwrap();
        assert!(text.starts_with("# image-mismatch (PAR201)"), "{text}");
        assert!(
            text.contains("## What it does") && text.contains("## How to fix"),
            "{text}"
        );
    }
}

#[test]
fn policy_file_changes_severity_and_bad_policy_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("parity.yaml");
    std::fs::write(
        &policy,
        "version: 1\nselect: [image-mismatch]\nrules:\n  image-mismatch: note\n",
    )
    .unwrap();
    parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--policy"])
        .arg(&policy)
        .assert()
        .code(0);
    parity()
        .args([
            "diff",
            SHOP_LOCAL,
            SHOP_PROD,
            "--fail-on",
            "note",
            "--policy",
        ])
        .arg(&policy)
        .assert()
        .code(1);

    std::fs::write(&policy, "version: 1\nrules:\n  image-mismatch: loud\n").unwrap();
    let output = parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--policy"])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("parity.yaml:3:"),
        "policy errors carry file:line: {stderr}"
    );
}
