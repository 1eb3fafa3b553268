//! The policy file (`parity.yaml`): errors come back as values with positions, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(error) = parity_engine::Policy::from_yaml("parity.yaml", text) {
        assert!(!error.to_string().is_empty());
    }
});
