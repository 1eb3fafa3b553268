//! TODO-SKELETON: filled in by the kustomize conformance work.
