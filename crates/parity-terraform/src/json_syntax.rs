//! Terraform's JSON configuration syntax (`.tf.json`), converted to native syntax so one
//! evaluator serves both.
//!
//! JSON strings are templates in Terraform's JSON syntax (`"${var.name}"`), so they become HCL
//! string templates. Nested objects inside a block body become object attributes; the mapping
//! reads a nested block and an object attribute of the same name alike. Positions inside a
//! `.tf.json` file are not kept (diagnostics name the file).

use serde_json::Value as Json;

/// Block types whose JSON form nests labels as object keys, with their number of labels.
const LABELLED_BLOCKS: &[(&str, usize)] = &[
    ("resource", 2),
    ("data", 2),
    ("variable", 1),
    ("output", 1),
    ("module", 1),
    ("provider", 1),
];

/// Converts a `.tf.json` document to HCL text, or (line, column, message) when it is not JSON.
pub(crate) fn to_hcl(text: &str) -> Result<String, (u32, u32, String)> {
    let json: Json = serde_json::from_str(text).map_err(|error| {
        (
            u32::try_from(error.line()).unwrap_or(0),
            u32::try_from(error.column()).unwrap_or(0),
            format!("invalid JSON: {error}"),
        )
    })?;
    let Json::Object(top) = json else {
        return Err((1, 1, "a .tf.json file must hold a JSON object".to_owned()));
    };
    let mut out = String::new();
    for (block_type, content) in &top {
        if block_type == "//" {
            continue;
        }
        let labels = LABELLED_BLOCKS
            .iter()
            .find(|(name, _)| name == block_type)
            .map(|(_, labels)| *labels)
            .unwrap_or(0);
        emit_labelled(block_type, labels, &mut Vec::new(), content, &mut out);
    }
    Ok(out)
}

fn emit_labelled(
    block_type: &str,
    remaining: usize,
    labels: &mut Vec<String>,
    content: &Json,
    out: &mut String,
) {
    if remaining == 0 {
        // A block's body may be written as an array of bodies (several blocks of one kind).
        let bodies: Vec<&Json> = match content {
            Json::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for body in bodies {
            out.push_str(block_type);
            for label in labels.iter() {
                out.push(' ');
                out.push_str(&quote(label));
            }
            out.push_str(" {\n");
            if let Json::Object(map) = body {
                for (key, value) in map {
                    if key == "//" {
                        continue;
                    }
                    out.push_str(&quote_key(key));
                    out.push_str(" = ");
                    out.push_str(&expression(
                        value,
                        block_type == "variable" && key == "type",
                    ));
                    out.push('\n');
                }
            }
            out.push_str("}\n");
        }
        return;
    }
    if let Json::Object(map) = content {
        for (label, nested) in map {
            labels.push(label.clone());
            emit_labelled(block_type, remaining - 1, labels, nested, out);
            labels.pop();
        }
    }
}

fn quote_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_owned()
    } else {
        quote(key)
    }
}

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn expression(value: &Json, is_type: bool) -> String {
    match value {
        Json::Null => "null".to_owned(),
        Json::Bool(flag) => flag.to_string(),
        Json::Number(number) => number.to_string(),
        // A variable's `type` is written as a string holding a type expression.
        Json::String(text) if is_type => text.clone(),
        Json::String(text) => quote(text),
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().map(|item| expression(item, false)).collect();
            format!("[{}]", parts.join(", "))
        }
        Json::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(key, item)| format!("{} = {}", quote(key), expression(item, false)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_variables_become_blocks() {
        let hcl = to_hcl(
            r#"{"variable":{"tag":{"default":"1.2"}},
                "resource":{"docker_container":{"api":{"name":"api","image":"acme/api:${var.tag}"}}}}"#,
        )
        .unwrap();
        assert!(hcl.contains("variable \"tag\" {\ndefault = \"1.2\"\n}"));
        assert!(hcl.contains("resource \"docker_container\" \"api\" {"));
        assert!(hcl.contains("image = \"acme/api:${var.tag}\""));
        assert!(hcl::edit::parser::parse_body(&hcl).is_ok());
    }

    #[test]
    fn invalid_json_has_a_position() {
        let error = to_hcl("{\n  \"resource\": ,\n}").unwrap_err();
        assert_eq!(error.0, 2);
    }
}
