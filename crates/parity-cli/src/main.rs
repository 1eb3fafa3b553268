//! The `parity` command line. The only crate that prints or picks an exit code.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use parity::{DiagnosticLevel, Environment, LoadOptions, Policy, Report, Severity};

mod baseline;
mod format;
mod graph;

/// Exit code: no finding at or above `--fail-on`.
pub(crate) const EXIT_CLEAN: u8 = 0;
/// Exit code: drift found at or above `--fail-on`.
const EXIT_DRIFT: u8 = 1;
/// Exit code: usage error, or input that could not be read.
pub(crate) const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "parity",
    version,
    about = "Catch drift between local (docker compose) and production (Kubernetes) before it ships"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compare a local and a production description of the same application.
    Diff(DiffArgs),
    /// Print a rule's documentation (by name, e.g. image-mismatch, or code, e.g. PAR201).
    Explain {
        /// Rule name or code.
        rule: String,
    },
    /// List the rules with their code, default severity and summary.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Export one side's resource graph (services, config sources, resources and their edges).
    Graph(graph::GraphArgs),
    /// Record the current findings so later runs report only new drift.
    Baseline {
        #[command(subcommand)]
        command: baseline::BaselineCommand,
    },
}

#[derive(clap::Args)]
pub(crate) struct DiffArgs {
    /// The local side: a folder (compose files are found in it) or a file.
    local: PathBuf,
    /// The production side: a folder of Kubernetes manifests, a file, or `-` for standard input
    /// (e.g. `helm template ... | parity diff compose.yaml -`).
    prod: PathBuf,
    /// Output format: text, json, sarif, markdown, junit or github. Repeatable as FORMAT=FILE to
    /// write several reports in one run (`--format text --format sarif=parity.sarif`).
    #[arg(long = "format", value_name = "FORMAT[=FILE]", value_parser = format::parse_format_spec)]
    formats: Vec<format::FormatSpec>,
    /// Write the report (the --format given without a file) to this file instead of standard
    /// output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Report only findings not recorded in this baseline file (written by `parity baseline
    /// write`), and say how many known ones were hidden and which entries no longer occur.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Policy file. Default: the closest parity.yaml from the current directory up to the
    /// repository root, layered over the built-in policy.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Enable a compose profile (repeatable), like `docker compose --profile`.
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Let compose interpolation read variables from this shell's environment (by default only
    /// the `.env` file is used, so results do not depend on who runs parity).
    #[arg(long)]
    use_shell_env: bool,
    /// A Terraform variables file for the local side (repeatable), like `terraform plan
    /// -var-file`; applied after terraform.tfvars and *.auto.tfvars.
    #[arg(long = "local-var-file", value_name = "FILE")]
    local_var_files: Vec<PathBuf>,
    /// A Terraform variables file for the prod side (repeatable), e.g. `--prod-var-file prod.tfvars`.
    #[arg(long = "prod-var-file", value_name = "FILE")]
    prod_var_files: Vec<PathBuf>,
    /// A Terraform variable for the local side (repeatable), like `terraform plan -var NAME=VALUE`;
    /// applied after every variables file.
    #[arg(long = "local-var", value_name = "NAME=VALUE", value_parser = parse_var)]
    local_vars: Vec<(String, String)>,
    /// A Terraform variable for the prod side (repeatable), e.g. `--prod-var image_tag=1.8.0`.
    #[arg(long = "prod-var", value_name = "NAME=VALUE", value_parser = parse_var)]
    prod_vars: Vec<(String, String)>,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    /// Never exit 1 because of findings.
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Diff(args) => run_diff(&args),
        Command::Explain { rule } => run_explain(&rule),
        Command::Rules { format } => run_rules(format),
        Command::Graph(args) => graph::run_graph(&args),
        Command::Baseline {
            command: baseline::BaselineCommand::Write { file, diff },
        } => compute_report(&diff).and_then(|(report, _)| baseline::write(&file, &report)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) if is_broken_pipe(&error) => ExitCode::from(EXIT_CLEAN),
        Err(error) => {
            eprintln!("parity: error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run_diff(args: &DiffArgs) -> Result<u8> {
    let plan = format::plan(&args.formats, args.output.as_deref())?;
    let (mut report, policy) = compute_report(args)?;
    if let Some(path) = &args.baseline {
        baseline::apply(path, &mut report)?;
    }

    let text_on_stdout = format::text_on_stdout(&plan);
    print_diagnostics(&report, text_on_stdout);
    if !text_on_stdout {
        print_baseline_status(&report);
    }
    let colour = match args.color {
        ColorChoice::Auto => format::Colour::Auto,
        ColorChoice::Always => format::Colour::Always,
        ColorChoice::Never => format::Colour::Never,
    };
    format::write_reports(&plan, &report, &policy, colour)?;

    if report.has_load_errors() {
        return Ok(EXIT_ERROR);
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    Ok(match threshold {
        Some(threshold) if report.has_findings_at(threshold) => EXIT_DRIFT,
        _ => EXIT_CLEAN,
    })
}

/// When the text report is not on standard output, the baseline's effect still deserves a line.
fn print_baseline_status(report: &Report) {
    let Some(status) = &report.baseline else {
        return;
    };
    let mut stderr = io::stderr().lock();
    let _ = writeln!(
        stderr,
        "parity: baseline {}: {} known finding(s) hidden, {} entr{} no longer found",
        status.file,
        status.hidden,
        status.stale.len(),
        if status.stale.len() == 1 { "y" } else { "ies" }
    );
    for entry in &status.stale {
        let _ = writeln!(
            stderr,
            "  {} [{}] {}: {}",
            entry.fingerprint, entry.rule, entry.service, entry.message
        );
    }
}

/// Loads both sides and compares them under the policy: what `diff` and `baseline write` share.
fn compute_report(args: &DiffArgs) -> Result<(Report, Policy)> {
    let policy = match &args.policy {
        Some(path) => parity::load_policy(path)?,
        None => match std::env::current_dir()
            .ok()
            .and_then(|dir| parity::find_policy(&dir))
        {
            Some(path) => parity::load_policy(&path)?,
            None => Policy::builtin(),
        },
    };
    let mut options = LoadOptions::default();
    options.compose.profiles = args.profiles.clone();
    options.compose.use_process_env = args.use_shell_env;

    let mut local_options = options.clone();
    local_options.terraform.var_files = args.local_var_files.clone();
    local_options.terraform.vars = args.local_vars.clone();
    let mut prod_options = options;
    prod_options.terraform.var_files = args.prod_var_files.clone();
    prod_options.terraform.vars = args.prod_vars.clone();
    let (local, prod) = join_both(
        || load_side(&args.local, &local_options),
        || load_side(&args.prod, &prod_options),
    );
    let (local, prod) = (
        local.context("loading the local side")?,
        prod.context("loading the prod side")?,
    );
    let report = parity::diff(&local, &prod, &policy);
    Ok((report, policy))
}

/// Runs both closures, the second on another thread: loading the two sides is independent.
fn join_both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let first = a();
        (
            first,
            other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    })
}

/// `NAME=VALUE` for `--local-var` and `--prod-var`.
fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

fn load_side(path: &Path, options: &LoadOptions) -> Result<Environment> {
    if path == Path::new("-") {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        return Ok(parity::load_stream("<stdin>", &text));
    }
    Ok(parity::load_with(path, options)?)
}

/// Load problems go to standard error so they never corrupt a machine-readable report.
fn print_diagnostics(report: &Report, include_notes: bool) {
    let mut stderr = io::stderr().lock();
    for item in &report.diagnostics {
        let diagnostic = &item.diagnostic;
        if diagnostic.level == DiagnosticLevel::Note && !include_notes {
            continue;
        }
        let _ = writeln!(
            stderr,
            "{}: {}: {}",
            diagnostic.origin,
            diagnostic.level.as_str(),
            diagnostic.message
        );
    }
}

fn run_explain(rule: &str) -> Result<u8> {
    let Some(rule) = parity::find_rule(rule) else {
        let names: Vec<&str> = parity::RULES.iter().map(|rule| rule.meta().name).collect();
        anyhow::bail!("unknown rule {rule:?}; known rules: {}", names.join(", "));
    };
    let meta = rule.meta();
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "# {} ({})\n", meta.name, meta.code)?;
    writeln!(stdout, "Default severity: {}\n", meta.default_severity)?;
    writeln!(stdout, "{}", meta.explanation())?;
    Ok(EXIT_CLEAN)
}

fn run_rules(format: RulesFormat) -> Result<u8> {
    let mut stdout = io::stdout().lock();
    match format {
        RulesFormat::Text => {
            for rule in parity::RULES {
                let meta = rule.meta();
                writeln!(
                    stdout,
                    "{:<8} {:<18} {:<8} {}",
                    meta.code,
                    meta.name,
                    meta.default_severity.as_str(),
                    meta.summary()
                )?;
            }
        }
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = parity::RULES
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({
                        "code": meta.code,
                        "name": meta.name,
                        "severity": meta.default_severity.as_str(),
                        "summary": meta.summary(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut stdout, &rules)?;
            writeln!(stdout)?;
        }
    }
    Ok(EXIT_CLEAN)
}
