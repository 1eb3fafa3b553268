//! `parity graph DIR --format dot|mermaid|json`: export one side's resource graph.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;

/// Arguments of `parity graph`.
#[derive(clap::Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    side: crate::side::SideArgs,
    /// Export format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Write the export to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// A graph export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// JSON: nodes and edges (docs/graph-json.md).
    Json,
}

/// Loads the side, writes the export, and returns the exit code: 2 when some input could not be
/// read (the export of everything else is still written), else 0.
pub(crate) fn run_graph(args: &GraphArgs) -> Result<u8> {
    let environment = args.side.load()?;
    crate::output::print_diagnostics(&environment.diagnostics, false);
    let mut buffer = Vec::new();
    match args.format {
        GraphFormat::Dot => parity::render_graph_dot(&environment.graph, &mut buffer)?,
        GraphFormat::Mermaid => parity::render_graph_mermaid(&environment.graph, &mut buffer)?,
        GraphFormat::Json => parity::render_graph_json(&environment.graph, &mut buffer)?,
    }
    crate::output::emit(&buffer, args.output.as_deref())?;
    Ok(if environment.has_errors() {
        crate::EXIT_ERROR
    } else {
        crate::EXIT_CLEAN
    })
}
