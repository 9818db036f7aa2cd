//! Field types more than one Flux kind shares: a `dependsOn` entry with its readiness
//! expression, a CEL health check for a custom kind (`healthCheckExprs`), the target of a
//! patch or of fields drift detection leaves alone, and `accessFrom`.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

use crate::object::{FluxRef, Kind, Ref, RelativeRef, Target};
use crate::values::NamespaceName;

/// One entry of `spec.dependsOn` with a readiness expression: Flux waits until `expr`, a
/// CEL expression over the dependency (`dep.status…`) and the dependent (`self.…`), holds.
/// A plain `&Ref<K>` is a dependency that must only be Ready.
///
/// ```
/// use fluxdsl::{duration, name, Cluster, DependsOn, GitRef, GitRepository, Kustomization};
/// let mut cluster = Cluster::new("clusters/demo");
/// let file = cluster.file("sync.yaml");
/// let repo = cluster.add(&file, GitRepository::builder()
///     .name(name!("repo")).url("https://example.com/repo")
///     .reference(GitRef::branch("main")).interval(duration!("1m")).build());
/// let infra = cluster.add(&file, Kustomization::builder()
///     .name(name!("infra")).source_ref(&repo).path("./infra")
///     .interval(duration!("10m")).prune(true).build());
/// cluster.add(&file, Kustomization::builder()
///     .name(name!("apps")).source_ref(&repo).path("./apps")
///     .interval(duration!("10m")).prune(true)
///     .depends_on(&[DependsOn::on(&infra)
///         .ready_when("dep.status.lastAppliedRevision == self.status.lastAttemptedRevision")])
///     .build());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct DependsOn<K> {
    target: Arc<Target>,
    ready_expr: Option<String>,
    kind: PhantomData<fn() -> K>,
}

impl<K: Kind> DependsOn<K> {
    /// A dependency on the object behind `handle`.
    pub fn on(handle: &Ref<K>) -> DependsOn<K> {
        DependsOn {
            target: Arc::clone(handle.target()),
            ready_expr: None,
            kind: PhantomData,
        }
    }

    /// `readyExpr`: the dependency counts as ready when this CEL expression holds.
    pub fn ready_when(mut self, expr: impl Into<String>) -> DependsOn<K> {
        self.ready_expr = Some(expr.into());
        self
    }
}

/// What a `depends_on` setter takes: a handle (`&Ref<K>`) or a [`DependsOn`].
#[diagnostic::on_unimplemented(
    message = "`depends_on` takes handles, not a `{Self}`",
    label = "not a handle: pass the `Ref` that `cluster.add` returned",
    note = "each entry is a `&Ref<K>`, or `DependsOn::on(&handle)` to add a readiness expression"
)]
pub trait IntoDependency<K> {
    /// The entry as the holder keeps it.
    #[doc(hidden)]
    fn dependency(&self) -> Dependency;
}

impl<K: Kind> IntoDependency<K> for &Ref<K> {
    fn dependency(&self) -> Dependency {
        Dependency {
            reference: RelativeRef::without_kind(self.target()),
            ready_expr: None,
        }
    }
}

impl<K: Kind> IntoDependency<K> for DependsOn<K> {
    fn dependency(&self) -> Dependency {
        Dependency {
            reference: RelativeRef::without_kind(&self.target),
            ready_expr: self.ready_expr.clone(),
        }
    }
}

/// A `dependsOn` entry as a Kustomization or HelmRelease holds it.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Dependency {
    pub(crate) reference: RelativeRef,
    ready_expr: Option<String>,
}

impl Dependency {
    pub(crate) fn settle(&mut self, holder: &NamespaceName) {
        self.reference.settle(holder);
    }

    pub(crate) fn target(&self) -> &Arc<Target> {
        &self.reference.target
    }
}

impl Serialize for Dependency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // A struct with its fields in go-yaml's key order, not a flattened map: the emitter
        // writes such a struct as it comes, where a map's keys are compared one by one; and
        // dependsOn entries are many.
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            namespace: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            ready_expr: Option<&'a str>,
        }
        let FluxRef {
            name, namespace, ..
        } = self.reference.wire();
        Wire {
            name,
            namespace,
            ready_expr: self.ready_expr.as_deref(),
        }
        .serialize(s)
    }
}

/// One entry of `spec.healthCheckExprs`: when an object of a custom kind counts as ready,
/// failed or in progress, as CEL expressions over the object (`status.conditions…`).
///
/// ```
/// use fluxdsl::HealthCheckExpr;
/// use fluxdsl::k8s_openapi::api::apps::v1::Deployment;
/// let check = HealthCheckExpr::of::<Deployment>("status.readyReplicas == status.replicas")
///     .failed("status.conditions.exists(c, c.type == 'Progressing' && c.status == 'False')");
/// let kafka = HealthCheckExpr::new(
///     "kafka.strimzi.io/v1beta2",
///     "Kafka",
///     "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
/// );
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct HealthCheckExpr {
    api_version: String,
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_progress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
    current: String,
}

impl HealthCheckExpr {
    /// Objects of kind `K` are ready when `current` holds.
    pub fn of<K: Kind>(current: impl Into<String>) -> HealthCheckExpr {
        HealthCheckExpr::new(K::api_version(), K::kind(), current)
    }

    /// Objects of a kind no Rust type stands for (`apiVersion` and `kind` as written).
    pub fn new(
        api_version: impl Into<String>,
        kind: impl Into<String>,
        current: impl Into<String>,
    ) -> HealthCheckExpr {
        HealthCheckExpr {
            api_version: api_version.into(),
            kind: kind.into(),
            in_progress: None,
            failed: None,
            current: current.into(),
        }
    }

    /// `inProgress`: the object is still reconciling while this holds.
    pub fn in_progress(mut self, expr: impl Into<String>) -> HealthCheckExpr {
        self.in_progress = Some(expr.into());
        self
    }

    /// `failed`: the object has failed when this holds.
    pub fn failed(mut self, expr: impl Into<String>) -> HealthCheckExpr {
        self.failed = Some(expr.into());
        self
    }
}

/// `spec.accessFrom`: the namespaces (by their labels) whose objects may refer to this one.
#[doc(hidden)]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessFrom {
    namespace_selectors: Vec<MatchLabels>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct MatchLabels {
    match_labels: std::collections::BTreeMap<String, String>,
}

impl AccessFrom {
    /// One namespace selector per entry of `selectors`, each a set of labels.
    pub(crate) fn new(selectors: &[&[(&str, &str)]]) -> AccessFrom {
        AccessFrom {
            namespace_selectors: selectors
                .iter()
                .map(|labels| MatchLabels {
                    match_labels: crate::values::string_map(labels),
                })
                .collect(),
        }
    }
}

/// The selector of a [`Patch`](crate::Patch) or a [`DriftIgnore`]; every field set must
/// match.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchTarget {
    /// API group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// API version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name (a regular expression).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace (a regular expression).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Label selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    /// Annotation selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotation_selector: Option<String>,
}

impl PatchTarget {
    /// Objects of kind `K`, matched by kind as Flux and kustomize match a target's `kind`
    /// (`PatchTarget::kind::<Deployment>()`); a kind from a type, not a string.
    pub fn kind<K: Kind>() -> PatchTarget {
        PatchTarget {
            kind: Some(K::kind().to_owned()),
            ..PatchTarget::default()
        }
    }

    /// Only objects whose name matches `name` (a regular expression).
    pub fn named(mut self, name: impl Into<String>) -> PatchTarget {
        self.name = Some(name.into());
        self
    }

    /// Only objects in namespaces matching `namespace` (a regular expression).
    pub fn in_namespace(mut self, namespace: impl Into<String>) -> PatchTarget {
        self.namespace = Some(namespace.into());
        self
    }

    /// Only objects whose labels match `selector` (`app=web,tier!=db`).
    pub fn with_labels(mut self, selector: impl Into<String>) -> PatchTarget {
        self.label_selector = Some(selector.into());
        self
    }

    /// Only objects whose annotations match `selector`.
    pub fn with_annotations(mut self, selector: impl Into<String>) -> PatchTarget {
        self.annotation_selector = Some(selector.into());
        self
    }

    /// Also match the API group and version of `K`.
    pub fn with_group_version<K: Kind>(mut self) -> PatchTarget {
        let (group, version) = K::api_version()
            .rsplit_once('/')
            .unwrap_or(("", K::api_version()));
        self.group = Some(group.to_owned());
        self.version = Some(version.to_owned());
        self
    }
}

/// One entry of a HelmRelease's `spec.driftDetection.ignore` or a Kustomization's
/// `spec.ignore`: fields to leave alone on the objects `target` selects.
#[derive(Debug, Clone, Serialize)]
pub struct DriftIgnore {
    /// JSON pointers of the fields.
    pub paths: Vec<String>,
    /// The objects they apply to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<PatchTarget>,
}
