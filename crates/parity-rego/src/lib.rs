//! Custom parity rules written in Rego (the policy language of OPA and conftest), evaluated
//! in-process with [regorus](https://github.com/microsoft/regorus).
//!
//! A policy is a `.rego` file whose package sits under `parity.policies` and that defines a set
//! (or array) rule `findings`. Each element is an object in the shape of a built-in rule's
//! finding:
//!
//! ```rego
//! package parity.policies.team_label
//!
//! findings contains {"rule": "team-label", "severity": "warning", "service": s.name,
//!     "prod_service": s.name, "message": sprintf("prod workload `%s` has no `team` label", [s.name])} if {
//!     some s in input.prod.services
//!     not s.labels.team
//! }
//! ```
//!
//! `input` holds both sides and the pairing ([`input_document`]). [`RegoPolicies`] implements the
//! engine's [`ExtraRules`], so its findings are sorted, suppressed and counted like built-in ones.
//! Files named `*_test.rego` are tests: [`run_tests`] evaluates every `test_*` rule in them.

mod error;
mod input;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use parity_engine::{CheckContext, ExtraRules, find_rule};
use parity_model::{Diagnostic, Finding, Location, Origin, Severity, Side};
use serde_json::Value;

pub use error::RegoError;
pub use input::input_document;

/// The package prefix custom policies live under.
pub const PACKAGE_ROOT: &str = "data.parity.policies";

/// Loaded Rego policies, ready to evaluate.
#[derive(Debug, Clone)]
pub struct RegoPolicies {
    engine: regorus::Engine,
    files: Vec<String>,
}

impl RegoPolicies {
    /// Loads the policies in `paths`: `.rego` files, and folders whose `.rego` files (not
    /// recursively, sorted by name) are read. Test files (`*_test.rego`) are skipped.
    pub fn load(paths: &[PathBuf]) -> Result<RegoPolicies, RegoError> {
        let mut sources = Vec::new();
        for file in policy_files(paths, false)? {
            let text = std::fs::read_to_string(&file).map_err(|source| RegoError::Read {
                path: file.clone(),
                source,
            })?;
            sources.push((file.display().to_string(), text));
        }
        RegoPolicies::from_sources(sources)
    }

    /// Policies from `(display path, text)` pairs.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RegoPolicies, RegoError> {
        let mut engine = regorus::Engine::new();
        let mut files = Vec::new();
        for (path, text) in sources {
            engine
                .add_policy(path.clone(), text)
                .map_err(|error| RegoError::Compile {
                    path: path.clone(),
                    message: error.to_string(),
                })?;
            files.push(path);
        }
        Ok(RegoPolicies { engine, files })
    }

    /// The policy files, as given.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Evaluates every policy against the context's two sides.
    pub fn evaluate(&self, cx: &CheckContext<'_>) -> Result<Vec<Finding>, RegoError> {
        if self.files.is_empty() {
            return Ok(Vec::new());
        }
        // Evaluation needs `&mut`; a clone keeps `RegoPolicies` shareable and is cheap next to
        // the evaluation itself.
        let mut engine = self.engine.clone();
        let input = input_document(cx);
        let input = regorus::Value::from_json_str(&input.to_string()).map_err(eval_error)?;
        engine.set_input(input);
        let results = engine
            .eval_query(PACKAGE_ROOT.to_owned(), false)
            .map_err(eval_error)?;
        let mut findings = Vec::new();
        for result in &results.result {
            for expression in &result.expressions {
                let json = expression.value.to_json_str().map_err(eval_error)?;
                let value: Value =
                    serde_json::from_str(&json).map_err(|error| RegoError::Eval {
                        message: error.to_string(),
                    })?;
                collect_findings(cx, "parity.policies", &value, &mut findings)?;
            }
        }
        Ok(findings)
    }
}

impl ExtraRules for RegoPolicies {
    fn check(
        &self,
        cx: &CheckContext<'_>,
        out: &mut Vec<Finding>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        match self.evaluate(cx) {
            Ok(findings) => out.extend(findings),
            Err(error) => {
                let file = self.files.first().map(String::as_str).unwrap_or("<rego>");
                diagnostics.push(Diagnostic::error(
                    Origin::file(file.into()),
                    error.to_string(),
                ));
            }
        }
    }
}

fn eval_error(error: impl std::fmt::Display) -> RegoError {
    RegoError::Eval {
        message: error.to_string(),
    }
}

/// The `.rego` files in `paths`, sorted within each folder; `tests` selects test files
/// (`*_test.rego`) instead of policies.
pub fn policy_files(paths: &[PathBuf], tests: bool) -> Result<Vec<PathBuf>, RegoError> {
    let wanted = |path: &Path| {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        name.ends_with(".rego") && name.ends_with("_test.rego") == tests
    };
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| RegoError::Read {
                path: path.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|file| file.is_file() && wanted(file))
                .collect();
            found.sort();
            files.extend(found);
        } else if !path.exists() {
            return Err(RegoError::Read {
                path: path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            });
        } else if wanted(path) || !tests {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Walks the `data.parity.policies` document: every package's `findings` becomes findings.
fn collect_findings(
    cx: &CheckContext<'_>,
    package: &str,
    value: &Value,
    out: &mut Vec<Finding>,
) -> Result<(), RegoError> {
    let Some(object) = value.as_object() else {
        return Ok(());
    };
    for (key, child) in object {
        if key == "findings" {
            let items = match child {
                Value::Array(items) => items.as_slice(),
                _ => {
                    return Err(RegoError::Finding {
                        package: package.to_owned(),
                        message: "`findings` must be a set or an array of objects".to_owned(),
                    });
                }
            };
            for item in items {
                out.push(finding_from(cx, package, item)?);
            }
        } else if child.is_object() {
            collect_findings(cx, &format!("{package}.{key}"), child, out)?;
        }
    }
    Ok(())
}

/// Rule ids of custom policies, leaked once per distinct id: [`Finding::rule`] is
/// `&'static str`, and a process only ever sees a handful of custom rule ids.
static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

fn intern(id: &str) -> &'static str {
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(existing) = interned.get(id) {
        return existing;
    }
    let leaked: &'static str = Box::leak(id.to_owned().into_boxed_str());
    interned.insert(leaked);
    leaked
}

fn finding_from(cx: &CheckContext<'_>, package: &str, item: &Value) -> Result<Finding, RegoError> {
    let bad = |message: String| RegoError::Finding {
        package: package.to_owned(),
        message: format!("{message}: {item}"),
    };
    let text = |field: &str| item.get(field).and_then(Value::as_str).map(str::to_owned);
    let rule = text("rule").ok_or_else(|| bad("`rule` (a kebab-case id) is required".into()))?;
    if rule.is_empty()
        || !rule
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad(format!("rule id `{rule}` is not kebab-case")));
    }
    if find_rule(&rule).is_some() {
        return Err(bad(format!("rule id `{rule}` belongs to a built-in rule")));
    }
    let severity = match text("severity") {
        None => Severity::Warning,
        Some(written) => Severity::parse(&written).ok_or_else(|| {
            bad(format!(
                "severity `{written}` is not error, warning or note"
            ))
        })?,
    };
    let service = text("service").ok_or_else(|| bad("`service` is required".into()))?;
    let message = text("message").ok_or_else(|| bad("`message` is required".into()))?;
    let side_of = |field: &str| match text(field).as_deref() {
        None => Ok(None),
        Some("local") => Ok(Some(Side::Local)),
        Some("prod") => Ok(Some(Side::Prod)),
        Some(other) => Err(bad(format!(
            "`{field}` must be local or prod, not `{other}`"
        ))),
    };
    let missing_in = side_of("missing_in")?;
    let mut local_service = text("local_service");
    let mut prod_service = text("prod_service");
    // A finding about one side of a pair also names the other side's service, so it groups
    // with the pair's other findings.
    if let (None, Some(prod_name)) = (&local_service, &prod_service) {
        local_service = cx
            .pairs()
            .find(|pair| &pair.prod.name == prod_name)
            .map(|pair| pair.local.name.clone());
    } else if let (Some(local_name), None) = (&local_service, &prod_service) {
        prod_service = cx
            .pairs()
            .find(|pair| &pair.local.name == local_name)
            .map(|pair| pair.prod.name.clone());
    }
    if local_service.is_none() && prod_service.is_none() {
        // Only `service` given: it names whichever sides have it.
        local_service = find_service(cx, Side::Local, &service).map(|s| s.name.clone());
        prod_service = find_service(cx, Side::Prod, &service).map(|s| s.name.clone());
    }
    let mut locations = Vec::new();
    if let Some(written) = item.get("locations").and_then(Value::as_array) {
        for location in written {
            let side = match location.get("side").and_then(Value::as_str) {
                Some("local") => Side::Local,
                Some("prod") => Side::Prod,
                _ => return Err(bad("each location needs `side`: local or prod".into())),
            };
            let file = location
                .get("file")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("each location needs `file`".into()))?;
            let number = |field: &str| {
                location
                    .get(field)
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0)
            };
            locations.push(Location {
                side,
                origin: Origin::new(file.into(), number("line"), number("column")),
            });
        }
    }
    if locations.is_empty() {
        for (side, name) in [(Side::Local, &local_service), (Side::Prod, &prod_service)] {
            if let Some(found) = name
                .as_deref()
                .and_then(|name| find_service(cx, side, name))
            {
                locations.push(Location {
                    side,
                    origin: found.origin.clone(),
                });
            }
        }
    }
    if locations.is_empty() {
        return Err(bad(format!(
            "no `locations` given and no service `{service}` on either side to point at"
        )));
    }
    let paired_by = cx
        .pairs()
        .find(|pair| {
            Some(&pair.local.name) == local_service.as_ref()
                && Some(&pair.prod.name) == prod_service.as_ref()
        })
        .map(|pair| pair.paired_by.as_str().to_owned());
    Ok(Finding {
        rule: intern(&rule),
        severity,
        service: local_service.clone().unwrap_or(service),
        local_service,
        prod_service,
        key: text("key"),
        missing_in,
        local: text("local"),
        prod: text("prod"),
        message,
        paired_by,
        locations,
    })
}

fn find_service<'a>(
    cx: &CheckContext<'a>,
    side: Side,
    name: &str,
) -> Option<&'a parity_model::Service> {
    cx.environment(side)
        .graph
        .services()
        .map(|(_, service)| service)
        .find(|service| service.name == name)
}

/// One `test_*` rule of a `*_test.rego` file and whether it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegoTest {
    /// The test file.
    pub file: String,
    /// `data.<package>.<rule>`.
    pub rule: String,
    /// Whether the rule evaluated to `true`.
    pub passed: bool,
}

/// Runs the Rego unit tests in `paths` (conftest's `verify`): every policy and test file is
/// loaded into one engine, and each `test_*` rule of a test file must evaluate to `true`.
pub fn run_tests(paths: &[PathBuf]) -> Result<Vec<RegoTest>, RegoError> {
    let mut engine = regorus::Engine::new();
    let read = |file: &PathBuf| {
        std::fs::read_to_string(file).map_err(|source| RegoError::Read {
            path: file.clone(),
            source,
        })
    };
    for file in policy_files(paths, false)? {
        let text = read(&file)?;
        engine
            .add_policy(file.display().to_string(), text)
            .map_err(|error| RegoError::Compile {
                path: file.display().to_string(),
                message: error.to_string(),
            })?;
    }
    let mut tests = Vec::new();
    let mut pending = Vec::new();
    for file in policy_files(paths, true)? {
        let text = read(&file)?;
        let display = file.display().to_string();
        let package = engine
            .add_policy(display.clone(), text.clone())
            .map_err(|error| RegoError::Compile {
                path: display.clone(),
                message: error.to_string(),
            })?;
        // Rule heads start at the beginning of a line; a test rule may be written several
        // times (incremental definitions) but is one test.
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|line| {
                let name_end = line
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(line.len());
                let name = line.get(..name_end)?;
                name.starts_with("test_").then_some(name)
            })
            .collect();
        names.dedup();
        for name in names {
            pending.push((display.clone(), format!("{package}.{name}")));
        }
    }
    for (file, rule) in pending {
        let value = engine.eval_rule(rule.clone()).map_err(eval_error)?;
        tests.push(RegoTest {
            file,
            passed: value == regorus::Value::from(true),
            rule,
        });
    }
    Ok(tests)
}
