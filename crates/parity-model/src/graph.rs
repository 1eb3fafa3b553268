use crate::SortedMap;
use arcstr::ArcStr;

use petgraph::stable_graph::StableDiGraph;
use petgraph::visit::EdgeRef;

use crate::{Diagnostic, DiagnosticLevel, InlineIgnore, Origin, SensitiveText, Service};

pub use petgraph::stable_graph::NodeIndex;

/// A node of the resource graph.
///
/// Each variant is boxed: the graph keeps its nodes in one array whose slots are as large as
/// the largest variant, and a `Service` is ~280 bytes while most nodes of a Kubernetes side
/// are smaller resources (docs/performance.md, fifth round).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A workload, the unit that is paired and compared.
    Service(Box<Service>),
    /// A source of configuration: ConfigMap, Secret, env_file.
    ConfigSource(Box<ConfigSource>),
    /// A backing service such as a managed database.
    Backing(Box<BackingService>),
    /// Any other resource (Kubernetes Service, Ingress, CRDs, ...), kept so edges and notes can
    /// refer to it.
    Resource(Box<Resource>),
}

impl From<Service> for Node {
    fn from(service: Service) -> Self {
        Node::Service(Box::new(service))
    }
}

impl From<ConfigSource> for Node {
    fn from(source: ConfigSource) -> Self {
        Node::ConfigSource(Box::new(source))
    }
}

impl From<BackingService> for Node {
    fn from(backing: BackingService) -> Self {
        Node::Backing(Box::new(backing))
    }
}

impl From<Resource> for Node {
    fn from(resource: Resource) -> Self {
        Node::Resource(Box::new(resource))
    }
}

/// A typed edge between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Edge {
    /// The source service depends on the target (compose `depends_on`).
    DependsOn,
    /// The source service reads configuration from the target config source.
    ReadsConfigFrom,
    /// The source resource (a Kubernetes Service) selects the target workload.
    Selects,
    /// The source service connects to the target (a service of the same side, the Kubernetes
    /// Service in front of one, or a managed backing service a deploy-time reference names)
    /// through a URL in its env (see [`crate::link_connections`]).
    ConnectsTo,
    /// The source resource (an Ingress or a Gateway API route) sends traffic to the target
    /// Kubernetes Service.
    Routes,
}

/// A ConfigMap, Secret, or env file, with its keys.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSource {
    /// What kind of source.
    pub kind: ConfigSourceKind,
    /// Name (ConfigMap/Secret name, env file path as written); shared with the
    /// [`EnvValue::FromSource`](crate::EnvValue::FromSource) vars that read it.
    pub name: ArcStr,
    /// Kubernetes namespace, when set.
    pub namespace: Option<String>,
    /// Keys with their values (Secret values are sensitive) and where each is written. Keys and
    /// values are shared with the env vars an `envFrom` expands from them.
    pub entries: SortedMap<ArcStr, (SensitiveText, Origin)>,
    /// Where the source is declared.
    pub origin: Origin,
}

/// The kind of a [`ConfigSource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigSourceKind {
    /// Kubernetes ConfigMap.
    ConfigMap,
    /// Kubernetes Secret.
    Secret,
    /// A compose env_file.
    EnvFile,
}

/// A backing service such as a database or cache, with its engine and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackingService {
    /// Name.
    pub name: String,
    /// Engine (`postgres`, `mysql`, `redis`, ...).
    pub engine: String,
    /// Engine version, when known.
    pub version: Option<String>,
    /// The address of the resource that declares it (`aws_db_instance.main`,
    /// `module.db.aws_rds_cluster.this`), when the configuration has addresses: what deploy-time
    /// references in env values name it by (see [`crate::link_connections`]).
    pub address: Option<String>,
    /// Where it is declared.
    pub origin: Origin,
}

/// A resource parity keeps but does not compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `kind` (e.g. `Service`, `Ingress`, `Certificate`).
    pub kind: String,
    /// `apiVersion`, when there is one.
    pub api_version: Option<String>,
    /// Name.
    pub name: String,
    /// Namespace, when set.
    pub namespace: Option<String>,
    /// Labels.
    pub labels: SortedMap<String, String>,
    /// For a Kubernetes Service: its selector.
    pub selector: SortedMap<String, String>,
    /// For a Kubernetes Service: its ports as (port, targetPort as written).
    pub ports: Vec<(u16, String)>,
    /// For an Ingress or a Gateway API route: the Services it sends traffic to.
    pub backends: Vec<Backend>,
    /// Where it is declared.
    pub origin: Origin,
}

/// A Service an Ingress or a Gateway API route sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// The Kubernetes Service's name.
    pub service: String,
    /// The Service port as written: a number or a port name. `None` when not given.
    pub port: Option<String>,
    /// Where the backend is written.
    pub origin: Origin,
}

/// The settings an application documents in `.env.example` (or `.env.sample`, `.env.dist`,
/// `.env.template`): the keys it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvContract {
    /// The contract file, as a display path.
    pub file: ArcStr,
    /// Keys in file order, each with where it is written.
    pub keys: Vec<(String, Origin)>,
}

/// A variable a compose file takes from the shell that runs it: `${VAR}` with no default, or a
/// bare `KEY` under `environment:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostVariable {
    /// The variable name.
    pub name: String,
    /// Where it is used.
    pub origin: Origin,
}

/// The common resource graph of one side.
#[derive(Debug, Clone, Default)]
pub struct ResourceGraph {
    graph: StableDiGraph<Node, Edge>,
}

impl ResourceGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node and returns its index.
    pub fn add(&mut self, node: Node) -> NodeIndex {
        self.graph.add_node(node)
    }

    /// Adds an edge `from -> to`.
    pub fn connect(&mut self, from: NodeIndex, to: NodeIndex, edge: Edge) {
        self.graph.add_edge(from, to, edge);
    }

    /// The node at `index`, for a loader's final passes.
    pub fn node_mut(&mut self, index: NodeIndex) -> Option<&mut Node> {
        self.graph.node_weight_mut(index)
    }

    /// The node at `index`.
    pub fn node(&self, index: NodeIndex) -> Option<&Node> {
        self.graph.node_weight(index)
    }

    /// All nodes in insertion order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeIndex, &Node)> {
        self.graph
            .node_indices()
            .map(|index| (index, &self.graph[index]))
    }

    /// All services in insertion order.
    pub fn services(&self) -> impl Iterator<Item = (NodeIndex, &Service)> {
        self.nodes().filter_map(|(index, node)| match node {
            Node::Service(service) => Some((index, &**service)),
            _ => None,
        })
    }

    /// The service at `index`, if that node is a service.
    pub fn service(&self, index: NodeIndex) -> Option<&Service> {
        match self.graph.node_weight(index) {
            Some(Node::Service(service)) => Some(service),
            _ => None,
        }
    }

    /// All config sources in insertion order.
    pub fn config_sources(&self) -> impl Iterator<Item = (NodeIndex, &ConfigSource)> {
        self.nodes().filter_map(|(index, node)| match node {
            Node::ConfigSource(source) => Some((index, &**source)),
            _ => None,
        })
    }

    /// All plain resources in insertion order.
    pub fn resources(&self) -> impl Iterator<Item = (NodeIndex, &Resource)> {
        self.nodes().filter_map(|(index, node)| match node {
            Node::Resource(resource) => Some((index, &**resource)),
            _ => None,
        })
    }

    /// Number of services.
    pub fn service_count(&self) -> usize {
        self.services().count()
    }

    /// Outgoing edges of `index` with their targets.
    pub fn edges_from(&self, index: NodeIndex) -> impl Iterator<Item = (Edge, NodeIndex)> + '_ {
        self.graph
            .edges(index)
            .map(|edge| (*edge.weight(), edge.target()))
    }

    /// Incoming edges of `index` with their sources.
    pub fn edges_to(&self, index: NodeIndex) -> impl Iterator<Item = (Edge, NodeIndex)> + '_ {
        self.graph
            .edges_directed(index, petgraph::Direction::Incoming)
            .map(|edge| (*edge.weight(), edge.source()))
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The underlying petgraph graph, for algorithms (cycles, reachability, export).
    pub fn as_petgraph(&self) -> &StableDiGraph<Node, Edge> {
        &self.graph
    }
}

/// One side of a comparison as loaded: its graph plus what went wrong while reading it.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The root the side was loaded from (a folder or a file, as given).
    pub root: String,
    /// The files that were read, in the order they were read.
    pub files: Vec<String>,
    /// The resource graph.
    pub graph: ResourceGraph,
    /// Errors, warnings and notes from loading. Errors mean some input could not be read.
    pub diagnostics: Vec<Diagnostic>,
    /// `# parity: ignore[...]` comments found in the input files, in file order.
    pub inline_ignores: Vec<InlineIgnore>,
    /// The `.env.example` contract found beside the compose files or named by the user.
    pub env_contract: Option<EnvContract>,
    /// Variables the compose files take from the host, each name once, first use first.
    pub host_variables: Vec<HostVariable>,
}

impl Environment {
    /// An empty environment for `root`.
    pub fn new(root: impl Into<String>) -> Self {
        Self {
            root: root.into(),
            ..Self::default()
        }
    }

    /// Whether any input could not be read (a diagnostic at error level).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    }
}
