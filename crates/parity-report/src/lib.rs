//! Renderers for parity reports.
//!
//! Each renderer takes a finished [`Report`] and writes it to an `io::Write`. Renderers format
//! what they are given: they never filter, re-sort or decide severities, and they only ever show
//! values that the model already redacted.

mod json;
mod text;

pub use json::render_json;
pub use text::{TextOptions, render_text};

#[cfg(test)]
mod sample;
