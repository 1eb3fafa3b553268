//! Every file's objects into one graph: nodes in input order, env references resolved against
//! the ConfigMaps and Secrets of the whole input, then the edges.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use parity_model::{
    ArcStr, ConfigSource, ConfigSourceKind, Diagnostic, Edge, EnvSource, EnvValue, EnvVar,
    Environment, Node, SensitiveText, looks_secret_key,
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
                    .push((source.namespace.as_deref(), position, &**source));
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
    // Sized up front: objects are large, and growing the vector by doubling copies them and
    // faults in fresh pages several times (a few % of a 10,000-service run).
    let mut objects = Vec::with_capacity(files.iter().map(|file| file.objects.len()).sum());
    // `env.files` is left to the caller: it also lists the files it could not read, which
    // never reach this point.
    for file in files {
        env.diagnostics.extend(file.diagnostics);
        objects.extend(file.objects);
    }
    let mut objects = drop_duplicates(objects, &mut env.diagnostics);
    // The plans are consumed by resolution, so their env vars are moved into the model, not
    // copied.
    let plans: Vec<Vec<EnvPlan>> = objects
        .iter_mut()
        .map(|object| match &mut object.body {
            Body::Workload(workload) => std::mem::take(&mut workload.env_plans),
            _ => Vec::new(),
        })
        .collect();

    // Everything that reads across objects is worked out by object position first; the objects
    // are then moved into the graph (not cloned: the parsed objects and the graph are never
    // both alive in full, the peak of a large load), and the edges added by position, in the
    // same order as the nodes and edges have always been added.
    let index = SourceIndex::new(&objects);
    // Each workload's env is resolved on its own (rayon; results in object order, so the
    // diagnostics and the graph do not depend on thread timing). Boxed: one slot per object,
    // and most objects are not workloads.
    let mut workload_envs: Vec<Option<Box<WorkloadEnv>>> = objects
        .par_iter()
        .zip(plans.into_par_iter())
        .map(|(object, plans)| {
            let Body::Workload(workload) = &object.body else {
                return None;
            };
            let namespace = object.namespace.as_deref();
            let mut sources = BTreeSet::new();
            let mut diagnostics = Vec::new();
            let containers = plans
                .into_iter()
                .take(workload.service.containers.len())
                .map(|plan| resolve_env(plan, namespace, &index, &mut sources, &mut diagnostics))
                .collect();
            for (kind, name) in &workload.mounted_sources {
                if let Some((source_position, _)) = index.find(*kind, name, namespace) {
                    sources.insert(source_position);
                }
            }
            Some(Box::new(WorkloadEnv {
                containers,
                sources,
                diagnostics,
            }))
        })
        .collect();
    // Per workload: the resolved env and unresolved `envFrom` sources of each container.
    let mut resolved: Vec<Option<Vec<ResolvedEnv>>> = Vec::with_capacity(objects.len());
    // Per workload position: the object positions of the ConfigMaps and Secrets it reads.
    let mut reads: Vec<(usize, BTreeSet<usize>)> = Vec::new();
    let mut noted_kinds = HashSet::new();
    for ((position, object), workload_env) in objects.iter().enumerate().zip(&mut workload_envs) {
        match &object.body {
            Body::Workload(_) => {
                let Some(workload_env) = workload_env.take() else {
                    resolved.push(None);
                    continue;
                };
                env.diagnostics.extend(workload_env.diagnostics);
                resolved.push(Some(workload_env.containers));
                reads.push((position, workload_env.sources));
            }
            Body::Config(_) => resolved.push(None),
            Body::Resource { unknown, .. } => {
                if *unknown && noted_kinds.insert(object.kind.as_str()) {
                    let message = format!(
                        "kind {} is not modelled; kept as a plain resource",
                        object.kind
                    );
                    env.diagnostics
                        .push(Diagnostic::note(object.origin.clone(), message));
                }
                resolved.push(None);
            }
        }
    }
    drop(index);
    drop(noted_kinds);
    drop(workload_envs);

    // Edges by object position, in the order they are added.
    let mut edges: Vec<(usize, usize, Edge)> = Vec::new();
    for (workload, sources) in &reads {
        for source in sources {
            edges.push((*workload, *source, Edge::ReadsConfigFrom));
        }
    }
    drop(reads);

    // Workloads by pod template label, so matching selectors is not a scan of every workload
    // per Service.
    let mut by_label: HashMap<(&str, &str), Vec<_>> = HashMap::new();
    for (position, object) in objects.iter().enumerate() {
        if let Body::Workload(workload) = &object.body {
            for (key, value) in &workload.pod_labels {
                by_label
                    .entry((key.as_str(), value.as_str()))
                    .or_default()
                    .push((position, object, workload));
            }
        }
    }
    for (service_position, object) in objects.iter().enumerate() {
        let Body::Resource { resource, .. } = &object.body else {
            continue;
        };
        if resource.selector.is_empty() {
            continue;
        }
        if object.kind != "Service" || object.api_version != "v1" {
            continue;
        }
        // Only workloads carrying the selector's first label can match all of it.
        let Some(first_label) = resource.selector.iter().next() else {
            continue;
        };
        let candidates = by_label.get(&(first_label.0.as_str(), first_label.1.as_str()));
        for &(workload_position, workload_object, workload) in candidates.into_iter().flatten() {
            let same_namespace = namespaces_meet(
                object.namespace.as_deref(),
                workload_object.namespace.as_deref(),
            );
            let matches = resource
                .selector
                .iter()
                .all(|(key, value)| workload.pod_labels.get(key) == Some(value));
            if same_namespace && matches {
                edges.push((service_position, workload_position, Edge::Selects));
            }
        }
    }
    drop(by_label);

    // Ingresses and routes to the Services they name, in the same namespace.
    let mut services_by_name: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for (position, object) in objects.iter().enumerate() {
        if object.kind == "Service" {
            services_by_name.insert(
                (object.name.as_str(), object.namespace.as_deref()),
                position,
            );
        }
    }
    for (route_position, object) in objects.iter().enumerate() {
        let Body::Resource { resource, .. } = &object.body else {
            continue;
        };
        let mut linked = BTreeSet::new();
        for backend in &resource.backends {
            let target = services_by_name
                .get(&(backend.service.as_str(), object.namespace.as_deref()))
                .or_else(|| services_by_name.get(&(backend.service.as_str(), None)));
            if let Some(&target) = target {
                if linked.insert(target) {
                    edges.push((route_position, target, Edge::Routes));
                }
            }
        }
    }
    drop(services_by_name);

    // Each workload gets its env and reads its connections on its own (in parallel: URL parsing
    // is most of linking connections); only the edges need the whole graph.
    objects
        .par_iter_mut()
        .zip(resolved.into_par_iter())
        .for_each(|(object, resolved)| {
            if let Body::Workload(workload) = &mut object.body {
                let service = &mut workload.service;
                for (container, env) in service
                    .containers
                    .iter_mut()
                    .zip(resolved.into_iter().flatten())
                {
                    container.env = env.vars;
                    container.env_from_unresolved.extend(env.unresolved);
                }
                parity_model::read_connections(service);
                service.shrink_to_fit();
            }
        });
    let mut node_of = Vec::with_capacity(objects.len());
    for object in objects {
        let node = match object.body {
            Body::Workload(workload) => env.graph.add(Node::from(workload.service)),
            // Already boxed: the box moves into the node as it is.
            Body::Config(source) => env.graph.add(Node::ConfigSource(source)),
            Body::Resource { resource, .. } => env.graph.add(Node::Resource(resource)),
        };
        node_of.push(node);
    }
    for (from, to, edge) in edges {
        if let (Some(&from), Some(&to)) = (node_of.get(from), node_of.get(to)) {
            env.graph.connect(from, to, edge);
        }
    }

    parity_model::link_read_connections(&mut env.graph);
}

/// A workload's env once resolved, with what resolving it read and reported.
struct WorkloadEnv {
    containers: Vec<ResolvedEnv>,
    /// Object positions of the ConfigMaps and Secrets it reads.
    sources: BTreeSet<usize>,
    diagnostics: Vec<Diagnostic>,
}

/// One container's env once its references are resolved.
struct ResolvedEnv {
    vars: Vec<EnvVar>,
    /// `envFrom` sources not in the input, as `configmap/NAME` or `secret/NAME`.
    unresolved: Vec<String>,
}

/// Keeps the last object of each kind, namespace and name, which is what `kubectl apply` of the
/// files in order leaves in the cluster, and reports each repeat so pairing never sees two
/// services of one name from one side.
fn drop_duplicates(objects: Vec<K8sObject>, diagnostics: &mut Vec<Diagnostic>) -> Vec<K8sObject> {
    /// What names an object to `kubectl apply`: kind, namespace, name.
    type ObjectKey<'a> = (&'a str, Option<&'a str>, &'a str);
    fn key(object: &K8sObject) -> ObjectKey<'_> {
        (
            object.kind.as_str(),
            object.namespace.as_deref(),
            object.name.as_str(),
        )
    }
    // Equal keys found by sorting, not hashing: this runs just before the graph is built, at the
    // peak of a large load, where two hash maps of every object's key were 7.5 MB at 10,000
    // services per side (the sorted vector is ~1.7 MB).
    let mut keyed: Vec<(ObjectKey<'_>, usize)> = objects
        .iter()
        .enumerate()
        .map(|(position, object)| (key(object), position))
        .collect();
    keyed.sort_unstable();
    let mut keep = vec![true; objects.len()];
    // (position, warning): reported in object order, as they were read.
    let mut duplicates: Vec<(usize, Diagnostic)> = Vec::new();
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        let (Some(&(_, first)), Some(&(_, last))) = (group.first(), group.last()) else {
            continue;
        };
        let Some(first_origin) = objects.get(first).map(|object| &object.origin) else {
            continue;
        };
        for &(_, position) in group {
            if position != last {
                if let Some(kept) = keep.get_mut(position) {
                    *kept = false;
                }
            }
            let Some(object) = objects.get(position) else {
                continue;
            };
            if object.origin != *first_origin {
                let message = format!(
                    "duplicate {} {} (first defined at {first_origin}); the last definition is used, as kubectl apply leaves it",
                    object.kind, object.name
                );
                duplicates.push((
                    position,
                    Diagnostic::warning(object.origin.clone(), message),
                ));
            }
        }
    }
    drop(keyed);
    duplicates.sort_by_key(|(position, _)| *position);
    diagnostics.extend(duplicates.into_iter().map(|(_, diagnostic)| diagnostic));
    if keep.iter().all(|kept| *kept) {
        return objects;
    }
    objects
        .into_iter()
        .zip(keep)
        .filter_map(|(object, kept)| kept.then_some(object))
        .collect()
}

/// A container's env from its plan: `envFrom` sources expanded key by key (a later source wins
/// over an earlier one), then `env` entries, which win over `envFrom` for the same name.
fn resolve_env(
    plan: EnvPlan,
    namespace: Option<&str>,
    index: &SourceIndex<'_>,
    sources: &mut BTreeSet<usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ResolvedEnv {
    let mut unresolved = Vec::new();
    let mut from_vars: Vec<EnvVar> = Vec::new();
    for from in &plan.from {
        let word = source_word(from.source);
        match index.find(from.source, &from.name, namespace) {
            Some((position, source)) => {
                sources.insert(position);
                // Every var shares its text with the source: the key (as its name too, unless
                // prefixed), the source's name and the value are clones, not copies.
                for (key, (value, _)) in &source.entries {
                    let name = if from.prefix.is_empty() {
                        key.clone()
                    } else {
                        ArcStr::from(format!("{}{key}", from.prefix))
                    };
                    from_vars.retain(|var| var.name != name);
                    let resolved = resolved_value(from.source, &name, value);
                    from_vars.push(EnvVar {
                        name,
                        value: EnvValue::FromSource {
                            source: from.source,
                            source_name: source.name.clone(),
                            key: Some(key.clone()),
                            resolved: Some(resolved),
                        },
                        origin: from.origin.clone(),
                    });
                }
            }
            None => {
                unresolved.push(format!("{word}/{}", from.name));
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
    let mut vars = {
        let explicit: HashSet<&str> = plan.vars.iter().map(|var| var.name.as_str()).collect();
        from_vars.retain(|var| !explicit.contains(var.name.as_str()));
        from_vars
    };
    vars.reserve_exact(plan.vars.len());
    for mut var in plan.vars {
        if let EnvValue::FromSource {
            source,
            source_name,
            key: Some(key),
            resolved,
        } = &mut var.value
        {
            if let Some((position, found)) = index.find(*source, source_name, namespace) {
                sources.insert(position);
                match found.entries.get_key_value(key.as_str()) {
                    Some((found_key, (value, _))) => {
                        *resolved = Some(resolved_value(*source, &var.name, value));
                        // The same text as the source's: share it, drop the copy read here.
                        *source_name = found.name.clone();
                        *key = found_key.clone();
                    }
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
        vars.push(var);
    }
    ResolvedEnv { vars, unresolved }
}

/// A value read from a source: Secret values are always secret; a ConfigMap value is secret when
/// its key or the variable's name looks like one.
/// Shares the source's text (no copy).
fn resolved_value(source: EnvSource, var_name: &str, value: &SensitiveText) -> SensitiveText {
    if source == EnvSource::Secret || value.is_sensitive() || looks_secret_key(var_name) {
        value.to_secret()
    } else {
        value.clone()
    }
}
