//! Running every enabled rule over two environments.

use parity_model::{
    Diagnostic, Environment, Finding, Pair, Report, Side, SideDiagnostic, SideSummary, Topology,
};
use rayon::prelude::*;

use crate::context::CheckContext;
use crate::pairing::pair_services;
use crate::policy::Policy;
use crate::registry::RULES;
use crate::suppress;

/// Compares two loaded environments. Pure: no I/O, no printing. The output is deterministic:
/// pairs sorted by name, findings by [`parity_model::Finding::sort_key`], diagnostics local first
/// in the order the loaders produced them.
pub fn check(local: &Environment, prod: &Environment, policy: &Policy) -> Report {
    check_with(local, prod, policy, &[])
}

/// Rules that are not built in (custom Rego policies): they see the same [`CheckContext`] as
/// built-in rules, run after them, and their findings are suppressed the same way. Their
/// severities are their own: the policy's `rules:` only names built-in rules.
pub trait ExtraRules {
    /// Appends findings to `out`; problems running the rules (a policy that fails to evaluate)
    /// go to `diagnostics`, which end up in the report's `policy_diagnostics`.
    fn check(
        &self,
        cx: &CheckContext<'_>,
        out: &mut Vec<Finding>,
        diagnostics: &mut Vec<Diagnostic>,
    );
}

/// [`check`] with extra rules run after the built-in ones.
pub fn check_with(
    local: &Environment,
    prod: &Environment,
    policy: &Policy,
    extra: &[&dyn ExtraRules],
) -> Report {
    let pairing = pair_services(&local.graph, &prod.graph, policy);
    let cx = CheckContext::new(local, prod, policy, &pairing);
    // Rules are independent and read-only: run them in parallel (the engine was a serial tail
    // of ~0.4 s at 10,000 services). Collecting in registry order and sorting below keeps the
    // report the same whatever the thread timing.
    let per_rule: Vec<Vec<Finding>> = RULES
        .par_iter()
        .map(|rule| {
            let meta = rule.meta();
            let mut found = Vec::new();
            if policy.severity_of(meta).is_none() {
                return found;
            }
            rule.check(&cx, &mut found);
            for finding in &mut found {
                if let Some(severity) = policy.adjust_severity(meta, finding.severity) {
                    finding.severity = severity;
                }
            }
            found
        })
        .collect();
    let mut findings: Vec<Finding> = per_rule.into_iter().flatten().collect();
    let mut extra_diagnostics = Vec::new();
    for rules in extra {
        rules.check(&cx, &mut findings, &mut extra_diagnostics);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut applied = suppress::apply(findings, local, prod, policy);
    extra_diagnostics.append(&mut applied.diagnostics);
    applied.diagnostics = extra_diagnostics;
    let findings = applied.findings;

    let mut pairs: Vec<Pair> = cx
        .pairs()
        .map(|pair| Pair {
            local: pair.local.name.clone(),
            prod: pair.prod.name.clone(),
            paired_by: pair.paired_by,
        })
        .collect();
    pairs.extend(cx.backing_pairs().map(|pair| Pair {
        local: pair.local.name.clone(),
        prod: pair.prod.name.clone(),
        paired_by: pair.paired_by,
    }));
    pairs.sort_by(|a, b| (&a.local, &a.prod).cmp(&(&b.local, &b.prod)));

    let diagnostics = [(Side::Local, local), (Side::Prod, prod)]
        .into_iter()
        .flat_map(|(side, env)| {
            env.diagnostics.iter().map(move |d| SideDiagnostic {
                side,
                diagnostic: d.clone(),
            })
        })
        .collect();

    Report {
        local: summary(local),
        prod: summary(prod),
        pairs,
        findings,
        diagnostics,
        topology: Topology::of(&local.graph, &prod.graph),
        baseline: None,
        suppressed: applied.suppressed,
        policy_diagnostics: applied.diagnostics,
    }
}

fn summary(environment: &Environment) -> SideSummary {
    SideSummary {
        root: environment.root.clone(),
        services: environment.graph.service_count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compose_service, environment, k8s_workload, with_image};
    use parity_model::{Diagnostic, Node, Origin, PairedBy, Severity};

    fn sides() -> (Environment, Environment) {
        let mut local = environment(vec![
            Node::from(with_image(compose_service("web", 3), "acme/web:2", 4)),
            Node::from(compose_service("worker", 9)),
        ]);
        local.root = "local".into();
        local.diagnostics.push(Diagnostic::note(
            Origin::new("local/compose.yaml".into(), 9, 3),
            "service is built from source",
        ));
        let mut prod = environment(vec![
            Node::from(with_image(
                k8s_workload("web", "Deployment", 1),
                "acme/web:1",
                20,
            )),
            Node::from(k8s_workload("migrate", "Job", 1)),
        ]);
        prod.root = "prod".into();
        prod.diagnostics.push(Diagnostic::error(
            Origin::file("prod/broken.yaml".into()),
            "not valid YAML",
        ));
        (local, prod)
    }

    fn rules_and_severities(report: &Report) -> Vec<(&str, &str, Severity)> {
        report
            .findings
            .iter()
            .map(|f| (f.service.as_str(), f.rule, f.severity))
            .collect()
    }

    #[test]
    fn report_has_summaries_pairs_sorted_findings_and_diagnostics() {
        let (local, prod) = sides();
        let report = check(&local, &prod, &Policy::builtin());
        assert_eq!(
            (report.local.root.as_str(), report.local.services),
            ("local", 2)
        );
        assert_eq!(
            (report.prod.root.as_str(), report.prod.services),
            ("prod", 2)
        );
        assert_eq!(
            report.pairs,
            [Pair {
                local: "web".into(),
                prod: "web".into(),
                paired_by: PairedBy::ExactName
            }]
        );
        assert_eq!(
            rules_and_severities(&report),
            [
                ("migrate", "missing-service", Severity::Note),
                ("web", "image-mismatch", Severity::Error),
                ("worker", "missing-service", Severity::Warning),
            ]
        );
        let sides: Vec<(Side, &str)> = report
            .diagnostics
            .iter()
            .map(|d| (d.side, d.diagnostic.message.as_str()))
            .collect();
        assert_eq!(
            sides,
            [
                (Side::Local, "service is built from source"),
                (Side::Prod, "not valid YAML")
            ]
        );
    }

    #[test]
    fn policy_severities_and_off_rules_apply() {
        let (local, prod) = sides();
        let policy = Policy::from_yaml(
            "p",
            "version: 1\nrules: {image-mismatch: off, missing-service: error}\n",
        )
        .unwrap();
        let report = check(&local, &prod, &policy);
        assert_eq!(
            rules_and_severities(&report),
            [
                ("migrate", "missing-service", Severity::Note),
                ("worker", "missing-service", Severity::Error)
            ]
        );
    }

    #[test]
    fn output_is_deterministic() {
        let (local, prod) = sides();
        let first = check(&local, &prod, &Policy::builtin());
        for _ in 0..5 {
            assert_eq!(check(&local, &prod, &Policy::builtin()), first);
        }
    }
}
