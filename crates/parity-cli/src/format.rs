//! `--format F[=FILE]` and `--output FILE`: which report formats to write, and where.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::ValueEnum;
use parity::{Policy, Report, RuleMeta};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Human-readable, grouped by service.
    Text,
    /// The versioned JSON report (docs/report-json.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other code-review tools.
    Sarif,
    /// Markdown for a pull-request comment or a job summary.
    Markdown,
    /// JUnit XML: one test case per rule and service.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// One `--format` value: a format, and the file it goes to (`sarif=parity.sarif`) or none.
#[derive(Debug, Clone)]
pub(crate) struct FormatSpec {
    pub(crate) format: Format,
    pub(crate) file: Option<PathBuf>,
}

/// Parses `FORMAT` or `FORMAT=FILE` for clap.
pub(crate) fn parse_format_spec(text: &str) -> Result<FormatSpec, String> {
    let (name, file) = match text.split_once('=') {
        Some((name, "")) => {
            return Err(format!("`{name}=` names no file; write `{name}=FILE`"));
        }
        Some((name, file)) => (name, Some(PathBuf::from(file))),
        None => (text, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|format| format.to_possible_value())
            .map(|value| value.get_name().to_owned())
            .collect();
        format!(
            "unknown format `{name}`; expected one of {} (optionally `FORMAT=FILE`)",
            names.join(", ")
        )
    })?;
    Ok(FormatSpec { format, file })
}

/// Where each format goes, after checking that at most one goes to standard output (or
/// `--output`).
pub(crate) fn plan(
    specs: &[FormatSpec],
    output: Option<&Path>,
) -> Result<Vec<(Format, Option<PathBuf>)>> {
    let specs: Vec<FormatSpec> = if specs.is_empty() {
        vec![FormatSpec {
            format: Format::Text,
            file: None,
        }]
    } else {
        specs.to_vec()
    };
    let unnamed = specs.iter().filter(|spec| spec.file.is_none()).count();
    if unnamed > 1 {
        bail!(
            "only one --format can go to {}; give the others a file, e.g. --format sarif=parity.sarif",
            if output.is_some() {
                "--output"
            } else {
                "standard output"
            }
        );
    }
    if unnamed == 0 && output.is_some() {
        bail!("--output has no format to write: every --format names its own file");
    }
    Ok(specs
        .into_iter()
        .map(|spec| {
            let file = spec.file.or_else(|| output.map(Path::to_path_buf));
            (spec.format, file)
        })
        .collect())
}

/// Whether a text report goes to the terminal's standard output (load notes are then worth
/// printing too; machine formats keep standard error for problems only).
pub(crate) fn text_on_stdout(plan: &[(Format, Option<PathBuf>)]) -> bool {
    plan.iter()
        .any(|(format, file)| *format == Format::Text && file.is_none())
}

/// How the text report decides on colour.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Colour {
    Auto,
    Always,
    Never,
}

/// Renders every planned format and writes it to its file or standard output.
pub(crate) fn write_reports(
    plan: &[(Format, Option<PathBuf>)],
    report: &Report,
    policy: &Policy,
    colour: Colour,
) -> Result<()> {
    // SARIF and JUnit describe the rules that ran: those the policy leaves enabled, plus any
    // rule that produced a finding.
    let rules: Vec<&'static RuleMeta> = parity::RULES
        .iter()
        .map(|rule| rule.meta())
        .filter(|meta| {
            policy.severity_of(meta).is_some()
                || report
                    .findings
                    .iter()
                    .any(|finding| finding.rule == meta.name)
        })
        .collect();
    for (format, file) in plan {
        let colour = match colour {
            Colour::Always => true,
            Colour::Never => false,
            Colour::Auto => {
                file.is_none()
                    && io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let mut buffer = Vec::new();
        render(*format, report, &rules, colour, &mut buffer)?;
        crate::output::emit(&buffer, file.as_deref())?;
    }
    Ok(())
}

fn render(
    format: Format,
    report: &Report,
    rules: &[&RuleMeta],
    colour: bool,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    match format {
        Format::Text => parity::render_text(report, parity::TextOptions { color: colour }, out),
        Format::Json => parity::render_json(report, out),
        Format::Sarif => parity::render_sarif(
            report,
            rules,
            parity::SarifTool {
                version: env!("CARGO_PKG_VERSION"),
                information_uri: None,
            },
            out,
        ),
        Format::Markdown => parity::render_markdown(report, out),
        Format::Junit => parity::render_junit(report, rules, out),
        Format::Github => parity::render_github(report, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> FormatSpec {
        parse_format_spec(text).unwrap()
    }

    #[test]
    fn format_specs_parse() {
        assert_eq!(spec("sarif").format, Format::Sarif);
        assert_eq!(spec("sarif").file, None);
        let with_file = spec("junit=out/report.xml");
        assert_eq!(with_file.format, Format::Junit);
        assert_eq!(with_file.file, Some(PathBuf::from("out/report.xml")));
        assert_eq!(spec("Markdown").format, Format::Markdown);
        assert!(
            parse_format_spec("yaml")
                .unwrap_err()
                .contains("unknown format `yaml`")
        );
        assert!(
            parse_format_spec("sarif=")
                .unwrap_err()
                .contains("names no file")
        );
    }

    #[test]
    fn plan_sends_one_format_to_stdout_or_output() {
        let plan_of = |specs: &[&str], output: Option<&str>| {
            let specs: Vec<FormatSpec> = specs.iter().map(|text| spec(text)).collect();
            plan(&specs, output.map(Path::new))
        };
        let default = plan_of(&[], None).unwrap();
        assert_eq!(default, vec![(Format::Text, None)]);
        let several = plan_of(&["text", "sarif=a.sarif", "junit=j.xml"], None).unwrap();
        assert_eq!(several[1], (Format::Sarif, Some(PathBuf::from("a.sarif"))));
        assert!(text_on_stdout(&several));
        let to_output = plan_of(&["json"], Some("r.json")).unwrap();
        assert_eq!(
            to_output,
            vec![(Format::Json, Some(PathBuf::from("r.json")))]
        );
        assert!(!text_on_stdout(&to_output));
        assert!(plan_of(&["json", "sarif"], None).is_err());
        assert!(plan_of(&["sarif=a.sarif"], Some("r.json")).is_err());
    }
}
