//! 2xx: container images.

pub mod image_mismatch;
