//! `parity show PATH --format table|json|yaml`: one side as parity resolved it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;

/// Arguments of `parity show`.
#[derive(clap::Args)]
pub(crate) struct ShowArgs {
    /// The side to show: a compose project, a folder of Kubernetes manifests, a kustomization,
    /// a Terraform root module, a file, or `-` for standard input.
    root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    format: ShowFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Enable a compose profile (repeatable).
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Let compose interpolation read variables from this shell's environment.
    #[arg(long)]
    use_shell_env: bool,
    /// A Terraform variables file (repeatable), like `terraform plan -var-file`.
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// A Terraform variable (repeatable), like `terraform plan -var NAME=VALUE`.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = crate::parse_var)]
    vars: Vec<(String, String)>,
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
    let mut options = parity::LoadOptions::default();
    options.compose.profiles = args.profiles.clone();
    options.compose.use_process_env = args.use_shell_env;
    options.terraform.variables = crate::terraform_variables(
        std::env::args_os(),
        ("--var-file", &args.var_files),
        ("--var", &args.vars),
    );
    let environment = crate::load_side(&args.root, &options)
        .with_context(|| format!("loading {}", args.root.display()))?;
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
