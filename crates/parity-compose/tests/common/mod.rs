//! Helpers shared by the integration tests: the `docker compose config` reference and the facts
//! compared with it.

#![allow(dead_code, clippy::unwrap_used, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use parity_model::{EnvValue, Environment};
use serde_json::Value;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The reference binary, when one runs.
pub fn reference_binary() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PARITY_DOCKER_COMPOSE") {
        candidates.push(path.into());
    }
    candidates.push(workspace_root().join("target/ref/bin/docker-compose"));
    candidates.push("docker-compose".into());
    candidates.into_iter().find(|candidate| {
        Command::new(candidate)
            .arg("version")
            .output()
            .is_ok_and(|output| output.status.success())
    })
}

/// What the comparison looks at, for one service.
#[derive(Debug, PartialEq, Eq)]
pub struct ServiceFacts {
    pub image: Option<String>,
    /// Name to value; `None` for a variable taken from the host.
    pub env: BTreeMap<String, Option<String>>,
    /// (container, published) pairs, sorted.
    pub ports: Vec<(u64, Option<u64>)>,
    pub depends_on: BTreeSet<String>,
}

/// Runs `docker compose config` on `files`; `Err` with its stderr when it rejects the project.
pub fn reference_config(
    binary: &Path,
    dir: &Path,
    files: &[PathBuf],
) -> Result<BTreeMap<String, ServiceFacts>, String> {
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
        .arg(dir)
        .args(["config", "--format", "json"]);
    let output = command.output().map_err(|error| error.to_string())?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    // The pip wrapper exits 0 even on errors; a rejected project prints no JSON.
    let json: Value = serde_json::from_slice(&output.stdout).map_err(|_| stderr)?;
    let mut services = BTreeMap::new();
    for (name, service) in json["services"].as_object().cloned().unwrap_or_default() {
        let env = service["environment"]
            .as_object()
            .map(|env| {
                env.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map(unescape)))
                    .collect()
            })
            .unwrap_or_default();
        let mut ports: Vec<(u64, Option<u64>)> = service["ports"]
            .as_array()
            .map(|ports| {
                ports
                    .iter()
                    .map(|port| {
                        let published = port["published"].as_str().and_then(|p| p.parse().ok());
                        (port["target"].as_u64().unwrap(), published)
                    })
                    .collect()
            })
            .unwrap_or_default();
        ports.sort();
        let depends_on = service["depends_on"]
            .as_object()
            .map(|deps| deps.keys().cloned().collect())
            .unwrap_or_default();
        let image = service["image"].as_str().map(unescape);
        services.insert(
            name,
            ServiceFacts {
                image,
                env,
                ports,
                depends_on,
            },
        );
    }
    Ok(services)
}

/// `config` prints values ready to be read again, with every `$` written as `$$`.
fn unescape(text: &str) -> String {
    text.replace("$$", "$")
}

pub fn our_facts(environment: &Environment) -> BTreeMap<String, ServiceFacts> {
    environment
        .graph
        .services()
        .map(|(_, service)| {
            let container = service.primary_container().unwrap();
            let env = container
                .env
                .iter()
                .map(|var| {
                    let value = match &var.value {
                        EnvValue::FromHost => None,
                        other => other.known().map(|text| text.expose().to_owned()),
                    };
                    (var.name.clone(), value)
                })
                .collect();
            let mut ports: Vec<(u64, Option<u64>)> = container
                .ports
                .iter()
                .map(|p| (u64::from(p.container), p.published.map(u64::from)))
                .collect();
            ports.sort();
            let facts = ServiceFacts {
                image: container.image.as_ref().map(|image| image.raw.clone()),
                env,
                ports,
                depends_on: service.depends_on.iter().cloned().collect(),
            };
            (service.name.clone(), facts)
        })
        .collect()
}
