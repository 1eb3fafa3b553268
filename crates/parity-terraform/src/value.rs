//! Terraform values as the evaluator computes them, including values only known after apply.

use std::collections::BTreeMap;
use std::fmt::Write as _;

pub(crate) use parity_model::TextPart;

/// A value of the Terraform language.
///
/// Lists, tuples and sets share one variant (a set is a sorted list without duplicates, the
/// order Terraform iterates sets of strings in); maps and objects share another, with keys in
/// lexical order as Terraform iterates them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (Terraform numbers are arbitrary precision; f64 covers what configurations use).
    Number(f64),
    /// A string.
    String(String),
    /// A list, tuple or set.
    List(Vec<Value>),
    /// A map or object.
    Object(BTreeMap<String, Value>),
    /// A value Terraform only knows after apply.
    Unknown(Unknown),
}

/// A value only known after apply, e.g. `aws_ecr_repository.api.repository_url`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// The reference that makes it unknown, as written (`aws_ecr_repository.api.repository_url`).
    pub what: String,
    /// For a string built from a template (`"postgres://${aws_db_instance.main.address}:5432/shop"`):
    /// its parts in order, the literal text and the references known only after apply, so what
    /// is known (an image tag, a URL's scheme and port) can still be read and the references
    /// followed to the resources they name. `None` for a value unknown as a whole.
    pub text: Option<Vec<TextPart>>,
    /// For `jsonencode`/`yamlencode` of a value with unknown parts (an ECS
    /// `container_definitions` whose image is known after apply): the value before encoding,
    /// so its known parts can still be read.
    pub encoded: Option<Box<Value>>,
}

impl Unknown {
    /// The value as a template: the known text with every unknown part written `${reference}`
    /// (`${aws_ecr_repository.api.repository_url}:1.4.0`); `${what}` for a value unknown as a
    /// whole.
    pub fn template(&self) -> String {
        let mut out = String::new();
        match &self.text {
            Some(parts) => {
                for part in parts {
                    match part {
                        TextPart::Known(text) => out.push_str(text),
                        TextPart::Unknown(reference) => {
                            let _ = write!(out, "${{{reference}}}");
                        }
                    }
                }
            }
            None => {
                let _ = write!(out, "${{{}}}", self.what);
            }
        }
        out
    }
}

impl Value {
    /// An unknown value caused by `what`.
    pub fn unknown(what: impl Into<String>) -> Self {
        Value::Unknown(Unknown {
            what: what.into(),
            text: None,
            encoded: None,
        })
    }

    /// The Terraform type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// Whether the value is (or contains) something known only after apply.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Object(map) => map.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// The string, when the value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The value as Terraform converts a primitive to a string (`tostring`, template
    /// interpolation): strings as they are, numbers without a needless `.0`, booleans as
    /// `true`/`false`. `None` for null, collections and unknowns.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(format_number(*number)),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// Field `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// Converts JSON (from `jsondecode` or `terraform show -json`) into a value.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(*flag),
            serde_json::Value::Number(number) => Value::Number(number.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(text) => Value::String(text.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), Value::from_json(value)))
                    .collect(),
            ),
        }
    }
}

/// Formats a number the way Terraform prints it: integers without a fraction, other numbers in
/// their shortest exact decimal form.
pub(crate) fn format_number(number: f64) -> String {
    if number == 0.0 && number.is_sign_negative() {
        // Terraform keeps the sign of a negative zero (`-0`).
        return "-0".to_owned();
    }
    if number.fract() == 0.0 && number.abs() < 1e15 {
        // An integral value within the exactly representable range: print without `.0`.
        return format!("{}", number as i64);
    }
    let shortest = format!("{number}");
    // Arithmetic on decimals leaves binary rounding noise in the last of 17 digits (0.1 + 0.2
    // is 0.30000000000000004), where Terraform's arbitrary-precision decimals give 0.3: when at
    // most 15 significant digits come back to the same number within two rounding steps, those
    // are what was meant. A number written with 16 or 17 digits is further than that from its
    // 15-digit rounding, so it keeps its digits.
    let significant = shortest
        .trim_start_matches(['-', '0', '.'])
        .trim_end_matches('0')
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    if significant > 15 && number.is_finite() {
        for digits in 1..=15 {
            if let Ok(rounded) = format!("{number:.*e}", digits - 1).parse::<f64>() {
                if (rounded - number).abs() <= 2.0 * f64::EPSILON * number.abs() {
                    return format!("{rounded}");
                }
            }
        }
    }
    shortest
}

/// Encodes a value as JSON the way Terraform's `jsonencode` does: object keys sorted, no
/// spaces, and `<`, `>` and `&` escaped as `\u003c`, `\u003e`, `\u0026` (Go's encoder does that
/// so the output is safe inside HTML).
pub(crate) fn encode_json(value: &Value, out: &mut String) -> Result<(), String> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&format_number(*number)),
        Value::String(text) => encode_json_string(text, out),
        Value::List(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                encode_json(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (position, (key, item)) in map.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                encode_json_string(key, out);
                out.push(':');
                encode_json(item, out)?;
            }
            out.push('}');
        }
        Value::Unknown(unknown) => return Err(unknown.what.clone()),
    }
    Ok(())
}

fn encode_json_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Encodes a value as YAML the way Terraform's `yamlencode` does: block style, strings in double
/// quotes, map keys quoted and sorted, a trailing newline.
pub(crate) fn encode_yaml(value: &Value) -> Result<String, String> {
    let mut out = String::new();
    match value {
        Value::List(items) if items.is_empty() => out.push_str("[]\n"),
        Value::Object(map) if map.is_empty() => out.push_str("{}\n"),
        Value::List(_) | Value::Object(_) => encode_yaml_block(value, 0, &mut out)?,
        scalar => {
            out.push_str(&yaml_scalar(scalar, 2)?);
            out.push('\n');
            // Go's encoder ends a document holding one plain scalar with an end marker.
            if !matches!(scalar, Value::String(_)) {
                out.push_str("...\n");
            }
        }
    }
    Ok(out)
}

/// A scalar as `yamlencode` writes it; a multi-line string becomes a literal block whose lines
/// are indented by `block_indent`.
fn yaml_scalar(value: &Value, block_indent: usize) -> Result<String, String> {
    Ok(match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => format_number(*number),
        Value::String(text) if allows_literal_block(text) => literal_block(text, block_indent),
        Value::String(text) => {
            let mut quoted = String::new();
            encode_yaml_string(text, &mut quoted);
            quoted
        }
        Value::List(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
        Value::Unknown(unknown) => return Err(unknown.what.clone()),
    })
}

/// Whether Go's YAML encoder writes `text` as a literal block (`|`): it has a line break, only
/// printable characters (no tab, no carriage return), and no space before a line break or at the
/// end.
fn allows_literal_block(text: &str) -> bool {
    text.contains('\n')
        && !text.contains(" \n")
        && !text.ends_with(' ')
        && text
            .chars()
            .all(|c| c == '\n' || !(c.is_control() || c == '\u{feff}'))
}

/// `|-` (no final line break), `|` (one) or `|+` (more), with an indentation indicator when the
/// text starts with a space or a line break, then the lines indented (empty lines stay empty).
fn literal_block(text: &str, indent: usize) -> String {
    let chomping = if text.ends_with("\n\n") {
        "+"
    } else if text.ends_with('\n') {
        ""
    } else {
        "-"
    };
    let hint = if text.starts_with([' ', '\n']) {
        "2"
    } else {
        ""
    };
    let mut out = format!("|{hint}{chomping}");
    let pad = " ".repeat(indent);
    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

fn encode_yaml_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn is_nonempty_collection(value: &Value) -> bool {
    match value {
        Value::List(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => false,
    }
}

fn encode_yaml_block(value: &Value, indent: usize, out: &mut String) -> Result<(), String> {
    let pad = " ".repeat(indent);
    match value {
        Value::List(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                if is_nonempty_collection(item) {
                    // Go's YAML encoder writes a nested mapping or sequence on the dash line.
                    let mut nested = String::new();
                    encode_yaml_block(item, indent + 2, &mut nested)?;
                    out.push(' ');
                    out.push_str(nested.trim_start());
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(item, indent + 2)?);
                    out.push('\n');
                }
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                out.push_str(&pad);
                encode_yaml_string(key, out);
                out.push(':');
                if is_nonempty_collection(item) {
                    out.push('\n');
                    let nested_indent = if matches!(item, Value::List(_)) {
                        indent
                    } else {
                        indent + 2
                    };
                    encode_yaml_block(item, nested_indent, out)?;
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(item, indent + 2)?);
                    out.push('\n');
                }
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&yaml_scalar(scalar, indent + 2)?);
            out.push('\n');
        }
    }
    Ok(())
}

/// Converts a parsed YAML node into a value the way `yamldecode` types plain scalars (YAML 1.2
/// core schema: `true`/`false`, `null`/`~`, integers and floats; quoted scalars are strings).
pub(crate) fn from_yaml(node: &parity_source::yaml::Node) -> Value {
    use parity_source::yaml::Value as Yaml;
    match &node.value {
        Yaml::Null => Value::Null,
        Yaml::Scalar(scalar) if scalar.quoted => Value::String(String::from(&*scalar.text)),
        // Terraform's YAML reader types plain scalars the YAML 1.1 way (`yes`, `on`, `y` are
        // true; `0x1F` and `0o17` are numbers; `012` is twelve), checked against `yamldecode`.
        Yaml::Scalar(scalar) => match &*scalar.text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
                Value::Bool(true)
            }
            "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off"
            | "OFF" => Value::Bool(false),
            "" | "null" | "Null" | "NULL" | "~" => Value::Null,
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(f64::INFINITY),
            "-.inf" | "-.Inf" | "-.INF" => Value::Number(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => Value::Number(f64::NAN),
            text => {
                let radix = |prefix: &str, radix: u32| {
                    text.strip_prefix(prefix)
                        .filter(|digits| !digits.is_empty())
                        .and_then(|digits| i64::from_str_radix(digits, radix).ok())
                };
                let decimal = text
                    .parse::<f64>()
                    .ok()
                    .filter(|_| text.chars().any(|c| c.is_ascii_digit()));
                match radix("0x", 16).or_else(|| radix("0o", 8)) {
                    Some(number) => Value::Number(number as f64),
                    None => decimal.map_or_else(|| Value::String(text.to_owned()), Value::Number),
                }
            }
        },
        Yaml::Seq(items) => Value::List(items.iter().map(from_yaml).collect()),
        Yaml::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|entry| (String::from(&*entry.key), from_yaml(&entry.value)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), value.clone()))
                .collect(),
        )
    }

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(-2.0), "-2");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(1.1 * 1.1), "1.21");
        assert_eq!(format_number(0.123_456_789_012_345_6), "0.1234567890123456");
        assert_eq!(format_number(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(format_number(1e21), "1000000000000000000000");
    }

    #[test]
    fn yaml_plain_scalars_are_typed_as_terraform_types_them() {
        let document = parity_source::yaml::parse_document(
            "[yes, Off, 0x1F, 0o17, '0x1F', 012, +1, 1_000, ~, .inf]",
            parity_source::yaml::Limits::default(),
        )
        .unwrap();
        assert_eq!(
            from_yaml(&document),
            Value::List(vec![
                Value::Bool(true),
                Value::Bool(false),
                Value::Number(31.0),
                Value::Number(15.0),
                Value::String("0x1F".into()),
                Value::Number(12.0),
                Value::Number(1.0),
                Value::String("1_000".into()),
                Value::Null,
                Value::Number(f64::INFINITY),
            ])
        );
    }

    #[test]
    fn multi_line_strings_are_literal_blocks_in_yaml() {
        let value = object(&[("script", Value::String("a\nb\n".into()))]);
        assert_eq!(encode_yaml(&value).unwrap(), "\"script\": |\n  a\n  b\n");
        assert_eq!(
            encode_yaml(&Value::String(" a\nb".into())).unwrap(),
            "|2-\n   a\n  b\n"
        );
        assert_eq!(
            encode_yaml(&Value::String("tab\there\nx".into())).unwrap(),
            "\"tab\\there\\nx\"\n"
        );
        assert_eq!(encode_yaml(&Value::Number(1.0)).unwrap(), "1\n...\n");
    }

    #[test]
    fn json_escapes_html_characters_and_sorts_keys() {
        let value = object(&[
            ("b", Value::String("<a&b>".into())),
            ("a", Value::Number(1.0)),
        ]);
        let mut out = String::new();
        encode_json(&value, &mut out).unwrap();
        assert_eq!(out, r#"{"a":1,"b":"\u003ca\u0026b\u003e"}"#);
    }

    #[test]
    fn yaml_is_block_style_with_quoted_strings() {
        let value = object(&[
            ("name", Value::String("api".into())),
            (
                "ports",
                Value::List(vec![Value::Number(80.0), Value::Number(443.0)]),
            ),
            ("env", object(&[("A", Value::Bool(true))])),
        ]);
        assert_eq!(
            encode_yaml(&value).unwrap(),
            "\"env\":\n  \"A\": true\n\"name\": \"api\"\n\"ports\":\n- 80\n- 443\n"
        );
    }
}
