//! The Flux kinds, one file per kind: sources (GitRepository, OCIRepository,
//! HelmRepository, Bucket), Kustomization, HelmRelease, ArtifactGenerator, and the
//! notification kinds (Provider, Alert, Receiver), HelmChart, and the image automation
//! kinds (ImageRepository, ImagePolicy, ImageUpdateAutomation).

pub(crate) mod artifact_generator;
pub(crate) mod bucket;
pub(crate) mod common;
pub(crate) mod git_repository;
pub(crate) mod helm_chart;
pub(crate) mod helm_release;
pub(crate) mod helm_repository;
pub(crate) mod image;
pub(crate) mod kustomization;
pub(crate) mod notification;
pub(crate) mod oci_repository;
pub(crate) mod semver;
