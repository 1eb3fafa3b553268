//! `cargo xtask bench`: numbers, not timed tests.
//!
//! Builds release, generates synthetic pairs (`cargo xtask gen`, [`crate::synthetic`]) of 1,000 and 10,000 services
//! per side, and for each prints: wall time of `parity diff` (median of several runs), input
//! throughput, peak resident memory (from GNU `time`, when installed), and the ratio of that wall
//! time to the *floor*: parsing the same YAML bytes with `serde_yaml` in one thread, nothing
//! else. It also checks that the report holds exactly the planted drifts, so a faster parity
//! that finds less does not look like progress, and that every run writes the same bytes
//! (parallel loading must stay deterministic).
//!
//! The floor is measured by `xtask floor DIR`, run from the release build of xtask so both sides
//! of the ratio are optimised code.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::synthetic::{self, Expected};

/// One measured size.
#[derive(Debug)]
struct Measurement {
    services: usize,
    files: usize,
    input_bytes: u64,
    wall: Duration,
    wall_runs: Vec<Duration>,
    /// User + system CPU time of the median-wall run (from GNU time): on a shared machine the
    /// wall time includes waiting for other processes, CPU time does not.
    cpu: Option<Duration>,
    /// The fastest run and the least CPU time of any run: on a machine others are loading, the
    /// run that waited least is the closest to what parity costs.
    best_wall: Duration,
    best_cpu: Option<Duration>,
    /// The 1-minute load average before and after the runs (`/proc/loadavg`).
    load: (String, String),
    /// Peak RSS of each run in KiB (GNU time); it varies from run to run with thread timing and
    /// when the allocator gives freed pages back, so the median and the largest are reported.
    rss_runs_kib: Vec<u64>,
    floor_serde_yaml: Duration,
    floor_parity_source: Duration,
    findings_ok: bool,
    finding_notes: Vec<String>,
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut sizes = vec![1_000, 10_000];
    let mut runs = 5usize;
    let mut build = true;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--services" => {
                let value = iter.next().context("--services needs N[,N...]")?;
                sizes = value
                    .split(',')
                    .map(|n| n.replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()
                    .with_context(|| format!("--services: not a list of numbers: {value}"))?;
            }
            "--runs" => {
                runs = iter
                    .next()
                    .context("--runs needs a number")?
                    .parse()
                    .context("--runs: not a number")?;
            }
            "--no-build" => build = false,
            other => bail!(
                "bench: unknown argument {other} (usage: bench [--services 1000,10000] [--runs 5] [--no-build])"
            ),
        }
    }
    let root = crate::tidy::workspace_root();
    let target = target_dir(&root);
    if build {
        let status = Command::new(env_or("CARGO", "cargo"))
            .args(["build", "--release", "-p", "parity-cli", "-p", "xtask"])
            .current_dir(&root)
            .status()
            .context("running cargo build --release")?;
        if !status.success() {
            bail!("cargo build --release failed: {status}");
        }
    }
    let parity = target.join("release").join("parity");
    let xtask = target.join("release").join("xtask");
    for binary in [&parity, &xtask] {
        if !binary.is_file() {
            bail!(
                "{} not found: run without --no-build first",
                binary.display()
            );
        }
    }
    let gnu_time = Path::new("/usr/bin/time");
    let gnu_time = gnu_time.is_file().then_some(gnu_time);
    if gnu_time.is_none() {
        eprintln!("bench: /usr/bin/time not found, peak memory is not measured");
    }
    println!("machine: {}", machine());
    let mut measurements = Vec::new();
    for &services in &sizes {
        let dir = target.join("bench").join(format!("n{services}"));
        let generated = synthetic::generate(services, &dir)?;
        let floor = measure_floor(&xtask, &dir, runs)?;
        let mut wall_runs = Vec::new();
        let mut cpu_runs = Vec::new();
        let mut rss_runs_kib = Vec::new();
        let report_path = dir.join("report.json");
        let mut first_report: Option<String> = None;
        let load_before = load_average();
        for _ in 0..runs {
            let (wall, rss, cpu) = time_diff(&parity, gnu_time, &generated, &report_path)?;
            wall_runs.push(wall);
            cpu_runs.push(cpu);
            rss_runs_kib.extend(rss);
            // Parallel loading and rules must not change a byte of the report.
            let report = std::fs::read_to_string(&report_path)
                .with_context(|| format!("reading {}", report_path.display()))?;
            match &first_report {
                None => first_report = Some(report),
                Some(first) if *first != report => {
                    bail!("parity diff is not deterministic: two runs wrote different reports")
                }
                Some(_) => {}
            }
        }
        let mut order: Vec<usize> = (0..wall_runs.len()).collect();
        order.sort_by_key(|&run| wall_runs.get(run).copied());
        let median = order.get(order.len() / 2).copied().unwrap_or(0);
        let wall = wall_runs.get(median).copied().unwrap_or_default();
        let cpu = cpu_runs.get(median).copied().flatten();
        let best_wall = wall_runs.iter().min().copied().unwrap_or_default();
        let best_cpu = cpu_runs.iter().flatten().min().copied();
        let load = (load_before, load_average());
        let report = first_report.unwrap_or_default();
        let (findings_ok, finding_notes) = check_findings(&report, &generated.expected)?;
        let measurement = Measurement {
            services,
            files: generated.files,
            input_bytes: generated.bytes,
            wall,
            wall_runs,
            cpu,
            best_wall,
            best_cpu,
            load,
            rss_runs_kib,
            floor_serde_yaml: floor.0,
            floor_parity_source: floor.1,
            findings_ok,
            finding_notes,
        };
        print_measurement(&measurement);
        measurements.push(measurement);
    }
    println!();
    println!(
        "| services per side | files | input | parity diff wall (best / median) | CPU (user+sys, least) | throughput (best) | peak RSS (median / largest) | RSS / input (median) | serde_yaml floor (1 thread) | ratio to floor (best) | load average | findings |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for m in &measurements {
        println!("{}", markdown_row(m));
    }
    if let [small, large] = measurements.as_slice() {
        let per_service = |m: &Measurement| m.wall.as_secs_f64() / m.services as f64;
        println!(
            "\ngrowth {}→{} services: wall x{:.1} for x{:.1} services (per-service cost x{:.2})",
            small.services,
            large.services,
            large.wall.as_secs_f64() / small.wall.as_secs_f64(),
            large.services as f64 / small.services as f64,
            per_service(large) / per_service(small)
        );
    }
    if measurements.iter().any(|m| !m.findings_ok) {
        bail!("parity diff did not report exactly the planted drifts");
    }
    Ok(())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// CPU model and core count, from /proc where it exists.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or_else(String::new, |kib| {
            format!(", {:.0} GiB RAM", kib as f64 / 1_048_576.0)
        });
    format!("{cpu}, {cores} cores{memory}")
}

/// Runs `xtask floor DIR` (release) and reads its two figures.
fn measure_floor(xtask: &Path, dir: &Path, runs: usize) -> Result<(Duration, Duration)> {
    let output = Command::new(xtask)
        .arg("floor")
        .arg(dir)
        .arg("--runs")
        .arg(runs.to_string())
        .output()
        .context("running xtask floor")?;
    if !output.status.success() {
        bail!(
            "xtask floor failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let figure = |label: &str| -> Result<Duration> {
        let seconds = stdout
            .lines()
            .find_map(|line| line.strip_prefix(label))
            .and_then(|rest| rest.trim().parse::<f64>().ok())
            .with_context(|| format!("xtask floor printed no {label}: {stdout}"))?;
        Ok(Duration::from_secs_f64(seconds))
    };
    Ok((figure("serde_yaml")?, figure("parity-source")?))
}

/// One `parity diff` run: wall time and, with GNU time, peak RSS in KiB and CPU time.
fn time_diff(
    parity: &Path,
    gnu_time: Option<&Path>,
    generated: &synthetic::Generated,
    report: &Path,
) -> Result<(Duration, Option<u64>, Option<Duration>)> {
    let mut command = match gnu_time {
        Some(time) => {
            let mut command = Command::new(time);
            command
                .args(["-f", "xtask-peak-rss-kib %M\nxtask-cpu-seconds %U %S"])
                .arg(parity);
            command
        }
        None => Command::new(parity),
    };
    command
        .arg("diff")
        .arg(&generated.local)
        .arg(&generated.prod)
        .args(["--format", "json", "--fail-on", "never", "--output"])
        .arg(report);
    let start = Instant::now();
    let output = command.output().context("running parity diff")?;
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("parity diff failed ({}): {stderr}", output.status);
    }
    let rss = stderr.lines().find_map(|line| {
        line.strip_prefix("xtask-peak-rss-kib ")
            .and_then(|kib| kib.trim().parse().ok())
    });
    let cpu = stderr.lines().find_map(|line| {
        let mut seconds = line.strip_prefix("xtask-cpu-seconds ")?.split_whitespace();
        let user: f64 = seconds.next()?.parse().ok()?;
        let system: f64 = seconds.next()?.parse().ok()?;
        Some(Duration::from_secs_f64(user + system))
    });
    Ok((wall, rss, cpu))
}

/// Whether the report has exactly the expected count for each planted rule; notes list the
/// counts, and findings of other rules (which the generator does not plan for) are shown, not
/// judged.
fn check_findings(report: &str, expected: &Expected) -> Result<(bool, Vec<String>)> {
    let report: serde_json::Value =
        serde_json::from_str(report).context("parity's JSON report is not JSON")?;
    let findings = report
        .get("findings")
        .and_then(serde_json::Value::as_array)
        .context("the JSON report has no findings array")?;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for finding in findings {
        let rule = finding
            .get("rule")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?");
        *counts.entry(rule.to_owned()).or_default() += 1;
    }
    let mut ok = true;
    let mut notes = Vec::new();
    for (rule, want) in expected.by_rule() {
        let got = counts.remove(rule).unwrap_or(0);
        if got != want {
            ok = false;
            notes.push(format!("{rule}: {got} found, {want} planted"));
        } else {
            notes.push(format!("{rule}: {got} ok"));
        }
    }
    for (rule, count) in counts {
        notes.push(format!("{rule}: {count} (not planted)"));
    }
    let diagnostics = report
        .get("diagnostics")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if diagnostics > 0 {
        notes.push(format!("{diagnostics} diagnostics"));
    }
    Ok((ok, notes))
}

/// The 1-minute load average, `?` where there is no `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn print_measurement(m: &Measurement) {
    let runs: Vec<String> = m
        .wall_runs
        .iter()
        .map(|d| format!("{:.3}", d.as_secs_f64()))
        .collect();
    println!(
        "\n{} services per side: {} files, {:.1} MB of YAML",
        m.services,
        m.files,
        mb(m.input_bytes)
    );
    println!(
        "  parity diff      {:.3} s median (runs: {}), {:.1} MB/s",
        m.wall.as_secs_f64(),
        runs.join(" "),
        mb(m.input_bytes) / m.wall.as_secs_f64()
    );
    println!(
        "  best run         {:.3} s wall, load average {} before the runs, {} after",
        m.best_wall.as_secs_f64(),
        m.load.0,
        m.load.1
    );
    if let Some(cpu) = m.cpu {
        println!(
            "  CPU time         {:.3} s (user + system, the median run), {:.3} s the least",
            cpu.as_secs_f64(),
            m.best_cpu.unwrap_or(cpu).as_secs_f64()
        );
    }
    if let Some((median, largest)) = rss_median_and_largest(m) {
        println!(
            "  peak RSS         {:.1} MB median ({:.2}x the input), {:.1} MB the largest run",
            median / 1e6,
            median / m.input_bytes as f64,
            largest / 1e6
        );
    }
    println!(
        "  floor            serde_yaml {:.3} s ({:.1} MB/s), parity-source {:.3} s, one thread, parse only",
        m.floor_serde_yaml.as_secs_f64(),
        mb(m.input_bytes) / m.floor_serde_yaml.as_secs_f64(),
        m.floor_parity_source.as_secs_f64()
    );
    println!(
        "  ratio to floor   {:.2}x (median), {:.2}x (best run)",
        m.wall.as_secs_f64() / m.floor_serde_yaml.as_secs_f64(),
        m.best_wall.as_secs_f64() / m.floor_serde_yaml.as_secs_f64()
    );
    println!(
        "  findings         {} ({})",
        if m.findings_ok { "as planted" } else { "WRONG" },
        m.finding_notes.join(", ")
    );
}

/// The median and the largest peak RSS of the runs, in bytes; `None` without GNU time.
fn rss_median_and_largest(m: &Measurement) -> Option<(f64, f64)> {
    let mut runs = m.rss_runs_kib.clone();
    runs.sort_unstable();
    let median = *runs.get(runs.len() / 2)?;
    let largest = *runs.last()?;
    Some((median as f64 * 1024.0, largest as f64 * 1024.0))
}

fn markdown_row(m: &Measurement) -> String {
    let rss = rss_median_and_largest(m).map_or_else(
        || ("n/a".to_owned(), "n/a".to_owned()),
        |(median, largest)| {
            (
                format!("{:.0} / {:.0} MB", median / 1e6, largest / 1e6),
                format!("{:.1}x", median / m.input_bytes as f64),
            )
        },
    );
    format!(
        "| {} | {} | {:.1} MB | {:.3} / {:.3} s | {} | {:.1} MB/s | {} | {} | {:.3} s | {:.2}x | {}–{} | {} |",
        m.services,
        m.files,
        mb(m.input_bytes),
        m.best_wall.as_secs_f64(),
        m.wall.as_secs_f64(),
        m.best_cpu.map_or_else(
            || "n/a".to_owned(),
            |cpu| format!("{:.3} s", cpu.as_secs_f64())
        ),
        mb(m.input_bytes) / m.best_wall.as_secs_f64(),
        rss.0,
        rss.1,
        m.floor_serde_yaml.as_secs_f64(),
        m.best_wall.as_secs_f64() / m.floor_serde_yaml.as_secs_f64(),
        m.load.0,
        m.load.1,
        if m.findings_ok { "as planted" } else { "WRONG" }
    )
}

/// `xtask floor DIR [--runs N]`: parse every YAML file of a generated pair, one thread, with
/// serde_yaml (into generic values) and with parity-source, and print the best time of each.
/// Files are read before the clock starts: the floor is parsing, not I/O.
pub(crate) fn floor(args: &[String]) -> Result<()> {
    let dir = PathBuf::from(args.first().context("floor: DIR is required")?);
    let runs = match args.get(1).map(String::as_str) {
        Some("--runs") => args
            .get(2)
            .context("--runs needs a number")?
            .parse::<usize>()
            .context("--runs: not a number")?,
        _ => 3,
    };
    let mut texts = Vec::new();
    collect_yaml(&dir, &mut texts)?;
    let best = |parse: &dyn Fn(&str) -> Result<usize>| -> Result<(Duration, usize)> {
        let mut best = Duration::MAX;
        let mut documents = 0;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            documents = 0;
            for text in &texts {
                documents += parse(text)?;
            }
            best = best.min(start.elapsed());
        }
        Ok((best, documents))
    };
    let (serde_time, serde_docs) = best(&|text| {
        use serde::Deserialize;
        let mut documents = 0;
        for document in serde_yaml::Deserializer::from_str(text) {
            let value = serde_yaml::Value::deserialize(document).context("serde_yaml")?;
            documents += usize::from(!value.is_null());
        }
        Ok(documents)
    })?;
    let (source_time, source_docs) = best(&|text| {
        let stream =
            parity_source::yaml::parse_stream(text, parity_source::yaml::Limits::default());
        if let Some(error) = stream.error {
            bail!("parity-source: {error}");
        }
        Ok(stream.documents.len())
    })?;
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("files {}", texts.len());
    println!("bytes {bytes}");
    println!("documents {serde_docs} {source_docs}");
    println!("serde_yaml {:.6}", serde_time.as_secs_f64());
    println!("parity-source {:.6}", source_time.as_secs_f64());
    Ok(())
}

fn collect_yaml(dir: &Path, texts: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_yaml(&path, texts)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            texts.push(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
        }
    }
    Ok(())
}
