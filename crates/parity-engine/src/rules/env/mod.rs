//! 3xx: environment variables.

pub mod env_contract;
pub mod env_undocumented;
pub mod env_unmatched;
pub mod env_value_mismatch;
