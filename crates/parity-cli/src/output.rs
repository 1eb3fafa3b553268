//! Where output goes: a rendered buffer to a file or standard output, diagnostics to standard
//! error. Shared by every subcommand so they behave alike.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};
use parity::{Diagnostic, DiagnosticLevel};

/// Writes a rendered output to `file`, or to standard output when there is none.
pub(crate) fn emit(buffer: &[u8], file: Option<&Path>) -> Result<()> {
    match file {
        Some(path) => {
            std::fs::write(path, buffer).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut stdout = io::stdout().lock();
            stdout.write_all(buffer)?;
            stdout.flush()?;
            Ok(())
        }
    }
}

/// Prints diagnostics as `file:line:col: level: message` on standard error, so they never
/// corrupt a machine-readable output; notes only when asked.
pub(crate) fn print_diagnostics<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    include_notes: bool,
) {
    let mut stderr = io::stderr().lock();
    for diagnostic in diagnostics {
        if diagnostic.level == DiagnosticLevel::Note && !include_notes {
            continue;
        }
        let _ = writeln!(stderr, "{diagnostic}");
    }
}
