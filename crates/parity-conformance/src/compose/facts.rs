//! What the compose comparison looks at, read from parity's [`Environment`] and from
//! `docker-compose config --format json`, and the first difference between two readings.
//!
//! Only what the Compose Specification says is equivalent is normalised: ports, volumes and
//! `depends_on` are sets (their order carries no meaning), a relative bind source is the path it
//! names (resolved against the project directory, or against the directory of the file that
//! `extends` read it from), and `tmpfs: /run` is the same mount as a `type: tmpfs` volume.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use parity_model::{EnvValue, Environment, VolumeKind};
use serde_json::Value;

/// The active services of a project (profiles applied), by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFacts {
    pub services: BTreeMap<String, ServiceFacts>,
}

/// What is compared for one service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFacts {
    /// The image as written (after interpolation).
    pub image: Option<String>,
    /// Name to value; `None` for a variable passed through from the host (`- KEY`).
    pub env: BTreeMap<String, Option<String>>,
    pub ports: BTreeSet<PortFacts>,
    /// By target path: a container has one mount per path.
    pub volumes: BTreeMap<String, VolumeFacts>,
    pub depends_on: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortFacts {
    pub target: u16,
    /// The published port or range as written (`8080`, `8000-8010`).
    pub published: Option<String>,
    pub protocol: String,
    pub host_ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeFacts {
    /// `volume`, `bind`, `tmpfs`, or `other` (npipe, image, cluster: parity does not model them).
    pub kind: String,
    /// A volume name, or an absolute host path for a bind mount.
    pub source: Option<String>,
    pub read_only: bool,
}

impl fmt::Display for PortFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = &self.host_ip {
            write!(f, "{ip}:")?;
        }
        if let Some(published) = &self.published {
            write!(f, "{published}:")?;
        }
        write!(f, "{}/{}", self.target, self.protocol)
    }
}

impl fmt::Display for VolumeFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if let Some(source) = &self.source {
            write!(f, " {source}")?;
        }
        if self.read_only {
            f.write_str(" (read-only)")?;
        }
        Ok(())
    }
}

/// parity's reading of a compose project, as facts. `given_files` are the files passed to the
/// loader and `project_dir` the project directory: relative bind sources written in the given
/// files resolve against it, those written in another file (an `extends` target) against that
/// file's directory, as compose does.
pub fn parity_facts(
    environment: &Environment,
    given_files: &[PathBuf],
    project_dir: &Path,
) -> ProjectFacts {
    let given: Vec<String> = given_files
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let mut services = BTreeMap::new();
    for (_, service) in environment.graph.services() {
        let mut facts = ServiceFacts {
            depends_on: service.depends_on.iter().cloned().collect(),
            ..ServiceFacts::default()
        };
        if let Some(container) = service.primary_container() {
            facts.image = container.image.as_ref().map(|image| image.raw.clone());
            facts.env = container
                .env
                .iter()
                .map(|var| {
                    let value = match &var.value {
                        EnvValue::FromHost => None,
                        other => other.known().map(|text| text.expose().to_owned()),
                    };
                    (var.name.to_string(), value)
                })
                .collect();
            facts.ports = container
                .ports
                .iter()
                .map(|port| PortFacts {
                    target: port.container,
                    published: port.published.map(|published| published.to_string()),
                    protocol: port.protocol.as_str().to_owned(),
                    host_ip: port.host_ip.clone(),
                })
                .collect();
            for volume in &container.volumes {
                let kind = match volume.kind {
                    VolumeKind::Named | VolumeKind::Anonymous => "volume",
                    VolumeKind::Bind => "bind",
                    VolumeKind::Tmpfs => "tmpfs",
                    _ => "other",
                };
                let source = match (volume.kind, &volume.source) {
                    (VolumeKind::Bind, Some(source)) => {
                        let file = volume.origin.file.as_str();
                        let base = if given.iter().any(|given| given == file) {
                            project_dir.to_path_buf()
                        } else {
                            Path::new(file)
                                .parent()
                                .map_or_else(|| project_dir.to_path_buf(), Path::to_path_buf)
                        };
                        Some(clean(&base.join(source)).display().to_string())
                    }
                    (_, source) => source.clone(),
                };
                facts.volumes.insert(
                    volume.target.clone(),
                    VolumeFacts {
                        kind: kind.to_owned(),
                        source,
                        read_only: volume.read_only,
                    },
                );
            }
        }
        services.insert(service.name.clone(), facts);
    }
    ProjectFacts { services }
}

/// The project `docker-compose config --format json` printed, as facts; `Err` says what in the
/// JSON was not as expected.
pub fn reference_facts(json: &Value) -> Result<ProjectFacts, String> {
    let mut services = BTreeMap::new();
    let Some(entries) = json.get("services").and_then(Value::as_object) else {
        return Ok(ProjectFacts::default());
    };
    for (name, service) in entries {
        let mut facts = ServiceFacts {
            image: service.get("image").and_then(Value::as_str).map(unescape),
            ..ServiceFacts::default()
        };
        if let Some(env) = service.get("environment").and_then(Value::as_object) {
            facts.env = env
                .iter()
                .map(|(key, value)| (key.clone(), value.as_str().map(unescape)))
                .collect();
        }
        for port in array(service, "ports") {
            let target = port
                .get("target")
                .and_then(Value::as_u64)
                .and_then(|target| u16::try_from(target).ok())
                .ok_or_else(|| format!("service {name}: port without a numeric target: {port}"))?;
            facts.ports.insert(PortFacts {
                target,
                published: port
                    .get("published")
                    .and_then(Value::as_str)
                    .filter(|published| !published.is_empty())
                    .map(str::to_owned),
                protocol: port
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("tcp")
                    .to_owned(),
                host_ip: port
                    .get("host_ip")
                    .and_then(Value::as_str)
                    .filter(|ip| !ip.is_empty())
                    .map(str::to_owned),
            });
        }
        for volume in array(service, "volumes") {
            let target = volume
                .get("target")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("service {name}: volume without a target: {volume}"))?;
            let kind = volume
                .get("type")
                .and_then(Value::as_str)
                .filter(|kind| matches!(*kind, "volume" | "bind" | "tmpfs"))
                .unwrap_or("other");
            let source = volume
                .get("source")
                .and_then(Value::as_str)
                .filter(|source| !source.is_empty())
                .map(|source| match kind {
                    "bind" => clean(Path::new(&unescape(source))).display().to_string(),
                    _ => unescape(source),
                });
            facts.volumes.insert(
                target.to_owned(),
                VolumeFacts {
                    kind: kind.to_owned(),
                    source,
                    read_only: volume.get("read_only").and_then(Value::as_bool) == Some(true),
                },
            );
        }
        for tmpfs in array(service, "tmpfs") {
            if let Some(text) = tmpfs.as_str() {
                let target = text.split(':').next().unwrap_or(text);
                facts.volumes.insert(
                    target.to_owned(),
                    VolumeFacts {
                        kind: "tmpfs".to_owned(),
                        source: None,
                        read_only: false,
                    },
                );
            }
        }
        if let Some(depends_on) = service.get("depends_on").and_then(Value::as_object) {
            facts.depends_on = depends_on.keys().cloned().collect();
        }
        services.insert(name.clone(), facts);
    }
    Ok(ProjectFacts { services })
}

fn array<'v>(service: &'v Value, key: &str) -> &'v [Value] {
    service
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `config` prints values ready to be read again, with every `$` written as `$$`.
fn unescape(text: &str) -> String {
    text.replace("$$", "$")
}

/// The path without `.` and with `..` applied, as compose cleans the paths it prints.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The first difference between the reference's reading and parity's, readable on its own:
/// `service web: env DATABASE_URL: reference "x", parity "y"`. `None` when they are equal.
pub fn first_difference(reference: &ProjectFacts, parity: &ProjectFacts) -> Option<String> {
    let names = |facts: &ProjectFacts| facts.services.keys().cloned().collect::<BTreeSet<String>>();
    let (reference_names, parity_names) = (names(reference), names(parity));
    if reference_names != parity_names {
        return Some(format!(
            "active services: reference {}, parity {}",
            list(&reference_names),
            list(&parity_names)
        ));
    }
    reference.services.iter().find_map(|(name, expected)| {
        let actual = parity.services.get(name)?;
        service_difference(expected, actual)
            .map(|difference| format!("service {name}: {difference}"))
    })
}

fn service_difference(reference: &ServiceFacts, parity: &ServiceFacts) -> Option<String> {
    if reference.image != parity.image {
        return Some(format!(
            "image: reference {}, parity {}",
            shown(reference.image.as_deref()),
            shown(parity.image.as_deref())
        ));
    }
    let env_names: BTreeSet<&String> = reference.env.keys().chain(parity.env.keys()).collect();
    for name in env_names {
        let (expected, actual) = (reference.env.get(name), parity.env.get(name));
        if expected != actual {
            return Some(format!(
                "env {name}: reference {}, parity {}",
                env_value(expected),
                env_value(actual)
            ));
        }
    }
    if reference.ports != parity.ports {
        let only = |a: &BTreeSet<PortFacts>, b: &BTreeSet<PortFacts>| {
            a.difference(b).map(ToString::to_string).collect::<Vec<_>>()
        };
        return Some(format!(
            "ports: only in reference [{}], only in parity [{}]",
            only(&reference.ports, &parity.ports).join(", "),
            only(&parity.ports, &reference.ports).join(", ")
        ));
    }
    let targets: BTreeSet<&String> = reference
        .volumes
        .keys()
        .chain(parity.volumes.keys())
        .collect();
    for target in targets {
        let (expected, actual) = (reference.volumes.get(target), parity.volumes.get(target));
        if expected != actual {
            let show = |volume: Option<&VolumeFacts>| {
                volume.map_or_else(|| "no mount".to_owned(), ToString::to_string)
            };
            return Some(format!(
                "volume {target}: reference {}, parity {}",
                show(expected),
                show(actual)
            ));
        }
    }
    if reference.depends_on != parity.depends_on {
        return Some(format!(
            "depends_on: reference {}, parity {}",
            list(&reference.depends_on),
            list(&parity.depends_on)
        ));
    }
    None
}

fn list(names: &BTreeSet<String>) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    format!("[{}]", names.join(", "))
}

fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_owned(), |value| format!("{value:?}"))
}

fn env_value(value: Option<&Option<String>>) -> String {
    match value {
        None => "unset".to_owned(),
        Some(None) => "from host".to_owned(),
        Some(Some(value)) => format!("{value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(json: &str) -> ProjectFacts {
        reference_facts(&serde_json::from_str(json).unwrap()).unwrap()
    }

    const WEB: &str = r#"{"services": {"web": {
        "image": "nginx:1.25",
        "environment": {"DATABASE_URL": "postgres://db/app", "PRICE": "$$5", "TOKEN": null},
        "ports": [{"target": 80, "published": "8080", "protocol": "udp", "host_ip": "127.0.0.1"}],
        "volumes": [
            {"type": "bind", "source": "/srv/app/./conf/../conf", "target": "/etc/app", "read_only": true},
            {"type": "volume", "source": "data", "target": "/data"}
        ],
        "tmpfs": ["/run:size=64k"],
        "depends_on": {"db": {"condition": "service_started", "required": true}}
    }, "db": {"image": "postgres"}}}"#;

    #[test]
    fn reference_json_becomes_facts() {
        let facts = reference(WEB);
        let web = &facts.services["web"];
        assert_eq!(web.image.as_deref(), Some("nginx:1.25"));
        assert_eq!(web.env["PRICE"].as_deref(), Some("$5"), "`$$` is one `$`");
        assert_eq!(web.env["TOKEN"], None);
        assert_eq!(
            web.ports
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["127.0.0.1:8080:80/udp"]
        );
        assert_eq!(
            web.volumes["/etc/app"].to_string(),
            "bind /srv/app/conf (read-only)"
        );
        assert_eq!(web.volumes["/data"].to_string(), "volume data");
        assert_eq!(web.volumes["/run"].to_string(), "tmpfs");
        assert_eq!(web.depends_on, BTreeSet::from(["db".to_owned()]));
    }

    #[test]
    fn parity_facts_resolve_bind_sources_as_compose_does() {
        let dir = std::env::temp_dir().join(format!("parity-facts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("shared")).unwrap();
        std::fs::write(
            dir.join("compose.yaml"),
            "services:\n  web:\n    extends: {file: shared/base.yaml, service: base}\n    volumes: ['./src/:/app/', 'data:/data:ro']\n    tmpfs: /run\n    environment: [TOKEN]\nvolumes:\n  data: {}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("shared/base.yaml"),
            "services:\n  base:\n    image: nginx:1.25\n    volumes: ['../conf:/etc/conf']\n",
        )
        .unwrap();
        let files = vec![dir.join("compose.yaml")];
        let mut environment = Environment::new(dir.display().to_string());
        parity_compose::load(
            &files,
            &parity_compose::ComposeOptions::default(),
            &mut environment,
        );
        let facts = parity_facts(&environment, &files, &dir);
        let web = &facts.services["web"];
        let shown: Vec<(String, String)> = web
            .volumes
            .iter()
            .map(|(target, volume)| (target.clone(), volume.to_string()))
            .collect();
        let path = |rest: &str| dir.join(rest).display().to_string();
        assert_eq!(
            shown,
            [
                ("/app".to_owned(), format!("bind {}", path("src"))),
                ("/data".to_owned(), "volume data (read-only)".to_owned()),
                (
                    "/etc/conf".to_owned(),
                    format!("bind {}", path("conf")),
                    // `../conf` written in shared/base.yaml is beside compose.yaml.
                ),
                ("/run".to_owned(), "tmpfs".to_owned()),
            ]
        );
        assert_eq!(web.env["TOKEN"], None, "passed through from the host");
        assert_eq!(web.image.as_deref(), Some("nginx:1.25"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_planted_difference_is_the_first_difference() {
        let expected = reference(WEB);
        assert_eq!(first_difference(&expected, &expected.clone()), None);

        let mut env = expected.clone();
        if let Some(web) = env.services.get_mut("web") {
            web.env.insert(
                "DATABASE_URL".to_owned(),
                Some("postgres://other".to_owned()),
            );
        }
        assert_eq!(
            first_difference(&expected, &env).as_deref(),
            Some(
                r#"service web: env DATABASE_URL: reference "postgres://db/app", parity "postgres://other""#
            )
        );

        let mut volume = expected.clone();
        if let Some(web) = volume.services.get_mut("web") {
            web.volumes.remove("/data");
        }
        assert_eq!(
            first_difference(&expected, &volume).as_deref(),
            Some("service web: volume /data: reference volume data, parity no mount")
        );

        let mut port = expected.clone();
        if let Some(web) = port.services.get_mut("web") {
            web.ports = BTreeSet::from([PortFacts {
                target: 80,
                published: Some("8080".to_owned()),
                protocol: "tcp".to_owned(),
                host_ip: None,
            }]);
        }
        assert_eq!(
            first_difference(&expected, &port).as_deref(),
            Some(
                "service web: ports: only in reference [127.0.0.1:8080:80/udp], only in parity [8080:80/tcp]"
            )
        );

        let mut services = expected.clone();
        services.services.remove("db");
        assert_eq!(
            first_difference(&expected, &services).as_deref(),
            Some("active services: reference [db, web], parity [web]")
        );
    }
}
