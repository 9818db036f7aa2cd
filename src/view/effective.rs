//! `print --effective`: the objects each Kustomization of a cluster applies, as Flux will
//! apply them — with the namespace and name its folder gives them, `targetNamespace`, and
//! postBuild substitution with the values this program knows (`substitute`, and the data of
//! `substituteFrom` sources it declares or generates from literals). A `${var}` whose value
//! is not known here is left as written.

use serde_json::Value;

use super::{ClusterView, label};
use crate::model::cluster::Cluster;
use crate::model::substitution;
use crate::object::Check;

/// The text `print --effective` writes for `view` (a cluster of the repository whose parts
/// are `clusters`).
pub(crate) fn effective<'c>(
    view: &ClusterView,
    clusters: impl Iterator<Item = &'c Cluster> + Clone,
) -> String {
    let mut holders: Vec<&usize> = view.applied.keys().collect();
    holders.sort();
    let mut out = String::new();
    for &h in holders {
        let kustomization = view.objects[h];
        let spec = kustomization
            .object
            .to_json()
            .map(|k| k["spec"].clone())
            .unwrap_or_default();
        let target_namespace = spec["targetNamespace"].as_str();
        let post_build = kustomization
            .object
            .checks()
            .into_iter()
            .find_map(|c| match c {
                Check::Substitutes {
                    substitute, from, ..
                } => Some(substitution::known_values(
                    clusters.clone(),
                    &substitute,
                    &from,
                )),
                _ => None,
            });
        let objects = &view.applied[&h];
        out.push_str(&format!(
            "# {} applies {} object(s)\n",
            label(kustomization.key()),
            objects.len()
        ));
        for &o in objects {
            let o = view.objects[o];
            let Ok(mut value) = o.object.to_json() else {
                continue;
            };
            let key = o.key();
            if let Some(meta) = value["metadata"].as_object_mut() {
                if let Some(ns) = target_namespace.filter(|_| key.namespace.is_some()) {
                    meta.insert("namespace".into(), Value::String(ns.to_owned()));
                } else if let Some(ns) = &key.namespace {
                    meta.entry("namespace")
                        .or_insert_with(|| Value::String(ns.to_string()));
                }
                meta.insert("name".into(), Value::String(key.name.clone()));
            }
            if o.encrypted {
                out.push_str(
                    "# SOPS-encrypted as Git holds it: kustomize-controller decrypts it\n",
                );
            } else if let Some((values, complete)) = &post_build
                && !substitution::disabled(&value)
            {
                substitution::substitute_all(&mut value, values, *complete);
            }
            out.push_str("---\n");
            out.push_str(&crate::render::yaml_document(&value));
        }
    }
    out
}
