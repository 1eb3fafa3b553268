//! Reads every `prod` folder of the shared corpus of real projects (`../shared/corpus`, never
//! committed): discover, parse and build each one, then check that nothing is an error and that
//! the workload count is the one counted by hand (`grep -c` of workload kinds, less kustomize
//! patch targets and objects defined twice). Skips cleanly when the corpus is absent.

#![allow(clippy::print_stderr, clippy::unwrap_used)]

use std::path::Path;

use parity_model::{ArcStr, DiagnosticLevel, Edge, Environment};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Workloads per project, counted by hand.
const WORKLOADS: &[(&str, usize)] = &[
    ("aks-store", 9),
    ("azure-vote", 2),
    ("emojivoto", 4),
    // kustomize overlays: base/hotrod's Deployment; the `kind: Deployment` in
    // base/jaeger-all-in-one/kustomization.yaml is a patch target, not an object.
    ("hotrod", 1),
    ("n8n", 2),
    ("otel-demo", 25),
    // Three files set `resources:` twice in a container; they still load.
    ("petclinic-cloud", 5),
    // A ConfigMap key set twice in the rendered chart; the rest of the stream still loads.
    ("retail-store", 11),
    ("robot-shop", 12),
    ("sock-shop", 14),
    // 16 workload documents, two of them (fights-kafka, apicurio) written twice.
    ("super-heroes", 14),
    ("teastore", 7),
    ("train-ticket", 64),
    ("voting-app", 5),
    // A ReplicationController.
    ("zulip", 1),
];

fn load(prod: &Path) -> Environment {
    let files = parity_k8s::discover(prod)
        .iter()
        .map(|path| {
            let text =
                parity_source::read_text(path, parity_source::DEFAULT_MAX_FILE_BYTES).unwrap();
            let display = path
                .strip_prefix(prod)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            parity_k8s::parse_file(ArcStr::from(display), &text)
        })
        .collect();
    let mut env = Environment::new(prod.to_string_lossy());
    parity_k8s::build(files, &mut env);
    env
}

#[test]
fn every_corpus_prod_folder_loads_without_errors() {
    let corpus = Path::new(CORPUS);
    if !corpus.is_dir() {
        eprintln!("skipping: no corpus at {CORPUS}");
        return;
    }
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(corpus).unwrap() {
        let project = entry.unwrap().path();
        let prod = project.join("prod");
        if !prod.is_dir() {
            continue;
        }
        let name = project.file_name().unwrap().to_string_lossy().into_owned();
        let env = load(&prod);
        let errors: Vec<String> = env
            .diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let expected = WORKLOADS
            .iter()
            .find(|(project, _)| *project == name)
            .map(|(_, count)| *count);
        assert_eq!(
            Some(env.graph.service_count()),
            expected,
            "{name}: workload count"
        );
        for (_, service) in env.graph.services() {
            assert!(
                !service.containers.is_empty(),
                "{name}: {} has no containers",
                service.name
            );
        }
        seen.push(name);
    }
    seen.sort();
    let mut listed: Vec<&str> = WORKLOADS.iter().map(|(project, _)| *project).collect();
    listed.sort_unstable();
    assert_eq!(seen, listed, "every project is counted");
}

#[test]
fn corpus_services_select_their_deployments_and_env_resolves() {
    let prod = Path::new(CORPUS).join("voting-app/prod");
    if !prod.is_dir() {
        eprintln!("skipping: no corpus at {CORPUS}");
        return;
    }
    let env = load(&prod);
    // Every workload but the worker (which serves nothing) is selected by a Service of its name.
    let mut selected: Vec<String> = env
        .graph
        .services()
        .filter(|(index, _)| {
            env.graph
                .edges_to(*index)
                .any(|(edge, _)| edge == Edge::Selects)
        })
        .map(|(_, service)| service.name.clone())
        .collect();
    selected.sort();
    assert_eq!(selected, ["db", "redis", "result", "vote"]);

    let prod = Path::new(CORPUS).join("n8n/prod");
    let env = load(&prod);
    let postgres = env
        .graph
        .services()
        .map(|(_, s)| s)
        .find(|s| s.name == "postgres")
        .unwrap();
    let container = postgres.primary_container().unwrap();
    let password = container.env_var("POSTGRES_PASSWORD").unwrap();
    assert!(
        password.value.known().is_some(),
        "resolved from the Secret in the input"
    );
    assert_eq!(password.value.shown(), Some("<redacted>"));
}
