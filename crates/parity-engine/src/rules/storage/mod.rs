//! 6xx: volumes and where data is kept.

pub mod ephemeral_storage;
