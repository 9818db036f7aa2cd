//! The Flux API a cluster runs: read from the CustomResourceDefinitions its Flux install
//! serves, it decides which apiVersion each Flux kind is written at, and which fields that
//! version has.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

/// The API of one Flux install: for each kind, the versions its CRDs serve, the one they
/// store, and each version's schema. Read from the CRDs themselves (a `gotk-components.yaml`
/// or a CRD set), so a new Flux release needs no change here.
///
/// ```
/// let crds = r#"
/// apiVersion: apiextensions.k8s.io/v1
/// kind: CustomResourceDefinition
/// metadata: {name: helmrepositories.source.toolkit.fluxcd.io}
/// spec:
///   group: source.toolkit.fluxcd.io
///   names: {kind: HelmRepository, plural: helmrepositories}
///   scope: Namespaced
///   versions:
///   - name: v1beta2
///     served: true
///     storage: true
///     schema: {openAPIV3Schema: {type: object}}
/// "#;
/// let api = fluxdsl::FluxApi::from_crds("Flux v2.0.1", crds).unwrap();
/// assert_eq!(api.storage_version("source.toolkit.fluxcd.io", "HelmRepository"), Some("v1beta2"));
/// ```
#[derive(Debug, Clone)]
pub struct FluxApi {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// How messages name it (`Flux v2.0.1`).
    label: String,
    /// (group, kind) → its versions.
    kinds: HashMap<(String, String), Versions>,
}

#[derive(Debug)]
struct Versions {
    storage: Option<String>,
    /// Served versions with their `openAPIV3Schema`.
    served: Vec<(String, Value)>,
}

impl FluxApi {
    /// The API the CustomResourceDefinitions in `manifests` define (other documents are
    /// skipped); `label` names it in messages (`Flux v2.0.1`).
    pub fn from_crds(label: &str, manifests: &str) -> Result<FluxApi, String> {
        use serde::Deserialize;
        let mut kinds = HashMap::new();
        for doc in serde_yaml::Deserializer::from_str(manifests) {
            let crd = Value::deserialize(doc).map_err(|e| format!("{label}: {e}"))?;
            if crd["kind"] != "CustomResourceDefinition" {
                continue;
            }
            let spec = &crd["spec"];
            let (Some(group), Some(kind)) =
                (spec["group"].as_str(), spec["names"]["kind"].as_str())
            else {
                return Err(format!(
                    "{label}: a CRD without spec.group or spec.names.kind"
                ));
            };
            let mut versions = Versions {
                storage: None,
                served: Vec::new(),
            };
            for v in spec["versions"].as_array().into_iter().flatten() {
                let Some(name) = v["name"].as_str() else {
                    continue;
                };
                if v["storage"] == true {
                    versions.storage = Some(name.to_owned());
                }
                if v["served"] == true {
                    let schema = v["schema"]["openAPIV3Schema"].clone();
                    versions.served.push((name.to_owned(), schema));
                }
            }
            kinds.insert((group.to_owned(), kind.to_owned()), versions);
        }
        if kinds.is_empty() {
            return Err(format!("{label}: no CustomResourceDefinition found"));
        }
        Ok(FluxApi {
            inner: Arc::new(Inner {
                label: label.to_owned(),
                kinds,
            }),
        })
    }

    /// How messages name it.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// The version the CRD of `kind` in `group` stores, if it is served.
    pub fn storage_version(&self, group: &str, kind: &str) -> Option<&str> {
        self.versions(group, kind)?.storage.as_deref()
    }

    fn versions(&self, group: &str, kind: &str) -> Option<&Versions> {
        self.inner.kinds.get(&(group.to_owned(), kind.to_owned()))
    }

    /// The version to write `kind` at, among `known` (the versions the typed model can
    /// write, newest first): the stored one, else the newest served one. `Err` says why
    /// none fits.
    pub(crate) fn choose(
        &self,
        group: &str,
        kind: &str,
        known: &[&'static str],
    ) -> Result<&'static str, String> {
        let label = self.label();
        let Some(versions) = self.versions(group, kind) else {
            return Err(format!("{label} does not serve {kind} ({group})"));
        };
        let served = |v: &str| versions.served.iter().any(|(s, _)| s == v);
        if let Some(storage) = &versions.storage
            && let Some(v) = known.iter().find(|k| **k == storage && served(k))
        {
            return Ok(v);
        }
        known.iter().copied().find(|k| served(k)).ok_or_else(|| {
            let names: Vec<&str> = versions.served.iter().map(|(n, _)| n.as_str()).collect();
            format!(
                "{label} serves {kind} at {}, none of which fluxdsl writes ({})",
                names.join(", "),
                known.join(", ")
            )
        })
    }

    /// The fields of `object` (its JSON) that the schema of `kind` at `version` lacks, or
    /// whose value it does not allow: `(field path, what is wrong)`.
    pub(crate) fn schema_problems(
        &self,
        group: &str,
        kind: &str,
        version: &str,
        object: &Value,
    ) -> Vec<(String, String)> {
        let Some(schema) = self
            .versions(group, kind)
            .and_then(|v| v.served.iter().find(|(n, _)| n == version))
            .map(|(_, s)| s)
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(spec) = object.get("spec") {
            check(spec, &schema["properties"]["spec"], "spec", &mut out);
        }
        let label = self.label();
        out.into_iter()
            .map(|(path, problem)| {
                (
                    path,
                    format!("{problem} in {kind} {group}/{version} of {label}"),
                )
            })
            .collect()
    }
}

/// Walks `value` along `schema`: fields the schema does not list (where it lists them),
/// and strings outside its `enum`.
fn check(value: &Value, schema: &Value, path: &str, out: &mut Vec<(String, String)>) {
    if schema.is_null() || schema["x-kubernetes-preserve-unknown-fields"] == true {
        return;
    }
    match value {
        Value::Object(map) => {
            let properties = schema["properties"].as_object();
            let additional = &schema["additionalProperties"];
            for (key, v) in map {
                let field = format!("{path}.{key}");
                match properties.and_then(|p| p.get(key)) {
                    Some(s) => check(v, s, &field, out),
                    None if additional.is_object() => check(v, additional, &field, out),
                    None if properties.is_some() || additional == false => {
                        out.push((field, "is not a field".into()));
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check(v, &schema["items"], &format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => {
            if let Some(allowed) = schema["enum"].as_array()
                && !allowed.iter().any(|a| a == s)
            {
                let names: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
                out.push((
                    path.to_owned(),
                    format!("{s:?} is not one of {}", names.join(", ")),
                ));
            }
        }
        _ => {}
    }
}
