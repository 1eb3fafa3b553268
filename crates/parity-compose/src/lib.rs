//! Docker Compose files into parity's resource graph, following the Compose Specification.
//!
//! [`discover`] picks the files `docker compose` would use in a directory, and [`load`] reads
//! them as one project: interpolation from `.env` (and, when asked, the process environment),
//! `extends`, `include`, override files with compose's merge rules (`!reset`, `!override`),
//! profiles, `env_file`s, and YAML anchors and merge keys. Each service becomes a
//! [`parity_model::Service`] whose parts keep the file, line and column they were written at.
//! Bad input becomes [`parity_model::Diagnostic`]s on the environment; loading goes on with what
//! can be read. The reference for every rule is what `docker compose config` prints.

mod contract;
mod convert;
mod dotenv;
mod interpolate;
mod merge;
mod ports;
mod project;
mod scalar;
mod tree;

use std::path::{Path, PathBuf};

use parity_source::yaml::Node;

pub use contract::{ENV_CONTRACT_FILE_NAMES, find_env_contract};
pub use project::load;

/// How to load a compose project.
#[derive(Debug, Default, Clone)]
pub struct ComposeOptions {
    /// Also read variables from the process environment (like `docker compose` does). Default false:
    /// results must not depend on the caller's shell unless asked.
    pub use_process_env: bool,
    /// Profiles to enable (like `--profile`). Services with profiles not enabled are inactive.
    pub profiles: Vec<String>,
    /// The `.env.example`-style file listing the settings the application reads. `None`: look
    /// for one ([`find_env_contract`]) beside the first compose file and up to the repository
    /// root.
    pub env_contract: Option<PathBuf>,
}

/// The names `docker compose` looks for, in its order of preference (compose-go's
/// `DefaultFileNames`: note `docker-compose.yml` before `docker-compose.yaml`).
const COMPOSE_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override files `docker compose` adds to whichever main file it picked (compose-go's
/// `DefaultOverrideFileNames`): the first that exists, whatever the main file's name.
const OVERRIDE_FILE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The compose files `docker compose` would pick in `dir`: the first existing of compose.yaml,
/// compose.yml, docker-compose.yml, docker-compose.yaml, plus the first existing override file
/// (compose.override.yml, compose.override.yaml, docker-compose.override.yml,
/// docker-compose.override.yaml), the same rules as docker compose. Empty vec if none.
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    let first_existing = |names: &[&str]| {
        names
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file())
    };
    let Some(main) = first_existing(&COMPOSE_FILE_NAMES) else {
        return Vec::new();
    };
    let mut files = vec![main];
    files.extend(first_existing(&OVERRIDE_FILE_NAMES));
    files
}

/// Whether a parsed YAML document looks like a compose file (used by the facade to detect formats).
///
/// It has a `services:` mapping and no `apiVersion`/`kind` (which would make it Kubernetes).
pub fn is_compose_document(root: &Node) -> bool {
    root.get("services")
        .is_some_and(|services| services.as_map().is_some() || services.is_null())
        && root.get("apiVersion").is_none()
        && root.get("kind").is_none()
}

#[cfg(test)]
mod tests {
    use parity_source::yaml::{Limits, parse_document};

    use super::*;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("parity-compose-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn discover_prefers_compose_yaml_and_adds_the_matching_override() {
        let dir = scratch_dir("discover");
        assert!(discover(&dir).is_empty());
        std::fs::write(dir.join("docker-compose.yaml"), "services: {}\n").unwrap();
        assert_eq!(discover(&dir), [dir.join("docker-compose.yaml")]);
        std::fs::write(dir.join("docker-compose.yml"), "services: {}\n").unwrap();
        assert_eq!(
            discover(&dir),
            [dir.join("docker-compose.yml")],
            "docker compose prefers .yml here"
        );
        std::fs::write(dir.join("docker-compose.override.yml"), "services: {}\n").unwrap();
        assert_eq!(
            discover(&dir),
            [
                dir.join("docker-compose.yml"),
                dir.join("docker-compose.override.yml")
            ]
        );
        std::fs::write(dir.join("compose.override.yaml"), "services: {}\n").unwrap();
        assert_eq!(
            discover(&dir),
            [
                dir.join("docker-compose.yml"),
                dir.join("compose.override.yaml")
            ],
            "any override name goes with any main file"
        );
        std::fs::write(dir.join("compose.yaml"), "services: {}\n").unwrap();
        std::fs::write(dir.join("compose.override.yml"), "services: {}\n").unwrap();
        assert_eq!(
            discover(&dir),
            [dir.join("compose.yaml"), dir.join("compose.override.yml")]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn compose_documents_are_told_apart_from_kubernetes() {
        let doc = |text: &str| parse_document(text, Limits::default()).unwrap();
        assert!(is_compose_document(&doc(
            "services:\n  web: {image: nginx}\n"
        )));
        assert!(is_compose_document(&doc("name: x\nservices:\n")));
        assert!(!is_compose_document(&doc(
            "apiVersion: v1\nkind: List\nservices: {}\n"
        )));
        assert!(!is_compose_document(&doc("services: [web]\n")));
        assert!(!is_compose_document(&doc("- a\n")));
    }
}
