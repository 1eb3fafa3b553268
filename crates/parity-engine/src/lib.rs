//! Pairing services across the local and prod sides, parity's rules, and the policy file.
//!
//! [`check`] is the whole engine: it pairs the services of two loaded
//! [`Environment`](parity_model::Environment)s ([`pairing`]), runs every rule of [`RULES`] the
//! [`Policy`] leaves on, applies the policy's severities, and returns a sorted
//! [`Report`](parity_model::Report). It does no I/O and never prints.
//!
//! Each rule lives in its own file under `rules/<family>/`, declared with [`declare_rule!`] so its
//! doc comment is also the explanation users read with `parity explain`.

mod check;
mod context;
mod date;
mod error;
mod inline;
pub mod pairing;
mod policy;
mod prelude;
pub mod redirects;
mod registry;
mod rule;
pub mod rules;
mod suppress;
#[cfg(test)]
mod testing;

pub use check::{ExtraRules, check, check_with};
pub use context::{CheckContext, PairRef};
pub use error::PolicyError;
pub use inline::scan_inline_ignores;
pub use policy::{Mapping, Policy, RuleSetting};
pub use registry::{RULES, find_rule};
pub use rule::{HasMeta, Rule};
