//! Renderers for parity reports.
//!
//! Each renderer takes a finished [`Report`] and writes it to an `io::Write`. Renderers format
//! what they are given: they never filter, re-sort or decide severities, and they only ever show
//! values that the model already redacted.
//!
//! Report formats: [`render_text`], [`render_json`], [`render_sarif`], [`render_markdown`],
//! [`render_junit`], [`render_github`]. Graph exports of one side's [`parity_model::ResourceGraph`]:
//! [`render_graph_dot`], [`render_graph_mermaid`], [`render_graph_json`]. One side as parity
//! resolved it (`parity show`): [`render_show_table`], [`render_show_json`], [`render_show_yaml`].

mod github;
mod graph;
mod json;
mod junit;
mod markdown;
mod sarif;
pub mod show;
mod text;

pub use github::render_github;
pub use graph::{GRAPH_JSON_VERSION, render_graph_dot, render_graph_json, render_graph_mermaid};
pub use json::render_json;
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use sarif::{FINGERPRINT_KEY, SarifTool, render_sarif};
pub use show::{SHOW_JSON_VERSION, render_show_json, render_show_table, render_show_yaml};
pub use text::{TextOptions, render_text};

#[cfg(test)]
mod sample;
