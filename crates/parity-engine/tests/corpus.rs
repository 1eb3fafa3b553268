//! The engine over real projects' compose files and Kubernetes manifests (`../shared/corpus`,
//! never committed). Skips when the corpus is absent.
//!
//! Asserts invariants that must hold for any input (each service paired at most once, findings
//! sorted and deterministic, locations that exist, message convention, a side compared with
//! itself is clean) and the pairings that
//! the weaker pairing steps exist for, on the projects that motivated them.

#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use parity_compose::ComposeOptions;
use parity_engine::{Policy, check};
use parity_model::{ArcStr, Environment, PairedBy, Report};

mod common;
use common::files_under;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("corpus not found at {}; skipping", dir.display());
        None
    }
}

/// The project's compose files: what `docker compose` would pick in the first folder that has
/// any, else the YAML files under `local/` (one project names its file `java25.yml`).
fn compose_files(project: &Path) -> Vec<PathBuf> {
    let local = project.join("local");
    let mut dirs: Vec<PathBuf> = files_under(&local)
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.dedup();
    for dir in dirs {
        let files = parity_compose::discover(&dir);
        if !files.is_empty() {
            return files;
        }
    }
    files_under(&local)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect()
}

fn load(project: &Path) -> (Environment, Environment) {
    let mut local = Environment::new("local");
    parity_compose::load(
        &compose_files(project),
        &ComposeOptions::default(),
        &mut local,
    );
    let mut prod = Environment::new("prod");
    let mut parsed = Vec::new();
    for file in parity_k8s::discover(&project.join("prod")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        parsed.push(parity_k8s::parse_file(
            ArcStr::from(file.display().to_string()),
            &text,
        ));
    }
    parity_k8s::build(parsed, &mut prod);
    (local, prod)
}

fn reports() -> Option<BTreeMap<String, Report>> {
    let corpus = corpus()?;
    let mut projects: Vec<PathBuf> = std::fs::read_dir(corpus)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    projects.sort();
    let mut out = BTreeMap::new();
    for project in projects.into_iter().filter(|p| p.is_dir()) {
        let (local, prod) = load(&project);
        let report = check(&local, &prod, &Policy::builtin());
        assert_eq!(
            check(&local, &prod, &Policy::builtin()),
            report,
            "{}: not deterministic",
            project.display()
        );
        let name = project
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.insert(name, report);
    }
    Some(out)
}

fn pairs_by(report: &Report, how: PairedBy) -> Vec<(&str, &str)> {
    report
        .pairs
        .iter()
        .filter(|p| p.paired_by == how)
        .map(|p| (p.local.as_str(), p.prod.as_str()))
        .collect()
}

#[test]
fn invariants_hold_on_every_project() {
    let Some(reports) = reports() else { return };
    assert!(
        reports.len() >= 10,
        "expected the corpus projects, found {}",
        reports.len()
    );
    for (project, report) in &reports {
        let locals: HashSet<&str> = report.pairs.iter().map(|p| p.local.as_str()).collect();
        let prods: HashSet<&str> = report.pairs.iter().map(|p| p.prod.as_str()).collect();
        assert_eq!(
            locals.len(),
            report.pairs.len(),
            "{project}: a local service paired twice"
        );
        assert_eq!(
            prods.len(),
            report.pairs.len(),
            "{project}: a prod service paired twice"
        );
        assert!(
            report.pairs.len() <= report.local.services.min(report.prod.services),
            "{project}"
        );
        let keys: Vec<_> = report.findings.iter().map(|f| f.sort_key()).collect();
        assert!(
            keys.windows(2).all(|w| w[0] <= w[1]),
            "{project}: findings not sorted"
        );
        for finding in &report.findings {
            let first = finding.message.chars().next().unwrap_or(' ');
            assert!(
                !first.is_uppercase() && !finding.message.ends_with('.'),
                "{project}: {}",
                finding.message
            );
            assert!(
                !finding.locations.is_empty(),
                "{project}: {} has no location",
                finding.message
            );
            for location in &finding.locations {
                let text = std::fs::read_to_string(&*location.origin.file).unwrap_or_else(|_| {
                    panic!("{project}: location in a missing file {}", location.origin)
                });
                assert!(
                    location.origin.line as usize <= text.lines().count(),
                    "{project}: {}",
                    location.origin
                );
            }
        }
    }
}

#[test]
fn known_projects_pair_as_expected() {
    let Some(reports) = reports() else { return };
    let report = |name: &str| {
        reports
            .get(name)
            .unwrap_or_else(|| panic!("corpus project {name} missing"))
    };

    // Same names on both sides.
    let voting = report("voting-app");
    assert_eq!(pairs_by(voting, PairedBy::ExactName).len(), 5);
    assert_eq!(voting.pairs.len(), 5);

    // Every prod workload is prefixed with the project name.
    let teastore = report("teastore");
    assert_eq!(teastore.pairs.len(), 7);
    assert!(pairs_by(teastore, PairedBy::NormalizedName).contains(&("auth", "teastore-auth")));

    // Every local service carries a build-flavour suffix.
    let heroes = report("super-heroes");
    assert!(
        pairs_by(heroes, PairedBy::NormalizedName).contains(&("rest-fights-java25", "rest-fights"))
    );

    // The prod workload is renamed; its container keeps the compose service's name.
    assert_eq!(
        pairs_by(report("hotrod"), PairedBy::ContainerName),
        [("hotrod", "example-hotrod")]
    );

    // Databases named by role locally and by engine in prod, each the only one of its image.
    let retail = report("retail-store");
    assert!(pairs_by(retail, PairedBy::Image).contains(&("orders-db", "orders-postgresql")));
    // `-svc` is an environment affix.
    assert!(
        pairs_by(report("emojivoto"), PairedBy::NormalizedName).contains(&("emoji-svc", "emoji"))
    );
}
