//! `parity show`: one side as parity resolved it, as a table, JSON (docs/show-json.md) or YAML.
//!
//! Every renderer works from the same document ([`show_document`]), so the three formats carry
//! the same facts. Env values are only ever the model's shown (redacted) values.

use std::io;

use parity_model::{Container, EnvValue, EnvVar, Environment, Port, Service, Volume};
use serde_json::{Value, json};

/// The version of the `parity show --format json` document.
pub const SHOW_JSON_VERSION: u32 = 1;

/// Writes one side as JSON (docs/show-json.md).
pub fn render_show_json(env: &Environment, out: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &show_document(env))?;
    writeln!(out)
}

/// Writes one side as YAML: the same document as the JSON, every string double-quoted.
pub fn render_show_yaml(env: &Environment, out: &mut dyn io::Write) -> io::Result<()> {
    let document = show_document(env);
    let mut text = String::new();
    write_yaml_mapping_body(&document, 0, &mut text);
    out.write_all(text.as_bytes())
}

/// Writes one side as a human-readable listing.
pub fn render_show_table(env: &Environment, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "root: {}", env.root)?;
    let services = sorted_services(env);
    if services.is_empty() {
        writeln!(out, "no services")?;
    }
    for service in services {
        writeln!(out)?;
        let replicas = service
            .replicas
            .map_or_else(|| "-".to_owned(), |count| count.to_string());
        writeln!(
            out,
            "{} ({}, replicas {replicas}) at {}",
            service.name,
            service.kind.as_str(),
            service.origin
        )?;
        let hosts = hosts(service);
        if !hosts.is_empty() {
            writeln!(out, "  connects to: {}", hosts.join(", "))?;
        }
        if let Some(namespace) = &service.namespace {
            writeln!(out, "  namespace: {namespace}")?;
        }
        if !service.depends_on.is_empty() {
            writeln!(out, "  depends on: {}", service.depends_on.join(", "))?;
        }
        for container in &service.containers {
            let image = container
                .image
                .as_ref()
                .map_or("(none)", |image| image.raw.as_str());
            let init = if container.init { " (init)" } else { "" };
            writeln!(out, "  container {}{init}: image {image}", container.name)?;
            if !container.env.is_empty() {
                writeln!(out, "    env:")?;
                let width = container
                    .env
                    .iter()
                    .map(|var| var.name.chars().count())
                    .max()
                    .unwrap_or(0);
                for var in &container.env {
                    let (value, _) = shown_value(&var.value);
                    let value = value.unwrap_or_else(|| "-".to_owned());
                    let from = match &var.value {
                        EnvValue::Literal(_) => String::new(),
                        other => format!("  {}", other.describe()),
                    };
                    writeln!(
                        out,
                        "      {:<width$}  {value}{from}  at {}",
                        var.name, var.origin
                    )?;
                }
            }
            for source in &container.env_from_unresolved {
                writeln!(out, "    env from (not in the input): {source}")?;
            }
            if !container.ports.is_empty() {
                writeln!(out, "    ports:")?;
                for port in &container.ports {
                    let published = port
                        .published
                        .map_or_else(String::new, |published| format!("{published}->"));
                    writeln!(
                        out,
                        "      {published}{}/{}  {}",
                        port.container,
                        port.protocol.as_str(),
                        port.origin
                    )?;
                }
            }
            if !container.volumes.is_empty() {
                writeln!(out, "    volumes:")?;
                for volume in &container.volumes {
                    let persistent = if volume.kind.is_persistent() {
                        "persistent"
                    } else {
                        "ephemeral"
                    };
                    let source = volume
                        .source
                        .as_deref()
                        .map_or_else(String::new, |source| format!(" from {source}"));
                    writeln!(
                        out,
                        "      {} ({}{source}, {persistent})  {}",
                        volume.target,
                        volume.kind.as_str(),
                        volume.origin
                    )?;
                }
            }
        }
    }
    if !env.diagnostics.is_empty() {
        writeln!(out)?;
        writeln!(out, "diagnostics:")?;
        for diagnostic in &env.diagnostics {
            writeln!(
                out,
                "  {}: {}: {}",
                diagnostic.origin,
                diagnostic.level.as_str(),
                diagnostic.message
            )?;
        }
    }
    Ok(())
}

/// Services sorted by name, then kind, then where they are declared, so output is stable.
fn sorted_services(env: &Environment) -> Vec<&Service> {
    let mut services: Vec<&Service> = env.graph.services().map(|(_, service)| service).collect();
    services.sort_by(|a, b| (&a.name, &a.kind, &a.origin).cmp(&(&b.name, &b.kind, &b.origin)));
    services
}

/// The document the JSON and YAML renderers write.
fn show_document(env: &Environment) -> Value {
    let services: Vec<Value> = sorted_services(env).into_iter().map(service_json).collect();
    let diagnostics: Vec<Value> = env
        .diagnostics
        .iter()
        .map(|diagnostic| {
            json!({
                "level": diagnostic.level.as_str(),
                "file": &*diagnostic.origin.file,
                "line": diagnostic.origin.line,
                "column": diagnostic.origin.column,
                "message": diagnostic.message,
            })
        })
        .collect();
    json!({
        "version": SHOW_JSON_VERSION,
        "root": env.root,
        "services": services,
        "diagnostics": diagnostics,
    })
}

fn service_json(service: &Service) -> Value {
    let primary = service.primary_container();
    let env: Vec<Value> = primary.map_or_else(Vec::new, |c| c.env.iter().map(env_json).collect());
    let ports: Vec<Value> =
        primary.map_or_else(Vec::new, |c| c.ports.iter().map(port_json).collect());
    let volumes: Vec<Value> =
        primary.map_or_else(Vec::new, |c| c.volumes.iter().map(volume_json).collect());
    json!({
        "name": service.name,
        "kind": service.kind.as_str(),
        "namespace": service.namespace,
        "file": &*service.origin.file,
        "line": service.origin.line,
        "replicas": service.replicas,
        "image": primary.and_then(|c| c.image.as_ref()).map(|image| image.raw.as_str()),
        "env": env,
        "ports": ports,
        "volumes": volumes,
        "depends_on": service.depends_on,
        "hosts": hosts(service),
        "containers": service.containers.iter().map(container_json).collect::<Vec<_>>(),
    })
}

/// The hosts the service's connection settings (`DATABASE_URL`, ...) point at, each once. A host
/// read out of a sensitive value (a Secret) is left out: nothing derived from a secret is shown.
fn hosts(service: &Service) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for container in service.app_containers() {
        let shown = container.connections.iter().filter(|connection| {
            container
                .env_var(&connection.var)
                .is_some_and(|var| var.value.known().is_some_and(|text| !text.is_sensitive()))
        });
        for host in shown.filter_map(|connection| connection.host()) {
            if !hosts.iter().any(|known| known == host) {
                hosts.push(host.to_owned());
            }
        }
    }
    hosts
}

fn container_json(container: &Container) -> Value {
    json!({
        "name": container.name,
        "init": container.init,
        "image": container.image.as_ref().map(|image| image.raw.as_str()),
        "env": container.env.iter().map(env_json).collect::<Vec<_>>(),
        "env_from_unresolved": container.env_from_unresolved,
        "ports": container.ports.iter().map(port_json).collect::<Vec<_>>(),
        "volumes": container.volumes.iter().map(volume_json).collect::<Vec<_>>(),
    })
}

fn env_json(var: &EnvVar) -> Value {
    let (value, redacted) = shown_value(&var.value);
    // A literal's description is its value; say where it comes from instead.
    let from = match &var.value {
        EnvValue::Literal(_) => "literal".to_owned(),
        other => other.describe(),
    };
    json!({
        "name": var.name,
        "value": value,
        "redacted": redacted,
        "from": from,
        "file": &*var.origin.file,
        "line": var.origin.line,
    })
}

/// The value as it may be shown, and whether some of it was redacted: the model's redaction of
/// sensitive values, plus the password of a connection URL (`postgres://app:pw@db/app`), which
/// arrives under names that do not look secret.
fn shown_value(value: &EnvValue) -> (Option<String>, bool) {
    let sensitive = value.known().is_some_and(|text| text.is_sensitive());
    match value.shown() {
        Some(shown) => {
            let masked = parity_model::mask_url_password(shown);
            let changed = masked != shown;
            (Some(masked), sensitive || changed)
        }
        None => (None, sensitive),
    }
}

fn port_json(port: &Port) -> Value {
    json!({
        "container": port.container,
        "published": port.published,
        "protocol": port.protocol.as_str(),
        "name": port.name,
        "file": &*port.origin.file,
        "line": port.origin.line,
    })
}

fn volume_json(volume: &Volume) -> Value {
    json!({
        "target": volume.target,
        "source": volume.source,
        "kind": volume.kind.as_str(),
        "persistent": volume.kind.is_persistent(),
        "read_only": volume.read_only,
        "file": &*volume.origin.file,
        "line": volume.origin.line,
    })
}

/// A scalar as YAML: strings double-quoted with JSON escapes (a subset of YAML's), the rest as
/// JSON writes them.
fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::String(text) => Value::String(text.clone()).to_string(),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        other => other.to_string(),
    }
}

fn is_nested(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => false,
    }
}

/// Writes the entries of a mapping at `indent`; anything else as a single scalar line.
fn write_yaml_mapping_body(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                let key = if !key.is_empty()
                    && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                {
                    key.clone()
                } else {
                    Value::String(key.clone()).to_string()
                };
                if is_nested(item) {
                    out.push_str(&format!("{pad}{key}:\n"));
                    write_yaml_block(item, indent + 2, out);
                } else {
                    out.push_str(&format!("{pad}{key}: {}\n", yaml_scalar(item)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", yaml_scalar(other))),
    }
}

/// Writes a non-empty mapping or sequence as a block at `indent`.
fn write_yaml_block(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Array(items) => {
            let pad = " ".repeat(indent);
            for item in items {
                if is_nested(item) && item.is_object() {
                    // The first entry shares the dash's line.
                    let mut body = String::new();
                    write_yaml_mapping_body(item, indent + 2, &mut body);
                    let trimmed = body.get(indent + 2..).unwrap_or_default();
                    out.push_str(&format!("{pad}- {trimmed}"));
                } else if is_nested(item) {
                    out.push_str(&format!("{pad}-\n"));
                    write_yaml_block(item, indent + 2, out);
                } else {
                    out.push_str(&format!("{pad}- {}\n", yaml_scalar(item)));
                }
            }
        }
        other => write_yaml_mapping_body(other, indent, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_model::{ArcStr, Node, Protocol};
    use parity_model::{Origin, SensitiveText, ServiceKind, VolumeKind, parse_image_ref};

    fn sample() -> Environment {
        let file: ArcStr = ArcStr::from("compose.yaml");
        let mut env = Environment::new("app");
        let mut service = Service::new(
            "api",
            ServiceKind::ComposeService,
            Origin::new(file.clone(), 2, 3),
        );
        service.depends_on = vec!["db".to_owned()];
        let mut container = Container::new("api");
        container.image = parse_image_ref("shop/api:1.0").ok();
        container.env.push(EnvVar {
            name: "PASSWORD".into(),
            value: EnvValue::Literal(SensitiveText::secret("hunter2")),
            origin: Origin::new(file.clone(), 5, 7),
        });
        container.env.push(EnvVar {
            name: "MODE".into(),
            value: EnvValue::Literal(SensitiveText::plain("a \"b\": c")),
            origin: Origin::new(file.clone(), 6, 7),
        });
        container.ports.push(Port {
            container: 8080,
            published: Some(80),
            host_ip: None,
            protocol: Protocol::Tcp,
            name: None,
            origin: Origin::new(file.clone(), 8, 7),
        });
        container.volumes.push(Volume {
            target: "/data".to_owned(),
            source: Some("data".to_owned()),
            kind: VolumeKind::Named,
            read_only: false,
            origin: Origin::new(file, 10, 7),
        });
        service.containers.push(container);
        env.graph.add(Node::from(service));
        env
    }

    #[test]
    fn json_redacts_and_carries_the_contract() {
        let mut out = Vec::new();
        render_show_json(&sample(), &mut out).expect("render");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.contains("hunter2"));
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["version"], 1);
        let env = &value["services"][0]["env"][0];
        assert_eq!(env["redacted"], true);
        assert_eq!(env["value"], "<redacted>");
        assert_eq!(env["line"], 5);
        assert_eq!(value["services"][0]["volumes"][0]["persistent"], true);
        assert_eq!(value["services"][0]["ports"][0]["published"], 80);
    }

    #[test]
    fn yaml_and_table_redact() {
        let env = sample();
        for render in [render_show_yaml, render_show_table] {
            let mut out = Vec::new();
            render(&env, &mut out).expect("render");
            let text = String::from_utf8(out).expect("utf-8");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
    }

    #[test]
    fn connection_url_passwords_are_masked() {
        let value = EnvValue::Literal(SensitiveText::plain("postgres://app:hunter2@db:5432/app"));
        assert_eq!(
            shown_value(&value),
            (
                Some("postgres://app:<redacted>@db:5432/app".to_owned()),
                true
            )
        );
        let plain = EnvValue::Literal(SensitiveText::plain("redis://cache:6379/0"));
        assert_eq!(
            shown_value(&plain),
            (Some("redis://cache:6379/0".to_owned()), false)
        );
        assert_eq!(shown_value(&EnvValue::FromHost), (None, false));
    }

    #[test]
    fn yaml_output() {
        let mut out = Vec::new();
        render_show_yaml(&sample(), &mut out).expect("render");
        insta::assert_snapshot!(String::from_utf8(out).expect("utf-8"));
    }
}
