//! parity as a library: read a local and a production description of the same application and
//! report how they drift apart.
//!
//! ```
//! # let shop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/examples/shop");
//! let local = parity::load(shop.join("local"))?; // docker compose files
//! let prod = parity::load(shop.join("prod"))?; // Kubernetes manifests
//! let report = parity::diff(&local, &prod, &parity::Policy::builtin());
//! let errors = report.findings.iter().filter(|f| f.severity == parity::Severity::Error).count();
//! assert!(errors > 0, "the example app has planted drift");
//! // Render it like the CLI does, into any `io::Write`.
//! let mut text = Vec::new();
//! parity::render_text(&report, parity::TextOptions::default(), &mut text)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Loading never fails because of bad input: a file that does not parse becomes a
//! [`Diagnostic`] on the [`Environment`], and the other files are still read. [`Error`] is kept
//! for what stops a side from being loaded at all (a root that does not exist, an invalid policy
//! file). This crate prints nothing.

mod baseline;
mod error;
mod load;

pub use baseline::{BASELINE_VERSION, Baseline, BaselineError};
pub use error::Error;
pub use load::{LoadOptions, load, load_compose_files, load_stream, load_with};

pub use parity_compose::ComposeOptions;
pub use parity_engine::{Policy, PolicyError, RULES, Rule, find_rule};
pub use parity_k8s::kustomize::is_kustomization_file_name;
pub use parity_model::{BaselineEntry, BaselineStatus, Fingerprint, Topology, TopologyService};
pub use parity_model::{
    Container, Diagnostic, DiagnosticLevel, EnvValue, EnvVar, Environment, Finding, ImageRef,
    Location, Origin, Pair, PairedBy, Port, REPORT_VERSION, Report, ResourceGraph, RuleMeta,
    Service, Severity, Side, SideDiagnostic, Summary,
};
pub use parity_rego::{RegoError, RegoPolicies};
pub use parity_report::{
    FINGERPRINT_KEY, GRAPH_JSON_VERSION, SarifTool, TextOptions, render_github, render_graph_dot,
    render_graph_json, render_graph_mermaid, render_json, render_junit, render_markdown,
    render_sarif, render_text,
};
pub use parity_report::{SHOW_JSON_VERSION, render_show_json, render_show_table, render_show_yaml};
pub use parity_terraform::{CliVariable, TerraformOptions};

use std::path::{Path, PathBuf};

/// Compares two loaded environments under a policy. Pure: no I/O.
pub fn diff(local: &Environment, prod: &Environment, policy: &Policy) -> Report {
    parity_engine::check(local, prod, policy)
}

/// [`diff`] plus custom Rego policies (loaded with [`RegoPolicies::load`], e.g. from the paths
/// the policy file names under `rego:`): their findings are sorted, suppressed and counted like
/// built-in ones. Pure: no I/O.
pub fn diff_with_rego(
    local: &Environment,
    prod: &Environment,
    policy: &Policy,
    rego: &RegoPolicies,
) -> Report {
    parity_engine::check_with(local, prod, policy, &[rego])
}

/// The policy file name found automatically.
pub const POLICY_FILE_NAME: &str = "parity.yaml";

/// Finds a repository's `parity.yaml`: in `start` or the closest parent directory, stopping at
/// the top of the git repository (a directory holding `.git`) so a file outside the repository
/// never applies.
pub fn find_policy(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(current) = dir {
        let candidate = current.join(POLICY_FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if current.join(".git").exists() {
            return None;
        }
        dir = current.parent();
    }
    None
}

/// Reads a policy file and layers it over the built-in policy.
pub fn load_policy(path: &Path) -> Result<Policy, Error> {
    let text = parity_source::read_text(path, parity_source::DEFAULT_MAX_FILE_BYTES)
        .map_err(|source| Error::Read { source })?;
    Ok(Policy::from_yaml_at(
        &path.display().to_string(),
        &text,
        path,
    )?)
}
