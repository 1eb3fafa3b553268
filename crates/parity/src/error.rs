use std::path::PathBuf;

/// What stops parity from loading a side or a policy at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The root to load does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The root as given.
        path: PathBuf,
    },
    /// The root exists but could not be listed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The root.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file (the policy file) could not be read as text.
    #[error(transparent)]
    Read {
        /// The underlying error, with the file's path.
        #[from]
        source: parity_source::SourceError,
    },
    /// The policy file is invalid.
    #[error(transparent)]
    Policy(#[from] parity_engine::PolicyError),
}
