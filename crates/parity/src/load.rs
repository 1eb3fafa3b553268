//! Deciding what a root holds and loading it with the right loader.

use std::path::{Path, PathBuf};

use parity_compose::ComposeOptions;
use parity_model::{ArcStr, Diagnostic, Environment, Origin};
use parity_source::yaml;
use rayon::prelude::*;

use crate::Error;

/// How to load a side.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Compose options (profiles, whether the process environment is used for interpolation).
    pub compose: ComposeOptions,
    /// Largest input file read, in bytes.
    pub max_file_bytes: u64,
    /// Terraform options (`--var-file`, `--var`) for a side that is a Terraform root module.
    pub terraform: parity_terraform::TerraformOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            compose: ComposeOptions::default(),
            max_file_bytes: parity_source::DEFAULT_MAX_FILE_BYTES,
            terraform: parity_terraform::TerraformOptions::default(),
        }
    }
}

/// Loads a folder or a file with default options.
pub fn load(path: impl AsRef<Path>) -> Result<Environment, Error> {
    load_with(path.as_ref(), &LoadOptions::default())
}

/// Loads a folder or a file.
///
/// A folder holding compose files (`compose.yaml`, `docker-compose.yml`, ... and their override
/// files) is a compose project; otherwise its YAML and JSON files are read as Kubernetes
/// manifests. A single file is detected by its name and content. `# parity: ignore[...]`
/// comments in the files read are recorded in [`Environment::inline_ignores`].
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Environment, Error> {
    let mut env = load_root(path, options)?;
    record_inline_ignores(&mut env, options);
    Ok(env)
}

/// Scans every file the loaders read for inline suppressions. The YAML tree keeps no comments,
/// and the loaders have nothing to do with policy, so the facade re-reads the (already cached by
/// the OS, size-capped) files once and hands the text to the engine's pure scanner.
fn record_inline_ignores(env: &mut Environment, options: &LoadOptions) {
    let mut found = Vec::new();
    for file in &env.files {
        let Ok(text) = parity_source::read_text(Path::new(file), options.max_file_bytes) else {
            // Unreadable files were already reported by the loader that tried them.
            continue;
        };
        found.extend(parity_engine::scan_inline_ignores(
            &ArcStr::from(file.as_str()),
            &text,
        ));
    }
    env.inline_ignores = found;
}

fn load_root(path: &Path, options: &LoadOptions) -> Result<Environment, Error> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_owned(),
        },
        _ => Error::Io {
            path: path.to_owned(),
            source,
        },
    })?;
    let mut env = Environment::new(path.display().to_string());
    if metadata.is_dir() {
        let compose_files = parity_compose::discover(path);
        if !compose_files.is_empty() {
            parity_compose::load(&compose_files, &options.compose, &mut env);
            return Ok(env);
        }
        // A Terraform root module: `.tf` / `.tf.json` files.
        if parity_terraform::is_module_dir(path) {
            parity_terraform::load_module(path, &options.terraform, &mut env);
            return Ok(env);
        }
        // Candidates by name only: whether a file holds objects is decided by the one parallel
        // parse that reads it (parity_k8s::discover would parse every file a second time).
        if parity_k8s::kustomize::kustomization_file(path).is_some() {
            load_kustomization(path, options, &mut env);
            return Ok(env);
        }
        let candidates = parity_k8s::discover_candidates(path);
        // Kustomizations inside the folder are built; the files they read are not read again.
        let plan = parity_k8s::kustomize::plan_folder(path, &candidates, options.max_file_bytes);
        let built_any = !plan.built.is_empty() || !plan.diagnostics.is_empty();
        env.files.extend(plan.files_read);
        env.diagnostics.extend(plan.diagnostics);
        if !load_manifests(&plan.plain, plan.built, options, &mut env) && !built_any {
            env.diagnostics.push(Diagnostic::error(
                Origin::file(ArcStr::from(env.root.as_str())),
                "no compose file (compose.yaml, docker-compose.yml, ...) and no Kubernetes manifest (.yaml, .yml, .json) found",
            ));
            return Ok(env);
        }
    } else if parity_k8s::kustomize::is_kustomization_file_name(path) {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        load_kustomization(dir, options, &mut env);
    } else if is_terraform_file_name(path) {
        // One file of a module: Terraform reads the whole folder.
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        parity_terraform::load_module(folder, &options.terraform, &mut env);
    } else if is_compose_file_name(path) {
        parity_compose::load(&[path.to_owned()], &options.compose, &mut env);
    } else {
        let display: ArcStr = ArcStr::from(path.display().to_string());
        match parity_source::read_text(path, options.max_file_bytes) {
            Ok(text) if parity_terraform::looks_like_show_json(&text) => {
                parity_terraform::load_show_json(&display, &text, &mut env);
            }
            Ok(text) if looks_like_compose(&text) => {
                parity_compose::load(&[path.to_owned()], &options.compose, &mut env);
            }
            Ok(text) => {
                env.files.push(display.to_string());
                let parsed = parity_k8s::parse_file(display, &text);
                parity_k8s::build(vec![parsed], &mut env);
            }
            Err(error) => env.diagnostics.push(read_error(display, &error)),
        }
    }
    Ok(env)
}

/// Loads compose files given explicitly (like `docker compose -f a.yaml -f b.yaml`) as one
/// project: later files override earlier ones, and `.env` is read from the first file's folder.
/// The root reported is the first file.
pub fn load_compose_files(files: &[PathBuf], options: &LoadOptions) -> Result<Environment, Error> {
    let Some(first) = files.first() else {
        return Err(Error::NotFound {
            path: PathBuf::new(),
        });
    };
    if let Some(missing) = files.iter().find(|file| !file.exists()) {
        return Err(Error::NotFound {
            path: missing.clone(),
        });
    }
    let mut env = Environment::new(first.display().to_string());
    parity_compose::load(files, &options.compose, &mut env);
    record_inline_ignores(&mut env, options);
    Ok(env)
}

/// Loads a YAML stream that is not in a file (standard input): Kubernetes manifests such as
/// `helm template` output, or a compose file.
pub fn load_stream(display: &str, text: &str) -> Environment {
    let mut env = Environment::new(display);
    let display: ArcStr = ArcStr::from(display);
    env.files.push(display.to_string());
    if looks_like_compose(text) {
        // Compose files refer to files beside them (.env, env_file, extends), which a stream
        // has none of: refuse rather than resolve them against the wrong folder.
        env.diagnostics.push(Diagnostic::error(
            Origin::file(display),
            "a compose file cannot be read from standard input (it needs its folder for .env and env_file): pass its path",
        ));
        return env;
    }
    env.inline_ignores = parity_engine::scan_inline_ignores(&display, text);
    let parsed = parity_k8s::parse_file(display, text);
    parity_k8s::build(vec![parsed], &mut env);
    env
}

/// Reads and parses candidate manifests in parallel, keeps those that hold Kubernetes objects,
/// then links them in the order given (so the graph does not depend on thread timing). Returns
/// whether any file was kept.
fn load_manifests(
    candidates: &[PathBuf],
    built: Vec<parity_k8s::ParsedFile>,
    options: &LoadOptions,
    env: &mut Environment,
) -> bool {
    let root = PathBuf::from(&env.root);
    let results: Vec<Option<Result<parity_k8s::ParsedFile, Diagnostic>>> = candidates
        .par_iter()
        .map(|file| {
            let display: ArcStr = ArcStr::from(file.display().to_string());
            // A symlinked file that leads out of the root is refused, not followed.
            if let Err(error) = parity_source::check_within(&root, file) {
                return Some(Err(read_error(display, &error)));
            }
            match parity_source::read_text(file, options.max_file_bytes) {
                Ok(text) => parity_k8s::parse_file_if_manifest(display, &text).map(Ok),
                // Not UTF-8: report it only when it looks like a manifest, as discovery did.
                Err(error @ parity_source::SourceError::NotUtf8 { .. }) => {
                    let bytes = std::fs::read(file).unwrap_or_default();
                    let text = String::from_utf8_lossy(&bytes);
                    (text.contains("apiVersion") && text.contains("kind"))
                        .then(|| Err(read_error(display, &error)))
                }
                // A file that cannot be opened was skipped by discovery; one over the size
                // limit is reported, since its content was never looked at.
                Err(parity_source::SourceError::Io { .. }) => None,
                Err(error) => Some(Err(read_error(display, &error))),
            }
        })
        .collect();
    let mut parsed = built;
    let mut any = false;
    for (file, result) in candidates.iter().zip(results) {
        let Some(result) = result else { continue };
        any = true;
        env.files.push(file.display().to_string());
        match result {
            Ok(file) => parsed.push(file),
            Err(diagnostic) => env.diagnostics.push(diagnostic),
        }
    }
    parity_k8s::build(parsed, env);
    any
}

/// Builds the kustomization in `dir` as `kustomize build` would, reading nothing outside the
/// repository that holds it.
fn load_kustomization(dir: &Path, options: &LoadOptions, env: &mut Environment) {
    let boundary = parity_source::read_boundary(dir);
    let rendering = parity_k8s::kustomize::render(dir, &boundary, options.max_file_bytes);
    env.files
        .extend(rendering.sources.iter().map(|source| source.to_string()));
    let display = parity_k8s::kustomize::kustomization_file(dir)
        .unwrap_or_else(|| dir.to_owned())
        .display()
        .to_string();
    let parsed = rendering.into_parsed_file(ArcStr::from(display));
    parity_k8s::build(vec![parsed], env);
}

fn read_error(display: ArcStr, error: &parity_source::SourceError) -> Diagnostic {
    let (line, column) = error.position().unwrap_or((0, 0));
    let message = match error {
        parity_source::SourceError::Io { source, .. } => format!("cannot read file: {source}"),
        parity_source::SourceError::TooLarge { size, limit, .. } => {
            format!("file is {size} bytes, over the limit of {limit} bytes")
        }
        parity_source::SourceError::NotUtf8 { .. } => "not valid UTF-8 text".to_owned(),
        other => other.to_string(),
    };
    Diagnostic::error(Origin::new(display, line, column), message)
}

/// `main.tf`, `main.tf.json`: a file of a Terraform module.
fn is_terraform_file_name(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// `compose.yaml`, `docker-compose.prod.yml`, `compose.override.yaml`, ...
fn is_compose_file_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    (name.starts_with("compose.") || name.starts_with("docker-compose"))
        && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// Whether the first document of a stream is a compose file rather than a Kubernetes object.
fn looks_like_compose(text: &str) -> bool {
    let stream = yaml::parse_stream(text, yaml::Limits::default());
    stream
        .documents
        .first()
        .is_some_and(parity_compose::is_compose_document)
}
