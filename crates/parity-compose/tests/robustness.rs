//! The loader never panics, whatever the compose file holds: bad input becomes diagnostics.

#![allow(clippy::unwrap_used)]

use parity_compose::{ComposeOptions, load};
use parity_model::Environment;
use proptest::prelude::*;

/// Lines that look like compose, in any order and indentation, so the generator reaches the
/// loader's code rather than stopping at YAML syntax errors.
fn compose_line() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "services:",
        "api:",
        "image: ${TAG:-x}",
        "image: [a]",
        "build: .",
        "environment:",
        "- A=1",
        "- B",
        "A: $X",
        "ports:",
        "- \"80:80\"",
        "- 8080",
        "- target: 80",
        "volumes:",
        "- data:/d",
        "- ./x:/y:ro",
        "depends_on:",
        "- db",
        "db:",
        "condition: service_healthy",
        "extends: api",
        "extends: {service: db}",
        "env_file: missing.env",
        "profiles: [p]",
        "labels: [a=b]",
        "healthcheck: {test: [NONE]}",
        "deploy: {replicas: 2}",
        "scale: x",
        "x-a: &a {image: y}",
        "<<: *a",
        "!reset []",
        "tmpfs: /t",
        "${BAD",
        "$${X}",
        "null",
        "- [1, 2]",
    ]);
    (0usize..8, keys).prop_map(|(indent, key)| format!("{}{key}", " ".repeat(indent)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn load_never_panics(lines in prop::collection::vec(compose_line(), 0..30)) {
        let dir = std::env::temp_dir().join(format!("parity-compose-robust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("compose.yaml");
        std::fs::write(&file, lines.join("\n")).unwrap();
        let mut environment = Environment::new("x");
        load(&[file], &ComposeOptions::default(), &mut environment);
        for diagnostic in &environment.diagnostics {
            prop_assert!(!diagnostic.message.is_empty());
            prop_assert!(diagnostic.message.chars().next().is_some_and(|c| !c.is_uppercase()), "{}", diagnostic);
        }
    }
}
