//! Inline suppressions: `# parity: ignore[env-unmatched] reason` comments in input files.
//!
//! The YAML tree keeps no comments, so markers are found by scanning a file's text. The scan is
//! pure (text in, markers out); the facade runs it over every file it loaded and stores the
//! markers on the [`Environment`](parity_model::Environment), and the engine matches them to
//! findings by line in [`crate::suppress`].

use parity_model::{ArcStr, InlineIgnore, Origin};

/// What starts a marker, after the comment's `#` and optional spaces.
const MARKER: &str = "parity:";

/// Finds the `# parity: ignore[rule, ...] reason` markers of one file, in line order.
///
/// A marker is a YAML comment: a `#` at the start of a line or after whitespace (YAML does not
/// start a comment inside `a#b`), then `parity:`, then `ignore[...]`. A comment alone on its line
/// applies to the next line; one after content applies to its own line. Text after the closing
/// bracket is the reason. A `#` inside a quoted scalar that happens to be followed by
/// `parity: ignore[` would be misread; that is accepted, since such a value would be an odd
/// thing to write.
pub fn scan_inline_ignores(file: &ArcStr, text: &str) -> Vec<InlineIgnore> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        // Cheap rejection first: almost no line carries a marker.
        if !line.contains(MARKER) {
            continue;
        }
        let Some((column, comment)) = comment_of(line) else {
            continue;
        };
        let Some(rest) = comment.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("ignore[") else {
            continue;
        };
        let Some((rules, reason)) = rest.split_once(']') else {
            continue;
        };
        let rules: Vec<String> = rules
            .split(',')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .map(str::to_owned)
            .collect();
        let own_line = line[..column].trim().is_empty();
        found.push(InlineIgnore {
            origin: Origin::new(
                file.clone(),
                u32::try_from(index + 1).unwrap_or(u32::MAX),
                u32::try_from(column + 1).unwrap_or(u32::MAX),
            ),
            rules,
            reason: reason.trim().to_owned(),
            own_line,
        });
    }
    found
}

/// The byte offset of the line's comment `#` and the text after it.
fn comment_of(line: &str) -> Option<(usize, &str)> {
    let bytes = line.as_bytes();
    let mut search_from = 0;
    while let Some(offset) = line.get(search_from..)?.find('#') {
        let position = search_from + offset;
        let starts_comment = position == 0
            || bytes
                .get(position - 1)
                .is_some_and(|before| before.is_ascii_whitespace());
        if starts_comment {
            return Some((position, line.get(position + 1..)?));
        }
        search_from = position + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(u32, u32, Vec<String>, String, bool)> {
        scan_inline_ignores(&ArcStr::from("compose.yaml"), text)
            .into_iter()
            .map(|marker| {
                (
                    marker.origin.line,
                    marker.origin.column,
                    marker.rules,
                    marker.reason,
                    marker.own_line,
                )
            })
            .collect()
    }

    #[test]
    fn finds_markers_after_content_and_on_their_own_line() {
        let text = "services:\n  api:  # parity: ignore[env-unmatched] flags differ by design\n    image: x\n  # parity: ignore[PAR201, port-mismatch]   pinned by CI\n  web:\n";
        assert_eq!(
            scan(text),
            [
                (
                    2,
                    9,
                    vec!["env-unmatched".to_owned()],
                    "flags differ by design".to_owned(),
                    false
                ),
                (
                    4,
                    3,
                    vec!["PAR201".to_owned(), "port-mismatch".to_owned()],
                    "pinned by CI".to_owned(),
                    true
                ),
            ]
        );
    }

    #[test]
    fn ignores_what_is_not_a_marker_comment() {
        let text = "a: b#parity: ignore[x] no\nurl: \"http://x/#\" # parity: ignored[x]\n# parity: ignore[x\n# parity:ignore[] \nc: d # parity -- ignore[x]\n";
        let markers = scan(text);
        // Only `# parity:ignore[]` has the marker's shape; it names no rule and gives no reason,
        // which the engine reports.
        assert_eq!(markers, [(4, 1, vec![], String::new(), true)]);
    }
}
