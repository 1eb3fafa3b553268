//! Repository invariants that are cheap to check and easy to break: the crate dependency
//! direction (ARCHITECTURE.md), every crate named in ARCHITECTURE.md's code map, no printing
//! outside the binary and xtask, and `unsafe` allowed in one file only.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The workspace root (xtask lives one level below it).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Which internal crates each crate may depend on (normal dependencies). Dev-dependencies are
/// free: a crate's tests may use loaders to build realistic inputs.
const ALLOWED_DEPENDENCIES: &[(&str, &[&str])] = &[
    ("parity-model", &[]),
    ("parity-source", &[]),
    ("parity-compose", &["parity-model", "parity-source"]),
    ("parity-k8s", &["parity-model", "parity-source"]),
    ("parity-terraform", &["parity-model", "parity-source"]),
    ("parity-engine", &["parity-model", "parity-source"]),
    ("parity-report", &["parity-model"]),
    ("parity-rego", &["parity-model", "parity-engine"]),
    (
        "parity",
        &[
            "parity-model",
            "parity-source",
            "parity-compose",
            "parity-k8s",
            "parity-terraform",
            "parity-engine",
            "parity-report",
            "parity-rego",
        ],
    ),
    ("parity-cli", &["parity"]),
    // Compares the loaders with the reference tools; only tests and xtask read it.
    (
        "parity-conformance",
        &[
            "parity-model",
            "parity-source",
            "parity-compose",
            "parity-k8s",
            "parity-terraform",
        ],
    ),
];

/// Returns every problem found, empty when the tree is tidy.
pub(crate) fn check(root: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).context("reading ARCHITECTURE.md")?;
    for entry in std::fs::read_dir(root.join("crates")).context("listing crates/")? {
        let dir = entry?.path();
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !architecture.contains(&format!("`{name}`")) {
            problems.push(format!(
                "crate {name} is not described in ARCHITECTURE.md's code map"
            ));
        }
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
            .with_context(|| format!("reading {name}/Cargo.toml"))?;
        let Some((_, allowed)) = ALLOWED_DEPENDENCIES
            .iter()
            .find(|(crate_name, _)| *crate_name == name)
        else {
            problems.push(format!(
                "crate {name} has no entry in xtask/src/tidy.rs ALLOWED_DEPENDENCIES"
            ));
            continue;
        };
        for dependency in normal_internal_dependencies(&manifest) {
            if !allowed.contains(&dependency.as_str()) {
                problems.push(format!(
                    "crate {name} must not depend on {dependency} (see ARCHITECTURE.md)"
                ));
            }
        }
        if name != "parity-cli" {
            check_no_printing(&dir.join("src"), &mut problems)?;
        }
        if manifest.contains("unsafe_code") {
            problems.push(format!(
                "crate {name} sets the unsafe_code lint itself: it must use the workspace's"
            ));
        }
    }
    let workspace_manifest =
        std::fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    if !workspace_manifest.contains("unsafe_code = \"deny\"")
        && !workspace_manifest.contains("unsafe_code = \"forbid\"")
    {
        problems.push("Cargo.toml: the workspace lint unsafe_code must be deny".to_owned());
    }
    for dir in ["crates", "xtask", "fuzz"] {
        check_unsafe_allowed_only_in(root, &root.join(dir), UNSAFE_ALLOWED_IN, &mut problems)?;
    }
    Ok(problems)
}

/// The one file allowed to lift the workspace's `unsafe_code = "deny"`: one FFI call that sets a
/// mimalloc option (docs/performance.md). Anything else needing `unsafe` is a team decision.
const UNSAFE_ALLOWED_IN: &str = "crates/parity-cli/src/alloc.rs";

/// Every attribute that lifts the `unsafe_code` lint (`allow`, `expect`, `warn`, in `cfg_attr`
/// too) outside `allowed` (a path relative to `root`).
fn check_unsafe_allowed_only_in(
    root: &Path,
    dir: &Path,
    allowed: &str,
    problems: &mut Vec<String>,
) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            check_unsafe_allowed_only_in(root, &path, allowed, problems)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            if relative == Path::new(allowed) {
                continue;
            }
            let text = std::fs::read_to_string(&path)?;
            for (index, line) in text.lines().enumerate() {
                if lifts_unsafe_code(line) {
                    problems.push(format!(
                        "{}:{}: `{}`: unsafe code is allowed only in {allowed}",
                        relative.display(),
                        index + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// An attribute line (`#[...]`, `#![...]`) naming the `unsafe_code` lint.
fn lifts_unsafe_code(line: &str) -> bool {
    let line = line.trim_start();
    (line.starts_with("#[") || line.starts_with("#![")) && line.contains("unsafe_code")
}

/// Internal crates listed under `[dependencies]` (not dev- or build-dependencies).
fn normal_internal_dependencies(manifest: &str) -> Vec<String> {
    let mut in_dependencies = false;
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if in_dependencies && let Some((name, _)) = line.split_once(['=', '.']) {
            let name = name.trim();
            if name == "parity" || name.starts_with("parity-") {
                found.push(name.to_owned());
            }
        }
    }
    found
}

const PRINTING: &[&str] = &[
    "println!",
    "eprintln!",
    "print!(",
    "eprint!(",
    "process::exit",
    "dbg!(",
];

/// Libraries never print: output is the binary's job.
fn check_no_printing(dir: &Path, problems: &mut Vec<String>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            check_no_printing(&path, problems)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)?;
            // Test modules may print; only look above the first `#[cfg(test)]`.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
            {
                if let Some(needle) = PRINTING.iter().find(|needle| line.contains(**needle)) {
                    problems.push(format!(
                        "{}: `{}` uses {needle}: libraries never print or exit",
                        path.display(),
                        line.trim()
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_tidy() {
        let problems = check(&workspace_root()).unwrap();
        assert!(
            problems.is_empty(),
            "run `cargo xtask tidy`:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn unsafe_code_attributes_are_found_wherever_they_are() {
        let root = std::env::temp_dir().join(format!("parity-tidy-{}", std::process::id()));
        let src = root.join("crates/some-crate/src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(
            src.join("lib.rs"),
            "// allow(unsafe_code) in a comment is fine\nfn f() {}\n#[allow(unsafe_code)]\nfn g() {}\n",
        )
        .unwrap();
        std::fs::write(
            src.join("ok.rs"),
            "#![cfg_attr(test, expect(unsafe_code))]\n",
        )
        .unwrap();
        let mut problems = Vec::new();
        check_unsafe_allowed_only_in(
            &root,
            &root.join("crates"),
            "crates/some-crate/src/ok.rs",
            &mut problems,
        )
        .unwrap();
        assert_eq!(
            problems,
            vec![
                "crates/some-crate/src/lib.rs:3: `#[allow(unsafe_code)]`: unsafe code is allowed \
                 only in crates/some-crate/src/ok.rs"
            ]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reads_only_normal_dependencies() {
        let manifest = "[dependencies]\nparity-model.workspace = true\nserde = \"1\"\n[dev-dependencies]\nparity-k8s.workspace = true\n";
        assert_eq!(normal_internal_dependencies(manifest), vec!["parity-model"]);
    }
}
