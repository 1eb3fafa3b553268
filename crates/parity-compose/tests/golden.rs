//! Golden tests: every project under `testdata/loaders/compose/` loaded and dumped as stable
//! text (services with every modelled field and its origin, env file sources, edges,
//! diagnostics), snapshotted with insta so any change in what the loader reads is reviewed.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use parity_compose::{ComposeOptions, discover, load};
use parity_model::{Environment, Node, Origin};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/loaders/compose")
}

/// An origin with the fixtures directory cut off, so snapshots do not depend on the checkout.
fn at(origin: &Origin) -> String {
    let prefix = format!("{}/", fixtures().display());
    origin.to_string().trim_start_matches(&prefix).to_owned()
}

fn dump(environment: &Environment) -> String {
    let mut out = String::new();
    let graph = &environment.graph;
    for (index, node) in graph.nodes() {
        match node {
            Node::Service(service) => {
                writeln!(out, "service {} @ {}", service.name, at(&service.origin)).unwrap();
                if let Some(build) = &service.build {
                    writeln!(
                        out,
                        "  build {} dockerfile={:?} @ {}",
                        build.context,
                        build.dockerfile,
                        at(&build.origin)
                    )
                    .unwrap();
                }
                if let Some(replicas) = service.replicas {
                    writeln!(out, "  replicas {replicas}").unwrap();
                }
                if !service.profiles.is_empty() {
                    writeln!(out, "  profiles {}", service.profiles.join(", ")).unwrap();
                }
                for (key, value) in &service.labels {
                    writeln!(out, "  label {key}={value}").unwrap();
                }
                for container in &service.containers {
                    match (&container.image, &container.image_origin) {
                        (Some(image), Some(origin)) => writeln!(
                            out,
                            "  image {} ({}) @ {}",
                            image.raw,
                            image.canonical(),
                            at(origin)
                        )
                        .unwrap(),
                        _ => writeln!(out, "  image none").unwrap(),
                    }
                    for var in &container.env {
                        writeln!(
                            out,
                            "  env {}={} @ {}",
                            var.name,
                            var.value.describe(),
                            at(&var.origin)
                        )
                        .unwrap();
                    }
                    for port in &container.ports {
                        writeln!(
                            out,
                            "  port {}{}/{} host_ip={:?} name={:?} @ {}",
                            port.published.map(|p| format!("{p}:")).unwrap_or_default(),
                            port.container,
                            port.protocol.as_str(),
                            port.host_ip,
                            port.name,
                            at(&port.origin)
                        )
                        .unwrap();
                    }
                    for volume in &container.volumes {
                        writeln!(
                            out,
                            "  volume {} {:?} -> {}{} @ {}",
                            volume.kind.as_str(),
                            volume.source,
                            volume.target,
                            if volume.read_only { " ro" } else { "" },
                            at(&volume.origin)
                        )
                        .unwrap();
                    }
                    if let Some(check) = &container.healthcheck {
                        writeln!(
                            out,
                            "  healthcheck disabled={} @ {}",
                            check.disabled,
                            at(&check.origin)
                        )
                        .unwrap();
                    }
                }
                for (edge, target) in graph.edges_from(index) {
                    let target = match graph.node(target).unwrap() {
                        Node::Service(service) => format!("service {}", service.name),
                        Node::ConfigSource(source) => format!("env_file {}", source.name),
                        other => format!("{other:?}"),
                    };
                    writeln!(out, "  edge {edge:?} -> {target}").unwrap();
                }
            }
            Node::ConfigSource(source) => {
                writeln!(
                    out,
                    "config source {:?} {} @ {}",
                    source.kind,
                    source.name,
                    at(&source.origin)
                )
                .unwrap();
                for (key, (value, origin)) in &source.entries {
                    writeln!(out, "  {key}={value} @ {}", at(origin)).unwrap();
                }
            }
            other => writeln!(out, "{other:?}").unwrap(),
        }
    }
    for diagnostic in &environment.diagnostics {
        writeln!(
            out,
            "{}: {}: {}",
            at(&diagnostic.origin),
            diagnostic.level.as_str(),
            diagnostic.message
        )
        .unwrap();
    }
    let prefix = format!("{}/", fixtures().display());
    let files: Vec<&str> = environment
        .files
        .iter()
        .map(|f| f.trim_start_matches(&prefix))
        .collect();
    writeln!(out, "files {}", files.join(", ")).unwrap();
    out
}

#[test]
fn golden_dumps() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10);
    for dir in cases {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let mut environment = Environment::new(name.clone());
        load(
            &discover(&dir),
            &ComposeOptions::default(),
            &mut environment,
        );
        insta::assert_snapshot!(name, dump(&environment));
    }
}
