//! The built-in transformers a kustomization configures: namespace, name prefix and suffix,
//! labels, annotations, replicas and images. Each writes only the fields kustomize writes for
//! that kind (its default "field specs"), and every field it writes points at the line of the
//! kustomization that asked for it.

use parity_source::yaml::{Node, Value};

use super::Resource;
use super::tree::{self, Pos};

/// Kinds that live outside namespaces: the namespace transformer leaves them alone.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// Sets `metadata.namespace` on every namespaced object. A `Namespace` object is renamed to
/// the namespace instead, as kustomize does, so the overlay's namespace is the one created.
pub(crate) fn set_namespace(resources: &mut [Resource], namespace: &str, at: Pos) {
    for resource in resources.iter_mut() {
        let kind = resource.kind().to_owned();
        if kind == "Namespace" {
            resource.rename(namespace.to_owned());
            continue;
        }
        if CLUSTER_SCOPED.contains(&kind.as_str()) {
            continue;
        }
        if let Some(metadata) = tree::map_at(&mut resource.object, &["metadata"], true, at) {
            tree::set(metadata, "namespace", tree::string(namespace, at));
        }
    }
    // A binding's ServiceAccount subjects without a namespace (or in `default`) are the
    // accounts of this build, which just moved.
    for resource in resources.iter_mut() {
        if !matches!(resource.kind(), "RoleBinding" | "ClusterRoleBinding") {
            continue;
        }
        for subject in tree::seq_mut(&mut resource.object, "subjects") {
            let is_account = tree::text(subject.get("kind")) == Some("ServiceAccount");
            let moves = tree::text(subject.get("namespace")).is_none_or(|ns| ns == "default");
            if is_account && moves {
                tree::set(subject, "namespace", tree::string(namespace, at));
            }
        }
    }
}

/// `namePrefix` and `nameSuffix`: every object's name except Namespaces and CRDs (whose names
/// are fixed by what they define).
pub(crate) fn add_affixes(resources: &mut [Resource], prefix: &str, suffix: &str) {
    for resource in resources {
        if matches!(resource.kind(), "Namespace" | "CustomResourceDefinition") {
            continue;
        }
        let name = format!("{prefix}{}{suffix}", resource.name());
        resource.rename(name);
    }
}

/// A place labels or annotations are written: the kinds (empty: every kind), the path (`[]`
/// steps into every item of a list), and whether a missing mapping is created.
struct FieldSpec {
    kinds: &'static [&'static str],
    path: &'static [&'static str],
    create: bool,
}

const POD_TEMPLATE_KINDS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "ReplicationController",
];

const METADATA_LABELS: &[FieldSpec] = &[FieldSpec {
    kinds: &[],
    path: &["metadata", "labels"],
    create: true,
}];

const TEMPLATE_LABELS: &[FieldSpec] = &[
    FieldSpec {
        kinds: POD_TEMPLATE_KINDS,
        path: &["spec", "template", "metadata", "labels"],
        create: true,
    },
    FieldSpec {
        kinds: &["CronJob"],
        path: &["spec", "jobTemplate", "metadata", "labels"],
        create: true,
    },
    FieldSpec {
        kinds: &["CronJob"],
        path: &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ],
        create: true,
    },
    FieldSpec {
        kinds: &["StatefulSet"],
        path: &["spec", "volumeClaimTemplates", "[]", "metadata", "labels"],
        create: true,
    },
];

const SELECTOR_LABELS: &[FieldSpec] = &[
    FieldSpec {
        kinds: &["Service", "ReplicationController"],
        path: &["spec", "selector"],
        create: true,
    },
    FieldSpec {
        kinds: &["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"],
        path: &["spec", "selector", "matchLabels"],
        create: true,
    },
    FieldSpec {
        kinds: &["Job", "PodDisruptionBudget"],
        path: &["spec", "selector", "matchLabels"],
        create: false,
    },
    FieldSpec {
        kinds: &["CronJob"],
        path: &["spec", "jobTemplate", "spec", "selector", "matchLabels"],
        create: false,
    },
    FieldSpec {
        kinds: &["NetworkPolicy"],
        path: &["spec", "podSelector", "matchLabels"],
        create: false,
    },
    FieldSpec {
        kinds: &["NetworkPolicy"],
        path: &[
            "spec",
            "ingress",
            "[]",
            "from",
            "[]",
            "podSelector",
            "matchLabels",
        ],
        create: false,
    },
    FieldSpec {
        kinds: &["NetworkPolicy"],
        path: &[
            "spec",
            "egress",
            "[]",
            "to",
            "[]",
            "podSelector",
            "matchLabels",
        ],
        create: false,
    },
];

const ANNOTATIONS: &[FieldSpec] = &[
    FieldSpec {
        kinds: &[],
        path: &["metadata", "annotations"],
        create: true,
    },
    FieldSpec {
        kinds: POD_TEMPLATE_KINDS,
        path: &["spec", "template", "metadata", "annotations"],
        create: true,
    },
    FieldSpec {
        kinds: &["CronJob"],
        path: &["spec", "jobTemplate", "metadata", "annotations"],
        create: true,
    },
    FieldSpec {
        kinds: &["CronJob"],
        path: &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "annotations",
        ],
        create: true,
    },
];

/// Which of an object's label fields a label set reaches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LabelReach {
    pub(crate) templates: bool,
    pub(crate) selectors: bool,
}

/// `commonLabels` (reach everything) and `labels` entries (metadata, plus templates and
/// selectors when asked).
pub(crate) fn add_labels(
    resources: &mut [Resource],
    pairs: &[(String, String)],
    reach: LabelReach,
    at: Pos,
) {
    let mut specs: Vec<&FieldSpec> = METADATA_LABELS.iter().collect();
    // Selectors imply templates: a selector that the pods' labels do not match selects nothing.
    if reach.templates || reach.selectors {
        specs.extend(TEMPLATE_LABELS);
    }
    if reach.selectors {
        specs.extend(SELECTOR_LABELS);
    }
    apply_specs(resources, &specs, pairs, at);
}

pub(crate) fn add_annotations(resources: &mut [Resource], pairs: &[(String, String)], at: Pos) {
    let specs: Vec<&FieldSpec> = ANNOTATIONS.iter().collect();
    apply_specs(resources, &specs, pairs, at);
}

fn apply_specs(
    resources: &mut [Resource],
    specs: &[&FieldSpec],
    pairs: &[(String, String)],
    at: Pos,
) {
    for resource in resources {
        let kind = resource.kind().to_owned();
        for spec in specs {
            if spec.kinds.is_empty() || spec.kinds.contains(&kind.as_str()) {
                write_at(&mut resource.object, spec.path, spec.create, pairs, at);
            }
        }
    }
}

fn write_at(node: &mut Node, path: &[&str], create: bool, pairs: &[(String, String)], at: Pos) {
    match path.iter().position(|step| *step == "[]") {
        None => tree::merge_strings(node, path, pairs, create, at),
        Some(split) => {
            let (before, after) = path.split_at(split);
            let rest = after.get(1..).unwrap_or(&[]);
            let Some((list_key, parents)) = before.split_last() else {
                return;
            };
            let parent = if parents.is_empty() {
                Some(node)
            } else {
                tree::path_mut(node, parents)
            };
            if let Some(parent) = parent {
                for item in tree::seq_mut(parent, list_key) {
                    write_at(item, rest, create, pairs, at);
                }
            }
        }
    }
}

/// `replicas:` entries: the count of the named Deployment, ReplicaSet, StatefulSet or
/// ReplicationController.
pub(crate) fn set_replicas(resources: &mut [Resource], name: &str, count: &Node) -> usize {
    let mut changed = 0;
    for resource in resources {
        let scalable = matches!(
            resource.kind(),
            "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController"
        );
        if scalable && resource.answers_to(name) {
            let at = Pos::of(count);
            if let Some(spec) = tree::map_at(&mut resource.object, &["spec"], true, at) {
                let mut value = count.clone();
                if let Value::Scalar(scalar) = &mut value.value {
                    scalar.quoted = false;
                }
                tree::set_moved(spec, "replicas", value);
            }
            changed += 1;
        }
    }
    changed
}

/// One `images:` entry.
pub(crate) struct ImageChange<'a> {
    pub(crate) name: &'a str,
    pub(crate) new_name: Option<&'a str>,
    pub(crate) new_tag: Option<&'a str>,
    pub(crate) digest: Option<&'a str>,
    pub(crate) at: Pos,
}

/// Splits an image reference into its name and what follows (`:tag`, `@digest`, or both).
fn split_image(image: &str) -> (&str, &str) {
    let name_end = image.find('@').unwrap_or(image.len());
    let before_digest = image.get(..name_end).unwrap_or(image);
    let last_slash = before_digest.rfind('/').map_or(0, |index| index + 1);
    let name_end = match before_digest
        .get(last_slash..)
        .and_then(|tail| tail.find(':'))
    {
        Some(colon) => last_slash + colon,
        None => name_end,
    };
    (
        image.get(..name_end).unwrap_or(image),
        image.get(name_end..).unwrap_or(""),
    )
}

/// The image an `images:` entry turns `image` into, when it applies.
pub(crate) fn changed_image(image: &str, change: &ImageChange<'_>) -> Option<String> {
    let (name, rest) = split_image(image);
    if name != change.name {
        return None;
    }
    let name = change.new_name.unwrap_or(name);
    let rest = match (change.digest, change.new_tag) {
        (Some(digest), _) => format!("@{digest}"),
        (None, Some(tag)) => format!(":{tag}"),
        (None, None) => rest.to_owned(),
    };
    Some(format!("{name}{rest}"))
}

/// Rewrites matching `image:` fields of every container list (`containers`, `initContainers`
/// at any depth, as kustomize searches). Returns how many were changed.
pub(crate) fn set_images(resources: &mut [Resource], change: &ImageChange<'_>) -> usize {
    resources
        .iter_mut()
        .map(|resource| rewrite_images(&mut resource.object, change))
        .sum()
}

fn rewrite_images(node: &mut Node, change: &ImageChange<'_>) -> usize {
    let mut changed = 0;
    match &mut node.value {
        Value::Map(entries) => {
            for entry in entries {
                let is_container_list = matches!(&*entry.key, "containers" | "initContainers");
                if is_container_list && let Value::Seq(items) = &mut entry.value.value {
                    for item in items.iter_mut() {
                        let current = tree::text(item.get("image")).map(str::to_owned);
                        if let Some(new) = current.and_then(|image| changed_image(&image, change)) {
                            tree::set_moved(item, "image", tree::string(&new, change.at));
                            changed += 1;
                        }
                    }
                }
                changed += rewrite_images(&mut entry.value, change);
            }
        }
        Value::Seq(items) => {
            for item in items {
                changed += rewrite_images(item, change);
            }
        }
        Value::Null | Value::Scalar(_) => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change<'a>(
        name: &'a str,
        new_name: Option<&'a str>,
        new_tag: Option<&'a str>,
        digest: Option<&'a str>,
    ) -> ImageChange<'a> {
        ImageChange {
            name,
            new_name,
            new_tag,
            digest,
            at: Pos { line: 1, column: 1 },
        }
    }

    #[test]
    fn images_keep_or_replace_tag_and_digest() {
        let tag = change("ghcr.io/acme/api", None, Some("2.0"), None);
        assert_eq!(
            changed_image("ghcr.io/acme/api:1.0@sha256:abc", &tag).as_deref(),
            Some("ghcr.io/acme/api:2.0")
        );
        assert_eq!(changed_image("ghcr.io/acme/apis:1.0", &tag), None);
        let rename = change("nginx", Some("registry.local:5000/nginx"), None, None);
        assert_eq!(
            changed_image("nginx:1.25", &rename).as_deref(),
            Some("registry.local:5000/nginx:1.25")
        );
        let digest = change(
            "registry.local:5000/nginx",
            None,
            Some("x"),
            Some("sha256:ff"),
        );
        assert_eq!(
            changed_image("registry.local:5000/nginx", &digest).as_deref(),
            Some("registry.local:5000/nginx@sha256:ff")
        );
    }
}
