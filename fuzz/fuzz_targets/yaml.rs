//! The YAML tree every loader reads through: any bytes, both duplicate-key modes, tight limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parity_source::yaml::{self, DuplicateKeys, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for duplicate_keys in [DuplicateKeys::Error, DuplicateKeys::LastWins] {
        let limits = Limits {
            duplicate_keys,
            // Small enough that the fuzzer reaches every limit.
            max_depth: 32,
            max_alias_nodes: 10_000,
            max_documents: 64,
        };
        let stream = yaml::parse_stream(text, limits);
        for document in &stream.documents {
            assert!(document.line >= 1 && document.column >= 1);
        }
        if let Some(error) = &stream.error {
            assert!(!error.message.is_empty());
        }
    }
    let _ = yaml::parse_document(text, Limits::default());
});
