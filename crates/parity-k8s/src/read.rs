//! Typed reads from the YAML tree that turn a wrong type into an error diagnostic at that node
//! and hand back an empty value, so one bad field never stops the rest of the object from loading.

use parity_model::{ArcStr, SortedMap};

use parity_model::{Diagnostic, Origin, SharedText};
use parity_source::yaml::{Entry, Node, Value};

/// The file being read and the diagnostics collected for it.
pub(crate) struct Cx<'a> {
    pub(crate) file: &'a ArcStr,
    pub(crate) diagnostics: &'a mut Vec<Diagnostic>,
    /// For trees assembled from several files (a kustomize build): the files, indexed by the
    /// file number each node's line carries (see `kustomize::position`). Empty for one file.
    pub(crate) sources: &'a [ArcStr],
    /// The file's env names and values and ConfigMap keys and values, each held once.
    pub(crate) shared: SharedText,
}

impl Cx<'_> {
    pub(crate) fn at(&self, node: &Node) -> Origin {
        self.origin(node.line, node.column)
    }

    pub(crate) fn at_entry(&self, entry: &Entry) -> Origin {
        self.origin(entry.line, entry.column)
    }

    fn origin(&self, line: u32, column: u32) -> Origin {
        if self.sources.is_empty() {
            return Origin::new(self.file.clone(), line, column);
        }
        let (index, line) = crate::kustomize::position::decode(line);
        let file = self.sources.get(index).unwrap_or(self.file);
        Origin::new(file.clone(), line, column)
    }

    pub(crate) fn error(&mut self, origin: Origin, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(origin, message));
    }

    pub(crate) fn warning(&mut self, origin: Origin, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(origin, message));
    }

    pub(crate) fn note(&mut self, origin: Origin, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::note(origin, message));
    }

    fn wrong_type(&mut self, node: &Node, expected: &str, path: &str) {
        let message = format!(
            "expected {expected} for `{path}`, found {}",
            node.type_name()
        );
        self.error(self.at(node), message);
    }

    /// The entries of a mapping; absent or null reads as empty.
    pub(crate) fn map<'n>(&mut self, node: Option<&'n Node>, path: &str) -> &'n [Entry] {
        match node {
            None => &[],
            Some(node) => match &node.value {
                Value::Map(entries) => entries,
                Value::Null => &[],
                _ => {
                    self.wrong_type(node, "a mapping", path);
                    &[]
                }
            },
        }
    }

    /// The items of a sequence; absent or null reads as empty.
    pub(crate) fn seq<'n>(&mut self, node: Option<&'n Node>, path: &str) -> &'n [Node] {
        match node {
            None => &[],
            Some(node) => match &node.value {
                Value::Seq(items) => items,
                Value::Null => &[],
                _ => {
                    self.wrong_type(node, "a sequence", path);
                    &[]
                }
            },
        }
    }

    /// A scalar's text; absent or null reads as `None`.
    pub(crate) fn text<'n>(&mut self, node: Option<&'n Node>, path: &str) -> Option<&'n str> {
        let node = node?;
        match &node.value {
            Value::Scalar(scalar) => Some(&scalar.text),
            Value::Null => None,
            _ => {
                self.wrong_type(node, "a string", path);
                None
            }
        }
    }

    /// A port number (1-65535); absent or null reads as `None`.
    pub(crate) fn port(&mut self, node: Option<&Node>, path: &str) -> Option<u16> {
        let node = node?;
        let text = self.text(Some(node), path)?;
        match text.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => {
                let message =
                    format!("expected a port number (1-65535) for `{path}`, found {text:?}");
                self.error(self.at(node), message);
                None
            }
        }
    }

    /// A boolean; absent or null reads as `false`.
    pub(crate) fn flag(&mut self, node: Option<&Node>, path: &str) -> bool {
        let Some(node) = node else { return false };
        if node.is_null() {
            return false;
        }
        match node.as_bool() {
            Some(value) => value,
            None => {
                self.wrong_type(node, "true or false", path);
                false
            }
        }
    }

    /// A mapping of strings to strings (labels, selectors); other values are errors.
    pub(crate) fn string_map(
        &mut self,
        node: Option<&Node>,
        path: &str,
    ) -> SortedMap<String, String> {
        let mut out = Vec::new();
        for entry in self.map(node, path) {
            match &entry.value.value {
                Value::Scalar(scalar) => {
                    out.push((String::from(&*entry.key), String::from(&*scalar.text)))
                }
                Value::Null => out.push((String::from(&*entry.key), String::new())),
                _ => {
                    let entry_path = format!("{path}.{}", entry.key);
                    self.wrong_type(&entry.value, "a string", &entry_path);
                }
            }
        }
        // Sorted once (last wins), not inserted one by one: see `SortedMap`.
        out.into_iter().collect()
    }
}
