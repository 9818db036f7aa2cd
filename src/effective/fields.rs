//! Where kustomize's transformers write: field specs (a kind selector and a path), the
//! built-in tables kustomize ships (labels, annotations, replicas, name references), and
//! the walk that visits a path in an object.

use serde_json::{Map, Value};

/// A kind selector and a `/`-separated path (`spec/template/metadata/labels`); `create`
/// makes the missing maps on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub path: String,
    pub create: bool,
}

impl FieldSpec {
    fn of(kind: &str, path: &str, create: bool) -> FieldSpec {
        let (group, kind) = kind.split_once(':').unwrap_or(("", kind));
        FieldSpec {
            group: group.to_owned(),
            version: String::new(),
            kind: kind.to_owned(),
            path: path.to_owned(),
            create,
        }
    }

    /// A field spec of a `configurations` file (`{path, kind, group, version, create}`).
    pub(crate) fn from_config(v: &Value) -> Option<FieldSpec> {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        Some(FieldSpec {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
            path: v["path"].as_str()?.to_owned(),
            create: v["create"].as_bool().unwrap_or(false),
        })
    }

    /// Whether this spec applies to an object of `api_version` and `kind`.
    pub(crate) fn selects(&self, api_version: &str, kind: &str) -> bool {
        gvk_selects(&self.group, &self.version, &self.kind, api_version, kind)
    }
}

/// Whether the selector (empty parts match anything) selects `api_version` `kind`.
pub(crate) fn gvk_selects(
    group: &str,
    version: &str,
    kind: &str,
    api_version: &str,
    object_kind: &str,
) -> bool {
    let (g, v) = split_api_version(api_version);
    (group.is_empty() || group == g)
        && (version.is_empty() || version == v)
        && (kind.is_empty() || kind == object_kind)
}

/// (group, version) of an `apiVersion` (`v1` is the core group).
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// Calls `f` on the value at `path` in `object`, through every element of a list met on
/// the way; with `create`, missing maps are made (the last one as `Null` for `f` to set).
pub(crate) fn visit(object: &mut Value, path: &str, create: bool, f: &mut dyn FnMut(&mut Value)) {
    let segments = split_path(path);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    walk(object, &segments, create, f);
}

fn walk(value: &mut Value, segments: &[&str], create: bool, f: &mut dyn FnMut(&mut Value)) {
    let Some((first, rest)) = segments.split_first() else {
        f(value);
        return;
    };
    if let Value::Array(items) = value {
        for item in items {
            walk(item, segments, create, f);
        }
        return;
    }
    let key = first.strip_suffix("[]").unwrap_or(first);
    let Value::Object(map) = value else {
        return;
    };
    if !map.contains_key(key) || map[key].is_null() {
        if !create {
            return;
        }
        let made = if rest.is_empty() {
            Value::Null
        } else {
            Value::Object(Map::new())
        };
        map.insert(key.to_owned(), made);
    }
    let child = map.get_mut(key).expect("present or made");
    if rest.is_empty() {
        if let Value::Array(items) = child
            && first.ends_with("[]")
        {
            items.iter_mut().for_each(&mut *f);
        } else {
            f(child);
        }
    } else {
        walk(child, rest, create, f);
    }
}

/// A field spec path's segments: `/` separates, `\/` is a `/` inside a key.
fn split_path(path: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                chars.next();
                out.last_mut().expect("one").push('/');
            }
            '/' => out.push(String::new()),
            c => out.last_mut().expect("one").push(c),
        }
    }
    out
}

/// Where the labels `labels`/`commonLabels` write besides selectors: metadata, and the
/// templates of workloads (kustomize's `metadataLabels` table).
pub(crate) fn metadata_labels() -> Vec<FieldSpec> {
    let mut out = vec![FieldSpec::of("", "metadata/labels", true)];
    for kind in [
        "ReplicationController",
        "Deployment",
        "ReplicaSet",
        "DaemonSet",
    ] {
        out.push(FieldSpec::of(kind, "spec/template/metadata/labels", true));
    }
    out.push(FieldSpec::of(
        "apps:StatefulSet",
        "spec/template/metadata/labels",
        true,
    ));
    out.push(FieldSpec::of(
        "apps:StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ));
    out.push(FieldSpec::of(
        "batch:Job",
        "spec/template/metadata/labels",
        true,
    ));
    out.push(FieldSpec::of(
        "batch:CronJob",
        "spec/jobTemplate/metadata/labels",
        true,
    ));
    out.push(FieldSpec::of(
        "batch:CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ));
    out
}

/// Where `commonLabels` (and `labels` with `includeSelectors`) write: selectors too.
pub(crate) fn common_labels() -> Vec<FieldSpec> {
    let mut out = vec![
        FieldSpec::of("Service", "spec/selector", true),
        FieldSpec::of("ReplicationController", "spec/selector", true),
        FieldSpec::of("Deployment", "spec/selector/matchLabels", true),
    ];
    let affinity = |kind: &str, out: &mut Vec<FieldSpec>| {
        for term in ["podAffinity", "podAntiAffinity"] {
            out.push(FieldSpec::of(
                kind,
                &format!(
                    "spec/template/spec/affinity/{term}/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels"
                ),
                false,
            ));
            out.push(FieldSpec::of(
                kind,
                &format!(
                    "spec/template/spec/affinity/{term}/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels"
                ),
                false,
            ));
        }
        out.push(FieldSpec::of(
            kind,
            "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
            false,
        ));
    };
    affinity("apps:Deployment", &mut out);
    out.push(FieldSpec::of(
        "ReplicaSet",
        "spec/selector/matchLabels",
        true,
    ));
    out.push(FieldSpec::of(
        "DaemonSet",
        "spec/selector/matchLabels",
        true,
    ));
    out.push(FieldSpec::of(
        "apps:StatefulSet",
        "spec/selector/matchLabels",
        true,
    ));
    affinity("apps:StatefulSet", &mut out);
    out.push(FieldSpec::of(
        "batch:Job",
        "spec/selector/matchLabels",
        false,
    ));
    out.push(FieldSpec::of(
        "batch:CronJob",
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
    ));
    out.push(FieldSpec::of(
        "policy:PodDisruptionBudget",
        "spec/selector/matchLabels",
        false,
    ));
    for path in [
        "spec/podSelector/matchLabels",
        "spec/ingress/from/podSelector/matchLabels",
        "spec/egress/to/podSelector/matchLabels",
    ] {
        out.push(FieldSpec::of(
            "networking.k8s.io:NetworkPolicy",
            path,
            false,
        ));
    }
    out.extend(metadata_labels());
    out
}

/// Where `commonAnnotations` write: metadata, and the templates of workloads.
pub(crate) fn common_annotations() -> Vec<FieldSpec> {
    let mut out = vec![FieldSpec::of("", "metadata/annotations", true)];
    for kind in [
        "ReplicationController",
        "Deployment",
        "ReplicaSet",
        "DaemonSet",
        "StatefulSet",
        "batch:Job",
    ] {
        out.push(FieldSpec::of(
            kind,
            "spec/template/metadata/annotations",
            true,
        ));
    }
    out.push(FieldSpec::of(
        "batch:CronJob",
        "spec/jobTemplate/metadata/annotations",
        true,
    ));
    out.push(FieldSpec::of(
        "batch:CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ));
    out
}

/// The kinds `replicas` sets `spec/replicas` of.
pub(crate) const REPLICATED: [&str; 4] = [
    "Deployment",
    "ReplicationController",
    "ReplicaSet",
    "StatefulSet",
];

/// A referral kind (`group:version:kind`, empty parts match any) and the fields of other
/// objects that name it.
#[derive(Debug, Clone)]
pub(crate) struct NameReference {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub fields: Vec<FieldSpec>,
}

impl NameReference {
    fn of(gvk: &str, fields: Vec<FieldSpec>) -> NameReference {
        let mut parts = gvk.splitn(3, ':');
        let (group, version, kind) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        NameReference {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
            fields,
        }
    }

    /// The `nameReference` entries of a `configurations` file.
    pub(crate) fn from_config(config: &Value) -> Vec<NameReference> {
        let mut out = Vec::new();
        for entry in config["nameReference"].as_array().into_iter().flatten() {
            let s = |k: &str| entry[k].as_str().unwrap_or_default().to_owned();
            let fields = entry["fieldSpecs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(FieldSpec::from_config)
                .collect();
            out.push(NameReference {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
                fields,
            });
        }
        out
    }
}

/// The pod spec of each kind that has one, by path.
const POD_SPECS: [(&str, &str); 8] = [
    ("Pod", "spec"),
    ("PodTemplate", "template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// kustomize's built-in name reference table: which fields name a ConfigMap, Secret,
/// Service, ServiceAccount, Role, claim, class…, so renaming one rewrites them.
pub(crate) fn builtin_name_references() -> Vec<NameReference> {
    let in_pods = |suffixes: &[&str], kinds: &[&str]| -> Vec<FieldSpec> {
        let mut out = Vec::new();
        for (kind, spec) in POD_SPECS {
            if !kinds.contains(&kind) {
                continue;
            }
            for s in suffixes {
                out.push(FieldSpec::of(kind, &format!("{spec}/{s}"), false));
            }
        }
        out
    };
    let all_pods: Vec<&str> = POD_SPECS.iter().map(|(k, _)| *k).collect();
    let fs = |kind: &str, path: &str| FieldSpec::of(kind, path, false);

    let mut config_map = in_pods(
        &[
            "volumes/configMap/name",
            "containers/env/valueFrom/configMapKeyRef/name",
            "initContainers/env/valueFrom/configMapKeyRef/name",
            "containers/envFrom/configMapRef/name",
            "initContainers/envFrom/configMapRef/name",
            "volumes/projected/sources/configMap/name",
        ],
        &all_pods,
    );
    config_map.extend([
        fs("Node", "spec/configSource/configMap"),
        fs("Role", "rules/resourceNames"),
        fs("ClusterRole", "rules/resourceNames"),
        fs(
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
        ),
    ]);

    let mut secret = in_pods(
        &[
            "volumes/secret/secretName",
            "containers/env/valueFrom/secretKeyRef/name",
            "initContainers/env/valueFrom/secretKeyRef/name",
            "containers/envFrom/secretRef/name",
            "initContainers/envFrom/secretRef/name",
            "imagePullSecrets/name",
            "volumes/projected/sources/secret/name",
        ],
        &all_pods,
    );
    secret.extend([
        fs("Ingress", "spec/tls/secretName"),
        fs(
            "Ingress",
            "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
        ),
        fs(
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
        ),
        fs(
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
        ),
        fs("ServiceAccount", "imagePullSecrets/name"),
        fs("StorageClass", "parameters/secretName"),
        fs("StorageClass", "parameters/adminSecretName"),
        fs("StorageClass", "parameters/userSecretName"),
        fs("StorageClass", "parameters/secretRef"),
        fs("Role", "rules/resourceNames"),
        fs("ClusterRole", "rules/resourceNames"),
        fs(
            "serving.knative.dev:Service",
            "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
        ),
        fs("PersistentVolume", "spec/azureFile/secretName"),
    ]);

    let scaled = vec![fs("HorizontalPodAutoscaler", "spec/scaleTargetRef/name")];
    let with_template = [
        "StatefulSet",
        "Deployment",
        "ReplicationController",
        "Job",
        "DaemonSet",
    ];
    let template_field = |field: &str| -> Vec<FieldSpec> {
        let mut out = vec![fs("Pod", &format!("spec/{field}"))];
        out.extend(
            with_template
                .iter()
                .map(|k| fs(k, &format!("spec/template/spec/{field}"))),
        );
        out.push(fs(
            "CronJob",
            &format!("spec/jobTemplate/spec/template/spec/{field}"),
        ));
        out
    };
    let mut service_account = vec![
        fs("rbac.authorization.k8s.io:RoleBinding", "subjects"),
        fs("rbac.authorization.k8s.io:ClusterRoleBinding", "subjects"),
    ];
    service_account.extend(template_field("serviceAccountName"));
    let claims = template_field("volumes/persistentVolumeClaim/claimName");

    vec![
        NameReference::of("::Deployment", scaled.clone()),
        NameReference::of("::ReplicationController", scaled.clone()),
        NameReference::of("::ReplicaSet", scaled.clone()),
        NameReference::of("::StatefulSet", scaled),
        NameReference::of(":v1:ConfigMap", config_map),
        NameReference::of(":v1:Secret", secret),
        NameReference::of(
            ":v1:Service",
            vec![
                fs("apps:StatefulSet", "spec/serviceName"),
                fs("Ingress", "spec/rules/http/paths/backend/serviceName"),
                fs("Ingress", "spec/backend/serviceName"),
                fs("Ingress", "spec/rules/http/paths/backend/service/name"),
                fs("Ingress", "spec/defaultBackend/service/name"),
                fs("apiregistration.k8s.io:APIService", "spec/service/name"),
                fs(
                    "admissionregistration.k8s.io:ValidatingWebhookConfiguration",
                    "webhooks/clientConfig/service",
                ),
                fs(
                    "admissionregistration.k8s.io:MutatingWebhookConfiguration",
                    "webhooks/clientConfig/service",
                ),
            ],
        ),
        NameReference::of(
            "rbac.authorization.k8s.io::Role",
            vec![fs("rbac.authorization.k8s.io:RoleBinding", "roleRef/name")],
        ),
        NameReference::of(
            "rbac.authorization.k8s.io::ClusterRole",
            vec![
                fs("rbac.authorization.k8s.io:RoleBinding", "roleRef/name"),
                fs(
                    "rbac.authorization.k8s.io:ClusterRoleBinding",
                    "roleRef/name",
                ),
            ],
        ),
        NameReference::of(":v1:ServiceAccount", service_account),
        NameReference::of(":v1:PersistentVolumeClaim", claims),
        NameReference::of(
            ":v1:PersistentVolume",
            vec![
                fs("PersistentVolumeClaim", "spec/volumeName"),
                fs("ClusterRole", "rules/resourceNames"),
            ],
        ),
        NameReference::of(
            "storage.k8s.io:v1:StorageClass",
            vec![
                fs("PersistentVolume", "spec/storageClassName"),
                fs("PersistentVolumeClaim", "spec/storageClassName"),
                fs(
                    "StatefulSet",
                    "spec/volumeClaimTemplates/spec/storageClassName",
                ),
            ],
        ),
        NameReference::of(
            "scheduling.k8s.io:v1:PriorityClass",
            template_field("priorityClassName"),
        ),
        // kustomize names this group with its version, so it selects no IngressClass:
        // kept as kustomize has it, as the oracle builds it.
        NameReference::of(
            "networking.k8s.io/v1:v1:IngressClass",
            vec![fs("Ingress", "spec/ingressClassName")],
        ),
        NameReference::of(
            "admissionregistration.k8s.io::ValidatingAdmissionPolicy",
            vec![fs(
                "admissionregistration.k8s.io:ValidatingAdmissionPolicyBinding",
                "spec/policyName",
            )],
        ),
    ]
}

/// The built-in kinds that are cluster-scoped (any other kind, custom ones included, is
/// namespaced for kustomize).
pub(crate) fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "APIService"
            | "CertificateSigningRequest"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "ClusterTrustBundle"
            | "ComponentStatus"
            | "CSIDriver"
            | "CSINode"
            | "CustomResourceDefinition"
            | "DeviceClass"
            | "FlowSchema"
            | "IngressClass"
            | "IPAddress"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding"
            | "MutatingWebhookConfiguration"
            | "Namespace"
            | "Node"
            | "PersistentVolume"
            | "PodSecurityPolicy"
            | "PriorityClass"
            | "PriorityLevelConfiguration"
            | "ResourceSlice"
            | "RuntimeClass"
            | "SelfSubjectAccessReview"
            | "SelfSubjectReview"
            | "SelfSubjectRulesReview"
            | "ServiceCIDR"
            | "StorageClass"
            | "StorageVersion"
            | "StorageVersionMigration"
            | "SubjectAccessReview"
            | "TokenReview"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "ValidatingWebhookConfiguration"
            | "VolumeAttachment"
            | "VolumeAttributesClass"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_path_goes_through_lists_and_creates_maps() {
        let mut o = json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "image": "x"}]}});
        let mut seen = Vec::new();
        visit(&mut o, "spec/containers/name", false, &mut |v| {
            seen.push(v.clone())
        });
        assert_eq!(seen, [json!("a"), json!("b")]);
        visit(&mut o, "spec/selector/matchLabels", true, &mut |v| {
            *v = json!({"app": "x"})
        });
        assert_eq!(o["spec"]["selector"]["matchLabels"]["app"], "x");
    }

    #[test]
    fn an_escaped_slash_is_part_of_a_key() {
        assert_eq!(
            split_path("metadata/annotations/a.b\\/c"),
            ["metadata", "annotations", "a.b/c"]
        );
    }
}
