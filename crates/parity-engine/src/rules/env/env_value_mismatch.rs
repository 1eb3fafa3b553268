//! PAR310 `env-value-mismatch`.

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an env var that the policy names in `env-must-equal` and that both sides set to
    /// different values. Secret values are never shown: the finding says the values differ.
    ///
    /// Only known values are compared: literals, and ConfigMap/Secret/env_file keys found in the
    /// input. A value taken from the host, from a source that is not in the input or from a field
    /// reference is unknown and not compared.
    ///
    /// ## Why it matters
    /// Most env vars are meant to differ (hosts, credentials, replica counts), so parity does not
    /// compare values by default. Some must not: a `LOG_FORMAT` that the log pipeline parses, a
    /// `TZ`, a feature flag that changes a data format, an API version. When they drift, prod
    /// behaves in a way no developer ever ran.
    ///
    /// ## Example
    /// ```yaml
    /// # parity.yaml
    /// version: 1
    /// env-must-equal: [LOG_FORMAT]
    /// ```
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api: { image: "acme/api:1.4", environment: { LOG_FORMAT: json } }
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment)
    /// env: [{ name: LOG_FORMAT, value: text }]
    /// ```
    ///
    /// ## How to fix
    /// Set the same value on both sides, ideally from one place both are generated from. If the
    /// variable may differ after all, remove it from `env-must-equal`.
    ///
    /// ## Options
    /// `env-must-equal`: env var name globs whose values must be equal (case-sensitive). Empty by
    /// default, so the rule reports nothing until the policy names keys.
    pub EnvValueMismatch {
        code: "PAR310",
        name: "env-value-mismatch",
        family: Env,
        severity: Warning,
        since: "0.2.0",
    }
}

impl Rule for EnvValueMismatch {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let policy = cx.policy();
        for pair in cx.pairs() {
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            // Each name once, in local declaration order; the last definition is what the process
            // sees.
            let mut seen = std::collections::HashSet::new();
            for local_var in &local_container.env {
                let name = local_var.name.as_str();
                if !seen.insert(name) || !policy.must_equal_env(name) || policy.ignores_env(name) {
                    continue;
                }
                let (Some(local_var), Some(prod_var)) =
                    (local_container.env_var(name), prod_container.env_var(name))
                else {
                    continue;
                };
                let (Some(local_value), Some(prod_value)) =
                    (local_var.value.known(), prod_var.value.known())
                else {
                    continue;
                };
                if local_value.expose() == prod_value.expose() {
                    continue;
                }
                let secret = local_value.is_sensitive() || prod_value.is_sensitive();
                let message = if secret {
                    format!(
                        "env var `{name}` of `{}` must be equal on both sides but the values differ (secret values are not shown)",
                        pair.display_name()
                    )
                } else {
                    format!(
                        "env var `{name}` of `{}` must be equal on both sides but the values differ: local `{}`, prod `{}`",
                        pair.display_name(),
                        local_value.shown(),
                        prod_value.shown()
                    )
                };
                let mut finding = pair.finding(meta, message);
                finding.key = Some(name.to_owned());
                finding.local = Some(local_value.shown().to_owned());
                finding.prod = Some(prod_value.shown().to_owned());
                finding.locations = vec![
                    location(Side::Local, &local_var.origin),
                    location(Side::Prod, &prod_var.origin),
                ];
                out.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use crate::testing::{compose_service, k8s_workload, run_rule, run_rule_with_policy, with_env};
    use parity_model::{EnvValue, SensitiveText};

    fn literal(value: &str) -> EnvValue {
        EnvValue::Literal(SensitiveText::plain(value))
    }

    fn policy() -> Policy {
        Policy::from_yaml(
            "p",
            "version: 1\nenv-must-equal: [LOG_FORMAT, 'DB_*', TZ]\n",
        )
        .unwrap()
    }

    #[test]
    fn reports_named_keys_with_different_values_at_both_lines() {
        let local = with_env(
            compose_service("api", 3),
            &[
                ("LOG_FORMAT", literal("json"), 5),
                ("TZ", literal("UTC"), 6),
                ("OTHER", literal("a"), 7),
            ],
        );
        let prod = with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                ("LOG_FORMAT", literal("text"), 20),
                ("TZ", literal("UTC"), 21),
                ("OTHER", literal("b"), 22),
            ],
        );
        let findings = run_rule_with_policy(&EnvValueMismatch, vec![local], vec![prod], &policy());
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            finding.message,
            "env var `LOG_FORMAT` of `api` must be equal on both sides but the values differ: local `json`, prod `text`"
        );
        assert_eq!(finding.key.as_deref(), Some("LOG_FORMAT"));
        let lines: Vec<(Side, u32)> = finding
            .locations
            .iter()
            .map(|l| (l.side, l.origin.line))
            .collect();
        assert_eq!(lines, [(Side::Local, 5), (Side::Prod, 20)]);
    }

    #[test]
    fn never_shows_secret_values() {
        let local = with_env(
            compose_service("api", 3),
            &[(
                "DB_PASSWORD",
                EnvValue::Literal(SensitiveText::for_key("DB_PASSWORD", "dev-pw")),
                5,
            )],
        );
        let prod = with_env(
            k8s_workload("api", "Deployment", 1),
            &[(
                "DB_PASSWORD",
                EnvValue::FromSource {
                    source: parity_model::EnvSource::Secret,
                    source_name: "db".into(),
                    key: Some("password".into()),
                    resolved: Some(SensitiveText::secret("prod-pw")),
                },
                20,
            )],
        );
        let findings = run_rule_with_policy(&EnvValueMismatch, vec![local], vec![prod], &policy());
        assert_eq!(findings.len(), 1);
        let shown = format!("{:?}", findings[0]);
        assert!(
            !shown.contains("dev-pw") && !shown.contains("prod-pw"),
            "{shown}"
        );
        assert!(
            findings[0]
                .message
                .ends_with("(secret values are not shown)")
        );
    }

    #[test]
    fn quiet_without_named_keys_or_known_values() {
        let local = with_env(
            compose_service("api", 3),
            &[("LOG_FORMAT", literal("json"), 5)],
        );
        let prod = with_env(
            k8s_workload("api", "Deployment", 1),
            &[("LOG_FORMAT", literal("text"), 20)],
        );
        // The built-in policy names no key.
        assert!(run_rule(&EnvValueMismatch, vec![local.clone()], vec![prod]).is_empty());
        let prod = with_env(
            k8s_workload("api", "Deployment", 1),
            &[("LOG_FORMAT", EnvValue::FieldRef("metadata.name".into()), 20)],
        );
        assert!(
            run_rule_with_policy(&EnvValueMismatch, vec![local], vec![prod], &policy()).is_empty()
        );
    }
}
