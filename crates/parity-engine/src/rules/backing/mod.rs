//! 4xx: backing services (databases, caches, queues) and the engines they run.

pub mod engine_mismatch;
pub(crate) mod engines;
pub mod version_mismatch;
