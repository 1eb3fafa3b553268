//! One shared set of findings that every renderer's snapshot test renders.

use std::sync::Arc;

use parity_model::{
    Diagnostic, Finding, Location, Origin, Pair, PairedBy, Report, Severity, Side, SideDiagnostic,
    SideSummary,
};

pub(crate) fn report() -> Report {
    let compose: Arc<str> = Arc::from("local/compose.yaml");
    let api: Arc<str> = Arc::from("prod/api.yaml");
    let at = |file: &Arc<str>, line| Origin::new(file.clone(), line, 5);
    Report {
        local: SideSummary {
            root: "local".into(),
            services: 2,
        },
        prod: SideSummary {
            root: "prod".into(),
            services: 2,
        },
        pairs: vec![Pair {
            local: "api".into(),
            prod: "api-prod".into(),
            paired_by: PairedBy::NormalizedName,
        }],
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
    }
}
