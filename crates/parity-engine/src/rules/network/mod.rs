//! 5xx: ports and networking.

pub mod dangling_dependency;
pub mod loopback_reference;
pub mod port_mismatch;
pub mod unexposed_port;

use parity_model::{Connection, Container, EnvVar};

/// Each env var of `container` with the connection [`parity_model::read_connections`] read from
/// its value, if it read one: rules look up the URL parsed once at load time instead of parsing
/// every value again (a tenth of the CPU time at 10,000 services, docs/performance.md).
///
/// The connections are the env vars that hold one, in env order, so one forward walk pairs them.
/// A connection belongs to the var of its name set at its origin; a container's env never sets
/// one name twice at one place. Loaders fill the connections ([`parity_model::link_connections`]);
/// in a graph built without it every var comes with `None`.
pub(crate) fn env_connections(
    container: &Container,
) -> impl Iterator<Item = (&EnvVar, Option<&Connection>)> {
    let mut connections = container.connections.iter().peekable();
    container.env.iter().map(move |var| {
        let connection = connections
            .next_if(|connection| connection.origin == var.origin && connection.var == var.name);
        (var, connection)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_model::{EnvValue, Origin, SensitiveText, Service, ServiceKind, read_connections};

    fn var(name: &str, value: &str, line: u32) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: EnvValue::Literal(SensitiveText::plain(value)),
            origin: Origin::new("prod/api.yaml".into(), line, 9),
        }
    }

    #[test]
    fn each_var_comes_with_the_connection_read_from_its_own_value() {
        let mut service = Service::new(
            "api",
            ServiceKind::Kubernetes("Deployment".to_owned()),
            Origin::new("prod/api.yaml".into(), 1, 1),
        );
        let mut container = Container::new("api");
        // The same name set twice: only the second value is a URL.
        container.env = vec![
            var("DB_URL", "none", 10),
            var("LOG_LEVEL", "info", 11),
            var("DB_URL", "postgres://db:5432/shop", 12),
            var("SQLITE_PATH", "./data/app.db", 13),
        ];
        service.containers.push(container);
        read_connections(&mut service);
        let paired: Vec<(u32, Option<Option<&str>>)> = env_connections(&service.containers[0])
            .map(|(var, connection)| (var.origin.line, connection.map(Connection::host)))
            .collect();
        assert_eq!(
            paired,
            [
                (10, None),
                (11, None),
                (12, Some(Some("db"))),
                (13, Some(None))
            ]
        );
    }
}
