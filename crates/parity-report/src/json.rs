//! The JSON report, schema version 1 (documented in `docs/report-json.md`).

use std::io;

use parity_model::{Finding, REPORT_VERSION, Report};
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    local: JsonSide<'a>,
    prod: JsonSide<'a>,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
    pairs: Vec<JsonPair<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Present only when a baseline was applied (an addition to schema version 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline<'a>>,
    /// What suppressions hid, one entry per suppression with its count; present only when
    /// something was suppressed (an addition to schema version 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressed: Vec<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'a str,
    description: &'a str,
    reason: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    count: usize,
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    file: &'a str,
    hidden: usize,
    stale: Vec<JsonBaselineEntry<'a>>,
}

#[derive(Serialize)]
struct JsonBaselineEntry<'a> {
    fingerprint: &'a str,
    rule: &'a str,
    service: &'a str,
    key: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSide<'a> {
    root: &'a str,
    services: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    service: &'a str,
    local_service: Option<&'a str>,
    prod_service: Option<&'a str>,
    key: Option<&'a str>,
    missing_in: Option<&'a str>,
    local: Option<&'a str>,
    prod: Option<&'a str>,
    message: &'a str,
    paired_by: Option<&'a str>,
    locations: Vec<JsonLocation<'a>>,
    /// The finding's identity across runs, as baselines and SARIF record it.
    fingerprint: String,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    side: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct JsonSummary {
    error: usize,
    warning: usize,
    note: usize,
}

#[derive(Serialize)]
struct JsonPair<'a> {
    local: &'a str,
    prod: &'a str,
    paired_by: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    side: &'a str,
    level: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

fn json_finding(finding: &Finding, fingerprint: String) -> JsonFinding<'_> {
    JsonFinding {
        rule: finding.rule,
        severity: finding.severity.as_str(),
        service: &finding.service,
        local_service: finding.local_service.as_deref(),
        prod_service: finding.prod_service.as_deref(),
        key: finding.key.as_deref(),
        missing_in: finding.missing_in.map(|side| side.as_str()),
        local: finding.local.as_deref(),
        prod: finding.prod.as_deref(),
        message: &finding.message,
        paired_by: finding.paired_by.as_deref(),
        locations: finding
            .locations
            .iter()
            .map(|location| JsonLocation {
                side: location.side.as_str(),
                file: &location.origin.file,
                line: location.origin.line,
                column: location.origin.column,
            })
            .collect(),
        fingerprint,
    }
}

/// Writes the report as pretty-printed JSON (schema version 1) followed by a newline.
pub fn render_json(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let summary = report.summary();
    let json = JsonReport {
        version: REPORT_VERSION,
        local: JsonSide {
            root: &report.local.root,
            services: report.local.services,
        },
        prod: JsonSide {
            root: &report.prod.root,
            services: report.prod.services,
        },
        findings: report
            .findings
            .iter()
            .zip(report.fingerprints())
            .map(|(finding, fingerprint)| json_finding(finding, fingerprint.to_string()))
            .collect(),
        summary: JsonSummary {
            error: summary.error,
            warning: summary.warning,
            note: summary.note,
        },
        pairs: report
            .pairs
            .iter()
            .map(|pair| JsonPair {
                local: &pair.local,
                prod: &pair.prod,
                paired_by: pair.paired_by.as_str(),
            })
            .collect(),
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                side: d.side.as_str(),
                level: d.diagnostic.level.as_str(),
                file: &d.diagnostic.origin.file,
                line: d.diagnostic.origin.line,
                column: d.diagnostic.origin.column,
                message: &d.diagnostic.message,
            })
            .collect(),
        baseline: report.baseline.as_ref().map(|baseline| JsonBaseline {
            file: &baseline.file,
            hidden: baseline.hidden,
            stale: baseline
                .stale
                .iter()
                .map(|entry| JsonBaselineEntry {
                    fingerprint: entry.fingerprint.as_str(),
                    rule: &entry.rule,
                    service: &entry.service,
                    key: entry.key.as_deref(),
                    message: &entry.message,
                })
                .collect(),
        }),
        suppressed: report
            .suppressed_counts()
            .into_iter()
            .map(|(by, count)| JsonSuppression {
                kind: by.kind.as_str(),
                description: &by.description,
                reason: &by.reason,
                file: &by.origin.file,
                line: by.origin.line,
                column: by.origin.column,
                count,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_report_snapshot() {
        let mut out = Vec::new();
        render_json(&crate::sample::report(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("hunter2"),
            "secret values never reach the output"
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn json_matches_schema_version_1_shape() {
        let mut out = Vec::new();
        render_json(&crate::sample::report(), &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["summary"]["error"], 1);
        let finding = &value["findings"][0];
        for field in [
            "rule",
            "severity",
            "service",
            "local_service",
            "prod_service",
            "key",
            "missing_in",
            "local",
            "prod",
            "message",
            "locations",
            "fingerprint",
        ] {
            assert!(finding.get(field).is_some(), "finding lacks {field}");
        }
        assert_eq!(finding["locations"][0]["side"], "local");
        assert!(finding["locations"][0]["line"].is_u64());
    }
}
