//! Pairing services across the two sides.
//!
//! Each service is paired at most once, by the strongest evidence available, in this order:
//!
//! 1. **mapping**: an explicit `mappings:` entry of the policy file (exact names on both sides);
//! 2. **exact name**: the same name on both sides;
//! 3. **normalised name**: the same name after [`normalize_name`] (case, `_`/`-`, environment
//!    affixes such as `-prod` or `prod-`); this also recognises kompose's naming;
//! 4. **label**: a label on the prod workload names the local service (normalised), tried per
//!    label key in the order of [`PAIRING_LABELS`].
//!
//! Within one step, services are visited in a fixed order (name, then namespace, kind and
//! origin), and each takes the first free candidate in that same order, so when two prod
//! workloads claim one local service the one whose name sorts first wins. Every step is a hash
//! lookup per service, so pairing is O(n log n) overall (the sort), never quadratic.
//!
//! Services the policy ignores (`ignore.services`) take no part in pairing, so they are neither
//! paired nor reported as missing.

use std::cmp::Ordering;
use std::collections::HashMap;

use parity_model::{NodeIndex, PairedBy, ResourceGraph, Service};

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

/// The outcome of pairing: the pairs and the services left without a counterpart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairing {
    /// Pairs, in the order the local services sort.
    pub pairs: Vec<ServicePair>,
    /// Local services with no prod counterpart (ignored services excluded), sorted.
    pub unpaired_local: Vec<NodeIndex>,
    /// Prod services with no local counterpart (ignored services excluded), sorted.
    pub unpaired_prod: Vec<NodeIndex>,
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

fn index_by<'g, K: std::hash::Hash + Eq>(
    services: &[(NodeIndex, &'g Service)],
    mut key: impl FnMut(&'g Service) -> K,
) -> HashMap<K, Bucket> {
    let mut buckets: HashMap<K, Bucket> = HashMap::with_capacity(services.len());
    for (position, (_, service)) in services.iter().enumerate() {
        buckets
            .entry(key(service))
            .or_default()
            .positions
            .push(position);
    }
    buckets
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

fn sorted_services<'g>(graph: &'g ResourceGraph, policy: &Policy) -> Vec<(NodeIndex, &'g Service)> {
    let mut services: Vec<_> = graph
        .services()
        .filter(|(_, service)| !policy.ignores_service(service))
        .collect();
    services.sort_by(|a, b| service_order(a.1, b.1));
    services
}

/// Pairs the services of `local` with those of `prod`; see the module documentation.
pub fn pair_services(local: &ResourceGraph, prod: &ResourceGraph, policy: &Policy) -> Pairing {
    let locals = sorted_services(local, policy);
    let prods = sorted_services(prod, policy);
    let mut local_taken = vec![false; locals.len()];
    let mut prod_taken = vec![false; prods.len()];
    let mut matched: Vec<(usize, usize, PairedBy)> = Vec::new();
    let mut take = |local_position: usize,
                    prod_position: usize,
                    paired_by: PairedBy,
                    local_taken: &mut [bool],
                    prod_taken: &mut [bool]| {
        if let (Some(l), Some(p)) = (
            local_taken.get_mut(local_position),
            prod_taken.get_mut(prod_position),
        ) {
            *l = true;
            *p = true;
            matched.push((local_position, prod_position, paired_by));
        }
    };

    // 1 and 2: explicit mappings, then exact names, both by the names as written.
    let mut local_by_name = index_by(&locals, |service| service.name.as_str());
    let mut prod_by_name = index_by(&prods, |service| service.name.as_str());
    for mapping in policy.mappings() {
        let local_position = local_by_name
            .get_mut(mapping.local.as_str())
            .and_then(|b| b.first_free(&local_taken));
        let prod_position = prod_by_name
            .get_mut(mapping.prod.as_str())
            .and_then(|b| b.first_free(&prod_taken));
        if let (Some(l), Some(p)) = (local_position, prod_position) {
            take(l, p, PairedBy::Mapping, &mut local_taken, &mut prod_taken);
        }
    }
    for (local_position, (_, service)) in locals.iter().enumerate() {
        if local_taken.get(local_position).copied().unwrap_or(true) {
            continue;
        }
        if let Some(p) = prod_by_name
            .get_mut(service.name.as_str())
            .and_then(|b| b.first_free(&prod_taken))
        {
            take(
                local_position,
                p,
                PairedBy::ExactName,
                &mut local_taken,
                &mut prod_taken,
            );
        }
    }

    // 3: normalised names.
    let mut prod_by_normalized = index_by(&prods, |service| normalize_name(&service.name));
    for (local_position, (_, service)) in locals.iter().enumerate() {
        if local_taken.get(local_position).copied().unwrap_or(true) {
            continue;
        }
        let key = normalize_name(&service.name);
        if let Some(p) = prod_by_normalized
            .get_mut(&key)
            .and_then(|b| b.first_free(&prod_taken))
        {
            take(
                local_position,
                p,
                PairedBy::NormalizedName,
                &mut local_taken,
                &mut prod_taken,
            );
        }
    }

    // 4: labels on prod workloads naming a local service, the most specific label key first.
    let mut local_by_normalized = index_by(&locals, |service| normalize_name(&service.name));
    for label in PAIRING_LABELS {
        for (prod_position, (_, service)) in prods.iter().enumerate() {
            if prod_taken.get(prod_position).copied().unwrap_or(true) {
                continue;
            }
            let Some(value) = service.labels.get(*label) else {
                continue;
            };
            let key = normalize_name(value);
            if let Some(l) = local_by_normalized
                .get_mut(&key)
                .and_then(|b| b.first_free(&local_taken))
            {
                take(
                    l,
                    prod_position,
                    PairedBy::Label,
                    &mut local_taken,
                    &mut prod_taken,
                );
            }
        }
    }

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
    Pairing {
        pairs,
        unpaired_local: unpaired(&locals, &local_taken),
        unpaired_prod: unpaired(&prods, &prod_taken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_model::{Node, Origin, ServiceKind};

    fn local_graph(names: &[&str]) -> ResourceGraph {
        let mut graph = ResourceGraph::new();
        for (line, name) in names.iter().enumerate() {
            let origin = Origin::new("compose.yaml".into(), line as u32 + 1, 3);
            graph.add(Node::Service(Service::new(
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
            graph.add(Node::Service(service));
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
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::default());
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
        let (pairs, _, _) = run(&local, &prod, &Policy::default());
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
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::default());
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
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::default());
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
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::default());
        assert_eq!(pairs, [pair("web", "b-app", PairedBy::Label)]);
        assert_eq!(lonely_prod, ["a-app"]);
    }

    #[test]
    fn ambiguity_is_resolved_by_name_order() {
        let local = local_graph(&["web"]);
        let prod = prod_graph(&[("web-b", &[("app", "web")]), ("web-a", &[("app", "web")])]);
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::default());
        assert_eq!(pairs, [pair("web", "web-a", PairedBy::Label)]);
        assert_eq!(lonely_prod, ["web-b"]);
        // Two prod workloads normalising to one local name: the first by name wins too.
        let prod = prod_graph(&[("web-svc", &[]), ("web-prod", &[])]);
        let (pairs, _, lonely_prod) = run(&local, &prod, &Policy::default());
        assert_eq!(pairs, [pair("web", "web-prod", PairedBy::NormalizedName)]);
        assert_eq!(lonely_prod, ["web-svc"]);
    }

    #[test]
    fn each_service_pairs_at_most_once() {
        let local = local_graph(&["web", "web_prod"]);
        let prod = prod_graph(&[("web", &[]), ("web-prod", &[("app", "web")])]);
        let (pairs, lonely_local, lonely_prod) = run(&local, &prod, &Policy::default());
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
    fn ten_thousand_services_pair_quickly() {
        let names: Vec<String> = (0..10_000).map(|i| format!("svc_{i:05}")).collect();
        let local = local_graph(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let prod_names: Vec<String> = (0..10_000).map(|i| format!("svc-{i:05}-prod")).collect();
        let workloads: Vec<(&str, &[(&str, &str)])> =
            prod_names.iter().map(|n| (n.as_str(), &[][..])).collect();
        let prod = prod_graph(&workloads);
        let pairing = pair_services(&local, &prod, &Policy::default());
        assert_eq!(pairing.pairs.len(), 10_000);
        assert!(
            pairing
                .pairs
                .iter()
                .all(|p| p.paired_by == PairedBy::NormalizedName)
        );
    }
}
