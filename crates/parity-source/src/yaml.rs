//! A YAML tree that keeps every node's line and column.
//!
//! Built from `saphyr-parser` events (a YAML 1.2 parser), which is faster than deserialising
//! into generic values and gives positions for every node. Anchors and aliases are expanded by
//! copying under a budget ([`Limits::max_alias_nodes`]), so an alias bomb fails fast with an
//! error instead of exhausting memory; `<<` merge keys are applied as YAML 1.1 (and every tool
//! that reads compose or Kubernetes files) defines them; duplicate keys are errors, as they are
//! for `docker compose` and `kubectl`.

use std::collections::HashMap;
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Limits that keep a malicious or broken input bounded in time and memory, and how strictly
/// to read it.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// What a key written twice in one mapping means.
    pub duplicate_keys: DuplicateKeys,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Total nodes that alias expansion may copy, per stream.
    pub max_alias_nodes: usize,
    /// Documents in one stream.
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            duplicate_keys: DuplicateKeys::Error,
            max_depth: 200,
            max_alias_nodes: 1_000_000,
            max_documents: 100_000,
        }
    }
}

/// How a key written twice in one mapping is read. The tools disagree: `docker compose` (Go's
/// yaml.v3) refuses the file, while `kubectl` and `helm` warn and keep the last value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicateKeys {
    /// The stream stops with an error at the second key.
    #[default]
    Error,
    /// The last value wins, in the first key's place; each duplicate is reported in
    /// [`Stream::warnings`].
    LastWins,
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The node's tag as written (`!reset`, `!!str`), when it has one; read it with
    /// [`Node::tag`].
    pub tag: Option<Tag>,
}

/// A node's tag as written (`!reset`, `!!str`).
///
/// Almost no node has a tag, so the text sits behind one more pointer: an `Option<Tag>` is
/// 8 bytes in every node instead of the 16 of an `Option<Box<str>>`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tag(Box<Box<str>>);

impl Tag {
    /// The tag's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Tag {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Tag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Tag {
    fn from(text: &str) -> Self {
        Self(Box::new(text.into()))
    }
}

impl From<String> for Tag {
    fn from(text: String) -> Self {
        Self(Box::new(text.into_boxed_str()))
    }
}

impl From<Tag> for Box<str> {
    fn from(tag: Tag) -> Self {
        *tag.0
    }
}

impl PartialEq<str> for Tag {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Tag {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A plain `null`, `~`, or empty value.
    Null,
    /// Any other scalar, as text; see [`Node::as_bool`] and [`Node::as_i64`] for typed reads.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in document order, merge keys applied.
    Map(Vec<Entry>),
}

/// A scalar's text and whether it was quoted (quoted scalars are always strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The text after YAML unescaping and folding (exact size: a whole file's scalars can be
    /// alive at once).
    pub text: Box<str>,
    /// Written in quotes or as a block scalar: never a number, boolean or null.
    pub quoted: bool,
}

/// One `key: value` entry of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key's text.
    pub key: Box<str>,
    /// 1-based line of the key.
    pub line: u32,
    /// 1-based column of the key.
    pub column: u32,
    /// The value.
    pub value: Node,
}

/// A YAML syntax error or a limit that was hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for YamlError {}

/// The documents of a stream, and the error that stopped reading, if any.
///
/// Documents before a syntax error are kept, so one broken document does not hide the others
/// that came before it.
#[derive(Debug, Default)]
pub struct Stream {
    /// Complete documents, in order. Empty documents (`---` with nothing after) are left out.
    pub documents: Vec<Node>,
    /// The first error, when the stream could not be read to its end.
    pub error: Option<YamlError>,
    /// Problems that did not stop reading (duplicate keys under [`DuplicateKeys::LastWins`]).
    pub warnings: Vec<YamlError>,
}

/// Parses a YAML stream (one or more documents; JSON is YAML too).
///
/// Go's YAML libraries, and so `docker compose` and `kubectl`, accept a flow collection closed
/// at its key's indentation (`command: [` ... `]` with the `]` under the `c`); saphyr-parser
/// rejects it as "invalid indentation". When that is the error and the line holds only the
/// closing bracket, the bracket is indented one more space and the stream read again (the
/// bracket's column shifts by one; nothing else moves), at most [`MAX_FLOW_CLOSE_FIXES`] times.
pub fn parse_stream(text: &str, limits: Limits) -> Stream {
    let mut stream = parse_stream_once(text, limits);
    let mut fixed: Option<String> = None;
    for _ in 0..MAX_FLOW_CLOSE_FIXES {
        let Some(error) = &stream.error else { break };
        let Some(next) = indent_flow_close(fixed.as_deref().unwrap_or(text), error) else {
            break;
        };
        stream = parse_stream_once(&next, limits);
        fixed = Some(next);
    }
    stream
}

/// How many closing brackets [`parse_stream`] re-indents in one stream before giving up.
pub const MAX_FLOW_CLOSE_FIXES: usize = 16;

/// The text with the closing bracket at `error`'s line indented by one space, when the error is
/// saphyr's "invalid indentation" on a line that starts with `]` or `}`.
fn indent_flow_close(text: &str, error: &YamlError) -> Option<String> {
    if error.message != "invalid indentation" {
        return None;
    }
    let line_index = usize::try_from(error.line).ok()?.checked_sub(1)?;
    let line_start = if line_index == 0 {
        0
    } else {
        text.match_indices('\n').nth(line_index - 1)?.0 + 1
    };
    let line = text[line_start..].split('\n').next()?;
    if !line.trim_start_matches(' ').starts_with([']', '}']) {
        return None;
    }
    let mut fixed = String::with_capacity(text.len() + 1);
    fixed.push_str(&text[..line_start]);
    fixed.push(' ');
    fixed.push_str(&text[line_start..]);
    Some(fixed)
}

fn parse_stream_once(text: &str, limits: Limits) -> Stream {
    let mut builder = Builder::new(limits);
    let mut stream = Stream::default();
    for item in Parser::new_from_str(text) {
        let step = match item {
            Ok((event, span)) => {
                builder.event(event, span, &mut stream.documents, &mut stream.warnings)
            }
            Err(error) => Err(YamlError {
                line: error.marker().line() as u32,
                column: error.marker().col() as u32 + 1,
                message: error.info().to_owned(),
            }),
        };
        if let Err(error) = step {
            stream.error = Some(error);
            break;
        }
    }
    stream
}

/// Parses text that must hold exactly one document (an empty text gives `Null`).
pub fn parse_document(text: &str, limits: Limits) -> Result<Node, YamlError> {
    let mut stream = parse_stream(text, limits);
    if let Some(error) = stream.error {
        return Err(error);
    }
    match stream.documents.len() {
        0 => Ok(Node {
            value: Value::Null,
            line: 1,
            column: 1,
            tag: None,
        }),
        1 => Ok(stream.documents.remove(0)),
        _ => {
            let second = &stream.documents[1];
            Err(YamlError {
                line: second.line,
                column: second.column,
                message: "expected a single YAML document, found several".to_owned(),
            })
        }
    }
}

enum Frame {
    Seq {
        node: Node,
        items: Vec<Node>,
        anchor: usize,
    },
    Map {
        node: Node,
        entries: Vec<Entry>,
        merges: Vec<Node>,
        key: Option<(Box<str>, u32, u32, bool)>,
        anchor: usize,
        /// Key positions in `entries`, built once a mapping grows past
        /// [`INDEXED_MAPPING_LEN`] so duplicate detection stays linear on huge mappings.
        index: Option<HashMap<Box<str>, usize>>,
    },
}

/// Mappings up to this many keys are checked for duplicates by scanning, larger ones by hash.
const INDEXED_MAPPING_LEN: usize = 16;

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
}

fn position(span: &Span) -> (u32, u32) {
    (span.start.line() as u32, span.start.col() as u32 + 1)
}

fn tag_text(tag: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>) -> Option<Tag> {
    tag.map(|tag| Tag::from(format!("{}{}", tag.handle, tag.suffix)))
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Self {
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
        }
    }

    fn event(
        &mut self,
        event: Event<'_>,
        span: Span,
        documents: &mut Vec<Node>,
        warnings: &mut Vec<YamlError>,
    ) -> Result<(), YamlError> {
        let (line, column) = position(&span);
        let error = |message: String| YamlError {
            line,
            column,
            message,
        };
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag_text(tag);
                let quoted = style != ScalarStyle::Plain;
                let explicit_string = tag
                    .as_deref()
                    .is_some_and(|t| t == "tag:yaml.org,2002:str" || t == "!!str");
                let value = if !quoted && !explicit_string && is_null(&text) {
                    Value::Null
                } else {
                    Value::Scalar(Scalar {
                        text: text.into_owned().into_boxed_str(),
                        quoted: quoted || explicit_string,
                    })
                };
                let node = Node {
                    value,
                    line,
                    column,
                    tag,
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node, documents, warnings, Some(style == ScalarStyle::Plain))
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(line, column)?;
                let node = Node {
                    value: Value::Null,
                    line,
                    column,
                    tag: tag_text(tag),
                };
                self.stack.push(Frame::Seq {
                    node,
                    items: Vec::new(),
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(line, column)?;
                let node = Node {
                    value: Value::Null,
                    line,
                    column,
                    tag: tag_text(tag),
                };
                self.stack.push(Frame::Map {
                    node,
                    entries: Vec::new(),
                    merges: Vec::new(),
                    key: None,
                    anchor,
                    index: None,
                });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    mut node,
                    mut items,
                    anchor,
                }) => {
                    // A whole compose file's tree is alive at once: without the room a vector
                    // grown by `push` keeps, a 5 MB file's tree is 55 MB instead of 65 MB.
                    items.shrink_to_fit();
                    node.value = Value::Seq(items);
                    if anchor != 0 {
                        self.anchors.insert(anchor, node.clone());
                    }
                    self.push(node, documents, warnings, None)
                }
                _ => Err(error("unbalanced sequence end".to_owned())),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    mut node,
                    mut entries,
                    merges,
                    anchor,
                    ..
                }) => {
                    apply_merges(&mut entries, merges);
                    entries.shrink_to_fit(); // see `SequenceEnd`
                    node.value = Value::Map(entries);
                    if anchor != 0 {
                        self.anchors.insert(anchor, node.clone());
                    }
                    self.push(node, documents, warnings, None)
                }
                _ => Err(error("unbalanced mapping end".to_owned())),
            },
            Event::Alias(anchor) => {
                let Some(target) = self.anchors.get(&anchor) else {
                    return Err(error("alias to an unknown anchor".to_owned()));
                };
                let mut budget = self.limits.max_alias_nodes.saturating_sub(self.alias_nodes);
                let Some(mut copy) = clone_bounded(target, &mut budget) else {
                    return Err(error(format!(
                        "alias expansion exceeds the limit of {} nodes (an alias bomb?)",
                        self.limits.max_alias_nodes
                    )));
                };
                self.alias_nodes = self.limits.max_alias_nodes - budget;
                // Errors and findings should point at the alias, not at the anchor.
                copy.line = line;
                copy.column = column;
                self.push(copy, documents, warnings, None)
            }
            Event::DocumentStart(_) => {
                self.anchors.clear();
                if documents.len() >= self.limits.max_documents {
                    return Err(error(format!(
                        "more than {} documents in one stream",
                        self.limits.max_documents
                    )));
                }
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    fn check_depth(&self, line: u32, column: u32) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(YamlError {
                line,
                column,
                message: format!("nesting deeper than {} levels", self.limits.max_depth),
            });
        }
        Ok(())
    }

    /// Adds a finished node to its parent, or ends the document when there is no parent.
    /// `plain_scalar` is `Some(true)` for an unquoted scalar, which is what makes `<<` a merge key.
    fn push(
        &mut self,
        node: Node,
        documents: &mut Vec<Node>,
        warnings: &mut Vec<YamlError>,
        plain_scalar: Option<bool>,
    ) -> Result<(), YamlError> {
        let duplicate_keys = self.limits.duplicate_keys;
        match self.stack.last_mut() {
            None => {
                if node.value != Value::Null || node.tag.is_some() {
                    documents.push(node);
                }
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                merges,
                key,
                index,
                ..
            }) => match key.take() {
                None => {
                    let text = match node.value {
                        Value::Scalar(scalar) => scalar.text,
                        Value::Null => Box::default(),
                        _ => {
                            return Err(YamlError {
                                line: node.line,
                                column: node.column,
                                message:
                                    "mapping keys must be plain values, not sequences or mappings"
                                        .to_owned(),
                            });
                        }
                    };
                    let is_merge = &*text == "<<" && plain_scalar == Some(true);
                    *key = Some((text, node.line, node.column, is_merge));
                    Ok(())
                }
                Some((_, line, column, true)) => {
                    match node.value {
                        Value::Map(_) => merges.push(node),
                        Value::Seq(items) => {
                            for item in items {
                                if !matches!(item.value, Value::Map(_)) {
                                    return Err(merge_error(&item));
                                }
                                merges.push(item);
                            }
                        }
                        _ => {
                            return Err(YamlError {
                                line,
                                column,
                                ..merge_error(&node)
                            });
                        }
                    }
                    Ok(())
                }
                Some((text, line, column, false)) => {
                    let existing = match index {
                        Some(index) => index.get(&text).copied(),
                        None => entries.iter().position(|entry| entry.key == text),
                    };
                    if let Some(first) = existing.and_then(|position| entries.get_mut(position)) {
                        let error = YamlError {
                            line,
                            column,
                            message: format!(
                                "duplicate key {text:?} (first defined on line {})",
                                first.line
                            ),
                        };
                        return match duplicate_keys {
                            DuplicateKeys::Error => Err(error),
                            DuplicateKeys::LastWins => {
                                first.value = node;
                                warnings.push(error);
                                Ok(())
                            }
                        };
                    }
                    if let Some(index) = index {
                        index.insert(text.clone(), entries.len());
                    } else if entries.len() + 1 == INDEXED_MAPPING_LEN {
                        let mut built: HashMap<Box<str>, usize> = entries
                            .iter()
                            .enumerate()
                            .map(|(position, entry)| (entry.key.clone(), position))
                            .collect();
                        built.insert(text.clone(), entries.len());
                        *index = Some(built);
                    }
                    entries.push(Entry {
                        key: text,
                        line,
                        column,
                        value: node,
                    });
                    Ok(())
                }
            },
        }
    }
}

fn merge_error(node: &Node) -> YamlError {
    YamlError {
        line: node.line,
        column: node.column,
        message: "a merge key `<<` takes a mapping or a sequence of mappings".to_owned(),
    }
}

/// Keys written in the mapping win over merged ones; among merged mappings the first wins.
fn apply_merges(entries: &mut Vec<Entry>, merges: Vec<Node>) {
    if merges.is_empty() {
        return;
    }
    let mut seen: std::collections::HashSet<Box<str>> =
        entries.iter().map(|e| e.key.clone()).collect();
    for merge in merges {
        if let Value::Map(merged) = merge.value {
            for entry in merged {
                if seen.insert(entry.key.clone()) {
                    entries.push(entry);
                }
            }
        }
    }
}

/// Copies `node`, spending one unit of `budget` per node; `None` when the budget runs out.
fn clone_bounded(node: &Node, budget: &mut usize) -> Option<Node> {
    *budget = budget.checked_sub(1)?;
    let value = match &node.value {
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|item| clone_bounded(item, budget))
                .collect::<Option<_>>()?,
        ),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|entry| {
                    Some(Entry {
                        key: entry.key.clone(),
                        line: entry.line,
                        column: entry.column,
                        value: clone_bounded(&entry.value, budget)?,
                    })
                })
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    };
    Some(Node {
        value,
        line: node.line,
        column: node.column,
        tag: node.tag.clone(),
    })
}

/// YAML 1.2 core schema nulls.
fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

impl Node {
    /// The mapping's entries, when this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The sequence's items, when this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The scalar's text, when this is a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(scalar) => Some(&scalar.text),
            _ => None,
        }
    }

    /// Whether this is `null`, `~` or empty.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The node's tag as written (`!reset`, `!!str`), when it has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The entry for `key`, when this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|entry| &*entry.key == key)
    }

    /// The value for `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    /// The value at a path of keys (`["spec", "template", "spec"]`).
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// A boolean, for plain `true`/`false` (YAML 1.2, any case as Go's YAML libraries accept).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(Scalar {
                text,
                quoted: false,
            }) => match &**text {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer, for plain decimal, `0x` hex or `0o` octal scalars.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(Scalar {
                text,
                quoted: false,
            }) => parse_int(text),
            _ => None,
        }
    }

    /// The scalar as a string the way tools that stringify YAML values print it: scalars as
    /// written, `null` as `None`.
    pub fn scalar_text(&self) -> Option<&str> {
        self.as_str()
    }

    /// A short name of the node's type for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Scalar(_) if self.as_bool().is_some() => "a boolean",
            Value::Scalar(_) if self.as_i64().is_some() => "a number",
            Value::Scalar(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(octal) = digits.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        parse_document(text, Limits::default()).unwrap()
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let root = doc("a: 1\nb:\n  c: [x, y]\n");
        let b = root.entry("b").unwrap();
        assert_eq!((b.line, b.column), (2, 1));
        let c = b.value.entry("c").unwrap();
        assert_eq!((c.line, c.column), (3, 3));
        let y = &c.value.as_seq().unwrap()[1];
        assert_eq!((y.as_str(), y.line, y.column), (Some("y"), 3, 10));
    }

    #[test]
    fn scalars_keep_their_text_and_typed_reads_follow_yaml_1_2() {
        let root = doc("n: 08\nq: '1'\nt: true\ny: yes\nz: ~\nh: 0x1f\ne:\n");
        assert_eq!(root.get("n").unwrap().as_str(), Some("08"));
        assert_eq!(root.get("q").unwrap().as_i64(), None);
        assert_eq!(root.get("t").unwrap().as_bool(), Some(true));
        assert_eq!(root.get("y").unwrap().as_bool(), None);
        assert!(root.get("z").unwrap().is_null());
        assert!(root.get("e").unwrap().is_null());
        assert_eq!(root.get("h").unwrap().as_i64(), Some(31));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let root = doc(
            "x-base: &base\n  image: app:1\n  env: {A: 1}\nweb:\n  <<: *base\n  image: app:2\nworker: *base\n",
        );
        let web = root.get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("app:2"));
        assert_eq!(web.path(&["env", "A"]).unwrap().as_str(), Some("1"));
        let worker = root.get("worker").unwrap();
        assert_eq!(worker.get("image").unwrap().as_str(), Some("app:1"));
        assert_eq!(worker.line, 7, "an alias points at where it is used");
    }

    #[test]
    fn merge_of_a_sequence_first_mapping_wins() {
        let root = doc("a: &a {k: 1, x: 1}\nb: &b {k: 2, y: 2}\nc:\n  <<: [*a, *b]\n");
        let c = root.get("c").unwrap();
        assert_eq!(c.get("k").unwrap().as_str(), Some("1"));
        assert_eq!(c.get("y").unwrap().as_str(), Some("2"));
        let quoted = doc("'<<': {a: 1}\n");
        assert!(quoted.get("<<").is_some(), "a quoted << is an ordinary key");
    }

    #[test]
    fn alias_bomb_fails_fast() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..12 {
            let prev = format!("*a{}", level - 1);
            text.push_str(&format!(
                "a{level}: &a{level} [{}]\n",
                [prev.as_str(); 9].join(", ")
            ));
        }
        let start = std::time::Instant::now();
        let error = parse_document(&text, Limits::default()).unwrap_err();
        assert!(error.message.contains("alias bomb"), "{error}");
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let flow = "[".repeat(100_000);
        let error = parse_document(&flow, Limits::default()).unwrap_err();
        assert!(error.message.contains("recursion limit"), "{error}");
        let block: String = (0..300)
            .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth)))
            .collect();
        let error = parse_document(&block, Limits::default()).unwrap_err();
        assert!(error.message.contains("nesting deeper than 200"), "{error}");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let error = parse_document("a: 1\nb: 2\na: 3\n", Limits::default()).unwrap_err();
        assert_eq!((error.line, error.column), (3, 1));
        assert!(
            error
                .message
                .contains("duplicate key \"a\" (first defined on line 1)")
        );
    }

    #[test]
    fn duplicate_keys_last_wins_when_asked() {
        let limits = Limits {
            duplicate_keys: DuplicateKeys::LastWins,
            ..Limits::default()
        };
        let stream = parse_stream("a: 1\nb: 2\na: 3\n", limits);
        assert!(stream.error.is_none());
        let root = &stream.documents[0];
        assert_eq!(root.get("a").unwrap().as_str(), Some("3"));
        assert_eq!(root.as_map().unwrap().len(), 2);
        assert_eq!(stream.warnings.len(), 1);
        assert_eq!((stream.warnings[0].line, stream.warnings[0].column), (3, 1));
    }

    #[test]
    fn flow_collections_closed_at_the_key_indentation_read_like_go_yaml() {
        let text = "svc:\n    command: [\n      \"start\",\n      \"--uri\"\n    ]\n    env: {\n      A: 1\n    }\n    ports: [1]\n";
        let stream = parse_stream(text, Limits::default());
        assert!(stream.error.is_none(), "{:?}", stream.error);
        let svc = stream.documents[0].get("svc").unwrap();
        let command: Vec<_> = svc
            .get("command")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(command, ["start", "--uri"]);
        assert_eq!(svc.entry("ports").unwrap().line, 9, "lines do not move");
        // A real indentation error is still reported.
        let broken = parse_stream("a:\n  b: 1\n c: 2\n", Limits::default());
        assert!(broken.error.is_some());
    }

    #[test]
    fn duplicates_in_large_mappings_are_found_by_hash() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: again\nk39: last\n");
        let error = parse_document(&text, Limits::default()).unwrap_err();
        assert_eq!(error.line, 41);
        assert!(
            error.message.contains("\"k3\" (first defined on line 4)"),
            "{error}"
        );
        let limits = Limits {
            duplicate_keys: DuplicateKeys::LastWins,
            ..Limits::default()
        };
        let stream = parse_stream(&text, limits);
        let root = &stream.documents[0];
        assert_eq!(root.as_map().unwrap().len(), 40);
        assert_eq!(root.get("k39").unwrap().as_str(), Some("last"));
        assert_eq!(stream.warnings.len(), 2);
    }

    #[test]
    fn syntax_errors_have_positions_and_earlier_documents_survive() {
        let stream = parse_stream("a: 1\n---\nb: [\n", Limits::default());
        assert_eq!(stream.documents.len(), 1);
        let error = stream.error.unwrap();
        assert!(error.line >= 3, "{error}");
    }

    #[test]
    fn streams_skip_empty_documents_and_read_json() {
        let stream = parse_stream("---\n---\na: 1\n---\n# only a comment\n", Limits::default());
        assert_eq!(stream.documents.len(), 1);
        assert!(stream.error.is_none());
        let json = doc("{\"a\": [1, 2], \"b\": \"x\"}");
        assert_eq!(json.get("b").unwrap().as_str(), Some("x"));
        assert_eq!(doc("").value, Value::Null);
    }

    #[test]
    fn too_many_documents() {
        let limits = Limits {
            max_documents: 3,
            ..Limits::default()
        };
        let stream = parse_stream(&"---\na: 1\n".repeat(5), limits);
        assert_eq!(stream.documents.len(), 3);
        assert!(
            stream
                .error
                .unwrap()
                .message
                .contains("more than 3 documents")
        );
    }
}
