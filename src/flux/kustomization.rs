//! Flux `Kustomization` (`kustomize.toolkit.fluxcd.io/v1`): what kustomize-controller
//! builds from a source and applies. Not to be confused with kustomize's own config file,
//! which is [`KustomizeConfig`](crate::KustomizeConfig).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::flux::common::{Dependency, DriftIgnore, HealthCheckExpr, IntoDependency, PatchTarget};
use crate::flux::git_repository::GitRepository;
use crate::object::Check;
use crate::object::{Kind, Object, Ref, RefRule, Reference, RelativeRef, Target, opt_ref_name};
use crate::values::{Duration, NamespaceName};

/// A source a Flux Kustomization can build from.
#[diagnostic::on_unimplemented(
    message = "a Flux Kustomization cannot take its source from a `{Self}`",
    label = "not a source kind that Kustomization.spec.sourceRef accepts",
    note = "Kustomization.spec.sourceRef accepts a GitRepository, OCIRepository, Bucket or ExternalArtifact"
)]
pub trait KustomizationSource: Kind {}

impl KustomizationSource for GitRepository {}
impl KustomizationSource for crate::OCIRepository {}

/// What a Flux Kustomization can depend on (`spec.dependsOn`): only other Kustomizations.
#[diagnostic::on_unimplemented(
    message = "a Flux Kustomization can depend only on other Kustomizations, not on a `{Self}`",
    label = "Kustomization.spec.dependsOn needs a Ref<Kustomization>",
    note = "to wait for a source or a workload, use `health_checks` instead"
)]
pub trait KustomizationDependency: Kind {}

impl KustomizationDependency for Kustomization {}

/// `spec.sourceRef` of a Kustomization, made from a handle to a source.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct SourceRef(RelativeRef);

impl SourceRef {
    fn of<K: KustomizationSource>(source: &Ref<K>) -> SourceRef {
        SourceRef(RelativeRef::with_kind(source.target()))
    }
}

crate::object::flux_struct! {
    /// A Flux `Kustomization`.
    ///
    /// ```
    /// use fluxdsl::{duration, name, Cluster, GitRef, GitRepository, Kustomization};
    /// let mut cluster = Cluster::new("clusters/demo");
    /// let file = cluster.file("sync.yaml");
    /// let repo = cluster.add(&file, GitRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .url("https://github.com/stefanprodan/podinfo")
    ///     .reference(GitRef::branch("master"))
    ///     .interval(duration!("1m"))
    ///     .build());
    /// let infra = cluster.add(&file, Kustomization::builder()
    ///     .name(name!("infra"))
    ///     .source_ref(&repo)
    ///     .path("./kustomize")
    ///     .interval(duration!("10m"))
    ///     .prune(true)
    ///     .build());
    /// let apps = cluster.add(&file, Kustomization::builder()
    ///     .name(name!("apps"))
    ///     .source_ref(&repo)
    ///     .path("./apps")
    ///     .interval(duration!("10m"))
    ///     .prune(true)
    ///     .depends_on(&[&infra])
    ///     .build());
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(
            doc = "Builds a Flux [`Kustomization`]; `name`, `source_ref`, `interval` and `prune` are required (`path` defaults to the source's root)."
        ),
        build_method(doc = "Finishes the Kustomization.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct Kustomization {
        /// `spec.commonMetadata`: labels and annotations added to every built object.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |metadata: CommonMetadata| Some(Box::new(metadata))))]
        pub(crate) common_metadata: Option<Box<CommonMetadata>>,
        /// `spec.components`: kustomize components to include, relative to `path`.
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        #[builder(default, setter(transform = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect()))]
        components: Box<[String]>,
        /// `spec.decryption`: SOPS decryption.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |decryption: Decryption| Some(Box::new(decryption))))]
        pub(crate) decryption: Option<Box<Decryption>>,
        /// `spec.deletionPolicy`: what happens to applied objects when the Kustomization is deleted.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        deletion_policy: Option<DeletionPolicy>,
        /// `spec.buildMetadata`: kustomize build metadata added to the built objects.
        #[serde(skip_serializing_if = "<[BuildMetadata]>::is_empty")]
        #[builder(default, setter(transform = |metadata: &[BuildMetadata]| metadata.into()))]
        build_metadata: Box<[BuildMetadata]>,
        /// `spec.dependsOn`: Kustomizations that must be Ready first: handles, or
        /// [`DependsOn`] entries with a readiness expression.
        #[serde(skip_serializing_if = "<[Dependency]>::is_empty")]
        #[builder(default, setter(
            fn transform<K: KustomizationDependency, D: IntoDependency<K>>(kustomizations: &[D]) -> Box<[Dependency]> {
                kustomizations.iter().map(IntoDependency::dependency).collect()
            }
        ))]
        pub(crate) depends_on: Box<[Dependency]>,
        /// `spec.force`: recreate objects whose immutable fields changed.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        pub(crate) force: bool,
        /// `spec.healthChecks`: objects that must be ready for the Kustomization to be Ready.
        #[serde(skip_serializing_if = "<[HealthCheck]>::is_empty")]
        #[builder(default, setter(transform = |targets: &[HealthCheck]| targets.into()))]
        pub(crate) health_checks: Box<[HealthCheck]>,
        /// `spec.healthCheckExprs`: when objects of custom kinds count as ready.
        #[serde(skip_serializing_if = "<[HealthCheckExpr]>::is_empty")]
        #[builder(default, setter(transform = |exprs: &[HealthCheckExpr]| exprs.into()))]
        health_check_exprs: Box<[HealthCheckExpr]>,
        /// `spec.ignore`: fields of applied objects that drift detection and apply leave
        /// alone.
        #[serde(skip_serializing_if = "<[DriftIgnore]>::is_empty")]
        #[builder(default, setter(transform = |rules: &[DriftIgnore]| rules.into()))]
        ignore: Box<[DriftIgnore]>,
        /// `spec.ignoreMissingComponents`: drop `components` the source lacks instead of
        /// failing.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        ignore_missing_components: bool,
        /// `spec.images`: image overrides.
        #[serde(skip_serializing_if = "<[Image]>::is_empty")]
        #[builder(default, setter(transform = |images: &[Image]| images.into()))]
        images: Box<[Image]>,
        /// `spec.interval`: how often to reconcile.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.kubeConfig`: apply to a remote cluster.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |kube_config: KubeConfig| Some(Box::new(kube_config))))]
        kube_config: Option<Box<KubeConfig>>,
        /// `spec.namePrefix`: prefix added to every built object's name.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |prefix: impl Into<String>| Some(prefix.into().into_boxed_str())))]
        name_prefix: Option<Box<str>>,
        /// `spec.nameSuffix`: suffix added to every built object's name.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |suffix: impl Into<String>| Some(suffix.into().into_boxed_str())))]
        name_suffix: Option<Box<str>>,
        /// `spec.patches`: strategic-merge or JSON6902 patches applied after the build.
        #[serde(skip_serializing_if = "<[Patch]>::is_empty")]
        #[builder(default, setter(transform = |patches: &[Patch]| patches.into()))]
        pub(crate) patches: Box<[Patch]>,
        /// `spec.path`: the folder in the source to build, e.g. `./k8s/flux`; when not set,
        /// Flux builds the source's root.
        #[serde(skip_serializing_if = "String::is_empty")]
        #[builder(default, setter(transform = |path: impl Into<String>| path.into()))]
        pub(crate) path: String,
        /// `spec.postBuild`: variable substitution.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |post_build: PostBuild| Some(Box::new(post_build))))]
        pub(crate) post_build: Option<Box<PostBuild>>,
        /// `spec.prune`: delete what is no longer in the source.
        prune: bool,
        /// `spec.retryInterval`: how soon to retry after a failure.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |retry_interval: impl crate::values::IntoDuration| Some(retry_interval.into_duration())))]
        pub(crate) retry_interval: Option<Duration>,
        /// `spec.serviceAccountName`: the ServiceAccount to impersonate (same namespace).
        #[serde(
            serialize_with = "opt_ref_name",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |sa: &Ref<ServiceAccount>| Some(sa.clone())))]
        pub(crate) service_account_name: Option<Ref<ServiceAccount>>,
        /// `spec.sourceRef`: the GitRepository, OCIRepository, Bucket or ExternalArtifact to
        /// build from.
        #[builder(setter(
            fn transform<K: KustomizationSource>(source: &Ref<K>) -> SourceRef {
                SourceRef::of(source)
            }
        ))]
        source_ref: SourceRef,
        /// `spec.suspend`: stop reconciling.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        pub(crate) suspend: bool,
        /// `spec.targetNamespace`: the namespace every built object is placed in.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) target_namespace: Option<NamespaceName>,
        /// `spec.timeout`: how long apply and health checks may take.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |timeout: impl crate::values::IntoDuration| Some(timeout.into_duration())))]
        pub(crate) timeout: Option<Duration>,
        /// `spec.wait`: wait for every applied object to become ready (`false`, Flux's
        /// default, is written only when set).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) wait: Option<bool>,
    }
}

impl Kustomization {
    /// `spec.path` (`""` when not set: the source's root).
    pub fn path(&self) -> &str {
        &self.path
    }
}

crate::object::flux_kind!(
    Kustomization,
    "kustomize.toolkit.fluxcd.io/v1",
    ["v1", "v1beta2"]
);

impl Object for Kustomization {
    crate::object::flux_identity!();
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace);
        self.source_ref.0.settle(holder);
        for d in &mut self.depends_on {
            d.settle(holder);
        }
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference {
            field: "spec.sourceRef",
            target: Arc::clone(&self.source_ref.0.target),
            rule: RefRule::CrossNamespaceAllowed,
        }];
        refs.extend(self.depends_on.iter().map(|t| Reference {
            field: "spec.dependsOn",
            target: Arc::clone(t.target()),
            rule: RefRule::CrossNamespaceAllowed,
        }));
        for hc in &self.health_checks {
            refs.push(Reference {
                field: "spec.healthChecks",
                target: Arc::clone(&hc.target),
                rule: RefRule::CrossNamespaceAllowed,
            });
        }
        if let Some(sa) = &self.service_account_name {
            refs.push(sa.reference("spec.serviceAccountName", RefRule::SameNamespace));
        }
        if let Some(pb) = &self.post_build {
            for from in &pb.substitute_from {
                refs.push(Reference {
                    field: "spec.postBuild.substituteFrom",
                    target: Arc::clone(&from.target),
                    rule: RefRule::SameNamespace,
                });
            }
        }
        if let Some(d) = self.decryption.as_deref() {
            if let Some(s) = &d.secret_ref {
                refs.push(s.reference("spec.decryption.secretRef", RefRule::SameNamespace));
            }
            if let Some(sa) = &d.service_account_name {
                refs.push(
                    sa.reference("spec.decryption.serviceAccountName", RefRule::SameNamespace),
                );
            }
        }
        if let Some(k) = self.kube_config.as_deref() {
            refs.push(k.reference());
        }
        refs
    }
    fn checks(&self) -> Vec<Check> {
        let mut checks = vec![Check::KustomizationPath {
            source: Arc::clone(&self.source_ref.0.target),
            path: self.path.clone(),
        }];
        // Components are folders relative to `path`; a missing one fails the build unless
        // `ignoreMissingComponents`.
        if !self.ignore_missing_components {
            let base = if self.path.is_empty() {
                "."
            } else {
                self.path.as_str()
            };
            checks.extend(
                self.components
                    .iter()
                    .filter(|c| !c.starts_with('/'))
                    .map(|c| Check::RepositoryPath {
                        field: "spec.components",
                        source: Arc::clone(&self.source_ref.0.target),
                        path: format!("{}/{c}", base.trim_end_matches('/')),
                    }),
            );
        }
        if let Some(pb) = &self.post_build
            && (!pb.substitute.is_empty()
                || !pb.substitute_from.is_empty()
                || pb.substitute_strategy.is_some())
        {
            checks.push(Check::Substitutes {
                substitute: pb
                    .substitute
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                from: pb
                    .substitute_from
                    .iter()
                    .map(|f| Arc::clone(&f.target))
                    .collect(),
                optional: pb
                    .substitute_from
                    .iter()
                    .filter(|f| f.optional)
                    .map(|f| Arc::clone(&f.target))
                    .collect(),
            });
        }
        if let Some(ns) = &self.target_namespace {
            checks.push(Check::TargetNamespace(ns.as_str().to_owned()));
        }
        if let Some(d) = self.decryption.as_deref() {
            checks.push(Check::Decrypts(
                d.secret_ref.as_ref().map(|s| Arc::clone(s.target())),
            ));
        }
        checks
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        for c in &self.components {
            if c.starts_with('/') {
                problems.push(("spec.components", format!("{c:?} must be a relative path")));
            } else if leaves_root(&format!("{}/{c}", self.path)) {
                problems.push((
                    "spec.components",
                    format!(
                        "{c:?} climbs above the root of the source from path {:?}; \
                         kustomize-controller refuses a component outside the source",
                        self.path
                    ),
                ));
            }
            if let Some(p) = crate::kube_rules::path_text_problem(c) {
                problems.push(("spec.components", p));
            }
        }
        if let Some(p) = crate::kube_rules::path_text_problem(&self.path) {
            problems.push(("spec.path", p));
        }
        if let Some(post_build) = &self.post_build {
            for name in post_build.substitute.keys() {
                if !is_variable_name(name) {
                    problems.push((
                        "spec.postBuild.substitute",
                        format!(
                            "{name:?} is not a variable name Flux accepts (letters, digits and \
                             '_', not starting with a digit: ^[_[:alpha:]][_[:alpha:][:digit:]]*$); \
                             kustomize-controller fails the Kustomization (\"var name is \
                             invalid\"){}",
                            if name.contains('-') {
                                format!("; write {:?}", name.replace('-', "_"))
                            } else {
                                String::new()
                            }
                        ),
                    ));
                }
            }
        }
        for (field, affix) in [
            ("spec.namePrefix", &self.name_prefix),
            ("spec.nameSuffix", &self.name_suffix),
        ] {
            if let Some(p) = affix
                .as_deref()
                .and_then(crate::kube_rules::name_affix_problem)
            {
                problems.push((field, p));
            }
        }
        if leaves_root(&self.path) {
            problems.push((
                "spec.path",
                format!(
                    "{:?} leaves the root of the source; a path starts at the source's root \
                     (e.g. ./apps)",
                    self.path
                ),
            ));
        }
        if let Some(p) = crate::object::rules::interval(self.interval) {
            problems.push(("spec.interval", p));
        }
        problems
    }
}

/// A postBuild variable name as kustomize-controller takes it:
/// `^[_[:alpha:]][_[:alpha:][:digit:]]*$` (ASCII, as Go's regexp classes are).
fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// Whether `path` goes above the root it is relative to (`..` beyond the start).
fn leaves_root(path: &str) -> bool {
    let mut depth = 0i32;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// One entry of `spec.healthChecks`: an object that must become ready.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    target: Arc<Target>,
}

impl HealthCheck {
    /// Wait for the object behind `handle` (a Deployment, a HelmRelease, …) to be ready.
    pub fn of<K: Kind>(handle: &Ref<K>) -> HealthCheck {
        HealthCheck {
            target: Arc::clone(handle.target()),
        }
    }
}

impl Serialize for HealthCheck {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            api_version: &'static str,
            kind: &'static str,
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            namespace: Option<&'a str>,
        }
        let key = &self.target.key;
        Wire {
            api_version: key.api_version,
            kind: key.kind,
            name: &key.name,
            namespace: key.namespace.as_deref(),
        }
        .serialize(s)
    }
}

/// One entry of `spec.patches`: a patch and the objects it applies to.
#[derive(Debug, Clone, Serialize)]
pub struct Patch {
    pub(crate) patch: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) target: Option<PatchTarget>,
}

impl Patch {
    /// A strategic-merge or JSON6902 patch (YAML text) applied to `target`.
    pub fn new(patch: &str, target: PatchTarget) -> Patch {
        Patch {
            patch: patch.to_owned(),
            target: Some(target),
        }
    }
    /// A strategic-merge patch that names its target itself.
    pub fn strategic_merge(patch: &str) -> Patch {
        Patch {
            patch: patch.to_owned(),
            target: None,
        }
    }
}

/// One entry of `spec.images`: an image override.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// The image name to match.
    pub name: String,
    /// Replacement name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    /// Replacement tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_tag: Option<String>,
    /// Replacement digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// `spec.postBuild`: variable substitution after the build.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostBuild {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    substitute: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    substitute_from: Vec<SubstituteFrom>,
    #[serde(skip_serializing_if = "Option::is_none")]
    substitute_strategy: Option<&'static str>,
}

impl PostBuild {
    /// No substitutions yet.
    pub fn new() -> PostBuild {
        PostBuild::default()
    }
    /// Substitute `${name}` with `value`.
    pub fn substitute(mut self, name: &str, value: &str) -> PostBuild {
        self.substitute.insert(name.to_owned(), value.to_owned());
        self
    }
    /// `substituteStrategy: Always`: substitute even when no variable is defined (Flux's
    /// default, `WithVariables`, skips substitution then).
    pub fn always(mut self) -> PostBuild {
        self.substitute_strategy = Some("Always");
        self
    }
    /// Take variables from a ConfigMap or Secret (same namespace).
    pub fn substitute_from(mut self, from: SubstituteFrom) -> PostBuild {
        self.substitute_from.push(from);
        self
    }
}

/// One entry of `spec.postBuild.substituteFrom`.
#[derive(Debug, Clone)]
pub struct SubstituteFrom {
    target: Arc<Target>,
    optional: bool,
}

impl SubstituteFrom {
    /// Variables from a ConfigMap.
    pub fn config_map(config_map: &Ref<ConfigMap>) -> SubstituteFrom {
        SubstituteFrom {
            target: Arc::clone(config_map.target()),
            optional: false,
        }
    }
    /// Variables from a Secret.
    pub fn secret(secret: &Ref<Secret>) -> SubstituteFrom {
        SubstituteFrom {
            target: Arc::clone(secret.target()),
            optional: false,
        }
    }
    /// Do not fail when the object is missing.
    pub fn optional(mut self) -> SubstituteFrom {
        self.optional = true;
        self
    }
}

impl Serialize for SubstituteFrom {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            kind: &'static str,
            name: &'a str,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            optional: bool,
        }
        Wire {
            kind: self.target.key.kind,
            name: &self.target.key.name,
            optional: self.optional,
        }
        .serialize(s)
    }
}

/// `spec.decryption`: decrypt SOPS-encrypted files.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decryption {
    provider: &'static str,
    #[serde(
        serialize_with = "crate::object::opt_local_ref",
        skip_serializing_if = "Option::is_none"
    )]
    secret_ref: Option<Ref<Secret>>,
    #[serde(
        serialize_with = "opt_ref_name",
        skip_serializing_if = "Option::is_none"
    )]
    service_account_name: Option<Ref<ServiceAccount>>,
}

impl Decryption {
    /// SOPS with the keys in `keys` (same namespace).
    pub fn sops(keys: &Ref<Secret>) -> Decryption {
        Decryption {
            provider: "sops",
            secret_ref: Some(keys.clone()),
            service_account_name: None,
        }
    }
    /// SOPS with keys from the controller's cloud identity.
    pub fn sops_workload_identity() -> Decryption {
        Decryption {
            provider: "sops",
            secret_ref: None,
            service_account_name: None,
        }
    }
    /// Reach the cloud KMS as this ServiceAccount (same namespace); static credentials in
    /// the keys Secret take priority.
    pub fn service_account(mut self, sa: &Ref<ServiceAccount>) -> Decryption {
        self.service_account_name = Some(sa.clone());
        self
    }
}

/// One entry of `spec.buildMetadata`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum BuildMetadata {
    /// Annotate each object with the file it came from.
    OriginAnnotations,
    /// Annotate each object with the transformers that changed it.
    TransformerAnnotations,
}

/// `spec.commonMetadata`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CommonMetadata {
    /// Labels added to every object.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations added to every object.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// `spec.deletionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeletionPolicy {
    /// Delete applied objects only when `prune` is on (Flux's default).
    MirrorPrune,
    /// Always delete applied objects.
    Delete,
    /// Delete and wait until they are gone.
    WaitForTermination,
    /// Leave applied objects in the cluster.
    Orphan,
}

/// `spec.kubeConfig`: the cluster to apply to, from a Secret or a ConfigMap.
#[derive(Debug, Clone)]
pub enum KubeConfig {
    /// A kubeconfig in a Secret, under `key` (`value` when not set).
    Secret {
        /// The Secret.
        secret: Ref<Secret>,
        /// The key in the Secret.
        key: Option<String>,
    },
    /// Provider settings in a ConfigMap.
    ConfigMap {
        /// The ConfigMap.
        config_map: Ref<ConfigMap>,
    },
}

impl KubeConfig {
    /// The Secret or ConfigMap it names, as a reference of the holder's namespace.
    pub(crate) fn reference(&self) -> Reference {
        match self {
            KubeConfig::Secret { secret, .. } => {
                secret.reference("spec.kubeConfig.secretRef", RefRule::SameNamespace)
            }
            KubeConfig::ConfigMap { config_map } => {
                config_map.reference("spec.kubeConfig.configMapRef", RefRule::SameNamespace)
            }
        }
    }
}

impl Serialize for KubeConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct KeyRef<'a> {
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            key: Option<&'a str>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        enum Wire<'a> {
            SecretRef(KeyRef<'a>),
            ConfigMapRef(KeyRef<'a>),
        }
        match self {
            KubeConfig::Secret { secret, key } => Wire::SecretRef(KeyRef {
                name: secret.name(),
                key: key.as_deref(),
            }),
            KubeConfig::ConfigMap { config_map } => Wire::ConfigMapRef(KeyRef {
                name: config_map.name(),
                key: None,
            }),
        }
        .serialize(s)
    }
}
