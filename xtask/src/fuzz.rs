//! `cargo xtask fuzz`: placeholder, filled in below.

use anyhow::{Result, bail};

pub(crate) fn run(_args: &[String]) -> Result<()> {
    bail!("not yet")
}
