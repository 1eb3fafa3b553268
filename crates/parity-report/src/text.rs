//! The human-readable report: findings grouped by service, both sides' `file:line`, one summary line.

use std::io;

use parity_model::{Finding, Report, Severity};

/// Options for [`render_text`].
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Use ANSI colours (the caller decides: a terminal, and `NO_COLOR` unset).
    pub color: bool,
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        self.paint(code, &format!("{:<7}", severity.as_str()))
    }
}

/// Writes the text report.
pub fn render_text(
    report: &Report,
    options: TextOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let style = Style {
        color: options.color,
    };
    let mut findings = report.findings.iter().peekable();
    while let Some(first) = findings.next() {
        let mut group: Vec<&Finding> = vec![first];
        while let Some(next) = findings.next_if(|next| next.service == first.service) {
            group.push(next);
        }
        writeln!(
            out,
            "{}{}",
            style.paint("1", &first.service),
            service_context(report, first)
        )?;
        for finding in group {
            writeln!(
                out,
                "  {} {} {}",
                style.severity(finding.severity),
                style.paint("2", &format!("[{}]", finding.rule)),
                finding.message
            )?;
            for location in &finding.locations {
                writeln!(
                    out,
                    "          {}",
                    style.paint(
                        "2",
                        &format!("{:<5} {}", location.side.as_str(), location.origin)
                    )
                )?;
            }
        }
        writeln!(out)?;
    }
    let summary = report.summary();
    let counts = if report.findings.is_empty() {
        "no drift found".to_owned()
    } else {
        format!(
            "{} ({}, {}, {})",
            plural(report.findings.len(), "finding"),
            plural(summary.error, "error"),
            plural(summary.warning, "warning"),
            plural(summary.note, "note")
        )
    };
    writeln!(
        out,
        "{counts}; local {} ({}), prod {} ({}), {} paired",
        plural(report.local.services, "service"),
        report.local.root,
        plural(report.prod.services, "service"),
        report.prod.root,
        report.pairs.len()
    )?;
    if let Some(baseline) = &report.baseline {
        writeln!(
            out,
            "baseline {}: {} hidden",
            baseline.file,
            plural(baseline.hidden, "known finding")
        )?;
        if !baseline.stale.is_empty() {
            writeln!(
                out,
                "baseline {}: {} no longer found (fixed? `parity baseline write` drops them):",
                baseline.file,
                if baseline.stale.len() == 1 {
                    "1 entry".to_owned()
                } else {
                    format!("{} entries", baseline.stale.len())
                }
            )?;
            for entry in &baseline.stale {
                writeln!(
                    out,
                    "  {} [{}] {}: {}",
                    style.paint("2", &entry.fingerprint.to_string()),
                    entry.rule,
                    entry.service,
                    entry.message
                )?;
            }
        }
    }
    // Suppressed findings are counted by what hid them, so a reviewer sees what the policy and
    // inline comments keep quiet.
    let suppressed = report.suppressed_counts();
    if !suppressed.is_empty() {
        writeln!(
            out,
            "{} suppressed:",
            plural(report.suppressed.len(), "finding")
        )?;
        for (by, count) in suppressed {
            writeln!(
                out,
                "  {count:>3}  {} {} ({}): {}",
                by.kind.as_str(),
                by.description,
                by.origin,
                by.reason
            )?;
        }
    }
    Ok(())
}

/// ` (prod: api-prod, paired by normalized-name)` when the sides use different names.
fn service_context(report: &Report, finding: &Finding) -> String {
    match (&finding.local_service, &finding.prod_service) {
        (Some(local), Some(prod)) if local != prod => {
            let paired_by = report
                .pairs
                .iter()
                .find(|pair| &pair.local == local && &pair.prod == prod)
                .map(|pair| pair.paired_by.as_str())
                .or(finding.paired_by.as_deref())
                .unwrap_or("pairing");
            format!("  (prod: {prod}, paired by {paired_by})")
        }
        (None, Some(_)) => "  (prod only)".to_owned(),
        (Some(_), None) => "  (local only)".to_owned(),
        _ => String::new(),
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(report: &Report, color: bool) -> String {
        let mut out = Vec::new();
        render_text(report, TextOptions { color }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_report_snapshot() {
        let text = render(&crate::sample::report(), false);
        assert!(!text.contains("hunter2"));
        assert!(!text.contains('\x1b'), "no colour unless asked");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(render(&crate::sample::report(), true).contains("\x1b[1;31merror"));
    }

    #[test]
    fn baseline_status_is_reported() {
        let mut report = crate::sample::report();
        report.baseline = Some(parity_model::BaselineStatus {
            file: "parity-baseline.json".into(),
            hidden: 1,
            stale: vec![parity_model::BaselineEntry {
                fingerprint: parity_model::Fingerprint::parse("0123456789abcdef").unwrap(),
                rule: "image-mismatch".into(),
                service: "cart".into(),
                key: None,
                message: "image of cart differs".into(),
            }],
        });
        let text = render(&report, false);
        assert!(
            text.ends_with(
                "baseline parity-baseline.json: 1 known finding hidden\nbaseline parity-baseline.json: 1 entry no longer found (fixed? `parity baseline write` drops them):\n  0123456789abcdef [image-mismatch] cart: image of cart differs\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn empty_report_says_no_drift() {
        let mut report = crate::sample::report();
        report.findings.clear();
        assert!(render(&report, false).starts_with("no drift found; local 3 services"));
    }
}
