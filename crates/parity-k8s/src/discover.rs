//! Finding the files under a folder that hold Kubernetes objects.

use std::path::{Path, PathBuf};

use parity_source::yaml::{self, Limits};

use crate::is_k8s_document;

/// Folders never worth descending into.
const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "vendor"];

/// The `.yaml`, `.yml` and `.json` files under `dir` that hold Kubernetes objects, recursively,
/// sorted by path.
///
/// A file counts when one of its documents has `apiVersion` and `kind`, or when it mentions both
/// but does not parse (so its syntax error is reported instead of the file going unnoticed).
/// kustomization files are listed too, so the caller can build them. Hidden
/// folders, symlinked folders (they could loop), and the `templates/` folder of an unrendered Helm
/// chart (Go templates are not YAML) are skipped. Unreadable entries are skipped silently: the
/// caller reads the files it is given and reports those errors.
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, 0, true, &mut found);
    found.sort();
    found
}

/// The files [`discover`] would consider, sorted by path, without reading them: every `.yaml`,
/// `.yml` and `.json` file and kustomization file under `dir`, with the same folders skipped.
/// Reading each with [`crate::parse_file_if_manifest`] keeps the ones [`discover`] keeps while
/// parsing every file once (and in parallel, if the caller wants).
pub fn discover_candidates(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, 0, false, &mut found);
    found.sort();
    found
}

/// Deeper than this is a symlink loop or a generated tree, not a manifests folder.
const MAX_DEPTH: usize = 32;

fn walk(dir: &Path, depth: usize, read_content: bool, found: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let is_chart = dir.join("Chart.yaml").is_file();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if file_type.is_dir() {
            let hidden = name.starts_with('.');
            let chart_templates = is_chart && name == "templates";
            if !hidden && !chart_templates && !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, depth + 1, read_content, found);
            }
        } else if (file_type.is_file() || file_type.is_symlink() && path.is_file())
            && holds_objects(&path, &name, read_content)
        {
            found.push(path);
        }
    }
}

fn holds_objects(path: &Path, name: &str, read_content: bool) -> bool {
    if crate::is_kustomization_path(name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")) {
        return false;
    }
    if !read_content {
        return true;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes);
    if !mentions_objects(&text) {
        return false;
    }
    let stream = yaml::parse_stream(&text, Limits::default());
    stream.error.is_some() || stream.documents.iter().any(is_k8s_document)
}

/// The cheap test before parsing: a Kubernetes object names its `apiVersion` and `kind`.
pub(crate) fn mentions_objects(text: &str) -> bool {
    text.contains("apiVersion") && text.contains("kind")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_manifests_recursively_and_skips_the_rest() {
        let dir = std::env::temp_dir().join(format!("parity-k8s-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |relative: &str, text: &str| {
            let path = dir.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "b/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n",
        );
        write(
            "a.json",
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}"#,
        );
        write(
            "values.yaml",
            "replicaCount: 2\nimage: {repository: nginx}\n",
        );
        write("broken.yml", "apiVersion: v1\nkind: [\n");
        write("kustomization.yaml", "resources: [b/deploy.yaml]\n");
        write("README.md", "apiVersion kind\n");
        write(".git/x.yaml", "apiVersion: v1\nkind: Secret\n");
        write("chart/Chart.yaml", "apiVersion: v2\nname: chart\n");
        write(
            "chart/templates/d.yaml",
            "apiVersion: apps/v1\nkind: {{ .Values.kind }}\n",
        );

        let found: Vec<String> = discover(&dir)
            .iter()
            .map(|path| {
                path.strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(
            found,
            [
                "a.json",
                "b/deploy.yaml",
                "broken.yml",
                "kustomization.yaml"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn candidates_parsed_once_keep_what_discover_keeps() {
        let dir =
            std::env::temp_dir().join(format!("parity-k8s-candidates-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let files = [
            (
                "deploy.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n",
            ),
            (
                "values.yaml",
                "image: {repository: nginx}\nnote: apiVersion and kind\n",
            ),
            ("broken.yml", "apiVersion: v1\nkind: [\n"),
            ("plain.json", "{\"name\": \"x\"}"),
            (
                "sub/dup.yaml",
                "apiVersion: v1\nkind: ConfigMap\nkind: ConfigMap\nmetadata: {name: c}\n",
            ),
            ("kustomization.yaml", "resources: [deploy.yaml]\n"),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let candidates = discover_candidates(&dir);
        assert_eq!(candidates.len(), 6);
        let kept: Vec<PathBuf> = candidates
            .into_iter()
            .filter(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                crate::parse_file_if_manifest(path.display().to_string().into(), &text).is_some()
            })
            .collect();
        assert_eq!(kept, discover(&dir));
        let names: Vec<_> = kept
            .iter()
            .map(|p| {
                p.strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(
            names,
            [
                "broken.yml",
                "deploy.yaml",
                "kustomization.yaml",
                "sub/dup.yaml"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
