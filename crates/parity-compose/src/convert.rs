//! One merged compose service into a model [`Service`].

use parity_model::SortedMap;
use std::borrow::Cow;

use parity_model::{
    BuildInfo, Container, Diagnostic, EnvValue, EnvVar, Healthcheck, Origin, Port, Protocol,
    SensitiveText, Service, ServiceKind, Volume, VolumeKind, parse_image_ref,
};

use crate::ports::{parse_port, parse_port_spec};
use crate::scalar::compose_string;
use crate::tree::{Field, Kind, Val};
use parity_model::SharedText;

/// An `env_file` entry of a service, still to be read.
#[derive(Debug, Clone)]
pub(crate) struct EnvFileRef {
    /// The path as written.
    pub(crate) written: String,
    /// Whether a missing file is an error (`required: true`, the default).
    pub(crate) required: bool,
    /// `format: raw`: values are taken as written, not as dotenv.
    pub(crate) raw: bool,
    /// The file that wrote it (relative paths are resolved against that file's base directory).
    pub(crate) origin: Origin,
}

/// A service read from its merged tree, with the parts that need I/O left for the caller.
#[derive(Debug)]
pub(crate) struct ConvertedService {
    pub(crate) service: Service,
    pub(crate) env_files: Vec<EnvFileRef>,
    /// `depends_on` entries with `required: false` (a missing target is fine).
    pub(crate) optional_dependencies: Vec<String>,
    /// Where each `depends_on` entry is written, for "undefined service" errors.
    pub(crate) dependency_origins: Vec<Origin>,
}

/// Reads the fields parity models from one service; wrong types become errors and the field is
/// skipped. `lookup` resolves `environment` entries written without a value; env names and values
/// come from `shared`, the project's pool.
pub(crate) fn convert_service(
    name: &str,
    key_origin: &Origin,
    val: &Val,
    lookup: &dyn Fn(&str) -> Option<String>,
    shared: &mut SharedText,
    diagnostics: &mut Vec<Diagnostic>,
) -> ConvertedService {
    let mut converted = ConvertedService {
        service: Service::new(name, ServiceKind::ComposeService, key_origin.clone()),
        env_files: Vec::new(),
        optional_dependencies: Vec::new(),
        dependency_origins: Vec::new(),
    };
    let service = &mut converted.service;
    let mut container = Container::new(name);
    let mut cx = Cx { diagnostics };
    for field in val.as_map().unwrap_or_default() {
        let value = &field.value;
        match field.key.as_str() {
            "image" => {
                if let Some(text) = cx.scalar(value, "image") {
                    container.image_origin = Some(value.origin.clone());
                    match parse_image_ref(text) {
                        Ok(image) => container.image = Some(image),
                        Err(error) => cx
                            .diagnostics
                            .push(Diagnostic::warning(value.origin.clone(), error.to_string())),
                    }
                }
            }
            "build" => service.build = cx.build(field),
            "environment" => {
                if let Some(fields) = cx.list_or_map(value, "environment") {
                    container.env = cx.environment(fields, lookup, shared);
                }
            }
            "env_file" => converted.env_files = cx.env_files(value),
            "ports" => {
                if let Some(items) = cx.seq(value, "ports") {
                    container.ports = items.iter().flat_map(|item| cx.port(item)).collect();
                }
            }
            "volumes" => {
                if let Some(items) = cx.seq(value, "volumes") {
                    container
                        .volumes
                        .extend(items.iter().filter_map(|item| cx.volume(item)));
                }
            }
            "tmpfs" => container.volumes.extend(cx.tmpfs(value)),
            "depends_on" => {
                if let Some(fields) = cx.list_or_map(value, "depends_on") {
                    for dependency in fields {
                        if dependency.value.get("required").and_then(Val::as_bool) == Some(false) {
                            converted.optional_dependencies.push(dependency.key.clone());
                        }
                        service.depends_on.push(dependency.key.clone());
                        converted.dependency_origins.push(dependency.origin.clone());
                    }
                }
            }
            "profiles" => {
                if let Some(items) = cx.seq(value, "profiles") {
                    service.profiles = items
                        .iter()
                        .filter_map(|item| cx.scalar(item, "profiles").map(str::to_owned))
                        .collect();
                }
            }
            "labels" => {
                if let Some(fields) = cx.list_or_map(value, "labels") {
                    service.labels = cx.labels(fields);
                }
            }
            "healthcheck" => {
                if let Some(fields) = cx.map(value, "healthcheck") {
                    container.healthcheck = Some(healthcheck(fields, &field.origin));
                }
            }
            "deploy" => {
                if let Some(replicas) = value.get("replicas") {
                    service.replicas = cx.count(replicas, "deploy.replicas").or(service.replicas);
                }
            }
            // `deploy.replicas` wins over the legacy `scale` when both are set.
            "scale"
                if val
                    .get("deploy")
                    .and_then(|deploy| deploy.get("replicas"))
                    .is_none() =>
            {
                service.replicas = cx.count(value, "scale");
            }
            _ => {}
        }
    }
    service.containers.push(container);
    converted
}

struct Cx<'a> {
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Cx<'_> {
    fn wrong_type(&mut self, value: &Val, expected: &str, field: &str) {
        self.diagnostics.push(Diagnostic::error(
            value.origin.clone(),
            format!(
                "expected {expected} for `{field}`, found {}",
                value.type_name()
            ),
        ));
    }

    fn seq<'v>(&mut self, value: &'v Val, field: &str) -> Option<&'v [Val]> {
        let items = value.as_seq();
        if items.is_none() {
            self.wrong_type(value, "a sequence", field);
        }
        items
    }

    fn map<'v>(&mut self, value: &'v Val, field: &str) -> Option<&'v [Field]> {
        let fields = value.as_map();
        if fields.is_none() {
            self.wrong_type(value, "a mapping", field);
        }
        fields
    }

    /// A field with a list and a mapping form, already brought to the mapping form.
    fn list_or_map<'v>(&mut self, value: &'v Val, field: &str) -> Option<&'v [Field]> {
        let fields = value.as_map();
        if fields.is_none() {
            self.wrong_type(value, "a mapping or a sequence", field);
        }
        fields
    }

    fn scalar<'v>(&mut self, value: &'v Val, field: &str) -> Option<&'v str> {
        let text = value.as_str();
        if text.is_none() {
            self.wrong_type(value, "a string", field);
        }
        text
    }

    fn count(&mut self, value: &Val, field: &str) -> Option<u32> {
        let count = value.as_u64().and_then(|n| u32::try_from(n).ok());
        if count.is_none() {
            self.wrong_type(value, "a number", field);
        }
        count
    }

    fn build(&mut self, field: &Field) -> Option<BuildInfo> {
        // `build: ./dir` was turned into `{context: ./dir}` before merging.
        let fields = self.map(&field.value, "build")?;
        let text_of = |key: &str| {
            fields
                .iter()
                .find(|f| f.key == key)
                .and_then(|f| f.value.as_str())
                .map(str::to_owned)
        };
        Some(BuildInfo {
            context: text_of("context").unwrap_or_else(|| ".".to_owned()),
            dockerfile: text_of("dockerfile"),
            origin: field.origin.clone(),
        })
    }

    fn environment(
        &mut self,
        fields: &[Field],
        lookup: &dyn Fn(&str) -> Option<String>,
        shared: &mut SharedText,
    ) -> Vec<EnvVar> {
        let mut env = Vec::with_capacity(fields.len());
        for field in fields {
            let value = match &field.value.kind {
                // `KEY` alone: compose takes the value from its own environment (the shell and
                // `.env`); when parity does not know it, the variable is set from the host.
                Kind::Null => match lookup(&field.key) {
                    Some(text) => {
                        EnvValue::Literal(SensitiveText::for_key(&field.key, shared.get(&text)))
                    }
                    None => EnvValue::FromHost,
                },
                Kind::Scalar(text, quoted) => {
                    let text = if *quoted {
                        Cow::Borrowed(text.as_str())
                    } else {
                        compose_string(text)
                    };
                    EnvValue::Literal(SensitiveText::for_key(&field.key, shared.get(&text)))
                }
                _ => {
                    self.wrong_type(
                        &field.value,
                        "a string",
                        &format!("environment.{}", field.key),
                    );
                    continue;
                }
            };
            env.push(EnvVar {
                name: shared.get(&field.key),
                value,
                origin: field.origin.clone(),
            });
        }
        env
    }

    /// The items of a field that takes one string or a sequence (`env_file`, `tmpfs`); `None`,
    /// with an error, for any other type.
    fn string_or_sequence<'v>(&mut self, value: &'v Val, field: &str) -> Option<Cow<'v, [Val]>> {
        match &value.kind {
            Kind::Scalar(..) => Some(Cow::Owned(vec![value.clone()])),
            Kind::Seq(items) => Some(Cow::Borrowed(&items[..])),
            _ => {
                self.wrong_type(value, "a string or a sequence", field);
                None
            }
        }
    }

    fn env_files(&mut self, value: &Val) -> Vec<EnvFileRef> {
        let Some(items) = self.string_or_sequence(value, "env_file") else {
            return Vec::new();
        };
        let mut refs = Vec::with_capacity(items.len());
        for item in items.iter() {
            match &item.kind {
                Kind::Scalar(text, _) => refs.push(EnvFileRef {
                    written: text.clone(),
                    required: true,
                    raw: false,
                    origin: item.origin.clone(),
                }),
                Kind::Map(_) => {
                    let Some(path) = item.get("path").and_then(Val::as_str) else {
                        self.diagnostics.push(Diagnostic::error(
                            item.origin.clone(),
                            "expected a `path` in the `env_file` entry",
                        ));
                        continue;
                    };
                    let required = item.get("required").and_then(Val::as_bool).unwrap_or(true);
                    refs.push(EnvFileRef {
                        written: path.to_owned(),
                        required,
                        raw: item.get("format").and_then(Val::as_str) == Some("raw"),
                        origin: item.origin.clone(),
                    });
                }
                _ => self.wrong_type(item, "a string or a mapping", "env_file"),
            }
        }
        refs
    }

    fn port(&mut self, item: &Val) -> Vec<Port> {
        let port = |spec_container: u16, published, host_ip, protocol, name| Port {
            container: spec_container,
            published,
            host_ip,
            protocol,
            name,
            origin: item.origin.clone(),
        };
        match &item.kind {
            Kind::Scalar(text, _) => match parse_port_spec(text) {
                Ok(specs) => specs
                    .into_iter()
                    .map(|spec| {
                        port(
                            spec.container,
                            spec.published,
                            spec.host_ip,
                            spec.protocol,
                            None,
                        )
                    })
                    .collect(),
                Err(reason) => {
                    self.diagnostics.push(Diagnostic::error(
                        item.origin.clone(),
                        format!("invalid port {text:?}: {reason}"),
                    ));
                    Vec::new()
                }
            },
            Kind::Map(_) => {
                let text_of = |key: &str| item.get(key).and_then(Val::as_str);
                let Some(target) = text_of("target") else {
                    self.diagnostics.push(Diagnostic::error(
                        item.origin.clone(),
                        "expected a `target` in the port mapping",
                    ));
                    return Vec::new();
                };
                let target = match parse_port(target) {
                    Ok(target) => target,
                    Err(reason) => {
                        self.diagnostics.push(Diagnostic::error(
                            item.origin.clone(),
                            format!("invalid port target: {reason}"),
                        ));
                        return Vec::new();
                    }
                };
                // A published range (`8080-8081`) lets the engine pick one; keep its first port.
                let published = text_of("published")
                    .filter(|text| !text.is_empty())
                    .and_then(|text| parse_port(text.split('-').next().unwrap_or(text)).ok());
                let protocol = match text_of("protocol") {
                    Some(text) => match Protocol::parse(text) {
                        Some(protocol) => protocol,
                        None => {
                            self.diagnostics.push(Diagnostic::error(
                                item.origin.clone(),
                                format!("unknown protocol {text:?}"),
                            ));
                            return Vec::new();
                        }
                    },
                    None => Protocol::Tcp,
                };
                let host_ip = text_of("host_ip")
                    .filter(|ip| !ip.is_empty())
                    .map(str::to_owned);
                vec![port(
                    target,
                    published,
                    host_ip,
                    protocol,
                    text_of("name").map(str::to_owned),
                )]
            }
            _ => {
                self.wrong_type(item, "a string or a mapping", "ports");
                Vec::new()
            }
        }
    }

    fn volume(&mut self, item: &Val) -> Option<Volume> {
        match &item.kind {
            Kind::Scalar(text, _) => {
                let parts: Vec<&str> = text.split(':').collect();
                let (source, target, mode) = match parts.as_slice() {
                    [target] => (None, *target, ""),
                    [source, target] => (Some(*source), *target, ""),
                    [source, target, mode] => (Some(*source), *target, *mode),
                    _ => {
                        self.diagnostics.push(Diagnostic::error(
                            item.origin.clone(),
                            format!("invalid volume {text:?}: expected `[source:]target[:mode]`"),
                        ));
                        return None;
                    }
                };
                if target.is_empty() {
                    self.diagnostics.push(Diagnostic::error(
                        item.origin.clone(),
                        format!("invalid volume {text:?}: empty target"),
                    ));
                    return None;
                }
                let kind = match source {
                    None => VolumeKind::Anonymous,
                    Some(source) if is_host_path(source) => VolumeKind::Bind,
                    Some(_) => VolumeKind::Named,
                };
                Some(Volume {
                    target: clean_container_path(target),
                    source: source.map(str::to_owned),
                    kind,
                    read_only: mode.split(',').any(|option| option == "ro"),
                    origin: item.origin.clone(),
                })
            }
            Kind::Map(_) => {
                let text_of = |key: &str| {
                    item.get(key)
                        .and_then(Val::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                };
                let Some(target) = text_of("target") else {
                    self.diagnostics.push(Diagnostic::error(
                        item.origin.clone(),
                        "expected a `target` in the volume mapping",
                    ));
                    return None;
                };
                let source = text_of("source");
                let kind = match (text_of("type").as_deref(), &source) {
                    (Some("bind"), _) => VolumeKind::Bind,
                    (Some("tmpfs"), _) => VolumeKind::Tmpfs,
                    (Some("volume") | None, None) => VolumeKind::Anonymous,
                    (Some("volume") | None, Some(_)) => VolumeKind::Named,
                    (Some(_), _) => VolumeKind::Other,
                };
                Some(Volume {
                    target: clean_container_path(&target),
                    source,
                    kind,
                    read_only: item
                        .get("read_only")
                        .and_then(Val::as_bool)
                        .unwrap_or(false),
                    origin: item.origin.clone(),
                })
            }
            _ => {
                self.wrong_type(item, "a string or a mapping", "volumes");
                None
            }
        }
    }

    fn tmpfs(&mut self, value: &Val) -> Vec<Volume> {
        let Some(items) = self.string_or_sequence(value, "tmpfs") else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                let text = self.scalar(item, "tmpfs")?;
                let target = text.split(':').next().unwrap_or(text);
                Some(Volume {
                    target: target.to_owned(),
                    source: None,
                    kind: VolumeKind::Tmpfs,
                    read_only: false,
                    origin: item.origin.clone(),
                })
            })
            .collect()
    }

    fn labels(&mut self, fields: &[Field]) -> SortedMap<String, String> {
        let mut labels = Vec::new();
        for field in fields {
            let text = match &field.value.kind {
                Kind::Null => String::new(),
                Kind::Scalar(text, false) => compose_string(text).into_owned(),
                Kind::Scalar(text, true) => text.clone(),
                _ => {
                    self.wrong_type(&field.value, "a string", &format!("labels.{}", field.key));
                    continue;
                }
            };
            labels.push((field.key.clone(), text));
        }
        // Sorted once (last wins), not inserted one by one: see `SortedMap`.
        labels.into_iter().collect()
    }
}

/// A mount target as compose keeps it (Go's `path.Clean`): `/etc/app/` and `/etc/./app` are
/// the path `/etc/app`, so a target written with a trailing slash is the same mount.
fn clean_container_path(target: &str) -> String {
    let absolute = target.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Paths compose treats as bind mounts: relative (`.`), absolute (`/`), home (`~`), and
/// Windows drive paths.
fn is_host_path(source: &str) -> bool {
    source.starts_with(['.', '/', '~']) || source.as_bytes().get(1) == Some(&b':')
}

fn healthcheck(fields: &[Field], origin: &Origin) -> Healthcheck {
    let get = |key: &str| fields.iter().find(|f| f.key == key).map(|f| &f.value);
    let disabled_flag = get("disable").and_then(Val::as_bool).unwrap_or(false);
    let test_is_none = match get("test").map(|test| &test.kind) {
        Some(Kind::Seq(items)) => items.first().and_then(Val::as_str) == Some("NONE"),
        Some(Kind::Scalar(text, _)) => text == "NONE",
        _ => false,
    };
    Healthcheck {
        kinds: vec!["healthcheck".to_owned()],
        disabled: disabled_flag || test_is_none,
        origin: origin.clone(),
    }
}

#[cfg(test)]
mod tests {
    use parity_model::ArcStr;
    use std::collections::BTreeSet;

    use parity_source::yaml::{Limits, parse_document};

    use super::*;
    use crate::merge::normalize_service;
    use crate::tree::Builder;

    fn convert(text: &str) -> (ConvertedService, Vec<Diagnostic>) {
        let node = parse_document(text, Limits::default()).unwrap();
        let lookup = |name: &str| (name == "FROM_DOTENV").then(|| "yes".to_owned());
        let mut diagnostics = Vec::new();
        let mut warned = BTreeSet::new();
        let mut val = Builder {
            file: ArcStr::from("c.yaml"),
            lookup: &lookup,
            diagnostics: &mut diagnostics,
            warned: &mut warned,
            host_variables: &mut Vec::new(),
        }
        .build(&node);
        normalize_service(&mut val, &mut diagnostics);
        let origin = Origin::new(ArcStr::from("c.yaml"), 1, 1);
        let converted = convert_service(
            "api",
            &origin,
            &val,
            &lookup,
            &mut SharedText::default(),
            &mut diagnostics,
        );
        (converted, diagnostics)
    }

    fn container(converted: &ConvertedService) -> &Container {
        &converted.service.containers[0]
    }

    #[test]
    fn image_and_unparsable_image() {
        let (ok, diagnostics) = convert("image: ghcr.io/acme/api:1.4\n");
        assert!(diagnostics.is_empty());
        let image = container(&ok).image.as_ref().unwrap();
        assert_eq!(
            (image.registry.as_str(), image.tag.as_deref()),
            ("ghcr.io", Some("1.4"))
        );
        assert_eq!(
            container(&ok).image_origin.as_ref().unwrap().to_string(),
            "c.yaml:1:8"
        );

        let (bad, diagnostics) = convert("image: 'Acme/API:bad tag'\n");
        assert!(container(&bad).image.is_none());
        assert_eq!(diagnostics.len(), 1);
        assert!(
            diagnostics[0]
                .message
                .starts_with("invalid image reference \"Acme/API:bad tag\""),
            "{}",
            diagnostics[0]
        );
        assert_eq!(diagnostics[0].level, parity_model::DiagnosticLevel::Warning);
    }

    #[test]
    fn environment_list_and_map_forms() {
        let (list, _) = convert(
            "environment:\n  - LOG=debug\n  - DB_PASSWORD=hunter2\n  - FROM_HOST\n  - FROM_DOTENV\n  - EMPTY=\n",
        );
        let env = &container(&list).env;
        let shown: Vec<(&str, String, u32)> = env
            .iter()
            .map(|v| (v.name.as_str(), v.value.describe(), v.origin.line))
            .collect();
        assert_eq!(
            shown,
            [
                ("LOG", "debug".to_owned(), 2),
                ("DB_PASSWORD", "<redacted>".to_owned(), 3),
                ("FROM_HOST", "(from host environment)".to_owned(), 4),
                ("FROM_DOTENV", "yes".to_owned(), 5),
                ("EMPTY", String::new(), 6),
            ]
        );
        assert_eq!(env[1].value.known().unwrap().expose(), "hunter2");

        let (map, _) =
            convert("environment:\n  PORT: 8080\n  DEBUG: true\n  RATIO: 0.5\n  HOST:\n");
        let env = &container(&map).env;
        let shown: Vec<(&str, String)> = env
            .iter()
            .map(|v| (v.name.as_str(), v.value.describe()))
            .collect();
        assert_eq!(
            shown,
            [
                ("PORT", "8080".to_owned()),
                ("DEBUG", "true".to_owned()),
                ("RATIO", "0.5".to_owned()),
                ("HOST", "(from host environment)".to_owned())
            ]
        );
        assert_eq!(env[0].origin.to_string(), "c.yaml:2:3");
    }

    #[test]
    fn ports_short_and_long() {
        let (converted, diagnostics) = convert(
            "ports:\n  - 80\n  - '8000-8001:8000-8001'\n  - '127.0.0.1:53:53/udp'\n  - target: 443\n    published: '8443'\n    host_ip: 0.0.0.0\n    protocol: tcp\n    name: https\n    mode: host\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        type Row<'a> = (u16, Option<u16>, Option<&'a str>, Protocol, u32);
        let ports: Vec<Row<'_>> = container(&converted)
            .ports
            .iter()
            .map(|p| {
                (
                    p.container,
                    p.published,
                    p.host_ip.as_deref(),
                    p.protocol,
                    p.origin.line,
                )
            })
            .collect();
        assert_eq!(
            ports,
            [
                (80, None, None, Protocol::Tcp, 2),
                (8000, Some(8000), None, Protocol::Tcp, 3),
                (8001, Some(8001), None, Protocol::Tcp, 3),
                (53, Some(53), Some("127.0.0.1"), Protocol::Udp, 4),
                (443, Some(8443), Some("0.0.0.0"), Protocol::Tcp, 5),
            ]
        );
        assert_eq!(
            container(&converted).ports[4].name.as_deref(),
            Some("https")
        );
    }

    #[test]
    fn mount_targets_are_cleaned_as_compose_cleans_them() {
        let (converted, diagnostics) = convert(
            "volumes:\n  - ./provisioning/:/etc/grafana/provisioning/\n  - type: volume\n    source: data\n    target: /var/./lib//data/\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let targets: Vec<&str> = container(&converted)
            .volumes
            .iter()
            .map(|v| v.target.as_str())
            .collect();
        assert_eq!(targets, ["/etc/grafana/provisioning", "/var/lib/data"]);
        assert_eq!(clean_container_path("/"), "/");
        assert_eq!(clean_container_path("/a/../../b"), "/b");
        assert_eq!(clean_container_path("rel/./x/"), "rel/x");
    }

    #[test]
    fn volumes_short_long_and_tmpfs() {
        let (converted, diagnostics) = convert(
            "volumes:\n  - data:/var/lib/data\n  - ./src:/app/src\n  - /etc/ssl:/etc/ssl:ro\n  - /scratch\n  - type: bind\n    source: ./conf\n    target: /conf\n    read_only: true\n  - type: tmpfs\n    target: /cache\n  - type: volume\n    target: /anon\ntmpfs: /run:size=1m\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let volumes: Vec<(&str, Option<&str>, VolumeKind, bool, u32)> = container(&converted)
            .volumes
            .iter()
            .map(|v| {
                (
                    v.target.as_str(),
                    v.source.as_deref(),
                    v.kind,
                    v.read_only,
                    v.origin.line,
                )
            })
            .collect();
        assert_eq!(
            volumes,
            [
                ("/var/lib/data", Some("data"), VolumeKind::Named, false, 2),
                ("/app/src", Some("./src"), VolumeKind::Bind, false, 3),
                ("/etc/ssl", Some("/etc/ssl"), VolumeKind::Bind, true, 4),
                ("/scratch", None, VolumeKind::Anonymous, false, 5),
                ("/conf", Some("./conf"), VolumeKind::Bind, true, 6),
                ("/cache", None, VolumeKind::Tmpfs, false, 10),
                ("/anon", None, VolumeKind::Anonymous, false, 12),
                ("/run", None, VolumeKind::Tmpfs, false, 14),
            ]
        );
    }

    #[test]
    fn build_labels_healthcheck_replicas_profiles_depends_on() {
        let (converted, diagnostics) = convert(
            "build:\n  context: ./api\n  dockerfile: Dockerfile.prod\nlabels: [traefik.enable=true, tier]\nhealthcheck:\n  test: [NONE]\ndeploy: {replicas: 3}\nscale: 5\nprofiles: [debug]\ndepends_on:\n  db: {condition: service_healthy}\n  cache: {condition: service_started, required: false}\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let service = &converted.service;
        let build = service.build.as_ref().unwrap();
        assert_eq!(
            (
                build.context.as_str(),
                build.dockerfile.as_deref(),
                build.origin.line
            ),
            ("./api", Some("Dockerfile.prod"), 1)
        );
        assert_eq!(
            service.labels.get("traefik.enable").map(String::as_str),
            Some("true")
        );
        assert_eq!(service.labels.get("tier").map(String::as_str), Some(""));
        let healthcheck = container(&converted).healthcheck.as_ref().unwrap();
        assert!(healthcheck.disabled);
        assert_eq!(healthcheck.origin.line, 5);
        assert_eq!(service.replicas, Some(3));
        assert_eq!(service.profiles, ["debug"]);
        assert_eq!(service.depends_on, ["db", "cache"]);
        assert_eq!(converted.optional_dependencies, ["cache"]);

        let (short_build, _) =
            convert("build: .\nscale: 2\nhealthcheck: {test: [CMD, curl, -f, localhost]}\n");
        assert_eq!(short_build.service.build.as_ref().unwrap().context, ".");
        assert_eq!(short_build.service.replicas, Some(2));
        assert!(
            !container(&short_build)
                .healthcheck
                .as_ref()
                .unwrap()
                .disabled
        );
    }

    #[test]
    fn wrong_types_are_errors_and_the_rest_is_kept() {
        let (converted, diagnostics) = convert(
            "image: redis:7\nports: 8080\nenvironment: 5\nvolumes: {a: b}\ndeploy: {replicas: many}\n",
        );
        let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "c.yaml:2:8: error: expected a sequence for `ports`, found a number",
                "c.yaml:3:14: error: expected a mapping or a sequence for `environment`, found a number",
                "c.yaml:4:10: error: expected a sequence for `volumes`, found a mapping",
                "c.yaml:5:20: error: expected a number for `deploy.replicas`, found a string",
            ]
        );
        assert!(container(&converted).image.is_some());
    }

    #[test]
    fn bad_port_and_volume_entries() {
        let (_, diagnostics) =
            convert("ports: ['80:http', {published: 80}]\nvolumes: ['a:b:c:d']\n");
        let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "invalid port \"80:http\": \"http\" is not a port number",
                "expected a `target` in the port mapping",
                "invalid volume \"a:b:c:d\": expected `[source:]target[:mode]`",
            ]
        );
    }
}
