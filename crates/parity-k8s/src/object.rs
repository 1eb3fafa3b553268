//! One YAML document into Kubernetes objects: Lists are unpacked into their items, each object
//! is sorted by kind into a workload, a config source, or a plain resource.

use parity_model::SortedMap;

use parity_model::{ConfigSource, Resource};
use parity_source::yaml::{Node, Value};

use crate::kinds::{self, Role};
use crate::read::Cx;
use crate::workload::{self, Workload};
use crate::{K8sObject, KUSTOMIZATION_NOTE, config};

/// What an object becomes in the graph.
///
/// Boxed: every object of every file waits in a vector until the graph is built, and an
/// unboxed `Resource` made each element ~370 bytes (docs/performance.md).
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// A Deployment, StatefulSet, ... with env vars still to resolve.
    Workload(Box<Workload>),
    /// A ConfigMap or Secret.
    Config(Box<ConfigSource>),
    /// A Kubernetes Service or any other kind. `unknown` marks kinds Kubernetes does not ship.
    Resource {
        resource: Box<Resource>,
        unknown: bool,
    },
}

/// Lists nest only through mistakes; this bounds the recursion on hostile input.
const MAX_LIST_NESTING: usize = 8;

/// Reads one document of a stream into `out`.
pub(crate) fn read_document(
    cx: &mut Cx<'_>,
    root: &Node,
    helm_source: Option<&str>,
    out: &mut Vec<K8sObject>,
) {
    read_value(cx, root, helm_source, out, 0);
}

fn read_value(
    cx: &mut Cx<'_>,
    root: &Node,
    helm_source: Option<&str>,
    out: &mut Vec<K8sObject>,
    depth: usize,
) {
    if root.as_map().is_none() {
        let message = format!(
            "expected a Kubernetes object (a mapping with apiVersion and kind), found {}",
            root.type_name()
        );
        cx.error(cx.at(root), message);
        return;
    }
    let kind = cx.text(root.get("kind"), "kind");
    let api_version = cx.text(root.get("apiVersion"), "apiVersion");
    let (kind, api_version) = match (kind, api_version) {
        (Some(kind), Some(api_version)) if !kind.is_empty() && !api_version.is_empty() => {
            (kind, api_version)
        }
        (kind, _) => {
            let missing = if kind.is_none_or(str::is_empty) {
                "kind"
            } else {
                "apiVersion"
            };
            let message = format!(
                "document has no `{missing}`: expected a Kubernetes object with apiVersion and kind"
            );
            cx.error(cx.at(root), message);
            return;
        }
    };
    if kind == "Kustomization" && kinds::group_of(api_version).starts_with("kustomize.") {
        cx.note(cx.at(root), KUSTOMIZATION_NOTE);
        return;
    }
    if kinds::is_list_kind(kind) && root.get("items").is_some() {
        if depth >= MAX_LIST_NESTING {
            cx.error(
                cx.at(root),
                format!("lists nested deeper than {MAX_LIST_NESTING} levels"),
            );
            return;
        }
        for item in cx.seq(root.get("items"), "items") {
            read_value(cx, item, helm_source, out, depth + 1);
        }
        return;
    }
    if let Some(object) = read_object(cx, root, api_version, kind, helm_source) {
        out.push(object);
    }
}

fn read_object(
    cx: &mut Cx<'_>,
    root: &Node,
    api_version: &str,
    kind: &str,
    helm_source: Option<&str>,
) -> Option<K8sObject> {
    let metadata = root.get("metadata");
    cx.map(metadata, "metadata");
    let metadata_entries = metadata.and_then(Node::as_map).unwrap_or(&[]);
    let name_entry = metadata_entries.iter().find(|entry| &*entry.key == "name");
    let kind_entry = root.entry("kind");
    let name = match name_entry.map(|entry| cx.text(Some(&entry.value), "metadata.name")) {
        Some(Some(name)) if !name.is_empty() => name.to_owned(),
        _ => {
            // `generateName` objects (Jobs created by tools) have no fixed name; the prefix is
            // the best name there is.
            let generated = metadata
                .and_then(|m| m.get("generateName"))
                .and_then(Node::as_str);
            match generated {
                Some(prefix) if !prefix.is_empty() => prefix.to_owned(),
                _ => {
                    let origin = kind_entry.map_or_else(|| cx.at(root), |entry| cx.at_entry(entry));
                    cx.error(origin, format!("{kind} has no `metadata.name`"));
                    return None;
                }
            }
        }
    };
    let origin = match (name_entry, kind_entry) {
        (Some(entry), _) | (None, Some(entry)) => cx.at_entry(entry),
        (None, None) => cx.at(root),
    };
    let namespace = cx
        .text(
            metadata.and_then(|m| m.get("namespace")),
            "metadata.namespace",
        )
        .filter(|namespace| !namespace.is_empty())
        .map(str::to_owned);
    let labels = cx.string_map(metadata.and_then(|m| m.get("labels")), "metadata.labels");

    let role = kinds::role_of(api_version, kind);
    let body = match role {
        Role::Workload(at) => {
            let mut workload = workload::read_workload(cx, root, kind, at, &name, origin.clone());
            workload.service.namespace = namespace.clone();
            // The object's own labels win over the pod template's: they are what selects and
            // names the workload in tooling.
            let mut merged = workload.pod_labels.clone();
            merged.extend(labels);
            workload.service.labels = merged;
            Body::Workload(Box::new(workload))
        }
        Role::ConfigMap => Body::Config(Box::new(config::read_config_map(
            cx,
            root,
            &name,
            namespace.clone(),
            origin.clone(),
        ))),
        Role::Secret => Body::Config(Box::new(config::read_secret(
            cx,
            root,
            &name,
            namespace.clone(),
            origin.clone(),
        ))),
        Role::KubeService | Role::BuiltIn | Role::Unknown => {
            let mut resource = Resource {
                kind: kind.to_owned(),
                api_version: Some(api_version.to_owned()),
                name: name.clone(),
                namespace: namespace.clone(),
                labels,
                selector: SortedMap::new(),
                ports: Vec::new(),
                backends: Vec::new(),
                origin: origin.clone(),
            };
            if role == Role::KubeService {
                read_service_spec(cx, root, &mut resource);
            }
            if crate::route::has_backends(kind) {
                crate::route::read_backends(cx, root, &mut resource);
            }
            Body::Resource {
                resource: Box::new(resource),
                unknown: role == Role::Unknown,
            }
        }
    };
    // Every object of a file repeats these: one string each per file, not per object (the
    // parsed objects all wait for the graph, the peak of a large load).
    Some(K8sObject {
        api_version: cx.shared.get(api_version),
        kind: cx.shared.get(kind),
        name,
        namespace: namespace
            .as_deref()
            .map(|namespace| cx.shared.get(namespace)),
        origin,
        helm_source: helm_source.map(|source| cx.shared.get(source)),
        body,
    })
}

/// A Service's selector and ports (`port`, and `targetPort` as written; without one it is the
/// port itself, as Kubernetes defaults it).
fn read_service_spec(cx: &mut Cx<'_>, root: &Node, resource: &mut Resource) {
    let spec = root.get("spec");
    cx.map(spec, "spec");
    resource.selector = cx.string_map(spec.and_then(|s| s.get("selector")), "spec.selector");
    for (index, item) in cx
        .seq(spec.and_then(|s| s.get("ports")), "spec.ports")
        .iter()
        .enumerate()
    {
        let path = format!("spec.ports[{index}]");
        if item.as_map().is_none() {
            cx.error(
                cx.at(item),
                format!(
                    "expected a mapping for `{path}`, found {}",
                    item.type_name()
                ),
            );
            continue;
        }
        let Some(port) = cx.port(item.get("port"), &format!("{path}.port")) else {
            if item.get("port").is_none() {
                cx.error(cx.at(item), format!("`{path}` has no `port`"));
            }
            continue;
        };
        let target = match item.get("targetPort").map(|node| &node.value) {
            Some(Value::Scalar(scalar)) => String::from(&*scalar.text),
            _ => port.to_string(),
        };
        resource.ports.push((port, target));
    }
}
