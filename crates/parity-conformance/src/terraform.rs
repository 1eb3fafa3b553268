//! TODO-SKELETON: filled in by the terraform conformance work.
