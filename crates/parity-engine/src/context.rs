//! What a rule sees: both environments, the pairing, the policy, and helpers for building
//! findings that all rules share.

use parity_model::{
    BackingService, Container, Environment, Finding, Location, NodeIndex, Origin, PairedBy,
    Resource, RuleMeta, Service, Side,
};

use crate::pairing::{Pairing, ServicePair};
use crate::policy::Policy;

/// The input of every rule.
#[derive(Debug)]
pub struct CheckContext<'a> {
    local: &'a Environment,
    prod: &'a Environment,
    policy: &'a Policy,
    pairing: &'a Pairing,
    /// Every service of either side (by address) with whether the policy ignores it, sorted by
    /// address: rules ask this of every service, and the glob matching was ~3 % of the CPU time
    /// at 10,000 services when each rule asked the policy again.
    ignored: Vec<(usize, bool)>,
}

/// A pair of services, resolved to the services themselves.
#[derive(Debug, Clone, Copy)]
pub struct PairRef<'a> {
    /// The local service.
    pub local: &'a Service,
    /// The prod service.
    pub prod: &'a Service,
    /// The prod service's node, for looking at its edges.
    pub prod_index: NodeIndex,
    /// The local service's node, for looking at its edges.
    pub local_index: NodeIndex,
    /// Why the two were paired.
    pub paired_by: PairedBy,
}

/// A local service paired with a managed prod backing service (see [`Pairing::backing_pairs`]).
#[derive(Debug, Clone, Copy)]
pub struct BackingPairRef<'a> {
    /// The local service (a database or cache container).
    pub local: &'a Service,
    /// The managed prod backing service.
    pub prod: &'a BackingService,
    /// Why the two were paired.
    pub paired_by: PairedBy,
}

impl<'a> CheckContext<'a> {
    /// A context over two environments and their pairing.
    pub fn new(
        local: &'a Environment,
        prod: &'a Environment,
        policy: &'a Policy,
        pairing: &'a Pairing,
    ) -> Self {
        let ignored_of = |environment: &Environment| -> Vec<(usize, bool)> {
            environment
                .graph
                .services()
                .map(|(_, service)| (address(service), policy.ignores_service(service)))
                .collect()
        };
        let (mut ignored, prod_ignored) = rayon::join(|| ignored_of(local), || ignored_of(prod));
        ignored.extend(prod_ignored);
        ignored.sort_unstable_by_key(|&(address, _)| address);
        Self {
            local,
            prod,
            policy,
            pairing,
            ignored,
        }
    }

    /// Whether the policy ignores the service ([`Policy::ignores_service`]), answered from the
    /// list made once for both sides; a service of neither side is asked of the policy.
    pub fn ignores_service(&self, service: &Service) -> bool {
        match self
            .ignored
            .binary_search_by_key(&address(service), |&(address, _)| address)
        {
            Ok(found) => self.ignored.get(found).is_some_and(|&(_, ignored)| ignored),
            Err(_) => self.policy.ignores_service(service),
        }
    }

    /// The environment of `side`.
    pub fn environment(&self, side: Side) -> &'a Environment {
        match side {
            Side::Local => self.local,
            Side::Prod => self.prod,
        }
    }

    /// The policy in force (for ignore lists; severities are applied by the engine).
    pub fn policy(&self) -> &'a Policy {
        self.policy
    }

    /// The paired services, in the order the local services sort.
    pub fn pairs(&self) -> impl Iterator<Item = PairRef<'a>> + '_ {
        self.pairing.pairs.iter().filter_map(|pair: &ServicePair| {
            Some(PairRef {
                local: self.local.graph.service(pair.local)?,
                prod: self.prod.graph.service(pair.prod)?,
                prod_index: pair.prod,
                local_index: pair.local,
                paired_by: pair.paired_by,
            })
        })
    }

    /// Local services paired with a managed prod backing service, in the order the local
    /// services sort.
    pub fn backing_pairs(&self) -> impl Iterator<Item = BackingPairRef<'a>> + '_ {
        self.pairing.backing_pairs.iter().filter_map(|pair| {
            let prod = match self.prod.graph.node(pair.prod)? {
                parity_model::Node::Backing(backing) => backing,
                _ => return None,
            };
            Some(BackingPairRef {
                local: self.local.graph.service(pair.local)?,
                prod,
                paired_by: pair.paired_by,
            })
        })
    }

    /// The services of `side` that have no counterpart on the other side, sorted by name.
    pub fn unpaired(&self, side: Side) -> impl Iterator<Item = &'a Service> + '_ {
        let (indices, graph) = match side {
            Side::Local => (&self.pairing.unpaired_local, &self.local.graph),
            Side::Prod => (&self.pairing.unpaired_prod, &self.prod.graph),
        };
        indices
            .iter()
            .filter_map(move |&index| graph.service(index))
    }

    /// Kubernetes Services (plain resources) that select the prod workload at `prod_index`.
    pub fn prod_selectors(&self, prod_index: NodeIndex) -> impl Iterator<Item = &'a Resource> + '_ {
        let graph = &self.prod.graph;
        graph
            .edges_to(prod_index)
            .filter_map(move |(edge, source)| match (edge, graph.node(source)) {
                (parity_model::Edge::Selects, Some(parity_model::Node::Resource(resource))) => {
                    Some(&**resource)
                }
                _ => None,
            })
    }
}

impl<'a> PairRef<'a> {
    /// The two containers compared for this pair: the local service's primary container, and the
    /// prod app container that most plausibly runs the same thing. Prod pods often add sidecars
    /// (proxies, log shippers), and not always after the main container, so the prod container is
    /// chosen by, in order: the same name as the local container or service, the same image
    /// repository short name, then the first app container.
    pub fn containers(&self) -> Option<(&'a Container, &'a Container)> {
        let local = self.local.primary_container()?;
        let prod_containers = || self.prod.app_containers();
        let local_short = local.image.as_ref().map(|image| image.short_name());
        let prod = prod_containers()
            .find(|c| c.name == local.name || c.name == self.local.name)
            .or_else(|| {
                let short = local_short?;
                prod_containers().find(|c| {
                    c.image
                        .as_ref()
                        .is_some_and(|image| image.short_name() == short)
                })
            })
            .or_else(|| self.prod.primary_container())?;
        Some((local, prod))
    }

    /// The service as messages name it: `web`, or `web (prod: frontend)` when the names differ.
    pub fn display_name(&self) -> String {
        if self.local.name == self.prod.name {
            self.local.name.clone()
        } else {
            format!("{} (prod: {})", self.local.name, self.prod.name)
        }
    }

    /// A finding about this pair at the rule's default severity; the caller fills in the key,
    /// values and locations.
    pub fn finding(&self, meta: &'static RuleMeta, message: String) -> Finding {
        Finding {
            rule: meta.name,
            severity: meta.default_severity,
            service: self.local.name.clone(),
            local_service: Some(self.local.name.clone()),
            prod_service: Some(self.prod.name.clone()),
            key: None,
            missing_in: None,
            local: None,
            prod: None,
            message,
            paired_by: Some(self.paired_by.as_str().to_owned()),
            locations: Vec::new(),
        }
    }
}

/// The service's address, which identifies it while the environments are borrowed.
fn address(service: &Service) -> usize {
    std::ptr::from_ref(service).addr()
}

/// A location on `side`.
pub(crate) fn location(side: Side, origin: &Origin) -> Location {
    Location {
        side,
        origin: origin.clone(),
    }
}

/// A finding about a service present on `side` only, at the rule's default severity.
pub(crate) fn unpaired_finding(
    meta: &'static RuleMeta,
    side: Side,
    service: &Service,
    message: String,
) -> Finding {
    let name = Some(service.name.clone());
    let (local_service, prod_service) = match side {
        Side::Local => (name, None),
        Side::Prod => (None, name),
    };
    Finding {
        rule: meta.name,
        severity: meta.default_severity,
        service: service.name.clone(),
        local_service,
        prod_service,
        key: None,
        missing_in: Some(side.other()),
        local: None,
        prod: None,
        message,
        paired_by: None,
        locations: vec![location(side, &service.origin)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::pair_services;
    use crate::testing::{compose_service, environment, k8s_workload};
    use parity_model::Node;

    #[test]
    fn ignored_services_are_answered_for_both_sides_and_for_services_of_neither() {
        // `mailhog`, `adminer` and `pgadmin*` are in the built-in policy's `ignore.services`.
        let local = environment(vec![
            Node::from(compose_service("api", 3)),
            Node::from(compose_service("mailhog", 9)),
        ]);
        let prod = environment(vec![
            Node::from(k8s_workload("api", "Deployment", 1)),
            Node::from(k8s_workload("adminer", "Deployment", 1)),
        ]);
        let policy = Policy::builtin();
        let pairing = pair_services(&local.graph, &prod.graph, &policy);
        let cx = CheckContext::new(&local, &prod, &policy, &pairing);
        let ignored = |environment: &Environment| -> Vec<(String, bool)> {
            environment
                .graph
                .services()
                .map(|(_, service)| (service.name.clone(), cx.ignores_service(service)))
                .collect()
        };
        assert_eq!(
            ignored(&local),
            [("api".to_owned(), false), ("mailhog".to_owned(), true)]
        );
        assert_eq!(
            ignored(&prod),
            [("api".to_owned(), false), ("adminer".to_owned(), true)]
        );
        // A service outside both environments is asked of the policy.
        assert!(cx.ignores_service(&compose_service("pgadmin4", 1)));
        assert!(!cx.ignores_service(&compose_service("worker", 1)));
    }
}
