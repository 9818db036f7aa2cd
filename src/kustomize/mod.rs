//! `kustomize.toolkit.fluxcd.io` and kustomize itself: Flux's Kustomization with what its
//! builder takes, and kustomize's own configuration (`kustomization.yaml` files, patch
//! files, generators) in `config`.

pub(crate) mod config;

pub use crate::flux::kustomization::{
    BuildMetadata, CommonMetadata, Decryption, DeletionPolicy, HealthCheck, Image, KubeConfig,
    Kustomization, KustomizationDependency, KustomizationSource, Patch, PostBuild, SourceRef,
    SubstituteFrom,
};
pub use config::{
    Component, ConfigMapGenerator, GeneratorOptions, KustomizeConfig, Labels, PatchFile, Resource,
    SecretGenerator,
};
