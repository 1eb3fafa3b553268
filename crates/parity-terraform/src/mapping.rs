//! Evaluated Terraform resources → parity's model: workloads become [`Service`]s, managed
//! databases, caches and brokers become [`BackingService`]s, Kubernetes config maps and secrets
//! become [`ConfigSource`]s, `kubernetes_service` becomes a [`Resource`] with its selector.

use std::collections::{BTreeMap, HashMap};

use parity_model::{
    ArcStr, BackingService, ConfigSource, ConfigSourceKind, Container, Diagnostic, Edge, EnvSource,
    EnvValue, EnvVar, Environment, ImageRef, Node, Origin, PartialText, Port, Protocol, Resource,
    SensitiveText, Service, ServiceKind, SortedMap, parse_image_ref,
};

use parity_model::UNKNOWN_REGISTRY;

use crate::module::{Evaluated, ResourceInstance};
use crate::value::Value;

/// Nested blocks of a type, and object attributes of that name (the `.tf.json` form and
/// attributes such as `env = [{...}]`), as evaluated bodies.
fn children(body: &Evaluated, name: &str) -> Vec<Evaluated> {
    let mut out: Vec<Evaluated> = body.blocks(name).cloned().collect();
    if let Some((value, origin)) = body.attribute(name) {
        match value {
            Value::Object(_) => out.push(from_value(value, origin)),
            Value::List(items) => {
                out.extend(
                    items
                        .iter()
                        .filter(|item| matches!(item, Value::Object(_)))
                        .map(|item| from_value(item, origin)),
                );
            }
            _ => {}
        }
    }
    out
}

fn child(body: &Evaluated, name: &str) -> Option<Evaluated> {
    children(body, name).into_iter().next()
}

fn from_value(value: &Value, origin: &Origin) -> Evaluated {
    let attributes = match value {
        Value::Object(map) => map
            .iter()
            .map(|(key, item)| (key.clone(), (item.clone(), origin.clone())))
            .collect(),
        _ => BTreeMap::new(),
    };
    Evaluated {
        attributes,
        blocks: Vec::new(),
        origin: origin.clone(),
    }
}

/// Path through nested blocks (`["spec", "template", "spec"]`).
fn path(body: &Evaluated, steps: &[&str]) -> Option<Evaluated> {
    let mut current = body.clone();
    for step in steps {
        current = child(&current, step)?;
    }
    Some(current)
}

fn string_map(body: &Evaluated, name: &str) -> SortedMap<String, String> {
    match body.attribute(name) {
        Some((Value::Object(map), _)) => map
            .iter()
            .filter_map(|(key, value)| Some((key.clone(), value.to_template_string()?)))
            .collect(),
        _ => SortedMap::new(),
    }
}

/// An image reference from an evaluated value. A reference whose repository is known only after
/// apply (`"${aws_ecr_repository.api.repository_url}:1.4.0"`) keeps its tag, so a rule can
/// still compare the version.
pub(crate) fn image_ref(value: &Value) -> Option<ImageRef> {
    match value {
        Value::String(text) => parse_image_ref(text).ok(),
        Value::Unknown(unknown) => {
            let text = unknown.template();
            let after_placeholder = text.rsplit('}').next().unwrap_or_default();
            let (rest, digest) = match after_placeholder.split_once('@') {
                Some((rest, digest)) => (rest, Some(digest.to_owned())),
                None => (after_placeholder, None),
            };
            let tag = rest
                .rsplit_once(':')
                .map(|(_, tag)| tag.to_owned())
                .filter(|tag| !tag.is_empty() && !tag.contains('/'));
            Some(ImageRef {
                raw: text,
                registry: UNKNOWN_REGISTRY.to_owned(),
                repository: unknown.what.clone(),
                tag,
                digest,
            })
        }
        _ => None,
    }
}

/// The env value of `name`. A string only partly known before apply keeps its known text and
/// the references of its unknown parts ([`EnvValue::Partial`]), so a connection URL's scheme
/// and port can still be read and its host followed to the resource that provides it.
fn env_literal(name: &str, value: &Value) -> EnvValue {
    match value {
        Value::Unknown(unknown) => unknown
            .text
            .clone()
            .and_then(|parts| PartialText::for_key(name, parts))
            .map_or_else(
                || EnvValue::Unknown(unknown.what.clone()),
                |partial| EnvValue::Partial(Box::new(partial)),
            ),
        other => EnvValue::Literal(SensitiveText::for_key(
            name,
            other.to_template_string().unwrap_or_default(),
        )),
    }
}

fn port(container_port: f64, protocol: Option<&str>, origin: &Origin) -> Option<Port> {
    let container = u16::try_from(container_port as i64).ok()?;
    Some(Port {
        container,
        published: None,
        host_ip: None,
        protocol: protocol.and_then(Protocol::parse).unwrap_or(Protocol::Tcp),
        name: None,
        origin: origin.clone(),
    })
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => Some(*n),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// Maps every evaluated resource instance into `env`.
/// Finds where a name is written in the file of an origin, from the origin's line on (see
/// `SourceFile::locate_name`); `None` when the text is not at hand.
pub(crate) type Locator<'a> = &'a dyn Fn(&Origin, &str) -> Option<Origin>;

pub(crate) fn map_resources(
    resources: &[ResourceInstance],
    env: &mut Environment,
    locate: Locator<'_>,
) {
    let ecs_services = index_ecs_services(resources);
    let mut services: Vec<Service> = Vec::new();
    // What reaches a service from outside its task or instance (a load balancer target group,
    // Service Connect, Cloud Run's ingress), by the position of the service in `services`: added
    // as resources that select it, as a Kubernetes Service selects its pods.
    let mut exposures: Vec<(usize, Resource)> = Vec::new();
    // Pod template labels of Kubernetes workloads (by position in `services`), and the
    // `kubernetes_service` nodes, so Services can select their pods as in a manifest.
    let mut pods: Vec<(usize, SortedMap<String, String>)> = Vec::new();
    let mut kubernetes_services = Vec::new();
    let mut sources: Vec<ConfigSource> = Vec::new();
    for resource in resources {
        let body = &resource.body;
        let kind = || ServiceKind::Other(resource.resource_type.clone());
        match resource.resource_type.as_str() {
            "kubernetes_deployment"
            | "kubernetes_deployment_v1"
            | "kubernetes_stateful_set"
            | "kubernetes_stateful_set_v1"
            | "kubernetes_daemon_set"
            | "kubernetes_daemon_set_v1"
            | "kubernetes_daemonset" => {
                pods.push((services.len(), pod_labels(resource, &["spec", "template"])));
                services.push(kubernetes_workload(resource, &["spec", "template"], kind()));
            }
            "kubernetes_cron_job" | "kubernetes_cron_job_v1" => {
                services.push(kubernetes_workload(
                    resource,
                    &["spec", "job_template", "spec", "template"],
                    kind(),
                ));
            }
            "kubernetes_config_map"
            | "kubernetes_config_map_v1"
            | "kubernetes_secret"
            | "kubernetes_secret_v1" => {
                let is_secret = resource.resource_type.starts_with("kubernetes_secret");
                let metadata = child(body, "metadata");
                let name = metadata
                    .as_ref()
                    .and_then(|m| m.string("name"))
                    .unwrap_or_else(|| resource.name.clone());
                // Sorted once (last wins), not inserted one by one: see `SortedMap`.
                let mut entries = Vec::new();
                for attribute in ["data", "binary_data"] {
                    if let Some((Value::Object(map), origin)) = body.attribute(attribute) {
                        for (key, value) in map {
                            let text = value.to_template_string().unwrap_or_default();
                            let text = if is_secret {
                                SensitiveText::secret(text)
                            } else {
                                SensitiveText::for_key(key, text)
                            };
                            entries.push((key.as_str().into(), (text, origin.clone())));
                        }
                    }
                }
                sources.push(ConfigSource {
                    kind: if is_secret {
                        ConfigSourceKind::Secret
                    } else {
                        ConfigSourceKind::ConfigMap
                    },
                    name: name.into(),
                    namespace: metadata.as_ref().and_then(|m| m.string("namespace")),
                    entries: entries.into_iter().collect(),
                    origin: body.origin.clone(),
                });
            }
            "kubernetes_service" | "kubernetes_service_v1" => {
                let metadata = child(body, "metadata");
                let spec = child(body, "spec");
                let ports = spec
                    .as_ref()
                    .map(|spec| {
                        children(spec, "port")
                            .iter()
                            .filter_map(|p| {
                                let port =
                                    u16::try_from(number(&p.attribute("port")?.0)? as i64).ok()?;
                                let target = p
                                    .attribute("target_port")
                                    .and_then(|(v, _)| v.to_template_string())
                                    .unwrap_or_else(|| port.to_string());
                                Some((port, target))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let index = env.graph.add(Node::from(Resource {
                    kind: "Service".to_owned(),
                    api_version: None,
                    name: metadata
                        .as_ref()
                        .and_then(|m| m.string("name"))
                        .unwrap_or_else(|| resource.name.clone()),
                    namespace: metadata.as_ref().and_then(|m| m.string("namespace")),
                    labels: metadata
                        .as_ref()
                        .map(|m| string_map(m, "labels"))
                        .unwrap_or_default(),
                    selector: spec
                        .as_ref()
                        .map(|s| string_map(s, "selector"))
                        .unwrap_or_default(),
                    ports,
                    backends: Vec::new(),
                    origin: body.origin.clone(),
                }));
                kubernetes_services.push(index);
            }
            "aws_ecs_task_definition" => {
                if let Some((service, ways_in)) =
                    ecs_task(resource, &ecs_services, resources, locate)
                {
                    exposures.extend(ways_in.into_iter().map(|way| (services.len(), way)));
                    services.push(service);
                }
            }
            "google_cloud_run_v2_service" => {
                let name = body.string("name").unwrap_or_else(|| resource.name.clone());
                let mut service = Service::new(name, kind(), body.origin.clone());
                service.labels = string_map(body, "labels");
                if let Some(template) = child(body, "template") {
                    for container in children(&template, "containers") {
                        service.containers.push(generic_container(
                            &container,
                            &service.name,
                            "value_source",
                        ));
                    }
                    if let Some(scaling) = child(&template, "scaling") {
                        service.replicas = scaling
                            .attribute("min_instance_count")
                            .and_then(|(v, _)| number(v))
                            .map(|n| n as u32);
                    }
                }
                let ingress = body
                    .string("ingress")
                    .unwrap_or_else(|| "INGRESS_TRAFFIC_ALL".to_owned());
                exposures.push((services.len(), cloud_run_ingress(&service, ingress, body)));
                services.push(service);
            }
            "google_cloud_run_service" => {
                let name = body.string("name").unwrap_or_else(|| resource.name.clone());
                let mut service = Service::new(name, kind(), body.origin.clone());
                if let Some(spec) = path(body, &["template", "spec"]) {
                    for container in children(&spec, "containers") {
                        service.containers.push(generic_container(
                            &container,
                            &service.name,
                            "value_from",
                        ));
                    }
                }
                // The first generation sets ingress with an annotation of the service.
                let ingress = child(body, "metadata")
                    .map(|metadata| string_map(&metadata, "annotations"))
                    .and_then(|annotations| annotations.get("run.googleapis.com/ingress").cloned())
                    .unwrap_or_else(|| "all".to_owned());
                exposures.push((services.len(), cloud_run_ingress(&service, ingress, body)));
                services.push(service);
            }
            "azurerm_container_app" => {
                let name = body.string("name").unwrap_or_else(|| resource.name.clone());
                let mut service = Service::new(name, kind(), body.origin.clone());
                let target_port = child(body, "ingress").and_then(|ingress| {
                    let (value, origin) = ingress.attribute("target_port")?;
                    port(number(value)?, None, origin)
                });
                if let (Some(ingress), Some(target)) = (child(body, "ingress"), &target_port) {
                    // Without `external_enabled` the app is reached from its environment only,
                    // which is still a way in (like a ClusterIP Service).
                    let external = matches!(
                        ingress.attribute("external_enabled"),
                        Some((Value::Bool(true), _))
                    );
                    exposures.push((
                        services.len(),
                        exposure(
                            "ContainerAppIngress",
                            if external { "external" } else { "internal" },
                            [target.container],
                            &ingress.origin,
                        ),
                    ));
                }
                if let Some(template) = child(body, "template") {
                    for container in children(&template, "container") {
                        let mut built = generic_container(&container, &service.name, "secret_name");
                        if built.ports.is_empty() && service.containers.is_empty() {
                            built.ports.extend(target_port.clone());
                        }
                        service.containers.push(built);
                    }
                    service.replicas = template
                        .attribute("min_replicas")
                        .and_then(|(v, _)| number(v))
                        .map(|n| n as u32);
                }
                services.push(service);
            }
            "docker_container" => {
                let name = body.string("name").unwrap_or_else(|| resource.name.clone());
                let mut service = Service::new(name.clone(), kind(), body.origin.clone());
                let mut container = Container::new(name);
                if let Some((value, origin)) = body.attribute("image") {
                    container.image = image_ref(value);
                    container.image_origin = Some(origin.clone());
                }
                if let Some((Value::List(items), origin)) = body.attribute("env") {
                    for item in items {
                        if let Some(text) = item.as_str() {
                            let (key, value) = text.split_once('=').unwrap_or((text, ""));
                            container.env.push(EnvVar {
                                name: key.into(),
                                value: EnvValue::Literal(SensitiveText::for_key(key, value)),
                                origin: origin.clone(),
                            });
                        }
                    }
                }
                for ports in children(body, "ports") {
                    if let Some((value, origin)) = ports.attribute("internal") {
                        if let Some(mut built) = port(
                            number(value).unwrap_or(0.0),
                            ports.string("protocol").as_deref(),
                            origin,
                        ) {
                            built.published = ports
                                .attribute("external")
                                .and_then(|(v, _)| number(v))
                                .and_then(|n| u16::try_from(n as i64).ok());
                            container.ports.push(built);
                        }
                    }
                }
                service.containers.push(container);
                services.push(service);
            }
            "aws_lambda_function" => {
                let name = body
                    .string("function_name")
                    .unwrap_or_else(|| resource.name.clone());
                let mut service = Service::new(name.clone(), kind(), body.origin.clone());
                let mut container = Container::new(name);
                if let Some((value, origin)) = body.attribute("image_uri") {
                    container.image = image_ref(value);
                    container.image_origin = Some(origin.clone());
                }
                if let Some(environment) = child(body, "environment") {
                    if let Some((Value::Object(map), origin)) = environment.attribute("variables") {
                        for (key, value) in map {
                            container.env.push(EnvVar {
                                name: key.as_str().into(),
                                value: env_literal(key, value),
                                origin: origin.clone(),
                            });
                        }
                    }
                }
                service.containers.push(container);
                services.push(service);
            }
            "helm_release" => {
                let name = body.string("name").unwrap_or_else(|| resource.name.clone());
                let chart = body.string("chart").unwrap_or_else(|| "?".to_owned());
                let mut message = format!("helm_release `{name}` installs chart `{chart}`");
                if let Some(version) = body.string("version") {
                    message.push_str(&format!(" version {version}"));
                }
                if let Some(repository) = body.string("repository") {
                    message.push_str(&format!(" from {repository}"));
                }
                message.push_str(": the chart is not rendered, its workloads are not compared (render it with `helm template` and pass the output instead)");
                env.diagnostics
                    .push(Diagnostic::note(body.origin.clone(), message));
            }
            other => {
                if let Some(backing) = backing_service(other, resource) {
                    env.graph.add(Node::from(backing));
                }
            }
        }
    }
    resolve_config_refs(&mut services, &sources);
    let mut source_indices = BTreeMap::new();
    for source in sources {
        let key = (source.kind, source.name.clone());
        let index = env.graph.add(Node::from(source));
        source_indices.insert(key, index);
    }
    let mut workload_nodes: Vec<(parity_model::NodeIndex, &SortedMap<String, String>)> = Vec::new();
    for (position, service) in services.into_iter().enumerate() {
        let reads: Vec<(ConfigSourceKind, ArcStr)> = service
            .containers
            .iter()
            .flat_map(|container| container.env.iter())
            .filter_map(|var| match &var.value {
                EnvValue::FromSource {
                    source: EnvSource::ConfigMap,
                    source_name,
                    ..
                } => Some((ConfigSourceKind::ConfigMap, source_name.clone())),
                EnvValue::FromSource {
                    source: EnvSource::Secret,
                    source_name,
                    ..
                } => Some((ConfigSourceKind::Secret, source_name.clone())),
                _ => None,
            })
            .collect();
        let index = env.graph.add(Node::from(service));
        for key in reads {
            if let Some(source) = source_indices.get(&key) {
                env.graph.connect(index, *source, Edge::ReadsConfigFrom);
            }
        }
        for (_, way_in) in exposures.iter().filter(|(owner, _)| *owner == position) {
            let way_in = env.graph.add(Node::from(way_in.clone()));
            env.graph.connect(way_in, index, Edge::Selects);
        }
        if let Some((_, labels)) = pods.iter().find(|(owner, _)| *owner == position) {
            workload_nodes.push((index, labels));
        }
    }
    // `kubernetes_service` selects the pods whose template labels hold its whole selector, in
    // the same namespace.
    for service_index in kubernetes_services {
        let Some(Node::Resource(kube_service)) = env.graph.node(service_index) else {
            continue;
        };
        if kube_service.selector.is_empty() {
            continue;
        }
        let selected: Vec<parity_model::NodeIndex> = workload_nodes
            .iter()
            .filter(|(workload, labels)| {
                let same_namespace = env
                    .graph
                    .service(*workload)
                    .is_some_and(|service| service.namespace == kube_service.namespace);
                same_namespace
                    && kube_service
                        .selector
                        .iter()
                        .all(|(key, value)| labels.get(key) == Some(value))
            })
            .map(|(workload, _)| *workload)
            .collect();
        for workload in selected {
            env.graph.connect(service_index, workload, Edge::Selects);
        }
    }
    // Connection URLs in env values, linked to the services and managed backing services they
    // name (a partly known `${aws_db_instance.main.address}` names `aws_db_instance.main`).
    parity_model::link_connections(&mut env.graph);
}

/// Fills in values read from Kubernetes config maps and secrets defined in the same
/// configuration.
fn resolve_config_refs(services: &mut [Service], sources: &[ConfigSource]) {
    for service in services {
        for container in &mut service.containers {
            // `env_from { config_map_ref { name } }`: every key of a source defined in the same
            // configuration becomes a variable; others stay listed as unresolved.
            let mut unresolved = Vec::new();
            let mut from_sources = Vec::new();
            for reference in std::mem::take(&mut container.env_from_unresolved) {
                let (kind, source_kind, name) = match reference.split_once('/') {
                    Some(("configmap", name)) => {
                        (ConfigSourceKind::ConfigMap, EnvSource::ConfigMap, name)
                    }
                    Some(("secret", name)) => (ConfigSourceKind::Secret, EnvSource::Secret, name),
                    _ => {
                        unresolved.push(reference);
                        continue;
                    }
                };
                let Some(found) = sources.iter().find(|s| s.kind == kind && s.name == name) else {
                    unresolved.push(reference);
                    continue;
                };
                for (key, (value, origin)) in &found.entries {
                    from_sources.push(EnvVar {
                        name: key.clone(),
                        value: EnvValue::FromSource {
                            source: source_kind,
                            source_name: found.name.clone(),
                            key: Some(key.clone()),
                            resolved: Some(value.clone()),
                        },
                        origin: origin.clone(),
                    });
                }
            }
            container.env_from_unresolved = unresolved;
            // As in Kubernetes, variables from `env_from` come first and `env` entries win.
            from_sources.append(&mut container.env);
            container.env = from_sources;
            for var in &mut container.env {
                if let EnvValue::FromSource {
                    source,
                    source_name,
                    key: Some(key),
                    resolved,
                } = &mut var.value
                {
                    let kind = match source {
                        EnvSource::ConfigMap => ConfigSourceKind::ConfigMap,
                        EnvSource::Secret => ConfigSourceKind::Secret,
                        EnvSource::EnvFile => continue,
                    };
                    if let Some(found) = sources
                        .iter()
                        .find(|s| s.kind == kind && s.name == *source_name)
                    {
                        *resolved = found
                            .entries
                            .get(key.as_str())
                            .map(|(text, _)| text.clone());
                    }
                }
            }
        }
    }
}

/// The labels of a Kubernetes workload's pod template (what a Service selector matches).
fn pod_labels(resource: &ResourceInstance, template_path: &[&str]) -> SortedMap<String, String> {
    path(&resource.body, template_path)
        .and_then(|template| child(&template, "metadata"))
        .map(|metadata| string_map(&metadata, "labels"))
        .unwrap_or_default()
}

fn kubernetes_workload(
    resource: &ResourceInstance,
    template_path: &[&str],
    kind: ServiceKind,
) -> Service {
    let body = &resource.body;
    let metadata = child(body, "metadata");
    let name = metadata
        .as_ref()
        .and_then(|m| m.string("name"))
        .unwrap_or_else(|| resource.name.clone());
    let mut service = Service::new(name, kind, body.origin.clone());
    service.namespace = metadata.as_ref().and_then(|m| m.string("namespace"));
    if let Some(metadata) = &metadata {
        service.labels = string_map(metadata, "labels");
    }
    service.replicas = child(body, "spec")
        .and_then(|spec| spec.attribute("replicas").and_then(|(v, _)| number(v)))
        .map(|n| n as u32);
    if let Some(template) = path(body, template_path) {
        if let Some(template_metadata) = child(&template, "metadata") {
            service
                .labels
                .extend(string_map(&template_metadata, "labels"));
        }
        if let Some(pod_spec) = child(&template, "spec") {
            for (block, init) in [("init_container", true), ("container", false)] {
                for container in children(&pod_spec, block) {
                    let mut built = generic_container(&container, &service.name, "value_from");
                    built.init = init;
                    service.containers.push(built);
                }
            }
        }
    }
    service
}

/// A container block in the shape shared by the Kubernetes, Cloud Run and Container Apps
/// providers: `name`, `image`, `env { name value <reference block> }`, `port(s) { container_port }`.
fn generic_container(body: &Evaluated, service_name: &str, reference_block: &str) -> Container {
    let mut container = Container::new(
        body.string("name")
            .unwrap_or_else(|| service_name.to_owned()),
    );
    if let Some((value, origin)) = body.attribute("image") {
        container.image = image_ref(value);
        container.image_origin = Some(origin.clone());
    }
    for env in children(body, "env") {
        let Some(name) = env.string("name") else {
            continue;
        };
        let value = if let Some((value, _)) = env.attribute("value") {
            env_literal(&name, value)
        } else if let Some(secret_name) = env.string("secret_name") {
            // azurerm_container_app: a secret of the app by name.
            EnvValue::FromSource {
                source: EnvSource::Secret,
                source_name: secret_name.into(),
                key: None,
                resolved: None,
            }
        } else if let Some(reference) = child(&env, reference_block) {
            if let Some(secret) = child(&reference, "secret_key_ref") {
                EnvValue::FromSource {
                    source: EnvSource::Secret,
                    // Kubernetes names the secret `name`, Cloud Run `secret`.
                    source_name: secret
                        .string("name")
                        .or_else(|| secret.string("secret"))
                        .unwrap_or_default()
                        .into(),
                    key: secret
                        .string("key")
                        .or_else(|| secret.string("version"))
                        .map(ArcStr::from),
                    resolved: None,
                }
            } else if let Some(config) = child(&reference, "config_map_key_ref") {
                EnvValue::FromSource {
                    source: EnvSource::ConfigMap,
                    source_name: config.string("name").unwrap_or_default().into(),
                    key: config.string("key").map(ArcStr::from),
                    resolved: None,
                }
            } else if let Some(field) = child(&reference, "field_ref") {
                EnvValue::FieldRef(field.string("field_path").unwrap_or_default())
            } else {
                EnvValue::Unknown(format!("{reference_block} of {name}"))
            }
        } else {
            EnvValue::Literal(SensitiveText::for_key(&name, ""))
        };
        container.env.push(EnvVar {
            name: name.into(),
            value,
            origin: env.origin.clone(),
        });
    }
    for env_from in children(body, "env_from") {
        for (block, kind) in [("config_map_ref", "configmap"), ("secret_ref", "secret")] {
            if let Some(name) = child(&env_from, block).and_then(|r| r.string("name")) {
                container.env_from_unresolved.push(format!("{kind}/{name}"));
            }
        }
    }
    for block in ["port", "ports"] {
        for port_body in children(body, block) {
            if let Some((value, origin)) = port_body.attribute("container_port") {
                if let Some(built) = number(value)
                    .and_then(|n| port(n, port_body.string("protocol").as_deref(), origin))
                {
                    container.ports.push(Port {
                        name: port_body.string("name"),
                        ..built
                    });
                }
            }
        }
    }
    container
}

/// An ECS task definition as a service: named after the `aws_ecs_service` that runs it (in the
/// same module), else after its family.
/// ECS services by (module prefix, what their `task_definition` names): `ref:TYPE.NAME` for a
/// reference to a task definition of the configuration, `family:NAME` for a family written out
/// (`shop-api`, `shop-api:42`, or an ARN `...:task-definition/shop-api:42` in a state).
type EcsServices<'a> = HashMap<(String, String), &'a ResourceInstance>;

fn index_ecs_services(all: &[ResourceInstance]) -> EcsServices<'_> {
    let mut index = HashMap::new();
    for service in all.iter().filter(|r| r.resource_type == "aws_ecs_service") {
        let key = match service.body.attribute("task_definition") {
            Some((Value::Unknown(unknown), _)) => {
                let mut parts = unknown.what.splitn(3, '.');
                match (parts.next(), parts.next()) {
                    (Some(resource_type), Some(name)) => format!("ref:{resource_type}.{name}"),
                    _ => continue,
                }
            }
            Some((Value::String(text), _)) => {
                let text = text.rsplit("task-definition/").next().unwrap_or(text);
                let family = text.split(':').next().unwrap_or(text);
                format!("family:{family}")
            }
            _ => continue,
        };
        index
            .entry((module_prefix(service).to_owned(), key))
            .or_insert(service);
    }
    index
}

fn ecs_task(
    task: &ResourceInstance,
    ecs_services: &EcsServices<'_>,
    all: &[ResourceInstance],
    locate: Locator<'_>,
) -> Option<(Service, Vec<Resource>)> {
    let body = &task.body;
    let (definitions, origin) = body.attribute("container_definitions")?;
    let definitions = match definitions {
        Value::Unknown(crate::value::Unknown {
            encoded: Some(value),
            ..
        }) => (**value).clone(),
        Value::String(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(json) => Value::from_json(&json),
            Err(_) => return None,
        },
        other => other.clone(),
    };
    let prefix = module_prefix(task);
    let reference = format!("{}.{}", task.resource_type, task.name);
    let family = body.string("family");
    let ecs_service = ecs_services
        .get(&(prefix.to_owned(), format!("ref:{reference}")))
        .or_else(|| {
            let family = family.as_deref()?;
            ecs_services.get(&(prefix.to_owned(), format!("family:{family}")))
        })
        .copied();
    let (name, kind, service_origin, replicas) = match ecs_service {
        Some(ecs) => (
            ecs.body.string("name").unwrap_or_else(|| ecs.name.clone()),
            ServiceKind::Other("aws_ecs_service".to_owned()),
            ecs.body.origin.clone(),
            ecs.body
                .attribute("desired_count")
                .and_then(|(v, _)| number(v))
                .map(|n| n as u32),
        ),
        None => (
            family.clone().unwrap_or_else(|| task.name.clone()),
            ServiceKind::Other("aws_ecs_task_definition".to_owned()),
            body.origin.clone(),
            None,
        ),
    };
    let mut service = Service::new(name, kind, service_origin);
    service.replicas = replicas;
    let Value::List(items) = definitions else {
        return Some((service, Vec::new()));
    };
    for item in &items {
        let Value::Object(_) = item else { continue };
        let mut container = Container::new(
            item.get("name")
                .and_then(Value::as_str)
                .unwrap_or(&service.name)
                .to_owned(),
        );
        if let Some(image) = item.get("image") {
            container.image = image_ref(image);
            container.image_origin = Some(origin.clone());
        }
        if let Some(Value::List(environment)) = item.get("environment") {
            for entry in environment {
                if let Some(name) = entry.get("name").and_then(Value::as_str) {
                    container.env.push(EnvVar {
                        name: name.into(),
                        value: env_literal(name, entry.get("value").unwrap_or(&Value::Null)),
                        origin: locate(origin, name).unwrap_or_else(|| origin.clone()),
                    });
                }
            }
        }
        if let Some(Value::List(secrets)) = item.get("secrets") {
            for entry in secrets {
                if let Some(name) = entry.get("name").and_then(Value::as_str) {
                    let source_name = match entry.get("valueFrom") {
                        Some(Value::String(arn)) => arn.clone(),
                        Some(Value::Unknown(unknown)) => unknown.what.clone(),
                        _ => String::new(),
                    };
                    container.env.push(EnvVar {
                        name: name.into(),
                        value: EnvValue::FromSource {
                            source: EnvSource::Secret,
                            source_name: source_name.into(),
                            key: None,
                            resolved: None,
                        },
                        origin: locate(origin, name).unwrap_or_else(|| origin.clone()),
                    });
                }
            }
        }
        if let Some(Value::List(mappings)) = item.get("portMappings") {
            for mapping in mappings {
                if let Some(container_port) = mapping.get("containerPort").and_then(number) {
                    if let Some(mut built) = port(
                        container_port,
                        mapping.get("protocol").and_then(Value::as_str),
                        origin,
                    ) {
                        built.published = mapping
                            .get("hostPort")
                            .and_then(number)
                            .and_then(|n| u16::try_from(n as i64).ok());
                        built.name = mapping
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        container.ports.push(built);
                    }
                }
            }
        }
        service.containers.push(container);
    }
    let ways_in = ecs_service
        .map(|ecs| ecs_ways_in(ecs, task, all, &service))
        .unwrap_or_default();
    Some((service, ways_in))
}

/// A resource that reaches `ports` of the service it selects.
fn exposure(
    kind: &str,
    name: &str,
    ports: impl IntoIterator<Item = u16>,
    origin: &Origin,
) -> Resource {
    Resource {
        kind: kind.to_owned(),
        api_version: None,
        name: name.to_owned(),
        namespace: None,
        labels: SortedMap::new(),
        selector: SortedMap::new(),
        ports: ports
            .into_iter()
            .map(|port| (port, port.to_string()))
            .collect(),
        backends: Vec::new(),
        origin: origin.clone(),
    }
}

/// The name of the resource an attribute refers to: the `name` of
/// `aws_lb_target_group.api` for `aws_lb_target_group.api.arn` (its address when the name is
/// not known), or the last part of an ARN written out.
fn referenced_name(value: &Value, all: &[ResourceInstance], prefix: &str) -> Option<String> {
    match value {
        Value::Unknown(unknown) => {
            let address = parity_model::reference_address(&unknown.what)?;
            let found = all.iter().find(|resource| {
                resource.address == format!("{prefix}{address}")
                    || resource
                        .address
                        .strip_prefix(prefix)
                        .is_some_and(|own| own.split('[').next() == Some(address.as_str()))
            });
            Some(
                found
                    .and_then(|resource| resource.body.string("name"))
                    .unwrap_or(address),
            )
        }
        Value::String(arn) => {
            // `arn:aws:elasticloadbalancing:...:targetgroup/shop-api/6d0ecf831eec9f09`.
            let last = arn.rsplit(':').next().unwrap_or(arn);
            let mut segments = last.split('/');
            let first = segments.next().unwrap_or(last);
            Some(segments.next().unwrap_or(first).to_owned())
        }
        _ => None,
    }
}

/// The ways into an ECS service: its load balancers' target groups (`load_balancer {
/// container_port }`), Service Connect (`service_connect_configuration { service { port_name } }`),
/// Cloud Map registries (`service_registries`), a public IP (`network_configuration {
/// assign_public_ip = true }`), and host ports of tasks outside `awsvpc` networking.
fn ecs_ways_in(
    ecs: &ResourceInstance,
    task: &ResourceInstance,
    all: &[ResourceInstance],
    service: &Service,
) -> Vec<Resource> {
    let body = &ecs.body;
    let prefix = module_prefix(ecs);
    let declared: Vec<&Port> = service
        .containers
        .iter()
        .flat_map(|container| &container.ports)
        .collect();
    let whole_number = |value: &Value| number(value).and_then(|n| u16::try_from(n as i64).ok());
    let mut ways = Vec::new();
    for balancer in children(body, "load_balancer") {
        let Some(container_port) = balancer
            .attribute("container_port")
            .and_then(|(value, _)| whole_number(value))
        else {
            continue;
        };
        let name = balancer
            .attribute("target_group_arn")
            .and_then(|(value, _)| referenced_name(value, all, prefix))
            .or_else(|| balancer.string("elb_name"))
            .unwrap_or_else(|| "load balancer".to_owned());
        ways.push(exposure(
            "TargetGroup",
            &name,
            [container_port],
            &balancer.origin,
        ));
    }
    for registry in children(body, "service_registries") {
        let ports: Vec<u16> = match registry
            .attribute("container_port")
            .and_then(|(value, _)| whole_number(value))
        {
            Some(port) => vec![port],
            // An A record names the task's address: every port it listens on.
            None => declared.iter().map(|port| port.container).collect(),
        };
        let name = registry
            .attribute("registry_arn")
            .and_then(|(value, _)| referenced_name(value, all, prefix))
            .unwrap_or_else(|| "service discovery".to_owned());
        ways.push(exposure("ServiceDiscovery", &name, ports, &registry.origin));
    }
    if let Some(connect) = child(body, "service_connect_configuration") {
        let enabled = !matches!(connect.attribute("enabled"), Some((Value::Bool(false), _)));
        for published in children(&connect, "service").iter().filter(|_| enabled) {
            let Some(port_name) = published.string("port_name") else {
                continue;
            };
            let ports: Vec<u16> = declared
                .iter()
                .filter(|port| port.name.as_deref() == Some(port_name.as_str()))
                .map(|port| port.container)
                .collect();
            let name = published.string("discovery_name").unwrap_or(port_name);
            ways.push(exposure("ServiceConnect", &name, ports, &published.origin));
        }
    }
    if let Some(network) = child(body, "network_configuration") {
        if matches!(
            network.attribute("assign_public_ip"),
            Some((Value::Bool(true), _))
        ) {
            ways.push(exposure(
                "PublicIP",
                &service.name,
                declared.iter().map(|port| port.container),
                &network.origin,
            ));
        }
    }
    // Outside `awsvpc` networking a task's ports are bound on the container instance: a host
    // port opens the container port there (`host` mode opens every port). In `awsvpc` mode (and
    // on Fargate) `hostPort` is only the container port repeated.
    let fargate = matches!(
        task.body.attribute("requires_compatibilities"),
        Some((Value::List(items), _)) if items.iter().any(|item| item.as_str() == Some("FARGATE"))
    );
    let network_mode = task
        .body
        .string("network_mode")
        .unwrap_or_else(|| if fargate { "awsvpc" } else { "bridge" }.to_owned());
    let host_bound: Vec<&&Port> = declared
        .iter()
        .filter(|port| match network_mode.as_str() {
            "host" => true,
            "bridge" => port.published.is_some_and(|host| host != 0),
            _ => false,
        })
        .collect();
    if let Some(first) = host_bound.first() {
        ways.push(exposure(
            "HostPort",
            &network_mode,
            host_bound.iter().map(|port| port.container),
            &first.origin,
        ));
    }
    ways
}

/// Cloud Run's way in: requests to the service's URL go to the one container port it serves
/// (`ports { container_port }` of the ingress container, 8080 when none is written), whatever
/// the ingress setting (`INGRESS_TRAFFIC_INTERNAL_ONLY` narrows who may call, like a ClusterIP
/// Service, but still reaches the port).
fn cloud_run_ingress(service: &Service, ingress: String, body: &Evaluated) -> Resource {
    const CLOUD_RUN_DEFAULT_PORT: u16 = 8080;
    let port = service
        .containers
        .iter()
        .find_map(|container| container.ports.first())
        .map_or(CLOUD_RUN_DEFAULT_PORT, |port| port.container);
    let origin = body
        .attribute("ingress")
        .map_or(&body.origin, |(_, origin)| origin);
    exposure("CloudRunIngress", &ingress, [port], origin)
}

fn module_prefix(resource: &ResourceInstance) -> &str {
    let own = format!("{}.{}", resource.resource_type, resource.name);
    match resource.address.rfind(&own) {
        Some(position) => resource.address.get(..position).unwrap_or_default(),
        None => "",
    }
}

/// Managed databases, caches, brokers and search clusters.
fn backing_service(resource_type: &str, resource: &ResourceInstance) -> Option<BackingService> {
    let body = &resource.body;
    let get = |name: &str| body.string(name);
    let (engine, version, name_attribute) = match resource_type {
        "aws_db_instance" => (
            normalize_engine(&get("engine")?),
            get("engine_version"),
            "identifier",
        ),
        "aws_rds_cluster" => (
            normalize_engine(&get("engine")?),
            get("engine_version"),
            "cluster_identifier",
        ),
        "aws_elasticache_cluster" => (
            normalize_engine(&get("engine")?),
            get("engine_version"),
            "cluster_id",
        ),
        "aws_elasticache_replication_group" => (
            normalize_engine(&get("engine").unwrap_or_else(|| "redis".to_owned())),
            get("engine_version"),
            "replication_group_id",
        ),
        "aws_elasticache_serverless_cache" => (
            normalize_engine(&get("engine")?),
            get("major_engine_version"),
            "name",
        ),
        "google_sql_database_instance" => {
            // `POSTGRES_15`, `MYSQL_8_0`, `SQLSERVER_2019_STANDARD`.
            let database_version = get("database_version")?;
            let (engine, version) = database_version
                .split_once('_')
                .unwrap_or((&database_version, ""));
            let version = version
                .split('_')
                .take_while(|part| part.chars().all(|c| c.is_ascii_digit()))
                .collect::<Vec<_>>()
                .join(".");
            (
                normalize_engine(engine),
                (!version.is_empty()).then_some(version),
                "name",
            )
        }
        "azurerm_postgresql_flexible_server" => ("postgres".to_owned(), get("version"), "name"),
        "azurerm_mysql_flexible_server" => ("mysql".to_owned(), get("version"), "name"),
        "azurerm_redis_cache" => ("redis".to_owned(), get("redis_version"), "name"),
        "aws_mq_broker" => (
            normalize_engine(&get("engine_type")?),
            get("engine_version"),
            "broker_name",
        ),
        "aws_opensearch_domain" => {
            // `OpenSearch_2.11`, `Elasticsearch_7.10`.
            let written = get("engine_version");
            let (engine, version) = match written.as_deref().and_then(|v| v.split_once('_')) {
                Some((engine, version)) => (normalize_engine(engine), Some(version.to_owned())),
                None => ("opensearch".to_owned(), written),
            };
            (engine, version, "domain_name")
        }
        "aws_elasticsearch_domain" => (
            "elasticsearch".to_owned(),
            get("elasticsearch_version"),
            "domain_name",
        ),
        "aws_msk_cluster" => ("kafka".to_owned(), get("kafka_version"), "cluster_name"),
        "aws_docdb_cluster" => (
            "mongodb".to_owned(),
            get("engine_version"),
            "cluster_identifier",
        ),
        _ => return None,
    };
    Some(BackingService {
        name: get(name_attribute).unwrap_or_else(|| resource.name.clone()),
        engine,
        version,
        address: Some(resource.address.clone()),
        origin: body.origin.clone(),
    })
}

/// One name per engine family: `aurora-postgresql` and `POSTGRES` are `postgres`,
/// `ActiveMQ` is `activemq`.
pub(crate) fn normalize_engine(engine: &str) -> String {
    let lower = engine.to_ascii_lowercase();
    match lower.as_str() {
        "postgres" | "postgresql" | "aurora-postgresql" => "postgres".to_owned(),
        "mysql" | "aurora-mysql" | "aurora" => "mysql".to_owned(),
        "mariadb" => "mariadb".to_owned(),
        "redis" => "redis".to_owned(),
        "valkey" => "valkey".to_owned(),
        "memcached" => "memcached".to_owned(),
        "opensearch" => "opensearch".to_owned(),
        "elasticsearch" => "elasticsearch".to_owned(),
        "rabbitmq" => "rabbitmq".to_owned(),
        "activemq" => "activemq".to_owned(),
        "mongo" | "mongodb" | "docdb" => "mongodb".to_owned(),
        "sqlserver" => "sqlserver".to_owned(),
        // RDS editions: `sqlserver-ex`, `sqlserver-se`, `oracle-ee`, `custom-oracle-ee`.
        edition if edition.starts_with("sqlserver-") || edition.starts_with("custom-sqlserver") => {
            "sqlserver".to_owned()
        }
        edition if edition.starts_with("oracle-") || edition.starts_with("custom-oracle") => {
            "oracle".to_owned()
        }
        _ => lower,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{TextPart, Unknown};

    #[test]
    fn an_image_from_an_unknown_repository_keeps_its_tag() {
        let image = image_ref(&Value::Unknown(Unknown {
            what: "aws_ecr_repository.api.repository_url".into(),
            text: Some(vec![
                TextPart::Unknown("aws_ecr_repository.api.repository_url".into()),
                TextPart::Known(":1.4.0".into()),
            ]),
            encoded: None,
        }))
        .unwrap();
        assert_eq!(image.registry, UNKNOWN_REGISTRY);
        assert_eq!(image.repository, "aws_ecr_repository.api.repository_url");
        assert_eq!(image.tag.as_deref(), Some("1.4.0"));
    }

    #[test]
    fn engines_are_normalised() {
        assert_eq!(normalize_engine("aurora-postgresql"), "postgres");
        assert_eq!(normalize_engine("ActiveMQ"), "activemq");
        assert_eq!(normalize_engine("POSTGRES"), "postgres");
    }
}
