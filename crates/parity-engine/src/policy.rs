//! The policy file: per-rule severities, ignored services and env vars, explicit service mappings.
//!
//! ```yaml
//! version: 1
//! select: [image-mismatch]     # optional: run only these rules
//! rules:                       # per-rule severity, or off
//!   image-mismatch: error
//!   port-mismatch: off
//! ignore:
//!   services: [mailhog, "*-debug"]   # globs on service names (either side)
//!   env: ["DEBUG", "COMPOSE_*"]      # env-name globs
//! mappings:
//!   - local: web
//!     prod: frontend
//! suppress:                    # targeted suppressions, each with a reason
//!   - rule: env-unmatched      # any of rule, service (glob), env (glob); at least one
//!     service: api
//!     env: "FEATURE_*"
//!     reason: feature flags are rolled out per environment
//!     expires: 2026-12-31      # optional: after this day it stops suppressing and says so
//! allow:                       # differences that are accepted by design
//!   image-tags:                # tags may differ, the repository must not
//!     - { service: api, reason: "prod is pinned by the release pipeline" }
//!   local-only-env:            # env vars expected to be set only locally
//!     - { env: "DEBUG_*", reason: "debug switches for the laptop stack" }
//! env-must-equal: [LOG_FORMAT, "FEATURE_*"]   # compared by `env-value-mismatch`
//! rego: [policies/]            # Rego policies, relative to this file
//! env-contract-file: .env.example   # the env contract (`env-contract`), relative to this file
//! ```
//!
//! The full format is described by the JSON Schema `policies/parity.schema.json`; a test checks
//! that the schema and this parser accept and reject the same example files.
//!
//! A user's file is layered over the built-in `policies/default.yaml`: its rule severities
//! replace the built-in ones, its ignore lists and mappings are added to them. Every mistake in
//! the file is a [`PolicyError`] pointing at the offending node, because a policy that is silently
//! half-applied would hide drift the user asked to see.

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use parity_model::{Origin, RuleMeta, Service, Severity, SuppressionKind};
use parity_source::yaml::{self, Entry, Limits, Node};

use crate::date::Date;
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

/// A glob matched on its own (suppression fields), and the pattern it came from.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    pub(crate) text: String,
    matcher: GlobMatcher,
}

impl Matcher {
    pub(crate) fn is_match(&self, candidate: &str) -> bool {
        self.matcher.is_match(candidate)
    }
}

/// What else, beyond rule, service and env, a finding must show for a suppression to hide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Condition {
    /// Nothing else.
    None,
    /// An image difference in tag or digest only: the same registry and repository.
    TagOnly,
    /// An env var set locally and missing in prod.
    SetOnlyLocally,
}

/// One reasoned suppression: a `suppress:` entry or an `allow:` entry.
#[derive(Debug, Clone)]
pub(crate) struct SuppressEntry {
    pub(crate) kind: SuppressionKind,
    /// The rule's current name, when the entry names one.
    pub(crate) rule: Option<&'static str>,
    /// Matched against both sides' service names, case-insensitively.
    pub(crate) service: Option<Matcher>,
    /// Matched against the finding's key (env var name), case-sensitively.
    pub(crate) env: Option<Matcher>,
    pub(crate) condition: Condition,
    pub(crate) reason: String,
    pub(crate) expires: Option<Date>,
    /// Where the entry is written in the policy file.
    pub(crate) origin: Origin,
}

impl SuppressEntry {
    /// What the entry matches, for reports: `rule env-unmatched, service api`.
    pub(crate) fn description(&self) -> String {
        let mut parts = Vec::new();
        let section = match (self.kind, self.condition) {
            (SuppressionKind::Allowed, Condition::TagOnly) => "allow.image-tags",
            (SuppressionKind::Allowed, _) => "allow.local-only-env",
            _ => "suppress",
        };
        if self.kind == SuppressionKind::Policy
            && let Some(rule) = self.rule
        {
            parts.push(format!("rule {rule}"));
        }
        if let Some(service) = &self.service {
            parts.push(format!("service {}", service.text));
        }
        if let Some(env) = &self.env {
            parts.push(format!("env {}", env.text));
        }
        format!("{section}: {}", parts.join(", "))
    }
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
    suppressions: Vec<SuppressEntry>,
    env_must_equal: Vec<Matcher>,
    rego_paths: Vec<PathBuf>,
    /// `select:`: when set, only these rules run.
    select: Option<Vec<&'static str>>,
    today: Option<Date>,
    /// `env-contract-file:`: the `.env.example`-style file to read.
    env_contract_file: Option<PathBuf>,
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
            suppressions: Vec::new(),
            env_must_equal: Vec::new(),
            rego_paths: Vec::new(),
            select: None,
            today: None,
            env_contract_file: None,
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
        if let Some(selected) = &self.select
            && !selected.contains(&meta.name)
        {
            return None;
        }
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

    /// Whether the policy names `name` in `env-must-equal`, so `env-value-mismatch` compares its
    /// values across the sides.
    pub fn must_equal_env(&self, name: &str) -> bool {
        self.env_must_equal.iter().any(|glob| glob.is_match(name))
    }

    /// The Rego policy files and folders the policy file names under `rego:`, resolved against
    /// the policy file's folder.
    pub fn rego_paths(&self) -> &[PathBuf] {
        &self.rego_paths
    }

    /// Fixes the day suppressions' `expires:` dates are compared with (default: today's date
    /// from the system clock, in UTC). `text` is `YYYY-MM-DD`; `None` when it is not a date.
    pub fn with_today(mut self, text: &str) -> Option<Policy> {
        self.today = Some(Date::parse(text)?);
        Some(self)
    }

    pub(crate) fn today(&self) -> Date {
        self.today.unwrap_or_else(Date::today)
    }

    /// The env contract file named by `env-contract-file:`, relative to the policy file's folder
    /// when it was read with [`Policy::from_yaml_at`]. The loader reads it (`env-contract`).
    pub fn env_contract_file(&self) -> Option<&Path> {
        self.env_contract_file.as_deref()
    }

    pub(crate) fn suppressions(&self) -> &[SuppressEntry] {
        &self.suppressions
    }

    /// A user's policy file read from `path` (for resolving `rego:` entries), layered over the
    /// built-in one. `display` is the path used in errors.
    pub fn from_yaml_at(display: &str, text: &str, path: &Path) -> Result<Policy, PolicyError> {
        let mut layer = parse_layer(display, text)?;
        let base = path.parent().unwrap_or(Path::new(""));
        for rego in &mut layer.rego_paths {
            if rego.is_relative() {
                *rego = base.join(&*rego);
            }
        }
        if let Some(contract) = &mut layer.env_contract_file {
            if contract.is_relative() {
                *contract = base.join(&*contract);
            }
        }
        let mut policy = Policy::builtin();
        policy.add_layer(layer);
        Ok(policy)
    }

    fn add_layer(&mut self, layer: Layer) {
        self.rules.extend(layer.rules);
        self.ignore_services.extend(layer.ignore_services);
        self.ignore_env.extend(layer.ignore_env);
        self.mappings.extend(layer.mappings);
        self.suppressions.extend(layer.suppressions);
        self.env_must_equal.extend(layer.env_must_equal);
        self.rego_paths.extend(layer.rego_paths);
        if layer.select.is_some() {
            self.select = layer.select;
        }
        if layer.env_contract_file.is_some() {
            self.env_contract_file = layer.env_contract_file;
        }
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
    suppressions: Vec<SuppressEntry>,
    env_must_equal: Vec<Matcher>,
    rego_paths: Vec<PathBuf>,
    select: Option<Vec<&'static str>>,
    env_contract_file: Option<PathBuf>,
}

/// The top-level keys of a policy file.
const TOP_LEVEL_KEYS: &[&str] = &[
    "version",
    "select",
    "rules",
    "ignore",
    "mappings",
    "suppress",
    "allow",
    "env-must-equal",
    "rego",
    "env-contract-file",
];

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
    if !entries.iter().any(|entry| &*entry.key == "version") {
        return Err(reader.error(&root, "missing `version: 1` at the top of the policy file"));
    }
    for entry in entries {
        match &*entry.key {
            "version" => reader.version(&entry.value)?,
            "rules" => reader.rules(&entry.value, &mut layer)?,
            "select" => {
                let mut selected = Vec::new();
                for item in reader.optional_seq(&entry.value, "`select`")? {
                    let name = reader.string(item, "an entry of `select`")?;
                    let rule = find_rule(name).ok_or_else(|| {
                        reader.error(
                            item,
                            format!("unknown rule `{name}`; `parity rules` lists the known rules"),
                        )
                    })?;
                    selected.push(rule.meta().name);
                }
                layer.select = Some(selected);
            }
            "ignore" => reader.ignore(&entry.value, &mut layer)?,
            "mappings" => reader.mappings(&entry.value, &mut layer)?,
            "suppress" => reader.suppress(&entry.value, &mut layer)?,
            "allow" => reader.allow(&entry.value, &mut layer)?,
            "env-must-equal" => {
                for item in reader.optional_seq(&entry.value, "`env-must-equal`")? {
                    layer.env_must_equal.push(reader.matcher(
                        item,
                        "an entry of `env-must-equal`",
                        false,
                    )?);
                }
            }
            "rego" => {
                for item in reader.optional_seq(&entry.value, "`rego`")? {
                    let path = reader.string(item, "an entry of `rego`")?;
                    layer.rego_paths.push(PathBuf::from(path));
                }
            }
            "env-contract-file" => {
                let path = reader.string(&entry.value, "`env-contract-file`")?;
                layer.env_contract_file = Some(PathBuf::from(path));
            }
            other => {
                return Err(reader.key_error(entry, other, "the policy file", TOP_LEVEL_KEYS));
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

    fn optional_seq<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], PolicyError> {
        if node.is_null() {
            return Ok(&[]);
        }
        self.seq(node, what)
    }

    fn matcher(
        &self,
        node: &Node,
        what: &str,
        case_insensitive: bool,
    ) -> Result<Matcher, PolicyError> {
        let text = self.string(node, what)?;
        let glob = GlobBuilder::new(text)
            .case_insensitive(case_insensitive)
            .build()
            .map_err(|error| {
                self.error(node, format!("invalid glob `{text}`: {}", error.kind()))
            })?;
        Ok(Matcher {
            text: text.to_owned(),
            matcher: glob.compile_matcher(),
        })
    }

    /// `suppress:`: a list of `{rule, service, env, reason, expires}`.
    fn suppress(&self, node: &Node, layer: &mut Layer) -> Result<(), PolicyError> {
        for item in self.optional_seq(node, "`suppress`")? {
            let entry = self.suppress_entry(
                item,
                "a `suppress` entry",
                &["rule", "service", "env", "reason", "expires"],
                SuppressionKind::Policy,
                Condition::None,
            )?;
            if entry.rule.is_none() && entry.service.is_none() && entry.env.is_none() {
                return Err(self.error(
                    item,
                    "a `suppress` entry needs at least one of `rule`, `service` or `env`",
                ));
            }
            layer.suppressions.push(entry);
        }
        Ok(())
    }

    /// `allow:`: `image-tags` and `local-only-env` lists.
    fn allow(&self, node: &Node, layer: &mut Layer) -> Result<(), PolicyError> {
        if node.is_null() {
            return Ok(());
        }
        for entry in self.map(node, "`allow`")? {
            match &*entry.key {
                "image-tags" => {
                    for item in self.optional_seq(&entry.value, "`allow.image-tags`")? {
                        let mut allowed = self.suppress_entry(
                            item,
                            "an `allow.image-tags` entry",
                            &["service", "reason", "expires"],
                            SuppressionKind::Allowed,
                            Condition::TagOnly,
                        )?;
                        if allowed.service.is_none() {
                            return Err(self.error(
                                item,
                                "an `allow.image-tags` entry needs `service` (a glob; \"*\" for every service)",
                            ));
                        }
                        allowed.rule = Some("image-mismatch");
                        layer.suppressions.push(allowed);
                    }
                }
                "local-only-env" => {
                    for item in self.optional_seq(&entry.value, "`allow.local-only-env`")? {
                        let mut allowed = self.suppress_entry(
                            item,
                            "an `allow.local-only-env` entry",
                            &["env", "service", "reason", "expires"],
                            SuppressionKind::Allowed,
                            Condition::SetOnlyLocally,
                        )?;
                        if allowed.env.is_none() {
                            return Err(self.error(
                                item,
                                "an `allow.local-only-env` entry needs `env` (an env var name glob)",
                            ));
                        }
                        allowed.rule = Some("env-unmatched");
                        layer.suppressions.push(allowed);
                    }
                }
                other => {
                    return Err(self.key_error(
                        entry,
                        other,
                        "`allow`",
                        &["image-tags", "local-only-env"],
                    ));
                }
            }
        }
        Ok(())
    }

    fn suppress_entry(
        &self,
        item: &Node,
        what: &str,
        keys: &[&str],
        kind: SuppressionKind,
        condition: Condition,
    ) -> Result<SuppressEntry, PolicyError> {
        let entries = self.map(item, what)?;
        let mut suppression = SuppressEntry {
            kind,
            rule: None,
            service: None,
            env: None,
            condition,
            reason: String::new(),
            expires: None,
            origin: Origin::new(self.file.into(), item.line, item.column),
        };
        for entry in entries {
            if !keys.contains(&&*entry.key) {
                return Err(self.key_error(entry, &entry.key, what, keys));
            }
            let value = &entry.value;
            match &*entry.key {
                "rule" => {
                    let name = self.string(value, "`rule`")?;
                    let rule = find_rule(name).ok_or_else(|| {
                        self.error(
                            value,
                            format!("unknown rule `{name}`; `parity rules` lists the known rules"),
                        )
                    })?;
                    suppression.rule = Some(rule.meta().name);
                }
                "service" => suppression.service = Some(self.matcher(value, "`service`", true)?),
                "env" => suppression.env = Some(self.matcher(value, "`env`", false)?),
                "reason" => suppression.reason = self.string(value, "`reason`")?.trim().to_owned(),
                "expires" => {
                    let text = self.string(value, "`expires`")?;
                    suppression.expires = Some(Date::parse(text).ok_or_else(|| {
                        self.error(
                            value,
                            format!("invalid date `{text}` for `expires`; expected YYYY-MM-DD"),
                        )
                    })?);
                }
                _ => {}
            }
        }
        if suppression.reason.is_empty() {
            return Err(self.error(
                item,
                format!("{what} needs a `reason`: say why the difference is accepted"),
            ));
        }
        Ok(suppression)
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
            match &*entry.key {
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
                match &*entry.key {
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
            "parity.yaml:2:1: unknown key `rulez` in the policy file; expected one of: version, select, rules, ignore, mappings, suppress, allow, env-must-equal, rego, env-contract-file"
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
            error("version: 1\nsuppress:\n  - {rule: env-unmatched, service: api}\n"),
            "parity.yaml:3:5: a `suppress` entry needs a `reason`: say why the difference is accepted"
        );
        assert_eq!(
            error("version: 1\nsuppress:\n  - {reason: because}\n"),
            "parity.yaml:3:5: a `suppress` entry needs at least one of `rule`, `service` or `env`"
        );
        assert_eq!(
            error(
                "version: 1\nsuppress:\n  - rule: env-unmatched\n    reason: r\n    expires: next week\n"
            ),
            "parity.yaml:5:14: invalid date `next week` for `expires`; expected YYYY-MM-DD"
        );
        assert_eq!(
            error("version: 1\nsuppress:\n  - {rule: nope, reason: r}\n"),
            "parity.yaml:3:12: unknown rule `nope`; `parity rules` lists the known rules"
        );
        assert_eq!(
            error("version: 1\nallow:\n  image-tags: [{reason: r}]\n"),
            "parity.yaml:3:16: an `allow.image-tags` entry needs `service` (a glob; \"*\" for every service)"
        );
        assert_eq!(
            error(
                "version: 1\nallow:\n  local-only-env: [{env: X, reason: r, rule: env-unmatched}]\n"
            ),
            "parity.yaml:3:40: unknown key `rule` in an `allow.local-only-env` entry; expected one of: env, service, reason, expires"
        );
        assert_eq!(
            error("version: 1\nselect: [image-mismatch, PAR999]\n"),
            "parity.yaml:2:26: unknown rule `PAR999`; `parity rules` lists the known rules"
        );
        assert_eq!(
            error("- 1\n"),
            "parity.yaml:1:1: expected a mapping for the policy file, found a sequence"
        );
    }

    #[test]
    fn select_env_must_equal_and_rego_paths() {
        let policy = Policy::from_yaml_at(
            "repo/parity.yaml",
            "version: 1\nselect: [PAR201]\nenv-must-equal: [LOG_FORMAT, 'FEATURE_*']\nrego: [policies, /abs/x.rego]\n",
            Path::new("repo/parity.yaml"),
        )
        .unwrap();
        assert_eq!(
            policy.severity_of(meta("image-mismatch")),
            Some(Severity::Error)
        );
        assert_eq!(policy.severity_of(meta("env-unmatched")), None);
        assert!(policy.must_equal_env("FEATURE_X") && policy.must_equal_env("LOG_FORMAT"));
        assert!(!policy.must_equal_env("log_format"));
        assert_eq!(
            policy.rego_paths(),
            [PathBuf::from("repo/policies"), PathBuf::from("/abs/x.rego")]
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
