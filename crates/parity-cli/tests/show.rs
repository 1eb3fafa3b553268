//! `parity show`: one side as parity resolved it, in every format, never leaking a secret.

mod common;

use common::{SECRETS, SHOP_LOCAL, SHOP_PROD, parity};

const FORMATS: &[&str] = &["table", "json", "yaml"];

/// Runs `parity show ROOT --format FORMAT`, expecting exit code 0, and returns standard output.
fn show(root: &str, format: &str) -> String {
    let output = parity()
        .args(["show", root, "--format", format])
        .output()
        .expect("parity runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "parity show {root} --format {format}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn shop_local_table() {
    insta::assert_snapshot!(show(SHOP_LOCAL, "table"));
}

#[test]
fn shop_local_json() {
    insta::assert_snapshot!(show(SHOP_LOCAL, "json"));
}

#[test]
fn shop_local_yaml() {
    insta::assert_snapshot!(show(SHOP_LOCAL, "yaml"));
}

#[test]
fn shop_prod_table() {
    insta::assert_snapshot!(show(SHOP_PROD, "table"));
}

#[test]
fn shop_prod_json() {
    insta::assert_snapshot!(show(SHOP_PROD, "json"));
}

#[test]
fn shop_prod_yaml() {
    insta::assert_snapshot!(show(SHOP_PROD, "yaml"));
}

#[test]
fn no_planted_secret_in_any_format() {
    for root in [SHOP_LOCAL, SHOP_PROD] {
        for format in FORMATS {
            let output = show(root, format);
            for secret in SECRETS {
                assert!(
                    !output.contains(secret),
                    "{secret} leaked by parity show {root} --format {format}"
                );
            }
        }
    }
}

#[test]
fn json_carries_the_documented_fields() {
    for root in [SHOP_LOCAL, SHOP_PROD] {
        let value: serde_json::Value =
            serde_json::from_str(&show(root, "json")).expect("valid JSON");
        assert_eq!(value["version"], 1);
        assert_eq!(value["root"], root);
        assert!(value["diagnostics"].is_array());
        let services = value["services"].as_array().expect("services");
        assert!(!services.is_empty());
        for service in services {
            assert!(service["name"].is_string());
            assert!(service["image"].is_string() || service["image"].is_null());
            for var in service["env"].as_array().expect("env") {
                assert!(var["name"].is_string());
                assert!(var["value"].is_string() || var["value"].is_null());
                assert!(var["redacted"].is_boolean());
                assert!(var["file"].is_string());
                assert!(var["line"].is_u64());
            }
            for port in service["ports"].as_array().expect("ports") {
                assert!(port["container"].is_u64());
                assert!(port["published"].is_u64() || port["published"].is_null());
                assert!(port["protocol"].is_string());
            }
            for volume in service["volumes"].as_array().expect("volumes") {
                assert!(volume["target"].is_string());
                assert!(volume["kind"].is_string());
                assert!(volume["persistent"].is_boolean());
            }
            assert!(
                service["depends_on"]
                    .as_array()
                    .expect("depends_on")
                    .iter()
                    .all(serde_json::Value::is_string)
            );
        }
    }
}

#[test]
fn unreadable_input_exits_2() {
    for format in FORMATS {
        parity()
            .args(["show", "testdata/does-not-exist", "--format", format])
            .assert()
            .code(2);
    }
}

#[test]
fn a_file_that_does_not_parse_exits_2_and_is_still_shown() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  api:\n    image: [unclosed\n",
    )
    .expect("write compose file");
    let output = parity()
        .args(["show", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("parity runs");
    assert_eq!(output.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert!(
        !value["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .is_empty(),
        "{value}"
    );
}
