//! PAR102 `healthcheck-missing`.

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a paired service whose local container has a healthcheck while its prod container
    /// has neither a readiness nor a liveness probe.
    ///
    /// A disabled local healthcheck (`disable: true`, `test: ["NONE"]`) does not count, and a
    /// `startupProbe` alone does not count as a prod probe: it only guards the start.
    ///
    /// ## Why it matters
    /// The healthcheck says what "ready" means for this service, and locally `depends_on:
    /// condition: service_healthy` relies on it. Without a readiness probe Kubernetes sends
    /// traffic to a pod that is still starting or has lost its database; without a liveness probe
    /// a hung process is never restarted.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api:
    ///     image: "acme/api:1.4"
    ///     healthcheck: { test: ["CMD", "curl", "-f", "http://localhost:8080/health"] }
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment): no readinessProbe, no livenessProbe
    /// containers: [{ name: api, image: "acme/api:1.4" }]
    /// ```
    ///
    /// ## How to fix
    /// Add a `readinessProbe` (and usually a `livenessProbe`) that checks what the local
    /// healthcheck checks, e.g. `httpGet: {path: /health, port: 8080}`.
    pub HealthcheckMissing {
        code: "PAR102",
        name: "healthcheck-missing",
        family: Services,
        severity: Warning,
        since: "0.2.0",
    }
}

/// The one probe kind that does not keep checking a running container.
const START_ONLY: &str = "startupProbe";

impl Rule for HealthcheckMissing {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for pair in cx.pairs() {
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            let Some(local_check) = local_container
                .healthcheck
                .as_ref()
                .filter(|check| !check.disabled)
            else {
                continue;
            };
            let prod_probed = prod_container.healthcheck.as_ref().is_some_and(|check| {
                // Any kind but a startup probe keeps checking: readiness and liveness probes, and a
                // compose or ECS healthcheck when the "prod" side is not Kubernetes.
                !check.disabled && check.kinds.iter().any(|kind| kind != START_ONLY)
            });
            if prod_probed {
                continue;
            }
            let message = format!(
                "`{}` has a healthcheck locally but its prod container `{}` has no readiness or liveness probe",
                pair.display_name(),
                prod_container.name
            );
            let mut finding = pair.finding(meta, message);
            finding.key = Some(prod_container.name.clone());
            // The prod side has nothing to point at but the container; its image line is where
            // the container is written.
            let prod_origin = prod_container
                .image_origin
                .as_ref()
                .unwrap_or(&pair.prod.origin);
            finding.locations = vec![
                location(Side::Local, &local_check.origin),
                location(Side::Prod, prod_origin),
            ];
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, k8s_workload, run_rule, with_image};
    use parity_model::{Healthcheck, Origin, Service};

    fn with_check(mut service: Service, kinds: &[&str], disabled: bool, line: u32) -> Service {
        let file = service.origin.file.clone();
        if let Some(container) = service.containers.first_mut() {
            container.healthcheck = Some(Healthcheck {
                kinds: kinds.iter().map(|kind| (*kind).to_owned()).collect(),
                disabled,
                origin: Origin::new(file, line, 5),
            });
        }
        service
    }

    #[test]
    fn fires_when_prod_has_no_running_probe() {
        let local = with_check(compose_service("api", 3), &["healthcheck"], false, 8);
        let prod = with_check(
            with_image(k8s_workload("api", "Deployment", 1), "acme/api:1", 19),
            &["startupProbe"],
            false,
            25,
        );
        let findings = run_rule(&HealthcheckMissing, vec![local], vec![prod]);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "`api` has a healthcheck locally but its prod container `api` has no readiness or liveness probe"
        );
        let lines: Vec<(Side, u32)> = findings[0]
            .locations
            .iter()
            .map(|l| (l.side, l.origin.line))
            .collect();
        assert_eq!(lines, [(Side::Local, 8), (Side::Prod, 19)]);
    }

    #[test]
    fn quiet_with_a_probe_or_without_a_local_healthcheck() {
        let local = with_check(compose_service("api", 3), &["healthcheck"], false, 8);
        let prod = with_check(
            k8s_workload("api", "Deployment", 1),
            &["livenessProbe"],
            false,
            25,
        );
        assert!(run_rule(&HealthcheckMissing, vec![local], vec![prod]).is_empty());
        let disabled = with_check(compose_service("api", 3), &["healthcheck"], true, 8);
        let bare = k8s_workload("api", "Deployment", 1);
        assert!(run_rule(&HealthcheckMissing, vec![disabled], vec![bare.clone()]).is_empty());
        assert!(
            run_rule(
                &HealthcheckMissing,
                vec![compose_service("api", 3)],
                vec![bare]
            )
            .is_empty()
        );
    }
}
