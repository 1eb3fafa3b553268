//! What every CLI test file shares: where the workspace is, how `parity` is run, the example app.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The workspace root.
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `parity` run from the workspace root, so paths in reports are the relative ones users see.
pub(crate) fn parity() -> Command {
    let mut command = Command::cargo_bin("parity").unwrap();
    command.current_dir(workspace()).env_remove("NO_COLOR");
    command
}

/// What a run of `parity` gave back.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `parity` with `args` from the workspace root; it must exit normally, without a panic.
pub(crate) fn run(args: &[&str]) -> Run {
    let output = parity().args(args).output().unwrap();
    let run = Run {
        code: output
            .status
            .code()
            .expect("parity exits with a code, not a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

pub(crate) const SHOP_LOCAL: &str = "testdata/examples/shop/local";
pub(crate) const SHOP_PROD: &str = "testdata/examples/shop/prod";

/// Secret values planted in the shop example; none may appear in any output.
pub(crate) const SECRETS: &[&str] = &[
    "Pr0d-Pa55",
    "sk_live_prod_key_value",
    "prod-jwt-signing-key",
    "local-dev-secret-do-not-use",
    "shop-local-password",
    "sk_test_local_only",
    "local-master-key",
    "abc123@o1",
];
