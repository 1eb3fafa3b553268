//! `cargo xtask conformance [--tools compose,kustomize,terraform] [--seed N [--keep DIR]]`: runs the
//! conformance suites of `parity-conformance` against the reference implementations and prints
//! one table (cases, identical, divergent, differing) with the first difference of each
//! differing case. Fails when a case differs, or when a tool named in
//! `PARITY_REQUIRE_REFERENCE` is missing; other missing tools are listed as skipped.
//! `--seed N` compares only the generated compose project of seed N (the other tools still run
//! unless `--tools compose`); `--keep DIR` leaves the generated projects in DIR to look at.

use anyhow::{Context, Result, bail};
use parity_conformance::{Suite, Tool, compose, kustomize, table, terraform};

pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut tools: Vec<Tool> = Tool::ALL.to_vec();
    let mut seed: Option<u64> = None;
    let mut keep: Option<std::path::PathBuf> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tools" => {
                let names = args.next().context("--tools needs a list")?;
                tools = names
                    .split(',')
                    .map(|name| {
                        Tool::from_name(name.trim()).with_context(|| {
                            format!("unknown tool {name:?} (compose, kustomize, terraform)")
                        })
                    })
                    .collect::<Result<_>>()?;
            }
            "--seed" => {
                let value = args.next().context("--seed needs a number")?;
                seed = Some(value.parse().with_context(|| format!("--seed {value:?}"))?);
            }
            "--keep" => keep = Some(args.next().context("--keep needs a folder")?.into()),
            other => bail!(
                "unknown argument {other:?}; usage: cargo xtask conformance [--tools compose,kustomize,terraform] [--seed N] [--keep DIR]"
            ),
        }
    }
    let mut suites: Vec<Suite> = Vec::new();
    let mut missing_required = Vec::new();
    for tool in tools {
        eprintln!("conformance: {tool}...");
        let started = std::time::Instant::now();
        let result = match tool {
            Tool::Compose => {
                let mut options = match seed {
                    Some(seed) => compose::ComposeRun::seed(seed),
                    None => compose::ComposeRun::default(),
                };
                options.generated_dir.clone_from(&keep);
                compose::run(&options)
            }
            Tool::Kustomize => kustomize::run(&kustomize::KustomizeRun::default()),
            Tool::Terraform => terraform::run(&terraform::TerraformRun::default()),
        };
        match result {
            Ok(suite) => {
                eprintln!(
                    "conformance: {tool}: {} cases in {:.1} s",
                    suite.cases.len(),
                    started.elapsed().as_secs_f64()
                );
                suites.push(suite);
            }
            Err(missing) => {
                eprintln!("conformance: skipped: {missing}");
                if tool.is_required() {
                    missing_required.push(tool);
                }
            }
        }
    }
    print!("{}", table(&suites));
    let differing: usize = suites.iter().map(Suite::differing).sum();
    if !missing_required.is_empty() {
        bail!("PARITY_REQUIRE_REFERENCE names missing tools: {missing_required:?}");
    }
    if differing > 0 {
        bail!("{differing} case(s) differ from the reference implementations");
    }
    Ok(())
}
