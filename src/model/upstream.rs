//! Manifests published elsewhere (a release's `components.yaml`), included as they are:
//! parsed into typed objects where fluxdsl knows the kind, each with a handle, and checked
//! that the typed object says exactly what the document said.

use std::panic::Location;
use std::sync::Arc;

use k8s_openapi::api::{admissionregistration, autoscaling, batch, networking};
use k8s_openapi::api::{apps, core, policy, rbac, scheduling, storage};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration;
use serde_json::Value;

use crate::error::Problem;
use crate::model::cluster::{Cluster, Declare};
use crate::object::{File, Kind, Manifest, Object, ObjectKey, Ref, Target, intern};
use crate::values::NamespaceName;

/// The documents of a YAML manifest published elsewhere, e.g. metrics-server's release
/// `components.yaml`, declared with [`Cluster::add`] as they are.
///
/// Each document of a kind k8s-openapi types (Deployments, Services, RBAC, APIServices,
/// CRDs, …) becomes that typed object, and `render` refuses it if the typed object would
/// not say exactly what the document says (a misspelt or unknown field); documents of
/// other kinds are kept as given. Problems (YAML that does not parse, a document without
/// `apiVersion`, `kind` or `metadata.name`) are reported by `render` with the document's
/// number and the call's source location.
///
/// ```
/// use fluxdsl::{Cluster, UpstreamManifest};
/// use fluxdsl::k8s_openapi::api::core::v1::ServiceAccount;
/// let mut cluster = Cluster::new("k8s/flux");
/// let file = cluster.file("components.yaml");
/// let objects = cluster.add(&file, UpstreamManifest::yaml("example v1.0.0", "
/// apiVersion: v1
/// kind: ServiceAccount
/// metadata:
///   name: example
///   namespace: kube-system
/// "));
/// let account = objects.get::<ServiceAccount>(Some("kube-system"), "example").unwrap();
/// assert_eq!(account.name(), "example");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct UpstreamManifest {
    source: String,
    text: String,
}

impl UpstreamManifest {
    /// The YAML `text` (documents separated by `---`); `source` names it in messages
    /// (`"metrics-server v0.9.0 components.yaml"`).
    pub fn yaml(source: impl Into<String>, text: impl Into<String>) -> UpstreamManifest {
        UpstreamManifest {
            source: source.into(),
            text: text.into(),
        }
    }
}

/// The handles of an [`UpstreamManifest`]'s objects.
#[derive(Debug, Clone, Default)]
pub struct UpstreamObjects {
    targets: Vec<Arc<Target>>,
}

impl UpstreamObjects {
    /// The handle of the object of kind `K` named `name` (in `namespace`, for a namespaced
    /// kind), if the manifest has it.
    pub fn get<K: Kind>(&self, namespace: Option<&str>, name: &str) -> Option<Ref<K>> {
        self.targets
            .iter()
            .find(|t| {
                t.key.kind == K::kind()
                    && t.key.api_version == K::api_version()
                    && t.key.namespace.as_deref() == namespace
                    && t.key.name == name
            })
            .map(|t| Ref::from_target(Arc::clone(t)))
    }

    /// Every object, in the manifest's order.
    pub fn keys(&self) -> impl Iterator<Item = &ObjectKey> {
        self.targets.iter().map(|t| &t.key)
    }
}

impl Declare for UpstreamManifest {
    type Handle = UpstreamObjects;

    fn place_in(
        &mut self,
        _namespace: &NamespaceName,
    ) -> std::result::Result<(), (Option<ObjectKey>, String)> {
        Err((
            None,
            format!(
                "{} is included as published; declare it with Cluster::add (a namespace scope \
                 would change what it says)",
                self.source
            ),
        ))
    }

    fn declare_into(
        self,
        cluster: &mut Cluster,
        file: &File,
        at: &'static Location<'static>,
    ) -> UpstreamObjects {
        let mut objects = UpstreamObjects::default();
        let refuse = |cluster: &mut Cluster, object: Option<ObjectKey>, message: String| {
            cluster.problems.push(Problem {
                remedy: None,
                object,
                field: None,
                message,
                sites: vec![("declared", at)],
            });
        };
        let documents = serde_yaml::Deserializer::from_str(&self.text)
            .map(<Value as serde::Deserialize>::deserialize);
        for (i, doc) in documents.enumerate() {
            let what = format!("{} document {}", self.source, i + 1);
            let value = match doc {
                Ok(Value::Null) => continue,
                Ok(value) => value,
                Err(e) => {
                    refuse(cluster, None, format!("{what} is not YAML: {e}"));
                    break;
                }
            };
            match declare_document(cluster, file, at, without_nulls(value)) {
                Ok(target) => objects.targets.push(target),
                Err((key, message)) => refuse(cluster, key, format!("{what} {message}")),
            }
        }
        objects
    }
}

type Refusal = (Option<ObjectKey>, String);

/// Declares one document: as its k8s-openapi type when there is one, else as given.
fn declare_document(
    cluster: &mut Cluster,
    file: &File,
    at: &'static Location<'static>,
    value: Value,
) -> Result<Arc<Target>, Refusal> {
    if value.get("sops").is_some() {
        return Err((
            None,
            "is SOPS-encrypted: written again it would no longer match its MAC; carry the \
             file as it is with Cluster::verbatim_file"
                .into(),
        ));
    }
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let (Some(api_version), Some(kind), Some(name)) = (
        text(&value["apiVersion"]),
        text(&value["kind"]),
        text(&value["metadata"]["name"]),
    ) else {
        return Err((None, "needs apiVersion, kind and metadata.name".into()));
    };
    if let Some(problem) = crate::kube_rules::type_problem(&api_version, &kind) {
        return Err((None, format!("manifest {name:?}: {problem}")));
    }
    let key = ObjectKey {
        api_version: intern(&api_version),
        kind: intern(&kind),
        namespace: text(&value["metadata"]["namespace"]).map(Into::into),
        name,
    };
    macro_rules! typed {
        ($($t:ty),* $(,)?) => {
            $(
                if key.api_version == <$t as Kind>::api_version() && key.kind == <$t as Kind>::kind() {
                    return declare_typed::<$t>(cluster, file, at, key, value);
                }
            )*
        };
    }
    typed!(
        core::v1::Namespace,
        core::v1::ServiceAccount,
        core::v1::ConfigMap,
        core::v1::Secret,
        core::v1::Service,
        core::v1::PersistentVolumeClaim,
        apps::v1::Deployment,
        apps::v1::StatefulSet,
        apps::v1::DaemonSet,
        batch::v1::Job,
        batch::v1::CronJob,
        rbac::v1::Role,
        rbac::v1::RoleBinding,
        rbac::v1::ClusterRole,
        rbac::v1::ClusterRoleBinding,
        policy::v1::PodDisruptionBudget,
        networking::v1::Ingress,
        networking::v1::NetworkPolicy,
        autoscaling::v2::HorizontalPodAutoscaler,
        scheduling::v1::PriorityClass,
        storage::v1::StorageClass,
        admissionregistration::v1::ValidatingWebhookConfiguration,
        admissionregistration::v1::MutatingWebhookConfiguration,
        apiextensions::v1::CustomResourceDefinition,
        apiregistration::v1::APIService,
    );
    let target = Target::declared(key, at);
    cluster.declare(file, Arc::clone(&target), Box::new(Manifest(value)));
    Ok(target)
}

/// Declares `value` as a `T`, if `T` says all of it.
fn declare_typed<T: Object + serde::de::DeserializeOwned + serde::Serialize>(
    cluster: &mut Cluster,
    file: &File,
    at: &'static Location<'static>,
    key: ObjectKey,
    value: Value,
) -> Result<Arc<Target>, Refusal> {
    let refuse = |key: &ObjectKey, message: String| (Some(key.clone()), message);
    let typed: T = serde_json::from_value(value.clone())
        .map_err(|e| refuse(&key, format!("does not read as a {}: {e}", key.kind)))?;
    let back = serde_json::to_value(&typed)
        .map_err(|e| refuse(&key, format!("cannot be serialized again: {e}")))?;
    if let Some(path) = first_difference(&value, &back, String::new()) {
        return Err(refuse(
            &key,
            format!(
                "says at {path} what the {} type of k8s-openapi cannot hold (a misspelt or \
                 unknown field); fix the manifest or include it with Cluster::add_manifest",
                key.kind
            ),
        ));
    }
    Ok(Arc::clone(cluster.add_at(file, typed, at).target()))
}

/// `null` means "not set" to the API server: dropped before comparing and rendering.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The first field path where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .keys()
            .chain(y.keys().filter(|k| !x.contains_key(*k)))
            .find_map(|k| {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(xv), Some(yv)) => first_difference(xv, yv, at),
                    _ => Some(at),
                }
            }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (xv, yv))| first_difference(xv, yv, format!("{path}[{i}]"))),
        _ if a == b => None,
        // The type holds the number as a float (a schema's `maximum: 65535` is an f64):
        // the same number either way.
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ => Some(if path.is_empty() { ".".into() } else { path }),
    }
}
