//! Production as it is really deployed: kustomize overlays given as the prod side, several
//! `--prod` environments in one run, and rendered manifests (`helm template`) on standard input.

mod common;
use common::parity;

const LOCAL: &str = "testdata/examples/bookstore-kustomize/local";
const PRODUCTION: &str = "testdata/examples/bookstore-kustomize/prod/overlays/production";
const STAGING: &str = "testdata/examples/bookstore-kustomize/prod/overlays/staging";

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn each_prod_environment_gets_its_own_report() {
    let output = parity()
        .args([
            "diff", "--local", LOCAL, "--prod", PRODUCTION, "--prod", STAGING,
        ])
        .args(["--color", "never"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout_of(&output);
    let production = text
        .find("== environment production (testdata/examples/bookstore-kustomize/prod/overlays/production) ==")
        .expect("production section");
    let staging = text
        .find("== environment staging (testdata/examples/bookstore-kustomize/prod/overlays/staging) ==")
        .expect("staging section");
    assert!(production < staging);
    let (production, staging) = (&text[production..staging], &text[staging..]);
    // Drift that only the rendered overlays show, each in its environment.
    assert!(production.contains("prod `ghcr.io/acme/bookstore-catalog:2.4.1`"));
    assert!(production.contains(
        "prod  testdata/examples/bookstore-kustomize/prod/overlays/production/kustomization.yaml:10:5"
    ));
    assert!(
        production
            .contains("env var `PAYMENT_API_KEY` of `checkout` is set in prod but not locally")
    );
    assert!(!production.contains("3.2.0-rc.1"));
    assert!(staging.contains("prod `ghcr.io/acme/bookstore-checkout:3.2.0-rc.1`"));
    assert!(!staging.contains("bookstore-catalog:2.4.1"));
    // Secret values from the secretGenerator never show.
    assert!(!text.contains("sk_live_placeholder"));
    insta::assert_snapshot!("bookstore_environments", text);
}

#[test]
fn machine_reports_of_several_environments_go_to_one_file_each() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let spec = format!("json={}", report.display());
    let output = parity()
        .args([
            "diff", "--local", LOCAL, "--prod", PRODUCTION, "--prod", STAGING,
        ])
        .args(["--format", &spec])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    for (environment, image) in [
        ("production", "ghcr.io/acme/bookstore-catalog:2.4.1"),
        ("staging", "ghcr.io/acme/bookstore-checkout:3.2.0-rc.1"),
    ] {
        let path = dir.path().join(format!("report.{environment}.json"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            json["prod"]["root"]
                .as_str()
                .unwrap()
                .ends_with(environment)
        );
        let images: Vec<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["rule"] == "image-mismatch")
            .filter_map(|finding| finding["prod"].as_str())
            .collect();
        assert_eq!(images, [image]);
    }
    assert!(!report.exists());

    // To standard output, several JSON reports would not be one JSON document: refused.
    let refused = parity()
        .args([
            "diff", "--local", LOCAL, "--prod", PRODUCTION, "--prod", STAGING,
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("several --prod environments need a file")
    );
}

#[test]
fn a_folder_with_several_overlays_asks_which_environment() {
    let output = parity()
        .args(["diff", LOCAL, "testdata/examples/bookstore-kustomize/prod"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("holds 2 kustomize overlays of the same base (testdata/examples/bookstore-kustomize/prod/overlays/production, testdata/examples/bookstore-kustomize/prod/overlays/staging)"),
        "{stderr}"
    );
}

#[test]
fn the_kustomization_file_itself_can_be_the_prod_side() {
    let output = parity()
        .args([
            "diff",
            LOCAL,
            &format!("{STAGING}/kustomization.yaml"),
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout_of(&output);
    assert!(
        text.contains("checkout  (prod: checkout-staging, paired by normalized-name)"),
        "{text}"
    );
}

/// What `helm template ./chart -f values-prod.yaml` prints: `# Source:` comments, `---`
/// separators, a Secret with base64 data.
const HELM_TEMPLATE: &str = r#"---
# Source: bookstore/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: bookstore-payment
  labels:
    helm.sh/chart: bookstore-0.3.0
type: Opaque
data:
  PAYMENT_API_KEY: "c2tfbGl2ZV9oZWxt"
---
# Source: bookstore/templates/catalog.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-catalog
  labels:
    app.kubernetes.io/name: catalog
    app.kubernetes.io/instance: release
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: catalog
  template:
    metadata:
      labels:
        app.kubernetes.io/name: catalog
    spec:
      containers:
        - name: catalog
          image: "ghcr.io/acme/bookstore-catalog:2.4.0"
          ports:
            - containerPort: 8080
          env:
            - name: DATABASE_HOST
              value: "postgres"
            - name: LOG_LEVEL
              value: "info"
            - name: CACHE_TTL_SECONDS
              value: "60"
---
# Source: bookstore/templates/checkout.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-checkout
  labels:
    app.kubernetes.io/name: checkout
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: checkout
  template:
    metadata:
      labels:
        app.kubernetes.io/name: checkout
    spec:
      containers:
        - name: checkout
          image: "ghcr.io/acme/bookstore-checkout:3.0.9"
          ports:
            - containerPort: 8081
          envFrom:
            - secretRef:
                name: bookstore-payment
          env:
            - name: DATABASE_HOST
              value: "postgres"
            - name: LOG_LEVEL
              value: "info"
            - name: PAYMENT_MODE
              value: "live"
            - name: CATALOG_URL
              value: "http://release-catalog"
"#;

#[test]
fn rendered_helm_output_is_read_from_standard_input() {
    let output = parity()
        .args(["diff", LOCAL, "-", "--color", "never"])
        .write_stdin(HELM_TEMPLATE)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout_of(&output);
    // Services are paired through their app.kubernetes.io/name labels.
    assert!(
        text.contains("checkout  (prod: release-checkout, paired by label)"),
        "{text}"
    );
    assert!(
        text.contains("prod `ghcr.io/acme/bookstore-checkout:3.0.9`"),
        "{text}"
    );
    assert!(text.contains("prod  <stdin>:"), "{text}");
    assert!(text.contains("env var `PAYMENT_API_KEY` of `checkout (prod: release-checkout)` is set in prod but not locally"), "{text}");
    assert!(!text.contains("sk_live_helm") && !text.contains("c2tfbGl2ZV9oZWxt"));
    assert!(text.contains("prod 2 services (<stdin>)"), "{text}");

    // The same stream as one of several environments.
    let several = parity()
        .args([
            "diff", "--local", LOCAL, "--prod", "-", "--prod", PRODUCTION, "--color", "never",
        ])
        .write_stdin(HELM_TEMPLATE)
        .output()
        .unwrap();
    let text = stdout_of(&several);
    assert!(text.contains("== environment stdin (<stdin>) =="), "{text}");
    assert!(text.contains("== environment production ("), "{text}");
}

#[test]
fn several_local_compose_files_are_one_project() {
    let summary = |locals: &[&str]| {
        let mut command = parity();
        command.arg("diff");
        for local in locals {
            command.args(["--local", local]);
        }
        let output = command
            .args(["--prod", "testdata/examples/shop/prod"])
            .output()
            .unwrap();
        let text = stdout_of(&output);
        text.lines().last().unwrap_or("").to_owned()
    };
    // The override file adds Mailhog, as `docker compose -f compose.yaml -f
    // compose.override.yaml` would.
    assert!(summary(&["testdata/examples/shop/local/compose.yaml"]).contains("local 6 services"));
    assert!(
        summary(&[
            "testdata/examples/shop/local/compose.yaml",
            "testdata/examples/shop/local/compose.override.yaml",
        ])
        .contains("local 7 services")
    );
    let folder = parity()
        .args(["diff", "--local", "testdata/examples/shop/local"])
        .args(["--local", "testdata/examples/shop/local/compose.yaml"])
        .args(["--prod", "testdata/examples/shop/prod"])
        .output()
        .unwrap();
    assert_eq!(folder.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&folder.stderr)
            .contains("is a folder: several --local paths must be compose files")
    );
}
