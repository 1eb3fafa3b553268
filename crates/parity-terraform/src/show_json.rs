//! `terraform show -json` output: a plan's `planned_values` or a state's `values`, each a
//! module tree of resources with their attribute values. Values a plan does not know yet are
//! absent there, so they simply do not show up in the model.

use std::collections::BTreeMap;

use parity_model::{ArcStr, Diagnostic, Environment, Origin};

use crate::eval::SourceFile;
use crate::mapping::map_resources;
use crate::module::{Evaluated, InstanceKey, ResourceInstance};
use crate::value::Value;

pub(crate) fn looks_like(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    head.trim_start().starts_with('{')
        && head.contains("\"format_version\"")
        && (head.contains("\"terraform_version\"")
            || head.contains("\"planned_values\"")
            || head.contains("\"values\""))
}

pub(crate) fn load(display: ArcStr, text: &str, env: &mut Environment) {
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(json) => json,
        Err(error) => {
            env.diagnostics.push(Diagnostic::error(
                Origin::new(
                    display,
                    u32::try_from(error.line()).unwrap_or(0),
                    u32::try_from(error.column()).unwrap_or(0),
                ),
                format!("invalid JSON: {error}"),
            ));
            return;
        }
    };
    let root = json
        .get("planned_values")
        .or_else(|| json.get("values"))
        .and_then(|values| values.get("root_module"));
    let Some(root) = root else {
        env.diagnostics.push(Diagnostic::error(
            Origin::file(display),
            "neither `planned_values` (a plan) nor `values` (a state) found: is this `terraform show -json` output?",
        ));
        return;
    };
    let file = SourceFile::new(display, text);
    let mut resources = Vec::new();
    collect(root, &file, text, &mut resources, 0);
    // The values of a plan are JSON strings inside JSON: no line to point at inside them.
    map_resources(&resources, env, &|_, _| None);
}

fn collect(
    module: &serde_json::Value,
    file: &SourceFile,
    text: &str,
    out: &mut Vec<ResourceInstance>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    if let Some(serde_json::Value::Array(resources)) = module.get("resources") {
        for resource in resources {
            if resource.get("mode").and_then(|m| m.as_str()) == Some("data") {
                continue;
            }
            let text_of = |key: &str| {
                resource
                    .get(key)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let address = text_of("address");
            // The line of the resource's `"address"` in the file, so findings point at it.
            let origin = text
                .find(&format!(
                    "\"address\": {}",
                    serde_json::Value::String(address.clone())
                ))
                .or_else(|| {
                    text.find(&format!(
                        "\"address\":{}",
                        serde_json::Value::String(address.clone())
                    ))
                })
                .map(|offset| file.origin_at(offset))
                .unwrap_or_else(|| Origin::file(file.display.clone()));
            let values = resource
                .get("values")
                .map(Value::from_json)
                .unwrap_or(Value::Null);
            let attributes = match values {
                Value::Object(map) => map
                    .into_iter()
                    .map(|(key, value)| (key, (value, origin.clone())))
                    .collect(),
                _ => BTreeMap::new(),
            };
            let key = match resource.get("index") {
                Some(serde_json::Value::Number(n)) => {
                    n.as_u64().map(|n| InstanceKey::Index(n as usize))
                }
                Some(serde_json::Value::String(k)) => Some(InstanceKey::Key(k.clone())),
                _ => None,
            };
            out.push(ResourceInstance {
                resource_type: text_of("type"),
                name: text_of("name"),
                key,
                address,
                body: Evaluated {
                    attributes,
                    blocks: Vec::new(),
                    origin,
                },
            });
        }
    }
    if let Some(serde_json::Value::Array(children)) = module.get("child_modules") {
        for child in children {
            collect(child, file, text, out, depth + 1);
        }
    }
}
