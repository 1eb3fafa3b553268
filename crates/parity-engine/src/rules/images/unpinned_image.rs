//! PAR202 `unpinned-image`.

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a prod container whose image has no tag or the `latest` tag and no digest.
    ///
    /// Every container of every prod workload is checked, init containers included, whether or
    /// not the workload has a local counterpart. An image still holding a placeholder
    /// (`${TAG}`, `{{ .Values.image.tag }}`) is filled in at deploy time and not checked.
    ///
    /// ## Why it matters
    /// `latest` names whatever was pushed last: two pods of the same Deployment can run different
    /// code after a reschedule, a rollback redeploys the broken version, and nobody can tell from
    /// the manifest what runs. Comparing such an image with the local one proves nothing.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api: { image: "acme/api:1.4" }
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment)
    /// containers: [{ name: api, image: "acme/api:latest" }]
    /// ```
    ///
    /// ## How to fix
    /// Deploy a version tag (`acme/api:1.4.2`) or a digest (`acme/api@sha256:...`), written by
    /// the release pipeline.
    pub UnpinnedImage {
        code: "PAR202",
        name: "unpinned-image",
        family: Images,
        severity: Warning,
        since: "0.2.0",
    }
}

impl Rule for UnpinnedImage {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        // Findings about a paired workload are grouped under its local name, like every other
        // finding about the pair.
        let local_names: std::collections::HashMap<&str, &str> = cx
            .pairs()
            .map(|pair| (pair.prod.name.as_str(), pair.local.name.as_str()))
            .collect();
        for (_, service) in cx.environment(Side::Prod).graph.services() {
            if cx.ignores_service(service) {
                continue;
            }
            for container in &service.containers {
                let Some(image) = &container.image else {
                    continue;
                };
                if image.digest.is_some() || image.raw.contains("${") || image.raw.contains("{{") {
                    continue;
                }
                let what = match image.tag.as_deref() {
                    None => "has no tag",
                    Some("latest") => "uses the `latest` tag",
                    Some(_) => continue,
                };
                let message = format!(
                    "image `{}` of prod container `{}` in `{}` {what}: what runs is not pinned",
                    image.raw, container.name, service.name
                );
                let mut finding = unpaired_finding(meta, Side::Prod, service, message);
                // The workload may well exist on both sides; this is about prod alone.
                finding.missing_in = None;
                if let Some(local_name) = local_names.get(service.name.as_str()) {
                    finding.service = (*local_name).to_owned();
                    finding.local_service = Some((*local_name).to_owned());
                }
                finding.key = Some(container.name.clone());
                finding.prod = Some(image.raw.clone());
                finding.locations = vec![location(
                    Side::Prod,
                    container.image_origin.as_ref().unwrap_or(&service.origin),
                )];
                out.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, k8s_workload, run_rule, with_image};

    #[test]
    fn flags_latest_and_missing_tags_in_prod_only() {
        let local = vec![with_image(compose_service("api", 3), "acme/api:latest", 4)];
        let prod = vec![
            with_image(k8s_workload("api", "Deployment", 1), "acme/api:latest", 20),
            with_image(k8s_workload("cache", "Deployment", 1), "redis", 30),
            with_image(k8s_workload("web", "Deployment", 1), "acme/web:2.1", 40),
            with_image(
                k8s_workload("db", "StatefulSet", 1),
                "postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                50,
            ),
        ];
        let findings = run_rule(&UnpinnedImage, local, prod);
        let seen: Vec<(&str, u32)> = findings
            .iter()
            .map(|f| (f.message.as_str(), f.locations[0].origin.line))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "image `acme/api:latest` of prod container `api` in `api` uses the `latest` tag: what runs is not pinned",
                    20
                ),
                (
                    "image `redis` of prod container `cache` in `cache` has no tag: what runs is not pinned",
                    30
                ),
            ]
        );
        assert!(
            findings
                .iter()
                .all(|f| f.locations[0].side == Side::Prod && f.missing_in.is_none())
        );
    }
}
