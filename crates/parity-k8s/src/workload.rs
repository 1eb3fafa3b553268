//! Workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod,
//! ReplicationController) into services: pod template labels, replicas, containers with their
//! images, env, ports, volume mounts and probes.
//!
//! Env vars that read a ConfigMap or Secret are kept unresolved here ([`EnvPlan`]); the build
//! step resolves them once every file has been read.

use std::collections::HashMap;

use parity_model::SortedMap;

use parity_model::{
    ArcStr, Container, EnvSource, EnvValue, EnvVar, Healthcheck, Origin, Port, Protocol,
    SensitiveText, Service, ServiceKind, SharedText, Volume, VolumeKind, parse_image_ref,
};
use parity_source::yaml::Node;

use crate::kinds::PodSpecAt;
use crate::read::Cx;

/// A workload as read from its file, before env references are resolved.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    /// The service, containers filled except for `env`.
    pub(crate) service: Service,
    /// The pod template's labels: what a Kubernetes Service selects on.
    pub(crate) pod_labels: SortedMap<String, String>,
    /// One plan per container, in the order of `service.containers`.
    pub(crate) env_plans: Vec<EnvPlan>,
    /// ConfigMaps and Secrets mounted as volumes, with where they are named.
    pub(crate) mounted_sources: Vec<(EnvSource, String)>,
}

/// A container's env as written: `envFrom` sources first, then `env` entries, which win over
/// `envFrom` keys of the same name, as in Kubernetes.
#[derive(Debug, Clone, Default)]
pub(crate) struct EnvPlan {
    pub(crate) from: Vec<EnvFrom>,
    pub(crate) vars: Vec<EnvVar>,
}

/// One `envFrom` entry.
#[derive(Debug, Clone)]
pub(crate) struct EnvFrom {
    pub(crate) source: EnvSource,
    pub(crate) name: String,
    pub(crate) prefix: String,
    pub(crate) optional: bool,
    pub(crate) origin: Origin,
}

/// What backs a pod volume, by volume name.
struct PodVolume {
    kind: VolumeKind,
    source: Option<String>,
}

/// Reads a workload object; `at` says where its pod spec is.
pub(crate) fn read_workload(
    cx: &mut Cx<'_>,
    root: &Node,
    kind: &str,
    at: PodSpecAt,
    name: &str,
    origin: Origin,
) -> Workload {
    let mut service = Service::new(name, ServiceKind::Kubernetes(kind.to_owned()), origin);
    let spec = root.get("spec");
    cx.map(spec, "spec");
    if matches!(
        kind,
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
    ) {
        service.replicas = read_replicas(cx, spec.and_then(|s| s.get("replicas")));
    }
    let (template, template_path) = match at {
        PodSpecAt::Spec => (None, ""),
        PodSpecAt::Template => (spec.and_then(|s| s.get("template")), "spec.template"),
        PodSpecAt::JobTemplate => {
            let job_template = spec.and_then(|s| s.get("jobTemplate"));
            cx.map(job_template, "spec.jobTemplate");
            let job_spec = job_template.and_then(|t| t.get("spec"));
            cx.map(job_spec, "spec.jobTemplate.spec");
            (
                job_spec.and_then(|s| s.get("template")),
                "spec.jobTemplate.spec.template",
            )
        }
    };
    let (pod_spec, pod_labels, spec_path) = match at {
        PodSpecAt::Spec => {
            // A Pod's own labels are what Services select; the caller reports their errors.
            let mut quiet = Vec::new();
            let mut quiet_cx = Cx {
                file: cx.file,
                diagnostics: &mut quiet,
                sources: cx.sources,
                shared: SharedText::default(),
            };
            let labels = quiet_cx.string_map(root.path(&["metadata", "labels"]), "metadata.labels");
            (spec, labels, "spec".to_owned())
        }
        PodSpecAt::Template | PodSpecAt::JobTemplate => {
            cx.map(template, template_path);
            let template_metadata = template.and_then(|t| t.get("metadata"));
            cx.map(template_metadata, &format!("{template_path}.metadata"));
            let labels = cx.string_map(
                template_metadata.and_then(|m| m.get("labels")),
                &format!("{template_path}.metadata.labels"),
            );
            (
                template.and_then(|t| t.get("spec")),
                labels,
                format!("{template_path}.spec"),
            )
        }
    };
    cx.map(pod_spec, &spec_path);

    let claim_templates = if kind == "StatefulSet" {
        read_claim_templates(cx, spec)
    } else {
        Vec::new()
    };
    let mut mounted_sources = Vec::new();
    let volumes = read_pod_volumes(
        cx,
        pod_spec,
        &spec_path,
        &claim_templates,
        &mut mounted_sources,
    );

    let mut env_plans = Vec::new();
    let containers_node = pod_spec.and_then(|s| s.get("containers"));
    if containers_node.is_none() && pod_spec.is_some_and(|s| s.as_map().is_some()) {
        let origin = pod_spec.map_or_else(|| service.origin.clone(), |node| cx.at(node));
        cx.error(
            origin,
            format!(
                "{kind} {name} has no `{spec_path}.containers`: expected a sequence of containers"
            ),
        );
    } else if pod_spec.is_none() {
        cx.error(
            service.origin.clone(),
            format!("{kind} {name} has no `{spec_path}`: expected a pod spec with containers"),
        );
    }
    // App containers first: they are what parity compares; init containers follow.
    for (key, init) in [("containers", false), ("initContainers", true)] {
        let path = format!("{spec_path}.{key}");
        for (index, item) in cx
            .seq(pod_spec.and_then(|s| s.get(key)), &path)
            .iter()
            .enumerate()
        {
            let item_path = format!("{path}[{index}]");
            if item.as_map().is_none() {
                cx.error(
                    cx.at(item),
                    format!(
                        "expected a container mapping for `{item_path}`, found {}",
                        item.type_name()
                    ),
                );
                continue;
            }
            let (mut container, plan) = read_container(cx, item, &item_path, &volumes);
            container.init = init;
            service.containers.push(container);
            env_plans.push(plan);
        }
    }
    // Parsed objects wait for every file before the graph is built: without their spare room
    // (one container in a vector sized for four) they weigh ~15% less at that peak.
    service.shrink_to_fit();
    Workload {
        service,
        pod_labels,
        env_plans,
        mounted_sources,
    }
}

fn read_replicas(cx: &mut Cx<'_>, node: Option<&Node>) -> Option<u32> {
    let node = node.filter(|node| !node.is_null())?;
    match node.as_i64().and_then(|value| u32::try_from(value).ok()) {
        Some(replicas) => Some(replicas),
        None => {
            let message = format!(
                "expected a non-negative whole number for `spec.replicas`, found {}",
                node.type_name()
            );
            cx.error(cx.at(node), message);
            None
        }
    }
}

/// Names of a StatefulSet's `volumeClaimTemplates`: each becomes a claim per pod.
fn read_claim_templates(cx: &mut Cx<'_>, spec: Option<&Node>) -> Vec<String> {
    let mut names = Vec::new();
    for (index, item) in cx
        .seq(
            spec.and_then(|s| s.get("volumeClaimTemplates")),
            "spec.volumeClaimTemplates",
        )
        .iter()
        .enumerate()
    {
        let path = format!("spec.volumeClaimTemplates[{index}].metadata.name");
        if let Some(name) = cx.text(item.path(&["metadata", "name"]), &path) {
            names.push(name.to_owned());
        }
    }
    names
}

/// The pod's `volumes` by name, and the ConfigMaps and Secrets they project.
fn read_pod_volumes(
    cx: &mut Cx<'_>,
    pod_spec: Option<&Node>,
    spec_path: &str,
    claim_templates: &[String],
    mounted_sources: &mut Vec<(EnvSource, String)>,
) -> HashMap<String, PodVolume> {
    let mut volumes: HashMap<String, PodVolume> = claim_templates
        .iter()
        .map(|name| {
            (
                name.clone(),
                PodVolume {
                    kind: VolumeKind::PersistentClaim,
                    source: Some(name.clone()),
                },
            )
        })
        .collect();
    let path = format!("{spec_path}.volumes");
    for (index, item) in cx
        .seq(pod_spec.and_then(|s| s.get("volumes")), &path)
        .iter()
        .enumerate()
    {
        let item_path = format!("{path}[{index}]");
        let Some(name) = cx.text(item.get("name"), &format!("{item_path}.name")) else {
            continue;
        };
        let text_at = |keys: &[&str]| item.path(keys).and_then(Node::as_str).map(str::to_owned);
        let volume = if item.get("persistentVolumeClaim").is_some() {
            PodVolume {
                kind: VolumeKind::PersistentClaim,
                source: text_at(&["persistentVolumeClaim", "claimName"]),
            }
        } else if let Some(empty_dir) = item.get("emptyDir") {
            let memory = empty_dir.get("medium").and_then(Node::as_str) == Some("Memory");
            PodVolume {
                kind: if memory {
                    VolumeKind::Tmpfs
                } else {
                    VolumeKind::EmptyDir
                },
                source: None,
            }
        } else if item.get("hostPath").is_some() {
            PodVolume {
                kind: VolumeKind::Bind,
                source: text_at(&["hostPath", "path"]),
            }
        } else if item.get("configMap").is_some() {
            let source = text_at(&["configMap", "name"]);
            if let Some(source) = &source {
                mounted_sources.push((EnvSource::ConfigMap, source.clone()));
            }
            PodVolume {
                kind: VolumeKind::ConfigMap,
                source,
            }
        } else if item.get("secret").is_some() {
            let source = text_at(&["secret", "secretName"]);
            if let Some(source) = &source {
                mounted_sources.push((EnvSource::Secret, source.clone()));
            }
            PodVolume {
                kind: VolumeKind::Secret,
                source,
            }
        } else {
            PodVolume {
                kind: VolumeKind::Other,
                source: None,
            }
        };
        volumes.insert(name.to_owned(), volume);
    }
    volumes
}

fn read_container(
    cx: &mut Cx<'_>,
    item: &Node,
    path: &str,
    volumes: &HashMap<String, PodVolume>,
) -> (Container, EnvPlan) {
    let name = match cx.text(item.get("name"), &format!("{path}.name")) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => {
            cx.warning(cx.at(item), format!("`{path}` has no `name`"));
            String::new()
        }
    };
    let mut container = Container::new(name);
    if let Some(entry) = item.entry("image") {
        if let Some(raw) = cx.text(Some(&entry.value), &format!("{path}.image")) {
            container.image_origin = Some(cx.at_entry(entry));
            match parse_image_ref(raw) {
                Ok(image) => container.image = Some(image),
                Err(error) => cx.warning(cx.at(&entry.value), error.to_string()),
            }
        }
    }
    let plan = read_env(cx, item, path);
    read_ports(cx, item, path, &mut container);
    read_mounts(cx, item, path, volumes, &mut container);
    let mut probes: Vec<_> = ["readinessProbe", "livenessProbe", "startupProbe"]
        .into_iter()
        .filter_map(|key| item.entry(key))
        .filter(|entry| !entry.value.is_null())
        .collect();
    // In the order written, so the origin is the first probe's line.
    probes.sort_by_key(|entry| (entry.line, entry.column));
    if let Some(first) = probes.first() {
        container.healthcheck = Some(Healthcheck {
            kinds: probes
                .iter()
                .map(|entry| String::from(&*entry.key))
                .collect(),
            disabled: false,
            origin: cx.at_entry(first),
        });
    }
    (container, plan)
}

fn read_env(cx: &mut Cx<'_>, item: &Node, path: &str) -> EnvPlan {
    let mut plan = EnvPlan::default();
    let env_path = format!("{path}.env");
    for (index, entry) in cx.seq(item.get("env"), &env_path).iter().enumerate() {
        let entry_path = format!("{env_path}[{index}]");
        if entry.as_map().is_none() {
            cx.error(
                cx.at(entry),
                format!(
                    "expected a mapping with `name` for `{entry_path}`, found {}",
                    entry.type_name()
                ),
            );
            continue;
        }
        let Some(name) = cx.text(entry.get("name"), &format!("{entry_path}.name")) else {
            cx.error(cx.at(entry), format!("`{entry_path}` has no `name`"));
            continue;
        };
        let origin = cx.at(entry);
        let value = match entry.get("valueFrom").filter(|node| !node.is_null()) {
            Some(value_from) => read_value_from(cx, value_from, &format!("{entry_path}.valueFrom")),
            None => {
                let text = cx
                    .text(entry.get("value"), &format!("{entry_path}.value"))
                    .unwrap_or("");
                Some(EnvValue::Literal(SensitiveText::for_key(
                    name,
                    cx.shared.get(text),
                )))
            }
        };
        if let Some(value) = value {
            plan.vars.push(EnvVar {
                name: cx.shared.get(name),
                value,
                origin,
            });
        }
    }
    let from_path = format!("{path}.envFrom");
    for (index, entry) in cx.seq(item.get("envFrom"), &from_path).iter().enumerate() {
        let entry_path = format!("{from_path}[{index}]");
        let prefix = cx
            .text(entry.get("prefix"), &format!("{entry_path}.prefix"))
            .unwrap_or("")
            .to_owned();
        let (source, reference) = match (entry.get("configMapRef"), entry.get("secretRef")) {
            (Some(reference), _) => (EnvSource::ConfigMap, reference),
            (None, Some(reference)) => (EnvSource::Secret, reference),
            (None, None) => {
                let message = format!("`{entry_path}` has neither `configMapRef` nor `secretRef`");
                cx.error(cx.at(entry), message);
                continue;
            }
        };
        let Some(name) = cx.text(reference.get("name"), &format!("{entry_path}.name")) else {
            cx.error(cx.at(reference), format!("`{entry_path}` names no source"));
            continue;
        };
        let optional = cx.flag(reference.get("optional"), &format!("{entry_path}.optional"));
        plan.from.push(EnvFrom {
            source,
            name: name.to_owned(),
            prefix,
            optional,
            origin: cx.at(entry),
        });
    }
    plan
}

fn read_value_from(cx: &mut Cx<'_>, value_from: &Node, path: &str) -> Option<EnvValue> {
    let key_ref = |cx: &mut Cx<'_>, node: &Node, source, ref_path: &str| {
        let source_name = cx
            .text(node.get("name"), &format!("{ref_path}.name"))
            .unwrap_or("")
            .into();
        let key = cx
            .text(node.get("key"), &format!("{ref_path}.key"))
            .map(ArcStr::from);
        EnvValue::FromSource {
            source,
            source_name,
            key,
            resolved: None,
        }
    };
    if let Some(node) = value_from.get("secretKeyRef") {
        Some(key_ref(
            cx,
            node,
            EnvSource::Secret,
            &format!("{path}.secretKeyRef"),
        ))
    } else if let Some(node) = value_from.get("configMapKeyRef") {
        Some(key_ref(
            cx,
            node,
            EnvSource::ConfigMap,
            &format!("{path}.configMapKeyRef"),
        ))
    } else if let Some(node) = value_from.get("fieldRef") {
        let field = cx
            .text(node.get("fieldPath"), &format!("{path}.fieldRef.fieldPath"))
            .unwrap_or("");
        Some(EnvValue::FieldRef(field.to_owned()))
    } else if let Some(node) = value_from.get("resourceFieldRef") {
        let resource = cx
            .text(
                node.get("resource"),
                &format!("{path}.resourceFieldRef.resource"),
            )
            .unwrap_or("");
        Some(EnvValue::ResourceFieldRef(resource.to_owned()))
    } else {
        let message = format!(
            "expected `secretKeyRef`, `configMapKeyRef`, `fieldRef` or `resourceFieldRef` under `{path}`, found {}",
            value_from.type_name()
        );
        cx.error(cx.at(value_from), message);
        None
    }
}

fn read_ports(cx: &mut Cx<'_>, item: &Node, path: &str, container: &mut Container) {
    let ports_path = format!("{path}.ports");
    for (index, entry) in cx.seq(item.get("ports"), &ports_path).iter().enumerate() {
        let entry_path = format!("{ports_path}[{index}]");
        if entry.as_map().is_none() {
            cx.error(
                cx.at(entry),
                format!(
                    "expected a port mapping for `{entry_path}`, found {}",
                    entry.type_name()
                ),
            );
            continue;
        }
        let Some(number) = cx.port(
            entry.get("containerPort"),
            &format!("{entry_path}.containerPort"),
        ) else {
            if entry.get("containerPort").is_none() {
                cx.error(
                    cx.at(entry),
                    format!("`{entry_path}` has no `containerPort`"),
                );
            }
            continue;
        };
        let protocol = match cx.text(entry.get("protocol"), &format!("{entry_path}.protocol")) {
            None => Protocol::Tcp,
            Some(text) => Protocol::parse(text).unwrap_or_else(|| {
                let origin = entry
                    .get("protocol")
                    .map_or_else(|| cx.at(entry), |node| cx.at(node));
                cx.warning(
                    origin,
                    format!("unknown protocol {text:?}; expected TCP, UDP or SCTP"),
                );
                Protocol::Tcp
            }),
        };
        container.ports.push(Port {
            container: number,
            published: cx.port(entry.get("hostPort"), &format!("{entry_path}.hostPort")),
            host_ip: cx
                .text(entry.get("hostIP"), &format!("{entry_path}.hostIP"))
                .map(str::to_owned),
            protocol,
            name: cx
                .text(entry.get("name"), &format!("{entry_path}.name"))
                .map(str::to_owned),
            origin: cx.at(entry),
        });
    }
}

fn read_mounts(
    cx: &mut Cx<'_>,
    item: &Node,
    path: &str,
    volumes: &HashMap<String, PodVolume>,
    container: &mut Container,
) {
    let mounts_path = format!("{path}.volumeMounts");
    for (index, entry) in cx
        .seq(item.get("volumeMounts"), &mounts_path)
        .iter()
        .enumerate()
    {
        let entry_path = format!("{mounts_path}[{index}]");
        if entry.as_map().is_none() {
            cx.error(
                cx.at(entry),
                format!(
                    "expected a mount mapping for `{entry_path}`, found {}",
                    entry.type_name()
                ),
            );
            continue;
        }
        let name = cx
            .text(entry.get("name"), &format!("{entry_path}.name"))
            .unwrap_or("");
        let Some(target) = cx.text(entry.get("mountPath"), &format!("{entry_path}.mountPath"))
        else {
            cx.error(cx.at(entry), format!("`{entry_path}` has no `mountPath`"));
            continue;
        };
        let (kind, source) = match volumes.get(name) {
            Some(volume) => (volume.kind, volume.source.clone()),
            None => {
                cx.warning(
                    cx.at(entry),
                    format!("volume mount {name:?} names no volume of the pod"),
                );
                (VolumeKind::Other, None)
            }
        };
        container.volumes.push(Volume {
            target: target.to_owned(),
            source,
            kind,
            read_only: cx.flag(entry.get("readOnly"), &format!("{entry_path}.readOnly")),
            origin: cx.at(entry),
        });
    }
}
