//! Variable interpolation as the Compose Specification defines it: `$VAR`, `${VAR}`, the default
//! and alternative forms (`:-`, `-`, `:+`, `+`), required forms (`:?`, `?`), `$$` as an escaped
//! `$`, and nested templates inside defaults (`${A:-${B:-x}}`).

use std::collections::BTreeSet;

/// Why a template could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InterpolationError {
    /// `${VAR:?message}` or `${VAR?message}` with the variable missing.
    #[error("required variable {name} is missing a value: {message}")]
    Required {
        /// The variable.
        name: String,
        /// The message written after `?`.
        message: String,
    },
    /// `${` without a valid name or a closing brace.
    #[error("invalid interpolation format for {template:?}")]
    Invalid {
        /// The whole text that holds the bad template.
        template: String,
    },
}

/// The result of interpolating one text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Interpolated {
    /// The text with every template replaced.
    pub(crate) text: String,
    /// Variables used without a default that were not set (each substituted by "").
    pub(crate) unset: BTreeSet<String>,
}

/// Replaces every template in `text`, looking variables up with `lookup`.
pub(crate) fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, InterpolationError> {
    let mut out = Interpolated::default();
    let invalid = || InterpolationError::Invalid {
        template: text.to_owned(),
    };
    substitute(text, lookup, &mut out, &invalid)?;
    Ok(out)
}

fn is_name_start(ch: char) -> bool {
    ch == '_' || ch.is_ascii_alphabetic()
}

fn is_name_char(ch: char) -> bool {
    ch == '_' || ch.is_ascii_alphanumeric()
}

fn substitute(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Interpolated,
    invalid: &dyn Fn() -> InterpolationError,
) -> Result<(), InterpolationError> {
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.text.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => {
                out.text.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let body_and_rest = &after[1..];
                let close = find_closing_brace(body_and_rest).ok_or_else(invalid)?;
                let body = &body_and_rest[..close];
                expand_braced(body, lookup, out, invalid)?;
                rest = &body_and_rest[close + 1..];
            }
            Some(first) if is_name_start(first) => {
                let end = after
                    .find(|ch: char| !is_name_char(ch))
                    .unwrap_or(after.len());
                let name = &after[..end];
                match lookup(name) {
                    Some(value) => out.text.push_str(&value),
                    None => {
                        out.unset.insert(name.to_owned());
                    }
                }
                rest = &after[end..];
            }
            // A `$` not followed by a name is kept as written, as compose does.
            _ => {
                out.text.push('$');
                rest = after;
            }
        }
    }
    out.text.push_str(rest);
    Ok(())
}

/// The byte offset in `text` (what follows a `${`) of the `}` that closes it, found the way
/// compose-go finds it:
/// - `${NAME}`: the `}` right after the name;
/// - `${NAME` and an operator (`:-`, `-`, `:+`, `+`, `:?`, `?`): the template runs at most to
///   the last `}` of the line; within that, counting from the opening `{`, every `{` opens a
///   level (and the character after it is skipped) and every `}` closes one, and the `}` that
///   closes the first level ends the template; if none does, the last `}` does.
///
/// So `${A:-x{y}z}` has the default `x{y}z`, `${A:-a}b}` the default `a`, and `${A:-{}` the
/// default `{`.
fn find_closing_brace(text: &str) -> Option<usize> {
    let name_end = text
        .find(|ch: char| !is_name_char(ch))
        .unwrap_or(text.len());
    let after_name = text.get(name_end..)?;
    if after_name.starts_with('}') {
        return Some(name_end);
    }
    let has_operator = ["?", ":?", "-", ":-", "+", ":+"]
        .iter()
        .any(|op| after_name.starts_with(op));
    if !has_operator {
        return None;
    }
    let line_end = text.find('\n').unwrap_or(text.len());
    let last = text.get(..line_end)?.rfind('}')?;
    if last < name_end {
        return None;
    }
    // The opening `{` counts as the first level; its next character (the name's first) is
    // skipped, as compose-go does.
    let bytes = text.as_bytes();
    let mut open = 1usize;
    let mut index = 1;
    while index < last {
        match bytes.get(index) {
            Some(b'}') => {
                open -= 1;
                if open == 0 {
                    return Some(index);
                }
            }
            Some(b'{') => {
                open += 1;
                index += 1;
            }
            _ => {}
        }
        index += 1;
    }
    Some(last)
}

fn expand_braced(
    body: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Interpolated,
    invalid: &dyn Fn() -> InterpolationError,
) -> Result<(), InterpolationError> {
    let name_end = body
        .find(|ch: char| !is_name_char(ch))
        .unwrap_or(body.len());
    let name = &body[..name_end];
    if !name.starts_with(is_name_start) {
        return Err(invalid());
    }
    let operator_and_word = &body[name_end..];
    let value = lookup(name);
    let (operator, word) = ["?", ":?", "-", ":-", "+", ":+"]
        .iter()
        .rev()
        .find_map(|op| operator_and_word.strip_prefix(op).map(|word| (*op, word)))
        .unwrap_or(("", operator_and_word));
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    match operator {
        "" if word.is_empty() => match value {
            Some(value) => out.text.push_str(&value),
            None => {
                out.unset.insert(name.to_owned());
            }
        },
        "" => return Err(invalid()),
        ":-" | "-" => {
            let use_value = if operator == ":-" { non_empty } else { set };
            if use_value {
                out.text.push_str(value.as_deref().unwrap_or_default());
            } else {
                substitute(word, lookup, out, invalid)?;
            }
        }
        ":+" | "+" => {
            let use_alternative = if operator == ":+" { non_empty } else { set };
            if use_alternative {
                substitute(word, lookup, out, invalid)?;
            }
        }
        _ => {
            let present = if operator == ":?" { non_empty } else { set };
            if !present {
                let mut message = Interpolated::default();
                substitute(word, lookup, &mut message, invalid)?;
                return Err(InterpolationError::Required {
                    name: name.to_owned(),
                    message: message.text,
                });
            }
            out.text.push_str(value.as_deref().unwrap_or_default());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "TAG" => Some("1.4".to_owned()),
            "EMPTY" => Some(String::new()),
            "HOST" => Some("db".to_owned()),
            _ => None,
        }
    }

    fn run(text: &str) -> Result<Interpolated, InterpolationError> {
        interpolate(text, &vars)
    }

    fn text(text: &str) -> String {
        run(text).unwrap().text
    }

    #[test]
    fn plain_and_braced_variables() {
        assert_eq!(text("acme/api:$TAG"), "acme/api:1.4");
        assert_eq!(text("acme/api:${TAG}-slim"), "acme/api:1.4-slim");
        assert_eq!(text("$HOST:5432"), "db:5432");
        assert_eq!(text("no templates"), "no templates");
    }

    #[test]
    fn defaults_and_alternatives_follow_set_and_empty() {
        assert_eq!(text("${MISSING:-x}"), "x");
        assert_eq!(text("${EMPTY:-x}"), "x");
        assert_eq!(text("${EMPTY-x}"), "");
        assert_eq!(text("${MISSING-x}"), "x");
        assert_eq!(text("${TAG:+alt}"), "alt");
        assert_eq!(text("${EMPTY:+alt}"), "");
        assert_eq!(text("${EMPTY+alt}"), "alt");
        assert_eq!(text("${MISSING+alt}"), "");
        assert_eq!(text("${TAG:-x}"), "1.4");
    }

    #[test]
    fn nested_defaults() {
        assert_eq!(text("${A:-${B:-x}}"), "x");
        assert_eq!(text("${A:-${HOST}:5432}"), "db:5432");
        assert_eq!(text("${A:-${B:-${TAG}}}/y"), "1.4/y");
    }

    #[test]
    fn the_closing_brace_is_found_as_compose_finds_it() {
        // Checked against `docker compose config` (compose-go 2.40): every `{` counts.
        assert_eq!(text("${MISSING:-$${LOG}}|"), "${LOG}|");
        assert_eq!(text("${MISSING:-x{y}z}|"), "x{y}z|");
        assert_eq!(text("${MISSING:-{}|"), "{|");
        assert_eq!(text("${TAG:-$${LOG}}|"), "1.4|");
        assert_eq!(text("${MISSING:-a}b}|"), "ab}|");
        assert_eq!(text("${MISSING:-$$}|"), "$|");
        assert_eq!(text("${TAG}-${MISSING:-d}"), "1.4-d");
        assert!(run("${TAG").is_err());
        assert!(run("${TAG x}").is_err());
    }

    #[test]
    fn escaped_dollar_and_lone_dollar() {
        assert_eq!(text("$$HOME"), "$HOME");
        assert_eq!(text("cost: 5 $"), "cost: 5 $");
        assert_eq!(text("a $ b"), "a $ b");
        assert_eq!(text("$${TAG}"), "${TAG}");
    }

    #[test]
    fn unset_variables_become_empty_and_are_reported() {
        let result = run("x${NOPE}y$ALSO_NOPE").unwrap();
        assert_eq!(result.text, "xy");
        assert_eq!(
            result.unset.into_iter().collect::<Vec<_>>(),
            ["ALSO_NOPE", "NOPE"]
        );
        assert!(
            run("${NOPE:-d}").unwrap().unset.is_empty(),
            "a default silences the warning"
        );
    }

    #[test]
    fn required_variables() {
        assert_eq!(
            run("${DB_URL:?set DB_URL in .env}").unwrap_err(),
            InterpolationError::Required {
                name: "DB_URL".into(),
                message: "set DB_URL in .env".into()
            }
        );
        assert!(run("${EMPTY:?e}").is_err());
        assert_eq!(text("${EMPTY?e}"), "");
        assert_eq!(text("${TAG:?e}"), "1.4");
        assert_eq!(
            run("${X:?}").unwrap_err().to_string(),
            "required variable X is missing a value: "
        );
    }

    #[test]
    fn malformed_templates() {
        for bad in ["${", "${TAG", "${}", "${1A}", "${TAG x}"] {
            assert!(
                matches!(run(bad), Err(InterpolationError::Invalid { .. })),
                "{bad} should be invalid"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_text_without_dollar_is_unchanged(text in "[a-z${}:?+\\-_ 0-9]{0,40}") {
            let result = interpolate(&text, &vars);
            if !text.contains('$') {
                proptest::prop_assert_eq!(result.unwrap().text, text);
            }
        }
    }
}
