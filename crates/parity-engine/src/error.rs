//! The engine's error type.

/// A policy file that cannot be used: YAML syntax, an unknown key or rule, a bad severity, a value
/// of the wrong type, or an unsupported `version`. Points at the offending node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
#[non_exhaustive]
pub struct PolicyError {
    /// The policy file, as given by the caller for display.
    pub file: String,
    /// 1-based line of the offending node.
    pub line: u32,
    /// 1-based column of the offending node.
    pub column: u32,
    /// What is wrong: lower-case start, no trailing period.
    pub message: String,
}

impl PolicyError {
    pub(crate) fn new(file: &str, line: u32, column: u32, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }
}
