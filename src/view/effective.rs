//! `print --effective`: the objects each Kustomization of a cluster applies, as Flux will
//! apply them — the cluster's effective state ([`crate::effective::state`]): every
//! Kustomization it runs, those it declares and those their builds apply, each built from
//! the rendered tree as kustomize and kustomize-controller build it (`targetNamespace`,
//! prefixes, patches, images, components, `commonMetadata`), then substituted with the
//! variables known here (`substitute`, over the data of the `substituteFrom` ConfigMaps
//! and Secrets the cluster applies or declares). A variable whose value is not known here
//! is left as written.

use std::path::Path;

use super::{label, parts_of};
use crate::effective::state::{TreeFiles, states};
use crate::model::cluster::{Cluster, join};
use crate::model::repository::Repository;
use crate::render::Rendered;

/// The text `print --effective` writes for `cluster` of `repository`, rendered as
/// `rendered`; upstream files are read below `base` (the folder the program runs in)
/// where they are on disk.
pub(crate) fn effective(
    repository: &Repository,
    cluster: &Cluster,
    rendered: &Rendered,
    base: &Path,
) -> String {
    let (parts, p) = parts_of(repository, cluster);
    let mut out = String::new();
    // Upstream files' text, read once, by tree and then file.
    let upstream: Vec<Vec<Option<String>>> = rendered
        .trees()
        .iter()
        .map(|tree| {
            tree.upstream()
                .iter()
                .map(|u| std::fs::read_to_string(base.join(join(tree.root(), &u.path))).ok())
                .collect()
        })
        .collect();
    let trees: Vec<TreeFiles> = rendered
        .trees()
        .iter()
        .zip(&upstream)
        .map(|(tree, texts)| TreeFiles {
            root: tree.root(),
            files: tree.files().collect(),
            upstream: tree
                .upstream()
                .iter()
                .zip(texts)
                .map(|(u, text)| (u.path.as_str(), text.as_deref().unwrap_or("")))
                .collect(),
        })
        .collect();
    for (tree, texts) in rendered.trees().iter().zip(&upstream) {
        for (u, text) in tree.upstream().iter().zip(texts) {
            if text.is_none() {
                out.push_str(&format!(
                    "# {} is upstream and not on disk here: the objects it holds are left out\n",
                    join(tree.root(), &u.path)
                ));
            }
        }
    }
    let states = states(&parts, &trees);
    let Some(state) = states.clusters.iter().find(|c| c.part == p) else {
        return out;
    };
    for a in &state.applied {
        let who = match a.applied_by {
            Some(by) => format!(
                "{} (applied by {})",
                label(&a.key),
                label(&state.applied[by].key)
            ),
            None => label(&a.key),
        };
        match &a.built {
            None => out.push_str(&format!(
                "# {who} reads a source this repository does not render: what it applies \
                 is not known here\n"
            )),
            Some(Err(e)) => out.push_str(&format!("# {who} cannot be built: {e}\n")),
            Some(Ok(objects)) => {
                out.push_str(&format!("# {who} applies {} object(s)\n", objects.len()));
                for o in objects.iter() {
                    if o.get("sops").is_some() {
                        out.push_str(
                            "# SOPS-encrypted as Git holds it: kustomize-controller decrypts it\n",
                        );
                    }
                    out.push_str("---\n");
                    out.push_str(&crate::render::yaml_document(o));
                }
            }
        }
    }
    for &i in &state.unbuilt {
        out.push_str(&format!(
            "# {} reads a source this repository does not render: what it applies is not \
             known here\n",
            label(parts[p].cluster.objects[i].key())
        ));
    }
    out
}
