//! Strings only partly known before deploy: `"postgres://${aws_db_instance.main.address}:5432/shop"`.
//!
//! A loader that evaluates configuration (Terraform) knows the literal parts of such a value but
//! not the parts another resource produces at deploy time. [`PartialText`] keeps both: the known
//! text, and for every unknown part the reference that produces it. Rules can then still read
//! what is known (the URL's scheme, port and path, see
//! [`parse_partial_connection_url`](crate::parse_partial_connection_url)) and follow the
//! references to the resources they name (an `aws_db_instance` and its engine).
//!
//! Written out (in messages, `parity show`), an unknown part is `${reference}`, the way the
//! configuration wrote it. The known parts may hold a secret (a password in a URL): like
//! [`SensitiveText`](crate::SensitiveText), the value is redacted by type in `Display` and
//! `Debug`, and [`PartialText::expose_template`] is the only way to the raw text.

use std::fmt;

use crate::text::{REDACTED, looks_secret_key, looks_secret_value};
use crate::url::{mask_url_password, parse_partial_connection_url};

/// One part of a [`PartialText`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum TextPart {
    /// Text known before deploy.
    Known(String),
    /// A part known only at deploy time, by the reference that produces it as the configuration
    /// writes it (`aws_db_instance.main.address`).
    Unknown(String),
}

impl fmt::Debug for TextPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Known text may be a secret: `Debug` never shows it (see `PartialText`'s docs).
            TextPart::Known(text) => write!(f, "Known({} bytes)", text.len()),
            TextPart::Unknown(reference) => write!(f, "Unknown({reference:?})"),
        }
    }
}

/// A string with known parts and parts known only at deploy time, in order.
///
/// Adjacent known parts are merged and empty ones dropped, so two values written alike compare
/// equal. At least one part is unknown (a wholly known value is a plain string).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PartialText {
    parts: Vec<TextPart>,
    sensitive: bool,
    /// What may be shown: the template with URL passwords masked, or `<redacted>`.
    shown: String,
}

impl PartialText {
    /// A partly known value set under `key`: sensitive when the key looks like it names a secret,
    /// when a known part has the shape of a credential, or when it is a URL whose password is
    /// (at least partly) known. `None` when no part is unknown.
    pub fn for_key(key: &str, parts: impl IntoIterator<Item = TextPart>) -> Option<Self> {
        let mut merged: Vec<TextPart> = Vec::new();
        for part in parts {
            match (merged.last_mut(), part) {
                (_, TextPart::Known(text)) if text.is_empty() => {}
                (Some(TextPart::Known(previous)), TextPart::Known(text)) => {
                    previous.push_str(&text);
                }
                (_, part) => merged.push(part),
            }
        }
        if !merged
            .iter()
            .any(|part| matches!(part, TextPart::Unknown(_)))
        {
            return None;
        }
        let mut text = Self {
            parts: merged,
            sensitive: false,
            shown: String::new(),
        };
        text.sensitive = looks_secret_key(key)
            || text
                .known_parts()
                .any(|part| looks_secret_value(part).is_some())
            || parse_partial_connection_url(&text).is_some_and(|url| url.has_password());
        text.shown = if text.sensitive {
            REDACTED.to_owned()
        } else {
            mask_url_password(&text.expose_template())
        };
        Some(text)
    }

    /// The parts in order.
    pub fn parts(&self) -> &[TextPart] {
        &self.parts
    }

    /// The known parts in order.
    pub fn known_parts(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TextPart::Known(text) => Some(text.as_str()),
            TextPart::Unknown(_) => None,
        })
    }

    /// The references of the unknown parts in order (`aws_db_instance.main.address`).
    pub fn references(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TextPart::Unknown(reference) => Some(reference.as_str()),
            TextPart::Known(_) => None,
        })
    }

    /// Whether the value must be redacted.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// The whole value with every unknown part written `${reference}`, secrets included. Never
    /// print it without checking [`Self::is_sensitive`]; [`Self::shown`] is what may be shown.
    pub fn expose_template(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TextPart::Known(text) => out.push_str(text),
                TextPart::Unknown(reference) => {
                    out.push_str("${");
                    out.push_str(reference);
                    out.push('}');
                }
            }
        }
        out
    }

    /// The value as it may be displayed: the template with a URL's password masked, or
    /// `<redacted>` when the value is sensitive.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

impl fmt::Display for PartialText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

impl fmt::Debug for PartialText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartialText({:?})", self.shown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(text: &str) -> TextPart {
        TextPart::Known(text.to_owned())
    }

    fn unknown(reference: &str) -> TextPart {
        TextPart::Unknown(reference.to_owned())
    }

    #[test]
    fn parts_are_merged_and_written_as_a_template() {
        let text = PartialText::for_key(
            "DATABASE_URL",
            [
                known("postgres://"),
                known(""),
                unknown("aws_db_instance.main.address"),
                known(":5432"),
                known("/shop"),
            ],
        )
        .unwrap();
        assert_eq!(text.parts().len(), 3);
        assert_eq!(
            text.expose_template(),
            "postgres://${aws_db_instance.main.address}:5432/shop"
        );
        assert_eq!(text.shown(), text.expose_template());
        assert!(!text.is_sensitive());
        assert_eq!(
            text.references().collect::<Vec<_>>(),
            ["aws_db_instance.main.address"]
        );
        assert!(PartialText::for_key("A", [known("x"), known("y")]).is_none());
    }

    #[test]
    fn known_passwords_and_secret_keys_are_never_shown() {
        let url = PartialText::for_key(
            "DATABASE_URL",
            [
                known("postgres://app:hunter2@"),
                unknown("aws_db_instance.main.address"),
                known("/shop"),
            ],
        )
        .unwrap();
        assert!(url.is_sensitive());
        assert_eq!(url.shown(), REDACTED);
        assert!(!format!("{url:?} {url} {:?}", url.parts()).contains("hunter2"));
        // The password itself is unknown: nothing secret is written.
        let generated = PartialText::for_key(
            "DATABASE_URL",
            [
                known("postgres://app:"),
                unknown("random_password.db.result"),
                known("@db.internal/shop"),
            ],
        )
        .unwrap();
        assert!(!generated.is_sensitive());
        let keyed =
            PartialText::for_key("API_TOKEN", [known("tok-"), unknown("random_id.x.hex")]).unwrap();
        assert_eq!(keyed.shown(), REDACTED);
    }
}
