//! 4xx: backing services (databases, caches, queues) and the engines they run.

pub mod version_mismatch;
