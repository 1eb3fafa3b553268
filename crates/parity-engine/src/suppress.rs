//! Applying suppressions after the rules ran: the policy's `suppress:` and `allow:` entries and
//! inline `# parity: ignore[...]` markers move matching findings from the report's `findings` to
//! its `suppressed` list, so the report can say how many were hidden and by what.
//!
//! Suppressing after the rules (rather than teaching each rule the policy) keeps rules simple and
//! means every rule, Rego policies included, is suppressible the same way.

use std::collections::HashMap;

use parity_model::{
    Diagnostic, Environment, Finding, InlineIgnore, Origin, Side, SuppressedFinding, Suppression,
    SuppressionKind, parse_image_ref,
};

use crate::policy::{Condition, Policy, SuppressEntry};
use crate::registry::find_rule;

/// What applying the suppressions produced.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Findings still reported.
    pub(crate) findings: Vec<Finding>,
    /// Findings hidden, with what hid them.
    pub(crate) suppressed: Vec<SuppressedFinding>,
    /// Expired or unused suppressions and malformed inline markers.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// An inline marker that names known rules and gives a reason.
struct Marker<'a> {
    side: Side,
    /// The line the marker applies to: its own, or the next one when it stands alone.
    target_line: u32,
    rules: Vec<&'static str>,
    source: &'a InlineIgnore,
}

/// Moves suppressed findings out of `findings`; see the module documentation.
pub(crate) fn apply(
    findings: Vec<Finding>,
    local: &Environment,
    prod: &Environment,
    policy: &Policy,
) -> Applied {
    let today = policy.today();
    let entries = policy.suppressions();
    let active: Vec<bool> = entries
        .iter()
        .map(|entry| entry.expires.is_none_or(|expires| today <= expires))
        .collect();
    // Per entry: findings hidden (active) or that would have been hidden (expired).
    let mut matched = vec![0_usize; entries.len()];
    let mut applied = Applied::default();
    let markers = valid_markers(local, prod, &mut applied.diagnostics);
    // Markers by the line they apply to, so matching costs a few hash lookups per finding
    // however many markers the files hold.
    let mut markers_at: HashMap<(Side, &str, u32), Vec<&Marker<'_>>> = HashMap::new();
    for marker in &markers {
        markers_at
            .entry((marker.side, &*marker.source.origin.file, marker.target_line))
            .or_default()
            .push(marker);
    }
    let declarations = Declarations::new(local, prod);

    for finding in findings {
        let mut hidden_by = None;
        for (index, entry) in entries.iter().enumerate() {
            if matches(entry, &finding) {
                matched[index] += 1;
                if active[index] {
                    hidden_by = Some(policy_suppression(entry));
                    break;
                }
            }
        }
        if hidden_by.is_none() {
            hidden_by = inline_suppression(&finding, &markers_at, &declarations);
        }
        match hidden_by {
            Some(by) => applied.suppressed.push(SuppressedFinding { finding, by }),
            None => applied.findings.push(finding),
        }
    }

    for ((entry, is_active), count) in entries.iter().zip(active).zip(matched) {
        let description = entry.description();
        if let (false, Some(expires)) = (is_active, entry.expires) {
            let message = if count == 0 {
                format!(
                    "suppression `{description}` expired on {expires} and matches no finding: remove it"
                )
            } else {
                format!(
                    "suppression `{description}` expired on {expires}: {count} finding{} reported again (its reason was: {})",
                    if count == 1 { " is" } else { "s are" },
                    entry.reason
                )
            };
            applied
                .diagnostics
                .push(Diagnostic::warning(entry.origin.clone(), message));
        } else if count == 0 {
            applied.diagnostics.push(Diagnostic::note(
                entry.origin.clone(),
                format!(
                    "suppression `{description}` matches no finding: remove it once the difference is gone for good"
                ),
            ));
        }
    }
    applied
}

fn policy_suppression(entry: &SuppressEntry) -> Suppression {
    Suppression {
        kind: entry.kind,
        description: entry.description(),
        reason: entry.reason.clone(),
        origin: entry.origin.clone(),
    }
}

/// Whether the entry's rule, service, env and condition all hold for the finding.
fn matches(entry: &SuppressEntry, finding: &Finding) -> bool {
    if entry.rule.is_some_and(|rule| rule != finding.rule) {
        return false;
    }
    if let Some(service) = &entry.service {
        let names = [
            Some(&finding.service),
            finding.local_service.as_ref(),
            finding.prod_service.as_ref(),
        ];
        if !names
            .into_iter()
            .flatten()
            .any(|name| service.is_match(name))
        {
            return false;
        }
    }
    if let Some(env) = &entry.env
        && !finding.key.as_deref().is_some_and(|key| env.is_match(key))
    {
        return false;
    }
    match entry.condition {
        Condition::None => true,
        Condition::SetOnlyLocally => finding.missing_in == Some(Side::Prod),
        Condition::TagOnly => {
            let parsed = (
                finding.local.as_deref().map(parse_image_ref),
                finding.prod.as_deref().map(parse_image_ref),
            );
            match parsed {
                (Some(Ok(local)), Some(Ok(prod))) => {
                    local.registry == prod.registry && local.repository == prod.repository
                }
                _ => false,
            }
        }
    }
}

/// The inline markers that can suppress; malformed ones become warnings, since a marker that
/// silently does nothing would leave its author believing the finding is handled.
fn valid_markers<'a>(
    local: &'a Environment,
    prod: &'a Environment,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Marker<'a>> {
    let mut markers = Vec::new();
    for (side, environment) in [(Side::Local, local), (Side::Prod, prod)] {
        for source in &environment.inline_ignores {
            let warn = |message: String| Diagnostic::warning(source.origin.clone(), message);
            if source.rules.is_empty() {
                diagnostics.push(warn(
                    "inline suppression names no rule: write `# parity: ignore[rule-name] reason`"
                        .to_owned(),
                ));
                continue;
            }
            let mut rules = Vec::new();
            for written in &source.rules {
                match find_rule(written) {
                    Some(rule) => rules.push(rule.meta().name),
                    None => diagnostics.push(warn(format!(
                        "unknown rule `{written}` in inline suppression; `parity rules` lists the known rules"
                    ))),
                }
            }
            if source.reason.is_empty() {
                diagnostics.push(warn(format!(
                    "inline suppression of `{}` has no reason, so it does not suppress: write why after the brackets",
                    source.rules.join(", ")
                )));
                continue;
            }
            if rules.is_empty() {
                continue;
            }
            let target_line = if source.own_line {
                source.origin.line.saturating_add(1)
            } else {
                source.origin.line
            };
            markers.push(Marker {
                side,
                target_line,
                rules,
                source,
            });
        }
    }
    markers
}

/// Where each service is declared, by side and name: a marker on a service's declaration line
/// covers every finding about that service.
struct Declarations<'a> {
    origins: HashMap<(Side, &'a str), &'a Origin>,
}

impl<'a> Declarations<'a> {
    fn new(local: &'a Environment, prod: &'a Environment) -> Self {
        let mut origins = HashMap::new();
        for (side, environment) in [(Side::Local, local), (Side::Prod, prod)] {
            for (_, service) in environment.graph.services() {
                origins
                    .entry((side, service.name.as_str()))
                    .or_insert(&service.origin);
            }
        }
        Declarations { origins }
    }

    fn of(&self, side: Side, name: Option<&String>) -> Option<&'a Origin> {
        self.origins.get(&(side, name?.as_str())).copied()
    }
}

fn inline_suppression(
    finding: &Finding,
    markers_at: &HashMap<(Side, &str, u32), Vec<&Marker<'_>>>,
    declarations: &Declarations<'_>,
) -> Option<Suppression> {
    if markers_at.is_empty() {
        return None;
    }
    let mut places: Vec<(Side, &Origin)> = finding
        .locations
        .iter()
        .map(|location| (location.side, &location.origin))
        .collect();
    places.extend(
        declarations
            .of(Side::Local, finding.local_service.as_ref())
            .map(|origin| (Side::Local, origin)),
    );
    places.extend(
        declarations
            .of(Side::Prod, finding.prod_service.as_ref())
            .map(|origin| (Side::Prod, origin)),
    );
    let marker = places.iter().find_map(|(side, origin)| {
        markers_at
            .get(&(*side, &*origin.file, origin.line))?
            .iter()
            .find(|marker| marker.rules.contains(&finding.rule))
    })?;
    Some(Suppression {
        kind: SuppressionKind::Inline,
        description: format!("ignore[{}]", marker.source.rules.join(", ")),
        reason: marker.source.reason.clone(),
        origin: marker.source.origin.clone(),
    })
}

#[cfg(test)]
mod tests {
    use crate::check::check;
    use crate::inline::scan_inline_ignores;
    use crate::policy::Policy;
    use crate::testing::{compose_service, environment, k8s_workload, with_env, with_image};
    use parity_model::{
        DiagnosticLevel, EnvValue, Environment, Node, Report, SensitiveText, Service,
        SuppressionKind,
    };

    fn literal(value: &str) -> EnvValue {
        EnvValue::Literal(SensitiveText::plain(value))
    }

    /// `api` differs in image tag and has `DEBUG_SQL` and `FEATURE_X` set only locally; `web`
    /// has `TRACE` set only locally.
    fn sides() -> (Environment, Environment) {
        let api = with_env(
            with_image(compose_service("api", 3), "acme/api:dev", 4),
            &[
                ("DEBUG_SQL", literal("1"), 5),
                ("FEATURE_X", literal("on"), 7),
            ],
        );
        let web = with_env(compose_service("web", 10), &[("TRACE", literal("1"), 11)]);
        let local = environment(vec![Node::from(api), Node::from(web)]);
        let prod_api = with_image(k8s_workload("api", "Deployment", 1), "acme/api:1.4", 20);
        let prod_web: Service = k8s_workload("web", "Deployment", 1);
        let prod = environment(vec![Node::from(prod_api), Node::from(prod_web)]);
        (local, prod)
    }

    fn run(policy_text: &str, today: &str) -> Report {
        let (local, prod) = sides();
        let policy = Policy::from_yaml("parity.yaml", policy_text)
            .unwrap()
            .with_today(today)
            .unwrap();
        check(&local, &prod, &policy)
    }

    fn reported(report: &Report) -> Vec<(&str, &str, Option<&str>)> {
        report
            .findings
            .iter()
            .map(|f| (f.service.as_str(), f.rule, f.key.as_deref()))
            .collect()
    }

    #[test]
    fn suppress_and_allow_entries_hide_findings_and_are_counted() {
        let report = run(
            "version: 1\nsuppress:\n  - rule: env-unmatched\n    service: web\n    reason: tracing is a local convenience\nallow:\n  image-tags:\n    - {service: api, reason: the release pipeline pins prod}\n  local-only-env:\n    - {env: 'DEBUG_*', reason: debug switches}\n",
            "2026-06-01",
        );
        assert_eq!(
            reported(&report),
            [("api", "env-unmatched", Some("FEATURE_X"))]
        );
        let counts: Vec<(SuppressionKind, String, usize)> = report
            .suppressed_counts()
            .into_iter()
            .map(|(by, n)| (by.kind, by.description.clone(), n))
            .collect();
        assert_eq!(
            counts,
            [
                (
                    SuppressionKind::Allowed,
                    "allow.image-tags: service api".to_owned(),
                    1
                ),
                (
                    SuppressionKind::Allowed,
                    "allow.local-only-env: env DEBUG_*".to_owned(),
                    1
                ),
                (
                    SuppressionKind::Policy,
                    "suppress: rule env-unmatched, service web".to_owned(),
                    1
                ),
            ]
        );
        let by = &report.suppressed[2].by;
        assert_eq!(by.reason, "tracing is a local convenience");
        assert_eq!((by.origin.line, by.origin.column), (3, 5));
        assert!(report.policy_diagnostics.is_empty());
        assert_eq!(report.summary().warning, 1);
    }

    #[test]
    fn allowed_image_tags_still_report_another_repository() {
        let (local, prod) = sides();
        let mut prod = prod;
        let other = with_image(k8s_workload("api", "Deployment", 1), "acme/api-v2:1.4", 20);
        prod.graph = environment(vec![Node::from(other)]).graph;
        let policy = Policy::from_yaml(
            "p",
            "version: 1\nselect: [image-mismatch]\nallow:\n  image-tags: [{service: '*', reason: r}]\n",
        )
        .unwrap();
        let report = check(&local, &prod, &policy);
        assert_eq!(reported(&report), [("api", "image-mismatch", Some("api"))]);
    }

    #[test]
    fn expired_suppressions_stop_suppressing_and_say_so() {
        let policy = "version: 1\nselect: [env-unmatched]\nsuppress:\n  - {service: web, reason: tracing, expires: 2026-03-31}\n  - {env: NOT_THERE, reason: gone, expires: 2026-03-31}\n  - {env: ALSO_GONE, reason: gone}\n";
        let on_the_day = run(policy, "2026-03-31");
        assert_eq!(on_the_day.suppressed.len(), 1);
        let after = run(policy, "2026-04-01");
        assert!(after.suppressed.is_empty());
        assert!(reported(&after).contains(&("web", "env-unmatched", Some("TRACE"))));
        let messages: Vec<(DiagnosticLevel, u32, &str)> = after
            .policy_diagnostics
            .iter()
            .map(|d| (d.level, d.origin.line, d.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    DiagnosticLevel::Warning,
                    4,
                    "suppression `suppress: service web` expired on 2026-03-31: 1 finding is reported again (its reason was: tracing)"
                ),
                (
                    DiagnosticLevel::Warning,
                    5,
                    "suppression `suppress: env NOT_THERE` expired on 2026-03-31 and matches no finding: remove it"
                ),
                (
                    DiagnosticLevel::Note,
                    6,
                    "suppression `suppress: env ALSO_GONE` matches no finding: remove it once the difference is gone for good"
                ),
            ]
        );
    }

    #[test]
    fn inline_markers_suppress_on_their_line_or_the_next_and_need_a_reason() {
        let (mut local, prod) = sides();
        let compose = "services:\n  # the api\n  api:  # parity: ignore[PAR201] dev builds are tagged dev\n    environment:\n      DEBUG_SQL: 1  # parity: ignore[env-unmatched]\n      # parity: ignore[env-unmatched, no-such-rule] flag rollout\n      FEATURE_X: on\n";
        local.inline_ignores = scan_inline_ignores(&"local/compose.yaml".into(), compose);
        let policy =
            Policy::from_yaml("p", "version: 1\nselect: [image-mismatch, env-unmatched]\n")
                .unwrap();
        let report = check(&local, &prod, &policy);
        // DEBUG_SQL's marker has no reason, so it stays; web's TRACE has no marker.
        assert_eq!(
            reported(&report),
            [
                ("api", "env-unmatched", Some("DEBUG_SQL")),
                ("web", "env-unmatched", Some("TRACE")),
            ]
        );
        let hidden: Vec<(&str, &str, u32)> = report
            .suppressed
            .iter()
            .map(|s| (s.finding.rule, s.by.description.as_str(), s.by.origin.line))
            .collect();
        assert_eq!(
            hidden,
            [
                ("image-mismatch", "ignore[PAR201]", 3),
                ("env-unmatched", "ignore[env-unmatched, no-such-rule]", 6),
            ]
        );
        let warnings: Vec<&str> = report
            .policy_diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            warnings,
            [
                "inline suppression of `env-unmatched` has no reason, so it does not suppress: write why after the brackets",
                "unknown rule `no-such-rule` in inline suppression; `parity rules` lists the known rules",
            ]
        );
    }
}
