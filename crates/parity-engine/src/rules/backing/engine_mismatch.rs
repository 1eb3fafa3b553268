//! PAR490 `engine-mismatch`.

use parity_model::{BackingService, Connection, Container, Environment, NodeIndex};

use super::engines::{
    compatible_engines, engine_behind_host, managed_behind, stand_in_for, value_origin,
};
use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a paired service whose backing engine differs between the sides: the database,
    /// cache or broker it talks to, read from the connection URLs in its env (`sqlite:`,
    /// `postgres://`, `mysql://`, `mongodb+srv://`, `redis://`, `amqp://`, `jdbc:h2:`,
    /// `jdbc:postgresql://`, a path ending in `.db`/`.sqlite`/`.sqlite3`, ...) and from the
    /// image of the service the URL's host names. In Terraform a URL is often only partly known
    /// before apply (`postgres://${aws_db_instance.main.address}:5432/shop`): its scheme is
    /// read, and the managed resource it names (`aws_db_instance`, `aws_rds_cluster`,
    /// `aws_elasticache_*`, `google_sql_database_instance`, `azurerm_*` servers, ...) gives the
    /// engine it really runs.
    ///
    /// SQLite, H2 or an in-memory database on one side and a database server on the other is an
    /// error, as is any other change of engine (PostgreSQL and MySQL). Engines that speak the same
    /// protocol (Redis and Valkey or KeyDB, MySQL and MariaDB, Elasticsearch and OpenSearch) are a
    /// note. Env vars are compared by name; a value parity cannot see (a Secret not in the input)
    /// is not compared.
    ///
    /// A local-only service that runs a well-known emulator (LocalStack, MinIO for S3,
    /// WireMock/MockServer/Prism for an external API, Mailhog/Mailpit for SMTP, Azurite, ...) is
    /// explained with a note: it stands in for a managed service prod uses directly, so it is
    /// not reported as a missing service.
    ///
    /// ## Why it matters
    /// SQL dialects, locking, transactions, type coercion and case sensitivity differ between
    /// engines. Code tested against SQLite on a laptop meets PostgreSQL for the first time in
    /// production: migrations fail, queries that passed return other rows.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api:
    ///     environment:
    ///       DATABASE_URL: sqlite:///data/app.db
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment)
    /// env:
    ///   - name: DATABASE_URL
    ///     value: postgres://db.internal:5432/app
    /// ```
    ///
    /// ## How to fix
    /// Run the production engine locally: add the database to the compose file (the same image
    /// and major version as prod) and point the URL at it.
    pub EngineMismatch {
        code: "PAR490",
        name: "engine-mismatch",
        family: Backing,
        severity: Error,
        since: "0.1.0",
    }
}

/// The engine a connection reaches, and the managed service that decided it: the engine of the
/// managed backing service a deploy-time reference in the value names (an `aws_db_instance`'s
/// `engine`), else the image behind its host when that is a service of the same side (a
/// `redis://` URL served by Valkey is Valkey), else the URL's own engine.
fn reached_engine<'e>(
    env: &'e Environment,
    from: NodeIndex,
    connection: &Connection,
) -> Option<(String, Option<&'e BackingService>)> {
    if let Some(managed) = managed_behind(&env.graph, from, connection) {
        return Some((managed.engine.clone(), Some(managed)));
    }
    let behind = connection
        .host()
        .and_then(|host| engine_behind_host(&env.graph, from, host));
    behind
        .map(str::to_owned)
        .or_else(|| connection.engine().map(str::to_owned))
        .map(|engine| (engine, None))
}

fn is_embedded(engine: &str) -> bool {
    parity_model::is_embedded_engine(engine)
}

/// A user-facing engine name.
fn display(engine: &str) -> &str {
    match engine {
        "postgres" => "PostgreSQL",
        "mysql" => "MySQL",
        "mariadb" => "MariaDB",
        "sqlite" => "SQLite",
        "h2" => "H2",
        "hsqldb" => "HSQLDB",
        "derby" => "Derby",
        "memory" => "an in-memory database",
        "mongodb" => "MongoDB",
        "redis" => "Redis",
        "valkey" => "Valkey",
        "keydb" => "KeyDB",
        "dragonfly" => "Dragonfly",
        "rabbitmq" => "RabbitMQ",
        "sqlserver" => "SQL Server",
        "cockroachdb" => "CockroachDB",
        "elasticsearch" => "Elasticsearch",
        "opensearch" => "OpenSearch",
        other => other,
    }
}

/// The prod container's connection for the env var `var`, searching the compared container
/// first and then the pod's other app containers.
fn prod_connection<'a>(
    compared: &'a Container,
    pod: &'a parity_model::Service,
    var: &str,
) -> Option<&'a Connection> {
    compared
        .connections
        .iter()
        .rev()
        .find(|c| c.var == var)
        .or_else(|| {
            pod.app_containers()
                .flat_map(|container| container.connections.iter().rev())
                .find(|c| c.var == var)
        })
}

impl Rule for EngineMismatch {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let local_env = cx.environment(Side::Local);
        let prod_env = cx.environment(Side::Prod);
        for pair in cx.pairs() {
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            let name = pair.display_name();
            for local in &local_container.connections {
                if cx.policy().ignores_env(&local.var) {
                    continue;
                }
                let Some(prod) = prod_connection(prod_container, pair.prod, &local.var) else {
                    continue;
                };
                let (Some((local_engine, local_managed)), Some((prod_engine, prod_managed))) = (
                    reached_engine(local_env, pair.local_index, local),
                    reached_engine(prod_env, pair.prod_index, prod),
                ) else {
                    continue;
                };
                if local_engine == prod_engine {
                    continue;
                }
                let (severity, why) = if is_embedded(&local_engine) != is_embedded(&prod_engine) {
                    (
                        Severity::Error,
                        "an embedded database behaves unlike a database server",
                    )
                } else if compatible_engines(&local_engine, &prod_engine) {
                    (
                        Severity::Note,
                        "the engines speak the same protocol but differ in features and defaults",
                    )
                } else {
                    (Severity::Error, "queries and migrations are not portable")
                };
                // Name the managed service when it, not the URL, says what the engine is.
                let managed = |side: Option<&BackingService>| {
                    side.map(|backing| format!(" (managed `{}`)", backing.name))
                        .unwrap_or_default()
                };
                let message = format!(
                    "`{name}` talks to {}{} locally but {}{} in prod through `{}`: {why}",
                    display(&local_engine),
                    managed(local_managed),
                    display(&prod_engine),
                    managed(prod_managed),
                    local.var
                );
                let mut finding = pair.finding(meta, message);
                finding.severity = severity;
                finding.key = Some(local.var.to_string());
                finding.local = Some(local_engine);
                finding.prod = Some(prod_engine);
                // Point at the value itself: the ConfigMap entry rather than the `envFrom` line.
                let written =
                    |env: &Environment, container: &Container, connection: &Connection| {
                        let var = container.env.iter().rev().find(|var| {
                            var.name == connection.var && var.origin == connection.origin
                        });
                        var.map_or_else(
                            || connection.origin.clone(),
                            |var| value_origin(env, var).clone(),
                        )
                    };
                let prod_owner = std::iter::once(prod_container)
                    .chain(pair.prod.app_containers())
                    .find(|container| container.connections.iter().any(|c| std::ptr::eq(c, prod)))
                    .unwrap_or(prod_container);
                finding.locations = vec![
                    location(Side::Local, &written(local_env, local_container, local)),
                    location(Side::Prod, &written(prod_env, prod_owner, prod)),
                ];
                out.push(finding);
            }
        }
        for service in cx.unpaired(Side::Local) {
            let Some(managed) = stand_in_for(service) else {
                continue;
            };
            let image = service
                .primary_container()
                .and_then(|container| container.image.as_ref())
                .map(|image| image.short_name().to_owned())
                .unwrap_or_default();
            let message = format!(
                "`{}` runs {image} locally as a stand-in for {managed}; prod has no such workload and uses the managed service directly",
                service.name
            );
            let mut finding = unpaired_finding(meta, Side::Local, service, message);
            finding.severity = Severity::Note;
            finding.local = Some(image);
            finding.prod = Some(managed.to_owned());
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        compose_service, environment, k8s_workload, partly_known, run_rule_on, with_env, with_image,
    };
    use parity_model::{EnvValue, Node, SensitiveText, link_connections};

    fn literal(text: &str) -> EnvValue {
        EnvValue::Literal(SensitiveText::plain(text))
    }

    fn sides(local: Vec<parity_model::Service>, prod: Vec<parity_model::Service>) -> Vec<Finding> {
        let mut local = environment(local.into_iter().map(Node::from).collect());
        let mut prod = environment(prod.into_iter().map(Node::from).collect());
        link_connections(&mut local.graph);
        link_connections(&mut prod.graph);
        run_rule_on(&EngineMismatch, &local, &prod)
    }

    #[test]
    fn sqlite_locally_and_postgres_in_prod_is_an_error_at_both_lines() {
        let findings = sides(
            vec![with_env(
                compose_service("api", 3),
                &[("DATABASE_URL", literal("sqlite:///data/app.db"), 6)],
            )],
            vec![with_env(
                k8s_workload("api", "Deployment", 1),
                &[("DATABASE_URL", literal("postgres://db.internal/app"), 30)],
            )],
        );
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(finding.key.as_deref(), Some("DATABASE_URL"));
        assert_eq!(
            finding.message,
            "`api` talks to SQLite locally but PostgreSQL in prod through `DATABASE_URL`: an embedded database behaves unlike a database server"
        );
        let lines: Vec<u32> = finding.locations.iter().map(|l| l.origin.line).collect();
        assert_eq!(lines, [6, 30]);
    }

    #[test]
    fn the_image_behind_the_host_decides_and_compatible_engines_are_notes() {
        let findings = sides(
            vec![
                with_env(
                    compose_service("api", 3),
                    &[("CACHE_URL", literal("redis://cache:6379"), 6)],
                ),
                with_image(compose_service("cache", 20), "valkey/valkey:8", 21),
            ],
            vec![
                with_env(
                    k8s_workload("api", "Deployment", 1),
                    &[("CACHE_URL", literal("redis://cache:6379"), 30)],
                ),
                with_image(k8s_workload("cache", "StatefulSet", 1), "redis:7", 20),
            ],
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Note);
        assert_eq!(
            (findings[0].local.as_deref(), findings[0].prod.as_deref()),
            (Some("valkey"), Some("redis"))
        );
    }

    #[test]
    fn same_engine_and_unknown_values_stay_quiet_and_stand_ins_are_notes() {
        let findings = sides(
            vec![
                with_env(
                    compose_service("api", 3),
                    &[
                        ("DATABASE_URL", literal("postgres://db/app"), 6),
                        ("QUEUE_URL", literal("amqp://rabbit"), 7),
                    ],
                ),
                with_image(compose_service("s3", 20), "minio/minio:latest", 21),
            ],
            vec![with_env(
                k8s_workload("api", "Deployment", 1),
                &[
                    ("DATABASE_URL", literal("postgresql://pg.prod:5432/app"), 30),
                    ("QUEUE_URL", EnvValue::FromHost, 31),
                ],
            )],
        );
        let rules: Vec<(&str, Severity)> = findings
            .iter()
            .map(|f| (f.service.as_str(), f.severity))
            .collect();
        assert_eq!(rules, [("s3", Severity::Note)]);
        assert_eq!(
            findings[0].message,
            "`s3` runs minio locally as a stand-in for S3 object storage; prod has no such workload and uses the managed service directly"
        );
    }

    fn managed(address: &str, engine: &str) -> Node {
        Node::from(parity_model::BackingService {
            name: format!("shop-{engine}"),
            engine: engine.to_owned(),
            version: None,
            address: Some(address.to_owned()),
            origin: parity_model::Origin::new("prod/main.tf".into(), 40, 1),
        })
    }

    #[test]
    fn the_managed_resource_a_partly_known_url_names_decides_the_engine() {
        let local = vec![
            with_env(
                compose_service("api", 3),
                &[
                    ("DATABASE_URL", literal("sqlite:///data/app.db"), 6),
                    ("CACHE_URL", literal("redis://cache:6379"), 7),
                ],
            ),
            with_image(compose_service("cache", 20), "valkey/valkey:8", 21),
        ];
        let mut local = environment(local.into_iter().map(Node::from).collect());
        let api = with_env(
            k8s_workload("api", "Deployment", 1),
            &[
                (
                    "DATABASE_URL",
                    EnvValue::Partial(Box::new(partly_known(
                        "DATABASE_URL",
                        "postgres://${aws_db_instance.main.address}:5432/shop",
                    ))),
                    30,
                ),
                (
                    "CACHE_URL",
                    // The scheme says Redis; the replication group runs Redis too.
                    EnvValue::Partial(Box::new(partly_known(
                        "CACHE_URL",
                        "rediss://${aws_elasticache_replication_group.cache.primary_endpoint_address}",
                    ))),
                    31,
                ),
            ],
        );
        let mut prod = environment(vec![
            Node::from(api),
            managed("aws_db_instance.main", "postgres"),
            managed("aws_elasticache_replication_group.cache", "redis"),
        ]);
        link_connections(&mut local.graph);
        link_connections(&mut prod.graph);
        let findings = run_rule_on(&EngineMismatch, &local, &prod);
        let found: Vec<(&str, Severity, &str)> = findings
            .iter()
            .map(|f| (f.key.as_deref().unwrap(), f.severity, f.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "DATABASE_URL",
                    Severity::Error,
                    "`api` talks to SQLite locally but PostgreSQL (managed `shop-postgres`) in prod through `DATABASE_URL`: an embedded database behaves unlike a database server"
                ),
                (
                    "CACHE_URL",
                    Severity::Note,
                    "`api` talks to Valkey locally but Redis (managed `shop-redis`) in prod through `CACHE_URL`: the engines speak the same protocol but differ in features and defaults"
                ),
            ]
        );
        let lines: Vec<u32> = findings[0]
            .locations
            .iter()
            .map(|l| l.origin.line)
            .collect();
        assert_eq!(lines, [6, 30]);
    }
}
