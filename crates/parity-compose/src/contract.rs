//! The `.env.example` contract: the settings an application documents for whoever runs it.
//!
//! Found beside the compose files (or named with [`crate::ComposeOptions::env_contract`]), then
//! in the parent folders up to the top of the git repository, and read with the same dotenv
//! rules as `.env`, since it is a dotenv file with placeholder values.

use std::path::{Path, PathBuf};

use parity_model::{ArcStr, Diagnostic, EnvContract, Environment, Origin};
use parity_source::{DEFAULT_MAX_FILE_BYTES, read_text};

use crate::dotenv::parse_dotenv;

/// Contract file names, in the order they are looked for in each folder.
pub const ENV_CONTRACT_FILE_NAMES: [&str; 4] =
    [".env.example", ".env.sample", ".env.dist", ".env.template"];

/// The contract file for a project in `project_dir`: the first of
/// [`ENV_CONTRACT_FILE_NAMES`] in `project_dir`, else in its parents up to and including the
/// folder holding `.git` (the repository root). `None` when there is none.
pub fn find_env_contract(project_dir: &Path) -> Option<PathBuf> {
    let mut dir = Some(project_dir);
    while let Some(current) = dir {
        let found = ENV_CONTRACT_FILE_NAMES
            .iter()
            .map(|name| current.join(name))
            .find(|path| path.is_file());
        if found.is_some() {
            return found;
        }
        if current.join(".git").exists() {
            return None;
        }
        dir = current
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
    }
    None
}

/// Reads the contract at `path` into `env.env_contract`; problems become diagnostics.
pub(crate) fn read_env_contract(path: &Path, env: &mut Environment) {
    let display: ArcStr = ArcStr::from(path.display().to_string());
    let text = match read_text(path, DEFAULT_MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(error) => {
            let (line, column) = error.position().unwrap_or((0, 0));
            env.diagnostics.push(Diagnostic::error(
                Origin::new(display, line, column),
                format!("cannot read the env contract: {error}"),
            ));
            return;
        }
    };
    if !env.files.iter().any(|file| file.as_str() == &*display) {
        env.files.push(display.to_string());
    }
    // Placeholder values are not interpolated against anything: only the keys matter.
    let dotenv = parse_dotenv(&text, &|_| Some(String::new()));
    for problem in &dotenv.errors {
        env.diagnostics.push(Diagnostic::warning(
            Origin::new(display.clone(), problem.line, problem.column),
            format!("env contract: {}", problem.message),
        ));
    }
    let mut keys: Vec<(String, Origin)> = Vec::new();
    for entry in dotenv.entries {
        if keys.iter().any(|(key, _)| *key == entry.key) {
            continue;
        }
        let origin = Origin::new(display.clone(), entry.line, entry.column);
        keys.push((entry.key, origin));
    }
    env.env_contract = Some(EnvContract {
        file: display,
        keys,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_with_lines_and_finds_the_file_up_to_the_repository_root() {
        let root = std::env::temp_dir().join(format!("parity-contract-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let project = root.join("deploy/local");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        assert_eq!(find_env_contract(&project), None);
        std::fs::write(
            root.join(".env.sample"),
            "# Stripe\nSTRIPE_KEY=sk_test_placeholder\n\nexport SMTP_HOST=\nDEBUG\nSTRIPE_KEY=again\n",
        )
        .unwrap();
        assert_eq!(find_env_contract(&project), Some(root.join(".env.sample")));
        std::fs::write(project.join(".env.example"), "A=1\n").unwrap();
        assert_eq!(
            find_env_contract(&project),
            Some(project.join(".env.example"))
        );

        let mut env = Environment::new("local");
        read_env_contract(&root.join(".env.sample"), &mut env);
        let contract = env.env_contract.unwrap();
        let keys: Vec<(&str, u32)> = contract
            .keys
            .iter()
            .map(|(key, origin)| (key.as_str(), origin.line))
            .collect();
        assert_eq!(keys, [("STRIPE_KEY", 2), ("SMTP_HOST", 4), ("DEBUG", 5)]);
        assert!(env.diagnostics.is_empty(), "{:?}", env.diagnostics);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
