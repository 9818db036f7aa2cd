//! kustomize-controller's postBuild substitution over what a Kustomization applies: every
//! `${var}` in an applied object is replaced, so one the Kustomization does not define (and
//! gives no default) fails it under strict substitution and is emptied by older Flux — a
//! script's `${HOME}`, a typo in a variable's name. Variables come from `substitute` and
//! from the keys of the `substituteFrom` ConfigMaps and Secrets, when this program knows
//! them (objects it declares, generators, SOPS files); with any source it cannot read, the
//! check says nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use crate::kustomize::config::Generator;
use crate::model::cluster::{Cluster, FileContent};
use crate::object::Target;
pub(crate) use crate::values::holds_variables;

/// The annotation that turns substitution off for one object.
pub(crate) const DISABLED: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// The variables `text` refers to without a default: `${name}`, not `$${name}` (an
/// escape), not `${name:=x}`, `${name:-x}`, `${name=x}` or `${name-x}`.
pub(crate) fn required_variables(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("${") {
        let start = i + at;
        i = start + 2;
        if start > 0 && bytes[start - 1] == b'$' {
            continue; // `$${x}`: written as `${x}`
        }
        let Some(end) = text[start + 2..].find('}') else {
            break;
        };
        let inner = &text[start + 2..start + 2 + end];
        let inner = inner.strip_prefix('#').unwrap_or(inner);
        let name_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, rest) = inner.split_at(name_len);
        let defaulted = [":=", ":-", "=", "-"].iter().any(|d| rest.starts_with(d));
        if !name.is_empty() && !defaulted {
            out.push(name);
        }
        i = start + 2 + end + 1;
    }
    out
}

/// What substitution writes for a variable that has no value here and no default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unset {
    /// Its value may be known where this program cannot look (a source it cannot read):
    /// the whole text is left as written.
    Unknown,
    /// It has none: it is emptied, as Flux without strict substitution writes it.
    Empty,
    /// It has none, and Flux's strict substitution (v2.9's default) fails the
    /// Kustomization: the expression stays as written, for a check to name it.
    Kept,
}

impl Unset {
    /// [`Unset::Empty`] when every value is known, else [`Unset::Unknown`].
    pub(crate) fn when(complete: bool) -> Unset {
        match complete {
            true => Unset::Empty,
            false => Unset::Unknown,
        }
    }

    /// As Flux v2.9 substitutes: [`Unset::Kept`] when every value is known, else
    /// [`Unset::Unknown`].
    pub(crate) fn strict(complete: bool) -> Unset {
        match complete {
            true => Unset::Kept,
            false => Unset::Unknown,
        }
    }
}

/// `text` with its variables replaced as kustomize-controller (drone/envsubst) does:
/// `${v}` by its value, `${v:=d}`/`${v:-d}` by the value unless it is unset or empty,
/// `${v=d}`/`${v-d}` unless it is unset, `$${v}` by the text `${v}`; a variable with no
/// value here and no default as `unset` says (`None`: the whole text stays as written).
pub(crate) fn substitute(
    text: &str,
    values: &BTreeMap<String, String>,
    unset: Unset,
) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if at > 0 && rest.as_bytes()[at - 1] == b'$' {
            // `$${v}`: the escape writes `${v}`, and nothing inside is substituted.
            out.push_str(&rest[..at - 1]);
            let end = rest[at..].find('}').map_or(rest.len(), |e| at + e + 1);
            out.push_str(&rest[at..end]);
            rest = &rest[end..];
            continue;
        }
        out.push_str(&rest[..at]);
        let inner = &rest[at + 2..];
        let end = inner.find('}')?;
        let expression = &inner[..end];
        let name_len = expression
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(expression.len());
        let (name, operator) = expression.split_at(name_len);
        let value = values.get(name);
        let missing = |default: Option<&str>| match (unset, default) {
            (Unset::Unknown, _) => None,
            (_, Some(d)) => Some(d.to_owned()),
            (Unset::Empty, None) => Some(String::new()),
            (Unset::Kept, None) => Some(format!("${{{expression}}}")),
        };
        let written = match (operator.get(..2), operator.get(..1)) {
            (Some(":=" | ":-"), _) => match value {
                Some(v) if !v.is_empty() => v.clone(),
                Some(_) => operator[2..].to_owned(),
                None => missing(Some(&operator[2..]))?,
            },
            (_, Some("=" | "-")) => match value {
                Some(v) => v.clone(),
                None => missing(Some(&operator[1..]))?,
            },
            _ => match value {
                Some(v) => v.clone(),
                None => missing(None)?,
            },
        };
        out.push_str(&written);
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A `substituteFrom` source as this program holds it: an object it declares, or a
/// ConfigMap or Secret a folder of `cluster` generates.
enum Source<'c> {
    Declared(&'c crate::model::cluster::Declared),
    Generated(&'c Cluster, &'c Generator),
}

/// Where this repository's `clusters` hold the object `target` names; `None` if they do
/// not (`Ref::existing`).
fn source_of<'c>(
    mut clusters: impl Iterator<Item = &'c Cluster>,
    target: &Arc<Target>,
) -> Option<Source<'c>> {
    clusters.find_map(|cluster| {
        if let Some(o) = cluster
            .objects
            .iter()
            .find(|o| Arc::ptr_eq(&o.target, target))
        {
            return Some(Source::Declared(o));
        }
        cluster
            .generators
            .iter()
            .find(|(_, _, t)| Arc::ptr_eq(t, target))
            .map(|(_, g, _)| Source::Generated(cluster, g))
    })
}

/// The values of the ConfigMap or Secret `target` names, where this program holds them
/// (a declared object's `data` and `stringData`, a generator's literals); `None` if any
/// is unknown here.
pub(crate) fn values_of<'c>(
    clusters: impl Iterator<Item = &'c Cluster>,
    target: &Arc<Target>,
) -> Option<BTreeMap<String, String>> {
    match source_of(clusters, target)? {
        Source::Declared(o) => {
            if o.encrypted {
                return None;
            }
            config_data(&o.object.to_json().ok()?)
        }
        Source::Generated(_, g) => {
            let (literals, files, envs) = g.parts();
            if !files.is_empty() || !envs.is_empty() {
                return None;
            }
            Some(
                literals
                    .iter()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            )
        }
    }
}

/// The values a Kustomization's postBuild substitutes that this program knows, as
/// kustomize-controller merges them: each `substituteFrom` source's in order (later ones
/// win), then `substitute`'s over them, every value without its line breaks; `false` when
/// a source's values are unknown here.
pub(crate) fn known_values<'c>(
    clusters: impl Iterator<Item = &'c Cluster> + Clone,
    substitute: &[(String, String)],
    from: &[Arc<Target>],
) -> (BTreeMap<String, String>, bool) {
    let mut values = BTreeMap::new();
    let mut complete = true;
    for source in from {
        match values_of(clusters.clone(), source) {
            Some(known) => values.extend(known),
            None => complete = false,
        }
    }
    values.extend(substitute.iter().cloned());
    (without_line_breaks(values), complete)
}

/// `values` as kustomize-controller substitutes them: each without its line breaks.
pub(crate) fn without_line_breaks(
    mut values: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    for v in values.values_mut() {
        if v.contains('\n') {
            *v = v.replace('\n', "");
        }
    }
    values
}

/// The data of ConfigMap or Secret `o` as substitution reads it (a Secret's `data`
/// decoded, and its `stringData`, which the API server merges into it); `None` when it is
/// SOPS-encrypted or a value is not readable text.
pub(crate) fn config_data(o: &Value) -> Option<BTreeMap<String, String>> {
    use base64::Engine;
    if o.get("sops").is_some() {
        return None;
    }
    let secret = o["kind"] == "Secret";
    let mut out = BTreeMap::new();
    for (k, v) in o["data"].as_object().into_iter().flatten() {
        let text = v.as_str()?;
        let text = match secret {
            true => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .ok()?;
                String::from_utf8(bytes).ok()?
            }
            false => text.to_owned(),
        };
        out.insert(k.clone(), text);
    }
    for (k, v) in o["stringData"].as_object().into_iter().flatten() {
        out.insert(k.clone(), v.as_str()?.to_owned());
    }
    Some(out)
}

/// Whether any string (or key) of `value` holds `${`: all that substitution may change.
pub(crate) fn mentions_variables(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("${"),
        Value::Array(items) => items.iter().any(mentions_variables),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains("${") || mentions_variables(v)),
        _ => false,
    }
}

/// `value` as kustomize-controller's substitution leaves it, where every variable it needs
/// is known (`values`, `unset` as for [`substitute`]): the YAML text is substituted,
/// so a string render writes plain is read back as YAML (`replicas: ${replicas}` becomes
/// the number 3); strings with a variable whose value is unknown are left as written.
pub(crate) fn substitute_all(value: &mut Value, values: &BTreeMap<String, String>, unset: Unset) {
    match value {
        Value::String(s) if s.contains("${") => {
            let Some(done) = substitute(s, values, unset) else {
                return;
            };
            let plain = crate::go_yaml::document(s.as_str())
                .is_ok_and(|text| !text.starts_with(['"', '\'', '|', '>']));
            *value = match plain {
                true => serde_yaml::from_str::<Value>(&done).unwrap_or(Value::String(done)),
                false => Value::String(done),
            };
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| substitute_all(v, values, unset)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut v) in entries {
                substitute_all(&mut v, values, unset);
                let k = match k.contains("${") {
                    true => substitute(&k, values, unset).unwrap_or(k),
                    false => k,
                };
                map.insert(k, v);
            }
        }
        _ => {}
    }
}

/// Every `(field path, variable)` of `object` (keys and values alike, as Flux substitutes
/// the whole document) that needs a variable outside `defined`.
pub(crate) fn undefined_in(object: &Value, defined: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(object, &mut String::new(), defined, &mut out);
    out
}

fn walk(
    value: &Value,
    path: &mut String,
    defined: &BTreeSet<String>,
    out: &mut Vec<(String, String)>,
) {
    let check = |text: &str, path: &str, out: &mut Vec<(String, String)>| {
        for v in required_variables(text) {
            if !defined.contains(v) {
                out.push((path.to_owned(), v.to_owned()));
            }
        }
    };
    match value {
        Value::String(s) => check(s, path, out),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, defined, out);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                check(k, path, out);
                walk(v, path, defined, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Whether `object` opts out (`kustomize.toolkit.fluxcd.io/substitute: disabled`).
pub(crate) fn disabled(object: &Value) -> bool {
    object["metadata"]["annotations"][DISABLED] == "disabled"
}

/// The keys of the ConfigMap or Secret `target` names, if this repository's `clusters`
/// declare or generate it; `None` if it is unknown here (`Ref::existing`).
pub(crate) fn keys_of<'c>(
    clusters: impl Iterator<Item = &'c Cluster>,
    target: &Arc<Target>,
) -> Option<BTreeSet<String>> {
    match source_of(clusters, target)? {
        Source::Declared(o) => {
            let value = o.object.to_json().ok()?;
            Some(
                ["data", "stringData", "binaryData"]
                    .iter()
                    .flat_map(|f| value[*f].as_object().into_iter().flatten())
                    .map(|(k, _)| k.clone())
                    .collect(),
            )
        }
        Source::Generated(cluster, g) => generated_keys(cluster, g),
    }
}

/// The keys a generator writes: its literals', its files' (the key given, or the file's
/// name) and its `.env` files' lines; `None` if an input is not a file this program holds.
fn generated_keys(cluster: &Cluster, g: &Generator) -> Option<BTreeSet<String>> {
    let (literals, files, envs) = g.parts();
    let mut keys: BTreeSet<String> = literals
        .iter()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_owned()))
        .collect();
    for f in files {
        let key = match f.split_once('=') {
            Some((key, _)) if !key.contains('/') => key,
            _ => f.rsplit('/').next().unwrap_or(f),
        };
        keys.insert(key.to_owned());
    }
    for env in envs {
        let text = cluster
            .files
            .iter()
            .find(|f| f.tree == 0 && f.path == *env)
            .and_then(|f| match &f.content {
                FileContent::Verbatim(text) | FileContent::Data(text) => Some(text),
                _ => None,
            })?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("sops_") {
                continue;
            }
            keys.insert(line.split_once('=').map_or(line, |(k, _)| k).to_owned());
        }
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_read_as_flux_substitutes_them() {
        assert_eq!(required_variables("echo ${HOME}/x"), ["HOME"]);
        assert_eq!(required_variables("$${HOME} $HOME"), Vec::<&str>::new());
        assert_eq!(
            required_variables("${a:=1} ${b:-2} ${c=3} ${d-4} ${e,,} ${#f}"),
            ["e", "f"]
        );
        assert_eq!(required_variables("${cluster_name}-web"), ["cluster_name"]);
    }

    #[test]
    fn names_are_substituted_as_flux_substitutes_them() {
        let values = [
            ("env".to_owned(), "staging".to_owned()),
            ("empty".to_owned(), String::new()),
        ]
        .into_iter()
        .collect();
        let sub = |t: &str, unset| substitute(t, &values, unset);
        use Unset::*;
        assert_eq!(sub("${env}-web", Unknown).as_deref(), Some("staging-web"));
        assert_eq!(
            sub("${empty:=x}-${empty=y}", Unknown).as_deref(),
            Some("x-")
        );
        // Unset here, but perhaps set by a source whose values are unknown.
        assert_eq!(sub("${other:-dev}", Unknown), None);
        assert_eq!(sub("${other:-dev}", Empty).as_deref(), Some("dev"));
        assert_eq!(sub("${other}", Unknown), None);
        assert_eq!(sub("${other}-web", Empty).as_deref(), Some("-web"));
        // Strict: an undefined variable fails the Kustomization; the text keeps it.
        assert_eq!(
            sub("${other}-${env}", Kept).as_deref(),
            Some("${other}-staging")
        );
        assert_eq!(sub("${other:=a}", Kept).as_deref(), Some("a"));
        // `$${v}` is the escape for the text `${v}`.
        assert_eq!(
            sub("$${env} ${env}", Empty).as_deref(),
            Some("${env} staging")
        );
        assert_eq!(sub("$${HOME}", Unknown).as_deref(), Some("${HOME}"));
    }
}
