//! Connections a service's env describes, read once after loading so rules only read data.

use std::collections::{BTreeSet, HashMap};

use arcstr::ArcStr;

use crate::url::{
    embedded_database, parse_connection_url, parse_partial_connection_url,
    partial_embedded_database,
};
use crate::{
    BackingService, ConnectionUrl, Edge, EnvValue, Node, NodeIndex, Origin, ResourceGraph,
};

/// A backing service or host a container talks to, read from one env value
/// (`DATABASE_URL=postgres://db:5432/app`, `SQLITE_PATH=./data/app.db`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The env var holding it (shared with the var's name).
    pub var: ArcStr,
    /// What the value names: a URL, or an embedded database. Read through
    /// [`url`](Self::url) and [`engine`](Self::engine).
    pub target: ConnectionTarget,
    /// For a value only partly known before deploy: the references of its unknown parts
    /// (`aws_db_instance.main.address`), in order. Empty (no allocation) for a literal value.
    pub references: Box<[String]>,
    /// Where the env var is set.
    pub origin: Origin,
}

/// What a [`Connection`]'s value names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionTarget {
    /// A server, by URL (`postgres://db:5432/shop`).
    Url(ConnectionUrl),
    /// An embedded database (`./data/app.db`, `jdbc:h2:mem:test`): its engine (`sqlite`, `h2`,
    /// `hsqldb`, `derby` or `memory`).
    Embedded(&'static str),
}

impl Connection {
    /// The parsed URL; `None` for an embedded database, which has no host.
    pub fn url(&self) -> Option<&ConnectionUrl> {
        match &self.target {
            ConnectionTarget::Url(url) => Some(url),
            ConnectionTarget::Embedded(_) => None,
        }
    }

    /// The engine: from the URL scheme (`postgres`, `redis`, `rabbitmq`, ...) or the embedded
    /// database (`sqlite`, `h2`, ...). `None` for URLs of no known engine (`http://api:8080`).
    pub fn engine(&self) -> Option<&'static str> {
        match &self.target {
            ConnectionTarget::Url(url) => url.engine(),
            ConnectionTarget::Embedded(engine) => Some(engine),
        }
    }

    /// The first host of the URL, when there is one.
    pub fn host(&self) -> Option<&str> {
        self.url().map(|url| url.host().host)
    }

    /// Whether one of the value's deploy-time references names `backing` (see
    /// [`reference_address`]).
    pub fn names(&self, backing: &BackingService) -> bool {
        let Some(address) = backing.address.as_deref() else {
            return false;
        };
        self.references
            .iter()
            .filter_map(|reference| reference_address(reference))
            .any(|target| address_match(&target, address).is_some())
    }
}

/// The address of the resource a deploy-time reference reads from: `aws_db_instance.main` for
/// `aws_db_instance.main.address` and `aws_db_instance.main[0].endpoint`,
/// `data.aws_db_instance.shared` for a data source, `module.db` for a module's output. `None`
/// for references to no resource (`var.`, `local.`, `each.`, `count.`, `path.`, `self.`).
pub fn reference_address(reference: &str) -> Option<String> {
    let segments: Vec<&str> = reference
        .split('.')
        .map(|segment| segment.split('[').next().unwrap_or(segment))
        .collect();
    let take = match segments.first().copied()? {
        "var" | "local" | "each" | "count" | "path" | "self" | "terraform" => return None,
        "data" => 3,
        _ => 2,
    };
    let head = segments.get(..take)?;
    head.iter()
        .all(|segment| !segment.is_empty())
        .then(|| head.join("."))
}

/// How closely the resource address `address` (`module.db.aws_db_instance.this["a"]`) matches the
/// target of a reference (`aws_db_instance.this`, `module.db`): `Some(true)` when it is that
/// resource, `Some(false)` when it may be (the same resource inside a module, or a resource of the
/// named module), `None` when it is not.
fn address_match(target: &str, address: &str) -> Option<bool> {
    let address: String = address
        .split('.')
        .map(|segment| segment.split('[').next().unwrap_or(segment))
        .collect::<Vec<_>>()
        .join(".");
    if address == target {
        Some(true)
    } else if address.ends_with(&format!(".{target}"))
        || (target.starts_with("module.") && address.starts_with(&format!("{target}.")))
    {
        Some(false)
    } else {
        None
    }
}

/// The backing services a connection's references name: for each reference, the one whose
/// address is the reference's target, else the only one that may be.
fn named_backings(references: &[String], backings: &[(NodeIndex, &str)]) -> Vec<NodeIndex> {
    let mut found = Vec::new();
    for target in references.iter().filter_map(|r| reference_address(r)) {
        let exact: Vec<NodeIndex> = backings
            .iter()
            .filter(|(_, address)| address_match(&target, address) == Some(true))
            .map(|(index, _)| *index)
            .collect();
        let chosen = if exact.is_empty() {
            let near: Vec<NodeIndex> = backings
                .iter()
                .filter(|(_, address)| address_match(&target, address).is_some())
                .map(|(index, _)| *index)
                .collect();
            if near.len() == 1 { near } else { Vec::new() }
        } else {
            exact
        };
        found.extend(chosen);
    }
    found
}

/// Fills every container's [`crate::Container::connections`] from its env values (literal or
/// resolved from a ConfigMap, Secret or env file), and adds an [`Edge::ConnectsTo`] from a
/// service to the node its URL's host names on the same side: a service of that name (compose),
/// or the Kubernetes Service of that name (`db`, `db.shop`, `db.shop.svc.cluster.local`).
///
/// A value only partly known before deploy ([`EnvValue::Partial`]) is read for what is known
/// (see [`crate::parse_partial_connection_url`]), and links to the managed backing service its
/// references name (`${aws_db_instance.main.address}` → the backing service at
/// `aws_db_instance.main`).
///
/// Loaders call it once, last. Calling it again recomputes the same data and adds no edge twice.
/// It is [`read_connections`] on every service, then [`link_read_connections`]; a loader with
/// many services may run the first part in parallel itself.
pub fn link_connections(graph: &mut ResourceGraph) {
    let service_indices: Vec<NodeIndex> = graph.services().map(|(index, _)| index).collect();
    for index in service_indices {
        if let Some(Node::Service(service)) = graph.node_mut(index) {
            read_connections(service);
        }
    }
    link_read_connections(graph);
}

/// Fills the service's containers' [`crate::Container::connections`] from their env values: the
/// per-service part of [`link_connections`], which reads nothing else.
pub fn read_connections(service: &mut crate::Service) {
    for container in &mut service.containers {
        container.connections = container
            .env
            .iter()
            .filter_map(|var| {
                let (parsed, embedded, references) = match &var.value {
                    EnvValue::Partial(text) => (
                        parse_partial_connection_url(text),
                        partial_embedded_database(text),
                        text.references().map(str::to_owned).collect(),
                    ),
                    other => {
                        let value = other.known()?.expose();
                        (
                            parse_connection_url(value),
                            embedded_database(value),
                            Box::default(),
                        )
                    }
                };
                let target = match parsed {
                    Some(url) => ConnectionTarget::Url(url),
                    None => ConnectionTarget::Embedded(embedded?),
                };
                Some(Connection {
                    var: var.name.clone(),
                    target,
                    references,
                    origin: var.origin.clone(),
                })
            })
            .collect();
        // Kept for the whole run: without the vector's spare room (docs/performance.md).
        container.connections.shrink_to_fit();
    }
}

/// The edges of [`link_connections`], from connections [`read_connections`] has filled in:
/// an [`Edge::ConnectsTo`] from a service to the node its URL's host names on the same side,
/// and to the managed backing service its references name. Adds no edge twice.
pub fn link_read_connections(graph: &mut ResourceGraph) {
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
    let backing_addresses: Vec<(NodeIndex, String)> = graph
        .nodes()
        .filter_map(|(index, node)| match node {
            Node::Backing(backing) => Some((index, backing.address.clone()?)),
            _ => None,
        })
        .collect();
    let backings: Vec<(NodeIndex, &str)> = backing_addresses
        .iter()
        .map(|(index, address)| (*index, address.as_str()))
        .collect();
    let mut edges = Vec::new();
    for (index, service) in graph.services() {
        let mut linked = BTreeSet::new();
        for container in &service.containers {
            for connection in &container.connections {
                for target in named_backings(&connection.references, &backings) {
                    if linked.insert(target) {
                        edges.push((index, target));
                    }
                }
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
    // Called for every connection: the labels are walked, not collected.
    let mut labels = host.split('.');
    let (first, second, third) = (labels.next(), labels.next(), labels.next());
    let cluster_name = (second.is_some() && third.is_none()) || third == Some("svc");
    match first {
        Some(first) if cluster_name => first,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Container, EnvValue, EnvVar, Resource, SensitiveText, Service, ServiceKind};

    fn service(name: &str, env: &[(&str, &str)]) -> Service {
        let origin = Origin::new("compose.yaml".into(), 1, 1);
        let mut service = Service::new(name, ServiceKind::ComposeService, origin.clone());
        let mut container = Container::new(name);
        for (key, value) in env {
            container.env.push(EnvVar {
                name: (*key).into(),
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
        let api = graph.add(Node::from(service(
            "api",
            &[
                ("DATABASE_URL", "postgres://app:pw@db:5432/shop"),
                ("CACHE_URL", "redis://cache.shop.svc.cluster.local"),
                ("EXPORT_DB", "./data/export.sqlite3"),
                ("LOG_LEVEL", "debug"),
            ],
        )));
        let db = graph.add(Node::from(service("db", &[])));
        let cache = graph.add(Node::from(Resource {
            kind: "Service".into(),
            api_version: Some("v1".into()),
            name: "cache".into(),
            namespace: None,
            labels: Default::default(),
            selector: Default::default(),
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
            .map(|c| (c.var.as_str(), c.engine(), c.host()))
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

    fn backing(address: &str, engine: &str) -> Node {
        Node::from(BackingService {
            name: address.to_owned(),
            engine: engine.to_owned(),
            version: None,
            address: Some(address.to_owned()),
            origin: Origin::new("main.tf".into(), 9, 1),
        })
    }

    #[test]
    fn partly_known_urls_link_to_the_backing_service_they_reference() {
        use crate::{PartialText, TextPart};
        let mut graph = ResourceGraph::new();
        let mut api = service("api", &[]);
        let partial = |parts: Vec<TextPart>| {
            EnvValue::Partial(Box::new(PartialText::for_key("URL", parts).unwrap()))
        };
        api.containers[0].env.push(EnvVar {
            name: "DATABASE_URL".into(),
            value: partial(vec![
                TextPart::Known("postgres://".into()),
                TextPart::Unknown("aws_db_instance.main.address".into()),
                TextPart::Known(":5432/shop".into()),
            ]),
            origin: Origin::new("main.tf".into(), 4, 5),
        });
        api.containers[0].env.push(EnvVar {
            name: "CACHE_URL".into(),
            value: partial(vec![
                TextPart::Known("redis://".into()),
                TextPart::Unknown("module.cache.endpoint".into()),
            ]),
            origin: Origin::new("main.tf".into(), 5, 5),
        });
        let api = graph.add(Node::from(api));
        let db = graph.add(backing("aws_db_instance.main", "postgres"));
        graph.add(backing("aws_db_instance.replica", "postgres"));
        let cache = graph.add(backing(
            "module.cache.aws_elasticache_replication_group.this",
            "redis",
        ));
        link_connections(&mut graph);
        let mut targets: Vec<NodeIndex> = graph
            .edges_from(api)
            .filter(|(edge, _)| *edge == Edge::ConnectsTo)
            .map(|(_, target)| target)
            .collect();
        targets.sort();
        assert_eq!(targets, [db, cache]);
        let Some(Node::Service(linked)) = graph.node(api) else {
            panic!("api is a service");
        };
        let connection = &linked.containers[0].connections[0];
        assert_eq!(connection.engine(), Some("postgres"));
        assert_eq!(*connection.references, ["aws_db_instance.main.address"]);
        let Some(Node::Backing(main)) = graph.node(db) else {
            panic!("db is a backing service");
        };
        assert!(connection.names(main));
    }

    #[test]
    fn references_name_resource_addresses() {
        assert_eq!(
            reference_address("aws_db_instance.main[0].address").as_deref(),
            Some("aws_db_instance.main")
        );
        assert_eq!(
            reference_address("data.aws_db_instance.shared.address").as_deref(),
            Some("data.aws_db_instance.shared")
        );
        assert_eq!(
            reference_address("module.db.endpoint").as_deref(),
            Some("module.db")
        );
        assert_eq!(reference_address("var.database_host"), None);
        assert_eq!(reference_address("aws_db_instance"), None);
        assert_eq!(
            address_match("aws_db_instance.main", "aws_db_instance.main[\"a\"]"),
            Some(true)
        );
        assert_eq!(
            address_match("aws_db_instance.this", "module.db.aws_db_instance.this"),
            Some(false)
        );
        assert_eq!(
            address_match("aws_db_instance.main", "aws_db_instance.mainline"),
            None
        );
    }
}
