//! `.env` and `env_file` files, read with compose's dotenv rules: `KEY=VAL`, `export KEY=VAL`,
//! single quotes (literal), double quotes (escapes, interpolation), `#` comment lines, ` #`
//! comments after unquoted values, and `KEY` alone (taken from the environment).

use std::collections::{BTreeSet, HashMap};

use crate::interpolate::{InterpolationError, interpolate};

/// One variable of a dotenv file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DotenvEntry {
    /// The variable name.
    pub(crate) key: String,
    /// The value after unquoting and interpolation; `None` for a bare `KEY` line.
    pub(crate) value: Option<String>,
    /// 1-based line of the key.
    pub(crate) line: u32,
    /// 1-based column of the key.
    pub(crate) column: u32,
}

/// A problem in a dotenv file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DotenvProblem {
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) message: String,
}

/// A parsed dotenv file.
#[derive(Debug, Default)]
pub(crate) struct Dotenv {
    /// Variables in file order (a key set twice appears twice; the last one wins).
    pub(crate) entries: Vec<DotenvEntry>,
    /// Lines that could not be read; the other lines are still used.
    pub(crate) errors: Vec<DotenvProblem>,
    /// Variables referenced without a default that were not set, with the first place they were used.
    pub(crate) unset: Vec<(String, u32, u32)>,
}

impl Dotenv {
    /// The variables as a map, the last assignment of a key winning; bare keys are left out.
    pub(crate) fn to_map(&self) -> HashMap<String, String> {
        self.entries
            .iter()
            .filter_map(|entry| Some((entry.key.clone(), entry.value.clone()?)))
            .collect()
    }
}

/// Parses an env file written `format: raw`, as compose (like `docker run --env-file`) reads
/// it: blank lines and `#` lines are skipped, leading whitespace is dropped, `KEY=VALUE` splits at
/// the first `=` and the value is kept exactly as written (no quotes removed, no comments, no
/// interpolation), `KEY` alone is taken from the environment; a key with whitespace in it is an
/// error.
pub(crate) fn parse_raw_env(text: &str) -> Dotenv {
    let mut dotenv = Dotenv::default();
    for (index, raw_line) in text.lines().enumerate() {
        let line = index as u32 + 1;
        let statement = raw_line.trim_start_matches([' ', '\t']);
        if statement.trim().is_empty() || statement.starts_with('#') {
            continue;
        }
        let column = (raw_line.len() - statement.len()) as u32 + 1;
        let (key, value) = match statement.split_once('=') {
            Some((key, value)) => (key, Some(value.to_owned())),
            None => (statement, None),
        };
        if key.is_empty() || key.contains([' ', '\t']) {
            dotenv.errors.push(DotenvProblem {
                line,
                column,
                message: format!(
                    "expected `KEY=VALUE` with no whitespace in the key, found {statement:?}"
                ),
            });
            continue;
        }
        dotenv.entries.push(DotenvEntry {
            key: key.to_owned(),
            value,
            line,
            column,
        });
    }
    dotenv
}

/// Parses dotenv `text`. Templates in values look variables up in `lookup` first and then among
/// the variables defined earlier in the same file (which is the order compose uses).
pub(crate) fn parse_dotenv(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Dotenv {
    let mut dotenv = Dotenv::default();
    let mut defined: HashMap<String, String> = HashMap::new();
    let mut reported_unset: BTreeSet<String> = BTreeSet::new();
    let lines: Vec<&str> = text.lines().collect();
    // A quoted value spanning lines keeps the file's line ends, `\r\n` included (as compose).
    let crlf_ends: Vec<bool> = text
        .split_inclusive('\n')
        .map(|line| line.ends_with("\r\n"))
        .collect();
    let mut index = 0;
    while let Some(raw_line) = lines.get(index) {
        let line_number = index as u32 + 1;
        index += 1;
        let trimmed = raw_line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut column = (raw_line.len() - trimmed.len()) as u32 + 1;
        let mut statement = trimmed;
        if let Some(rest) = statement.strip_prefix("export ") {
            let rest_trimmed = rest.trim_start();
            column += (statement.len() - rest_trimmed.len()) as u32;
            statement = rest_trimmed;
        }
        let key_end = statement
            .find(|ch: char| ch == '=' || ch.is_whitespace())
            .unwrap_or(statement.len());
        let key = &statement[..key_end];
        if key.is_empty()
            || !key
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch))
        {
            dotenv.errors.push(DotenvProblem {
                line: line_number,
                column,
                message: format!("expected `KEY=VALUE`, found {:?}", trimmed.trim_end()),
            });
            continue;
        }
        let after_key = statement[key_end..].trim_start();
        let Some(raw_value) = after_key.strip_prefix('=') else {
            if after_key.is_empty() || after_key.starts_with('#') {
                dotenv.entries.push(DotenvEntry {
                    key: key.to_owned(),
                    value: None,
                    line: line_number,
                    column,
                });
            } else {
                dotenv.errors.push(DotenvProblem {
                    line: line_number,
                    column,
                    message: format!("expected `=` after {key}, found {:?}", after_key.trim_end()),
                });
            }
            continue;
        };
        let raw_value = raw_value.trim_start();
        let (value, needs_interpolation) = match raw_value.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                // Quoted values may span lines: gather until the closing quote.
                let mut body = String::new();
                let mut current = &raw_value[1..];
                let closed = loop {
                    if let Some(end) = closing_quote(current, quote) {
                        body.push_str(&current[..end]);
                        break true;
                    }
                    body.push_str(current);
                    match lines.get(index) {
                        Some(next) => {
                            let crlf = index
                                .checked_sub(1)
                                .and_then(|previous| crlf_ends.get(previous))
                                .copied()
                                .unwrap_or(false);
                            body.push_str(if crlf { "\r\n" } else { "\n" });
                            current = next;
                            index += 1;
                        }
                        None => break false,
                    }
                };
                if !closed {
                    dotenv.errors.push(DotenvProblem {
                        line: line_number,
                        column,
                        message: format!("unterminated quoted value for {key}"),
                    });
                    continue;
                }
                if quote == '"' {
                    (unescape_double_quoted(&body), true)
                } else {
                    (body, false)
                }
            }
            _ => (strip_inline_comment(raw_value).trim_end().to_owned(), true),
        };
        let value = if needs_interpolation {
            let combined = |name: &str| lookup(name).or_else(|| defined.get(name).cloned());
            match interpolate(&value, &combined) {
                Ok(result) => {
                    for name in result.unset {
                        if reported_unset.insert(name.clone()) {
                            dotenv.unset.push((name, line_number, column));
                        }
                    }
                    result.text
                }
                Err(error) => {
                    dotenv.errors.push(DotenvProblem {
                        line: line_number,
                        column,
                        message: message_of(&error),
                    });
                    continue;
                }
            }
        } else {
            value
        };
        defined.insert(key.to_owned(), value.clone());
        dotenv.entries.push(DotenvEntry {
            key: key.to_owned(),
            value: Some(value),
            line: line_number,
            column,
        });
    }
    dotenv
}

fn message_of(error: &InterpolationError) -> String {
    error.to_string()
}

/// The byte offset of the closing `quote`, skipping backslash-escaped ones in double quotes.
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (offset, ch) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if ch == '\\' && quote == '"' {
            escaped = true;
        } else if ch == quote {
            return Some(offset);
        }
    }
    None
}

fn unescape_double_quoted(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Cuts a ` #comment` off an unquoted value; a `#` with no blank before it is part of the value.
fn strip_inline_comment(value: &str) -> &str {
    let mut previous_blank = false;
    for (offset, ch) in value.char_indices() {
        if ch == '#' && previous_blank {
            return &value[..offset];
        }
        previous_blank = ch == ' ' || ch == '\t';
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_value_over_crlf_lines_keeps_the_crlf() {
        let dotenv = parse_dotenv("A=\"one\r\ntwo\"\r\nB=plain\r\n", &|_| None);
        let values: Vec<Option<&str>> = dotenv
            .entries
            .iter()
            .map(|entry| entry.value.as_deref())
            .collect();
        assert_eq!(values, [Some("one\r\ntwo"), Some("plain")]);
    }

    #[test]
    fn raw_env_files_keep_values_as_written() {
        let dotenv = parse_raw_env(
            "# comment\n\nA=\"quoted ${X}\"\nB=$$\n  C=indented\nD=v # not a comment\nE\nF=a=b\nexport G=1\n",
        );
        let entries: Vec<(&str, Option<&str>)> = dotenv
            .entries
            .iter()
            .map(|entry| (entry.key.as_str(), entry.value.as_deref()))
            .collect();
        assert_eq!(
            entries,
            [
                ("A", Some("\"quoted ${X}\"")),
                ("B", Some("$$")),
                ("C", Some("indented")),
                ("D", Some("v # not a comment")),
                ("E", None),
                ("F", Some("a=b")),
            ]
        );
        assert_eq!(dotenv.entries[2].column, 3);
        assert_eq!(dotenv.errors.len(), 1);
        assert_eq!(dotenv.errors[0].line, 9);
    }

    fn no_vars(_: &str) -> Option<String> {
        None
    }

    fn values(text: &str) -> Vec<(String, Option<String>, u32)> {
        let dotenv = parse_dotenv(text, &no_vars);
        assert!(dotenv.errors.is_empty(), "{:?}", dotenv.errors);
        dotenv
            .entries
            .into_iter()
            .map(|e| (e.key, e.value, e.line))
            .collect()
    }

    fn pair(key: &str, value: &str, line: u32) -> (String, Option<String>, u32) {
        (key.to_owned(), Some(value.to_owned()), line)
    }

    #[test]
    fn plain_export_comments_and_blank_lines() {
        let text = "# database\nDB_HOST=db\n\nexport DB_PORT=5432\nLOG=debug # verbose\nURL=http://x/#frag\nEMPTY=\n";
        assert_eq!(
            values(text),
            vec![
                pair("DB_HOST", "db", 2),
                pair("DB_PORT", "5432", 4),
                pair("LOG", "debug", 5),
                pair("URL", "http://x/#frag", 6),
                pair("EMPTY", "", 7),
            ]
        );
    }

    #[test]
    fn quotes_and_escapes() {
        let text =
            "A='single $X \\n'\nB=\"tab\\there \\\"q\\\"\" # comment\nC=\"two\nlines\"\nD=after\n";
        assert_eq!(
            values(text),
            vec![
                pair("A", "single $X \\n", 1),
                pair("B", "tab\there \"q\"", 2),
                pair("C", "two\nlines", 3),
                pair("D", "after", 5),
            ]
        );
    }

    #[test]
    fn interpolation_prefers_the_lookup_then_earlier_lines() {
        let lookup = |name: &str| (name == "B").then(|| "outer".to_owned());
        let dotenv = parse_dotenv(
            "P=first\nQ=${P}-x\nB=inner\nR=$B\nS='$P'\nT=${NOPE}\n",
            &lookup,
        );
        let map = dotenv.to_map();
        assert_eq!(map["Q"], "first-x");
        assert_eq!(map["R"], "outer");
        assert_eq!(map["S"], "$P");
        assert_eq!(map["T"], "");
        assert_eq!(dotenv.unset, vec![("NOPE".to_owned(), 6, 1)]);
    }

    #[test]
    fn bare_keys_and_bad_lines() {
        let dotenv = parse_dotenv("  TOKEN\nnot a line\n=x\nOK=1\nQ=\"open\n", &no_vars);
        assert_eq!(
            dotenv.entries[0],
            DotenvEntry {
                key: "TOKEN".into(),
                value: None,
                line: 1,
                column: 3
            }
        );
        assert_eq!(dotenv.entries[1].key, "OK");
        let lines: Vec<u32> = dotenv.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert_eq!(
            dotenv.errors[0].message,
            "expected `=` after not, found \"a line\""
        );
        assert_eq!(dotenv.errors[2].message, "unterminated quoted value for Q");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_lines_are_in_range(text in "[A-Za-z_=#'\"\\$ {}\n\t.-]{0,80}") {
            let dotenv = parse_dotenv(&text, &no_vars);
            let lines = text.lines().count() as u32;
            for entry in &dotenv.entries {
                proptest::prop_assert!(entry.line >= 1 && entry.line <= lines);
            }
            for problem in &dotenv.errors {
                proptest::prop_assert!(problem.line >= 1 && problem.line <= lines);
            }
        }
    }
}
