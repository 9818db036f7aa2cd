//! Objects, kinds and typed handles.
//!
//! A [`Ref<K>`] is how one object names another. It is returned when an object is declared
//! in a [`Cluster`](crate::Cluster), or made explicitly with [`Ref::existing`] for an object
//! that exists in the cluster but is not declared here (a Secret created out of band). Since
//! a handle only exists once its object is declared, references always point backwards and
//! a cycle cannot be written.

use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope};

use crate::values::{Name, NamespaceName};

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
    const API_VERSION: &'static str;
    /// `kind`, e.g. `GitRepository`.
    const KIND: &'static str;
    /// Namespaced or cluster-scoped.
    type Scope: Scope;
}

impl<T> Kind for T
where
    T: k8s_openapi::Resource,
    T::Scope: Scope,
{
    const API_VERSION: &'static str = T::API_VERSION;
    const KIND: &'static str = T::KIND;
    type Scope = T::Scope;
}

/// An object that can be declared in a [`Cluster`](crate::Cluster): a Flux kind built
/// with fluxdsl, or any k8s-openapi resource.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be declared in a cluster",
    note = "declare a Flux kind built with fluxdsl (e.g. `GitRepository::builder()...build()`), a k8s-openapi object, or a custom resource with `Cluster::add_manifest`"
)]
pub trait Object: Kind {
    /// `metadata.name`.
    fn object_name(&self) -> &str;
    /// `metadata.namespace`, for namespaced kinds.
    fn object_namespace(&self) -> Option<&str>;
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
    /// The object as the API server's JSON, keys not yet ordered.
    fn to_wire(&self) -> Result<serde_json::Value, serde_json::Error>;
}

impl<T> Object for T
where
    T: k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta> + serde::Serialize,
    T::Scope: Scope,
{
    fn object_name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }
    fn object_namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }
    fn place_in(&mut self, namespace: &NamespaceName) -> Result<(), String> {
        if !<T::Scope as Scope>::NAMESPACED {
            return Err(
                "a cluster-scoped object has no namespace; declare it with Cluster::add".into(),
            );
        }
        let meta = self.metadata_mut();
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
    fn to_wire(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
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

/// Who an object is, for messages and lookups: `Kind/namespace/name`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// `apiVersion`.
    pub api_version: &'static str,
    /// `kind`.
    pub kind: &'static str,
    /// `metadata.namespace`; `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectKey {
    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        match self.api_version.rsplit_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Where a handle came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Returned by [`Cluster::add`](crate::Cluster::add): the object is declared here.
    Declared,
    /// Made by [`Ref::existing`]: the object exists in the cluster, managed elsewhere.
    Existing,
    /// Produced by another declared object (an ExternalArtifact of an ArtifactGenerator).
    Generated,
}

/// What a handle points at: the object's key and where it was declared or imported.
/// Opaque; reach it through [`Ref`].
#[doc(hidden)]
#[derive(Debug)]
pub struct Target {
    pub(crate) key: ObjectKey,
    pub(crate) at: &'static Location<'static>,
    pub(crate) origin: Origin,
    /// For [`Origin::Generated`]: the object that produces it.
    pub(crate) generated_by: Option<ObjectKey>,
}

/// A typed handle to an object of kind `K`.
///
/// ```
/// use fluxdsl::{name, namespace, Ref};
/// use k8s_openapi::api::core::v1::Secret;
/// // A Secret that `flux bootstrap` created; it is not declared in this program.
/// let deploy_key: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("flux-system"));
/// assert_eq!(deploy_key.name(), "flux-system");
/// ```
pub struct Ref<K> {
    target: Arc<Target>,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Ref<K> {
    fn clone(&self) -> Self {
        Ref {
            target: Arc::clone(&self.target),
            kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for Ref<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ref({}, declared at {})",
            self.target.key, self.target.at
        )
    }
}

impl<K: Kind> Ref<K> {
    pub(crate) fn declared(key: ObjectKey, at: &'static Location<'static>) -> Ref<K> {
        Ref {
            target: Arc::new(Target {
                key,
                at,
                origin: Origin::Declared,
                generated_by: None,
            }),
            kind: PhantomData,
        }
    }

    pub(crate) fn generated(
        key: ObjectKey,
        at: &'static Location<'static>,
        generator: ObjectKey,
    ) -> Ref<K> {
        Ref {
            target: Arc::new(Target {
                key,
                at,
                origin: Origin::Generated,
                generated_by: Some(generator),
            }),
            kind: PhantomData,
        }
    }

    pub(crate) fn target(&self) -> &Arc<Target> {
        &self.target
    }

    /// The referenced object's name.
    pub fn name(&self) -> &str {
        &self.target.key.name
    }

    /// The referenced object's namespace (`None` for cluster-scoped kinds).
    pub fn namespace(&self) -> Option<&str> {
        self.target.key.namespace.as_deref()
    }

    /// Who the handle names.
    pub fn key(&self) -> &ObjectKey {
        &self.target.key
    }

    /// Where the object was declared, or where [`Ref::existing`] was called.
    pub fn declared_at(&self) -> &'static Location<'static> {
        self.target.at
    }

    /// Whether the handle came from a declaration or from [`Ref::existing`].
    pub fn origin(&self) -> Origin {
        self.target.origin
    }

    /// This handle as a [`Reference`] held in `field`, for validation.
    pub fn reference(&self, field: &'static str, rule: RefRule) -> Reference {
        Reference {
            field,
            target: Arc::clone(&self.target),
            rule,
        }
    }
}

impl<K: Kind<Scope = NamespaceResourceScope>> Ref<K> {
    /// A handle to a namespaced object that exists in the cluster but is not declared in
    /// this program; the call is the visible import in review.
    #[track_caller]
    pub fn existing(namespace: &NamespaceName, name: Name) -> Ref<K> {
        Self::import(Some(namespace.as_str().to_owned()), name)
    }
}

impl<K: Kind<Scope = ClusterResourceScope>> Ref<K> {
    /// A handle to a cluster-scoped object that exists in the cluster but is not declared
    /// in this program.
    #[track_caller]
    pub fn existing_cluster_scoped(name: Name) -> Ref<K> {
        Self::import(None, name)
    }
}

impl<K: Kind> Ref<K> {
    #[track_caller]
    fn import(namespace: Option<String>, name: Name) -> Ref<K> {
        Ref {
            target: Arc::new(Target {
                key: ObjectKey {
                    api_version: K::API_VERSION,
                    kind: K::KIND,
                    namespace,
                    name: name.as_str().to_owned(),
                },
                at: Location::caller(),
                origin: Origin::Existing,
                generated_by: None,
            }),
            kind: PhantomData,
        }
    }
}

/// What Flux requires of a reference's namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefRule {
    /// A `LocalObjectReference`: the target must be in the referencing object's namespace.
    SameNamespace,
    /// The target may be in another namespace, unless the cluster forbids cross-namespace
    /// references (Flux's `--no-cross-namespace-refs`).
    CrossNamespaceAllowed,
}

/// One handle held by an object: the field it sits in and the object it names.
#[derive(Clone, Debug)]
pub struct Reference {
    pub(crate) field: &'static str,
    pub(crate) target: Arc<Target>,
    pub(crate) rule: RefRule,
}

impl Reference {
    /// The field path, e.g. `spec.sourceRef`.
    pub fn field(&self) -> &'static str {
        self.field
    }
    /// The object named.
    pub fn target(&self) -> &ObjectKey {
        &self.target.key
    }
}

/// A Kubernetes `LocalObjectReference` as Flux writes it: `{name: ...}`.
pub(crate) fn local_ref<K, S: serde::Serializer>(
    r: &Ref<K>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(1))?;
    m.serialize_entry("name", &r.target.key.name)?;
    m.end()
}

/// [`local_ref`] for an optional field.
pub(crate) fn opt_local_ref<K, S: serde::Serializer>(
    r: &Option<Ref<K>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match r {
        Some(r) => local_ref(r, s),
        None => s.serialize_none(),
    }
}

impl Target {
    /// A `{kind, name}` reference as Flux writes it (Flux's cross-namespace object
    /// reference), with the namespace only when it differs from `own_namespace`.
    pub(crate) fn flux_ref(&self, own_namespace: &str, with_kind: bool) -> serde_json::Value {
        let mut r = serde_json::Map::new();
        if with_kind {
            r.insert("kind".into(), self.key.kind.into());
        }
        r.insert("name".into(), self.key.name.clone().into());
        if let Some(ns) = &self.key.namespace
            && ns != own_namespace
        {
            r.insert("namespace".into(), ns.clone().into());
        }
        serde_json::Value::Object(r)
    }
}

/// Metadata shared by fluxdsl's own kinds.
pub(crate) fn flux_metadata(
    name: &Name,
    namespace: &NamespaceName,
    labels: &std::collections::BTreeMap<String, String>,
    annotations: &std::collections::BTreeMap<String, String>,
) -> serde_json::Value {
    let mut meta = serde_json::Map::new();
    meta.insert("name".into(), name.as_str().into());
    meta.insert("namespace".into(), namespace.as_str().into());
    if !labels.is_empty() {
        meta.insert(
            "labels".into(),
            serde_json::to_value(labels).unwrap_or_default(),
        );
    }
    if !annotations.is_empty() {
        meta.insert(
            "annotations".into(),
            serde_json::to_value(annotations).unwrap_or_default(),
        );
    }
    serde_json::Value::Object(meta)
}

/// A reference written as the bare name (`serviceAccountName: x`).
pub(crate) fn opt_ref_name<K, S: serde::Serializer>(
    r: &Option<Ref<K>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_str(&r.target.key.name),
        None => s.serialize_none(),
    }
}

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
    /// The artifacts an ArtifactGenerator produces.
    Generates(Vec<String>),
}

/// A fluxdsl kind as the API server's JSON: its spec is the struct's serialization.
pub(crate) fn flux_wire<T: serde::Serialize + Kind>(
    spec: &T,
    metadata: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Error> {
    let mut m = serde_json::Map::new();
    m.insert("apiVersion".into(), T::API_VERSION.into());
    m.insert("kind".into(), T::KIND.into());
    m.insert("metadata".into(), metadata);
    m.insert("spec".into(), serde_json::to_value(spec)?);
    Ok(serde_json::Value::Object(m))
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

/// The identity every Flux kind shares: its `Kind` (apiVersion, kind, namespaced) and
/// `ns()`, the namespace it is declared in. The struct has `name: Name` and
/// `namespace: Option<NamespaceName>` fields.
macro_rules! flux_kind {
    ($kind:ident, $api_version:literal) => {
        impl $crate::object::Kind for $kind {
            const API_VERSION: &'static str = $api_version;
            const KIND: &'static str = stringify!($kind);
            type Scope = k8s_openapi::NamespaceResourceScope;
        }

        impl $kind {
            /// The namespace it is declared in.
            fn ns(&self) -> &$crate::values::NamespaceName {
                $crate::object::namespace_or_default(&self.namespace)
            }
        }
    };
}
pub(crate) use flux_kind;

/// The `Object` methods every Flux kind shares: its name, its namespace, and being put
/// into a scope's namespace. Used inside `impl Object for Kind { .. }`.
macro_rules! flux_identity {
    () => {
        fn place_in(
            &mut self,
            namespace: &$crate::values::NamespaceName,
        ) -> std::result::Result<(), String> {
            $crate::object::place_in(&mut self.namespace, namespace)
        }
        fn object_name(&self) -> &str {
            self.name.as_str()
        }
        fn object_namespace(&self) -> Option<&str> {
            Some(self.ns().as_str())
        }
    };
}
pub(crate) use flux_identity;
