//! 5xx: ports and networking.

pub mod port_mismatch;
