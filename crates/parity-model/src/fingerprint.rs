//! Stable finding identities: what SARIF `partialFingerprints` and baseline files record.
//!
//! A fingerprint must survive edits that do not touch the finding (a comment added above a
//! service moves every line below it), so it is built from what the finding is about (rule,
//! services, key, the side it is missing on, the files involved) and never from lines, columns,
//! messages or values. Values are left out on purpose too: they may be redacted, and a tag that
//! moves from `1.7.3` to `1.7.4` is still the same accepted drift.

use std::fmt;

use crate::{Finding, Report, Side};

/// Version tag mixed into every hash; bump it only together with the baseline file version.
const FINGERPRINT_SCHEME: &str = "parity-fingerprint/v1";

/// A finding's identity across runs: 16 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Accepts exactly 16 hex digits (either case, kept lower-case), as written by
    /// [`Fingerprint`]'s `Display`.
    pub fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| Fingerprint(text.to_ascii_lowercase()))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 64-bit FNV-1a: tiny, dependency-free and, unlike `std`'s hashers, specified, so fingerprints
/// written by one build of parity match those of any other.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn field(&mut self, text: &str) {
        for byte in text.bytes().chain(std::iter::once(0x1f)) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// A file path as the fingerprint sees it: relative to the side's root when it lies under it,
/// with `/` separators, so running parity from another directory (or on Windows) gives the same
/// fingerprint.
fn relative_path<'a>(file: &'a str, root: &str) -> std::borrow::Cow<'a, str> {
    let trimmed_root = root.trim_end_matches(['/', '\\']);
    let relative = if file == root || file == trimmed_root {
        // The root is the file itself: keep only its name.
        file.rsplit(['/', '\\']).next().unwrap_or(file)
    } else {
        file.strip_prefix(trimmed_root)
            .filter(|rest| rest.starts_with(['/', '\\']) && !trimmed_root.is_empty())
            .map(|rest| rest.trim_start_matches(['/', '\\']))
            .unwrap_or(file)
    };
    let relative = relative.strip_prefix("./").unwrap_or(relative);
    if relative.contains('\\') {
        std::borrow::Cow::Owned(relative.replace('\\', "/"))
    } else {
        std::borrow::Cow::Borrowed(relative)
    }
}

impl Report {
    /// The fingerprint of each finding, in the order of [`Report::findings`].
    ///
    /// Two findings that would hash alike (a rule reporting the same key twice for one service)
    /// are told apart by their occurrence number, so every finding of a report has its own
    /// fingerprint. This is the one place fingerprints are made: SARIF and baselines both use it.
    pub fn fingerprints(&self) -> Vec<Fingerprint> {
        let mut seen: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        self.findings
            .iter()
            .map(|finding| {
                let base = self.finding_hash(finding);
                let occurrence = seen.entry(base.0).or_insert(0);
                let mut hash = base;
                if *occurrence > 0 {
                    hash.field(&occurrence.to_string());
                }
                *occurrence += 1;
                Fingerprint(format!("{:016x}", hash.0))
            })
            .collect()
    }

    /// The fingerprint of one finding on its own, for findings outside [`Report::findings`]
    /// (those a suppression hid). Equal to its entry in [`Report::fingerprints`] unless the
    /// report holds an identical finding before it.
    pub fn fingerprint_of(&self, finding: &Finding) -> Fingerprint {
        Fingerprint(format!("{:016x}", self.finding_hash(finding).0))
    }

    fn finding_hash(&self, finding: &Finding) -> Fnv1a {
        let mut hash = Fnv1a::new();
        hash.field(FINGERPRINT_SCHEME);
        hash.field(finding.rule);
        hash.field(finding.local_service.as_deref().unwrap_or(""));
        hash.field(finding.prod_service.as_deref().unwrap_or(""));
        hash.field(finding.key.as_deref().unwrap_or(""));
        hash.field(finding.missing_in.map_or("", Side::as_str));
        let mut files: Vec<(Side, std::borrow::Cow<'_, str>)> = finding
            .locations
            .iter()
            .map(|location| {
                let root = match location.side {
                    Side::Local => &self.local.root,
                    Side::Prod => &self.prod.root,
                };
                (location.side, relative_path(&location.origin.file, root))
            })
            .collect();
        files.sort();
        files.dedup();
        for (side, file) in &files {
            hash.field(side.as_str());
            hash.field(file);
        }
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Location, Origin, Severity, SideSummary};

    fn report(local_root: &str, file: &str, line: u32) -> Report {
        Report {
            local: SideSummary {
                root: local_root.into(),
                services: 1,
            },
            prod: SideSummary {
                root: "prod".into(),
                services: 1,
            },
            pairs: Vec::new(),
            findings: vec![Finding {
                rule: "env-unmatched",
                severity: Severity::Warning,
                service: "api".into(),
                local_service: Some("api".into()),
                prod_service: Some("api".into()),
                key: Some("DEBUG".into()),
                missing_in: Some(Side::Prod),
                local: Some("1".into()),
                prod: None,
                message: "env var DEBUG of api is set locally but not in prod".into(),
                paired_by: Some("exact-name".into()),
                locations: vec![
                    Location {
                        side: Side::Local,
                        origin: Origin::new(file.into(), line, 7),
                    },
                    Location {
                        side: Side::Prod,
                        origin: Origin::new("prod/api.yaml".into(), 4, 3),
                    },
                ],
            }],
            ..Report::default()
        }
    }

    #[test]
    fn fingerprint_ignores_lines_columns_messages_and_values() {
        let before = report("local", "local/compose.yaml", 12);
        let mut after = report("local", "local/compose.yaml", 40);
        after.findings[0].message = "reworded".into();
        after.findings[0].local = Some("2".into());
        after.findings[0].severity = Severity::Error;
        assert_eq!(before.fingerprints(), after.fingerprints());
        assert_eq!(before.fingerprints()[0].as_str().len(), 16);
    }

    #[test]
    fn fingerprint_is_relative_to_the_side_root() {
        let here = report("local", "local/compose.yaml", 12);
        let elsewhere = report("../app/local/", "../app/local/compose.yaml", 12);
        let windows = report(r"app\local", r"app\local\compose.yaml", 12);
        assert_eq!(here.fingerprints(), elsewhere.fingerprints());
        assert_eq!(here.fingerprints(), windows.fingerprints());
        let single_file = report("deploy/compose.yaml", "deploy/compose.yaml", 12);
        assert_eq!(here.fingerprints(), single_file.fingerprints());
    }

    #[test]
    fn fingerprint_changes_with_rule_service_key_and_file() {
        let base = report("local", "local/compose.yaml", 12).fingerprints();
        let mut other = report("local", "local/compose.yaml", 12);
        other.findings[0].key = Some("LOG_LEVEL".into());
        assert_ne!(base, other.fingerprints());
        let mut other = report("local", "local/compose.yaml", 12);
        other.findings[0].prod_service = Some("api-v2".into());
        assert_ne!(base, other.fingerprints());
        let moved = report("local", "local/compose.override.yaml", 12);
        assert_ne!(base, moved.fingerprints());
    }

    #[test]
    fn repeated_findings_get_distinct_fingerprints() {
        let mut twice = report("local", "local/compose.yaml", 12);
        let copy = twice.findings[0].clone();
        twice.findings.push(copy);
        let prints = twice.fingerprints();
        assert_ne!(prints[0], prints[1]);
        assert_eq!(
            prints[0],
            report("local", "local/compose.yaml", 12).fingerprints()[0]
        );
        assert_eq!(twice.fingerprint_of(&twice.findings[1]), prints[0]);
    }

    #[test]
    fn known_value_pins_the_scheme() {
        // Changing the hash or the fields breaks every committed baseline: this must fail then.
        let prints = report("local", "local/compose.yaml", 12).fingerprints();
        assert_eq!(prints[0].as_str(), "24d8b6df5e393a60");
    }

    #[test]
    fn parse_accepts_only_16_hex_digits() {
        assert_eq!(
            Fingerprint::parse("00AB00ab00ab00ab").map(|f| f.to_string()),
            Some("00ab00ab00ab00ab".to_owned())
        );
        assert_eq!(Fingerprint::parse("00ab"), None);
        assert_eq!(Fingerprint::parse("00ab00ab00ab00ag"), None);
    }
}
