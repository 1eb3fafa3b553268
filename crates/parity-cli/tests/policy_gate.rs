//! The policy engine through the binary: Rego policies with `--rego` and the policy file's
//! `rego:`, suppressions counted in the text and JSON reports, and the exit codes when a
//! suppression expires or a Rego policy is broken.

mod common;
use common::{SHOP_LOCAL, SHOP_PROD, parity};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn rego_policies_add_findings_in_every_format() {
    let output = parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--format", "json"])
        .args(["--rego", "policies/examples/trusted_registries.rego"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let custom: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "trusted-registries")
        .collect();
    assert!(!custom.is_empty());
    assert!(custom.iter().all(|f| f["severity"] == "error"));
    assert!(custom.iter().all(|f| {
        f["locations"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with(".yaml")
    }));
}

#[test]
fn suppressions_are_counted_and_an_expired_one_warns() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("parity.yaml");
    std::fs::write(
        &policy,
        "version: 1\nselect: [env-unmatched]\nsuppress:\n  - {rule: env-unmatched, env: SENTRY_DSN, reason: prod-only error reporting}\n  - {env: SEARCH_URL, reason: search is being retired, expires: 2020-06-30}\nallow:\n  local-only-env:\n    - {env: 'FEATURE_*', reason: flags are tried locally first}\n",
    )
    .unwrap();
    let output = parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--policy"])
        .arg(&policy)
        .output()
        .unwrap();
    // SEARCH_URL is reported again (its suppression expired): a warning, so exit 1.
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("SEARCH_URL"), "{stdout}");
    assert!(!stdout.contains("`SENTRY_DSN`"), "{stdout}");
    assert!(stdout.contains("2 findings suppressed:"), "{stdout}");
    assert!(
        stdout.contains("allowed allow.local-only-env: env FEATURE_*"),
        "{stdout}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "parity.yaml:5:5: warning: suppression `suppress: env SEARCH_URL` expired on 2020-06-30"
        ),
        "{stderr}"
    );

    let output = parity()
        .args([
            "diff", SHOP_LOCAL, SHOP_PROD, "--format", "json", "--policy",
        ])
        .arg(&policy)
        .output()
        .unwrap();
    let report = json(&output);
    let suppressed = report["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["count"], 1);
    assert!(
        suppressed
            .iter()
            .any(|s| s["kind"] == "policy" && s["reason"] == "prod-only error reporting")
    );
}

#[test]
fn a_broken_rego_policy_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.rego");
    std::fs::write(&broken, "package parity.policies.broken\nfindings := [\n").unwrap();
    let output = parity()
        .args(["diff", SHOP_LOCAL, SHOP_PROD, "--rego"])
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("loading Rego policies"), "{stderr}");
    assert!(stderr.contains("broken.rego"), "{stderr}");
}
