use std::io::Read;
use std::path::{Path, PathBuf};

use crate::SourceError;

/// The default cap on one input file: 64 MiB. Real manifests are far smaller; a larger file is
/// almost certainly not configuration.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `path` as UTF-8 text, refusing files over `max_bytes`, and strips a leading BOM.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, SourceError> {
    let io_error = |source| SourceError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    if size > max_bytes {
        return Err(SourceError::TooLarge {
            path: path.to_owned(),
            size,
            limit: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Read at most one byte past the limit, in case the file grows while we read it.
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > max_bytes {
        return Err(SourceError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    decode_text(path, bytes)
}

/// The folder that reads made on behalf of an input under `root` are confined to: the top of
/// the git repository that holds `root`, or `root` itself (its folder, for a file) outside a
/// repository.
///
/// Real layouts name files above the folder a user points at: kustomize overlays
/// (`../../base`), Terraform environments (`source = "../../modules/app"`), compose files
/// sharing an env file. The repository is the unit a user hands to parity (and CI checks out),
/// so that is the boundary; a path or symlink leaving it is refused.
pub fn read_boundary(root: &Path) -> PathBuf {
    // Outside a repository the boundary is `root` as the user wrote it, so messages name it so.
    let given = if root.is_dir() {
        root.to_owned()
    } else {
        match root.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        }
    };
    let absolute = std::fs::canonicalize(&given).unwrap_or_else(|_| given.clone());
    let mut dir = Some(absolute.as_path());
    while let Some(current) = dir {
        if current.join(".git").exists() {
            return current.to_owned();
        }
        dir = current.parent();
    }
    given
}

/// Checks that `path`, a file named inside an input (an `env_file`, an `extends` or `include`
/// file, a symlinked manifest), stays under `root` and is a regular file, before it is read.
///
/// Both are resolved through symbolic links, so a link inside the root that points outside is
/// refused as well as a `../../etc/passwd`. A path that does not exist passes: reading it then
/// reports that it is missing, which says more than "outside". Paths the user gave on the
/// command line are not checked: those are the roots.
pub fn check_within(root: &Path, path: &Path) -> Result<(), SourceError> {
    let resolved = match path.canonicalize() {
        Ok(resolved) => resolved,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(SourceError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let root_resolved = root.canonicalize().map_err(|source| SourceError::Io {
        path: root.to_owned(),
        source,
    })?;
    if !resolved.starts_with(&root_resolved) {
        return Err(SourceError::OutsideRoot {
            path: path.to_owned(),
            root: root.to_owned(),
        });
    }
    let is_file = std::fs::metadata(&resolved).is_ok_and(|metadata| metadata.is_file());
    if !is_file && !resolved.is_dir() {
        return Err(SourceError::NotAFile {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// Turns bytes into text: strips a UTF-8 BOM and reports the position of the first byte that
/// is not UTF-8.
pub fn decode_text(path: &Path, mut bytes: Vec<u8>) -> Result<String, SourceError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        SourceError::NotUtf8 {
            path: path.to_owned(),
            line: line as u32,
            column: column as u32,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom() {
        let text = decode_text(Path::new("x"), b"\xEF\xBB\xBFa: 1\n".to_vec()).unwrap();
        assert_eq!(text, "a: 1\n");
    }

    #[test]
    fn reports_position_of_invalid_utf8() {
        let error = decode_text(Path::new("x.yaml"), b"a: 1\nbb: \xff\n".to_vec()).unwrap_err();
        assert_eq!(error.position(), Some((2, 5)));
        assert_eq!(error.to_string(), "x.yaml:2:5: not valid UTF-8 text");
    }

    #[test]
    fn paths_must_stay_under_the_root() {
        let base =
            std::env::temp_dir().join(format!("parity-source-within-{}", std::process::id()));
        let root = base.join("project");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(base.join("secret.env"), "TOKEN=x\n").unwrap();
        std::fs::write(root.join("sub/app.env"), "A=1\n").unwrap();
        assert!(check_within(&root, &root.join("sub/app.env")).is_ok());
        assert!(check_within(&root, &root.join("sub/../sub/app.env")).is_ok());
        assert!(
            check_within(&root, &root.join("missing.env")).is_ok(),
            "a missing file is reported by the read"
        );
        let error = check_within(&root, &root.join("../secret.env")).unwrap_err();
        assert!(matches!(error, SourceError::OutsideRoot { .. }));
        assert!(
            error.to_string().ends_with(
                "parity reads only regular files under the folders it is given (a `..` or a symbolic link leads out)"
            ),
            "{error}"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("secret.env"), root.join("link.env")).unwrap();
            assert!(matches!(
                check_within(&root, &root.join("link.env")),
                Err(SourceError::OutsideRoot { .. })
            ));
            std::os::unix::fs::symlink("sub/app.env", root.join("inside.env")).unwrap();
            assert!(check_within(&root, &root.join("inside.env")).is_ok());
            assert!(matches!(
                check_within(Path::new("/dev"), Path::new("/dev/zero")),
                Err(SourceError::NotAFile { .. })
            ));
        }
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn read_boundary_is_the_repository_or_the_folder_given() {
        let dir = std::env::temp_dir().join(format!("parity-boundary-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("repo/envs/prod")).unwrap();
        std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.join("plain/sub")).unwrap();
        let repo = dir.join("repo").canonicalize().unwrap();
        assert_eq!(read_boundary(&dir.join("repo/envs/prod")), repo);
        assert_eq!(read_boundary(&dir.join("plain/sub")), dir.join("plain/sub"));
        std::fs::write(dir.join("plain/sub/compose.yaml"), "services: {}\n").unwrap();
        assert_eq!(
            read_boundary(&dir.join("plain/sub/compose.yaml")),
            dir.join("plain/sub")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_files_over_the_limit() {
        let dir = std::env::temp_dir().join(format!("parity-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.yaml");
        std::fs::write(&path, "a: 1\n".repeat(100)).unwrap();
        assert!(matches!(
            read_text(&path, 10),
            Err(SourceError::TooLarge { size: 500, .. })
        ));
        assert_eq!(read_text(&path, 1000).unwrap().len(), 500);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
