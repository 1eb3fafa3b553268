//! The one side `parity show` and `parity graph` read, and the options that shape its loading.

use std::path::PathBuf;

use anyhow::{Context, Result};
use parity::{Environment, LoadOptions};

/// The side and how to load it, shared by the commands that read one side.
#[derive(clap::Args)]
pub(crate) struct SideArgs {
    /// The side: a compose project, a folder of Kubernetes manifests, a kustomization, a
    /// Terraform root module, a file, or `-` for standard input.
    pub(crate) root: PathBuf,
    /// Enable a compose profile (repeatable).
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Let compose interpolation read variables from this shell's environment.
    #[arg(long)]
    use_shell_env: bool,
    /// A Terraform variables file (repeatable), like `terraform plan -var-file`.
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// A Terraform variable (repeatable), like `terraform plan -var NAME=VALUE`.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = crate::parse_var)]
    vars: Vec<(String, String)>,
}

impl SideArgs {
    /// Loads the side with the loader `parity diff` uses.
    pub(crate) fn load(&self) -> Result<Environment> {
        let mut options = LoadOptions::default();
        options.compose.profiles = self.profiles.clone();
        options.compose.use_process_env = self.use_shell_env;
        options.terraform.variables = crate::terraform_variables(
            std::env::args_os(),
            ("--var-file", &self.var_files),
            ("--var", &self.vars),
        );
        crate::load_side(&self.root, &options)
            .with_context(|| format!("loading {}", self.root.display()))
    }
}
