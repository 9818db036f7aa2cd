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

use crate::envsubst;
use crate::kustomize::config::Generator;
use crate::model::cluster::{Cluster, FileContent};
use crate::object::Target;
pub(crate) use crate::values::holds_variables;

/// The annotation that turns substitution off for one object.
pub(crate) const DISABLED: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// The variables `text` refers to without a default, as kustomize-controller's
/// substitution parses it (`crate::envsubst`): `${name}` and every other operator
/// (`${#name}`, `${name/./-}`, …), also inside another expression's arguments; not
/// `$${name}` (an escape), not `${name:=x}`, `${name:-x}` or `${name=x}`. Nothing for a
/// text that does not parse ([`unparsable`] names those).
pub(crate) fn required_variables(text: &str) -> Vec<String> {
    fn walk(template: &envsubst::Template, out: &mut Vec<String>) {
        for node in template {
            if let envsubst::Node::Expr(e) = node {
                if !e.has_default() && !out.contains(&e.param) {
                    out.push(e.param.clone());
                }
                for arg in &e.args {
                    walk(arg, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    if text.contains("${")
        && let Ok(template) = envsubst::parse(text)
    {
        walk(&template, &mut out);
    }
    out
}

/// Why kustomize-controller's substitution cannot parse `text`, if it cannot (the
/// Kustomization fails with `envsubst error`).
pub(crate) fn unparsable(text: &str) -> Option<envsubst::ParseError> {
    match text.contains('$') {
        true => envsubst::parse(text).err(),
        false => None,
    }
}

/// Why `text`, in what Kustomization `kustomization` applies, fails it: `why` the
/// substitution cannot parse it, and what to write instead.
pub(crate) fn unparsable_message(
    text: &str,
    why: envsubst::ParseError,
    kustomization: &crate::object::ObjectKey,
) -> String {
    format!(
        "{text:?} is not what the postBuild substitution of {kustomization} parses ({why}): \
         kustomize-controller fails the Kustomization (envsubst error); write a variable as \
         `${{name}}`, `${{name:=default}}` or an operator such as `${{name/./-}}`, `$$` for a \
         `$` of the text, or annotate the object {DISABLED}: disabled"
    )
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

/// `text` with its variables replaced as kustomize-controller (fluxcd/pkg/envsubst) does
/// (`crate::envsubst`: `${v}`, the defaults, `${v/./-}` and the other operators, `$$`
/// for `$`); a variable with no value here as `unset` says — `Unknown`: the whole text
/// stays as written (`None`), defaults or not. `None` too for a text that does not parse.
pub(crate) fn substitute(
    text: &str,
    values: &BTreeMap<String, String>,
    unset: Unset,
) -> Option<String> {
    if !text.contains('$') {
        return Some(text.to_owned());
    }
    let template = envsubst::parse(text).ok()?;
    if unset == Unset::Unknown && mentions_unknown(&template, values) {
        return None;
    }
    let lookup = |name: &str| match (values.get(name), unset) {
        (Some(v), _) => Some(v.clone()),
        // Flux without strict substitution reads every variable as set, empty if not.
        (None, Unset::Empty) => Some(String::new()),
        (None, _) => None,
    };
    // Strict: the expression stays as written, for a check to name it.
    envsubst::eval(&template, &lookup, &|e| Ok(e.source.clone())).ok()
}

/// Whether `template` reads a variable `values` has no value for, defaults included.
fn mentions_unknown(template: &envsubst::Template, values: &BTreeMap<String, String>) -> bool {
    template.iter().any(|node| match node {
        envsubst::Node::Text(_) => false,
        envsubst::Node::Expr(e) => {
            !values.contains_key(&e.param) || e.args.iter().any(|a| mentions_unknown(a, values))
        }
    })
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
    texts(object, &mut String::new(), &mut |path, text| {
        for v in required_variables(text) {
            if !defined.contains(&v) {
                out.push((path.to_owned(), v));
            }
        }
    });
    out
}

/// Every `(field path, text, why)` of `object` that kustomize-controller's substitution
/// cannot parse.
pub(crate) fn unparsable_in(object: &Value) -> Vec<(String, String, envsubst::ParseError)> {
    let mut out = Vec::new();
    texts(object, &mut String::new(), &mut |path, text| {
        if let Some(e) = unparsable(text) {
            out.push((path.to_owned(), text.to_owned(), e));
        }
    });
    out
}

/// Each string and key of `value` with its field path.
fn texts(value: &Value, path: &mut String, visit: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => visit(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                texts(item, path, visit);
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
                visit(path, k);
                texts(v, path, visit);
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
        assert_eq!(required_variables("$${HOME} $HOME"), Vec::<String>::new());
        assert_eq!(
            required_variables("${a:=1} ${b:-2} ${c=3} ${e,,} ${#f} ${g/./-} ${h:=${i}}"),
            ["e", "f", "g", "i"]
        );
        // Flux's fork has no `-` without `:`: the text does not parse.
        assert_eq!(required_variables("${d-4} ${e}"), Vec::<String>::new());
        assert_eq!(
            unparsable("${d-4}"),
            Some(envsubst::ParseError::MissingClosingBrace)
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
        // An empty value takes the default, with `=` as with `:=` (envsubst's toDefault).
        assert_eq!(
            sub("${empty:=x}-${empty=y}", Unknown).as_deref(),
            Some("x-y")
        );
        assert_eq!(
            sub("${env/g/G}-${env^^}-${#env}", Unknown).as_deref(),
            Some("staGing-STAGING-7")
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
