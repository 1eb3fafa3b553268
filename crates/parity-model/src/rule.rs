use std::fmt;

use crate::Severity;

/// What a rule is: its stable identity, default severity and documentation.
///
/// Lives in the model, not the engine, so renderers (SARIF `tool.driver.rules[]`, `parity
/// explain`, generated docs) can describe rules without depending on the engine that runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// `PAR` plus three digits; the hundreds name the family. Codes are never reused.
    pub code: &'static str,
    /// The kebab-case name used in reports, policies and baselines (`image-mismatch`).
    pub name: &'static str,
    /// The family the rule belongs to.
    pub family: RuleFamily,
    /// Severity when the policy does not override it.
    pub default_severity: Severity,
    /// The parity version that introduced the rule.
    pub since: &'static str,
    /// The rule's doc comment as written: one line per `///` line, each still carrying the single
    /// leading space rustdoc keeps. Use [`RuleMeta::explanation`] to show it.
    pub doc: &'static str,
    /// The source file that declares the rule, for tooling that checks rule files.
    pub source_file: &'static str,
    /// The line of the declaration in [`RuleMeta::source_file`].
    pub source_line: u32,
}

impl RuleMeta {
    /// The explanation as Markdown: the doc comment with the one leading space of each line
    /// removed (a second space is indentation the author meant, so only one goes).
    pub fn explanation(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence under `## What it does`, for one-line listings and SARIF short
    /// descriptions. Empty when the section is missing.
    pub fn summary(&self) -> String {
        let mut in_section = false;
        let mut text = String::new();
        for line in self.doc.lines().map(str::trim) {
            if line.starts_with("## ") {
                if in_section {
                    break;
                }
                in_section = line == "## What it does";
                continue;
            }
            if !in_section {
                continue;
            }
            if line.is_empty() {
                if text.is_empty() {
                    continue;
                }
                break;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(line);
        }
        // The first sentence ends at ". " (or at the end of the paragraph).
        match text.find(". ") {
            Some(end) => text[..=end].to_owned(),
            None => text,
        }
    }
}

/// The family a rule belongs to; the hundreds digit of its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RuleFamily {
    /// 1xx: services present or absent.
    Services,
    /// 2xx: container images.
    Images,
    /// 3xx: environment variables.
    Env,
    /// 4xx: backing services (databases, caches, queues).
    Backing,
    /// 5xx: ports, networking, the service graph.
    Network,
    /// 6xx: volumes and storage.
    Storage,
    /// 7xx: secrets.
    Secrets,
}

impl RuleFamily {
    /// Lower-case name, as the rule directory is named (`services`, `images`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleFamily::Services => "services",
            RuleFamily::Images => "images",
            RuleFamily::Env => "env",
            RuleFamily::Backing => "backing",
            RuleFamily::Network => "network",
            RuleFamily::Storage => "storage",
            RuleFamily::Secrets => "secrets",
        }
    }
}

impl fmt::Display for RuleFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: RuleMeta = RuleMeta {
        code: "PAR999",
        name: "example-rule",
        family: RuleFamily::Images,
        default_severity: Severity::Warning,
        since: "0.1.0",
        doc: " ## What it does\n Flags a thing. Then more\n words.\n\n ## Why it matters\n   indented\n",
        source_file: "rule.rs",
        source_line: 1,
    };

    #[test]
    fn explanation_strips_one_leading_space() {
        assert_eq!(
            META.explanation(),
            "## What it does\nFlags a thing. Then more\nwords.\n\n## Why it matters\n  indented\n"
        );
    }

    #[test]
    fn summary_is_the_first_sentence_of_what_it_does() {
        assert_eq!(META.summary(), "Flags a thing.");
        let no_section = RuleMeta {
            doc: " ## Why it matters\n x\n",
            ..META
        };
        assert_eq!(no_section.summary(), "");
        let one_line = RuleMeta {
            doc: " ## What it does\n Flags a\n thing\n",
            ..META
        };
        assert_eq!(one_line.summary(), "Flags a thing");
    }
}
