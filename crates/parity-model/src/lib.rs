//! The common resource graph that parity compares.
//!
//! Both sides of a comparison (local: docker compose; prod: Kubernetes, later Terraform) are read
//! into the same types: a [`ResourceGraph`] of [`Node`]s ([`Service`]s with their [`Container`]s,
//! [`ConfigSource`]s such as ConfigMaps, Secrets and env files, [`BackingService`]s, and plain
//! [`Resource`]s for kinds parity does not model) joined by typed [`Edge`]s. Every element keeps its
//! [`Origin`]: the file, line and column it was read from.
//!
//! This crate does no I/O and knows no file format: loaders build the graph, the engine reads it.

mod baseline;
mod connection;
mod diagnostic;
mod env;
mod finding;
mod fingerprint;
mod graph;
mod image;
mod origin;
mod partial;
mod report;
mod rule;
mod service;
mod shared;
mod sorted_map;
mod suppression;
mod text;
mod topology;
mod url;

/// The shared, immutable string of the model's repeated text (env var names, config keys and
/// values); re-exported so users need not depend on `arcstr`.
pub use arcstr::ArcStr;
pub use baseline::{BaselineEntry, BaselineStatus};
pub use connection::{
    Connection, ConnectionTarget, link_connections, link_read_connections, read_connections,
    reference_address,
};
pub use diagnostic::{Diagnostic, DiagnosticLevel};
pub use env::{EnvSource, EnvValue, EnvVar};
pub use finding::{Finding, Location, Severity, Side};
pub use fingerprint::Fingerprint;
pub use graph::{
    Backend, BackingService, ConfigSource, ConfigSourceKind, Edge, EnvContract, Environment,
    HostVariable, Node, NodeIndex, Resource, ResourceGraph,
};
pub use image::{ImageRef, ImageRefError, UNKNOWN_REGISTRY, parse_image_ref};
pub use origin::Origin;
pub use partial::{PartialText, TextPart};
pub use report::{Pair, PairedBy, REPORT_VERSION, Report, SideDiagnostic, SideSummary, Summary};
pub use rule::{RuleFamily, RuleMeta};
pub use service::{
    BuildInfo, Container, Healthcheck, Port, Protocol, Service, ServiceKind, Volume, VolumeKind,
};
pub use shared::SharedText;
pub use sorted_map::{SortedMap, SortedMapIter};
pub use suppression::{InlineIgnore, SuppressedFinding, Suppression, SuppressionKind};
pub use text::{REDACTED, SensitiveText, looks_secret_key, looks_secret_value};
pub use topology::{Topology, TopologyService};
pub use url::{
    ConnectionUrl, UrlHost, UrlHosts, embedded_database, engine_of_scheme, is_embedded_engine,
    is_loopback_host, mask_url_password, parse_connection_url, parse_host_port,
    parse_partial_connection_url, partial_embedded_database,
};
