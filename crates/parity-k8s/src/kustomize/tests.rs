//! Kustomize build tests.
