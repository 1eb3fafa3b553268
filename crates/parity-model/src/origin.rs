use crate::ArcStr;
use std::fmt;

/// Where an element was read from: a file and a 1-based line and column.
///
/// The file is kept as the path the user gave (joined with the discovered file name), shared
/// between all origins of one file so cloning an `Origin` is cheap.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// The file, as a display path.
    pub file: ArcStr,
    /// 1-based line; 0 when the element has no single line (a whole file).
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
}

impl Origin {
    /// An origin at `file:line:column`.
    pub fn new(file: ArcStr, line: u32, column: u32) -> Self {
        Self { file, line, column }
    }

    /// An origin naming a whole file (line and column 0).
    pub fn file(file: ArcStr) -> Self {
        Self {
            file,
            line: 0,
            column: 0,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (line, 0) => write!(f, "{}:{line}", self.file),
            (line, column) => write!(f, "{}:{line}:{column}", self.file),
        }
    }
}
