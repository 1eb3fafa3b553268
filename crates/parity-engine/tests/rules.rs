//! The rule fixtures: `testdata/rules/<CODE>-<name>/{fires,quiet}/`.
//!
//! Each case holds a `parity.yaml` (selecting only the rule under test), a compose project in
//! `local/` and Kubernetes manifests in `prod/`. Lines a finding must point at carry
//! `# expect: <rule>` (name or code, several separated by commas). For every case this test loads
//! both sides with the real loaders, runs the engine, and checks
//!
//! - that the set of `(file, line, rule)` of all finding locations equals the set of markers, and
//! - a snapshot of the findings as text, so message wording is reviewed (`cargo insta review`).
//!
//! Adding a rule or a case needs no new test function.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use parity_compose::ComposeOptions;
use parity_engine::{Policy, RULES, check, find_rule};
use parity_model::{ArcStr, DiagnosticLevel, Environment, Report};

mod common;
use common::files_under;

/// `(file relative to the case, line, rule name)`.
type Mark = (String, u32, &'static str);

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn relative(case: &Path, file: &str) -> String {
    let case_prefix = format!("{}/", case.display());
    file.strip_prefix(&case_prefix).unwrap_or(file).to_owned()
}

/// The `# expect:` markers of every file in the case's `local/` and `prod/`.
fn markers(case: &Path) -> BTreeSet<Mark> {
    let mut marks = BTreeSet::new();
    for side in ["local", "prod"] {
        for file in files_under(&case.join(side)) {
            let text = std::fs::read_to_string(&file).unwrap();
            let name = relative(case, &file.display().to_string());
            for (index, line) in text.lines().enumerate() {
                let Some((_, rules)) = line.split_once("# expect:") else {
                    continue;
                };
                for rule in rules.split(',').map(str::trim) {
                    let found = find_rule(rule)
                        .unwrap_or_else(|| panic!("{name}:{}: unknown rule {rule:?}", index + 1));
                    marks.insert((name.clone(), index as u32 + 1, found.meta().name));
                }
            }
        }
    }
    marks
}

fn load_local(case: &Path) -> Environment {
    let dir = case.join("local");
    let mut env = Environment::new("local");
    let files = parity_compose::discover(&dir);
    assert!(!files.is_empty(), "{}: no compose file", dir.display());
    parity_compose::load(&files, &ComposeOptions::default(), &mut env);
    env
}

fn load_prod(case: &Path) -> Environment {
    let dir = case.join("prod");
    let mut env = Environment::new("prod");
    // A Terraform root module (for the backing-service rules).
    if parity_terraform::is_module_dir(&dir) {
        parity_terraform::load_module(
            &dir,
            &parity_terraform::TerraformOptions::default(),
            &mut env,
        );
        return env;
    }
    let mut parsed = Vec::new();
    for file in parity_k8s::discover(&dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        let display: ArcStr = relative(case, &file.display().to_string()).into();
        parsed.push(parity_k8s::parse_file(display, &text));
    }
    parity_k8s::build(parsed, &mut env);
    env
}

/// The findings as reviewed in snapshots: one block per finding, paths relative to the case.
fn render(case: &Path, report: &Report) -> String {
    let mut out = String::new();
    for pair in &report.pairs {
        let _ = writeln!(
            out,
            "pair {} <-> {} ({})",
            pair.local,
            pair.prod,
            pair.paired_by.as_str()
        );
    }
    for finding in &report.findings {
        // Compose origins carry the path the loader was given; keep snapshots machine-independent.
        let message = finding.message.replace(&format!("{}/", case.display()), "");
        let _ = writeln!(out, "{}[{}] {message}", finding.severity, finding.rule);
        if let Some(key) = &finding.key {
            let _ = writeln!(out, "  key: {key}");
        }
        if let Some(side) = finding.missing_in {
            let _ = writeln!(out, "  missing in: {side}");
        }
        for location in &finding.locations {
            let origin = &location.origin;
            let _ = writeln!(
                out,
                "  {}: {}:{}:{}",
                location.side,
                relative(case, &origin.file),
                origin.line,
                origin.column
            );
        }
    }
    out
}

#[test]
fn rule_fixtures() {
    insta::glob!(
        "../../../testdata",
        "rules/*/*/parity.yaml",
        |policy_path| {
            let case = policy_path.parent().unwrap();
            let policy_text = std::fs::read_to_string(policy_path).unwrap();
            let policy =
                Policy::from_yaml(&policy_path.display().to_string(), &policy_text).unwrap();
            let local = load_local(case);
            let prod = load_prod(case);
            for env in [&local, &prod] {
                let errors: Vec<String> = env
                    .diagnostics
                    .iter()
                    .filter(|d| d.level == DiagnosticLevel::Error)
                    .map(ToString::to_string)
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{}: fixture does not load cleanly: {errors:#?}",
                    case.display()
                );
            }
            let report = check(&local, &prod, &policy);
            let found: BTreeSet<Mark> = report
                .findings
                .iter()
                .flat_map(|finding| {
                    finding.locations.iter().map(|location| {
                        (
                            relative(case, &location.origin.file),
                            location.origin.line,
                            finding.rule,
                        )
                    })
                })
                .collect();
            let expected = markers(case);
            let missing: Vec<&Mark> = expected.difference(&found).collect();
            let unexpected: Vec<&Mark> = found.difference(&expected).collect();
            assert!(
                missing.is_empty() && unexpected.is_empty(),
                "{}:\n  markers with no finding: {missing:#?}\n  findings with no marker: {unexpected:#?}\n{}",
                case.display(),
                render(case, &report)
            );
            insta::assert_snapshot!(render(case, &report));
        }
    );
}

#[test]
fn every_rule_has_fires_and_quiet_cases() {
    let rules_dir = testdata().join("rules");
    for rule in RULES {
        let meta = rule.meta();
        let dir = rules_dir.join(format!("{}-{}", meta.code, meta.name));
        let fires = markers(&dir.join("fires"));
        assert!(
            !fires.is_empty(),
            "{}: `fires` needs at least one `# expect:` marker",
            dir.display()
        );
        assert!(
            fires.iter().all(|(_, _, name)| *name == meta.name),
            "{}: `fires` expects other rules",
            dir.display()
        );
        assert!(
            dir.join("quiet/parity.yaml").is_file(),
            "{}: missing `quiet` case",
            dir.display()
        );
        assert!(
            markers(&dir.join("quiet")).is_empty(),
            "{}: `quiet` must expect nothing",
            dir.display()
        );
    }
    let dirs = std::fs::read_dir(&rules_dir).unwrap().count();
    assert_eq!(
        dirs,
        RULES.len(),
        "a directory under testdata/rules/ belongs to no registered rule"
    );
}
