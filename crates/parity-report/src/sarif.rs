//! SARIF 2.1.0, the format GitHub code scanning (and most code-review tools) ingest.
//!
//! One run, with every rule the caller passes under `tool.driver.rules` (short description = the
//! rule's summary, help = its Markdown documentation), and one result per finding. A result lists
//! the finding's place on each side as a physical location (GitHub shows the first; the others
//! are also `relatedLocations` so viewers that show only those still link both sides). Its
//! `partialFingerprints` come from [`Report::fingerprints`], which ignores lines, so code scanning
//! keeps tracking an alert when unrelated edits move it.

use std::io;

use parity_model::{Finding, Location, Report, RuleMeta, Severity, Side, SuppressionKind};
use serde_json::{Map, Value, json};

/// The schema URI written into `$schema`.
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key under `partialFingerprints`; the `/v1` names the fingerprint scheme.
pub const FINGERPRINT_KEY: &str = "parity/v1";

/// What [`render_sarif`] says about the tool.
#[derive(Debug, Clone, Copy)]
pub struct SarifTool<'a> {
    /// The tool's version (`CARGO_PKG_VERSION` of the binary).
    pub version: &'a str,
    /// Where users read about the tool, when there is such a page.
    pub information_uri: Option<&'a str>,
}

/// Writes the report as a SARIF 2.1.0 log. `rules` are described under `tool.driver.rules` in
/// the given order; results refer to them by index when their rule is among them (findings of a
/// rule not listed, such as a custom policy, still carry their `ruleId`).
pub fn render_sarif(
    report: &Report,
    rules: &[&RuleMeta],
    tool: SarifTool<'_>,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let fingerprints = report.fingerprints();
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .zip(&fingerprints)
        .map(|(finding, fingerprint)| sarif_result(report, finding, fingerprint.as_str(), rules))
        .collect();
    // Suppressed findings are results too, carrying their suppression: SARIF viewers (and code
    // scanning) then show them as dismissed with the author's reason instead of losing them.
    for item in &report.suppressed {
        let fingerprint = report.fingerprint_of(&item.finding);
        let mut result = sarif_result(report, &item.finding, fingerprint.as_str(), rules);
        if let Value::Object(map) = &mut result {
            let kind = match item.by.kind {
                SuppressionKind::Inline => "inSource",
                SuppressionKind::Policy | SuppressionKind::Allowed => "external",
            };
            map.insert(
                "suppressions".into(),
                json!([{
                    "kind": kind,
                    "status": "accepted",
                    "justification": item.by.reason,
                    "location": physical_location(None, &item.by.origin, Some(&item.by.description)),
                    "properties": { "parityKind": item.by.kind.as_str() },
                }]),
            );
        }
        results.push(result);
    }

    let mut driver = Map::new();
    driver.insert("name".into(), json!("parity"));
    driver.insert("version".into(), json!(tool.version));
    driver.insert("semanticVersion".into(), json!(tool.version));
    if let Some(uri) = tool.information_uri {
        driver.insert("informationUri".into(), json!(uri));
    }
    driver.insert(
        "rules".into(),
        Value::Array(rules.iter().map(|meta| sarif_rule(meta)).collect()),
    );

    let mut notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|item| {
            let diagnostic = &item.diagnostic;
            json!({
                "level": level(diagnostic.level.as_str()),
                "message": { "text": diagnostic.message },
                "locations": [physical_location(Some(item.side), &diagnostic.origin, None)],
                "properties": { "side": item.side.as_str() },
            })
        })
        .collect();
    notifications.extend(report.policy_diagnostics.iter().map(|diagnostic| {
        json!({
            "level": level(diagnostic.level.as_str()),
            "message": { "text": diagnostic.message },
            "locations": [physical_location(None, &diagnostic.origin, None)],
            "properties": { "source": "policy" },
        })
    }));

    let mut run_properties = Map::new();
    run_properties.insert("localRoot".into(), json!(report.local.root));
    run_properties.insert("prodRoot".into(), json!(report.prod.root));
    run_properties.insert("localServices".into(), json!(report.local.services));
    run_properties.insert("prodServices".into(), json!(report.prod.services));
    run_properties.insert("pairedServices".into(), json!(report.pairs.len()));
    if let Some(baseline) = &report.baseline {
        run_properties.insert(
            "baseline".into(),
            json!({
                "file": baseline.file,
                "hidden": baseline.hidden,
                "stale": baseline.stale.iter().map(|entry| json!({
                    "fingerprint": entry.fingerprint.as_str(),
                    "rule": entry.rule,
                    "service": entry.service,
                    "key": entry.key,
                    "message": entry.message,
                })).collect::<Vec<_>>(),
            }),
        );
    }

    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": Value::Object(driver) },
            "invocations": [{
                "executionSuccessful": !report.has_load_errors(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": Value::Object(run_properties),
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn sarif_rule(meta: &RuleMeta) -> Value {
    let summary = meta.summary();
    let explanation = meta.explanation();
    json!({
        "id": meta.name,
        "name": pascal_case(meta.name),
        "shortDescription": { "text": summary },
        "fullDescription": { "text": summary },
        "help": { "text": explanation, "markdown": explanation },
        "defaultConfiguration": { "level": severity_level(meta.default_severity) },
        "properties": {
            "code": meta.code,
            "tags": ["drift", meta.family.as_str()],
        },
    })
}

fn sarif_result(
    report: &Report,
    finding: &Finding,
    fingerprint: &str,
    rules: &[&RuleMeta],
) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(finding.rule));
    if let Some(index) = rules.iter().position(|meta| meta.name == finding.rule) {
        result.insert("ruleIndex".into(), json!(index));
    }
    result.insert("level".into(), json!(severity_level(finding.severity)));
    result.insert("message".into(), json!({ "text": finding.message }));
    let mut locations: Vec<Value> = finding
        .locations
        .iter()
        .enumerate()
        .map(|(index, location)| side_location(location, index))
        .collect();
    if locations.is_empty() {
        // Code scanning rejects a result without a location; a finding with none (a custom
        // policy may report one) points at the root of the side it is about.
        let side = match (&finding.local_service, &finding.prod_service) {
            (None, Some(_)) => Side::Prod,
            _ => Side::Local,
        };
        let root = match side {
            Side::Local => &report.local.root,
            Side::Prod => &report.prod.root,
        };
        locations.push(physical_location(
            Some(side),
            &parity_model::Origin::file(root.as_str().into()),
            None,
        ));
    }
    if let Some(related) = locations.get(1..).filter(|rest| !rest.is_empty()) {
        result.insert("relatedLocations".into(), Value::Array(related.to_vec()));
    }
    result.insert("locations".into(), Value::Array(locations));
    result.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint }),
    );
    if report.baseline.is_some() {
        // Everything a baseline leaves in the report is, by construction, new.
        result.insert("baselineState".into(), json!("new"));
    }
    let mut properties = Map::new();
    properties.insert("service".into(), json!(finding.service));
    for (name, value) in [
        ("localService", &finding.local_service),
        ("prodService", &finding.prod_service),
        ("key", &finding.key),
        ("local", &finding.local),
        ("prod", &finding.prod),
        ("pairedBy", &finding.paired_by),
    ] {
        if let Some(value) = value {
            properties.insert(name.into(), json!(value));
        }
    }
    if let Some(side) = finding.missing_in {
        properties.insert("missingIn".into(), json!(side.as_str()));
    }
    result.insert("properties".into(), Value::Object(properties));
    Value::Object(result)
}

/// One side's place as a SARIF location, with an id (its position) and a message naming the side.
fn side_location(location: &Location, index: usize) -> Value {
    let mut value = physical_location(
        Some(location.side),
        &location.origin,
        Some(match location.side {
            Side::Local => "local side",
            Side::Prod => "prod side",
        }),
    );
    if let Value::Object(map) = &mut value {
        map.insert("id".into(), json!(index));
    }
    value
}

fn physical_location(
    side: Option<Side>,
    origin: &parity_model::Origin,
    message: Option<&str>,
) -> Value {
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({ "uri": file_uri(&origin.file) }),
    );
    // Line 0 means "the whole file": SARIF regions are 1-based, so there is no region then.
    if origin.line > 0 {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(origin.line));
        if origin.column > 0 {
            region.insert("startColumn".into(), json!(origin.column));
        }
        physical.insert("region".into(), Value::Object(region));
    }
    let mut location = Map::new();
    location.insert("physicalLocation".into(), Value::Object(physical));
    if let Some(message) = message {
        location.insert("message".into(), json!({ "text": message }));
    }
    if let Some(side) = side {
        location.insert("properties".into(), json!({ "side": side.as_str() }));
    }
    Value::Object(location)
}

/// A file path as a URI reference: `/` separators, percent-encoded where URIs need it, absolute
/// paths as `file://` URIs. Relative paths stay relative so code scanning resolves them against
/// the repository root.
pub(crate) fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let drive_letter = path.len() >= 2
        && path.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && path.as_bytes().get(1) == Some(&b':');
    let (prefix, rest) = if path.starts_with('/') {
        ("file://", path)
    } else if drive_letter {
        ("file:///", path)
    } else {
        ("", path)
    };
    let mut uri = String::with_capacity(prefix.len() + rest.len());
    uri.push_str(prefix);
    for (index, byte) in rest.bytes().enumerate() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (drive_letter && index == 1 && byte == b':');
        if keep {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

fn severity_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// SARIF notification levels from diagnostic levels (`error`, `warning`, `note`).
fn level(diagnostic_level: &str) -> &'static str {
    match diagnostic_level {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

/// `image-mismatch` → `ImageMismatch`, the conventional SARIF rule `name`.
fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        render_sarif(
            report,
            &sample::rules(),
            SarifTool {
                version: "0.1.0",
                information_uri: None,
            },
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sarif_snapshot() {
        let text = render(&sample::report());
        insta::assert_snapshot!(text);
    }

    #[test]
    fn sarif_validates_against_the_sarif_2_1_0_schema() {
        let schema_path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/schemas/sarif-schema-2.1.0.json"
        );
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
        let validator = jsonschema::draft4::new(&schema).unwrap();
        let mut report = sample::report();
        report.baseline = Some(parity_model::BaselineStatus {
            file: "parity-baseline.json".into(),
            hidden: 2,
            stale: Vec::new(),
        });
        // A whole-file diagnostic and a path that needs escaping exercise the optional parts.
        report.diagnostics.push(parity_model::SideDiagnostic {
            side: Side::Prod,
            diagnostic: parity_model::Diagnostic::error(
                parity_model::Origin::file("prod/bad file.yaml".into()),
                "not valid YAML",
            ),
        });
        report
            .policy_diagnostics
            .push(parity_model::Diagnostic::warning(
                parity_model::Origin::new("parity.yaml".into(), 4, 5),
                "suppression expired on 2026-01-31",
            ));
        // A suppressed finding is a result with a `suppressions` entry.
        report.suppressed.push(parity_model::SuppressedFinding {
            finding: report.findings[1].clone(),
            by: parity_model::Suppression {
                kind: SuppressionKind::Inline,
                description: "ignore[env-unmatched]".into(),
                reason: "set by the platform in prod".into(),
                origin: parity_model::Origin::new("local/compose.yaml".into(), 7, 9),
            },
        });
        let log: Value = serde_json::from_str(&render(&report)).unwrap();
        let last = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["suppressions"][0]["kind"], "inSource");
        assert_eq!(
            last["suppressions"][0]["justification"],
            "set by the platform in prod"
        );
        assert_eq!(
            last["partialFingerprints"][FINGERPRINT_KEY],
            log["runs"][0]["results"][1]["partialFingerprints"][FINGERPRINT_KEY]
        );
        for report in [sample::report(), report] {
            let log: Value = serde_json::from_str(&render(&report)).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&log)
                .map(|error| format!("{} at {}", error, error.instance_path()))
                .collect();
            assert!(errors.is_empty(), "schema violations: {errors:#?}");
        }
        // And the schema does reject something: the validator is really checking.
        let broken = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]});
        assert!(!validator.is_valid(&broken));
    }

    #[test]
    fn results_carry_both_sides_rule_index_and_fingerprints() {
        let report = sample::report();
        let log: Value = serde_json::from_str(&render(&report)).unwrap();
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 4);
        assert_eq!(rules[1]["id"], "image-mismatch");
        assert_eq!(rules[1]["name"], "ImageMismatch");
        assert_eq!(
            rules[1]["shortDescription"]["text"],
            "Flags drift between the sides."
        );
        assert!(
            rules[1]["help"]["markdown"]
                .as_str()
                .unwrap()
                .starts_with("## What it does\n")
        );
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "error");

        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "image-mismatch");
        assert_eq!(result["ruleIndex"], 1);
        assert_eq!(result["level"], "error");
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 2);
        let place = |location: &Value| {
            let physical = &location["physicalLocation"];
            (
                physical["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                physical["region"]["startLine"].as_u64().unwrap(),
            )
        };
        assert_eq!(place(&locations[0]), ("local/compose.yaml".to_owned(), 4));
        assert_eq!(place(&locations[1]), ("prod/api.yaml".to_owned(), 21));
        assert_eq!(result["relatedLocations"][0]["id"], 1);
        assert_eq!(
            result["partialFingerprints"][FINGERPRINT_KEY],
            report.fingerprints()[0].as_str()
        );
        assert!(result.get("baselineState").is_none());
        // The env-unmatched value is redacted; the secret-looking key is not a value.
        assert_eq!(
            run["results"][1]["properties"]["local"],
            parity_model::REDACTED
        );
    }

    #[test]
    fn a_finding_without_locations_points_at_its_side_root() {
        let mut report = sample::report();
        report.findings[3].locations.clear();
        let log: Value = serde_json::from_str(&render(&report)).unwrap();
        let result = &log["runs"][0]["results"][3];
        assert_eq!(result["properties"]["service"], "migrate");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "prod"
        );
        assert!(
            result["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
    }

    #[test]
    fn fingerprints_survive_line_shifts() {
        let before = sample::report();
        let mut after = sample::report();
        for finding in &mut after.findings {
            for location in &mut finding.locations {
                location.origin.line += 7;
            }
        }
        let prints = |report: &Report| -> Vec<Value> {
            let log: Value = serde_json::from_str(&render(report)).unwrap();
            log["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|result| result["partialFingerprints"].clone())
                .collect()
        };
        assert_eq!(prints(&before), prints(&after));
    }

    #[test]
    fn file_uris_are_escaped_references() {
        assert_eq!(file_uri("local/compose.yaml"), "local/compose.yaml");
        assert_eq!(file_uri("./deploy/my app.yaml"), "deploy/my%20app.yaml");
        assert_eq!(file_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(file_uri("/srv/app/k8s.yaml"), "file:///srv/app/k8s.yaml");
        assert_eq!(file_uri(r"C:\app\k8s.yaml"), "file:///C:/app/k8s.yaml");
        assert_eq!(file_uri("déploi.yaml"), "d%C3%A9ploi.yaml");
    }
}
