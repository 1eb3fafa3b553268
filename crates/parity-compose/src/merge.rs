//! Compose merge rules, used for override files and for `extends`.
//!
//! The rules follow compose-go's `override` package (what `docker compose config` does):
//! mappings merge recursively, a later scalar replaces an earlier one, a later `null` keeps the
//! earlier value (but an `environment` entry without a value replaces it), sequences are appended and then made unique per field (ports by
//! `ip:published:target/protocol`, volumes by target, env files by path, plain lists by value),
//! `command`, `entrypoint` and `healthcheck.test` are replaced whole, and the `!reset` and
//! `!override` tags remove or replace a value. `environment`, `labels`, `depends_on` and `build`
//! are first brought to their mapping form (see [`normalize_service`]) so they merge by key.

use std::collections::HashMap;

use parity_model::Diagnostic;

use crate::ports::parse_port_spec;
use crate::tree::{Field, Kind, Val};

const RESET: &str = "!reset";
const OVERRIDE: &str = "!override";

/// Brings the fields of one service that have a list and a mapping form (or a string and a
/// mapping form) to the mapping form, so merging works key by key.
pub(crate) fn normalize_service(service: &mut Val, diagnostics: &mut Vec<Diagnostic>) {
    let Kind::Map(fields) = &mut service.kind else {
        return;
    };
    for field in fields.iter_mut() {
        match field.key.as_str() {
            "environment" => {
                list_to_map(&mut field.value, "environment", ListItem::Null, diagnostics)
            }
            "labels" | "annotations" => list_to_map(
                &mut field.value,
                &field.key.clone(),
                ListItem::Empty,
                diagnostics,
            ),
            "depends_on" => depends_on_to_map(&mut field.value, diagnostics),
            // One string is a list of one: an override or `extends` adds to the list instead
            // of replacing it, as in compose.
            "env_file" | "tmpfs" | "dns" | "dns_search" => {
                if let Kind::Scalar(..) = field.value.kind {
                    let item = field.value.clone();
                    field.value.kind = Kind::Seq(vec![item]);
                }
            }
            "build" => {
                if let Kind::Scalar(..) = field.value.kind {
                    let context = Field {
                        key: "context".to_owned(),
                        origin: field.value.origin.clone(),
                        value: field.value.clone(),
                    };
                    field.value.kind = Kind::Map(vec![context]);
                }
                if let Kind::Map(build_fields) = &mut field.value.kind {
                    for build_field in build_fields
                        .iter_mut()
                        .filter(|f| f.key == "args" || f.key == "labels")
                    {
                        let key = build_field.key.clone();
                        list_to_map(&mut build_field.value, &key, ListItem::Null, diagnostics);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The service fields whose items the Compose Specification's schema declares unique
/// (`uniqueItems`) and that compose does not make unique itself before validating: a file that
/// repeats an item in one of these lists is rejected. (`environment`, `volumes`, `profiles`,
/// `labels`, ... are made unique first, a later item replacing an equal one, so a repeat there
/// is fine.)
const UNIQUE_ITEM_FIELDS: [&str; 8] = [
    "depends_on",
    "device_cgroup_rules",
    "external_links",
    "group_add",
    "models",
    "networks",
    "security_opt",
    "volumes_from",
];

/// Reports the lists of one service (as written in one file, before any merge) that repeat an
/// item, as compose's schema validation does: `services.web.depends_on items at 0 and 1 are
/// equal`. Ports are checked once `extends` is applied ([`check_unique_ports`]).
pub(crate) fn check_unique_items(name: &str, service: &Val, diagnostics: &mut Vec<Diagnostic>) {
    for field in service.as_map().unwrap_or_default() {
        if !UNIQUE_ITEM_FIELDS.contains(&field.key.as_str()) {
            continue;
        }
        let Some(items) = field.value.as_seq() else {
            continue;
        };
        let all: Vec<&Val> = items.iter().collect();
        if let Some((earlier, later, item)) = first_repeat(&all, same_data) {
            diagnostics.push(repeated_item(name, &field.key, earlier, later, item));
        }
    }
}

/// Reports a service whose ports repeat an entry, as compose validates a file's services once
/// `extends` is applied: the ports are first made unique by their key ([`port_key`]), and then
/// compared with `published` read as a string. So `published: 8080` and `published: "8080"`
/// for the same target are two keys but equal entries, which compose rejects.
pub(crate) fn check_unique_ports(name: &str, service: &Val, diagnostics: &mut Vec<Diagnostic>) {
    let Some(items) = service.get("ports").and_then(Val::as_seq) else {
        return;
    };
    let mut unique: Vec<&Val> = Vec::with_capacity(items.len());
    let mut positions: HashMap<String, usize> = HashMap::new();
    for item in items {
        let key = port_key(item);
        match key.as_ref().and_then(|key| positions.get(key).copied()) {
            Some(at) => {
                if let Some(slot) = unique.get_mut(at) {
                    *slot = item;
                }
            }
            None => {
                if let Some(key) = key {
                    positions.insert(key, unique.len());
                }
                unique.push(item);
            }
        }
    }
    if let Some((earlier, later, item)) = first_repeat(&unique, same_port) {
        diagnostics.push(repeated_item(name, "ports", earlier, later, item));
    }
}

fn repeated_item(name: &str, field: &str, earlier: usize, later: usize, item: &Val) -> Diagnostic {
    Diagnostic::error(
        item.origin.clone(),
        format!("services.{name}.{field} items at {earlier} and {later} are equal"),
    )
}

/// The first item equal to an earlier one: (earlier index, later index, the later item).
fn first_repeat<'v>(
    items: &[&'v Val],
    same: impl Fn(&Val, &Val) -> bool,
) -> Option<(usize, usize, &'v Val)> {
    items.iter().enumerate().find_map(|(later, item)| {
        items
            .iter()
            .take(later)
            .position(|earlier| same(earlier, item))
            .map(|earlier| (earlier, later, *item))
    })
}

/// Two port entries as compose validates them: `published` is a string by then.
fn same_port(a: &Val, b: &Val) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Map(left), Kind::Map(right)) => {
            left.len() == right.len()
                && left.iter().all(|field| {
                    right
                        .iter()
                        .find(|other| other.key == field.key)
                        .is_some_and(|other| match field.key.as_str() {
                            "published" => field.value.as_str() == other.value.as_str(),
                            _ => same_data(&field.value, &other.value),
                        })
                })
        }
        _ => same_data(a, b),
    }
}

/// Whether two values are the same data as compose's JSON sees them: a plain `80` is a number
/// and `"80"` a string, mappings compare whatever their key order, origins do not count.
fn same_data(a: &Val, b: &Val) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Scalar(..), Kind::Scalar(..)) => scalar_data(a) == scalar_data(b),
        (Kind::Seq(left), Kind::Seq(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| same_data(l, r))
        }
        (Kind::Map(left), Kind::Map(right)) => {
            left.len() == right.len()
                && left.iter().all(|field| {
                    right
                        .iter()
                        .find(|other| other.key == field.key)
                        .is_some_and(|other| same_data(&field.value, &other.value))
                })
        }
        _ => false,
    }
}

/// A scalar's JSON type (number, boolean or string) and text.
fn scalar_data(value: &Val) -> (&'static str, &str) {
    match &value.kind {
        Kind::Scalar(text, false) if text.parse::<f64>().is_ok() => ("number", text),
        Kind::Scalar(text, false) if matches!(text.as_str(), "true" | "false") => ("bool", text),
        Kind::Scalar(text, _) => ("string", text),
        _ => ("", ""),
    }
}

/// What a list item with no `=` becomes: `null` (environment: taken from the host) or `""` (labels).
#[derive(Clone, Copy)]
enum ListItem {
    Null,
    Empty,
}

fn list_to_map(value: &mut Val, name: &str, bare: ListItem, diagnostics: &mut Vec<Diagnostic>) {
    let Kind::Seq(items) = &value.kind else {
        return;
    };
    let mut fields: Vec<Field> = Vec::with_capacity(items.len());
    // Key to index in `fields`, so long lists stay linear.
    let mut positions: HashMap<String, usize> = HashMap::with_capacity(items.len());
    for item in items {
        let Some(text) = item.as_str() else {
            diagnostics.push(Diagnostic::error(
                item.origin.clone(),
                format!(
                    "expected a `KEY=value` string in `{name}`, found {}",
                    item.type_name()
                ),
            ));
            continue;
        };
        let (key, entry_value) = match text.split_once('=') {
            Some((key, rest)) => (key, Val::string(rest, item.origin.clone())),
            None => match bare {
                ListItem::Null => (text, Val::new(Kind::Null, item.origin.clone())),
                ListItem::Empty => (text, Val::string("", item.origin.clone())),
            },
        };
        let field = Field {
            key: key.to_owned(),
            origin: item.origin.clone(),
            value: entry_value,
        };
        // A key written twice in one list: the later one wins, in the first one's place.
        match positions.get(&field.key).and_then(|&at| fields.get_mut(at)) {
            Some(existing) => *existing = field,
            None => {
                positions.insert(field.key.clone(), fields.len());
                fields.push(field);
            }
        }
    }
    value.kind = Kind::Map(fields);
}

fn depends_on_to_map(value: &mut Val, diagnostics: &mut Vec<Diagnostic>) {
    let Kind::Seq(items) = &value.kind else {
        return;
    };
    let mut fields = Vec::with_capacity(items.len());
    for item in items {
        match item.as_str() {
            Some(name) => fields.push(Field {
                key: name.to_owned(),
                origin: item.origin.clone(),
                value: Val::new(Kind::Map(Vec::new()), item.origin.clone()),
            }),
            None => diagnostics.push(Diagnostic::error(
                item.origin.clone(),
                format!(
                    "expected a service name in `depends_on`, found {}",
                    item.type_name()
                ),
            )),
        }
    }
    value.kind = Kind::Map(fields);
}

/// Merges the top level of a later compose file (`over`) into the project so far (`base`).
pub(crate) fn merge_project(base: &mut Val, over: Val) {
    let (Kind::Map(base_fields), Kind::Map(over_fields)) = (&mut base.kind, over.kind) else {
        return;
    };
    for over_field in over_fields {
        if over_field.value.has_tag(RESET) {
            base_fields.retain(|field| field.key != over_field.key);
            continue;
        }
        let Some(base_field) = base_fields
            .iter_mut()
            .find(|field| field.key == over_field.key)
        else {
            base_fields.push(over_field);
            continue;
        };
        if over_field.key == "services" {
            merge_services(&mut base_field.value, over_field.value);
        } else {
            merge_field(base_field, over_field, &[]);
        }
    }
}

fn merge_services(base: &mut Val, over: Val) {
    match (&mut base.kind, over.kind) {
        (Kind::Map(base_services), Kind::Map(over_services)) => {
            // Name to index, so projects with thousands of services merge in linear time.
            let mut positions: HashMap<String, usize> = base_services
                .iter()
                .enumerate()
                .map(|(at, service)| (service.key.clone(), at))
                .collect();
            let mut removed = false;
            for over_service in over_services {
                let existing = positions.get(&over_service.key).copied();
                if over_service.value.has_tag(RESET) {
                    if let Some(slot) = existing.and_then(|at| base_services.get_mut(at)) {
                        // Marked here and dropped below, so the indexes stay valid.
                        slot.value.tag = Some(RESET.into());
                        removed = true;
                    }
                    continue;
                }
                match existing.and_then(|at| base_services.get_mut(at)) {
                    Some(base_service) => merge_field(base_service, over_service, &[]),
                    None => {
                        positions.insert(over_service.key.clone(), base_services.len());
                        base_services.push(over_service);
                    }
                }
            }
            if removed {
                base_services.retain(|service| !service.value.has_tag(RESET));
            }
        }
        (_, kind) => base.kind = kind,
    }
}

/// Merges one service over another (override files and `extends`).
pub(crate) fn merge_service(base: &mut Val, over: Val) {
    let mut holder = Field {
        key: String::new(),
        origin: base.origin.clone(),
        value: base.clone(),
    };
    let over_field = Field {
        key: String::new(),
        origin: over.origin.clone(),
        value: over,
    };
    merge_field(&mut holder, over_field, &[]);
    *base = holder.value;
}

/// Merges `over` into `base`, both at `path` (keys below the service).
fn merge_field(base: &mut Field, over: Field, path: &[&str]) {
    let replaced_whole = over.value.has_tag(OVERRIDE)
        || matches!(path, ["command"] | ["entrypoint"] | ["healthcheck", "test"]);
    if replaced_whole {
        base.origin = over.origin;
        base.value = over.value;
        base.value.tag = None;
        return;
    }
    // A later `KEY:` with no value in `environment` is a variable taken from the host, and
    // replaces the earlier value as compose does; elsewhere a later `null` keeps the earlier one.
    if over.value.is_null() && !matches!(path, ["environment", _]) {
        return;
    }
    match (&mut base.value.kind, over.value.kind) {
        (Kind::Map(base_fields), Kind::Map(over_fields)) => {
            for over_child in over_fields {
                if over_child.value.has_tag(RESET) {
                    base_fields.retain(|field| field.key != over_child.key);
                    continue;
                }
                match base_fields
                    .iter_mut()
                    .find(|field| field.key == over_child.key)
                {
                    Some(base_child) => {
                        let key = over_child.key.clone();
                        let mut child_path: Vec<&str> = path.to_vec();
                        child_path.push(&key);
                        merge_field(base_child, over_child, &child_path);
                    }
                    None => base_fields.push(over_child),
                }
            }
        }
        (Kind::Seq(base_items), Kind::Seq(over_items)) => {
            base_items.extend(over_items);
            base.value.origin = over.value.origin;
        }
        (_, kind) => {
            base.origin = over.origin;
            base.value = Val {
                kind,
                origin: over.value.origin,
                tag: over.value.tag,
            };
        }
    }
}

/// Removes fields still tagged `!reset` (in a first file there is nothing to reset, the field
/// is just dropped) and clears `!override` tags.
pub(crate) fn strip_tags(value: &mut Val) {
    if value.has_tag(OVERRIDE) {
        value.tag = None;
    }
    match &mut value.kind {
        Kind::Map(fields) => {
            fields.retain(|field| !field.value.has_tag(RESET));
            for field in fields {
                strip_tags(&mut field.value);
            }
        }
        Kind::Seq(items) => {
            items.retain(|item| !item.has_tag(RESET));
            for item in items {
                strip_tags(item);
            }
        }
        _ => {}
    }
}

/// Makes list fields of a service unique the way compose does after a merge: a later item with
/// the same key replaces the earlier one in its place. (`env_file` entries are keyed by the
/// path as written, as compose-go does: `app.env` and `./app.env` stay two entries, both read.)
pub(crate) fn enforce_unicity(service: &mut Val) {
    let Kind::Map(fields) = &mut service.kind else {
        return;
    };
    for field in fields {
        let indexer: &dyn Fn(&Val) -> Option<String> = match field.key.as_str() {
            "ports" => &port_key,
            "volumes" | "devices" => &volume_key,
            "env_file" => &env_file_key,
            "secrets" | "configs" => &mount_key,
            "expose" | "dns" | "dns_opt" | "dns_search" | "cap_add" | "cap_drop" | "profiles"
            | "links" | "tmpfs" | "extra_hosts" | "security_opt" | "group_add" => &scalar_key,
            _ => continue,
        };
        let Kind::Seq(items) = &mut field.value.kind else {
            continue;
        };
        let mut unique: Vec<Val> = Vec::with_capacity(items.len());
        let mut positions: HashMap<String, usize> = HashMap::new();
        for item in items.drain(..) {
            let Some(key) = indexer(&item) else {
                unique.push(item);
                continue;
            };
            match positions.get(&key).and_then(|&at| unique.get_mut(at)) {
                Some(slot) => *slot = item,
                None => {
                    positions.insert(key, unique.len());
                    unique.push(item);
                }
            }
        }
        *items = unique;
    }
}

fn scalar_key(item: &Val) -> Option<String> {
    item.as_str().map(str::to_owned)
}

/// The key compose makes ports unique by, after bringing the short syntax to the long one:
/// `host_ip:published:target/protocol`, the host IP `0.0.0.0` and the protocol `tcp` when not
/// written. So `"5432"` replaces an earlier `{target: 5432, host_ip: 0.0.0.0}`. compose-go
/// builds the key from the decoded YAML values, so a number and a string are different keys
/// (`published: 8080` and `published: "8080"` are two ports to it, and the short syntax gives
/// a string): the key keeps that difference, to keep the same entries compose keeps.
fn port_key(item: &Val) -> Option<String> {
    let key = |host_ip: Option<&str>, published: &str, target: &str, protocol: &str| {
        format!(
            "{}:{published}:{target}/{}",
            host_ip.filter(|ip| !ip.is_empty()).unwrap_or("0.0.0.0"),
            protocol.to_ascii_lowercase()
        )
    };
    match &item.kind {
        Kind::Scalar(text, _) => match parse_port_spec(text) {
            Ok(specs) => Some(
                specs
                    .iter()
                    .map(|spec| {
                        key(
                            spec.host_ip.as_deref(),
                            &spec
                                .published
                                .map_or_else(|| "nil".to_owned(), |p| p.to_string()),
                            &format!("int {}", spec.container),
                            spec.protocol.as_str(),
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Err(_) => Some(text.clone()),
        },
        Kind::Map(_) => {
            let typed = |field: &str| match item.get(field).map(|value| &value.kind) {
                None | Some(Kind::Null) => "nil".to_owned(),
                Some(Kind::Scalar(text, false)) if text.parse::<u64>().is_ok() => {
                    format!("int {text}")
                }
                Some(Kind::Scalar(text, _)) => text.clone(),
                Some(_) => "?".to_owned(),
            };
            Some(key(
                item.get("host_ip").and_then(Val::as_str),
                &typed("published"),
                &typed("target"),
                item.get("protocol").and_then(Val::as_str).unwrap_or("tcp"),
            ))
        }
        _ => None,
    }
}

fn volume_key(item: &Val) -> Option<String> {
    match &item.kind {
        Kind::Scalar(text, _) => {
            let parts: Vec<&str> = text.split(':').collect();
            Some(
                parts
                    .get(1)
                    .or(parts.first())
                    .copied()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
        Kind::Map(_) => item.get("target").and_then(Val::as_str).map(str::to_owned),
        _ => None,
    }
}

fn env_file_key(item: &Val) -> Option<String> {
    match &item.kind {
        Kind::Scalar(text, _) => Some(text.clone()),
        Kind::Map(_) => item.get("path").and_then(Val::as_str).map(str::to_owned),
        _ => None,
    }
}

fn mount_key(item: &Val) -> Option<String> {
    match &item.kind {
        Kind::Scalar(text, _) => Some(text.clone()),
        Kind::Map(_) => item
            .get("target")
            .or_else(|| item.get("source"))
            .and_then(Val::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use parity_model::ArcStr;
    use std::collections::BTreeSet;

    use parity_source::yaml::{Limits, parse_document};

    use super::*;
    use crate::tree::Builder;

    fn service(file: &str, text: &str) -> Val {
        let mut val = as_written(file, text);
        let mut diagnostics = Vec::new();
        normalize_service(&mut val, &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        val
    }

    /// The service as written, not yet normalised for merging.
    fn as_written(file: &str, text: &str) -> Val {
        let node = parse_document(text, Limits::default()).unwrap();
        let lookup = |_: &str| None;
        let mut diagnostics = Vec::new();
        let mut warned = BTreeSet::new();
        let val = Builder {
            file: ArcStr::from(file),
            lookup: &lookup,
            diagnostics: &mut diagnostics,
            warned: &mut warned,
            host_variables: &mut Vec::new(),
        }
        .build(&node);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        val
    }

    fn merged(base: &str, over: &str) -> Val {
        let mut merged = service("base.yaml", base);
        merge_service(&mut merged, service("over.yaml", over));
        strip_tags(&mut merged);
        enforce_unicity(&mut merged);
        merged
    }

    fn texts(val: &Val) -> Vec<String> {
        val.as_seq()
            .unwrap()
            .iter()
            .map(|item| item.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn environment_merges_by_key_in_either_form_keeping_the_winning_origin() {
        let result = merged(
            "environment: [A=1, B=2]\n",
            "environment:\n  B: 3\n  C: 4\n",
        );
        let env = result.get("environment").unwrap().as_map().unwrap();
        let keys: Vec<&str> = env.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["A", "B", "C"]);
        assert_eq!(env[1].value.as_str(), Some("3"));
        assert_eq!(env[1].origin.to_string(), "over.yaml:2:3");
        assert_eq!(env[0].origin.to_string(), "base.yaml:1:15");
    }

    #[test]
    fn scalars_replace_null_keeps_and_sequences_append_uniquely() {
        let result = merged(
            "image: a:1\nuser: app\nports: ['80:80', '81:81']\ncommand: [run, a]\nvolumes: [data:/data]\n",
            "image: a:2\nuser:\nports: ['81:81', '82:82']\ncommand: [serve]\nvolumes: ['./x:/data:ro']\n",
        );
        assert_eq!(result.get("image").unwrap().as_str(), Some("a:2"));
        assert_eq!(
            result.get("image").unwrap().origin.to_string(),
            "over.yaml:1:8"
        );
        assert_eq!(result.get("user").unwrap().as_str(), Some("app"));
        assert_eq!(
            texts(result.get("ports").unwrap()),
            ["80:80", "81:81", "82:82"]
        );
        assert_eq!(texts(result.get("command").unwrap()), ["serve"]);
        assert_eq!(texts(result.get("volumes").unwrap()), ["./x:/data:ro"]);
    }

    #[test]
    fn a_list_repeating_an_item_is_reported_as_compose_validates_it() {
        let mut diagnostics = Vec::new();
        let web = as_written(
            "c.yaml",
            "ports: ['80:80', '80:80', {target: 81, published: 8081}, {target: 81, published: '8081'}]\nvolumes: [/a, /a]\nenvironment: [A=1, A=1]\ndepends_on: [db, cache, db]\nsecurity_opt: [x, y]\n",
        );
        check_unique_items("web", &web, &mut diagnostics);
        check_unique_ports("web", &web, &mut diagnostics);
        let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "c.yaml:4:25: error: services.web.depends_on items at 0 and 2 are equal",
                "c.yaml:1:58: error: services.web.ports items at 1 and 2 are equal",
            ],
            "compose makes ports, volumes and environment unique before it validates; \
             `published` 8081 and \"8081\" are two keys but one item"
        );
    }

    #[test]
    fn an_environment_key_without_a_value_replaces_the_earlier_value() {
        let result = merged("environment: [A=base, B=base]\n", "environment:\n  A:\n");
        let env = result.get("environment").unwrap();
        assert!(env.get("A").unwrap().is_null(), "taken from the host now");
        assert_eq!(env.get("B").unwrap().as_str(), Some("base"));
    }

    #[test]
    fn reset_and_override_tags() {
        let result = merged(
            "ports: ['80:80']\nenvironment: {A: 1}\nlabels: {a: b}\nhealthcheck: {test: [CMD, x], interval: 5s}\n",
            "ports: !override ['90:90']\nenvironment: !reset {}\nlabels: !reset\n",
        );
        assert_eq!(texts(result.get("ports").unwrap()), ["90:90"]);
        assert!(result.get("environment").is_none());
        assert!(result.get("labels").is_none());
        assert!(result.get("healthcheck").is_some());
    }

    #[test]
    fn depends_on_and_build_forms_merge() {
        let result = merged(
            "depends_on: [db]\nbuild: ./api\n",
            "depends_on:\n  cache: {condition: service_healthy}\nbuild: {dockerfile: Dockerfile.dev}\n",
        );
        let deps: Vec<&str> = result
            .get("depends_on")
            .unwrap()
            .as_map()
            .unwrap()
            .iter()
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(deps, ["db", "cache"]);
        let build = result.get("build").unwrap();
        assert_eq!(build.get("context").unwrap().as_str(), Some("./api"));
        assert_eq!(
            build.get("dockerfile").unwrap().as_str(),
            Some("Dockerfile.dev")
        );
    }

    #[test]
    fn long_and_short_ports_dedupe_by_their_own_keys() {
        let result = merged(
            "ports: [{target: 80, published: '8080'}]\n",
            "ports: [{target: 80, published: '8080', protocol: tcp}, '9000:9000', '9000:9000']\n",
        );
        assert_eq!(result.get("ports").unwrap().as_seq().unwrap().len(), 2);
        // The short syntax is the long one: the later entry replaces the earlier in its place.
        let result = merged(
            "ports: [{target: 5432, host_ip: 0.0.0.0, protocol: tcp}, {target: 80, published: '8080'}]\n",
            "ports: ['5432', '8080:80', '127.0.0.1:8080:80']\n",
        );
        assert_eq!(
            texts(result.get("ports").unwrap()),
            ["5432", "8080:80", "127.0.0.1:8080:80"]
        );
        // A published number and a published string are two ports to compose.
        let result = merged(
            "ports: [{target: 443, published: 10443}]\n",
            "ports: [{target: 443, published: '10443'}, '10443:443']\n",
        );
        assert_eq!(result.get("ports").unwrap().as_seq().unwrap().len(), 2);
    }

    #[test]
    fn env_files_are_one_entry_per_path_as_written() {
        let result = merged(
            "env_file: [./app.env, extra.env]\n",
            "env_file: [app.env, {path: extra.env, format: raw}]\n",
        );
        let files = result.get("env_file").unwrap().as_seq().unwrap();
        assert_eq!(
            files.len(),
            3,
            "./app.env and app.env are two entries to compose"
        );
        assert_eq!(files[0].as_str(), Some("./app.env"));
        assert_eq!(
            files[1].get("format").and_then(Val::as_str),
            Some("raw"),
            "the later extra.env takes the earlier one's place"
        );
        assert_eq!(files[2].as_str(), Some("app.env"));
    }

    #[test]
    fn a_string_env_file_or_tmpfs_adds_to_the_earlier_list() {
        let result = merged(
            "env_file: [app.env, extra.env]\ntmpfs: [/run, /tmp]\n",
            "env_file: app.env\ntmpfs: /run\n",
        );
        assert_eq!(
            texts(result.get("env_file").unwrap()),
            ["app.env", "extra.env"]
        );
        assert_eq!(texts(result.get("tmpfs").unwrap()), ["/run", "/tmp"]);
    }

    #[test]
    fn project_merge_adds_merges_and_resets_services() {
        let mut project = service(
            "compose.yaml",
            "services:\n  api: {image: a:1}\n  debug: {image: d:1}\nvolumes: {data: {}}\n",
        );
        let over = service(
            "compose.override.yaml",
            "services:\n  api: {image: a:2}\n  debug: !reset null\n  cache: {image: redis}\nvolumes: {logs: {}}\n",
        );
        merge_project(&mut project, over);
        strip_tags(&mut project);
        let services = project.get("services").unwrap().as_map().unwrap();
        let names: Vec<&str> = services.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(names, ["api", "cache"]);
        assert_eq!(
            services[0].value.get("image").unwrap().as_str(),
            Some("a:2")
        );
        assert_eq!(
            services[0].origin.to_string(),
            "compose.yaml:2:3",
            "a service keeps where it was declared"
        );
        let volumes: Vec<&str> = project
            .get("volumes")
            .unwrap()
            .as_map()
            .unwrap()
            .iter()
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(volumes, ["data", "logs"]);
    }
}
