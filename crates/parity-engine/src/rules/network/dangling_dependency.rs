//! PAR510 `dangling-dependency`.

use std::collections::HashSet;

use parity_model::Environment;

use crate::prelude::*;
use crate::rules::network::env_connections;

declare_rule! {
    /// ## What it does
    /// Flags a service that depends on a host no service of its own side provides: a compose
    /// `depends_on` entry naming no service, or an env value holding a connection URL
    /// (`postgres://db:5432/shop`, `http://search:9200`) whose host is not a service of that side.
    ///
    /// On the prod side a host is provided by a workload or a Kubernetes Service of that name,
    /// also written as `name.namespace`, `name.namespace.svc` or
    /// `name.namespace.svc.cluster.local`. Hosts with other dots (`db.example.com`, a managed
    /// database endpoint), IP addresses and loopback names are outside the graph and not checked.
    /// Values from the host, from Secrets not in the input or holding placeholders are unknown
    /// and not checked.
    ///
    /// ## Why it matters
    /// These are the edges of the service graph. An edge to nothing is a service that will fail
    /// to connect on start: the database was renamed in prod, the search service was never
    /// deployed, or a local URL was copied into a manifest.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api: { image: "acme/api:1.4", environment: { SEARCH_URL: "http://search:9200" } }
    ///   search: { image: "opensearchproject/opensearch:2" }
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment): nothing named `search` in prod/
    /// env: [{ name: SEARCH_URL, value: "http://search:9200" }]
    /// ```
    ///
    /// ## How to fix
    /// Deploy the missing service, point the URL at the name it has on that side, or, for a
    /// managed service, use its full host name.
    pub DanglingDependency {
        code: "PAR510",
        name: "dangling-dependency",
        family: Network,
        severity: Warning,
        since: "0.2.0",
    }
}

/// What a host name resolves to inside the cluster or compose network: the service name, or
/// `None` when the host is outside the graph (a dotted external name, an IP address, loopback).
fn in_graph_name(host: &str, namespaces: &HashSet<&str>) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    // Only DNS names can name a service: `$(OTEL_HOST)` (Kubernetes' own expansion, done at
    // run time), `*` and `+` (listen-on-everything in `ASPNETCORE_URLS`) are not hosts.
    let dns_name = host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if host.is_empty()
        || !dns_name
        || host.parse::<std::net::IpAddr>().is_ok()
        || matches!(
            host.as_str(),
            "localhost" | "host.docker.internal" | "gateway.docker.internal"
        )
    {
        return None;
    }
    let mut labels = host.split('.');
    let name = labels.next()?.to_owned();
    let rest: Vec<&str> = labels.collect();
    let in_cluster = match rest.as_slice() {
        [] => true,
        [namespace] => namespaces.contains(namespace),
        [_, "svc"] | [_, "svc", "cluster", "local"] => true,
        _ => false,
    };
    in_cluster.then_some(name)
}

/// The names services of one side can reach each other by.
fn provided_names(environment: &Environment) -> HashSet<String> {
    let graph = &environment.graph;
    let services = graph
        .services()
        .map(|(_, service)| service.name.to_ascii_lowercase());
    let kubernetes_services = graph
        .resources()
        .filter(|(_, resource)| resource.kind == "Service")
        .map(|(_, resource)| resource.name.to_ascii_lowercase());
    services.chain(kubernetes_services).collect()
}

fn side_phrase(side: Side) -> &'static str {
    match side {
        Side::Local => "locally",
        Side::Prod => "in prod",
    }
}

impl Rule for DanglingDependency {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for side in [Side::Local, Side::Prod] {
            let environment = cx.environment(side);
            let provided = provided_names(environment);
            let namespaces: HashSet<&str> = environment
                .graph
                .services()
                .filter_map(|(_, service)| service.namespace.as_deref())
                .collect();
            for (_, service) in environment.graph.services() {
                if cx.ignores_service(service) {
                    continue;
                }
                let finding_for = |message: String, key: String, origin| {
                    let mut finding = unpaired_finding(meta, side, service, message);
                    finding.missing_in = None;
                    finding.key = Some(key);
                    finding.locations = vec![location(side, origin)];
                    finding
                };
                for dependency in &service.depends_on {
                    if !provided.contains(&dependency.to_ascii_lowercase()) {
                        let message = format!(
                            "`{}` depends on `{dependency}` but there is no service `{dependency}` {}",
                            service.name,
                            side_phrase(side)
                        );
                        out.push(finding_for(message, dependency.clone(), &service.origin));
                    }
                }
                let mut reported = HashSet::new();
                for container in service
                    .app_containers()
                    .chain(service.containers.iter().filter(|container| container.init))
                {
                    for (var, connection) in env_connections(container) {
                        // Only known values: a partly known URL's host is read at deploy time.
                        if var.value.known().is_none() {
                            continue;
                        }
                        let Some(url) = connection.and_then(parity_model::Connection::url) else {
                            continue;
                        };
                        for url_host in url.hosts() {
                            let Some(name) = in_graph_name(url_host.host, &namespaces) else {
                                continue;
                            };
                            if provided.contains(&name)
                                || !reported.insert((&var.name, name.clone()))
                            {
                                continue;
                            }
                            // Only scheme, host and port are shown: the rest of a URL may hold a
                            // password or a token.
                            let port = url_host
                                .port
                                .map(|port| format!(":{port}"))
                                .unwrap_or_default();
                            let message = format!(
                                "`{}` connects to `{name}` (env `{}`: {}://{}{port}) but there is no service `{name}` {}",
                                service.name,
                                var.name,
                                url.scheme(),
                                url_host.host,
                                side_phrase(side)
                            );
                            out.push(finding_for(message, var.name.to_string(), &var.origin));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, k8s_workload, run_rule, with_env};
    use parity_model::{EnvValue, SensitiveText};

    fn url(value: &str) -> EnvValue {
        EnvValue::Literal(SensitiveText::plain(value))
    }

    #[test]
    fn reports_urls_and_depends_on_pointing_at_nothing_on_that_side() {
        let mut api = with_env(
            compose_service("api", 3),
            &[
                (
                    "DATABASE_URL",
                    EnvValue::Literal(SensitiveText::secret("postgres://app:hunter2@db:5432/shop")),
                    5,
                ),
                ("SEARCH_URL", url("http://search:9200"), 6),
                ("PAYMENTS_URL", url("https://api.stripe.com/v1"), 7),
                ("LOCAL", url("http://localhost:3000"), 8),
            ],
        );
        api.depends_on = vec!["db".into(), "queue".into()];
        let local = vec![api, compose_service("db", 20)];
        let prod_api = with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                (
                    "DATABASE_URL",
                    url("postgres://db.shop.svc.cluster.local:5432/shop"),
                    30,
                ),
                ("SEARCH_URL", url("http://search:9200"), 31),
            ],
        );
        let prod = vec![prod_api, k8s_workload("search", "Deployment", 1)];
        let findings = run_rule(&DanglingDependency, local, prod);
        let seen: Vec<(&str, Side, u32)> = findings
            .iter()
            .map(|f| {
                (
                    f.message.as_str(),
                    f.locations[0].side,
                    f.locations[0].origin.line,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "`api` connects to `db` (env `DATABASE_URL`: postgres://db.shop.svc.cluster.local:5432) but there is no service `db` in prod",
                    Side::Prod,
                    30
                ),
                (
                    "`api` connects to `search` (env `SEARCH_URL`: http://search:9200) but there is no service `search` locally",
                    Side::Local,
                    6
                ),
                (
                    "`api` depends on `queue` but there is no service `queue` locally",
                    Side::Local,
                    3
                ),
            ]
        );
        assert!(!format!("{findings:?}").contains("hunter2"));
    }

    #[test]
    fn hosts_outside_the_graph_are_not_checked() {
        let namespaces: HashSet<&str> = ["shop"].into_iter().collect();
        assert_eq!(in_graph_name("db", &namespaces).as_deref(), Some("db"));
        assert_eq!(in_graph_name("DB.shop", &namespaces).as_deref(), Some("db"));
        assert_eq!(
            in_graph_name("db.other.svc", &namespaces).as_deref(),
            Some("db")
        );
        assert_eq!(in_graph_name("db.example.com", &namespaces), None);
        assert_eq!(in_graph_name("db.internal", &namespaces), None);
        assert_eq!(in_graph_name("10.0.0.5", &namespaces), None);
        assert_eq!(in_graph_name("::1", &namespaces), None);
        assert_eq!(in_graph_name("localhost", &namespaces), None);
        assert_eq!(in_graph_name("$(otel_collector_name)", &namespaces), None);
        assert_eq!(in_graph_name("*", &namespaces), None);
        assert_eq!(in_graph_name("0.0.0.0", &namespaces), None);
    }
}
