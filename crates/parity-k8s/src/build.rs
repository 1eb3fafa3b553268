//! Every file's objects into one graph: nodes in input order, env references resolved against
//! the ConfigMaps and Secrets of the whole input, then the edges.

use std::collections::{BTreeSet, HashMap, HashSet};

use parity_model::{
    ConfigSource, ConfigSourceKind, Container, Diagnostic, Edge, EnvSource, EnvValue, EnvVar,
    Environment, Node, NodeIndex, SensitiveText, looks_secret_key,
};

use crate::object::Body;
use crate::workload::EnvPlan;
use crate::{K8sObject, ParsedFile};

/// ConfigMaps and Secrets of the input by kind and name.
struct SourceIndex<'a> {
    by_name: HashMap<(EnvSource, &'a str), Vec<IndexedSource<'a>>>,
}

/// A source's namespace, its position in the object list, and the source.
type IndexedSource<'a> = (Option<&'a str>, usize, &'a ConfigSource);

impl<'a> SourceIndex<'a> {
    fn new(objects: &'a [K8sObject]) -> Self {
        let mut by_name: HashMap<_, Vec<_>> = HashMap::new();
        for (position, object) in objects.iter().enumerate() {
            if let Body::Config(source) = &object.body {
                let kind = match source.kind {
                    ConfigSourceKind::ConfigMap => EnvSource::ConfigMap,
                    ConfigSourceKind::Secret => EnvSource::Secret,
                    ConfigSourceKind::EnvFile => EnvSource::EnvFile,
                };
                by_name
                    .entry((kind, source.name.as_str()))
                    .or_default()
                    .push((source.namespace.as_deref(), position, source));
            }
        }
        Self { by_name }
    }

    /// The source named `name` that a workload in `namespace` sees: one in the same namespace,
    /// else one where either side leaves the namespace unset (both then land in whatever
    /// namespace `kubectl apply -n` picks).
    fn find(
        &self,
        kind: EnvSource,
        name: &str,
        namespace: Option<&str>,
    ) -> Option<(usize, &'a ConfigSource)> {
        let candidates = self.by_name.get(&(kind, name))?;
        let exact = candidates.iter().find(|(ns, _, _)| *ns == namespace);
        let loose = || {
            candidates
                .iter()
                .find(|(ns, _, _)| namespaces_meet(*ns, namespace))
        };
        exact
            .or_else(loose)
            .map(|&(_, position, source)| (position, source))
    }
}

/// Whether two objects may be in the same namespace.
fn namespaces_meet(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// The source kind's name in messages and in `env_from_unresolved` (kubectl's spelling).
fn source_word(source: EnvSource) -> &'static str {
    match source {
        EnvSource::ConfigMap => "configmap",
        EnvSource::Secret => "secret",
        EnvSource::EnvFile => "env_file",
    }
}

pub(crate) fn build(files: Vec<ParsedFile>, env: &mut Environment) {
    let mut objects = Vec::new();
    // `env.files` is left to the caller: it also lists the files it could not read, which
    // never reach this point.
    for file in files {
        env.diagnostics.extend(file.diagnostics);
        objects.extend(file.objects);
    }
    let objects = drop_duplicates(objects, &mut env.diagnostics);
    let index = SourceIndex::new(&objects);

    let mut node_of = vec![None; objects.len()];
    // Per workload node: the object positions of the ConfigMaps and Secrets it reads.
    let mut reads: Vec<(NodeIndex, BTreeSet<usize>)> = Vec::new();
    let mut workloads: Vec<(NodeIndex, &K8sObject)> = Vec::new();
    let mut noted_kinds = HashSet::new();
    for (position, object) in objects.iter().enumerate() {
        let node = match &object.body {
            Body::Workload(workload) => {
                let mut service = workload.service.clone();
                let namespace = object.namespace.as_deref();
                let mut sources = BTreeSet::new();
                for (container, plan) in service.containers.iter_mut().zip(&workload.env_plans) {
                    resolve_env(
                        container,
                        plan,
                        namespace,
                        &index,
                        &mut sources,
                        &mut env.diagnostics,
                    );
                }
                for (kind, name) in &workload.mounted_sources {
                    if let Some((source_position, _)) = index.find(*kind, name, namespace) {
                        sources.insert(source_position);
                    }
                }
                let node = env.graph.add(Node::Service(service));
                reads.push((node, sources));
                workloads.push((node, object));
                node
            }
            Body::Config(source) => env.graph.add(Node::ConfigSource(source.clone())),
            Body::Resource { resource, unknown } => {
                if *unknown && noted_kinds.insert(object.kind.as_str()) {
                    let message = format!(
                        "kind {} is not modelled; kept as a plain resource",
                        object.kind
                    );
                    env.diagnostics
                        .push(Diagnostic::note(object.origin.clone(), message));
                }
                env.graph.add(Node::Resource(resource.clone()))
            }
        };
        if let Some(slot) = node_of.get_mut(position) {
            *slot = Some(node);
        }
    }

    for (workload_node, sources) in reads {
        for position in sources {
            if let Some(Some(source_node)) = node_of.get(position) {
                env.graph
                    .connect(workload_node, *source_node, Edge::ReadsConfigFrom);
            }
        }
    }

    // Workloads by pod template label, so matching selectors is not a scan of every workload
    // per Service.
    let mut by_label: HashMap<(&str, &str), Vec<_>> = HashMap::new();
    for &(workload_node, workload_object) in &workloads {
        if let Body::Workload(workload) = &workload_object.body {
            for (key, value) in &workload.pod_labels {
                by_label
                    .entry((key.as_str(), value.as_str()))
                    .or_default()
                    .push((workload_node, workload_object, workload));
            }
        }
    }
    for (position, object) in objects.iter().enumerate() {
        let Body::Resource { resource, .. } = &object.body else {
            continue;
        };
        let (Some(Some(service_node)), false) =
            (node_of.get(position), resource.selector.is_empty())
        else {
            continue;
        };
        if object.kind != "Service" || object.api_version != "v1" {
            continue;
        }
        // Only workloads carrying the selector's first label can match all of it.
        let Some(first_label) = resource.selector.iter().next() else {
            continue;
        };
        let candidates = by_label.get(&(first_label.0.as_str(), first_label.1.as_str()));
        for &(workload_node, workload_object, workload) in candidates.into_iter().flatten() {
            let same_namespace = namespaces_meet(
                object.namespace.as_deref(),
                workload_object.namespace.as_deref(),
            );
            let matches = resource
                .selector
                .iter()
                .all(|(key, value)| workload.pod_labels.get(key) == Some(value));
            if same_namespace && matches {
                env.graph
                    .connect(*service_node, workload_node, Edge::Selects);
            }
        }
    }

    // Ingresses and routes to the Services they name, in the same namespace.
    let mut services_by_name: HashMap<(&str, Option<&str>), NodeIndex> = HashMap::new();
    for (position, object) in objects.iter().enumerate() {
        if object.kind == "Service" {
            if let Some(Some(node)) = node_of.get(position) {
                services_by_name.insert((object.name.as_str(), object.namespace.as_deref()), *node);
            }
        }
    }
    for (position, object) in objects.iter().enumerate() {
        let (Body::Resource { resource, .. }, Some(Some(route_node))) =
            (&object.body, node_of.get(position))
        else {
            continue;
        };
        let mut linked = BTreeSet::new();
        for backend in &resource.backends {
            let target = services_by_name
                .get(&(backend.service.as_str(), object.namespace.as_deref()))
                .or_else(|| services_by_name.get(&(backend.service.as_str(), None)));
            if let Some(&target) = target {
                if linked.insert(target) {
                    env.graph.connect(*route_node, target, Edge::Routes);
                }
            }
        }
    }

    parity_model::link_connections(&mut env.graph);
}

/// Keeps the last object of each kind, namespace and name, which is what `kubectl apply` of the
/// files in order leaves in the cluster, and reports each repeat so pairing never sees two
/// services of one name from one side.
fn drop_duplicates(objects: Vec<K8sObject>, diagnostics: &mut Vec<Diagnostic>) -> Vec<K8sObject> {
    let key = |object: &K8sObject| {
        (
            object.kind.clone(),
            object.namespace.clone(),
            object.name.clone(),
        )
    };
    let mut last_position = HashMap::new();
    let mut first_origin = HashMap::new();
    for (position, object) in objects.iter().enumerate() {
        last_position.insert(key(object), position);
        let first = first_origin
            .entry(key(object))
            .or_insert_with(|| object.origin.clone());
        if *first != object.origin {
            let message = format!(
                "duplicate {} {} (first defined at {first}); the last definition is used, as kubectl apply leaves it",
                object.kind, object.name
            );
            diagnostics.push(Diagnostic::warning(object.origin.clone(), message));
        }
    }
    objects
        .into_iter()
        .enumerate()
        .filter(|(position, object)| last_position.get(&key(object)) == Some(position))
        .map(|(_, object)| object)
        .collect()
}

/// Fills `container.env` from its plan: `envFrom` sources expanded key by key (a later source
/// wins over an earlier one), then `env` entries, which win over `envFrom` for the same name.
fn resolve_env(
    container: &mut Container,
    plan: &EnvPlan,
    namespace: Option<&str>,
    index: &SourceIndex<'_>,
    sources: &mut BTreeSet<usize>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut from_vars: Vec<EnvVar> = Vec::new();
    for from in &plan.from {
        let word = source_word(from.source);
        match index.find(from.source, &from.name, namespace) {
            Some((position, source)) => {
                sources.insert(position);
                for (key, (value, _)) in &source.entries {
                    let name = format!("{}{key}", from.prefix);
                    from_vars.retain(|var| var.name != name);
                    let resolved = resolved_value(from.source, &name, value);
                    from_vars.push(EnvVar {
                        name,
                        value: EnvValue::FromSource {
                            source: from.source,
                            source_name: from.name.clone(),
                            key: Some(key.clone()),
                            resolved: Some(resolved),
                        },
                        origin: from.origin.clone(),
                    });
                }
            }
            None => {
                container
                    .env_from_unresolved
                    .push(format!("{word}/{}", from.name));
                let optional = if from.optional {
                    " (it is optional)"
                } else {
                    ""
                };
                let message = format!(
                    "envFrom {word} {} not found in the input; its keys are unknown{optional}",
                    from.name
                );
                diagnostics.push(Diagnostic::note(from.origin.clone(), message));
            }
        }
    }
    let explicit: HashSet<&str> = plan.vars.iter().map(|var| var.name.as_str()).collect();
    from_vars.retain(|var| !explicit.contains(var.name.as_str()));
    container.env = from_vars;
    for var in &plan.vars {
        let mut var = var.clone();
        if let EnvValue::FromSource {
            source,
            source_name,
            key: Some(key),
            resolved,
        } = &mut var.value
        {
            if let Some((position, found)) = index.find(*source, source_name, namespace) {
                sources.insert(position);
                match found.entries.get(key.as_str()) {
                    Some((value, _)) => *resolved = Some(resolved_value(*source, &var.name, value)),
                    None => {
                        let message = format!(
                            "{} {source_name} has no key {key:?}, which env var {} reads",
                            source_word(*source),
                            var.name
                        );
                        diagnostics.push(Diagnostic::warning(var.origin.clone(), message));
                    }
                }
            }
        }
        container.env.push(var);
    }
}

/// A value read from a source: Secret values are always secret; a ConfigMap value is secret when
/// its key or the variable's name looks like one.
fn resolved_value(source: EnvSource, var_name: &str, value: &SensitiveText) -> SensitiveText {
    if source == EnvSource::Secret || value.is_sensitive() || looks_secret_key(var_name) {
        SensitiveText::secret(value.expose())
    } else {
        SensitiveText::plain(value.expose())
    }
}
