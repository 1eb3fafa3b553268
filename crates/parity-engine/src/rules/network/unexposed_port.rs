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
    /// Services deployed with Terraform are judged by their platform's routing: an ECS service
    /// (`aws_ecs_service`) is reached through its `load_balancer` target groups (the
    /// `container_port` they forward to), Service Connect (the port mapping named by
    /// `port_name`), a Cloud Map `service_registries` entry, a public IP
    /// (`assign_public_ip = true`), or host ports of tasks outside `awsvpc` networking; a Cloud
    /// Run service through its URL, which reaches its one container port (8080 unless `ports`
    /// says otherwise); a Container App through its `ingress` `target_port`; a workload of
    /// Terraform's Kubernetes provider through the `kubernetes_service` that selects its pods.
    /// Other workloads (a Lambda function, a task definition no service runs) are not judged.
    ///
    /// When prod declares the process on another port (one prod declares or routes to that
    /// nothing local publishes), `port-mismatch` reports that and this rule stays quiet as long
    /// as the moved port is reachable; a published port with nowhere to have moved to (a
    /// debugger port beside the app, and prod serves only the app's port) is reported. A
    /// service missing on one side is `missing-service`'s business alone.
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

/// How a platform routes to its workloads, for the platforms whose routing the graph models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    /// Services select pods; Ingresses and Gateway routes reach Services; `hostPort` opens a
    /// port on the node.
    Kubernetes,
    /// Load balancer target groups, Service Connect, Cloud Map registries, a public IP, host
    /// ports outside `awsvpc` networking (Terraform `aws_ecs_service`).
    Ecs,
    /// Requests to the service URL reach its one container port.
    CloudRun,
    /// The app's ingress reaches its target port.
    ContainerApps,
}

impl Platform {
    fn of(service: &Service) -> Option<Self> {
        match &service.kind {
            ServiceKind::Kubernetes(_) => Some(Platform::Kubernetes),
            ServiceKind::Other(kind) => match kind.as_str() {
                "aws_ecs_service" => Some(Platform::Ecs),
                "google_cloud_run_service" | "google_cloud_run_v2_service" => {
                    Some(Platform::CloudRun)
                }
                "azurerm_container_app" => Some(Platform::ContainerApps),
                // Terraform's Kubernetes provider: `kubernetes_service` selects the pods.
                "kubernetes_deployment"
                | "kubernetes_deployment_v1"
                | "kubernetes_stateful_set"
                | "kubernetes_stateful_set_v1"
                | "kubernetes_daemon_set"
                | "kubernetes_daemon_set_v1"
                | "kubernetes_daemonset" => Some(Platform::Kubernetes),
                _ => None,
            },
            ServiceKind::ComposeService => None,
        }
    }

    /// Why nothing reaches the workload, when nothing selects it.
    fn nothing_selects(self) -> &'static str {
        match self {
            Platform::Kubernetes => "no Service selects the prod workload",
            Platform::Ecs => {
                "the ECS service has no load balancer, Service Connect, service discovery registry or public IP"
            }
            Platform::CloudRun => "the Cloud Run service has no ingress",
            Platform::ContainerApps => "the container app has no ingress",
        }
    }
}

/// One way in, as the message names it.
fn describe_way_in(way: &Resource) -> String {
    let ports: Vec<&str> = way.ports.iter().map(|(_, t)| t.as_str()).collect();
    let ports = ports.join(", ");
    match way.kind.as_str() {
        "TargetGroup" => format!(
            "load balancer target group `{}` (container port {ports})",
            way.name
        ),
        "ServiceConnect" => format!("Service Connect `{}` (container port {ports})", way.name),
        "ServiceDiscovery" => format!("service discovery `{}` (container port {ports})", way.name),
        "PublicIP" => format!("its public IP (container ports {ports})"),
        "HostPort" => format!(
            "host ports in {} network mode (container ports {ports})",
            way.name
        ),
        "CloudRunIngress" => format!("Cloud Run ingress `{}` (container port {ports})", way.name),
        "ContainerAppIngress" => format!("its {} ingress (target port {ports})", way.name),
        _ => format!("{} (targetPort {ports})", way.name),
    }
}

/// The container ports of the prod pod that something reaches: targets of the Services that
/// select it (numbers, or names resolved through the pod's port names) and, on Kubernetes, host
/// ports. (An ECS task's `hostPort` is the container port repeated under `awsvpc` networking;
/// the loader models the host ports that do open something as a way in of their own.)
fn reached_ports(services: &[&Resource], pod: &Service, platform: Platform) -> BTreeSet<u16> {
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
    if platform == Platform::Kubernetes {
        reached.extend(
            pod.containers
                .iter()
                .flat_map(|container| &container.ports)
                .filter(|port| port.published.is_some())
                .map(|port| port.container),
        );
    }
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
                && matches!(graph.node(target), Some(Node::Resource(service)) if services.iter().any(|s| std::ptr::eq(*s, &**service)))
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
            // Only platforms whose routing the graph models are judged (Kubernetes, and from
            // Terraform ECS, Cloud Run and Container Apps); elsewhere (a Lambda, a bare task
            // definition) "nothing routes to it" would be a guess.
            let Some(platform) = Platform::of(pair.prod) else {
                continue;
            };
            let selecting: Vec<&Resource> = cx.prod_selectors(pair.prod_index).collect();
            let reached = reached_ports(&selecting, pair.prod, platform);
            let declared: BTreeSet<u16> = pair
                .prod
                .containers
                .iter()
                .flat_map(|container| container.ports.iter().map(|port| port.container))
                .collect();
            // Ports prod declares or routes to that nothing local publishes: where a local port
            // may have moved to.
            let local_ports: BTreeSet<u16> = local_container
                .ports
                .iter()
                .filter(|port| port.published.is_some())
                .map(|port| port.container)
                .collect();
            let moved_to: BTreeSet<u16> = declared
                .union(&reached)
                .filter(|port| !local_ports.contains(port))
                .copied()
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
                // moved port being reachable is what matters here. A port with nowhere to have
                // moved to (prod serves only the other published ports: a debugger published
                // beside the app) is simply not reached.
                if !declared.contains(&port.container)
                    && !reached.is_empty()
                    && !moved_to.is_empty()
                {
                    continue;
                }
                let routes = routes_to(cx, &selecting);
                let why = if selecting.is_empty() {
                    platform.nothing_selects().to_owned()
                } else if platform != Platform::Kubernetes {
                    let mut ways: Vec<String> =
                        selecting.iter().map(|way| describe_way_in(way)).collect();
                    ways.sort();
                    format!("its ways in target other ports: {}", ways.join("; "))
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
        let local = environment(vec![Node::from(local_service)]);
        let mut prod = environment(vec![Node::from(with_ports(
            k8s_workload("web", "Deployment", 1),
            prod_ports,
        ))]);
        let workload = prod.graph.services().map(|(i, _)| i).next().unwrap();
        for (ports, line) in services {
            let node = prod.graph.add(Node::from(k8s_service("web", ports, *line)));
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

    /// A prod service of `kind` with container port 8080 (host port 8080, as ECS task
    /// definitions often repeat it), the ways in given, against a local service publishing 8080.
    fn run_terraform(kind: &str, ways_in: &[(&str, &str, u16)]) -> Vec<Finding> {
        let local_service = published(
            with_ports(compose_service("web", 3), &[(8080, Protocol::Tcp, 5)]),
            8080,
        );
        let local = environment(vec![Node::from(local_service)]);
        let mut workload = published(
            with_ports(
                k8s_workload("web", "Deployment", 1),
                &[(8080, Protocol::Tcp, 20)],
            ),
            8080,
        );
        workload.kind = ServiceKind::Other(kind.into());
        let mut prod = environment(vec![Node::from(workload)]);
        let index = prod.graph.services().map(|(i, _)| i).next().unwrap();
        for (way_kind, name, port) in ways_in {
            let mut way = k8s_service(name, &[(*port, &port.to_string())], 40);
            way.kind = (*way_kind).to_owned();
            let way = prod.graph.add(Node::from(way));
            prod.graph.connect(way, index, Edge::Selects);
        }
        run_rule_on(&UnexposedPort, &local, &prod)
    }

    #[test]
    fn ecs_services_are_reached_through_their_target_groups() {
        // No way in: an ECS task's `hostPort` opens nothing under awsvpc networking.
        let findings = run_terraform("aws_ecs_service", &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "port 8080 of `web` is published locally (8080:8080) but nothing in prod routes to it: the ECS service has no load balancer, Service Connect, service discovery registry or public IP"
        );
        let lines: Vec<u32> = findings[0]
            .locations
            .iter()
            .map(|l| l.origin.line)
            .collect();
        assert_eq!(lines, [5, 20]);
        assert!(run_terraform("aws_ecs_service", &[("TargetGroup", "shop-api", 8080)]).is_empty());
        // Ways in for another port only (prod still declares 8080, so it did not move).
        let findings = run_terraform(
            "aws_ecs_service",
            &[
                ("TargetGroup", "shop-admin", 9000),
                ("ServiceConnect", "api", 9000),
            ],
        );
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.ends_with(
            "its ways in target other ports: Service Connect `api` (container port 9000); load balancer target group `shop-admin` (container port 9000)"
        ));
    }

    #[test]
    fn cloud_run_reaches_one_port_and_other_platforms_are_not_judged() {
        assert!(
            run_terraform(
                "google_cloud_run_v2_service",
                &[("CloudRunIngress", "INGRESS_TRAFFIC_ALL", 8080)]
            )
            .is_empty()
        );
        let findings = run_terraform(
            "google_cloud_run_v2_service",
            &[("CloudRunIngress", "INGRESS_TRAFFIC_ALL", 3000)],
        );
        // The process moved to 3000 in prod: port-mismatch's business, unless prod still
        // declares 8080.
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.ends_with(
            "its ways in target other ports: Cloud Run ingress `INGRESS_TRAFFIC_ALL` (container port 3000)"
        ));
        // A Lambda function has no port to route to; it is not judged.
        assert!(run_terraform("aws_lambda_function", &[]).is_empty());
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
