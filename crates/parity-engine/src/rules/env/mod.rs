//! 3xx: environment variables.

pub mod env_unmatched;
