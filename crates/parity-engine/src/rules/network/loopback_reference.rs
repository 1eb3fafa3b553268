//! PAR590 `loopback-reference`.

use std::collections::BTreeSet;

use parity_model::{
    ConnectionUrl, Container, EnvValue, EnvVar, PartialText, Service, is_loopback_host,
    parse_host_port,
};

use crate::prelude::*;
use crate::rules::backing::engines::value_origin;
use crate::rules::network::env_connections;

declare_rule! {
    /// ## What it does
    /// Flags a prod env value (set in the workload or read from a ConfigMap) that points at a
    /// loopback or host-only address: `localhost`, `127.0.0.0/8`, `::1`,
    /// `host.docker.internal`, ... . Inside a pod that address is the pod itself, so the value
    /// only works when another container of the same pod (a sidecar such as pgbouncer,
    /// cloud-sql-proxy or envoy) listens on that port; then it does not fire. A container
    /// calling its own port does not fire either.
    ///
    /// Locally, a compose service whose value points at `localhost:<port>` where the port is
    /// another compose service's is a warning: inside a container, `localhost` is that container,
    /// so it only works when the code runs on the host, outside compose.
    ///
    /// Values read are connection URLs (`postgres://localhost:5432/app`) and bare hosts under
    /// keys that name one (`DB_HOST=127.0.0.1`, `REDIS_ADDR=localhost:6379`). Listen addresses
    /// (`HOST`, `BIND_ADDRESS`, `LISTEN_ADDR`, `0.0.0.0`) are not references and never count.
    ///
    /// ## Why it matters
    /// The value was copied from a laptop setup where everything ran on one machine. In the pod
    /// the connection is refused; the service crash-loops or, worse, silently falls back.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api:
    ///     environment:
    ///       REDIS_URL: redis://cache:6379
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment, no sidecar on 6379)
    /// env:
    ///   - name: REDIS_URL
    ///     value: redis://localhost:6379
    /// ```
    ///
    /// ## How to fix
    /// Use the Kubernetes Service name of the dependency (`redis://cache:6379`) or a managed
    /// endpoint; when the pod really runs a proxy sidecar, declare its `containerPort` so the
    /// intent is visible.
    pub LoopbackReference {
        code: "PAR590",
        name: "loopback-reference",
        family: Network,
        severity: Error,
        since: "0.1.0",
    }
}

/// A loopback address an env var names, and its port when known.
struct Reference {
    host: String,
    port: Option<u16>,
}

/// Key endings that say the value is a host or an address to connect to.
const HOST_KEY_ENDINGS: &[&str] = &[
    "HOST", "HOSTNAME", "ADDR", "ADDRESS", "SERVER", "ENDPOINT", "URL", "URI", "DSN",
];

/// Whether the key is a listen/bind setting rather than a reference to somewhere else.
fn is_listen_key(key: &str) -> bool {
    // Compared in place: this runs on every env var of every service, and an upper-cased copy
    // of each key was measurable at 10,000 services.
    let contains = |word: &str| {
        key.as_bytes()
            .windows(word.len())
            .any(|window| window.eq_ignore_ascii_case(word.as_bytes()))
    };
    ["HOST", "HOSTNAME", "ADDR", "ADDRESS"]
        .iter()
        .any(|name| key.eq_ignore_ascii_case(name))
        || contains("LISTEN")
        || contains("BIND")
        || contains("NO_PROXY")
        || contains("ALLOWED")
        || contains("ORIGIN")
        || contains("TRUSTED")
}

/// The loopback address `var` refers to, if it does. `url` is the connection URL read from the
/// value at load time ([`parity_model::Connection::url`]), `siblings` are the container's other vars, for a
/// `DB_HOST` whose port is in `DB_PORT`.
fn loopback_reference(
    key: &str,
    value: &str,
    url: Option<&ConnectionUrl>,
    siblings: &[EnvVar],
) -> Option<Reference> {
    if is_listen_key(key) {
        return None;
    }
    if let Some(url) = url {
        let host = url.host();
        if !is_loopback_host(host.host) || is_unspecified(host.host) {
            return None;
        }
        return Some(Reference {
            host: host.host.to_owned(),
            port: url.effective_port(),
        });
    }
    let upper = key.to_ascii_uppercase();
    let ending = HOST_KEY_ENDINGS.iter().find(|ending| {
        upper
            .strip_suffix(**ending)
            .is_some_and(|prefix| prefix.is_empty() || prefix.ends_with('_'))
    })?;
    let (host, port) = parse_host_port(value)?;
    if !is_loopback_host(&host) || is_unspecified(&host) {
        return None;
    }
    let port = port.or_else(|| {
        let prefix = upper.strip_suffix(ending)?;
        let port_key = format!("{prefix}PORT");
        siblings
            .iter()
            .rev()
            .find(|var| var.name.eq_ignore_ascii_case(&port_key))
            .and_then(|var| var.value.known())
            .and_then(|text| text.expose().trim().parse().ok())
    });
    Some(Reference { host, port })
}

/// The loopback address a URL only partly known before deploy names
/// (`http://localhost:${var.port}/`). A host known only at deploy time
/// (`${aws_db_instance.main.address}`) is never loopback; a port known only then is unknown,
/// not the scheme's default. `url` is what was read of it at load time ([`parity_model::Connection::url`]).
fn partial_loopback_reference(
    key: &str,
    text: &PartialText,
    url: Option<&ConnectionUrl>,
) -> Option<Reference> {
    if is_listen_key(key) {
        return None;
    }
    let url = url?;
    let host = url.host();
    if !is_loopback_host(host.host) || is_unspecified(host.host) {
        return None;
    }
    let port_unknown = host.port.is_none() && text.expose_template().contains(":${");
    Some(Reference {
        host: host.host.to_owned(),
        port: if port_unknown {
            None
        } else {
            url.effective_port()
        },
    })
}

/// `0.0.0.0` and `::` mean "every interface": a listen address, never a destination.
fn is_unspecified(host: &str) -> bool {
    matches!(host, "0.0.0.0" | "::")
}

/// Whether any container of the pod declares the port.
fn pod_listens_on(service: &Service, port: u16) -> bool {
    service
        .containers
        .iter()
        .flat_map(|container| &container.ports)
        .any(|declared| declared.container == port)
}

fn describe(reference: &Reference) -> String {
    match reference.port {
        Some(port) => format!("{}:{port}", reference.host),
        None => reference.host.clone(),
    }
}

impl LoopbackReference {
    fn check_prod(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let prod = cx.environment(Side::Prod);
        // One lookup per prod service with a finding: a map built once, when the first is found,
        // not a scan of every pair each time.
        let pairs = std::cell::OnceCell::new();
        for (_, service) in prod.graph.services() {
            if cx.ignores_service(service) {
                continue;
            }
            let mut reported = BTreeSet::new();
            for container in &service.containers {
                for (var, connection) in env_connections(container) {
                    let url = connection.and_then(parity_model::Connection::url);
                    let reference = match &var.value {
                        EnvValue::Partial(text) => partial_loopback_reference(&var.name, text, url),
                        other => other.known().and_then(|value| {
                            loopback_reference(&var.name, value.expose(), url, &container.env)
                        }),
                    };
                    // The policy is asked only about the few vars that point at loopback.
                    let Some(reference) = reference else {
                        continue;
                    };
                    if cx.policy().ignores_env(&var.name) {
                        continue;
                    }
                    // Something in the pod listens there: a sidecar proxy, or the container itself.
                    let served = match reference.port {
                        Some(port) => pod_listens_on(service, port),
                        None => service.containers.len() > 1,
                    };
                    if served || !reported.insert(var.name.clone()) {
                        continue;
                    }
                    let pair = pairs
                        .get_or_init(|| {
                            cx.pairs()
                                .map(|pair| (std::ptr::from_ref(pair.prod), pair))
                                .collect::<std::collections::HashMap<*const Service, PairRef<'_>>>()
                        })
                        .get(&std::ptr::from_ref(service))
                        .copied();
                    let address = describe(&reference);
                    let name = pair
                        .as_ref()
                        .map_or_else(|| service.name.clone(), PairRef::display_name);
                    let message = format!(
                        "`{name}` points `{}` at {address} in prod, which inside the pod is the pod itself, and no container of the pod listens on that port",
                        var.name
                    );
                    let mut finding = match &pair {
                        Some(pair) => pair.finding(meta, message),
                        None => {
                            let mut finding = unpaired_finding(meta, Side::Prod, service, message);
                            finding.missing_in = None;
                            finding.locations.clear();
                            finding
                        }
                    };
                    finding.key = Some(var.name.to_string());
                    finding.prod = Some(address);
                    let local_var = pair
                        .as_ref()
                        .and_then(|pair| pair.local.primary_container())
                        .and_then(|local| local.env_var(&var.name));
                    finding.locations.clear();
                    if let Some(local_var) = local_var {
                        finding.local = local_var.value.shown().map(str::to_owned);
                        finding.locations.push(location(
                            Side::Local,
                            value_origin(cx.environment(Side::Local), local_var),
                        ));
                    }
                    finding
                        .locations
                        .push(location(Side::Prod, value_origin(prod, var)));
                    out.push(finding);
                }
            }
        }
    }

    fn check_local(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let local = cx.environment(Side::Local);
        let services: Vec<&Service> = local.graph.services().map(|(_, s)| s).collect();
        for service in &services {
            if cx.ignores_service(service) {
                continue;
            }
            let Some(container): Option<&Container> = service.primary_container() else {
                continue;
            };
            for (var, connection) in env_connections(container) {
                let Some(value) = var.value.known() else {
                    continue;
                };
                let url = connection.and_then(parity_model::Connection::url);
                let Some(reference) =
                    loopback_reference(&var.name, value.expose(), url, &container.env)
                else {
                    continue;
                };
                let Some(port) = reference.port else {
                    continue;
                };
                // The policy is asked only about the few vars that point at loopback.
                if cx.policy().ignores_env(&var.name) || pod_listens_on(service, port) {
                    continue;
                }
                // Another compose service listening on (or published at) that port.
                let Some(target) = services.iter().find(|other| {
                    other.name != service.name
                        && other
                            .containers
                            .iter()
                            .flat_map(|c| &c.ports)
                            .any(|p| p.container == port || p.published == Some(port))
                }) else {
                    continue;
                };
                let address = describe(&reference);
                let message = format!(
                    "`{}` points `{}` at {address}, but inside its container localhost is the container itself, not `{}`",
                    service.name, var.name, target.name
                );
                let pair = cx.pairs().find(|pair| std::ptr::eq(pair.local, *service));
                let mut finding = match &pair {
                    Some(pair) => pair.finding(meta, message),
                    None => {
                        let mut finding = unpaired_finding(meta, Side::Local, service, message);
                        finding.missing_in = None;
                        finding
                    }
                };
                finding.severity = Severity::Warning;
                finding.key = Some(var.name.to_string());
                finding.local = Some(address);
                finding.locations = vec![location(Side::Local, value_origin(local, var))];
                if let Some(prod_var) = pair
                    .as_ref()
                    .and_then(|pair| pair.containers())
                    .and_then(|(_, prod)| prod.env_var(&var.name))
                {
                    finding.prod = prod_var.value.shown().map(str::to_owned);
                    finding.locations.push(location(
                        Side::Prod,
                        value_origin(cx.environment(Side::Prod), prod_var),
                    ));
                }
                out.push(finding);
            }
        }
    }
}

impl Rule for LoopbackReference {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        self.check_prod(cx, out);
        self.check_local(cx, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        compose_service, k8s_workload, partly_known, run_rule, with_env, with_ports,
    };
    use parity_model::{EnvValue, Origin, Protocol, SensitiveText};

    fn literal(text: &str) -> EnvValue {
        EnvValue::Literal(SensitiveText::plain(text))
    }

    #[test]
    fn references_are_read_from_urls_and_host_keys() {
        let port_var = EnvVar {
            name: "DB_PORT".into(),
            value: literal("6432"),
            origin: Origin::new("f".into(), 1, 1),
        };
        let siblings = vec![port_var];
        let cases = [
            (
                "REDIS_URL",
                "redis://localhost:6379/0",
                Some(("localhost", Some(6379))),
            ),
            (
                "DATABASE_URL",
                "postgres://u:p@127.0.0.1/app",
                Some(("127.0.0.1", Some(5432))),
            ),
            ("DB_HOST", "localhost", Some(("localhost", Some(6432)))),
            (
                "API_ENDPOINT",
                "host.docker.internal:8080",
                Some(("host.docker.internal", Some(8080))),
            ),
            ("HOST", "127.0.0.1", None),
            ("BIND_ADDRESS", "127.0.0.1:8080", None),
            ("LISTEN_URL", "http://0.0.0.0:8080", None),
            ("CACHE_URL", "redis://cache:6379", None),
            ("NO_PROXY", "localhost,127.0.0.1", None),
            ("LOG_LEVEL", "localhost", None),
        ];
        for (key, value, expected) in cases {
            let got = reference(key, value, &siblings);
            assert_eq!(
                got.as_ref().map(|r| (r.host.as_str(), r.port)),
                expected,
                "{key}={value}"
            );
        }
    }

    /// [`loopback_reference`] with the URL parsed as loaders parse it.
    fn reference(key: &str, value: &str, siblings: &[EnvVar]) -> Option<Reference> {
        let url = parity_model::parse_connection_url(value);
        loopback_reference(key, value, url.as_ref(), siblings)
    }

    /// [`partial_loopback_reference`] with what loaders read of the URL.
    fn partial_reference(key: &str, text: &PartialText) -> Option<Reference> {
        let url = parity_model::parse_partial_connection_url(text);
        partial_loopback_reference(key, text, url.as_ref())
    }

    #[test]
    fn prod_loopback_fires_unless_a_sidecar_listens() {
        let mut proxied = with_env(
            k8s_workload("worker", "Deployment", 1),
            &[("DATABASE_URL", literal("postgres://localhost:5432/app"), 30)],
        );
        let mut sidecar = parity_model::Container::new("cloud-sql-proxy");
        sidecar.ports.push(parity_model::Port {
            container: 5432,
            published: None,
            host_ip: None,
            protocol: Protocol::Tcp,
            name: None,
            origin: Origin::new("prod/worker.yaml".into(), 40, 9),
        });
        proxied.containers.push(sidecar);
        let local = vec![
            with_env(
                compose_service("api", 3),
                &[("REDIS_URL", literal("redis://cache:6379"), 8)],
            ),
            compose_service("worker", 20),
        ];
        let prod = vec![
            with_env(
                k8s_workload("api", "Deployment", 1),
                &[("REDIS_URL", literal("redis://localhost:6379"), 30)],
            ),
            proxied,
        ];
        let findings = run_rule(&LoopbackReference, local, prod);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            finding.message,
            "`api` points `REDIS_URL` at localhost:6379 in prod, which inside the pod is the pod itself, and no container of the pod listens on that port"
        );
        let lines: Vec<(Side, u32)> = finding
            .locations
            .iter()
            .map(|l| (l.side, l.origin.line))
            .collect();
        assert_eq!(lines, [(Side::Local, 8), (Side::Prod, 30)]);
    }

    #[test]
    fn local_localhost_to_another_service_is_a_warning() {
        let local = vec![
            with_env(
                compose_service("api", 3),
                &[
                    ("DATABASE_URL", literal("postgres://localhost:5432/app"), 8),
                    ("SELF_URL", literal("http://localhost:8000"), 9),
                ],
            ),
            with_ports(compose_service("api-port", 1), &[]),
            with_ports(compose_service("db", 20), &[(5432, Protocol::Tcp, 22)]),
        ];
        let local = {
            let mut local = local;
            local[0] = with_ports(local[0].clone(), &[(8000, Protocol::Tcp, 5)]);
            local
        };
        let findings = run_rule(&LoopbackReference, local, Vec::new());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].key.as_deref(), Some("DATABASE_URL"));
        assert_eq!(
            findings[0].message,
            "`api` points `DATABASE_URL` at localhost:5432, but inside its container localhost is the container itself, not `db`"
        );
    }

    #[test]
    fn partly_known_urls_are_loopback_only_when_their_written_host_is() {
        let local = partial_reference(
            "METRICS_URL",
            &partly_known("METRICS_URL", "http://localhost:${var.metrics_port}"),
        )
        .unwrap();
        assert_eq!((local.host.as_str(), local.port), ("localhost", None));
        let local = partial_reference(
            "API_URL",
            &partly_known("API_URL", "http://127.0.0.1:9000/${var.path}"),
        )
        .unwrap();
        assert_eq!((local.host.as_str(), local.port), ("127.0.0.1", Some(9000)));
        assert!(
            partial_reference(
                "DATABASE_URL",
                &partly_known(
                    "DATABASE_URL",
                    "postgres://${aws_db_instance.main.address}:5432/shop"
                ),
            )
            .is_none()
        );
    }
}
