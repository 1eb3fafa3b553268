//! Measures how fast `parity_source::yaml` turns a realistic manifest stream into a tree.
//!
//! `cargo run --release -p parity-source --example yaml_throughput [N_DOCS]`. The real benchmark
//! harness is `cargo xtask bench`; this is the single-threaded parser figure behind the YAML
//! library choice recorded in ARCHITECTURE.md.

#![allow(clippy::print_stdout)]

use std::time::Instant;

use parity_source::yaml::{Limits, parse_stream};

fn main() {
    let documents: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let mut text = String::new();
    for index in 0..documents {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{index}\n  labels:\n    app: svc-{index}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: svc-{index}\n  template:\n    metadata:\n      labels:\n        app: svc-{index}\n    spec:\n      containers:\n        - name: app\n          image: \"registry.example.com/team/svc-{index}:1.{index}.0\"\n          ports:\n            - containerPort: 8080\n          env:\n            - name: LOG_LEVEL\n              value: info\n            - name: DATABASE_URL\n              valueFrom:\n                secretKeyRef: {{name: db, key: url}}\n"
        ));
    }
    let start = Instant::now();
    let stream = parse_stream(&text, Limits::default());
    let elapsed = start.elapsed();
    assert_eq!(stream.documents.len(), documents);
    let megabytes = text.len() as f64 / 1_000_000.0;
    println!(
        "{documents} documents, {megabytes:.1} MB in {:.3} s: {:.1} MB/s",
        elapsed.as_secs_f64(),
        megabytes / elapsed.as_secs_f64()
    );
}
