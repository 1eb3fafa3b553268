//! PAR401 `version-mismatch`.

use crate::context::BackingPairRef;
use crate::pairing::image_engine;
use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a local database, cache or broker container whose engine version differs from the
    /// managed production service it stands for: compose `postgres:16` paired with a Terraform
    /// `aws_db_instance` running `engine_version = "14.9"`. A different major version is reported
    /// at the rule's severity; a different minor version (`redis:7.2` against ElastiCache `7.1`)
    /// is a note. The local version is read from the image tag (`16-alpine` is 16,
    /// `16.2.0-debian-12` is 16.2.0); a tag without a version (`latest`) is not compared.
    ///
    /// Local and managed services are paired by engine (`paired_by: engine`): the managed service
    /// named after the local one (`shop-db` for `db`), or the only one of that engine on each
    /// side.
    ///
    /// ## Why it matters
    /// Major versions change SQL features, defaults, replication and client protocols: a query or
    /// migration tested against PostgreSQL 16 locally can fail on 14 in production, and a
    /// command added in Redis 7.2 does not exist on 7.1.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   db:
    ///     image: postgres:16-alpine
    /// ```
    /// ```hcl
    /// # prod/main.tf
    /// resource "aws_db_instance" "main" {
    ///   identifier     = "shop-db"
    ///   engine         = "postgres"
    ///   engine_version = "14.9"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Run the production version locally (`postgres:14.9-alpine`), or upgrade the managed
    /// service. When the pairing is wrong, add a `mappings:` entry or ignore the local service.
    pub VersionMismatch {
        code: "PAR401",
        name: "version-mismatch",
        family: Backing,
        severity: Error,
        since: "0.1.0",
    }
}

/// The version an image tag names: its leading numeric components (`16-alpine` → `16`,
/// `7.2.4-bookworm` → `7.2.4`, `v2.11` → `2.11`); `None` for `latest`, `alpine`, a digest.
pub(crate) fn tag_version(tag: &str) -> Option<String> {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let version: String = tag
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let version = version.trim_end_matches('.');
    (!version.is_empty()).then(|| version.to_owned())
}

/// Numeric components of a version (`14.9` → [14, 9]; `7.x` → [7]; `OpenSearch_2.11` handled by
/// the loader).
fn components(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map_while(|part| part.parse::<u64>().ok())
        .collect()
}

/// How two versions differ, comparing only the components both name (`16` and `16.3` agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionDifference {
    Same,
    Minor,
    Major,
}

pub(crate) fn compare_versions(local: &str, prod: &str) -> Option<VersionDifference> {
    let (local, prod) = (components(local), components(prod));
    let (local_major, prod_major) = (local.first()?, prod.first()?);
    if local_major != prod_major {
        return Some(VersionDifference::Major);
    }
    let differs = local.iter().zip(&prod).skip(1).any(|(a, b)| a != b);
    Some(if differs {
        VersionDifference::Minor
    } else {
        VersionDifference::Same
    })
}

impl VersionMismatch {
    fn finding(
        &self,
        pair: &BackingPairRef<'_>,
        local_version: &str,
        prod_version: &str,
        image: &parity_model::ImageRef,
    ) -> Option<Finding> {
        let meta = self.meta();
        let difference = compare_versions(local_version, prod_version)?;
        let (severity, what) = match difference {
            VersionDifference::Same => return None,
            VersionDifference::Minor => (Severity::Note, "minor version"),
            VersionDifference::Major => (meta.default_severity, "major version"),
        };
        let engine = &pair.prod.engine;
        let message = format!(
            "{engine} {what} of `{}` differs: local {local_version} (`{}`), prod {prod_version} (managed `{}`)",
            pair.local.name, image.raw, pair.prod.name
        );
        let local_origin = pair
            .local
            .primary_container()
            .and_then(|container| container.image_origin.as_ref())
            .unwrap_or(&pair.local.origin);
        Some(Finding {
            rule: meta.name,
            severity,
            service: pair.local.name.clone(),
            local_service: Some(pair.local.name.clone()),
            prod_service: Some(pair.prod.name.clone()),
            key: Some(engine.clone()),
            missing_in: None,
            local: Some(local_version.to_owned()),
            prod: Some(prod_version.to_owned()),
            message,
            paired_by: Some(pair.paired_by.as_str().to_owned()),
            locations: vec![
                location(Side::Local, local_origin),
                location(Side::Prod, &pair.prod.origin),
            ],
        })
    }
}

impl Rule for VersionMismatch {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        for pair in cx.backing_pairs() {
            let Some(image) = pair
                .local
                .primary_container()
                .and_then(|container| container.image.as_ref())
            else {
                continue;
            };
            // Valkey against ElastiCache Redis, MariaDB against MySQL: paired (same protocol),
            // but the versions of different engines say nothing about each other.
            if image_engine(image.short_name()) != Some(pair.prod.engine.as_str()) {
                continue;
            }
            let (Some(local_version), Some(prod_version)) = (
                image.tag.as_deref().and_then(tag_version),
                pair.prod.version.as_deref(),
            ) else {
                continue;
            };
            out.extend(self.finding(&pair, &local_version, prod_version, image));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, environment, run_rule_on, with_image};
    use parity_model::{BackingService, Node, Origin};

    fn managed(name: &str, engine: &str, version: Option<&str>, line: u32) -> Node {
        Node::from(BackingService {
            name: name.to_owned(),
            engine: engine.to_owned(),
            version: version.map(str::to_owned),
            address: None,
            origin: Origin::new("prod/main.tf".into(), line, 1),
        })
    }

    #[test]
    fn versions_from_tags() {
        assert_eq!(tag_version("16-alpine").as_deref(), Some("16"));
        assert_eq!(tag_version("7.2.4-bookworm").as_deref(), Some("7.2.4"));
        assert_eq!(tag_version("v2.11").as_deref(), Some("2.11"));
        assert_eq!(tag_version("latest"), None);
        assert_eq!(
            compare_versions("16", "14.9"),
            Some(VersionDifference::Major)
        );
        assert_eq!(
            compare_versions("7.2", "7.1"),
            Some(VersionDifference::Minor)
        );
        assert_eq!(
            compare_versions("16", "16.3"),
            Some(VersionDifference::Same)
        );
        assert_eq!(
            compare_versions("8", "8.0.35"),
            Some(VersionDifference::Same)
        );
        assert_eq!(compare_versions("6", "6.x"), Some(VersionDifference::Same));
    }

    #[test]
    fn major_is_an_error_minor_a_note_and_pairing_is_by_engine() {
        let local = environment(vec![
            Node::from(with_image(
                compose_service("db", 10),
                "postgres:16-alpine",
                11,
            )),
            Node::from(with_image(
                compose_service("cache", 20),
                "redis:7.2-alpine",
                21,
            )),
            Node::from(with_image(
                compose_service("queue", 30),
                "rabbitmq:3.13",
                31,
            )),
        ]);
        let prod = environment(vec![
            managed("shop-production-db", "postgres", Some("14.9"), 5),
            managed("sessions", "redis", Some("7.1"), 9),
            managed("events", "kafka", Some("3.6.0"), 14),
        ]);
        let findings = run_rule_on(&VersionMismatch, &local, &prod);
        let summary: Vec<(String, Severity, String)> = findings
            .iter()
            .map(|f| (f.service.clone(), f.severity, f.message.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "cache".to_owned(),
                    Severity::Note,
                    "redis minor version of `cache` differs: local 7.2 (`redis:7.2-alpine`), prod 7.1 (managed `sessions`)".to_owned()
                ),
                (
                    "db".to_owned(),
                    Severity::Error,
                    "postgres major version of `db` differs: local 16 (`postgres:16-alpine`), prod 14.9 (managed `shop-production-db`)".to_owned()
                ),
            ]
        );
        let db = findings.iter().find(|f| f.service == "db").unwrap();
        assert_eq!(db.paired_by.as_deref(), Some("engine"));
        assert_eq!(db.locations[0].origin.line, 11);
        assert_eq!(db.locations[1].origin.line, 5);
    }

    #[test]
    fn same_version_latest_and_ambiguous_engines_are_quiet() {
        let local = environment(vec![
            Node::from(with_image(compose_service("db", 10), "postgres:14", 11)),
            Node::from(with_image(compose_service("cache", 20), "redis", 21)),
        ]);
        let prod = environment(vec![
            managed("main", "postgres", Some("14.9"), 5),
            managed("cache", "redis", Some("6.2"), 9),
        ]);
        assert!(run_rule_on(&VersionMismatch, &local, &prod).is_empty());

        // Two local postgres containers and one managed database with an unrelated name: no
        // pair, so no finding.
        let local = environment(vec![
            Node::from(with_image(compose_service("orders", 10), "postgres:16", 11)),
            Node::from(with_image(
                compose_service("billing", 20),
                "postgres:16",
                21,
            )),
        ]);
        let prod = environment(vec![managed("main", "postgres", Some("14.9"), 5)]);
        assert!(run_rule_on(&VersionMismatch, &local, &prod).is_empty());
    }
}
