use std::fmt;

use crate::Origin;

/// Something the loader has to tell about the input: a file it could not read (error), something
/// it read but ignored (warning), or context (note, e.g. "service is built from source").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How bad it is.
    pub level: DiagnosticLevel,
    /// Where (file, line, column; line 0 for a whole file).
    pub origin: Origin,
    /// What happened, lower-case, no trailing period.
    pub message: String,
}

/// The level of a [`Diagnostic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiagnosticLevel {
    /// Input could not be read; the run exits with code 2.
    Error,
    /// Input was read but part of it was ignored.
    Warning,
    /// Context for the user.
    Note,
}

impl Diagnostic {
    /// An error at `origin`.
    pub fn error(origin: Origin, message: impl Into<String>) -> Self {
        Self {
            level: DiagnosticLevel::Error,
            origin,
            message: message.into(),
        }
    }

    /// A warning at `origin`.
    pub fn warning(origin: Origin, message: impl Into<String>) -> Self {
        Self {
            level: DiagnosticLevel::Warning,
            origin,
            message: message.into(),
        }
    }

    /// A note at `origin`.
    pub fn note(origin: Origin, message: impl Into<String>) -> Self {
        Self {
            level: DiagnosticLevel::Note,
            origin,
            message: message.into(),
        }
    }
}

impl DiagnosticLevel {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Note => "note",
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.origin,
            self.level.as_str(),
            self.message
        )
    }
}
