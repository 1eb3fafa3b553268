//! Golden tests: every folder under `testdata/terraform/` is loaded as a root module (or, for
//! a `show.json` file, as `terraform show -json` output) and a stable text dump of the graph
//! and diagnostics is snapshotted. Targeted assertions for the behaviours that matter most
//! follow.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use parity_model::{EnvValue, Environment, Node};
use parity_terraform::{CliVariable, TerraformOptions, load_module, load_show_json};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Loads a fixture folder with paths shown relative to `testdata/`.
fn load_fixture(relative: &str, options: &TerraformOptions) -> Environment {
    let root = testdata();
    let previous = std::env::current_dir().unwrap();
    // Paths in origins are shown as given; load with a relative path for stable snapshots.
    let _guard = CWD_LOCK.lock().unwrap_or_else(|poison| poison.into_inner());
    std::env::set_current_dir(&root).unwrap();
    let mut env = Environment::new(relative);
    let show = Path::new(relative).join("show.json");
    if show.is_file() {
        let text = std::fs::read_to_string(&show).unwrap();
        load_show_json(&show.display().to_string(), &text, &mut env);
    } else {
        load_module(Path::new(relative), options, &mut env);
    }
    std::env::set_current_dir(previous).unwrap();
    env
}

static CWD_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn dump(env: &Environment) -> String {
    let mut out = String::new();
    for (index, node) in env.graph.nodes() {
        match node {
            Node::Service(service) => {
                let _ = writeln!(
                    out,
                    "service {} ({}) at {}",
                    service.name,
                    service.kind.as_str(),
                    service.origin
                );
                if let Some(replicas) = service.replicas {
                    let _ = writeln!(out, "  replicas {replicas}");
                }
                for (key, value) in &service.labels {
                    let _ = writeln!(out, "  label {key}={value}");
                }
                for container in &service.containers {
                    let image = container
                        .image
                        .as_ref()
                        .map(|i| i.raw.as_str())
                        .unwrap_or("-");
                    let at = container
                        .image_origin
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    let init = if container.init { " (init)" } else { "" };
                    let _ = writeln!(
                        out,
                        "  container {}{init} image {image} at {at}",
                        container.name
                    );
                    for var in &container.env {
                        // A partly known value shows its template and what it waits for.
                        let value = match &var.value {
                            EnvValue::Partial(text) => {
                                format!("{} {}", text.shown(), var.value.describe())
                            }
                            other => other.describe(),
                        };
                        let _ = writeln!(out, "    env {} = {value} at {}", var.name, var.origin);
                    }
                    for connection in &container.connections {
                        let _ = writeln!(
                            out,
                            "    connection {} engine {} host {}",
                            connection.var,
                            connection.engine().unwrap_or("-"),
                            connection.host().unwrap_or("-")
                        );
                    }
                    for unresolved in &container.env_from_unresolved {
                        let _ =
                            writeln!(out, "    env_from {unresolved} (not in the configuration)");
                    }
                    for port in &container.ports {
                        let _ = writeln!(
                            out,
                            "    port {}/{} at {}",
                            port.container,
                            port.protocol.as_str(),
                            port.origin
                        );
                    }
                }
                for (edge, target) in env.graph.edges_from(index) {
                    let name = match env.graph.node(target) {
                        Some(Node::Service(target)) => format!("service {}", target.name),
                        Some(Node::Backing(target)) => format!("backing {}", target.name),
                        Some(Node::Resource(target)) => format!("{} {}", target.kind, target.name),
                        Some(Node::ConfigSource(target)) => format!("config {}", target.name),
                        None => continue,
                    };
                    let _ = writeln!(out, "  {edge:?} {name}");
                }
                for (edge, source) in env.graph.edges_to(index) {
                    if let Some(Node::Resource(source)) = env.graph.node(source) {
                        let _ = writeln!(out, "  {edge:?} by {} {}", source.kind, source.name);
                    }
                }
            }
            Node::Backing(backing) => {
                let _ = writeln!(
                    out,
                    "backing {} engine {} version {} at {}",
                    backing.name,
                    backing.engine,
                    backing.version.as_deref().unwrap_or("-"),
                    backing.origin
                );
            }
            Node::ConfigSource(source) => {
                let _ = writeln!(
                    out,
                    "config {:?} {} at {}",
                    source.kind, source.name, source.origin
                );
                for (key, (value, _)) in &source.entries {
                    let _ = writeln!(out, "  {key} = {}", value.shown());
                }
            }
            Node::Resource(resource) => {
                let _ = writeln!(
                    out,
                    "resource {} {} selector {:?} ports {:?} at {}",
                    resource.kind,
                    resource.name,
                    resource.selector,
                    resource.ports,
                    resource.origin
                );
            }
        }
    }
    for diagnostic in &env.diagnostics {
        let _ = writeln!(out, "{diagnostic}");
    }
    out
}

#[test]
fn fixtures() {
    let mut names: Vec<String> = std::fs::read_dir(testdata().join("terraform"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let env = load_fixture(&format!("terraform/{name}"), &TerraformOptions::default());
        insta::assert_snapshot!(name.clone(), dump(&env));
    }
}

#[test]
fn example_app() {
    let env = load_fixture("examples/shop-terraform/prod", &TerraformOptions::default());
    insta::assert_snapshot!("example-shop-terraform", dump(&env));
    let api = env
        .graph
        .services()
        .find(|(_, s)| s.name == "api")
        .unwrap()
        .1;
    let image = api.containers[0].image.as_ref().unwrap();
    // The repository URL is only known after apply; the tag comes from terraform.tfvars.
    assert_eq!(image.tag.as_deref(), Some("1.7.3"));
    assert_eq!(image.registry, parity_terraform::UNKNOWN_REGISTRY);
    // The address is known only after apply; the scheme, user, port and database are not.
    let database_url = api.containers[0].env_var("DATABASE_URL").unwrap();
    let EnvValue::Partial(text) = &database_url.value else {
        panic!("DATABASE_URL is partly known: {database_url:?}");
    };
    assert_eq!(
        text.expose_template(),
        "postgres://shop@${aws_db_instance.main.address}:5432/shop"
    );
    let connection = &api.containers[0].connections[0];
    assert_eq!(
        (connection.var.as_str(), connection.engine()),
        ("DATABASE_URL", Some("postgres"))
    );
    assert_eq!(connection.url().unwrap().effective_port(), Some(5432));
    let log_level = api.containers[0].env_var("LOG_LEVEL").unwrap();
    assert_eq!(log_level.value.known().unwrap().expose(), "info");
}

#[test]
fn variables_follow_terraforms_precedence() {
    // Defaults < terraform.tfvars < *.auto.tfvars < --var-file < --var.
    let options = TerraformOptions {
        variables: vec![
            CliVariable::File(PathBuf::from("terraform/evaluation/qa.tfvars")),
            CliVariable::Value("environment".to_owned(), "qa".to_owned()),
            CliVariable::Value("workers".to_owned(), r#"["reports"]"#.to_owned()),
        ],
        ..TerraformOptions::default()
    };
    let env = load_fixture("terraform/evaluation", &options);
    let names: Vec<&str> = env.graph.services().map(|(_, s)| s.name.as_str()).collect();
    // replicas = 1 from qa.tfvars; workers parsed from --var as HCL (a set of strings).
    assert_eq!(names, ["web-0", "worker-reports"]);
    let web = env.graph.services().next().unwrap().1;
    let container = &web.containers[0];
    assert_eq!(
        container.image.as_ref().unwrap().raw,
        "ghcr.io/acme/shop:1.1.0-rc.1"
    );
    let shown = |name: &str| {
        container
            .env_var(name)
            .and_then(|v| v.value.shown().map(str::to_owned))
    };
    assert_eq!(shown("FEATURE_X").as_deref(), Some("on"));
    // environment = "qa" from --var: the production-only variable is not set.
    assert_eq!(shown("SENTRY"), None);
    assert!(shown("BANNER").unwrap().starts_with("shop qa"));
}

#[test]
fn command_line_variables_apply_in_the_order_given() {
    // Terraform applies -var and -var-file in command-line order, the later winning.
    let image = |variables: Vec<CliVariable>| {
        let options = TerraformOptions {
            variables,
            ..TerraformOptions::default()
        };
        let env = load_fixture("terraform/evaluation", &options);
        let web = env.graph.services().next().unwrap().1;
        web.containers[0].image.as_ref().unwrap().raw.clone()
    };
    let file = || CliVariable::File(PathBuf::from("terraform/evaluation/qa.tfvars"));
    let value = || CliVariable::Value("image_tag".to_owned(), "9.9.9".to_owned());
    assert_eq!(image(vec![file(), value()]), "ghcr.io/acme/shop:9.9.9");
    assert_eq!(image(vec![value(), file()]), "ghcr.io/acme/shop:1.1.0-rc.1");
}

#[test]
fn templatefile_renders_directives_with_strip_markers() {
    let env = load_fixture("terraform/evaluation", &TerraformOptions::default());
    let web = env.graph.services().next().unwrap().1;
    let encoded = web.containers[0]
        .env_var("CONFIG")
        .unwrap()
        .value
        .shown()
        .unwrap()
        .to_owned();
    let decoded = parity_terraform::evaluate_expression(
        &format!("base64decode(\"{encoded}\")"),
        Path::new("."),
    )
    .unwrap();
    assert_eq!(
        decoded.as_str(),
        Some("environment: production\nfeature: search\nfeature: cart\n")
    );
}

#[test]
fn errors_have_locations_and_the_rest_still_loads() {
    let env = load_fixture("terraform/errors", &TerraformOptions::default());
    let messages: Vec<String> = env.diagnostics.iter().map(ToString::to_string).collect();
    assert!(messages.contains(&"terraform/errors/broken.tf:3:3: error: syntax error: invalid block body; expected `}`, newline or identifier".to_owned()), "{messages:#?}");
    assert!(messages.contains(&"terraform/errors/main.tf:2:3: error: local values refer to each other in a cycle: local.a -> local.b -> local.c -> local.a".to_owned()));
    assert!(messages.contains(
        &"terraform/errors/main.tf:6:11: error: call to unknown function `lenght`".to_owned()
    ));
    assert!(messages.contains(&"terraform/errors/main.tf:7:11: error: reference to undeclared input variable `var.not_declared`".to_owned()));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("is outside the module tree"))
    );
    let ok = env
        .graph
        .services()
        .find(|(_, s)| s.name == "ok")
        .unwrap()
        .1;
    assert_eq!(
        ok.containers[0].env_var("GREETING").unwrap().value.shown(),
        Some("STILL EVALUATED")
    );
}

#[test]
fn file_reads_inside_the_module_and_refuses_to_leave_it() {
    let dir = testdata().join("terraform/evaluation");
    let contents =
        parity_terraform::evaluate_expression("file(\"templates/config.tftpl\")", &dir).unwrap();
    assert!(
        contents
            .as_str()
            .unwrap()
            .starts_with("environment: ${environment}\n")
    );
    let escape =
        parity_terraform::evaluate_expression("file(\"../kubernetes/main.tf\")", &dir).unwrap_err();
    assert!(escape.contains("is outside the module tree"), "{escape}");
    let absolute =
        parity_terraform::evaluate_expression("file(\"/etc/hostname\")", &dir).unwrap_err();
    assert!(
        absolute.contains("is outside the module tree"),
        "{absolute}"
    );
}

#[test]
fn show_json_of_a_state_is_read_too() {
    let state = r#"{
  "format_version": "1.0",
  "terraform_version": "1.11.4",
  "values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_elasticache_replication_group.cache",
          "mode": "managed",
          "type": "aws_elasticache_replication_group",
          "name": "cache",
          "values": { "replication_group_id": "shop-cache", "engine": "redis", "engine_version": "7.1" }
        },
        {
          "address": "data.aws_caller_identity.current",
          "mode": "data",
          "type": "aws_caller_identity",
          "name": "current",
          "values": {}
        }
      ]
    }
  }
}"#;
    assert!(parity_terraform::looks_like_show_json(state));
    let mut env = Environment::new("state.json");
    load_show_json("state.json", state, &mut env);
    let backings: Vec<String> = env
        .graph
        .nodes()
        .filter_map(|(_, node)| match node {
            Node::Backing(b) => Some(format!(
                "{} {} {} {}",
                b.name,
                b.engine,
                b.version.as_deref().unwrap_or("-"),
                b.origin
            )),
            _ => None,
        })
        .collect();
    assert_eq!(backings, ["shop-cache redis 7.1 state.json:8:11"]);
    assert!(env.diagnostics.is_empty());
    // Not show output: a Kubernetes manifest list in JSON.
    assert!(!parity_terraform::looks_like_show_json(
        r#"{"apiVersion": "v1", "kind": "List", "items": []}"#
    ));
}
