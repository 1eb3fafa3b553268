//! The drift rules on a Terraform production side: env values only partly known before apply
//! (`postgres://${aws_db_instance.main.address}:5432/shop`) and the ways into ECS and Cloud Run
//! services, end to end through `parity diff`, `parity show` and `parity graph`.

mod common;
use common::{SECRETS, run, workspace};

/// A rule fixture's two sides.
fn case(rule_dir: &str, case: &str) -> (String, String) {
    let dir = format!("testdata/rules/{rule_dir}/{case}");
    (format!("{dir}/local"), format!("{dir}/prod"))
}

/// `(key, severity, [file:line of each location])` of the findings of `rule`.
fn findings(local: &str, prod: &str, rule: &str) -> Vec<(String, String, Vec<String>)> {
    let out = run(&[
        "diff",
        local,
        prod,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == rule)
        .map(|finding| {
            let lines = finding["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|location| {
                    let file = location["file"].as_str().unwrap();
                    let file = file.rsplit_once("/local/").map_or_else(
                        || {
                            let (_, rest) = file.rsplit_once("/prod/").unwrap();
                            format!("prod/{rest}")
                        },
                        |(_, rest)| format!("local/{rest}"),
                    );
                    format!("{file}:{}", location["line"])
                })
                .collect();
            (
                finding["key"].as_str().unwrap_or_default().to_owned(),
                finding["severity"].as_str().unwrap().to_owned(),
                lines,
            )
        })
        .collect()
}

fn owned(expected: &[(&str, &str, &[&str])]) -> Vec<(String, String, Vec<String>)> {
    expected
        .iter()
        .map(|(key, severity, lines)| {
            (
                (*key).to_owned(),
                (*severity).to_owned(),
                lines.iter().map(|line| (*line).to_owned()).collect(),
            )
        })
        .collect()
}

#[test]
fn partly_known_urls_are_compared_with_the_engine_of_the_managed_resource() {
    let (local, prod) = case("PAR490-engine-mismatch", "fires-terraform");
    assert_eq!(
        findings(&local, &prod, "engine-mismatch"),
        owned(&[
            (
                "DATABASE_URL",
                "error",
                &["local/compose.yaml:9", "prod/main.tf:27"]
            ),
            (
                "REPORTS_URL",
                "error",
                &["local/compose.yaml:11", "prod/main.tf:29"]
            ),
            (
                "CACHE_URL",
                "note",
                &["local/compose.yaml:10", "prod/main.tf:28"]
            ),
        ])
    );
    let (local, prod) = case("PAR490-engine-mismatch", "quiet-terraform");
    assert!(findings(&local, &prod, "engine-mismatch").is_empty());
}

#[test]
fn ecs_cloud_run_and_kubernetes_ports_nothing_reaches_are_reported() {
    let (local, prod) = case("PAR591-unexposed-port", "fires-terraform");
    assert_eq!(
        findings(&local, &prod, "unexposed-port"),
        owned(&[
            (
                "9000",
                "warning",
                &["local/compose.yaml:7", "prod/main.tf:14"]
            ),
            (
                "8025",
                "warning",
                &["local/compose.yaml:16", "prod/main.tf:57"]
            ),
            (
                "7700",
                "warning",
                &["local/compose.yaml:20", "prod/main.tf:88"]
            ),
            (
                "9229",
                "warning",
                &["local/compose.yaml:12", "prod/main.tf:39"]
            ),
        ])
    );
    let (local, prod) = case("PAR591-unexposed-port", "quiet-terraform");
    assert!(findings(&local, &prod, "unexposed-port").is_empty());
}

#[test]
fn show_prints_a_partly_known_value_as_its_template() {
    let (_, prod) = case("PAR490-engine-mismatch", "fires-terraform");
    let out = run(&["show", &prod]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("show_partly_known_values", out.stdout);
    let out = run(&["show", &prod, "--format", "json"]);
    let shown: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let env = &shown["services"][0]["containers"][0]["env"];
    let database_url = env
        .as_array()
        .unwrap()
        .iter()
        .find(|var| var["name"] == "DATABASE_URL")
        .unwrap();
    assert_eq!(
        database_url["value"],
        "postgres://${aws_db_instance.main.address}:5432/shop"
    );
    assert_eq!(
        database_url["from"],
        "(partly known after deploy: aws_db_instance.main.address)"
    );
}

#[test]
fn passwords_written_in_partly_known_values_reach_no_output() {
    let cases = [
        case("PAR790-secret-in-plain-env", "fires-terraform"),
        case("PAR590-loopback-reference", "fires-terraform"),
    ];
    let planted = ["Pr0d-Pa55", "sk_live_prod_key_value"];
    assert!(planted.iter().all(|secret| SECRETS.contains(secret)));
    let text =
        std::fs::read_to_string(workspace().join(format!("{}/main.tf", cases[0].1))).unwrap();
    assert!(planted.iter().all(|secret| text.contains(secret)));
    for (local, prod) in &cases {
        let mut outputs = Vec::new();
        for format in ["text", "json", "sarif", "markdown", "junit", "github"] {
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
            outputs.push((format!("diff {format}"), out));
        }
        for format in ["table", "json", "yaml"] {
            outputs.push((
                format!("show {format}"),
                run(&["show", prod, "--format", format]),
            ));
        }
        outputs.push((
            "graph json".to_owned(),
            run(&["graph", prod, "--format", "json"]),
        ));
        for (what, out) in &outputs {
            assert!(!out.stdout.is_empty(), "{what} printed nothing");
            for secret in planted {
                assert!(
                    !out.stdout.contains(secret) && !out.stderr.contains(secret),
                    "{secret:?} leaked into {what} for {prod}:\n{}{}",
                    out.stdout,
                    out.stderr
                );
            }
        }
    }
}

#[test]
fn the_shop_terraform_example_reads_its_managed_cache_and_load_balancer() {
    let local = "testdata/examples/shop-terraform/local";
    let prod = "testdata/examples/shop-terraform/prod";
    // ElastiCache runs Valkey behind the `redis://` URL; the laptop runs Redis.
    let engines = findings(local, prod, "engine-mismatch");
    let keys: Vec<(&str, &str)> = engines
        .iter()
        .map(|(key, severity, _)| (key.as_str(), severity.as_str()))
        .collect();
    assert_eq!(keys, [("REDIS_URL", "note"), ("REDIS_URL", "note")]);
    assert_eq!(
        engines[0].2,
        ["local/compose.yaml:10", "prod/main.tf:6"],
        "the api's value, where the shared local is written"
    );
    // The API's target group forwards to the port compose publishes.
    assert!(findings(local, prod, "unexposed-port").is_empty());
}

/// `parity graph` reads a side the way `parity show` and `parity diff` do: Terraform variables
/// from `--var`, and standard input as `-`.
#[test]
fn graph_takes_terraform_variables_and_standard_input() {
    let root = "testdata/examples/shop-terraform/prod";
    let default = run(&["graph", root, "--format", "mermaid"]);
    assert_eq!(default.code, 0, "{}", default.stderr);
    assert!(!default.stdout.contains(":9.9.9"), "{}", default.stdout);
    let with_var = run(&[
        "graph",
        root,
        "--format",
        "mermaid",
        "--var",
        "api_image_tag=9.9.9",
    ]);
    assert_eq!(with_var.code, 0, "{}", with_var.stderr);
    assert!(
        with_var
            .stdout
            .contains("aws_ecs_service ${aws_ecr_repository.api.repository_url}:9.9.9"),
        "{}",
        with_var.stdout
    );
    let manifest = std::fs::read(workspace().join("testdata/examples/shop/prod/api.yaml")).unwrap();
    let output = common::parity()
        .args(["graph", "-", "--format", "mermaid"])
        .write_stdin(manifest)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout.contains("Deployment ghcr.io/acme/shop-api:1.7.3"),
        "{stdout}"
    );
}
