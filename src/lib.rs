//! fluxdsl: Flux GitOps cluster state written as typed Rust.
//!
//! Declare Flux sources, Kustomizations and Kubernetes objects in a [`Cluster`]; the
//! program prints the YAML Flux reconciles, keeps the committed tree current, or checks it.
//! References between objects are typed handles ([`Ref`]) returned when an object is
//! declared, so a definition that compiles has no dangling `dependsOn`, no `sourceRef` to
//! a kind Flux does not accept, and no cycle. Names and durations written as literals
//! ([`name!`], [`namespace!`], [`duration!`]) are checked by the compiler.
//!
//! ```
//! use fluxdsl::{duration, name, Cluster, GitRef, GitRepository, Kustomization};
//!
//! let mut cluster = Cluster::new("clusters/minimal");
//! let sync = cluster.file("sync.yaml");
//! let repo = cluster.add(&sync, GitRepository::builder()
//!     .name(name!("podinfo"))
//!     .url("https://github.com/stefanprodan/podinfo")
//!     .reference(GitRef::branch("master"))
//!     .interval(duration!("1m"))
//!     .build());
//! cluster.add(&sync, Kustomization::builder()
//!     .name(name!("podinfo"))
//!     .source_ref(&repo)
//!     .path("./kustomize")
//!     .interval(duration!("10m"))
//!     .prune(true)
//!     .build());
//! let text = cluster.render().unwrap().to_listing();
//! assert!(text.starts_with("# file: clusters/minimal/sync.yaml\n---\n"));
//! ```
#![deny(missing_docs)]

mod app;
pub mod apply;
mod artifact_generator;
mod bootstrap;
pub mod cli;
mod cluster;
mod error;
mod git_repository;
mod helm_release;
mod helm_repository;
mod kustomization;
mod kustomize_config;
mod object;
mod oci_repository;
pub mod render;
pub mod tree;
mod validate;
mod values;

pub use app::{
    App, AppHandles, ConfigFile, Env, EnvFrom, Ingress, Issuer, Port, ReadyCheck, Resources,
    Storage,
};
pub use apply::{ApplySetParent, ClusterGuard};
pub use artifact_generator::{
    ArtifactGenerator, CopyOperation, ExternalArtifact, GeneratedArtifact, GeneratorSource,
    GeneratorSourceRef,
};
pub use bootstrap::{BootstrapSecret, SecretInputs, SecretKey, SecretSource};
pub use cluster::{Cluster, FLUX_GENERATED_HEADER, File, Tree};
pub use error::{Error, Problem, Result};
pub use git_repository::{GitProvider, GitRef, GitRepository, GitRepositoryInclude, GitVerify};
pub use helm_release::{
    Chart, HelmChartRefSource, HelmChartSource, HelmRelease, HelmReleaseDependency, Install,
    Strategy, Upgrade, ValuesFrom,
};
pub use helm_repository::HelmRepository;
pub use kustomization::{
    CommonMetadata, Decryption, DeletionPolicy, HealthCheck, Image, KubeConfig, Kustomization,
    KustomizationDependency, KustomizationSource, Patch, PatchTarget, PostBuild, SourceRef,
    SubstituteFrom,
};
pub use kustomize_config::{ConfigMapGenerator, KustomizeConfig, Labels, PatchFile};
pub use object::{Kind, Object, ObjectKey, Origin, Ref, RefRule, Reference, Scope};
pub use oci_repository::{LayerSelector, OCIRepository, OciRef};
pub use values::{Duration, DurationProblem, MAX_NAME_LEN, Name, NameProblem, NamespaceName};

/// The Kubernetes API types (k8s-openapi) fluxdsl is built on, for declaring core objects.
pub use k8s_openapi;
