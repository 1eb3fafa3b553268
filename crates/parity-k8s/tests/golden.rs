//! Golden snapshots: every case under `testdata/loaders/k8s/<case>/` is parsed and built, and a
//! stable text dump of the graph (services, containers, env, ports, volumes, config sources,
//! resources, edges, diagnostics) is compared with `snapshots/`. Review changes with
//! `cargo insta review`.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;

use parity_model::{ArcStr, Environment, Node, ResourceGraph};

fn load_case(dir: &Path) -> Environment {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let files = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            parity_k8s::parse_file(ArcStr::from(name), &text)
        })
        .collect();
    let mut env = Environment::new(dir.file_name().unwrap().to_string_lossy());
    parity_k8s::build(files, &mut env);
    env
}

fn name_of(graph: &ResourceGraph, index: parity_model::NodeIndex) -> String {
    match graph.node(index) {
        Some(Node::Service(service)) => format!("{} {}", service.kind.as_str(), service.name),
        Some(Node::ConfigSource(source)) => format!("{:?} {}", source.kind, source.name),
        Some(Node::Resource(resource)) => format!("{} {}", resource.kind, resource.name),
        Some(Node::Backing(backing)) => format!("backing {}", backing.name),
        None => "?".to_owned(),
    }
}

/// A stable, readable dump of everything the loader produced.
fn dump(env: &Environment) -> String {
    let mut out = String::new();
    let graph = &env.graph;
    for (index, node) in graph.nodes() {
        match node {
            Node::Service(service) => {
                let namespace = service.namespace.as_deref().unwrap_or("-");
                let replicas = service.replicas.map_or("-".to_owned(), |n| n.to_string());
                writeln!(
                    out,
                    "service {} {} ns={namespace} replicas={replicas} @{}",
                    service.kind.as_str(),
                    service.name,
                    service.origin
                )
                .unwrap();
                for (key, value) in &service.labels {
                    writeln!(out, "  label {key}={value}").unwrap();
                }
                for container in &service.containers {
                    let image = container
                        .image
                        .as_ref()
                        .map_or("-".to_owned(), |image| image.canonical());
                    let line = container
                        .image_origin
                        .as_ref()
                        .map_or(0, |origin| origin.line);
                    let init = if container.init { " init" } else { "" };
                    writeln!(
                        out,
                        "  container {}{init} image={image} @{line}",
                        container.name
                    )
                    .unwrap();
                    for var in &container.env {
                        writeln!(
                            out,
                            "    env {}={} @{}",
                            var.name,
                            var.value.describe(),
                            var.origin.line
                        )
                        .unwrap();
                    }
                    for source in &container.env_from_unresolved {
                        writeln!(out, "    envFrom unresolved {source}").unwrap();
                    }
                    for port in &container.ports {
                        let host = port.published.map_or("-".to_owned(), |p| p.to_string());
                        let name = port.name.as_deref().unwrap_or("-");
                        writeln!(
                            out,
                            "    port {}/{} host={host} name={name} @{}",
                            port.container,
                            port.protocol.as_str(),
                            port.origin.line
                        )
                        .unwrap();
                    }
                    for volume in &container.volumes {
                        let source = volume.source.as_deref().unwrap_or("-");
                        let mode = if volume.read_only { "ro" } else { "rw" };
                        writeln!(
                            out,
                            "    volume {} {} source={source} {mode} @{}",
                            volume.target,
                            volume.kind.as_str(),
                            volume.origin.line
                        )
                        .unwrap();
                    }
                    if let Some(health) = &container.healthcheck {
                        writeln!(
                            out,
                            "    health {} @{}",
                            health.kinds.join(","),
                            health.origin.line
                        )
                        .unwrap();
                    }
                }
            }
            Node::ConfigSource(source) => {
                let namespace = source.namespace.as_deref().unwrap_or("-");
                writeln!(
                    out,
                    "config {:?} {} ns={namespace} @{}",
                    source.kind, source.name, source.origin
                )
                .unwrap();
                for (key, (value, origin)) in &source.entries {
                    writeln!(out, "  {key}={} @{}", value.shown(), origin.line).unwrap();
                }
            }
            Node::Resource(resource) => {
                let namespace = resource.namespace.as_deref().unwrap_or("-");
                let api = resource.api_version.as_deref().unwrap_or("-");
                writeln!(
                    out,
                    "resource {api} {} {} ns={namespace} @{}",
                    resource.kind, resource.name, resource.origin
                )
                .unwrap();
                for (key, value) in &resource.selector {
                    writeln!(out, "  selector {key}={value}").unwrap();
                }
                for (port, target) in &resource.ports {
                    writeln!(out, "  port {port} -> {target}").unwrap();
                }
            }
            Node::Backing(backing) => writeln!(out, "backing {}", backing.name).unwrap(),
        }
        for (edge, target) in graph.edges_from(index) {
            writeln!(out, "  edge {edge:?} -> {}", name_of(graph, target)).unwrap();
        }
    }
    for diagnostic in &env.diagnostics {
        writeln!(out, "diagnostic {diagnostic}").unwrap();
    }
    out
}

#[test]
fn golden() {
    insta::glob!("../../../testdata", "loaders/k8s/*", |dir| {
        if dir.is_dir() {
            insta::assert_snapshot!(dump(&load_case(dir)));
        }
    });
}
