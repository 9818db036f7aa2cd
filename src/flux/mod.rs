//! The Flux kinds, one file per kind: sources (GitRepository, OCIRepository,
//! HelmRepository), Kustomization, HelmRelease, and ArtifactGenerator.

pub(crate) mod artifact_generator;
pub(crate) mod git_repository;
pub(crate) mod helm_release;
pub(crate) mod helm_repository;
pub(crate) mod kustomization;
pub(crate) mod oci_repository;
