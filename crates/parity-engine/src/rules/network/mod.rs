//! 5xx: ports and networking.

pub mod dangling_dependency;
pub mod port_mismatch;
