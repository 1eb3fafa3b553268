//! Terraform's built-in functions that configurations use to build containers and their
//! environment. Each behaves as `terraform console` does (checked by the Terraform conformance
//! table, `crates/parity-conformance/src/terraform/expressions.txt`); an unknown argument makes
//! the result unknown.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use hcl::edit::Span;
use hcl::edit::expr::Expression;
use parity_model::{ArcStr, Origin};
use unicode_segmentation::UnicodeSegmentation;

use crate::eval::{EvalError, EvalResult, Scope, SourceFile, to_bool, to_number};
use crate::value::{TextPart, Value, encode_json, encode_yaml, format_number, from_yaml};

/// Largest file `file` and `templatefile` read.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The names of the functions parity evaluates, sorted.
pub const FUNCTIONS: &[&str] = &[
    "abs",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "basename",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "file",
    "fileexists",
    "flatten",
    "floor",
    "format",
    "formatlist",
    "indent",
    "index",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "matchkeys",
    "max",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "upper",
    "urlencode",
    "values",
    "yamldecode",
    "yamlencode",
    "zipmap",
];

/// Every built-in function of Terraform 1.11 in a module (`terraform metadata functions`),
/// sorted.
const TERRAFORM_FUNCTIONS: &[&str] = &[
    "abs",
    "abspath",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "base64gzip",
    "base64sha256",
    "base64sha512",
    "basename",
    "bcrypt",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "csvdecode",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "ephemeralasnull",
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "filemd5",
    "fileset",
    "filesha1",
    "filesha256",
    "filesha512",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "formatlist",
    "indent",
    "index",
    "issensitive",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "matchkeys",
    "max",
    "md5",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pathexpand",
    "plantimestamp",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "rsadecrypt",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "templatestring",
    "textdecodebase64",
    "textencodebase64",
    "timeadd",
    "timecmp",
    "timestamp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "upper",
    "urlencode",
    "uuid",
    "uuidv5",
    "values",
    "yamldecode",
    "yamlencode",
    "zipmap",
];

/// Calls function `name` with argument expressions `args` (`expand_final`: the last argument
/// is written `list...` and spreads into several arguments).
pub(crate) fn call(
    scope: &Scope<'_>,
    name: &str,
    args: &[&Expression],
    expand_final: bool,
    origin: &Origin,
) -> EvalResult {
    // try and can evaluate their arguments themselves: an error is their input.
    match name {
        "try" => {
            let mut last_error = None;
            for arg in args {
                match scope.eval(arg) {
                    Ok(value) => return Ok(value),
                    Err(error) if error.is_static => return Err(error),
                    Err(error) => last_error = Some(error),
                }
            }
            return Err(match last_error {
                Some(error) => EvalError::new(
                    origin.clone(),
                    format!(
                        "no argument of try has a value; the last failed with: {}",
                        error.message
                    ),
                ),
                None => EvalError::new(origin.clone(), "try needs at least one argument"),
            });
        }
        "can" => {
            let [arg] = args else {
                return Err(arity(origin, name, "1"));
            };
            return match scope.eval(arg) {
                Ok(Value::Unknown(unknown)) => Ok(Value::Unknown(unknown)),
                Ok(_) => Ok(Value::Bool(true)),
                Err(error) if error.is_static => Err(error),
                Err(_) => Ok(Value::Bool(false)),
            };
        }
        _ => {}
    }
    if !FUNCTIONS.contains(&name) {
        // A Terraform function parity does not compute (`sha256`, `timestamp`) gives a value
        // parity cannot know, like one known only after apply: the configuration is still read
        // and compared, and `try` cannot turn that into its fallback. A name Terraform does not
        // know either is an error like any other, which `try` catches in Terraform too.
        if TERRAFORM_FUNCTIONS.contains(&name) {
            return Ok(Value::unknown(format!("{name}(...)")));
        }
        return Err(EvalError::new(
            origin.clone(),
            format!("call to unknown function `{name}`"),
        ));
    }
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        values.push(scope.eval(arg)?);
    }
    if expand_final {
        match values.pop() {
            Some(Value::List(items)) => values.extend(items),
            Some(Value::Unknown(unknown)) => return Ok(Value::Unknown(unknown)),
            Some(other) => {
                return Err(EvalError::new(
                    origin.clone(),
                    format!(
                        "only a list can be expanded with `...`, not a {}",
                        other.type_name()
                    ),
                ));
            }
            None => {}
        }
    }
    // `format` with unknown arguments keeps its known text, as a string template does.
    if name == "format" {
        if let Some(partial) = format_partly_known(&values) {
            return Ok(partial);
        }
    }
    // Most functions cannot say anything about an unknown argument; coalesce and the
    // collection builders keep unknown elements inside their result instead.
    if !matches!(name, "merge" | "concat" | "tolist" | "toset" | "tomap") {
        if let Some(Value::Unknown(unknown)) =
            values.iter().find(|v| matches!(v, Value::Unknown(_)))
        {
            return Ok(Value::Unknown(unknown.clone()));
        }
    }
    let arg_origin = |index: usize| {
        args.get(index)
            .map(|arg| scope.origin_of(arg.span()))
            .unwrap_or_else(|| origin.clone())
    };
    apply(scope, name, values, origin, &arg_origin)
        .map_err(|message| EvalError::new(origin.clone(), format!("{name}: {message}")))
}

fn arity(origin: &Origin, name: &str, expected: &str) -> EvalError {
    EvalError::new(
        origin.clone(),
        format!("{name} takes {expected} argument(s)"),
    )
}

type Fallible<T> = Result<T, String>;

fn string_arg(value: &Value, what: &str) -> Fallible<String> {
    match value {
        Value::Null => Err(format!("{what} must not be null")),
        other => other
            .to_template_string()
            .ok_or_else(|| format!("{what} must be a string, not {}", other.type_name())),
    }
}

fn number_arg(value: &Value, what: &str) -> Fallible<f64> {
    to_number(value).ok_or_else(|| format!("{what} must be a number, not {}", value.type_name()))
}

fn list_arg(value: Value, what: &str) -> Fallible<Vec<Value>> {
    match value {
        Value::List(items) => Ok(items),
        other => Err(format!("{what} must be a list, not {}", other.type_name())),
    }
}

fn object_arg(value: Value, what: &str) -> Fallible<BTreeMap<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(format!(
            "{what} must be a map or object, not {}",
            other.type_name()
        )),
    }
}

fn exactly<const N: usize>(values: Vec<Value>) -> Fallible<[Value; N]> {
    let count = values.len();
    values
        .try_into()
        .map_err(|_| format!("takes {N} argument(s), got {count}"))
}

fn apply(
    scope: &Scope<'_>,
    name: &str,
    values: Vec<Value>,
    origin: &Origin,
    arg_origin: &dyn Fn(usize) -> Origin,
) -> Fallible<Value> {
    let text = |value: String| Ok(Value::String(value));
    match name {
        "jsonencode" => {
            let [value] = exactly(values)?;
            if has_non_finite_number(&value) {
                return Err("cannot encode infinity or NaN as JSON".to_owned());
            }
            let mut out = String::new();
            match encode_json(&value, &mut out) {
                Ok(()) => text(out),
                Err(what) => Ok(Value::Unknown(crate::value::Unknown {
                    what,
                    text: None,
                    encoded: Some(Box::new(value)),
                })),
            }
        }
        "jsondecode" => {
            let [value] = exactly(values)?;
            let source = string_arg(&value, "the argument")?;
            let json: serde_json::Value =
                serde_json::from_str(&source).map_err(|error| format!("invalid JSON: {error}"))?;
            Ok(Value::from_json(&json))
        }
        "yamlencode" => {
            let [value] = exactly(values)?;
            match encode_yaml(&value) {
                Ok(out) => text(out),
                Err(what) => Ok(Value::Unknown(crate::value::Unknown {
                    what,
                    text: None,
                    encoded: Some(Box::new(value)),
                })),
            }
        }
        "yamldecode" => {
            let [value] = exactly(values)?;
            let source = string_arg(&value, "the argument")?;
            let document = parity_source::yaml::parse_document(
                &source,
                parity_source::yaml::Limits::default(),
            )
            .map_err(|error| format!("invalid YAML: {error}"))?;
            Ok(from_yaml(&document))
        }
        "merge" => {
            let mut merged = BTreeMap::new();
            for (position, value) in values.into_iter().enumerate() {
                match value {
                    Value::Null => {}
                    Value::Object(map) => merged.extend(map),
                    Value::Unknown(unknown) => return Ok(Value::Unknown(unknown)),
                    other => {
                        return Err(format!(
                            "argument {} must be a map or object, not {}",
                            position + 1,
                            other.type_name()
                        ));
                    }
                }
            }
            Ok(Value::Object(merged))
        }
        "lookup" => {
            let count = values.len();
            if !(2..=3).contains(&count) {
                return Err(format!("takes 2 or 3 arguments, got {count}"));
            }
            let mut values = values.into_iter();
            let map = object_arg(values.next().unwrap_or(Value::Null), "the first argument")?;
            let key = string_arg(&values.next().unwrap_or(Value::Null), "the key")?;
            match (map.get(&key), values.next()) {
                (Some(found), _) => Ok(found.clone()),
                (None, Some(default)) => Ok(default),
                (None, None) => Err(format!(
                    "the map has no element for the key {key:?} and no default was given"
                )),
            }
        }
        "concat" => {
            if values.is_empty() {
                return Err("takes at least 1 argument".to_owned());
            }
            let mut out = Vec::new();
            for (position, value) in values.into_iter().enumerate() {
                match value {
                    Value::List(items) => out.extend(items),
                    Value::Unknown(unknown) => return Ok(Value::Unknown(unknown)),
                    other => {
                        return Err(format!(
                            "argument {} must be a list, not {}",
                            position + 1,
                            other.type_name()
                        ));
                    }
                }
            }
            Ok(Value::List(out))
        }
        "flatten" => {
            let [value] = exactly(values)?;
            let mut out = Vec::new();
            flatten_into(list_arg(value, "the argument")?, &mut out, 0)?;
            Ok(Value::List(out))
        }
        "distinct" => {
            let [value] = exactly(values)?;
            let mut out: Vec<Value> = Vec::new();
            for item in unify(list_arg(value, "the argument")?)? {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            Ok(Value::List(out))
        }
        "format" => {
            let mut values = values.into_iter();
            let spec = string_arg(
                &values.next().ok_or("takes at least 1 argument")?,
                "the format",
            )?;
            let rest: Vec<Value> = values.collect();
            format_values(&spec, &rest).map(Value::String)
        }
        "formatlist" => {
            let mut values = values.into_iter();
            let spec = string_arg(
                &values.next().ok_or("takes at least 1 argument")?,
                "the format",
            )?;
            let rest: Vec<Value> = values.collect();
            let mut length: Option<usize> = None;
            for value in &rest {
                if let Value::List(items) = value {
                    match length {
                        Some(known) if known != items.len() => {
                            return Err(format!(
                                "all list arguments must have the same length ({known} and {})",
                                items.len()
                            ));
                        }
                        _ => length = Some(items.len()),
                    }
                }
            }
            let Some(length) = length else {
                return Err("at least one argument after the format must be a list".to_owned());
            };
            let mut out = Vec::with_capacity(length);
            for index in 0..length {
                let row: Vec<Value> = rest
                    .iter()
                    .map(|value| match value {
                        Value::List(items) => items.get(index).cloned().unwrap_or(Value::Null),
                        other => other.clone(),
                    })
                    .collect();
                out.push(Value::String(format_values(&spec, &row)?));
            }
            Ok(Value::List(out))
        }
        "join" => {
            let mut values = values.into_iter();
            let separator = string_arg(
                &values.next().ok_or("takes at least 2 arguments")?,
                "the separator",
            )?;
            let mut parts = Vec::new();
            let mut lists = 0;
            for value in values {
                lists += 1;
                for item in list_arg(value, "each list")? {
                    parts.push(string_arg(&item, "each element")?);
                }
            }
            if lists == 0 {
                return Err("takes at least 2 arguments".to_owned());
            }
            text(parts.join(&separator))
        }
        "split" => {
            let [separator, value] = exactly(values)?;
            let separator = string_arg(&separator, "the separator")?;
            let value = string_arg(&value, "the string")?;
            if value.is_empty() {
                return Ok(Value::List(vec![Value::String(String::new())]));
            }
            Ok(Value::List(if separator.is_empty() {
                value
                    .chars()
                    .map(|c| Value::String(c.to_string()))
                    .collect()
            } else {
                value
                    .split(separator.as_str())
                    .map(|part| Value::String(part.to_owned()))
                    .collect()
            }))
        }
        "replace" => {
            let [value, search, replacement] = exactly(values)?;
            let value = string_arg(&value, "the string")?;
            let search = string_arg(&search, "the substring")?;
            let replacement = string_arg(&replacement, "the replacement")?;
            if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
                let pattern = search.get(1..search.len() - 1).unwrap_or_default();
                let regex = regex::Regex::new(pattern)
                    .map_err(|error| format!("invalid regular expression: {error}"))?;
                // Terraform (Go) writes `$1` for a group; Rust's regex crate reads `$1x` as a
                // group named `1x`, so braces make the group number explicit.
                let replacement = go_replacement(&replacement);
                return text(regex.replace_all(&value, replacement.as_str()).into_owned());
            }
            if search.is_empty() {
                // Go's strings.Replace inserts the replacement before every character and at
                // the end.
                let mut out = String::with_capacity(value.len() * (replacement.len() + 1));
                for character in value.chars() {
                    out.push_str(&replacement);
                    out.push(character);
                }
                out.push_str(&replacement);
                return text(out);
            }
            text(value.replace(&search, &replacement))
        }
        "lower" => string_fn(values, |s| s.chars().map(simple_lowercase).collect()),
        "upper" => string_fn(values, |s| s.chars().map(simple_uppercase).collect()),
        "title" => string_fn(values, |s| {
            // Go's strings.Title: a letter after a separator is upper-cased; letters, digits
            // and `_` are not separators, nor is non-ASCII punctuation.
            let mut out = String::with_capacity(s.len());
            let mut after_separator = true;
            for c in s.chars() {
                out.push(if after_separator { title_case(c) } else { c });
                after_separator = is_title_separator(c);
            }
            out
        }),
        "strrev" => string_fn(values, |s| s.graphemes(true).rev().collect()),
        "trimspace" => string_fn(values, |s| s.trim().to_owned()),
        "indent" => {
            // Every line but the first gets the spaces (the first follows what comes before).
            let [spaces, value] = exactly(values)?;
            let spaces = whole_number(&spaces, "the number of spaces")?;
            let pad = " ".repeat(spaces.clamp(0, 1024) as usize);
            text(string_arg(&value, "the string")?.replace('\n', &format!("\n{pad}")))
        }
        "urlencode" => string_fn(values, |s| {
            // Go's url.QueryEscape: unreserved characters stay, a space is `+`, the rest
            // `%XX` per UTF-8 byte.
            let mut out = String::with_capacity(s.len());
            for byte in s.bytes() {
                match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        out.push(char::from(byte));
                    }
                    b' ' => out.push('+'),
                    other => out.push_str(&format!("%{other:02X}")),
                }
            }
            out
        }),
        "basename" => string_fn(values, |s| go_base(s).to_owned()),
        "dirname" => string_fn(values, go_dir),
        "regex" | "regexall" => {
            let [pattern, value] = exactly(values)?;
            let pattern = string_arg(&pattern, "the pattern")?;
            let value = string_arg(&value, "the string")?;
            let regex = regex::Regex::new(&pattern)
                .map_err(|error| format!("invalid regular expression: {error}"))?;
            let matches: Vec<Value> = regex
                .captures_iter(&value)
                .map(|captures| regex_match(&regex, &captures))
                .collect();
            if name == "regexall" {
                return Ok(Value::List(matches));
            }
            matches
                .into_iter()
                .next()
                .ok_or_else(|| "the pattern did not match any part of the string".to_owned())
        }
        "chomp" => string_fn(values, |s| s.trim_end_matches(['\n', '\r']).to_owned()),
        "trimprefix" => {
            let [value, prefix] = exactly(values)?;
            let value = string_arg(&value, "the string")?;
            let prefix = string_arg(&prefix, "the prefix")?;
            text(
                value
                    .strip_prefix(prefix.as_str())
                    .unwrap_or(&value)
                    .to_owned(),
            )
        }
        "trimsuffix" => {
            let [value, suffix] = exactly(values)?;
            let value = string_arg(&value, "the string")?;
            let suffix = string_arg(&suffix, "the suffix")?;
            text(
                value
                    .strip_suffix(suffix.as_str())
                    .unwrap_or(&value)
                    .to_owned(),
            )
        }
        "trim" => {
            let [value, cutset] = exactly(values)?;
            let value = string_arg(&value, "the string")?;
            let cutset: Vec<char> = string_arg(&cutset, "the characters")?.chars().collect();
            text(value.trim_matches(|c| cutset.contains(&c)).to_owned())
        }
        "substr" => {
            // Offsets and lengths count grapheme clusters (`"👍🏽"` is one), as Terraform does.
            let [value, offset, length] = exactly(values)?;
            let value = string_arg(&value, "the string")?;
            let graphemes: Vec<&str> = value.graphemes(true).collect();
            let total = graphemes.len() as i64;
            let mut offset = whole_number(&offset, "the offset")?;
            let length = whole_number(&length, "the length")?;
            if offset < 0 {
                offset = (offset + total).max(0);
            }
            if offset >= total {
                return text(String::new());
            }
            let end = if length < 0 {
                total
            } else {
                offset.saturating_add(length).min(total)
            };
            text(
                graphemes
                    .get(offset as usize..end.max(offset) as usize)
                    .unwrap_or_default()
                    .concat(),
            )
        }
        "startswith" | "endswith" | "strcontains" => {
            let [value, part] = exactly(values)?;
            let value = string_arg(&value, "the string")?;
            let part = string_arg(&part, "the second argument")?;
            Ok(Value::Bool(match name {
                "startswith" => value.starts_with(&part),
                "endswith" => value.ends_with(&part),
                _ => value.contains(&part),
            }))
        }
        "contains" => {
            let [list, item] = exactly(values)?;
            let list = list_arg(list, "the first argument")?;
            if item == Value::Null {
                return Err("the value to look for must not be null".to_owned());
            }
            Ok(Value::Bool(list.contains(&item)))
        }
        "index" => {
            let [list, item] = exactly(values)?;
            let list = list_arg(list, "the first argument")?;
            list.iter()
                .position(|candidate| *candidate == item)
                .map(|position| Value::Number(position as f64))
                .ok_or_else(|| "the item is not in the list".to_owned())
        }
        "length" => {
            let [value] = exactly(values)?;
            Ok(Value::Number(match &value {
                Value::String(text) => text.graphemes(true).count() as f64,
                Value::List(items) => items.len() as f64,
                Value::Object(map) => map.len() as f64,
                other => return Err(format!("cannot take the length of a {}", other.type_name())),
            }))
        }
        "keys" => {
            let [value] = exactly(values)?;
            let map = object_arg(value, "the argument")?;
            Ok(Value::List(map.into_keys().map(Value::String).collect()))
        }
        "values" => {
            let [value] = exactly(values)?;
            let map = object_arg(value, "the argument")?;
            Ok(Value::List(map.into_values().collect()))
        }
        "one" => {
            let [list] = exactly(values)?;
            let mut items = list_arg(list, "the argument")?;
            match items.len() {
                0 => Ok(Value::Null),
                1 => Ok(items.swap_remove(0)),
                count => Err(format!(
                    "must be a list of at most one element, not {count}"
                )),
            }
        }
        "sum" => {
            let [list] = exactly(values)?;
            let items = list_arg(list, "the argument")?;
            if items.is_empty() {
                return Err("cannot sum an empty list".to_owned());
            }
            let mut total = 0.0;
            for item in &items {
                total += number_arg(item, "each element")?;
            }
            Ok(Value::Number(total))
        }
        "alltrue" | "anytrue" => {
            let [list] = exactly(values)?;
            let mut flags = Vec::new();
            for item in list_arg(list, "the argument")? {
                flags.push(to_bool(&item).ok_or_else(|| {
                    format!("each element must be a bool, not {}", describe(&item))
                })?);
            }
            Ok(Value::Bool(if name == "alltrue" {
                flags.iter().all(|flag| *flag)
            } else {
                flags.iter().any(|flag| *flag)
            }))
        }
        "chunklist" => {
            let [list, size] = exactly(values)?;
            let items = list_arg(list, "the first argument")?;
            let size = whole_number(&size, "the chunk size")?;
            if size < 0 {
                return Err("the chunk size must not be negative".to_owned());
            }
            if size == 0 {
                return Ok(Value::List(vec![Value::List(items)]));
            }
            Ok(Value::List(
                items
                    .chunks(size as usize)
                    .map(|chunk| Value::List(chunk.to_vec()))
                    .collect(),
            ))
        }
        "setintersection" | "setsubtract" => {
            let mut sets = values.into_iter();
            let first = unify(list_arg(
                sets.next().ok_or("takes at least 1 argument")?,
                "each argument",
            )?)?;
            let others = sets
                .map(|set| list_arg(set, "each argument").and_then(unify))
                .collect::<Fallible<Vec<Vec<Value>>>>()?;
            if name == "setsubtract" && others.len() != 1 {
                return Err("takes 2 arguments".to_owned());
            }
            let mut out: Vec<Value> = Vec::new();
            for item in first {
                let in_others = others.iter().all(|other| other.contains(&item));
                let keep = if name == "setintersection" {
                    in_others
                } else {
                    !others.iter().any(|other| other.contains(&item))
                };
                if keep && !out.contains(&item) {
                    out.push(item);
                }
            }
            Ok(Value::List(sort_set(out)))
        }
        "matchkeys" => {
            let [items, keys, search] = exactly(values)?;
            let items = list_arg(items, "the values")?;
            let keys = list_arg(keys, "the keys")?;
            let search = list_arg(search, "the search set")?;
            if items.len() != keys.len() {
                return Err("the values and keys lists must have the same length".to_owned());
            }
            Ok(Value::List(
                items
                    .into_iter()
                    .zip(keys)
                    .filter(|(_, key)| search.contains(key))
                    .map(|(item, _)| item)
                    .collect(),
            ))
        }
        "transpose" => {
            let [map] = exactly(values)?;
            let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (key, list) in object_arg(map, "the argument")? {
                for item in list_arg(list, "each value")? {
                    out.entry(string_arg(&item, "each element")?)
                        .or_default()
                        .push(Value::String(key.clone()));
                }
            }
            Ok(Value::Object(
                out.into_iter()
                    .map(|(key, keys)| (key, Value::List(keys)))
                    .collect(),
            ))
        }
        "zipmap" => {
            let [keys, values] = exactly(values)?;
            let keys = list_arg(keys, "the keys")?;
            let values = list_arg(values, "the values")?;
            if keys.len() != values.len() {
                return Err(format!(
                    "the lists of keys and values must have the same length ({} and {})",
                    keys.len(),
                    values.len()
                ));
            }
            let mut map = BTreeMap::new();
            for (key, value) in keys.iter().zip(values) {
                map.insert(string_arg(key, "each key")?, value);
            }
            Ok(Value::Object(map))
        }
        "element" => {
            let [list, index] = exactly(values)?;
            let list = list_arg(list, "the first argument")?;
            if list.is_empty() {
                return Err("cannot use element on an empty list".to_owned());
            }
            let index = number_arg(&index, "the index")?;
            if index < 0.0 {
                return Err("the index must not be negative".to_owned());
            }
            if index.fract() != 0.0 {
                return Err(format!("the index must be a whole number, not {index}"));
            }
            let position = (index as usize) % list.len();
            list.into_iter()
                .nth(position)
                .ok_or_else(|| "index out of range".to_owned())
        }
        "slice" => {
            let [list, start, end] = exactly(values)?;
            let list = list_arg(list, "the first argument")?;
            let start = number_arg(&start, "the start index")? as usize;
            let end = number_arg(&end, "the end index")? as usize;
            if start > end || end > list.len() {
                return Err(format!(
                    "indexes {start}..{end} are out of range for a list of {}",
                    list.len()
                ));
            }
            Ok(Value::List(
                list.get(start..end).unwrap_or_default().to_vec(),
            ))
        }
        "reverse" => {
            let [list] = exactly(values)?;
            let mut list = list_arg(list, "the argument")?;
            list.reverse();
            Ok(Value::List(list))
        }
        "sort" => {
            let [list] = exactly(values)?;
            let mut strings = Vec::new();
            for item in list_arg(list, "the argument")? {
                strings.push(string_arg(&item, "each element")?);
            }
            strings.sort();
            Ok(Value::List(
                strings.into_iter().map(Value::String).collect(),
            ))
        }
        "range" => {
            let numbers = values
                .iter()
                .map(|value| number_arg(value, "each argument"))
                .collect::<Fallible<Vec<f64>>>()?;
            let (start, limit, step) = match numbers.as_slice() {
                [limit] => (0.0, *limit, 1.0),
                [start, limit] => (*start, *limit, if start <= limit { 1.0 } else { -1.0 }),
                [start, limit, step] => (*start, *limit, *step),
                _ => return Err("takes 1 to 3 arguments".to_owned()),
            };
            if step == 0.0 {
                return Err("the step must not be zero".to_owned());
            }
            if (start < limit && step < 0.0) || (start > limit && step > 0.0) {
                return Err(format!(
                    "a step of {} cannot go from {} to {}",
                    format_number(step),
                    format_number(start),
                    format_number(limit)
                ));
            }
            let mut out = Vec::new();
            let mut current = start;
            while (step > 0.0 && current < limit) || (step < 0.0 && current > limit) {
                if out.len() >= 1024 {
                    return Err("more than 1024 elements".to_owned());
                }
                out.push(Value::Number(current));
                current += step;
            }
            Ok(Value::List(out))
        }
        "coalesce" => {
            // The arguments are first converted to one type: `coalesce(1, "b")` is `"1"`.
            for value in unify(values)? {
                match value {
                    Value::Null => {}
                    Value::String(text) if text.is_empty() => {}
                    other => return Ok(other),
                }
            }
            Err("no non-null, non-empty argument".to_owned())
        }
        "coalescelist" => {
            for value in values {
                match value {
                    Value::List(items) if items.is_empty() => {}
                    Value::List(items) => return Ok(Value::List(items)),
                    Value::Null => {}
                    other => {
                        return Err(format!(
                            "each argument must be a list, not {}",
                            other.type_name()
                        ));
                    }
                }
            }
            Err("no non-empty list argument".to_owned())
        }
        "compact" => {
            let [list] = exactly(values)?;
            let mut out = Vec::new();
            for item in list_arg(list, "the argument")? {
                match item {
                    Value::Null => {}
                    Value::String(text) if text.is_empty() => {}
                    other => out.push(Value::String(string_arg(&other, "each element")?)),
                }
            }
            Ok(Value::List(out))
        }
        "setunion" => {
            let mut all = Vec::new();
            for value in values {
                all.extend(list_arg(value, "each argument")?);
            }
            // The sets take one element type first: `setunion(["a"], [1])` is `["1", "a"]`.
            let mut out: Vec<Value> = Vec::new();
            for item in unify(all)? {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            Ok(Value::List(sort_set(out)))
        }
        "tostring" => {
            let [value] = exactly(values)?;
            match value {
                Value::Null => Ok(Value::Null),
                other => other
                    .to_template_string()
                    .map(Value::String)
                    .ok_or_else(|| format!("cannot convert a {} to a string", other.type_name())),
            }
        }
        "tonumber" => {
            let [value] = exactly(values)?;
            match value {
                Value::Null => Ok(Value::Null),
                // Unlike the operators' conversion, no surrounding spaces are allowed.
                Value::String(text) if text.trim() != text => {
                    Err(format!("cannot convert {text:?} to a number"))
                }
                other => to_number(&other)
                    .map(Value::Number)
                    .ok_or_else(|| format!("cannot convert {} to a number", describe(&other))),
            }
        }
        "tobool" => {
            let [value] = exactly(values)?;
            match value {
                Value::Null => Ok(Value::Null),
                other => to_bool(&other)
                    .map(Value::Bool)
                    .ok_or_else(|| format!("cannot convert {} to a bool", describe(&other))),
            }
        }
        "tolist" => {
            let [value] = exactly(values)?;
            match value {
                Value::List(items) => unify(items).map(Value::List),
                Value::Null => Ok(Value::Null),
                Value::Unknown(unknown) => Ok(Value::Unknown(unknown)),
                other => Err(format!("cannot convert a {} to a list", other.type_name())),
            }
        }
        "toset" => {
            let [value] = exactly(values)?;
            match value {
                Value::List(items) => {
                    let mut out: Vec<Value> = Vec::new();
                    for item in unify(items)? {
                        if !out.contains(&item) {
                            out.push(item);
                        }
                    }
                    Ok(Value::List(sort_set(out)))
                }
                Value::Null => Ok(Value::Null),
                Value::Unknown(unknown) => Ok(Value::Unknown(unknown)),
                other => Err(format!("cannot convert a {} to a set", other.type_name())),
            }
        }
        "tomap" => {
            let [value] = exactly(values)?;
            match value {
                Value::Object(map) => {
                    let (keys, items): (Vec<String>, Vec<Value>) = map.into_iter().unzip();
                    Ok(Value::Object(keys.into_iter().zip(unify(items)?).collect()))
                }
                Value::Null => Ok(Value::Null),
                Value::Unknown(unknown) => Ok(Value::Unknown(unknown)),
                other => Err(format!("cannot convert a {} to a map", other.type_name())),
            }
        }
        "base64encode" => {
            let [value] = exactly(values)?;
            text(base64_encode(
                string_arg(&value, "the argument")?.as_bytes(),
            ))
        }
        "base64decode" => {
            let [value] = exactly(values)?;
            let bytes = base64_decode(&string_arg(&value, "the argument")?)
                .ok_or("the argument is not valid base64")?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| "the decoded bytes are not valid UTF-8".to_owned())
        }
        "parseint" => {
            let [value, base] = exactly(values)?;
            let value = string_arg(&value, "the string")?;
            let base = whole_number(&base, "the base")?;
            parse_int(&value, base).map(Value::Number)
        }
        "abs" => number_fn(values, f64::abs),
        "signum" => {
            let [value] = exactly(values)?;
            let number = whole_number(&value, "the argument")?;
            Ok(Value::Number(number.signum() as f64))
        }
        "pow" => {
            let [base, exponent] = exactly(values)?;
            Ok(Value::Number(
                number_arg(&base, "the base")?.powf(number_arg(&exponent, "the exponent")?),
            ))
        }
        "log" => {
            let [number, base] = exactly(values)?;
            Ok(Value::Number(
                number_arg(&number, "the number")?.log(number_arg(&base, "the base")?),
            ))
        }
        "ceil" => number_fn(values, f64::ceil),
        "floor" => number_fn(values, f64::floor),
        "max" | "min" => {
            let numbers = values
                .iter()
                .map(|value| number_arg(value, "each argument"))
                .collect::<Fallible<Vec<f64>>>()?;
            let picked = if name == "max" {
                numbers.into_iter().reduce(f64::max)
            } else {
                numbers.into_iter().reduce(f64::min)
            };
            picked
                .map(Value::Number)
                .ok_or_else(|| "takes at least 1 argument".to_owned())
        }
        "fileexists" => {
            let [path] = exactly(values)?;
            let path = string_arg(&path, "the path")?;
            match read_module_file(scope, &path) {
                Ok(_) => Ok(Value::Bool(true)),
                Err(error) if error.contains("outside the module tree") => Err(error),
                Err(_) if scope.context.root_dir().join(&path).is_dir() => {
                    Err(format!("{path:?} is a directory, not a file"))
                }
                Err(_) => Ok(Value::Bool(false)),
            }
        }
        // parity does not track sensitivity: a secret is redacted by its type and name.
        "sensitive" | "nonsensitive" => {
            let [value] = exactly(values)?;
            Ok(value)
        }
        "setproduct" => {
            if values.len() < 2 {
                return Err("takes at least 2 arguments".to_owned());
            }
            let mut product: Vec<Vec<Value>> = vec![Vec::new()];
            for set in values {
                let items = list_arg(set, "each argument")?;
                let mut next = Vec::with_capacity(product.len().saturating_mul(items.len()));
                for prefix in &product {
                    for item in &items {
                        if next.len() >= 100_000 {
                            return Err("the product has more than 100000 elements".to_owned());
                        }
                        let mut combination = prefix.clone();
                        combination.push(item.clone());
                        next.push(combination);
                    }
                }
                product = next;
            }
            Ok(Value::List(product.into_iter().map(Value::List).collect()))
        }
        "cidrhost" => {
            let [prefix, host] = exactly(values)?;
            let network = Cidr::parse(&string_arg(&prefix, "the prefix")?)?;
            let host = whole_number(&host, "the host number")?;
            network.host(host).map(Value::String)
        }
        "cidrnetmask" => {
            let [prefix] = exactly(values)?;
            let network = Cidr::parse(&string_arg(&prefix, "the prefix")?)?;
            network.netmask().map(Value::String)
        }
        "cidrsubnet" => {
            let [prefix, newbits, netnum] = exactly(values)?;
            let network = Cidr::parse(&string_arg(&prefix, "the prefix")?)?;
            let newbits = whole_number(&newbits, "the number of new bits")?;
            let netnum = whole_number(&netnum, "the network number")?;
            network
                .subnet(newbits, netnum)
                .map(|subnet| Value::String(subnet.to_string()))
        }
        "cidrsubnets" => {
            let mut values = values.into_iter();
            let prefix = values.next().ok_or("takes at least 1 argument")?;
            let network = Cidr::parse(&string_arg(&prefix, "the prefix")?)?;
            let lengths = values
                .map(|value| whole_number(&value, "each number of new bits"))
                .collect::<Fallible<Vec<i64>>>()?;
            network.subnets(&lengths).map(|subnets| {
                Value::List(
                    subnets
                        .into_iter()
                        .map(|subnet| Value::String(subnet.to_string()))
                        .collect(),
                )
            })
        }
        "file" => {
            let [path] = exactly(values)?;
            let path = string_arg(&path, "the path")?;
            let (_, contents) = read_module_file(scope, &path)?;
            text(contents)
        }
        "templatefile" => {
            let [path, vars] = exactly(values)?;
            let path = string_arg(&path, "the path")?;
            let vars = object_arg(vars, "the variables")?;
            let (resolved, contents) = read_module_file(scope, &path)?;
            let template = hcl::edit::parser::parse_template(&contents).map_err(|error| {
                format!(
                    "{}:{}:{}: template does not parse: {}",
                    resolved.display(),
                    error.location().line(),
                    error.location().column(),
                    error.message()
                )
            })?;
            let file = SourceFile::new(ArcStr::from(resolved.display().to_string()), &contents);
            let mut inner = Scope::new(scope.context, &file);
            inner.bindings = vars.into_iter().collect();
            // Rendered as a heredoc is: a template file takes no backslash escapes and is read
            // line by line (see `heredoc.rs`).
            let expression = Expression::from(hcl::edit::template::HeredocTemplate::new(
                hcl::edit::Ident::new("EOT"),
                crate::heredoc::settle(template, false),
            ));
            inner
                .eval(&expression)
                .map(|value| match value {
                    Value::Number(_) | Value::Bool(_) => {
                        Value::String(value.to_template_string().unwrap_or_default())
                    }
                    other => other,
                })
                .map_err(|error| format!("{}: {}", error.origin, error.message))
        }
        other => {
            let _ = (origin, arg_origin);
            Err(format!("function `{other}` is not implemented"))
        }
    }
}

/// Converts values to one type, as Terraform does for the elements of a list, set or map and
/// for the arguments of `coalesce`: primitives of different types become strings (`[1, "a"]` as
/// a list is `["1", "a"]`), but a number and a bool have no common type; collections are
/// unified element by element. Nulls and unknowns fit any type.
pub(crate) fn unify(values: Vec<Value>) -> Fallible<Vec<Value>> {
    let mut kinds = [false; 5];
    for value in &values {
        let kind = match value {
            Value::String(_) => 0,
            Value::Number(_) => 1,
            Value::Bool(_) => 2,
            Value::List(_) => 3,
            Value::Object(_) => 4,
            Value::Null | Value::Unknown(_) => continue,
        };
        if let Some(seen) = kinds.get_mut(kind) {
            *seen = true;
        }
    }
    let [string, number, boolean, list, object] = kinds;
    let primitive = string || number || boolean;
    if (primitive && (list || object)) || (list && object) {
        return Err("all values must have the same type".to_owned());
    }
    if number && boolean && !string {
        return Err(
            "all values must have the same type (a number and a bool have none)".to_owned(),
        );
    }
    if string && (number || boolean) {
        return Ok(values
            .into_iter()
            .map(|value| match value.to_template_string() {
                Some(text) => Value::String(text),
                None => value,
            })
            .collect());
    }
    if list {
        // Every element of every list, unified together, then put back in place.
        let lengths: Vec<usize> = values
            .iter()
            .map(|value| match value {
                Value::List(items) => items.len(),
                _ => 0,
            })
            .collect();
        let mut shapes = Vec::with_capacity(values.len());
        let mut elements = Vec::new();
        for value in values {
            match value {
                Value::List(items) => {
                    shapes.push(None);
                    elements.extend(items);
                }
                other => shapes.push(Some(other)),
            }
        }
        let mut elements = unify(elements)?.into_iter();
        return Ok(shapes
            .into_iter()
            .zip(lengths)
            .map(|(shape, length)| match shape {
                Some(other) => other,
                None => Value::List(elements.by_ref().take(length).collect()),
            })
            .collect());
    }
    if object {
        // Attribute by attribute: `[{a = 1}, {a = "x"}]` as a set is `[{a = "1"}, {a = "x"}]`.
        let mut attributes: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for value in &values {
            if let Value::Object(map) = value {
                for (key, item) in map {
                    attributes
                        .entry(key.clone())
                        .or_default()
                        .push(item.clone());
                }
            }
        }
        let mut unified: BTreeMap<String, std::vec::IntoIter<Value>> = BTreeMap::new();
        for (key, items) in attributes {
            unified.insert(key, unify(items)?.into_iter());
        }
        return Ok(values
            .into_iter()
            .map(|value| match value {
                Value::Object(map) => Value::Object(
                    map.into_keys()
                        .map(|key| {
                            let item = unified
                                .get_mut(&key)
                                .and_then(Iterator::next)
                                .unwrap_or(Value::Null);
                            (key, item)
                        })
                        .collect(),
                ),
                other => other,
            })
            .collect());
    }
    Ok(values)
}

/// `chosen` converted to the type it shares with `other` (the result a conditional did not
/// pick; `None` when it fails to evaluate, which leaves `chosen` as it is).
pub(crate) fn unify_with(chosen: Value, other: Option<Value>) -> Fallible<Value> {
    let Some(other) = other else {
        return Ok(chosen);
    };
    let mut unified = unify(vec![chosen, other]).map_err(|_| {
        "the true and false results of a conditional must have consistent types".to_owned()
    })?;
    Ok(unified.swap_remove(0))
}

/// Whether a value holds an infinite or NaN number (`1 / 0`, YAML's `.inf`), which JSON cannot
/// hold.
fn has_non_finite_number(value: &Value) -> bool {
    match value {
        Value::Number(number) => !number.is_finite(),
        Value::List(items) => items.iter().any(has_non_finite_number),
        Value::Object(map) => map.values().any(has_non_finite_number),
        _ => false,
    }
}

/// Go's `unicode.ToUpper`: one character to one character; a character whose upper case is
/// several characters (`ß`) stays as it is.
fn simple_uppercase(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// Go's `unicode.ToLower`: one character to one character, with no final-sigma rule (`ΣΑΣ` is
/// `σασ`); `İ`, whose full lower case is `i` and a combining dot, becomes `i`.
fn simple_lowercase(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Go's `unicode.ToTitle`: the upper case, except for the four digraphs that have a title case
/// of their own (`ǆ` is `ǅ`, not `Ǆ`).
fn title_case(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        other => simple_uppercase(other),
    }
}

/// Go's `strings.Title` word separators.
fn is_title_separator(c: char) -> bool {
    if c.is_ascii() {
        !(c.is_ascii_alphanumeric() || c == '_')
    } else if c.is_alphanumeric() {
        false
    } else {
        c.is_whitespace()
    }
}

/// `parseint`: digits `0-9`, then `a-z` (either case up to base 36), then `A-Z` above 36, with
/// an optional sign, as Go's `big.Int.SetString` reads them.
fn parse_int(text: &str, base: i64) -> Fallible<f64> {
    if !(2..=62).contains(&base) {
        return Err(format!("the base must be between 2 and 62, not {base}"));
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() {
        return Err(format!("cannot parse {text:?} as a base {base} integer"));
    }
    let mut number = 0f64;
    for c in digits.chars() {
        let digit = match c {
            '0'..='9' => c as i64 - '0' as i64,
            'a'..='z' => c as i64 - 'a' as i64 + 10,
            'A'..='Z' if base <= 36 => c as i64 - 'A' as i64 + 10,
            'A'..='Z' => c as i64 - 'A' as i64 + 36,
            _ => i64::MAX,
        };
        if digit >= base {
            return Err(format!("cannot parse {text:?} as a base {base} integer"));
        }
        number = number * base as f64 + digit as f64;
    }
    Ok(if negative { -number } else { number })
}

/// One match of `regex`: the matched text without capture groups, a map of named groups, or a
/// list of the unnamed ones (an unmatched group is null).
fn regex_match(regex: &regex::Regex, captures: &regex::Captures<'_>) -> Value {
    let group = |index: usize| {
        captures.get(index).map_or(Value::Null, |found| {
            Value::String(found.as_str().to_owned())
        })
    };
    let names: Vec<Option<&str>> = regex.capture_names().skip(1).collect();
    if names.is_empty() {
        return group(0);
    }
    if names.iter().any(Option::is_some) {
        return Value::Object(
            names
                .iter()
                .enumerate()
                .filter_map(|(index, name)| name.map(|name| (name.to_owned(), group(index + 1))))
                .collect(),
        );
    }
    Value::List((1..=names.len()).map(group).collect())
}

/// An IPv4 or IPv6 network in CIDR notation, as Terraform's `cidr*` functions read it: the
/// address is masked to its network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    network: u128,
    prefix: u32,
    /// 32 or 128.
    width: u32,
}

impl Cidr {
    fn parse(text: &str) -> Fallible<Cidr> {
        let invalid = || format!("invalid CIDR address {text:?}");
        let (address, prefix) = text.split_once('/').ok_or_else(invalid)?;
        let prefix: u32 = prefix
            .parse()
            .ok()
            .filter(|_| prefix.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(invalid)?;
        let (address, width) = match address.parse::<std::net::IpAddr>().map_err(|_| invalid())? {
            std::net::IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            std::net::IpAddr::V6(v6) => (u128::from(v6), 128),
        };
        if prefix > width {
            return Err(invalid());
        }
        let cidr = Cidr {
            network: 0,
            prefix,
            width,
        };
        Ok(Cidr {
            network: address & cidr.mask(prefix),
            ..cidr
        })
    }

    /// The mask of a prefix length, in the low `width` bits.
    fn mask(self, prefix: u32) -> u128 {
        let all = self.all_ones();
        let host_bits = self.width - prefix.min(self.width);
        if host_bits >= 128 {
            0
        } else {
            all & !((1u128 << host_bits) - 1)
        }
    }

    fn all_ones(self) -> u128 {
        if self.width >= 128 {
            u128::MAX
        } else {
            (1u128 << self.width) - 1
        }
    }

    /// The last address of the network.
    fn last(self) -> u128 {
        self.network | (self.all_ones() & !self.mask(self.prefix))
    }

    fn address(self, value: u128) -> String {
        if self.width == 32 {
            std::net::Ipv4Addr::from(value as u32).to_string()
        } else {
            std::net::Ipv6Addr::from(value).to_string()
        }
    }

    fn host(self, host: i64) -> Fallible<String> {
        let host_bits = self.width - self.prefix;
        let largest = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let number = if host < 0 {
            // -1 is the last address, -2 the one before.
            let back = u128::from(host.unsigned_abs() - 1);
            largest.checked_sub(back)
        } else {
            Some(host as u128).filter(|number| *number <= largest)
        };
        let number = number.ok_or_else(|| {
            format!(
                "prefix of {} does not accommodate a host numbered {host}",
                self.prefix
            )
        })?;
        Ok(self.address(self.network | number))
    }

    fn netmask(self) -> Fallible<String> {
        if self.width != 32 {
            return Err("only IPv4 networks have a netmask".to_owned());
        }
        Ok(self.address(self.mask(self.prefix)))
    }

    fn subnet(self, newbits: i64, netnum: i64) -> Fallible<Cidr> {
        if newbits < 0 {
            return Err("the number of new bits must not be negative".to_owned());
        }
        if netnum < 0 {
            return Err(format!(
                "a network number must not be negative, not {netnum}"
            ));
        }
        let prefix = i64::from(self.prefix) + newbits;
        if prefix > i64::from(self.width) {
            return Err(format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                self.prefix
            ));
        }
        let prefix = prefix as u32;
        if newbits < 64 && (netnum as u64) >> newbits != 0 {
            return Err(format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            ));
        }
        let shift = self.width - prefix;
        let number = if shift >= 128 {
            0
        } else {
            (netnum as u128) << shift
        };
        Ok(Cidr {
            network: self.network | number,
            prefix,
            ..self
        })
    }

    /// Consecutive subnets of the given prefix extensions, each after the previous one, as
    /// Terraform's `cidrsubnets` allocates them.
    fn subnets(self, extensions: &[i64]) -> Fallible<Vec<Cidr>> {
        let Some(first) = extensions.first() else {
            return Ok(Vec::new());
        };
        let within = |extension: i64| -> Fallible<u32> {
            if extension < 1 {
                return Err("each prefix extension must be at least 1 bit".to_owned());
            }
            let prefix = i64::from(self.prefix) + extension;
            if prefix > i64::from(self.width) {
                return Err(format!(
                    "would extend prefix to {prefix} bits, which is too long for an IPv{} address",
                    if self.width == 32 { 4 } else { 6 }
                ));
            }
            Ok(prefix as u32)
        };
        // The subnet just before the network, at the first size: the first allocation then
        // starts at the network's own address.
        let first_prefix = within(*first)?;
        let mut current = Cidr {
            network: self.network.wrapping_sub(1) & self.mask(first_prefix),
            prefix: first_prefix,
            ..self
        };
        let mut out = Vec::with_capacity(extensions.len());
        for &extension in extensions {
            let prefix = within(extension)?;
            let containing = Cidr {
                network: current.last() & self.mask(prefix),
                prefix,
                ..self
            };
            let start = containing.last().wrapping_add(1) & self.all_ones();
            let next = Cidr {
                network: start & self.mask(prefix),
                prefix,
                ..self
            };
            if start == 0 || next.network & self.mask(self.prefix) != self.network {
                return Err(format!(
                    "not enough remaining address space for a subnet with a prefix of {prefix} bits after {current}"
                ));
            }
            out.push(next);
            current = next;
        }
        Ok(out)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address(self.network), self.prefix)
    }
}

/// Go's `filepath.Base`: the last element, trailing slashes removed; `.` for an empty path.
fn go_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Go's `filepath.Dir`: everything before the last element, cleaned; `.` when there is none.
fn go_dir(path: &str) -> String {
    let dir = match path.rfind('/') {
        Some(at) => path.get(..=at).unwrap_or_default(),
        None => "",
    };
    go_clean(dir)
}

/// Go's `filepath.Clean` for slash-separated paths.
fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// A number argument that must be whole (an offset, a length).
fn whole_number(value: &Value, what: &str) -> Fallible<i64> {
    let number = number_arg(value, what)?;
    if number.fract() != 0.0 {
        return Err(format!("{what} must be a whole number, not {number}"));
    }
    Ok(number as i64)
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        other => format!("a {}", other.type_name()),
    }
}

fn string_fn(values: Vec<Value>, f: impl Fn(&str) -> String) -> Fallible<Value> {
    let [value] = exactly(values)?;
    Ok(Value::String(f(&string_arg(&value, "the argument")?)))
}

fn number_fn(values: Vec<Value>, f: impl Fn(f64) -> f64) -> Fallible<Value> {
    let [value] = exactly(values)?;
    Ok(Value::Number(f(number_arg(&value, "the argument")?)))
}

/// Terraform's sets of strings iterate in lexical order; other element types keep their order.
fn sort_set(mut items: Vec<Value>) -> Vec<Value> {
    if items.iter().all(|item| matches!(item, Value::String(_))) {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    } else if items.iter().all(|item| matches!(item, Value::Number(_))) {
        items.sort_by(|a, b| {
            to_number(a)
                .partial_cmp(&to_number(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    items
}

fn flatten_into(items: Vec<Value>, out: &mut Vec<Value>, depth: usize) -> Fallible<()> {
    if depth > 64 {
        return Err("lists nested too deeply".to_owned());
    }
    for item in items {
        match item {
            Value::List(nested) => flatten_into(nested, out, depth + 1)?,
            other => out.push(other),
        }
    }
    Ok(())
}

/// Go's `%e`, `%E`, `%g` and `%G` (precision 6 for `%e`, shortest for `%g`; an exponent of at
/// least two digits with its sign, `1.234500e+03`).
fn go_float(number: f64, verb: char, precision: Option<usize>) -> String {
    let scientific = |digits: usize| {
        // Rust writes `1.2345e3`: split off the exponent and write it the Go way.
        let text = format!("{number:.digits$e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    };
    let text = match verb {
        'e' | 'E' => scientific(precision.unwrap_or(6)),
        _ => {
            // Shortest digits that round-trip, in exponent form when the exponent is below -4
            // or at least the precision (21 digits when none is given, as Go's %g does for
            // the shortest form of a float64 up to 1e21).
            let shortest = format!("{number:e}");
            let (mantissa, exponent) = shortest.split_once('e').unwrap_or((shortest.as_str(), "0"));
            let exponent: i32 = exponent.parse().unwrap_or(0);
            let significant = mantissa.chars().filter(char::is_ascii_digit).count();
            let limit = precision.map_or(21, |p| p.max(1) as i32);
            if let Some(p) = precision {
                let digits = p.max(1);
                if exponent < -4 || exponent >= limit {
                    let text = scientific(digits - 1);
                    trim_go_zeros(&text)
                } else {
                    let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
                    trim_go_zeros(&format!("{number:.decimals$}"))
                }
            } else if exponent < -4 || exponent >= limit {
                scientific(significant.saturating_sub(1))
            } else {
                format!("{number}")
            }
        }
    };
    if verb.is_ascii_uppercase() {
        text.to_uppercase()
    } else {
        text
    }
}

/// `%g` with a precision drops trailing zeros of the fraction (`1.50` is `1.5`).
fn trim_go_zeros(text: &str) -> String {
    let (number, exponent) = match text.find('e') {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    format!("{number}{exponent}")
}

/// Turns Go's `$1`/`${1}` replacement syntax into the Rust regex crate's `${1}`.
fn go_replacement(replacement: &str) -> String {
    let mut out = String::with_capacity(replacement.len());
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'$') {
            // `$$` is a literal `$` in both syntaxes.
            chars.next();
            out.push_str("$$");
        } else if c == '$'
            && chars
                .peek()
                .is_some_and(|next| next.is_ascii_alphanumeric() || *next == '_')
        {
            let mut name = String::new();
            while let Some(next) = chars.peek().copied() {
                if next.is_ascii_alphanumeric() || next == '_' {
                    name.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push_str("${");
            out.push_str(&name);
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

/// Terraform's `format` verbs: `%s`, `%d`, `%f` (with precision), `%q`, `%v`, `%t`, `%%`,
/// with width, `-` and `0` flags.
/// `format(spec, args...)` when some arguments are known only after apply: the known text with
/// each unknown argument kept as a part of its own (`format("postgres://%s:5432/shop",
/// aws_db_instance.main.address)` keeps the scheme and port). Each unknown argument is formatted
/// as a marker that no verb may alter; when one does (`%.3s`, `%d`, `%q`), or the format itself is
/// unknown, `None`: the result is unknown as a whole.
fn format_partly_known(values: &[Value]) -> Option<Value> {
    const OPEN: char = '\u{E000}';
    const CLOSE: char = '\u{E001}';
    let (spec, args) = values.split_first()?;
    let spec = spec.as_str()?;
    if !args.iter().any(|arg| matches!(arg, Value::Unknown(_))) || spec.contains([OPEN, CLOSE]) {
        return None;
    }
    // A precision (`%.3s`) could cut an unknown value short: nothing is known then.
    let has_precision = spec.split('%').skip(1).any(|verb| {
        verb.trim_start_matches(|c: char| "-+# 0123456789[]".contains(c))
            .starts_with('.')
    });
    if has_precision {
        return None;
    }
    let mut unknowns = Vec::new();
    let marked: Vec<Value> = args
        .iter()
        .map(|arg| match arg {
            Value::Unknown(unknown) => {
                let marker = format!("{OPEN}{}{CLOSE}", unknowns.len());
                unknowns.push(unknown);
                Value::String(marker)
            }
            other => other.clone(),
        })
        .collect();
    let formatted = format_values(spec, &marked).ok()?;
    let mut parts = Vec::new();
    let mut rest = formatted.as_str();
    while let Some(open) = rest.find(OPEN) {
        let known = rest.get(..open)?;
        if known.contains(CLOSE) {
            return None;
        }
        parts.push(TextPart::Known(known.to_owned()));
        let after = rest.get(open + OPEN.len_utf8()..)?;
        let close = after.find(CLOSE)?;
        let unknown = unknowns.get(after.get(..close)?.parse::<usize>().ok()?)?;
        match &unknown.text {
            Some(inner) => parts.extend(inner.iter().cloned()),
            None => parts.push(TextPart::Unknown(unknown.what.clone())),
        }
        rest = after.get(close + CLOSE.len_utf8()..)?;
    }
    if rest.contains(CLOSE) {
        return None;
    }
    parts.push(TextPart::Known(rest.to_owned()));
    let first = unknowns.first()?;
    Some(Value::Unknown(crate::value::Unknown {
        what: first.what.clone(),
        text: Some(
            parts
                .into_iter()
                .filter(|part| !matches!(part, TextPart::Known(text) if text.is_empty()))
                .collect(),
        ),
        encoded: None,
    }))
}

fn format_values(spec: &str, args: &[Value]) -> Fallible<String> {
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next_arg = 0;
    // With explicit argument numbers, arguments may be used in any order or not at all.
    let mut reordered = false;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut left = false;
        let mut zero = false;
        let mut sharp = false;
        while let Some(flag) = chars.peek().copied() {
            match flag {
                '-' => left = true,
                '0' => zero = true,
                '#' => sharp = true,
                '+' | ' ' => {}
                _ => break,
            }
            chars.next();
        }
        // `%[2]s`: an explicit argument number, which the following verbs continue from.
        if chars.peek() == Some(&'[') {
            chars.next();
            let mut digits = String::new();
            while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                digits.push(digit);
            }
            if chars.next() != Some(']') {
                return Err(format!(
                    "unterminated argument index in the format {spec:?}"
                ));
            }
            reordered = true;
            next_arg = match digits.parse::<usize>() {
                Ok(position) if position >= 1 => position - 1,
                _ => return Err(format!("invalid argument index in the format {spec:?}")),
            };
        }
        let mut width = String::new();
        while let Some(digit) = chars.peek().copied().filter(char::is_ascii_digit) {
            width.push(digit);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(digit) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(digit);
                chars.next();
            }
            precision = Some(digits.parse().unwrap_or(0));
        }
        let verb = chars.next().ok_or("format ends in the middle of a verb")?;
        let arg = args
            .get(next_arg)
            .ok_or_else(|| format!("not enough arguments for the format {spec:?}"))?;
        next_arg += 1;
        let formatted = match verb {
            's' => match arg {
                Value::List(_) | Value::Object(_) => {
                    let mut json = String::new();
                    encode_json(arg, &mut json).map_err(|what| format!("{what} is unknown"))?;
                    json
                }
                Value::Null => return Err("cannot format null with %s".to_owned()),
                other => other.to_template_string().unwrap_or_default(),
            },
            'v' => match arg {
                _ if sharp => {
                    // `%#v` is the JSON form of any value.
                    let mut json = String::new();
                    encode_json(arg, &mut json).map_err(|what| format!("{what} is unknown"))?;
                    json
                }
                Value::List(_) | Value::Object(_) => {
                    let mut json = String::new();
                    encode_json(arg, &mut json).map_err(|what| format!("{what} is unknown"))?;
                    json
                }
                Value::Null => "null".to_owned(),
                other => other.to_template_string().unwrap_or_default(),
            },
            'q' => {
                let mut json = String::new();
                encode_json(
                    &Value::String(string_arg(arg, "the %q argument")?),
                    &mut json,
                )
                .map_err(|what| format!("{what} is unknown"))?;
                json
            }
            'd' => {
                let number = number_arg(arg, "the %d argument")?;
                if number.fract() != 0.0 {
                    return Err(format!(
                        "%d needs a whole number, not {}",
                        format_number(number)
                    ));
                }
                format_number(number)
            }
            'f' => format!(
                "{:.*}",
                precision.unwrap_or(6),
                number_arg(arg, "the %f argument")?
            ),
            'e' | 'E' | 'g' | 'G' => {
                go_float(number_arg(arg, "the number argument")?, verb, precision)
            }
            't' => to_bool(arg)
                .ok_or_else(|| format!("%t needs a bool, not {}", arg.type_name()))?
                .to_string(),
            'x' => format!("{:x}", whole_number(arg, "the %x argument")?),
            'X' => format!("{:X}", whole_number(arg, "the %X argument")?),
            'o' => format!("{:o}", whole_number(arg, "the %o argument")?),
            'b' => format!("{:b}", whole_number(arg, "the %b argument")?),
            other => return Err(format!("unsupported format verb %{other}")),
        };
        // A precision cuts strings for %s only (%v and %q print them whole).
        let formatted = if verb == 's' {
            match precision {
                Some(limit) => formatted.chars().take(limit).collect(),
                None => formatted,
            }
        } else {
            formatted
        };
        let width: usize = width.parse().unwrap_or(0);
        let length = formatted.chars().count();
        if length >= width {
            out.push_str(&formatted);
        } else if left {
            out.push_str(&formatted);
            out.push_str(&" ".repeat(width - length));
        } else if zero && matches!(verb, 'd' | 'f') {
            let (sign, digits) = match formatted.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => ("", formatted.as_str()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(width - length));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(width - length));
            out.push_str(&formatted);
        }
    }
    if next_arg < args.len() && !reordered {
        return Err(format!(
            "too many arguments for the format {spec:?}: {} used, {} given",
            next_arg,
            args.len()
        ));
    }
    Ok(out)
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for position in 0..4 {
            if position <= chunk.len() {
                let index = ((n >> (18 - 6 * position)) & 0x3f) as usize;
                out.push(char::from(
                    BASE64_ALPHABET.get(index).copied().unwrap_or(b'A'),
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = BASE64_ALPHABET.iter().position(|c| *c == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Reads a file for `file`/`templatefile`. Relative paths are resolved against the root module
/// (Terraform resolves them against the working directory, which is the root module's folder);
/// the resolved file must stay inside the root module's tree, so a configuration cannot make
/// parity read `/etc/passwd` or `../../secrets`.
fn read_module_file(scope: &Scope<'_>, path: &str) -> Fallible<(PathBuf, String)> {
    let root = scope.context.root_dir();
    let joined = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        root.join(path)
    };
    let lexical = normalize_lexically(&joined);
    let root_lexical = normalize_lexically(root);
    let outside = || {
        format!(
            "{path:?} is outside the module tree; parity only reads files inside {}",
            root.display()
        )
    };
    // Checked on the path as written first (`../../etc/passwd`), then on the real path, so
    // a symbolic link inside the tree cannot point outside it either.
    if !lexical.starts_with(&root_lexical) {
        return Err(outside());
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root_lexical.clone());
    let canonical = lexical
        .canonicalize()
        .map_err(|error| format!("cannot read {path:?}: {error}"))?;
    if !canonical.starts_with(&canonical_root) {
        return Err(outside());
    }
    let metadata =
        std::fs::metadata(&canonical).map_err(|error| format!("cannot read {path:?}: {error}"))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!("{path:?} is larger than {MAX_FILE_BYTES} bytes"));
    }
    let contents = std::fs::read_to_string(&canonical)
        .map_err(|error| format!("cannot read {path:?}: {error}"))?;
    let shown = lexical
        .strip_prefix(&root_lexical)
        .map(Path::to_path_buf)
        .unwrap_or(lexical);
    Ok((root.join(shown), contents))
}

pub(crate) fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let at_parent = out.components().next_back() == Some(Component::ParentDir);
                if at_parent || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_encode(b"Hello World"), "SGVsbG8gV29ybGQ=");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_decode("SGVsbG8gV29ybGQ=").unwrap(), b"Hello World");
        assert_eq!(base64_decode("not*base64"), None);
    }

    #[test]
    fn format_verbs() {
        let args = [Value::String("api".into()), Value::Number(8.0)];
        assert_eq!(format_values("%s:%03d", &args).unwrap(), "api:008");
        assert_eq!(format_values("%-5s|", &args[..1]).unwrap(), "api  |");
        assert_eq!(
            format_values("%.2f", &[Value::Number(12.345)]).unwrap(),
            "12.35"
        );
        assert_eq!(format_values("%q", &args[..1]).unwrap(), "\"api\"");
        assert_eq!(format_values("100%%", &[]).unwrap(), "100%");
        assert!(format_values("%s %s", &args[..1]).is_err());
    }

    #[test]
    fn format_keeps_the_known_text_around_unknown_arguments() {
        let address = Value::unknown("aws_db_instance.main.address");
        let spec = |text: &str| Value::String(text.to_owned());
        let Some(Value::Unknown(partial)) = format_partly_known(&[
            spec("postgres://%s:%d/%s"),
            address.clone(),
            Value::Number(5432.0),
            spec("shop"),
        ]) else {
            panic!("a partly known string");
        };
        assert_eq!(partial.what, "aws_db_instance.main.address");
        assert_eq!(
            partial.template(),
            "postgres://${aws_db_instance.main.address}:5432/shop"
        );
        // A verb that would alter the unknown part: unknown as a whole.
        assert_eq!(format_partly_known(&[spec("%.3s"), address.clone()]), None);
        assert_eq!(format_partly_known(&[spec("%d"), address.clone()]), None);
        assert_eq!(format_partly_known(&[spec("%s"), spec("known")]), None);
    }

    #[test]
    fn unify_turns_mixed_primitives_into_strings_element_by_element() {
        let number = |n: f64| Value::Number(n);
        let text = |t: &str| Value::String(t.to_owned());
        assert_eq!(
            unify(vec![number(1.0), text("a"), Value::Bool(true), Value::Null]).unwrap(),
            vec![text("1"), text("a"), text("true"), Value::Null]
        );
        assert_eq!(
            unify(vec![
                Value::List(vec![number(1.0)]),
                Value::List(vec![text("a"), number(2.5)])
            ])
            .unwrap(),
            vec![
                Value::List(vec![text("1")]),
                Value::List(vec![text("a"), text("2.5")])
            ]
        );
        assert!(unify(vec![number(1.0), Value::Bool(true)]).is_err());
        assert!(unify(vec![text("a"), Value::List(Vec::new())]).is_err());
        assert_eq!(unify_with(number(1.0), Some(text("a"))).unwrap(), text("1"));
        assert_eq!(unify_with(number(1.0), None).unwrap(), number(1.0));
    }

    #[test]
    fn float_verbs_print_like_go() {
        assert_eq!(go_float(1234.5, 'e', None), "1.234500e+03");
        assert_eq!(go_float(0.000123, 'E', None), "1.230000E-04");
        assert_eq!(go_float(123456.0, 'e', Some(1)), "1.2e+05");
        assert_eq!(go_float(1e21, 'g', None), "1e+21");
        assert_eq!(go_float(0.00001, 'G', None), "1E-05");
        assert_eq!(go_float(100000.0, 'g', None), "100000");
        assert_eq!(go_float(1.23456, 'g', Some(3)), "1.23");
    }

    #[test]
    fn case_mapping_is_one_character_to_one_as_in_go() {
        assert_eq!(simple_uppercase('ß'), 'ß');
        assert_eq!(simple_uppercase('é'), 'É');
        assert_eq!(simple_lowercase('Σ'), 'σ');
        assert_eq!(simple_lowercase('İ'), 'i');
        assert_eq!(title_case('ǆ'), 'ǅ');
        assert!(is_title_separator(' ') && is_title_separator('-'));
        assert!(!is_title_separator('_') && !is_title_separator('—'));
    }

    #[test]
    fn format_takes_explicit_argument_numbers() {
        let args = [Value::String("a".into()), Value::String("b".into())];
        assert_eq!(format_values("%[2]s %[1]s", &args).unwrap(), "b a");
        assert!(format_values("%[3]s", &args).is_err());
        assert_eq!(
            format_values("%#v", &[Value::String("a".into())]).unwrap(),
            "\"a\""
        );
    }

    #[test]
    fn cidr_arithmetic_follows_terraform() {
        let network = Cidr::parse("10.1.2.3/16").unwrap();
        assert_eq!(network.to_string(), "10.1.0.0/16");
        assert_eq!(network.subnet(8, 2).unwrap().to_string(), "10.1.2.0/24");
        assert!(network.subnet(8, 256).is_err());
        assert_eq!(network.host(-1).unwrap(), "10.1.255.255");
        assert_eq!(network.netmask().unwrap(), "255.255.0.0");
        let subnets: Vec<String> = network
            .subnets(&[4, 4, 8, 4])
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            subnets,
            [
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ]
        );
        let v6 = Cidr::parse("fd00:fd12:3456:7890::/56").unwrap();
        assert_eq!(
            v6.subnet(16, 162).unwrap().to_string(),
            "fd00:fd12:3456:7800:a200::/72"
        );
        assert!(v6.netmask().is_err());
        assert!(Cidr::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn a_terraform_function_parity_does_not_compute_is_unknown_and_a_made_up_one_an_error() {
        let evaluate = |text: &str| crate::evaluate_expression(text, Path::new("."));
        assert_eq!(
            evaluate("try(sha256(\"a\"), \"fallback\")"),
            Ok(Value::unknown("sha256(...)"))
        );
        assert_eq!(
            evaluate("try(sha257(\"a\"), \"fallback\")"),
            Ok(Value::String("fallback".into()))
        );
        assert!(
            evaluate("sha257(\"a\")")
                .unwrap_err()
                .contains("call to unknown function `sha257`")
        );
    }

    #[test]
    fn go_replacement_groups_are_braced() {
        assert_eq!(go_replacement("$1-x"), "${1}-x");
        assert_eq!(go_replacement("a$$b"), "a$$b");
    }
}
