//! Behaviour tests on realistic manifests under `testdata/loaders/k8s/<case>/`, and on small
//! broken inputs written inline.

use parity_model::{
    Container, DiagnosticLevel, Edge, EnvSource, EnvValue, Environment, Node, Protocol, Service,
    VolumeKind,
};

use super::*;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/loaders/k8s");

/// Parses every file of a case folder, sorted, reported as `<case>/<file>`, and builds them.
fn load_case(case: &str) -> Environment {
    let dir = std::path::Path::new(CASES).join(case);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let files = names
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            parse_file(ArcStr::from(format!("{case}/{name}")), &text)
        })
        .collect();
    let mut env = Environment::new(case);
    build(files, &mut env);
    env
}

fn load_text(text: &str) -> Environment {
    let mut env = Environment::new("inline");
    build(
        vec![parse_file(ArcStr::from("inline.yaml"), text)],
        &mut env,
    );
    env
}

fn service<'a>(env: &'a Environment, name: &str) -> &'a Service {
    env.graph
        .services()
        .map(|(_, service)| service)
        .find(|service| service.name == name)
        .unwrap()
}

fn container<'a>(service: &'a Service, name: &str) -> &'a Container {
    service
        .containers
        .iter()
        .find(|container| container.name == name)
        .unwrap()
}

/// Diagnostics as `level line:column message`, for exact comparisons.
fn diagnostics(env: &Environment) -> Vec<String> {
    env.diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}:{} {}",
                d.level.as_str(),
                d.origin.line,
                d.origin.column,
                d.message
            )
        })
        .collect()
}

fn errors(env: &Environment) -> Vec<String> {
    env.diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .map(|d| format!("{}:{} {}", d.origin.line, d.origin.column, d.message))
        .collect()
}

#[test]
fn helm_sources_are_the_nearest_comment_above_each_document() {
    let text = "# Source: a/templates/one.yaml\n# Source: a/templates/two.yaml\n\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n---\n# Source: a/templates/three.yaml\n# a comment after it\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: three}\n";
    let parsed = parse_file(ArcStr::from("rendered.yaml"), text);
    let sources: Vec<(&str, Option<&str>)> = parsed
        .objects()
        .iter()
        .map(|o| (o.name.as_str(), o.helm_source.as_deref()))
        .collect();
    assert_eq!(
        sources,
        [
            ("one", Some("a/templates/two.yaml")),
            ("two", None),
            ("three", Some("a/templates/three.yaml")),
        ]
    );
}

#[test]
fn helm_rendered_stream_keeps_template_sources_and_real_lines() {
    let text = std::fs::read_to_string(format!("{CASES}/helm-rendered/rendered.yaml")).unwrap();
    let parsed = parse_file(ArcStr::from("rendered.yaml"), &text);
    let summary: Vec<(&str, &str, Option<&str>, u32)> = parsed
        .objects()
        .iter()
        .map(|o| {
            (
                o.kind.as_str(),
                o.name.as_str(),
                o.helm_source.as_deref(),
                o.origin.line,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "ServiceAccount",
                "shop",
                Some("shop/templates/serviceaccount.yaml"),
                6
            ),
            (
                "ConfigMap",
                "shop-config",
                Some("shop/templates/configmap.yaml"),
                17
            ),
            ("Service", "shop", Some("shop/templates/service.yaml"), 28),
            (
                "Deployment",
                "shop",
                Some("shop/templates/deployment.yaml"),
                46
            ),
            (
                "Pod",
                "shop-test-connection",
                Some("shop/templates/tests/test-connection.yaml"),
                95
            ),
        ]
    );
    assert!(
        parsed.diagnostics().is_empty(),
        "{:?}",
        parsed.diagnostics()
    );

    let env = load_case("helm-rendered");
    assert!(env.diagnostics.is_empty(), "{:?}", diagnostics(&env));
    let shop = service(&env, "shop");
    assert_eq!(shop.kind.as_str(), "Deployment");
    assert_eq!(
        (&*shop.origin.file, shop.origin.line, shop.origin.column),
        ("helm-rendered/rendered.yaml", 46, 3)
    );
    assert_eq!(shop.replicas, Some(3));
    assert_eq!(
        shop.labels.get("helm.sh/chart").map(String::as_str),
        Some("shop-1.4.2")
    );
    let app = container(shop, "shop");
    let image = app.image.as_ref().unwrap();
    assert_eq!(
        (image.repository.as_str(), image.tag.as_deref()),
        ("acme/shop", Some("1.4.2"))
    );
    assert_eq!(app.image_origin.as_ref().unwrap().line, 71);
    let env_names: Vec<&str> = app.env.iter().map(|var| var.name.as_str()).collect();
    assert_eq!(env_names, ["CART_URL", "LOG_LEVEL"]);
    assert_eq!(
        app.env_var("LOG_LEVEL").unwrap().value.shown(),
        Some("info")
    );
    let health = app.healthcheck.as_ref().unwrap();
    assert_eq!(health.kinds, ["livenessProbe", "readinessProbe"]);
    assert_eq!(health.origin.line, 80);
    let port = &app.ports[0];
    assert_eq!(
        (
            port.container,
            port.name.as_deref(),
            port.protocol,
            port.origin.line
        ),
        (8080, Some("http"), Protocol::Tcp, 77)
    );

    // The Helm test Pod is a workload too.
    let test_pod = service(&env, "shop-test-connection");
    assert_eq!(test_pod.kind.as_str(), "Pod");
    assert_eq!(
        test_pod
            .labels
            .get("app.kubernetes.io/name")
            .map(String::as_str),
        Some("shop")
    );
    assert_eq!(
        container(test_pod, "wget")
            .image
            .as_ref()
            .unwrap()
            .canonical(),
        "docker.io/library/busybox:latest"
    );
}

#[test]
fn kubectl_list_dump_is_unpacked_and_its_noise_ignored() {
    let env = load_case("list-dump");
    assert!(env.diagnostics.is_empty(), "{:?}", diagnostics(&env));
    let names: Vec<(&str, Option<&str>)> = env
        .graph
        .services()
        .map(|(_, s)| (s.name.as_str(), s.namespace.as_deref()))
        .collect();
    assert_eq!(names, [("api", Some("shop")), ("worker", Some("shop"))]);
    assert_eq!(
        env.graph.nodes().count(),
        2,
        "the List itself is not a node"
    );

    let api = service(&env, "api");
    assert_eq!(api.origin.line, 31);
    assert_eq!(api.replicas, Some(2));
    assert_eq!(
        api.labels.get("tier").map(String::as_str),
        Some("backend"),
        "pod template labels are merged"
    );
    let container = container(api, "api");
    assert_eq!(
        container.image.as_ref().unwrap().registry,
        "registry.example.com"
    );
    let env_vars: Vec<(&str, String, u32)> = container
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.describe(), v.origin.line))
        .collect();
    assert_eq!(
        env_vars,
        [
            (
                "DATABASE_HOST",
                "postgres.shop.svc.cluster.local".to_owned(),
                56
            ),
            ("POD_NAME", "(field metadata.name)".to_owned(), 58),
            ("MEMORY_LIMIT", "(resource limits.memory)".to_owned(), 63),
        ]
    );
    assert_eq!(container.ports[0].container, 8000);

    let worker = service(&env, "worker");
    let image = worker.containers[0].image.as_ref().unwrap();
    assert!(
        image
            .digest
            .as_deref()
            .unwrap()
            .starts_with("sha256:9f86d08")
    );
    assert_eq!(image.tag, None);
}

#[test]
fn statefulset_claim_templates_and_volume_kinds() {
    let env = load_case("statefulset");
    let postgres = service(&env, "postgres");
    assert_eq!(
        (postgres.kind.as_str(), postgres.namespace.as_deref()),
        ("StatefulSet", Some("data"))
    );
    assert_eq!(postgres.primary_container().unwrap().name, "postgres");
    let init = container(postgres, "fix-permissions");
    assert!(init.init);
    assert_eq!(init.volumes[0].kind, VolumeKind::PersistentClaim);

    let main = container(postgres, "postgres");
    assert!(!main.init);
    let volumes: Vec<(&str, VolumeKind, Option<&str>, bool)> = main
        .volumes
        .iter()
        .map(|v| (v.target.as_str(), v.kind, v.source.as_deref(), v.read_only))
        .collect();
    assert_eq!(
        volumes,
        [
            (
                "/var/lib/postgresql/data",
                VolumeKind::PersistentClaim,
                Some("data"),
                false
            ),
            ("/dev/shm", VolumeKind::Tmpfs, None, false),
            ("/tmp", VolumeKind::EmptyDir, None, false),
            (
                "/docker-entrypoint-initdb.d",
                VolumeKind::ConfigMap,
                Some("postgres-init"),
                true
            ),
            (
                "/var/log/postgresql",
                VolumeKind::Bind,
                Some("/var/log/postgresql"),
                false
            ),
        ]
    );
    assert_eq!(main.healthcheck.as_ref().unwrap().kinds, ["startupProbe"]);
    // The ConfigMap it mounts is not in the input: no edge, and nothing to complain about.
    assert_eq!(env.graph.edge_count(), 0);
    assert!(env.diagnostics.is_empty(), "{:?}", diagnostics(&env));
}

#[test]
fn cronjob_reads_the_job_template_pod() {
    let env = load_case("cronjob");
    let backup = service(&env, "db-backup");
    assert_eq!(backup.kind.as_str(), "CronJob");
    assert_eq!(backup.replicas, None);
    assert_eq!(
        backup.labels.get("job").map(String::as_str),
        Some("nightly")
    );
    let container = container(backup, "backup");
    assert_eq!(
        container.image.as_ref().unwrap().canonical(),
        "ghcr.io/acme/pg-backup:3.1"
    );
    let password = container.env_var("PGPASSWORD").unwrap();
    assert_eq!(
        password.value.describe(),
        "(secret postgres-credentials key password)"
    );
    assert_eq!(password.origin.line, 27);
    assert_eq!(container.volumes[0].kind, VolumeKind::PersistentClaim);
    assert_eq!(
        container.volumes[0].source.as_deref(),
        Some("backup-staging")
    );
}

#[test]
fn env_from_expands_with_prefix_and_explicit_env_wins() {
    let env = load_case("envfrom-prefix");
    let storefront = service(&env, "storefront");
    let app = container(storefront, "storefront");
    let vars: Vec<(&str, Option<&str>, u32)> = app
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.shown(), v.origin.line))
        .collect();
    assert_eq!(
        vars,
        [
            ("TIMEOUT_SECONDS", Some("30"), 35),
            ("FLAG_NEW_CHECKOUT", Some("true"), 37),
            ("FLAG_SEARCH_V2", Some("false"), 37),
            ("LOG_LEVEL", Some("debug"), 43),
        ]
    );
    let flag = app.env_var("FLAG_NEW_CHECKOUT").unwrap();
    assert!(matches!(
        &flag.value,
        EnvValue::FromSource { source: EnvSource::ConfigMap, source_name, key: Some(key), .. }
            if source_name == "feature-flags" && key == "NEW_CHECKOUT"
    ));
    assert_eq!(app.env_from_unresolved, ["secret/storefront-vault-sync"]);
    assert_eq!(
        diagnostics(&env),
        [
            "note 40:15 envFrom secret storefront-vault-sync not found in the input; its keys are unknown"
        ]
    );
    let (index, _) = env.graph.services().next().unwrap();
    let mut read: Vec<String> = env
        .graph
        .edges_from(index)
        .filter(|(edge, _)| *edge == Edge::ReadsConfigFrom)
        .filter_map(|(_, target)| match env.graph.node(target) {
            Some(Node::ConfigSource(source)) => Some(source.name.to_string()),
            _ => None,
        })
        .collect();
    read.sort();
    assert_eq!(read, ["api-settings", "feature-flags"]);
}

#[test]
fn secret_key_refs_resolve_across_files_and_stay_redacted() {
    let env = load_case("secret-ref");
    let (_, secret) = env.graph.config_sources().next().unwrap();
    assert_eq!(secret.name, "db-credentials");
    let keys: Vec<(&str, &str, bool, u32)> = secret
        .entries
        .iter()
        .map(|(key, (value, origin))| {
            (
                key.as_str(),
                value.expose(),
                value.is_sensitive(),
                origin.line,
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("password", "s3cr3t-passw0rd", true, 9),
            (
                "url",
                "postgres://billing@db.billing.svc:5432/billing",
                true,
                11
            ),
            ("username", "billing", true, 8),
        ]
    );

    let billing = service(&env, "billing");
    let app = container(billing, "billing");
    let user = app.env_var("DB_USER").unwrap();
    assert_eq!(user.value.known().unwrap().expose(), "billing");
    assert_eq!(
        user.value.shown(),
        Some("<redacted>"),
        "secret values are redacted even under a plain name"
    );
    let password = app.env_var("DB_PASSWORD").unwrap();
    assert_eq!(password.value.known().unwrap().expose(), "s3cr3t-passw0rd");
    assert!(
        !format!("{:?}", app.env).contains("s3cr3t"),
        "debug output never shows a secret"
    );
    // A Secret that is not in the input stays an unresolved reference.
    let stripe = app.env_var("STRIPE_KEY").unwrap();
    assert_eq!(stripe.value.known(), None);
    assert_eq!(stripe.value.describe(), "(secret stripe key api-key)");
    // A key the Secret lacks is reported where the env var reads it.
    assert_eq!(
        diagnostics(&env),
        [
            "warning 34:15 secret db-credentials has no key \"pool-size\", which env var DB_POOL reads"
        ]
    );
    assert!(env.files.is_empty(), "the caller lists the files it read");
    assert_eq!(
        env.graph.edge_count(),
        1,
        "one edge to the Secret, however many keys are read"
    );
}

#[test]
fn service_selects_matching_workloads_in_its_namespace() {
    let env = load_case("service-selects");
    let (service_index, resource) = env.graph.resources().next().unwrap();
    assert_eq!(resource.kind, "Service");
    assert_eq!(
        resource.selector.get("app").map(String::as_str),
        Some("web")
    );
    assert_eq!(
        resource.ports,
        [(80, "http".to_owned()), (9113, "9113".to_owned())]
    );
    let selected: Vec<(String, Option<String>)> = env
        .graph
        .edges_from(service_index)
        .filter(|(edge, _)| *edge == Edge::Selects)
        .filter_map(|(_, target)| env.graph.service(target))
        .map(|s| (s.name.clone(), s.namespace.clone()))
        .collect();
    assert_eq!(selected, [("web".to_owned(), Some("shop".to_owned()))]);
    assert!(env.diagnostics.is_empty(), "{:?}", diagnostics(&env));
}

#[test]
fn custom_resources_are_kept_with_one_note_per_kind() {
    let env = load_case("crd");
    let resources: Vec<(&str, &str)> = env
        .graph
        .resources()
        .map(|(_, r)| (r.kind.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        resources,
        [
            ("CustomResourceDefinition", "certificates.cert-manager.io"),
            ("Certificate", "shop-tls"),
            ("Certificate", "admin-tls"),
            ("Ingress", "shop"),
        ]
    );
    assert_eq!(
        diagnostics(&env),
        ["note 22:3 kind Certificate is not modelled; kept as a plain resource"]
    );
    assert_eq!(env.graph.service_count(), 0);
}

#[test]
fn wrong_types_are_errors_at_the_node_and_loading_goes_on() {
    let env = load_case("bad-types");
    assert_eq!(
        diagnostics(&env),
        [
            "error 8:19 expected a sequence for `spec.template.spec.containers`, found a string",
            "error 15:13 expected a non-negative whole number for `spec.replicas`, found a string",
            "warning 23:18 invalid image reference \"Acme/Worker:latest\": repository must be lower-case letters, digits and separators",
            "error 25:30 expected a port number (1-65535) for `spec.template.spec.containers[0].ports[0].containerPort`, found \"99999\"",
            "warning 27:25 unknown protocol \"QUIC\"; expected TCP, UDP or SCTP",
            "error 28:16 expected a sequence for `spec.template.spec.containers[0].env`, found a mapping",
            "error 30:1 document has no `kind`: expected a Kubernetes object with apiVersion and kind",
            "error 35:1 expected a Kubernetes object (a mapping with apiVersion and kind), found a sequence",
        ]
    );
    let api = service(&env, "api");
    assert!(api.containers.is_empty());
    let worker = service(&env, "worker");
    assert_eq!(worker.replicas, None);
    let container = container(worker, "worker");
    assert_eq!(container.image, None);
    assert_eq!(container.image_origin.as_ref().map(|o| o.line), Some(23));
    assert_eq!(container.ports.len(), 1);
    assert_eq!(
        (container.ports[0].container, container.ports[0].protocol),
        (8080, Protocol::Tcp)
    );
}

#[test]
fn empty_and_comment_only_files_hold_nothing() {
    for text in ["", "\n\n", "# nothing here yet\n# really\n", "---\n---\n"] {
        let env = load_text(text);
        assert_eq!(env.graph.nodes().count(), 0);
        assert_eq!(
            diagnostics(&env),
            ["note 0:0 no Kubernetes objects in this file (it is empty or only comments)"]
        );
    }
}

#[test]
fn syntax_errors_carry_line_and_column_and_earlier_documents_load() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n";
    let env = load_text(text);
    assert_eq!(env.graph.config_sources().count(), 1);
    let errors = errors(&env);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("10:1 invalid YAML: "), "{errors:?}");
    let display = env.diagnostics[0].to_string();
    assert!(
        display.starts_with("inline.yaml:10:1: error: invalid YAML"),
        "{display}"
    );
}

#[test]
fn scalar_root_and_missing_name_are_errors() {
    let env = load_text("just a string\n");
    assert_eq!(
        errors(&env),
        ["1:1 expected a Kubernetes object (a mapping with apiVersion and kind), found a string"]
    );
    let env = load_text("apiVersion: v1\nkind: Service\nmetadata:\n  labels: {app: x}\n");
    assert_eq!(errors(&env), ["2:1 Service has no `metadata.name`"]);
    let env = load_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\nspec:\n  template:\n    spec:\n      containers: [{name: m, image: 'acme/migrate:1'}]\n",
    );
    assert_eq!(service(&env, "migrate-").containers.len(), 1);
    assert!(env.diagnostics.is_empty());
}

#[test]
fn secret_with_invalid_base64_warns_and_keeps_the_other_keys() {
    let env = load_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ndata:\n  token: not*base64\n  user: YWRtaW4=\n",
    );
    let (_, secret) = env.graph.config_sources().next().unwrap();
    assert_eq!(secret.entries.keys().collect::<Vec<_>>(), ["user"]);
    assert_eq!(
        diagnostics(&env),
        ["warning 6:10 secret api key token is not valid base64; its value is unknown"]
    );
}

#[test]
fn config_map_binary_data_is_shown_as_binary() {
    let env = load_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: assets\ndata:\n  theme: dark\nbinaryData:\n  logo.png: iVBORw0KGgo=\n",
    );
    let (_, map) = env.graph.config_sources().next().unwrap();
    let values: Vec<(&str, &str)> = map
        .entries
        .iter()
        .map(|(k, (v, _))| (k.as_str(), v.shown()))
        .collect();
    assert_eq!(values, [("logo.png", "<binary>"), ("theme", "dark")]);
}

#[test]
fn kustomization_files_are_a_note_not_an_error() {
    let parsed = parse_file(
        ArcStr::from("prod/kustomization.yaml"),
        "resources:\n  - deployment.yaml\n",
    );
    assert!(parsed.objects().is_empty());
    assert_eq!(parsed.diagnostics().len(), 1);
    assert_eq!(parsed.diagnostics()[0].level, DiagnosticLevel::Note);
    assert!(
        parsed.diagnostics()[0]
            .message
            .starts_with("this is a kustomization: it is built when its folder is given")
    );
    let by_kind = parse_file(
        ArcStr::from("prod/overlay.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
    );
    assert!(by_kind.objects().is_empty());
    assert_eq!(by_kind.diagnostics()[0].level, DiagnosticLevel::Note);
}

#[test]
fn duplicate_objects_keep_the_last() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '2'}\n";
    let env = load_text(text);
    let values: Vec<&str> = env
        .graph
        .config_sources()
        .map(|(_, source)| source.entries["x"].0.expose())
        .collect();
    assert_eq!(values, ["2"]);
    assert_eq!(
        diagnostics(&env),
        [
            "warning 8:12 duplicate ConfigMap a (first defined at inline.yaml:3:12); the last definition is used, \
             as kubectl apply leaves it"
        ]
    );
}

#[test]
fn interleaved_duplicates_keep_each_last_and_warn_in_file_order() {
    let doc = |name: &str, value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{x: '{value}'}}\n"
        )
    };
    let text = [
        doc("a", "1"),
        doc("b", "1"),
        doc("a", "2"),
        doc("b", "2"),
        doc("a", "3"),
    ]
    .join("---\n");
    let env = load_text(&text);
    let values: Vec<(&str, &str)> = env
        .graph
        .config_sources()
        .map(|(_, source)| (source.name.as_str(), source.entries["x"].0.expose()))
        .collect();
    assert_eq!(values, [("b", "2"), ("a", "3")]);
    let lines: Vec<String> = diagnostics(&env)
        .iter()
        .map(|line| {
            line.split(" duplicate")
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(lines, ["warning 13:12", "warning 18:12", "warning 23:12"]);
}

#[test]
fn is_k8s_document_needs_api_version_and_kind() {
    let doc = |text| {
        parity_source::yaml::parse_document(text, parity_source::yaml::Limits::default()).unwrap()
    };
    assert!(is_k8s_document(&doc("apiVersion: v1\nkind: Pod\n")));
    assert!(!is_k8s_document(&doc("kind: Pod\n")));
    assert!(!is_k8s_document(&doc("apiVersion: v1\nkind: ''\n")));
    assert!(!is_k8s_document(&doc("- apiVersion: v1\n  kind: Pod\n")));
    assert!(!is_k8s_document(&doc("replicaCount: 1\n")));
}

#[test]
fn json_manifests_and_lossy_non_utf8_text_are_read() {
    let json = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
 "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "acme/api:1.0", "ports": [{"containerPort": 80}]}]}}}}"#;
    let env = load_text(json);
    assert_eq!(
        container(service(&env, "api"), "api").ports[0].container,
        80
    );
    // The facade turns non-UTF-8 input into an error before parsing; whatever text still gets
    // here must not break the parser.
    let lossy = String::from_utf8_lossy(
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: \xff\xfe}\n",
    );
    let env = load_text(&lossy);
    let (_, map) = env.graph.config_sources().next().unwrap();
    assert_eq!(map.entries.get("a").unwrap().0.expose(), "\u{fffd}\u{fffd}");
}

#[test]
fn mutated_manifests_never_panic() {
    let text = std::fs::read_to_string(format!("{CASES}/helm-rendered/rendered.yaml")).unwrap()
        + &std::fs::read_to_string(format!("{CASES}/statefulset/postgres.yaml")).unwrap();
    let mut variants = Vec::new();
    // Truncated at every 7th byte (on char boundaries).
    for end in (0..text.len())
        .step_by(7)
        .filter(|&end| text.is_char_boundary(end))
    {
        variants.push(text[..end].to_owned());
    }
    // Lines shuffled by a fixed pseudo-random sequence, and lines dropped one at a time.
    let lines: Vec<&str> = text.lines().collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..150 {
        let mut shuffled = lines.clone();
        for i in (1..shuffled.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            shuffled.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        variants.push(shuffled.join("\n"));
    }
    for skip in (0..lines.len()).step_by(3) {
        let kept: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        variants.push(kept.join("\n"));
    }
    assert!(variants.len() > 300, "{}", variants.len());
    let mut parsed_objects = 0;
    for variant in &variants {
        let parsed = parse_file(ArcStr::from("mutated.yaml"), variant);
        parsed_objects += parsed.objects().len();
        let mut env = Environment::new("mutated");
        build(vec![parsed], &mut env);
        for diagnostic in &env.diagnostics {
            assert!(
                diagnostic.origin.line as usize <= variant.lines().count() + 1,
                "{diagnostic}"
            );
        }
    }
    assert!(
        parsed_objects > 100,
        "truncations keep the documents before the cut"
    );
}

#[test]
fn workloads_without_a_pod_spec_are_errors_but_still_services() {
    let env = load_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  restartPolicy: Never\n",
    );
    assert_eq!(
        errors(&env),
        [
            "4:3 Deployment api has no `spec.template.spec`: expected a pod spec with containers",
            "13:3 Pod debug has no `spec.containers`: expected a sequence of containers",
        ]
    );
    assert_eq!(service(&env, "api").replicas, Some(2));
    assert!(service(&env, "debug").containers.is_empty());
}

#[test]
fn env_from_secrets_are_redacted_and_later_sources_win() {
    let env = load_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {USER: app, MODE: secret-mode}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: base}\ndata: {MODE: plain, REGION: eu}\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n\
         \x20       - name: api\n          image: acme/api:1\n          envFrom:\n\
         \x20           - secretRef: {name: creds}\n            - configMapRef: {name: base}\n",
    );
    let api = container(service(&env, "api"), "api");
    let vars: Vec<(&str, Option<&str>)> = api
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.shown()))
        .collect();
    assert_eq!(
        vars,
        [
            ("USER", Some("<redacted>")),
            ("MODE", Some("plain")),
            ("REGION", Some("eu"))
        ]
    );
    assert!(api.env_from_unresolved.is_empty());
    assert!(env.diagnostics.is_empty(), "{:?}", diagnostics(&env));
}

#[test]
fn services_without_namespace_select_workloads_without_one() {
    let env = load_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata:\n      labels: {app: web, tier: fe}\n\
         \x20   spec:\n      containers: [{name: web, image: 'nginx:1.25'}]\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    metadata:\n      labels: {app: api}\n\
         \x20   spec:\n      containers: [{name: api, image: 'acme/api:1'}]\n",
    );
    let (index, resource) = env.graph.resources().next().unwrap();
    assert_eq!(resource.ports, [(80, "80".to_owned())]);
    let selected: Vec<&str> = env
        .graph
        .edges_from(index)
        .filter_map(|(_, target)| env.graph.service(target))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(selected, ["web"]);
}
