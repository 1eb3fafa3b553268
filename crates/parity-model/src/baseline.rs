//! What applying a baseline did, carried on the [`crate::Report`] so every format can say it.
//! The baseline file format itself lives in the `parity` crate; the model only holds the result.

use crate::Fingerprint;

/// The effect of a baseline on a report: how many known findings it hid, and which of its
/// entries no longer occur (drift that was fixed, or a finding whose identity changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineStatus {
    /// The baseline file, as given.
    pub file: String,
    /// Findings left out of the report because the baseline records them.
    pub hidden: usize,
    /// Baseline entries that match no finding of this run, in the baseline's order.
    pub stale: Vec<BaselineEntry>,
}

/// One recorded finding of a baseline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineEntry {
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// The rule id when it was recorded.
    pub rule: String,
    /// The service when it was recorded.
    pub service: String,
    /// The key when it was recorded.
    pub key: Option<String>,
    /// The message when it was recorded (already redacted then).
    pub message: String,
}
