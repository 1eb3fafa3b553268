//! Pairing services across the two sides.
//!
//! Each service is paired at most once, by the strongest evidence available, in this order:
//!
//! 1. **mapping**: an explicit `mappings:` entry of the policy file (exact names on both sides);
//! 2. **exact name**: the same name on both sides;
//! 3. **normalised name**: the same name after [`normalize_name`] (case, `_`/`-`, environment
//!    affixes such as `-prod` or `prod-`); this also recognises kompose's naming;
//! 4. **label**: a label on the prod workload names the local service (normalised), tried per
//!    label key in the order of [`PAIRING_LABELS`];
//! 5. **normalised name without a project affix**: when most of one side's remaining names share
//!    a first or last word (`teastore-auth`, `teastore-db`, ...; `rest-fights-java25`, ...), that
//!    word is dropped before comparing (reported as `normalized-name`); words naming a role
//!    (`db`, `redis`, `worker`, ...) are never dropped;
//! 6. **container name**: the prod workload's main container is named after the local service;
//! 7. **image**: the only service on each side running an image of that short name (`mysql`,
//!    `rabbitmq`), when both are still unpaired; an image that runs as several services on a
//!    side (one app image for the web process, a worker and a migration Job) pairs nothing.
//!
//! 8. **engine**: a local service running a database, cache or broker image (`postgres:16`) and a
//!    managed backing service of prod (Terraform's `aws_db_instance` with engine `postgres`) of
//!    the same engine family, when the backing service is named after the local service
//!    (`shop-db` for `db`) or each side has exactly one of that engine left. The pair is kept in
//!    [`Pairing::backing_pairs`]: the prod side is a backing service, not a workload.
//!
//! Steps 5 to 7 only look at services the earlier steps left over, so they never override a
//! name match. Within one step, services are visited in a fixed order (name, then namespace,
//! kind and origin), and each takes the first free candidate in that same order, so when two
//! prod workloads claim one local service the one whose name sorts first wins. Every step is a
//! hash lookup per service, so pairing is O(n log n) overall (the sort), never quadratic.
//!
//! Services the policy ignores (`ignore.services`) take no part in pairing, so they are neither
//! paired nor reported as missing, unless a `mappings:` entry names them.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use parity_model::{BackingService, Node, NodeIndex, PairedBy, ResourceGraph, Service, Side};

use crate::policy::Policy;

/// Labels on a prod workload that name the compose service it came from, most specific first.
///
/// - `io.kompose.service` (kompose) and `com.docker.compose.service` (Compose Bridge) are written
///   by tools that convert a compose file, and hold the compose service name exactly;
/// - `app.kubernetes.io/name` and `app` are the conventional application labels; hand-written
///   manifests usually set one of them to the service's name.
///
/// `app.kubernetes.io/component` is deliberately not used: it names a role within an
/// application (`server`, `primary`, `worker`, `database`), and charts share those values, so
/// matching it would pair unrelated workloads; a wrong pair produces confident but false image and
/// env findings, which is worse than a missing pair. A `mappings:` entry covers such cases.
pub const PAIRING_LABELS: &[&str] = &[
    "io.kompose.service",
    "com.docker.compose.service",
    "app.kubernetes.io/name",
    "app",
];

/// Environment affixes stripped by [`normalize_name`]. Longer affixes come first where one
/// contains another (`-deployment` before `-deploy`).
const SUFFIXES: &[&str] = &[
    "-production",
    "-prod",
    "-prd",
    "-live",
    "-staging",
    "-stg",
    "-svc",
    "-deployment",
    "-deploy",
];
const PREFIXES: &[&str] = &["production-", "prod-"];

/// Two services matched across the sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServicePair {
    /// The local service's node.
    pub local: NodeIndex,
    /// The prod service's node.
    pub prod: NodeIndex,
    /// Why they were paired.
    pub paired_by: PairedBy,
}

/// A local service paired with a managed backing service of prod (a database or cache that
/// Terraform creates rather than a container).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackingPair {
    /// The local service's node.
    pub local: NodeIndex,
    /// The prod backing service's node.
    pub prod: NodeIndex,
    /// Why they were paired ([`PairedBy::Engine`]).
    pub paired_by: PairedBy,
}

/// The outcome of pairing: the pairs and the services left without a counterpart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairing {
    /// Pairs, in the order the local services sort.
    pub pairs: Vec<ServicePair>,
    /// Local services with no prod counterpart (ignored services excluded), sorted.
    pub unpaired_local: Vec<NodeIndex>,
    /// Prod services with no local counterpart (ignored services excluded), sorted.
    pub unpaired_prod: Vec<NodeIndex>,
    /// Local services paired with a managed prod backing service by engine, in the order the
    /// local services sort; these local services are not in `unpaired_local`.
    pub backing_pairs: Vec<BackingPair>,
}

/// Lower-cases, turns `_` into `-`, and strips environment affixes (`-prod`, `prod-`, `-svc`, ...)
/// until none is left, so `Web_Prod`, `web-svc` and `prod-web` all become `web`. A name that is
/// only an affix (`prod`) is kept as it is rather than normalised to nothing.
pub fn normalize_name(name: &str) -> String {
    let mut name = name.to_lowercase().replace('_', "-");
    loop {
        let before = name.len();
        for suffix in SUFFIXES {
            if name.len() > suffix.len() && name.ends_with(suffix) {
                name.truncate(name.len() - suffix.len());
            }
        }
        for prefix in PREFIXES {
            if name.len() > prefix.len() && name.starts_with(prefix) {
                name.drain(..prefix.len());
            }
        }
        if name.len() == before {
            return name;
        }
    }
}

/// The candidates sharing one key, in sort order, with a cursor past those already taken.
///
/// Services only ever go from free to taken, so the cursor never moves back and all lookups in a
/// bucket together cost O(bucket size).
#[derive(Debug, Default)]
struct Bucket {
    positions: Vec<usize>,
    next: usize,
}

impl Bucket {
    fn first_free(&mut self, taken: &[bool]) -> Option<usize> {
        while let Some(&position) = self.positions.get(self.next) {
            if !taken.get(position).copied().unwrap_or(true) {
                return Some(position);
            }
            self.next += 1;
        }
        None
    }
}

/// The services of both sides in visiting order, which are taken, and the pairs made so far.
struct Matcher<'g> {
    locals: Vec<(NodeIndex, &'g Service)>,
    prods: Vec<(NodeIndex, &'g Service)>,
    local_taken: Vec<bool>,
    prod_taken: Vec<bool>,
    matched: Vec<(usize, usize, PairedBy)>,
}

impl<'g> Matcher<'g> {
    fn take(&mut self, local_position: usize, prod_position: usize, paired_by: PairedBy) {
        if let (Some(local), Some(prod)) = (
            self.local_taken.get_mut(local_position),
            self.prod_taken.get_mut(prod_position),
        ) {
            *local = true;
            *prod = true;
            self.matched
                .push((local_position, prod_position, paired_by));
        }
    }

    /// Indexes the free services of one side by `key` (`None`: not indexed).
    fn index<K: std::hash::Hash + Eq>(
        &self,
        side: Side,
        mut key: impl FnMut(&'g Service) -> Option<K>,
    ) -> HashMap<K, Bucket> {
        let (services, taken) = self.side(side);
        let mut buckets: HashMap<K, Bucket> = HashMap::new();
        for (position, ((_, service), taken)) in services.iter().zip(taken).enumerate() {
            if *taken {
                continue;
            }
            if let Some(key) = key(service) {
                buckets.entry(key).or_default().positions.push(position);
            }
        }
        buckets
    }

    fn side(&self, side: Side) -> (&[(NodeIndex, &'g Service)], &[bool]) {
        match side {
            Side::Local => (&self.locals, &self.local_taken),
            Side::Prod => (&self.prods, &self.prod_taken),
        }
    }

    /// Pairs each free service of `visit` (in order) with the first free service of the other
    /// side whose key, in `index`, equals the visited service's key.
    fn pair_by<K: std::hash::Hash + Eq>(
        &mut self,
        visit: Side,
        mut index: HashMap<K, Bucket>,
        mut key: impl FnMut(&'g Service) -> Option<K>,
        paired_by: PairedBy,
    ) {
        let count = self.side(visit).0.len();
        for position in 0..count {
            let (services, taken) = self.side(visit);
            let (Some((_, service)), Some(false)) =
                (services.get(position), taken.get(position).copied())
            else {
                continue;
            };
            let Some(wanted) = key(service) else { continue };
            let other_taken = self.side(visit.other()).1;
            let Some(other) = index
                .get_mut(&wanted)
                .and_then(|bucket| bucket.first_free(other_taken))
            else {
                continue;
            };
            match visit {
                Side::Local => self.take(position, other, paired_by),
                Side::Prod => self.take(other, position, paired_by),
            }
        }
    }

    /// The normalised names of the free services of `side`.
    fn free_names(&self, side: Side) -> Vec<String> {
        let (services, taken) = self.side(side);
        services
            .iter()
            .zip(taken)
            .filter(|(_, taken)| !**taken)
            .map(|((_, s), _)| normalize_name(&s.name))
            .collect()
    }
}

/// Words that name a role rather than a project, never stripped as a project affix:
/// `orders-db` and `orders` are different services even when many names end in `-db`.
const ROLE_WORDS: &[&str] = &[
    "db",
    "database",
    "cache",
    "redis",
    "mysql",
    "mariadb",
    "postgres",
    "postgresql",
    "mongo",
    "mongodb",
    "rabbitmq",
    "kafka",
    "queue",
    "worker",
    "proxy",
    "sidecar",
    "init",
    "migrate",
    "migrations",
    "job",
    "cron",
];

/// A project-wide prefix (`teastore-`) and suffix (`-java25`) of one side's unpaired names: the
/// first or last dash-separated word shared by at least two names and by at least half of them.
/// Ties go to the word that sorts first, so the choice is deterministic.
fn project_affixes(names: &[String]) -> (Option<String>, Option<String>) {
    let mut prefixes: HashMap<&str, usize> = HashMap::new();
    let mut suffixes: HashMap<&str, usize> = HashMap::new();
    for name in names {
        if let (Some((first, _)), Some((_, last))) = (name.split_once('-'), name.rsplit_once('-')) {
            *prefixes.entry(first).or_default() += 1;
            *suffixes.entry(last).or_default() += 1;
        }
    }
    let pick = |counts: HashMap<&str, usize>| {
        counts
            .into_iter()
            .filter(|(word, count)| {
                *count >= 2
                    && count * 2 >= names.len()
                    && !word.is_empty()
                    && !ROLE_WORDS.contains(word)
            })
            .min_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)))
            .map(|(word, _)| word.to_owned())
    };
    (
        pick(prefixes).map(|word| format!("{word}-")),
        pick(suffixes).map(|word| format!("-{word}")),
    )
}

/// `name` without the side's project affixes, when something is left.
fn strip_affixes(name: &str, (prefix, suffix): &(Option<String>, Option<String>)) -> String {
    let mut stem = name;
    if let Some(prefix) = prefix {
        stem = stem
            .strip_prefix(prefix.as_str())
            .filter(|rest| !rest.is_empty())
            .unwrap_or(stem);
    }
    if let Some(suffix) = suffix {
        stem = stem
            .strip_suffix(suffix.as_str())
            .filter(|rest| !rest.is_empty())
            .unwrap_or(stem);
    }
    stem.to_owned()
}

/// The fixed order services are visited in: name, namespace, kind, then where they are declared.
fn service_order(a: &Service, b: &Service) -> Ordering {
    (&a.name, &a.namespace, a.kind.as_str(), &a.origin).cmp(&(
        &b.name,
        &b.namespace,
        b.kind.as_str(),
        &b.origin,
    ))
}

/// The services of one side that take part in pairing, in visiting order: all but the ignored
/// ones, except that a service named in a `mappings:` entry is kept even when an ignore glob
/// matches it, since the mapping is the more specific instruction.
fn sorted_services<'g>(
    graph: &'g ResourceGraph,
    policy: &Policy,
    side: Side,
) -> Vec<(NodeIndex, &'g Service)> {
    let mapped: HashSet<&str> = policy
        .mappings()
        .iter()
        .map(|mapping| match side {
            Side::Local => mapping.local.as_str(),
            Side::Prod => mapping.prod.as_str(),
        })
        .collect();
    let mut services: Vec<_> = graph
        .services()
        .filter(|(_, service)| {
            mapped.contains(service.name.as_str()) || !policy.ignores_service(service)
        })
        .collect();
    services.sort_by(|a, b| service_order(a.1, b.1));
    services
}

/// The short name of the image the service's main container runs (`postgres`, `api`).
fn image_short_name(service: &Service) -> Option<&str> {
    service
        .primary_container()?
        .image
        .as_ref()
        .map(|image| image.short_name())
}

/// How many services run each image short name.
fn image_counts<'g>(services: &[(NodeIndex, &'g Service)]) -> HashMap<&'g str, usize> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (_, service) in services {
        if let Some(image) = image_short_name(service) {
            *counts.entry(image).or_default() += 1;
        }
    }
    counts
}

/// Pairs the services of `local` with those of `prod`; see the module documentation.
pub fn pair_services(local: &ResourceGraph, prod: &ResourceGraph, policy: &Policy) -> Pairing {
    let locals = sorted_services(local, policy, Side::Local);
    let prods = sorted_services(prod, policy, Side::Prod);
    let mut m = Matcher {
        local_taken: vec![false; locals.len()],
        prod_taken: vec![false; prods.len()],
        locals,
        prods,
        matched: Vec::new(),
    };

    // 1: explicit mappings, by the names as written.
    let mut local_by_name = m.index(Side::Local, |service| Some(service.name.as_str()));
    let mut prod_by_name = m.index(Side::Prod, |service| Some(service.name.as_str()));
    for mapping in policy.mappings() {
        let local_position = local_by_name
            .get_mut(mapping.local.as_str())
            .and_then(|b| b.first_free(&m.local_taken));
        let prod_position = prod_by_name
            .get_mut(mapping.prod.as_str())
            .and_then(|b| b.first_free(&m.prod_taken));
        if let (Some(l), Some(p)) = (local_position, prod_position) {
            m.take(l, p, PairedBy::Mapping);
        }
    }

    // 2: exact names.
    m.pair_by(
        Side::Local,
        prod_by_name,
        |service| Some(service.name.as_str()),
        PairedBy::ExactName,
    );

    // 3: normalised names.
    let prod_by_normalized = m.index(Side::Prod, |service| Some(normalize_name(&service.name)));
    m.pair_by(
        Side::Local,
        prod_by_normalized,
        |service| Some(normalize_name(&service.name)),
        PairedBy::NormalizedName,
    );

    // 4: labels on prod workloads naming a local service, the most specific label key first.
    for label in PAIRING_LABELS {
        let local_by_normalized =
            m.index(Side::Local, |service| Some(normalize_name(&service.name)));
        m.pair_by(
            Side::Prod,
            local_by_normalized,
            |service| {
                service
                    .labels
                    .get(*label)
                    .map(|value| normalize_name(value))
            },
            PairedBy::Label,
        );
    }

    // 5: normalised names without a project-wide affix of their side (`teastore-auth` in prod
    // for `auth` locally; `rest-fights-java25` locally for `rest-fights` in prod). Still a
    // normalisation of the names, so reported as one.
    let local_affixes = project_affixes(&m.free_names(Side::Local));
    let prod_affixes = project_affixes(&m.free_names(Side::Prod));
    if local_affixes != (None, None) || prod_affixes != (None, None) {
        let prod_by_stem = m.index(Side::Prod, |service| {
            Some(strip_affixes(&normalize_name(&service.name), &prod_affixes))
        });
        m.pair_by(
            Side::Local,
            prod_by_stem,
            |service| {
                Some(strip_affixes(
                    &normalize_name(&service.name),
                    &local_affixes,
                ))
            },
            PairedBy::NormalizedName,
        );
    }

    // 6: the prod workload's main container is named after the local service.
    let prod_by_container = m.index(Side::Prod, |service| {
        service
            .primary_container()
            .map(|container| normalize_name(&container.name))
    });
    m.pair_by(
        Side::Local,
        prod_by_container,
        |service| Some(normalize_name(&service.name)),
        PairedBy::ContainerName,
    );

    // 7: the only service on each side running an image of that short name, when both are
    // still free (`catalog-db` and `catalog-mysql` both running `mysql`). Uniqueness counts all
    // services, paired or not: an image that runs as several services (an app image used for
    // the web process, a worker and a migration Job) says nothing about which is which.
    let local_images = image_counts(&m.locals);
    let prod_images = image_counts(&m.prods);
    let unique =
        |image: &str| local_images.get(image) == Some(&1) && prod_images.get(image) == Some(&1);
    let prod_by_image = m.index(Side::Prod, |service| {
        image_short_name(service).filter(|image| unique(image))
    });
    m.pair_by(
        Side::Local,
        prod_by_image,
        |service| image_short_name(service).filter(|image| unique(image)),
        PairedBy::Image,
    );

    let Matcher {
        locals,
        prods,
        local_taken,
        prod_taken,
        mut matched,
    } = m;
    matched.sort_unstable_by_key(|&(local_position, _, _)| local_position);
    let pairs = matched
        .into_iter()
        .filter_map(|(l, p, paired_by)| {
            Some(ServicePair {
                local: locals.get(l)?.0,
                prod: prods.get(p)?.0,
                paired_by,
            })
        })
        .collect();
    let unpaired = |services: &[(NodeIndex, &Service)], taken: &[bool]| {
        services
            .iter()
            .zip(taken)
            .filter(|(_, taken)| !**taken)
            .map(|((index, _), _)| *index)
            .collect()
    };
    // 8: local database/cache containers and managed prod backing services of the same engine.
    let mut unpaired_local: Vec<NodeIndex> = unpaired(&locals, &local_taken);
    let backing_pairs = pair_backing(local, prod, &mut unpaired_local);
    Pairing {
        pairs,
        unpaired_local,
        unpaired_prod: unpaired(&prods, &prod_taken),
        backing_pairs,
    }
}

/// The engine an image runs, from its repository's short name (`postgres`, `bitnami/postgresql`,
/// `valkey/valkey`), when it is a database, cache or broker parity knows.
pub fn image_engine(short_name: &str) -> Option<&'static str> {
    let name = short_name.to_ascii_lowercase();
    let name = name.as_str();
    let starts = |prefix: &str| name.starts_with(prefix);
    Some(
        if starts("postgres") || starts("postgis") || starts("timescaledb") {
            "postgres"
        } else if starts("cockroach") {
            "cockroachdb"
        } else if starts("mariadb") {
            "mariadb"
        } else if starts("mysql") || starts("percona") {
            "mysql"
        } else if starts("mongo") && name != "mongo-express" {
            "mongodb"
        } else if starts("redis") && !starts("redis-commander") && name != "redisinsight" {
            "redis"
        } else if starts("valkey") {
            "valkey"
        } else if starts("keydb") {
            "keydb"
        } else if starts("dragonfly") {
            "dragonfly"
        } else if starts("memcached") {
            "memcached"
        } else if starts("rabbitmq") {
            "rabbitmq"
        } else if starts("activemq") {
            "activemq"
        } else if starts("elasticsearch") {
            "elasticsearch"
        } else if starts("opensearch") && !name.contains("dashboards") {
            "opensearch"
        } else if starts("clickhouse") {
            "clickhouse"
        } else if starts("cassandra") || starts("scylla") {
            "cassandra"
        } else if starts("mssql") || name == "sqlserver" {
            "sqlserver"
        } else if starts("minio") {
            "s3"
        } else if starts("nats") {
            "nats"
        } else if starts("kafka") || starts("cp-kafka") || starts("redpanda") {
            "kafka"
        } else if starts("neo4j") {
            "neo4j"
        } else {
            return None;
        },
    )
}

/// Engines a managed service can stand for: Valkey serves Redis clients, MariaDB MySQL
/// clients, OpenSearch Elasticsearch clients.
pub fn engine_family(engine: &str) -> &str {
    match engine {
        "redis" | "valkey" => "redis",
        "mysql" | "mariadb" => "mysql",
        "elasticsearch" | "opensearch" => "elasticsearch",
        other => other,
    }
}

/// Step 8 of pairing: removes the local services it pairs from `unpaired_local`.
fn pair_backing(
    local: &ResourceGraph,
    prod: &ResourceGraph,
    unpaired_local: &mut Vec<NodeIndex>,
) -> Vec<BackingPair> {
    let mut backings: Vec<(NodeIndex, &BackingService)> = prod
        .nodes()
        .filter_map(|(index, node)| match node {
            Node::Backing(backing) => Some((index, &**backing)),
            _ => None,
        })
        .collect();
    if backings.is_empty() {
        return Vec::new();
    }
    backings.sort_by(|a, b| (&a.1.name, &a.1.origin).cmp(&(&b.1.name, &b.1.origin)));
    let local_engine = |index: NodeIndex| {
        local
            .service(index)
            .and_then(|service| image_short_name(service))
            .and_then(image_engine)
            .map(engine_family)
    };
    let mut local_counts: HashMap<&str, usize> = HashMap::new();
    for &index in unpaired_local.iter() {
        if let Some(engine) = local_engine(index) {
            *local_counts.entry(engine).or_default() += 1;
        }
    }
    let mut prod_counts: HashMap<&str, usize> = HashMap::new();
    for (_, backing) in &backings {
        *prod_counts
            .entry(engine_family(&backing.engine))
            .or_default() += 1;
    }
    let mut taken = vec![false; backings.len()];
    let mut pairs = Vec::new();
    unpaired_local.retain(|&index| {
        let (Some(engine), Some(service)) = (local_engine(index), local.service(index)) else {
            return true;
        };
        let name = normalize_name(&service.name);
        let free = || {
            backings
                .iter()
                .zip(&taken)
                .enumerate()
                .filter(|(_, (_, taken))| !**taken)
                .filter(|(_, ((_, backing), _))| engine_family(&backing.engine) == engine)
                .map(|(position, ((prod_index, backing), _))| (position, *prod_index, *backing))
        };
        // Named after the local service (`shop-production-db` for `db`), else the only one.
        let by_name = free().find(|(_, _, backing)| {
            let prod_name = normalize_name(&backing.name);
            prod_name == name || prod_name.ends_with(&format!("-{name}"))
        });
        let unique = local_counts.get(engine) == Some(&1) && prod_counts.get(engine) == Some(&1);
        let chosen = by_name.or_else(|| if unique { free().next() } else { None });
        match chosen {
            Some((position, prod_index, _)) => {
                if let Some(flag) = taken.get_mut(position) {
                    *flag = true;
                }
                pairs.push(BackingPair {
                    local: index,
                    prod: prod_index,
                    paired_by: PairedBy::Engine,
                });
                false
            }
            None => true,
        }
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_model::{Node, Origin, ServiceKind};

    fn local_graph(names: &[&str]) -> ResourceGraph {
        let mut graph = ResourceGraph::new();
        for (line, name) in names.iter().enumerate() {
            let origin = Origin::new("compose.yaml".into(), line as u32 + 1, 3);
            graph.add(Node::from(Service::new(
                *name,
                ServiceKind::ComposeService,
                origin,
            )));
        }
        graph
    }

    fn prod_graph(workloads: &[(&str, &[(&str, &str)])]) -> ResourceGraph {
        let mut graph = ResourceGraph::new();
        for (line, (name, labels)) in workloads.iter().enumerate() {
            let origin = Origin::new("prod.yaml".into(), line as u32 + 1, 1);
            let mut service =
                Service::new(*name, ServiceKind::Kubernetes("Deployment".into()), origin);
            service.labels = labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            graph.add(Node::from(service));
        }
        graph
    }

    type NamedPair = (String, String, PairedBy);

    /// The pairs as (local name, prod name, how), plus unpaired names on each side.
    fn run(
        local: &ResourceGraph,
        prod: &ResourceGraph,
        policy: &Policy,
    ) -> (Vec<NamedPair>, Vec<String>, Vec<String>) {
        let pairing = pair_services(local, prod, policy);
        let name =
            |graph: &ResourceGraph, index| graph.service(index).map(|s| s.name.clone()).unwrap();
        (
            pairing
                .pairs
                .iter()
                .map(|p| (name(local, p.local), name(prod, p.prod), p.paired_by))
                .collect(),
            pairing
                .unpaired_local
                .iter()
                .map(|&i| name(local, i))
                .collect(),
            pairing
                .unpaired_prod
                .iter()
                .map(|&i| name(prod, i))
                .collect(),
        )
    }

    fn pair(local: &str, prod: &str, how: PairedBy) -> NamedPair {
        (local.to_owned(), prod.to_owned(), how)
    }

    #[test]
    fn normalisation_strips_case_underscores_and_affixes() {
        assert_eq!(normalize_name("Web_Server"), "web-server");
        assert_eq!(normalize_name("api-prod"), "api");
        assert_eq!(normalize_name("prod-api"), "api");
        assert_eq!(normalize_name("production-api-svc"), "api");
        assert_eq!(normalize_name("api-deployment"), "api");
        assert_eq!(normalize_name("api-deploy"), "api");
        assert_eq!(normalize_name("worker-stg"), "worker");
        assert_eq!(normalize_name("cart-live"), "cart");
        assert_eq!(normalize_name("web-prod-svc"), "web");
        // Nothing but an affix, and affixes inside a word, stay.
        assert_eq!(normalize_name("prod"), "prod");
        assert_eq!(normalize_name("-prod"), "-prod");
        assert_eq!(normalize_name("product"), "product");
        assert_eq!(normalize_name("productsvc"), "productsvc");
    }

    #[test]
    fn exact_names_pair_first() {
        let local = local_graph(&["web", "db"]);
        let prod = prod_graph(&[("db", &[]), ("web", &[])]);
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs,
            [
                pair("db", "db", PairedBy::ExactName),
                pair("web", "web", PairedBy::ExactName)
            ]
        );
        assert!(lonely_local.is_empty() && lonely_prod.is_empty());
    }

    #[test]
    fn mappings_win_over_names() {
        let policy = Policy::from_yaml(
            "p",
            "version: 1\nmappings: [{local: web, prod: frontend}]\n",
        )
        .unwrap();
        let local = local_graph(&["web"]);
        let prod = prod_graph(&[("frontend", &[]), ("web", &[])]);
        let (pairs, _, lonely_prod) = run(&local, &prod, &policy);
        assert_eq!(pairs, [pair("web", "frontend", PairedBy::Mapping)]);
        assert_eq!(lonely_prod, ["web"]);
    }

    #[test]
    fn mapping_to_a_missing_service_is_skipped() {
        let policy =
            Policy::from_yaml("p", "version: 1\nmappings: [{local: web, prod: nowhere}]\n")
                .unwrap();
        let (pairs, _, _) = run(
            &local_graph(&["web"]),
            &prod_graph(&[("web", &[])]),
            &policy,
        );
        assert_eq!(pairs, [pair("web", "web", PairedBy::ExactName)]);
    }

    #[test]
    fn normalised_names_pair_kompose_and_affixed_names() {
        let local = local_graph(&["order_service", "Cart", "api"]);
        let prod = prod_graph(&[
            ("order-service", &[]),
            ("cart-prod", &[]),
            ("prod-api-svc", &[]),
        ]);
        let (pairs, _, _) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs,
            [
                pair("Cart", "cart-prod", PairedBy::NormalizedName),
                pair("api", "prod-api-svc", PairedBy::NormalizedName),
                pair("order_service", "order-service", PairedBy::NormalizedName),
            ]
        );
    }

    #[test]
    fn exact_name_beats_normalised_name_for_the_same_local_service() {
        let local = local_graph(&["api"]);
        let prod = prod_graph(&[("api-prod", &[]), ("api", &[])]);
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(pairs, [pair("api", "api", PairedBy::ExactName)]);
        assert_eq!(lonely_prod, ["api-prod"]);
    }

    #[test]
    fn labels_pair_what_names_cannot() {
        let local = local_graph(&["web", "worker", "queue"]);
        let prod = prod_graph(&[
            ("frontend-7f9c", &[("app.kubernetes.io/name", "web")]),
            ("jobs", &[("io.kompose.service", "worker")]),
            ("rabbit", &[("app", "Queue_Prod")]),
            ("unrelated", &[("app.kubernetes.io/component", "worker")]),
        ]);
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs,
            [
                pair("queue", "rabbit", PairedBy::Label),
                pair("web", "frontend-7f9c", PairedBy::Label),
                pair("worker", "jobs", PairedBy::Label),
            ]
        );
        assert!(lonely_local.is_empty());
        assert_eq!(lonely_prod, ["unrelated"]);
    }

    #[test]
    fn compose_labels_beat_app_labels() {
        // `b-app` sorts after `a-app` but carries the more specific label, so it wins.
        let local = local_graph(&["web"]);
        let prod = prod_graph(&[
            ("a-app", &[("app", "web")]),
            ("b-app", &[("com.docker.compose.service", "web")]),
        ]);
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(pairs, [pair("web", "b-app", PairedBy::Label)]);
        assert_eq!(lonely_prod, ["a-app"]);
    }

    #[test]
    fn ambiguity_is_resolved_by_name_order() {
        let local = local_graph(&["web"]);
        let prod = prod_graph(&[("web-b", &[("app", "web")]), ("web-a", &[("app", "web")])]);
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(pairs, [pair("web", "web-a", PairedBy::Label)]);
        assert_eq!(lonely_prod, ["web-b"]);
        // Two prod workloads normalising to one local name: the first by name wins too.
        let prod = prod_graph(&[("web-svc", &[]), ("web-prod", &[])]);
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(pairs, [pair("web", "web-prod", PairedBy::NormalizedName)]);
        assert_eq!(lonely_prod, ["web-svc"]);
    }

    #[test]
    fn each_service_pairs_at_most_once() {
        let local = local_graph(&["web", "web_prod"]);
        let prod = prod_graph(&[("web", &[]), ("web-prod", &[("app", "web")])]);
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs,
            [
                pair("web", "web", PairedBy::ExactName),
                pair("web_prod", "web-prod", PairedBy::NormalizedName)
            ]
        );
        assert!(lonely_local.is_empty() && lonely_prod.is_empty());
    }

    #[test]
    fn ignored_services_take_no_part() {
        let local = local_graph(&["web", "mailhog"]);
        let prod = prod_graph(&[("web", &[]), ("mailhog", &[])]);
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::builtin());
        assert_eq!(pairs, [pair("web", "web", PairedBy::ExactName)]);
        assert!(lonely_local.is_empty() && lonely_prod.is_empty());
    }

    #[test]
    fn a_mapping_brings_an_ignored_service_back() {
        let policy = Policy::from_yaml(
            "p",
            "version: 1\nmappings: [{local: traefik, prod: ingress-traefik}]\n",
        )
        .unwrap();
        let local = local_graph(&["traefik"]);
        let prod = prod_graph(&[("ingress-traefik", &[])]);
        let (pairs, _, _) = run(&local, &prod, &policy);
        assert_eq!(
            pairs,
            [pair("traefik", "ingress-traefik", PairedBy::Mapping)]
        );
    }

    #[test]
    fn project_affixes_are_dropped_when_most_names_share_them() {
        // Prod prefixes every workload with the project name.
        let local = local_graph(&["auth", "db", "webui"]);
        let prod = prod_graph(&[
            ("teastore-auth", &[]),
            ("teastore-db", &[]),
            ("teastore-webui", &[]),
        ]);
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs,
            [
                pair("auth", "teastore-auth", PairedBy::NormalizedName),
                pair("db", "teastore-db", PairedBy::NormalizedName),
                pair("webui", "teastore-webui", PairedBy::NormalizedName),
            ]
        );
        assert!(lonely_local.is_empty() && lonely_prod.is_empty());
        // Local suffixes every service with a build flavour.
        let local = local_graph(&["heroes-db", "rest-heroes-java25", "rest-villains-java25"]);
        let prod = prod_graph(&[
            ("heroes-db", &[]),
            ("rest-heroes", &[]),
            ("rest-villains", &[]),
        ]);
        let (pairs, _, _) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs[1],
            pair(
                "rest-heroes-java25",
                "rest-heroes",
                PairedBy::NormalizedName
            )
        );
        assert_eq!(pairs.len(), 3);
    }

    #[test]
    fn role_words_and_rare_affixes_are_kept() {
        // `-db` names a role: `orders-db` is not `orders`.
        let local = local_graph(&["orders-db", "carts-db"]);
        let prod = prod_graph(&[("orders", &[]), ("carts", &[])]);
        let (pairs, _, _) = run(&local, &prod, &Policy::empty());
        assert!(pairs.is_empty());
        // One name with a prefix is not a project-wide prefix.
        let local = local_graph(&["hotrod-ui", "search", "cart", "pay"]);
        let prod = prod_graph(&[("ui", &[])]);
        let (pairs, _, _) = run(&local, &prod, &Policy::empty());
        assert!(pairs.is_empty());
        assert_eq!(
            project_affixes(&["a-x".into(), "a-y".into(), "b".into(), "c".into()]),
            (Some("a-".into()), None)
        );
        assert_eq!(
            project_affixes(&["a-x".into(), "b".into(), "c".into()]),
            (None, None)
        );
    }

    #[test]
    fn container_names_pair_renamed_workloads() {
        let local = local_graph(&["hotrod"]);
        let mut prod = ResourceGraph::new();
        let mut workload = Service::new(
            "example-hotrod",
            ServiceKind::Kubernetes("Deployment".into()),
            Origin::new("prod.yaml".into(), 1, 1),
        );
        workload
            .containers
            .push(parity_model::Container::new("hotrod"));
        prod.add(Node::from(workload));
        let (pairs, _, _) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs,
            [pair("hotrod", "example-hotrod", PairedBy::ContainerName)]
        );
    }

    /// A graph of `(name, image)` services on `file`.
    fn image_graph(file: &str, services: &[(&str, &str)]) -> ResourceGraph {
        let mut graph = ResourceGraph::new();
        for (line, (name, image)) in services.iter().enumerate() {
            let origin = Origin::new(file.into(), line as u32 + 1, 1);
            let mut service = Service::new(*name, ServiceKind::ComposeService, origin);
            let mut container = parity_model::Container::new(*name);
            container.image = Some(parity_model::parse_image_ref(image).unwrap());
            service.containers.push(container);
            graph.add(Node::from(service));
        }
        graph
    }

    #[test]
    fn unique_images_pair_what_is_left() {
        let local = image_graph(
            "compose.yaml",
            &[
                ("catalog-db", "mysql:8"),
                ("queue", "rabbitmq:3"),
                ("orders-db", "postgres:16"),
                ("carts-db", "postgres:16"),
            ],
        );
        let prod = image_graph(
            "prod.yaml",
            &[
                ("catalog-mysql", "mysql:8.0"),
                ("orders-rabbitmq", "rabbitmq:3.12"),
                ("pg-a", "postgres:16"),
                ("pg-b", "postgres:16"),
            ],
        );
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(
            pairs,
            [
                pair("catalog-db", "catalog-mysql", PairedBy::Image),
                pair("queue", "orders-rabbitmq", PairedBy::Image)
            ]
        );
        // Two postgres on each side: ambiguous, nothing is guessed.
        assert_eq!(lonely_local, ["carts-db", "orders-db"]);
        assert_eq!(lonely_prod, ["pg-a", "pg-b"]);
    }

    #[test]
    fn an_image_shared_by_several_services_pairs_nothing() {
        // The web process is paired by name; the worker and the migration Job are different
        // processes of the same image and must not be paired just because both are left over.
        let local = image_graph(
            "compose.yaml",
            &[("api", "acme/shop:1"), ("worker", "acme/shop:1")],
        );
        let prod = image_graph(
            "prod.yaml",
            &[("api", "acme/shop:1"), ("migrate", "acme/shop:1")],
        );
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::empty());
        assert_eq!(pairs, [pair("api", "api", PairedBy::ExactName)]);
        assert_eq!(
            (lonely_local, lonely_prod),
            (vec!["worker".to_owned()], vec!["migrate".to_owned()])
        );
    }

    #[test]
    fn ten_thousand_services_pair_quickly() {
        let names: Vec<String> = (0..10_000).map(|i| format!("svc_{i:05}")).collect();
        let local = local_graph(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let prod_names: Vec<String> = (0..10_000).map(|i| format!("svc-{i:05}-prod")).collect();
        let workloads: Vec<(&str, &[(&str, &str)])> =
            prod_names.iter().map(|n| (n.as_str(), &[][..])).collect();
        let prod = prod_graph(&workloads);
        let pairing = pair_services(&local, &prod, &Policy::empty());
        assert_eq!(pairing.pairs.len(), 10_000);
        assert!(
            pairing
                .pairs
                .iter()
                .all(|p| p.paired_by == PairedBy::NormalizedName)
        );
    }
}
