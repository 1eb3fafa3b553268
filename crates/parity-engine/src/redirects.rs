//! Old rule names and codes that still resolve, so users' policies, suppressions and baselines
//! keep matching after a rule is renamed or split. Codes are never reused.

/// `(old name or code, current name)`. Empty until a rule is first renamed.
pub const REDIRECTS: &[(&str, &str)] = &[];

/// The current name for an old rule name or code.
pub fn redirect(old: &str) -> Option<&'static str> {
    REDIRECTS
        .iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(old))
        .map(|(_, to)| *to)
}
