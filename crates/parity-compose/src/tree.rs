//! The compose document as a tree whose every value knows its file, line and column.
//!
//! `parity_source::yaml::Node` only knows line and column; compose merges values from several
//! files (overrides, `extends`), so each value here carries a full [`Origin`] and the origin of
//! the value that wins a merge is the one reported.

use std::collections::BTreeSet;

use parity_model::{ArcStr, Diagnostic, HostVariable, Origin};
use parity_source::yaml::{Node, Tag, Value};

use crate::interpolate::interpolate;

/// A value of a compose file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Val {
    pub(crate) kind: Kind,
    pub(crate) origin: Origin,
    /// The YAML tag as written (`!reset`, `!override`); a thin box, as in the YAML tree.
    pub(crate) tag: Option<Tag>,
}

/// The shape of a [`Val`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    /// Scalar text after interpolation, and whether it was quoted in the file.
    Scalar(String, bool),
    Seq(Vec<Val>),
    Map(Vec<Field>),
}

/// One `key: value` of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub(crate) key: String,
    pub(crate) origin: Origin,
    pub(crate) value: Val,
}

impl Val {
    pub(crate) fn new(kind: Kind, origin: Origin) -> Self {
        Self {
            kind,
            origin,
            tag: None,
        }
    }

    /// A string cut out of a longer one (`KEY=value` list items): always a string, never a
    /// number or boolean, so it counts as quoted.
    pub(crate) fn string(text: impl Into<String>, origin: Origin) -> Self {
        Self::new(Kind::Scalar(text.into(), true), origin)
    }

    pub(crate) fn as_map(&self) -> Option<&[Field]> {
        match &self.kind {
            Kind::Map(fields) => Some(fields),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Val]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub(crate) fn field(&self, key: &str) -> Option<&Field> {
        self.as_map()?.iter().find(|field| field.key == key)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Val> {
        self.field(key).map(|field| &field.value)
    }

    pub(crate) fn has_tag(&self, tag: &str) -> bool {
        self.tag.as_deref() == Some(tag)
    }

    /// A boolean as compose reads one (`true`/`false` in any case).
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// A non-negative integer written plainly or produced by interpolation.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        self.as_str()?.trim().parse().ok()
    }

    /// A short name of the value's type for "expected X, found Y" messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Scalar(_, false) if self.as_bool().is_some() => "a boolean",
            Kind::Scalar(text, false) if text.parse::<f64>().is_ok() => "a number",
            Kind::Scalar(..) => "a string",
            Kind::Seq(_) => "a sequence",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Turns a parsed YAML document into a [`Val`] tree for `file`, interpolating every scalar
/// value (never keys) with `lookup`.
pub(crate) struct Builder<'a> {
    pub(crate) file: ArcStr,
    pub(crate) lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(crate) diagnostics: &'a mut Vec<Diagnostic>,
    /// Unset variables already warned about, shared across the files of one project.
    pub(crate) warned: &'a mut BTreeSet<String>,
    /// Variables used with no default that the project environment does not set: compose takes
    /// them from the shell that runs it. Each name once, at its first use.
    pub(crate) host_variables: &'a mut Vec<HostVariable>,
}

impl Builder<'_> {
    /// Converts a borrowed tree (tests keep theirs); loading uses [`Builder::build_owned`].
    #[cfg(test)]
    pub(crate) fn build(&mut self, node: &Node) -> Val {
        let origin = Origin::new(self.file.clone(), node.line, node.column);
        let kind = match &node.value {
            Value::Null => Kind::Null,
            // A template is a string to Go's YAML, whatever it expands to: count it as quoted so
            // `${PORT}` giving `080` is not read as a number later.
            Value::Scalar(scalar) => Kind::Scalar(
                self.interpolate(&scalar.text, &origin),
                scalar.quoted || scalar.text.contains('$'),
            ),
            Value::Seq(items) => Kind::Seq(items.iter().map(|item| self.build(item)).collect()),
            Value::Map(entries) => Kind::Map(
                entries
                    .iter()
                    .map(|entry| Field {
                        key: String::from(&*entry.key),
                        origin: Origin::new(self.file.clone(), entry.line, entry.column),
                        value: self.build(&entry.value),
                    })
                    .collect(),
            ),
        };
        Val {
            kind,
            origin,
            tag: node.tag.clone(),
        }
    }

    /// [`Builder::build`] taking the YAML tree by value: keys and scalars without `$` move into
    /// the new tree, and each part of the YAML tree is freed as soon as it is converted, so the
    /// two trees of a large file are never both alive in full (docs/performance.md).
    pub(crate) fn build_owned(&mut self, node: Node) -> Val {
        let origin = Origin::new(self.file.clone(), node.line, node.column);
        let kind = match node.value {
            Value::Null => Kind::Null,
            // As in `build`: a template counts as quoted.
            Value::Scalar(scalar) if scalar.text.contains('$') => {
                Kind::Scalar(self.interpolate(&scalar.text, &origin), true)
            }
            Value::Scalar(scalar) => Kind::Scalar(scalar.text.into_string(), scalar.quoted),
            Value::Seq(items) => Kind::Seq(
                items
                    .into_iter()
                    .map(|item| self.build_owned(item))
                    .collect(),
            ),
            Value::Map(entries) => Kind::Map(
                entries
                    .into_iter()
                    .map(|entry| Field {
                        origin: Origin::new(self.file.clone(), entry.line, entry.column),
                        key: entry.key.into_string(),
                        value: self.build_owned(entry.value),
                    })
                    .collect(),
            ),
        };
        Val {
            kind,
            origin,
            tag: node.tag,
        }
    }

    fn interpolate(&mut self, text: &str, origin: &Origin) -> String {
        if !text.contains('$') {
            return text.to_owned();
        }
        match interpolate(text, self.lookup) {
            Ok(result) => {
                for name in result.unset {
                    if !self.host_variables.iter().any(|var| var.name == name) {
                        self.host_variables.push(HostVariable {
                            name: name.clone(),
                            origin: origin.clone(),
                        });
                    }
                    if self.warned.insert(name.clone()) {
                        self.diagnostics.push(Diagnostic::warning(
                            origin.clone(),
                            format!("variable {name} is not set, defaulting to a blank string"),
                        ));
                    }
                }
                result.text
            }
            Err(error) => {
                self.diagnostics
                    .push(Diagnostic::error(origin.clone(), error.to_string()));
                text.to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_source::yaml::{Limits, parse_document};

    #[test]
    fn builds_with_origins_and_interpolates_values_not_keys() {
        let node = parse_document(
            "services:\n  ${NAME}:\n    image: app:${TAG}\n    user: $NOPE\n",
            Limits::default(),
        )
        .unwrap();
        let lookup = |name: &str| (name == "TAG").then(|| "2".to_owned());
        let mut diagnostics = Vec::new();
        let mut warned = BTreeSet::new();
        let mut host_variables = Vec::new();
        let val = Builder {
            file: ArcStr::from("c.yaml"),
            lookup: &lookup,
            diagnostics: &mut diagnostics,
            warned: &mut warned,
            host_variables: &mut host_variables,
        }
        .build(&node);
        let service = val.get("services").unwrap().field("${NAME}").unwrap();
        assert_eq!((service.origin.line, service.origin.column), (2, 3));
        let image = service.value.get("image").unwrap();
        assert_eq!(image.as_str(), Some("app:2"));
        assert_eq!(image.origin.to_string(), "c.yaml:3:12");
        assert_eq!(diagnostics.len(), 1);
        let host: Vec<(&str, String)> = host_variables
            .iter()
            .map(|var| (var.name.as_str(), var.origin.to_string()))
            .collect();
        assert_eq!(host, [("NOPE", "c.yaml:4:11".to_owned())]);
        assert_eq!(
            diagnostics[0].to_string(),
            "c.yaml:4:11: warning: variable NOPE is not set, defaulting to a blank string"
        );
    }

    #[test]
    fn building_from_an_owned_tree_gives_the_same_tree_and_diagnostics() {
        let text = "x-env: &env\n  A: \"1\"\nservices:\n  web:\n    image: app:${TAG:-2}\n    \
                    environment:\n      <<: *env\n      B: $NOPE\n    ports: [\"80:80\", 443]\n    \
                    tmpfs: !reset null\n";
        let node = parse_document(text, Limits::default()).unwrap();
        let lookup = |_: &str| None;
        let build = |owned: bool| {
            let mut diagnostics = Vec::new();
            let mut warned = BTreeSet::new();
            let mut host_variables = Vec::new();
            let mut builder = Builder {
                file: ArcStr::from("c.yaml"),
                lookup: &lookup,
                diagnostics: &mut diagnostics,
                warned: &mut warned,
                host_variables: &mut host_variables,
            };
            let val = if owned {
                builder.build_owned(node.clone())
            } else {
                builder.build(&node)
            };
            (val, diagnostics, host_variables)
        };
        let (by_ref, by_ref_diagnostics, by_ref_host) = build(false);
        let (owned, owned_diagnostics, owned_host) = build(true);
        assert_eq!(owned, by_ref);
        assert_eq!(owned_diagnostics, by_ref_diagnostics);
        assert_eq!(owned_host, by_ref_host);
        let web = owned.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("app:2"));
        assert_eq!(
            web.get("environment").unwrap().get("A").unwrap().as_str(),
            Some("1")
        );
        assert!(web.get("tmpfs").unwrap().has_tag("!reset"));
        assert_eq!(owned_diagnostics.len(), 1);
    }
}
