//! JUnit XML, which CI systems (GitLab, Jenkins, Azure Pipelines, CircleCI) show as test results.
//!
//! One `<testsuite>` per rule and, in it, one `<testcase>` per service: a service the rule found
//! drift in fails (one `<failure>` carrying every finding of that rule and service), the others
//! pass. Load problems become `<error>` test cases of a `parity.input` suite, so a report whose
//! input could not be read is never green.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use parity_model::{DiagnosticLevel, Finding, Report, RuleMeta, SuppressedFinding};

/// Writes the JUnit XML report. `rules` are the rules that ran (one suite each, in this order);
/// findings of rules not listed get a suite too, after them.
pub fn render_junit(
    report: &Report,
    rules: &[&RuleMeta],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    // Every service, by the name findings use: the local name of a pair, else the one side's.
    let mut services: BTreeSet<&str> = BTreeSet::new();
    for pair in &report.pairs {
        services.insert(&pair.local);
    }
    let paired_prod: BTreeSet<&str> = report.pairs.iter().map(|pair| pair.prod.as_str()).collect();
    for service in &report.topology.local {
        services.insert(&service.name);
    }
    for service in &report.topology.prod {
        if !paired_prod.contains(service.name.as_str()) {
            services.insert(&service.name);
        }
    }
    for finding in report
        .findings
        .iter()
        .chain(report.suppressed.iter().map(|item| &item.finding))
    {
        services.insert(&finding.service);
    }

    let mut suite_names: Vec<&str> = rules.iter().map(|meta| meta.name).collect();
    for finding in &report.findings {
        if !suite_names.contains(&finding.rule) {
            suite_names.push(finding.rule);
        }
    }
    let mut by_case: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        by_case
            .entry((finding.rule, finding.service.as_str()))
            .or_default()
            .push(finding);
    }

    // A case whose only findings were suppressed is skipped, with the suppression's reason.
    let mut suppressed_case: BTreeMap<(&str, &str), &SuppressedFinding> = BTreeMap::new();
    for item in &report.suppressed {
        suppressed_case
            .entry((item.finding.rule, item.finding.service.as_str()))
            .or_insert(item);
    }
    let skipped_in = |suite: &str| {
        services
            .iter()
            .filter(|service| {
                !by_case.contains_key(&(suite, **service))
                    && suppressed_case.contains_key(&(suite, **service))
            })
            .count()
    };

    let load_errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|item| item.diagnostic.level == DiagnosticLevel::Error)
        .collect();
    let failing_cases = by_case.len();
    let total = suite_names.len() * services.len() + load_errors.len();
    let skipped: usize = suite_names.iter().map(|suite| skipped_in(suite)).sum();

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="parity" tests="{total}" failures="{failing_cases}" errors="{}" skipped="{skipped}">"#,
        load_errors.len()
    )?;
    for suite in &suite_names {
        let failures = services
            .iter()
            .filter(|service| by_case.contains_key(&(*suite, **service)))
            .count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="{}">"#,
            xml(suite),
            services.len(),
            skipped_in(suite)
        )?;
        for service in &services {
            let case = format!(
                r#"    <testcase name="{}" classname="parity.{}""#,
                xml(service),
                xml(suite)
            );
            match by_case.get(&(*suite, *service)) {
                None => match suppressed_case.get(&(*suite, *service)) {
                    Some(item) => writeln!(
                        out,
                        r#"{case}><skipped message="suppressed ({}): {}"/></testcase>"#,
                        xml(item.by.kind.as_str()),
                        xml(&item.by.reason)
                    )?,
                    None => writeln!(out, "{case}/>")?,
                },
                Some(findings) => {
                    writeln!(out, "{case}>")?;
                    let worst = findings
                        .iter()
                        .map(|finding| finding.severity)
                        .min()
                        .map_or("", |severity| severity.as_str());
                    let headline = findings
                        .first()
                        .map(|finding| finding.message.as_str())
                        .unwrap_or_default();
                    let message = if findings.len() > 1 {
                        format!("{headline} (and {} more)", findings.len() - 1)
                    } else {
                        headline.to_owned()
                    };
                    let mut body = String::new();
                    for finding in findings {
                        body.push_str(&format!(
                            "{} [{}] {}\n",
                            finding.severity.as_str(),
                            finding.rule,
                            finding.message
                        ));
                        for location in &finding.locations {
                            body.push_str(&format!(
                                "  {:<5} {}\n",
                                location.side.as_str(),
                                location.origin
                            ));
                        }
                    }
                    writeln!(
                        out,
                        r#"      <failure type="{worst}" message="{}">{}</failure>"#,
                        xml(&message),
                        xml(&body)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    if !load_errors.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="input" tests="{0}" failures="0" errors="{0}">"#,
            load_errors.len()
        )?;
        for item in load_errors {
            let diagnostic = &item.diagnostic;
            writeln!(
                out,
                r#"    <testcase name="{}" classname="parity.input.{}">"#,
                xml(&diagnostic.origin.to_string()),
                item.side.as_str()
            )?;
            writeln!(
                out,
                r#"      <error type="input" message="{}">{}: {}</error>"#,
                xml(&diagnostic.message),
                xml(&diagnostic.origin.to_string()),
                xml(&diagnostic.message)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Escapes text for XML attributes and content. Characters XML 1.0 cannot hold at all (most C0
/// controls) are dropped rather than producing a file no parser accepts.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            ch if (ch as u32) < 0x20 || ch == '\u{fffe}' || ch == '\u{ffff}' => {}
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        render_junit(report, &sample::rules(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(render(&sample::report()));
    }

    #[test]
    fn one_case_per_rule_and_service_failures_for_findings() {
        let text = render(&sample::report());
        // 4 rules x 4 services (api, db, migrate, worker).
        assert!(
            text.contains(
                r#"<testsuites name="parity" tests="16" failures="5" errors="0" skipped="0">"#
            ),
            "{text}"
        );
        assert_eq!(text.matches("<testcase ").count(), 16);
        assert_eq!(text.matches("<failure ").count(), 5);
        assert!(text.contains(r#"<testcase name="worker" classname="parity.missing-service">"#));
        assert!(text.contains(r#"<testcase name="worker" classname="parity.image-mismatch"/>"#));
        assert!(text.contains(r#"<failure type="error" message="image of api differs: local acme/api:1.4, prod acme/api:1.3">"#));
        assert!(text.contains("  prod  prod/api.yaml:21:5\n"));
    }

    #[test]
    fn cases_with_only_suppressed_findings_are_skipped() {
        let mut report = sample::report();
        let finding = report.findings.remove(1);
        report.suppressed.push(SuppressedFinding {
            finding,
            by: parity_model::Suppression {
                kind: parity_model::SuppressionKind::Inline,
                description: "ignore[env-unmatched]".into(),
                reason: "injected by the platform".into(),
                origin: parity_model::Origin::new("local/compose.yaml".into(), 7, 9),
            },
        });
        let text = render(&report);
        assert!(
            text.contains(r#"failures="4" errors="0" skipped="1">"#),
            "{text}"
        );
        assert!(text.contains(
            r#"<testcase name="api" classname="parity.env-unmatched"><skipped message="suppressed (inline): injected by the platform"/></testcase>"#
        ), "{text}");
    }

    #[test]
    fn load_errors_are_error_cases_and_text_is_escaped() {
        let mut report = sample::report();
        report.findings[0].message = "a <b> & \"c\" \u{1}d".into();
        report.diagnostics.push(parity_model::SideDiagnostic {
            side: parity_model::Side::Prod,
            diagnostic: parity_model::Diagnostic::error(
                parity_model::Origin::new("prod/bad.yaml".into(), 3, 1),
                "expected a mapping",
            ),
        });
        let text = render(&report);
        assert!(
            text.contains(r#"message="a &lt;b&gt; &amp; &quot;c&quot; d""#),
            "{text}"
        );
        assert!(text.contains(r#"errors="1">"#));
        assert!(
            text.contains(r#"<testcase name="prod/bad.yaml:3:1" classname="parity.input.prod">"#)
        );
    }
}
