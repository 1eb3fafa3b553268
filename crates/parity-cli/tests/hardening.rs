//! Hostile input end to end: every limit gives a clear error with the file (and line) and exit
//! code 2 in bounded time, no file outside the roots given is read, and nothing is executed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// A scratch folder with a one-service compose project in `local/`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parity-hardening-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("local")).unwrap();
    std::fs::create_dir_all(dir.join("prod")).unwrap();
    std::fs::write(
        dir.join("local/compose.yaml"),
        "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n",
    )
    .unwrap();
    dir
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.0\n";

/// Runs `parity diff local prod` in `dir`; returns exit code, stdout, stderr and the time taken.
fn diff(dir: &Path) -> (i32, String, String, Duration) {
    let start = Instant::now();
    let output = Command::cargo_bin("parity")
        .unwrap()
        .current_dir(dir)
        .args(["diff", "local", "prod", "--color", "never"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        start.elapsed(),
    )
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it() {
    let dir = scratch("size");
    std::fs::write(dir.join("prod/api.yaml"), DEPLOYMENT).unwrap();
    // Sparse: the size is what counts, and it costs no disk.
    let big = std::fs::File::create(dir.join("prod/huge.yaml")).unwrap();
    big.set_len(parity_source_limit() + 1).unwrap();
    let (code, stdout, stderr, elapsed) = diff(&dir);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "prod/huge.yaml: error: file is {} bytes, over the limit of {} bytes",
            parity_source_limit() + 1,
            parity_source_limit()
        )),
        "{stderr}"
    );
    assert!(
        stdout.contains("1 paired"),
        "the other files are still read: {stdout}"
    );
    assert!(elapsed < Duration::from_secs(10));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `parity_source::DEFAULT_MAX_FILE_BYTES`, which the CLI uses.
fn parity_source_limit() -> u64 {
    64 * 1024 * 1024
}

#[test]
fn deep_nesting_stops_with_its_position() {
    let dir = scratch("depth");
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n");
    for depth in 0..300 {
        text.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth + 1)));
    }
    std::fs::write(dir.join("prod/deep.yaml"), text).unwrap();
    std::fs::write(dir.join("prod/api.yaml"), DEPLOYMENT).unwrap();
    let (code, _, stderr, _) = diff(&dir);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "prod/deep.yaml:204:401: error: invalid YAML: nesting deeper than 200 levels"
        ),
        "{stderr}"
    );
    // Flow nesting is stopped by the parser before the tree is built.
    // (It names apiVersion and kind, so discovery reads it as a manifest.)
    let flow = format!("# apiVersion, kind\n{}", "[".repeat(200_000));
    std::fs::write(dir.join("prod/deep.yaml"), flow).unwrap();
    let (code, _, stderr, elapsed) = diff(&dir);
    assert_eq!(code, 2);
    assert!(stderr.contains("prod/deep.yaml:2:"), "{stderr}");
    assert!(stderr.contains("recursion limit"), "{stderr}");
    assert!(elapsed < Duration::from_secs(10));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_alias_bomb_fails_fast_in_compose_and_in_manifests() {
    let dir = scratch("alias");
    let mut bomb = String::from("x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..12 {
        let previous = format!("*a{}", level - 1);
        bomb.push_str(&format!(
            "x{level}: &a{level} [{}]\n",
            [previous.as_str(); 9].join(", ")
        ));
    }
    std::fs::write(
        dir.join("prod/bomb.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: bomb}}\n{bomb}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("local/compose.yaml"),
        format!("services:\n  api:\n    image: ghcr.io/acme/api:1.0\n{bomb}"),
    )
    .unwrap();
    let (code, _, stderr, elapsed) = diff(&dir);
    assert_eq!(code, 2);
    for file in ["local/compose.yaml", "prod/bomb.yaml"] {
        assert!(
            stderr.contains(&format!("{file}:"))
                && stderr.contains(
                    "alias expansion exceeds the limit of 1000000 nodes (an alias bomb?)"
                ),
            "{file}: {stderr}"
        );
    }
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn too_many_documents_in_one_stream() {
    let dir = scratch("documents");
    std::fs::write(dir.join("prod/api.yaml"), DEPLOYMENT).unwrap();
    let many = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: n}}\n{}",
        "--- 1\n".repeat(100_001)
    );
    std::fs::write(dir.join("prod/many.yaml"), many).unwrap();
    let (code, _, stderr, elapsed) = diff(&dir);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "prod/many.yaml:100003:1: error: invalid YAML: more than 100000 documents in one stream"
        ),
        "{}",
        stderr.lines().rev().take(3).collect::<Vec<_>>().join("\n")
    );
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compose_references_that_leave_the_root_are_refused() {
    let dir = scratch("compose-escape");
    std::fs::write(dir.join("outside.env"), "API_TOKEN=outside-secret-value\n").unwrap();
    std::fs::write(
        dir.join("local/compose.yaml"),
        "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    env_file: ../outside.env\n",
    )
    .unwrap();
    std::fs::write(dir.join("prod/api.yaml"), DEPLOYMENT).unwrap();
    let (code, stdout, stderr, _) = diff(&dir);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("local/../outside.env is outside local: parity reads only regular files under the folders it is given"),
        "{stderr}"
    );
    assert!(!stdout.contains("API_TOKEN"), "{stdout}");
    #[cfg(unix)]
    {
        std::fs::write(
            dir.join("local/compose.yaml"),
            "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    env_file: api.env\n",
        )
        .unwrap();
        std::os::unix::fs::symlink("../outside.env", dir.join("local/api.env")).unwrap();
        let (code, stdout, stderr, _) = diff(&dir);
        assert_eq!(code, 2);
        assert!(
            stderr.contains("local/api.env is outside local"),
            "{stderr}"
        );
        assert!(!stdout.contains("API_TOKEN"), "{stdout}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_symlinked_manifest_that_leaves_the_root_is_refused() {
    let dir = scratch("k8s-escape");
    std::fs::write(dir.join("prod/api.yaml"), DEPLOYMENT).unwrap();
    std::fs::write(
        dir.join("leaked.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: leaked-from-outside}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../leaked.yaml", dir.join("prod/leaked.yaml")).unwrap();
    let (code, stdout, stderr, _) = diff(&dir);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("prod/leaked.yaml: error: prod/leaked.yaml is outside prod"),
        "{stderr}"
    );
    assert!(!stdout.contains("leaked-from-outside"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nothing_in_the_input_is_executed() {
    let dir = scratch("exec");
    let marker = dir.join("executed");
    let touch = format!("touch {}", marker.display());
    // Compose: a build with a Dockerfile, interpolation that looks like a shell substitution,
    // and a healthcheck command; none of it may run.
    std::fs::write(
        dir.join("local/compose.yaml"),
        format!(
            "services:\n  api:\n    build: .\n    command: [\"sh\", \"-c\", \"{touch}\"]\n    environment:\n      X: \"$$({touch})\"\n      Y: \"`{touch}`\"\n    healthcheck:\n      test: [\"CMD-SHELL\", \"{touch}\"]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("local/Dockerfile"),
        format!("FROM alpine\nRUN {touch}\n"),
    )
    .unwrap();
    // Terraform: a local-exec provisioner and an external data source.
    std::fs::remove_dir_all(dir.join("prod")).unwrap();
    std::fs::create_dir_all(dir.join("prod")).unwrap();
    std::fs::write(
        dir.join("prod/main.tf"),
        format!(
            "data \"external\" \"x\" {{\n  program = [\"sh\", \"-c\", \"{touch}\"]\n}}\nresource \"null_resource\" \"x\" {{\n  provisioner \"local-exec\" {{\n    command = \"{touch}\"\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let _ = diff(&dir);
    assert!(!marker.exists(), "parity executed a command from its input");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn terraform_module_cycles_and_escapes_stop_with_errors() {
    let dir = scratch("terraform-modules");
    std::fs::create_dir_all(dir.join("prod/modules/a")).unwrap();
    std::fs::create_dir_all(dir.join("prod/modules/b")).unwrap();
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::write(
        dir.join("prod/main.tf"),
        "module \"a\" {\n  source = \"./modules/a\"\n}\nmodule \"up\" {\n  source = \"../shared\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("shared/main.tf"),
        "resource \"aws_db_instance\" \"outside\" {\n  engine = \"postgres\"\n}\n",
    )
    .unwrap();
    // Each module calls the other three times: 3^16 instances before the depth limit.
    let calls = |target: &str| {
        (1..=3)
            .map(|n| format!("module \"{target}{n}\" {{\n  source = \"../{target}\"\n}}\n"))
            .collect::<String>()
    };
    std::fs::write(dir.join("prod/modules/a/main.tf"), calls("b")).unwrap();
    std::fs::write(dir.join("prod/modules/b/main.tf"), calls("a")).unwrap();
    let (code, _, stderr, elapsed) = diff(&dir);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "prod/main.tf:4:1: error: module `up`: source \"../shared\" leads outside prod"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("more than 10000 module files read for one configuration (modules calling each other in a cycle?): not followed"),
        "{stderr}"
    );
    assert!(
        stderr.lines().count() < 100,
        "repeated diagnostics are collapsed: {} lines",
        stderr.lines().count()
    );
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn references_within_the_repository_are_followed() {
    // The common Terraform and compose layouts name files above the folder given: inside a
    // repository that is allowed, outside it is not.
    let dir = scratch("repository-boundary");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("infra/envs/prod")).unwrap();
    std::fs::create_dir_all(dir.join("infra/modules/db")).unwrap();
    std::fs::write(dir.join("shared.env"), "LOG_LEVEL=info\n").unwrap();
    std::fs::write(
        dir.join("local/compose.yaml"),
        "services:\n  db:\n    image: postgres:16\n    env_file: ../shared.env\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("infra/envs/prod/main.tf"),
        "module \"db\" {\n  source = \"../../modules/db\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("infra/modules/db/main.tf"),
        "resource \"aws_db_instance\" \"db\" {\n  engine         = \"postgres\"\n  engine_version = \"16.4\"\n}\n",
    )
    .unwrap();
    let output = Command::cargo_bin("parity")
        .unwrap()
        .current_dir(&dir)
        .args(["diff", "local", "infra/envs/prod", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("outside"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair["local"] == "db"),
        "the module's database was read and pairs with compose db: {report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
