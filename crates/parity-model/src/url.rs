//! Connection URLs found in env values: `postgres://app:pw@db:5432/shop`, `redis://cache`,
//! `jdbc:h2:mem:test`, `sqlite:///data/app.db`, a bare `./data/app.sqlite3`.
//!
//! Parsed into [`ConnectionUrl`] (scheme, user, hosts and ports, path, whether a password is
//! written) or, for embedded databases, into an engine name ([`embedded_database`]). The
//! password itself is never copied out of the value: rules that need to say "this URL carries a
//! password" read [`ConnectionUrl::has_password`], and the value stays inside its
//! [`SensitiveText`](crate::SensitiveText).
//!
//! Values only partly known before deploy ([`PartialText`]) are parsed by
//! [`parse_partial_connection_url`], which reads what is known and keeps the unknown parts as
//! `${reference}`.

use std::fmt;

use crate::partial::{PartialText, TextPart};

/// One `host[:port]` of a connection URL, borrowed from its [`ConnectionUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UrlHost<'a> {
    /// Host name or IP address, lower-cased; IPv6 addresses without their brackets.
    pub host: &'a str,
    /// The port, when written.
    pub port: Option<u16>,
}

/// A URL of the shape `scheme://[user[:password]@]host[:port][,host[:port]...][/path][?query]`.
///
/// Several hosts separated by commas are accepted because MongoDB and some Redis/Kafka clients
/// take them (`mongodb://a:27017,b:27017/app`).
///
/// Read through its methods ([`scheme`](Self::scheme), [`user`](Self::user),
/// [`host`](Self::host), [`hosts`](Self::hosts), [`path`](Self::path)): the model keeps one per
/// connection setting of every container, so the parts share one allocation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ConnectionUrl {
    /// The scheme, the user, the path and the hosts, back to back.
    text: Box<str>,
    /// Where the scheme ends and the user starts in `text` (a scheme is known text, at most
    /// 4096 bytes).
    scheme_end: u16,
    /// Where the user ends and the path starts; an empty user is no user (one is never written
    /// empty).
    user_end: u32,
    /// Where the path ends and the first host starts.
    path_end: u32,
    has_password: bool,
    /// The first host's port. The first host runs from `path_end` to the end of the text, or to
    /// the start of the second.
    first_port: Option<u16>,
    /// The hosts after the first (rare: MongoDB lists), each one's start in the text (it ends
    /// where the next starts) and port. Boxed twice so that one host costs 8 bytes, not 16.
    more_hosts: Option<Box<Box<[HostSpan]>>>,
}

/// Where a host after the first starts in a [`ConnectionUrl`]'s text, and its port.
type HostSpan = (u32, Option<u16>);

impl ConnectionUrl {
    /// The scheme, lower-cased (`postgres`, `redis`, `amqp`, `http`, ...), without a `jdbc:`
    /// prefix.
    pub fn scheme(&self) -> &str {
        self.slice(0, self.scheme_end.into())
    }

    /// The user name, when written. The password is deliberately not kept.
    pub fn user(&self) -> Option<&str> {
        let user = self.slice(self.scheme_end.into(), self.user_end);
        (!user.is_empty()).then_some(user)
    }

    /// Whether a password was written in the URL.
    pub fn has_password(&self) -> bool {
        self.has_password
    }

    /// The path after the hosts without its leading `/` (a database name, a vhost), possibly
    /// empty.
    pub fn path(&self) -> &str {
        self.slice(self.user_end, self.path_end)
    }

    /// The first host (there is at least one).
    pub fn host(&self) -> UrlHost<'_> {
        self.host_at(0).unwrap_or(UrlHost {
            host: "",
            port: None,
        })
    }

    /// The hosts, in the order written; at least one.
    pub fn hosts(&self) -> UrlHosts<'_> {
        UrlHosts { url: self, next: 0 }
    }

    /// The canonical engine the scheme names (`postgres` for `postgresql+asyncpg`), when known.
    pub fn engine(&self) -> Option<&'static str> {
        engine_of_scheme(self.scheme())
    }

    /// The first host's port as written, or the scheme's well-known default.
    pub fn effective_port(&self) -> Option<u16> {
        self.host().port.or_else(|| default_port(self.scheme()))
    }

    /// Whether the first host names this machine (see [`is_loopback_host`]).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host().host)
    }

    fn more_hosts(&self) -> &[HostSpan] {
        self.more_hosts.as_deref().map_or(&[], |more| more)
    }

    fn host_count(&self) -> usize {
        1 + self.more_hosts().len()
    }

    fn host_at(&self, index: usize) -> Option<UrlHost<'_>> {
        let more = self.more_hosts();
        let (start, port) = match index.checked_sub(1) {
            None => (self.path_end, self.first_port),
            Some(index) => *more.get(index)?,
        };
        let end = more
            .get(index)
            .map_or(self.text.len(), |(next, _)| *next as usize);
        Some(UrlHost {
            host: self.text.get(start as usize..end).unwrap_or_default(),
            port,
        })
    }

    fn slice(&self, start: u32, end: u32) -> &str {
        self.text
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }
}

impl fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionUrl")
            .field("scheme", &self.scheme())
            .field("user", &self.user())
            .field("has_password", &self.has_password)
            .field("hosts", &self.hosts().collect::<Vec<_>>())
            .field("path", &self.path())
            .finish()
    }
}

/// The hosts of a [`ConnectionUrl`] ([`ConnectionUrl::hosts`]).
#[derive(Debug, Clone)]
pub struct UrlHosts<'a> {
    url: &'a ConnectionUrl,
    next: usize,
}

impl<'a> Iterator for UrlHosts<'a> {
    type Item = UrlHost<'a>;

    fn next(&mut self) -> Option<UrlHost<'a>> {
        let host = self.url.host_at(self.next)?;
        self.next += 1;
        Some(host)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.url.host_count().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for UrlHosts<'_> {}

/// Engines that run inside the application process or on its local disk.
pub fn is_embedded_engine(engine: &str) -> bool {
    matches!(engine, "sqlite" | "h2" | "hsqldb" | "derby" | "memory")
}

/// Whether `host` names the local machine, or the developer's machine from inside a container.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if matches!(
        host.as_str(),
        "localhost"
            | "localhost.localdomain"
            | "ip6-localhost"
            | "ip6-loopback"
            | "::1"
            | "0:0:0:0:0:0:0:1"
            | "0.0.0.0"
            | "::"
            | "host.docker.internal"
            | "gateway.docker.internal"
            | "host.containers.internal"
            | "host.minikube.internal"
    ) {
        return true;
    }
    if host.ends_with(".localhost") {
        return true;
    }
    let mut octets = host.split('.');
    octets.next() == Some("127")
        && octets.clone().count() == 3
        && octets.all(|octet| !octet.is_empty() && octet.parse::<u8>().is_ok())
}

/// The canonical engine a URL scheme names (`postgresql+asyncpg` → `postgres`), when known.
pub fn engine_of_scheme(scheme: &str) -> Option<&'static str> {
    // A parsed URL's scheme is lower-cased already ([`ConnectionUrl::engine`] is asked often).
    let scheme = if scheme.bytes().any(|byte| byte.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(scheme.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(scheme)
    };
    // SQLAlchemy writes `dialect+driver`; MongoDB's `+srv` is a lookup mode, not a driver.
    let base = scheme.split('+').next().unwrap_or(&scheme);
    Some(match base {
        "postgres" | "postgresql" | "pgsql" | "postgis" | "pg" | "timescaledb" => "postgres",
        "cockroachdb" | "cockroach" => "cockroachdb",
        "mysql" | "mysql2" | "mysqlx" => "mysql",
        "mariadb" => "mariadb",
        "sqlite" | "sqlite3" => "sqlite",
        "h2" => "h2",
        "hsqldb" => "hsqldb",
        "derby" => "derby",
        "sqlserver" | "mssql" => "sqlserver",
        "oracle" => "oracle",
        "mongodb" | "mongo" => "mongodb",
        "redis" | "rediss" | "redis-socket" | "unix+redis" => "redis",
        "valkey" | "valkeys" => "valkey",
        "keydb" => "keydb",
        "memcached" | "memcache" => "memcached",
        "amqp" | "amqps" => "rabbitmq",
        "kafka" => "kafka",
        "nats" | "tls+nats" => "nats",
        "clickhouse" => "clickhouse",
        "cassandra" => "cassandra",
        "neo4j" | "bolt" => "neo4j",
        "elasticsearch" => "elasticsearch",
        "smtp" | "smtps" => "smtp",
        "s3" => "s3",
        "memory" | "mem" => "memory",
        _ => return None,
    })
}

/// Well-known ports of the schemes parity reads.
fn default_port(scheme: &str) -> Option<u16> {
    let base = scheme.split('+').next().unwrap_or(scheme);
    Some(match base {
        "postgres" | "postgresql" | "pgsql" | "postgis" | "pg" | "timescaledb" => 5432,
        "cockroachdb" | "cockroach" => 26257,
        "mysql" | "mysql2" | "mariadb" => 3306,
        "mysqlx" => 33060,
        "sqlserver" | "mssql" => 1433,
        "oracle" => 1521,
        "mongodb" | "mongo" if !scheme.contains("+srv") => 27017,
        "redis" | "rediss" | "valkey" | "valkeys" | "keydb" => 6379,
        "memcached" | "memcache" => 11211,
        "amqp" => 5672,
        "amqps" => 5671,
        "kafka" => 9092,
        "nats" => 4222,
        "clickhouse" => 9000,
        "cassandra" => 9042,
        "neo4j" | "bolt" => 7687,
        "smtp" => 25,
        "smtps" => 465,
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        _ => return None,
    })
}

/// Parses `text` as a connection URL, or `None` when it is not one: no `scheme://`, a scheme
/// with characters RFC 3986 does not allow, no host, a port that is not a number, or a value
/// still holding a placeholder (`${DB_HOST}`) or whitespace. A `jdbc:` prefix is skipped
/// (`jdbc:postgresql://db:5432/app`). Embedded databases have no host; see
/// [`embedded_database`].
pub fn parse_connection_url(text: &str) -> Option<ConnectionUrl> {
    if text.contains("${") || text.contains(HOLE_OPEN) {
        return None;
    }
    parse_url(text, &[])
}

/// Parses a value only partly known before deploy
/// (`postgres://${aws_db_instance.main.address}:5432/shop`) as a connection URL: what is known
/// is read as [`parse_connection_url`] reads it, and
///
/// - a host with an unknown part is kept with that part written `${reference}`
///   (`${aws_db_instance.main.address}`): it is neither loopback nor any service's name;
/// - a port with an unknown part is `None` (so [`ConnectionUrl::effective_port`] falls back to
///   the scheme's default);
/// - a password counts ([`ConnectionUrl::has_password`]) only when some of it is known: a
///   password produced at deploy time (`${random_password.db.result}`) is not written anywhere;
/// - user and path keep unknown parts as `${reference}`.
///
/// `None` when the scheme itself is unknown, or when the known text is not shaped like a URL.
pub fn parse_partial_connection_url(text: &PartialText) -> Option<ConnectionUrl> {
    let mut marked = String::new();
    let mut references = Vec::new();
    for part in text.parts() {
        match part {
            TextPart::Known(known) => {
                if known.contains("${") || known.contains([HOLE_OPEN, HOLE_CLOSE]) {
                    return None;
                }
                marked.push_str(known);
            }
            TextPart::Unknown(reference) => {
                marked.push(HOLE_OPEN);
                marked.push_str(&references.len().to_string());
                marked.push(HOLE_CLOSE);
                references.push(reference.as_str());
            }
        }
    }
    parse_url(&marked, &references)
}

/// Marks an unknown part while a partial value is parsed: `HOLE_OPEN index HOLE_CLOSE`.
/// Private-use characters, so no URL delimiter and no known text can be mistaken for one.
const HOLE_OPEN: char = '\u{E000}';
const HOLE_CLOSE: char = '\u{E001}';

/// Appends `text` to `out` with each hole written `${reference}`, and the known text lower-cased
/// when `lowercase` is set (a reference is kept as written).
fn push_restored(out: &mut String, text: &str, references: &[&str], lowercase: bool) {
    let push_known = |out: &mut String, known: &str| {
        if lowercase {
            out.extend(known.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            out.push_str(known);
        }
    };
    let mut rest = text;
    while let Some(open) = rest.find(HOLE_OPEN) {
        push_known(out, rest.get(..open).unwrap_or_default());
        let after = rest.get(open + HOLE_OPEN.len_utf8()..).unwrap_or_default();
        let Some(close) = after.find(HOLE_CLOSE) else {
            // Not a hole: kept as it is, opening mark included.
            rest = rest.get(open..).unwrap_or_default();
            break;
        };
        let reference = after
            .get(..close)
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| references.get(index))
            .copied()
            .unwrap_or("?");
        out.push_str("${");
        out.push_str(reference);
        out.push('}');
        rest = after
            .get(close + HOLE_CLOSE.len_utf8()..)
            .unwrap_or_default();
    }
    push_known(out, rest);
}

/// Whether `text` holds something besides holes.
fn has_known_text(text: &str) -> bool {
    let mut in_hole = false;
    for character in text.chars() {
        match character {
            HOLE_OPEN => in_hole = true,
            HOLE_CLOSE => in_hole = false,
            _ if !in_hole => return true,
            _ => {}
        }
    }
    false
}

/// The parser behind [`parse_connection_url`] and [`parse_partial_connection_url`]; `holes`
/// are the references of the partial value's unknown parts (none for a plain value).
fn parse_url(text: &str, holes: &[&str]) -> Option<ConnectionUrl> {
    let text = text.trim();
    if text.is_empty() || text.len() > 4096 || text.contains(char::is_whitespace) {
        return None;
    }
    let rest = strip_prefix_ignore_case(text, "jdbc:").unwrap_or(text);
    let (scheme, after_scheme) = split_scheme(rest)?;
    let authority_and_path = after_scheme.strip_prefix("//")?;
    let authority_end = authority_and_path
        .find(['/', '?', '#', ';'])
        .unwrap_or(authority_and_path.len());
    let authority = authority_and_path.get(..authority_end).unwrap_or_default();
    let path = authority_and_path
        .get(authority_end..)
        .unwrap_or_default()
        .strip_prefix('/')
        .unwrap_or_default();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    // The last `@` ends the userinfo: passwords may hold an unescaped `@`.
    let (userinfo, hosts) = match authority.rfind('@') {
        Some(at) => (
            authority.get(..at),
            authority.get(at + 1..).unwrap_or_default(),
        ),
        None => (None, authority),
    };
    let (user, has_password) = match userinfo {
        None => ("", false),
        Some(info) => match info.split_once(':') {
            Some((user, password)) => (user, has_known_text(password)),
            None => (info, false),
        },
    };
    // One text: scheme, user, path, then the hosts (see `ConnectionUrl`). Restored holes make it
    // longer than the value only for a partial one.
    let mut out = String::with_capacity(text.len());
    out.extend(scheme.chars().map(|c| c.to_ascii_lowercase()));
    let scheme_end = u16::try_from(out.len()).ok()?;
    push_restored(&mut out, user, holes, false);
    let user_end = offset(&out)?;
    push_restored(&mut out, path, holes, false);
    let path_end = offset(&out)?;
    let mut spans = Vec::new();
    for part in hosts.split(',') {
        let (host, port) = if holes.is_empty() {
            split_host_port(part)?
        } else {
            split_partial_host_port(part)?
        };
        spans.push((offset(&out)?, port));
        push_restored(&mut out, host?, holes, true);
    }
    let (&(_, first_port), more) = spans.split_first()?;
    let more_hosts = (!more.is_empty()).then(|| Box::new(Box::from(more)));
    Some(ConnectionUrl {
        text: out.into_boxed_str(),
        scheme_end,
        user_end,
        path_end,
        has_password,
        first_port,
        more_hosts,
    })
}

/// The length of `text` as an offset into a [`ConnectionUrl`]'s text; `None` past 4 GiB.
fn offset(text: &str) -> Option<u32> {
    u32::try_from(text.len()).ok()
}

/// [`split_host_port`] for a partial value: a port with an unknown part is `None`, and a colon
/// inside a hole is not a port separator (holes hold only digits).
#[allow(clippy::type_complexity)]
fn split_partial_host_port(text: &str) -> Option<(Option<&str>, Option<u16>)> {
    match text.rsplit_once(':') {
        Some((host, port)) if port.contains(HOLE_OPEN) && !host.contains(':') => {
            Some(((!host.is_empty()).then_some(host), None))
        }
        _ => split_host_port(text),
    }
}

/// The engine of a value naming an embedded database: `sqlite:///data/app.db`,
/// `sqlite::memory:`, `jdbc:h2:mem:test`, `jdbc:sqlite:app.db`, or a path to a database file
/// (`./data/app.db`, `/var/lib/app.sqlite3`). Returns `sqlite`, `h2`, `hsqldb`, `derby` or
/// `memory`.
pub fn embedded_database(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.is_empty() || text.len() > 4096 || text.contains(char::is_whitespace) {
        return None;
    }
    let rest = strip_prefix_ignore_case(text, "jdbc:").unwrap_or(text);
    if let Some((scheme, _)) = split_scheme(rest) {
        return engine_of_scheme(scheme).filter(|engine| is_embedded_engine(engine));
    }
    let lower = text.to_ascii_lowercase();
    let is_file = [".db", ".sqlite", ".sqlite3", ".db3"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        && (lower.starts_with('/') || lower.starts_with("./") || lower.starts_with("../"));
    (is_file || lower == ":memory:").then_some("sqlite")
}

/// The embedded database a partly known value names by its scheme (`sqlite:///${var.dir}/app.db`,
/// `jdbc:h2:mem:${random_id.db.hex}`): the value must start with known text holding the scheme.
pub fn partial_embedded_database(text: &PartialText) -> Option<&'static str> {
    let Some(TextPart::Known(first)) = text.parts().first() else {
        return None;
    };
    let first = first.trim_start();
    let rest = strip_prefix_ignore_case(first, "jdbc:").unwrap_or(first);
    let (scheme, _) = split_scheme(rest)?;
    engine_of_scheme(scheme).filter(|engine| is_embedded_engine(engine))
}

/// A bare `host`, `host:port` or `[v6]:port` value (`DB_HOST=localhost`,
/// `REDIS_ADDR=127.0.0.1:6379`). `None` when the text is not shaped like one.
pub fn parse_host_port(value: &str) -> Option<(String, Option<u16>)> {
    let value = value.trim();
    if value.is_empty()
        || value.len() > 255
        || value.contains(['/', '@', '?', '#', ' ', ','])
        || value.parse::<f64>().is_ok()
    {
        return None;
    }
    let (host, port) = split_host_port(value)?;
    let host = host?.to_ascii_lowercase();
    let valid = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    valid.then_some((host, port))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// `scheme:rest` when the text starts with an RFC 3986 scheme.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(':')?;
    let scheme = text.get(..colon)?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    // `localhost:5432` and `db:5432` are a host and a port, not a scheme.
    let rest = text.get(colon + 1..)?;
    if !rest.starts_with("//") && rest.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((scheme, rest))
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, the host as written; an empty host (unix socket
/// URLs) is `None`.
#[allow(clippy::type_complexity)]
fn split_host_port(text: &str) -> Option<(Option<&str>, Option<u16>)> {
    if text.is_empty() {
        return Some((None, None));
    }
    if let Some(bracketed) = text.strip_prefix('[') {
        let close = bracketed.find(']')?;
        let host = bracketed.get(..close)?;
        let port = match bracketed.get(close + 1..)? {
            "" => None,
            rest => Some(rest.strip_prefix(':')?.parse().ok()?),
        };
        return Some((Some(host), port));
    }
    match text.rsplit_once(':') {
        // Two colons and no brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => Some((Some(text), None)),
        Some((host, port)) => {
            let port = if port.is_empty() {
                None
            } else {
                Some(port.parse().ok()?)
            };
            Some(((!host.is_empty()).then_some(host), port))
        }
        None => Some((Some(text), None)),
    }
}

/// `scheme://user:password@host` with the password replaced by `<redacted>`.
///
/// Connection strings (`DATABASE_URL`, `AMQP_URL`) carry credentials under names that do not look
/// secret, so type-based redaction lets them through; reports end up in CI logs.
pub fn mask_url_password(value: &str) -> String {
    let Some(scheme_end) = value.find("://") else {
        return value.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = value.get(authority_start..).unwrap_or("");
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or("");
    let Some(at) = authority.rfind('@') else {
        return value.to_owned();
    };
    let userinfo = authority.get(..at).unwrap_or("");
    let Some(colon) = userinfo.find(':') else {
        return value.to_owned();
    };
    let user = userinfo.get(..colon).unwrap_or("");
    format!(
        "{}{user}:{}{}",
        value.get(..authority_start).unwrap_or(""),
        crate::REDACTED,
        rest.get(at..).unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_url_password("postgres://app:hunter2@db:5432/app"),
            "postgres://app:<redacted>@db:5432/app"
        );
        assert_eq!(
            mask_url_password("amqp://guest:pa@ss@queue"),
            "amqp://guest:<redacted>@queue"
        );
        assert_eq!(
            mask_url_password("redis://cache:6379/0"),
            "redis://cache:6379/0"
        );
        assert_eq!(
            mask_url_password("https://example.com/a@b"),
            "https://example.com/a@b"
        );
        assert_eq!(mask_url_password("mongodb://user@db"), "mongodb://user@db");
        assert_eq!(mask_url_password("60"), "60");
    }

    fn url(text: &str) -> ConnectionUrl {
        parse_connection_url(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    fn first(url: &ConnectionUrl) -> (&str, Option<u16>) {
        let host = url.host();
        (host.host, host.port)
    }

    #[test]
    fn server_urls_with_and_without_credentials() {
        let pg = url("postgres://app:s3cret@DB.internal:6432/shop?sslmode=require");
        assert_eq!(pg.engine(), Some("postgres"));
        assert_eq!(first(&pg), ("db.internal", Some(6432)));
        assert_eq!(pg.user(), Some("app"));
        assert!(pg.has_password());
        assert_eq!(pg.path(), "shop");
        let debug = format!("{pg:?}");
        assert!(!debug.contains("s3cret"));
        assert!(
            debug.contains(r#"scheme: "postgres", user: Some("app")"#),
            "{debug}"
        );

        let plain = url("postgresql://db/shop");
        assert_eq!((plain.user(), plain.has_password()), (None, false));
        assert_eq!(plain.effective_port(), Some(5432));

        let user_only = url("mysql://reader@mysql:3306/app");
        assert_eq!(
            (user_only.user(), user_only.has_password()),
            (Some("reader"), false)
        );

        let redis = url("redis://:hunter2@cache:6380/0");
        assert!(redis.user().is_none() && redis.has_password());
        assert_eq!(redis.engine(), Some("redis"));

        let at_in_password = url("amqp://guest:p@ss@rabbit/vhost");
        assert_eq!(first(&at_in_password), ("rabbit", None));
        assert_eq!(at_in_password.engine(), Some("rabbitmq"));
        assert_eq!(at_in_password.effective_port(), Some(5672));
    }

    #[test]
    fn drivers_replica_sets_and_ipv6() {
        let asyncpg = url("postgresql+asyncpg://u:p@pg/db");
        assert_eq!(asyncpg.scheme(), "postgresql+asyncpg");
        assert_eq!(asyncpg.engine(), Some("postgres"));
        let mongo = url("mongodb://m1:27017,m2:27018/app?replicaSet=rs0");
        assert_eq!(
            mongo
                .hosts()
                .map(|host| (host.host, host.port))
                .collect::<Vec<_>>(),
            [("m1", Some(27017)), ("m2", Some(27018))]
        );
        assert_eq!((mongo.hosts().len(), mongo.path()), (2, "app"));
        assert_eq!(first(&mongo), ("m1", Some(27017)));
        let srv = url("mongodb+srv://cluster0.abc.mongodb.net/app");
        assert_eq!(srv.engine(), Some("mongodb"));
        assert_eq!(srv.effective_port(), None);
        let v6 = url("redis://[::1]:6379");
        assert_eq!(first(&v6), ("::1", Some(6379)));
        assert!(v6.is_loopback());
        let jdbc = url("jdbc:postgresql://Postgres:5432/app");
        assert_eq!(jdbc.engine(), Some("postgres"));
        assert_eq!(first(&jdbc), ("postgres", Some(5432)));
    }

    #[test]
    fn embedded_databases() {
        for (text, engine) in [
            ("sqlite:///data/app.db", "sqlite"),
            ("sqlite::memory:", "sqlite"),
            ("jdbc:h2:mem:test;DB_CLOSE_DELAY=-1", "h2"),
            ("jdbc:h2:file:./db", "h2"),
            ("jdbc:sqlite:app.db", "sqlite"),
            ("./data/app.sqlite3", "sqlite"),
            ("/var/lib/app/db.sqlite", "sqlite"),
        ] {
            assert_eq!(embedded_database(text), Some(engine), "{text}");
        }
        for text in ["postgres://db/app", "app.db", "production", "redis://x"] {
            assert_eq!(embedded_database(text), None, "{text}");
        }
    }

    #[test]
    fn not_urls() {
        for text in [
            "",
            "production",
            "8080",
            "localhost:5432",
            "db:5432",
            "true",
            "hello world://x",
            "sqlite:///data/app.db",
            "postgres:///app?host=/var/run/postgresql",
            "postgres://${DB_HOST}:5432/app",
            "redis://cache:port/0",
            "C:thing",
        ] {
            assert_eq!(parse_connection_url(text), None, "{text:?}");
        }
    }

    #[test]
    fn web_urls_parse_with_default_ports() {
        let api = url("http://localhost:8080/v1");
        assert_eq!(api.engine(), None);
        assert!(api.is_loopback());
        assert_eq!(api.effective_port(), Some(8080));
        assert_eq!(url("https://api.stripe.com").effective_port(), Some(443));
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "0.0.0.0",
            "host.docker.internal",
            "app.localhost",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "db",
            "127.0.0",
            "127.0.0.1.nip.io",
            "10.0.0.1",
            "localhost-proxy",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn bare_host_and_port() {
        assert_eq!(
            parse_host_port("localhost:6379"),
            Some(("localhost".into(), Some(6379)))
        );
        assert_eq!(
            parse_host_port("127.0.0.1"),
            Some(("127.0.0.1".into(), None))
        );
        assert_eq!(parse_host_port("8080"), None);
        assert_eq!(parse_host_port("a b"), None);
        assert_eq!(parse_host_port("http://x"), None);
    }

    fn partial(parts: &[(&str, bool)]) -> PartialText {
        PartialText::for_key(
            "URL",
            parts.iter().map(|(text, known)| {
                if *known {
                    TextPart::Known((*text).to_owned())
                } else {
                    TextPart::Unknown((*text).to_owned())
                }
            }),
        )
        .unwrap()
    }

    #[test]
    fn partly_known_urls_keep_scheme_port_and_path() {
        let url = parse_partial_connection_url(&partial(&[
            ("postgres://", true),
            ("aws_db_instance.main.address", false),
            (":5432/shop", true),
        ]))
        .unwrap();
        assert_eq!(url.engine(), Some("postgres"));
        assert_eq!(first(&url), ("${aws_db_instance.main.address}", Some(5432)));
        assert_eq!(url.path(), "shop");
        assert!(!url.has_password() && !url.is_loopback());
        // An unknown port falls back to the scheme's default; a known host is read as usual.
        let url = parse_partial_connection_url(&partial(&[
            ("redis://LOCALHOST:", true),
            ("var.port", false),
            ("/0", true),
        ]))
        .unwrap();
        assert_eq!(first(&url), ("localhost", None));
        assert_eq!(url.effective_port(), Some(6379));
        assert!(url.is_loopback());
        // A host with a known suffix keeps both.
        let url = parse_partial_connection_url(&partial(&[
            ("amqp://", true),
            ("aws_mq_broker.jobs.id", false),
            (".mq.eu-west-1.amazonaws.com:5671", true),
        ]))
        .unwrap();
        assert_eq!(
            first(&url),
            (
                "${aws_mq_broker.jobs.id}.mq.eu-west-1.amazonaws.com",
                Some(5671)
            )
        );
    }

    #[test]
    fn partly_known_passwords_count_only_when_known() {
        let known = parse_partial_connection_url(&partial(&[
            ("postgres://app:hunter2@", true),
            ("aws_db_instance.main.address", false),
        ]))
        .unwrap();
        assert!(known.has_password());
        assert_eq!(known.user(), Some("app"));
        let generated = parse_partial_connection_url(&partial(&[
            ("postgres://", true),
            ("aws_db_instance.main.username", false),
            (":", true),
            ("random_password.db.result", false),
            ("@", true),
            ("aws_db_instance.main.address", false),
            ("/shop", true),
        ]))
        .unwrap();
        assert!(!generated.has_password());
        assert_eq!(generated.user(), Some("${aws_db_instance.main.username}"));
        assert_eq!(first(&generated).0, "${aws_db_instance.main.address}");
    }

    #[test]
    fn partly_known_values_that_are_not_urls() {
        // The scheme itself is unknown.
        assert_eq!(
            parse_partial_connection_url(&partial(&[("var.scheme", false), ("://db:5432", true)])),
            None
        );
        // An escaped `$${...}` placeholder in the known text.
        assert_eq!(
            parse_partial_connection_url(&partial(&[
                ("http://${HOST}/", true),
                ("var.path", false)
            ])),
            None
        );
        assert_eq!(
            parse_partial_connection_url(&partial(&[("tok-", true), ("random_id.x.hex", false)])),
            None
        );
        assert_eq!(
            partial_embedded_database(&partial(&[
                ("sqlite:///", true),
                ("var.data_dir", false),
                ("/app.db", true)
            ])),
            Some("sqlite")
        );
        assert_eq!(
            partial_embedded_database(&partial(&[
                ("postgres://", true),
                ("aws_db_instance.main.address", false)
            ])),
            None
        );
    }
}
