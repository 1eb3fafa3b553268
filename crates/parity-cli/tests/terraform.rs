//! `parity diff` with a Terraform production side: the shop-terraform example (compose locally;
//! ECS, RDS and ElastiCache in Terraform), variables from the command line, and bad input.

mod common;
use common::parity;

const LOCAL: &str = "testdata/examples/shop-terraform/local";
const PROD: &str = "testdata/examples/shop-terraform/prod";

#[test]
fn example_text_report() {
    let output = parity().args(["diff", LOCAL, PROD]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "planted drift exits 1");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    // The local password of the compose database is never printed.
    assert!(!stdout.contains("local-dev-key"));
    insta::assert_snapshot!("terraform_example_text", stdout);
    insta::assert_snapshot!("terraform_example_stderr", stderr);
}

#[test]
fn example_json_pairs_managed_services_by_engine() {
    let output = parity()
        .args(["diff", LOCAL, PROD, "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let pairs = report["pairs"].as_array().unwrap();
    let db = pairs.iter().find(|pair| pair["local"] == "db").unwrap();
    assert_eq!(db["prod"], "shop-production-db");
    assert_eq!(db["paired_by"], "engine");
    let findings = report["findings"].as_array().unwrap();
    let version = findings
        .iter()
        .find(|f| f["rule"] == "version-mismatch" && f["service"] == "db")
        .unwrap();
    assert_eq!(version["severity"], "error");
    assert_eq!(version["local"], "16");
    assert_eq!(version["prod"], "14.9");
    // No `missing-service` for the database or the cache: they are paired, not missing.
    assert!(!findings.iter().any(|f| f["rule"] == "missing-service"));
}

#[test]
fn prod_var_overrides_tfvars() {
    // terraform.tfvars pins the API at 1.7.3 (known tag, repository known after apply).
    let drifted = parity().args(["diff", LOCAL, PROD]).output().unwrap();
    let drifted = String::from_utf8(drifted.stdout).unwrap();
    assert!(drifted.contains("image tag of `api` differs: local `1.8.0`, prod `1.7.3`"));

    let output = parity()
        .args(["diff", LOCAL, PROD, "--prod-var", "api_image_tag=1.8.0"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("image tag of `api`"), "{stdout}");
}

#[test]
fn prod_var_file_is_applied_after_auto_loaded_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prod.tfvars");
    std::fs::write(&file, "worker_image = \"ghcr.io/acme/shop-worker:2.1.0\"\n").unwrap();
    let output = parity()
        .args(["diff", LOCAL, PROD, "--prod-var-file"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("image of `worker` differs"), "{stdout}");
}

#[test]
fn malformed_var_is_a_usage_error() {
    let output = parity()
        .args(["diff", LOCAL, PROD, "--prod-var", "no-equals-sign"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("expected NAME=VALUE"), "{stderr}");
}

#[test]
fn terraform_errors_name_file_line_and_column_and_exit_2() {
    let output = parity()
        .args(["diff", LOCAL, "testdata/terraform/errors"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("testdata/terraform/errors/broken.tf:3:3: error: syntax error"),
        "{stderr}"
    );
    assert!(stderr.contains(
        "testdata/terraform/errors/main.tf:6:11: error: call to unknown function `lenght`"
    ));
    // The rest still loads: the valid container is compared (and missing locally).
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("service `ok`"), "{stdout}");
}
