//! One shared string per distinct text, for loaders.

use std::collections::HashSet;

use arcstr::ArcStr;

/// A pool of text, each distinct string held once, for a loader to build the model's [`ArcStr`]s
/// through.
///
/// Inputs repeat the same env names in every service, and often the same values (compose's
/// `<<: *common-env`, the same keys in every ConfigMap): read through one pool, every var holding
/// `LOG_LEVEL=info` shares one `LOG_LEVEL` and one `info` (docs/performance.md). A loader drops
/// the pool when it is done; the model keeps the strings.
#[derive(Debug, Default)]
pub struct SharedText {
    texts: HashSet<ArcStr>,
}

impl SharedText {
    /// The shared string for `text`, made on first use.
    pub fn get(&mut self, text: &str) -> ArcStr {
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
