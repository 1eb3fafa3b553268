//! Builds of small kustomizations written to a temporary folder: what is read, what is refused,
//! and where every field points.

use std::path::PathBuf;

use parity_model::DiagnosticLevel;
use parity_source::yaml::Node;

use super::*;

/// A temporary folder tree, removed when dropped.
struct Tree {
    root: PathBuf,
}

impl Tree {
    fn new(name: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("parity-kustomize-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        Self { root }
    }

    fn write(&self, relative: &str, text: &str) -> &Self {
        let path = self.root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn render(&self, dir: &str) -> Rendering {
        render(&self.root.join(dir), &self.root, 1 << 20)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn messages(rendering: &Rendering, level: DiagnosticLevel) -> Vec<String> {
    rendering
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.level == level)
        .map(|diagnostic| diagnostic.message.clone())
        .collect()
}

fn object<'a>(rendering: &'a Rendering, kind: &str, name: &str) -> &'a Node {
    rendering
        .objects
        .iter()
        .find(|object| {
            object.get("kind").and_then(Node::as_str) == Some(kind)
                && object.path(&["metadata", "name"]).and_then(Node::as_str) == Some(name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in the build"))
}

/// `file:line` of a node, with the file relative to the tree.
fn at(tree: &Tree, rendering: &Rendering, node: &Node) -> String {
    let origin = rendering.origin(node);
    let file = origin.file.to_string();
    let root = tree.root.display().to_string();
    format!(
        "{}:{}",
        file.strip_prefix(&root)
            .unwrap_or(&file)
            .trim_start_matches('/'),
        origin.line
    )
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
          envFrom:
            - configMapRef:
                name: settings
";

#[test]
fn every_field_points_at_the_file_that_wrote_it() {
    let tree = Tree::new("provenance");
    tree.write("base/deploy.yaml", DEPLOYMENT)
        .write("base/kustomization.yaml", "resources: [deploy.yaml]\n")
        .write(
            "prod/kustomization.yaml",
            "resources:\n  - ../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: 1.1.0\npatches:\n  - path: env.yaml\nconfigMapGenerator:\n  - name: settings\n    envs: [app.env]\n",
        )
        .write(
            "prod/env.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: REGION\n              value: eu-west-1\n",
        )
        .write("prod/app.env", "# settings\nLOG_LEVEL=warn\n");
    let rendering = tree.render("prod");
    assert_eq!(
        messages(&rendering, DiagnosticLevel::Error),
        Vec::<String>::new()
    );

    let deployment = object(&rendering, "Deployment", "api");
    let container = &deployment
        .path(&["spec", "template", "spec", "containers"])
        .unwrap()
        .as_seq()
        .unwrap()[0];
    // The object itself, from the base.
    assert_eq!(
        at(
            &tree,
            &rendering,
            deployment.path(&["metadata", "name"]).unwrap()
        ),
        "base/deploy.yaml:4"
    );
    // The image, from the overlay line that changed it.
    let image = container.get("image").unwrap();
    assert_eq!(image.as_str(), Some("ghcr.io/acme/api:1.1.0"));
    assert_eq!(at(&tree, &rendering, image), "prod/kustomization.yaml:5");
    // The env var, from the patch.
    let region = &container.get("env").unwrap().as_seq().unwrap()[0];
    assert_eq!(
        at(&tree, &rendering, region.get("value").unwrap()),
        "prod/env.yaml:12"
    );
    // The generated ConfigMap's value, from the env file's line; its name has the hash suffix
    // and the reference follows it.
    let settings = rendering
        .objects
        .iter()
        .find(|object| object.get("kind").and_then(Node::as_str) == Some("ConfigMap"))
        .unwrap();
    let name = settings
        .path(&["metadata", "name"])
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        name.starts_with("settings-") && name.len() == "settings-".len() + 10,
        "{name}"
    );
    assert_eq!(
        at(
            &tree,
            &rendering,
            settings.path(&["data", "LOG_LEVEL"]).unwrap()
        ),
        "prod/app.env:2"
    );
    let reference = container.path(&["envFrom"]).unwrap().as_seq().unwrap()[0]
        .path(&["configMapRef", "name"])
        .unwrap();
    assert_eq!(reference.as_str(), Some(name.as_str()));

    // Read as parity's objects, the origins are real files and lines.
    let parsed = rendering.into_parsed_file(ArcStr::from("prod/kustomization.yaml"));
    let names: Vec<&str> = parsed
        .objects()
        .iter()
        .map(|object| object.name.as_str())
        .collect();
    assert_eq!(names, ["api", name.as_str()]);
    assert!(
        parsed.objects()[0]
            .origin
            .file
            .ends_with("base/deploy.yaml")
    );
    assert_eq!(parsed.objects()[0].origin.line, 4);
}

#[test]
fn nothing_outside_the_boundary_is_read() {
    let tree = Tree::new("boundary");
    tree.write("outside/deploy.yaml", DEPLOYMENT)
        .write("outside/kustomization.yaml", "resources: [deploy.yaml]\n")
        .write(
            "repo/app/kustomization.yaml",
            "resources:\n  - ../../outside\n",
        );
    let rendering = render(
        &tree.root.join("repo/app"),
        &tree.root.join("repo"),
        1 << 20,
    );
    assert!(rendering.objects.is_empty());
    let errors = messages(&rendering, DiagnosticLevel::Error);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("`")
            && errors[0].contains("is outside")
            && errors[0].contains("parity reads nothing outside"),
        "{errors:?}"
    );
    // The error points at the line naming the folder.
    assert_eq!(rendering.diagnostics[0].origin.line, 2);
    assert!(
        rendering.diagnostics[0]
            .origin
            .file
            .ends_with("repo/app/kustomization.yaml")
    );
}

#[test]
fn files_outside_the_kustomization_folder_are_refused_like_kustomize() {
    let tree = Tree::new("restrict");
    tree.write("shared/deploy.yaml", DEPLOYMENT).write(
        "app/kustomization.yaml",
        "resources:\n  - ../shared/deploy.yaml\n",
    );
    let rendering = tree.render("app");
    let errors = messages(&rendering, DiagnosticLevel::Error);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("is not in or below"), "{errors:?}");
}

#[test]
fn remote_resources_are_a_note_and_the_rest_is_built() {
    let tree = Tree::new("remote");
    tree.write("app/deploy.yaml", DEPLOYMENT).write(
        "app/kustomization.yaml",
        "resources:\n  - https://github.com/acme/infra//base?ref=v1.2.0\n  - github.com/acme/other/base?ref=main\n  - deploy.yaml\n",
    );
    let rendering = tree.render("app");
    assert_eq!(rendering.objects.len(), 1);
    let notes = messages(&rendering, DiagnosticLevel::Note);
    assert_eq!(notes.len(), 2);
    assert!(notes[0].starts_with(
        "remote resource `https://github.com/acme/infra//base?ref=v1.2.0` is not fetched"
    ));
    assert!(messages(&rendering, DiagnosticLevel::Error).is_empty());
}

#[test]
fn cycles_missing_folders_and_bad_patches_are_errors_with_positions() {
    let tree = Tree::new("errors");
    tree.write("a/kustomization.yaml", "resources: [../b]\n")
        .write("b/kustomization.yaml", "resources: [../a]\n")
        .write(
            "c/kustomization.yaml",
            "resources:\n  - deploy.yaml\n  - missing\npatches:\n  - patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: nope}\n  - target: {kind: Deployment}\n    patch: |\n      - op: replace\n        path: /spec/replicas\n        value: 2\nreplacements: []\n",
        )
        .write("c/deploy.yaml", DEPLOYMENT);
    let cycle = tree.render("a");
    let errors = messages(&cycle, DiagnosticLevel::Error);
    assert!(
        errors.iter().any(|error| error.contains("includes itself")),
        "{errors:?}"
    );

    let rendering = tree.render("c");
    let errors: Vec<(u32, String)> = rendering
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.level != DiagnosticLevel::Note)
        .map(|diagnostic| (diagnostic.origin.line, diagnostic.message.clone()))
        .collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    // Fields parity does not apply are flagged before anything is built.
    assert_eq!(errors[0].0, 14);
    assert!(
        errors[0]
            .1
            .starts_with("kustomization field `replacements` is not applied")
    );
    assert_eq!(errors[1].0, 3);
    assert!(
        errors[1].1.contains("`missing` does not exist"),
        "{errors:?}"
    );
    assert_eq!(errors[2].0, 5);
    assert_eq!(
        errors[2].1,
        "no object matches the patch (Deployment nope is not among the resources)"
    );
    assert_eq!(errors[3].0, 11);
    assert_eq!(
        errors[3].1,
        "JSON patch on Deployment api: operation 1: path /spec/replicas does not exist"
    );
}

#[test]
fn components_apply_to_the_kustomization_that_lists_them() {
    let tree = Tree::new("components");
    tree.write("app/deploy.yaml", DEPLOYMENT)
        .write(
            "app/kustomization.yaml",
            "resources: [deploy.yaml]\ncomponents: [../debug]\nnamePrefix: x-\n",
        )
        .write(
            "debug/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - target: {kind: Deployment}\n    patch: |\n      - op: add\n        path: /spec/template/spec/containers/0/args\n        value: [--debug]\n",
        )
        .write("misused/kustomization.yaml", "resources: [../debug]\n");
    let rendering = tree.render("app");
    let deployment = object(&rendering, "Deployment", "x-api");
    let args = deployment
        .path(&["spec", "template", "spec", "containers"])
        .unwrap()
        .as_seq()
        .unwrap()[0]
        .get("args")
        .unwrap();
    assert_eq!(args.as_seq().unwrap()[0].as_str(), Some("--debug"));

    let misused = tree.render("misused");
    assert_eq!(
        messages(&misused, DiagnosticLevel::Error),
        ["this is a kustomize Component: list it under `components`, not `resources`"]
    );
}

#[test]
fn a_folder_with_overlays_of_one_base_is_refused_and_a_single_one_is_built() {
    let tree = Tree::new("folder");
    tree.write("k8s/base/deploy.yaml", DEPLOYMENT)
        .write("k8s/base/kustomization.yaml", "resources: [deploy.yaml]\n")
        .write(
            "k8s/overlays/prod/kustomization.yaml",
            "resources: [../../base]\nnamespace: prod\n",
        )
        .write(
            "k8s/overlays/dev/kustomization.yaml",
            "resources: [../../base]\nnamespace: dev\n",
        )
        .write(
            "k8s/extra.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n",
        );
    let root = tree.root.join("k8s");
    let files = crate::discover(&root);
    let plan = plan_folder(&root, &files, 1 << 20);
    assert!(plan.built.is_empty());
    assert_eq!(plan.plain, [root.join("extra.yaml")]);
    assert_eq!(plan.diagnostics.len(), 1);
    assert!(
        plan.diagnostics[0]
            .message
            .contains("holds 2 kustomize overlays of the same base")
    );

    std::fs::remove_dir_all(root.join("overlays/dev")).unwrap();
    // A component nobody lists is not an environment of its own.
    tree.write(
        "k8s/components/debug/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {debug: 'on'}\n",
    );
    let files = crate::discover(&root);
    let plan = plan_folder(&root, &files, 1 << 20);
    assert!(plan.diagnostics.is_empty());
    assert_eq!(plan.built.len(), 1);
    let objects = plan.built[0].objects();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].namespace.as_deref(), Some("prod"));
    // The base's files were read by the build, not again as plain manifests.
    assert_eq!(plan.plain, [root.join("extra.yaml")]);
}

#[test]
fn deep_chains_of_kustomizations_stop_with_an_error() {
    let tree = Tree::new("deep");
    for level in 0..70 {
        tree.write(
            &format!("k{level}/kustomization.yaml"),
            &format!("resources: [../k{}]\n", level + 1),
        );
    }
    tree.write("k70/kustomization.yaml", "resources: []\n");
    let rendering = tree.render("k0");
    assert_eq!(
        messages(&rendering, DiagnosticLevel::Error),
        [format!(
            "kustomizations nested deeper than 64 levels; {} is not read",
            tree.root.join("k64").display()
        )]
    );
}
