//! Suppressions end to end through the facade: inline `# parity: ignore[...]` comments in compose
//! files and Kubernetes manifests are found by `parity::load`, matched by the engine, counted in
//! the report, and a policy file's expired suppression says so.

use std::path::{Path, PathBuf};

use parity::{DiagnosticLevel, Policy, load, load_policy};
use parity_model::SuppressionKind;

/// A fresh folder under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("parity-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("local")).unwrap();
        std::fs::create_dir_all(dir.join("prod")).unwrap();
        Scratch(dir)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const COMPOSE: &str = "services:
  api:
    image: ghcr.io/acme/api:1.4.0
    environment:
      LOG_LEVEL: debug
      # parity: ignore[env-unmatched] the profiler only runs on laptops
      PROFILER: \"on\"
  search:  # parity: ignore[missing-service] a managed OpenSearch domain in prod
    image: opensearchproject/opensearch:2.15.0
";

const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api  # parity: ignore[PAR202] pinned by digest at deploy time
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:latest
          env:
            - name: LOG_LEVEL
              value: debug
            - name: SENTRY_DSN
              value: https://sentry.example.com/1
";

#[test]
fn inline_markers_in_both_sides_suppress_and_are_counted() {
    let scratch = Scratch::new("inline");
    scratch.write("local/compose.yaml", COMPOSE);
    scratch.write("prod/api.yaml", MANIFEST);
    let local = load(scratch.path("local")).unwrap();
    let prod = load(scratch.path("prod")).unwrap();
    assert_eq!(local.inline_ignores.len(), 2);
    assert_eq!(prod.inline_ignores.len(), 1);

    let report = parity::diff(&local, &prod, &Policy::builtin());
    let reported: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.key.as_deref()))
        .collect();
    // `api` is pinned to `latest` in prod (suppressed at metadata.name) and differs in tag (not
    // suppressed: the marker names only unpinned-image); SENTRY_DSN is prod-only.
    assert!(
        reported.contains(&("image-mismatch", Some("api"))),
        "{reported:?}"
    );
    assert!(
        reported.contains(&("env-unmatched", Some("SENTRY_DSN"))),
        "{reported:?}"
    );
    assert!(
        !reported.iter().any(|(rule, _)| *rule == "unpinned-image"),
        "{reported:?}"
    );
    assert!(
        !reported.iter().any(|(_, key)| *key == Some("PROFILER")),
        "{reported:?}"
    );
    assert!(
        !reported.iter().any(|(rule, _)| *rule == "missing-service"),
        "{reported:?}"
    );

    let counts: Vec<(SuppressionKind, &str, usize, u32)> = report
        .suppressed_counts()
        .into_iter()
        .map(|(by, count)| (by.kind, by.description.as_str(), count, by.origin.line))
        .collect();
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.contains(&(SuppressionKind::Inline, "ignore[missing-service]", 1, 8)));
    assert!(counts.contains(&(SuppressionKind::Inline, "ignore[env-unmatched]", 1, 6)));
    assert!(counts.contains(&(SuppressionKind::Inline, "ignore[PAR202]", 1, 4)));
    assert!(
        report.policy_diagnostics.is_empty(),
        "{:?}",
        report.policy_diagnostics
    );
}

#[test]
fn an_expired_policy_suppression_reports_again_and_warns() {
    let scratch = Scratch::new("expired");
    scratch.write("local/compose.yaml", COMPOSE);
    scratch.write("prod/api.yaml", MANIFEST);
    let policy_path = scratch.write(
        "parity.yaml",
        "version: 1\nsuppress:\n  - rule: env-unmatched\n    env: SENTRY_DSN\n    reason: error reporting is prod-only\n    expires: 2020-01-31\n",
    );
    let policy = load_policy(&policy_path).unwrap();
    let local = load(scratch.path("local")).unwrap();
    let prod = load(scratch.path("prod")).unwrap();
    let report = parity::diff(&local, &prod, &policy);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.key.as_deref() == Some("SENTRY_DSN"))
    );
    let warning = report
        .policy_diagnostics
        .iter()
        .find(|d| d.level == DiagnosticLevel::Warning)
        .expect("an expiry warning");
    assert_eq!(warning.origin.line, 3);
    assert!(Path::new(&*warning.origin.file).ends_with("parity.yaml"));
    assert_eq!(
        warning.message,
        "suppression `suppress: rule env-unmatched, env SENTRY_DSN` expired on 2020-01-31: 1 finding is reported again (its reason was: error reporting is prod-only)"
    );

    // The same entry without the expiry hides the finding.
    scratch.write(
        "parity.yaml",
        "version: 1\nsuppress:\n  - {rule: env-unmatched, env: SENTRY_DSN, reason: error reporting is prod-only}\n",
    );
    let policy = load_policy(&policy_path).unwrap();
    let report = parity::diff(&local, &prod, &policy);
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.key.as_deref() == Some("SENTRY_DSN"))
    );
    // Three inline markers and the policy entry.
    assert_eq!(report.suppressed.len(), 4);
}
