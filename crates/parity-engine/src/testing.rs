//! Hand-built services and environments for the rules' unit tests.

use parity_model::{
    Container, EnvValue, EnvVar, Environment, Finding, Node, Origin, PartialText, Port, Protocol,
    Resource, Service, ServiceKind, TextPart, parse_image_ref,
};

use crate::context::CheckContext;
use crate::pairing::pair_services;
use crate::policy::Policy;
use crate::rule::Rule;

/// A partly known value set under `key`, written as Terraform leaves it: every `${reference}` is a
/// part known only at deploy time (`postgres://${aws_db_instance.main.address}:5432/shop`).
pub(crate) fn partly_known(key: &str, template: &str) -> PartialText {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some((known, after)) = rest.split_once("${") {
        let (reference, tail) = after.split_once('}').expect("a closed ${reference}");
        parts.push(TextPart::Known(known.to_owned()));
        parts.push(TextPart::Unknown(reference.to_owned()));
        rest = tail;
    }
    parts.push(TextPart::Known(rest.to_owned()));
    PartialText::for_key(key, parts).expect("a template with a ${reference}")
}

/// A compose service declared at `local/compose.yaml:line:3`, with one container of its name.
pub(crate) fn compose_service(name: &str, line: u32) -> Service {
    let mut service = Service::new(
        name,
        ServiceKind::ComposeService,
        Origin::new("local/compose.yaml".into(), line, 3),
    );
    service.containers.push(Container::new(name));
    service
}

/// A Kubernetes workload declared at `prod/<name>.yaml:line:1`, with one container of its name.
pub(crate) fn k8s_workload(name: &str, kind: &str, line: u32) -> Service {
    let origin = Origin::new(format!("prod/{name}.yaml").into(), line, 1);
    let mut service = Service::new(name, ServiceKind::Kubernetes(kind.to_owned()), origin);
    service.containers.push(Container::new(name));
    service
}

/// A Kubernetes Service named `name` with `(port, targetPort)` pairs, declared at `line`.
pub(crate) fn k8s_service(name: &str, ports: &[(u16, &str)], line: u32) -> Resource {
    Resource {
        kind: "Service".into(),
        api_version: Some("v1".into()),
        name: name.into(),
        namespace: None,
        labels: Default::default(),
        selector: Default::default(),
        ports: ports
            .iter()
            .map(|(port, target)| (*port, (*target).to_owned()))
            .collect(),
        backends: Vec::new(),
        origin: Origin::new("prod/service.yaml".into(), line, 1),
    }
}

/// The container the service's name names (or its first container).
fn main_container(service: &mut Service) -> Option<&mut Container> {
    let name = service.name.clone();
    let position = service
        .containers
        .iter()
        .position(|c| c.name == name)
        .unwrap_or(0);
    service.containers.get_mut(position)
}

/// Sets the main container's image, written on `line` of the service's file.
pub(crate) fn with_image(mut service: Service, raw: &str, line: u32) -> Service {
    let file = service.origin.file.clone();
    if let Some(container) = main_container(&mut service) {
        container.image = Some(parse_image_ref(raw).expect("test image parses"));
        container.image_origin = Some(Origin::new(file, line, 12));
    }
    service
}

/// Adds env vars `(name, value, line)` to the main container.
pub(crate) fn with_env(mut service: Service, vars: &[(&str, EnvValue, u32)]) -> Service {
    let file = service.origin.file.clone();
    if let Some(container) = main_container(&mut service) {
        for (name, value, line) in vars {
            container.env.push(EnvVar {
                name: (*name).into(),
                value: value.clone(),
                origin: Origin::new(file.clone(), *line, 7),
            });
        }
    }
    service
}

/// Adds container ports `(port, protocol, line)` to the main container.
pub(crate) fn with_ports(mut service: Service, ports: &[(u16, Protocol, u32)]) -> Service {
    let file = service.origin.file.clone();
    if let Some(container) = main_container(&mut service) {
        for (number, protocol, line) in ports {
            container.ports.push(Port {
                container: *number,
                published: None,
                host_ip: None,
                protocol: *protocol,
                name: None,
                origin: Origin::new(file.clone(), *line, 9),
            });
        }
    }
    service
}

/// An environment holding `nodes`.
pub(crate) fn environment(nodes: Vec<Node>) -> Environment {
    let mut environment = Environment::new("test");
    for node in nodes {
        environment.graph.add(node);
    }
    // As the loaders do last: rules read the connections parsed from env values.
    parity_model::link_connections(&mut environment.graph);
    environment
}

/// Runs one rule over services under the built-in policy; findings sorted as reports sort them.
pub(crate) fn run_rule(rule: &dyn Rule, local: Vec<Service>, prod: Vec<Service>) -> Vec<Finding> {
    run_rule_with_policy(rule, local, prod, &Policy::builtin())
}

/// Runs one rule over services under `policy`.
pub(crate) fn run_rule_with_policy(
    rule: &dyn Rule,
    local: Vec<Service>,
    prod: Vec<Service>,
    policy: &Policy,
) -> Vec<Finding> {
    let local = environment(local.into_iter().map(Node::from).collect());
    let prod = environment(prod.into_iter().map(Node::from).collect());
    run(rule, &local, &prod, policy)
}

/// Runs one rule over two environments under the built-in policy.
pub(crate) fn run_rule_on(
    rule: &dyn Rule,
    local: &Environment,
    prod: &Environment,
) -> Vec<Finding> {
    run(rule, local, prod, &Policy::builtin())
}

fn run(rule: &dyn Rule, local: &Environment, prod: &Environment, policy: &Policy) -> Vec<Finding> {
    let pairing = pair_services(&local.graph, &prod.graph, policy);
    let cx = CheckContext::new(local, prod, policy, &pairing);
    let mut findings = Vec::new();
    rule.check(&cx, &mut findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}
