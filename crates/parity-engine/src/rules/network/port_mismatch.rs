//! PAR501 `port-mismatch`.

use std::collections::BTreeSet;

use parity_model::{Container, Origin, Protocol};

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a paired service whose container listens on different ports locally and in prod.
    ///
    /// The ports compared are the ones the process listens on inside the container (compose's
    /// container port, the right-hand side of `"8080:80"`; Kubernetes `containerPort`), not the
    /// port published on the host. Kubernetes manifests often leave `containerPort` out; then the
    /// numeric `targetPort`s of the Services that select the workload stand in for it. When a side
    /// declares no port at all, nothing is compared.
    ///
    /// A port that moved (the app listens on 3000 locally, 8080 in prod) and a port declared
    /// locally only are warnings. Extra ports declared in prod only are notes: compose lists only
    /// the ports published to the developer's host, so a metrics or admin port prod declares is
    /// usually just not published locally.
    ///
    /// ## Why it matters
    /// A Service, Ingress or probe in prod that points at a port the process does not listen on
    /// means connection refused and failing health checks. A process that listens on a new
    /// port locally while prod still routes to the old one breaks on the next deploy.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   web:
    ///     ports: ["8080:3000"]        # the app listens on 3000
    /// ```
    /// ```yaml
    /// # prod/web.yaml (Deployment)
    /// containers: [{ name: web, ports: [{ containerPort: 8080 }] }]
    /// ```
    ///
    /// ## How to fix
    /// Make the container port the same on both sides, usually by configuring the application's
    /// listen port through one env var both sides set, and point Services and probes at it.
    pub PortMismatch {
        code: "PAR501",
        name: "port-mismatch",
        family: Network,
        severity: Warning,
        since: "0.1.0",
    }
}

/// A port a container listens on, and where that is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListenPort<'a> {
    number: u16,
    /// `None` when the port comes from a Service's `targetPort`, which parity reads without its
    /// protocol; such a port matches any protocol.
    protocol: Option<Protocol>,
    origin: &'a Origin,
}

impl ListenPort<'_> {
    fn matches(&self, other: &ListenPort<'_>) -> bool {
        self.number == other.number
            && match (self.protocol, other.protocol) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }

    /// `8080`, or `53/udp` for anything but TCP.
    fn display(&self) -> String {
        match self.protocol {
            Some(protocol) if protocol != Protocol::Tcp => {
                format!("{}/{}", self.number, protocol.as_str())
            }
            _ => self.number.to_string(),
        }
    }
}

/// The container's declared ports, each (number, protocol) once, in declaration order.
fn declared_ports(container: &Container) -> Vec<ListenPort<'_>> {
    let mut seen = BTreeSet::new();
    container
        .ports
        .iter()
        .filter(|port| seen.insert((port.container, port.protocol)))
        .map(|port| ListenPort {
            number: port.container,
            protocol: Some(port.protocol),
            origin: &port.origin,
        })
        .collect()
}

/// The prod container's ports: declared ones, or else the numeric `targetPort`s of the Services
/// selecting the workload. A named `targetPort` can only name a declared port, and a numeric one
/// that another container of the pod declares belongs to that container; both are skipped.
fn prod_ports<'a>(
    cx: &CheckContext<'a>,
    pair: &PairRef<'a>,
    container: &'a Container,
) -> Vec<ListenPort<'a>> {
    let declared = declared_ports(container);
    if !declared.is_empty() {
        return declared;
    }
    let siblings: BTreeSet<u16> = pair
        .prod
        .containers
        .iter()
        .filter(|other| !std::ptr::eq(*other, container))
        .flat_map(|other| other.ports.iter().map(|port| port.container))
        .collect();
    let mut seen = BTreeSet::new();
    let mut ports = Vec::new();
    for service in cx.prod_selectors(pair.prod_index) {
        for (_, target) in &service.ports {
            let Ok(number) = target.parse::<u16>() else {
                continue;
            };
            if number != 0 && !siblings.contains(&number) && seen.insert(number) {
                ports.push(ListenPort {
                    number,
                    protocol: None,
                    origin: &service.origin,
                });
            }
        }
    }
    ports
}

fn list(ports: &[ListenPort<'_>]) -> String {
    ports
        .iter()
        .map(ListenPort::display)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Rule for PortMismatch {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for pair in cx.pairs() {
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            let local = declared_ports(local_container);
            let prod = prod_ports(cx, &pair, prod_container);
            if local.is_empty() || prod.is_empty() {
                continue;
            }
            // Declaration order, not numeric order: the first port declared is usually the main
            // one, so pairing moved ports in that order matches the main port with the main port.
            let local_only: Vec<&ListenPort<'_>> = local
                .iter()
                .filter(|port| !prod.iter().any(|other| port.matches(other)))
                .collect();
            let prod_only: Vec<&ListenPort<'_>> = prod
                .iter()
                .filter(|port| !local.iter().any(|other| port.matches(other)))
                .collect();
            let name = pair.display_name();
            // The common case is one port moved: report it once, pointing at both lines.
            let moved = local_only.len().min(prod_only.len());
            for (local_port, prod_port) in local_only.iter().zip(&prod_only) {
                let (local_text, prod_text) = (local_port.display(), prod_port.display());
                let message = format!(
                    "container port of `{name}` differs: {local_text} locally, {prod_text} in prod"
                );
                let mut finding = pair.finding(meta, message);
                finding.key = Some(local_text.clone());
                finding.local = Some(local_text);
                finding.prod = Some(prod_text);
                finding.locations = vec![
                    location(Side::Local, local_port.origin),
                    location(Side::Prod, prod_port.origin),
                ];
                out.push(finding);
            }
            let one_sided = local_only
                .iter()
                .skip(moved)
                .map(|port| (Side::Local, *port))
                .chain(prod_only.iter().skip(moved).map(|port| (Side::Prod, *port)));
            for (side, port) in one_sided {
                let text = port.display();
                let (here, there, other_ports, other_origin) = match side {
                    Side::Local => ("locally", "in prod", list(&prod), &pair.prod.origin),
                    Side::Prod => ("in prod", "locally", list(&local), &pair.local.origin),
                };
                let message = format!(
                    "container port {text} of `{name}` is declared {here} but not {there} ({}: {other_ports})",
                    side.other()
                );
                let mut finding = pair.finding(meta, message);
                finding.key = Some(text.clone());
                finding.missing_in = Some(side.other());
                let (local_value, prod_value, local_origin, prod_origin) = match side {
                    Side::Local => (text, other_ports, port.origin, other_origin),
                    Side::Prod => (other_ports, text, other_origin, port.origin),
                };
                finding.local = Some(local_value);
                finding.prod = Some(prod_value);
                finding.locations = vec![
                    location(Side::Local, local_origin),
                    location(Side::Prod, prod_origin),
                ];
                if side == Side::Prod {
                    // Compose lists only the ports published to the host; other containers reach
                    // the rest without publishing. An extra port in prod is most often one the
                    // developer never needed on the host (metrics, admin, a second protocol), not
                    // a process listening elsewhere: a note, not a warning.
                    finding.severity = Severity::Note;
                }
                out.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        compose_service, environment, k8s_service, k8s_workload, run_rule, run_rule_on, with_ports,
    };
    use parity_model::{Edge, Node};

    #[test]
    fn a_moved_port_is_one_finding_pointing_at_both_lines() {
        let local = vec![with_ports(
            compose_service("web", 3),
            &[(3000, Protocol::Tcp, 5)],
        )];
        let prod = vec![with_ports(
            k8s_workload("web", "Deployment", 1),
            &[(8080, Protocol::Tcp, 24)],
        )];
        let findings = run_rule(&PortMismatch, local, prod);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            finding.message,
            "container port of `web` differs: 3000 locally, 8080 in prod"
        );
        assert_eq!(
            (finding.key.as_deref(), finding.prod.as_deref()),
            (Some("3000"), Some("8080"))
        );
        let lines: Vec<(Side, u32)> = finding
            .locations
            .iter()
            .map(|l| (l.side, l.origin.line))
            .collect();
        assert_eq!(lines, [(Side::Local, 5), (Side::Prod, 24)]);
    }

    #[test]
    fn extra_ports_on_one_side_and_protocols() {
        let local = vec![with_ports(
            compose_service("dns", 3),
            &[
                (53, Protocol::Udp, 5),
                (9229, Protocol::Tcp, 6),
                (8080, Protocol::Tcp, 7),
            ],
        )];
        let prod = vec![with_ports(
            k8s_workload("dns", "Deployment", 1),
            &[(53, Protocol::Tcp, 30), (8080, Protocol::Tcp, 31)],
        )];
        let findings = run_rule(&PortMismatch, local, prod);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "container port of `dns` differs: 53/udp locally, 53 in prod",
                "container port 9229 of `dns` is declared locally but not in prod (prod: 53, 8080)",
            ]
        );
        assert_eq!(findings[1].missing_in, Some(Side::Prod));
        assert_eq!(findings[1].locations[1].origin.line, 1);
        assert_eq!(findings[1].severity, Severity::Warning);
    }

    #[test]
    fn extra_prod_ports_are_notes() {
        let local = vec![with_ports(
            compose_service("web", 3),
            &[(80, Protocol::Tcp, 5)],
        )];
        let prod = vec![with_ports(
            k8s_workload("web", "Deployment", 1),
            &[(80, Protocol::Tcp, 30), (9102, Protocol::Tcp, 31)],
        )];
        let findings = run_rule(&PortMismatch, local, prod);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "container port 9102 of `web` is declared in prod but not locally (local: 80)"
        );
        assert_eq!(
            (findings[0].severity, findings[0].missing_in),
            (Severity::Note, Some(Side::Local))
        );
        let lines: Vec<(Side, u32)> = findings[0]
            .locations
            .iter()
            .map(|l| (l.side, l.origin.line))
            .collect();
        assert_eq!(lines, [(Side::Local, 3), (Side::Prod, 31)]);
    }

    #[test]
    fn moved_ports_pair_in_declaration_order() {
        // The main port is declared first on both sides; the debugger port is the extra one.
        let local = vec![with_ports(
            compose_service("api", 3),
            &[(9000, Protocol::Tcp, 5), (5678, Protocol::Tcp, 6)],
        )];
        let prod = vec![with_ports(
            k8s_workload("api", "Deployment", 1),
            &[(9090, Protocol::Tcp, 30)],
        )];
        let messages: Vec<String> = run_rule(&PortMismatch, local, prod)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            [
                "container port 5678 of `api` is declared locally but not in prod (prod: 9090)",
                "container port of `api` differs: 9000 locally, 9090 in prod",
            ]
        );
    }

    #[test]
    fn same_ports_or_no_ports_are_quiet() {
        let same_local = vec![with_ports(
            compose_service("web", 3),
            &[(80, Protocol::Tcp, 5)],
        )];
        let same_prod = vec![with_ports(
            k8s_workload("web", "Deployment", 1),
            &[(80, Protocol::Tcp, 9)],
        )];
        assert!(run_rule(&PortMismatch, same_local.clone(), same_prod).is_empty());
        assert!(
            run_rule(
                &PortMismatch,
                same_local,
                vec![k8s_workload("web", "Deployment", 1)]
            )
            .is_empty()
        );
        let prod = vec![with_ports(
            k8s_workload("worker", "Deployment", 1),
            &[(9090, Protocol::Tcp, 9)],
        )];
        assert!(run_rule(&PortMismatch, vec![compose_service("worker", 3)], prod).is_empty());
    }

    #[test]
    fn service_target_ports_stand_in_for_missing_container_ports() {
        let local = environment(vec![Node::from(with_ports(
            compose_service("web", 3),
            &[(3000, Protocol::Tcp, 5)],
        ))]);
        let mut prod = environment(vec![Node::from(k8s_workload("web", "Deployment", 1))]);
        let workload = prod
            .graph
            .services()
            .map(|(index, _)| index)
            .next()
            .unwrap();
        let by_number = prod
            .graph
            .add(Node::from(k8s_service("web", &[(80, "8080")], 40)));
        let by_name = prod
            .graph
            .add(Node::from(k8s_service("web-named", &[(81, "http")], 50)));
        prod.graph.connect(by_number, workload, Edge::Selects);
        prod.graph.connect(by_name, workload, Edge::Selects);
        let findings = run_rule_on(&PortMismatch, &local, &prod);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "container port of `web` differs: 3000 locally, 8080 in prod"
        );
        assert_eq!(findings[0].locations[1].origin.line, 40);

        // A matching targetPort: quiet.
        let mut prod = environment(vec![Node::from(k8s_workload("web", "Deployment", 1))]);
        let workload = prod
            .graph
            .services()
            .map(|(index, _)| index)
            .next()
            .unwrap();
        let service = prod
            .graph
            .add(Node::from(k8s_service("web", &[(80, "3000")], 40)));
        prod.graph.connect(service, workload, Edge::Selects);
        assert!(run_rule_on(&PortMismatch, &local, &prod).is_empty());
    }
}
