//! Safe, bounded reading of parity's inputs.
//!
//! - [`read_text`] reads a file as UTF-8 text with a size cap, strips a BOM, and reports
//!   non-UTF-8 bytes with their line and column.
//! - [`yaml`] parses YAML (and JSON) streams into a small tree whose every node keeps its line
//!   and column, with anchors, aliases and `<<` merge keys resolved under limits that stop alias
//!   bombs and absurd nesting.
//!
//! Loaders build on these; nothing here knows compose or Kubernetes.

mod error;
mod text;
pub mod yaml;

pub use error::SourceError;
pub use text::{DEFAULT_MAX_FILE_BYTES, check_within, decode_text, read_boundary, read_text};
