//! One shared set of findings that every renderer's snapshot test renders.
//!
//! Local: `api` (depends on `worker` and `db`), `worker` (depends on `db`), `db`. Prod: `api-prod`,
//! `db`, and a `migrate` Job. `api` pairs with `api-prod` by normalised name, `db` by exact name;
//! `worker` exists only locally and `migrate` only in prod.

use parity_model::{
    ArcStr, Diagnostic, Finding, Location, Origin, Pair, PairedBy, Report, RuleFamily, RuleMeta,
    Severity, Side, SideDiagnostic, SideSummary, Topology, TopologyService,
};

pub(crate) fn report() -> Report {
    let compose: ArcStr = ArcStr::from("local/compose.yaml");
    let api: ArcStr = ArcStr::from("prod/api.yaml");
    let data: ArcStr = ArcStr::from("prod/data.yaml");
    let at = |file: &ArcStr, line| Origin::new(file.clone(), line, 5);
    let service = |name: &str, kind: &str, origin: Origin, depends_on: &[&str]| TopologyService {
        name: name.into(),
        kind: kind.into(),
        origin,
        depends_on: depends_on.iter().map(|name| (*name).to_owned()).collect(),
    };
    Report {
        local: SideSummary {
            root: "local".into(),
            services: 3,
        },
        prod: SideSummary {
            root: "prod".into(),
            services: 3,
        },
        pairs: vec![
            Pair {
                local: "api".into(),
                prod: "api-prod".into(),
                paired_by: PairedBy::NormalizedName,
            },
            Pair {
                local: "db".into(),
                prod: "db".into(),
                paired_by: PairedBy::ExactName,
            },
        ],
        findings: vec![
            Finding {
                rule: "image-mismatch",
                severity: Severity::Error,
                service: "api".into(),
                local_service: Some("api".into()),
                prod_service: Some("api-prod".into()),
                key: None,
                missing_in: None,
                local: Some("acme/api:1.4".into()),
                prod: Some("acme/api:1.3".into()),
                message: "image of api differs: local acme/api:1.4, prod acme/api:1.3".into(),
                paired_by: Some("normalized-name".into()),
                locations: vec![
                    Location {
                        side: Side::Local,
                        origin: at(&compose, 4),
                    },
                    Location {
                        side: Side::Prod,
                        origin: at(&api, 21),
                    },
                ],
            },
            Finding {
                rule: "env-unmatched",
                severity: Severity::Warning,
                service: "api".into(),
                local_service: Some("api".into()),
                prod_service: Some("api-prod".into()),
                key: Some("STRIPE_SECRET".into()),
                missing_in: Some(Side::Prod),
                local: Some(parity_model::REDACTED.into()),
                prod: None,
                message: "env var STRIPE_SECRET of api is set locally but not in prod".into(),
                paired_by: Some("normalized-name".into()),
                locations: vec![
                    Location {
                        side: Side::Local,
                        origin: at(&compose, 8),
                    },
                    Location {
                        side: Side::Prod,
                        origin: at(&api, 4),
                    },
                ],
            },
            Finding {
                rule: "port-mismatch",
                severity: Severity::Note,
                service: "db".into(),
                local_service: Some("db".into()),
                prod_service: Some("db".into()),
                key: Some("5432".into()),
                missing_in: None,
                local: Some("5432".into()),
                prod: Some("5433".into()),
                message: "container port of `db` differs: 5432 locally, 5433 in prod".into(),
                paired_by: Some("exact-name".into()),
                locations: vec![
                    Location {
                        side: Side::Local,
                        origin: at(&compose, 20),
                    },
                    Location {
                        side: Side::Prod,
                        origin: at(&data, 18),
                    },
                ],
            },
            Finding {
                rule: "missing-service",
                severity: Severity::Note,
                service: "migrate".into(),
                local_service: None,
                prod_service: Some("migrate".into()),
                key: None,
                missing_in: Some(Side::Local),
                local: None,
                prod: None,
                message: "service migrate (Job, prod/data.yaml) has no counterpart locally".into(),
                paired_by: None,
                locations: vec![Location {
                    side: Side::Prod,
                    origin: at(&data, 30),
                }],
            },
            Finding {
                rule: "missing-service",
                severity: Severity::Warning,
                service: "worker".into(),
                local_service: Some("worker".into()),
                prod_service: None,
                key: None,
                missing_in: Some(Side::Prod),
                local: None,
                prod: None,
                message: "service worker exists locally but not in prod".into(),
                paired_by: None,
                locations: vec![Location {
                    side: Side::Local,
                    origin: at(&compose, 12),
                }],
            },
        ],
        diagnostics: vec![SideDiagnostic {
            side: Side::Local,
            diagnostic: Diagnostic::note(
                Origin::new(compose.clone(), 13, 5),
                "service worker is built from source",
            ),
        }],
        topology: Topology {
            local: vec![
                service("api", "compose service", at(&compose, 2), &["db", "worker"]),
                service("worker", "compose service", at(&compose, 10), &["db"]),
                service("db", "compose service", at(&compose, 18), &[]),
            ],
            prod: vec![
                service("api-prod", "Deployment", at(&api, 1), &["db"]),
                service("db", "StatefulSet", at(&data, 1), &[]),
                service("migrate", "Job", at(&data, 28), &["db"]),
            ],
        },
        ..Report::default()
    }
}

/// Rule metadata as the engine's registry would pass it, for formats that describe rules.
pub(crate) fn rules() -> Vec<&'static RuleMeta> {
    static RULES: [RuleMeta; 4] = [
        meta(
            "PAR101",
            "missing-service",
            RuleFamily::Services,
            Severity::Warning,
        ),
        meta(
            "PAR201",
            "image-mismatch",
            RuleFamily::Images,
            Severity::Error,
        ),
        meta(
            "PAR301",
            "env-unmatched",
            RuleFamily::Env,
            Severity::Warning,
        ),
        meta(
            "PAR501",
            "port-mismatch",
            RuleFamily::Network,
            Severity::Warning,
        ),
    ];
    RULES.iter().collect()
}

const fn meta(
    code: &'static str,
    name: &'static str,
    family: RuleFamily,
    default_severity: Severity,
) -> RuleMeta {
    RuleMeta {
        code,
        name,
        family,
        default_severity,
        since: "0.1.0",
        doc: " ## What it does\n Flags drift between the sides. It names both values.\n\n ## Why it matters\n Drift breaks production.\n\n ## How to fix\n Make the sides agree.\n",
        source_file: "rules.rs",
        source_line: 1,
    }
}
