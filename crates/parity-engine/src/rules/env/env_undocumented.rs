//! PAR391 `env-undocumented`.

use parity_model::{HostVariable, Service};

use super::env_contract::file_name;
use crate::prelude::*;

declare_rule! {
    /// ## What it does
    /// Notes a variable the compose files take from the host (`${VAR}` with no default that
    /// `.env` does not set, or a bare `KEY` under `environment:`) when the project's env
    /// contract (`.env.example`, `.env.sample`, `.env.dist`, `.env.template`) does not list it,
    /// or when the project has no contract at all.
    ///
    /// ## Why it matters
    /// `docker compose up` silently substitutes an empty string for an unset `${VAR}`, and a bare
    /// `KEY` passes whatever the developer's shell happens to hold. A new developer has no way to
    /// know the variable must be set, and the same gap usually exists in prod.
    ///
    /// ## Example
    /// ```yaml
    /// # local/compose.yaml
    /// services:
    ///   api:
    ///     environment:
    ///       SENTRY_DSN: ${SENTRY_DSN}     # not in .env.example
    /// ```
    /// ```yaml
    /// # prod/api.yaml: not involved; the finding is about the local contract
    /// ```
    ///
    /// ## How to fix
    /// Add the variable to `.env.example` with a placeholder or a safe default and a comment, or
    /// give it a default in the compose file (`${SENTRY_DSN:-}`).
    pub EnvUndocumented {
        code: "PAR391",
        name: "env-undocumented",
        family: Env,
        severity: Note,
        since: "0.1.0",
    }
}

/// The service whose declaration comes last before the variable's use in the same file: the
/// service the `${VAR}` belongs to.
fn owning_service<'a>(
    services: impl Iterator<Item = &'a Service>,
    var: &HostVariable,
) -> Option<&'a Service> {
    services
        .filter(|service| {
            service.origin.file == var.origin.file && service.origin.line <= var.origin.line
        })
        .max_by_key(|service| service.origin.line)
}

impl Rule for EnvUndocumented {
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let meta = self.meta();
        let local = cx.environment(Side::Local);
        let contract = local.env_contract.as_ref();
        for var in &local.host_variables {
            if cx.policy().ignores_env(&var.name) {
                continue;
            }
            if contract.is_some_and(|c| c.keys.iter().any(|(key, _)| *key == var.name)) {
                continue;
            }
            let owner = owning_service(local.graph.services().map(|(_, s)| s), var);
            if owner.is_some_and(|service| cx.ignores_service(service)) {
                continue;
            }
            let why = match contract {
                Some(contract) => format!("{} does not list it", file_name(&contract.file)),
                None => "there is no .env.example to document it".to_owned(),
            };
            let message = format!(
                "`{}` is taken from the host by compose but {why}: a new developer has no way to know it must be set",
                var.name
            );
            let service = owner.map_or_else(
                || file_name(&var.origin.file).to_owned(),
                |service| service.name.clone(),
            );
            let paired =
                owner.and_then(|owner| cx.pairs().find(|pair| std::ptr::eq(pair.local, owner)));
            out.push(Finding {
                rule: meta.name,
                severity: meta.default_severity,
                service: service.clone(),
                local_service: owner.map(|service| service.name.clone()),
                prod_service: paired.as_ref().map(|pair| pair.prod.name.clone()),
                key: Some(var.name.clone()),
                missing_in: None,
                local: None,
                prod: None,
                message,
                paired_by: paired.map(|pair| pair.paired_by.as_str().to_owned()),
                locations: vec![location(Side::Local, &var.origin)],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, environment, run_rule_on};
    use parity_model::{EnvContract, Node, Origin};

    #[test]
    fn host_variables_missing_from_the_contract_are_notes_on_their_service() {
        let mut local = environment(vec![
            Node::from(compose_service("api", 3)),
            Node::from(compose_service("worker", 20)),
        ]);
        let at = |line| Origin::new("local/compose.yaml".into(), line, 20);
        local.host_variables = vec![
            HostVariable {
                name: "SENTRY_DSN".into(),
                origin: at(8),
            },
            HostVariable {
                name: "DATABASE_URL".into(),
                origin: at(9),
            },
            HostVariable {
                name: "QUEUE_TOKEN".into(),
                origin: at(24),
            },
        ];
        let file: parity_model::ArcStr = "local/.env.example".into();
        local.env_contract = Some(EnvContract {
            file: file.clone(),
            keys: vec![("DATABASE_URL".into(), Origin::new(file, 1, 1))],
        });
        let findings = run_rule_on(&EnvUndocumented, &local, &environment(Vec::new()));
        let got: Vec<(&str, &str, u32)> = findings
            .iter()
            .map(|f| {
                (
                    f.service.as_str(),
                    f.key.as_deref().unwrap(),
                    f.locations[0].origin.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [("api", "SENTRY_DSN", 8), ("worker", "QUEUE_TOKEN", 24)]
        );
        assert_eq!(
            findings[0].message,
            "`SENTRY_DSN` is taken from the host by compose but .env.example does not list it: a new developer has no way to know it must be set"
        );
        assert_eq!(findings[0].severity, Severity::Note);
    }
}
