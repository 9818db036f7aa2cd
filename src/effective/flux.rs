//! What kustomize-controller applies for a Flux Kustomization: its path built as kustomize
//! builds it — through the kustomization.yaml there, or the one the controller generates
//! when there is none — with the Kustomization's own `targetNamespace`, `namePrefix`,
//! `nameSuffix`, `patches`, `images` and `components` written into that root
//! kustomization first, then `commonMetadata` and postBuild substitution.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::BuildError;
use super::build::{build_kustomization, kustomization};
use super::files::{Files, join, normalize};
use crate::model::substitution;

/// The postBuild values a build substitutes: `values` by variable name; `complete` says
/// every value is known (a variable without a value and default is then empty, as Flux
/// writes it), otherwise such a variable is left as written.
#[derive(Debug, Clone, Default)]
pub struct PostBuild {
    /// The values by variable name (`substitute`, then the `substituteFrom` data known).
    pub values: BTreeMap<String, String>,
    /// Whether `values` are all the values the Kustomization has.
    pub complete: bool,
}

/// The objects Flux Kustomization `kustomization` (the whole object) applies from
/// `files` (the tree its source fetches, by repository path), substituted with
/// `post_build` if it has `spec.postBuild`.
pub fn flux_build(
    files: &Files,
    kustomization_object: &Value,
    post_build: Option<&PostBuild>,
) -> Result<Vec<Value>, BuildError> {
    let spec = &kustomization_object["spec"];
    let written = spec["path"].as_str().unwrap_or("./");
    let dir = normalize(written)
        .ok_or_else(|| BuildError::new(written, "the path climbs out of the source"))?;
    if !dir.is_empty() && !files.is_dir(&dir) {
        return Err(BuildError::new(
            &dir,
            "the Kustomization's path is not in the source",
        ));
    }
    let (file, mut k) = match kustomization(files, &dir)? {
        Some(found) => found,
        None => generated(files, &dir)?,
    };
    let map = k.as_object_mut().expect("a kustomization is a map");
    for (field, from) in [
        ("namespace", "targetNamespace"),
        ("namePrefix", "namePrefix"),
        ("nameSuffix", "nameSuffix"),
    ] {
        if let Some(v) = spec[from].as_str() {
            map.insert(field.into(), Value::String(v.to_owned()));
        }
    }
    for field in ["patches", "patchesStrategicMerge", "patchesJson6902"] {
        if let Some(added) = spec[field].as_array() {
            let entries = map.entry(field).or_insert_with(|| json!([]));
            let added = added.iter().map(|p| flux_patch(field, p));
            match entries {
                Value::Array(list) => list.extend(added),
                other => *other = Value::Array(added.collect()),
            }
        }
    }
    if let Some(components) = spec["components"].as_array() {
        // With `ignoreMissingComponents` the controller leaves out those not in the source.
        let ignore_missing = spec["ignoreMissingComponents"].as_bool().unwrap_or(false);
        let present = |c: &&Value| {
            !ignore_missing
                || c.as_str()
                    .and_then(|c| join(&dir, c))
                    .is_some_and(|c| matches!(kustomization(files, &c), Ok(Some(_))))
        };
        let entries = map.entry("components").or_insert_with(|| json!([]));
        if let Value::Array(list) = entries {
            list.extend(components.iter().filter(present).cloned());
        }
    }
    if let Some(images) = spec["images"].as_array() {
        let entries = map.entry("images").or_insert_with(|| json!([]));
        if let Value::Array(list) = entries {
            for image in images {
                let mut entry = serde_json::Map::new();
                for f in ["name", "newName", "newTag", "digest"] {
                    if let Some(v) = image[f].as_str().filter(|v| !v.is_empty()) {
                        entry.insert(f.into(), Value::String(v.to_owned()));
                    }
                }
                let entry = Value::Object(entry);
                match list.iter_mut().find(|i| i["name"] == image["name"]) {
                    Some(existing) => *existing = entry,
                    None => list.push(entry),
                }
            }
        }
    }
    let mut objects = build_kustomization(files, &dir, &file, &k)?;
    let metadata = &spec["commonMetadata"];
    for obj in &mut objects {
        for key in ["labels", "annotations"] {
            if let Some(added) = metadata[key].as_object().filter(|m| !m.is_empty()) {
                if !obj["metadata"][key].is_object() {
                    obj["metadata"][key] = json!({});
                }
                obj["metadata"][key]
                    .as_object_mut()
                    .expect("made a map")
                    .extend(added.clone());
            }
        }
    }
    let empty = PostBuild::default();
    let post = post_build.unwrap_or(&empty);
    // kustomize-controller substitutes nothing when the Kustomization has no variable.
    let no_variables = post.values.is_empty() && post.complete;
    if !spec["postBuild"].is_null() && !no_variables {
        let unset = substitution::Unset::strict(post.complete);
        for obj in &mut objects {
            if !substitution::disabled(obj) {
                substitution::substitute_all(obj, &post.values, unset);
            }
        }
    }
    Ok(objects)
}

/// A Kustomization's patch entry as the controller writes it into kustomization.yaml: a
/// JSON 6902 entry's operations as a patch text.
fn flux_patch(field: &str, patch: &Value) -> Value {
    match field {
        "patchesJson6902" => {
            let mut entry = patch.clone();
            if let Some(ops) = patch.get("patch").filter(|p| p.is_array()) {
                entry["patch"] = Value::String(ops.to_string());
            }
            entry
        }
        "patchesStrategicMerge" => Value::String(patch.to_string()),
        _ => patch.clone(),
    }
}

/// The kustomization kustomize-controller generates for a folder without one: every
/// `.yaml`/`.yml` file below it, and each subfolder that has a kustomization (not looked
/// into further), in the order a walk of the folder meets them.
fn generated(files: &Files, dir: &str) -> Result<(String, Value), BuildError> {
    let mut resources: Vec<String> = Vec::new();
    let mut kustomized: Vec<String> = Vec::new();
    let prefix_len = if dir.is_empty() { 0 } else { dir.len() + 1 };
    let mut entries: Vec<(String, bool)> = Vec::new();
    for path in files.below(dir) {
        let relative = &path[prefix_len..];
        // The folders on the way, each once.
        let mut at = 0;
        while let Some(slash) = relative[at..].find('/') {
            let folder = &relative[..at + slash];
            if !entries.iter().any(|(e, d)| *d && e == folder) {
                entries.push((folder.to_owned(), true));
            }
            at += slash + 1;
        }
        entries.push((relative.to_owned(), false));
    }
    // A walk meets a folder's entries by name: sort each path by its segments.
    entries.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
    for (relative, is_dir) in entries {
        if kustomized
            .iter()
            .any(|k| relative.starts_with(&format!("{k}/")))
        {
            continue;
        }
        let full = join(dir, &relative).unwrap_or_else(|| relative.clone());
        if is_dir {
            if kustomization(files, &full)?.is_some() {
                kustomized.push(relative.clone());
                resources.push(format!("./{relative}"));
            }
            continue;
        }
        if !(relative.ends_with(".yaml") || relative.ends_with(".yml")) {
            continue;
        }
        files
            .objects(&full)
            .unwrap_or_else(|| Ok(Default::default()))
            .map_err(|e| {
                BuildError::new(
                    &full,
                    format!("failed to decode Kubernetes YAML: {}", e.message),
                )
            })?;
        resources.push(format!("./{relative}"));
    }
    let file = join(dir, "kustomization.yaml").unwrap_or_else(|| "kustomization.yaml".into());
    Ok((file, json!({"resources": resources})))
}
