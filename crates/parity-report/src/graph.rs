//! Exports of one side's resource graph (`parity graph DIR`): Graphviz DOT, Mermaid, and JSON.
//!
//! The exports show structure, never values: services with their kind, images, ports and env var
//! *names*; config sources with their key names. So a Secret's data cannot leak through a
//! picture of the graph.

use std::io;

use parity_model::{ConfigSourceKind, Edge, Node, NodeIndex, ResourceGraph};
use serde_json::{Value, json};

/// The graph export's JSON schema version.
pub const GRAPH_JSON_VERSION: u32 = 1;

fn edge_name(edge: Edge) -> &'static str {
    match edge {
        Edge::DependsOn => "depends-on",
        Edge::ReadsConfigFrom => "reads-config-from",
        Edge::Selects => "selects",
        Edge::ConnectsTo => "connects-to",
        Edge::Routes => "routes",
    }
}

/// The node's type (`service`, `config`, `backing`, `resource`), name and a second label line.
fn describe(node: &Node) -> (&'static str, &str, String) {
    match node {
        Node::Service(service) => {
            let image = service
                .primary_container()
                .and_then(|container| container.image.as_ref())
                .map(|image| format!(" {}", image.raw))
                .unwrap_or_default();
            (
                "service",
                &service.name,
                format!("{}{image}", service.kind.as_str()),
            )
        }
        Node::ConfigSource(source) => ("config", &source.name, config_kind(source.kind).to_owned()),
        Node::Backing(backing) => (
            "backing",
            &backing.name,
            match &backing.version {
                Some(version) => format!("{} {version}", backing.engine),
                None => backing.engine.clone(),
            },
        ),
        Node::Resource(resource) => ("resource", &resource.name, resource.kind.clone()),
    }
}

fn config_kind(kind: ConfigSourceKind) -> &'static str {
    match kind {
        ConfigSourceKind::ConfigMap => "ConfigMap",
        ConfigSourceKind::Secret => "Secret",
        ConfigSourceKind::EnvFile => "env file",
    }
}

fn edges(graph: &ResourceGraph) -> Vec<(NodeIndex, Edge, NodeIndex)> {
    let mut edges: Vec<(NodeIndex, Edge, NodeIndex)> = graph
        .nodes()
        .flat_map(|(from, _)| {
            graph
                .edges_from(from)
                .map(move |(edge, to)| (from, edge, to))
        })
        .collect();
    // petgraph lists a node's edges newest first; sort so exports are stable and readable.
    edges.sort();
    edges
}

/// Writes the graph in Graphviz DOT (`dot -Tsvg graph.dot > graph.svg`).
pub fn render_graph_dot(graph: &ResourceGraph, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "digraph parity {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [fontname=\"Helvetica\", fontsize=11];")?;
    writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
    for (index, node) in graph.nodes() {
        let (kind, name, detail) = describe(node);
        let shape = match (kind, node) {
            ("service", _) => "box, style=\"rounded,filled\", fillcolor=\"#ddf4ff\"",
            (_, Node::ConfigSource(source)) if source.kind == ConfigSourceKind::Secret => {
                "note, style=filled, fillcolor=\"#ffebe9\""
            }
            ("config", _) => "note",
            ("backing", _) => "cylinder",
            _ => "ellipse, color=\"#8c959f\"",
        };
        writeln!(
            out,
            "  n{} [label=\"{}\\n{}\", shape={shape}];",
            index.index(),
            dot(name),
            dot(&detail)
        )?;
    }
    for (from, edge, to) in edges(graph) {
        let style = match edge {
            Edge::DependsOn => "",
            Edge::ReadsConfigFrom => ", style=dashed",
            Edge::Selects => ", style=dotted",
            Edge::ConnectsTo => ", color=\"#0969da\"",
            Edge::Routes => ", style=bold",
        };
        writeln!(
            out,
            "  n{} -> n{} [label=\"{}\"{style}];",
            from.index(),
            to.index(),
            edge_name(edge)
        )?;
    }
    writeln!(out, "}}")
}

/// Writes the graph as a Mermaid flowchart (paste into Markdown inside a `mermaid` code block).
pub fn render_graph_mermaid(graph: &ResourceGraph, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    for (index, node) in graph.nodes() {
        let (kind, name, detail) = describe(node);
        let label = format!("{}<br/>{}", mermaid_label(name), mermaid_label(&detail));
        let id = index.index();
        match kind {
            "service" => writeln!(out, "  n{id}[\"{label}\"]")?,
            "config" => writeln!(out, "  n{id}[/\"{label}\"/]")?,
            "backing" => writeln!(out, "  n{id}[(\"{label}\")]")?,
            _ => writeln!(out, "  n{id}(\"{label}\")")?,
        }
    }
    for (from, edge, to) in edges(graph) {
        let arrow = match edge {
            Edge::DependsOn => "-->",
            Edge::ReadsConfigFrom => "-.->",
            Edge::Selects | Edge::Routes => "==>",
            Edge::ConnectsTo => "-->",
        };
        writeln!(
            out,
            "  n{} {arrow}|{}| n{}",
            from.index(),
            edge_name(edge),
            to.index()
        )?;
    }
    Ok(())
}

/// Writes the graph as JSON: `{"version": 1, "nodes": [...], "edges": [...]}`; node ids are the
/// numbers edges refer to. Documented in `docs/graph-json.md`.
pub fn render_graph_json(graph: &ResourceGraph, out: &mut dyn io::Write) -> io::Result<()> {
    let nodes: Vec<Value> = graph
        .nodes()
        .map(|(index, node)| {
            let (kind, name, _) = describe(node);
            let origin = match node {
                Node::Service(service) => &service.origin,
                Node::ConfigSource(source) => &source.origin,
                Node::Backing(backing) => &backing.origin,
                Node::Resource(resource) => &resource.origin,
            };
            let mut value = json!({
                "id": index.index(),
                "type": kind,
                "name": name,
                "file": &*origin.file,
                "line": origin.line,
                "column": origin.column,
            });
            if let Value::Object(map) = &mut value {
                match node {
                    Node::Service(service) => {
                        map.insert("kind".into(), json!(service.kind.as_str()));
                        map.insert("namespace".into(), json!(service.namespace));
                        map.insert("replicas".into(), json!(service.replicas));
                        let containers: Vec<Value> = service
                            .containers
                            .iter()
                            .map(|container| {
                                json!({
                                    "name": container.name,
                                    "init": container.init,
                                    "image": container.image.as_ref().map(|image| image.raw.as_str()),
                                    "ports": container.ports.iter().map(|port| json!({
                                        "container": port.container,
                                        "published": port.published,
                                        "protocol": port.protocol.as_str(),
                                    })).collect::<Vec<_>>(),
                                    "env": container.env.iter().map(|var| var.name.as_str()).collect::<Vec<_>>(),
                                })
                            })
                            .collect();
                        map.insert("containers".into(), Value::Array(containers));
                    }
                    Node::ConfigSource(source) => {
                        map.insert("kind".into(), json!(config_kind(source.kind)));
                        map.insert("namespace".into(), json!(source.namespace));
                        map.insert(
                            "keys".into(),
                            json!(source.entries.keys().collect::<Vec<_>>()),
                        );
                    }
                    Node::Backing(backing) => {
                        map.insert("engine".into(), json!(backing.engine));
                        map.insert("version".into(), json!(backing.version));
                    }
                    Node::Resource(resource) => {
                        map.insert("kind".into(), json!(resource.kind));
                        map.insert("namespace".into(), json!(resource.namespace));
                    }
                }
            }
            value
        })
        .collect();
    let edges: Vec<Value> = edges(graph)
        .into_iter()
        .map(|(from, edge, to)| {
            json!({ "from": from.index(), "to": to.index(), "kind": edge_name(edge) })
        })
        .collect();
    let document = json!({ "version": GRAPH_JSON_VERSION, "nodes": nodes, "edges": edges });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// A DOT double-quoted string body.
fn dot(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\n', '\r'], " ")
}

/// A Mermaid node label inside `"..."`: Mermaid reads `#name;` entities there, so quotes and the
/// characters that start markup are written as entities. Shared with the Markdown renderer.
pub(crate) fn mermaid_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use parity_model::{
        ConfigSource, Container, EnvValue, EnvVar, Origin, Resource, SensitiveText, Service,
        ServiceKind, parse_image_ref,
    };

    /// A small prod graph: an api Deployment reading a Secret, selected by a Service, depending on db.
    fn graph() -> ResourceGraph {
        let file = |line| Origin::new("prod/api.yaml".into(), line, 1);
        let mut graph = ResourceGraph::new();
        let mut api = Service::new("api", ServiceKind::Kubernetes("Deployment".into()), file(1));
        let mut container = Container::new("api");
        container.image = parse_image_ref("ghcr.io/acme/api:1.7").ok();
        container.env.push(EnvVar {
            name: "STRIPE_KEY".into(),
            value: EnvValue::Literal(SensitiveText::secret("sk_live_123")),
            origin: file(9),
        });
        api.containers.push(container);
        let api = graph.add(Node::from(api));
        let db = graph.add(Node::from(Service::new(
            "d\"b",
            ServiceKind::Kubernetes("StatefulSet".into()),
            file(30),
        )));
        let mut entries = BTreeMap::new();
        entries.insert(
            "STRIPE_KEY".into(),
            (SensitiveText::secret("sk_live_123"), file(44)),
        );
        let secret = graph.add(Node::from(ConfigSource {
            kind: ConfigSourceKind::Secret,
            name: "stripe".into(),
            namespace: None,
            entries: entries.into(),
            origin: file(40),
        }));
        let service = graph.add(Node::from(Resource {
            kind: "Service".into(),
            api_version: Some("v1".into()),
            name: "api".into(),
            namespace: None,
            labels: Default::default(),
            selector: Default::default(),
            ports: vec![(80, "8080".into())],
            backends: Vec::new(),
            origin: file(50),
        }));
        graph.connect(api, db, Edge::DependsOn);
        graph.connect(api, secret, Edge::ReadsConfigFrom);
        graph.connect(service, api, Edge::Selects);
        graph
    }

    fn render(f: fn(&ResourceGraph, &mut dyn io::Write) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&graph(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("sk_live_123"),
            "values never reach a graph export"
        );
        text
    }

    #[test]
    fn dot_snapshot() {
        let text = render(render_graph_dot);
        assert!(text.contains("n0 -> n1 [label=\"depends-on\"];"), "{text}");
        assert!(
            text.contains("n1 [label=\"d\\\"b\\nStatefulSet\""),
            "{text}"
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn mermaid_snapshot() {
        let text = render(render_graph_mermaid);
        assert!(text.starts_with("flowchart LR\n"));
        assert!(text.contains("  n3 ==>|selects| n0\n"), "{text}");
        assert!(text.contains("n1[\"d#quot;b<br/>StatefulSet\"]"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn json_snapshot() {
        let text = render(render_graph_json);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["nodes"][0]["containers"][0]["env"][0], "STRIPE_KEY");
        assert_eq!(value["nodes"][2]["keys"][0], "STRIPE_KEY");
        assert_eq!(value["edges"].as_array().unwrap().len(), 3);
        assert_eq!(value["edges"][0]["kind"], "depends-on");
        insta::assert_snapshot!(text);
    }
}
