//! Every built-in rule, sorted by code.

use crate::redirects::redirect;
use crate::rule::Rule;
use crate::rules::backing::engine_mismatch::EngineMismatch;
use crate::rules::backing::version_mismatch::VersionMismatch;
use crate::rules::env::env_contract::EnvContract;
use crate::rules::env::env_undocumented::EnvUndocumented;
use crate::rules::env::env_unmatched::EnvUnmatched;
use crate::rules::env::env_value_mismatch::EnvValueMismatch;
use crate::rules::images::image_mismatch::ImageMismatch;
use crate::rules::images::unpinned_image::UnpinnedImage;
use crate::rules::network::dangling_dependency::DanglingDependency;
use crate::rules::network::loopback_reference::LoopbackReference;
use crate::rules::network::port_mismatch::PortMismatch;
use crate::rules::network::unexposed_port::UnexposedPort;
use crate::rules::secrets::secret_in_plain_env::SecretInPlainEnv;
use crate::rules::services::healthcheck_missing::HealthcheckMissing;
use crate::rules::services::missing_service::MissingService;
use crate::rules::services::replicas::Replicas;
use crate::rules::storage::ephemeral_storage::EphemeralStorage;

/// Every built-in rule, sorted by code. Hand-maintained; a test checks the order and that codes
/// and names are unique.
pub static RULES: &[&dyn Rule] = &[
    &MissingService,
    &HealthcheckMissing,
    &Replicas,
    &ImageMismatch,
    &UnpinnedImage,
    &EnvUnmatched,
    &EnvValueMismatch,
    &EnvContract,
    &EnvUndocumented,
    &VersionMismatch,
    &EngineMismatch,
    &PortMismatch,
    &DanglingDependency,
    &LoopbackReference,
    &UnexposedPort,
    &EphemeralStorage,
    &SecretInPlainEnv,
];

/// Looks a rule up by name (`image-mismatch`) or code (`PAR201`), case-insensitively, following
/// [redirects](crate::redirects) for renamed rules.
pub fn find_rule(name_or_code: &str) -> Option<&'static dyn Rule> {
    let direct = |wanted: &str| {
        RULES.iter().copied().find(|rule| {
            let meta = rule.meta();
            meta.name.eq_ignore_ascii_case(wanted) || meta.code.eq_ignore_ascii_case(wanted)
        })
    };
    direct(name_or_code).or_else(|| direct(redirect(name_or_code)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rules_are_sorted_by_code_with_unique_codes_and_names() {
        let codes: Vec<&str> = RULES.iter().map(|rule| rule.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), RULES.len());
        let names: HashSet<&str> = RULES.iter().map(|rule| rule.meta().name).collect();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn rule_ids_are_a_contract() {
        let ids: Vec<(&str, &str)> = RULES
            .iter()
            .map(|rule| (rule.meta().code, rule.meta().name))
            .collect();
        assert_eq!(
            ids,
            [
                ("PAR101", "missing-service"),
                ("PAR102", "healthcheck-missing"),
                ("PAR103", "replicas"),
                ("PAR201", "image-mismatch"),
                ("PAR202", "unpinned-image"),
                ("PAR301", "env-unmatched"),
                ("PAR310", "env-value-mismatch"),
                ("PAR390", "env-contract"),
                ("PAR391", "env-undocumented"),
                ("PAR401", "version-mismatch"),
                ("PAR490", "engine-mismatch"),
                ("PAR501", "port-mismatch"),
                ("PAR510", "dangling-dependency"),
                ("PAR590", "loopback-reference"),
                ("PAR591", "unexposed-port"),
                ("PAR690", "ephemeral-storage"),
                ("PAR790", "secret-in-plain-env"),
            ]
        );
    }

    #[test]
    fn codes_match_families_and_names_are_kebab_case() {
        for rule in RULES {
            let meta = rule.meta();
            let hundreds = match meta.family {
                parity_model::RuleFamily::Services => '1',
                parity_model::RuleFamily::Images => '2',
                parity_model::RuleFamily::Env => '3',
                parity_model::RuleFamily::Backing => '4',
                parity_model::RuleFamily::Network => '5',
                parity_model::RuleFamily::Storage => '6',
                parity_model::RuleFamily::Secrets => '7',
                _ => '?',
            };
            assert_eq!(meta.code.chars().nth(3), Some(hundreds), "{}", meta.code);
            assert!(
                meta.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                meta.name
            );
            assert!(!meta.name.starts_with("no-") && !meta.name.starts_with("disallow-"));
            assert!(meta.source_file.ends_with(&format!(
                "{}/{}.rs",
                meta.family.as_str(),
                meta.name.replace('-', "_")
            )));
        }
    }

    #[test]
    fn every_rule_documents_the_required_sections_in_order() {
        for rule in RULES {
            let meta = rule.meta();
            let explanation = meta.explanation();
            let headings: Vec<&str> = explanation
                .lines()
                .filter(|line| line.starts_with("## "))
                .collect();
            let required = [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ];
            assert!(headings.len() >= 4, "{}: {headings:?}", meta.name);
            assert_eq!(&headings[..4], required, "{}", meta.name);
            assert!(
                headings[4..].iter().all(|h| *h == "## Options"),
                "{}: {headings:?}",
                meta.name
            );
            assert!(!meta.summary().is_empty(), "{}", meta.name);
            assert!(
                explanation.contains("local/") && explanation.contains("prod/"),
                "{}: example needs both sides",
                meta.name
            );
        }
    }

    #[test]
    fn lookup_by_name_or_code() {
        assert_eq!(
            find_rule("image-mismatch").map(|r| r.meta().code),
            Some("PAR201")
        );
        assert_eq!(
            find_rule("par501").map(|r| r.meta().name),
            Some("port-mismatch")
        );
        assert_eq!(
            find_rule("PAR101").map(|r| r.meta().name),
            Some("missing-service")
        );
        assert!(find_rule("PAR999").is_none());
        assert!(find_rule("").is_none());
    }
}
