//! Developer chores for parity: `cargo xtask <command>`.
//!
//! - `cargo xtask ci`: run exactly what `.ci/run` runs (fmt check, clippy, the README's tests), so
//!   local runs and CI never diverge.
//! - `cargo xtask tidy`: check the repository's invariants (also run as a test).
//! - `cargo xtask docs [--check]`: write `docs/rules.md` from the rules' documentation (a test
//!   fails when the committed file is stale).
//! - `cargo xtask gen --services N --out DIR`: write a synthetic local/prod pair with planted
//!   drifts.
//! - `cargo xtask bench`: release build, 1k and 10k services, wall time, MB/s, peak memory and
//!   the ratio to the single-threaded YAML parse-only floor (see docs/performance.md).
//! - `cargo xtask fuzz`: run every fuzz target under `fuzz/` for a bounded time.
//! - `cargo xtask conformance [--tools ...] [--seed N] [--keep DIR]`: compare parity's reading with
//!   docker compose, kubectl kustomize and terraform console; print the table (docs/conformance.md).

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod conformance;
mod docs;
mod fuzz;
mod synthetic;
mod tidy;

use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => run_ci(),
        Some("docs") => docs::run(&args[1..]),
        Some("gen") => synthetic::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("floor") => bench::floor(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("conformance") => conformance::run(&args[1..]),
        Some("tidy") => {
            let problems = tidy::check(&tidy::workspace_root())?;
            if problems.is_empty() {
                println!("tidy: ok");
                Ok(())
            } else {
                for problem in &problems {
                    eprintln!("tidy: {problem}");
                }
                bail!("{} tidy problem(s)", problems.len())
            }
        }
        _ => {
            eprintln!("usage: cargo xtask <ci|tidy|docs|gen|bench|fuzz|conformance>");
            bail!("unknown or missing command")
        }
    }
}

fn run_ci() -> Result<()> {
    let root = tidy::workspace_root();
    let status = Command::new("bash")
        .arg(root.join(".ci/run"))
        .current_dir(&root)
        .status()
        .context("running .ci/run")?;
    if !status.success() {
        bail!(".ci/run failed: {status}");
    }
    Ok(())
}
