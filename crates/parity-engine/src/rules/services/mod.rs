//! 1xx: services present or absent.

pub mod missing_service;
