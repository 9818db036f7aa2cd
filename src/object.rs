//! Objects, kinds and typed handles.
//!
//! A [`Ref<K>`] is how one object names another. It is returned when an object is declared
//! in a [`Cluster`](crate::Cluster), or made explicitly with [`Ref::existing`] for an object
//! that exists in the cluster but is not declared here (a Secret created out of band). Since
//! a handle only exists once its object is declared, references always point backwards and
//! a cycle cannot be written.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope};

use crate::values::NamespaceName;

/// Whether a kind lives in a namespace; implemented by k8s-openapi's
/// `NamespaceResourceScope` and `ClusterResourceScope`.
pub trait Scope {
    /// `true` for namespaced kinds.
    const NAMESPACED: bool;
}

impl Scope for NamespaceResourceScope {
    const NAMESPACED: bool = true;
}

impl Scope for ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// A Kubernetes kind: its `apiVersion`, `kind` and scope. Implemented by fluxdsl's Flux
/// kinds and by every k8s-openapi resource type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Kubernetes kind fluxdsl knows",
    note = "use a Flux kind from fluxdsl or a resource type from k8s-openapi"
)]
pub trait Kind {
    /// `apiVersion`, e.g. `source.toolkit.fluxcd.io/v1`.
    fn api_version() -> &'static str;
    /// `kind`, e.g. `GitRepository`.
    fn kind() -> &'static str;
    /// Namespaced or cluster-scoped.
    type Scope: Scope;
}

/// Every kube-rs resource with a static type: k8s-openapi's, and custom resources made
/// with `#[derive(kube::CustomResource)]`.
impl<T> Kind for T
where
    T: kube::core::Resource<DynamicType = ()>,
    T::Scope: Scope,
{
    fn api_version() -> &'static str {
        static_str(T::api_version(&()))
    }
    fn kind() -> &'static str {
        static_str(T::kind(&()))
    }
    type Scope = T::Scope;
}

fn static_str(s: std::borrow::Cow<'static, str>) -> &'static str {
    match s {
        std::borrow::Cow::Borrowed(s) => s,
        std::borrow::Cow::Owned(s) => intern(&s),
    }
}

/// The `apiVersion` or `kind` of a manifest as a `&'static str`, kept once per distinct
/// value for the life of the process (there are only ever a few).
pub(crate) fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = seen.get(s) {
        return s;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    seen.insert(leaked);
    leaked
}

/// An object that can be declared in a [`Cluster`](crate::Cluster): a Flux kind built
/// with fluxdsl, any k8s-openapi resource, or a custom resource type made with
/// `#[derive(kube::CustomResource)]` (its `Serialize` writes `apiVersion` and `kind`, as
/// kube's derive does).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be declared in a cluster",
    note = "declare a Flux kind built with fluxdsl (e.g. `GitRepository::builder()...build()`), a k8s-openapi object, or a custom resource type (`#[derive(kube::CustomResource)]`)"
)]
pub trait Object: Kind + Send + Sync + 'static {
    /// `metadata.name`.
    fn object_name(&self) -> &str;
    /// `metadata.namespace`, for namespaced kinds.
    fn object_namespace(&self) -> Option<&str>;
    /// [`object_namespace`](Self::object_namespace) for an [`ObjectKey`]: shared rather than
    /// copied where it can be.
    #[doc(hidden)]
    fn key_namespace(&self) -> Option<Cow<'static, str>> {
        self.object_namespace().map(|ns| Cow::Owned(ns.to_owned()))
    }
    /// Every handle this object holds, for the checks types cannot make.
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
    /// Facts about the object that validation needs beyond its references, where the
    /// answer depends on the rest of the cluster (paths into rendered trees, artifacts).
    #[doc(hidden)]
    fn checks(&self) -> Vec<Check> {
        Vec::new()
    }
    /// The kind's own rules, which need nothing but the object (a URL Flux accepts, a
    /// duration its schema allows): each `(field path, what is wrong)`. Asked when the
    /// object is declared; `render` reports them with the declaration site.
    #[doc(hidden)]
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// What the newest CRD of the kind refuses in the object beyond what its types rule
    /// out: its CEL rules (`x-kubernetes-validations`, with their messages) and the schema
    /// facts the builders cannot express (a field one kind's `verify` lacks, a pattern),
    /// each `(field path, what is wrong)`. Asked only in a cluster without a pinned Flux
    /// API, which writes the newest versions; a pinned cluster checks its own CRDs instead,
    /// so nothing is said twice.
    #[doc(hidden)]
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// The rules of the Kubernetes API server this object breaks, `(field path, what is
    /// wrong)`: names by kind, labels, annotations, ports, env names, images, replicas.
    #[doc(hidden)]
    fn kube_problems(&self) -> Vec<(String, String)>
    where
        Self: Sized,
    {
        serde_json::to_value(Whole(self))
            .map(|v| crate::kube_rules::check(&v))
            .unwrap_or_default()
    }
    /// Called once when the object is declared, its namespace final: references written
    /// relative to it record whether their target shares it.
    #[doc(hidden)]
    fn settle(&mut self) {}
    /// Puts a namespaced object into `namespace` when it names none (a scope declares it,
    /// [`Cluster::add_in`](crate::Cluster::add_in)); `Err` says why it cannot go there.
    #[doc(hidden)]
    fn place_in(&mut self, namespace: &NamespaceName) -> Result<(), String> {
        match self.object_namespace() {
            Some(ns) if ns == namespace.as_str() => Ok(()),
            Some(ns) => Err(format!(
                "it names namespace {ns:?}, but it is declared in the scope of namespace {:?}",
                namespace.as_str()
            )),
            None => {
                Err("a cluster-scoped object has no namespace; declare it with Cluster::add".into())
            }
        }
    }
    /// For a Flux kind given fields with `extra_spec`: what is wrong with them (`Some`,
    /// possibly empty, when there are any).
    #[doc(hidden)]
    fn extra_spec_problems(&self) -> Option<Vec<(String, String)>> {
        None
    }
    /// The versions of its kind it can be written at, newest first (Flux kinds; empty for
    /// others, which are written as their type says).
    #[doc(hidden)]
    fn known_versions(&self) -> &'static [&'static str] {
        &[]
    }
    /// Writes it at `api_version` (`group/version`), one of
    /// [`known_versions`](Self::known_versions).
    #[doc(hidden)]
    fn use_api_version(&mut self, _api_version: &'static str) {}
    /// Meets the namespace a kustomization.yaml sets on the folder it is declared in
    /// ([`Cluster::folder_file`](crate::Cluster::folder_file)).
    #[doc(hidden)]
    fn inherit_namespace(&mut self, namespace: &NamespaceName) -> Inherit {
        match self.object_namespace() {
            Some(ns) if ns == namespace.as_str() => Inherit::Named,
            Some(ns) => Inherit::Other(ns.to_owned()),
            None => Inherit::Absent,
        }
    }
    /// Serializes the whole object as the API server takes it (`apiVersion`, `kind`,
    /// `metadata`, `spec`): the one representation render writes as YAML and apply sends
    /// as JSON.
    #[doc(hidden)]
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
}

/// How an object declared in a folder meets the namespace its kustomization.yaml sets.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inherit {
    /// It names that namespace itself (and writes it).
    Named,
    /// It names none and now knows the folder's; it still writes none.
    Taken,
    /// It names none and keeps none: its handle carries the folder's namespace.
    Absent,
    /// It names another namespace, which kustomize would replace.
    Other(String),
    /// It is cluster-scoped.
    ClusterScoped,
}

/// A declared object, its type forgotten: render writes it as YAML, apply sends it as
/// JSON, both from the object itself.
pub(crate) trait Wire: Send + Sync {
    /// Appends its YAML document (without `---`).
    fn write_yaml(
        &self,
        scratch: &mut crate::go_yaml::Scratch,
        out: &mut String,
    ) -> Result<(), crate::go_yaml::EmitError>;
    /// Its JSON, for an API request.
    #[cfg_attr(not(feature = "apply"), allow(dead_code))]
    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error>;
    /// [`Object::references`], asked when validation needs them.
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
    /// [`Object::checks`], asked when validation needs them.
    fn checks(&self) -> Vec<Check> {
        Vec::new()
    }
    /// [`Object::kube_problems`].
    fn kube_problems(&self) -> Vec<(String, String)>;
    /// [`Object::known_versions`].
    fn known_versions(&self) -> &'static [&'static str] {
        &[]
    }
    /// [`Object::extra_spec_problems`].
    fn extra_spec_problems(&self) -> Option<Vec<(String, String)>> {
        None
    }
    /// [`Object::use_api_version`].
    fn use_api_version(&mut self, _api_version: &'static str) {}
}

impl fmt::Debug for dyn Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<object>")
    }
}

/// An [`Object`] serialized through [`Object::serialize_wire`].
struct Whole<'a, T>(&'a T);

impl<T: Object> serde::Serialize for Whole<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_wire(s)
    }
}

impl<T: Object> Wire for T {
    fn write_yaml(
        &self,
        scratch: &mut crate::go_yaml::Scratch,
        out: &mut String,
    ) -> Result<(), crate::go_yaml::EmitError> {
        scratch.write_document(out, &Whole(self))
    }
    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(Whole(self))
    }
    fn references(&self) -> Vec<Reference> {
        Object::references(self)
    }
    fn checks(&self) -> Vec<Check> {
        Object::checks(self)
    }
    fn kube_problems(&self) -> Vec<(String, String)> {
        Object::kube_problems(self)
    }
    fn known_versions(&self) -> &'static [&'static str] {
        Object::known_versions(self)
    }
    fn extra_spec_problems(&self) -> Option<Vec<(String, String)>> {
        Object::extra_spec_problems(self)
    }
    fn use_api_version(&mut self, api_version: &'static str) {
        Object::use_api_version(self, api_version)
    }
}

/// A manifest given as JSON (`Cluster::add_manifest`).
pub(crate) struct Manifest(pub(crate) serde_json::Value);

impl Wire for Manifest {
    fn write_yaml(
        &self,
        scratch: &mut crate::go_yaml::Scratch,
        out: &mut String,
    ) -> Result<(), crate::go_yaml::EmitError> {
        scratch.write_document(out, &self.0)
    }
    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        Ok(self.0.clone())
    }
    fn kube_problems(&self) -> Vec<(String, String)> {
        crate::kube_rules::check(&self.0)
    }
}

impl<T> Object for T
where
    T: kube::core::Resource<DynamicType = ()> + serde::Serialize + Send + Sync + 'static,
    T::Scope: Scope,
{
    fn object_name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or("")
    }
    fn object_namespace(&self) -> Option<&str> {
        self.meta().namespace.as_deref()
    }
    fn place_in(&mut self, namespace: &NamespaceName) -> Result<(), String> {
        if !<T::Scope as Scope>::NAMESPACED {
            return Err(
                "a cluster-scoped object has no namespace; declare it with Cluster::add".into(),
            );
        }
        let meta = self.meta_mut();
        match &meta.namespace {
            None => {
                meta.namespace = Some(namespace.as_str().to_owned());
                Ok(())
            }
            Some(ns) if ns == namespace.as_str() => Ok(()),
            Some(ns) => Err(format!(
                "it names namespace {ns:?}, but it is declared in the scope of namespace {:?}",
                namespace.as_str()
            )),
        }
    }
    fn inherit_namespace(&mut self, namespace: &NamespaceName) -> Inherit {
        if !<T::Scope as Scope>::NAMESPACED {
            return Inherit::ClusterScoped;
        }
        match self.object_namespace() {
            Some(ns) if ns == namespace.as_str() => Inherit::Named,
            Some(ns) => Inherit::Other(ns.to_owned()),
            None => Inherit::Absent,
        }
    }
    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }
}

/// The namespace a Flux kind is in: the one it names, else `flux-system`.
pub(crate) fn namespace_or_default(namespace: &Option<NamespaceName>) -> &NamespaceName {
    static DEFAULT: NamespaceName = NamespaceName::FLUX_SYSTEM;
    namespace.as_ref().unwrap_or(&DEFAULT)
}

/// [`Object::place_in`] for a Flux kind's optional namespace.
pub(crate) fn place_in(
    namespace: &mut Option<NamespaceName>,
    scope: &NamespaceName,
) -> Result<(), String> {
    match namespace {
        None => {
            *namespace = Some(scope.clone());
            Ok(())
        }
        Some(ns) if ns == scope => Ok(()),
        Some(ns) => Err(format!(
            "it names namespace {:?}, but it is declared in the scope of namespace {:?}",
            ns.as_str(),
            scope.as_str()
        )),
    }
}

/// The rules several Flux kinds share, for their `own_problems`: each returns what is
/// wrong, if anything.
pub(crate) mod rules {
    use crate::values::Duration;

    /// The problems found, each with its field path.
    pub(crate) fn found<const N: usize>(
        checks: [(&'static str, Option<String>); N],
    ) -> Vec<(&'static str, String)> {
        checks
            .into_iter()
            .filter_map(|(field, problem)| problem.map(|p| (field, p)))
            .collect()
    }

    /// A URL must start with one of `schemes`, have something after it, and hold no
    /// whitespace or control character (Flux would fail to fetch it, or fetch another).
    pub(crate) fn url(url: &str, schemes: &[&str]) -> Option<String> {
        // First, and without the address: it holds a secret.
        if let Some(what) = crate::sops::credentials_in_address(url) {
            return Some(crate::sops::address_problem(what));
        }
        if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
            let trimmed = url.trim();
            let hint = if trimmed != url && !trimmed.chars().any(|c| c.is_whitespace()) {
                format!("remove the whitespace around it ({trimmed:?})")
            } else if c == ' ' {
                "a space inside a URL is written %20".to_owned()
            } else {
                "a URL is one line of printable characters".to_owned()
            };
            return Some(format!("{url:?} is not a URL: it contains {c:?}; {hint}"));
        }
        if !schemes
            .iter()
            .any(|s| url.starts_with(s) && url.len() > s.len())
        {
            return Some(format!(
                "{url:?} is not a URL Flux accepts here: it must start with {}",
                schemes.join(", ")
            ));
        }
        None
    }

    /// Credentials (`secretRef`) with a plain `http://` URL would be sent unencrypted.
    pub(crate) fn credentials_over_http(url: &str, has_credentials: bool) -> Option<String> {
        let in_address = crate::sops::credentials_in_address(url).is_some();
        (has_credentials && !in_address && url.starts_with("http://")).then(|| {
            format!(
                "credentials would be sent unencrypted to {url:?}: use an https:// URL, or no \
                 secretRef, {}",
                crate::sops::SECRET_OVER_HTTP
            )
        })
    }

    /// Credentials (`secretRef`) with `insecure` (plain HTTP to `to`: the endpoint, the
    /// registry) would be sent unencrypted.
    pub(crate) fn credentials_insecure(
        insecure: bool,
        has_credentials: bool,
        to: &str,
    ) -> Option<String> {
        (insecure && has_credentials).then(|| {
            format!(
                "credentials (secretRef) would go to {to} over plain HTTP (insecure); use TLS, {}",
                crate::sops::SECRET_OVER_HTTP
            )
        })
    }

    /// A timeout field whose Flux schema has no hours unit (`^([0-9]+(\.[0-9]+)?(ms|s|m))+$`):
    /// Go writes one hour or more with `h`, which the API server rejects.
    pub(crate) fn timeout_without_hours(timeout: Option<Duration>) -> Option<String> {
        let t = timeout?;
        (t >= Duration::hours(1)).then(|| {
            format!(
                "{t} is not accepted here: Flux's schema for this field has no hours unit, so \
                 it must be under 1h"
            )
        })
    }

    /// An interval of zero would make the controller reconcile without pause.
    pub(crate) fn interval(interval: Duration) -> Option<String> {
        (interval.as_nanos() == 0)
            .then(|| "0s would reconcile without pause: give a positive interval".to_owned())
    }
}

mod handle;
pub use handle::*;
pub(crate) use handle::{FluxMetadata, FluxRef, local_ref, opt_local_ref, opt_ref_name};

/// A fact about an object that validation checks against the rest of the cluster.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub enum Check {
    /// `spec.path` of a Kustomization built from `source`.
    KustomizationPath {
        /// The source.
        source: Arc<Target>,
        /// The path.
        path: String,
    },
    /// Another path into `source`'s repository, `field` of the object (an
    /// ImageUpdateAutomation's `spec.update.path`): checked like a Kustomization's, never
    /// applied.
    RepositoryPath {
        /// The field.
        field: &'static str,
        /// The source.
        source: Arc<Target>,
        /// The path.
        path: String,
    },
    /// A Kustomization's `spec.decryption`: the Secret holding the SOPS keys, or `None`
    /// for keys from the controller's cloud identity. A Kustomization without it has no
    /// such check.
    Decrypts(Option<Arc<Target>>),
    /// A Kustomization's `spec.targetNamespace`: where it puts every namespaced object.
    TargetNamespace(String),
    /// A key an object reads from a ConfigMap or Secret and fails without (a HelmRelease's
    /// `valuesFrom`, `values.yaml` unless it names another).
    ReadsKey {
        /// The field that reads it.
        field: &'static str,
        /// The ConfigMap or Secret.
        source: Arc<Target>,
        /// The key.
        key: String,
    },
    /// A Kustomization's `spec.postBuild`: the variables `substitute` defines and the
    /// ConfigMaps and Secrets `substituteFrom` reads more from. Only when it defines any
    /// (Flux substitutes nothing otherwise, unless `substituteStrategy: Always`).
    Substitutes {
        /// `substitute`'s variables and values.
        substitute: Vec<(String, String)>,
        /// `substituteFrom`'s sources.
        from: Vec<Arc<Target>>,
        /// The sources marked `optional` (substitution goes on without them).
        optional: Vec<Arc<Target>>,
    },
    /// The artifacts an ArtifactGenerator produces.
    Generates(Vec<String>),
    /// What an ArtifactGenerator copies into artifact `artifact`: for each copy operation,
    /// the source and the folders (`from` below the source's root, `to` below the
    /// artifact's), when both are a folder (`@alias/dir/**`, `@artifact/dir/`).
    ArtifactCopies {
        /// The artifact's name.
        artifact: String,
        /// `(source, from, to)`.
        copies: Vec<(Arc<Target>, String, String)>,
        /// Where every copy operation writes, below the artifact's root (`to` without
        /// `@artifact/`), whatever its `from`.
        writes: Vec<String>,
    },
}

/// The references of a kind's local Secrets (`(field, secret)`) and ServiceAccount, each a
/// reference in the holder's namespace, for [`Object::references`].
pub(crate) fn local_references<K: Kind, A: Kind>(
    secrets: &[(&'static str, &Option<Ref<K>>)],
    service_account: &Option<Ref<A>>,
) -> Vec<Reference> {
    let mut refs: Vec<Reference> = secrets
        .iter()
        .filter_map(|(field, secret)| {
            secret
                .as_ref()
                .map(|s| s.reference(field, RefRule::SameNamespace))
        })
        .collect();
    if let Some(sa) = service_account {
        refs.push(sa.reference("spec.serviceAccountName", RefRule::SameNamespace));
    }
    refs
}

/// What is wrong with `extra_spec` fields given beside the typed `spec`: not an object, or
/// a field a typed setter also writes. Objects merge field by field, so `extra_spec` can add
/// one field inside a typed object (`sourceRef.apiVersion`); a value it would replace is
/// refused.
pub(crate) fn extra_spec_conflicts(
    typed: &serde_json::Value,
    extra: &serde_json::Map<String, serde_json::Value>,
) -> Vec<(String, String)> {
    if extra.len() == 1 && extra.contains_key("") {
        return vec![(
            "spec".to_owned(),
            "takes a JSON object of spec fields".to_owned(),
        )];
    }
    let mut problems = Vec::new();
    conflicts(typed, extra, "spec", &mut problems);
    problems
}

fn conflicts(
    typed: &serde_json::Value,
    extra: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    problems: &mut Vec<(String, String)>,
) {
    for (k, v) in extra {
        let field = format!("{path}.{k}");
        match (typed.get(k), v) {
            (None, _) => {}
            (Some(serde_json::Value::Object(_)), serde_json::Value::Object(inner)) => {
                conflicts(&typed[k], inner, &field, problems);
            }
            (Some(_), _) => problems.push((
                field,
                "is set by a typed setter too; set it there only".to_owned(),
            )),
        }
    }
}

/// `extra` merged into the typed `spec`, object by object (values already typed stay).
pub(crate) fn merge_extra_spec(
    spec: &mut serde_json::Map<String, serde_json::Value>,
    extra: &serde_json::Map<String, serde_json::Value>,
) {
    for (k, v) in extra {
        match (spec.get_mut(k), v) {
            (Some(serde_json::Value::Object(typed)), serde_json::Value::Object(inner)) => {
                merge_extra_spec(typed, inner)
            }
            (Some(_), _) => {}
            (None, _) => {
                spec.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A kind's `spec`: its own serialization, or that merged with `extra_spec` fields.
pub(crate) struct Spec<'a, T> {
    pub(crate) typed: &'a T,
    pub(crate) merged: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl<T: serde::Serialize> serde::Serialize for Spec<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.merged {
            Some(merged) => merged.serialize(s),
            None => self.typed.serialize(s),
        }
    }
}

/// A fluxdsl kind as the API server takes it: `spec` is the kind's own serialization.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FluxWire<'a, Spec> {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) metadata: FluxMetadata<'a>,
    pub(crate) spec: Spec,
}

/// A handle to a file of the rendered tree, returned by [`Cluster::file`](crate::Cluster::file) and friends.
#[derive(Debug, Clone)]
pub struct File {
    index: usize,
    path: Arc<str>,
}

impl File {
    pub(crate) fn new(index: usize, path: Arc<str>) -> File {
        File { index, path }
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The path inside the rendered tree, e.g. `flux-system/gotk-sync.yaml`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A Flux kind's struct with the metadata every kind has before its own fields: `name`
/// (required), `namespace`, `labels` and `annotations`, none of them part of `spec`. The
/// struct derives `TypedBuilder` and `Serialize` (its serialization is the `spec`).
macro_rules! flux_struct {
    ($(#[$attr:meta])* pub struct $kind:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        pub struct $kind {
            /// `metadata.name`.
            #[serde(skip)]
            #[builder(setter(transform = |name: impl $crate::values::IntoName| name.into_name()))]
            name: $crate::values::Name,
            /// `metadata.namespace`: `flux-system` when not set, or the namespace of the
            /// scope it is declared in ([`Cluster::add_in`](crate::Cluster::add_in)).
            #[serde(skip)]
            #[builder(default, setter(strip_option))]
            namespace: Option<$crate::values::NamespaceName>,
            /// The namespace is the one its folder's kustomization.yaml sets, and is not
            /// written ([`Cluster::folder_file`](crate::Cluster::folder_file)).
            #[serde(skip)]
            #[builder(default, setter(skip))]
            namespace_inherited: bool,
            /// The apiVersion it is written at when the cluster's Flux API decides
            /// ([`Cluster::flux_api`](crate::Cluster::flux_api)); else the kind's newest.
            #[serde(skip)]
            #[builder(default, setter(skip))]
            api_version: Option<&'static str>,
            /// Fields of `spec` the typed builder does not offer, merged into `spec`: the
            /// escape hatch for a field fluxdsl lacks. Only in a cluster whose Flux API is
            /// pinned ([`Cluster::flux_api`](crate::Cluster::flux_api)), whose CRD schema
            /// then checks them; a field a typed setter also writes is refused.
            #[serde(skip)]
            #[builder(default, setter(transform = |fields: serde_json::Value| match fields {
                serde_json::Value::Object(map) => Some(Box::new(map)),
                other => Some(Box::new([("".to_owned(), other)].into_iter().collect())),
            }))]
            extra_spec: Option<Box<serde_json::Map<String, serde_json::Value>>>,
            /// `metadata.labels`.
            #[serde(skip)]
            #[builder(default)]
            labels: std::collections::BTreeMap<String, String>,
            /// `metadata.annotations`.
            #[serde(skip)]
            #[builder(default)]
            annotations: std::collections::BTreeMap<String, String>,
            $($fields)*
        }
    };
}
pub(crate) use flux_struct;

/// The identity every Flux kind shares: its `Kind` (apiVersion, kind, namespaced) and
/// `ns()`, the namespace it is declared in. The struct has `name: Name` and
/// `namespace: Option<NamespaceName>` fields.
macro_rules! flux_kind {
    ($kind:ident, $api_version:literal, [$($version:literal),+]) => {
        impl $crate::object::Kind for $kind {
            fn api_version() -> &'static str {
                $api_version
            }
            fn kind() -> &'static str {
                stringify!($kind)
            }
            type Scope = k8s_openapi::NamespaceResourceScope;
        }

        impl $kind {
            /// The versions of the kind this type writes, newest first.
            const VERSIONS: &'static [&'static str] = &[$($version),+];

            /// The namespace it is declared in.
            fn ns(&self) -> &$crate::values::NamespaceName {
                $crate::object::namespace_or_default(&self.namespace)
            }

            /// `metadata.name`.
            pub fn name(&self) -> &$crate::values::Name {
                &self.name
            }

            /// `metadata.namespace`: the one set, else `flux-system`.
            pub fn namespace(&self) -> &$crate::values::NamespaceName {
                self.ns()
            }
        }
    };
}
pub(crate) use flux_kind;

/// The `Object` methods every Flux kind shares: its name, its namespace, being put into a
/// scope's namespace, and its serialization (metadata, then `spec`: the struct's derived
/// serialization, which skips the metadata fields). Used inside `impl Object for Kind { .. }`.
macro_rules! flux_identity {
    () => {
        fn place_in(
            &mut self,
            namespace: &$crate::values::NamespaceName,
        ) -> std::result::Result<(), String> {
            $crate::object::place_in(&mut self.namespace, namespace)
        }
        fn inherit_namespace(
            &mut self,
            namespace: &$crate::values::NamespaceName,
        ) -> $crate::object::Inherit {
            match &self.namespace {
                None => {
                    self.namespace = Some(namespace.clone());
                    self.namespace_inherited = true;
                    $crate::object::Inherit::Taken
                }
                Some(ns) if ns == namespace => $crate::object::Inherit::Named,
                Some(ns) => $crate::object::Inherit::Other(ns.as_str().to_owned()),
            }
        }
        fn object_name(&self) -> &str {
            self.name.as_str()
        }
        fn object_namespace(&self) -> Option<&str> {
            Some(self.ns().as_str())
        }
        fn key_namespace(&self) -> Option<std::borrow::Cow<'static, str>> {
            Some(self.ns().to_cow())
        }
        fn kube_problems(&self) -> Vec<(String, String)> {
            $crate::kube_rules::metadata_maps(&self.labels, &self.annotations)
        }
        fn known_versions(&self) -> &'static [&'static str] {
            Self::VERSIONS
        }
        fn use_api_version(&mut self, api_version: &'static str) {
            self.api_version = Some(api_version);
        }
        fn extra_spec_problems(&self) -> Option<Vec<(String, String)>> {
            let extra = self.extra_spec.as_deref()?;
            let typed = serde_json::to_value(self).unwrap_or_default();
            Some($crate::object::extra_spec_conflicts(&typed, extra))
        }
        fn serialize_wire<S: serde::Serializer>(
            &self,
            s: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            // With `extra_spec`, the typed spec and the extra fields merged; else the
            // typed spec as it serializes.
            let merged = self.extra_spec.as_deref().map(|extra| {
                let mut spec = match serde_json::to_value(self) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => serde_json::Map::new(),
                };
                $crate::object::merge_extra_spec(&mut spec, extra);
                spec
            });
            serde::Serialize::serialize(
                &$crate::object::FluxWire {
                    api_version: self
                        .api_version
                        .unwrap_or_else(<Self as $crate::object::Kind>::api_version),
                    kind: <Self as $crate::object::Kind>::kind(),
                    metadata: $crate::object::FluxMetadata {
                        name: &self.name,
                        namespace: (!self.namespace_inherited).then(|| self.ns()),
                        labels: &self.labels,
                        annotations: &self.annotations,
                    },
                    spec: $crate::object::Spec {
                        typed: self,
                        merged: merged.as_ref(),
                    },
                },
                s,
            )
        }
    };
}
pub(crate) use flux_identity;
