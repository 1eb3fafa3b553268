//! The services of both sides and their dependencies, carried on the [`crate::Report`] so a
//! renderer can draw the service graph (the Markdown report's Mermaid diagram) without the two
//! environments.

use std::collections::BTreeSet;

use crate::{Edge, Node, Origin, ResourceGraph};

/// Each side's services with the services they depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    /// Local services, in the order the loader produced them.
    pub local: Vec<TopologyService>,
    /// Prod services, in the order the loader produced them.
    pub prod: Vec<TopologyService>,
}

/// One service as the service graph shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyService {
    /// The service name.
    pub name: String,
    /// Its kind as shown to users (`compose service`, `Deployment`, ...).
    pub kind: String,
    /// Where it is declared.
    pub origin: Origin,
    /// Names of the services it depends on, sorted and without repeats: compose `depends_on`,
    /// `DependsOn` and `ConnectsTo` edges to services, and `ConnectsTo` edges to a Kubernetes
    /// Service, followed to the workloads it selects.
    pub depends_on: Vec<String>,
}

impl Topology {
    /// The topology of both sides' graphs.
    pub fn of(local: &ResourceGraph, prod: &ResourceGraph) -> Self {
        Topology {
            local: side_topology(local),
            prod: side_topology(prod),
        }
    }
}

fn side_topology(graph: &ResourceGraph) -> Vec<TopologyService> {
    graph
        .services()
        .map(|(index, service)| {
            let mut depends_on: BTreeSet<String> = service.depends_on.iter().cloned().collect();
            for (edge, target) in graph.edges_from(index) {
                match (edge, graph.node(target)) {
                    (Edge::DependsOn | Edge::ConnectsTo, Some(Node::Service(target))) => {
                        depends_on.insert(target.name.clone());
                    }
                    // A connection to a Kubernetes Service reaches the workloads it selects.
                    (Edge::ConnectsTo, Some(Node::Resource(_))) => {
                        for (inner, workload) in graph.edges_from(target) {
                            if let (Edge::Selects, Some(Node::Service(workload))) =
                                (inner, graph.node(workload))
                            {
                                depends_on.insert(workload.name.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
            depends_on.remove(&service.name);
            TopologyService {
                name: service.name.clone(),
                kind: service.kind.as_str().to_owned(),
                origin: service.origin.clone(),
                depends_on: depends_on.into_iter().collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Service, ServiceKind};

    #[test]
    fn depends_on_merges_compose_names_and_graph_edges() {
        let origin = Origin::new("compose.yaml".into(), 3, 3);
        let mut graph = ResourceGraph::new();
        let mut api = Service::new("api", ServiceKind::ComposeService, origin.clone());
        api.depends_on = vec!["db".into(), "cache".into()];
        let api = graph.add(Node::from(api));
        let db = graph.add(Node::from(Service::new(
            "db",
            ServiceKind::ComposeService,
            origin.clone(),
        )));
        let queue = graph.add(Node::from(Service::new(
            "queue",
            ServiceKind::Kubernetes("StatefulSet".into()),
            origin,
        )));
        graph.connect(api, db, Edge::DependsOn);
        graph.connect(api, queue, Edge::DependsOn);
        let topology = Topology::of(&graph, &ResourceGraph::new());
        assert_eq!(topology.local.len(), 3);
        assert_eq!(topology.local[0].depends_on, ["cache", "db", "queue"]);
        assert_eq!(topology.local[2].kind, "StatefulSet");
        assert!(topology.prod.is_empty());
    }
}
