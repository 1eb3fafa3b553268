//! 5xx: ports and networking.

pub mod dangling_dependency;
pub mod loopback_reference;
pub mod port_mismatch;
pub mod unexposed_port;
