//! Building arbitrary kustomizations never panics: kustomization fields, patches and generator
//! inputs assembled from lines that look like the real thing (so generation gets past YAML
//! syntax into the builder), in any order and indentation. Whatever goes wrong is a diagnostic
//! in the house style (lowercase, no trailing period) pointing at a file of the tree.

use std::path::PathBuf;

use parity_k8s::kustomize;
use proptest::prelude::*;

fn kustomization_line() -> impl Strategy<Value = String> {
    let lines = prop::sample::select(vec![
        "resources:",
        "- app.yaml",
        "- ../base",
        "- missing.yaml",
        "- https://example.com/x.yaml",
        "- .",
        "components:",
        "- comp",
        "namePrefix: p-",
        "nameSuffix: [x]",
        "namespace: prod",
        "namespace: {a: 1}",
        "commonLabels: {env: prod}",
        "commonLabels: [x]",
        "labels:",
        "- pairs: {a: b}",
        "includeSelectors: true",
        "commonAnnotations: {a: b}",
        "images:",
        "- name: nginx",
        "newTag: '2'",
        "newName: registry/nginx",
        "digest: sha256:ab",
        "replicas:",
        "- name: web",
        "count: 3",
        "count: many",
        "patches:",
        "- path: patch.yaml",
        "- target: {kind: Deployment, name: '(web'}",
        "- target: {kind: Deployment}",
        "patch: '[{op: remove, path: /spec}]'",
        "patch: '[{op: add, path: /spec/template/spec/containers/-, value: {}}]'",
        "patch: '[{op: move, from: /a, path: /a/b}]'",
        "patch: 'kind: Deployment'",
        "patchesStrategicMerge:",
        "- patch.yaml",
        "patchesJson6902:",
        "configMapGenerator:",
        "secretGenerator:",
        "- name: cfg",
        "behavior: merge",
        "behavior: replace",
        "literals: [A=1, B, '=']",
        "envs: [app.env]",
        "files: [app.env, k=app.yaml, ../x]",
        "generatorOptions: {disableNameSuffixHash: true}",
        "kind: Component",
        "$patch: delete",
        "- {}",
        "- []",
        "~",
    ]);
    (lines, 0usize..6).prop_map(|(line, indent)| format!("{}{line}", " ".repeat(indent)))
}

fn text(lines: Vec<String>) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_kustomizations_build_without_panicking(
        overlay in prop::collection::vec(kustomization_line(), 0..24),
        base in prop::collection::vec(kustomization_line(), 0..12),
        patch in prop::collection::vec(kustomization_line(), 0..8),
    ) {
        let root: PathBuf = std::env::temp_dir().join(format!(
            "parity-kustomize-prop-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["overlay", "base", "overlay/comp"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: nginx:1, envFrom: [{configMapRef: {name: cfg}}]}]\n";
        std::fs::write(root.join("overlay/kustomization.yaml"), text(overlay)).unwrap();
        std::fs::write(root.join("base/kustomization.yaml"), text(base)).unwrap();
        std::fs::write(root.join("overlay/comp/kustomization.yaml"), "kind: Component\nnamePrefix: c-\n").unwrap();
        std::fs::write(root.join("overlay/patch.yaml"), text(patch)).unwrap();
        std::fs::write(root.join("overlay/app.yaml"), deployment).unwrap();
        std::fs::write(root.join("base/app.yaml"), deployment).unwrap();
        std::fs::write(root.join("overlay/app.env"), "A=1\nB\n#c\n").unwrap();
        let rendering = kustomize::render(&root.join("overlay"), &root, 1 << 20);
        // Every problem is a diagnostic in the house style, pointing into the tree.
        for diagnostic in &rendering.diagnostics {
            let message = &diagnostic.message;
            let first = message.chars().next().unwrap_or('x');
            prop_assert!(
                first.is_lowercase() || first == '`',
                "message starts with {first:?}: {message}"
            );
            prop_assert!(!message.ends_with('.'), "trailing period: {message}");
            let file = diagnostic.origin.file.to_string();
            prop_assert!(file.starts_with(&root.display().to_string()), "{file}");
        }
        // Reading the result as parity objects must not panic either.
        let _ = rendering.into_parsed_file(parity_model::ArcStr::from("overlay/kustomization.yaml"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
