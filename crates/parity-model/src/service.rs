use crate::{Connection, EnvVar, ImageRef, Origin, SortedMap};

/// A workload: a compose service, or a Kubernetes Deployment, StatefulSet, DaemonSet, ... .
///
/// This is the unit parity pairs across sides and compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The service or workload name (`metadata.name` in Kubernetes).
    pub name: String,
    /// What kind of workload this is.
    pub kind: ServiceKind,
    /// Where the service is declared (the compose service key, the manifest's `kind:` line).
    pub origin: Origin,
    /// Kubernetes namespace, when set.
    pub namespace: Option<String>,
    /// Labels (compose `labels`, Kubernetes `metadata.labels` merged with pod template labels).
    pub labels: SortedMap<String, String>,
    /// Containers; compose services have exactly one.
    pub containers: Vec<Container>,
    /// Desired replicas, when declared.
    pub replicas: Option<u32>,
    /// Compose profiles the service belongs to (empty: always active).
    pub profiles: Vec<String>,
    /// Compose `build:`: the image is built from source locally.
    pub build: Option<BuildInfo>,
    /// Names of services this one depends on (compose `depends_on`), as written.
    pub depends_on: Vec<String>,
}

impl Service {
    /// A service with no containers or attributes yet.
    pub fn new(name: impl Into<String>, kind: ServiceKind, origin: Origin) -> Self {
        Self {
            name: name.into(),
            kind,
            origin,
            namespace: None,
            labels: SortedMap::new(),
            containers: Vec::new(),
            replicas: None,
            profiles: Vec::new(),
            build: None,
            depends_on: Vec::new(),
        }
    }

    /// The main (non-init) containers.
    pub fn app_containers(&self) -> impl Iterator<Item = &Container> {
        self.containers.iter().filter(|c| !c.init)
    }

    /// The first app container, the one compared when a workload runs several.
    pub fn primary_container(&self) -> Option<&Container> {
        self.app_containers().next()
    }

    /// Releases the spare capacity of the service's vectors and strings. Loaders build a service
    /// by pushing (a vector grown by one element keeps room for four) and then keep it for the
    /// whole run: at 10,000 services the spare room is megabytes (docs/performance.md).
    pub fn shrink_to_fit(&mut self) {
        self.name.shrink_to_fit();
        self.labels.shrink_to_fit();
        if let Some(namespace) = &mut self.namespace {
            namespace.shrink_to_fit();
        }
        self.containers.shrink_to_fit();
        for container in &mut self.containers {
            container.shrink_to_fit();
        }
        self.profiles.shrink_to_fit();
        self.depends_on.shrink_to_fit();
        for name in self.profiles.iter_mut().chain(&mut self.depends_on) {
            name.shrink_to_fit();
        }
    }
}

/// The kind of a workload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKind {
    /// A docker compose service.
    ComposeService,
    /// A Kubernetes workload kind: `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`, `Job`,
    /// `CronJob`, `Pod`.
    Kubernetes(String),
    /// Any other platform's workload (Terraform resource type, ...).
    Other(String),
}

impl ServiceKind {
    /// The name shown to users (`compose service`, `Deployment`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            ServiceKind::ComposeService => "compose service",
            ServiceKind::Kubernetes(kind) | ServiceKind::Other(kind) => kind,
        }
    }
}

/// A compose service's `build:` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// The build context.
    pub context: String,
    /// The Dockerfile, when set.
    pub dockerfile: Option<String>,
    /// Where `build:` is written.
    pub origin: Origin,
}

/// One container of a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// Container name (the service name for compose).
    pub name: String,
    /// The image, when one is given (compose services built from source may have none).
    pub image: Option<ImageRef>,
    /// Where the image is written.
    pub image_origin: Option<Origin>,
    /// Environment variables in declaration order, after override/merge resolution.
    pub env: Vec<EnvVar>,
    /// Container ports.
    pub ports: Vec<Port>,
    /// Mounted volumes.
    pub volumes: Vec<Volume>,
    /// An init container (Kubernetes `initContainers`).
    pub init: bool,
    /// Health checking declared for the container.
    pub healthcheck: Option<Healthcheck>,
    /// Sources whose keys all become env vars (Kubernetes `envFrom`) but that were not in the
    /// input, so the variables they set are unknown. Written as `configmap/NAME` or `secret/NAME`
    /// (kubectl's notation) so a rule can name them; empty when every source was resolved.
    pub env_from_unresolved: Vec<String>,
    /// Connections its env values describe (`DATABASE_URL=postgres://db/app`), filled by
    /// [`crate::link_connections`] once the env is resolved. Empty until then.
    pub connections: Vec<Connection>,
}

impl Container {
    /// Releases spare capacity (see [`Service::shrink_to_fit`]).
    pub fn shrink_to_fit(&mut self) {
        self.name.shrink_to_fit();
        self.env.shrink_to_fit();
        // An env var's own text is shared and exact-size (`ArcStr`): nothing to release but the
        // few plain strings.
        for var in &mut self.env {
            match &mut var.value {
                crate::EnvValue::FieldRef(text)
                | crate::EnvValue::ResourceFieldRef(text)
                | crate::EnvValue::Unknown(text) => text.shrink_to_fit(),
                // Nothing to release, or too rare to matter.
                _ => {}
            }
        }
        self.ports.shrink_to_fit();
        self.volumes.shrink_to_fit();
        self.env_from_unresolved.shrink_to_fit();
        self.connections.shrink_to_fit();
    }

    /// A container with nothing set yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            image: None,
            image_origin: None,
            env: Vec::new(),
            ports: Vec::new(),
            volumes: Vec::new(),
            init: false,
            healthcheck: None,
            env_from_unresolved: Vec::new(),
            connections: Vec::new(),
        }
    }

    /// The env var named `name`, the last one when set twice (as a container sees it).
    pub fn env_var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().rev().find(|var| var.name == name)
    }
}

/// Health checking: a compose `healthcheck`, or Kubernetes probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    /// Kind: `healthcheck`, `readinessProbe`, `livenessProbe`, `startupProbe`.
    pub kinds: Vec<String>,
    /// Whether checking is disabled (`disable: true`, `test: ["NONE"]`).
    pub disabled: bool,
    /// Where it is declared.
    pub origin: Origin,
}

/// A container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// The port the container listens on.
    pub container: u16,
    /// The host port it is published on (compose `published`, Kubernetes `hostPort`).
    pub published: Option<u16>,
    /// The host IP it is bound to, when set.
    pub host_ip: Option<String>,
    /// Protocol.
    pub protocol: Protocol,
    /// Port name (Kubernetes `name`, compose long-syntax `name`).
    pub name: Option<String>,
    /// Where it is declared.
    pub origin: Origin,
}

/// A port protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// Parses `tcp`/`udp`/`sctp` in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "sctp" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// A volume mounted into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// Path inside the container.
    pub target: String,
    /// Source: named volume, host path, claim name, ConfigMap name, ...
    pub source: Option<String>,
    /// What backs the mount.
    pub kind: VolumeKind,
    /// Mounted read-only.
    pub read_only: bool,
    /// Where it is declared.
    pub origin: Origin,
}

/// What backs a volume mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VolumeKind {
    /// A named (compose) volume.
    Named,
    /// An anonymous volume (compose `- /data`).
    Anonymous,
    /// A host bind mount (compose bind, Kubernetes hostPath).
    Bind,
    /// tmpfs (compose tmpfs, Kubernetes emptyDir with medium Memory).
    Tmpfs,
    /// Kubernetes emptyDir.
    EmptyDir,
    /// A PersistentVolumeClaim (or a StatefulSet volumeClaimTemplate).
    PersistentClaim,
    /// A ConfigMap projected as files.
    ConfigMap,
    /// A Secret projected as files.
    Secret,
    /// Anything else (projected, CSI, NFS, ...).
    Other,
}

impl VolumeKind {
    /// Whether data written there survives a container restart and rescheduling.
    pub fn is_persistent(self) -> bool {
        matches!(
            self,
            VolumeKind::Named | VolumeKind::Bind | VolumeKind::PersistentClaim
        )
    }

    /// Lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeKind::Named => "volume",
            VolumeKind::Anonymous => "anonymous",
            VolumeKind::Bind => "bind",
            VolumeKind::Tmpfs => "tmpfs",
            VolumeKind::EmptyDir => "emptyDir",
            VolumeKind::PersistentClaim => "persistentVolumeClaim",
            VolumeKind::ConfigMap => "configMap",
            VolumeKind::Secret => "secret",
            VolumeKind::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ArcStr;

    use super::*;
    use crate::{EnvSource, EnvValue, SensitiveText};

    #[test]
    fn shrink_to_fit_keeps_the_service_and_drops_spare_room() {
        let origin = Origin::new(ArcStr::from("prod/app.yaml"), 3, 5);
        let mut service = Service::new("api", ServiceKind::ComposeService, origin.clone());
        let mut container = Container::new("api");
        for index in 0..8 {
            container.env.push(EnvVar {
                name: format!("VAR_{index}").into(),
                value: EnvValue::FromSource {
                    source: EnvSource::ConfigMap,
                    source_name: "api-config".into(),
                    key: Some(format!("VAR_{index}").into()),
                    resolved: Some(SensitiveText::plain("on")),
                },
                origin: origin.clone(),
            });
        }
        let mut field = String::with_capacity(64);
        field.push_str("status.podIP");
        container.env.push(EnvVar {
            name: "POD_IP".into(),
            value: EnvValue::FieldRef(field),
            origin: origin.clone(),
        });
        service.containers.push(container);
        service.depends_on.push("db".to_owned());
        let before = service.clone();
        assert!(service.containers.capacity() > 1);

        service.shrink_to_fit();

        assert_eq!(service, before);
        assert_eq!(service.containers.capacity(), 1);
        assert_eq!(service.depends_on.capacity(), 1);
        let env = &service.containers[0].env;
        assert_eq!(env.capacity(), 9);
        let EnvValue::FieldRef(field) = &env[8].value else {
            panic!("the last var reads a field: {:?}", env[8]);
        };
        assert_eq!(field.capacity(), "status.podIP".len());
    }
}
