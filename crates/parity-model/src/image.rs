use std::fmt;

/// A container image reference parsed by the OCI distribution grammar
/// (`[registry[:port]/]repository[:tag][@digest]`), normalised the way Docker does:
/// no registry means `docker.io`, a single-component Docker Hub name gets `library/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// The reference exactly as written.
    pub raw: String,
    /// Registry host (with port), normalised: `docker.io` for Docker Hub.
    pub registry: String,
    /// Repository path, with `library/` for official Docker Hub images.
    pub repository: String,
    /// Tag, when written.
    pub tag: Option<String>,
    /// Digest (`sha256:...`), when written.
    pub digest: Option<String>,
}

/// Why an image reference does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRefError {
    /// The reference as written.
    pub raw: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for ImageRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid image reference {:?}: {}", self.raw, self.reason)
    }
}

impl std::error::Error for ImageRefError {}

/// The registry of an image reference whose repository is only known after deploy (Terraform:
/// `"${aws_ecr_repository.api.repository_url}:1.8.0"`); its tag and digest are still known.
/// The `repository` field then names the reference the repository comes from.
pub const UNKNOWN_REGISTRY: &str = "(known after apply)";

impl ImageRef {
    /// Whether the registry and repository are only known after deploy (see
    /// [`UNKNOWN_REGISTRY`]): only the tag and digest can be compared.
    pub fn is_repository_unknown(&self) -> bool {
        self.registry == UNKNOWN_REGISTRY
    }

    /// The tag that is pulled: the written tag, or `latest` when neither tag nor digest is given.
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// `registry/repository`, the identity of the image without version.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The last path component of the repository (`api` for `ghcr.io/acme/api`).
    pub fn short_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// The canonical form: `registry/repository[:tag][@digest]`, with `:latest` filled in.
    pub fn canonical(&self) -> String {
        let mut out = self.name();
        if let Some(tag) = self.effective_tag() {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Parses an image reference.
///
/// ```
/// let image = parity_model::parse_image_ref("localhost:5000/app:1.2").unwrap();
/// assert_eq!(image.registry, "localhost:5000");
/// assert_eq!(image.repository, "app");
/// assert_eq!(image.tag.as_deref(), Some("1.2"));
///
/// let hub = parity_model::parse_image_ref("postgres").unwrap();
/// assert_eq!(hub.canonical(), "docker.io/library/postgres:latest");
/// ```
pub fn parse_image_ref(raw: &str) -> Result<ImageRef, ImageRefError> {
    let fail = |reason| ImageRefError {
        raw: raw.to_owned(),
        reason,
    };
    let text = raw.trim();
    if text.is_empty() {
        return Err(fail("empty reference"));
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => {
            let (algorithm, hex) = digest
                .split_once(':')
                .ok_or_else(|| fail("digest has no algorithm"))?;
            let algorithm_ok = !algorithm.is_empty()
                && algorithm
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c));
            if !algorithm_ok || hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(fail("malformed digest"));
            }
            (rest, Some(digest.to_owned()))
        }
        None => (text, None),
    };
    // A tag is the part after the last ':' when that ':' comes after the last '/'
    // (a ':' before the last '/' is a registry port).
    let last_slash = rest.rfind('/');
    let (name, tag) = match rest.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
            (&rest[..colon], Some(&rest[colon + 1..]))
        }
        _ => (rest, None),
    };
    if let Some(tag) = tag {
        let mut chars = tag.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !first_ok
            || tag.len() > 128
            || !chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return Err(fail("malformed tag"));
        }
    }
    let (registry, path) = match name.split_once('/') {
        Some((first, remainder))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first.to_owned(), remainder)
        }
        _ => ("docker.io".to_owned(), name),
    };
    if path.is_empty() || !path.split('/').all(valid_path_component) {
        return Err(fail(
            "repository must be lower-case letters, digits and separators",
        ));
    }
    let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
        "docker.io".to_owned()
    } else {
        registry
    };
    let repository = if registry == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_owned()
    };
    Ok(ImageRef {
        raw: raw.to_owned(),
        registry,
        repository,
        tag: tag.map(str::to_owned),
        digest,
    })
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    if bytes.is_empty()
        || !bytes[0].is_ascii_alphanumeric()
        || !bytes[bytes.len() - 1].is_ascii_alphanumeric()
    {
        return false;
    }
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() {
            index += 1;
            continue;
        }
        match byte {
            b'.' => index += 1,
            b'_' => {
                index += if bytes.get(index + 1) == Some(&b'_') {
                    2
                } else {
                    1
                }
            }
            b'-' => {
                while bytes.get(index) == Some(&b'-') {
                    index += 1;
                }
            }
            _ => return false,
        }
        // A separator must be followed by an alphanumeric.
        if !bytes
            .get(index)
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> (String, String, Option<String>, Option<String>) {
        let image = parse_image_ref(raw).unwrap();
        (image.registry, image.repository, image.tag, image.digest)
    }

    const DIGEST: &str = "sha256:4d5c4fdb5a3a6e1c16b9e0c4d2b6f6f9d7f0a57c7f1e7a0c1e7e3b0f3b9a8c7d";

    #[test]
    fn docker_hub_official_images_get_library() {
        assert_eq!(
            parts("redis"),
            ("docker.io".into(), "library/redis".into(), None, None)
        );
        assert_eq!(parts("redis:7").2.as_deref(), Some("7"));
        assert_eq!(
            parse_image_ref("docker.io/library/redis")
                .unwrap()
                .canonical(),
            "docker.io/library/redis:latest"
        );
        assert_eq!(
            parse_image_ref("index.docker.io/redis:latest")
                .unwrap()
                .canonical(),
            "docker.io/library/redis:latest"
        );
    }

    #[test]
    fn registries_with_ports_and_namespaces() {
        assert_eq!(
            parts("localhost:5000/app:1.2"),
            (
                "localhost:5000".into(),
                "app".into(),
                Some("1.2".into()),
                None
            )
        );
        assert_eq!(
            parts("localhost/app"),
            ("localhost".into(), "app".into(), None, None)
        );
        assert_eq!(parts("ghcr.io/acme/api:v2").1, "acme/api");
        assert_eq!(parts("acme/api").0, "docker.io");
        assert_eq!(
            parts("registry.example.com:443/team/sub/app").1,
            "team/sub/app"
        );
    }

    #[test]
    fn digests_and_tag_plus_digest() {
        let (_, repo, tag, digest) = parts(&format!("nginx@{DIGEST}"));
        assert_eq!(
            (repo.as_str(), tag, digest.as_deref()),
            ("library/nginx", None, Some(DIGEST))
        );
        let both = parse_image_ref(&format!("ghcr.io/a/b:1.0@{DIGEST}")).unwrap();
        assert_eq!(both.tag.as_deref(), Some("1.0"));
        assert_eq!(both.digest.as_deref(), Some(DIGEST));
        assert_eq!(
            parse_image_ref(&format!("nginx@{DIGEST}"))
                .unwrap()
                .effective_tag(),
            None
        );
    }

    #[test]
    fn rejects_malformed_references() {
        for raw in [
            "",
            "UPPER",
            "app:",
            "app:-x",
            "a//b",
            "app@sha256:xyz",
            "-app",
            "app:tag with space",
        ] {
            assert!(parse_image_ref(raw).is_err(), "{raw:?} should not parse");
        }
    }

    #[test]
    fn separators_in_components() {
        assert!(parse_image_ref("my_org/my__app-x.y").is_ok());
        assert!(parse_image_ref("my___app").is_err());
        assert!(parse_image_ref("app.").is_err());
    }
}
