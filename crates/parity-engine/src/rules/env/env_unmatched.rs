//! PAR301 `env-unmatched`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use parity_model::{Container, EnvValue, EnvVar};

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an environment variable that a paired container sets on one side only.
    ///
    /// Only names are compared, never values, and any way of setting a variable counts: a
    /// literal, `KEY` taken from the host shell in compose, an `env_file`, a ConfigMap or Secret
    /// reference, `envFrom`. When a prod container reads a whole ConfigMap or Secret with
    /// `envFrom` and that source is not among the prod files, its keys are unknown, so the rule
    /// says nothing about that container rather than guess.
    ///
    /// Two exceptions keep the rule quiet where nothing can be fixed: variables prod fills from
    /// the pod itself (`fieldRef`, `resourceFieldRef`: pod name, namespace, node) have no local
    /// equivalent and are skipped; and a name written with `.` or `-` (`quarkus.http.port`),
    /// which only frameworks with relaxed binding (Spring Boot, MicroProfile Config) read, matches
    /// its upper-case `_` spelling (`QUARKUS_HTTP_PORT`) on the other side.
    ///
    /// ## Why it matters
    /// A variable set locally but not in prod usually means a setting nobody deployed (a feature
    /// flag, a connection string), and the service falls back to a default nobody tested. One set
    /// in prod only changes behaviour the developers never see.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api:
    ///     environment:
    ///       DATABASE_URL: postgres://db/app
    ///       CACHE_TTL: "60"           # not set in prod
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment)
    /// env:
    ///   - { name: DATABASE_URL, valueFrom: { secretKeyRef: { name: db, key: url } } }
    /// ```
    ///
    /// ## How to fix
    /// Set the variable on the side that lacks it, or remove it where it is no longer read. For
    /// variables that are local-only on purpose (debug switches, file-watcher polling), add their
    /// names to `ignore.env` in the policy file.
    ///
    /// ## Options
    /// `ignore.env`: globs of variable names (case-sensitive) the rule skips.
    pub EnvUnmatched {
        code: "PAR301",
        name: "env-unmatched",
        family: Env,
        severity: Warning,
        since: "0.1.0",
    }
}

/// The name a variable is matched by. Names are case-sensitive, except that a name with `.` or
/// `-` (which no shell can set, only a process environment) is one a framework with relaxed
/// binding reads, Spring Boot or MicroProfile Config (Quarkus): both look `quarkus.http.port` up
/// as `QUARKUS_HTTP_PORT` too, so the two spellings set the same setting.
fn match_key(name: &str) -> Cow<'_, str> {
    if name.contains(['.', '-']) {
        name.chars()
            .map(|c| {
                if c == '.' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect::<String>()
            .into()
    } else {
        name.into()
    }
}

/// The variables a container sets, by match key, each at its last definition (the one the
/// process sees). A `BTreeMap` so findings come out in key order.
fn env_by_key(container: &Container) -> BTreeMap<Cow<'_, str>, &EnvVar> {
    container
        .env
        .iter()
        .map(|var| (match_key(&var.name), var))
        .collect()
}

/// Values Kubernetes fills in from the pod itself (downward API: pod name, namespace, node,
/// resource limits). They describe the pod, so a local environment has no equivalent to set.
fn is_pod_field(value: &EnvValue) -> bool {
    matches!(value, EnvValue::FieldRef(_) | EnvValue::ResourceFieldRef(_))
}

impl Rule for EnvUnmatched {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let policy = cx.policy();
        for pair in cx.pairs() {
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            // Unknown keys on either side could hold any name; claiming it is missing would be a
            // guess. (Compose has no equivalent: env_file contents are always read or reported.)
            if !prod_container.env_from_unresolved.is_empty()
                || !local_container.env_from_unresolved.is_empty()
            {
                continue;
            }
            let local_env = env_by_key(local_container);
            let prod_env = env_by_key(prod_container);
            let sides = [
                (Side::Local, &local_env, &prod_env, &pair.prod.origin),
                (Side::Prod, &prod_env, &local_env, &pair.local.origin),
            ];
            for (side, has, other, other_origin) in sides {
                for (key, var) in has {
                    let name = var.name.as_str();
                    if other.contains_key(key)
                        || policy.ignores_env(name)
                        || is_pod_field(&var.value)
                    {
                        continue;
                    }
                    let (present, absent) = match side {
                        Side::Local => ("locally", "in prod"),
                        Side::Prod => ("in prod", "locally"),
                    };
                    let message = format!(
                        "env var `{name}` of `{}` is set {present} but not {absent}",
                        pair.display_name()
                    );
                    let mut finding = pair.finding(meta, message);
                    finding.key = Some(name.to_owned());
                    finding.missing_in = Some(side.other());
                    // `describe` shows literals redacted by type and references by name; a
                    // password inside a URL is masked too, whatever the variable is called.
                    let described = Some(parity_model::mask_url_password(&var.value.describe()));
                    match side {
                        Side::Local => finding.local = described,
                        Side::Prod => finding.prod = described,
                    }
                    let mut locations = vec![
                        location(side, &var.origin),
                        location(side.other(), other_origin),
                    ];
                    // Local first, as `Finding::locations` promises.
                    locations.sort_by_key(|l| l.side);
                    finding.locations = locations;
                    out.push(finding);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;
    use crate::testing::{compose_service, k8s_workload, run_rule, run_rule_with_policy, with_env};
    use parity_model::{EnvSource, EnvValue, SensitiveText};

    type Summary<'a> = (&'a str, Option<Side>, Vec<(Side, u32)>);

    fn literal(value: &str) -> EnvValue {
        EnvValue::Literal(SensitiveText::plain(value))
    }

    #[test]
    fn names_set_on_one_side_only_are_reported_with_both_locations() {
        let local = vec![with_env(
            compose_service("api", 3),
            &[
                ("DATABASE_URL", literal("postgres://db/app"), 6),
                ("CACHE_TTL", literal("60"), 7),
            ],
        )];
        let prod = vec![with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                (
                    "DATABASE_URL",
                    EnvValue::FromSource {
                        source: EnvSource::Secret,
                        source_name: "db".into(),
                        key: Some("url".into()),
                        resolved: None,
                    },
                    20,
                ),
                ("OTEL_SERVICE_NAME", literal("api"), 22),
            ],
        )];
        let findings = run_rule(&EnvUnmatched, local, prod);
        let summary: Vec<Summary<'_>> = findings
            .iter()
            .map(|f| {
                let lines = f
                    .locations
                    .iter()
                    .map(|l| (l.side, l.origin.line))
                    .collect();
                (f.key.as_deref().unwrap_or(""), f.missing_in, lines)
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "CACHE_TTL",
                    Some(Side::Prod),
                    vec![(Side::Local, 7), (Side::Prod, 1)]
                ),
                (
                    "OTEL_SERVICE_NAME",
                    Some(Side::Local),
                    vec![(Side::Local, 3), (Side::Prod, 22)]
                ),
            ]
        );
        assert_eq!(
            findings[0].message,
            "env var `CACHE_TTL` of `api` is set locally but not in prod"
        );
        assert_eq!(findings[0].local.as_deref(), Some("60"));
        assert_eq!(
            findings[1].message,
            "env var `OTEL_SERVICE_NAME` of `api` is set in prod but not locally"
        );
        assert_eq!(findings[1].prod.as_deref(), Some("api"));
    }

    #[test]
    fn every_value_kind_counts_as_set_and_secrets_stay_redacted() {
        let local = vec![with_env(
            compose_service("api", 3),
            &[
                ("FROM_SHELL", EnvValue::FromHost, 5),
                (
                    "API_TOKEN",
                    EnvValue::Literal(SensitiveText::secret("hunter2")),
                    6,
                ),
            ],
        )];
        let prod = vec![with_env(
            k8s_workload("api", "Deployment", 1),
            &[("FROM_SHELL", literal("x"), 9)],
        )];
        let findings = run_rule(&EnvUnmatched, local, prod);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].local.as_deref(), Some("<redacted>"));
        assert!(!format!("{findings:?}").contains("hunter2"));
    }

    #[test]
    fn unresolved_env_from_silences_the_container() {
        let local = vec![with_env(
            compose_service("api", 3),
            &[("CACHE_TTL", literal("60"), 7)],
        )];
        let mut workload = k8s_workload("api", "Deployment", 1);
        if let Some(container) = workload.containers.first_mut() {
            container
                .env_from_unresolved
                .push("configmap/api-config".into());
        }
        assert!(run_rule(&EnvUnmatched, local, vec![workload]).is_empty());
    }

    #[test]
    fn pod_fields_are_not_expected_locally() {
        let prod = vec![with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                ("POD_NAME", EnvValue::FieldRef("metadata.name".into()), 20),
                (
                    "MEMORY_LIMIT",
                    EnvValue::ResourceFieldRef("limits.memory".into()),
                    21,
                ),
            ],
        )];
        assert!(run_rule(&EnvUnmatched, vec![compose_service("api", 3)], prod).is_empty());
    }

    #[test]
    fn relaxed_binding_spellings_match() {
        let local = vec![with_env(
            compose_service("api", 3),
            &[
                (
                    "QUARKUS_DATASOURCE_JDBC_URL",
                    literal("jdbc:postgresql://db/app"),
                    5,
                ),
                ("LOG_LEVEL", literal("debug"), 6),
            ],
        )];
        let prod = vec![with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                (
                    "quarkus.datasource.jdbc-url",
                    literal("jdbc:postgresql://db.internal/app"),
                    20,
                ),
                ("log_level", literal("info"), 21),
            ],
        )];
        let keys: Vec<Option<String>> = run_rule(&EnvUnmatched, local, prod)
            .into_iter()
            .map(|f| f.key)
            .collect();
        // Plain names stay case-sensitive: `log_level` is not `LOG_LEVEL`.
        assert_eq!(
            keys,
            [Some("LOG_LEVEL".to_owned()), Some("log_level".to_owned())]
        );
        assert_eq!(
            match_key("mp.messaging.smallrye-kafka.url"),
            "MP_MESSAGING_SMALLRYE_KAFKA_URL"
        );
        assert_eq!(match_key("Path"), "Path");
    }

    #[test]
    fn ignored_names_are_skipped() {
        let local = vec![with_env(
            compose_service("web", 3),
            &[
                ("DEBUG", literal("1"), 4),
                ("COMPOSE_X", literal("1"), 5),
                ("WATCHPACK_POLLING", literal("true"), 6),
            ],
        )];
        let prod = vec![k8s_workload("web", "Deployment", 1)];
        let policy =
            Policy::from_yaml("p", "version: 1\nignore: {env: [DEBUG, 'COMPOSE_*']}\n").unwrap();
        assert!(run_rule_with_policy(&EnvUnmatched, local, prod, &policy).is_empty());
    }

    #[test]
    fn a_name_set_twice_counts_once() {
        let local = vec![with_env(
            compose_service("web", 3),
            &[("MODE", literal("a"), 4), ("MODE", literal("b"), 9)],
        )];
        let findings = run_rule(
            &EnvUnmatched,
            local,
            vec![k8s_workload("web", "Deployment", 1)],
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].locations[0].origin.line, 9);
        assert_eq!(findings[0].local.as_deref(), Some("b"));
    }

    #[test]
    fn passwords_in_urls_are_masked_in_findings() {
        let local = vec![with_env(
            compose_service("api", 3),
            &[("DATABASE_URL", literal("postgres://app:hunter2@db/app"), 5)],
        )];
        let findings = run_rule(
            &EnvUnmatched,
            local,
            vec![k8s_workload("api", "Deployment", 1)],
        );
        assert_eq!(
            findings[0].local.as_deref(),
            Some("postgres://app:<redacted>@db/app")
        );
    }
}
