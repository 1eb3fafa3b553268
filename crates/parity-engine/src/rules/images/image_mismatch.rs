//! PAR201 `image-mismatch`.

use parity_model::ImageRef;

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a paired service whose container image differs between local and prod: another
    /// repository, another tag, or another digest.
    ///
    /// Images are compared after normalisation, so `redis`, `redis:latest` and
    /// `docker.io/library/redis:latest` are the same image. When both sides pin a digest, the
    /// digests decide and tags are ignored; a digest on one side only is accepted when the tags
    /// agree. The same repository and version pulled from another registry (a mirror, a private
    /// copy) is reported as a note. A local service built from source (`build:`) is not compared,
    /// nor is an image still holding a placeholder (`${REGISTRY}/api:1.4`) filled in at deploy time.
    ///
    /// ## Why it matters
    /// Code tested against one image version runs in production on another: a bug fixed locally
    /// is still live in prod, or prod runs a newer major version of a database than the one the
    /// migrations were tested on.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api: { image: "acme/api:1.4" }
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment)
    /// containers: [{ name: api, image: "acme/api:1.3" }]
    /// ```
    ///
    /// ## How to fix
    /// Use the same image reference on both sides, ideally one tag or digest both are generated
    /// from. When the difference is intended (a debug build locally), lower the rule's severity
    /// or turn it off in the policy file.
    pub ImageMismatch {
        code: "PAR201",
        name: "image-mismatch",
        family: Images,
        severity: Error,
        since: "0.1.0",
    }
}

/// How two image references differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageDifference {
    /// Same image.
    None,
    /// Same repository path and version, another registry.
    RegistryOnly,
    /// Another repository, tag or digest.
    Version,
}

/// Compares two image references; see the rule documentation for what counts as a difference.
pub(crate) fn compare_images(local: &ImageRef, prod: &ImageRef) -> ImageDifference {
    let same_version = match (&local.digest, &prod.digest) {
        (Some(local_digest), Some(prod_digest)) => local_digest == prod_digest,
        // A digest pins content a tag can only name; without both digests, compare tags, and a
        // digest-only reference (no tag) cannot be shown to match a tag.
        _ => match (local.effective_tag(), prod.effective_tag()) {
            (Some(local_tag), Some(prod_tag)) => local_tag == prod_tag,
            _ => false,
        },
    };
    let same_registry = local.registry == prod.registry;
    // Docker Hub official images live under `library/`; a mirror or private copy usually drops
    // that prefix (`registry.example.com/redis`) or nests the whole path under its own
    // (`public.ecr.aws/docker/library/redis`): both are the same image.
    let same_repository = local.repository == prod.repository
        || (!same_registry && is_mirrored_path(&local.repository, &prod.repository));
    match (same_repository && same_version, same_registry) {
        (true, true) => ImageDifference::None,
        (true, false) => ImageDifference::RegistryOnly,
        (false, _) => ImageDifference::Version,
    }
}

/// Whether an image reference still holds a template placeholder.
fn is_templated(raw: &str) -> bool {
    raw.contains("${") || raw.contains("{{")
}

fn strip_library(repository: &str) -> &str {
    repository.strip_prefix("library/").unwrap_or(repository)
}

/// Whether two repository paths name the same image on different registries: equal once
/// `library/` is dropped, or one nested whole under a mirror's prefix in the other.
fn is_mirrored_path(local: &str, prod: &str) -> bool {
    let nested = |outer: &str, inner: &str| {
        outer.len() > inner.len()
            && outer.ends_with(inner)
            && outer.as_bytes()[outer.len() - inner.len() - 1] == b'/'
    };
    strip_library(local) == strip_library(prod) || nested(local, prod) || nested(prod, local)
}

impl Rule for ImageMismatch {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        for pair in cx.pairs() {
            // Built from source locally: the loader already notes it, and the image name (if any)
            // is only what the build is tagged as, not something pulled.
            if pair.local.build.is_some() {
                continue;
            }
            let Some((local_container, prod_container)) = pair.containers() else {
                continue;
            };
            let (Some(local_image), Some(prod_image)) =
                (&local_container.image, &prod_container.image)
            else {
                continue;
            };
            let (severity, message) = if local_image.is_repository_unknown()
                || prod_image.is_repository_unknown()
            {
                // A repository known only after apply (Terraform: an ECR repository's URL) with
                // a known tag: the tag still says which version runs.
                let (Some(local_tag), Some(prod_tag)) =
                    (local_image.effective_tag(), prod_image.effective_tag())
                else {
                    continue;
                };
                if local_tag == prod_tag || is_templated(local_tag) || is_templated(prod_tag) {
                    continue;
                }
                let message = format!(
                    "image tag of `{}` differs: local `{local_tag}`, prod `{prod_tag}` (prod image `{}`, its repository is known only after apply)",
                    pair.display_name(),
                    prod_image.raw
                );
                (meta.default_severity, message)
            } else {
                // An unrendered placeholder (`${REGISTRY}/api`, `{{ .Values.image }}`) is filled
                // in at deploy time; what it becomes is unknown, so there is nothing to compare.
                if is_templated(&local_image.raw) || is_templated(&prod_image.raw) {
                    continue;
                }
                let (severity, what) = match compare_images(local_image, prod_image) {
                    ImageDifference::None => continue,
                    ImageDifference::RegistryOnly => {
                        (Severity::Note, "is pulled from another registry")
                    }
                    ImageDifference::Version => (meta.default_severity, "differs"),
                };
                let message = format!(
                    "image of `{}` {what}: local `{}`, prod `{}`",
                    pair.display_name(),
                    local_image.raw,
                    prod_image.raw
                );
                (severity, message)
            };
            let mut finding = pair.finding(meta, message);
            finding.severity = severity;
            finding.key = Some(prod_container.name.clone());
            finding.local = Some(local_image.raw.clone());
            finding.prod = Some(prod_image.raw.clone());
            let local_origin = local_container
                .image_origin
                .as_ref()
                .unwrap_or(&pair.local.origin);
            let prod_origin = prod_container
                .image_origin
                .as_ref()
                .unwrap_or(&pair.prod.origin);
            finding.locations = vec![
                location(Side::Local, local_origin),
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
    use parity_model::{BuildInfo, Container, Origin, parse_image_ref};

    const DIGEST_A: &str =
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const DIGEST_B: &str =
        "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn difference(local: &str, prod: &str) -> ImageDifference {
        compare_images(
            &parse_image_ref(local).unwrap(),
            &parse_image_ref(prod).unwrap(),
        )
    }

    #[test]
    fn normalisation_hides_implicit_registry_library_and_latest() {
        assert_eq!(
            difference("redis", "docker.io/library/redis:latest"),
            ImageDifference::None
        );
        assert_eq!(
            difference("acme/api:1.4", "docker.io/acme/api:1.4"),
            ImageDifference::None
        );
    }

    #[test]
    fn tags_digests_and_repositories() {
        assert_eq!(
            difference("acme/api:1.4", "acme/api:1.3"),
            ImageDifference::Version
        );
        assert_eq!(difference("redis:7", "redis"), ImageDifference::Version);
        assert_eq!(
            difference("acme/api:1.4", "acme/api-v2:1.4"),
            ImageDifference::Version
        );
        // Both digests: they decide, tags do not matter.
        assert_eq!(
            difference(
                &format!("acme/api:1.4@{DIGEST_A}"),
                &format!("acme/api:1.5@{DIGEST_A}")
            ),
            ImageDifference::None
        );
        assert_eq!(
            difference(
                &format!("acme/api@{DIGEST_A}"),
                &format!("acme/api@{DIGEST_B}")
            ),
            ImageDifference::Version
        );
        assert_eq!(
            difference(
                &format!("acme/api:1.4@{DIGEST_A}"),
                &format!("acme/api@{DIGEST_A}")
            ),
            ImageDifference::None
        );
        // A digest on one side only: the tags decide; no tag at all cannot be shown equal.
        assert_eq!(
            difference("acme/api:1.4", &format!("acme/api:1.4@{DIGEST_A}")),
            ImageDifference::None
        );
        assert_eq!(
            difference("acme/api:1.4", &format!("acme/api@{DIGEST_A}")),
            ImageDifference::Version
        );
    }

    #[test]
    fn mirrors_that_nest_the_docker_hub_path_are_registry_only() {
        let hub = parse_image_ref("redis:7.2-alpine").unwrap();
        let ecr = parse_image_ref("public.ecr.aws/docker/library/redis:7.2-alpine").unwrap();
        assert_eq!(compare_images(&hub, &ecr), ImageDifference::RegistryOnly);
        let other_tag = parse_image_ref("public.ecr.aws/docker/library/redis:7.0").unwrap();
        assert_eq!(compare_images(&hub, &other_tag), ImageDifference::Version);
        let lookalike = parse_image_ref("ghcr.io/acme/myredis:7.2-alpine").unwrap();
        assert_eq!(
            compare_images(&hub, &lookalike),
            ImageDifference::Version,
            "a path suffix must end at a `/`"
        );
    }

    #[test]
    fn registry_only_differences() {
        assert_eq!(
            difference("acme/api:1.4", "ghcr.io/acme/api:1.4"),
            ImageDifference::RegistryOnly
        );
        assert_eq!(
            difference("redis:7", "mirror.example.com/redis:7"),
            ImageDifference::RegistryOnly
        );
        assert_eq!(
            difference("redis:7", "mirror.example.com/library/redis:7"),
            ImageDifference::RegistryOnly
        );
        assert_eq!(
            difference("redis:7", "mirror.example.com/redis:6"),
            ImageDifference::Version
        );
        // `library/` only folds across registries: on Docker Hub `redis` and `x/redis` differ.
        assert_eq!(
            difference("redis:7", "bitnami/redis:7"),
            ImageDifference::Version
        );
    }

    #[test]
    fn reports_both_images_and_both_lines() {
        let local = vec![with_image(compose_service("api", 3), "acme/api:1.4", 4)];
        let prod = vec![with_image(
            k8s_workload("api", "Deployment", 1),
            "acme/api:1.3",
            17,
        )];
        let findings = run_rule(&ImageMismatch, local, prod);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            finding.message,
            "image of `api` differs: local `acme/api:1.4`, prod `acme/api:1.3`"
        );
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            (finding.local.as_deref(), finding.prod.as_deref()),
            (Some("acme/api:1.4"), Some("acme/api:1.3"))
        );
        let lines: Vec<(Side, u32)> = finding
            .locations
            .iter()
            .map(|l| (l.side, l.origin.line))
            .collect();
        assert_eq!(lines, [(Side::Local, 4), (Side::Prod, 17)]);
        assert_eq!(finding.paired_by.as_deref(), Some("exact-name"));
    }

    #[test]
    fn registry_only_difference_is_a_note() {
        let local = vec![with_image(compose_service("web", 3), "acme/web:2", 4)];
        let prod = vec![with_image(
            k8s_workload("web-prod", "Deployment", 1),
            "ghcr.io/acme/web:2",
            9,
        )];
        let findings = run_rule(&ImageMismatch, local, prod);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Note);
        assert_eq!(
            findings[0].message,
            "image of `web (prod: web-prod)` is pulled from another registry: local `acme/web:2`, prod `ghcr.io/acme/web:2`"
        );
    }

    #[test]
    fn built_or_imageless_local_services_are_not_compared() {
        let mut built = with_image(compose_service("api", 3), "acme/api:dev", 4);
        built.build = Some(BuildInfo {
            context: ".".into(),
            dockerfile: None,
            origin: Origin::new("c".into(), 5, 5),
        });
        let prod = || {
            vec![with_image(
                k8s_workload("api", "Deployment", 1),
                "acme/api:1.3",
                17,
            )]
        };
        assert!(run_rule(&ImageMismatch, vec![built], prod()).is_empty());
        assert!(run_rule(&ImageMismatch, vec![compose_service("api", 3)], prod()).is_empty());
    }

    #[test]
    fn an_unknown_repository_still_compares_its_tag() {
        let unknown = |tag: &str| ImageRef {
            raw: format!("${{aws_ecr_repository.api.repository_url}}:{tag}"),
            registry: parity_model::UNKNOWN_REGISTRY.to_owned(),
            repository: "aws_ecr_repository.api.repository_url".to_owned(),
            tag: Some(tag.to_owned()),
            digest: None,
        };
        let local = with_image(compose_service("api", 3), "ghcr.io/acme/api:1.8.0", 4);
        let mut prod = k8s_workload("api", "Deployment", 7);
        if let Some(container) = prod.containers.first_mut() {
            container.image = Some(unknown("1.7.3"));
        }
        let findings = run_rule(&ImageMismatch, vec![local.clone()], vec![prod.clone()]);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "image tag of `api` differs: local `1.8.0`, prod `1.7.3` (prod image `${aws_ecr_repository.api.repository_url}:1.7.3`, its repository is known only after apply)"
        );
        if let Some(container) = prod.containers.first_mut() {
            container.image = Some(unknown("1.8.0"));
        }
        assert!(run_rule(&ImageMismatch, vec![local], vec![prod]).is_empty());
    }

    #[test]
    fn templated_images_are_not_compared() {
        let local = vec![with_image(
            compose_service("api", 3),
            "springcommunity/api:3.0",
            4,
        )];
        let prod = vec![with_image(
            k8s_workload("api", "Deployment", 1),
            "${REPOSITORY_PREFIX}/api:latest",
            17,
        )];
        assert!(run_rule(&ImageMismatch, local, prod).is_empty());
        assert!(is_templated("{{ .Values.image }}"));
        assert!(!is_templated("ghcr.io/acme/api:1.4"));
    }

    #[test]
    fn the_prod_container_is_chosen_by_name_then_image() {
        let local = vec![with_image(compose_service("api", 3), "acme/api:1.4", 4)];
        let mut workload = k8s_workload("api", "Deployment", 1);
        let mut sidecar = Container::new("envoy");
        sidecar.image = Some(parse_image_ref("envoyproxy/envoy:v1.30").unwrap());
        workload.containers.insert(0, sidecar);
        let workload = with_image(workload, "acme/api:1.4", 30);
        assert!(run_rule(&ImageMismatch, local.clone(), vec![workload.clone()]).is_empty());
        // Renamed app container: found by image short name instead.
        let mut renamed = workload;
        if let Some(app) = renamed.containers.get_mut(1) {
            app.name = "main".into();
        }
        assert!(run_rule(&ImageMismatch, local, vec![renamed]).is_empty());
    }
}
