//! The built-in rules, one file each, grouped by family (the hundreds of their code).

pub mod backing;
pub mod env;
pub mod images;
pub mod network;
pub mod secrets;
pub mod services;
pub mod storage;
