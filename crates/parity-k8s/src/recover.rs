//! Recovery from duplicate mapping keys.
//!
//! `parity_source::yaml` stops a stream at a duplicate key. Kubernetes tooling is more lenient:
//! `helm` and `kubectl` (through sigs.k8s.io/yaml) keep the last value, and real manifests
//! depend on that (a container with `resources:` twice, a ConfigMap with a key set twice by a
//! chart). So a duplicate in a block mapping is repaired the way those tools read it: the first
//! entry's lines are blanked out (keeping every other line where it was, so positions stay true)
//! and the text is parsed again. Duplicates in flow mappings (`{a: 1, a: 2}`) are left as errors.

use parity_source::yaml::YamlError;

/// Each repair re-parses the file; a file with more duplicates than this is left as an error.
pub(crate) const MAX_REPAIRS: usize = 32;

/// A duplicate key the parser stopped at, and the text with its first definition removed.
pub(crate) struct Repair {
    pub(crate) key: String,
    pub(crate) first_line: u32,
    pub(crate) text: String,
}

/// When `error` is a duplicate key in a block mapping of `text`, the text with the first
/// definition blanked out.
pub(crate) fn drop_first_duplicate(text: &str, error: &YamlError) -> Option<Repair> {
    let rest = error.message.strip_prefix("duplicate key ")?;
    let (_quoted_key, first) = rest.rsplit_once(" (first defined on line ")?;
    let first_line: u32 = first.strip_suffix(')')?.parse().ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let indent = usize::try_from(error.column).ok()?.checked_sub(1)?;
    let duplicate = lines.get(usize::try_from(error.line).ok()?.checked_sub(1)?)?;
    let key = key_at(duplicate, indent)?;
    let first_index = usize::try_from(first_line).ok()?.checked_sub(1)?;
    let first = lines.get(first_index)?;
    // The first definition must be a block mapping key at the same column, alone on its line's
    // indentation (not the first key of a `- ` sequence item, whose lines cannot be cut out).
    if key_at(first, indent)? != key || !first.chars().take(indent).all(|c| c == ' ') {
        return None;
    }
    let mut end = first_index;
    for (index, line) in lines.iter().enumerate().skip(first_index + 1) {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line_indent = line.len() - trimmed.len();
        let sequence_item = trimmed == "-" || trimmed.starts_with("- ");
        if line_indent > indent || line_indent == indent && sequence_item {
            end = index;
        } else {
            break;
        }
    }
    let mut repaired = String::with_capacity(text.len());
    for (index, line) in lines.iter().enumerate() {
        if !(first_index..=end).contains(&index) {
            repaired.push_str(line);
        }
        repaired.push('\n');
    }
    Some(Repair {
        key,
        first_line,
        text: repaired,
    })
}

/// The plain key starting at char column `indent` of `line` (the text up to `:`).
fn key_at(line: &str, indent: usize) -> Option<String> {
    let rest: String = line.chars().skip(indent).collect();
    let (key, _value) = rest.split_once(':')?;
    let key = key.trim_end();
    (!key.is_empty() && !key.starts_with(['{', '[', '-', '#'])).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_source::yaml::{Limits, parse_stream};

    fn first_error(text: &str) -> YamlError {
        parse_stream(text, Limits::default()).error.unwrap()
    }

    #[test]
    fn blanks_the_first_block_entry_and_keeps_line_numbers() {
        let text = "spec:\n  resources:\n    limits:\n      memory: 1Gi\n\n  env: []\n  resources: {}\nafter: 1\n";
        let repair = drop_first_duplicate(text, &first_error(text)).unwrap();
        assert_eq!((repair.key.as_str(), repair.first_line), ("resources", 2));
        assert_eq!(
            repair.text,
            "spec:\n\n\n\n\n  env: []\n  resources: {}\nafter: 1\n"
        );
        let stream = parse_stream(&repair.text, Limits::default());
        assert!(stream.error.is_none());
        let after = stream.documents[0].entry("after").unwrap();
        assert_eq!(after.line, 8);
    }

    #[test]
    fn sequences_at_the_key_indent_belong_to_the_entry() {
        let text = "env:\n- a\n- b\nport: 1\nenv: [c]\n";
        let repair = drop_first_duplicate(text, &first_error(text)).unwrap();
        assert_eq!(repair.text, "\n\n\nport: 1\nenv: [c]\n");
    }

    #[test]
    fn flow_mappings_and_sequence_items_are_not_repaired() {
        let flow = "a: {x: 1, x: 2}\n";
        assert!(drop_first_duplicate(flow, &first_error(flow)).is_none());
        let item = "- name: a\n  image: x\n  name: b\n";
        assert!(drop_first_duplicate(item, &first_error(item)).is_none());
        let syntax = "a: [\n";
        assert!(drop_first_duplicate(syntax, &first_error(syntax)).is_none());
    }
}
