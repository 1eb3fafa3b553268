//! TODO-SKELETON: filled in by the compose conformance work.
