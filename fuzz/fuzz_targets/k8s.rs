//! Kubernetes manifests: parse one file's text and link it into an environment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parity_model::{ArcStr, Environment};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let display = ArcStr::from("prod/fuzz.yaml");
    let parsed = parity_k8s::parse_file(display.clone(), text);
    let kept = parity_k8s::parse_file_if_manifest(display, text);
    let mut env = Environment::new("prod");
    parity_k8s::build(vec![parsed], &mut env);
    if let Some(kept) = kept {
        let mut again = Environment::new("prod");
        parity_k8s::build(vec![kept], &mut again);
    }
});
