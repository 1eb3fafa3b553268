//! `parity baseline write FILE [diff args]` and `parity diff --baseline FILE`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use parity::{Baseline, Report};

/// `parity baseline ...` subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum BaselineCommand {
    /// Record today's findings in FILE, so `parity diff --baseline FILE` reports only new ones.
    Write {
        /// The baseline file to write (JSON, documented in docs/baseline.md). Commit it.
        file: PathBuf,
        /// The comparison to record, as for `parity diff`.
        #[command(flatten)]
        diff: crate::DiffArgs,
    },
}

/// Writes the baseline of `report` to `file`. Refuses when some input could not be read: a
/// baseline taken then would be missing findings and hide them later as "fixed".
pub(crate) fn write(file: &Path, report: &Report) -> Result<u8> {
    if report.has_load_errors() {
        let mut stderr = io::stderr().lock();
        writeln!(
            stderr,
            "parity: error: some input could not be read (see above); baseline {} not written",
            file.display()
        )?;
        return Ok(crate::EXIT_ERROR);
    }
    let baseline = Baseline::from_report(report);
    let text = baseline.to_json(concat!("parity ", env!("CARGO_PKG_VERSION")));
    std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
    let mut stderr = io::stderr().lock();
    writeln!(
        stderr,
        "parity: recorded {} in {}",
        match baseline.entries.len() {
            1 => "1 finding".to_owned(),
            count => format!("{count} findings"),
        },
        file.display()
    )?;
    Ok(crate::EXIT_CLEAN)
}

/// Applies the baseline file to the report (see [`Baseline::apply`]).
pub(crate) fn apply(file: &Path, report: &mut Report) -> Result<()> {
    let baseline = Baseline::read(file).context("reading the baseline")?;
    baseline.apply(&file.display().to_string(), report);
    Ok(())
}
