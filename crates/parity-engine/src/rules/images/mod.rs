//! 2xx: container images.

pub mod image_mismatch;
pub mod unpinned_image;
