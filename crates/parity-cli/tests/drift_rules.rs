//! The rules for drift that takes production down (`ephemeral-storage`, `secret-in-plain-env`,
//! `engine-mismatch`, `loopback-reference`, `unexposed-port`, `env-contract`,
//! `env-undocumented`) end to end on `testdata/examples/tasks`, the env contract options, and
//! the promise that no secret value from the inputs reaches any output format.

mod common;
use common::run;

const TASKS_LOCAL: &str = "testdata/examples/tasks/local";
const TASKS_PROD: &str = "testdata/examples/tasks/prod";

/// Secret values written in the tasks example and in the `secret-in-plain-env` fixture, on
/// either side. None may appear in any output.
const SECRETS: &[&str] = &[
    "sk_live_51PqR7sTuVwXyZ0aBcDeFgHiJ",
    "BKp2xQ7mN4vR8sT1wZ6yC3",
    "tasks-local-password",
    "sk_test_tasks_local_only",
    "sk_test_replace_me",
    "whsec_replace_me",
    "public@o4504",
    "sk_live_51NzQ8eKx3pLm0R7vT2yUaBcD",
    "Xk9f2LmQ7pR",
    "xoxb-2231908774-5529184401-Qz8nWbLkT3vR",
    "6f1c0e4b7d9a2f8e5c3b1a0d",
    "dev-signing-key",
    "sk_test_local_only",
];

fn tasks_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["diff", TASKS_LOCAL, TASKS_PROD, "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// The findings of `rule` as (service, key, sides of the locations, lines).
fn findings_of(report: &serde_json::Value, rule: &str) -> Vec<(String, String, Vec<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            let places = f["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    format!(
                        "{} {}:{}",
                        l["side"].as_str().unwrap(),
                        l["file"].as_str().unwrap(),
                        l["line"]
                    )
                })
                .collect();
            (
                f["service"].as_str().unwrap().to_owned(),
                f["key"].as_str().unwrap_or("").to_owned(),
                places,
            )
        })
        .collect()
}

#[test]
fn every_rule_fires_in_the_tasks_example_at_both_sides_lines() {
    let report = tasks_json(&[]);
    let local = |rest: &str| format!("local {TASKS_LOCAL}/{rest}");
    let prod = |rest: &str| format!("prod {TASKS_PROD}/{rest}");
    let finding = |service: &str, key: &str, places: Vec<String>| {
        (service.to_owned(), key.to_owned(), places)
    };
    let expected = [
        (
            "ephemeral-storage",
            vec![finding(
                "api",
                "/srv/tasks/uploads",
                vec![local("compose.yaml:27"), prod("api.yaml:45")],
            )],
        ),
        (
            "secret-in-plain-env",
            vec![
                finding(
                    "api",
                    "SMTP_PASSWORD",
                    vec![local("compose.yaml:23"), prod("api.yaml:10")],
                ),
                finding(
                    "api",
                    "STRIPE_SECRET_KEY",
                    vec![local("compose.yaml:21"), prod("api.yaml:40")],
                ),
            ],
        ),
        (
            "engine-mismatch",
            vec![
                // The ConfigMap line, where the value is written, not the envFrom line.
                finding(
                    "api",
                    "CACHE_URL",
                    vec![local("compose.yaml:18"), prod("api.yaml:7")],
                ),
                finding("s3", "", vec![local("compose.yaml:52")]),
                finding(
                    "worker",
                    "REPORTS_DB",
                    vec![local("compose.yaml:34"), prod("worker.yaml:20")],
                ),
            ],
        ),
        (
            "loopback-reference",
            vec![
                finding(
                    "worker",
                    "METRICS_PUSH_URL",
                    vec![local("compose.yaml:36"), prod("worker.yaml:25")],
                ),
                finding(
                    "worker",
                    "TASKS_API",
                    vec![local("compose.yaml:35"), prod("worker.yaml:22")],
                ),
            ],
        ),
        (
            "unexposed-port",
            vec![finding(
                "api",
                "9090",
                vec![local("compose.yaml:15"), prod("api.yaml:31")],
            )],
        ),
        (
            "env-contract",
            vec![
                finding(".env.example", "S3_ENDPOINT", vec![local(".env.example:5")]),
                finding(
                    ".env.example",
                    "STRIPE_WEBHOOK_SECRET",
                    vec![local(".env.example:9")],
                ),
            ],
        ),
        (
            "env-undocumented",
            vec![finding("api", "SENTRY_DSN", vec![local("compose.yaml:24")])],
        ),
    ];
    for (rule, want) in expected {
        assert_eq!(findings_of(&report, rule), want, "{rule}");
    }
    // The traps stay quiet: the Postgres StatefulSet has a claim, the worker's DATABASE_URL goes
    // through its cloud-sql-proxy sidecar, Mailpit is a known local tool, MinIO is a stand-in.
    let findings = report["findings"].as_array().unwrap();
    let any = |rule: &str, field: &str, value: &str| {
        findings
            .iter()
            .any(|f| f["rule"] == rule && f[field] == value)
    };
    assert!(!any("ephemeral-storage", "service", "db"));
    assert!(!any("loopback-reference", "key", "DATABASE_URL"));
    assert!(!any("missing-service", "service", "s3"));
    assert!(!findings.iter().any(|f| f["service"] == "mailpit"));
}

#[test]
fn tasks_text_report() {
    let out = run(&["diff", TASKS_LOCAL, TASKS_PROD]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("tasks_text", out.stdout);
}

/// The `--format` values `parity diff --help` lists, so a format added later is covered too.
/// Reads clap's `[possible values: a, b]` or the flag's own "Output format: a, b or c." text.
fn formats() -> Vec<String> {
    let help = run(&["diff", "--help"]).stdout;
    let start = help.find("--format").expect("diff has --format");
    // The flag's own entry: up to the next flag (a line starting with spaces and `-`).
    let rest = &help[start..];
    let end = rest
        .match_indices("\n  ")
        .map(|(at, _)| at)
        .find(|&at| rest[at..].trim_start().starts_with('-'))
        .unwrap_or(rest.len());
    let rest = &rest[..end];
    let list = match rest.split_once("[possible values: ") {
        Some((_, values)) => values.split_once(']').unwrap().0.to_owned(),
        None => {
            let text = rest
                .split_once("Output format: ")
                .expect("--format help lists the formats")
                .1;
            let end = text.find(['.', '\n']).unwrap_or(text.len());
            text[..end].replace(" or ", ", ")
        }
    };
    let formats: Vec<String> = list
        .split(',')
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    assert!(
        formats.iter().any(|f| f == "text") && formats.iter().any(|f| f == "json"),
        "{formats:?}"
    );
    formats
}

#[test]
fn no_secret_value_from_the_inputs_reaches_any_output_format() {
    let fixture = "testdata/rules/PAR790-secret-in-plain-env/fires";
    let sides = [
        (TASKS_LOCAL.to_owned(), TASKS_PROD.to_owned()),
        (format!("{fixture}/local"), format!("{fixture}/prod")),
    ];
    let formats = formats();
    for (local, prod) in &sides {
        for format in &formats {
            let out = run(&[
                "diff",
                local,
                prod,
                "--format",
                format,
                "--fail-on",
                "never",
            ]);
            assert_eq!(out.code, 0, "{format}: {}", out.stderr);
            assert!(!out.stdout.is_empty(), "{format} printed nothing");
            for secret in SECRETS {
                for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                    assert!(
                        !text.contains(secret),
                        "secret {secret:?} leaked into {format} {stream} for {local}:\n{text}"
                    );
                }
            }
        }
    }
    // `parity graph` exports a side's graph, env values included: still redacted.
    for side in [TASKS_LOCAL, TASKS_PROD] {
        let out = run(&["graph", side, "--format", "json"]);
        for secret in SECRETS {
            assert!(
                !out.stdout.contains(secret),
                "secret {secret:?} in graph of {side}"
            );
        }
    }
}

#[test]
fn env_contract_from_the_command_line_and_the_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("settings.env");
    std::fs::write(&contract, "STRIPE_SECRET_KEY=\nONLY_IN_THIS_CONTRACT=1\n").unwrap();
    let contract_arg = contract.display().to_string();
    let report = tasks_json(&["--env-contract", &contract_arg]);
    let keys: Vec<String> = findings_of(&report, "env-contract")
        .into_iter()
        .map(|(_, key, places)| format!("{key} {}", places.join(" ")))
        .collect();
    assert_eq!(
        keys,
        [format!("ONLY_IN_THIS_CONTRACT local {contract_arg}:2")]
    );

    // The policy file names it relative to its own folder.
    std::fs::write(
        dir.path().join("parity.yaml"),
        "version: 1\nenv-contract-file: settings.env\n",
    )
    .unwrap();
    let policy = dir.path().join("parity.yaml").display().to_string();
    let report = tasks_json(&["--policy", &policy]);
    let keys: Vec<String> = findings_of(&report, "env-contract")
        .into_iter()
        .map(|(_, key, _)| key)
        .collect();
    assert_eq!(keys, ["ONLY_IN_THIS_CONTRACT"]);
}
