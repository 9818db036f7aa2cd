//! `kustomize build` of a folder, in process: kustomize's accumulation (resources,
//! components, generators, then its transformers in kustomize's order), content hashes
//! at the top, and the name references rewritten after every rename.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use serde_json::{Map, Value, json};

use super::BuildError;
use super::fields::{self, FieldSpec, NameReference, cluster_scoped, visit};
use super::files::{Files, join};
use super::hash::content_hash;
use super::merge::{self, Merged};

/// The names kustomize reads a folder's kustomization from, in its order.
use crate::kube_rules::KUSTOMIZATION_FILES;

/// The objects `kubectl kustomize DIR` builds from the folder `dir` of `files` (Flux's
/// load restrictions: a kustomization may read anywhere in the repository).
pub fn build(files: &Files, dir: &str) -> Result<Vec<Value>, BuildError> {
    let dir = super::files::normalize(dir)
        .ok_or_else(|| BuildError::new(dir, "the path climbs out of the repository"))?;
    let (file, k) = kustomization(files, &dir)?
        .ok_or_else(|| BuildError::new(&dir, "no kustomization.yaml in this folder"))?;
    build_kustomization(files, &dir, &file, &k)
}

/// The objects kustomization `k` (read from `file`, in folder `dir`) builds.
pub(crate) fn build_kustomization(
    files: &Files,
    dir: &str,
    file: &str,
    k: &Value,
) -> Result<Vec<Value>, BuildError> {
    if k["kind"] == "Component" {
        return Err(BuildError::new(
            file,
            "a Component is built only from a kustomization's components",
        ));
    }
    let mut acc = Acc::default();
    accumulate(files, dir, file, k, &mut acc)?;
    for r in &mut acc.res {
        if r.hash {
            r.store_previous_id();
            let hash = content_hash(&r.obj);
            let name = format!("{}-{hash}", r.name());
            r.obj["metadata"]["name"] = Value::String(name);
        }
    }
    fix_name_references(&mut acc).map_err(|m| BuildError::new(file, m))?;
    Ok(acc
        .res
        .into_iter()
        .map(|r| r.obj)
        .filter(|o| o["metadata"]["annotations"]["config.kubernetes.io/local-config"] != "true")
        .collect())
}

/// A folder's kustomization: the file it is read from and its content; `None` if the
/// folder has none.
pub(crate) fn kustomization(
    files: &Files,
    dir: &str,
) -> Result<Option<(String, Value)>, BuildError> {
    for name in KUSTOMIZATION_FILES {
        let path = join(dir, name).unwrap_or_else(|| name.to_owned());
        if let Some(text) = files.file(&path) {
            let value: Value = serde_yaml::from_str(text)
                .map_err(|e| BuildError::new(&path, format!("not YAML: {e}")))?;
            let value = if value.is_null() { json!({}) } else { value };
            if !value.is_object() {
                return Err(BuildError::new(&path, "a kustomization is a map"));
            }
            return Ok(Some((path, value)));
        }
    }
    Ok(None)
}

/// An object's identity as kustomize compares it: kind, name and effective namespace
/// (a namespaced object without one is in `default`); the group and version are the
/// object's current ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Id {
    kind: String,
    name: String,
    namespace: String,
}

/// An object of the build with what kustomize tracks beside it.
#[derive(Debug, Clone)]
struct Res {
    obj: Value,
    /// Its earlier identities, oldest first (kustomize's build annotations).
    prev: Vec<Id>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    /// Generated, with a content hash to append at the end.
    hash: bool,
}

impl Res {
    fn new(obj: Value) -> Res {
        Res {
            obj,
            prev: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            hash: false,
        }
    }

    fn kind(&self) -> &str {
        self.obj["kind"].as_str().unwrap_or_default()
    }

    fn api_version(&self) -> &str {
        self.obj["apiVersion"].as_str().unwrap_or_default()
    }

    fn name(&self) -> &str {
        self.obj["metadata"]["name"].as_str().unwrap_or_default()
    }

    fn namespace(&self) -> &str {
        self.obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }

    fn cur_id(&self) -> Id {
        Id {
            kind: self.kind().to_owned(),
            name: self.name().to_owned(),
            namespace: effective_namespace(self.kind(), self.namespace()),
        }
    }

    fn org_id(&self) -> Id {
        self.prev.first().cloned().unwrap_or_else(|| self.cur_id())
    }

    fn store_previous_id(&mut self) {
        let id = self.cur_id();
        self.prev.push(id);
    }

    /// Whether `id` (with group and version `api_version`) is this object now or was it.
    fn any_id_is(&self, api_version: &str, id: &Id) -> bool {
        api_version == self.api_version()
            && (self.cur_id() == *id || self.prev.iter().any(|p| p == id))
    }

    fn label(&self) -> String {
        match self.namespace() {
            "" => format!("{}/{}", self.kind(), self.name()),
            ns => format!("{}/{ns}/{}", self.kind(), self.name()),
        }
    }
}

fn effective_namespace(kind: &str, namespace: &str) -> String {
    match (namespace, cluster_scoped(kind)) {
        (_, true) => String::new(),
        ("", false) => "default".to_owned(),
        (ns, false) => ns.to_owned(),
    }
}

/// What a build gathers: its objects in order and the name references its folders'
/// `configurations` add.
#[derive(Default)]
struct Acc {
    res: Vec<Res>,
    name_refs: Vec<NameReference>,
    /// The current identities of `res` (with their apiVersion), while no transformer has
    /// changed them since: what `append` looks a new object up in.
    ids: Option<HashSet<(String, Id)>>,
}

impl Acc {
    fn append(&mut self, r: Res, at: &str) -> Result<(), BuildError> {
        let res = &self.res;
        let ids = self.ids.get_or_insert_with(|| {
            res.iter()
                .map(|o| (o.api_version().to_owned(), o.cur_id()))
                .collect()
        });
        if !ids.insert((r.api_version().to_owned(), r.cur_id())) {
            return Err(BuildError::new(
                at,
                format!(
                    "may not add resource with an already registered id: {}",
                    r.label()
                ),
            ));
        }
        self.res.push(r);
        Ok(())
    }

    /// The first object whose current identity an earlier one has.
    fn first_conflict(&self) -> Option<&Res> {
        let mut seen = HashSet::with_capacity(self.res.len());
        self.res
            .iter()
            .find(|o| !seen.insert((o.api_version(), o.cur_id())))
    }
}

/// The fields of a kustomization this engine reads, and those it refuses to guess.
const KNOWN: [&str; 24] = [
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "images",
    "replicas",
    "configurations",
    "sortOptions",
    "buildMetadata",
    "openapi",
];
const NOT_COMPUTED: [&str; 9] = [
    "vars",
    "replacements",
    "helmCharts",
    "helmGlobals",
    "generators",
    "transformers",
    "validators",
    "crds",
    "helmChartInflationGenerator",
];

fn strings(k: &Value, field: &str, file: &str) -> Result<Vec<String>, BuildError> {
    match &k[field] {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| BuildError::new(file, format!("{field}: entries are strings")))
            })
            .collect(),
        _ => Err(BuildError::new(file, format!("{field} is a list"))),
    }
}

fn list<'v>(k: &'v Value, field: &str) -> impl Iterator<Item = &'v Value> {
    k[field].as_array().into_iter().flatten()
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect()
}

fn accumulate(
    files: &Files,
    dir: &str,
    file: &str,
    k: &Value,
    acc: &mut Acc,
) -> Result<(), BuildError> {
    for key in k.as_object().into_iter().flatten().map(|(key, _)| key) {
        if NOT_COMPUTED.contains(&key.as_str()) && !k[key].is_null() {
            return Err(BuildError::new(
                file,
                format!("{key}: fluxdsl's build does not compute this kustomize feature"),
            ));
        }
        if !KNOWN.contains(&key.as_str()) && !NOT_COMPUTED.contains(&key.as_str()) {
            return Err(BuildError::new(
                file,
                format!("invalid Kustomization: unknown field {key:?}"),
            ));
        }
    }
    let mut resources = strings(k, "resources", file)?;
    resources.extend(strings(k, "bases", file)?);
    for entry in &resources {
        accumulate_resource(files, dir, file, entry, acc)?;
    }
    for entry in strings(k, "components", file)? {
        let path = local(dir, &entry, file)?;
        let (sub_file, sub) = kustomization(files, &path)?.ok_or_else(|| {
            BuildError::new(
                file,
                format!("component {entry:?}: no kustomization.yaml in {path:?}"),
            )
        })?;
        if sub["kind"] != "Component" {
            return Err(BuildError::new(
                file,
                format!("component {entry:?}: expected kind Component in {sub_file}"),
            ));
        }
        accumulate(files, &path, &sub_file, &sub, acc)?;
    }
    for config in strings(k, "configurations", file)? {
        let path = local(dir, &config, file)?;
        let text = files
            .file(&path)
            .ok_or_else(|| BuildError::new(file, format!("configurations: no file {path:?}")))?;
        let value: Value = serde_yaml::from_str(text)
            .map_err(|e| BuildError::new(&path, format!("not YAML: {e}")))?;
        for (section, v) in value.as_object().into_iter().flatten() {
            if section != "nameReference" && !v.is_null() {
                return Err(BuildError::new(
                    &path,
                    format!(
                        "{section}: fluxdsl's build computes only nameReference configurations"
                    ),
                ));
            }
        }
        acc.name_refs.extend(NameReference::from_config(&value));
    }
    generate(files, dir, file, k, acc)?;
    transform(files, dir, file, k, acc)
}

/// `entry` of the kustomization in `dir` as a repository path; remote resources are not
/// computed.
fn local(dir: &str, entry: &str, file: &str) -> Result<String, BuildError> {
    if entry.contains("://") || entry.starts_with("github.com/") || entry.starts_with("git@") {
        return Err(BuildError::new(
            file,
            format!("{entry:?}: remote resources are not computed by fluxdsl's build"),
        ));
    }
    join(dir, entry)
        .ok_or_else(|| BuildError::new(file, format!("{entry:?} climbs out of the repository")))
}

fn accumulate_resource(
    files: &Files,
    dir: &str,
    file: &str,
    entry: &str,
    acc: &mut Acc,
) -> Result<(), BuildError> {
    let path = local(dir, entry, file)?;
    if let Some(objects) = files.objects(&path) {
        for obj in objects?.iter() {
            acc.append(Res::new(obj.clone()), &path)?;
        }
        return Ok(());
    }
    if !files.is_dir(&path) {
        return Err(BuildError::new(
            file,
            format!("resource {entry:?}: no file or folder {path:?}"),
        ));
    }
    let (sub_file, sub) = kustomization(files, &path)?.ok_or_else(|| {
        BuildError::new(
            file,
            format!("resource {entry:?}: folder {path:?} has no kustomization.yaml"),
        )
    })?;
    if sub["kind"] == "Component" {
        return Err(BuildError::new(
            file,
            format!("resource {entry:?}: {sub_file} is a Component, listed as a resource"),
        ));
    }
    let mut sub_acc = Acc::default();
    accumulate(files, &path, &sub_file, &sub, &mut sub_acc)?;
    acc.name_refs.append(&mut sub_acc.name_refs);
    for r in sub_acc.res {
        acc.append(r, &sub_file)?;
    }
    Ok(())
}

fn generate(
    files: &Files,
    dir: &str,
    file: &str,
    k: &Value,
    acc: &mut Acc,
) -> Result<(), BuildError> {
    let global = &k["generatorOptions"];
    for (field, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for g in list(k, field) {
            let name = g["name"]
                .as_str()
                .ok_or_else(|| BuildError::new(file, format!("{field}: an entry has no name")))?;
            let at = format!("{field} {name}");
            let mut data = Map::new();
            let mut add = |key: String, value: String| -> Result<(), BuildError> {
                if data.contains_key(&key) {
                    return Err(BuildError::new(file, format!("{at}: key {key:?} twice")));
                }
                data.insert(key, Value::String(value));
                Ok(())
            };
            let mut envs = strings(g, "envs", file)?;
            if let Some(env) = g["env"].as_str() {
                envs.push(env.to_owned());
            }
            for env in envs {
                let path = local(dir, &env, file)?;
                let text = files
                    .file(&path)
                    .ok_or_else(|| BuildError::new(file, format!("{at}: no env file {path:?}")))?;
                for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
                    let line = line.trim_start();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let (key, value) = line.split_once('=').ok_or_else(|| {
                        BuildError::new(&path, format!("line {}: {line:?} is not KEY=VALUE", i + 1))
                    })?;
                    add(key.to_owned(), value.to_owned())?;
                }
            }
            for literal in strings(g, "literals", file)? {
                let (key, value) = literal.split_once('=').ok_or_else(|| {
                    BuildError::new(file, format!("{at}: literal {literal:?} is not key=value"))
                })?;
                let value = unquote(value);
                add(key.to_owned(), value.to_owned())?;
            }
            for entry in strings(g, "files", file)? {
                let (key, source) = match entry.split_once('=') {
                    Some((key, source)) => (key.to_owned(), source.to_owned()),
                    None => {
                        let base = entry.rsplit('/').next().unwrap_or(&entry).to_owned();
                        (base, entry.clone())
                    }
                };
                let path = local(dir, &source, file)?;
                let text = files
                    .file(&path)
                    .ok_or_else(|| BuildError::new(file, format!("{at}: no file {path:?}")))?;
                add(key, text.to_owned())?;
            }
            let options = merged_options(global, &g["options"]);
            let mut metadata = Map::new();
            metadata.insert("name".into(), Value::String(name.to_owned()));
            if let Some(ns) = g["namespace"].as_str() {
                metadata.insert("namespace".into(), Value::String(ns.to_owned()));
            }
            for (key, value) in [
                ("labels", &options.labels),
                ("annotations", &options.annotations),
            ] {
                if !value.is_empty() {
                    let m = value
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect();
                    metadata.insert(key.into(), Value::Object(m));
                }
            }
            let mut obj = json!({"apiVersion": "v1", "kind": kind, "metadata": metadata});
            if kind == "Secret" {
                let encoded = data
                    .into_iter()
                    .map(|(k, v)| {
                        let v = v.as_str().unwrap_or_default().as_bytes();
                        (
                            k,
                            Value::String(base64::engine::general_purpose::STANDARD.encode(v)),
                        )
                    })
                    .collect();
                obj["type"] = Value::String(g["type"].as_str().unwrap_or("Opaque").to_owned());
                obj["data"] = Value::Object(encoded);
            } else if !data.is_empty() {
                obj["data"] = Value::Object(data);
            }
            if options.immutable {
                obj["immutable"] = Value::Bool(true);
            }
            let mut r = Res::new(obj);
            r.hash = !options.disable_hash;
            match g["behavior"].as_str().unwrap_or("create") {
                "create" => acc.append(r, file)?,
                behavior @ ("merge" | "replace") => {
                    let id = r.cur_id();
                    let existing = acc
                        .res
                        .iter_mut()
                        .find(|o| o.any_id_is("v1", &id))
                        .ok_or_else(|| {
                            BuildError::new(
                                file,
                                format!(
                                    "{at}: behavior {behavior} but no {kind} {name} to {behavior}"
                                ),
                            )
                        })?;
                    for section in ["data", "binaryData"] {
                        let new = r.obj[section].as_object().cloned().unwrap_or_default();
                        if behavior == "replace" {
                            existing.obj[section] = Value::Object(new);
                        } else if !new.is_empty() {
                            if !existing.obj[section].is_object() {
                                existing.obj[section] = json!({});
                            }
                            existing.obj[section]
                                .as_object_mut()
                                .expect("made a map")
                                .extend(new);
                        }
                        if existing.obj[section].as_object().is_some_and(Map::is_empty) {
                            existing
                                .obj
                                .as_object_mut()
                                .expect("object")
                                .remove(section);
                        }
                    }
                    for key in ["labels", "annotations"] {
                        if let Some(new) = r.obj["metadata"][key].as_object().cloned() {
                            if !existing.obj["metadata"][key].is_object() {
                                existing.obj["metadata"][key] = json!({});
                            }
                            existing.obj["metadata"][key]
                                .as_object_mut()
                                .expect("made a map")
                                .extend(new);
                        }
                    }
                    existing.hash = existing.hash || r.hash;
                }
                other => {
                    return Err(BuildError::new(
                        file,
                        format!("{at}: unknown behavior {other:?}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A literal's value without the quotes around it, as kustomize reads `k="v"`.
fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

struct Options {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    disable_hash: bool,
    immutable: bool,
}

/// A generator's options over the kustomization's `generatorOptions`.
fn merged_options(global: &Value, local: &Value) -> Options {
    let mut labels = string_map(&global["labels"]);
    labels.extend(string_map(&local["labels"]));
    let mut annotations = string_map(&global["annotations"]);
    annotations.extend(string_map(&local["annotations"]));
    let flag =
        |k: &str| global[k].as_bool().unwrap_or(false) || local[k].as_bool().unwrap_or(false);
    Options {
        labels,
        annotations,
        disable_hash: flag("disableNameSuffixHash"),
        immutable: flag("immutable"),
    }
}

/// A patch's text: its file, or the inline text.
fn patch_text<'f>(
    files: &'f Files,
    dir: &str,
    file: &str,
    entry: &'f Value,
) -> Result<(String, std::borrow::Cow<'f, str>), BuildError> {
    if let Some(path) = entry["path"].as_str() {
        let full = local(dir, path, file)?;
        let text = files
            .file(&full)
            .ok_or_else(|| BuildError::new(file, format!("patch {path:?}: no file {full:?}")))?;
        return Ok((full, text.into()));
    }
    match entry["patch"].as_str() {
        Some(text) => Ok((file.to_owned(), text.into())),
        None => Err(BuildError::new(file, "a patch has neither path nor patch")),
    }
}

fn yaml_docs(text: &str, at: &str) -> Result<Vec<Value>, BuildError> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v = <Value as serde::Deserialize>::deserialize(doc)
            .map_err(|e| BuildError::new(at, format!("patch is not YAML: {e}")))?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

fn transform(
    files: &Files,
    dir: &str,
    file: &str,
    k: &Value,
    acc: &mut Acc,
) -> Result<(), BuildError> {
    // What follows changes identities: `append` looks them up afresh after it.
    acc.ids = None;
    // patchesStrategicMerge: files or inline documents, each matched by its identity.
    for entry in strings(k, "patchesStrategicMerge", file)? {
        let (at, text) = match local(dir, &entry, file)
            .ok()
            .and_then(|p| files.file(&p).map(|t| (p, t)))
        {
            Some((p, t)) => (p, t.to_owned()),
            None => (file.to_owned(), entry.clone()),
        };
        for patch in yaml_docs(&text, &at)? {
            apply_by_id(acc, &patch, &at)?;
        }
    }
    // patches: strategic merge or JSON 6902, by target or by identity.
    for entry in list(k, "patches") {
        let (at, text) = patch_text(files, dir, file, entry)?;
        let docs = yaml_docs(&text, &at)?;
        let target = entry.get("target").filter(|t| !t.is_null());
        if docs.first().is_some_and(Value::is_array) {
            let target = target.ok_or_else(|| {
                BuildError::new(&at, "must specify a target for a JSON 6902 patch")
            })?;
            json6902_all(acc, target, &docs[0], &at)?;
            continue;
        }
        match target {
            None => {
                for patch in &docs {
                    apply_by_id(acc, patch, &at)?;
                }
            }
            Some(target) => {
                if docs.len() > 1 {
                    return Err(BuildError::new(
                        &at,
                        "several strategic merge patches in one entry with a target",
                    ));
                }
                let Some(patch) = docs.first() else { continue };
                let selected = select(acc, target, &at)?;
                apply_selected(acc, &selected, patch);
            }
        }
    }
    if let Some(ns) = k["namespace"].as_str().filter(|ns| !ns.is_empty()) {
        set_namespace(acc, ns, file)?;
    }
    let prefix = k["namePrefix"].as_str().unwrap_or_default();
    let suffix = k["nameSuffix"].as_str().unwrap_or_default();
    for (affix, is_prefix) in [(prefix, true), (suffix, false)] {
        if affix.is_empty() {
            continue;
        }
        for r in &mut acc.res {
            if crate::kube_rules::keeps_name_under_prefix(r.api_version(), r.kind()) {
                continue;
            }
            r.store_previous_id();
            let name = match is_prefix {
                true => {
                    r.prefixes.push(affix.to_owned());
                    format!("{affix}{}", r.name())
                }
                false => {
                    r.suffixes.push(affix.to_owned());
                    format!("{}{affix}", r.name())
                }
            };
            r.obj["metadata"]["name"] = Value::String(name);
        }
    }
    for label in list(k, "labels") {
        let pairs = string_map(&label["pairs"]);
        let mut specs: Vec<FieldSpec> = label["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(FieldSpec::from_config)
            .collect();
        if label["includeSelectors"].as_bool().unwrap_or(false) {
            specs.extend(fields::common_labels());
        } else {
            if label["includeTemplates"].as_bool().unwrap_or(false) {
                specs.extend(fields::metadata_labels());
            }
            specs.push(
                FieldSpec::from_config(&json!({"path": "metadata/labels", "create": true}))
                    .expect("path"),
            );
        }
        add_entries(acc, &pairs, &specs);
    }
    add_entries(
        acc,
        &string_map(&k["commonLabels"]),
        &fields::common_labels(),
    );
    add_entries(
        acc,
        &string_map(&k["commonAnnotations"]),
        &fields::common_annotations(),
    );
    for entry in list(k, "patchesJson6902") {
        let (at, text) = patch_text(files, dir, file, entry)?;
        let docs = yaml_docs(&text, &at)?;
        let target = entry
            .get("target")
            .filter(|t| !t.is_null())
            .ok_or_else(|| BuildError::new(&at, "patchesJson6902 needs a target"))?;
        if let Some(ops) = docs.first() {
            json6902_all(acc, target, ops, &at)?;
        }
    }
    for replica in list(k, "replicas") {
        let name = replica["name"].as_str().unwrap_or_default();
        let count = replica["count"].clone();
        for r in &mut acc.res {
            let named = r.name() == name || r.prev.iter().any(|p| p.name == name);
            if named && fields::REPLICATED.contains(&r.kind()) {
                visit(&mut r.obj, "spec/replicas", true, &mut |v| {
                    *v = count.clone()
                });
            }
        }
    }
    for image in list(k, "images") {
        let Some(name) = image["name"].as_str() else {
            continue;
        };
        let pattern = regex::Regex::new(&format!(
            "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
        ))
        .map_err(|e| BuildError::new(file, format!("images: {name:?}: {e}")))?;
        let s = |f: &str| image[f].as_str().unwrap_or_default();
        let (new_name, new_tag, digest) = (s("newName"), s("newTag"), s("digest"));
        for r in &mut acc.res {
            set_images(&mut r.obj, &mut |current| {
                if !pattern.is_match(current) {
                    return None;
                }
                Some(replace_image(current, new_name, new_tag, digest))
            });
        }
    }
    Ok(())
}

/// Every `image` of a `containers` or `initContainers` list anywhere in `v`.
fn set_images(v: &mut Value, f: &mut dyn FnMut(&str) -> Option<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if (k == "containers" || k == "initContainers")
                    && let Value::Array(items) = child
                {
                    for item in items.iter_mut() {
                        if let Some(image) = item.get("image").and_then(Value::as_str)
                            && let Some(new) = f(image)
                        {
                            item["image"] = Value::String(new);
                        }
                    }
                }
                set_images(child, f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| set_images(i, f)),
        _ => {}
    }
}

/// `image` with kustomize's `images` entry applied.
fn replace_image(image: &str, new_name: &str, new_tag: &str, new_digest: &str) -> String {
    let (slash, search) = match image.find('/') {
        Some(i) if i > 0 => (i, &image[i..]),
        _ => (0, image),
    };
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    let (mut name, mut tag, mut digest) = match (colon, at) {
        (None, None) => (image.to_owned(), String::new(), String::new()),
        (c, Some(a)) if c.is_none_or(|c| a < c) => (
            image[..a].to_owned(),
            String::new(),
            image[a + 1..].to_owned(),
        ),
        (Some(c), Some(a)) => (
            image[..c].to_owned(),
            image[c + 1..a].to_owned(),
            image[a + 1..].to_owned(),
        ),
        (Some(c), None) => (
            image[..c].to_owned(),
            image[c + 1..].to_owned(),
            String::new(),
        ),
        (None, Some(_)) => unreachable!("covered above"),
    };
    if !new_name.is_empty() {
        name = new_name.to_owned();
    }
    match (new_tag.is_empty(), new_digest.is_empty()) {
        (false, false) => (tag, digest) = (new_tag.to_owned(), new_digest.to_owned()),
        (false, true) => (tag, digest) = (new_tag.to_owned(), String::new()),
        (true, false) => (tag, digest) = (String::new(), new_digest.to_owned()),
        (true, true) => {}
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    name
}

/// Adds `entries` to the maps at `specs` of every object they select.
fn add_entries(acc: &mut Acc, entries: &BTreeMap<String, String>, specs: &[FieldSpec]) {
    if entries.is_empty() {
        return;
    }
    for r in &mut acc.res {
        let (api_version, kind) = (r.api_version().to_owned(), r.kind().to_owned());
        for spec in specs.iter().filter(|s| s.selects(&api_version, &kind)) {
            visit(&mut r.obj, &spec.path, spec.create, &mut |v| {
                if v.is_null() {
                    *v = json!({});
                }
                if let Value::Object(m) = v {
                    for (k, value) in entries {
                        m.insert(k.clone(), Value::String(value.clone()));
                    }
                }
            });
        }
    }
}

fn set_namespace(acc: &mut Acc, ns: &str, file: &str) -> Result<(), BuildError> {
    let value = Value::String(ns.to_owned());
    for r in &mut acc.res {
        r.store_previous_id();
        let kind = r.kind().to_owned();
        let api_version = r.api_version().to_owned();
        if !cluster_scoped(&kind) {
            r.obj["metadata"]["namespace"] = value.clone();
        }
        if kind == "Namespace" && api_version == "v1" {
            r.obj["metadata"]["name"] = value.clone();
        }
        if kind == "APIService" && api_version.starts_with("apiregistration.k8s.io/") {
            visit(&mut r.obj, "spec/service/namespace", true, &mut |v| {
                *v = value.clone()
            });
        }
        if kind == "CustomResourceDefinition" {
            visit(
                &mut r.obj,
                "spec/conversion/webhook/clientConfig/service/namespace",
                false,
                &mut |v| *v = value.clone(),
            );
        }
        if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
            for subject in r.obj["subjects"].as_array_mut().into_iter().flatten() {
                if subject["name"] == "default" {
                    subject["namespace"] = value.clone();
                }
            }
        }
    }
    if let Some(r) = acc.first_conflict() {
        return Err(BuildError::new(
            file,
            format!(
                "namespace transformation produces ID conflict: {}",
                r.label()
            ),
        ));
    }
    Ok(())
}

/// Applies strategic merge `patch` to the one object its identity names.
fn apply_by_id(acc: &mut Acc, patch: &Value, at: &str) -> Result<(), BuildError> {
    let kind = patch["kind"].as_str().unwrap_or_default();
    let api_version = patch["apiVersion"].as_str().unwrap_or_default();
    let id = Id {
        kind: kind.to_owned(),
        name: patch["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        namespace: effective_namespace(
            kind,
            patch["metadata"]["namespace"].as_str().unwrap_or_default(),
        ),
    };
    let matches: Vec<usize> = (0..acc.res.len())
        .filter(|&i| acc.res[i].any_id_is(api_version, &id))
        .collect();
    match matches.as_slice() {
        [one] => {
            apply_selected(acc, &[*one], patch);
            Ok(())
        }
        [] => Err(BuildError::new(
            at,
            format!(
                "no resource matches strategic merge patch {api_version} {kind} {}",
                id.name
            ),
        )),
        _ => Err(BuildError::new(
            at,
            format!(
                "several resources match strategic merge patch {kind} {}",
                id.name
            ),
        )),
    }
}

/// Merges `patch` into the objects at `selected`, keeping their kind, name and namespace
/// (as kustomize does); an object a `$patch: delete` removes leaves the build.
fn apply_selected(acc: &mut Acc, selected: &[usize], patch: &Value) {
    let mut deleted = Vec::new();
    for &i in selected {
        let r = &mut acc.res[i];
        let (name, ns, kind, api_version) = (
            r.name().to_owned(),
            r.obj["metadata"]["namespace"].clone(),
            r.kind().to_owned(),
            r.obj["apiVersion"].clone(),
        );
        match merge::strategic_merge(&r.obj, patch) {
            Merged::Deleted => deleted.push(i),
            Merged::Kept(mut obj) => {
                obj["kind"] = Value::String(kind);
                obj["apiVersion"] = api_version;
                obj["metadata"]["name"] = Value::String(name);
                match ns {
                    Value::Null => {
                        if let Some(m) = obj["metadata"].as_object_mut() {
                            m.remove("namespace");
                        }
                    }
                    ns => obj["metadata"]["namespace"] = ns,
                }
                r.obj = obj;
            }
        }
    }
    for i in deleted.into_iter().rev() {
        acc.res.remove(i);
    }
}

fn json6902_all(acc: &mut Acc, target: &Value, ops: &Value, at: &str) -> Result<(), BuildError> {
    for i in select(acc, target, at)? {
        let r = &mut acc.res[i];
        r.store_previous_id();
        let label = r.label();
        merge::json6902(&mut r.obj, ops)
            .map_err(|e| BuildError::new(at, format!("JSON patch of {label}: {e}")))?;
    }
    Ok(())
}

/// The objects a patch `target` selects (group, version, kind; name and namespace as
/// anchored regular expressions, against the original or current identity; label and
/// annotation selectors).
fn select(acc: &Acc, target: &Value, at: &str) -> Result<Vec<usize>, BuildError> {
    let anchored = |field: &str| -> Result<Option<regex::Regex>, BuildError> {
        target[field]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|s| {
                regex::Regex::new(&format!("^(?:{s})$"))
                    .map_err(|e| BuildError::new(at, format!("target {field} {s:?}: {e}")))
            })
            .transpose()
    };
    let (name, namespace) = (anchored("name")?, anchored("namespace")?);
    let s = |f: &str| target[f].as_str().unwrap_or_default();
    let (group, version, kind) = (s("group"), s("version"), s("kind"));
    let labels = parse_selector(s("labelSelector"));
    let annotations = parse_selector(s("annotationSelector"));
    let mut out = Vec::new();
    for (i, r) in acc.res.iter().enumerate() {
        let (org, cur) = (r.org_id(), r.cur_id());
        if let Some(ns) = &namespace
            && !ns.is_match(&org.namespace)
            && !ns.is_match(&cur.namespace)
        {
            continue;
        }
        if let Some(n) = &name
            && !n.is_match(&org.name)
            && !n.is_match(&cur.name)
        {
            continue;
        }
        if !fields::gvk_selects(group, version, kind, r.api_version(), r.kind()) {
            continue;
        }
        if !matches_selector(&labels, &r.obj["metadata"]["labels"])
            || !matches_selector(&annotations, &r.obj["metadata"]["annotations"])
        {
            continue;
        }
        out.push(i);
    }
    Ok(out)
}

/// A label selector's requirements: (key, operator, values).
type Requirement = (String, &'static str, Vec<String>);

fn parse_selector(text: &str) -> Vec<Requirement> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.trim().is_empty() {
        // A comma inside `in (a,b)` does not end the requirement.
        let end = {
            let mut depth = 0;
            rest.char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    c == ',' && depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or(rest.len())
        };
        let req = rest[..end].trim();
        rest = rest.get(end + 1..).unwrap_or("");
        let values = |s: &str| {
            s.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| v.trim().to_owned())
                .collect::<Vec<_>>()
        };
        if let Some((k, v)) = req.split_once("!=") {
            out.push((k.trim().to_owned(), "notin", vec![v.trim().to_owned()]));
        } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            out.push((k.trim().to_owned(), "in", vec![v.trim().to_owned()]));
        } else if let Some((k, v)) = req.split_once(" notin ") {
            out.push((k.trim().to_owned(), "notin", values(v)));
        } else if let Some((k, v)) = req.split_once(" in ") {
            out.push((k.trim().to_owned(), "in", values(v)));
        } else if let Some(k) = req.strip_prefix('!') {
            out.push((k.trim().to_owned(), "absent", Vec::new()));
        } else {
            out.push((req.to_owned(), "exists", Vec::new()));
        }
    }
    out
}

fn matches_selector(requirements: &[Requirement], labels: &Value) -> bool {
    requirements.iter().all(|(key, op, values)| {
        let value = labels[key.as_str()].as_str();
        match *op {
            "in" => value.is_some_and(|v| values.iter().any(|x| x == v)),
            "notin" => value.is_none_or(|v| values.iter().all(|x| x != v)),
            "exists" => value.is_some(),
            _ => value.is_none(),
        }
    })
}

/// What a name reference needs of a candidate referral.
struct Candidate {
    name: String,
    namespace: String,
    effective_namespace: String,
    org_namespace: String,
    kind: String,
    prev: Vec<Id>,
    api_version: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

/// Rewrites every field that names a renamed object to its new name (kustomize's
/// nameReference transformer, run once at the top of the build).
fn fix_name_references(acc: &mut Acc) -> Result<(), String> {
    static BUILTIN: std::sync::OnceLock<Vec<NameReference>> = std::sync::OnceLock::new();
    let builtin = BUILTIN.get_or_init(fields::builtin_name_references);
    for config in builtin.iter().chain(acc.name_refs.iter()) {
        let candidates: Vec<Candidate> = acc
            .res
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.prev.iter().any(|p| {
                    fields::gvk_selects(
                        &config.group,
                        &config.version,
                        &config.kind,
                        r.api_version(),
                        &p.kind,
                    )
                })
            })
            .map(|(_, r)| Candidate {
                name: r.name().to_owned(),
                namespace: r.namespace().to_owned(),
                effective_namespace: r.cur_id().namespace,
                org_namespace: r.org_id().namespace,
                kind: r.kind().to_owned(),
                prev: r.prev.clone(),
                api_version: r.api_version().to_owned(),
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        for i in 0..acc.res.len() {
            let (api_version, kind) = (
                acc.res[i].api_version().to_owned(),
                acc.res[i].kind().to_owned(),
            );
            let referrer = Referrer {
                cluster_scoped: cluster_scoped(&kind),
                namespace: acc.res[i].cur_id().namespace,
                prefixes: acc.res[i].prefixes.clone(),
                suffixes: acc.res[i].suffixes.clone(),
                role_ref: (
                    acc.res[i].obj["roleRef"]["apiGroup"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    acc.res[i].obj["roleRef"]["kind"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ),
                label: acc.res[i].label(),
            };
            for spec in config
                .fields
                .iter()
                .filter(|s| s.selects(&api_version, &kind))
            {
                let role_ref = spec.path.ends_with("roleRef/name");
                let mut error = None;
                visit(&mut acc.res[i].obj, &spec.path, false, &mut |v| {
                    if let Err(e) = set_reference(v, &candidates, &referrer, role_ref) {
                        error.get_or_insert(e);
                    }
                });
                if let Some(e) = error {
                    return Err(format!("{}: {}: {e}", referrer.label, spec.path));
                }
            }
        }
    }
    Ok(())
}

struct Referrer {
    cluster_scoped: bool,
    namespace: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    role_ref: (String, String),
    label: String,
}

fn set_reference(
    v: &mut Value,
    candidates: &[Candidate],
    referrer: &Referrer,
    role_ref: bool,
) -> Result<(), String> {
    match v {
        Value::String(old) => {
            let all: Vec<&Candidate> = candidates.iter().collect();
            if let Some(c) = select_referral(old, all, referrer, role_ref, false)? {
                *old = c.name.clone();
            }
        }
        Value::Object(map) => {
            let Some(old) = map.get("name").and_then(Value::as_str).map(str::to_owned) else {
                return Err("no name field".into());
            };
            let pool: Vec<&Candidate> = match map.get("namespace").and_then(Value::as_str) {
                None => candidates.iter().collect(),
                Some(ns) => {
                    let by_org: Vec<&Candidate> = candidates
                        .iter()
                        .filter(|c| c.org_namespace == ns)
                        .collect();
                    match by_org.is_empty() {
                        false => by_org,
                        true => candidates
                            .iter()
                            .filter(|c| c.effective_namespace == ns || c.namespace == ns)
                            .collect(),
                    }
                }
            };
            if let Some(c) = select_referral(&old, pool, referrer, role_ref, true)? {
                if c.name == old && c.namespace.is_empty() {
                    return Ok(());
                }
                map.insert("name".into(), Value::String(c.name.clone()));
                if !c.namespace.is_empty() {
                    map.insert("namespace".into(), Value::String(c.namespace.clone()));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if matches!(item, Value::String(_) | Value::Object(_)) {
                    set_reference(item, candidates, referrer, role_ref)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// kustomize's choice of the object a name refers to: renamed from that name, of the
/// referral kind (and the roleRef's), reachable from the referrer's namespace, then the
/// one built under the same prefixes and suffixes.
fn select_referral<'c>(
    old: &str,
    pool: Vec<&'c Candidate>,
    referrer: &Referrer,
    role_ref: bool,
    with_namespace: bool,
) -> Result<Option<&'c Candidate>, String> {
    let mut c: Vec<&Candidate> = pool
        .into_iter()
        .filter(|c| c.prev.iter().any(|p| p.name == old))
        .filter(|c| {
            !role_ref
                || c.prev.iter().any(|p| {
                    fields::gvk_selects(
                        &referrer.role_ref.0,
                        "",
                        &referrer.role_ref.1,
                        &c.api_version,
                        &p.kind,
                    )
                })
        })
        .filter(|c| {
            referrer.cluster_scoped
                || cluster_scoped(&c.kind)
                || c.kind == "ServiceAccount"
                || c.effective_namespace == referrer.namespace
        })
        .collect();
    if c.len() == 1 {
        return Ok(Some(c[0]));
    }
    c.retain(|c| affixes_equal(c, referrer, true));
    if c.len() > 1 {
        c.retain(|c| affixes_equal(c, referrer, false));
    }
    match c.len() {
        0 => Ok(None),
        1 => Ok(Some(c[0])),
        _ => {
            let same = c
                .iter()
                .all(|x| x.name == c[0].name && (!with_namespace || x.namespace == c[0].namespace));
            match same {
                true => Ok(Some(c[0])),
                false => Err(format!(
                    "found multiple possible referrals for {old:?}: {}",
                    c.iter()
                        .map(|x| format!("{}/{}", x.kind, x.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
}

fn affixes_equal(c: &Candidate, r: &Referrer, allow_empty: bool) -> bool {
    let ends = |a: &[String], b: &[String]| {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        if short.is_empty() {
            return long.is_empty();
        }
        long.ends_with(short)
    };
    let prefix = (allow_empty && (c.prefixes.is_empty() || r.prefixes.is_empty()))
        || ends(&c.prefixes, &r.prefixes);
    let suffix = (allow_empty && (c.suffixes.is_empty() || r.suffixes.is_empty()))
        || ends(&c.suffixes, &r.suffixes);
    prefix && suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_keep_or_replace_tag_and_digest_as_kustomize_does() {
        assert_eq!(replace_image("nginx:1.0", "", "2.0", ""), "nginx:2.0");
        assert_eq!(
            replace_image("localhost:5000/app:1", "r/app", "", ""),
            "r/app:1"
        );
        assert_eq!(replace_image("app@sha256:ab", "", "3", ""), "app:3");
        assert_eq!(replace_image("app:1", "", "", "sha256:cd"), "app@sha256:cd");
    }

    #[test]
    fn selectors_read_equality_sets_and_existence() {
        let labels = json!({"app": "a", "tier": "web"});
        assert!(matches_selector(
            &parse_selector("app=a,tier in (web,db)"),
            &labels
        ));
        assert!(!matches_selector(&parse_selector("app!=a"), &labels));
        assert!(matches_selector(&parse_selector("!missing,tier"), &labels));
    }
}
