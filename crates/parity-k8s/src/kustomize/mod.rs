//! kustomize, natively: builds a kustomization folder into the objects `kustomize build` (and
//! `kubectl kustomize`) prints, without the kustomize binary.
//!
//! What is built: `resources` (files, folders, nested kustomizations; the deprecated `bases`
//! too), `components`, `namePrefix`/`nameSuffix`, `namespace`, `commonLabels` and `labels`
//! (selectors and templates as kustomize writes them), `commonAnnotations`, `images`,
//! `replicas`, `patches` (strategic merge and JSON 6902, with `target` selectors),
//! `patchesStrategicMerge`, `patchesJson6902`, `configMapGenerator` and `secretGenerator`
//! (literals, env files, files; `behavior`; `generatorOptions`) with kustomize's content-hash
//! name suffix, and the rewriting of every reference to a renamed object. Steps run in
//! kustomize's order: resources, generators, components, then the transformers.
//!
//! Every node keeps the file and line it came from (a base file, a patch, or the
//! kustomization line that set the field; see [`position`]), so findings point at the line to
//! change. Remote resources (URLs) become a note, fields parity does not apply (`replacements`,
//! `helmCharts`, ...) a warning, and nothing outside the boundary folder is ever read.

mod folder;
mod generate;
mod hash;
mod patch;
pub(crate) mod position;
mod refs;
mod transform;
mod tree;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use parity_model::{ArcStr, Diagnostic, Origin};
use parity_source::yaml::{self, Node, Value};

use crate::{K8sObject, ParsedFile, kinds, object, read};
pub use folder::{FolderPlan, plan_folder};
use tree::Pos;

/// The names kustomize looks for in a folder, in its order.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file in `dir`, when it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// Whether `path` is named like a kustomization file.
pub fn is_kustomization_file_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| KUSTOMIZATION_FILE_NAMES.contains(&name))
}

/// What a build produced.
#[derive(Debug, Clone, Default)]
pub struct Rendering {
    /// The rendered objects, in the order kustomize accumulates them. Node lines carry a file
    /// number (see [`Rendering::origin`]); use values, not positions, when comparing.
    pub objects: Vec<Node>,
    /// The files read, by file number.
    pub sources: Vec<ArcStr>,
    /// Errors, warnings and notes, with real file, line and column.
    pub diagnostics: Vec<Diagnostic>,
}

impl Rendering {
    /// Where a node of [`Rendering::objects`] was written.
    pub fn origin(&self, node: &Node) -> Origin {
        let (index, line) = position::decode(node.line);
        match self.sources.get(index) {
            Some(file) => Origin::new(file.clone(), line, node.column),
            None => Origin::new(ArcStr::from("<kustomize>"), line, node.column),
        }
    }

    /// The rendered objects as parity reads Kubernetes objects, reported as coming from
    /// `display` (the kustomization) where no better position exists.
    pub fn into_parsed_file(self, display: ArcStr) -> ParsedFile {
        let mut diagnostics = self.diagnostics;
        let mut objects: Vec<K8sObject> = Vec::new();
        {
            let mut cx = read::Cx {
                file: &display,
                diagnostics: &mut diagnostics,
                sources: &self.sources,
                shared: parity_model::SharedText::default(),
            };
            for document in &self.objects {
                object::read_document(&mut cx, document, None, &mut objects);
            }
        }
        ParsedFile {
            display,
            objects,
            diagnostics,
        }
    }
}

/// Builds the kustomization in `dir`, reading nothing outside `boundary` (see
/// [`parity_source::read_boundary`]) and no file larger than `max_file_bytes`. Never fails: problems are
/// diagnostics, and what could be built is returned.
pub fn render(dir: &Path, boundary: &Path, max_file_bytes: u64) -> Rendering {
    let mut builder = Builder {
        boundary: std::fs::canonicalize(boundary).unwrap_or_else(|_| boundary.to_owned()),
        max_file_bytes,
        sources: Vec::new(),
        source_index: HashMap::new(),
        diagnostics: Vec::new(),
        active: Vec::new(),
    };
    let mut resources = Vec::new();
    builder.build_dir(dir, None, false, &mut resources);
    // Hash suffixes come last, once names and data are final, and only at the top: an overlay
    // that patches a generated ConfigMap changes its hash.
    for resource in &mut resources {
        if resource.hash_suffix
            && let Some(suffix) = hash::name_suffix(&resource.object)
        {
            let name = format!("{}-{suffix}", resource.name());
            resource.rename(name);
        }
    }
    refs::fix_references(&mut resources);
    Rendering {
        objects: resources
            .into_iter()
            .map(|resource| resource.object)
            .collect(),
        sources: builder.sources,
        diagnostics: builder.diagnostics,
    }
}

/// One object being built, with the names it had before (patches and references may use any).
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) object: Node,
    pub(crate) previous_names: Vec<String>,
    /// A generated ConfigMap or Secret that gets a content-hash name suffix.
    pub(crate) hash_suffix: bool,
}

impl Resource {
    fn new(object: Node) -> Self {
        Self {
            object,
            previous_names: Vec::new(),
            hash_suffix: false,
        }
    }

    pub(crate) fn kind(&self) -> &str {
        tree::text(self.object.get("kind")).unwrap_or("")
    }

    pub(crate) fn api_version(&self) -> &str {
        tree::text(self.object.get("apiVersion")).unwrap_or("")
    }

    pub(crate) fn name(&self) -> &str {
        tree::text(self.object.path(&["metadata", "name"])).unwrap_or("")
    }

    pub(crate) fn namespace(&self) -> Option<&str> {
        tree::text(self.object.path(&["metadata", "namespace"]))
    }

    /// Renames the object, keeping the position of its `name:` (the object is still the one
    /// written there).
    pub(crate) fn rename(&mut self, name: String) {
        let old = self.name().to_owned();
        if old == name {
            return;
        }
        self.previous_names.push(old);
        let at = Pos::of(&self.object);
        if let Some(node) = tree::path_mut(&mut self.object, &["metadata", "name"]) {
            node.value = Value::Scalar(yaml::Scalar {
                text: name.into(),
                quoted: true,
            });
        } else if let Some(metadata) = tree::map_at(&mut self.object, &["metadata"], true, at) {
            tree::set(metadata, "name", tree::string(&name, at));
        }
    }

    /// Whether the object is or was called `name`.
    pub(crate) fn answers_to(&self, name: &str) -> bool {
        self.name() == name || self.previous_names.iter().any(|previous| previous == name)
    }
}

/// A patch's `target:` selector.
///
/// Every field is an anchored regular expression, as in kustomize (`kind: (StatefulSet|Job)`).
#[derive(Debug, Default)]
struct Selector {
    group: Option<regex::Regex>,
    version: Option<regex::Regex>,
    kind: Option<regex::Regex>,
    name: Option<regex::Regex>,
    namespace: Option<regex::Regex>,
    label_selector: Vec<(String, Option<String>, bool)>,
    annotation_selector: Vec<(String, Option<String>, bool)>,
}

impl Selector {
    fn matches(&self, resource: &Resource) -> bool {
        let api_version = resource.api_version();
        let group = kinds::group_of(api_version);
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let matches = |pattern: &Option<regex::Regex>, text: &str| {
            pattern
                .as_ref()
                .is_none_or(|pattern| pattern.is_match(text))
        };
        matches(&self.group, group)
            && matches(&self.version, version)
            && matches(&self.kind, resource.kind())
            && (matches(&self.name, resource.name())
                || resource
                    .previous_names
                    .iter()
                    .any(|name| matches(&self.name, name)))
            && matches(&self.namespace, resource.namespace().unwrap_or("default"))
            && selects(
                &self.label_selector,
                resource.object.path(&["metadata", "labels"]),
            )
            && selects(
                &self.annotation_selector,
                resource.object.path(&["metadata", "annotations"]),
            )
    }
}

/// Equality-based label selectors (`a=b,c!=d,e`), the form kustomize targets use.
fn parse_label_selector(text: &str) -> Vec<(String, Option<String>, bool)> {
    text.split(',')
        .map(str::trim)
        .filter(|term| !term.is_empty())
        .map(|term| {
            if let Some((key, value)) = term.split_once("!=") {
                (key.trim().to_owned(), Some(value.trim().to_owned()), false)
            } else if let Some((key, value)) =
                term.split_once("==").or_else(|| term.split_once('='))
            {
                (key.trim().to_owned(), Some(value.trim().to_owned()), true)
            } else if let Some(key) = term.strip_prefix('!') {
                (key.trim().to_owned(), None, false)
            } else {
                (term.to_owned(), None, true)
            }
        })
        .collect()
}

fn selects(terms: &[(String, Option<String>, bool)], labels: Option<&Node>) -> bool {
    terms.iter().all(|(key, value, wanted)| {
        let actual = labels
            .and_then(|labels| labels.get(key))
            .and_then(Node::as_str);
        let holds = match value {
            Some(value) => actual == Some(value.as_str()),
            None => actual.is_some(),
        };
        holds == *wanted
    })
}

/// Kustomization fields parity reads.
const SUPPORTED_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "buildMetadata",
    "sortOptions",
    "openapi",
];

/// Kustomizations including kustomizations this deep are a generated or hostile tree.
const MAX_NESTING: usize = 64;

/// The state of one build.
pub(crate) struct Builder {
    boundary: PathBuf,
    max_file_bytes: u64,
    sources: Vec<ArcStr>,
    source_index: HashMap<PathBuf, usize>,
    diagnostics: Vec<Diagnostic>,
    /// Canonical folders of the kustomizations being built, to stop cycles.
    active: Vec<PathBuf>,
}

impl Builder {
    fn origin(&self, at: Pos) -> Origin {
        let (index, line) = position::decode(at.line);
        match self.sources.get(index) {
            Some(file) => Origin::new(file.clone(), line, at.column),
            None => Origin::new(ArcStr::from("<kustomize>"), line, at.column),
        }
    }

    fn error(&mut self, at: Pos, message: impl Into<String>) {
        let origin = self.origin(at);
        self.diagnostics.push(Diagnostic::error(origin, message));
    }

    fn warning(&mut self, at: Pos, message: impl Into<String>) {
        let origin = self.origin(at);
        self.diagnostics.push(Diagnostic::warning(origin, message));
    }

    fn note(&mut self, at: Pos, message: impl Into<String>) {
        let origin = self.origin(at);
        self.diagnostics.push(Diagnostic::note(origin, message));
    }

    /// Error at a position, or on the file when there is none (the root kustomization).
    fn error_at(&mut self, at: Option<Pos>, path: &Path, message: impl Into<String>) {
        match at {
            Some(at) => self.error(at, message),
            None => self.diagnostics.push(Diagnostic::error(
                Origin::file(ArcStr::from(path.display().to_string())),
                message,
            )),
        }
    }

    /// The displayed name of file number `index`.
    fn file_name(&self, index: usize) -> ArcStr {
        self.sources
            .get(index)
            .cloned()
            .unwrap_or_else(|| ArcStr::from("<kustomize>"))
    }

    /// The file number of `path` (as displayed), registering it.
    fn source(&mut self, path: &Path) -> usize {
        if let Some(&index) = self.source_index.get(path) {
            return index;
        }
        if self.sources.len() == position::MAX_FILES {
            // Positions carry at most this many file numbers; later files share the last one.
            self.diagnostics.push(Diagnostic::warning(
                Origin::file(ArcStr::from(path.display().to_string())),
                format!(
                    "this build reads more than {} files: positions in the files after this one may name the wrong file",
                    position::MAX_FILES
                ),
            ));
        }
        let index = self.sources.len().min(position::MAX_FILES);
        self.sources.push(ArcStr::from(path.display().to_string()));
        self.source_index.insert(path.to_owned(), index);
        index
    }

    /// The canonical form of `path` when it is inside the boundary; an error otherwise.
    fn confined(&mut self, path: &Path, at: Option<Pos>, written: &str) -> Option<PathBuf> {
        let Ok(real) = std::fs::canonicalize(path) else {
            self.error_at(
                at,
                path,
                format!("`{written}` does not exist ({})", path.display()),
            );
            return None;
        };
        if real.starts_with(&self.boundary) {
            return Some(real);
        }
        let message = format!(
            "`{written}` is outside {} and is not read: parity reads nothing outside the repository (or folder) it is given",
            self.boundary.display()
        );
        self.error_at(at, path, message);
        None
    }

    /// Reads a file inside the boundary; `None` after reporting why not.
    fn read(&mut self, path: &Path, at: Option<Pos>, written: &str) -> Option<(String, usize)> {
        self.confined(path, at, written)?;
        match parity_source::read_text(path, self.max_file_bytes) {
            Ok(text) => {
                let index = self.source(path);
                Some((text, index))
            }
            Err(error) => {
                self.error_at(at, path, format!("cannot read `{written}`: {error}"));
                None
            }
        }
    }

    /// Builds the kustomization (or component) in `dir` into `out`.
    fn build_dir(&mut self, dir: &Path, at: Option<Pos>, component: bool, out: &mut Vec<Resource>) {
        let Some(file) = kustomization_file(dir) else {
            self.error_at(
                at,
                dir,
                format!(
                    "folder {} has no kustomization.yaml, kustomization.yml or Kustomization",
                    dir.display()
                ),
            );
            return;
        };
        let written = file.display().to_string();
        let Some(real_dir) = self.confined(dir, at, &written) else {
            return;
        };
        if self.active.contains(&real_dir) {
            self.error_at(
                at,
                dir,
                format!(
                    "kustomization {} includes itself (a cycle of kustomizations)",
                    dir.display()
                ),
            );
            return;
        }
        if self.active.len() >= MAX_NESTING {
            let message = format!(
                "kustomizations nested deeper than {MAX_NESTING} levels; {} is not read",
                dir.display()
            );
            self.error_at(at, dir, message);
            return;
        }
        let Some((text, index)) = self.read(&file, at, &written) else {
            return;
        };
        let mut root = match yaml::parse_document(&text, yaml::Limits::default()) {
            Ok(root) => root,
            Err(error) => {
                let origin = Origin::new(self.file_name(index), error.line, error.column);
                self.diagnostics.push(Diagnostic::error(
                    origin,
                    format!("invalid YAML: {}", error.message),
                ));
                return;
            }
        };
        position::stamp(&mut root, index);
        if root.is_null() {
            root = tree::empty_map(Pos {
                line: position::encode(index, 1),
                column: 1,
            });
        }
        if root.as_map().is_none() {
            let message = format!(
                "expected a kustomization (a mapping), found {}",
                root.type_name()
            );
            self.error(Pos::of(&root), message);
            return;
        }
        let kind = tree::text(root.get("kind")).unwrap_or("Kustomization");
        let is_component = kind == "Component";
        if is_component != component {
            let message = if is_component {
                "this is a kustomize Component: list it under `components`, not `resources`"
            } else {
                "this kustomization is listed under `components` but is not `kind: Component`"
            };
            self.error(Pos::of(&root), message);
            return;
        }
        self.active.push(real_dir);
        if component {
            self.apply(&root, dir, out);
        } else {
            let mut own = Vec::new();
            self.apply(&root, dir, &mut own);
            out.append(&mut own);
        }
        self.active.pop();
    }

    /// Runs one kustomization's steps over `resources`.
    fn apply(&mut self, root: &Node, dir: &Path, resources: &mut Vec<Resource>) {
        for entry in root.as_map().unwrap_or(&[]) {
            if !SUPPORTED_FIELDS.contains(&&*entry.key) {
                let message = if &*entry.key == "helmCharts" {
                    "`helmCharts` are not rendered by parity: pipe `kustomize build --enable-helm` into `parity diff LOCAL -` to compare them".to_owned()
                } else {
                    format!(
                        "kustomization field `{}` is not applied by parity; the objects may differ from what `kustomize build` prints",
                        entry.key
                    )
                };
                self.warning(Pos::of_entry(entry), message);
            }
        }
        if let Some(entry) = root.entry("bases") {
            self.note(
                Pos::of_entry(entry),
                "`bases` is deprecated in kustomize; it is read like `resources`",
            );
        }
        for key in ["resources", "bases"] {
            for item in self.strings(root.get(key), key) {
                self.add_resource(&item.0, item.1, dir, resources);
            }
        }
        self.run_generators(root, dir, resources);
        for (path, at) in self.strings(root.get("components"), "components") {
            if is_remote(&path) {
                self.note(
                    at,
                    format!("remote component `{path}` is not fetched; its objects are missing"),
                );
                continue;
            }
            let target = normalize(&dir.join(&path));
            self.build_dir(&target, Some(at), true, resources);
        }
        self.run_transformers(root, dir, resources);
    }

    /// The string items of a list field, with their positions.
    fn strings(&mut self, node: Option<&Node>, field: &str) -> Vec<(String, Pos)> {
        let Some(node) = node else { return Vec::new() };
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| match item.as_str() {
                    Some(text) => Some((text.to_owned(), Pos::of(item))),
                    None => {
                        let message =
                            format!("expected a string in `{field}`, found {}", item.type_name());
                        self.error(Pos::of(item), message);
                        None
                    }
                })
                .collect(),
            _ => {
                let message = format!("expected a list for `{field}`, found {}", node.type_name());
                self.error(Pos::of(node), message);
                Vec::new()
            }
        }
    }

    fn add_resource(&mut self, path: &str, at: Pos, dir: &Path, resources: &mut Vec<Resource>) {
        if is_remote(path) {
            self.note(
                at,
                format!("remote resource `{path}` is not fetched; its objects are missing from this build"),
            );
            return;
        }
        let target = normalize(&dir.join(path));
        let mut added = Vec::new();
        if target.is_dir() {
            self.build_dir(&target, Some(at), false, &mut added);
        } else {
            if !self.within_kustomization(&target, dir, at, path) {
                return;
            }
            let Some((text, index)) = self.read(&target, Some(at), path) else {
                return;
            };
            added.extend(
                self.parse_objects(&text, index)
                    .into_iter()
                    .map(Resource::new),
            );
        }
        for resource in added {
            // kustomize refuses an object it already has rather than pick one.
            let twice = resources.iter().any(|other| {
                other.api_version() == resource.api_version()
                    && other.kind() == resource.kind()
                    && other.namespace() == resource.namespace()
                    && other.name() == resource.name()
            });
            if twice {
                let message = format!(
                    "{} {} comes twice into this kustomization (kustomize refuses an object it already has); the second is dropped",
                    resource.kind(),
                    resource.name()
                );
                self.error(at, message);
                continue;
            }
            resources.push(resource);
        }
    }

    /// kustomize only loads files (resources, patches, generator inputs) in or below the
    /// kustomization's own folder; other kustomizations are reached as folders.
    fn within_kustomization(&mut self, path: &Path, dir: &Path, at: Pos, written: &str) -> bool {
        let real = std::fs::canonicalize(path);
        let real_dir = std::fs::canonicalize(dir);
        match (real, real_dir) {
            (Ok(real), Ok(real_dir)) if real.starts_with(&real_dir) => true,
            (Ok(_), Ok(_)) => {
                let message = format!(
                    "`{written}` is not in or below {} (kustomize refuses such files; make that folder a kustomization and list the folder)",
                    dir.display()
                );
                self.error(at, message);
                false
            }
            _ => {
                self.error(
                    at,
                    format!("`{written}` does not exist ({})", path.display()),
                );
                false
            }
        }
    }

    /// The objects of a manifest file: documents (List items unpacked), stamped with the file.
    fn parse_objects(&mut self, text: &str, index: usize) -> Vec<Node> {
        let limits = yaml::Limits {
            duplicate_keys: yaml::DuplicateKeys::LastWins,
            ..yaml::Limits::default()
        };
        let stream = yaml::parse_stream(text, limits);
        let file = self
            .sources
            .get(index)
            .cloned()
            .unwrap_or_else(|| ArcStr::from(""));
        for warning in &stream.warnings {
            let origin = Origin::new(file.clone(), warning.line, warning.column);
            self.diagnostics.push(Diagnostic::warning(
                origin,
                format!(
                    "{}; the last value is used, as kustomize reads it",
                    warning.message
                ),
            ));
        }
        if let Some(error) = &stream.error {
            let origin = Origin::new(file.clone(), error.line, error.column);
            self.diagnostics.push(Diagnostic::error(
                origin,
                format!("invalid YAML: {}", error.message),
            ));
        }
        let mut objects = Vec::new();
        for mut document in stream.documents {
            if document.is_null() {
                continue;
            }
            position::stamp(&mut document, index);
            let is_list = document
                .get("kind")
                .and_then(Node::as_str)
                .is_some_and(kinds::is_list_kind)
                && document.get("items").is_some();
            if is_list {
                if let Some(Value::Seq(items)) =
                    tree::remove(&mut document, "items").map(|n| n.value)
                {
                    objects.extend(items);
                }
                continue;
            }
            if !crate::is_k8s_document(&document) {
                self.error(
                    Pos::of(&document),
                    "expected a Kubernetes object with apiVersion and kind",
                );
                continue;
            }
            objects.push(document);
        }
        objects
    }

    fn run_transformers(&mut self, root: &Node, dir: &Path, resources: &mut Vec<Resource>) {
        if let Some(patches) = root.get("patchesStrategicMerge") {
            self.note(
                Pos::of(patches),
                "`patchesStrategicMerge` is deprecated in kustomize; it is applied like `patches`",
            );
            for (text, at) in self.strings(Some(patches), "patchesStrategicMerge") {
                // An item is a file name, or the patch itself written inline.
                let documents = if text.contains('\n') {
                    self.inline_documents(&text, at)
                } else {
                    self.patch_file(&text, at, dir)
                };
                for document in documents {
                    self.strategic_patch(&document, None, at, resources);
                }
            }
        }
        for item in self.items(root.get("patches"), "patches") {
            self.patch_entry(&item, dir, resources, false);
        }
        if let Some(node) = root.get("namespace")
            && let Some(namespace) = node.as_str()
            && !namespace.is_empty()
        {
            transform::set_namespace(resources, namespace, Pos::of(node));
        }
        let prefix = tree::text(root.get("namePrefix")).unwrap_or("");
        let suffix = tree::text(root.get("nameSuffix")).unwrap_or("");
        if !prefix.is_empty() || !suffix.is_empty() {
            transform::add_affixes(resources, prefix, suffix);
        }
        if let Some(node) = root.get("commonLabels") {
            let pairs = self.string_pairs(node, "commonLabels");
            let reach = transform::LabelReach {
                templates: true,
                selectors: true,
            };
            transform::add_labels(resources, &pairs, reach, Pos::of(node));
        }
        for item in self.items(root.get("labels"), "labels") {
            let Some(pairs_node) = item.get("pairs") else {
                continue;
            };
            let pairs = self.string_pairs(pairs_node, "labels.pairs");
            let selectors = item.get("includeSelectors").and_then(Node::as_bool) == Some(true);
            let templates = item.get("includeTemplates").and_then(Node::as_bool) == Some(true);
            let reach = transform::LabelReach {
                templates,
                selectors,
            };
            transform::add_labels(resources, &pairs, reach, Pos::of(pairs_node));
        }
        if let Some(node) = root.get("commonAnnotations") {
            let pairs = self.string_pairs(node, "commonAnnotations");
            transform::add_annotations(resources, &pairs, Pos::of(node));
        }
        for item in self.items(root.get("patchesJson6902"), "patchesJson6902") {
            self.patch_entry(&item, dir, resources, true);
        }
        for item in self.items(root.get("replicas"), "replicas") {
            let name = tree::text(item.get("name")).unwrap_or("");
            let Some(count) = item.get("count") else {
                self.error(
                    Pos::of(&item),
                    "a `replicas` entry needs `name` and `count`",
                );
                continue;
            };
            if count.as_i64().is_none() {
                self.error(
                    Pos::of(count),
                    format!("expected a number for `count`, found {}", count.type_name()),
                );
                continue;
            }
            transform::set_replicas(resources, name, count);
        }
        for item in self.items(root.get("images"), "images") {
            let Some(name) = tree::text(item.get("name")) else {
                self.error(Pos::of(&item), "an `images` entry needs a `name`");
                continue;
            };
            // The line that makes the change is the one to point at.
            let at = ["digest", "newTag", "newName"]
                .iter()
                .find_map(|key| item.entry(key))
                .map_or_else(|| Pos::of(&item), Pos::of_entry);
            let change = transform::ImageChange {
                name,
                new_name: tree::text(item.get("newName")),
                new_tag: tree::text(item.get("newTag")),
                digest: tree::text(item.get("digest")),
                at,
            };
            transform::set_images(resources, &change);
        }
    }

    /// The mapping items of a list field.
    fn items(&mut self, node: Option<&Node>, field: &str) -> Vec<Node> {
        let Some(node) = node else { return Vec::new() };
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items
                .iter()
                .filter(|item| {
                    if item.as_map().is_some() {
                        return true;
                    }
                    let message = format!(
                        "expected a mapping in `{field}`, found {}",
                        item.type_name()
                    );
                    self.error(Pos::of(item), message);
                    false
                })
                .cloned()
                .collect(),
            _ => {
                let message = format!("expected a list for `{field}`, found {}", node.type_name());
                self.error(Pos::of(node), message);
                Vec::new()
            }
        }
    }

    /// A mapping of strings (labels, annotations).
    fn string_pairs(&mut self, node: &Node, field: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        match &node.value {
            Value::Map(entries) => {
                for entry in entries {
                    match &entry.value.value {
                        Value::Scalar(scalar) => {
                            pairs.push((String::from(&*entry.key), String::from(&*scalar.text)))
                        }
                        Value::Null => pairs.push((String::from(&*entry.key), String::new())),
                        _ => {
                            let message = format!(
                                "expected a string for `{field}.{}`, found {}",
                                entry.key,
                                entry.value.type_name()
                            );
                            self.error(Pos::of(&entry.value), message);
                        }
                    }
                }
            }
            Value::Null => {}
            _ => {
                let message = format!(
                    "expected a mapping for `{field}`, found {}",
                    node.type_name()
                );
                self.error(Pos::of(node), message);
            }
        }
        pairs
    }

    /// Documents of a patch written inline in the kustomization. Their lines are counted from
    /// the line the patch text starts on (a block scalar's node is placed on its first content
    /// line), so positions point into the kustomization file.
    fn inline_documents(&mut self, text: &str, at: Pos) -> Vec<Node> {
        let (index, first_line) = position::decode(at.line);
        let first_line = first_line.saturating_sub(1);
        let stream = yaml::parse_stream(text, yaml::Limits::default());
        if let Some(error) = &stream.error {
            let at = Pos {
                line: position::encode(index, first_line + error.line),
                column: error.column,
            };
            self.error(
                at,
                format!("invalid YAML in the inline patch: {}", error.message),
            );
        }
        stream
            .documents
            .into_iter()
            .filter(|document| !document.is_null())
            .map(|mut document| {
                shift_lines(&mut document, index, first_line);
                document
            })
            .collect()
    }

    /// Documents of a patch file.
    fn patch_file(&mut self, path: &str, at: Pos, dir: &Path) -> Vec<Node> {
        let target = normalize(&dir.join(path));
        if !self.within_kustomization(&target, dir, at, path) {
            return Vec::new();
        }
        let Some((text, index)) = self.read(&target, Some(at), path) else {
            return Vec::new();
        };
        let stream = yaml::parse_stream(&text, yaml::Limits::default());
        if let Some(error) = &stream.error {
            let origin = Origin::new(self.file_name(index), error.line, error.column);
            self.diagnostics.push(Diagnostic::error(
                origin,
                format!("invalid YAML: {}", error.message),
            ));
        }
        stream
            .documents
            .into_iter()
            .filter(|document| !document.is_null())
            .map(|mut document| {
                position::stamp(&mut document, index);
                document
            })
            .collect()
    }

    /// One `patches` (or `patchesJson6902`) entry: `path` or `patch`, and an optional `target`.
    fn patch_entry(
        &mut self,
        item: &Node,
        dir: &Path,
        resources: &mut Vec<Resource>,
        json_only: bool,
    ) {
        let at = Pos::of(item);
        let documents = match (tree::text(item.get("path")), item.get("patch")) {
            (Some(path), _) => {
                let at = item.get("path").map_or(at, Pos::of);
                self.patch_file(path, at, dir)
            }
            (None, Some(patch)) => match patch.as_str() {
                Some(text) => self.inline_documents(text, Pos::of(patch)),
                None => {
                    self.error(Pos::of(patch), "expected the patch as a string");
                    return;
                }
            },
            (None, None) => {
                self.error(at, "a patch needs `path` or `patch`");
                return;
            }
        };
        let selector = match item.get("target") {
            Some(target) => match self.selector(target) {
                Some(selector) => Some(selector),
                None => return,
            },
            None => None,
        };
        for document in documents {
            if document.as_seq().is_some() {
                let Some(selector) = &selector else {
                    self.error(at, "a JSON 6902 patch needs a `target`");
                    continue;
                };
                let mut matched = 0;
                for resource in resources
                    .iter_mut()
                    .filter(|resource| selector.matches(resource))
                {
                    matched += 1;
                    if let Err(message) = patch::json6902(&mut resource.object, &document) {
                        let message = format!(
                            "JSON patch on {} {}: {message}",
                            resource.kind(),
                            resource.name()
                        );
                        self.error(Pos::of(&document), message);
                    }
                }
                if matched == 0 {
                    self.warning(at, "the patch's target matches no object");
                }
            } else if json_only {
                self.error(
                    Pos::of(&document),
                    "expected a list of JSON 6902 operations",
                );
            } else {
                self.strategic_patch(&document, selector.as_ref(), at, resources);
            }
        }
    }

    fn selector(&mut self, target: &Node) -> Option<Selector> {
        let text = |key| tree::text(target.get(key)).map(str::to_owned);
        let mut patterns = Vec::new();
        for key in ["group", "version", "kind", "name", "namespace"] {
            let pattern = match target.get(key).and_then(Node::as_str) {
                Some(pattern) => match regex::Regex::new(&format!("^(?:{pattern})$")) {
                    Ok(regex) => Some(regex),
                    Err(error) => {
                        let at = target.get(key).map_or(Pos::of(target), Pos::of);
                        self.error(
                            at,
                            format!("target {key} {pattern:?} is not a valid pattern: {error}"),
                        );
                        return None;
                    }
                },
                None => None,
            };
            patterns.push(pattern);
        }
        let mut patterns = patterns.into_iter();
        Some(Selector {
            group: patterns.next().flatten(),
            version: patterns.next().flatten(),
            kind: patterns.next().flatten(),
            name: patterns.next().flatten(),
            namespace: patterns.next().flatten(),
            label_selector: text("labelSelector")
                .map(|s| parse_label_selector(&s))
                .unwrap_or_default(),
            annotation_selector: text("annotationSelector")
                .map(|s| parse_label_selector(&s))
                .unwrap_or_default(),
        })
    }

    /// A strategic merge patch: on the objects the selector picks, or else on the object the
    /// patch names (kind and name, any name it had).
    fn strategic_patch(
        &mut self,
        patch: &Node,
        selector: Option<&Selector>,
        at: Pos,
        resources: &mut Vec<Resource>,
    ) {
        let kind = tree::text(patch.get("kind"));
        let name = tree::text(patch.path(&["metadata", "name"]));
        let namespace = tree::text(patch.path(&["metadata", "namespace"]));
        let delete_object = patch.get("$patch").and_then(Node::as_str) == Some("delete");
        let mut matched = 0;
        let mut deleted = Vec::new();
        for (position, resource) in resources.iter_mut().enumerate() {
            let selected = match selector {
                Some(selector) => selector.matches(resource),
                None => {
                    kind.is_some_and(|kind| kind == resource.kind())
                        && name.is_some_and(|name| resource.answers_to(name))
                        && namespace.is_none_or(|namespace| resource.namespace() == Some(namespace))
                }
            };
            if !selected {
                continue;
            }
            matched += 1;
            // `$patch: delete` at the top removes the object from the build.
            if delete_object {
                deleted.push(position);
                continue;
            }
            let built_in =
                kinds::role_of(resource.api_version(), resource.kind()) != kinds::Role::Unknown;
            // The patch's own identity must not rename or move the target.
            let mut body = patch.clone();
            if let Some(metadata) = tree::get_mut(&mut body, "metadata") {
                tree::remove(metadata, "name");
                tree::remove(metadata, "namespace");
            }
            tree::remove(&mut body, "apiVersion");
            tree::remove(&mut body, "kind");
            patch::strategic_merge(&mut resource.object, &body, built_in);
        }
        for position in deleted.into_iter().rev() {
            resources.remove(position);
        }
        if matched == 0 {
            let what = match (kind, name) {
                (Some(kind), Some(name)) => format!("{kind} {name}"),
                _ => "the patch's target".to_owned(),
            };
            self.error(
                at,
                format!("no object matches the patch ({what} is not among the resources)"),
            );
        }
    }
}

/// URLs and go-getter style remote targets (`github.com/org/repo/path?ref=v1`).
fn is_remote(path: &str) -> bool {
    path.contains("://")
        || path.starts_with("git@")
        || path.starts_with("github.com/")
        || path.starts_with("gitlab.com/")
        || path.starts_with("bitbucket.org/")
        || path.contains("?ref=")
}

/// `a/b/../c` as `a/c`, without touching the file system, so reported paths read naturally.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                match last {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir | Component::Prefix(_)) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Moves a tree parsed from a string inside the kustomization to the lines it occupies there.
fn shift_lines(node: &mut Node, file: usize, offset: u32) {
    node.line = position::encode(file, node.line + offset);
    match &mut node.value {
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|item| shift_lines(item, file, offset)),
        Value::Map(entries) => {
            for entry in entries {
                entry.line = position::encode(file, entry.line + offset);
                shift_lines(&mut entry.value, file, offset);
            }
        }
        Value::Null | Value::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests;
