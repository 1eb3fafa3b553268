//! `configMapGenerator` and `secretGenerator`: ConfigMaps and Secrets made from literals, env
//! files and files, with `generatorOptions`, and `behavior: merge | replace` onto an object of a
//! base. Their content-hash name suffix is added at the end of the build (see `hash`).

use std::path::Path;

use parity_source::yaml::{Node, Value};

use super::tree::{self, Pos};
use super::{Builder, Resource, normalize, position};

/// `generatorOptions` or a generator's `options`.
#[derive(Debug, Default, Clone)]
struct Options {
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    disable_hash: Option<bool>,
    immutable: Option<bool>,
}

impl Options {
    /// `self` overridden by a generator's own options.
    fn with(&self, other: &Options) -> Options {
        let mut labels = self.labels.clone();
        labels.extend(other.labels.iter().cloned());
        let mut annotations = self.annotations.clone();
        annotations.extend(other.annotations.iter().cloned());
        Options {
            labels,
            annotations,
            disable_hash: other.disable_hash.or(self.disable_hash),
            immutable: other.immutable.or(self.immutable),
        }
    }
}

/// What a generator does when an object of that name already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behavior {
    Create,
    Merge,
    Replace,
}

impl Builder {
    fn options(&mut self, node: Option<&Node>) -> Options {
        let Some(node) = node else {
            return Options::default();
        };
        Options {
            labels: node
                .get("labels")
                .map(|labels| self.string_pairs(labels, "labels"))
                .unwrap_or_default(),
            annotations: node
                .get("annotations")
                .map(|annotations| self.string_pairs(annotations, "annotations"))
                .unwrap_or_default(),
            disable_hash: node.get("disableNameSuffixHash").and_then(Node::as_bool),
            immutable: node.get("immutable").and_then(Node::as_bool),
        }
    }

    pub(super) fn run_generators(
        &mut self,
        root: &Node,
        dir: &Path,
        resources: &mut Vec<Resource>,
    ) {
        let defaults = self.options(root.get("generatorOptions"));
        for (field, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            for item in self.items(root.get(field), field) {
                self.generate(&item, kind, dir, &defaults, resources);
            }
        }
    }

    fn generate(
        &mut self,
        item: &Node,
        kind: &str,
        dir: &Path,
        defaults: &Options,
        resources: &mut Vec<Resource>,
    ) {
        let Some(name_entry) = item.entry("name") else {
            self.error(Pos::of(item), format!("a {kind} generator needs a `name`"));
            return;
        };
        let Some(name) = name_entry.value.as_str().map(str::to_owned) else {
            self.error(Pos::of(&name_entry.value), "expected a string for `name`");
            return;
        };
        let at = Pos::of_entry(name_entry);
        let behavior = match tree::text(item.get("behavior")).unwrap_or("create") {
            "create" | "" => Behavior::Create,
            "merge" => Behavior::Merge,
            "replace" => Behavior::Replace,
            other => {
                let message =
                    format!("unknown behavior {other:?} (expected create, merge or replace)");
                self.error(item.get("behavior").map_or(at, Pos::of), message);
                return;
            }
        };
        let own = self.options(item.get("options"));
        let options = defaults.with(&own);
        let data = self.data(item, dir, kind == "Secret");

        let namespace = tree::text(item.get("namespace"));
        if behavior != Behavior::Create {
            let existing = resources.iter_mut().find(|resource| {
                resource.kind() == kind
                    && resource.answers_to(&name)
                    && namespace.is_none_or(|namespace| {
                        resource.namespace().unwrap_or("default") == namespace
                    })
            });
            let Some(existing) = existing else {
                let message = format!(
                    "{kind} generator `{name}` has behavior {} but no {kind} `{name}` comes from the resources",
                    if behavior == Behavior::Merge {
                        "merge"
                    } else {
                        "replace"
                    }
                );
                self.error(at, message);
                return;
            };
            let object = &mut existing.object;
            if behavior == Behavior::Replace {
                tree::remove(object, "data");
            }
            if !data.is_empty()
                && let Some(map) = tree::map_at(object, &["data"], true, at)
            {
                for (key, value) in data {
                    tree::set(map, &key, value);
                }
            }
            if !options.labels.is_empty() {
                tree::merge_strings(object, &["metadata", "labels"], &options.labels, true, at);
            }
            if !options.annotations.is_empty() {
                tree::merge_strings(
                    object,
                    &["metadata", "annotations"],
                    &options.annotations,
                    true,
                    at,
                );
            }
            // The suffix stays only when both the original and this generator want it (a
            // plain ConfigMap from a file never gets one), as kustomize does.
            existing.hash_suffix = existing.hash_suffix && !options.disable_hash.unwrap_or(false);
            return;
        }

        let exists = resources.iter().any(|resource| {
            resource.kind() == kind && resource.name() == name && resource.namespace() == namespace
        });
        if exists {
            let message = format!(
                "{kind} `{name}` already comes from the resources: use `behavior: merge` or `behavior: replace` to change it"
            );
            self.error(at, message);
            return;
        }
        let mut object = tree::empty_map(at);
        tree::set(&mut object, "apiVersion", tree::string("v1", at));
        tree::set(&mut object, "kind", tree::string(kind, at));
        let mut metadata = tree::empty_map(at);
        tree::set(&mut metadata, "name", tree::string(&name, at));
        if let Some(namespace) = namespace {
            tree::set(&mut metadata, "namespace", tree::string(namespace, at));
        }
        if !options.labels.is_empty() {
            tree::merge_strings(&mut metadata, &["labels"], &options.labels, true, at);
        }
        if !options.annotations.is_empty() {
            tree::merge_strings(
                &mut metadata,
                &["annotations"],
                &options.annotations,
                true,
                at,
            );
        }
        tree::set(&mut object, "metadata", metadata);
        if kind == "Secret" {
            let secret_type = tree::text(item.get("type")).unwrap_or("Opaque");
            tree::set(&mut object, "type", tree::string(secret_type, at));
        }
        if !data.is_empty() {
            let mut map = tree::empty_map(at);
            for (key, value) in data {
                tree::set(&mut map, &key, value);
            }
            tree::set(&mut object, "data", map);
        }
        if options.immutable == Some(true) {
            let mut value = tree::string("true", at);
            if let Value::Scalar(scalar) = &mut value.value {
                scalar.quoted = false;
            }
            tree::set(&mut object, "immutable", value);
        }
        let mut resource = Resource::new(object);
        resource.hash_suffix = !options.disable_hash.unwrap_or(false);
        resources.push(resource);
    }

    /// The generator's key-value pairs in kustomize's order (env files, literals, files), each
    /// value placed at the line that supplied it. Secret values are base64-encoded.
    fn data(&mut self, item: &Node, dir: &Path, secret: bool) -> Vec<(String, Node)> {
        let mut pairs: Vec<(String, String, Pos)> = Vec::new();
        let mut env_files = self.strings(item.get("envs"), "envs");
        if let Some(env) = item.get("env").and_then(Node::as_str) {
            env_files.push((
                env.to_owned(),
                item.get("env").map_or(Pos::of(item), Pos::of),
            ));
        }
        for (path, at) in env_files {
            let target = normalize(&dir.join(&path));
            if !self.within_kustomization(&target, dir, at, &path) {
                continue;
            }
            let Some((text, index)) = self.read(&target, Some(at), &path) else {
                continue;
            };
            for (number, line) in text.lines().enumerate() {
                let line = if number == 0 {
                    line.trim_start_matches('\u{feff}')
                } else {
                    line
                };
                let line = line.trim_start();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let line_number = u32::try_from(number + 1).unwrap_or(u32::MAX);
                let at = Pos {
                    line: position::encode(index, line_number),
                    column: 1,
                };
                match line.split_once('=') {
                    Some((key, value)) => pairs.push((key.to_owned(), value.to_owned(), at)),
                    // kustomize reads a bare name as an empty value.
                    None => pairs.push((line.to_owned(), String::new(), at)),
                }
            }
        }
        for (literal, at) in self.strings(item.get("literals"), "literals") {
            let Some((key, value)) = literal.split_once('=') else {
                self.error(at, format!("literal {literal:?} is not KEY=VALUE"));
                continue;
            };
            pairs.push((key.to_owned(), unquote(value).to_owned(), at));
        }
        for (source, at) in self.strings(item.get("files"), "files") {
            let (key, path) = match source.split_once('=') {
                Some((key, path)) => (key.to_owned(), path.to_owned()),
                None => {
                    let key = Path::new(&source)
                        .file_name()
                        .map(|name| name.to_string_lossy().into_owned())
                        .unwrap_or_else(|| source.clone());
                    (key, source.clone())
                }
            };
            let target = normalize(&dir.join(&path));
            if !self.within_kustomization(&target, dir, at, &path) {
                continue;
            }
            if let Some((text, _)) = self.read(&target, Some(at), &path) {
                pairs.push((key, text, at));
            }
        }
        let mut out: Vec<(String, Node)> = Vec::with_capacity(pairs.len());
        for (key, value, at) in pairs {
            let value = if secret {
                wrapped_base64(value.as_bytes())
            } else {
                value
            };
            let node = tree::string(&value, at);
            match out.iter_mut().find(|(existing, _)| *existing == key) {
                Some(slot) => slot.1 = node,
                None => out.push((key, node)),
            }
        }
        out
    }
}

/// A literal's value without the quotes around it (`K="a b"` is `a b`), as kustomize reads it.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2
            && value.starts_with(quote)
            && value.ends_with(quote)
            && let Some(inner) = value.get(1..value.len() - 1)
        {
            return inner;
        }
    }
    value
}

/// Base64 as kustomize writes generated Secret values: lines of 70 characters, each ended by a
/// newline once the value needs more than one line (kustomize's `encodeBase64`).
fn wrapped_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = super::hash::base64(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_lose_their_quotes() {
        assert_eq!(unquote("\"hello world\""), "hello world");
        assert_eq!(unquote("'x'"), "x");
        assert_eq!(unquote("\"x"), "\"x");
        assert_eq!(unquote("plain"), "plain");
    }

    #[test]
    fn long_secret_values_wrap_at_70_characters() {
        assert_eq!(wrapped_base64(b"short"), "c2hvcnQ=");
        let long = wrapped_base64(&[b'a'; 60]);
        let lines: Vec<&str> = long.split_terminator('\n').collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 70);
        assert!(long.ends_with('\n'));
    }
}
