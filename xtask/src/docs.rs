//! `cargo xtask docs [--check]`: writes `docs/rules.md` from the rules' metadata and doc comments
//! (the same text `parity explain` prints), and the policy file's JSON Schema
//! `policies/parity.schema.json` (whose rule-name list comes from the registry), so neither can
//! disagree with the binary. `--check` (and the tests below) fails when a committed file is stale.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use parity_engine::RULES;
use serde_json::json;

/// Where the generated reference lives, relative to the workspace root.
const RULES_MD: &str = "docs/rules.md";
/// Where the policy file's JSON Schema lives, relative to the workspace root.
const SCHEMA_JSON: &str = "policies/parity.schema.json";

/// Every generated file and its wanted content.
fn generated() -> Vec<(&'static str, String)> {
    vec![(RULES_MD, rules_markdown()), (SCHEMA_JSON, policy_schema())]
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let root = crate::tidy::workspace_root();
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask docs [--check]"),
    };
    for (relative, wanted) in generated() {
        let path = root.join(relative);
        if check {
            if !is_fresh(&path, &wanted) {
                bail!("{relative} is stale: run `cargo xtask docs` and commit it");
            }
            println!("docs: {relative} is up to date");
        } else {
            std::fs::write(&path, &wanted)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("docs: wrote {relative}");
        }
    }
    Ok(())
}

/// The JSON Schema (draft 2020-12) of the policy file. Written here rather than derived, since
/// the parser reads a position-carrying YAML tree, not serde types; `crates/parity-engine/tests/
/// policy_schema.rs` checks that schema and parser accept and reject the same example files.
pub(crate) fn policy_schema() -> String {
    let mut rule_ids: Vec<&str> = RULES
        .iter()
        .flat_map(|rule| [rule.meta().name, rule.meta().code])
        .collect();
    rule_ids.sort_unstable();
    let glob = json!({"type": "string", "minLength": 1, "description": "a glob: `*`, `?`, `[a-z]`, `{a,b}`"});
    let globs = json!({"type": ["array", "null"], "items": {"$ref": "#/$defs/glob"}});
    let reason = json!({"type": "string", "minLength": 1, "description": "why the difference is accepted; required"});
    let expires = json!({"type": "string", "format": "date", "description": "YYYY-MM-DD: after this day the entry stops suppressing and parity says so"});
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.invalid/parity/policies/parity.schema.json",
        "title": "parity policy file (parity.yaml)",
        "description": "Rules, ignores, suppressions, allowed differences, service mappings and Rego policies for `parity diff`. Layered over the built-in policies/default.yaml.",
        "type": ["object", "null"],
        "required": ["version"],
        "additionalProperties": false,
        "properties": {
            "version": {"description": "the policy format version", "enum": [1, "1"]},
            "select": {
                "description": "when set, only these rules run",
                "type": ["array", "null"],
                "items": {"$ref": "#/$defs/ruleId"}
            },
            "rules": {
                "description": "severity per rule (name or code), or off",
                "type": ["object", "null"],
                "propertyNames": {"$ref": "#/$defs/ruleId"},
                "additionalProperties": {"enum": ["error", "warning", "note", "off"]}
            },
            "ignore": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": {
                    "services": {"description": "service names or image short names never compared (case-insensitive)", "$ref": "#/$defs/globs"},
                    "env": {"description": "env var names never compared (case-sensitive)", "$ref": "#/$defs/globs"}
                }
            },
            "mappings": {
                "description": "explicit pairs of a local service and a prod workload",
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["local", "prod"],
                    "properties": {
                        "local": {"type": "string", "minLength": 1},
                        "prod": {"type": "string", "minLength": 1}
                    }
                }
            },
            "suppress": {
                "description": "findings to hide, each entry with a reason; at least one of rule, service, env",
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["reason"],
                    "minProperties": 2,
                    "properties": {
                        "rule": {"$ref": "#/$defs/ruleId"},
                        "service": {"$ref": "#/$defs/glob"},
                        "env": {"$ref": "#/$defs/glob"},
                        "reason": {"$ref": "#/$defs/reason"},
                        "expires": {"$ref": "#/$defs/expires"}
                    },
                    "anyOf": [
                        {"required": ["rule"]},
                        {"required": ["service"]},
                        {"required": ["env"]}
                    ]
                }
            },
            "allow": {
                "description": "differences accepted by design",
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": {
                    "image-tags": {
                        "description": "services whose image tag (or digest) may differ; the repository must match",
                        "type": ["array", "null"],
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["service", "reason"],
                            "properties": {
                                "service": {"$ref": "#/$defs/glob"},
                                "reason": {"$ref": "#/$defs/reason"},
                                "expires": {"$ref": "#/$defs/expires"}
                            }
                        }
                    },
                    "local-only-env": {
                        "description": "env vars expected to be set only locally",
                        "type": ["array", "null"],
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["env", "reason"],
                            "properties": {
                                "env": {"$ref": "#/$defs/glob"},
                                "service": {"$ref": "#/$defs/glob"},
                                "reason": {"$ref": "#/$defs/reason"},
                                "expires": {"$ref": "#/$defs/expires"}
                            }
                        }
                    }
                }
            },
            "env-must-equal": {"description": "env var names whose values must be equal on both sides (`env-value-mismatch`)", "$ref": "#/$defs/globs"},
            "rego": {
                "description": "Rego policy files or folders, relative to this file",
                "type": ["array", "null"],
                "items": {"type": "string", "minLength": 1}
            },
            "env-contract-file": {"description": "the .env.example-style file listing the settings the app reads, relative to this file", "type": "string", "minLength": 1}
        },
        "$defs": {
            "ruleId": {"description": "a rule name or code (`parity rules`)", "enum": rule_ids},
            "glob": glob,
            "globs": globs,
            "reason": reason,
            "expires": expires
        }
    });
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema as a value, for tests that validate against it.
#[cfg(test)]
fn policy_schema_value() -> serde_json::Value {
    serde_json::from_str(&policy_schema()).unwrap_or(serde_json::Value::Null)
}

fn is_fresh(path: &Path, wanted: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|current| current == wanted)
}

/// The whole of `docs/rules.md`: an index table, then each rule's documentation with its
/// headings moved one level down so they sit under the rule's own heading.
pub(crate) fn rules_markdown() -> String {
    let mut out = String::new();
    out.push_str("# Rules\n\n");
    out.push_str(
        "<!-- Generated by `cargo xtask docs` from the rules' doc comments; do not edit. -->\n\n",
    );
    out.push_str(
        "Every rule parity runs, with its default severity. Change a severity or turn a rule off \
         in the policy file (`rules:`), hide accepted findings with `suppress:`, `allow:` or an \
         inline `# parity: ignore[rule] reason` comment. `parity explain <rule>` prints the same \
         text.\n\n",
    );
    out.push_str("| code | rule | default | summary |\n|---|---|---|---|\n");
    for rule in RULES {
        let meta = rule.meta();
        let _ = writeln!(
            out,
            "| {} | [`{}`](#{}) | {} | {} |",
            meta.code,
            meta.name,
            meta.name,
            meta.default_severity,
            meta.summary().replace('|', "\\|")
        );
    }
    for rule in RULES {
        let meta = rule.meta();
        let _ = write!(
            out,
            "\n## {}\n\n`{}` · default severity **{}** · family {} · since {}\n\n",
            meta.name, meta.code, meta.default_severity, meta.family, meta.since
        );
        let mut in_code = false;
        for line in meta.explanation().lines() {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_are_up_to_date() {
        for (relative, wanted) in generated() {
            let path = crate::tidy::workspace_root().join(relative);
            assert!(
                is_fresh(&path, &wanted),
                "{relative} is stale: run `cargo xtask docs` and commit it"
            );
        }
    }

    #[test]
    fn schema_names_every_rule_by_name_and_code() {
        let schema = policy_schema_value();
        let ids = schema["$defs"]["ruleId"]["enum"].as_array().unwrap();
        assert_eq!(ids.len(), RULES.len() * 2);
        assert!(ids.contains(&"image-mismatch".into()) && ids.contains(&"PAR201".into()));
    }

    #[test]
    fn every_rule_has_a_section_and_an_index_row() {
        let text = rules_markdown();
        for rule in RULES {
            let meta = rule.meta();
            assert!(
                text.contains(&format!("\n## {}\n", meta.name)),
                "{}",
                meta.name
            );
            assert!(text.contains(&format!("| {} | [`{}`]", meta.code, meta.name)));
        }
        // Rule headings are demoted below the rule's own heading.
        assert!(text.contains("\n### What it does\n"));
        assert!(!text.contains("\n## What it does\n"));
    }
}
