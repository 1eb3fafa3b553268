//! 1xx: services present or absent.

pub mod healthcheck_missing;
pub mod missing_service;
pub mod replicas;
