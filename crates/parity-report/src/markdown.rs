//! Markdown for a pull-request comment: a headline, a summary table per severity, the findings
//! grouped by service in collapsed `<details>` blocks, and a Mermaid diagram of the service graph
//! with missing services and drifting services highlighted.
//!
//! Everything taken from the input (service names, messages, paths) is escaped so a name such as
//! `a|b` cannot break a table and `<img onerror=...>` stays text.

use crate::graph::mermaid_label;
use std::collections::{BTreeMap, BTreeSet};
use std::io;

use parity_model::{Finding, Report, Severity, Side};

/// More nodes than this and the diagram is left out: GitHub's Mermaid renderer gives up on very
/// large graphs, and such a picture no longer helps a reviewer.
const MAX_DIAGRAM_NODES: usize = 150;

/// Budget for the per-service findings: GitHub rejects comments over 65,536 characters, and the
/// rest of the report (summary, diagram, diagnostics) needs room too. Past it, the remaining
/// services are counted instead of listed.
const MAX_FINDINGS_BYTES: usize = 45_000;

/// Writes the Markdown report.
pub fn render_markdown(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let summary = report.summary();
    if report.findings.is_empty() {
        writeln!(out, "## parity: no drift found\n")?;
    } else {
        writeln!(
            out,
            "## parity: {} ({})\n",
            plural(report.findings.len(), "finding"),
            [
                (summary.error, "error"),
                (summary.warning, "warning"),
                (summary.note, "note")
            ]
            .iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, noun)| plural(*count, noun))
            .collect::<Vec<_>>()
            .join(", ")
        )?;
    }
    writeln!(
        out,
        "Compared local `{}` ({}) with prod `{}` ({}); {} paired.\n",
        code(&report.local.root),
        plural(report.local.services, "service"),
        code(&report.prod.root),
        plural(report.prod.services, "service"),
        report.pairs.len()
    )?;

    writeln!(out, "| severity | findings |")?;
    writeln!(out, "|---|---:|")?;
    for (severity, count) in [
        (Severity::Error, summary.error),
        (Severity::Warning, summary.warning),
        (Severity::Note, summary.note),
    ] {
        writeln!(out, "| {} | {count} |", severity_badge(severity))?;
    }
    writeln!(out)?;

    if let Some(baseline) = &report.baseline {
        write_baseline(baseline, out)?;
    }

    if !report.findings.is_empty() {
        writeln!(out, "### Findings by service\n")?;
        let mut groups: Vec<Vec<&Finding>> = Vec::new();
        let mut findings = report.findings.iter().peekable();
        while let Some(first) = findings.next() {
            let mut group: Vec<&Finding> = vec![first];
            while let Some(next) = findings.next_if(|next| next.service == first.service) {
                group.push(next);
            }
            groups.push(group);
        }
        let mut written = 0;
        for (index, group) in groups.iter().enumerate() {
            let mut block = Vec::new();
            write_service_group(group, &mut block)?;
            if written + block.len() > MAX_FINDINGS_BYTES {
                let rest = groups.get(index..).unwrap_or_default();
                let findings: usize = rest.iter().map(Vec::len).sum();
                writeln!(
                    out,
                    "_… and {} more {} with {} (too long for one comment; the text, JSON or SARIF report has them all)._\n",
                    rest.len(),
                    if rest.len() == 1 {
                        "service"
                    } else {
                        "services"
                    },
                    plural(findings, "finding")
                )?;
                break;
            }
            written += block.len();
            out.write_all(&block)?;
        }
    }

    let suppressed = report.suppressed_counts();
    if !suppressed.is_empty() {
        writeln!(
            out,
            "<details><summary>{} suppressed</summary>\n",
            plural(report.suppressed.len(), "finding")
        )?;
        writeln!(out, "| findings | by | what | where | reason |")?;
        writeln!(out, "|---:|---|---|---|---|")?;
        for (by, count) in suppressed {
            writeln!(
                out,
                "| {count} | {} | {} | `{}` | {} |",
                by.kind.as_str(),
                text(&by.description),
                code(&by.origin.to_string()),
                text(&by.reason)
            )?;
        }
        writeln!(out, "\n</details>\n")?;
    }

    write_diagram(report, out)?;

    let problems: Vec<_> = report.diagnostics.iter().collect();
    if !problems.is_empty() {
        writeln!(
            out,
            "<details><summary>Input diagnostics ({})</summary>\n",
            problems.len()
        )?;
        for item in problems {
            let diagnostic = &item.diagnostic;
            writeln!(
                out,
                "- **{}** {} `{}`: {}",
                diagnostic.level.as_str(),
                item.side.as_str(),
                code(&diagnostic.origin.to_string()),
                text(&diagnostic.message)
            )?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    if !report.policy_diagnostics.is_empty() {
        // Shown open: an expired suppression means findings came back, which a reviewer must see.
        writeln!(
            out,
            "<details open><summary>Policy ({})</summary>\n",
            report.policy_diagnostics.len()
        )?;
        for diagnostic in &report.policy_diagnostics {
            writeln!(
                out,
                "- **{}** `{}`: {}",
                diagnostic.level.as_str(),
                code(&diagnostic.origin.to_string()),
                text(&diagnostic.message)
            )?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    writeln!(out, "<sub>Generated by parity.</sub>")
}

fn write_baseline(
    baseline: &parity_model::BaselineStatus,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    writeln!(
        out,
        "> [!NOTE]\n> Baseline `{}`: {} hidden.",
        code(&baseline.file),
        plural(baseline.hidden, "known finding")
    )?;
    if !baseline.stale.is_empty() {
        writeln!(
            out,
            "> {} no longer {} (fixed drift? run `parity baseline write` to drop {}):",
            plural(baseline.stale.len(), "baseline entry"),
            if baseline.stale.len() == 1 {
                "occurs"
            } else {
                "occur"
            },
            if baseline.stale.len() == 1 {
                "it"
            } else {
                "them"
            }
        )?;
        for entry in &baseline.stale {
            writeln!(
                out,
                "> - `{}` {}: {}",
                code(&entry.rule),
                text(&entry.service),
                text(&entry.message)
            )?;
        }
    }
    writeln!(out)
}

fn write_service_group(group: &[&Finding], out: &mut dyn io::Write) -> io::Result<()> {
    let Some(first) = group.first() else {
        return Ok(());
    };
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for finding in group {
        *counts.entry(finding.severity).or_default() += 1;
    }
    let counts = counts
        .iter()
        .map(|(severity, count)| plural(*count, severity.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let context = match (&first.local_service, &first.prod_service) {
        (Some(local), Some(prod)) if local != prod => format!(" (prod: {})", html(prod)),
        (Some(_), None) => " (local only)".to_owned(),
        (None, Some(_)) => " (prod only)".to_owned(),
        _ => String::new(),
    };
    let marker = group
        .iter()
        .map(|finding| finding.severity)
        .min()
        .map_or("", severity_icon);
    writeln!(
        out,
        "<details><summary>{marker} <b>{}</b>{context}: {counts}</summary>\n",
        html(&first.service)
    )?;
    writeln!(out, "| severity | rule | finding | local | prod |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for finding in group {
        let place = |side: Side| {
            finding
                .locations
                .iter()
                .filter(|location| location.side == side)
                .map(|location| format!("`{}`", code(&location.origin.to_string())))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            finding.severity.as_str(),
            code(finding.rule),
            text(&finding.message),
            place(Side::Local),
            place(Side::Prod)
        )?;
    }
    writeln!(out, "\n</details>\n")
}

/// How a node of the diagram is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NodeState {
    /// Reported as missing on the other side.
    Missing,
    Error,
    Warning,
    Note,
    /// Paired, nothing reported.
    Clean,
    /// On one side only, but the policy does not report it (a local dev tool).
    Unreported,
}

struct DiagramNode {
    label: String,
    state: NodeState,
}

fn write_diagram(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let topology = &report.topology;
    if topology.local.is_empty() && topology.prod.is_empty() {
        return Ok(());
    }
    // One node per paired service and per service found on one side only.
    let mut nodes: Vec<DiagramNode> = Vec::new();
    let mut local_node: BTreeMap<&str, usize> = BTreeMap::new();
    let mut prod_node: BTreeMap<&str, usize> = BTreeMap::new();
    for pair in &report.pairs {
        let label = if pair.local == pair.prod {
            pair.local.clone()
        } else {
            format!("{} ⇄ {}", pair.local, pair.prod)
        };
        let state = state_of(
            report,
            Some(&pair.local),
            Some(&pair.prod),
            NodeState::Clean,
        );
        local_node.insert(&pair.local, nodes.len());
        prod_node.insert(&pair.prod, nodes.len());
        nodes.push(DiagramNode { label, state });
    }
    for (side, services, index) in [
        (Side::Local, &topology.local, &mut local_node),
        (Side::Prod, &topology.prod, &mut prod_node),
    ] {
        for service in services {
            if index.contains_key(service.name.as_str()) {
                continue;
            }
            let (local, prod) = match side {
                Side::Local => (Some(&service.name), None),
                Side::Prod => (None, Some(&service.name)),
            };
            let state = state_of(report, local, prod, NodeState::Unreported);
            index.insert(&service.name, nodes.len());
            nodes.push(DiagramNode {
                label: format!("{} ({} only)", service.name, side.as_str()),
                state,
            });
        }
    }
    if nodes.len() > MAX_DIAGRAM_NODES {
        return writeln!(
            out,
            "_The service graph has {} nodes, too many to draw here; run `parity graph` to export it._\n",
            nodes.len()
        );
    }

    // Edges drawn once, marked by the sides that declare them.
    let mut edges: BTreeMap<(usize, usize), BTreeSet<Side>> = BTreeMap::new();
    for (side, services, index) in [
        (Side::Local, &topology.local, &local_node),
        (Side::Prod, &topology.prod, &prod_node),
    ] {
        for service in services {
            let Some(&from) = index.get(service.name.as_str()) else {
                continue;
            };
            for target in &service.depends_on {
                if let Some(&to) = index.get(target.as_str()) {
                    edges.entry((from, to)).or_default().insert(side);
                }
            }
        }
    }

    writeln!(out, "### Service graph\n")?;
    writeln!(out, "```mermaid")?;
    writeln!(out, "flowchart LR")?;
    for (id, node) in nodes.iter().enumerate() {
        writeln!(
            out,
            "  s{id}[\"{}\"]:::{}",
            mermaid_label(&node.label),
            class_name(node.state)
        )?;
    }
    for ((from, to), sides) in &edges {
        let arrow = match (sides.contains(&Side::Local), sides.contains(&Side::Prod)) {
            (true, true) => "-->".to_owned(),
            (true, false) => "-. local only .->".to_owned(),
            _ => "-. prod only .->".to_owned(),
        };
        writeln!(out, "  s{from} {arrow} s{to}")?;
    }
    writeln!(
        out,
        "  classDef missing fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5"
    )?;
    writeln!(
        out,
        "  classDef error fill:#ffebe9,stroke:#cf222e,stroke-width:2px"
    )?;
    writeln!(
        out,
        "  classDef warning fill:#fff8c5,stroke:#9a6700,stroke-width:2px"
    )?;
    writeln!(out, "  classDef note fill:#ddf4ff,stroke:#0969da")?;
    writeln!(out, "  classDef clean fill:#dafbe1,stroke:#1a7f37")?;
    writeln!(
        out,
        "  classDef unreported fill:#f6f8fa,stroke:#8c959f,color:#57606a"
    )?;
    writeln!(out, "```\n")?;
    writeln!(
        out,
        "Red dashed: missing on the other side; red, yellow, blue: the most severe finding of a paired service; green: no drift; grey: on one side only and not reported by the policy. Dotted arrows: a dependency declared on one side only.\n"
    )
}

/// The state of the node for these service names: missing when a `missing-service` finding
/// names it, else the most severe finding about it, else `otherwise`.
fn state_of(
    report: &Report,
    local: Option<&String>,
    prod: Option<&String>,
    otherwise: NodeState,
) -> NodeState {
    let about = |finding: &&Finding| {
        (local.is_some() && finding.local_service.as_ref() == local)
            || (prod.is_some() && finding.prod_service.as_ref() == prod)
    };
    let mut state = otherwise;
    for finding in report.findings.iter().filter(about) {
        let this = if finding.missing_in.is_some() && finding.rule == "missing-service" {
            NodeState::Missing
        } else {
            match finding.severity {
                Severity::Error => NodeState::Error,
                Severity::Warning => NodeState::Warning,
                Severity::Note => NodeState::Note,
            }
        };
        state = state.min(this);
    }
    state
}

fn class_name(state: NodeState) -> &'static str {
    match state {
        NodeState::Missing => "missing",
        NodeState::Error => "error",
        NodeState::Warning => "warning",
        NodeState::Note => "note",
        NodeState::Clean => "clean",
        NodeState::Unreported => "unreported",
    }
}

fn severity_icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "🔴",
        Severity::Warning => "🟡",
        Severity::Note => "🔵",
    }
}

fn severity_badge(severity: Severity) -> String {
    format!("{} {}", severity_icon(severity), severity.as_str())
}

/// Text for a table cell or a paragraph: Markdown tables end cells at `|` and rows at newlines,
/// and raw HTML is interpreted, so those are escaped. Backtick code spans are kept (messages
/// quote values in them) with their `|` still escaped, which GitHub's tables require.
fn text(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut in_code = false;
    let backticks_balanced = input.matches('`').count() % 2 == 0;
    for ch in input.chars() {
        match ch {
            '`' if backticks_balanced => {
                in_code = !in_code;
                out.push('`');
            }
            '`' => out.push_str("\\`"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '&' if !in_code => out.push_str("&amp;"),
            '*' | '_' | '[' | ']' | '\\' if !in_code => {
                out.push('\\');
                out.push(ch);
            }
            '@' if !in_code => out.push_str("@\u{200b}"),
            _ => out.push(ch),
        }
    }
    out
}

/// Text inside an HTML element such as `<summary>`: GitHub does not read Markdown there, so
/// only HTML's own characters are escaped (a Markdown escape would show as a backslash).
fn html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for ch in input.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// Text for inside a backtick code span: backticks cannot be escaped there, so they become `'`;
/// `|` is escaped for tables.
fn code(input: &str) -> String {
    input
        .replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{count} {stem}ies")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        render_markdown(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(render(&sample::report()));
    }

    #[test]
    fn summary_table_groups_and_collapsed_details() {
        let text = render(&sample::report());
        assert!(text.starts_with("## parity: 5 findings (1 error, 2 warnings, 2 notes)\n"));
        assert!(text.contains("| 🔴 error | 1 |\n| 🟡 warning | 2 |\n| 🔵 note | 2 |\n"));
        assert!(text.contains(
            "<details><summary>🔴 <b>api</b> (prod: api-prod): 1 error, 1 warning</summary>"
        ));
        assert!(
            text.contains("<details><summary>🟡 <b>worker</b> (local only): 1 warning</summary>")
        );
        assert_eq!(
            text.matches("<details>").count(),
            text.matches("</details>").count()
        );
        assert!(text.contains("| `local/compose.yaml:4:5` | `prod/api.yaml:21:5` |"));
    }

    #[test]
    fn diagram_highlights_missing_and_drifting_services() {
        let text = render(&sample::report());
        assert!(
            text.contains("  s0[\"api ⇄ api-prod\"]:::error\n"),
            "{text}"
        );
        assert!(text.contains("  s1[\"db\"]:::note\n"), "{text}");
        assert!(
            text.contains("  s2[\"worker (local only)\"]:::missing\n"),
            "{text}"
        );
        assert!(
            text.contains("  s3[\"migrate (prod only)\"]:::missing\n"),
            "{text}"
        );
        // api -> db on both sides; api -> worker and worker -> db locally; migrate -> db in prod.
        assert!(text.contains("  s0 --> s1\n"), "{text}");
        assert!(text.contains("  s0 -. local only .-> s2\n"), "{text}");
        assert!(text.contains("  s3 -. prod only .-> s1\n"), "{text}");
    }

    #[test]
    fn hostile_names_and_messages_are_escaped() {
        let mut report = sample::report();
        report.findings[0].service = "a|b<img src=x onerror=alert(1)>".into();
        report.findings[0].message =
            "image of `a|b` differs: <b>x</b> | @team *now*\nsecond".into();
        report.topology.local[0].name = "we\"ird#1".into();
        report.pairs[0].local = "we\"ird#1".into();
        let text = render(&report);
        assert!(
            text.contains("<b>a|b&lt;img src=x onerror=alert(1)&gt;</b>"),
            "{text}"
        );
        assert!(
            text.contains("| error | `image-mismatch` | image of"),
            "{text}"
        );
        assert!(
            text.contains(
                "image of `a\\|b` differs: &lt;b&gt;x&lt;/b&gt; \\| @\u{200b}team \\*now\\* second |"
            ),
            "{text}"
        );
        assert!(text.contains("[\"we#quot;ird#35;1 ⇄ api-prod\"]"), "{text}");
        assert!(!text.contains("<img"));
    }

    #[test]
    fn suppressed_findings_are_counted_by_what_hid_them() {
        let mut report = sample::report();
        let by = parity_model::Suppression {
            kind: parity_model::SuppressionKind::Policy,
            description: "rule env-unmatched, service api".into(),
            reason: "set by the platform | in prod".into(),
            origin: parity_model::Origin::new("parity.yaml".into(), 12, 5),
        };
        for finding in report.findings.drain(..2).collect::<Vec<_>>() {
            report.suppressed.push(parity_model::SuppressedFinding {
                finding,
                by: by.clone(),
            });
        }
        let text = render(&report);
        assert!(
            text.contains(
                "<details><summary>2 findings suppressed</summary>\n\n| findings | by | what | where | reason |\n|---:|---|---|---|---|\n| 2 | policy | rule env-unmatched, service api | `parity.yaml:12:5` | set by the platform \\| in prod |\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn policy_diagnostics_are_shown_open() {
        let mut report = sample::report();
        report
            .policy_diagnostics
            .push(parity_model::Diagnostic::warning(
                parity_model::Origin::new("parity.yaml".into(), 4, 5),
                "suppression expired on 2026-01-31",
            ));
        let text = render(&report);
        assert!(
            text.contains(
                "<details open><summary>Policy (1)</summary>\n\n- **warning** `parity.yaml:4:5`: suppression expired on 2026-01-31\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn huge_reports_stay_within_a_pull_request_comment() {
        let mut report = sample::report();
        let template = report.findings[0].clone();
        report.findings = (0..3000)
            .map(|index| {
                let mut finding = template.clone();
                finding.service = format!("service-{index:04}");
                finding
            })
            .collect();
        let text = render(&report);
        assert!(
            text.chars().count() < 65_536,
            "{} chars",
            text.chars().count()
        );
        assert!(text.contains("<b>service-0000</b>"));
        let listed = text.matches("<details><summary>🔴").count();
        assert!(listed > 50, "{listed} services listed");
        let rest = 3000 - listed;
        assert!(
            text.contains(&format!(
                "_… and {rest} more services with {rest} findings (too long for one comment"
            )),
            "{}",
            text.lines().rev().take(12).collect::<Vec<_>>().join("\n")
        );
    }

    #[test]
    fn baseline_status_and_empty_report() {
        let mut report = sample::report();
        report.findings.clear();
        report.baseline = Some(parity_model::BaselineStatus {
            file: "parity-baseline.json".into(),
            hidden: 3,
            stale: vec![parity_model::BaselineEntry {
                fingerprint: parity_model::Fingerprint::parse("0123456789abcdef").unwrap(),
                rule: "image-mismatch".into(),
                service: "cart".into(),
                key: None,
                message: "image of cart differs".into(),
            }],
        });
        let text = render(&report);
        assert!(text.starts_with("## parity: no drift found\n"), "{text}");
        assert!(text.contains("> Baseline `parity-baseline.json`: 3 known findings hidden."));
        assert!(
            text.contains("> 1 baseline entry no longer occurs"),
            "{text}"
        );
        assert!(text.contains("> - `image-mismatch` cart: image of cart differs"));
        assert!(!text.contains("Findings by service"));
    }
}
