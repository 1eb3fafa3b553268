//! The loader on the small projects under `testdata/loaders/compose/`: values, origins (file,
//! line, column) and diagnostics per feature.

#![allow(clippy::unwrap_used, clippy::type_complexity)]

use std::path::{Path, PathBuf};

use parity_compose::{ComposeOptions, discover, load};
use parity_model::{
    ConfigSourceKind, Container, Diagnostic, DiagnosticLevel, Edge, EnvSource, EnvValue,
    Environment, Origin, Protocol, Service, VolumeKind,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/loaders/compose")
}

fn load_case_with(case: &str, options: &ComposeOptions) -> Environment {
    let dir = fixtures().join(case);
    let files = discover(&dir);
    assert!(!files.is_empty(), "no compose file in {}", dir.display());
    let mut environment = Environment::new(dir.display().to_string());
    load(&files, options, &mut environment);
    environment
}

fn load_case(case: &str) -> Environment {
    load_case_with(case, &ComposeOptions::default())
}

/// `file:line:column` with the fixtures directory cut off, e.g. `basic/compose.yaml:13:3`.
fn at(origin: &Origin) -> String {
    let prefix = format!("{}/", fixtures().display());
    origin.to_string().trim_start_matches(&prefix).to_owned()
}

fn shown(diagnostic: &Diagnostic) -> String {
    format!(
        "{}: {}: {}",
        at(&diagnostic.origin),
        diagnostic.level.as_str(),
        diagnostic.message
    )
}

fn diagnostics(environment: &Environment, level: DiagnosticLevel) -> Vec<String> {
    environment
        .diagnostics
        .iter()
        .filter(|d| d.level == level)
        .map(shown)
        .collect()
}

fn service<'a>(environment: &'a Environment, name: &str) -> &'a Service {
    environment
        .graph
        .services()
        .map(|(_, s)| s)
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn container<'a>(environment: &'a Environment, name: &str) -> &'a Container {
    service(environment, name).primary_container().unwrap()
}

fn names(environment: &Environment) -> Vec<&str> {
    environment
        .graph
        .services()
        .map(|(_, s)| s.name.as_str())
        .collect()
}

fn env_value(environment: &Environment, service_name: &str, var: &str) -> (String, String) {
    let var = container(environment, service_name)
        .env_var(var)
        .unwrap_or_else(|| panic!("{service_name} has no {var}"));
    (var.value.describe(), at(&var.origin))
}

fn depends_on_edges(environment: &Environment, name: &str) -> Vec<String> {
    let (index, _) = environment
        .graph
        .services()
        .find(|(_, s)| s.name == name)
        .unwrap();
    let mut targets: Vec<String> = environment
        .graph
        .edges_from(index)
        .filter(|(edge, _)| *edge == Edge::DependsOn)
        .map(|(_, target)| environment.graph.service(target).unwrap().name.clone())
        .collect();
    targets.sort();
    targets
}

#[test]
fn basic_services_images_and_origins() {
    let env = load_case("basic");
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Error),
        Vec::<String>::new()
    );
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Warning),
        Vec::<String>::new()
    );
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Note),
        [
            "basic/compose.yaml:48:5: note: service worker is built from source (build: ./worker), its image is not compared"
        ]
    );
    assert_eq!(names(&env), ["api", "worker", "db", "cache"]);
    assert_eq!(at(&service(&env, "api").origin), "basic/compose.yaml:13:3");
    let api = container(&env, "api");
    assert_eq!(
        api.image.as_ref().unwrap().canonical(),
        "ghcr.io/acme/shop-api:1.4.2"
    );
    assert_eq!(
        at(api.image_origin.as_ref().unwrap()),
        "basic/compose.yaml:14:12"
    );
    assert_eq!(
        container(&env, "db").image.as_ref().unwrap().canonical(),
        "docker.io/library/postgres:16.3-alpine"
    );
    let worker = service(&env, "worker");
    assert!(worker.containers[0].image.is_none());
    let build = worker.build.as_ref().unwrap();
    assert_eq!(
        (build.context.as_str(), build.dockerfile.as_deref()),
        ("./worker", Some("Dockerfile.dev"))
    );
    assert_eq!(env.files.len(), 1);
}

#[test]
fn basic_environment_from_anchors_maps_and_lists() {
    let env = load_case("basic");
    assert_eq!(
        env_value(&env, "api", "LOG_LEVEL"),
        ("info".into(), "basic/compose.yaml:9:3".into())
    );
    assert_eq!(
        env_value(&env, "api", "DATABASE_HOST"),
        ("db".into(), "basic/compose.yaml:18:7".into())
    );
    assert_eq!(
        env_value(&env, "api", "DATABASE_PASSWORD"),
        ("<redacted>".into(), "basic/compose.yaml:19:7".into())
    );
    let password = container(&env, "api").env_var("DATABASE_PASSWORD").unwrap();
    assert_eq!(password.value.known().unwrap().expose(), "s3cr3t");
    assert_eq!(env_value(&env, "api", "WORKERS").0, "4");
    assert_eq!(env_value(&env, "api", "DEBUG").0, "false");
    assert_eq!(
        container(&env, "api").env_var("FROM_SHELL").unwrap().value,
        EnvValue::FromHost
    );
    assert_eq!(
        env_value(&env, "worker", "QUEUE_URL"),
        (
            "redis://cache:6379/0".into(),
            "basic/compose.yaml:54:9".into()
        )
    );
    assert_eq!(
        container(&env, "worker")
            .env_var("API_TOKEN")
            .unwrap()
            .value,
        EnvValue::FromHost
    );
}

#[test]
fn basic_ports_volumes_and_the_rest() {
    let env = load_case("basic");
    let ports: Vec<(u16, Option<u16>, Option<&str>, Protocol, String)> = container(&env, "api")
        .ports
        .iter()
        .map(|p| {
            (
                p.container,
                p.published,
                p.host_ip.as_deref(),
                p.protocol,
                at(&p.origin),
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            (
                80,
                Some(8080),
                None,
                Protocol::Tcp,
                "basic/compose.yaml:24:9".into()
            ),
            (
                9090,
                Some(9090),
                Some("127.0.0.1"),
                Protocol::Tcp,
                "basic/compose.yaml:25:9".into()
            ),
            (
                8443,
                Some(443),
                None,
                Protocol::Tcp,
                "basic/compose.yaml:26:9".into()
            ),
        ]
    );
    let cache_ports: Vec<(u16, Option<u16>)> = container(&env, "cache")
        .ports
        .iter()
        .map(|p| (p.container, p.published))
        .collect();
    assert_eq!(
        cache_ports,
        [(6379, Some(6379)), (7000, Some(6000)), (7001, Some(6001))]
    );
    assert_eq!(container(&env, "db").ports[0].published, None);

    let volumes: Vec<(&str, VolumeKind, bool, String)> = container(&env, "api")
        .volumes
        .iter()
        .map(|v| (v.target.as_str(), v.kind, v.read_only, at(&v.origin)))
        .collect();
    assert_eq!(
        volumes,
        [
            (
                "/srv/uploads",
                VolumeKind::Named,
                false,
                "basic/compose.yaml:31:9".into()
            ),
            (
                "/etc/shop",
                VolumeKind::Bind,
                true,
                "basic/compose.yaml:32:9".into()
            ),
        ]
    );
    let db_kinds: Vec<VolumeKind> = container(&env, "db")
        .volumes
        .iter()
        .map(|v| v.kind)
        .collect();
    assert_eq!(db_kinds, [VolumeKind::Named, VolumeKind::Anonymous]);
    assert_eq!(container(&env, "worker").volumes[0].kind, VolumeKind::Tmpfs);

    assert_eq!(service(&env, "api").depends_on, ["db", "cache"]);
    assert_eq!(depends_on_edges(&env, "api"), ["cache", "db"]);
    assert_eq!(depends_on_edges(&env, "worker"), ["cache"]);
    assert_eq!(
        service(&env, "api")
            .labels
            .get("com.acme.team")
            .map(String::as_str),
        Some("payments")
    );
    assert_eq!(
        service(&env, "worker")
            .labels
            .get("com.acme.team")
            .map(String::as_str),
        Some("payments")
    );
    assert_eq!(service(&env, "api").replicas, Some(2));
    assert_eq!(service(&env, "worker").replicas, Some(3));
    let api_check = container(&env, "api").healthcheck.as_ref().unwrap();
    assert_eq!(
        (api_check.disabled, at(&api_check.origin)),
        (false, "basic/compose.yaml:43:5".into())
    );
    assert!(
        container(&env, "cache")
            .healthcheck
            .as_ref()
            .unwrap()
            .disabled
    );
}

#[test]
fn interpolation_from_dotenv_with_defaults_and_warnings() {
    let env = load_case("interpolation");
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Error),
        Vec::<String>::new()
    );
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Warning),
        [
            "interpolation/compose.yaml:12:15: warning: variable GIT_BRANCH is not set, defaulting to a blank string",
            "interpolation/compose.yaml:13:15: warning: variable GIT_COMMIT is not set, defaulting to a blank string",
        ]
    );
    assert_eq!(
        container(&env, "api").image.as_ref().unwrap().raw,
        "ghcr.io/acme/shop-api:1.4.2"
    );
    let value = |name: &str| env_value(&env, "api", name).0;
    assert_eq!(value("LOG_LEVEL"), "debug");
    assert_eq!(value("CACHE_URL"), "redis://cache:6379");
    assert_eq!(value("EMPTY_DEFAULT"), "fallback");
    assert_eq!(value("EMPTY_DASH"), "");
    assert_eq!(value("ALT"), "tagged");
    assert_eq!(value("NO_ALT"), "");
    assert_eq!(value("PRICE"), "$5");
    assert_eq!(value("BRANCH"), "");
    assert_eq!(container(&env, "api").ports[0].published, Some(8080));
    assert!(
        env.files
            .iter()
            .any(|file| file.ends_with("interpolation/.env")),
        "{:?}",
        env.files
    );
}

#[test]
fn process_environment_only_when_asked() {
    let dir =
        std::env::temp_dir().join(format!("parity-compose-process-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("compose.yaml");
    std::fs::write(&file, "services:\n  app:\n    image: acme/app:1\n    environment:\n      WHERE: ${PATH}\n      PATH:\n").unwrap();
    let path = std::env::var("PATH").unwrap();

    let mut without = Environment::new("x");
    load(
        std::slice::from_ref(&file),
        &ComposeOptions::default(),
        &mut without,
    );
    let app = without
        .graph
        .services()
        .next()
        .unwrap()
        .1
        .primary_container()
        .unwrap();
    assert_eq!(app.env_var("WHERE").unwrap().value.describe(), "");
    assert_eq!(app.env_var("PATH").unwrap().value, EnvValue::FromHost);
    assert_eq!(without.diagnostics.len(), 1);
    assert!(
        without.diagnostics[0]
            .message
            .contains("variable PATH is not set")
    );

    let mut with = Environment::new("x");
    load(
        std::slice::from_ref(&file),
        &ComposeOptions {
            use_process_env: true,
            ..Default::default()
        },
        &mut with,
    );
    let app = with
        .graph
        .services()
        .next()
        .unwrap()
        .1
        .primary_container()
        .unwrap();
    assert_eq!(
        app.env_var("WHERE")
            .unwrap()
            .value
            .known()
            .unwrap()
            .expose(),
        path
    );
    assert_eq!(
        app.env_var("PATH").unwrap().value.known().unwrap().expose(),
        path
    );
    assert!(with.diagnostics.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn env_files_with_sources_nodes_and_precedence() {
    let env = load_case("env-file");
    assert_eq!(env.diagnostics, Vec::new());
    let api = container(&env, "api");
    let names: Vec<&str> = api.env.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "LOG_LEVEL",
            "DATABASE_URL",
            "STRIPE_SECRET_KEY",
            "GREETING",
            "MULTI",
            "API_PORT",
            "DB_HOST"
        ]
    );
    // `environment` wins over env files; among env files the later one wins.
    assert_eq!(
        env_value(&env, "api", "LOG_LEVEL"),
        ("warn".into(), "env-file/compose.yaml:11:7".into())
    );
    let worker_level = container(&env, "worker").env_var("LOG_LEVEL").unwrap();
    assert_eq!(worker_level.value.known().unwrap().expose(), "info");
    assert_eq!(at(&worker_level.origin), "env-file/config/common.env:2:1");
    let url = api.env_var("DATABASE_URL").unwrap();
    assert_eq!(at(&url.origin), "env-file/config/common.env:3:1");
    match &url.value {
        EnvValue::FromSource {
            source,
            source_name,
            key,
            resolved,
        } => {
            assert_eq!(*source, EnvSource::EnvFile);
            assert_eq!(source_name, "./config/common.env");
            assert_eq!(key.as_deref(), Some("DATABASE_URL"));
            assert_eq!(
                resolved.as_ref().unwrap().expose(),
                "postgres://app@db.internal:5432/app"
            );
        }
        other => panic!("expected an env_file value, found {other:?}"),
    }
    let stripe = api.env_var("STRIPE_SECRET_KEY").unwrap();
    assert_eq!(
        (stripe.value.shown(), at(&stripe.origin).as_str()),
        (Some("<redacted>"), "env-file/config/common.env:4:8")
    );
    assert_eq!(
        api.env_var("STRIPE_SECRET_KEY")
            .unwrap()
            .value
            .known()
            .unwrap()
            .expose(),
        "sk_test_123"
    );
    let known = |name: &str| {
        api.env_var(name)
            .unwrap()
            .value
            .known()
            .unwrap()
            .expose()
            .to_owned()
    };
    assert_eq!(known("GREETING"), "hello $USER");
    assert_eq!(known("MULTI"), "line one\nline two");
    assert_eq!(known("API_PORT"), "8080");
    assert_eq!(
        known("DB_HOST"),
        "db.internal",
        "a bare key is taken from .env"
    );

    let sources: Vec<(&str, usize)> = env
        .graph
        .config_sources()
        .map(|(_, source)| {
            assert_eq!(source.kind, ConfigSourceKind::EnvFile);
            (source.name.as_str(), source.entries.len())
        })
        .collect();
    assert_eq!(
        sources,
        [("./config/common.env", 5), ("./config/api.env", 2)]
    );
    let reads = |name: &str| {
        let (index, _) = env.graph.services().find(|(_, s)| s.name == name).unwrap();
        env.graph
            .edges_from(index)
            .filter(|(edge, _)| *edge == Edge::ReadsConfigFrom)
            .count()
    };
    assert_eq!((reads("api"), reads("worker")), (2, 1));
    assert!(env.files.iter().any(|f| f.ends_with("config/api.env")));
}

#[test]
fn override_file_merge_rules_and_origins() {
    let env = load_case("override");
    assert_eq!(env.diagnostics, Vec::new());
    assert_eq!(names(&env), ["api", "db", "cache"]);
    let api = container(&env, "api");
    assert_eq!(api.image.as_ref().unwrap().raw, "acme/api:dev");
    assert_eq!(
        at(api.image_origin.as_ref().unwrap()),
        "override/compose.override.yaml:3:12"
    );
    assert_eq!(
        env_value(&env, "api", "LOG_LEVEL"),
        ("debug".into(), "override/compose.override.yaml:6:7".into())
    );
    assert_eq!(
        env_value(&env, "api", "FEATURE_X"),
        ("off".into(), "override/compose.yaml:7:9".into())
    );
    assert_eq!(env_value(&env, "api", "SENTRY_DSN").0, "<redacted>");
    assert_eq!(env_value(&env, "api", "EXTRA").0, "1");
    let ports: Vec<(u16, Option<u16>)> = api
        .ports
        .iter()
        .map(|p| (p.container, p.published))
        .collect();
    assert_eq!(ports, [(80, Some(8080)), (5678, Some(5678))]);
    assert!(service(&env, "api").labels.is_empty(), "labels: !reset");
    assert_eq!(service(&env, "api").depends_on, ["db", "cache"]);
    assert_eq!(depends_on_edges(&env, "api"), ["cache", "db"]);
    let db = container(&env, "db");
    let db_ports: Vec<(u16, Option<u16>, String)> = db
        .ports
        .iter()
        .map(|p| (p.container, p.published, at(&p.origin)))
        .collect();
    assert_eq!(
        db_ports,
        [(
            5432,
            Some(15432),
            "override/compose.override.yaml:17:9".into()
        )]
    );
    assert_eq!(
        db.volumes.len(),
        1,
        "same target: the override replaces the volume"
    );
    assert_eq!(
        (db.volumes[0].kind, db.volumes[0].source.as_deref()),
        (VolumeKind::Bind, Some("./dev-data"))
    );
    assert_eq!(env.files.len(), 2);
}

#[test]
fn extends_in_the_same_file_and_from_another_file() {
    let env = load_case("extends");
    assert_eq!(env.diagnostics, Vec::new());
    assert_eq!(names(&env), ["base", "web", "worker", "jobs"]);
    for name in ["web", "worker"] {
        assert_eq!(
            container(&env, name).image.as_ref().unwrap().raw,
            "acme/app:3.1"
        );
        assert_eq!(
            env_value(&env, name, "LOG_LEVEL"),
            ("debug".into(), "extends/compose.yaml:13:7".into())
        );
        assert_eq!(
            env_value(&env, name, "REGION"),
            ("eu-west-1".into(), "extends/compose.yaml:6:7".into())
        );
        let ports: Vec<u16> = container(&env, name)
            .ports
            .iter()
            .map(|p| p.container)
            .collect();
        assert_eq!(ports, [8000, 8001]);
    }
    assert_eq!(
        at(&service(&env, "worker").origin),
        "extends/compose.yaml:17:3"
    );
    let jobs = container(&env, "jobs");
    assert_eq!(jobs.image.as_ref().unwrap().raw, "acme/jobs:3.1");
    assert_eq!(
        env_value(&env, "jobs", "QUEUE"),
        ("default".into(), "extends/shared/common.yaml:6:7".into())
    );
    // The env file path is relative to the extended file's directory.
    assert_eq!(
        env_value(&env, "jobs", "CONCURRENCY"),
        (
            "(env_file jobs.env key CONCURRENCY)".into(),
            "extends/shared/jobs.env:1:1".into()
        )
    );
    assert_eq!(
        jobs.env_var("CONCURRENCY")
            .unwrap()
            .value
            .known()
            .unwrap()
            .expose(),
        "4"
    );
}

#[test]
fn profiles_leave_services_inactive_unless_enabled() {
    let default = load_case("profiles");
    assert_eq!(names(&default), ["app"]);
    assert_eq!(
        diagnostics(&default, DiagnosticLevel::Note),
        [
            "profiles/compose.yaml:4:3: note: service debugger is inactive: its profiles (debug) are not enabled",
            "profiles/compose.yaml:7:3: note: service seed is inactive: its profiles (tools, debug) are not enabled",
        ]
    );
    let debug = load_case_with(
        "profiles",
        &ComposeOptions {
            profiles: vec!["debug".into()],
            ..Default::default()
        },
    );
    assert_eq!(names(&debug), ["app", "debugger", "seed"]);
    assert_eq!(service(&debug, "seed").profiles, ["tools", "debug"]);
    let tools = load_case_with(
        "profiles",
        &ComposeOptions {
            profiles: vec!["tools".into()],
            ..Default::default()
        },
    );
    assert_eq!(names(&tools), ["app", "seed"]);
    let all = load_case_with(
        "profiles",
        &ComposeOptions {
            profiles: vec!["*".into()],
            ..Default::default()
        },
    );
    assert_eq!(names(&all).len(), 3);
}

#[test]
fn bad_empty_and_non_mapping_files() {
    let empty = load_case("bad-empty");
    assert_eq!(
        diagnostics(&empty, DiagnosticLevel::Error),
        ["bad-empty/compose.yaml:1:1: error: expected a mapping with `services:`, found null"]
    );
    assert_eq!(empty.graph.service_count(), 0);
    let root = load_case("bad-root");
    assert_eq!(
        diagnostics(&root, DiagnosticLevel::Error),
        ["bad-root/compose.yaml:1:1: error: expected a mapping with `services:`, found a sequence"]
    );
}

#[test]
fn bad_syntax_has_a_position_and_other_files_are_still_used() {
    let env = load_case("bad-syntax");
    let errors = diagnostics(&env, DiagnosticLevel::Error);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("bad-syntax/compose.yaml:5:"),
        "{errors:?}"
    );
    assert_eq!(env.graph.service_count(), 0);

    let files = [
        fixtures().join("bad-syntax/compose.yaml"),
        fixtures().join("profiles/compose.yaml"),
    ];
    let mut both = Environment::new("x");
    load(&files, &ComposeOptions::default(), &mut both);
    assert_eq!(diagnostics(&both, DiagnosticLevel::Error).len(), 1);
    assert_eq!(names(&both), ["app"]);
    assert_eq!(both.files.len(), 2);
}

#[test]
fn bad_field_types_skip_the_field_and_keep_the_service() {
    let env = load_case("bad-types");
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Error),
        [
            "bad-types/compose.yaml:4:12: error: expected a sequence for `ports`, found a number",
            "bad-types/compose.yaml:7:14: error: expected a sequence for `volumes`, found a string",
        ]
    );
    assert_eq!(names(&env), ["api", "db"]);
    let api = container(&env, "api");
    assert_eq!(api.image.as_ref().unwrap().raw, "acme/api:1");
    assert_eq!(env_value(&env, "api", "LOG_LEVEL").0, "info");
    assert!(api.ports.is_empty());
}

#[test]
fn bad_missing_required_env_file() {
    let env = load_case("bad-missing-env-file");
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Error),
        ["bad-missing-env-file/compose.yaml:5:9: error: env file ./missing.env not found"]
    );
    assert_eq!(env.graph.service_count(), 1);
    assert_eq!(env.graph.config_sources().count(), 0);
}

#[test]
fn bad_extends_cycle() {
    let env = load_case("bad-extends-cycle");
    let errors = diagnostics(&env, DiagnosticLevel::Error);
    assert_eq!(
        errors,
        [
            "bad-extends-cycle/compose.yaml:3:5: error: extends cycle: a -> b -> a",
            // Without its `extends`, b has no image: compose would reject it too.
            "bad-extends-cycle/compose.yaml:5:3: error: service b has neither an image nor a build context specified",
        ]
    );
    assert_eq!(names(&env), ["a", "b", "c"]);
}

#[test]
fn bad_required_variable() {
    let env = load_case("bad-required-var");
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Error),
        [
            "bad-required-var/compose.yaml:5:21: error: required variable DATABASE_URL is missing a value: set DATABASE_URL in .env"
        ]
    );
    assert_eq!(names(&env), ["api", "db"]);
}

#[test]
fn bad_undefined_dependency() {
    let env = load_case("bad-undefined-dependency");
    assert_eq!(
        diagnostics(&env, DiagnosticLevel::Error),
        [
            "bad-undefined-dependency/compose.yaml:5:9: error: service \"api\" depends on undefined service \"db\""
        ]
    );
    assert_eq!(depends_on_edges(&env, "api"), ["cache"]);
}

#[test]
fn one_arc_per_file_is_shared_by_origins() {
    let env = load_case("basic");
    let api = service(&env, "api");
    let image_origin = api.containers[0].image_origin.as_ref().unwrap();
    assert!(parity_model::ArcStr::ptr_eq(
        &api.origin.file,
        &image_origin.file
    ));
    assert!(parity_model::ArcStr::ptr_eq(
        &api.origin.file,
        &api.containers[0].ports[0].origin.file
    ));
}

#[test]
fn include_loads_each_entry_as_its_own_project() {
    let env = load_case("include");
    assert_eq!(env.diagnostics, Vec::new());
    assert_eq!(names(&env), ["db", "cache", "api"]);
    // The including project's variables win over the include's own `.env`.
    assert_eq!(
        container(&env, "db").image.as_ref().unwrap().raw,
        "postgres:from-app"
    );
    assert_eq!(
        at(&service(&env, "db").origin),
        "include/infra/compose.yaml:2:3"
    );
    // An include with `env_file` reads that file instead of its `.env`.
    assert_eq!(
        container(&env, "cache").image.as_ref().unwrap().raw,
        "redis:7"
    );
    assert_eq!(env_value(&env, "cache", "INFRA").0, "unset");
    // Relative paths inside the include resolve against its own directory.
    let user = container(&env, "db").env_var("POSTGRES_USER").unwrap();
    assert_eq!(at(&user.origin), "include/infra/db.env:1:1");
    assert_eq!(depends_on_edges(&env, "api"), ["db"]);
}

#[test]
fn include_problems_are_errors() {
    let dir = std::env::temp_dir().join(format!("parity-compose-include-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "include:\n  - missing.yaml\n  - compose.yaml\n  - other.yaml\nservices:\n  api: {image: acme/api:1}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("other.yaml"),
        "services:\n  api: {image: acme/other:1}\n  db: {image: postgres}\n",
    )
    .unwrap();
    let mut env = Environment::new("x");
    load(&discover(&dir), &ComposeOptions::default(), &mut env);
    let prefix = format!("{}/", dir.display());
    let errors: Vec<String> = env
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .collect();
    assert_eq!(
        errors,
        [
            "compose.yaml:2:5: error: included file missing.yaml not found",
            "compose.yaml:3:5: error: include cycle: compose.yaml includes itself",
            "other.yaml:2:3: error: included file defines service `api`, which the including file defines too",
        ]
    );
    assert_eq!(names(&env), ["db", "api"]);
    assert_eq!(
        container(&env, "api").image.as_ref().unwrap().raw,
        "acme/api:1"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unquoted_numbers_and_booleans_read_as_compose_reads_them() {
    let env = load_case("edge-values");
    assert_eq!(env.diagnostics, Vec::new());
    let value = |service: &str, name: &str| env_value(&env, service, name).0;
    // Go's YAML types these; the container sees the typed value printed back.
    assert_eq!(value("worker", "COUNT"), "8");
    assert_eq!(value("worker", "HEX"), "31");
    assert_eq!(value("worker", "RATIO"), "1.5");
    assert_eq!(
        value("worker", "ENABLED"),
        "yes",
        "YAML 1.2: `yes` is a string"
    );
    // List items and quoted values are strings, kept as written.
    assert_eq!(value("app", "QUOTED"), "\"kept quotes\"");
    assert_eq!(
        value("app", "A"),
        "2",
        "a key repeated in a list: the last one wins"
    );
    assert_eq!(value("app", "FROM_DOTENV"), "dotenv value");
    assert_eq!(
        service(&env, "worker").labels.get("a").map(String::as_str),
        Some("2")
    );
}
