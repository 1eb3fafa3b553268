//! PAR390 `env-contract`.

use std::collections::BTreeSet;

use parity_model::Origin;

use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a setting listed in the project's env contract (`.env.example`, `.env.sample`,
    /// `.env.dist` or `.env.template`, beside the compose file or at the repository root, or the
    /// file named with `--env-contract` or the policy file's `env-contract-file:`) that no prod
    /// workload sets: not as a value, not through `valueFrom`, not through `envFrom` of a
    /// ConfigMap or Secret in the input. Each key is reported once, at its line in the contract.
    ///
    /// When a prod workload reads a ConfigMap or Secret that is not in the input (so its keys are
    /// unknown), the finding is lowered to a note that names those sources.
    ///
    /// ## Why it matters
    /// The contract is the list of settings the application reads. Locally a developer copies it
    /// to `.env` and fills it in; prod has no such step, so a setting added to the contract and
    /// forgotten in the manifests is simply unset in production: a feature is off, a webhook
    /// signature is never checked, the app refuses to start.
    ///
    /// ## Example
    /// ```dotenv
    /// # local/.env.example
    /// DATABASE_URL=postgres://app@db/app
    /// STRIPE_WEBHOOK_SECRET=
    /// ```
    /// ```yaml
    /// # prod/api.yaml (Deployment): sets DATABASE_URL only
    /// ```
    ///
    /// ## How to fix
    /// Set the key in prod (from a Secret when it is one), or remove it from the contract when
    /// the application no longer reads it. Keys that are truly local-only go in the policy's
    /// `ignore.env`.
    ///
    /// ## Options
    /// `env-contract-file:` in the policy file (relative to it), or `--env-contract FILE`: the
    /// contract file to use instead of the one found beside the compose file.
    pub EnvContract {
        code: "PAR390",
        name: "env-contract",
        family: Env,
        severity: Warning,
        since: "0.1.0",
    }
}

/// The file name part of a display path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

impl Rule for EnvContract {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let Some(contract) = &cx.environment(Side::Local).env_contract else {
            return;
        };
        let prod = cx.environment(Side::Prod);
        if prod.graph.service_count() == 0 {
            return;
        }
        let mut set: BTreeSet<&str> = BTreeSet::new();
        let mut unresolved: BTreeSet<&str> = BTreeSet::new();
        for (_, service) in prod.graph.services() {
            for container in &service.containers {
                set.extend(container.env.iter().map(|var| var.name.as_str()));
                unresolved.extend(container.env_from_unresolved.iter().map(String::as_str));
            }
        }
        let contract_name = file_name(&contract.file);
        for (key, origin) in &contract.keys {
            if set.contains(key.as_str()) || cx.policy().ignores_env(key) {
                continue;
            }
            out.push(contract_finding(
                meta,
                contract_name,
                key,
                origin,
                &unresolved,
            ));
        }
    }
}

fn contract_finding(
    meta: &'static parity_model::RuleMeta,
    contract_name: &str,
    key: &str,
    origin: &Origin,
    unresolved: &BTreeSet<&str>,
) -> Finding {
    let mut message = format!("`{key}` is listed in {contract_name} but no prod workload sets it");
    let mut severity = meta.default_severity;
    if !unresolved.is_empty() {
        let sources: Vec<&str> = unresolved.iter().copied().collect();
        message.push_str(&format!(
            " (it may come from {}, not in the input)",
            sources.join(", ")
        ));
        severity = Severity::Note;
    }
    Finding {
        rule: meta.name,
        severity,
        service: contract_name.to_owned(),
        local_service: None,
        prod_service: None,
        key: Some(key.to_owned()),
        missing_in: Some(Side::Prod),
        local: Some(contract_name.to_owned()),
        prod: None,
        message,
        paired_by: None,
        locations: vec![location(Side::Local, origin)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{environment, k8s_workload, run_rule_on, with_env};
    use parity_model::{EnvContract as Contract, EnvValue, Node, SensitiveText};

    #[test]
    fn keys_no_prod_workload_sets_fire_once_at_the_contract_line() {
        let mut local = environment(Vec::new());
        let file: parity_model::ArcStr = "local/.env.example".into();
        local.env_contract = Some(Contract {
            file: file.clone(),
            keys: ["DATABASE_URL", "STRIPE_WEBHOOK_SECRET", "DEBUG"]
                .iter()
                .zip(1..)
                .map(|(key, line)| ((*key).to_owned(), Origin::new(file.clone(), line, 1)))
                .collect(),
        });
        let literal = EnvValue::Literal(SensitiveText::plain("x"));
        let prod = environment(vec![
            Node::from(with_env(
                k8s_workload("api", "Deployment", 1),
                &[("DATABASE_URL", literal.clone(), 20)],
            )),
            Node::from(with_env(
                k8s_workload("worker", "Deployment", 1),
                &[("DATABASE_URL", literal, 20)],
            )),
        ]);
        let policy = crate::Policy::from_yaml("p", "version: 1\nignore: {env: [DEBUG]}\n").unwrap();
        let pairing = crate::pairing::pair_services(&local.graph, &prod.graph, &policy);
        let cx = CheckContext::new(&local, &prod, &policy, &pairing);
        let mut findings = Vec::new();
        EnvContract.check(&cx, &mut findings);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "`STRIPE_WEBHOOK_SECRET` is listed in .env.example but no prod workload sets it"
        );
        assert_eq!(
            findings[0].locations[0].origin.to_string(),
            "local/.env.example:2:1"
        );
        assert_eq!(findings[0].missing_in, Some(Side::Prod));
        // Without prod services there is nothing to compare with.
        assert!(run_rule_on(&EnvContract, &local, &environment(Vec::new())).is_empty());
    }
}
