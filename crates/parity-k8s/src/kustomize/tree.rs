//! Small edits on the YAML tree: reading and writing fields by key, building new nodes at a
//! given position.

use parity_source::yaml::{Entry, Node, Scalar, Value};

/// Where a node is (an encoded line, see `position`, and a column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl Pos {
    pub(crate) fn of(node: &Node) -> Self {
        Self {
            line: node.line,
            column: node.column,
        }
    }

    pub(crate) fn of_entry(entry: &Entry) -> Self {
        Self {
            line: entry.line,
            column: entry.column,
        }
    }
}

pub(crate) fn node(value: Value, at: Pos) -> Node {
    Node {
        value,
        line: at.line,
        column: at.column,
        tag: None,
    }
}

/// A string scalar. Written as quoted so it always reads back as a string, as kustomize
/// writes generated values.
pub(crate) fn string(text: &str, at: Pos) -> Node {
    node(
        Value::Scalar(Scalar {
            text: text.into(),
            quoted: true,
        }),
        at,
    )
}

pub(crate) fn empty_map(at: Pos) -> Node {
    node(Value::Map(Vec::new()), at)
}

/// A scalar's text: strings, numbers and booleans as written.
pub(crate) fn text(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_str)
}

pub(crate) fn get_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|entry| &*entry.key == key)
            .map(|entry| &mut entry.value),
        _ => None,
    }
}

pub(crate) fn path_mut<'a>(node: &'a mut Node, keys: &[&str]) -> Option<&'a mut Node> {
    keys.iter().try_fold(node, |node, key| get_mut(node, key))
}

/// Sets `key` to `value`; a new key is appended (placed at `value`'s position).
pub(crate) fn set(node: &mut Node, key: &str, value: Node) {
    if let Value::Null = node.value {
        node.value = Value::Map(Vec::new());
    }
    if let Value::Map(entries) = &mut node.value {
        if let Some(entry) = entries.iter_mut().find(|entry| &*entry.key == key) {
            entry.value = value;
        } else {
            entries.push(Entry {
                key: key.into(),
                line: value.line,
                column: value.column,
                value,
            });
        }
    }
}

/// Sets `key` to `value` and places the key at `value`'s position too: the field is now
/// written where `value` came from (an `images:` entry, a patch), and that is where findings
/// about it should point.
pub(crate) fn set_moved(node: &mut Node, key: &str, value: Node) {
    let (line, column) = (value.line, value.column);
    set(node, key, value);
    if let Value::Map(entries) = &mut node.value
        && let Some(entry) = entries.iter_mut().find(|entry| &*entry.key == key)
    {
        entry.line = line;
        entry.column = column;
    }
}

pub(crate) fn remove(node: &mut Node, key: &str) -> Option<Node> {
    match &mut node.value {
        Value::Map(entries) => {
            let index = entries.iter().position(|entry| &*entry.key == key)?;
            Some(entries.remove(index).value)
        }
        _ => None,
    }
}

/// The mapping at `keys`, created (at `at`) where missing or null when `create` is set. `None`
/// when a step exists but is not a mapping, or is missing and `create` is off.
pub(crate) fn map_at<'a>(
    node: &'a mut Node,
    keys: &[&str],
    create: bool,
    at: Pos,
) -> Option<&'a mut Node> {
    let mut current = node;
    for key in keys {
        let exists = current.get(key).is_some_and(|child| !child.is_null());
        if !exists {
            if !create || current.as_map().is_none() && !current.is_null() {
                return None;
            }
            set(current, key, empty_map(at));
        }
        current = get_mut(current, key)?;
    }
    match current.value {
        Value::Map(_) => Some(current),
        _ => None,
    }
}

/// Sets string entries in the mapping at `keys` (created when `create` is set).
pub(crate) fn merge_strings(
    node: &mut Node,
    keys: &[&str],
    pairs: &[(String, String)],
    create: bool,
    at: Pos,
) {
    if let Some(map) = map_at(node, keys, create, at) {
        for (key, value) in pairs {
            set(map, key, string(value, at));
        }
    }
}

/// The items of the sequence at `key`, mutable; empty when absent or not a sequence.
pub(crate) fn seq_mut<'a>(node: &'a mut Node, key: &str) -> &'a mut [Node] {
    match get_mut(node, key).map(|child| &mut child.value) {
        Some(Value::Seq(items)) => items,
        _ => &mut [],
    }
}
