//! Loading the files of one compose project into an [`Environment`].
//!
//! The order is compose-go's: per file, parse, interpolate, resolve `extends`, import the
//! services of its `include`s, then merge into the files before it; after the last file, drop
//! `!reset` leftovers, make lists unique, leave out services whose profiles are not enabled, and
//! build the graph (env files, `depends_on` edges).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use parity_model::{
    ArcStr, ConfigSource, ConfigSourceKind, Diagnostic, Edge, EnvSource, EnvValue, EnvVar,
    Environment, Node, NodeIndex, Origin, SensitiveText, VolumeKind,
};
use parity_source::yaml::{Limits, parse_document};
use parity_source::{DEFAULT_MAX_FILE_BYTES, SourceError, check_within, read_boundary, read_text};

use crate::ComposeOptions;
use crate::convert::{ConvertedService, EnvFileRef, convert_service};
use crate::dotenv::{Dotenv, DotenvEntry, parse_dotenv, parse_raw_env};
use crate::merge::{
    check_unique_items, check_unique_ports, enforce_unicity, merge_project, merge_service,
    normalize_service, strip_tags,
};
use crate::tree::{Builder, Field, Kind, Val};
use parity_model::SharedText;

/// Top-level keys of the Compose Specification; anything else (but `x-`) gets a warning.
const TOP_LEVEL_KEYS: [&str; 9] = [
    "version", "name", "services", "networks", "volumes", "secrets", "configs", "include", "models",
];

/// Load these files (in order: later files override earlier ones, compose merge rules) as ONE
/// compose project and add its services to `env.graph`, files to `env.files`, problems to
/// `env.diagnostics`. Never panics; a file that does not parse gives a Diagnostic::error with its
/// line/column and the remaining files are still used.
pub fn load(files: &[PathBuf], options: &ComposeOptions, env: &mut Environment) {
    let Some(first) = files.first() else { return };
    let project_dir = first.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut project = Project {
        options,
        project_dir: project_dir.clone(),
        dotenv: HashMap::new(),
        env,
        warned: BTreeSet::new(),
        files: Vec::new(),
        file_by_path: HashMap::new(),
        resolved: HashMap::new(),
        reported_cycles: HashSet::new(),
        base_dirs: HashMap::new(),
        env_files: HashMap::new(),
        given: files.to_vec(),
        shared: SharedText::default(),
    };
    project.read_dotenv();
    let mut merged = Val::new(
        Kind::Map(Vec::new()),
        Origin::file(ArcStr::from(first.display().to_string())),
    );
    for (position, path) in files.iter().enumerate() {
        let Some(index) = project.parse_file(path, project_dir.clone(), position == 0) else {
            continue;
        };
        let last = position + 1 == files.len();
        // The last file is usually the only one: when nothing in it refers elsewhere, its tree
        // is moved into the project rather than copied (a copy of a 5 MB file's tree is ~30 MB).
        let root = match last.then(|| project.take_self_contained_root(index)) {
            Some(Some(root)) => root,
            _ => project.with_includes_and_extends(index, &mut vec![normalize(path)]),
        };
        // compose validates each file's services with `extends` applied, before the files merge.
        for service in root
            .get("services")
            .and_then(Val::as_map)
            .unwrap_or_default()
        {
            check_unique_ports(&service.key, &service.value, &mut project.env.diagnostics);
        }
        merge_project(&mut merged, root);
    }
    // Nothing refers to the files' own trees any more: free them before the model is built.
    project.files = Vec::new();
    project.resolved = HashMap::new();
    strip_tags(&mut merged);
    project.build_graph(merged);
    project.record_bare_host_variables();
    let contract = match &options.env_contract {
        Some(path) => Some(path.clone()),
        None => crate::contract::find_env_contract(&project_dir),
    };
    if let Some(path) = contract {
        crate::contract::read_env_contract(&path, project.env);
    }
    parity_model::link_connections(&mut project.env.graph);
}

/// A parsed compose file (a top-level file or one named by `extends.file`).
struct ComposeFile {
    path: PathBuf,
    /// The root mapping with interpolation done and each service normalised for merging.
    root: Val,
    /// Service name to its position under `services`.
    service_index: HashMap<String, usize>,
}

/// An env file read once for all the services that name it.
struct LoadedEnvFile {
    display: ArcStr,
    entries: Vec<DotenvEntry>,
    node: NodeIndex,
}

/// Why a service's `extends` chain could not be resolved.
enum ExtendsFailure {
    /// The service is not in that file (the caller reports it).
    Missing,
    /// A cycle, already reported.
    Cycle,
}

struct Project<'a> {
    options: &'a ComposeOptions,
    project_dir: PathBuf,
    /// Variables from the project's `.env`.
    dotenv: HashMap<String, String>,
    env: &'a mut Environment,
    /// Unset variables already warned about.
    warned: BTreeSet<String>,
    files: Vec<ComposeFile>,
    file_by_path: HashMap<PathBuf, Option<usize>>,
    /// Services with `extends` applied, per file index and name.
    resolved: HashMap<(usize, String), Val>,
    reported_cycles: HashSet<Vec<String>>,
    /// The directory relative paths in a file are resolved against, by display name: the project
    /// directory for the files given to [`load`], the file's own directory for `extends` files.
    base_dirs: HashMap<ArcStr, PathBuf>,
    /// By path and whether it is read `format: raw` (the same file read both ways gives
    /// different variables).
    env_files: HashMap<(PathBuf, bool), Option<LoadedEnvFile>>,
    /// The files given to [`load`]; every other file read must stay under their folders.
    given: Vec<PathBuf>,
    /// The env names and values of all services, each held once.
    shared: SharedText,
}

/// A variable of the project environment: the process environment (when enabled) wins over `.env`,
/// as in compose.
fn lookup_var(
    options: &ComposeOptions,
    dotenv: &HashMap<String, String>,
    name: &str,
) -> Option<String> {
    if options.use_process_env {
        if let Ok(value) = std::env::var(name) {
            return Some(value);
        }
    }
    dotenv.get(name).cloned()
}

fn display_of(path: &Path) -> ArcStr {
    ArcStr::from(path.display().to_string())
}

/// `dir/./a` as `dir/a`. `..` is kept: folding it away would change the path the user gave
/// (and its meaning, through symlinks).
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|component| *component != Component::CurDir)
        .collect()
}

impl Project<'_> {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.env.diagnostics.push(diagnostic);
    }

    fn note_file(&mut self, display: &ArcStr) {
        if !self
            .env
            .files
            .iter()
            .any(|file| file.as_str() == &**display)
        {
            self.env.files.push(display.to_string());
        }
    }

    /// Files named inside the project (`env_file`, `extends`, `include`, `.env`) must stay within
    /// the read boundary of a file given to [`load`] (its git repository, or its folder outside
    /// one; see [`parity_source::read_boundary`]), after `..` and symbolic links.
    fn check_within_roots(&self, path: &Path) -> Result<(), SourceError> {
        if self.given.iter().any(|given| given == path) {
            return Ok(());
        }
        let mut first_error = None;
        for given in &self.given {
            let folder = match given.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            match check_within(&read_boundary(folder), path) {
                Ok(()) => return Ok(()),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Reads a file as text; a failure is an error diagnostic.
    fn read(&mut self, path: &Path, display: &ArcStr) -> Option<String> {
        if let Err(error) = self.check_within_roots(path) {
            self.push(Diagnostic::error(
                Origin::file(display.clone()),
                error.to_string(),
            ));
            return None;
        }
        match read_text(path, DEFAULT_MAX_FILE_BYTES) {
            Ok(text) => Some(text),
            Err(error) => {
                let origin = match error.position() {
                    Some((line, column)) => Origin::new(display.clone(), line, column),
                    None => Origin::file(display.clone()),
                };
                let message = match &error {
                    SourceError::NotUtf8 { .. } => "not valid UTF-8 text".to_owned(),
                    SourceError::Io { source, .. } => format!("cannot read the file: {source}"),
                    other => other.to_string(),
                };
                self.push(Diagnostic::error(origin, message));
                None
            }
        }
    }

    /// Reads the project's `.env`, the source of interpolation variables.
    fn read_dotenv(&mut self) {
        let path = self.project_dir.join(".env");
        if path.is_file() {
            self.dotenv = self.read_variables(&path);
        }
    }

    /// Reads a dotenv file of interpolation variables; templates in it see the variables known
    /// so far (the process environment when enabled, and the including project's variables).
    fn read_variables(&mut self, path: &Path) -> HashMap<String, String> {
        let display = display_of(path);
        self.note_file(&display);
        match self.parse_dotenv_file(path, &display) {
            Some(dotenv) => dotenv.to_map(),
            None => HashMap::new(),
        }
    }

    /// Reads and parses a dotenv-format file (`.env`, an `env_file`), interpolating with the
    /// variables known so far, and reports its syntax errors and unset variables.
    fn parse_dotenv_file(&mut self, path: &Path, display: &ArcStr) -> Option<Dotenv> {
        let text = self.read(path, display)?;
        let options = self.options;
        let known = &self.dotenv;
        let lookup = |name: &str| lookup_var(options, known, name);
        let dotenv = parse_dotenv(&text, &lookup);
        for problem in &dotenv.errors {
            self.push(Diagnostic::error(
                Origin::new(display.clone(), problem.line, problem.column),
                problem.message.clone(),
            ));
        }
        for (name, line, column) in &dotenv.unset {
            if self.warned.insert(name.clone()) {
                self.push(Diagnostic::warning(
                    Origin::new(display.clone(), *line, *column),
                    format!("variable {name} is not set, defaulting to a blank string"),
                ));
            }
        }
        Some(dotenv)
    }

    /// The services of the files `include`d by `file`, each include loaded as its own small
    /// project (compose's rules): paths relative to the including file, variables from the
    /// include's `env_file` (default: `.env` in its project directory) overridden by the
    /// including project's, relative paths inside resolved against the include's project
    /// directory. `stack` holds the files being included, to stop cycles.
    fn included_services(&mut self, file: usize, stack: &mut Vec<PathBuf>) -> Vec<Field> {
        let Some(including) = self.files.get(file) else {
            return Vec::new();
        };
        let Some(include) = including.root.get("include").cloned() else {
            return Vec::new();
        };
        let including_dir = including
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let entries: Vec<Val> = match &include.kind {
            Kind::Seq(items) => items.clone(),
            _ => {
                let found = include.type_name();
                self.push(Diagnostic::error(
                    include.origin.clone(),
                    format!("expected a sequence for `include`, found {found}"),
                ));
                return Vec::new();
            }
        };
        let mut services: Vec<Field> = Vec::new();
        for entry in entries {
            let strings = |value: Option<&Val>| -> Vec<String> {
                match value.map(|v| &v.kind) {
                    Some(Kind::Scalar(text, _)) => vec![text.clone()],
                    Some(Kind::Seq(items)) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                }
            };
            let (paths, project_directory, env_files) = match &entry.kind {
                Kind::Scalar(text, _) => (vec![text.clone()], None, Vec::new()),
                Kind::Map(_) => (
                    strings(entry.get("path")),
                    entry
                        .get("project_directory")
                        .and_then(Val::as_str)
                        .map(str::to_owned),
                    strings(entry.get("env_file")),
                ),
                _ => {
                    let found = entry.type_name();
                    self.push(Diagnostic::error(
                        entry.origin.clone(),
                        format!("expected a string or a mapping in `include`, found {found}"),
                    ));
                    continue;
                }
            };
            if paths.is_empty() {
                self.push(Diagnostic::error(
                    entry.origin.clone(),
                    "expected a path in the `include` entry",
                ));
                continue;
            }
            let paths: Vec<PathBuf> = paths
                .iter()
                .map(|p| normalize(&including_dir.join(p)))
                .collect();
            let include_dir = match &project_directory {
                Some(dir) => normalize(&including_dir.join(dir)),
                None => paths
                    .first()
                    .and_then(|p| p.parent())
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            };
            let env_paths: Vec<PathBuf> = if env_files.is_empty() {
                vec![include_dir.join(".env")]
                    .into_iter()
                    .filter(|p| p.is_file())
                    .collect()
            } else {
                env_files
                    .iter()
                    .map(|p| normalize(&including_dir.join(p)))
                    .collect()
            };
            // The include's own variables, then the including project's on top (they win).
            let outer = self.dotenv.clone();
            let mut scoped: HashMap<String, String> = HashMap::new();
            for env_path in env_paths {
                if !env_path.is_file() {
                    self.push(Diagnostic::error(
                        entry.origin.clone(),
                        format!("env file {} not found", env_path.display()),
                    ));
                    continue;
                }
                scoped.extend(self.read_variables(&env_path));
            }
            scoped.extend(outer.clone());
            self.dotenv = scoped;
            let mut included = Val::new(Kind::Map(Vec::new()), entry.origin.clone());
            for (position, path) in paths.iter().enumerate() {
                if stack.contains(path) {
                    self.push(Diagnostic::error(
                        entry.origin.clone(),
                        format!("include cycle: {} includes itself", path.display()),
                    ));
                    continue;
                }
                if !path.is_file() {
                    self.push(Diagnostic::error(
                        entry.origin.clone(),
                        format!("included file {} not found", path.display()),
                    ));
                    continue;
                }
                let Some(index) = self.parse_file(path, include_dir.clone(), position == 0) else {
                    continue;
                };
                stack.push(path.clone());
                let root = self.with_includes_and_extends(index, stack);
                stack.pop();
                merge_project(&mut included, root);
            }
            self.dotenv = outer;
            for service in included
                .get("services")
                .and_then(Val::as_map)
                .unwrap_or_default()
            {
                if services.iter().any(|existing| existing.key == service.key) {
                    self.push(Diagnostic::error(
                        service.origin.clone(),
                        format!(
                            "included service `{}` is defined by another include too",
                            service.key
                        ),
                    ));
                    continue;
                }
                services.push(service.clone());
            }
        }
        services
    }

    /// The file's root, moved out of `self.files`, when no service in it `extends` another and
    /// it includes nothing: then it is already resolved, and nothing read after it can refer to
    /// it (the caller asks only for the last file given). `None` otherwise, and the root stays.
    fn take_self_contained_root(&mut self, file: usize) -> Option<Val> {
        let compose_file = self.files.get_mut(file)?;
        let root = &compose_file.root;
        let extends = root
            .get("services")
            .and_then(Val::as_map)
            .unwrap_or_default()
            .iter()
            .any(|service| service.value.get("extends").is_some());
        if extends || root.get("include").is_some() {
            return None;
        }
        let origin = root.origin.clone();
        compose_file.service_index.clear();
        Some(std::mem::replace(
            &mut compose_file.root,
            Val::new(Kind::Map(Vec::new()), origin),
        ))
    }

    /// The file's root with `extends` applied and the services of its `include`s added.
    fn with_includes_and_extends(&mut self, file: usize, stack: &mut Vec<PathBuf>) -> Val {
        let mut root = self.with_extends_resolved(file);
        let included = self.included_services(file, stack);
        if included.is_empty() {
            return root;
        }
        let Kind::Map(fields) = &mut root.kind else {
            return root;
        };
        if !fields.iter().any(|field| field.key == "services") {
            let origin = root.origin.clone();
            fields.push(Field {
                key: "services".to_owned(),
                origin: origin.clone(),
                value: Val::new(Kind::Map(Vec::new()), origin),
            });
        }
        let Some(Kind::Map(own)) = fields
            .iter_mut()
            .find(|field| field.key == "services")
            .map(|f| &mut f.value.kind)
        else {
            return root;
        };
        let mut imported = Vec::with_capacity(included.len() + own.len());
        let mut conflicts = Vec::new();
        for service in included {
            if own.iter().any(|existing| existing.key == service.key) {
                conflicts.push(Diagnostic::error(
                    service.origin.clone(),
                    format!(
                        "included file defines service `{}`, which the including file defines too",
                        service.key
                    ),
                ));
            } else {
                imported.push(service);
            }
        }
        imported.append(own);
        *own = imported;
        self.env.diagnostics.extend(conflicts);
        root
    }

    /// Parses one compose file into `self.files`; `None` (with diagnostics) when it cannot be used.
    fn parse_file(&mut self, path: &Path, base_dir: PathBuf, first: bool) -> Option<usize> {
        let key = normalize(path);
        if let Some(known) = self.file_by_path.get(&key) {
            return *known;
        }
        self.file_by_path.insert(key.clone(), None);
        let display = display_of(path);
        self.note_file(&display);
        self.base_dirs.entry(display.clone()).or_insert(base_dir);
        let text = self.read(path, &display)?;
        let node = match parse_document(&text, Limits::default()) {
            Ok(node) => node,
            Err(error) => {
                self.push(Diagnostic::error(
                    Origin::new(display, error.line, error.column),
                    error.message,
                ));
                return None;
            }
        };
        let options = self.options;
        let dotenv = &self.dotenv;
        let lookup = |name: &str| lookup_var(options, dotenv, name);
        let mut root = Builder {
            file: display.clone(),
            lookup: &lookup,
            diagnostics: &mut self.env.diagnostics,
            warned: &mut self.warned,
            host_variables: &mut self.env.host_variables,
        }
        .build_owned(node);
        let Kind::Map(fields) = &mut root.kind else {
            let found = root.type_name();
            self.push(Diagnostic::error(
                root.origin,
                format!("expected a mapping with `services:`, found {found}"),
            ));
            return None;
        };
        let mut diagnostics = Vec::new();
        for field in fields.iter() {
            if !TOP_LEVEL_KEYS.contains(&field.key.as_str()) && !field.key.starts_with("x-") {
                diagnostics.push(Diagnostic::warning(
                    field.origin.clone(),
                    format!("unknown top-level key `{}`, ignored", field.key),
                ));
            }
        }
        let has_include = fields.iter().any(|field| field.key == "include");
        match fields.iter_mut().find(|field| field.key == "services") {
            None if first && !has_include => diagnostics.push(Diagnostic::error(
                root.origin.clone(),
                "expected a mapping with `services:`, found no `services` key",
            )),
            None => {}
            Some(services) => {
                if services.value.is_null() {
                    services.value.kind = Kind::Map(Vec::new());
                }
                match &mut services.value.kind {
                    Kind::Map(entries) => {
                        entries.retain(|service| {
                            let keep = matches!(service.value.kind, Kind::Map(_))
                                || service.value.has_tag("!reset");
                            if !keep {
                                diagnostics.push(Diagnostic::error(
                                    service.value.origin.clone(),
                                    format!(
                                        "expected a mapping for service `{}`, found {}",
                                        service.key,
                                        service.value.type_name()
                                    ),
                                ));
                            }
                            keep
                        });
                        for service in entries.iter_mut() {
                            check_unique_items(&service.key, &service.value, &mut diagnostics);
                            normalize_service(&mut service.value, &mut diagnostics);
                        }
                    }
                    _ => {
                        diagnostics.push(Diagnostic::error(
                            services.value.origin.clone(),
                            format!(
                                "expected a mapping for `services`, found {}",
                                services.value.type_name()
                            ),
                        ));
                        services.value.kind = Kind::Map(Vec::new());
                    }
                }
            }
        }
        self.env.diagnostics.extend(diagnostics);
        let index = self.files.len();
        let service_index = root
            .get("services")
            .and_then(Val::as_map)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(at, service)| (service.key.clone(), at))
            .collect();
        self.files.push(ComposeFile {
            path: path.to_path_buf(),
            root,
            service_index,
        });
        self.file_by_path.insert(key, Some(index));
        Some(index)
    }

    fn raw_service(&self, file: usize, name: &str) -> Option<Field> {
        let file = self.files.get(file)?;
        let at = *file.service_index.get(name)?;
        file.root.get("services")?.as_map()?.get(at).cloned()
    }

    /// The file's root with every service's `extends` applied.
    fn with_extends_resolved(&mut self, file: usize) -> Val {
        let Some(mut root) = self.files.get(file).map(|f| f.root.clone()) else {
            return Val::new(Kind::Map(Vec::new()), Origin::file(ArcStr::from("")));
        };
        let extending: Vec<(usize, String)> = root
            .get("services")
            .and_then(Val::as_map)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter(|(_, service)| service.value.get("extends").is_some())
            .map(|(at, service)| (at, service.key.clone()))
            .collect();
        for (at, name) in extending {
            let resolved = self.resolve(file, &name, &mut Vec::new());
            let Kind::Map(fields) = &mut root.kind else {
                break;
            };
            let Some(Kind::Map(services)) = fields
                .iter_mut()
                .find(|field| field.key == "services")
                .map(|field| &mut field.value.kind)
            else {
                break;
            };
            if let Some(service) = services.get_mut(at) {
                service.value = match resolved {
                    Ok(value) => value,
                    Err(_) => without_extends(service.value.clone()),
                };
            }
        }
        root
    }

    /// The service `name` of `file` with its `extends` chain applied (compose merge rules, the
    /// extending service winning).
    fn resolve(
        &mut self,
        file: usize,
        name: &str,
        stack: &mut Vec<(usize, String)>,
    ) -> Result<Val, ExtendsFailure> {
        if let Some(done) = self.resolved.get(&(file, name.to_owned())) {
            return Ok(done.clone());
        }
        let raw = self
            .raw_service(file, name)
            .ok_or(ExtendsFailure::Missing)?;
        let Some(extends) = raw.value.field("extends").cloned() else {
            self.resolved
                .insert((file, name.to_owned()), raw.value.clone());
            return Ok(raw.value);
        };
        if let Some(start) = stack.iter().position(|(f, n)| *f == file && n == name) {
            let mut chain: Vec<String> = stack
                .get(start..)
                .unwrap_or_default()
                .iter()
                .map(|(_, n)| n.clone())
                .collect();
            let mut members = chain.clone();
            members.sort();
            if self.reported_cycles.insert(members) {
                chain.push(name.to_owned());
                self.push(Diagnostic::error(
                    extends.origin.clone(),
                    format!("extends cycle: {}", chain.join(" -> ")),
                ));
            }
            return Err(ExtendsFailure::Cycle);
        }
        let (target_file, base_name) = match &extends.value.kind {
            Kind::Scalar(base, _) => (None, base.clone()),
            Kind::Map(_) => {
                let Some(base) = extends.value.get("service").and_then(Val::as_str) else {
                    self.push(Diagnostic::error(
                        extends.value.origin.clone(),
                        "expected a `service` in `extends`",
                    ));
                    return Ok(without_extends(raw.value));
                };
                (
                    extends
                        .value
                        .get("file")
                        .and_then(Val::as_str)
                        .map(str::to_owned),
                    base.to_owned(),
                )
            }
            _ => {
                let found = extends.value.type_name();
                self.push(Diagnostic::error(
                    extends.value.origin.clone(),
                    format!("expected a string or a mapping for `extends`, found {found}"),
                ));
                return Ok(without_extends(raw.value));
            }
        };
        let base_file = match target_file {
            None => Some(file),
            Some(written) => {
                let own_dir = self
                    .files
                    .get(file)
                    .and_then(|f| f.path.parent())
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let path = normalize(&own_dir.join(&written));
                let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                if path.is_file() {
                    self.parse_file(&path, base_dir, false)
                } else {
                    self.push(Diagnostic::error(
                        extends.value.origin.clone(),
                        format!("cannot extend service `{name}`: file {written} not found"),
                    ));
                    None
                }
            }
        };
        let Some(base_file) = base_file else {
            return Ok(without_extends(raw.value));
        };
        stack.push((file, name.to_owned()));
        let base = self.resolve(base_file, &base_name, stack);
        stack.pop();
        let mut merged = match base {
            Ok(base) => base,
            Err(ExtendsFailure::Cycle) => return Err(ExtendsFailure::Cycle),
            Err(ExtendsFailure::Missing) => {
                self.push(Diagnostic::error(
                    extends.value.origin.clone(),
                    format!("service `{name}` extends undefined service `{base_name}`"),
                ));
                return Ok(without_extends(raw.value));
            }
        };
        // The extending service's own mapping position is where it is declared.
        merged.origin = raw.value.origin.clone();
        merge_service(&mut merged, without_extends(raw.value));
        self.resolved
            .insert((file, name.to_owned()), merged.clone());
        Ok(merged)
    }

    /// Adds the active services, their env files and `depends_on` edges to the graph.
    fn build_graph(&mut self, mut merged: Val) {
        // Moved out, not copied: each service's tree is freed once it is converted.
        let services: Vec<Field> = match &mut merged.kind {
            Kind::Map(fields) => fields
                .iter_mut()
                .find(|field| field.key == "services")
                .and_then(|field| match &mut field.value.kind {
                    Kind::Map(services) => Some(std::mem::take(services)),
                    _ => None,
                }),
            _ => None,
        }
        .unwrap_or_default();
        // `--profile` (the options) wins; without it compose reads `COMPOSE_PROFILES` from its
        // environment, `.env` included.
        let profiles: Vec<String> = if self.options.profiles.is_empty() {
            lookup_var(self.options, &self.dotenv, "COMPOSE_PROFILES")
                .map(|names| {
                    names
                        .split(',')
                        .map(str::trim)
                        .filter(|name| !name.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        } else {
            self.options.profiles.clone()
        };
        let declared_volumes: HashSet<String> = merged
            .get("volumes")
            .and_then(Val::as_map)
            .map(|volumes| volumes.iter().map(|field| field.key.clone()).collect())
            .unwrap_or_default();
        let mut inactive: HashSet<String> = HashSet::new();
        let mut added: Vec<(NodeIndex, ConvertedService)> = Vec::new();
        let mut index_by_name: HashMap<String, NodeIndex> = HashMap::new();
        for mut field in services {
            enforce_unicity(&mut field.value);
            let options = self.options;
            let dotenv = &self.dotenv;
            let lookup = |name: &str| lookup_var(options, dotenv, name);
            let mut converted = convert_service(
                &field.key,
                &field.origin,
                &field.value,
                &lookup,
                &mut self.shared,
                &mut self.env.diagnostics,
            );
            let service = &converted.service;
            let enabled = service.profiles.is_empty()
                || service
                    .profiles
                    .iter()
                    .any(|profile| profiles.contains(profile) || profile == "*")
                || profiles.iter().any(|profile| profile == "*");
            if !enabled {
                let profiles = service.profiles.join(", ");
                self.push(Diagnostic::note(
                    field.origin.clone(),
                    format!(
                        "service {} is inactive: its profiles ({profiles}) are not enabled",
                        field.key
                    ),
                ));
                inactive.insert(field.key);
                continue;
            }
            for volume in service.containers.iter().flat_map(|c| &c.volumes) {
                if let (VolumeKind::Named, Some(name)) = (volume.kind, &volume.source) {
                    if !declared_volumes.contains(name) {
                        self.env.diagnostics.push(Diagnostic::error(
                            volume.origin.clone(),
                            format!(
                                "service {} refers to undefined volume {name}: declare it under the top-level `volumes`",
                                field.key
                            ),
                        ));
                    }
                }
            }
            let has_image = service
                .containers
                .first()
                .is_some_and(|c| c.image_origin.is_some());
            match &service.build {
                Some(build) => {
                    let context = build.context.clone();
                    let origin = build.origin.clone();
                    self.push(Diagnostic::note(
                        origin,
                        format!("service {} is built from source (build: {context}), its image is not compared", field.key),
                    ));
                }
                None if !has_image => self.push(Diagnostic::error(
                    field.origin.clone(),
                    format!(
                        "service {} has neither an image nor a build context specified",
                        field.key
                    ),
                )),
                None => {}
            }
            let env_nodes = self.apply_env_files(&mut converted);
            // The service moves into the graph; what linking `depends_on` needs stays here.
            let mut service = std::mem::replace(
                &mut converted.service,
                parity_model::Service::new(
                    String::new(),
                    parity_model::ServiceKind::ComposeService,
                    field.origin.clone(),
                ),
            );
            converted.service.name.clone_from(&service.name);
            converted.service.depends_on.clone_from(&service.depends_on);
            service.shrink_to_fit();
            let node = self.env.graph.add(Node::from(service));
            for env_node in env_nodes {
                self.env
                    .graph
                    .connect(node, env_node, Edge::ReadsConfigFrom);
            }
            index_by_name.insert(field.key.clone(), node);
            added.push((node, converted));
        }
        for (node, converted) in &added {
            let service = &converted.service;
            for (dependency, origin) in service.depends_on.iter().zip(&converted.dependency_origins)
            {
                match index_by_name.get(dependency) {
                    Some(target) => self.env.graph.connect(*node, *target, Edge::DependsOn),
                    // `required: false` excuses a service left out by its profiles, not one
                    // that is not defined at all (compose rejects that too).
                    None if converted.optional_dependencies.contains(dependency)
                        && inactive.contains(dependency) => {}
                    None => {
                        let why = if inactive.contains(dependency) {
                            " (its profiles are not enabled)"
                        } else {
                            ""
                        };
                        self.push(Diagnostic::error(
                            origin.clone(),
                            format!(
                                "service {:?} depends on undefined service {dependency:?}{why}",
                                service.name
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// Adds the bare `KEY`s of `environment:` that the project environment does not set (the
    /// container gets them from the shell running compose) to the host variables, after the
    /// `${VAR}`s recorded while interpolating.
    fn record_bare_host_variables(&mut self) {
        let mut found = Vec::new();
        for (_, service) in self.env.graph.services() {
            for container in &service.containers {
                for var in &container.env {
                    if var.value == EnvValue::FromHost {
                        found.push(parity_model::HostVariable {
                            name: var.name.to_string(),
                            origin: var.origin.clone(),
                        });
                    }
                }
            }
        }
        for var in found {
            if !self
                .env
                .host_variables
                .iter()
                .any(|known| known.name == var.name)
            {
                self.env.host_variables.push(var);
            }
        }
    }

    /// Reads the service's env files, puts their variables before the `environment` ones
    /// (`environment` wins for the same key) and returns the env file nodes.
    fn apply_env_files(&mut self, converted: &mut ConvertedService) -> Vec<NodeIndex> {
        let mut nodes = Vec::new();
        let mut env_list = EnvList::default();
        for reference in converted.env_files.clone() {
            let Some((display, entries, node)) = self.env_file(&reference) else {
                continue;
            };
            if !nodes.contains(&node) {
                nodes.push(node);
            }
            for entry in entries {
                let value = match entry.value {
                    Some(value) => value,
                    // `KEY` alone in an env file: compose takes it from its environment, or drops it.
                    None => match lookup_var(self.options, &self.dotenv, &entry.key) {
                        Some(value) => value,
                        None => continue,
                    },
                };
                let key = self.shared.get(&entry.key);
                let var = EnvVar {
                    name: key.clone(),
                    value: EnvValue::FromSource {
                        source: EnvSource::EnvFile,
                        source_name: self.shared.get(&reference.written),
                        key: Some(key),
                        resolved: Some(SensitiveText::for_key(&entry.key, self.shared.get(&value))),
                    },
                    origin: Origin::new(display.clone(), entry.line, entry.column),
                };
                env_list.upsert(var);
            }
        }
        if let Some(container) = converted.service.containers.first_mut() {
            let environment = std::mem::take(&mut container.env);
            for var in environment {
                env_list.upsert(var);
            }
            container.env = env_list.vars;
        }
        nodes
    }

    /// The env file behind `reference`, read once; `None` when it is missing or unreadable.
    fn env_file(
        &mut self,
        reference: &EnvFileRef,
    ) -> Option<(ArcStr, Vec<DotenvEntry>, NodeIndex)> {
        let base_dir = self
            .base_dirs
            .get(&reference.origin.file)
            .cloned()
            .unwrap_or_else(|| self.project_dir.clone());
        let path = normalize(&base_dir.join(&reference.written));
        let key = (path, reference.raw);
        if !self.env_files.contains_key(&key) {
            let loaded = self.read_env_file(&key.0, reference);
            self.env_files.insert(key.clone(), loaded);
        }
        let loaded = self.env_files.get(&key)?.as_ref()?;
        Some((loaded.display.clone(), loaded.entries.clone(), loaded.node))
    }

    fn read_env_file(&mut self, path: &Path, reference: &EnvFileRef) -> Option<LoadedEnvFile> {
        let display = display_of(path);
        if !path.is_file() {
            if reference.required {
                self.push(Diagnostic::error(
                    reference.origin.clone(),
                    format!("env file {} not found", reference.written),
                ));
            }
            return None;
        }
        self.note_file(&display);
        let dotenv = if reference.raw {
            let text = self.read(path, &display)?;
            let dotenv = parse_raw_env(&text);
            for problem in &dotenv.errors {
                self.push(Diagnostic::error(
                    Origin::new(display.clone(), problem.line, problem.column),
                    problem.message.clone(),
                ));
            }
            dotenv
        } else {
            self.parse_dotenv_file(path, &display)?
        };
        let source = ConfigSource {
            kind: ConfigSourceKind::EnvFile,
            name: self.shared.get(&reference.written),
            namespace: None,
            // Sorted once (last wins), not inserted one by one: see `SortedMap`.
            entries: dotenv
                .entries
                .iter()
                .filter_map(|entry| {
                    let value = entry.value.as_ref()?;
                    let text = SensitiveText::for_key(&entry.key, self.shared.get(value));
                    let origin = Origin::new(display.clone(), entry.line, entry.column);
                    Some((self.shared.get(&entry.key), (text, origin)))
                })
                .collect(),
            origin: Origin::file(display.clone()),
        };
        let node = self.env.graph.add(Node::from(source));
        Some(LoadedEnvFile {
            display,
            entries: dotenv.entries,
            node,
        })
    }
}

/// Env vars in order, a later one with the same name replacing the earlier one in its place.
#[derive(Default)]
struct EnvList {
    vars: Vec<EnvVar>,
    positions: HashMap<ArcStr, usize>,
}

impl EnvList {
    fn upsert(&mut self, var: EnvVar) {
        match self
            .positions
            .get(&var.name)
            .and_then(|&at| self.vars.get_mut(at))
        {
            Some(existing) => *existing = var,
            None => {
                self.positions.insert(var.name.clone(), self.vars.len());
                self.vars.push(var);
            }
        }
    }
}

fn without_extends(mut service: Val) -> Val {
    if let Kind::Map(fields) = &mut service.kind {
        fields.retain(|field| field.key != "extends");
    }
    service
}
