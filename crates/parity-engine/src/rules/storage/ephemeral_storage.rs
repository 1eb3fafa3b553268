//! PAR690 `ephemeral-storage`.

use parity_model::{Container, Volume, VolumeKind};

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a paired service that keeps data in a volume locally (a named volume, or a bind
    /// mount of a data folder) at a container path where its prod counterpart mounts nothing
    /// persistent: no volumeMount at all, or only an `emptyDir` or tmpfs.
    ///
    /// It is an error at the known data paths of common stateful images (PostgreSQL's
    /// `/var/lib/postgresql/data`, MySQL and MariaDB's `/var/lib/mysql`, MongoDB's `/data/db`,
    /// Redis's `/data`, RabbitMQ, Elasticsearch/OpenSearch, MinIO, ClickHouse, Cassandra, ...),
    /// a warning elsewhere. Bind mounts of source code for hot reload (`./src:/app/src`),
    /// read-only mounts and single configuration files are not data and never count.
    /// PersistentVolumeClaims, StatefulSet `volumeClaimTemplates`, `hostPath` and other
    /// network volumes (NFS, CSI, EFS) count as persistent in prod.
    ///
    /// ## Why it matters
    /// Whatever the process writes to a path with nothing persistent mounted lives in the
    /// container's writable layer or an `emptyDir`, and is gone when the pod restarts, is
    /// rescheduled or is rolled out. Locally the volume hid this: data survived every
    /// `docker compose down` and `up`.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     volumes: ["pgdata:/var/lib/postgresql/data"]
    /// ```
    /// ```yaml
    /// # prod/db.yaml (StatefulSet without a volumeClaimTemplate)
    /// containers: [{ name: db, image: postgres:16 }]
    /// ```
    ///
    /// ## How to fix
    /// Mount a PersistentVolumeClaim at that path in prod (for a StatefulSet, a
    /// `volumeClaimTemplate`), or move the data to a managed service and drop the local volume
    /// so both sides behave the same.
    pub EphemeralStorage {
        code: "PAR690",
        name: "ephemeral-storage",
        family: Storage,
        severity: Error,
        since: "0.1.0",
    }
}

/// The data directories of common stateful images, by image short-name prefix.
const DATA_PATHS: &[(&str, &[&str])] = &[
    (
        "postgres",
        &["/var/lib/postgresql/data", "/var/lib/postgresql"],
    ),
    (
        "postgis",
        &["/var/lib/postgresql/data", "/var/lib/postgresql"],
    ),
    (
        "timescaledb",
        &["/var/lib/postgresql/data", "/home/postgres/pgdata"],
    ),
    ("mysql", &["/var/lib/mysql"]),
    ("mariadb", &["/var/lib/mysql"]),
    ("percona", &["/var/lib/mysql"]),
    ("mongo", &["/data/db", "/data/configdb"]),
    ("redis", &["/data"]),
    ("valkey", &["/data"]),
    ("keydb", &["/data"]),
    ("rabbitmq", &["/var/lib/rabbitmq"]),
    ("elasticsearch", &["/usr/share/elasticsearch/data"]),
    ("opensearch", &["/usr/share/opensearch/data"]),
    ("minio", &["/data", "/export"]),
    ("clickhouse", &["/var/lib/clickhouse"]),
    ("cassandra", &["/var/lib/cassandra"]),
    ("scylla", &["/var/lib/scylla"]),
    ("influxdb", &["/var/lib/influxdb2", "/var/lib/influxdb"]),
    ("neo4j", &["/data"]),
    ("couchdb", &["/opt/couchdb/data"]),
    ("etcd", &["/etcd-data", "/var/lib/etcd"]),
    ("kafka", &["/var/lib/kafka/data", "/bitnami/kafka"]),
    ("zookeeper", &["/data", "/datalog"]),
    ("nats", &["/data"]),
    ("meilisearch", &["/meili_data"]),
    ("qdrant", &["/qdrant/storage"]),
    ("gitea", &["/data"]),
    ("registry", &["/var/lib/registry"]),
];

/// Last path segments that name a data folder when a bind mount is not under a known data path.
const DATA_WORDS: &[&str] = &[
    "data",
    "db",
    "database",
    "pgdata",
    "mysql",
    "postgres",
    "postgresql",
    "redis",
    "mongo",
    "storage",
    "uploads",
    "media",
    "volumes",
    "backups",
    "minio",
    "elasticsearch",
    "state",
];

/// Whether `path` is `dir` or inside it.
fn is_within(path: &str, dir: &str) -> bool {
    let path = path.trim_end_matches('/');
    let dir = dir.trim_end_matches('/');
    path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// Whether the container path is a known data directory of the container's image.
fn is_known_data_path(container: &Container, target: &str) -> bool {
    let Some(image) = &container.image else {
        return false;
    };
    let short = image.short_name().to_ascii_lowercase();
    DATA_PATHS
        .iter()
        .filter(|(prefix, _)| short.starts_with(prefix))
        .flat_map(|(_, paths)| paths.iter())
        .any(|dir| is_within(target, dir) || is_within(dir, target))
}

/// The last segment of a path, lower-cased.
fn last_segment(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Whether a local mount holds data the service writes (rather than code or configuration).
fn holds_data(container: &Container, volume: &Volume) -> bool {
    if volume.read_only {
        return false;
    }
    match volume.kind {
        VolumeKind::Named => {
            // A named volume over a single file (`certs:/etc/app/cert.pem`) is configuration.
            !looks_like_file(&volume.target)
        }
        VolumeKind::Bind => {
            let source = volume.source.as_deref().unwrap_or_default();
            if looks_like_file(source) || looks_like_file(&volume.target) {
                return false;
            }
            if source.ends_with(".sock") || volume.target.ends_with(".sock") {
                return false;
            }
            is_known_data_path(container, &volume.target)
                || DATA_WORDS.contains(&last_segment(source).trim_start_matches('.'))
                || DATA_WORDS.contains(&last_segment(&volume.target).as_str())
        }
        _ => false,
    }
}

/// `nginx.conf`, `init.sql`, `.env`: a single file, which configuration usually is.
fn looks_like_file(path: &str) -> bool {
    let name = last_segment(path);
    match name.rsplit_once('.') {
        Some((stem, extension)) => {
            (!stem.is_empty() || name.starts_with('.'))
                && !extension.is_empty()
                && extension.len() <= 8
                && extension.chars().all(|c| c.is_ascii_alphanumeric())
                && !extension.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// What prod mounts at (or above) a path: the nearest mount, if any.
fn prod_mount<'a>(container: &'a Container, target: &str) -> Option<&'a Volume> {
    container
        .volumes
        .iter()
        .filter(|volume| is_within(target, &volume.target))
        .max_by_key(|volume| volume.target.len())
}

fn persistent_in_prod(kind: VolumeKind) -> bool {
    // `Other` covers NFS, CSI, EFS and projected volumes: parity cannot tell, so it does not
    // claim the data is lost.
    kind.is_persistent() || kind == VolumeKind::Other
}

/// `an emptyDir`, `a tmpfs`.
fn with_article(kind: VolumeKind) -> String {
    let name = kind.as_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

fn describe_local(volume: &Volume) -> String {
    match (volume.kind, &volume.source) {
        (VolumeKind::Named, Some(source)) => format!("volume `{source}`"),
        (VolumeKind::Bind, Some(source)) => format!("bind mount `{source}`"),
        (kind, _) => kind.as_str().to_owned(),
    }
}

impl Rule for EphemeralStorage {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for pair in cx.pairs() {
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            let name = pair.display_name();
            let mut seen = Vec::new();
            for volume in &local_container.volumes {
                if !holds_data(local_container, volume) || seen.contains(&volume.target) {
                    continue;
                }
                seen.push(volume.target.clone());
                let prod = prod_mount(prod_container, &volume.target);
                if prod.is_some_and(|mount| persistent_in_prod(mount.kind)) {
                    continue;
                }
                let known = is_known_data_path(local_container, &volume.target)
                    || is_known_data_path(prod_container, &volume.target);
                let (prod_text, prod_origin) = match prod {
                    Some(mount) => (
                        format!("only {} is mounted there", with_article(mount.kind)),
                        &mount.origin,
                    ),
                    None => (
                        "nothing is mounted there".to_owned(),
                        prod_container
                            .image_origin
                            .as_ref()
                            .unwrap_or(&pair.prod.origin),
                    ),
                };
                let message = format!(
                    "`{name}` keeps data in {} at {} locally, but in prod {prod_text}: the data is lost when the pod restarts",
                    describe_local(volume),
                    volume.target
                );
                let mut finding = pair.finding(meta, message);
                finding.severity = if known {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                finding.key = Some(volume.target.clone());
                finding.local = Some(describe_local(volume));
                finding.prod = Some(
                    prod.map_or_else(|| "none".to_owned(), |mount| mount.kind.as_str().to_owned()),
                );
                finding.locations = vec![
                    location(Side::Local, &volume.origin),
                    location(Side::Prod, prod_origin),
                ];
                out.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, k8s_workload, run_rule, with_image};
    use parity_model::{Origin, Service};

    fn mount(kind: VolumeKind, source: &str, target: &str, read_only: bool, line: u32) -> Volume {
        Volume {
            target: target.into(),
            source: (!source.is_empty()).then(|| source.to_owned()),
            kind,
            read_only,
            origin: Origin::new("f.yaml".into(), line, 9),
        }
    }

    fn with_volumes(mut service: Service, volumes: Vec<Volume>) -> Service {
        if let Some(container) = service.containers.first_mut() {
            container.volumes = volumes;
        }
        service
    }

    #[test]
    fn database_volume_without_prod_storage_is_an_error_and_others_a_warning() {
        let local = vec![with_volumes(
            with_image(compose_service("db", 3), "postgres:16", 4),
            vec![
                mount(
                    VolumeKind::Named,
                    "pgdata",
                    "/var/lib/postgresql/data",
                    false,
                    6,
                ),
                mount(VolumeKind::Bind, "./exports", "/srv/exports", false, 7),
                mount(VolumeKind::Bind, "./uploads", "/srv/uploads", false, 8),
                mount(VolumeKind::Bind, "./src", "/app/src", false, 9),
                mount(
                    VolumeKind::Bind,
                    "./init.sql",
                    "/docker-entrypoint-initdb.d/init.sql",
                    false,
                    10,
                ),
                mount(VolumeKind::Named, "cache", "/cache", true, 11),
            ],
        )];
        let prod = vec![with_volumes(
            with_image(k8s_workload("db", "StatefulSet", 1), "postgres:16", 20),
            vec![mount(
                VolumeKind::EmptyDir,
                "scratch",
                "/srv/uploads",
                false,
                30,
            )],
        )];
        let findings = run_rule(&EphemeralStorage, local, prod);
        let got: Vec<(Option<&str>, Severity, Vec<u32>)> = findings
            .iter()
            .map(|f| {
                (
                    f.key.as_deref(),
                    f.severity,
                    f.locations.iter().map(|l| l.origin.line).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("/var/lib/postgresql/data"),
                    Severity::Error,
                    vec![6, 20]
                ),
                (Some("/srv/uploads"), Severity::Warning, vec![8, 30]),
            ]
        );
        assert_eq!(
            findings[0].message,
            "`db` keeps data in volume `pgdata` at /var/lib/postgresql/data locally, but in prod nothing is mounted there: the data is lost when the pod restarts"
        );
    }

    #[test]
    fn claims_and_parent_mounts_are_persistent() {
        let local = vec![with_volumes(
            with_image(compose_service("db", 3), "postgres:16", 4),
            vec![mount(
                VolumeKind::Named,
                "pgdata",
                "/var/lib/postgresql/data",
                false,
                6,
            )],
        )];
        let prod = vec![with_volumes(
            with_image(k8s_workload("db", "StatefulSet", 1), "postgres:16", 20),
            vec![mount(
                VolumeKind::PersistentClaim,
                "data",
                "/var/lib/postgresql",
                false,
                30,
            )],
        )];
        assert!(run_rule(&EphemeralStorage, local, prod).is_empty());
    }

    #[test]
    fn files_and_paths() {
        assert!(looks_like_file("./nginx.conf"));
        assert!(looks_like_file("/app/.env"));
        assert!(!looks_like_file("./data"));
        assert!(!looks_like_file("/var/lib/postgresql/data"));
        assert!(!looks_like_file("./redis-7.2"));
        assert!(is_within("/var/lib/postgresql/data", "/var/lib/postgresql"));
        assert!(!is_within("/var/lib/postgresql-old", "/var/lib/postgresql"));
    }
}
