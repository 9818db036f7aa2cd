//! `print --effective`: the objects each Kustomization of a cluster applies, as Flux will
//! apply them — its path built from the rendered tree by [`crate::effective`] (kustomize's
//! build and kustomize-controller's own edits: `targetNamespace`, prefixes, patches,
//! images, components, `commonMetadata`), then postBuild substitution with the values
//! this program knows (`substitute`, and the data of `substituteFrom` sources it declares
//! or generates from literals). A `${var}` whose value is not known here is left as
//! written.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ClusterView, label};
use crate::effective::{Files, PostBuild, flux_build};
use crate::model::cluster::{Cluster, join};
use crate::model::substitution;
use crate::object::Check;
use crate::render::Rendered;

/// Every rendered tree as its repository sees it, by the tree's local path: its files at
/// their repository paths, and its upstream files read from `base` (the folder the
/// program runs in) where they are on disk. Also the upstream files that are not.
fn source_files(
    rendered: &Rendered,
    repo_paths: &BTreeMap<String, String>,
    base: &Path,
) -> (BTreeMap<String, Files>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut missing = Vec::new();
    for tree in rendered.trees() {
        let repo_path = repo_paths
            .get(tree.root())
            .map(String::as_str)
            .unwrap_or("");
        let mut files = Files::default();
        for (path, text) in tree.files() {
            files.insert(&join(repo_path, path), text);
        }
        for upstream in tree.upstream() {
            let local = base.join(join(tree.root(), &upstream.path));
            match std::fs::read_to_string(&local) {
                Ok(text) => files.insert(&join(repo_path, &upstream.path), text),
                Err(_) => {
                    missing.push(join(tree.root(), &upstream.path));
                    files.insert(&join(repo_path, &upstream.path), "");
                }
            }
        }
        out.insert(tree.root().to_owned(), files);
    }
    (out, missing)
}

/// The text `print --effective` writes for `view` (a cluster of the repository whose parts
/// are `clusters`, rendered as `rendered`; upstream files are read below `base`).
pub(crate) fn effective<'c>(
    view: &ClusterView,
    clusters: impl Iterator<Item = &'c Cluster> + Clone,
    rendered: &Rendered,
    base: &Path,
) -> String {
    let repo_paths: BTreeMap<String, String> = view
        .built_from
        .values()
        .map(|(tree, repo_path, _)| (tree.clone(), repo_path.clone()))
        .collect();
    let (trees, missing) = source_files(rendered, &repo_paths, base);
    let mut holders: Vec<&usize> = view.built_from.keys().collect();
    holders.sort();
    let mut out = String::new();
    for path in missing {
        out.push_str(&format!(
            "# {path} is upstream and not on disk here: the objects it holds are left out\n"
        ));
    }
    for &h in holders {
        let kustomization = view.objects[h];
        let (tree, _, path) = &view.built_from[&h];
        let Some(files) = trees.get(tree) else {
            continue;
        };
        let Ok(mut object) = kustomization.object.to_json() else {
            continue;
        };
        // The path in the source the tree is of (an artifact's copy read at its origin).
        object["spec"]["path"] = serde_json::Value::String(format!("./{path}"));
        let post_build = kustomization
            .object
            .checks()
            .into_iter()
            .find_map(|c| match c {
                Check::Substitutes {
                    substitute, from, ..
                } => {
                    let (values, complete) =
                        substitution::known_values(clusters.clone(), &substitute, &from);
                    Some(PostBuild { values, complete })
                }
                _ => None,
            });
        let who = label(kustomization.key());
        match flux_build(files, &object, post_build.as_ref()) {
            Err(e) => out.push_str(&format!("# {who} cannot be built: {e}\n")),
            Ok(objects) => {
                out.push_str(&format!("# {who} applies {} object(s)\n", objects.len()));
                for o in objects {
                    if o.get("sops").is_some() {
                        out.push_str(
                            "# SOPS-encrypted as Git holds it: kustomize-controller decrypts it\n",
                        );
                    }
                    out.push_str("---\n");
                    out.push_str(&crate::render::yaml_document(&o));
                }
            }
        }
    }
    out
}
