//! PAR591 `unexposed-port`.

use std::collections::BTreeSet;

use parity_model::{Edge, Node, Resource, Service, ServiceKind};

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a port that a local service publishes to the host (compose `ports:`) but that has
    /// no way in on the paired prod workload: no Kubernetes Service selects the workload with
    /// that target port (by number, or by the name of the container port), and no `hostPort`
    /// opens it. Ingresses, Gateway API routes and LoadBalancers all reach a pod through such a
    /// Service, so without one nothing outside the pod can connect.
    ///
    /// When prod declares the process on another port, `port-mismatch` reports that and this
    /// rule stays quiet as long as the moved port is reachable. A service missing on one side is
    /// `missing-service`'s business alone.
    ///
    /// ## Why it matters
    /// Locally the port is open because compose published it; in prod the workload runs, passes
    /// its probes, and nothing can reach it. Requests fail at the Ingress with 503 or the
    /// calling service times out.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   admin:
    ///     ports: ["9000:9000"]
    /// ```
    /// ```yaml
    /// # prod/admin.yaml (Deployment with containerPort 9000, and no Service selecting it)
    /// ```
    ///
    /// ## How to fix
    /// Add a Service that selects the workload's pod labels with `targetPort: 9000` (and an
    /// Ingress or route when it must be reachable from outside the cluster), or stop publishing
    /// the port locally when it is only for debugging.
    pub UnexposedPort {
        code: "PAR591",
        name: "unexposed-port",
        family: Network,
        severity: Warning,
        since: "0.1.0",
    }
}

/// The container ports of the prod pod that something reaches: targets of the Services that
/// select it (numbers, or names resolved through the pod's port names) and host ports.
fn reached_ports(services: &[&Resource], pod: &Service) -> BTreeSet<u16> {
    let mut reached = BTreeSet::new();
    for service in services {
        for (_, target) in &service.ports {
            match target.parse::<u16>() {
                Ok(number) => {
                    reached.insert(number);
                }
                Err(_) => reached.extend(
                    pod.containers
                        .iter()
                        .flat_map(|container| &container.ports)
                        .filter(|port| port.name.as_deref() == Some(target.as_str()))
                        .map(|port| port.container),
                ),
            }
        }
    }
    reached.extend(
        pod.containers
            .iter()
            .flat_map(|container| &container.ports)
            .filter(|port| port.published.is_some())
            .map(|port| port.container),
    );
    reached
}

/// Names of the Ingresses and routes that send traffic to any of `services`.
fn routes_to(cx: &CheckContext<'_>, services: &[&Resource]) -> Vec<String> {
    let graph = &cx.environment(Side::Prod).graph;
    let mut names = BTreeSet::new();
    for (index, node) in graph.nodes() {
        let Node::Resource(route) = node else {
            continue;
        };
        let reaches = graph.edges_from(index).any(|(edge, target)| {
            edge == Edge::Routes
                && matches!(graph.node(target), Some(Node::Resource(service)) if services.iter().any(|s| std::ptr::eq(*s, service)))
        });
        if reaches {
            names.insert(format!("{} {}", route.kind, route.name));
        }
    }
    names.into_iter().collect()
}

impl Rule for UnexposedPort {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for pair in cx.pairs() {
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            // Only Kubernetes routing (Services, Ingresses, Gateway routes) is modelled; an ECS
            // service behind a load balancer or a Cloud Run service has its own way in, which
            // the graph does not describe yet, so saying "nothing routes to it" would be a guess.
            if !matches!(pair.prod.kind, ServiceKind::Kubernetes(_)) {
                continue;
            }
            let selecting: Vec<&Resource> = cx.prod_selectors(pair.prod_index).collect();
            let reached = reached_ports(&selecting, pair.prod);
            let declared: BTreeSet<u16> = pair
                .prod
                .containers
                .iter()
                .flat_map(|container| container.ports.iter().map(|port| port.container))
                .collect();
            let name = pair.display_name();
            let mut seen = BTreeSet::new();
            for port in &local_container.ports {
                let Some(published) = port.published else {
                    continue;
                };
                if reached.contains(&port.container) || !seen.insert(port.container) {
                    continue;
                }
                // The process moved to another port in prod: `port-mismatch` says so, and the
                // moved port being reachable is what matters here.
                if !declared.contains(&port.container) && !reached.is_empty() {
                    continue;
                }
                let routes = routes_to(cx, &selecting);
                let why = if selecting.is_empty() {
                    "no Service selects the prod workload".to_owned()
                } else {
                    let names: Vec<String> = selecting
                        .iter()
                        .map(|service| {
                            let targets: Vec<&str> =
                                service.ports.iter().map(|(_, t)| t.as_str()).collect();
                            format!("{} (targetPort {})", service.name, targets.join(", "))
                        })
                        .collect();
                    let mut text = format!(
                        "the Services selecting it target other ports: {}",
                        names.join("; ")
                    );
                    if !routes.is_empty() {
                        text.push_str(&format!(", reached by {}", routes.join(", ")));
                    }
                    text
                };
                let message = format!(
                    "port {} of `{name}` is published locally ({published}:{}) but nothing in prod routes to it: {why}",
                    port.container, port.container
                );
                let mut finding = pair.finding(meta, message);
                finding.key = Some(port.container.to_string());
                finding.local = Some(format!("{published}:{}", port.container));
                finding.prod = Some(
                    reached
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                finding.missing_in = Some(Side::Prod);
                let prod_origin = prod_container
                    .ports
                    .iter()
                    .find(|p| p.container == port.container)
                    .map_or(&pair.prod.origin, |p| &p.origin);
                finding.locations = vec![
                    location(Side::Local, &port.origin),
                    location(Side::Prod, prod_origin),
                ];
                out.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        compose_service, environment, k8s_service, k8s_workload, run_rule_on, with_ports,
    };
    use parity_model::Protocol;

    fn published(mut service: Service, port: u16) -> Service {
        if let Some(container) = service.containers.first_mut() {
            for p in &mut container.ports {
                if p.container == port {
                    p.published = Some(port);
                }
            }
        }
        service
    }

    fn run(
        prod_ports: &[(u16, Protocol, u32)],
        services: &[(&[(u16, &str)], u32)],
    ) -> Vec<Finding> {
        let local_service = published(
            published(
                with_ports(
                    compose_service("web", 3),
                    &[(8080, Protocol::Tcp, 5), (9090, Protocol::Tcp, 6)],
                ),
                8080,
            ),
            9090,
        );
        let local = environment(vec![Node::Service(local_service)]);
        let mut prod = environment(vec![Node::Service(with_ports(
            k8s_workload("web", "Deployment", 1),
            prod_ports,
        ))]);
        let workload = prod.graph.services().map(|(i, _)| i).next().unwrap();
        for (ports, line) in services {
            let node = prod
                .graph
                .add(Node::Resource(k8s_service("web", ports, *line)));
            prod.graph.connect(node, workload, Edge::Selects);
        }
        run_rule_on(&UnexposedPort, &local, &prod)
    }

    #[test]
    fn a_published_port_no_service_targets_fires_at_both_lines() {
        let findings = run(
            &[(8080, Protocol::Tcp, 20), (9090, Protocol::Tcp, 21)],
            &[(&[(80, "8080")], 40)],
        );
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.key.as_deref(), Some("9090"));
        assert_eq!(
            finding.message,
            "port 9090 of `web` is published locally (9090:9090) but nothing in prod routes to it: the Services selecting it target other ports: web (targetPort 8080)"
        );
        let lines: Vec<u32> = finding.locations.iter().map(|l| l.origin.line).collect();
        assert_eq!(lines, [6, 21]);
    }

    #[test]
    fn workloads_outside_kubernetes_are_not_judged() {
        // An ECS service or Cloud Run service has a way in the graph does not model yet.
        let local_service = published(
            with_ports(compose_service("web", 3), &[(8080, Protocol::Tcp, 5)]),
            8080,
        );
        let local = environment(vec![Node::Service(local_service)]);
        let mut ecs = with_ports(
            k8s_workload("web", "Deployment", 1),
            &[(8080, Protocol::Tcp, 20)],
        );
        ecs.kind = parity_model::ServiceKind::Other("aws_ecs_service".into());
        let prod = environment(vec![Node::Service(ecs)]);
        assert!(run_rule_on(&UnexposedPort, &local, &prod).is_empty());
    }

    #[test]
    fn no_service_at_all() {
        let findings = run(&[(8080, Protocol::Tcp, 20)], &[]);
        let keys: Vec<&str> = findings.iter().filter_map(|f| f.key.as_deref()).collect();
        assert_eq!(keys, ["8080", "9090"]);
        assert!(
            findings[0]
                .message
                .ends_with("no Service selects the prod workload")
        );
    }

    #[test]
    fn every_port_targeted_or_moved_is_quiet() {
        assert!(
            run(
                &[(8080, Protocol::Tcp, 20), (9090, Protocol::Tcp, 21)],
                &[(&[(80, "8080"), (9090, "9090")], 40)],
            )
            .is_empty()
        );
        // The pod moved to 3000 and 3000 is reached: port-mismatch's business.
        assert!(run(&[(3000, Protocol::Tcp, 20)], &[(&[(80, "3000")], 40)]).is_empty());
    }
}
