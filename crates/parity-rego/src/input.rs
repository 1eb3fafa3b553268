//! The JSON document Rego policies receive as `input`: both sides' services and the pairing.
//!
//! Values are what renderers may show: secret values appear as `<redacted>`, so a policy can
//! never leak one into a finding message.

use parity_engine::CheckContext;
use parity_model::{Container, EnvValue, Environment, Origin, Service, Side};
use serde_json::{Value, json};

/// Builds `input` for the context: `{local, prod, pairs, unpaired}`; see the README's "Custom
/// policies in Rego" section for the fields.
pub fn input_document(cx: &CheckContext<'_>) -> Value {
    let pairs: Vec<Value> = cx
        .pairs()
        .map(|pair| {
            json!({
                "local": pair.local.name,
                "prod": pair.prod.name,
                "paired_by": pair.paired_by.as_str(),
            })
        })
        .collect();
    let unpaired = |side: Side| -> Vec<&str> {
        cx.unpaired(side)
            .map(|service| service.name.as_str())
            .collect()
    };
    json!({
        "local": side_document(cx.environment(Side::Local)),
        "prod": side_document(cx.environment(Side::Prod)),
        "pairs": pairs,
        "unpaired": { "local": unpaired(Side::Local), "prod": unpaired(Side::Prod) },
    })
}

fn side_document(environment: &Environment) -> Value {
    let services: Vec<Value> = environment
        .graph
        .services()
        .map(|(_, service)| service_document(service))
        .collect();
    json!({ "root": environment.root, "services": services })
}

pub(crate) fn origin_document(origin: &Origin) -> Value {
    json!({ "file": &*origin.file, "line": origin.line, "column": origin.column })
}

fn service_document(service: &Service) -> Value {
    json!({
        "name": service.name,
        "kind": service.kind.as_str(),
        "namespace": service.namespace,
        "labels": service.labels.iter().collect::<std::collections::BTreeMap<_, _>>(),
        "replicas": service.replicas,
        "depends_on": service.depends_on,
        "build": service.build.as_ref().map(|build| build.context.clone()),
        "origin": origin_document(&service.origin),
        "containers": service.containers.iter().map(container_document).collect::<Vec<_>>(),
    })
}

fn container_document(container: &Container) -> Value {
    let image = container.image.as_ref().map(|image| {
        json!({
            "raw": image.raw,
            "registry": image.registry,
            "repository": image.repository,
            "tag": image.tag,
            "digest": image.digest,
        })
    });
    let env: Vec<Value> = container
        .env
        .iter()
        .map(|var| {
            let source = match &var.value {
                EnvValue::Literal(_) => "literal",
                EnvValue::FromHost => "host",
                EnvValue::FromSource { .. } => "source",
                EnvValue::FieldRef(_) | EnvValue::ResourceFieldRef(_) => "field",
                EnvValue::Unknown(_) => "unknown",
                EnvValue::Partial(_) => "partial",
            };
            let secret = var.value.known().is_some_and(|value| value.is_sensitive());
            json!({
                "name": var.name,
                "value": var.value.shown(),
                "source": source,
                "secret": secret,
                "origin": origin_document(&var.origin),
            })
        })
        .collect();
    let ports: Vec<Value> = container
        .ports
        .iter()
        .map(|port| {
            json!({
                "container": port.container,
                "published": port.published,
                "protocol": port.protocol.as_str(),
                "name": port.name,
                "origin": origin_document(&port.origin),
            })
        })
        .collect();
    json!({
        "name": container.name,
        "init": container.init,
        "image": image,
        "image_origin": container.image_origin.as_ref().map(origin_document),
        "env": env,
        "ports": ports,
        "healthcheck": container.healthcheck.as_ref().map(|check| json!({
            "kinds": check.kinds,
            "disabled": check.disabled,
            "origin": origin_document(&check.origin),
        })),
    })
}
