//! Hostile or broken configurations never panic, never overflow the stack, and never read
//! outside the module: they become diagnostics.

#![allow(clippy::unwrap_used)]

use parity_model::Environment;
use parity_terraform::{TerraformOptions, load_module};
use proptest::prelude::*;

fn load_text(text: &str) -> Environment {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    let mut env = Environment::new("test");
    load_module(dir.path(), &TerraformOptions::default(), &mut env);
    env
}

#[test]
fn a_long_chain_of_locals_is_cut_with_one_warning() {
    let depth = 1500;
    let mut text = String::from("locals {\n");
    for index in 0..depth {
        text.push_str(&format!("  l{index} = \"${{local.l{}}}x\"\n", index + 1));
    }
    text.push_str(&format!("  l{depth} = \"end\"\n}}\n"));
    text.push_str("resource \"docker_container\" \"a\" {\n  name  = \"a\"\n  image = \"nginx:${local.l0}\"\n}\n");
    let env = load_text(&text);
    let warnings: Vec<_> = env.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("more than 200 levels deep"));
    assert_eq!(env.graph.service_count(), 1);
}

#[test]
fn deep_nesting_is_a_syntax_error() {
    let depth = 5000;
    let text = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let env = load_text(&text);
    assert_eq!(env.diagnostics.len(), 1);
    assert!(
        env.diagnostics[0].message.starts_with("syntax error"),
        "{:?}",
        env.diagnostics
    );
    assert_eq!(env.diagnostics[0].origin.line, 2);
}

#[test]
fn self_referencing_resources_are_unknown_not_infinite() {
    let env = load_text(
        r#"
resource "docker_container" "a" {
  name  = docker_container.b.name
  image = "nginx:1"
}
resource "docker_container" "b" {
  name  = docker_container.a.name
  image = "nginx:1"
}
"#,
    );
    assert_eq!(env.graph.service_count(), 2);
    assert!(env.diagnostics.is_empty(), "{:?}", env.diagnostics);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_text_never_panics(text in "[a-z_\"{}\\[\\]()=.,:?!<>%$~\n 0-9-]{0,200}") {
        let _ = load_text(&text);
    }

    #[test]
    fn arbitrary_expressions_never_panic(expression in "[a-z(){}\\[\\]\",.:?+*/%<>=!&| 0-9-]{0,80}") {
        let dir = tempfile::tempdir().unwrap();
        let _ = parity_terraform::evaluate_expression(&expression, dir.path());
    }
}

#[test]
fn for_each_over_values_known_after_apply_is_a_warning() {
    let env = load_text(
        r#"
resource "aws_ecr_repository" "repo" {
  name = "api"
}
resource "docker_container" "per_repo" {
  for_each = toset([aws_ecr_repository.repo.arn])
  name     = each.key
  image    = "nginx:1"
}
"#,
    );
    assert_eq!(env.graph.service_count(), 0);
    let messages: Vec<String> = env.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(
        messages[0].ends_with(
            "main.tf:6:3: warning: for_each depends on `aws_ecr_repository.repo.arn`, known only after apply: the block is not expanded"
        ),
        "{messages:#?}"
    );
}
