//! PAR101 `missing-service`.

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a service that exists on one side only: a compose service with no prod workload, or a
    /// prod workload (Deployment, StatefulSet, ...) with no compose service.
    ///
    /// ## Why it matters
    /// A service that only runs in prod is never exercised during development, and one that only
    /// runs locally may be something the app silently depends on (a cache, a queue consumer) that
    /// nobody deployed. Either way the two environments run different systems.
    ///
    /// Kubernetes Jobs and CronJobs missing locally are reported as notes: one-off migrations and
    /// scheduled tasks often only exist in prod by design.
    ///
    /// Local developer tools (mail catchers, database admin UIs, `localstack`, `traefik`, ...) are
    /// in the built-in `ignore.services` list and never reported; see `policies/default.yaml`.
    /// Local emulators of managed services (MinIO, WireMock, MockServer, Prism, Azurite, ...)
    /// are explained by `engine-mismatch` instead.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   web: { image: "acme/web:1.4" }
    ///   worker: { image: "acme/worker:1.4" }   # no prod counterpart
    /// ```
    /// ```yaml
    /// # prod/web.yaml
    /// kind: Deployment
    /// metadata: { name: web }
    /// ```
    ///
    /// ## How to fix
    /// Deploy the missing service, or remove it from the side that has it. When the service exists
    /// under a name parity cannot match, pair it explicitly with a `mappings:` entry
    /// (`{local: worker, prod: queue-consumer}`); when it is intentionally one-sided, add its name to
    /// `ignore.services` in the policy file.
    ///
    /// ## Options
    /// `ignore.services`: globs matched against service names and image repository short names.
    /// `mappings`: explicit local/prod pairs.
    pub MissingService {
        code: "PAR101",
        name: "missing-service",
        family: Services,
        severity: Warning,
        since: "0.1.0",
    }
}

/// Workload kinds that run to completion; their absence locally is usually by design.
const BATCH_KINDS: &[&str] = &["Job", "CronJob"];

impl Rule for MissingService {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for side in [Side::Local, Side::Prod] {
            for service in cx.unpaired(side) {
                // A local emulator of a managed service (MinIO for S3, WireMock for an external
                // API) has no workload in prod by design; `engine-mismatch` explains it instead.
                if side == Side::Local
                    && crate::rules::backing::engines::stand_in_for(service).is_some()
                {
                    continue;
                }
                let other = match side {
                    Side::Local => "in prod",
                    Side::Prod => "locally",
                };
                // Starts with "service", not the kind: kinds are capitalised (`Deployment`) and
                // messages start lower-case.
                let message = format!(
                    "service `{}` ({}, {}) has no counterpart {other}",
                    service.name,
                    service.kind.as_str(),
                    service.origin.file
                );
                let mut finding = unpaired_finding(meta, side, service, message);
                if side == Side::Prod && BATCH_KINDS.contains(&service.kind.as_str()) {
                    finding.severity = Severity::Note;
                }
                out.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, k8s_workload, run_rule};

    #[test]
    fn reports_each_side_with_kind_file_and_missing_side() {
        let local = vec![compose_service("web", 3), compose_service("worker", 7)];
        let prod = vec![
            k8s_workload("web", "Deployment", 1),
            k8s_workload("payments", "StatefulSet", 20),
        ];
        let findings = run_rule(&MissingService, local, prod);
        assert_eq!(findings.len(), 2);
        let worker = &findings[1];
        assert_eq!(
            worker.message,
            "service `worker` (compose service, local/compose.yaml) has no counterpart in prod"
        );
        assert_eq!(worker.missing_in, Some(Side::Prod));
        assert_eq!(worker.severity, Severity::Warning);
        assert_eq!(
            (
                worker.local_service.as_deref(),
                worker.prod_service.as_deref()
            ),
            (Some("worker"), None)
        );
        assert_eq!(worker.locations[0].side, Side::Local);
        assert_eq!(worker.locations[0].origin.line, 7);
        let payments = &findings[0];
        assert_eq!(
            payments.message,
            "service `payments` (StatefulSet, prod/payments.yaml) has no counterpart locally"
        );
        assert_eq!(payments.missing_in, Some(Side::Local));
        assert_eq!(payments.locations[0].side, Side::Prod);
        assert_eq!(payments.locations[0].origin.line, 20);
    }

    #[test]
    fn batch_workloads_missing_locally_are_notes() {
        let prod = vec![
            k8s_workload("migrate", "Job", 1),
            k8s_workload("nightly-report", "CronJob", 1),
        ];
        let findings = run_rule(&MissingService, vec![], prod);
        assert_eq!(
            findings.iter().map(|f| f.severity).collect::<Vec<_>>(),
            [Severity::Note, Severity::Note]
        );
    }

    #[test]
    fn paired_and_ignored_services_are_quiet() {
        let local = vec![
            compose_service("web_prod", 3),
            compose_service("mailhog", 9),
        ];
        let prod = vec![k8s_workload("web", "Deployment", 1)];
        assert!(run_rule(&MissingService, local, prod).is_empty());
    }
}
