//! 7xx: secrets and how they reach workloads.

pub mod secret_in_plain_env;
