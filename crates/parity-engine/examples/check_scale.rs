//! Times pairing and every rule on synthetic sides of N services (default 10,000 per side).
//!
//! `cargo run --release -p parity-engine --example check_scale -- 10000`
//!
//! Half the prod names carry an environment affix (`-prod`), a tenth are renamed and found only
//! by label, every service has 20 env vars and a port, and a fifth differ in image tag, so every
//! pairing step and every rule has work to do.

#![allow(clippy::print_stdout)]

use std::time::Instant;

use parity_engine::{Policy, check};
use parity_model::{
    Container, EnvValue, EnvVar, Environment, Node, Origin, Port, Protocol, SensitiveText, Service,
    ServiceKind, parse_image_ref,
};

fn service(
    name: &str,
    image: &str,
    kind: ServiceKind,
    file: &str,
    line: u32,
    port: u16,
) -> Service {
    let origin = Origin::new(file.into(), line, 3);
    let mut service = Service::new(name, kind, origin.clone());
    let mut container = Container::new(name);
    container.image = parse_image_ref(image).ok();
    container.image_origin = Some(origin.clone());
    for var in 0..20 {
        container.env.push(EnvVar {
            name: format!("SETTING_{var}").into(),
            value: EnvValue::Literal(SensitiveText::plain("x")),
            origin: origin.clone(),
        });
    }
    container.ports.push(Port {
        container: port,
        published: None,
        host_ip: None,
        protocol: Protocol::Tcp,
        name: None,
        origin,
    });
    service.containers.push(container);
    service
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(10_000);
    let mut local = Environment::new("local");
    let mut prod = Environment::new("prod");
    for i in 0..n {
        let name = format!("svc-{i:05}");
        let image = format!("ghcr.io/acme/{name}:1.0");
        let compose = ServiceKind::ComposeService;
        local.graph.add(Node::from(service(
            &name,
            &image,
            compose,
            "local/compose.yaml",
            i as u32 + 1,
            8080,
        )));
        let (prod_name, label) = match i % 10 {
            0 => (format!("renamed-{i:05}"), true),
            1 | 3 | 5 | 7 => (format!("{name}-prod"), false),
            _ => (name.clone(), false),
        };
        let tag = if i % 5 == 0 { "0.9" } else { "1.0" };
        let image = format!("ghcr.io/acme/{name}:{tag}");
        let port = if i % 7 == 0 { 9090 } else { 8080 };
        let kind = ServiceKind::Kubernetes("Deployment".into());
        let mut workload = service(
            &prod_name,
            &image,
            kind,
            "prod/all.yaml",
            i as u32 * 30 + 1,
            port,
        );
        if label {
            workload
                .labels
                .insert("app.kubernetes.io/name".into(), name.clone());
        }
        prod.graph.add(Node::from(workload));
    }
    let policy = Policy::builtin();
    let start = Instant::now();
    let pairing = parity_engine::pairing::pair_services(&local.graph, &prod.graph, &policy);
    let pairing_time = start.elapsed();
    let start = Instant::now();
    let report = check(&local, &prod, &policy);
    let elapsed = start.elapsed();
    let summary = report.summary();
    println!(
        "{n} services per side: {} pairs, {} findings ({} errors, {} warnings, {} notes); check {:.1} ms (pairing alone {:.1} ms)",
        report.pairs.len(),
        report.findings.len(),
        summary.error,
        summary.warning,
        summary.note,
        elapsed.as_secs_f64() * 1000.0,
        pairing_time.as_secs_f64() * 1000.0,
    );
    debug_assert_eq!(pairing.pairs.len(), report.pairs.len());
}
