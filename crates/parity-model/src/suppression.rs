//! Suppressions: what hid a finding from the report, and inline `# parity: ignore[...]` markers.

use std::fmt;

use crate::{Finding, Origin};

/// A `# parity: ignore[rule, ...] reason` comment found in an input file.
///
/// The YAML tree keeps no comments, so the facade scans each file's text for these markers after
/// loading and stores them on the [`crate::Environment`]; the engine matches them to findings by
/// line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineIgnore {
    /// Where the marker is written (the `#` of the comment).
    pub origin: Origin,
    /// The rule names or codes between the brackets, as written.
    pub rules: Vec<String>,
    /// The text after the brackets; empty when the author gave none.
    pub reason: String,
    /// Whether the comment is alone on its line: it then applies to the next line.
    pub own_line: bool,
}

/// Which mechanism hid a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SuppressionKind {
    /// An entry of the policy file's `suppress:` list.
    Policy,
    /// An entry of the policy file's `allow:` section (an accepted difference).
    Allowed,
    /// A `# parity: ignore[...]` comment in an input file.
    Inline,
}

impl SuppressionKind {
    /// The stable id used in reports: `policy`, `allowed` or `inline`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Policy => "policy",
            SuppressionKind::Allowed => "allowed",
            SuppressionKind::Inline => "inline",
        }
    }
}

/// One suppression that hid at least one finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Suppression {
    /// The mechanism.
    pub kind: SuppressionKind,
    /// What the suppression matches, as a user would recognise it
    /// (`rule env-unmatched, service api`, `ignore[env-unmatched]`).
    pub description: String,
    /// Why, as the author wrote it.
    pub reason: String,
    /// Where the suppression is written (policy file entry or inline comment).
    pub origin: Origin,
}

impl fmt::Display for Suppression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} at {}: {}",
            self.kind.as_str(),
            self.description,
            self.origin,
            self.reason
        )
    }
}

/// A finding a suppression hid, kept so reports can say how many were hidden and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressedFinding {
    /// The finding, as it would have been reported.
    pub finding: Finding,
    /// What hid it.
    pub by: Suppression,
}
