//! `parity show PATH --format table|json|yaml`: one side as parity resolved it.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;

/// Arguments of `parity show`.
#[derive(clap::Args)]
pub(crate) struct ShowArgs {
    #[command(flatten)]
    side: crate::side::SideArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    format: ShowFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// A `parity show` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ShowFormat {
    /// A listing for people.
    Table,
    /// JSON (docs/show-json.md).
    Json,
    /// The JSON document as YAML.
    Yaml,
}

/// Loads the side with the loader `parity diff` uses, writes it, and returns the exit code: 2
/// when some input could not be read (everything else is still shown), else 0.
pub(crate) fn run_show(args: &ShowArgs) -> Result<u8> {
    let environment = args.side.load()?;
    if args.format != ShowFormat::Table {
        // The table lists diagnostics itself; machine-readable output carries them too, but a
        // person watching the terminal should still see what went wrong.
        crate::output::print_diagnostics(&environment.diagnostics, false);
    }
    let mut buffer = Vec::new();
    match args.format {
        ShowFormat::Table => parity::render_show_table(&environment, &mut buffer)?,
        ShowFormat::Json => parity::render_show_json(&environment, &mut buffer)?,
        ShowFormat::Yaml => parity::render_show_yaml(&environment, &mut buffer)?,
    }
    crate::output::emit(&buffer, args.output.as_deref())?;
    Ok(if environment.has_errors() {
        crate::EXIT_ERROR
    } else {
        crate::EXIT_CLEAN
    })
}
