//! The Rego policies shipped under `policies/`: their `*_test.rego` tests pass when run through
//! regorus, and they produce findings end to end on the example app.

use std::path::{Path, PathBuf};

use parity_compose::ComposeOptions;
use parity_engine::{Policy, check_with};
use parity_model::{ArcStr, Environment, Severity};
use parity_rego::{RegoPolicies, run_tests};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn examples() -> PathBuf {
    repository().join("policies/examples")
}

#[test]
fn example_policy_tests_pass() {
    let tests = run_tests(&[examples()]).unwrap();
    let failed: Vec<&str> = tests
        .iter()
        .filter(|test| !test.passed)
        .map(|test| test.rule.as_str())
        .collect();
    assert!(failed.is_empty(), "failing Rego tests: {failed:?}");
    let names: Vec<&str> = tests.iter().map(|test| test.rule.as_str()).collect();
    assert!(
        names.contains(
            &"data.parity.policies.required_labels.test_each_missing_label_is_one_finding"
        )
    );
    assert!(names.contains(
        &"data.parity.policies.trusted_registries.test_a_lookalike_prefix_is_not_trusted"
    ));
    assert_eq!(tests.len(), 6);
}

#[test]
fn a_failing_rego_test_is_reported_as_failed() {
    let dir = std::env::temp_dir().join(format!("parity-rego-failing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("p.rego"),
        "package parity.policies.p\nimport rego.v1\nx := 1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("p_test.rego"),
        "package parity.policies.p\nimport rego.v1\ntest_one if { x == 1 }\ntest_two if { x == 2 }\n",
    )
    .unwrap();
    let tests = run_tests(std::slice::from_ref(&dir)).unwrap();
    let outcome: Vec<(&str, bool)> = tests.iter().map(|t| (t.rule.as_str(), t.passed)).collect();
    assert_eq!(
        outcome,
        [
            ("data.parity.policies.p.test_one", true),
            ("data.parity.policies.p.test_two", false)
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn load_shop() -> (Environment, Environment) {
    let shop = repository().join("testdata/examples/shop");
    let mut local = Environment::new("local");
    let files = parity_compose::discover(&shop.join("local"));
    parity_compose::load(&files, &ComposeOptions::default(), &mut local);
    let mut prod = Environment::new("prod");
    let mut parsed = Vec::new();
    for file in parity_k8s::discover(&shop.join("prod")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let display: ArcStr = file.display().to_string().into();
        parsed.push(parity_k8s::parse_file(display, &text));
    }
    parity_k8s::build(parsed, &mut prod);
    (local, prod)
}

#[test]
fn example_policies_report_findings_like_built_in_rules() {
    let (local, prod) = load_shop();
    let rego = RegoPolicies::load(&[examples()]).unwrap();
    assert_eq!(rego.files().len(), 2);
    let report = check_with(&local, &prod, &Policy::builtin(), &[&rego]);
    let custom: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "trusted-registries" || f.rule == "required-labels")
        .collect();
    assert!(!custom.is_empty());
    // The Redis mirror is not in the trusted list; its finding points at the image line.
    let redis = custom
        .iter()
        .find(|f| {
            f.rule == "trusted-registries" && f.prod.as_deref().is_some_and(|p| p.contains("redis"))
        })
        .expect("a trusted-registries finding for the redis image");
    assert_eq!(redis.severity, Severity::Error);
    assert!(redis.locations[0].origin.file.ends_with("data.yaml"));
    assert!(redis.locations[0].origin.line > 0);
    assert!(redis.message.contains("untrusted registry"));
    assert!(
        report.policy_diagnostics.is_empty(),
        "{:?}",
        report.policy_diagnostics
    );

    // Suppressions apply to custom findings too.
    let policy = Policy::from_yaml(
        "parity.yaml",
        "version: 1\nsuppress:\n  - {service: '*', env: 'team', reason: labels are added by the platform}\n",
    )
    .unwrap();
    let report = check_with(&local, &prod, &policy, &[&rego]);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.key.as_deref() != Some("team"))
    );
    assert!(
        report
            .suppressed
            .iter()
            .any(|s| s.finding.rule == "required-labels")
    );
}

#[test]
fn malformed_policies_and_findings_are_errors() {
    let error = RegoPolicies::from_sources([(
        "bad.rego".to_owned(),
        "package x\nfindings := [".to_owned(),
    )])
    .unwrap_err();
    assert!(error.to_string().starts_with("bad.rego: "), "{error}");

    let (local, prod) = load_shop();
    let rego = RegoPolicies::from_sources([(
        "nomsg.rego".to_owned(),
        "package parity.policies.nomsg\nimport rego.v1\nfindings contains {\"rule\": \"x-rule\", \"service\": \"api\"}\n".to_owned(),
    )])
    .unwrap();
    let report = check_with(&local, &prod, &Policy::builtin(), &[&rego]);
    let messages: Vec<&str> = report
        .policy_diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with(
            "a Rego finding in package `parity.policies.nomsg` is malformed: `message` is required"
        ),
        "{messages:?}"
    );
    let builtin_id = RegoPolicies::from_sources([(
        "dup.rego".to_owned(),
        "package parity.policies.dup\nimport rego.v1\nfindings contains {\"rule\": \"image-mismatch\", \"service\": \"api\", \"message\": \"m\"}\n".to_owned(),
    )])
    .unwrap();
    let report = check_with(&local, &prod, &Policy::builtin(), &[&builtin_id]);
    assert!(
        report.policy_diagnostics[0]
            .message
            .contains("belongs to a built-in rule")
    );
}
