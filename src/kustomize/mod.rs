//! kustomize's own configuration: `kustomization.yaml` files, patch files, generators.

pub(crate) mod config;
