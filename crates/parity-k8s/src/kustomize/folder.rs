//! Kustomizations met inside a folder read as plain manifests.
//!
//! A repository's `k8s/` folder often holds a base and its overlays. Reading every YAML file
//! there would count the base's objects once per file and miss what the overlays change, so
//! each kustomization found is built, and the files a build read are not read again as plain
//! manifests. Only the top kustomizations (those no other one includes) are kept. Several tops
//! that share files are overlays of one base: they are different environments, and merging them
//! into one would report drift between them, so they are refused with an error naming them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use parity_model::{ArcStr, Diagnostic, Origin};

use super::{Rendering, render};
use crate::ParsedFile;
use parity_source::read_boundary;

/// How a folder's files are read.
#[derive(Debug, Default)]
pub struct FolderPlan {
    /// The built top kustomizations, one parsed file each (named by its kustomization file).
    pub built: Vec<ParsedFile>,
    /// Every file the builds read, for the environment's file list.
    pub files_read: Vec<String>,
    /// The files to read as plain manifests: those no kustomization read.
    pub plain: Vec<PathBuf>,
    /// Problems deciding (overlays of one base side by side).
    pub diagnostics: Vec<Diagnostic>,
}

fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| super::KUSTOMIZATION_FILE_NAMES.contains(&name))
}

/// Whether a kustomization file declares `kind: Component`.
fn is_component(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    parity_source::yaml::parse_document(&text, parity_source::yaml::Limits::default())
        .ok()
        .is_some_and(|root| root.get("kind").and_then(|kind| kind.as_str()) == Some("Component"))
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Splits the files [`crate::discover`] found under `root` into kustomizations to build and
/// plain manifests.
pub fn plan_folder(root: &Path, files: &[PathBuf], max_file_bytes: u64) -> FolderPlan {
    // Components are only built as part of the kustomizations that list them.
    let kustomizations: Vec<&PathBuf> = files
        .iter()
        .filter(|path| is_kustomization(path) && !is_component(path))
        .collect();
    if kustomizations.is_empty() {
        return FolderPlan {
            plain: files.to_vec(),
            ..FolderPlan::default()
        };
    }
    let boundary = read_boundary(root);
    // Build each one: what it reads (canonical paths) tells which include which.
    let mut builds: Vec<(PathBuf, Rendering, HashSet<PathBuf>)> = Vec::new();
    for file in kustomizations {
        let dir = file
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_owned);
        let rendering = render(&dir, &boundary, max_file_bytes);
        let read: HashSet<PathBuf> = rendering
            .sources
            .iter()
            .map(|source| canonical(Path::new(source.as_str())))
            .collect();
        builds.push((file.clone(), rendering, read));
    }
    let included = |file: &Path, own: usize| {
        let file = canonical(file);
        builds
            .iter()
            .enumerate()
            .any(|(index, (_, _, read))| index != own && read.contains(&file))
    };
    let tops: Vec<usize> = (0..builds.len())
        .filter(|&index| !included(&builds[index].0, index))
        .collect();
    let mut read_by_any: HashSet<PathBuf> = HashSet::new();
    for (_, _, read) in &builds {
        read_by_any.extend(read.iter().cloned());
    }
    let plain = files
        .iter()
        .filter(|file| !is_kustomization(file) && !read_by_any.contains(&canonical(file)))
        .cloned()
        .collect();

    let mut plan = FolderPlan {
        plain,
        ..FolderPlan::default()
    };
    let shared = tops.iter().enumerate().any(|(position, &a)| {
        tops.iter()
            .skip(position + 1)
            .any(|&b| !builds[a].2.is_disjoint(&builds[b].2))
    });
    if shared {
        let names: Vec<String> = tops
            .iter()
            .map(|&index| {
                builds[index]
                    .0
                    .parent()
                    .map_or_else(String::new, |dir| dir.display().to_string())
            })
            .collect();
        let message = format!(
            "folder {} holds {} kustomize overlays of the same base ({}): they are separate environments, so none is read; pass one as the prod side, or each with `--prod`",
            root.display(),
            names.len(),
            names.join(", ")
        );
        plan.diagnostics.push(Diagnostic::error(
            Origin::file(ArcStr::from(root.display().to_string())),
            message,
        ));
        return plan;
    }
    let mut keep: Vec<bool> = vec![false; builds.len()];
    for &index in &tops {
        keep[index] = true;
    }
    for (index, (file, rendering, _)) in builds.into_iter().enumerate() {
        if !keep[index] {
            continue;
        }
        plan.files_read
            .extend(rendering.sources.iter().map(|source| source.to_string()));
        plan.built
            .push(rendering.into_parsed_file(ArcStr::from(file.display().to_string())));
    }
    plan
}
