//! `cargo xtask fuzz`: run every fuzz target under `fuzz/` for a bounded time.
//!
//! The targets are cargo-fuzz (libFuzzer) binaries, which need the nightly toolchain for the
//! sanitizer flags; stable builds and tests never compile them. Each run starts from a seed
//! corpus taken from `testdata/` (and `policies/`) at run time, so the seeds are always the
//! current fixtures, plus the corpus earlier runs grew under `target/fuzz/corpus/<target>`.
//! Crashes and hangs are written by libFuzzer to `fuzz/artifacts/<target>/` and reported here;
//! the command fails when any target crashed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Every target in `fuzz/Cargo.toml`, with the testdata files that seed it.
const TARGETS: &[(&str, &str)] = &[
    ("yaml", "any YAML or JSON file"),
    ("k8s", "Kubernetes manifests"),
    ("compose", "compose files"),
    ("policy", "parity.yaml policy files"),
    ("terraform", "Terraform .tf files"),
];

/// One target's run.
#[derive(Debug)]
struct Outcome {
    target: &'static str,
    seeds: usize,
    executions: Option<u64>,
    seconds: u64,
    corpus: usize,
    crashed: bool,
    artifacts: Vec<PathBuf>,
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut seconds = 60u64;
    let mut selected: Vec<&'static str> = TARGETS.iter().map(|(name, _)| *name).collect();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = iter
                    .next()
                    .context("--seconds needs a number")?
                    .parse()
                    .context("--seconds: not a number")?;
            }
            "--targets" => {
                let wanted = iter.next().context("--targets needs a list")?;
                selected = Vec::new();
                for name in wanted.split(',') {
                    let Some((known, _)) = TARGETS.iter().find(|(known, _)| *known == name) else {
                        bail!(
                            "unknown fuzz target {name} (known: {})",
                            TARGETS
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    };
                    selected.push(known);
                }
            }
            "--list" => {
                for (name, seeds) in TARGETS {
                    println!("{name:<10} seeded with {seeds}");
                }
                return Ok(());
            }
            other => bail!(
                "fuzz: unknown argument {other} (usage: fuzz [--seconds 60] [--targets yaml,k8s,compose,policy,terraform] [--list])"
            ),
        }
    }
    let root = crate::tidy::workspace_root();
    check_toolchain(&root)?;
    let mut outcomes = Vec::new();
    for target in selected {
        let seeds_dir = root.join("target/fuzz/seeds").join(target);
        let seeds = write_seeds(&root, target, &seeds_dir)?;
        let corpus_dir = root.join("target/fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus_dir)
            .with_context(|| format!("creating {}", corpus_dir.display()))?;
        println!("== fuzz {target}: {seconds} s from {seeds} seed files");
        // Built first, so a build failure is reported as one and never counted as a crash.
        let build = Command::new("cargo")
            .args(["+nightly", "fuzz", "build", "-O", target])
            .current_dir(&root)
            .output()
            .with_context(|| format!("running cargo fuzz build {target}"))?;
        if !build.status.success() {
            let log = String::from_utf8_lossy(&build.stderr);
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            for line in tail.iter().rev() {
                eprintln!("  {line}");
            }
            bail!("fuzz target {target} does not build (see above); no input was run");
        }
        let output = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", "-O", target])
            .arg(&corpus_dir)
            .arg(&seeds_dir)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            // A single input taking 10 s is a hang; 2 GiB is a memory blow-up. Both are bugs.
            .args(["-timeout=10", "-rss_limit_mb=2048", "-max_len=65536"])
            .arg("-print_final_stats=1")
            .current_dir(&root)
            .output()
            .with_context(|| format!("running cargo fuzz run {target}"))?;
        let log = String::from_utf8_lossy(&output.stderr);
        let outcome = Outcome {
            target,
            seeds,
            executions: final_stat(&log, "stat::number_of_executed_units:"),
            seconds,
            corpus: std::fs::read_dir(&corpus_dir).map_or(0, Iterator::count),
            crashed: !output.status.success(),
            artifacts: artifacts(&log),
        };
        if outcome.crashed {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            for line in tail.iter().rev() {
                eprintln!("  {line}");
            }
        }
        println!(
            "   {} executions, corpus {} inputs, {}",
            outcome
                .executions
                .map_or_else(|| "?".to_owned(), |n| n.to_string()),
            outcome.corpus,
            if outcome.crashed {
                "CRASHED"
            } else {
                "no crash"
            }
        );
        outcomes.push(outcome);
    }
    println!();
    println!("| target | seconds | seeds | executions | exec/s | corpus | result |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for outcome in &outcomes {
        let executions = outcome.executions.unwrap_or(0);
        let artifacts: Vec<String> = outcome
            .artifacts
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            outcome.target,
            outcome.seconds,
            outcome.seeds,
            executions,
            executions / outcome.seconds.max(1),
            outcome.corpus,
            if outcome.crashed {
                format!("crash: {}", artifacts.join(", "))
            } else {
                "no crash".to_owned()
            }
        );
    }
    if outcomes.iter().any(|outcome| outcome.crashed) {
        bail!(
            "a fuzz target crashed: reproduce with `cargo +nightly fuzz run <target> <artifact>`"
        );
    }
    Ok(())
}

fn check_toolchain(root: &Path) -> Result<()> {
    let nightly = Command::new("cargo")
        .args(["+nightly", "--version"])
        .current_dir(root)
        .output();
    if !nightly.is_ok_and(|output| output.status.success()) {
        bail!("libFuzzer needs the nightly toolchain: `rustup toolchain install nightly`");
    }
    let cargo_fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .current_dir(root)
        .output();
    if !cargo_fuzz.is_ok_and(|output| output.status.success()) {
        bail!("cargo-fuzz is not installed: `cargo install cargo-fuzz`");
    }
    Ok(())
}

/// The last value libFuzzer printed for `label` (with `-print_final_stats=1`).
fn final_stat(log: &str, label: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|line| line.strip_prefix(label))
        .and_then(|value| value.trim().parse().ok())
}

/// Files libFuzzer wrote for a crash, timeout or out-of-memory input.
fn artifacts(log: &str) -> Vec<PathBuf> {
    log.lines()
        .filter_map(|line| line.split_once("Test unit written to "))
        .map(|(_, path)| PathBuf::from(path.trim()))
        .collect()
}

/// Which fixtures seed a target.
fn seeds_target(target: &str, relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    match target {
        "yaml" => yaml || name.ends_with(".json"),
        "compose" => yaml && (name.starts_with("compose") || name.starts_with("docker-compose")),
        "policy" => name == "parity.yaml" || (relative.starts_with("policies/") && yaml),
        "terraform" => name.ends_with(".tf") || name.ends_with(".tfvars"),
        "k8s" => {
            (yaml || name.ends_with(".json"))
                && !name.starts_with("compose")
                && !name.starts_with("docker-compose")
                && name != "parity.yaml"
        }
        _ => false,
    }
}

/// Copies the fixtures that seed `target` into `dir` (flat, named after their path) and returns
/// how many there are.
fn write_seeds(root: &Path, target: &str, dir: &Path) -> Result<usize> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut files = Vec::new();
    for top in ["testdata", "policies"] {
        collect_files(root, &root.join(top), &mut files)?;
    }
    let mut count = 0;
    for relative in files {
        if seeds_target(target, &relative) {
            let flat = relative.replace('/', "__");
            std::fs::copy(root.join(&relative), dir.join(flat))
                .with_context(|| format!("copying {relative}"))?;
            count += 1;
        }
    }
    Ok(count)
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            collect_files(root, &path, out)?;
        } else if file_type.is_file()
            && let Ok(relative) = path.strip_prefix(root)
        {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_seed_the_right_targets() {
        assert!(seeds_target(
            "compose",
            "testdata/examples/shop/local/compose.yaml"
        ));
        assert!(!seeds_target(
            "k8s",
            "testdata/examples/shop/local/compose.yaml"
        ));
        assert!(seeds_target("k8s", "testdata/examples/shop/prod/api.yaml"));
        assert!(seeds_target(
            "policy",
            "testdata/rules/PAR101-missing-service/fires/parity.yaml"
        ));
        assert!(seeds_target("policy", "policies/default.yaml"));
        assert!(seeds_target(
            "terraform",
            "testdata/examples/shop-terraform/prod/main.tf"
        ));
        assert!(seeds_target("yaml", "testdata/loaders/k8s/list/input.json"));
        assert!(!seeds_target(
            "terraform",
            "testdata/examples/shop/prod/api.yaml"
        ));
    }

    #[test]
    fn reads_libfuzzer_stats_and_artifacts() {
        let log = "#1024\tpulse  cov: 10\nstat::number_of_executed_units: 123456\nstat::average_exec_per_sec:     2057\n==1== ERROR: libFuzzer: deadly signal\nartifact_prefix='fuzz/artifacts/k8s/'; Test unit written to fuzz/artifacts/k8s/crash-abc\n";
        assert_eq!(
            final_stat(log, "stat::number_of_executed_units:"),
            Some(123_456)
        );
        assert_eq!(
            artifacts(log),
            [PathBuf::from("fuzz/artifacts/k8s/crash-abc")]
        );
    }

    #[test]
    fn every_target_has_a_source_file() {
        let root = crate::tidy::workspace_root();
        let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
        for (target, _) in TARGETS {
            let path = format!("fuzz_targets/{target}.rs");
            assert!(manifest.contains(&path), "{target} in fuzz/Cargo.toml");
            assert!(root.join("fuzz").join(&path).is_file(), "{path}");
        }
    }
}
