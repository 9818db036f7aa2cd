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

// Layers, each importing only from the ones above it in this list (README, Layout):
// values, go_yaml, kube_rules → object → error → kinds (flux, kustomize) → model → app →
// effective (what each Kustomization builds) → view, render → apply
// → cli.
mod app;
#[cfg(feature = "apply")]
pub mod apply;
#[cfg(feature = "cli")]
pub mod cli;
pub mod effective;
mod envsubst;
mod error;
mod flux;
mod go_yaml;
#[cfg(feature = "cli")]
pub mod import;
mod kube_rules;
pub mod kustomize;
mod model;
mod object;
pub mod render;
mod sops;
mod values;
mod view;

pub use app::{
    App, AppHandles, ConfigFile, Env, EnvFrom, Ingress, Issuer, Port, ReadyCheck, Resources,
    Storage,
};
pub use error::{Error, Problem, Remedy, Result};
pub use flux::artifact_generator::{
    ArtifactGenerator, CopyOperation, ExternalArtifact, GeneratedArtifact, GeneratorSource,
    GeneratorSourceRef,
};
pub use flux::bucket::{Bucket, BucketProvider, BucketSts};
pub use flux::common::{DependsOn, DriftIgnore, HealthCheckExpr, IntoDependency, PatchTarget};
pub use flux::git_repository::{
    GitProvider, GitRef, GitRepository, GitRepositoryInclude, GitVerify,
};
pub use flux::helm_chart::{ChartSource, HelmChart, ReconcileStrategy};
pub use flux::helm_release::{
    ActionFlags, Chart, ChartNameChange, ChartRef, ChartTemplate, Crds, DeletionPropagation,
    DriftDetection, DriftMode, HelmChartRefSource, HelmChartSource, HelmRelease,
    HelmReleaseDependency, HelmTest, Install, PostRenderStrategy, PostRenderer, Remediation,
    RemediationStrategy, Rollback, ServerSideApply, Strategy, TestFilter, Uninstall, Upgrade,
    ValuesFrom, WaitStrategy,
};
pub use flux::helm_repository::HelmRepository;
pub use flux::image::{
    CommitAuthor, DigestReflection, FilterTags, ImagePolicy, ImageRepository, ImageSetter,
    ImageUpdateAutomation, SigningKey, TagPolicy,
};
pub use flux::kustomization::{
    BuildMetadata, CommonMetadata, Decryption, DeletionPolicy, HealthCheck, Image, KubeConfig,
    Kustomization, KustomizationDependency, KustomizationSource, Patch, PostBuild, SourceRef,
    SubstituteFrom,
};
pub use flux::notification::{
    Alert, EventSource, EventSourceKind, OidcProvider, Provider, ProviderType, Receiver,
    ReceiverType, Severity,
};
pub use flux::oci_repository::{LayerSelector, OCIRepository, OciProvider, OciRef, OciVerify};
pub use kustomize::config::{
    Component, ConfigMapGenerator, GeneratorOptions, KustomizeConfig, Labels, PatchFile, Resource,
    SecretGenerator,
};
pub use model::bootstrap::{BootstrapSecret, SecretInputs, SecretKey, SecretSource};
pub use model::cluster::{Cluster, Declare, FLUX_GENERATED_HEADER, Folder, NamespaceScope, Tree};
pub use model::encrypted::SopsFile;
pub use model::flux_api::FluxApi;
pub use model::repository::Repository;
pub use model::target::{ApplySetParent, ClusterGuard};
pub use model::upstream::{UpstreamManifest, UpstreamObjects};
pub use object::{File, Kind, Object, ObjectKey, Origin, Ref, RefRule, Reference, Scope};
/// Writing and checking rendered trees on disk (also `fluxdsl::render::tree`).
pub use render::automation::AutomatedValue;
pub use render::tree;
pub use values::{
    Duration, DurationProblem, IntoDuration, IntoName, InvalidDuration, InvalidName, MAX_NAME_LEN,
    Name, NameProblem, NamespaceName,
};
pub use view::graph::Format as GraphFormat;

/// The builder of every kind, shown so that rustdoc lists each setter with its argument
/// type and its field's documentation (`Kustomization::builder()` returns a
/// [`KustomizationBuilder`](builders::KustomizationBuilder), and so on).
///
/// Nothing needs to name these types: start from `Kind::builder()`, call setters, finish
/// with `.build()`. Their generic parameters track which required fields are set, so a
/// missing one is a compile error naming it; no function of fluxdsl takes or returns a
/// half-built builder.
pub mod builders {
    pub use crate::app::AppBuilder;
    pub use crate::flux::artifact_generator::{ArtifactGeneratorBuilder, ExternalArtifactBuilder};
    pub use crate::flux::bucket::BucketBuilder;
    pub use crate::flux::git_repository::GitRepositoryBuilder;
    pub use crate::flux::helm_chart::HelmChartBuilder;
    pub use crate::flux::helm_release::HelmReleaseBuilder;
    pub use crate::flux::helm_repository::HelmRepositoryBuilder;
    pub use crate::flux::image::{
        ImagePolicyBuilder, ImageRepositoryBuilder, ImageUpdateAutomationBuilder,
    };
    pub use crate::flux::kustomization::KustomizationBuilder;
    pub use crate::flux::notification::{AlertBuilder, ProviderBuilder, ReceiverBuilder};
    pub use crate::flux::oci_repository::OCIRepositoryBuilder;
    pub use crate::kustomize::config::KustomizeConfigBuilder;
}

/// The API types (k8s-openapi) fluxdsl is built on, for declaring core objects.
pub use k8s_openapi;

/// serde_json, whose `Value` manifests and Helm values are: `json!` hands it what is not
/// literal data.
pub use serde_json;

/// A JSON value (a manifest, Helm values), written as `serde_json::json!` takes it and
/// equal to what it makes.
///
/// A literal of data only — string, number, `true`, `false` and `null` in objects and
/// arrays — is read once, at compile time, into JSON text that is parsed when the program
/// runs, rather than expanded into code as `serde_json::json!` expands it: a program of
/// many manifests builds faster after each edit (README, Performance). A literal with any
/// Rust expression in it (`"replicas": count`) is `serde_json::json!`'s, as it is.
///
/// ```
/// use fluxdsl::json;
/// let replicas = 3;
/// assert_eq!(
///     json!({"image": {"tag": "6.5.0"}, "replicas": 2, "ports": [80, -1, 1.5e3]}),
///     serde_json::json!({"image": {"tag": "6.5.0"}, "replicas": 2, "ports": [80, -1, 1.5e3]}),
/// );
/// assert_eq!(json!({"replicas": replicas}), serde_json::json!({"replicas": 3}));
/// ```
///
/// Literal data is one call however deep it nests (`serde_json::json!` reaches the default
/// recursion limit at about 50 levels):
///
/// ```
/// let deep = fluxdsl::json!([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]);
/// assert_eq!(deep.to_string(), format!("{}1{}", "[".repeat(64), "]".repeat(64)));
/// ```
pub use fluxdsl_macros::json;

/// The value of JSON text `json!` wrote (not an API: `json!` only writes valid JSON).
#[doc(hidden)]
pub fn __json_text(text: &str) -> serde_json::Value {
    match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => panic!("fluxdsl::json! wrote JSON that does not parse ({e}): {text}"),
    }
}

/// What most programs use, in one import: `use fluxdsl::prelude::*;` — the cluster and
/// repository, handles, the literal macros, the kustomize folder types and every Flux kind
/// with the types its builder takes most often. The rest is at the crate root and in the
/// modules per Flux API group ([`source`], [`kustomize`], [`helm`], [`notification`],
/// [`image`]).
///
/// ```
/// use fluxdsl::prelude::*;
/// let mut cluster = Cluster::new("clusters/minimal");
/// let sync = cluster.file("sync.yaml");
/// let repo = cluster.add(&sync, GitRepository::builder()
///     .name(name!("podinfo"))
///     .url("https://github.com/stefanprodan/podinfo")
///     .reference(GitRef::branch("master"))
///     .interval(duration!("1m"))
///     .build());
/// cluster.add(&sync, Kustomization::builder()
///     .name(name!("podinfo"))
///     .source_ref(&repo)
///     .path("./kustomize")
///     .interval(duration!("10m"))
///     .prune(true)
///     .build());
/// assert!(Repository::of_one(cluster).render().is_ok());
/// ```
pub mod prelude {
    pub use crate::helm::{
        Chart, DriftDetection, DriftMode, HelmRelease, HelmTest, Install, Rollback, Strategy,
        Uninstall, Upgrade, ValuesFrom,
    };
    pub use crate::image::{ImagePolicy, ImageRepository, ImageUpdateAutomation};
    pub use crate::kustomize::{
        Decryption, HealthCheck, Kustomization, Patch, PostBuild, SubstituteFrom,
    };
    pub use crate::notification::{Alert, Provider, Receiver};
    pub use crate::source::{
        ArtifactGenerator, Bucket, CopyOperation, ExternalArtifact, GeneratedArtifact,
        GeneratorSourceRef, GitRef, GitRepository, HelmRepository, LayerSelector, OCIRepository,
        OciRef,
    };
    pub use crate::{
        BootstrapSecret, Cluster, ConfigMapGenerator, File, FluxApi, Folder, GeneratorOptions,
        KustomizeConfig, Labels, Name, NamespaceName, PatchFile, PatchTarget, Ref, Repository,
        Resource, UpstreamManifest, duration, json, name, namespace,
    };
}

/// `source.toolkit.fluxcd.io` (and source-watcher's `source.extensions.fluxcd.io`): the
/// sources and what their builders take.
pub mod source {
    pub use crate::flux::artifact_generator::{
        ArtifactGenerator, CopyOperation, ExternalArtifact, GeneratedArtifact, GeneratorSource,
        GeneratorSourceRef,
    };
    pub use crate::flux::bucket::{Bucket, BucketProvider, BucketSts};
    pub use crate::flux::git_repository::{
        GitProvider, GitRef, GitRepository, GitRepositoryInclude, GitVerify,
    };
    pub use crate::flux::helm_chart::{ChartSource, HelmChart, ReconcileStrategy};
    pub use crate::flux::helm_repository::HelmRepository;
    pub use crate::flux::oci_repository::{
        LayerSelector, OCIRepository, OciProvider, OciRef, OciVerify,
    };
}

/// `helm.toolkit.fluxcd.io`: the HelmRelease and what its builder takes.
pub mod helm {
    pub use crate::flux::helm_release::{
        ActionFlags, Chart, ChartNameChange, ChartRef, ChartTemplate, Crds, DeletionPropagation,
        DriftDetection, DriftMode, HelmChartRefSource, HelmChartSource, HelmRelease,
        HelmReleaseDependency, HelmTest, Install, PostRenderStrategy, PostRenderer, Remediation,
        RemediationStrategy, Rollback, ServerSideApply, Strategy, TestFilter, Uninstall, Upgrade,
        ValuesFrom, WaitStrategy,
    };
}

/// `notification.toolkit.fluxcd.io`: alerts, providers and receivers.
pub mod notification {
    pub use crate::flux::notification::{
        Alert, EventSource, EventSourceKind, OidcProvider, Provider, ProviderType, Receiver,
        ReceiverType, Severity,
    };
}

/// `image.toolkit.fluxcd.io`: image automation.
pub mod image {
    pub use crate::flux::image::{
        CommitAuthor, DigestReflection, FilterTags, ImagePolicy, ImageRepository, ImageSetter,
        ImageUpdateAutomation, SigningKey, TagPolicy,
    };
}
