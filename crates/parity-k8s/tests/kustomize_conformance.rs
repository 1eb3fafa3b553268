//! Conformance with `kubectl kustomize`: every kustomization under `testdata/` and the real
//! ones in the shared corpus is built by parity and by kubectl (kustomize v5), and the objects
//! are compared as data: the same set of objects (kind, namespace, name) with the same fields
//! and values (names with their hash suffixes, labels, images, env, envFrom, replicas, patched
//! fields). Where kubectl fails, parity must report an error too.
//!
//! Skips with a message when kubectl is not installed, unless `PARITY_REQUIRE_REFERENCE`
//! contains `kustomize`. `PARITY_KUSTOMIZE_EXTRA` adds folders to check (path-list syntax).

#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use parity_k8s::kustomize;
use parity_model::DiagnosticLevel;
use parity_source::yaml::{self, Node, Value};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
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
                .map(|entry| (entry.key.as_str(), canonical(&entry.value)))
                .collect();
            let fields: Vec<String> = sorted
                .iter()
                .map(|(key, value)| format!("{key:?}: {value}"))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

fn key_of(object: &Node) -> String {
    let text = |path: &[&str]| {
        object
            .path(path)
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned()
    };
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

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|output| output.status.success())
}

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
            // Components are built only as part of a kustomization.
            if !text.contains("kind: Component") {
                out.push(dir.to_owned());
            }
        }
    }
}

/// Compares one build; returns the differences found.
fn compare(dir: &Path, boundary: &Path) -> Vec<String> {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    let rendering = kustomize::render(dir, boundary, parity_source::DEFAULT_MAX_FILE_BYTES);
    let errors: Vec<String> = rendering
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.level == DiagnosticLevel::Error)
        .map(|diagnostic| format!("{}: {}", diagnostic.origin, diagnostic.message))
        .collect();
    let mut problems = Vec::new();
    if !output.status.success() {
        if errors.is_empty() {
            problems.push(format!(
                "{}: kubectl fails ({}) but parity reports no error",
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        return problems;
    }
    if !errors.is_empty() {
        problems.push(format!(
            "{}: kubectl builds it but parity reports {errors:?}",
            dir.display()
        ));
    }
    let text = String::from_utf8(output.stdout).expect("kubectl prints UTF-8");
    let stream = yaml::parse_stream(&text, yaml::Limits::default());
    assert!(stream.error.is_none(), "kubectl output parses");
    let expected = by_key(&stream.documents);
    let actual = by_key(&rendering.objects);
    for (key, value) in &expected {
        match actual.get(key) {
            None => problems.push(format!("{}: parity is missing {key}", dir.display())),
            Some(ours) if ours != value => problems.push(format!(
                "{}: {key} differs\n  kubectl: {value}\n  parity:  {ours}",
                dir.display()
            )),
            Some(_) => {}
        }
    }
    for key in actual.keys().filter(|key| !expected.contains_key(*key)) {
        problems.push(format!("{}: parity has an extra {key}", dir.display()));
    }
    problems
}

#[test]
fn builds_match_kubectl_kustomize() {
    if !kubectl_available() {
        let required = std::env::var("PARITY_REQUIRE_REFERENCE").unwrap_or_default();
        assert!(
            !required.contains("kustomize"),
            "PARITY_REQUIRE_REFERENCE asks for kustomize but kubectl is not installed"
        );
        eprintln!("skipping: kubectl (with kustomize) is not installed");
        return;
    }
    let root = repo_root();
    let mut dirs = Vec::new();
    kustomization_dirs(&root.join("testdata"), &mut dirs);
    assert!(dirs.len() >= 8, "testdata holds kustomizations: {dirs:?}");
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    for dir in &dirs {
        problems.extend(compare(dir, &root));
        checked.push(dir.clone());
    }
    let corpus = corpus();
    if corpus.is_dir() {
        for relative in [
            "emojivoto/prod/kustomize/deployment",
            "hotrod/prod/kubernetes",
            "hotrod/prod/kubernetes/base/hotrod",
            "hotrod/prod/kubernetes/base/jaeger-all-in-one",
        ] {
            let dir = corpus.join(relative);
            if dir.is_dir() {
                let project = corpus.join(relative.split('/').next().unwrap_or(""));
                problems.extend(compare(&dir, &project));
                checked.push(dir);
            }
        }
    } else {
        eprintln!(
            "corpus not found at {}; checking testdata only",
            corpus.display()
        );
    }
    // More kustomizations to check, e.g. a real repository's overlays: folders in path-list
    // syntax, each allowed to read up to two levels above itself (overlays/x -> base).
    if let Some(extra) = std::env::var_os("PARITY_KUSTOMIZE_EXTRA") {
        for dir in std::env::split_paths(&extra) {
            problems.extend(compare(&dir, &dir.join("../..")));
            checked.push(dir);
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} kustomizations differ from kubectl kustomize:\n{}",
        problems.len(),
        checked.len(),
        problems.join("\n")
    );
}
