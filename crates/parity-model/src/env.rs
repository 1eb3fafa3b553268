use arcstr::ArcStr;

use crate::{Origin, PartialText, SensitiveText};

/// One environment variable of a container, with where its value comes from.
///
/// Its text is shared ([`ArcStr`]): a name every service sets, or a var expanded from a
/// ConfigMap's key, holds the same string as its source rather than a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// The variable name as the process sees it (after any envFrom prefix).
    pub name: ArcStr,
    /// The value or where it is taken from.
    pub value: EnvValue,
    /// Where the variable is set: the `environment:`/`env:` entry, or the env_file / envFrom line.
    pub origin: Origin,
}

/// Where an env var's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A literal value written in the file (after interpolation).
    Literal(SensitiveText),
    /// `KEY` with no value in compose: taken from the shell that runs `docker compose`. Set, value unknown.
    FromHost,
    /// Read from a config source (ConfigMap key, Secret key, env_file, envFrom).
    FromSource {
        /// The kind of source.
        source: EnvSource,
        /// The source's name (ConfigMap or Secret name, env file path).
        source_name: ArcStr,
        /// The key within the source, when one key is referenced.
        key: Option<ArcStr>,
        /// The resolved value when the source was found in the same input.
        resolved: Option<SensitiveText>,
    },
    /// Kubernetes `fieldRef` (e.g. `metadata.name`, `status.podIP`).
    FieldRef(String),
    /// Kubernetes `resourceFieldRef` (e.g. `limits.memory`).
    ResourceFieldRef(String),
    /// A value only known at deploy time (e.g. a Terraform attribute known after apply).
    Unknown(String),
    /// A value only partly known before deploy: literal text around parts known at deploy time
    /// (`postgres://${aws_db_instance.main.address}:5432/shop`). Its known parts are read
    /// (a connection URL's scheme and port), its references followed; it is not a concrete
    /// value, so [`EnvValue::known`] is `None`.
    ///
    /// Boxed: it is rare (Terraform) and three times the size of the other variants.
    Partial(Box<PartialText>),
}

/// The kind of source an env var value is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnvSource {
    /// A Kubernetes ConfigMap.
    ConfigMap,
    /// A Kubernetes Secret.
    Secret,
    /// A compose `env_file`.
    EnvFile,
}

impl EnvValue {
    /// The value as it may be shown to a user, when there is one: literals and resolved
    /// references, redacted where sensitive.
    pub fn shown(&self) -> Option<&str> {
        match self {
            EnvValue::Literal(text) => Some(text.shown()),
            EnvValue::FromSource {
                resolved: Some(text),
                ..
            } => Some(text.shown()),
            EnvValue::Partial(text) => Some(text.shown()),
            _ => None,
        }
    }

    /// The concrete value, for comparison, when known.
    pub fn known(&self) -> Option<&SensitiveText> {
        match self {
            EnvValue::Literal(text) => Some(text),
            EnvValue::FromSource {
                resolved: Some(text),
                ..
            } => Some(text),
            _ => None,
        }
    }

    /// A short description of where the value comes from, for reports
    /// (`literal`, `from host`, `secret db-creds key password`, ...).
    pub fn describe(&self) -> String {
        match self {
            EnvValue::Literal(text) => text.shown().to_owned(),
            EnvValue::FromHost => "(from host environment)".to_owned(),
            EnvValue::FromSource {
                source,
                source_name,
                key,
                ..
            } => {
                let kind = match source {
                    EnvSource::ConfigMap => "configmap",
                    EnvSource::Secret => "secret",
                    EnvSource::EnvFile => "env_file",
                };
                match key {
                    Some(key) => format!("({kind} {source_name} key {key})"),
                    None => format!("({kind} {source_name})"),
                }
            }
            EnvValue::FieldRef(path) => format!("(field {path})"),
            EnvValue::ResourceFieldRef(path) => format!("(resource {path})"),
            EnvValue::Unknown(why) => format!("(known after deploy: {why})"),
            EnvValue::Partial(text) => {
                let references: Vec<&str> = text.references().collect();
                format!("(partly known after deploy: {})", references.join(", "))
            }
        }
    }
}
