//! The crate's error type.

use std::path::PathBuf;

/// Why Rego policies could not be loaded or evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegoError {
    /// A policy file or folder could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A policy does not parse or compile. regorus' message names the line and column.
    #[error("{path}: {message}")]
    Compile {
        /// The policy file, as given.
        path: String,
        /// What regorus reported.
        message: String,
    },
    /// Evaluating the policies failed.
    #[error("evaluating Rego policies: {message}")]
    Eval {
        /// What regorus reported.
        message: String,
    },
    /// A policy returned a finding that does not have the expected shape.
    #[error("a Rego finding in package `{package}` is malformed: {message}")]
    Finding {
        /// The package that returned it.
        package: String,
        /// What is wrong, with the finding shown as JSON.
        message: String,
    },
}
