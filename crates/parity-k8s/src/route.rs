//! Where Ingresses and Gateway API routes send traffic: the Services (and ports) they name.

use parity_model::{Backend, Resource};
use parity_source::yaml::{Node, Value};

use crate::read::Cx;

/// Kinds whose backends are read: Ingress and the Gateway API routes.
pub(crate) fn has_backends(kind: &str) -> bool {
    matches!(
        kind,
        "Ingress" | "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute"
    )
}

/// Fills `resource.backends` from an Ingress (`spec.defaultBackend`, `spec.rules[].http.paths[]`,
/// in both the `networking.k8s.io/v1` and the older `serviceName`/`servicePort` shape) or a
/// Gateway API route (`spec.rules[].backendRefs[]`).
pub(crate) fn read_backends(cx: &mut Cx<'_>, root: &Node, resource: &mut Resource) {
    let spec = root.get("spec");
    let mut backends = Vec::new();
    if resource.kind == "Ingress" {
        for key in ["defaultBackend", "backend"] {
            if let Some(backend) = spec.and_then(|s| s.get(key)) {
                backends.extend(ingress_backend(cx, backend));
            }
        }
        for rule in cx.seq(spec.and_then(|s| s.get("rules")), "spec.rules") {
            let paths = rule.get("http").and_then(|http| http.get("paths"));
            for path in cx.seq(paths, "spec.rules[].http.paths") {
                if let Some(backend) = path.get("backend") {
                    backends.extend(ingress_backend(cx, backend));
                }
            }
        }
    } else {
        for rule in cx.seq(spec.and_then(|s| s.get("rules")), "spec.rules") {
            for reference in cx.seq(rule.get("backendRefs"), "spec.rules[].backendRefs") {
                // Only core Services: a backendRef may name another kind (a ServiceImport).
                let kind = reference.get("kind").and_then(Node::as_str);
                if kind.is_some_and(|kind| kind != "Service") {
                    continue;
                }
                if let Some(name) = reference.get("name").and_then(Node::as_str) {
                    backends.push(Backend {
                        service: name.to_owned(),
                        port: reference.get("port").and_then(scalar_text),
                        origin: cx.at(reference),
                    });
                }
            }
        }
    }
    resource.backends = backends;
}

fn ingress_backend(cx: &mut Cx<'_>, backend: &Node) -> Option<Backend> {
    // networking.k8s.io/v1: `service: {name, port: {number | name}}`.
    if let Some(service) = backend.get("service") {
        let name = service.get("name").and_then(Node::as_str)?;
        let port = service.get("port").and_then(|port| {
            port.get("number")
                .or_else(|| port.get("name"))
                .and_then(scalar_text)
        });
        return Some(Backend {
            service: name.to_owned(),
            port,
            origin: cx.at(backend),
        });
    }
    // extensions/v1beta1 and networking.k8s.io/v1beta1: `serviceName`, `servicePort`.
    let name = backend.get("serviceName").and_then(Node::as_str)?;
    Some(Backend {
        service: name.to_owned(),
        port: backend.get("servicePort").and_then(scalar_text),
        origin: cx.at(backend),
    })
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Scalar(scalar) if !scalar.text.is_empty() => Some(String::from(&*scalar.text)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use parity_model::{Edge, Environment, Node};

    const MANIFESTS: &str = "\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  defaultBackend:
    service: {name: web, port: {number: 80}}
  rules:
    - http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service: {name: api, port: {name: http}}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec:
  backend: {serviceName: web, servicePort: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web-route}
spec:
  rules:
    - backendRefs:
        - {name: web, port: 80}
        - {name: other-gateway, kind: ServiceImport}
";

    #[test]
    fn ingress_and_route_backends_are_read_and_linked_to_their_services() {
        let mut env = Environment::new("prod");
        let parsed = crate::parse_file("prod/web.yaml".into(), MANIFESTS);
        crate::build(vec![parsed], &mut env);
        let graph = &env.graph;
        let mut found = Vec::new();
        for (index, node) in graph.nodes() {
            let Node::Resource(resource) = node else {
                continue;
            };
            for backend in &resource.backends {
                found.push(format!(
                    "{} -> {}:{} @{}",
                    resource.name,
                    backend.service,
                    backend.port.as_deref().unwrap_or("-"),
                    backend.origin.line
                ));
            }
            let routed: Vec<String> = graph
                .edges_from(index)
                .filter(|(edge, _)| *edge == Edge::Routes)
                .filter_map(|(_, target)| match graph.node(target) {
                    Some(Node::Resource(service)) => Some(service.name.clone()),
                    _ => None,
                })
                .collect();
            if !routed.is_empty() {
                found.push(format!("{} routes to {}", resource.name, routed.join(", ")));
            }
        }
        assert_eq!(
            found,
            [
                "shop -> web:80 @13",
                "shop -> api:http @20",
                "shop routes to web",
                "legacy -> web:80 @26",
                "legacy routes to web",
                "web-route -> web:80 @34",
                "web-route routes to web",
            ]
        );
    }
}
