//! Typed handles: who an object is ([`ObjectKey`]), where a handle came from ([`Origin`],
//! [`Target`]), the handle itself ([`Ref<K>`]), and the references an object holds
//! ([`Reference`], [`RelativeRef`]) with the helpers that write them.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;

use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope};

use super::Kind;
use crate::values::{Name, NamespaceName};

/// Who an object is, for messages and lookups: `Kind/namespace/name`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// `apiVersion`.
    pub api_version: &'static str,
    /// `kind`.
    pub kind: &'static str,
    /// `metadata.namespace`; `None` for cluster-scoped kinds. Shared, not copied, when it
    /// is a namespace literal (`namespace!`, `flux-system`).
    pub namespace: Option<Cow<'static, str>>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectKey {
    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        // The '/' is a few bytes from the end (`…/v1`): a short backward scan.
        match self.api_version.bytes().rposition(|b| b == b'/') {
            Some(slash) => &self.api_version[..slash],
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
    /// Made by [`Folder::instance`](crate::Folder::instance): a declared object as a folder
    /// that includes its base builds it; checked against what the builds apply.
    Instance,
    /// Made by [`Ref::local`]: an object named in the referencing object's namespace,
    /// wherever the builds that apply it put it; checked against what the builds apply.
    Local,
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
    pub(crate) generated_by: Option<Box<ObjectKey>>,
    /// For [`Origin::Existing`]: made by [`Ref::outside_repository`], so no part of the
    /// repository is expected to declare it.
    pub(crate) outside: bool,
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

impl<K> Ref<K> {
    /// The handle of `target`, whatever its kind (a manifest's, given as JSON).
    pub(crate) fn of_target(target: Arc<Target>) -> Ref<K> {
        Ref {
            target,
            kind: PhantomData,
        }
    }

    pub(crate) fn target(&self) -> &Arc<Target> {
        &self.target
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

impl Target {
    /// The target of an object declared at `at`.
    pub(crate) fn declared(key: ObjectKey, at: &'static Location<'static>) -> Arc<Target> {
        Arc::new(Target {
            key,
            at,
            origin: Origin::Declared,
            generated_by: None,
            outside: false,
        })
    }

    /// The target of an object a kustomize generator makes (no generator object behind
    /// it), declared at `at`.
    pub(crate) fn generated(key: ObjectKey, at: &'static Location<'static>) -> Arc<Target> {
        Arc::new(Target {
            key,
            at,
            origin: Origin::Generated,
            generated_by: None,
            outside: false,
        })
    }
}

impl<K: Kind> Ref<K> {
    pub(crate) fn declared(key: ObjectKey, at: &'static Location<'static>) -> Ref<K> {
        Ref {
            target: Target::declared(key, at),
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
                generated_by: Some(Box::new(generator)),
                outside: false,
            }),
            kind: PhantomData,
        }
    }

    /// The handle of an object as a folder builds it from a base ([`Origin::Instance`]).
    pub(crate) fn instance(key: ObjectKey, at: &'static Location<'static>) -> Ref<K> {
        Ref {
            target: Arc::new(Target {
                key,
                at,
                origin: Origin::Instance,
                generated_by: None,
                outside: false,
            }),
            kind: PhantomData,
        }
    }

    /// The handle of what `target` names; the caller knows it is a `K`.
    pub(crate) fn from_target(target: Arc<Target>) -> Ref<K> {
        Ref {
            target,
            kind: PhantomData,
        }
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
    ///
    /// A Flux object (a `*.toolkit.fluxcd.io` kind) named this way must be declared by some
    /// part of the repository (the cluster, another, or the shared folders): `render`
    /// refuses one that is not, with the declared names closest to it. One that another
    /// repository or a person manages is named with [`Ref::outside_repository`].
    #[track_caller]
    pub fn existing(namespace: &NamespaceName, name: Name) -> Ref<K> {
        Self::import(Some(namespace.to_cow()), name, false)
    }

    /// A handle to a namespaced object that no part of this repository declares: another
    /// repository's Flux objects (a tenant's), or one `flux bootstrap` or a person made.
    /// `render` takes its name as given; the call says so in review.
    ///
    /// ```
    /// use fluxdsl::{name, namespace, GitRepository, Ref};
    /// let platform: Ref<GitRepository> =
    ///     Ref::outside_repository(&namespace!("flux-system"), name!("platform"));
    /// assert_eq!(platform.name(), "platform");
    /// ```
    #[track_caller]
    pub fn outside_repository(namespace: &NamespaceName, name: Name) -> Ref<K> {
        Self::import(Some(namespace.to_cow()), name, true)
    }
}

impl<K: Kind<Scope = NamespaceResourceScope>> Ref<K> {
    /// A handle to the object `name` in the namespace of whatever object refers to it — a
    /// `LocalObjectReference` as Flux reads it — for a base declared once without a
    /// namespace whose overlays each set one and each provide the object (a HelmRelease's
    /// `valuesFrom` ConfigMap that every overlay generates, say). Render checks it in each
    /// build that applies the referencing object: the object must be there (under its
    /// hashed name, where kustomize rewrites the reference), with the keys read from it.
    ///
    /// ```
    /// use fluxdsl::{name, Ref, ValuesFrom};
    /// use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
    /// let values: Ref<ConfigMap> = Ref::local(name!("podinfo-values"));
    /// assert_eq!(values.namespace(), None);
    /// let _ = ValuesFrom::config_map(&values);
    /// ```
    #[track_caller]
    pub fn local(name: Name) -> Ref<K> {
        Ref {
            target: Arc::new(Target {
                key: ObjectKey {
                    api_version: K::api_version(),
                    kind: K::kind(),
                    namespace: None,
                    name: name.as_str().to_owned(),
                },
                at: Location::caller(),
                origin: Origin::Local,
                generated_by: None,
                outside: false,
            }),
            kind: PhantomData,
        }
    }
}

impl<K: Kind<Scope = ClusterResourceScope>> Ref<K> {
    /// A handle to a cluster-scoped object that exists in the cluster but is not declared
    /// in this program.
    #[track_caller]
    pub fn existing_cluster_scoped(name: Name) -> Ref<K> {
        Self::import(None, name, false)
    }
}

impl<K: Kind> Ref<K> {
    #[track_caller]
    fn import(namespace: Option<Cow<'static, str>>, name: Name, outside: bool) -> Ref<K> {
        Ref {
            target: Arc::new(Target {
                key: ObjectKey {
                    api_version: K::api_version(),
                    kind: K::kind(),
                    namespace,
                    name: name.as_str().to_owned(),
                },
                at: Location::caller(),
                origin: Origin::Existing,
                generated_by: None,
                outside,
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
    /// The target may be in another namespace only if its `spec.accessFrom` admits the
    /// referencing object's namespace by its labels (Flux's ACL, as an ImagePolicy's
    /// ImageRepository), and the cluster does not forbid cross-namespace references.
    AccessFrom,
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

/// A reference as Flux writes it (its cross-namespace object reference): `kind` when
/// the field takes several kinds, `name`, and `namespace` unless it is the namespace of the
/// object that holds the reference.
#[derive(serde::Serialize)]
pub(crate) struct FluxRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    pub(crate) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<&'a str>,
}

/// A handle held in a field Flux reads relative to the holder's namespace (`sourceRef`,
/// `dependsOn`, `chartRef`, …). Whether the target is in the holder's namespace is settled
/// when the holder is declared ([`Object::settle`]); until then the namespace is written.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct RelativeRef {
    pub(crate) target: Arc<Target>,
    with_kind: bool,
    in_holder_namespace: bool,
    /// The namespace is written even when it is the holder's own.
    namespace_written: bool,
}

impl RelativeRef {
    /// A reference written with the target's `kind` (a field that takes several kinds).
    pub(crate) fn with_kind(target: &Arc<Target>) -> RelativeRef {
        RelativeRef {
            target: Arc::clone(target),
            with_kind: true,
            in_holder_namespace: false,
            namespace_written: false,
        }
    }

    /// A reference written without `kind` (`dependsOn`: the kind is the holder's own).
    pub(crate) fn without_kind(target: &Arc<Target>) -> RelativeRef {
        RelativeRef {
            with_kind: false,
            ..RelativeRef::with_kind(target)
        }
    }

    /// Records the namespace of the object holding this reference.
    pub(crate) fn settle(&mut self, holder: &NamespaceName) {
        self.in_holder_namespace = !self.namespace_written
            && self.target.key.namespace.as_deref() == Some(holder.as_str());
    }

    /// Writes the target's namespace even when it is the holder's own.
    pub(crate) fn write_namespace(&mut self) {
        self.namespace_written = true;
    }

    /// The reference as Flux writes it.
    pub(crate) fn wire(&self) -> FluxRef<'_> {
        FluxRef {
            kind: self.with_kind.then_some(self.target.key.kind),
            name: &self.target.key.name,
            namespace: if self.in_holder_namespace {
                None
            } else {
                self.target.key.namespace.as_deref()
            },
        }
    }
}

impl serde::Serialize for RelativeRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.wire().serialize(s)
    }
}

/// The `metadata` of fluxdsl's own kinds.
#[derive(serde::Serialize)]
pub(crate) struct FluxMetadata<'a> {
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub(crate) annotations: &'a std::collections::BTreeMap<String, String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub(crate) labels: &'a std::collections::BTreeMap<String, String>,
    pub(crate) name: &'a Name,
    /// Left out when the object takes its namespace from its folder's kustomization.yaml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<&'a NamespaceName>,
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
