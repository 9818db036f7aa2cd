//! The references a built Kustomization or HelmRelease holds, read from its spec as Flux
//! reads them (a reference without a namespace is in the holder's): what the checks,
//! `tree` and `graph` read from the effective state.

use serde_json::Value;

use super::state::DEFAULT_NAMESPACE;
use crate::object::ObjectKey;

/// One reference of a built object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuiltRef {
    /// The field, as the typed references name it (`spec.dependsOn`).
    pub field: &'static str,
    /// Its place in a list field.
    pub index: Option<usize>,
    /// The target's API group (`""` for the core group).
    pub group: &'static str,
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
}

impl BuiltRef {
    /// The field with its index (`spec.dependsOn[0]`).
    pub(crate) fn field_at(&self) -> String {
        match self.index {
            Some(i) => format!("{}[{i}]", self.field),
            None => self.field.to_owned(),
        }
    }

    /// The target as a key (without its version, which a reference does not say).
    pub(crate) fn target(&self) -> ObjectKey {
        ObjectKey {
            api_version: "",
            kind: self.kind,
            namespace: Some(self.namespace.clone().into()),
            name: self.name.clone(),
        }
    }
}

/// The references of built Kustomization or HelmRelease `o` (key `key`): its source
/// (`sourceRef`, `chart.spec.sourceRef`, `chartRef`), `dependsOn`, `healthChecks`,
/// `postBuild.substituteFrom`, `valuesFrom` and `serviceAccountName`.
pub(crate) fn references(key: &ObjectKey, o: &Value) -> Vec<BuiltRef> {
    let own = key.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let spec = &o["spec"];
    let mut out = Vec::new();
    let mut push = |field: &'static str, index: Option<usize>, r: &Value, kind: Option<&str>| {
        let (Some(kind), Some(name)) = (kind.or(r["kind"].as_str()), r["name"].as_str()) else {
            return;
        };
        let group = match r["apiVersion"].as_str() {
            Some(v) => v.rsplit_once('/').map_or("", |(g, _)| g),
            None => group_of(kind),
        };
        out.push(BuiltRef {
            field,
            index,
            group: crate::object::intern(group),
            kind: crate::object::intern(kind),
            namespace: r["namespace"].as_str().unwrap_or(own).to_owned(),
            name: name.to_owned(),
        });
    };
    push("spec.sourceRef", None, &spec["sourceRef"], None);
    push(
        "spec.chart.spec.sourceRef",
        None,
        &spec["chart"]["spec"]["sourceRef"],
        None,
    );
    push("spec.chartRef", None, &spec["chartRef"], None);
    let list = |field: &str| spec[field].as_array().into_iter().flatten().enumerate();
    for (i, d) in list("dependsOn") {
        push("spec.dependsOn", Some(i), d, Some(key.kind));
    }
    for (i, h) in list("healthChecks") {
        push("spec.healthChecks", Some(i), h, None);
    }
    let from = spec["postBuild"]["substituteFrom"].as_array();
    for (i, f) in from.into_iter().flatten().enumerate() {
        push("spec.postBuild.substituteFrom", Some(i), f, None);
    }
    for (i, v) in list("valuesFrom") {
        push("spec.valuesFrom", Some(i), v, None);
    }
    if let Some(name) = spec["serviceAccountName"].as_str() {
        let account = serde_json::json!({ "name": name });
        push(
            "spec.serviceAccountName",
            None,
            &account,
            Some("ServiceAccount"),
        );
    }
    out
}

/// The API group of a kind a Flux reference names without its apiVersion.
fn group_of(kind: &str) -> &'static str {
    match kind {
        "GitRepository" | "OCIRepository" | "HelmRepository" | "HelmChart" | "Bucket"
        | "ExternalArtifact" => "source.toolkit.fluxcd.io",
        "Kustomization" => "kustomize.toolkit.fluxcd.io",
        "HelmRelease" => "helm.toolkit.fluxcd.io",
        _ => "",
    }
}
