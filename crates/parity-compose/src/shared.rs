//! One shared string per distinct env text of a project.

use std::collections::HashSet;

use parity_model::ArcStr;

/// The env names and values of a project's services, each text held once.
///
/// Compose files repeat the same names in every service, and `<<: *common-env` the same values
/// too: converted through one pool, every var holding `LOG_LEVEL=info` shares one `LOG_LEVEL` and
/// one `info` (docs/performance.md). Dropped after loading; the model keeps the strings.
#[derive(Debug, Default)]
pub(crate) struct SharedText {
    texts: HashSet<ArcStr>,
}

impl SharedText {
    /// The shared string for `text`, made on first use.
    pub(crate) fn get(&mut self, text: &str) -> ArcStr {
        if let Some(shared) = self.texts.get(text) {
            return shared.clone();
        }
        let shared = ArcStr::from(text);
        self.texts.insert(shared.clone());
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_one_string() {
        let mut shared = SharedText::default();
        let first = shared.get("LOG_LEVEL");
        let again = shared.get(&String::from("LOG_LEVEL"));
        assert!(ArcStr::ptr_eq(&first, &again));
        assert_eq!(again, "LOG_LEVEL");
        assert!(!ArcStr::ptr_eq(&first, &shared.get("REGION")));
    }
}
