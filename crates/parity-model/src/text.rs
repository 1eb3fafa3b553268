use std::fmt;

use arcstr::ArcStr;

/// A string value that may be a secret.
///
/// Secrets are redacted by type: `Display` and `Debug` never show a sensitive value, so a renderer
/// cannot leak one by formatting it. Comparisons use [`SensitiveText::expose`] explicitly.
///
/// The value is an [`ArcStr`]: one value read once (a ConfigMap entry) and used by many env vars
/// (every `envFrom` that expands it) is held once, and cloning never allocates.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SensitiveText {
    value: ArcStr,
    sensitive: bool,
}

/// What a redacted value is displayed as.
pub const REDACTED: &str = "<redacted>";

impl SensitiveText {
    /// A value that may be shown.
    pub fn plain(value: impl Into<ArcStr>) -> Self {
        Self {
            value: value.into(),
            sensitive: false,
        }
    }

    /// A value that must never be shown (Secret data, values of secret-looking keys).
    pub fn secret(value: impl Into<ArcStr>) -> Self {
        Self {
            value: value.into(),
            sensitive: true,
        }
    }

    /// A value that is sensitive when `key` looks like it names a secret, or when the value
    /// itself has the shape of a credential whatever its key ([`looks_secret_value`]).
    pub fn for_key(key: &str, value: impl Into<ArcStr>) -> Self {
        let value = value.into();
        let sensitive = looks_secret_key(key) || looks_secret_value(&value).is_some();
        Self { value, sensitive }
    }

    /// The same value, never to be shown (a ConfigMap value read through a secret-looking
    /// name). Shares the text: no copy.
    pub fn to_secret(&self) -> Self {
        Self {
            value: self.value.clone(),
            sensitive: true,
        }
    }

    /// Whether the value must be redacted.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// The real value, for comparison. Never print it without checking [`Self::is_sensitive`].
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The value as it may be displayed: the value itself, or `<redacted>`.
    pub fn shown(&self) -> &str {
        if self.sensitive {
            REDACTED
        } else {
            &self.value
        }
    }
}

impl fmt::Display for SensitiveText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

impl fmt::Debug for SensitiveText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.shown())
    }
}

/// Whether an env var or config key name looks like it holds a secret
/// (PASSWORD, TOKEN, SECRET, API_KEY, PRIVATE_KEY, CREDENTIALS, ...).
///
/// The match is on name words, so `KEYCLOAK_URL` or `MONKEY` do not count but `API_KEY`,
/// `db-password` and `githubToken` do.
pub fn looks_secret_key(key: &str) -> bool {
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "KEY",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
        "AUTH",
        "CERT",
        "PASSPHRASE",
        "SALT",
        "DSN",
        "SIGNATURE",
        "COOKIE",
        "SESSION",
    ];
    // Words that contain KEY but name no secret.
    const NOT_SECRET: &[&str] = &["KEYSPACE", "KEYCLOAK", "PUBLIC"];
    let upper = key.to_ascii_uppercase();
    let words = split_words(key);
    if words.iter().any(|w| NOT_SECRET.contains(&w.as_str())) && !upper.contains("SECRET") {
        return words.iter().any(|w| {
            matches!(
                w.as_str(),
                "PASSWORD" | "PASSWD" | "TOKEN" | "CREDENTIALS" | "PRIVATE"
            )
        });
    }
    words.iter().any(|w| WORDS.contains(&w.as_str()))
        || upper.contains("PASSWORD")
        || upper.contains("SECRET")
        || upper.contains("APIKEY")
        || upper.contains("API_KEY")
        || upper.contains("ACCESS_KEY")
        || upper.contains("PRIVATE_KEY")
}

/// What a value looks like when its format alone says it is a credential: `a Stripe live secret
/// key` for `sk_live_...`, `an AWS access key id` for `AKIA...`, `a GitHub token`, `a Slack
/// token`, `a PEM private key`, ... . `None` for anything else (URLs are judged by whether they
/// carry a password, elsewhere).
pub fn looks_secret_value(value: &str) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        ("sk_live_", "a Stripe live secret key"),
        ("rk_live_", "a Stripe restricted key"),
        ("whsec_", "a webhook signing secret"),
        ("ghp_", "a GitHub token"),
        ("gho_", "a GitHub token"),
        ("ghs_", "a GitHub token"),
        ("ghu_", "a GitHub token"),
        ("github_pat_", "a GitHub token"),
        ("glpat-", "a GitLab token"),
        ("xoxb-", "a Slack token"),
        ("xoxp-", "a Slack token"),
        ("xoxa-", "a Slack token"),
        ("xapp-", "a Slack token"),
        ("npm_", "an npm token"),
        ("SG.", "a SendGrid key"),
        ("AIza", "a Google API key"),
    ];
    let value = value.trim();
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a PEM private key");
    }
    for (prefix, what) in PREFIXES {
        let rest = value.get(prefix.len()..).unwrap_or_default();
        if value.starts_with(prefix) && rest.len() >= 12 && !rest.contains(char::is_whitespace) {
            return Some(what);
        }
    }
    let aws = ["AKIA", "ASIA"]
        .iter()
        .any(|prefix| value.starts_with(prefix));
    if aws
        && value.len() == 20
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("an AWS access key id");
    }
    None
}

/// Splits `DB_PASSWORD`, `db-password`, `dbPassword` and `db.password` into upper-case words.
fn split_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in key.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_keys() {
        for key in [
            "POSTGRES_PASSWORD",
            "db-password",
            "githubToken",
            "API_KEY",
            "STRIPE_SECRET",
            "AWS_SECRET_ACCESS_KEY",
            "private_key",
            "JWT_SECRET",
            "REDIS_PASS",
            "SENTRY_DSN",
            "AWS_ACCESS_KEY_ID",
            "apikey",
        ] {
            assert!(looks_secret_key(key), "{key} should look secret");
        }
        for key in [
            "DATABASE_HOST",
            "KEYCLOAK_URL",
            "MONKEY",
            "PORT",
            "LOG_LEVEL",
            "NODE_ENV",
            "CASSANDRA_KEYSPACE",
            "PASSENGER_COUNT",
            "PUBLIC_KEY_URL",
        ] {
            assert!(!looks_secret_key(key), "{key} should not look secret");
        }
    }

    #[test]
    fn credential_shaped_values_are_sensitive_whatever_their_key() {
        assert_eq!(
            looks_secret_value("xoxb-2231908774-5529184401-Qz8nWbLkT3vR"),
            Some("a Slack token")
        );
        assert_eq!(
            looks_secret_value("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(looks_secret_value("sk_live_"), None);
        assert_eq!(looks_secret_value("AKIA short"), None);
        assert_eq!(looks_secret_value("https://hooks.example.com"), None);
        let text = SensitiveText::for_key("CI_NOTIFY", "xoxb-2231908774-5529184401-Qz8nWbLkT3vR");
        assert!(text.is_sensitive());
        assert!(!SensitiveText::for_key("LOG_LEVEL", "info").is_sensitive());
    }

    #[test]
    fn sensitive_text_is_redacted_in_display_and_debug() {
        let text = SensitiveText::secret("hunter2");
        assert_eq!(text.to_string(), REDACTED);
        assert_eq!(format!("{text:?}"), format!("{REDACTED:?}"));
        assert_eq!(text.expose(), "hunter2");
        assert_eq!(
            SensitiveText::for_key("LOG_LEVEL", "debug").to_string(),
            "debug"
        );
    }
}
