//! The [`Rule`] trait and the [`declare_rule!`](crate::declare_rule) macro every rule file uses.

use parity_model::{Finding, RuleMeta};

use crate::context::CheckContext;

/// A rule's metadata. Implemented by [`declare_rule!`](crate::declare_rule), never by hand, so the
/// doc comment, code and name of a rule live in one place. Callers use [`Rule::meta`], which
/// needs no extra import.
pub trait HasMeta {
    /// The rule's identity, default severity and explanation, as declared.
    fn declared_meta(&self) -> &'static RuleMeta;
}

/// A check that compares the two sides and reports [`Finding`]s.
///
/// Object-safe so the registry can hold `&dyn Rule`. A rule pushes findings at its default
/// severity (or deliberately lower, e.g. a note for a registry-only difference); the engine
/// applies the policy's severity override afterwards, so rules never read the policy's `rules:`.
pub trait Rule: HasMeta + Sync {
    /// The rule's identity, default severity and explanation.
    fn meta(&self) -> &'static RuleMeta {
        self.declared_meta()
    }

    /// Appends this rule's findings for the pairs and unpaired services in `cx` to `out`.
    fn check(&self, cx: &CheckContext<'_>, out: &mut Vec<Finding>);
}

/// Declares a rule: its doc comment (the user-facing explanation), code, name, family, default
/// severity and the version that introduced it.
///
/// Emits `pub struct Name;` and its [`HasMeta`] implementation; the rule file then writes only
/// `impl Rule for Name`. The explanation is the doc comment itself, joined with `concat!` at
/// compile time, so `parity explain` shows exactly what rustdoc shows.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            code: $code:literal,
            name: $rule_name:literal,
            family: $family:ident,
            severity: $severity:ident,
            since: $since:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $crate::HasMeta for $name {
            fn declared_meta(&self) -> &'static ::parity_model::RuleMeta {
                static META: ::parity_model::RuleMeta = ::parity_model::RuleMeta {
                    code: $code,
                    name: $rule_name,
                    family: ::parity_model::RuleFamily::$family,
                    default_severity: ::parity_model::Severity::$severity,
                    since: $since,
                    doc: concat!($($doc, "\n"),*),
                    source_file: file!(),
                    source_line: line!(),
                };
                &META
            }
        }
    };
}
