//! Name references: after prefixes, suffixes and hash suffixes rename objects, every field that
//! names one of them (envFrom, valueFrom, volumes, imagePullSecrets, serviceAccountName,
//! Ingress backends, ...) is pointed at the new name, as kustomize's name-reference pass does.

use parity_source::yaml::{Node, Value};

use super::Resource;

/// An object that can be referred to: its kind, namespace, current name and every name it had.
struct Referable {
    kind: String,
    namespace: Option<String>,
    name: String,
    names: Vec<String>,
}

pub(crate) fn fix_references(resources: &mut [Resource]) {
    let referables: Vec<Referable> = resources
        .iter()
        .filter(|resource| !resource.previous_names.is_empty())
        .map(|resource| Referable {
            kind: resource.kind().to_owned(),
            namespace: resource.namespace().map(str::to_owned),
            name: resource.name().to_owned(),
            names: resource.previous_names.clone(),
        })
        .collect();
    if referables.is_empty() {
        return;
    }
    for resource in resources.iter_mut() {
        let kind = resource.kind().to_owned();
        let namespace = resource.namespace().map(str::to_owned);
        visit_references(&mut resource.object, &kind, &mut |target_kind, node| {
            let Value::Scalar(scalar) = &mut node.value else {
                return;
            };
            let matches = |candidate: &&Referable| {
                candidate.kind == target_kind
                    && (candidate.name == *scalar.text
                        || candidate.names.iter().any(|name| *name == *scalar.text))
            };
            let same_namespace = referables
                .iter()
                .filter(matches)
                .find(|candidate| candidate.namespace == namespace);
            let found = same_namespace.or_else(|| referables.iter().find(matches));
            if let Some(found) = found {
                scalar.text = found.name.as_str().into();
            }
        });
    }
}

type Visit<'f> = dyn FnMut(&str, &mut Node) + 'f;

fn visit_references(object: &mut Node, kind: &str, visit: &mut Visit<'_>) {
    let pod_spec_path: &[&str] = match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => &[],
    };
    if !pod_spec_path.is_empty()
        && let Some(pod_spec) = super::tree::path_mut(object, pod_spec_path)
    {
        visit_pod_spec(pod_spec, visit);
    }
    match kind {
        "StatefulSet" => at(object, &["spec", "serviceName"], "Service", visit),
        "Ingress" => {
            at(
                object,
                &["spec", "defaultBackend", "service", "name"],
                "Service",
                visit,
            );
            for rule in items(object, &["spec", "rules"]) {
                for path in items(rule, &["http", "paths"]) {
                    at(path, &["backend", "service", "name"], "Service", visit);
                    at(path, &["backend", "serviceName"], "Service", visit);
                }
            }
            for tls in items(object, &["spec", "tls"]) {
                at(tls, &["secretName"], "Secret", visit);
            }
        }
        "HorizontalPodAutoscaler" => {
            let target = object
                .path(&["spec", "scaleTargetRef", "kind"])
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_owned();
            at(object, &["spec", "scaleTargetRef", "name"], &target, visit);
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let role_kind = object
                .path(&["roleRef", "kind"])
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_owned();
            at(object, &["roleRef", "name"], &role_kind, visit);
            for subject in items(object, &["subjects"]) {
                if subject.get("kind").and_then(Node::as_str) == Some("ServiceAccount") {
                    at(subject, &["name"], "ServiceAccount", visit);
                }
            }
        }
        _ => {}
    }
}

fn visit_pod_spec(pod_spec: &mut Node, visit: &mut Visit<'_>) {
    at(pod_spec, &["serviceAccountName"], "ServiceAccount", visit);
    for secret in items(pod_spec, &["imagePullSecrets"]) {
        at(secret, &["name"], "Secret", visit);
    }
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for container in items(pod_spec, &[list]) {
            for source in items(container, &["envFrom"]) {
                at(source, &["configMapRef", "name"], "ConfigMap", visit);
                at(source, &["secretRef", "name"], "Secret", visit);
            }
            for var in items(container, &["env"]) {
                at(
                    var,
                    &["valueFrom", "configMapKeyRef", "name"],
                    "ConfigMap",
                    visit,
                );
                at(var, &["valueFrom", "secretKeyRef", "name"], "Secret", visit);
            }
        }
    }
    for volume in items(pod_spec, &["volumes"]) {
        at(volume, &["configMap", "name"], "ConfigMap", visit);
        at(volume, &["secret", "secretName"], "Secret", visit);
        at(
            volume,
            &["persistentVolumeClaim", "claimName"],
            "PersistentVolumeClaim",
            visit,
        );
        for source in items(volume, &["projected", "sources"]) {
            at(source, &["configMap", "name"], "ConfigMap", visit);
            at(source, &["secret", "name"], "Secret", visit);
        }
    }
}

fn at(node: &mut Node, path: &[&str], kind: &str, visit: &mut Visit<'_>) {
    if let Some(target) = super::tree::path_mut(node, path) {
        visit(kind, target);
    }
}

fn items<'a>(node: &'a mut Node, path: &[&str]) -> &'a mut [Node] {
    match super::tree::path_mut(node, path).map(|child| &mut child.value) {
        Some(Value::Seq(items)) => items,
        _ => &mut [],
    }
}
