//! Property tests over the whole pipeline: loaders never panic on arbitrary input, diffing an
//! environment against itself reports no drift, and swapping the sides swaps `missing_in`.
//!
//! (The YAML tree and the compose loader have their own no-panic properties in their crates.)

use parity_model::ArcStr;
use std::collections::BTreeSet;

use parity::{Environment, Finding, Policy, Side};
use proptest::prelude::*;

/// Lines that look like Kubernetes manifests, in any order and indentation, so the generator
/// gets past YAML syntax into the loader's reading of objects.
fn manifest_line() -> impl Strategy<Value = String> {
    let lines = prop::sample::select(vec![
        "---",
        "apiVersion: apps/v1",
        "apiVersion: v1",
        "kind: Deployment",
        "kind: List",
        "kind: ConfigMap",
        "kind: Secret",
        "kind: Service",
        "kind: CronJob",
        "items:",
        "- apiVersion: v1",
        "metadata:",
        "name: api",
        "name: [x]",
        "namespace: prod",
        "labels: {app: api}",
        "spec:",
        "template:",
        "jobTemplate:",
        "containers:",
        "initContainers:",
        "- name: api",
        "image: ghcr.io/acme/api:1.0",
        "image: \"\"",
        "image: {a: 1}",
        "ports:",
        "- containerPort: 8080",
        "- containerPort: 99999",
        "- containerPort: http",
        "env:",
        "- name: A",
        "value: x",
        "valueFrom:",
        "configMapKeyRef: {name: cfg, key: A}",
        "secretKeyRef: {name: s, key: k}",
        "envFrom:",
        "- configMapRef: {name: cfg}",
        "- secretRef: {name: s, optional: maybe}",
        "data:",
        "stringData:",
        "A: \"1\"",
        "k: !!binary aGk=",
        "selector:",
        "matchLabels: {app: api}",
        "&a x: *a",
        "<<: {a: 1}",
        "<<: [1]",
        "- *undefined",
        "? complex",
        "%YAML 1.2",
        "{\"kind\": \"Pod\", \"apiVersion\": \"v1\"}",
    ]);
    (0usize..12, lines).prop_map(|(indent, line)| format!("{}{line}", " ".repeat(indent)))
}

fn manifest_text() -> impl Strategy<Value = String> {
    prop::collection::vec(manifest_line(), 0..40).prop_map(|lines| lines.join("\n"))
}

/// A service of a generated side: name, image tag, env var names, port.
#[derive(Debug, Clone)]
struct Spec {
    name: &'static str,
    tag: &'static str,
    env: BTreeSet<&'static str>,
    port: u16,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::sample::select(vec![
            "api", "web", "worker", "db", "cache", "search", "auth", "billing",
        ]),
        prop::sample::select(vec!["1.0", "1.1", "2.0"]),
        prop::collection::btree_set(
            prop::sample::select(vec!["LOG_LEVEL", "DATABASE_URL", "REDIS_URL", "FEATURE_X"]),
            0..4,
        ),
        prop::sample::select(vec![80u16, 8080, 9090]),
    )
        .prop_map(|(name, tag, env, port)| Spec {
            name,
            tag,
            env,
            port,
        })
}

/// Up to eight services with distinct names.
fn side() -> impl Strategy<Value = Vec<Spec>> {
    prop::collection::vec(spec(), 0..8).prop_map(|specs| {
        let mut seen = BTreeSet::new();
        specs
            .into_iter()
            .filter(|spec| seen.insert(spec.name))
            .collect()
    })
}

/// The side as Kubernetes Deployments in one multi-document stream.
fn manifests(specs: &[Spec]) -> String {
    let mut text = String::new();
    for spec in specs {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {name}\n          image: registry.example.com/acme/{name}:{tag}\n          ports:\n            - containerPort: {port}\n          env:\n",
            name = spec.name,
            tag = spec.tag,
            port = spec.port
        ));
        for var in &spec.env {
            text.push_str(&format!(
                "            - name: {var}\n              value: v\n"
            ));
        }
    }
    text
}

fn environment(display: &str, text: &str) -> Environment {
    let mut env = Environment::new(display);
    let parsed = parity_k8s::parse_file(ArcStr::from(format!("{display}/all.yaml")), text);
    parity_k8s::build(vec![parsed], &mut env);
    env
}

/// The rules that compare the two sides. Other rules judge one side on its own (an unpinned
/// image, a missing healthcheck) and may fire on any environment, compared with itself or not.
const DRIFT_RULES: &[&str] = &[
    "missing-service",
    "image-mismatch",
    "env-unmatched",
    "env-value-mismatch",
    "port-mismatch",
    "version-mismatch",
    "engine-mismatch",
];

/// One-sided findings as `(rule, local service, prod service, key, missing_in)`.
type OneSided = BTreeSet<(String, Option<String>, Option<String>, Option<String>, Side)>;

/// What a "present on one side only" finding says, written from the local side's view, so the
/// same drift seen with the sides swapped compares equal after [`swapped`].
fn one_sided(findings: &[Finding]) -> OneSided {
    findings
        .iter()
        .filter_map(|finding| {
            Some((
                finding.rule.to_owned(),
                finding.local_service.clone(),
                finding.prod_service.clone(),
                finding.key.clone(),
                finding.missing_in?,
            ))
        })
        .collect()
}

fn swapped(set: OneSided) -> OneSided {
    set.into_iter()
        .map(|(rule, local, prod, key, missing_in)| {
            let flipped = match missing_in {
                Side::Local => Side::Prod,
                Side::Prod => Side::Local,
            };
            (rule, prod, local, key, flipped)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any manifest-like text loads into diagnostics and services, never a panic; diagnostics
    /// point at the file with a line inside it (or 0 for the whole file).
    #[test]
    fn kubernetes_loading_never_panics(text in manifest_text()) {
        let env = environment("prod", &text);
        let lines = text.lines().count() as u32 + 1;
        for diagnostic in &env.diagnostics {
            prop_assert_eq!(&*diagnostic.origin.file, "prod/all.yaml");
            prop_assert!(diagnostic.origin.line <= lines, "{:?}", diagnostic);
        }
        let _ = parity_k8s::parse_file_if_manifest(ArcStr::from("prod/all.yaml"), &text);
        let _ = parity::diff(&env, &env, &Policy::builtin());
    }

    /// Any policy-like text is a policy or an error, never a panic.
    #[test]
    fn policy_loading_never_panics(text in prop::collection::vec(prop::sample::select(vec![
        "version: 1", "version: 2", "rules:", "  port-mismatch: note", "  nope: error",
        "  image-mismatch: [x]", "ignore:", "  services: [mailhog, \"*-debug\"]", "  env: [\"[\"]",
        "mappings:", "  - local: web", "    prod: storefront", "  - {}", "  services: {a: 1}",
        "allow:", "- 1", "&x a: *x", "<<: *y", "\t", "? [a]",
    ]), 0..16).prop_map(|lines| lines.join("\n"))) {
        if let Err(error) = Policy::from_yaml("parity.yaml", &text) {
            prop_assert!(!error.to_string().is_empty());
        }
    }

    /// An environment compared with itself pairs every service by name and reports no drift.
    #[test]
    fn an_environment_diffed_against_itself_has_no_drift(specs in side()) {
        let env = environment("prod", &manifests(&specs));
        let report = parity::diff(&env, &env, &Policy::builtin());
        prop_assert_eq!(report.pairs.len(), specs.len());
        let drift: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|finding| DRIFT_RULES.contains(&finding.rule))
            .collect();
        prop_assert!(drift.is_empty(), "{:#?}", drift);
    }

    /// Swapping local and prod reports the same drift with `missing_in` (and the service names
    /// of each side) swapped.
    #[test]
    fn swapping_sides_swaps_missing_in(a in side(), b in side()) {
        let a = environment("a", &manifests(&a));
        let b = environment("b", &manifests(&b));
        let forward = parity::diff(&a, &b, &Policy::builtin());
        let backward = parity::diff(&b, &a, &Policy::builtin());
        let forward_missing = one_sided(&forward.findings);
        prop_assert_eq!(swapped(one_sided(&backward.findings)), forward_missing.clone());
        let missing_services = forward
            .findings
            .iter()
            .filter(|finding| finding.rule == "missing-service")
            .count();
        prop_assert_eq!(
            missing_services,
            forward.local.services + forward.prod.services - 2 * forward.pairs.len()
        );
    }
}

/// The properties above are not vacuous: a concrete pair of sides has one-sided drift both ways.
#[test]
fn one_sided_drift_is_seen_from_both_directions() {
    let api = Spec {
        name: "api",
        tag: "1.0",
        env: ["LOG_LEVEL", "FEATURE_X"].into_iter().collect(),
        port: 8080,
    };
    let web = Spec {
        name: "web",
        tag: "1.0",
        env: BTreeSet::new(),
        port: 80,
    };
    let prod_api = Spec {
        env: ["LOG_LEVEL"].into_iter().collect(),
        ..api.clone()
    };
    let local = environment("local", &manifests(&[api, web]));
    let prod = environment("prod", &manifests(&[prod_api]));
    let forward = one_sided(&parity::diff(&local, &prod, &Policy::builtin()).findings);
    let expected: BTreeSet<_> = [
        (
            "env-unmatched".to_owned(),
            Some("api".to_owned()),
            Some("api".to_owned()),
            Some("FEATURE_X".to_owned()),
            Side::Prod,
        ),
        (
            "missing-service".to_owned(),
            Some("web".to_owned()),
            None,
            None,
            Side::Prod,
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(forward, expected);
    let backward = one_sided(&parity::diff(&prod, &local, &Policy::builtin()).findings);
    assert_eq!(swapped(backward), expected);
}
