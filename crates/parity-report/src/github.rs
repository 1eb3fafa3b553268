//! GitHub Actions workflow commands: each finding becomes an `::error`, `::warning` or `::notice`
//! annotation on its file and line, which GitHub shows in the pull request's diff and the run
//! summary.

use std::io;

use parity_model::{DiagnosticLevel, Report, Severity};

/// Writes one workflow command per finding (at its first location; the message names the other
/// side's place) and one per load error or warning.
pub fn render_github(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    for finding in &report.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = finding.message.clone();
        for location in finding.locations.iter().skip(1) {
            message.push_str(&format!(
                "\n{}: {}",
                location.side.as_str(),
                location.origin
            ));
        }
        let title = format!("parity {} ({})", finding.rule, finding.service);
        let place = finding.locations.first().map(|location| &location.origin);
        write_command(out, command, place, &title, &message)?;
    }
    for item in &report.diagnostics {
        let diagnostic = &item.diagnostic;
        let command = match diagnostic.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
            _ => continue,
        };
        let title = format!("parity: {} input", item.side.as_str());
        write_command(
            out,
            command,
            Some(&diagnostic.origin),
            &title,
            &diagnostic.message,
        )?;
    }
    // What the policy says about itself (an expired suppression, an inline marker without a
    // reason) belongs on the policy file's line, where the fix is.
    for diagnostic in &report.policy_diagnostics {
        let command = match diagnostic.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
            _ => "notice",
        };
        write_command(
            out,
            command,
            Some(&diagnostic.origin),
            "parity: policy",
            &diagnostic.message,
        )?;
    }
    Ok(())
}

fn write_command(
    out: &mut dyn io::Write,
    command: &str,
    place: Option<&parity_model::Origin>,
    title: &str,
    message: &str,
) -> io::Result<()> {
    let mut properties = Vec::new();
    if let Some(origin) = place {
        properties.push(format!("file={}", property(&origin.file)));
        if origin.line > 0 {
            properties.push(format!("line={}", origin.line));
            if origin.column > 0 {
                properties.push(format!("col={}", origin.column));
            }
        }
    }
    properties.push(format!("title={}", property(title)));
    writeln!(
        out,
        "::{command} {}::{}",
        properties.join(","),
        data(message)
    )
}

/// Escapes a command's message the way the Actions runner unescapes it.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`data`], plus the `:` and `,` that separate properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        render_github(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn github_snapshot() {
        insta::assert_snapshot!(render(&sample::report()));
    }

    #[test]
    fn commands_name_file_line_and_other_side() {
        let text = render(&sample::report());
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "::error file=local/compose.yaml,line=4,col=5,title=parity image-mismatch (api)::image of api differs: local acme/api:1.4, prod acme/api:1.3%0Aprod: prod/api.yaml:21:5"
        );
        assert!(text.contains("::notice file=prod/data.yaml,line=30,col=5,"));
        assert_eq!(
            text.lines().count(),
            5,
            "notes among diagnostics are not annotated"
        );
    }

    #[test]
    fn policy_diagnostics_point_at_the_policy_file() {
        let mut report = sample::report();
        report
            .policy_diagnostics
            .push(parity_model::Diagnostic::warning(
                parity_model::Origin::new("parity.yaml".into(), 4, 5),
                "suppression expired on 2026-01-31: 1 finding is reported again",
            ));
        let text = render(&report);
        assert!(
            text.ends_with(
                "::warning file=parity.yaml,line=4,col=5,title=parity%3A policy::suppression expired on 2026-01-31: 1 finding is reported again\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn special_characters_are_escaped() {
        let mut report = sample::report();
        report.findings[0].message = "100% broken\r\nnext: line, too".into();
        report.findings[0].service = "a,b:c".into();
        report.findings[0].locations[0].origin.file = "dir,1/x:y.yaml".into();
        let first = render(&report).lines().next().unwrap().to_owned();
        assert!(first.starts_with(
            "::error file=dir%2C1/x%3Ay.yaml,line=4,col=5,title=parity image-mismatch (a%2Cb%3Ac)::100%25 broken%0D%0Anext: line, too%0A"
        ), "{first}");
    }
}
