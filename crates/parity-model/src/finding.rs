use std::fmt;

use crate::Origin;

/// The two sides of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The local development description (docker compose).
    Local,
    /// The production description (Kubernetes, Terraform).
    Prod,
}

impl Side {
    /// `local` or `prod`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Local => "local",
            Side::Prod => "prod",
        }
    }

    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Local => Side::Prod,
            Side::Prod => Side::Local,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a finding is. Ordered from most to least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Breaks production.
    Error,
    /// Likely to break production.
    Warning,
    /// Worth knowing.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }

    /// Parses `error`, `warning` or `note`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }

    /// Whether `self` is at least as severe as `threshold`.
    pub fn at_least(self, threshold: Severity) -> bool {
        self <= threshold
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place on one side that a finding points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// Which side.
    pub side: Side,
    /// File, line, column.
    pub origin: Origin,
}

/// One difference between the sides that a rule reports.
///
/// Values in `local` and `prod` are already redacted where sensitive: rules build them from
/// [`crate::SensitiveText::shown`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable kebab-case id (`missing-service`, `image-mismatch`, ...).
    pub rule: &'static str,
    /// Severity after policy overrides.
    pub severity: Severity,
    /// The service the finding is about: the local name when there is one.
    pub service: String,
    /// The local service name, when the service exists locally.
    pub local_service: Option<String>,
    /// The prod service name, when the service exists in prod.
    pub prod_service: Option<String>,
    /// The key within the service: env var name, port, ...
    pub key: Option<String>,
    /// For "present on one side only" findings: the side it is missing on.
    pub missing_in: Option<Side>,
    /// The local value, as it may be shown.
    pub local: Option<String>,
    /// The prod value, as it may be shown.
    pub prod: Option<String>,
    /// Human-readable message: lower-case start, no trailing period, names service and values.
    pub message: String,
    /// Why the pair of services was matched (`exact-name`, `normalized-name`, `label`, `mapping`).
    pub paired_by: Option<String>,
    /// Places on both sides, local first.
    pub locations: Vec<Location>,
}

impl Finding {
    /// The sort key that makes reports deterministic: service, then the most severe first, rule,
    /// key, locations.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.service,
            self.severity,
            self.rule,
            &self.key,
            &self.locations,
            &self.message,
        )
    }
}
