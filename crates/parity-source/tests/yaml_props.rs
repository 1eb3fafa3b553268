//! Property tests for the YAML tree: no input panics, and what is written is what is read.

use parity_source::yaml::{Limits, parse_document, parse_stream};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary text, including YAML punctuation soup, never panics and never hangs.
    #[test]
    fn arbitrary_text_never_panics(text in "[-:{}\\[\\]&*!|>'\"#%@`,?<=~ a-z0-9\n\t]{0,400}") {
        let stream = parse_stream(&text, Limits::default());
        for document in &stream.documents {
            prop_assert!(document.line >= 1);
        }
    }

    /// A mapping of plain keys to quoted values reads back with the same keys, values and lines.
    #[test]
    fn mappings_round_trip(entries in proptest::collection::btree_map("[a-z][a-z0-9_]{0,12}", "[ -~]{0,30}", 1..20)) {
        let text: String = entries
            .iter()
            .map(|(key, value)| format!("{key}: \"{}\"\n", value.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        let root = parse_document(&text, Limits::default()).unwrap();
        let map = root.as_map().unwrap();
        prop_assert_eq!(map.len(), entries.len());
        for (index, (entry, (key, value))) in map.iter().zip(&entries).enumerate() {
            prop_assert_eq!(&*entry.key, key.as_str());
            prop_assert_eq!(entry.value.as_str(), Some(value.as_str()));
            prop_assert_eq!(entry.line as usize, index + 1);
        }
    }
}
