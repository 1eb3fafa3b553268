//! The policy file: per-rule severities, ignored services and env vars, explicit service mappings.
//!
//! ```yaml
//! version: 1
//! rules:                       # per-rule severity, or off
//!   image-mismatch: error
//!   port-mismatch: off
//! ignore:
//!   services: [mailhog, "*-debug"]   # globs on service names (either side)
//!   env: ["DEBUG", "COMPOSE_*"]      # env-name globs
//! mappings:
//!   - local: web
//!     prod: frontend
//! ```
//!
//! A user's file is layered over the built-in `policies/default.yaml`: its rule severities
//! replace the built-in ones, its ignore lists and mappings are added to them. Every mistake in
//! the file is a [`PolicyError`] pointing at the offending node, because a policy that is silently
//! half-applied would hide drift the user asked to see.

use std::collections::BTreeMap;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use parity_model::{RuleMeta, Service, Severity};
use parity_source::yaml::{self, Entry, Limits, Node};

use crate::error::PolicyError;
use crate::pairing::normalize_name;
use crate::registry::find_rule;

/// The built-in policy text, embedded so the binary needs no files at run time.
const BUILTIN_YAML: &str = include_str!("../../../policies/default.yaml");
/// The name errors in the built-in policy would carry.
const BUILTIN_DISPLAY: &str = "<builtin>/policies/default.yaml";

/// What the policy says about running a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    /// The rule does not run.
    Off,
    /// The rule runs and its findings get this severity.
    Severity(Severity),
}

/// An explicit pairing of a local service with a prod service, for names no heuristic matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The local (compose) service name, exactly as written there.
    pub local: String,
    /// The prod workload name (`metadata.name`), exactly as written there.
    pub prod: String,
}

/// A compiled glob and the pattern it came from.
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    glob: Glob,
}

/// The rules to run and how to treat what they find. Built with [`Policy::builtin`] (also its
/// `Default`) or [`Policy::from_yaml`].
#[derive(Debug, Clone)]
pub struct Policy {
    /// Keyed by rule name; rules not listed run at their default severity.
    rules: BTreeMap<&'static str, RuleSetting>,
    ignore_services: Vec<Pattern>,
    ignore_env: Vec<Pattern>,
    service_globs: GlobSet,
    env_globs: GlobSet,
    mappings: Vec<Mapping>,
}

impl Default for Policy {
    /// The built-in policy, as [`Policy::builtin`].
    fn default() -> Self {
        Policy::builtin()
    }
}

impl Policy {
    /// No rules configured, nothing ignored, no mappings: every rule at its default severity.
    /// The base the built-in policy is layered on, and a neutral policy for tests.
    pub(crate) fn empty() -> Policy {
        Policy {
            rules: BTreeMap::new(),
            ignore_services: Vec::new(),
            ignore_env: Vec::new(),
            service_globs: GlobSet::empty(),
            env_globs: GlobSet::empty(),
            mappings: Vec::new(),
        }
    }

    /// The built-in policy: `policies/default.yaml` embedded with `include_str!`.
    pub fn builtin() -> Policy {
        // The embedded file is checked by a unit test, so the empty fallback never happens in a
        // released build; it exists so that this function cannot panic.
        let mut policy = Policy::empty();
        if let Ok(layer) = parse_layer(BUILTIN_DISPLAY, BUILTIN_YAML) {
            policy.add_layer(layer);
        }
        policy
    }

    /// A user's policy file layered over the built-in one. `display` is the path used in errors.
    pub fn from_yaml(display: &str, text: &str) -> Result<Policy, PolicyError> {
        let layer = parse_layer(display, text)?;
        let mut policy = Policy::builtin();
        policy.add_layer(layer);
        Ok(policy)
    }

    /// The severity the rule's findings get, or `None` when the rule is off.
    pub fn severity_of(&self, meta: &RuleMeta) -> Option<Severity> {
        match self.rules.get(meta.name) {
            Some(RuleSetting::Off) => None,
            Some(RuleSetting::Severity(severity)) => Some(*severity),
            None => Some(meta.default_severity),
        }
    }

    /// The severity a finding ends up with. A finding at the rule's default severity takes the
    /// configured one; a finding the rule deliberately lowered (a registry-only image
    /// difference, a Job missing locally) keeps its lower level unless the configured one is lower
    /// still, so raising a rule to `error` does not turn its notes into errors.
    pub fn adjust_severity(&self, meta: &RuleMeta, emitted: Severity) -> Option<Severity> {
        let configured = self.severity_of(meta)?;
        if emitted == meta.default_severity {
            Some(configured)
        } else {
            // `Severity` orders from most to least severe, so `max` is the milder one.
            Some(emitted.max(configured))
        }
    }

    /// Whether the service is ignored: its name (as written or normalised) or the short name of
    /// its primary container's image repository matches an `ignore.services` glob.
    pub fn ignores_service(&self, service: &Service) -> bool {
        if self.service_globs.is_empty() {
            return false;
        }
        let name = service.name.to_ascii_lowercase();
        if self.service_globs.is_match(&name) || self.service_globs.is_match(normalize_name(&name))
        {
            return true;
        }
        service
            .primary_container()
            .and_then(|container| container.image.as_ref())
            .is_some_and(|image| self.service_globs.is_match(image.short_name()))
    }

    /// Whether the env var name matches an `ignore.env` glob (case-sensitive, as env names are).
    pub fn ignores_env(&self, name: &str) -> bool {
        self.env_globs.is_match(name)
    }

    /// The explicit mappings, built-in ones first, then the user's, in file order.
    pub fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    /// The `ignore.services` globs, as written.
    pub fn ignored_services(&self) -> impl Iterator<Item = &str> {
        self.ignore_services
            .iter()
            .map(|pattern| pattern.text.as_str())
    }

    /// The `ignore.env` globs, as written.
    pub fn ignored_env(&self) -> impl Iterator<Item = &str> {
        self.ignore_env.iter().map(|pattern| pattern.text.as_str())
    }

    fn add_layer(&mut self, layer: Layer) {
        self.rules.extend(layer.rules);
        self.ignore_services.extend(layer.ignore_services);
        self.ignore_env.extend(layer.ignore_env);
        self.mappings.extend(layer.mappings);
        self.service_globs = build_set(&self.ignore_services);
        self.env_globs = build_set(&self.ignore_env);
    }
}

/// Builds the set from globs that each compiled on their own. Joining valid globs cannot fail in
/// practice (the only failure is a regex size limit far beyond any policy file); if it ever did,
/// ignoring nothing is the safe direction, since it shows findings rather than hiding them.
fn build_set(patterns: &[Pattern]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(pattern.glob.clone());
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// One policy file, parsed and checked.
#[derive(Debug, Default)]
struct Layer {
    rules: BTreeMap<&'static str, RuleSetting>,
    ignore_services: Vec<Pattern>,
    ignore_env: Vec<Pattern>,
    mappings: Vec<Mapping>,
}

/// Reads one policy file. An empty file is an empty policy.
fn parse_layer(display: &str, text: &str) -> Result<Layer, PolicyError> {
    let root = yaml::parse_document(text, Limits::default())
        .map_err(|error| PolicyError::new(display, error.line, error.column, error.message))?;
    let reader = Reader { file: display };
    let mut layer = Layer::default();
    if root.is_null() {
        return Ok(layer);
    }
    let entries = reader.map(&root, "the policy file")?;
    if !entries.iter().any(|entry| entry.key == "version") {
        return Err(reader.error(&root, "missing `version: 1` at the top of the policy file"));
    }
    for entry in entries {
        match entry.key.as_str() {
            "version" => reader.version(&entry.value)?,
            "rules" => reader.rules(&entry.value, &mut layer)?,
            "ignore" => reader.ignore(&entry.value, &mut layer)?,
            "mappings" => reader.mappings(&entry.value, &mut layer)?,
            other => {
                return Err(reader.key_error(
                    entry,
                    other,
                    "the policy file",
                    &["version", "rules", "ignore", "mappings"],
                ));
            }
        }
    }
    Ok(layer)
}

/// Checks nodes and turns mistakes into errors at their position.
struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn error(&self, node: &Node, message: impl Into<String>) -> PolicyError {
        PolicyError::new(self.file, node.line, node.column, message)
    }

    fn key_error(&self, entry: &Entry, key: &str, within: &str, expected: &[&str]) -> PolicyError {
        PolicyError::new(
            self.file,
            entry.line,
            entry.column,
            format!(
                "unknown key `{key}` in {within}; expected one of: {}",
                expected.join(", ")
            ),
        )
    }

    fn map<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Entry], PolicyError> {
        node.as_map().ok_or_else(|| {
            self.error(
                node,
                format!("expected a mapping for {what}, found {}", node.type_name()),
            )
        })
    }

    fn seq<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], PolicyError> {
        node.as_seq().ok_or_else(|| {
            self.error(
                node,
                format!("expected a sequence for {what}, found {}", node.type_name()),
            )
        })
    }

    fn string<'n>(&self, node: &'n Node, what: &str) -> Result<&'n str, PolicyError> {
        match node.as_str() {
            Some(text) if !text.is_empty() => Ok(text),
            _ => Err(self.error(
                node,
                format!(
                    "expected a non-empty string for {what}, found {}",
                    node.type_name()
                ),
            )),
        }
    }

    fn version(&self, node: &Node) -> Result<(), PolicyError> {
        // Quoted `"1"` is accepted too: the intent is unambiguous.
        match node.as_str() {
            Some("1") => Ok(()),
            Some(other) => Err(self.error(
                node,
                format!("unsupported policy version `{other}`; expected 1"),
            )),
            None => Err(self.error(
                node,
                format!(
                    "expected the number 1 for `version`, found {}",
                    node.type_name()
                ),
            )),
        }
    }

    fn rules(&self, node: &Node, layer: &mut Layer) -> Result<(), PolicyError> {
        if node.is_null() {
            return Ok(());
        }
        for entry in self.map(node, "`rules`")? {
            let Some(rule) = find_rule(&entry.key) else {
                return Err(PolicyError::new(
                    self.file,
                    entry.line,
                    entry.column,
                    format!(
                        "unknown rule `{}`; `parity rules` lists the known rules",
                        entry.key
                    ),
                ));
            };
            let name = rule.meta().name;
            let setting = match entry.value.as_str() {
                Some("off") => RuleSetting::Off,
                Some(text) => match Severity::parse(text) {
                    Some(severity) => RuleSetting::Severity(severity),
                    None => {
                        return Err(self.error(
                            &entry.value,
                            format!("invalid setting `{text}` for rule `{name}`; expected error, warning, note or off"),
                        ));
                    }
                },
                None => {
                    return Err(self.error(
                        &entry.value,
                        format!(
                            "expected error, warning, note or off for rule `{name}`, found {}",
                            entry.value.type_name()
                        ),
                    ));
                }
            };
            if layer.rules.insert(name, setting).is_some() {
                // `image-mismatch` and `PAR201` in one file: which one wins would be arbitrary.
                return Err(PolicyError::new(
                    self.file,
                    entry.line,
                    entry.column,
                    format!("rule `{name}` is configured twice (by name and by code)"),
                ));
            }
        }
        Ok(())
    }

    fn ignore(&self, node: &Node, layer: &mut Layer) -> Result<(), PolicyError> {
        if node.is_null() {
            return Ok(());
        }
        for entry in self.map(node, "`ignore`")? {
            match entry.key.as_str() {
                "services" => {
                    // Service names are matched lower-cased, so patterns are too.
                    layer.ignore_services.extend(self.globs(
                        &entry.value,
                        "`ignore.services`",
                        true,
                    )?);
                }
                "env" => {
                    layer
                        .ignore_env
                        .extend(self.globs(&entry.value, "`ignore.env`", false)?)
                }
                other => {
                    return Err(self.key_error(entry, other, "`ignore`", &["services", "env"]));
                }
            }
        }
        Ok(())
    }

    fn globs(
        &self,
        node: &Node,
        what: &str,
        case_insensitive: bool,
    ) -> Result<Vec<Pattern>, PolicyError> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        let mut patterns = Vec::new();
        for item in self.seq(node, what)? {
            let text = self.string(item, &format!("an entry of {what}"))?;
            let glob = GlobBuilder::new(text)
                .case_insensitive(case_insensitive)
                .build()
                .map_err(|error| {
                    self.error(item, format!("invalid glob `{text}`: {}", error.kind()))
                })?;
            patterns.push(Pattern {
                text: text.to_owned(),
                glob,
            });
        }
        Ok(patterns)
    }

    fn mappings(&self, node: &Node, layer: &mut Layer) -> Result<(), PolicyError> {
        if node.is_null() {
            return Ok(());
        }
        for item in self.seq(node, "`mappings`")? {
            let entries = self.map(item, "an entry of `mappings`")?;
            let mut local = None;
            let mut prod = None;
            for entry in entries {
                match entry.key.as_str() {
                    "local" => local = Some(self.string(&entry.value, "`local`")?),
                    "prod" => prod = Some(self.string(&entry.value, "`prod`")?),
                    other => {
                        return Err(self.key_error(entry, other, "a mapping", &["local", "prod"]));
                    }
                }
            }
            match (local, prod) {
                (Some(local), Some(prod)) => {
                    layer.mappings.push(Mapping {
                        local: local.to_owned(),
                        prod: prod.to_owned(),
                    });
                }
                (None, _) => {
                    return Err(
                        self.error(item, "a mapping needs `local:` (the compose service name)")
                    );
                }
                (_, None) => {
                    return Err(
                        self.error(item, "a mapping needs `prod:` (the prod workload name)")
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_model::{Container, Origin, ServiceKind, parse_image_ref};

    fn meta(name: &str) -> &'static RuleMeta {
        find_rule(name).map(|rule| rule.meta()).unwrap()
    }

    fn service(name: &str, image: Option<&str>) -> Service {
        let mut service = Service::new(
            name,
            ServiceKind::ComposeService,
            Origin::new("c.yaml".into(), 1, 1),
        );
        let mut container = Container::new(name);
        container.image = image.map(|raw| parse_image_ref(raw).unwrap());
        service.containers.push(container);
        service
    }

    fn error(text: &str) -> String {
        Policy::from_yaml("parity.yaml", text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn builtin_policy_parses() {
        parse_layer(BUILTIN_DISPLAY, BUILTIN_YAML).unwrap();
        let policy = Policy::builtin();
        assert!(policy.ignored_services().any(|glob| glob == "mailhog"));
        assert_eq!(
            policy.severity_of(meta("image-mismatch")),
            Some(Severity::Error)
        );
    }

    #[test]
    fn user_file_overrides_severities_and_adds_ignores() {
        let policy = Policy::from_yaml(
            "parity.yaml",
            "version: 1\nrules:\n  image-mismatch: warning\n  PAR501: off\nignore:\n  services: ['*-debug']\n  env: [DEBUG, 'COMPOSE_*']\nmappings:\n  - local: web\n    prod: frontend\n",
        )
        .unwrap();
        assert_eq!(
            policy.severity_of(meta("image-mismatch")),
            Some(Severity::Warning)
        );
        assert_eq!(policy.severity_of(meta("port-mismatch")), None);
        assert_eq!(
            policy.severity_of(meta("env-unmatched")),
            Some(Severity::Warning)
        );
        // Built-in ignores stay, the user's are added.
        assert!(policy.ignores_service(&service("mailhog", None)));
        assert!(policy.ignores_service(&service("API-debug", None)));
        assert!(!policy.ignores_service(&service("api", None)));
        assert!(policy.ignores_env("DEBUG"));
        assert!(policy.ignores_env("COMPOSE_PROJECT_NAME"));
        assert!(!policy.ignores_env("debug"));
        assert_eq!(
            policy.mappings(),
            &[Mapping {
                local: "web".into(),
                prod: "frontend".into()
            }]
        );
    }

    #[test]
    fn services_are_ignored_by_image_short_name_and_normalised_name() {
        let policy = Policy::builtin();
        assert!(policy.ignores_service(&service("mail", Some("mailhog/mailhog:v1.0.1"))));
        assert!(policy.ignores_service(&service("db-admin", Some("dpage/pgadmin4"))));
        assert!(policy.ignores_service(&service("Mailpit_Prod", None)));
        assert!(!policy.ignores_service(&service("db", Some("postgres:16"))));
    }

    #[test]
    fn lowered_findings_keep_their_level() {
        let policy =
            Policy::from_yaml("p", "version: 1\nrules: {image-mismatch: warning}\n").unwrap();
        let image = meta("image-mismatch");
        assert_eq!(
            policy.adjust_severity(image, Severity::Error),
            Some(Severity::Warning)
        );
        assert_eq!(
            policy.adjust_severity(image, Severity::Note),
            Some(Severity::Note)
        );
        let policy =
            Policy::from_yaml("p", "version: 1\nrules: {missing-service: error}\n").unwrap();
        assert_eq!(
            policy.adjust_severity(meta("missing-service"), Severity::Note),
            Some(Severity::Note)
        );
        let policy = Policy::from_yaml("p", "version: 1\nrules: {missing-service: off}\n").unwrap();
        assert_eq!(
            policy.adjust_severity(meta("missing-service"), Severity::Note),
            None
        );
    }

    #[test]
    fn errors_point_at_the_offending_node() {
        assert_eq!(
            error("version: 2\n"),
            "parity.yaml:1:10: unsupported policy version `2`; expected 1"
        );
        assert_eq!(
            error("rules: {}\n"),
            "parity.yaml:1:1: missing `version: 1` at the top of the policy file"
        );
        assert_eq!(
            error("version: 1\nrulez: {}\n"),
            "parity.yaml:2:1: unknown key `rulez` in the policy file; expected one of: version, rules, ignore, mappings"
        );
        assert_eq!(
            error("version: 1\nrules:\n  image-mismatch: error\n  no-such-rule: off\n"),
            "parity.yaml:4:3: unknown rule `no-such-rule`; `parity rules` lists the known rules"
        );
        assert_eq!(
            error("version: 1\nrules:\n  image-mismatch: fatal\n"),
            "parity.yaml:3:19: invalid setting `fatal` for rule `image-mismatch`; expected error, warning, note or off"
        );
        assert_eq!(
            error("version: 1\nrules:\n  image-mismatch: [error]\n"),
            "parity.yaml:3:19: expected error, warning, note or off for rule `image-mismatch`, found a sequence"
        );
        assert_eq!(
            error("version: 1\nignore:\n  services: mailhog\n"),
            "parity.yaml:3:13: expected a sequence for `ignore.services`, found a string"
        );
        assert_eq!(
            error("version: 1\nignore:\n  envs: []\n"),
            "parity.yaml:3:3: unknown key `envs` in `ignore`; expected one of: services, env"
        );
        assert_eq!(
            error("version: 1\nignore:\n  env: ['[A-Z']\n"),
            "parity.yaml:3:9: invalid glob `[A-Z`: unclosed character class; missing ']'"
        );
        assert_eq!(
            error("version: 1\nmappings:\n  - local: web\n    prod: frontend\n  - local: api\n"),
            "parity.yaml:5:5: a mapping needs `prod:` (the prod workload name)"
        );
        assert_eq!(
            error("version: 1\nmappings:\n  - {local: web, prod: web, note: x}\n"),
            "parity.yaml:3:29: unknown key `note` in a mapping; expected one of: local, prod"
        );
        assert_eq!(
            error("version: 1\nrules: {PAR201: error, image-mismatch: note}\n"),
            "parity.yaml:2:24: rule `image-mismatch` is configured twice (by name and by code)"
        );
        assert_eq!(
            error("version: 1\nrules: [\n"),
            "parity.yaml:3:1: while parsing a node, did not find expected node content"
        );
        assert_eq!(
            error("- 1\n"),
            "parity.yaml:1:1: expected a mapping for the policy file, found a sequence"
        );
    }

    #[test]
    fn empty_file_is_the_builtin_policy() {
        let policy = Policy::from_yaml("parity.yaml", "").unwrap();
        assert_eq!(
            policy.ignored_services().count(),
            Policy::builtin().ignored_services().count()
        );
        let policy = Policy::from_yaml("parity.yaml", "# only a comment\n").unwrap();
        assert!(policy.mappings().is_empty());
    }
}
