use crate::{
    BaselineStatus, Diagnostic, Finding, Severity, Side, SuppressedFinding, Suppression, Topology,
};

/// The JSON report schema version. Bump only for breaking changes; tools depend on it.
pub const REPORT_VERSION: u32 = 1;

/// The result of comparing two environments: what renderers render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The local side.
    pub local: SideSummary,
    /// The prod side.
    pub prod: SideSummary,
    /// How services were paired across the sides.
    pub pairs: Vec<Pair>,
    /// Findings, sorted deterministically.
    pub findings: Vec<Finding>,
    /// Problems reading either side's input.
    pub diagnostics: Vec<SideDiagnostic>,
    /// Both sides' services and their dependencies, for drawing the service graph.
    pub topology: Topology,
    /// Set when a baseline was applied: what it hid and which of its entries no longer occur.
    pub baseline: Option<BaselineStatus>,
    /// Findings that a policy entry, an allowed difference or an inline comment hid, sorted like
    /// `findings`. Not counted in [`Report::summary`] nor by [`Report::has_findings_at`].
    pub suppressed: Vec<SuppressedFinding>,
    /// What the policy has to say about itself during this run: a suppression past its `expires`
    /// date (it no longer hides anything), an inline marker without a reason or naming an unknown
    /// rule. Warnings at the place the suppression is written.
    pub policy_diagnostics: Vec<Diagnostic>,
}

/// A summary of one side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideSummary {
    /// The root it was loaded from.
    pub root: String,
    /// Number of services (workloads).
    pub services: usize,
}

/// Two services matched across the sides, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// Local service name.
    pub local: String,
    /// Prod service name.
    pub prod: String,
    /// Why they were paired.
    pub paired_by: PairedBy,
}

/// Why two services were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PairedBy {
    /// Same name on both sides.
    ExactName,
    /// Same name after normalising case, `-`/`_`, and environment affixes (`-prod`, `prod-`).
    NormalizedName,
    /// A label (`app.kubernetes.io/name`, `app`, `io.kompose.service`) names the other service.
    Label,
    /// A mapping in the policy file.
    Mapping,
    /// The prod workload's main container is named after the local service.
    ContainerName,
    /// The only unpaired services on each side that run this image repository.
    Image,
    /// A local database, cache or broker container and a managed prod backing service
    /// (Terraform `aws_db_instance`, ...) running the same engine.
    Engine,
}

impl PairedBy {
    /// The stable id used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PairedBy::ExactName => "exact-name",
            PairedBy::NormalizedName => "normalized-name",
            PairedBy::Label => "label",
            PairedBy::Mapping => "mapping",
            PairedBy::ContainerName => "container-name",
            PairedBy::Image => "image",
            PairedBy::Engine => "engine",
        }
    }
}

/// A load diagnostic and the side it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideDiagnostic {
    /// Which side's input.
    pub side: Side,
    /// The diagnostic.
    pub diagnostic: Diagnostic,
}

/// Counts of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Notes.
    pub note: usize,
}

impl Report {
    /// Counts findings per severity.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for finding in &self.findings {
            match finding.severity {
                Severity::Error => summary.error += 1,
                Severity::Warning => summary.warning += 1,
                Severity::Note => summary.note += 1,
            }
        }
        summary
    }

    /// Whether any finding is at or above `threshold`.
    pub fn has_findings_at(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.severity.at_least(threshold))
    }

    /// How many findings each suppression hid, in the order the suppressions first hid one.
    pub fn suppressed_counts(&self) -> Vec<(&Suppression, usize)> {
        let mut counts: Vec<(&Suppression, usize)> = Vec::new();
        for item in &self.suppressed {
            match counts.iter_mut().find(|(by, _)| *by == &item.by) {
                Some((_, count)) => *count += 1,
                None => counts.push((&item.by, 1)),
            }
        }
        counts
    }

    /// Whether either side had input that could not be read, or a custom (Rego) policy could not
    /// be evaluated: either way the report is incomplete, and the CLI exits with code 2.
    pub fn has_load_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.diagnostic.level == crate::DiagnosticLevel::Error)
            || self
                .policy_diagnostics
                .iter()
                .any(|d| d.level == crate::DiagnosticLevel::Error)
    }
}
