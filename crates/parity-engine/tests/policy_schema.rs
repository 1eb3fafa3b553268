//! The policy file's JSON Schema (`policies/parity.schema.json`) and the policy parser agree:
//! every example under `testdata/policies/`, the built-in policy and every rule fixture's
//! `parity.yaml` is accepted by both or rejected by both (`parser-only/` documents what JSON
//! Schema cannot express). Invalid examples also pin the parser's `file:line:column` message.
//!
//! The validator below implements the part of JSON Schema 2020-12 the policy schema uses, so the
//! test needs no schema library: `type`, `enum`, `properties`, `additionalProperties`,
//! `required`, `items`, `propertyNames`, `minLength`, `minProperties`, `anyOf`, local `$ref` and
//! `format: date`. An unknown keyword fails the test, so the schema cannot silently outgrow it.

use std::path::{Path, PathBuf};

use parity_engine::Policy;
use parity_source::yaml::{Limits, Node, Value as Yaml, parse_document};
use serde_json::{Map, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("policies/parity.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The YAML tree as JSON, typing plain scalars the way YAML 1.2's core schema does.
fn to_json(node: &Node) -> Value {
    match &node.value {
        Yaml::Null => Value::Null,
        Yaml::Scalar(scalar) => {
            if let Some(boolean) = node.as_bool() {
                Value::Bool(boolean)
            } else if let Some(number) = node.as_i64() {
                Value::from(number)
            } else {
                Value::String(String::from(&*scalar.text))
            }
        }
        Yaml::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|entry| (String::from(&*entry.key), to_json(&entry.value)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return false;
    }
    let (year, month, day): (u32, u32, u32) = (
        year.parse().unwrap(),
        month.parse().unwrap(),
        day.parse().unwrap(),
    );
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "null" => value.is_null(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        other => panic!("schema type {other} not supported by the test validator"),
    }
}

/// Appends a description of every violation of `schema` by `value` at `path`.
fn validate(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(keywords) = schema.as_object() else {
        return;
    };
    for (keyword, rule) in keywords {
        match keyword.as_str() {
            "$schema" | "$id" | "title" | "description" | "$defs" => {}
            "$ref" => {
                let name = rule.as_str().unwrap().strip_prefix("#/$defs/").unwrap();
                validate(root, &root["$defs"][name], value, path, errors);
            }
            "type" => {
                let names: Vec<&str> = match rule {
                    Value::String(name) => vec![name.as_str()],
                    Value::Array(names) => names.iter().map(|n| n.as_str().unwrap()).collect(),
                    _ => panic!("bad type"),
                };
                if !names.iter().any(|name| type_matches(name, value)) {
                    errors.push(format!("{path}: expected {names:?}"));
                    return;
                }
            }
            "enum" => {
                if !rule.as_array().unwrap().contains(value) {
                    errors.push(format!("{path}: {value} not in enum"));
                }
            }
            "minLength" => {
                if let Some(text) = value.as_str()
                    && (text.chars().count() as u64) < rule.as_u64().unwrap()
                {
                    errors.push(format!("{path}: too short"));
                }
            }
            "format" => {
                assert_eq!(rule, "date", "only format: date is supported");
                if let Some(text) = value.as_str()
                    && !is_date(text)
                {
                    errors.push(format!("{path}: {text} is not a date"));
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for key in rule.as_array().unwrap() {
                        if !object.contains_key(key.as_str().unwrap()) {
                            errors.push(format!("{path}: missing {key}"));
                        }
                    }
                }
            }
            "minProperties" => {
                if let Some(object) = value.as_object()
                    && (object.len() as u64) < rule.as_u64().unwrap()
                {
                    errors.push(format!("{path}: too few properties"));
                }
            }
            "properties" => {
                if let Some(object) = value.as_object() {
                    for (key, child) in object {
                        if let Some(child_schema) = rule.get(key) {
                            validate(root, child_schema, child, &format!("{path}.{key}"), errors);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(object) = value.as_object() {
                    let known = schema.get("properties").and_then(Value::as_object);
                    for (key, child) in object {
                        if known.is_some_and(|known| known.contains_key(key)) {
                            continue;
                        }
                        match rule {
                            Value::Bool(false) => errors.push(format!("{path}: unknown key {key}")),
                            Value::Bool(true) => {}
                            child_schema => validate(
                                root,
                                child_schema,
                                child,
                                &format!("{path}.{key}"),
                                errors,
                            ),
                        }
                    }
                }
            }
            "propertyNames" => {
                if let Some(object) = value.as_object() {
                    for key in object.keys() {
                        validate(
                            root,
                            rule,
                            &Value::from(key.as_str()),
                            &format!("{path} key {key}"),
                            errors,
                        );
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (index, item) in items.iter().enumerate() {
                        validate(root, rule, item, &format!("{path}[{index}]"), errors);
                    }
                }
            }
            "anyOf" => {
                let any = rule.as_array().unwrap().iter().any(|option| {
                    let mut option_errors = Vec::new();
                    validate(root, option, value, path, &mut option_errors);
                    option_errors.is_empty()
                });
                if !any {
                    errors.push(format!("{path}: matches none of anyOf"));
                }
            }
            other => panic!("schema keyword {other} not supported by the test validator"),
        }
    }
}

fn schema_errors(schema: &Value, text: &str) -> Vec<String> {
    let document = parse_document(text, Limits::default()).expect("examples are valid YAML");
    let mut errors = Vec::new();
    validate(schema, schema, &to_json(&document), "$", &mut errors);
    errors
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    found.sort();
    found
}

#[test]
fn valid_examples_pass_both() {
    let schema = schema();
    let mut examples = files(&root().join("testdata/policies/valid"));
    examples.push(root().join("policies/default.yaml"));
    for case in std::fs::read_dir(root().join("testdata/rules")).unwrap() {
        for side in ["fires", "quiet"] {
            let path = case.as_ref().unwrap().path().join(side).join("parity.yaml");
            if path.is_file() {
                examples.push(path);
            }
        }
    }
    assert!(examples.len() > 10);
    for path in examples {
        let text = std::fs::read_to_string(&path).unwrap();
        let errors = schema_errors(&schema, &text);
        assert!(
            errors.is_empty(),
            "{}: schema rejects: {errors:?}",
            path.display()
        );
        if let Err(error) = Policy::from_yaml("parity.yaml", &text) {
            panic!("{}: parser rejects: {error}", path.display());
        }
    }
}

/// The expected parser message, from the example's first line.
fn expected_message(text: &str) -> &str {
    text.lines()
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .expect("invalid examples start with `# <expected error>`")
}

#[test]
fn invalid_examples_fail_both_with_the_parsers_position() {
    let schema = schema();
    let examples = files(&root().join("testdata/policies/invalid"));
    assert!(examples.len() >= 8);
    for path in examples {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !schema_errors(&schema, &text).is_empty(),
            "{}: schema accepts an example the parser rejects",
            path.display()
        );
        let error = Policy::from_yaml("parity.yaml", &text)
            .err()
            .unwrap_or_else(|| panic!("{}: parser accepts", path.display()));
        assert_eq!(
            error.to_string(),
            expected_message(&text),
            "{}",
            path.display()
        );
    }
}

#[test]
fn parser_only_checks_are_what_the_schema_cannot_express() {
    let schema = schema();
    for path in files(&root().join("testdata/policies/parser-only")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            schema_errors(&schema, &text).is_empty(),
            "{}",
            path.display()
        );
        let error = Policy::from_yaml("parity.yaml", &text).unwrap_err();
        assert_eq!(
            error.to_string(),
            expected_message(&text),
            "{}",
            path.display()
        );
    }
}
