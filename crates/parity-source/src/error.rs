use std::path::PathBuf;

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the configured limit.
    #[error("{} is {size} bytes, over the limit of {limit} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is not valid UTF-8.
    #[error("{}:{line}:{column}: not valid UTF-8 text", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: u32,
        /// 1-based column (in bytes) of the first invalid byte.
        column: u32,
    },
    /// The path leads outside the folder parity was given (through `..` or a symbolic link), or
    /// is not a regular file (a device, a FIFO): it is not read.
    #[error(
        "{} is outside {}: parity reads only regular files under the folders it is given (a `..` or a symbolic link leads out)",
        path.display(),
        root.display()
    )]
    OutsideRoot {
        /// The path as written or found.
        path: PathBuf,
        /// The folder it had to stay in.
        root: PathBuf,
    },
    /// The path names something other than a regular file (a device such as `/dev/zero`, a
    /// FIFO, a socket), which could block or never end.
    #[error("{} is not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
}

impl SourceError {
    /// The line and column the error points at, when it points at one.
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            SourceError::NotUtf8 { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}
