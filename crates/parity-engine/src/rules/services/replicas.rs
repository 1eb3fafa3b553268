//! PAR103 `replicas`.

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Notes a paired service whose replica count differs between the sides when both declare
    /// one, and a prod workload scaled to zero replicas.
    ///
    /// Only declared counts are compared (compose `deploy.replicas` or `scale`, Kubernetes
    /// `spec.replicas`): a workload without a count is managed by an autoscaler or runs the
    /// default, and is not reported.
    ///
    /// ## Why it matters
    /// Code that is only ever run as one instance locally may hold state in memory, run a
    /// scheduler twice, or race on a migration when prod runs several. A workload at zero
    /// replicas in prod is not running at all, which is easy to miss in a manifest review.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   worker: { image: "acme/worker:1.4", deploy: { replicas: 1 } }
    /// ```
    /// ```yaml
    /// # prod/worker.yaml (Deployment)
    /// spec: { replicas: 4 }
    /// ```
    ///
    /// ## How to fix
    /// Nothing needs to change when the difference is known; run several replicas locally
    /// (`deploy.replicas`) to exercise concurrency, or turn the rule off in the policy file.
    pub Replicas {
        code: "PAR103",
        name: "replicas",
        family: Services,
        severity: Note,
        since: "0.2.0",
    }
}

impl Rule for Replicas {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for pair in cx.pairs() {
            let message = match (pair.local.replicas, pair.prod.replicas) {
                (_, Some(0)) => format!(
                    "`{}` is scaled to 0 replicas in prod: it does not run there",
                    pair.display_name()
                ),
                (Some(local), Some(prod)) if local != prod => format!(
                    "`{}` runs {local} replica{} locally and {prod} in prod",
                    pair.display_name(),
                    if local == 1 { "" } else { "s" }
                ),
                _ => continue,
            };
            let mut finding = pair.finding(meta, message);
            finding.local = pair.local.replicas.map(|n| n.to_string());
            finding.prod = pair.prod.replicas.map(|n| n.to_string());
            finding.locations = vec![
                location(Side::Local, &pair.local.origin),
                location(Side::Prod, &pair.prod.origin),
            ];
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, k8s_workload, run_rule};
    use parity_model::Service;

    fn scaled(mut service: Service, replicas: Option<u32>) -> Service {
        service.replicas = replicas;
        service
    }

    #[test]
    fn notes_different_declared_counts_and_zero_in_prod() {
        let local = vec![
            scaled(compose_service("api", 3), Some(1)),
            scaled(compose_service("cron", 9), None),
            scaled(compose_service("web", 12), Some(2)),
        ];
        let prod = vec![
            scaled(k8s_workload("api", "Deployment", 1), Some(4)),
            scaled(k8s_workload("cron", "Deployment", 1), Some(0)),
            scaled(k8s_workload("web", "Deployment", 1), Some(2)),
        ];
        let findings = run_rule(&Replicas, local, prod);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`api` runs 1 replica locally and 4 in prod",
                "`cron` is scaled to 0 replicas in prod: it does not run there",
            ]
        );
        assert!(findings.iter().all(|f| f.severity == Severity::Note));
        assert_eq!(findings[0].locations[0].origin.line, 3);
    }

    #[test]
    fn quiet_when_a_side_declares_no_count() {
        let local = vec![scaled(compose_service("api", 3), None)];
        let prod = vec![scaled(k8s_workload("api", "Deployment", 1), Some(3))];
        assert!(run_rule(&Replicas, local, prod).is_empty());
    }
}
