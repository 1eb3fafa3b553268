//! The `parity` command line. The only crate that prints or picks an exit code.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use parity::{Environment, LoadOptions, Policy, Report, Severity};

#[cfg(feature = "mimalloc")]
mod alloc;
mod baseline;
mod format;
mod graph;
mod output;
mod show;
mod side;

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
    /// Print one side as parity resolved it: services, containers, env and where each value
    /// comes from (secrets redacted), ports, volumes, dependencies and load diagnostics.
    Show(show::ShowArgs),
    /// Record the current findings so later runs report only new drift.
    Baseline {
        #[command(subcommand)]
        command: baseline::BaselineCommand,
    },
}

#[derive(clap::Args)]
pub(crate) struct DiffArgs {
    /// The local side: a folder (compose files are found in it) or a file.
    #[arg(required_unless_present = "local_paths")]
    local: Option<PathBuf>,
    /// The production side: a folder of Kubernetes manifests or a kustomization (built as
    /// `kustomize build` would), a file, or `-` for standard input (e.g. `helm template ... |
    /// parity diff compose.yaml -`).
    #[arg(required_unless_present = "prod_paths")]
    prod: Option<PathBuf>,
    /// The local side, as a flag instead of LOCAL. Repeated, the compose files are read as one
    /// project, like `docker compose -f a.yaml -f b.yaml`.
    #[arg(long = "local", value_name = "PATH", conflicts_with = "local")]
    local_paths: Vec<PathBuf>,
    /// A production environment, as a flag instead of PROD. Repeatable: local is compared with
    /// each (`--prod k8s/overlays/production --prod k8s/overlays/staging`) and each gets its own
    /// report; a report written to FILE goes to FILE with the environment's name before the
    /// extension (report.production.json).
    #[arg(long = "prod", value_name = "PATH", conflicts_with = "prod")]
    prod_paths: Vec<PathBuf>,
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
    /// A Rego policy file or a folder of them (repeatable), evaluated in addition to the ones
    /// the policy file lists under `rego:`.
    #[arg(long = "rego", value_name = "PATH")]
    rego: Vec<PathBuf>,
    /// Enable a compose profile (repeatable), like `docker compose --profile`.
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Let compose interpolation read variables from this shell's environment (by default only
    /// the `.env` file is used, so results do not depend on who runs parity).
    #[arg(long)]
    use_shell_env: bool,
    /// The env contract listing the settings the application reads (default: `.env.example`,
    /// `.env.sample`, `.env.dist` or `.env.template` beside the compose file or at the
    /// repository root; the policy file's `env-contract-file:` also names one).
    #[arg(long, value_name = "FILE")]
    env_contract: Option<PathBuf>,
    /// A Terraform variables file for the local side (repeatable), like `terraform plan
    /// -var-file`; applied after terraform.tfvars and *.auto.tfvars, in command-line order with
    /// `--local-var`.
    #[arg(long = "local-var-file", value_name = "FILE")]
    local_var_files: Vec<PathBuf>,
    /// A Terraform variables file for the prod side (repeatable), e.g. `--prod-var-file prod.tfvars`.
    #[arg(long = "prod-var-file", value_name = "FILE")]
    prod_var_files: Vec<PathBuf>,
    /// A Terraform variable for the local side (repeatable), like `terraform plan -var NAME=VALUE`;
    /// applied in command-line order with `--local-var-file`, the later winning.
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
    #[cfg(feature = "mimalloc")]
    alloc::configure();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Diff(args) => run_diff(&args),
        Command::Explain { rule } => run_explain(&rule),
        Command::Rules { format } => run_rules(format),
        Command::Graph(args) => graph::run_graph(&args),
        Command::Show(args) => show::run_show(&args),
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
    let (environments, policy) = compute_reports(args)?;
    let several = environments.len() > 1;
    if several
        && plan
            .iter()
            .any(|(format, file)| file.is_none() && *format != format::Format::Text)
    {
        anyhow::bail!(
            "several --prod environments need a file for each machine-readable report: e.g. --format json=report.json writes report.<environment>.json"
        );
    }
    let mut code = EXIT_CLEAN;
    for (index, (label, mut report)) in environments.into_iter().enumerate() {
        if let Some(path) = &args.baseline {
            baseline::apply(path, &mut report)?;
        }
        let text_on_stdout = format::text_on_stdout(&plan);
        if several && text_on_stdout {
            let mut stdout = io::stdout().lock();
            let gap = if index == 0 { "" } else { "\n" };
            writeln!(
                stdout,
                "{gap}== environment {label} ({}) ==\n",
                report.prod.root
            )?;
        }
        print_diagnostics(&report, text_on_stdout);
        if !text_on_stdout {
            print_baseline_status(&report);
        }
        let colour = match args.color {
            ColorChoice::Auto => format::Colour::Auto,
            ColorChoice::Always => format::Colour::Always,
            ColorChoice::Never => format::Colour::Never,
        };
        let environment_plan: Vec<(format::Format, Option<PathBuf>)> = if several {
            plan.iter()
                .map(|(format, file)| {
                    (
                        *format,
                        file.as_deref().map(|file| per_environment(file, &label)),
                    )
                })
                .collect()
        } else {
            plan.clone()
        };
        format::write_reports(&environment_plan, &report, &policy, colour)?;
        code = code.max(exit_code(args, &report));
    }
    Ok(code)
}

/// `report.json` for environment `production`: `report.production.json`.
fn per_environment(file: &Path, label: &str) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match file.extension() {
        Some(extension) => format!("{stem}.{label}.{}", extension.to_string_lossy()),
        None => format!("{stem}.{label}"),
    };
    file.with_file_name(name)
}

/// The exit code one environment's report asks for.
fn exit_code(args: &DiffArgs, report: &Report) -> u8 {
    if report.has_load_errors() {
        return EXIT_ERROR;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    match threshold {
        Some(threshold) if report.has_findings_at(threshold) => EXIT_DRIFT,
        _ => EXIT_CLEAN,
    }
}

/// When the text report is not on standard output, the baseline's effect still deserves a line.
fn print_baseline_status(report: &Report) {
    let Some(status) = &report.baseline else {
        return;
    };
    let mut stderr = io::stderr().lock();
    let _ = writeln!(
        stderr,
        "parity: baseline {}: {} known finding{} hidden, {} entr{} no longer found",
        status.file,
        status.hidden,
        if status.hidden == 1 { "" } else { "s" },
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
/// One production environment only.
fn compute_report(args: &DiffArgs) -> Result<(Report, Policy)> {
    let (mut environments, policy) = compute_reports(args)?;
    if environments.len() != 1 {
        anyhow::bail!("give one production side here (one PROD or one --prod)");
    }
    let (_, report) = environments.remove(0);
    Ok((report, policy))
}

/// The environment names of several `--prod` paths: each path's last folder name
/// (`k8s/overlays/production` -> `production`), numbered when two share one.
fn environment_labels(prods: &[PathBuf]) -> Vec<String> {
    let names: Vec<String> = prods
        .iter()
        .map(|path| {
            if path == Path::new("-") {
                return "stdin".to_owned();
            }
            let dir = if parity::is_kustomization_file_name(path) {
                path.parent()
            } else {
                Some(path.as_path())
            };
            dir.and_then(|dir| dir.file_name())
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| "prod".to_owned())
        })
        .collect();
    names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            if names.iter().filter(|other| *other == name).count() > 1 {
                format!("{name}-{}", index + 1)
            } else {
                name.clone()
            }
        })
        .collect()
}

/// Terraform applies `-var-file` and `-var` in the order they are given, the later winning. clap
/// keeps each flag's values in order but not how the two flags interleave, so that order is read
/// back from the command line (`--flag value` and `--flag=value`, up to a `--`).
pub(crate) fn terraform_variables(
    argv: impl IntoIterator<Item = std::ffi::OsString>,
    (file_flag, files): (&str, &[PathBuf]),
    (var_flag, vars): (&str, &[(String, String)]),
) -> Vec<parity::CliVariable> {
    let mut files = files.iter();
    let mut vars = vars.iter();
    let mut ordered = Vec::new();
    for arg in argv.into_iter().skip(1) {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        let flag = arg.split_once('=').map_or(arg.as_ref(), |(flag, _)| flag);
        if flag == file_flag {
            ordered.extend(files.next().cloned().map(parity::CliVariable::File));
        } else if flag == var_flag {
            ordered.extend(
                vars.next()
                    .map(|(name, value)| parity::CliVariable::Value(name.clone(), value.clone())),
            );
        }
    }
    // Values the scan did not see (none, unless clap read them another way) keep clap's order.
    ordered.extend(files.cloned().map(parity::CliVariable::File));
    ordered
        .extend(vars.map(|(name, value)| parity::CliVariable::Value(name.clone(), value.clone())));
    ordered
}

/// Loads the local side once and each production environment, and compares local with each.
fn compute_reports(args: &DiffArgs) -> Result<(Vec<(String, Report)>, Policy)> {
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
    let rego_paths: Vec<PathBuf> = policy
        .rego_paths()
        .iter()
        .chain(&args.rego)
        .cloned()
        .collect();
    let rego = if rego_paths.is_empty() {
        None
    } else {
        Some(parity::RegoPolicies::load(&rego_paths).context("loading Rego policies")?)
    };
    let mut options = LoadOptions::default();
    options.compose.profiles = args.profiles.clone();
    options.compose.use_process_env = args.use_shell_env;
    options.compose.env_contract = args
        .env_contract
        .clone()
        .or_else(|| policy.env_contract_file().map(Path::to_path_buf));

    let mut local_options = options.clone();
    local_options.terraform.variables = terraform_variables(
        std::env::args_os(),
        ("--local-var-file", &args.local_var_files),
        ("--local-var", &args.local_vars),
    );
    let mut prod_options = options;
    prod_options.terraform.variables = terraform_variables(
        std::env::args_os(),
        ("--prod-var-file", &args.prod_var_files),
        ("--prod-var", &args.prod_vars),
    );
    let locals: Vec<PathBuf> = args
        .local
        .iter()
        .chain(&args.local_paths)
        .cloned()
        .collect();
    let prods: Vec<PathBuf> = args.prod.iter().chain(&args.prod_paths).cloned().collect();
    if prods.iter().filter(|path| *path == Path::new("-")).count() > 1 {
        anyhow::bail!("standard input (`-`) can be only one of the --prod environments");
    }
    // Local and the first environment load side by side; the others follow.
    let (local, first_prod) = join_both(
        || load_local(&locals, &local_options),
        || prods.first().map(|path| load_side(path, &prod_options)),
    );
    let local = local.context("loading the local side")?;
    let labels = environment_labels(&prods);
    let mut reports = Vec::with_capacity(prods.len());
    let mut first_prod = first_prod;
    for (path, label) in prods.iter().zip(labels) {
        let prod = match first_prod.take() {
            Some(loaded) => loaded,
            None => load_side(path, &prod_options),
        }
        .with_context(|| format!("loading the prod side {}", path.display()))?;
        let report = match &rego {
            Some(rego) => parity::diff_with_rego(&local, &prod, &policy, rego),
            None => parity::diff(&local, &prod, &policy),
        };
        reports.push((label, report));
        drop_in_background(prod);
    }
    drop_in_background(local);
    Ok((reports, policy))
}

/// Frees a loaded side on its own thread. A side is millions of small allocations (~3 % of the
/// CPU time of a 10,000-service run to free); the report no longer needs it, so the other core
/// frees it while this one renders, and the process may exit before it is done.
fn drop_in_background<T: Send + 'static>(value: T) {
    let spawned = std::thread::Builder::new()
        .name("parity-drop".to_owned())
        .spawn(move || drop(value));
    // Without a thread (the system refused one) the value was dropped with the closure: fine.
    drop(spawned);
}

/// The local side: one path, or several compose files read as one project.
fn load_local(paths: &[PathBuf], options: &LoadOptions) -> Result<Environment> {
    match paths {
        [] => anyhow::bail!("no local side: give LOCAL or --local PATH"),
        [path] => load_side(path, options),
        several => {
            if let Some(dir) = several.iter().find(|path| path.is_dir()) {
                anyhow::bail!(
                    "--local {} is a folder: several --local paths must be compose files (read as one project)",
                    dir.display()
                );
            }
            Ok(parity::load_compose_files(several, options)?)
        }
    }
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
pub(crate) fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

pub(crate) fn load_side(path: &Path, options: &LoadOptions) -> Result<Environment> {
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
    let loading = report.diagnostics.iter().map(|item| &item.diagnostic);
    // Then expired or unused suppressions, malformed inline markers, Rego evaluation errors.
    output::print_diagnostics(loading.chain(&report.policy_diagnostics), include_notes);
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
            // The name column fits the longest rule name, so the summaries line up.
            let width = parity::RULES
                .iter()
                .map(|rule| rule.meta().name.len())
                .max()
                .unwrap_or(0);
            for rule in parity::RULES {
                let meta = rule.meta();
                writeln!(
                    stdout,
                    "{:<8} {:<width$} {:<8} {}",
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

#[cfg(test)]
mod tests {
    use parity::CliVariable;

    #[test]
    fn terraform_variables_keep_the_command_line_order() {
        let argv = [
            "parity",
            "diff",
            "local",
            "infra",
            "--prod-var",
            "a=1",
            "--prod-var-file=prod.tfvars",
            "--local-var-file",
            "dev.tfvars",
            "--prod-var=b=2",
        ]
        .map(std::ffi::OsString::from);
        let files = [std::path::PathBuf::from("prod.tfvars")];
        let vars = [
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
        ];
        let ordered =
            super::terraform_variables(argv, ("--prod-var-file", &files), ("--prod-var", &vars));
        assert_eq!(
            ordered,
            [
                CliVariable::Value("a".into(), "1".into()),
                CliVariable::File("prod.tfvars".into()),
                CliVariable::Value("b".into(), "2".into()),
            ]
        );
    }
}
