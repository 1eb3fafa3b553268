//! PAR790 `secret-in-plain-env`.

use std::collections::BTreeSet;

use parity_model::{
    ConfigSourceKind, Edge, EnvValue, Origin, PartialText, REDACTED, looks_secret_value,
    parse_connection_url, parse_partial_connection_url,
};

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a secret written as a literal in prod: in a workload's `env` or in a ConfigMap,
    /// instead of coming from a Secret (`secretKeyRef`, `envFrom` with a `secretRef`, a mounted
    /// Secret, or a secret manager reference). A value counts as a secret when its key looks like
    /// one (`PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`, `API_KEY`, `APIKEY`, `PRIVATE_KEY`,
    /// `CREDENTIALS`, `ACCESS_KEY`, ...) or the value itself looks like a credential: a URL whose
    /// userinfo holds a password, or a well-known token format (`sk_live_`, `AKIA...`, `ghp_`,
    /// `xoxb-`, `glpat-`, a PEM private key block).
    ///
    /// A URL without credentials is not a secret, and neither are empty values, numbers,
    /// booleans, file paths (`*_FILE=/run/secrets/...`) or references such as `vault:...`,
    /// `arn:aws:secretsmanager:...` and `${...}` placeholders. Literals on the local side are
    /// normal for development and never reported. The value is never printed, in any format.
    ///
    /// ## Why it matters
    /// A manifest is read by everyone with access to the repository, the CI logs and
    /// `kubectl get -o yaml`; a ConfigMap is not encrypted at rest or access-controlled the way
    /// a Secret is. A credential there has leaked, and rotating it means a deploy.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api:
    ///     environment:
    ///       STRIPE_API_KEY: sk_test_local   # fine locally
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment)
    /// env:
    ///   - name: STRIPE_API_KEY
    ///     value: sk_live_...                # a live key in plain text
    /// ```
    ///
    /// ## How to fix
    /// Rotate the credential, store it in a Secret (or an external secret manager synced into
    /// one) and reference it with `valueFrom.secretKeyRef` or `envFrom.secretRef`.
    pub SecretInPlainEnv {
        code: "PAR790",
        name: "secret-in-plain-env",
        family: Secrets,
        severity: Error,
        since: "0.1.0",
    }
}

/// Splits `DB_PASSWORD`, `db-password`, `dbPassword` into upper-case words.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in key.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_uppercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether the key names a secret. Narrower than the redaction check: redacting too much is
/// harmless, reporting too much is noise.
fn secret_key(key: &str) -> bool {
    let words = words(key);
    // Keys that name where or how a secret is found, not the secret itself.
    const REFERENCE_SUFFIXES: &[&str] = &[
        "FILE",
        "PATH",
        "NAME",
        "ARN",
        "REF",
        "ID",
        "URL",
        "URI",
        "ENDPOINT",
        "HEADER",
        "TTL",
        "EXPIRY",
        "EXPIRES",
        "LENGTH",
        "ALGORITHM",
        "ALG",
        "ISSUER",
        "AUDIENCE",
        "ENABLED",
        "TYPE",
        "VERSION",
        "DIR",
        "LOCATION",
        "PREFIX",
        "FIELD",
        "PARAM",
        "SIZE",
        "TIMEOUT",
    ];
    let Some(last) = words.last() else {
        return false;
    };
    // AWS_ACCESS_KEY_ID is a credential even though it ends in ID.
    let access_key_id = words.windows(3).any(|w| w == ["ACCESS", "KEY", "ID"]);
    if REFERENCE_SUFFIXES.contains(&last.as_str()) && !access_key_id {
        return false;
    }
    let has = |word: &str| words.iter().any(|w| w == word);
    let pair = |a: &str, b: &str| words.windows(2).any(|w| w[0] == a && w[1] == b);
    has("PASSWORD")
        || has("PASSWD")
        || has("PASS")
        || has("PWD")
        || has("SECRET")
        || has("SECRETS")
        || has("TOKEN")
        || has("APIKEY")
        || has("CREDENTIALS")
        || has("CREDENTIAL")
        || has("PASSPHRASE")
        || pair("API", "KEY")
        || pair("PRIVATE", "KEY")
        || pair("ACCESS", "KEY")
        || pair("SIGNING", "KEY")
        || pair("ENCRYPTION", "KEY")
        || pair("MASTER", "KEY")
        || pair("LICENSE", "KEY")
        || pair("SERVICE", "KEY")
}

/// Values that are not secrets whatever their key says: nothing, placeholders, references to
/// secret stores, numbers, booleans, paths.
fn is_not_a_secret_value(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    value.is_empty()
        || value.starts_with('/')
        || value.contains("${")
        || value.contains("{{")
        || value.starts_with("$(")
        || value.parse::<f64>().is_ok()
        || matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "<redacted>")
        // Placeholders that stand for "fill this in" or a dummy for a local emulator.
        || matches!(
            lower.as_str(),
            "key" | "secret" | "password" | "token" | "test" | "dummy" | "placeholder" | "example"
                | "xxx" | "xxxx" | "todo" | "tbd" | "-" | "foo" | "bar" | "fake"
        )
        || [
            "vault:",
            "ref+",
            "arn:aws:secretsmanager:",
            "arn:aws:ssm:",
            "secretsmanager:",
            "projects/",
            "sm://",
            "gcpsm://",
            "awssm://",
            "azurekv://",
            "op://",
            "doppler://",
            "akv:",
            "secret://",
        ]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
}

/// Why the literal is reported, or `None` when it is fine.
fn why_secret(key: &str, value: &str) -> Option<String> {
    // First what makes the value look like a credential on its own; the URL is parsed once for
    // both questions asked of it (this runs on every literal of every service).
    if let Some(format) = looks_secret_value(value) {
        return Some(format!("its value looks like {format}"));
    }
    let url = parse_connection_url(value);
    if url.as_ref().is_some_and(|url| url.has_password()) {
        return Some("its value looks like a URL with a password".to_owned());
    }
    // A URL without credentials under a secret-looking key (`TOKEN_ENDPOINT`-like names are
    // filtered by key already) is still only an address.
    if is_not_a_secret_value(value) || url.is_some() {
        return None;
    }
    secret_key(key).then(|| "its name says it is a secret".to_owned())
}

/// Why a value only partly known before deploy is reported: when what is written of it is a
/// credential (a URL whose password is written, a well-known token format). The parts known only
/// at deploy time come from other resources and are no literal; the key alone says nothing
/// about the written parts.
fn why_partly_secret(text: &PartialText) -> Option<String> {
    if let Some(format) = text.known_parts().find_map(looks_secret_value) {
        return Some(format!("its value looks like {format}"));
    }
    parse_partial_connection_url(text)
        .is_some_and(|url| url.has_password())
        .then(|| "its value looks like a URL with a password".to_owned())
}

impl Rule for SecretInPlainEnv {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let prod = cx.environment(Side::Prod);
        // Looked up for every prod service and ConfigMap: a map built once, not a scan of every
        // pair each time (that made the rule quadratic, 0.4 s at 10,000 services).
        let mut pairs_by_prod_name = std::collections::HashMap::new();
        for pair in cx.pairs() {
            pairs_by_prod_name
                .entry(pair.prod.name.as_str())
                .or_insert(pair);
        }
        let local_of = |prod_name: &str| {
            pairs_by_prod_name
                .get(prod_name)
                .map(|pair| (pair.local, pair.display_name(), pair.paired_by))
        };
        // Literals in workloads' env.
        for (_, service) in prod.graph.services() {
            if cx.ignores_service(service) {
                continue;
            }
            // The pair (and its display name) only for a service with a finding.
            let paired = std::cell::OnceCell::new();
            for container in &service.containers {
                for var in &container.env {
                    let why = match &var.value {
                        EnvValue::Literal(text) => why_secret(&var.name, text.expose()),
                        EnvValue::Partial(text) => why_partly_secret(text),
                        _ => continue,
                    };
                    let Some(why) = why else {
                        continue;
                    };
                    if cx.policy().ignores_env(&var.name) {
                        continue;
                    }
                    let paired = paired.get_or_init(|| local_of(&service.name));
                    let shown_name = paired
                        .as_ref()
                        .map_or_else(|| service.name.clone(), |(_, name, _)| name.clone());
                    let message = format!(
                        "`{shown_name}` sets `{}` as a literal in prod ({why}): it should come from a Secret",
                        var.name
                    );
                    let local_var = paired
                        .as_ref()
                        .and_then(|(local, _, _)| local.primary_container())
                        .and_then(|container| container.env_var(&var.name));
                    out.push(finding(
                        meta,
                        service.name.as_str(),
                        paired
                            .as_ref()
                            .map(|(local, _, by)| (local.name.as_str(), by.as_str())),
                        &var.name,
                        message,
                        local_var.map(|v| &v.origin),
                        &var.origin,
                    ));
                }
            }
        }
        // Literals in ConfigMaps the workloads read (reported once, at the ConfigMap's line).
        for (index, source) in prod.graph.config_sources() {
            if source.kind != ConfigSourceKind::ConfigMap {
                continue;
            }
            let readers: BTreeSet<&str> = prod
                .graph
                .edges_to(index)
                .filter(|(edge, _)| *edge == Edge::ReadsConfigFrom)
                .filter_map(|(_, reader)| prod.graph.service(reader))
                .map(|service| service.name.as_str())
                .collect();
            let owner = readers.iter().next().copied();
            for (key, (value, origin)) in &source.entries {
                if cx.policy().ignores_env(key) {
                    continue;
                }
                let Some(why) = why_secret(key, value.expose()) else {
                    continue;
                };
                let subject = owner.unwrap_or(source.name.as_str());
                let paired = owner.and_then(local_of);
                let message = format!(
                    "the ConfigMap `{}` holds `{key}` in plain text ({why}): it should be a Secret",
                    source.name
                );
                let local_var = paired
                    .as_ref()
                    .and_then(|(local, _, _)| local.primary_container())
                    .and_then(|container| container.env_var(key));
                out.push(finding(
                    meta,
                    subject,
                    paired
                        .as_ref()
                        .map(|(local, _, by)| (local.name.as_str(), by.as_str())),
                    key,
                    message,
                    local_var.map(|v| &v.origin),
                    origin,
                ));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    meta: &'static parity_model::RuleMeta,
    prod_service: &str,
    local: Option<(&str, &str)>,
    key: &str,
    message: String,
    local_origin: Option<&Origin>,
    prod_origin: &Origin,
) -> Finding {
    let mut locations = Vec::new();
    if let Some(origin) = local_origin {
        locations.push(location(Side::Local, origin));
    }
    locations.push(location(Side::Prod, prod_origin));
    Finding {
        rule: meta.name,
        severity: meta.default_severity,
        service: local.map_or(prod_service, |(name, _)| name).to_owned(),
        local_service: local.map(|(name, _)| name.to_owned()),
        prod_service: Some(prod_service.to_owned()),
        key: Some(key.to_owned()),
        missing_in: None,
        local: None,
        prod: Some(REDACTED.to_owned()),
        message,
        paired_by: local.map(|(_, by)| by.to_owned()),
        locations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, k8s_workload, partly_known, run_rule, with_env};
    use parity_model::SensitiveText;

    /// What makes the value look like a credential on its own, when it does: the first two
    /// questions of [`why_secret`].
    fn credential_format(value: &str) -> Option<&'static str> {
        if let Some(what) = looks_secret_value(value) {
            return Some(what);
        }
        parse_connection_url(value)
            .is_some_and(|url| url.has_password())
            .then_some("a URL with a password")
    }

    fn literal(key: &str, value: &str) -> EnvValue {
        EnvValue::Literal(SensitiveText::for_key(key, value))
    }

    #[test]
    fn secret_keys() {
        for key in [
            "DB_PASSWORD",
            "JWT_SECRET",
            "githubToken",
            "STRIPE_API_KEY",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "REDIS_PASS",
            "private_key",
        ] {
            assert!(secret_key(key), "{key}");
        }
        for key in [
            "DB_PASSWORD_FILE",
            "SECRET_NAME",
            "TOKEN_URL",
            "TOKEN_TTL",
            "KEYCLOAK_URL",
            "PUBLIC_KEY",
            "SESSION_TIMEOUT",
            "LOG_LEVEL",
        ] {
            assert!(!secret_key(key), "{key}");
        }
    }

    #[test]
    fn credential_values() {
        assert_eq!(
            credential_format("sk_live_51HqQ2mAbCdEfGhIjKlMn"),
            Some("a Stripe live secret key")
        );
        assert_eq!(
            credential_format("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            credential_format("postgres://app:hunter2@db/app"),
            Some("a URL with a password")
        );
        assert_eq!(credential_format("postgres://db/app"), None);
        assert_eq!(credential_format("sk_live_"), None);
        assert_eq!(why_secret("DB_PASSWORD", ""), None);
        assert_eq!(why_secret("API_TOKEN", "vault:secret/data/api#token"), None);
        assert_eq!(why_secret("DB_PASSWORD", "${DB_PASSWORD}"), None);
        assert_eq!(
            why_secret("OAUTH_TOKEN", "https://auth.example.com/token"),
            None
        );
    }

    #[test]
    fn prod_literals_fire_with_both_lines_and_never_the_value() {
        let local = vec![with_env(
            compose_service("api", 3),
            &[(
                "STRIPE_API_KEY",
                literal("STRIPE_API_KEY", "sk_test_local"),
                8,
            )],
        )];
        let prod = vec![with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                (
                    "STRIPE_API_KEY",
                    literal("STRIPE_API_KEY", "sk_live_51HqQ2mAbCdEfGhIjKlMn"),
                    30,
                ),
                (
                    "DATABASE_URL",
                    literal("DATABASE_URL", "postgres://app:hunter2@db/app"),
                    31,
                ),
                ("CACHE_URL", literal("CACHE_URL", "redis://cache:6379"), 32),
                ("LOG_LEVEL", literal("LOG_LEVEL", "info"), 33),
            ],
        )];
        let findings = run_rule(&SecretInPlainEnv, local, prod);
        let got: Vec<(&str, Vec<u32>)> = findings
            .iter()
            .map(|f| {
                (
                    f.key.as_deref().unwrap(),
                    f.locations.iter().map(|l| l.origin.line).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [("DATABASE_URL", vec![31]), ("STRIPE_API_KEY", vec![8, 30])]
        );
        assert_eq!(
            findings[1].message,
            "`api` sets `STRIPE_API_KEY` as a literal in prod (its value looks like a Stripe live secret key): it should come from a Secret"
        );
        for finding in &findings {
            let text = format!("{finding:?}");
            assert!(
                !text.contains("hunter2") && !text.contains("sk_live_51"),
                "{text}"
            );
        }
    }

    #[test]
    fn partly_known_values_count_only_their_written_parts() {
        let partial =
            |key: &str, template: &str| EnvValue::Partial(Box::new(partly_known(key, template)));
        let prod = vec![with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                (
                    "DATABASE_URL",
                    partial(
                        "DATABASE_URL",
                        "postgres://shop:hunter2@${aws_db_instance.main.address}:5432/shop",
                    ),
                    30,
                ),
                (
                    "REPLICA_URL",
                    partial(
                        "REPLICA_URL",
                        "postgres://shop:${random_password.db.result}@${aws_db_instance.replica.address}",
                    ),
                    31,
                ),
                (
                    "DB_PASSWORD",
                    partial("DB_PASSWORD", "v1-${random_password.db.result}"),
                    32,
                ),
                (
                    "CACHE_URL",
                    partial(
                        "CACHE_URL",
                        "redis://${aws_elasticache_cluster.cache.address}",
                    ),
                    33,
                ),
            ],
        )];
        let findings = run_rule(&SecretInPlainEnv, Vec::new(), prod);
        let got: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.key.as_deref().unwrap(), f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [(
                "DATABASE_URL",
                "`api` sets `DATABASE_URL` as a literal in prod (its value looks like a URL with a password): it should come from a Secret"
            )]
        );
        assert!(!format!("{findings:?}").contains("hunter2"));
    }
}
