//! Baselines: adopt the gate on a repository that already drifts.
//!
//! `parity baseline write FILE` records today's findings by fingerprint; `parity diff --baseline
//! FILE` then reports only findings the file does not record, says how many known ones it hid,
//! and lists the recorded entries that no longer occur (drift that was fixed, so the file can be
//! rewritten smaller). The file format is documented in `docs/baseline.md`:
//!
//! ```json
//! {
//!   "version": 1,
//!   "generated_by": "parity 0.1.0",
//!   "findings": [
//!     {"fingerprint": "9f2c4e1a0b7d3e55", "rule": "image-mismatch", "service": "api",
//!      "key": null, "message": "image of `api` differs: ..."}
//!   ]
//! }
//! ```
//!
//! Only `version` and each entry's `fingerprint` are read back; the other fields are there so a
//! reviewer can see in the diff of a pull request what drift is being accepted. Fingerprints come
//! from [`Report::fingerprints`], the same identities SARIF reports, so they survive line shifts.

use std::collections::HashMap;
use std::path::Path;

use parity_model::{BaselineEntry, BaselineStatus, Fingerprint, Report};
use parity_source::yaml::{self, Node};

/// The baseline file format version this build reads and writes.
pub const BASELINE_VERSION: u32 = 1;

/// Why a baseline file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The file could not be read as text.
    #[error(transparent)]
    Read(#[from] parity_source::SourceError),
    /// The file is not what `parity baseline write` writes.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        /// The baseline file.
        file: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What was expected.
        message: String,
    },
}

/// The findings a baseline file records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Recorded findings, in the order of the report they were taken from.
    pub entries: Vec<BaselineEntry>,
}

impl Baseline {
    /// Records every finding of `report`.
    pub fn from_report(report: &Report) -> Self {
        let entries = report
            .findings
            .iter()
            .zip(report.fingerprints())
            .map(|(finding, fingerprint)| BaselineEntry {
                fingerprint,
                rule: finding.rule.to_owned(),
                service: finding.service.clone(),
                key: finding.key.clone(),
                message: finding.message.clone(),
            })
            .collect();
        Baseline { entries }
    }

    /// The file's text: pretty-printed JSON with a trailing newline. `generated_by` names the
    /// tool and version that wrote it.
    pub fn to_json(&self, generated_by: &str) -> String {
        let findings: Vec<serde_json::Value> = self
            .entries
            .iter()
            .map(|entry| {
                serde_json::json!({
                    "fingerprint": entry.fingerprint.as_str(),
                    "rule": entry.rule,
                    "service": entry.service,
                    "key": entry.key,
                    "message": entry.message,
                })
            })
            .collect();
        let document = serde_json::json!({
            "version": BASELINE_VERSION,
            "generated_by": generated_by,
            "findings": findings,
        });
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a baseline from its text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, BaselineError> {
        // JSON is YAML 1.2, and parity's YAML tree keeps lines, so errors can point at the entry.
        let invalid = |line: u32, column: u32, message: String| BaselineError::Invalid {
            file: file.to_owned(),
            line,
            column,
            message,
        };
        let root = yaml::parse_document(text, yaml::Limits::default())
            .map_err(|error| invalid(error.line, error.column, error.message))?;
        if root.as_map().is_none() {
            return Err(invalid(
                root.line,
                root.column,
                format!(
                    "expected a JSON object with `version` and `findings`, found {}",
                    root.type_name()
                ),
            ));
        }
        match root.get("version") {
            Some(version) if version.as_i64() == Some(i64::from(BASELINE_VERSION)) => {}
            Some(version) => {
                return Err(invalid(
                    version.line,
                    version.column,
                    format!(
                        "unsupported baseline version {}; this parity reads version {BASELINE_VERSION}",
                        version.scalar_text().unwrap_or(version.type_name())
                    ),
                ));
            }
            None => {
                return Err(invalid(
                    root.line,
                    root.column,
                    "missing `version` (expected 1)".to_owned(),
                ));
            }
        }
        let Some(findings) = root.get("findings") else {
            return Err(invalid(
                root.line,
                root.column,
                "missing `findings` (a list of recorded findings)".to_owned(),
            ));
        };
        let Some(items) = findings.as_seq() else {
            return Err(invalid(
                findings.line,
                findings.column,
                format!(
                    "expected `findings` to be a list, found {}",
                    findings.type_name()
                ),
            ));
        };
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            let field = |name: &str| item.get(name).and_then(Node::as_str).map(str::to_owned);
            let fingerprint = match item.get("fingerprint") {
                Some(node) => node.as_str().and_then(Fingerprint::parse).ok_or_else(|| {
                    invalid(
                        node.line,
                        node.column,
                        "expected `fingerprint` to be 16 hex digits as `parity baseline write` writes them".to_owned(),
                    )
                })?,
                None => {
                    return Err(invalid(
                        item.line,
                        item.column,
                        "a baseline entry needs a `fingerprint`".to_owned(),
                    ));
                }
            };
            entries.push(BaselineEntry {
                fingerprint,
                rule: field("rule").unwrap_or_default(),
                service: field("service").unwrap_or_default(),
                key: field("key"),
                message: field("message").unwrap_or_default(),
            });
        }
        Ok(Baseline { entries })
    }

    /// Reads a baseline file.
    pub fn read(path: &Path) -> Result<Self, BaselineError> {
        let text = parity_source::read_text(path, parity_source::DEFAULT_MAX_FILE_BYTES)?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Removes the findings this baseline records from `report` and records on it what was
    /// hidden and which entries matched nothing ([`Report::baseline`]). `file` names the baseline
    /// in the report. An entry hides at most one finding.
    pub fn apply(&self, file: &str, report: &mut Report) {
        let mut remaining: HashMap<&Fingerprint, usize> = HashMap::new();
        for entry in &self.entries {
            *remaining.entry(&entry.fingerprint).or_default() += 1;
        }
        let fingerprints = report.fingerprints();
        let mut hidden = 0;
        let mut keep = Vec::with_capacity(report.findings.len());
        for (finding, fingerprint) in report.findings.drain(..).zip(&fingerprints) {
            match remaining.get_mut(fingerprint) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    hidden += 1;
                }
                _ => keep.push(finding),
            }
        }
        report.findings = keep;
        // Entries left over (per fingerprint, the last ones in file order) matched nothing.
        let mut stale = Vec::new();
        for entry in self.entries.iter().rev() {
            match remaining.get_mut(&entry.fingerprint) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    stale.push(entry.clone());
                }
                _ => {}
            }
        }
        stale.reverse();
        report.baseline = Some(BaselineStatus {
            file: file.to_owned(),
            hidden,
            stale,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop_report() -> Report {
        let shop =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/examples/shop");
        let local = crate::load(shop.join("local")).unwrap();
        let prod = crate::load(shop.join("prod")).unwrap();
        crate::diff(&local, &prod, &crate::Policy::builtin())
    }

    #[test]
    fn written_baseline_reads_back_and_hides_everything() {
        let report = shop_report();
        assert!(!report.findings.is_empty());
        let baseline = Baseline::from_report(&report);
        let text = baseline.to_json("parity test");
        assert!(text.starts_with("{\n  \"findings\": [\n"), "{text}");
        assert!(text.contains("\"version\": 1"));
        let read = Baseline::parse("parity-baseline.json", &text).unwrap();
        assert_eq!(read, baseline);

        let mut again = report.clone();
        read.apply("parity-baseline.json", &mut again);
        assert!(again.findings.is_empty());
        let status = again.baseline.unwrap();
        assert_eq!(status.hidden, report.findings.len());
        assert!(status.stale.is_empty());
    }

    #[test]
    fn new_findings_stay_and_fixed_ones_are_stale() {
        let report = shop_report();
        let mut baseline = Baseline::from_report(&report);
        // Pretend one finding was not there when the baseline was written...
        let new = baseline.entries.remove(0);
        // ...and one recorded finding has since been fixed.
        baseline.entries.push(BaselineEntry {
            fingerprint: Fingerprint::parse("00000000000000ff").unwrap(),
            rule: "image-mismatch".into(),
            service: "cart".into(),
            key: None,
            message: "image of cart differs".into(),
        });
        let mut filtered = report.clone();
        baseline.apply("b.json", &mut filtered);
        assert_eq!(filtered.findings.len(), 1);
        assert_eq!(filtered.findings[0].rule, new.rule);
        assert_eq!(filtered.findings[0].service, new.service);
        let status = filtered.baseline.unwrap();
        assert_eq!(status.hidden, report.findings.len() - 1);
        assert_eq!(status.stale.len(), 1);
        assert_eq!(status.stale[0].service, "cart");
    }

    #[test]
    fn errors_point_at_the_line() {
        let error = |text: &str| Baseline::parse("b.json", text).unwrap_err().to_string();
        assert_eq!(
            error("{\"version\": 2, \"findings\": []}"),
            "b.json:1:13: unsupported baseline version 2; this parity reads version 1"
        );
        assert_eq!(
            error(
                "{\n  \"version\": 1,\n  \"findings\": [\n    {\"fingerprint\": \"xyz\"}\n  ]\n}\n"
            ),
            "b.json:4:21: expected `fingerprint` to be 16 hex digits as `parity baseline write` writes them"
        );
        assert_eq!(
            error("{\"version\": 1}"),
            "b.json:1:1: missing `findings` (a list of recorded findings)"
        );
        assert!(error("[1, 2").starts_with("b.json:"), "{}", error("[1, 2"));
        assert_eq!(
            error("[]"),
            "b.json:1:1: expected a JSON object with `version` and `findings`, found a sequence"
        );
    }
}
