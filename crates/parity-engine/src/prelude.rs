//! What every rule file imports.

pub(crate) use parity_model::{Finding, Severity, Side};

pub(crate) use crate::context::{CheckContext, PairRef, location, unpaired_finding};
pub(crate) use crate::declare_rule;
pub(crate) use crate::rule::Rule;
