//! `kubectl kustomize` (kustomize v5) against parity's own kustomize.
//!
//! Every kustomization under `testdata/` and the real ones in the shared corpus is built by
//! parity and by kubectl, and the objects are compared as data: the same set of objects (kind,
//! namespace, name) with the same fields and values (names with their hash suffixes, labels,
//! images, env, envFrom, replicas, patched fields). Where kubectl fails, parity must report an
//! error too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use parity_k8s::kustomize;
use parity_model::DiagnosticLevel;
use parity_source::yaml::{self, Node, Value};

use crate::{Case, Outcome, ReferenceMissing, Suite, Tool, corpus_root, workspace_root};

/// Kustomizations of the corpus checked, relative to the corpus root; each may read anything in
/// its project (overlays reach `../../base`).
const CORPUS_KUSTOMIZATIONS: [&str; 4] = [
    "emojivoto/prod/kustomize/deployment",
    "hotrod/prod/kubernetes",
    "hotrod/prod/kubernetes/base/hotrod",
    "hotrod/prod/kubernetes/base/jaeger-all-in-one",
];

/// What to compare.
#[derive(Debug, Clone)]
pub struct KustomizeRun {
    /// The `kubectl` binary.
    pub kubectl: PathBuf,
    /// More kustomization folders to check (e.g. a real repository's overlays), each allowed to
    /// read up to two levels above itself (overlays/x -> base).
    pub extra: Vec<PathBuf>,
}

impl Default for KustomizeRun {
    /// `kubectl` on `PATH`; extra folders from `PARITY_KUSTOMIZE_EXTRA` (path-list syntax).
    fn default() -> Self {
        KustomizeRun {
            kubectl: PathBuf::from("kubectl"),
            extra: std::env::var_os("PARITY_KUSTOMIZE_EXTRA")
                .map(|paths| std::env::split_paths(&paths).collect())
                .unwrap_or_default(),
        }
    }
}

/// Builds every kustomization with both and compares them.
pub fn run(options: &KustomizeRun) -> Result<Suite, ReferenceMissing> {
    check_kubectl(&options.kubectl)?;
    let root = workspace_root();
    let mut targets: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut dirs = Vec::new();
    kustomization_dirs(&root.join("testdata"), &mut dirs);
    targets.extend(dirs.into_iter().map(|dir| (dir, root.clone())));
    if let Some(corpus) = corpus_root() {
        for relative in CORPUS_KUSTOMIZATIONS {
            let dir = corpus.join(relative);
            let project = corpus.join(relative.split('/').next().unwrap_or_default());
            if dir.is_dir() {
                targets.push((dir, project));
            }
        }
    }
    for dir in &options.extra {
        targets.push((dir.clone(), dir.join("../..")));
    }
    let cases = targets
        .iter()
        .map(|(dir, boundary)| Case {
            name: display_name(dir, &root),
            outcome: compare(&options.kubectl, dir, boundary),
        })
        .collect();
    Ok(Suite {
        tool: Tool::Kustomize,
        cases,
    })
}

fn check_kubectl(kubectl: &Path) -> Result<(), ReferenceMissing> {
    let missing = |why: String| ReferenceMissing {
        tool: Tool::Kustomize,
        why,
    };
    let output = Command::new(kubectl)
        .args(["version", "--client"])
        .output()
        .map_err(|error| missing(format!("{}: {error}", kubectl.display())))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(missing(format!(
            "`{} version --client` failed: {}",
            kubectl.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// A folder's name in tables: relative to the workspace, or to the corpus as `corpus/...`.
fn display_name(dir: &Path, root: &Path) -> String {
    if let Ok(relative) = dir.strip_prefix(root) {
        return relative.display().to_string();
    }
    if let Some(relative) = corpus_root().and_then(|corpus| {
        dir.strip_prefix(&corpus)
            .ok()
            .map(|relative| relative.to_owned())
    }) {
        return format!("corpus/{}", relative.display());
    }
    dir.display().to_string()
}

/// Every folder below `dir` holding a kustomization (not a Component: those are built only as
/// part of a kustomization), in path order.
fn kustomization_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            kustomization_dirs(&path, out);
        } else if kustomize::is_kustomization_file_name(&path) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if !text.contains("kind: Component") {
                out.push(dir.to_owned());
            }
        }
    }
}

/// Builds one kustomization with both and compares them.
fn compare(kubectl: &Path, dir: &Path, boundary: &Path) -> Outcome {
    let differs = |first_difference: String| Outcome::Differs { first_difference };
    let output = match Command::new(kubectl).arg("kustomize").arg(dir).output() {
        Ok(output) => output,
        Err(error) => return differs(format!("kubectl kustomize could not run: {error}")),
    };
    let rendering = kustomize::render(dir, boundary, parity_source::DEFAULT_MAX_FILE_BYTES);
    let first_error = rendering
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.level == DiagnosticLevel::Error)
        .map(|diagnostic| format!("{}: {}", diagnostic.origin, diagnostic.message));
    if !output.status.success() {
        return match first_error {
            Some(_) => Outcome::Identical,
            None => differs(format!(
                "kubectl fails ({}) but parity reports no error",
                String::from_utf8_lossy(&output.stderr).trim()
            )),
        };
    }
    if let Some(error) = first_error {
        return differs(format!("kubectl builds it but parity reports {error}"));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let stream = yaml::parse_stream(&text, yaml::Limits::default());
    if let Some(error) = stream.error {
        return differs(format!("kubectl's output does not parse: {error:?}"));
    }
    let expected = by_key(&stream.documents);
    let actual = by_key(&rendering.objects);
    for (key, value) in &expected {
        match actual.get(key) {
            None => return differs(format!("parity is missing {key}")),
            Some(ours) if ours != value => {
                return differs(format!(
                    "{key} differs\n    kubectl: {value}\n    parity:  {ours}"
                ));
            }
            Some(_) => {}
        }
    }
    match actual.keys().find(|key| !expected.contains_key(*key)) {
        Some(key) => differs(format!("parity has an extra {key}")),
        None => Outcome::Identical,
    }
}

/// A value as text with sorted mapping keys: equal data, equal text.
fn canonical(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_owned(),
        Value::Scalar(scalar) => format!("{:?}", scalar.text),
        Value::Seq(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let sorted: BTreeMap<&str, String> = entries
                .iter()
                .map(|entry| (&*entry.key, canonical(&entry.value)))
                .collect();
            let fields: Vec<String> = sorted
                .iter()
                .map(|(key, value)| format!("{key:?}: {value}"))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

/// `Kind namespace/name` of an object.
fn key_of(object: &Node) -> String {
    let text = |path: &[&str]| object.path(path).and_then(Node::as_str).unwrap_or("");
    format!(
        "{} {}/{}",
        text(&["kind"]),
        text(&["metadata", "namespace"]),
        text(&["metadata", "name"])
    )
}

fn by_key(objects: &[Node]) -> BTreeMap<String, String> {
    objects
        .iter()
        .map(|object| (key_of(object), canonical(object)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Node> {
        yaml::parse_stream(text, yaml::Limits::default()).documents
    }

    #[test]
    fn canonical_form_ignores_key_order_but_not_values() {
        let a = parse("kind: ConfigMap\nmetadata: {name: a, namespace: x}\ndata: {k: v, j: w}\n");
        let b = parse("data: {j: w, k: v}\nmetadata: {namespace: x, name: a}\nkind: ConfigMap\n");
        let c = parse("kind: ConfigMap\nmetadata: {name: a, namespace: x}\ndata: {k: v2, j: w}\n");
        assert_eq!(by_key(&a), by_key(&b));
        assert_ne!(by_key(&a), by_key(&c));
        assert_eq!(
            by_key(&a).keys().next().map(String::as_str),
            Some("ConfigMap x/a")
        );
    }

    #[test]
    fn finds_kustomizations_but_not_components() {
        let dirs = {
            let mut dirs = Vec::new();
            kustomization_dirs(&workspace_root().join("testdata"), &mut dirs);
            dirs
        };
        assert!(dirs.len() >= 8, "{dirs:?}");
        for dir in &dirs {
            let text = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                .iter()
                .find_map(|name| std::fs::read_to_string(dir.join(name)).ok())
                .unwrap_or_default();
            assert!(!text.contains("kind: Component"), "{}", dir.display());
        }
    }

    #[test]
    fn a_missing_kubectl_is_reported_not_a_panic() {
        let options = KustomizeRun {
            kubectl: PathBuf::from("/nonexistent/kubectl"),
            extra: Vec::new(),
        };
        let error = run(&options).unwrap_err();
        assert_eq!(error.tool, Tool::Kustomize);
        assert!(error.why.contains("/nonexistent/kubectl"), "{}", error.why);
    }
}
