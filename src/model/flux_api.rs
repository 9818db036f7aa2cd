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
    /// The Flux release the CRDs come from (`v2.9.3`), if they or the label say.
    release: Option<String>,
    /// (group, kind) → its versions.
    kinds: HashMap<(String, String), Versions>,
}

#[derive(Debug)]
struct Versions {
    storage: Option<String>,
    /// Served versions with their `openAPIV3Schema`.
    served: Vec<(String, Value)>,
}

/// `vX.Y.Z`, digits each.
fn is_release(word: &str) -> bool {
    word.strip_prefix('v').is_some_and(|rest| {
        let parts: Vec<&str> = rest.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The site a problem of the pinned Flux API names (`Cluster::flux_api`'s call): what
/// `fluxdsl import` reads to tell a problem only the pin raises.
pub(crate) const PIN_SITE: &str = "Flux API pinned";

impl FluxApi {
    /// The API the CustomResourceDefinitions in `manifests` define (other documents are
    /// skipped); `label` names it in messages (`Flux v2.0.1`).
    pub fn from_crds(label: &str, manifests: &str) -> Result<FluxApi, String> {
        use serde::Deserialize;
        let docs = serde_yaml::Deserializer::from_str(manifests)
            .map(|doc| Value::deserialize(doc).map_err(|e| format!("{label}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        FluxApi::from_crd_values(label, docs.iter())
    }

    /// [`from_crds`](Self::from_crds) for CRDs given as JSON (other objects skipped).
    pub(crate) fn from_crd_values<'a>(
        label: &str,
        objects: impl Iterator<Item = &'a Value>,
    ) -> Result<FluxApi, String> {
        let mut kinds = HashMap::new();
        let mut releases = std::collections::BTreeSet::new();
        for crd in objects {
            if crd["kind"] != "CustomResourceDefinition" {
                continue;
            }
            if let Some(v) = crd["metadata"]["labels"]["app.kubernetes.io/version"].as_str() {
                releases.insert(v.to_owned());
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
        let release = match releases.len() {
            1 => releases.pop_first(),
            _ => label
                .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
                .find(|word| is_release(word))
                .map(str::to_owned),
        };
        Ok(FluxApi {
            inner: Arc::new(Inner {
                label: label.to_owned(),
                release,
                kinds,
            }),
        })
    }

    /// The Flux release the CRDs come from (`v2.9.3`): their `app.kubernetes.io/version`
    /// label (as `flux install` writes it), else a `vX.Y.Z` word of the label.
    pub fn release(&self) -> Option<&str> {
        self.inner.release.as_deref()
    }

    /// How messages name it.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// The version the CRD of `kind` in `group` stores, if it is served.
    pub fn storage_version(&self, group: &str, kind: &str) -> Option<&str> {
        self.versions(group, kind)?.storage.as_deref()
    }

    /// Whether the version the CRD of `kind` in `group` stores has the field `path`
    /// (`spec.install.strategy`): a definition that targets several Flux releases asks what
    /// the install it is pinned to offers, instead of naming releases.
    ///
    /// ```
    /// # let crds = include_str!("../../tests/fixtures/flux-crds/v2.0.1/crds.yaml");
    /// let api = fluxdsl::FluxApi::from_crds("Flux v2.0.1", crds).unwrap();
    /// let helm = "helm.toolkit.fluxcd.io";
    /// assert!(api.has_field(helm, "HelmRelease", "spec.install.remediation.retries"));
    /// assert!(!api.has_field(helm, "HelmRelease", "spec.install.strategy"));
    /// ```
    pub fn has_field(&self, group: &str, kind: &str, path: &str) -> bool {
        let Some(versions) = self.versions(group, kind) else {
            return false;
        };
        let Some(schema) = versions
            .served
            .iter()
            .find(|(name, _)| Some(name) == versions.storage.as_ref())
            .map(|(_, schema)| schema)
        else {
            return false;
        };
        path.split('.')
            .try_fold(schema, |s, field| {
                let s = if s["type"] == "array" { &s["items"] } else { s };
                s["properties"].get(field)
            })
            .is_some()
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

    /// Why this install cannot take `object` of a Flux API group at the apiVersion it is
    /// written at: the kind is not served, or not at that version.
    pub(crate) fn serving_problem(&self, object: &Value) -> Option<String> {
        let api_version = object["apiVersion"].as_str()?;
        let (group, version) = api_version.rsplit_once('/')?;
        if !group.ends_with(".toolkit.fluxcd.io") {
            return None;
        }
        let kind = object["kind"].as_str()?;
        let label = self.label();
        let Some(versions) = self.versions(group, kind) else {
            return Some(format!("{label} does not serve {kind} ({group})"));
        };
        if versions.served.iter().any(|(v, _)| v == version) {
            return None;
        }
        let names: Vec<&str> = versions.served.iter().map(|(n, _)| n.as_str()).collect();
        Some(format!(
            "is written at {api_version}, which {label} does not serve (it serves {kind} at {})",
            names.join(", ")
        ))
    }

    /// [`schema_problems`](Self::schema_problems) for `object` at the apiVersion and kind it
    /// names.
    pub(crate) fn object_problems(&self, object: &Value) -> Vec<(String, String)> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let kind = object["kind"].as_str().unwrap_or_default();
        self.schema_problems(group, kind, version, object)
    }

    /// What the schema of `kind` at `version` does not allow in `object` (its JSON):
    /// `(field path, what is wrong)`. Nothing for a kind these CRDs do not define.
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
        // The object without what the API server checks itself.
        let mut body = object.as_object().cloned().unwrap_or_default();
        for own in ["apiVersion", "kind", "metadata"] {
            body.remove(own);
        }
        let mut out = Vec::new();
        check_object(&body, schema, "", &mut out);
        // The CEL rules run on an object the structural checks accept, as on the server;
        // one holding postBuild variables, once they are substituted.
        if out.is_empty() && !crate::values::holds_variables(&Value::Object(body.clone())) {
            crate::model::crd_rules::problems(&Value::Object(body), schema, "", &mut out);
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

/// Walks `value` along `schema` as the API server's structural schema validation does:
/// fields the schema does not list (where it lists them), required fields, types, enums,
/// patterns, lengths and bounds.
fn check(value: &Value, schema: &Value, path: &str, out: &mut Vec<(String, String)>) {
    if schema.is_null() || schema["x-kubernetes-preserve-unknown-fields"] == true {
        return;
    }
    if value.is_null() && schema["nullable"] == true {
        return;
    }
    // A postBuild variable (`${replicas}`, `${domain}`) is checked once substituted, with
    // the values of each Kustomization that applies the object (applied.rs).
    if let Value::String(s) = value
        && crate::values::holds_variable(s)
    {
        return;
    }
    if let Some(problem) = wrong_type(value, schema) {
        out.push((path.to_owned(), problem));
        return;
    }
    match value {
        Value::Object(map) => check_object(map, schema, path, out),
        Value::Array(items) => {
            bound(
                items.len(),
                schema,
                "minItems",
                "maxItems",
                "items",
                path,
                out,
            );
            for (i, v) in items.iter().enumerate() {
                check(v, &schema["items"], &format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => check_string(s, schema, path, out),
        Value::Number(n) => {
            if let (Some(min), Some(v)) = (schema["minimum"].as_f64(), n.as_f64())
                && v < min
            {
                out.push((path.to_owned(), format!("{n} is below the minimum {min}")));
            }
            if let (Some(max), Some(v)) = (schema["maximum"].as_f64(), n.as_f64())
                && v > max
            {
                out.push((path.to_owned(), format!("{n} is above the maximum {max}")));
            }
        }
        _ => {}
    }
}

/// An object's fields against `properties` (or `additionalProperties`), and `required`.
fn check_object(
    map: &serde_json::Map<String, Value>,
    schema: &Value,
    path: &str,
    out: &mut Vec<(String, String)>,
) {
    let properties = schema["properties"].as_object();
    let additional = &schema["additionalProperties"];
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    for (key, v) in map {
        let field = at(key);
        match properties.and_then(|p| p.get(key)) {
            Some(s) => check(v, s, &field, out),
            None if additional.is_object() => check(v, additional, &field, out),
            None if properties.is_some() || additional == false => {
                out.push((field, "is not a field".into()));
            }
            None => {}
        }
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        if let Some(name) = required.as_str()
            && !map.contains_key(name)
        {
            out.push((at(name), "is required".into()));
        }
    }
}

/// A string against `enum`, `minLength`/`maxLength` and `pattern`.
fn check_string(s: &str, schema: &Value, path: &str, out: &mut Vec<(String, String)>) {
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.iter().any(|a| a == s)
    {
        let names: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        out.push((
            path.to_owned(),
            format!("{s:?} is not one of {}", names.join(", ")),
        ));
    }
    let chars = s.chars().count();
    bound(
        chars,
        schema,
        "minLength",
        "maxLength",
        "characters",
        path,
        out,
    );
    if let Some(pattern) = schema["pattern"].as_str()
        && !matches(pattern, s)
    {
        out.push((
            path.to_owned(),
            format!("{s:?} does not match the pattern {pattern}"),
        ));
    }
}

/// Why `value` is not of the schema's `type`, if it is not.
fn wrong_type(value: &Value, schema: &Value) -> Option<String> {
    let want = schema["type"].as_str()?;
    let int_or_string = schema["x-kubernetes-int-or-string"] == true;
    let ok = match value {
        Value::String(_) => want == "string" || int_or_string,
        Value::Number(n) => {
            (want == "integer" && (n.is_i64() || n.is_u64()))
                || want == "number"
                || (int_or_string && (n.is_i64() || n.is_u64()))
        }
        Value::Bool(_) => want == "boolean",
        Value::Array(_) => want == "array",
        Value::Object(_) => want == "object",
        Value::Null => false,
    };
    (!ok).then(|| format!("is {}, the schema wants {want}", describe(value)))
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
        Value::Null => "null",
    }
}

/// A count against the schema's `min`/`max` keywords.
fn bound(
    count: usize,
    schema: &Value,
    min: &str,
    max: &str,
    unit: &str,
    path: &str,
    out: &mut Vec<(String, String)>,
) {
    if let Some(min) = schema[min].as_u64()
        && (count as u64) < min
    {
        out.push((
            path.to_owned(),
            format!("has {count} {unit}, fewer than {min}"),
        ));
    }
    if let Some(max) = schema[max].as_u64()
        && (count as u64) > max
    {
        out.push((
            path.to_owned(),
            format!("has {count} {unit}, more than {max}"),
        ));
    }
}

/// Whether `text` matches the schema pattern `pattern` (compiled once per pattern).
fn matches(pattern: &str, text: &str) -> bool {
    use std::sync::{Mutex, OnceLock};
    static COMPILED: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let mut compiled = COMPILED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let regex = compiled
        .entry(pattern.to_owned())
        .or_insert_with(|| regex::Regex::new(pattern).ok());
    // A pattern this engine cannot read is not held against the object.
    regex.as_ref().is_none_or(|r| r.is_match(text))
}
