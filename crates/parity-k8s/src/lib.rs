//! Kubernetes manifests into parity's resource graph.
//!
//! Reading is split in two so the facade can parse files in parallel and still get a result that
//! does not depend on thread timing:
//!
//! 1. [`parse_file`] turns one file's text (a multi-document YAML or JSON stream: plain
//!    manifests, `kubectl get -o yaml` List dumps, rendered Helm output) into [`K8sObject`]s and
//!    diagnostics. It is pure and needs nothing from other files.
//! 2. [`build`] takes every file's objects, in the order given, and adds them to an
//!    [`Environment`]: workloads become [`parity_model::Service`]s, ConfigMaps and Secrets become
//!    [`parity_model::ConfigSource`]s, Kubernetes Services and every other kind become
//!    [`parity_model::Resource`]s. Env vars that reference a ConfigMap or Secret are resolved here,
//!    because the source may be in another file.
//!
//! [`discover`] finds the files worth reading under a folder.
//!
//! The tree comes from `parity_source::yaml`, which keeps a line and column on every node, so
//! every service, image, env var and port points back at the line it was written on.
//!
//! Where real manifests lean on lenient tooling, this crate reads them the way `kubectl` and
//! `helm` do and says so with a warning: a key written twice in a mapping keeps its last
//! value, and an object defined twice keeps its last definition.

mod build;
mod config;
mod discover;
mod kinds;
pub mod kustomize;
mod object;
mod read;
mod route;
mod workload;

use parity_model::{ArcStr, Diagnostic, Environment, Origin, SharedText};
use parity_source::yaml::{self, Node};

pub use discover::{discover, discover_candidates};

/// The objects parsed from one file, and what went wrong reading it.
///
/// Parsing is per file and pure, so files can be parsed in parallel; [`build`] joins them.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    display: ArcStr,
    objects: Vec<K8sObject>,
    diagnostics: Vec<Diagnostic>,
}

impl ParsedFile {
    /// The path the file is reported as.
    pub fn display(&self) -> &ArcStr {
        &self.display
    }

    /// The objects, in the order they appear (List items in place of their List).
    pub fn objects(&self) -> &[K8sObject] {
        &self.objects
    }

    /// Errors, warnings and notes from parsing this file.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// One Kubernetes object read from a file.
#[derive(Debug, Clone)]
pub struct K8sObject {
    /// `apiVersion` as written (shared by the objects of one file that write the same).
    pub api_version: ArcStr,
    /// `kind` as written (shared like `api_version`).
    pub kind: ArcStr,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, when set (shared like `api_version`).
    pub namespace: Option<ArcStr>,
    /// Where the object is named (the `name:` key under `metadata`, or `kind:` without one).
    pub origin: Origin,
    /// For rendered Helm output: the chart template the object came from, as the
    /// `# Source: chart/templates/x.yaml` comment before its document names it.
    /// Shared by the documents one template renders.
    pub helm_source: Option<ArcStr>,
    body: object::Body,
}

/// Parses one file's text (a multi-document YAML or JSON stream); `display` is the path reported
/// in origins and diagnostics.
///
/// Never fails: a syntax error, a document that is not a Kubernetes object, or a field of the
/// wrong type becomes a diagnostic, and the rest of the file is still read.
pub fn parse_file(display: ArcStr, text: &str) -> ParsedFile {
    if is_kustomization_path(&display) {
        let diagnostics = vec![Diagnostic::note(
            Origin::file(display.clone()),
            KUSTOMIZATION_NOTE,
        )];
        return ParsedFile {
            display,
            objects: Vec::new(),
            diagnostics,
        };
    }
    let stream = yaml::parse_stream(text, manifest_limits());
    read_stream(display, text, &stream)
}

/// [`parse_file`] for a file found by [`discover_candidates`]: `None` when the file holds no
/// Kubernetes object (the same test [`discover`] makes), from a single parse of the text. A
/// caller that reads candidates in parallel parses each file once instead of twice.
pub fn parse_file_if_manifest(display: ArcStr, text: &str) -> Option<ParsedFile> {
    if is_kustomization_path(&display) {
        return Some(parse_file(display, text));
    }
    if !discover::mentions_objects(text) {
        return None;
    }
    let stream = yaml::parse_stream(text, manifest_limits());
    if stream.error.is_none() && !stream.documents.iter().any(is_k8s_document) {
        return None;
    }
    Some(read_stream(display, text, &stream))
}

/// kubectl and helm warn about a key written twice and keep the last value; so do we.
fn manifest_limits() -> yaml::Limits {
    yaml::Limits {
        duplicate_keys: yaml::DuplicateKeys::LastWins,
        ..yaml::Limits::default()
    }
}

fn read_stream(display: ArcStr, text: &str, stream: &yaml::Stream) -> ParsedFile {
    let mut diagnostics = Vec::new();
    let mut objects = Vec::new();
    for warning in &stream.warnings {
        let origin = Origin::new(display.clone(), warning.line, warning.column);
        let message = format!(
            "{}; the last value is used, as helm and kubectl read it",
            warning.message
        );
        diagnostics.push(Diagnostic::warning(origin, message));
    }
    let mut helm_sources = HelmSources::new(text);
    {
        let mut cx = read::Cx {
            file: &display,
            diagnostics: &mut diagnostics,
            sources: &[],
            shared: SharedText::default(),
        };
        for document in &stream.documents {
            let helm_source = helm_sources.before(document.line);
            object::read_document(&mut cx, document, helm_source.as_deref(), &mut objects);
        }
    }
    if let Some(error) = &stream.error {
        let origin = Origin::new(display.clone(), error.line, error.column);
        diagnostics.push(Diagnostic::error(
            origin,
            format!("invalid YAML: {}", error.message),
        ));
    } else if stream.documents.is_empty() {
        diagnostics.push(Diagnostic::note(
            Origin::file(display.clone()),
            "no Kubernetes objects in this file (it is empty or only comments)",
        ));
    }
    // In file order, whatever order the fields were read in.
    diagnostics.sort_by_key(|diagnostic| (diagnostic.origin.line, diagnostic.origin.column));
    // Every file's objects wait for the others before the graph is built.
    objects.shrink_to_fit();
    ParsedFile {
        display,
        objects,
        diagnostics,
    }
}

/// Adds everything parsed to `env`: workloads as services, ConfigMaps and Secrets as config
/// sources, Kubernetes Services and other kinds as resources, the edges between them, and env
/// vars resolved against the ConfigMaps and Secrets in the input. Each file's diagnostics are
/// appended to `env.diagnostics`; `env.files` is the caller's to fill (it knows which files it
/// read, including those it could not).
///
/// Files are processed in the order given, so the graph is the same however they were parsed.
pub fn build(files: Vec<ParsedFile>, env: &mut Environment) {
    build::build(files, env);
}

/// Whether a parsed YAML document looks like a Kubernetes object: a mapping with `apiVersion`
/// and `kind` strings.
pub fn is_k8s_document(root: &Node) -> bool {
    let non_empty = |key| {
        root.get(key)
            .and_then(Node::as_str)
            .is_some_and(|text| !text.is_empty())
    };
    non_empty("apiVersion") && non_empty("kind")
}

const KUSTOMIZATION_NOTE: &str = "this is a kustomization: it is built when its folder is given \
                                  (`parity diff LOCAL path/to/overlay`); read as a single file or \
                                  from standard input it holds no objects";

/// kustomize reads `kustomization.yaml`, `kustomization.yml` or `Kustomization`.
fn is_kustomization_path(display: &str) -> bool {
    let name = display.rsplit(['/', '\\']).next().unwrap_or(display);
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Finds the `# Source: chart/templates/x.yaml` comment helm writes above each document it
/// renders, reading the file's lines once, front to back, as documents are read in order (a
/// vector of every line cost a fresh allocation per file: ~6 % of a 10,000-service run).
struct HelmSources<'a> {
    lines: std::str::Lines<'a>,
    /// Lines consumed so far.
    consumed: u32,
    /// The last `# Source:` path of the run of blank and comment lines just consumed.
    source: Option<&'a str>,
}

impl<'a> HelmSources<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            lines: text.lines(),
            consumed: 0,
            source: None,
        }
    }

    /// The `# Source:` path in the blank and comment lines right above line `first_line`
    /// (1-based): the nearest one, `None` when another line comes first. Documents are asked
    /// for in order; a line already passed gives `None`.
    fn before(&mut self, first_line: u32) -> Option<String> {
        let end = first_line.saturating_sub(1);
        if end < self.consumed {
            return None;
        }
        while self.consumed < end {
            let Some(line) = self.lines.next() else { break };
            self.consumed += 1;
            let trimmed = line.trim();
            if let Some(path) = trimmed.strip_prefix("# Source:") {
                self.source = Some(path.trim());
            } else if !(trimmed.is_empty() || trimmed.starts_with('#')) {
                self.source = None;
            }
        }
        self.source.map(str::to_owned)
    }
}

#[cfg(test)]
mod tests;
