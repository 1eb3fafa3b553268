//! Applying patches: strategic merge (maps merged key by key, known lists merged by their
//! merge key the way the Kubernetes API defines them) and JSON 6902 operations.

use parity_source::yaml::{Node, Value};

use super::tree;

/// The merge key of a list field of a built-in kind, by field name, as the Kubernetes API
/// declares it (`patchMergeKey`). Lists without one are replaced whole.
fn merge_key(field: &str, items: &[Node]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "volumeMounts" | "volumeDevices" => "mountPath",
        // Containers list `containerPort`, Services `port`; the items say which this is.
        "ports" => {
            if items.iter().any(|item| item.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        _ => return None,
    })
}

fn directive(node: &Node) -> Option<&str> {
    node.get("$patch").and_then(Node::as_str)
}

/// Removes `$patch` and other directives from a node taken from a patch.
fn strip_directives(node: &Node) -> Node {
    let mut out = node.clone();
    strip_in_place(&mut out);
    out
}

fn strip_in_place(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|entry| !entry.key.starts_with('$'));
            entries
                .iter_mut()
                .for_each(|entry| strip_in_place(&mut entry.value));
        }
        Value::Seq(items) => {
            items.retain(|item| directive(item) != Some("delete"));
            items.iter_mut().for_each(strip_in_place);
        }
        Value::Null | Value::Scalar(_) => {}
    }
}

/// Merges a strategic merge patch into `target`. `built_in` is whether the target's kind is one
/// Kubernetes ships: custom resources have no merge keys, so their lists are replaced (as
/// kustomize does for kinds it has no schema for).
pub(crate) fn strategic_merge(target: &mut Node, patch: &Node, built_in: bool) {
    if directive(patch) == Some("replace") {
        *target = strip_directives(patch);
        return;
    }
    let Some(entries) = patch.as_map() else {
        *target = strip_directives(patch);
        return;
    };
    if target.as_map().is_none() {
        *target = strip_directives(patch);
        return;
    }
    for entry in entries {
        let key = &*entry.key;
        if key.starts_with('$') {
            continue;
        }
        let value = &entry.value;
        if value.is_null() || directive(value) == Some("delete") {
            tree::remove(target, key);
            continue;
        }
        let Some(existing) = tree::get_mut(target, key) else {
            let added = strip_directives(value);
            tree::set(target, key, added);
            // Keep the key's own position too: it is where the patch wrote the field.
            set_key_position(target, key, entry.line, entry.column);
            continue;
        };
        let replaced = match (&mut existing.value, &value.value) {
            (Value::Map(_), Value::Map(_)) => {
                strategic_merge(existing, value, built_in);
                false
            }
            (Value::Seq(current), Value::Seq(patch_items)) => {
                let key_field = if built_in {
                    merge_key(key, patch_items).or_else(|| merge_key(key, current))
                } else {
                    None
                };
                match key_field {
                    Some(key_field) if patch_items.iter().all(|item| item.as_map().is_some()) => {
                        let merged = merge_list(current, patch_items, key_field, built_in);
                        *current = merged;
                        false
                    }
                    _ => {
                        *existing = strip_directives(value);
                        true
                    }
                }
            }
            _ => {
                *existing = strip_directives(value);
                true
            }
        };
        // A field the patch rewrote is now written in the patch: findings about it (an image,
        // a port) point there, not at the base.
        if replaced {
            set_key_position(target, key, entry.line, entry.column);
        }
    }
}

fn set_key_position(target: &mut Node, key: &str, line: u32, column: u32) {
    if let Value::Map(entries) = &mut target.value
        && let Some(entry) = entries.iter_mut().find(|entry| &*entry.key == key)
    {
        entry.line = line;
        entry.column = column;
    }
}

/// Items of the patch first, in its order (merged into the item with the same key), then the
/// target's items the patch does not mention: the order kustomize writes.
fn merge_list(current: &[Node], patch: &[Node], key_field: &str, built_in: bool) -> Vec<Node> {
    let key_of = |item: &Node| {
        item.get(key_field)
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    let mut out = Vec::with_capacity(current.len() + patch.len());
    let mut mentioned = Vec::new();
    for item in patch {
        let key = key_of(item);
        if let Some(key) = &key {
            mentioned.push(key.clone());
        }
        if directive(item) == Some("delete") {
            continue;
        }
        let matching = key
            .as_ref()
            .and_then(|key| current.iter().find(|c| key_of(c).as_ref() == Some(key)));
        match matching {
            Some(existing) => {
                let mut merged = existing.clone();
                strategic_merge(&mut merged, item, built_in);
                out.push(merged);
            }
            None => out.push(strip_directives(item)),
        }
    }
    for item in current {
        let key = key_of(item);
        if key.is_none_or(|key| !mentioned.contains(&key)) {
            out.push(item.clone());
        }
    }
    out
}

/// One step of a JSON pointer, unescaped (`~1` is `/`, `~0` is `~`).
fn pointer_steps(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("path {path:?} does not start with `/`"));
    };
    Ok(rest
        .split('/')
        .map(|step| step.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn child_mut<'a>(node: &'a mut Node, step: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|entry| &*entry.key == step)
            .map(|entry| &mut entry.value),
        Value::Seq(items) => step
            .parse::<usize>()
            .ok()
            .and_then(|index| items.get_mut(index)),
        _ => None,
    }
}

fn resolve_mut<'a>(node: &'a mut Node, steps: &[String]) -> Option<&'a mut Node> {
    steps
        .iter()
        .try_fold(node, |node, step| child_mut(node, step))
}

fn resolve<'a>(node: &'a Node, steps: &[String]) -> Option<&'a Node> {
    steps.iter().try_fold(node, |node, step| match &node.value {
        Value::Map(_) => node.get(step),
        Value::Seq(items) => step
            .parse::<usize>()
            .ok()
            .and_then(|index| items.get(index)),
        _ => None,
    })
}

/// Splits a path into its parent and the last step.
fn split_last(steps: &[String]) -> Result<(&[String], &str), String> {
    match steps.split_last() {
        Some((last, parent)) => Ok((parent, last.as_str())),
        None => Err("the whole document cannot be the target of this operation".to_owned()),
    }
}

fn add(target: &mut Node, steps: &[String], value: Node) -> Result<(), String> {
    let (parent_steps, last) = split_last(steps)?;
    let parent = resolve_mut(target, parent_steps)
        .ok_or_else(|| format!("path /{} does not exist", parent_steps.join("/")))?;
    match &mut parent.value {
        Value::Map(_) => {
            tree::set(parent, last, value);
            Ok(())
        }
        Value::Seq(items) => {
            if last == "-" {
                items.push(value);
                return Ok(());
            }
            match last.parse::<usize>() {
                Ok(index) if index <= items.len() => {
                    items.insert(index, value);
                    Ok(())
                }
                _ => Err(format!(
                    "index {last:?} is out of range for a list of {} items",
                    items.len()
                )),
            }
        }
        _ => Err(format!(
            "path /{} is not a mapping or a list",
            parent_steps.join("/")
        )),
    }
}

fn remove(target: &mut Node, steps: &[String]) -> Result<Node, String> {
    let (parent_steps, last) = split_last(steps)?;
    let missing = || format!("path /{} does not exist", steps.join("/"));
    let parent = resolve_mut(target, parent_steps).ok_or_else(missing)?;
    match &mut parent.value {
        Value::Map(_) => tree::remove(parent, last).ok_or_else(missing),
        Value::Seq(items) => match last.parse::<usize>() {
            Ok(index) if index < items.len() => Ok(items.remove(index)),
            _ => Err(missing()),
        },
        _ => Err(missing()),
    }
}

/// Applies JSON 6902 operations (a sequence of `{op, path, value, from}`) to `target`.
/// Stops at the first operation that fails, as kustomize does, and says which.
pub(crate) fn json6902(target: &mut Node, operations: &Node) -> Result<(), String> {
    let Some(operations) = operations.as_seq() else {
        return Err(format!(
            "expected a list of operations, found {}",
            operations.type_name()
        ));
    };
    for (index, operation) in operations.iter().enumerate() {
        apply_operation(target, operation)
            .map_err(|message| format!("operation {}: {message}", index + 1))?;
    }
    Ok(())
}

fn apply_operation(target: &mut Node, operation: &Node) -> Result<(), String> {
    let op = tree::text(operation.get("op")).ok_or("has no `op`")?;
    let path = tree::text(operation.get("path")).ok_or("has no `path`")?;
    let steps = pointer_steps(path)?;
    let value = || {
        operation
            .get("value")
            .cloned()
            .ok_or_else(|| format!("`{op}` needs a `value`"))
    };
    let from = || -> Result<Vec<String>, String> {
        pointer_steps(tree::text(operation.get("from")).ok_or("needs a `from`")?)
    };
    match op {
        "add" => add(target, &steps, value()?),
        "remove" => remove(target, &steps).map(|_| ()),
        "replace" => {
            let (parent_steps, last) = split_last(&steps)?;
            let value = value()?;
            let missing = || format!("path {path} does not exist");
            let parent = resolve_mut(target, parent_steps).ok_or_else(missing)?;
            if parent.as_map().is_some() {
                // The key moves to the patch too, like a strategic merge replacement.
                if parent.get(last).is_none() {
                    return Err(missing());
                }
                tree::set_moved(parent, last, value);
            } else {
                *child_mut(parent, last).ok_or_else(missing)? = value;
            }
            Ok(())
        }
        "move" => {
            let moved = remove(target, &from()?)?;
            add(target, &steps, moved)
        }
        "copy" => {
            let copied = resolve(target, &from()?)
                .cloned()
                .ok_or("`from` does not exist")?;
            add(target, &steps, copied)
        }
        "test" => {
            let expected = value()?;
            let actual =
                resolve(target, &steps).ok_or_else(|| format!("path {path} does not exist"))?;
            if same_data(actual, &expected) {
                Ok(())
            } else {
                Err(format!(
                    "test failed: {path} does not hold the expected value"
                ))
            }
        }
        other => Err(format!(
            "unknown op {other:?} (expected add, remove, replace, move, copy or test)"
        )),
    }
}

/// Equality of values, ignoring positions.
pub(crate) fn same_data(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Scalar(x), Value::Scalar(y)) => x.text == y.text,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_data(x, y))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|entry| {
                    b.get(&entry.key)
                        .is_some_and(|other| same_data(&entry.value, other))
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_source::yaml::{Limits, parse_document};

    fn yaml(text: &str) -> Node {
        parse_document(text, Limits::default()).unwrap()
    }

    fn env_names(node: &Node) -> Vec<String> {
        node.path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0]
            .get("env")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .map(|item| {
                format!(
                    "{}={}",
                    item.get("name").unwrap().as_str().unwrap(),
                    item.get("value").and_then(Node::as_str).unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn containers_and_env_merge_by_name_patch_items_first() {
        let mut target = yaml(
            "spec:\n  containers:\n  - name: api\n    image: a:1\n    env: [{name: A, value: '1'}, {name: B, value: '2'}, {name: C, value: '3'}]\n",
        );
        let patch = yaml(
            "spec:\n  containers:\n  - name: api\n    env: [{name: B, value: '9'}, {name: C, $patch: delete}, {name: D, value: '4'}]\n",
        );
        strategic_merge(&mut target, &patch, true);
        assert_eq!(env_names(&target), ["B=9", "D=4", "A=1"]);
        let container = &target
            .path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert_eq!(container.get("image").unwrap().as_str(), Some("a:1"));
        // A replaced scalar's key moves to the patch as well.
        let patched_image = yaml("spec:\n  containers:\n  - name: api\n    image: a:2\n");
        let mut retagged = target.clone();
        strategic_merge(&mut retagged, &patched_image, true);
        let entry = retagged
            .path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0]
            .entry("image")
            .unwrap()
            .clone();
        assert_eq!((entry.line, entry.value.as_str()), (4, Some("a:2")));
        // The patched value carries the patch's position (line 4 of the patch text).
        let b = &container.get("env").unwrap().as_seq().unwrap()[0];
        assert_eq!(b.get("value").unwrap().line, 4);
    }

    #[test]
    fn null_deletes_and_custom_resources_replace_lists() {
        let mut target = yaml("spec: {a: 1, b: 2, items: [{name: x, v: 1}]}\n");
        let patch = yaml("spec: {a: null, items: [{name: y}]}\n");
        strategic_merge(&mut target, &patch, false);
        let spec = target.get("spec").unwrap();
        assert!(spec.get("a").is_none());
        assert_eq!(spec.get("items").unwrap().as_seq().unwrap().len(), 1);
        assert_eq!(
            spec.path(&["items"]).unwrap().as_seq().unwrap()[0]
                .get("name")
                .unwrap()
                .as_str(),
            Some("y")
        );
    }

    #[test]
    fn json6902_operations() {
        let mut target = yaml("spec:\n  replicas: 1\n  containers: [{name: api, image: a}]\n");
        let operations = yaml(
            "- {op: replace, path: /spec/replicas, value: 3}\n- {op: add, path: /spec/containers/-, value: {name: side, image: b}}\n- {op: add, path: /metadata, value: {name: x}}\n- {op: copy, from: /spec/containers/0/image, path: /metadata/image}\n- {op: test, path: /spec/replicas, value: 3}\n- {op: remove, path: /spec/containers/0}\n",
        );
        json6902(&mut target, &operations).unwrap();
        assert_eq!(
            target.path(&["spec", "replicas"]).unwrap().as_str(),
            Some("3")
        );
        let containers = target
            .path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(containers.len(), 1);
        assert_eq!(containers[0].get("name").unwrap().as_str(), Some("side"));
        assert_eq!(
            target.path(&["metadata", "image"]).unwrap().as_str(),
            Some("a")
        );

        let bad = yaml("- {op: replace, path: /spec/nothing/here, value: 1}\n");
        assert_eq!(
            json6902(&mut target, &bad).unwrap_err(),
            "operation 1: path /spec/nothing/here does not exist"
        );
        let escaped = pointer_steps("/metadata/annotations/a~1b~0c").unwrap();
        assert_eq!(escaped, ["metadata", "annotations", "a/b~c"]);
    }
}
