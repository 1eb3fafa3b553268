//! Connections a service's env describes, read once after loading so rules only read data.

use std::collections::{BTreeSet, HashMap};

use crate::url::{embedded_database, parse_connection_url};
use crate::{ConnectionUrl, Edge, Node, NodeIndex, Origin, ResourceGraph};

/// A backing service or host a container talks to, read from one env value
/// (`DATABASE_URL=postgres://db:5432/app`, `SQLITE_PATH=./data/app.db`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The env var holding it.
    pub var: String,
    /// The engine: from the URL scheme (`postgres`, `redis`, `rabbitmq`, ...) or the embedded
    /// database (`sqlite`, `h2`, ...). `None` for URLs of no known engine (`http://api:8080`).
    pub engine: Option<String>,
    /// The parsed URL; `None` for an embedded database, which has no host.
    pub url: Option<ConnectionUrl>,
    /// Where the env var is set.
    pub origin: Origin,
}

impl Connection {
    /// The first host of the URL, when there is one.
    pub fn host(&self) -> Option<&str> {
        self.url
            .as_ref()
            .and_then(ConnectionUrl::host)
            .map(|host| host.host.as_str())
    }
}

/// Fills every container's [`crate::Container::connections`] from its env values (literal or
/// resolved from a ConfigMap, Secret or env file), and adds an [`Edge::ConnectsTo`] from a
/// service to the node its URL's host names on the same side: a service of that name (compose),
/// or the Kubernetes Service of that name (`db`, `db.shop`, `db.shop.svc.cluster.local`).
///
/// Loaders call it once, last. Calling it again recomputes the same data and adds no edge twice.
pub fn link_connections(graph: &mut ResourceGraph) {
    let mut targets: HashMap<String, NodeIndex> = HashMap::new();
    for (index, node) in graph.nodes() {
        match node {
            Node::Service(service) => {
                targets
                    .entry(service.name.to_ascii_lowercase())
                    .or_insert(index);
            }
            Node::Resource(resource) if resource.kind == "Service" => {
                // A Kubernetes Service is what a host name resolves to; it wins over a workload
                // of the same name.
                targets.insert(resource.name.to_ascii_lowercase(), index);
            }
            _ => {}
        }
    }
    let service_indices: Vec<NodeIndex> = graph.services().map(|(index, _)| index).collect();
    let mut edges = Vec::new();
    for index in service_indices {
        let Some(Node::Service(service)) = graph.node_mut(index) else {
            continue;
        };
        let mut linked = BTreeSet::new();
        for container in &mut service.containers {
            container.connections = container
                .env
                .iter()
                .filter_map(|var| {
                    let value = var.value.known()?.expose();
                    let (engine, url) = match parse_connection_url(value) {
                        Some(url) => (url.engine().map(str::to_owned), Some(url)),
                        None => (Some(embedded_database(value)?.to_owned()), None),
                    };
                    Some(Connection {
                        var: var.name.clone(),
                        engine,
                        url,
                        origin: var.origin.clone(),
                    })
                })
                .collect();
            for connection in &container.connections {
                let Some(host) = connection.host() else {
                    continue;
                };
                if let Some(&target) = targets.get(service_host_name(host)) {
                    if target != index && linked.insert(target) {
                        edges.push((index, target));
                    }
                }
            }
        }
    }
    for (from, to) in edges {
        let exists = graph
            .edges_from(from)
            .any(|(edge, target)| edge == Edge::ConnectsTo && target == to);
        if !exists {
            graph.connect(from, to, Edge::ConnectsTo);
        }
    }
}

/// The service name a cluster DNS name starts with: `db` for `db`, `db.shop` and
/// `db.shop.svc.cluster.local`. Other dotted names (`db.example.com`) are kept whole.
fn service_host_name(host: &str) -> &str {
    let labels: Vec<&str> = host.split('.').collect();
    let cluster_name = labels.len() == 2 || labels.get(2).is_some_and(|label| *label == "svc");
    match labels.first() {
        Some(first) if cluster_name => first,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Container, EnvValue, EnvVar, Resource, SensitiveText, Service, ServiceKind};
    use std::collections::BTreeMap;

    fn service(name: &str, env: &[(&str, &str)]) -> Service {
        let origin = Origin::new("compose.yaml".into(), 1, 1);
        let mut service = Service::new(name, ServiceKind::ComposeService, origin.clone());
        let mut container = Container::new(name);
        for (key, value) in env {
            container.env.push(EnvVar {
                name: (*key).to_owned(),
                value: EnvValue::Literal(SensitiveText::for_key(key, *value)),
                origin: origin.clone(),
            });
        }
        service.containers.push(container);
        service
    }

    #[test]
    fn connections_are_read_and_linked_to_the_named_service() {
        let mut graph = ResourceGraph::new();
        let api = graph.add(Node::Service(service(
            "api",
            &[
                ("DATABASE_URL", "postgres://app:pw@db:5432/shop"),
                ("CACHE_URL", "redis://cache.shop.svc.cluster.local"),
                ("EXPORT_DB", "./data/export.sqlite3"),
                ("LOG_LEVEL", "debug"),
            ],
        )));
        let db = graph.add(Node::Service(service("db", &[])));
        let cache = graph.add(Node::Resource(Resource {
            kind: "Service".into(),
            api_version: Some("v1".into()),
            name: "cache".into(),
            namespace: None,
            labels: BTreeMap::new(),
            selector: BTreeMap::new(),
            ports: Vec::new(),
            backends: Vec::new(),
            origin: Origin::new("cache.yaml".into(), 1, 1),
        }));
        link_connections(&mut graph);
        link_connections(&mut graph);
        let Some(Node::Service(linked)) = graph.node(api) else {
            panic!("api is a service");
        };
        let found: Vec<(&str, Option<&str>, Option<&str>)> = linked.containers[0]
            .connections
            .iter()
            .map(|c| (c.var.as_str(), c.engine.as_deref(), c.host()))
            .collect();
        assert_eq!(
            found,
            [
                ("DATABASE_URL", Some("postgres"), Some("db")),
                (
                    "CACHE_URL",
                    Some("redis"),
                    Some("cache.shop.svc.cluster.local")
                ),
                ("EXPORT_DB", Some("sqlite"), None),
            ]
        );
        let mut targets: Vec<NodeIndex> = graph
            .edges_from(api)
            .filter(|(edge, _)| *edge == Edge::ConnectsTo)
            .map(|(_, target)| target)
            .collect();
        targets.sort();
        assert_eq!(targets, [db, cache]);
    }

    #[test]
    fn cluster_dns_names_resolve_to_their_service() {
        assert_eq!(service_host_name("db"), "db");
        assert_eq!(service_host_name("db.shop"), "db");
        assert_eq!(service_host_name("db.shop.svc.cluster.local"), "db");
        assert_eq!(service_host_name("db.example.com"), "db.example.com");
    }
}
