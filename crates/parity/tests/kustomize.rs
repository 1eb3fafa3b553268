//! The facade reads production the way it is deployed: a kustomization folder or file is built,
//! a folder of manifests that holds a kustomization builds it, and the corpus' real
//! kustomizations load as kustomize renders them.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use parity::{DiagnosticLevel, EnvValue, Environment};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
}

fn errors(env: &Environment) -> Vec<String> {
    env.diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.level == DiagnosticLevel::Error)
        .map(|diagnostic| format!("{}: {}", diagnostic.origin, diagnostic.message))
        .collect()
}

/// `name namespace image` of every container, sorted.
fn containers(env: &Environment) -> Vec<String> {
    let mut out: Vec<String> = env
        .graph
        .services()
        .flat_map(|(_, service)| {
            service.containers.iter().map(move |container| {
                format!(
                    "{} {} {}",
                    service.name,
                    service.namespace.as_deref().unwrap_or("-"),
                    container
                        .image
                        .as_ref()
                        .map_or("-", |image| image.raw.as_str())
                )
            })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn an_overlay_folder_is_built() {
    let overlay =
        workspace().join("testdata/examples/bookstore-kustomize/prod/overlays/production");
    let env = parity::load(&overlay).unwrap();
    assert_eq!(errors(&env), Vec::<String>::new());
    assert_eq!(
        containers(&env),
        [
            "catalog bookstore-prod ghcr.io/acme/bookstore-catalog:2.4.1",
            "checkout bookstore-prod ghcr.io/acme/bookstore-checkout:3.1.0",
            "mailer bookstore-prod ghcr.io/acme/bookstore-mailer:1.2.0",
        ]
    );
    let (_, catalog) = env
        .graph
        .services()
        .find(|(_, service)| service.name == "catalog")
        .unwrap();
    assert_eq!(catalog.replicas, Some(3));
    // Env from the generated ConfigMap (merged by the overlay, hash-suffixed name) resolves.
    let search = catalog.containers[0]
        .env
        .iter()
        .find(|var| var.name == "SEARCH_BACKEND")
        .expect("SEARCH_BACKEND from the merged configMapGenerator");
    match &search.value {
        EnvValue::FromSource {
            source_name,
            resolved,
            ..
        } => {
            assert!(
                source_name.starts_with("bookstore-config-"),
                "{source_name}"
            );
            assert_eq!(
                resolved.as_ref().map(|value| value.expose()),
                Some("opensearch")
            );
        }
        other => panic!("unexpected value {other:?}"),
    }
    // Every file the build read is listed, bases included.
    assert!(
        env.files
            .iter()
            .any(|file| file.ends_with("prod/base/catalog.yaml"))
    );
    assert!(
        env.files
            .iter()
            .any(|file| file.ends_with("overlays/production/checkout-live-payments.yaml"))
    );

    // The kustomization file itself reads the same.
    let by_file = parity::load(overlay.join("kustomization.yaml")).unwrap();
    assert_eq!(containers(&by_file), containers(&env));
}

#[test]
fn corpus_kustomizations_load_as_rendered() {
    let corpus = corpus();
    if !corpus.is_dir() {
        eprintln!("skipping: corpus not found at {}", corpus.display());
        return;
    }
    // hotrod: the overlay sets the namespace, the jaeger base adds a container by JSON patch.
    let hotrod = parity::load(corpus.join("hotrod/prod/kubernetes")).unwrap();
    assert_eq!(errors(&hotrod), Vec::<String>::new());
    assert_eq!(
        containers(&hotrod),
        [
            "example-hotrod example-hotrod cr.jaegertracing.io/jaegertracing/all-in-one:latest",
            "example-hotrod example-hotrod cr.jaegertracing.io/jaegertracing/example-hotrod:latest",
        ]
    );
    // emojivoto: the prod folder holds one kustomization, which is built (not read twice).
    let emojivoto = parity::load(corpus.join("emojivoto/prod")).unwrap();
    assert_eq!(errors(&emojivoto), Vec::<String>::new());
    let names: Vec<String> = containers(&emojivoto)
        .iter()
        .map(|line| line.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        names,
        [
            "emoji emojivoto",
            "vote-bot emojivoto",
            "voting emojivoto",
            "web emojivoto"
        ]
    );
}
