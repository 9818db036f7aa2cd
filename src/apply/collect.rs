//! What a run applies: the rendered objects of the main tree and the upstream files in
//! it, each as the API server's JSON with the ApplySet label.

use std::path::Path;

use kube::core::GroupVersionKind;
use serde_json::Value;

use super::report::ObjectId;
use super::{ApplyOptions, PART_OF_LABEL, group_kind};
use crate::error::{Error, Result};
use crate::model::cluster::Cluster;

/// `(apiVersion, kind, namespace, name)`.
pub(crate) type ItemKey = (String, String, Option<String>, String);

/// One object to apply.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) body: Value,
}

impl Item {
    pub(crate) fn from_value(body: Value, origin: &str) -> Result<Item> {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let (Some(api_version), Some(kind), Some(name)) = (
            text(&body["apiVersion"]),
            text(&body["kind"]),
            text(&body["metadata"]["name"]),
        ) else {
            return Err(Error::Parse {
                path: origin.into(),
                message: "a document lacks apiVersion, kind or metadata.name".into(),
            });
        };
        Ok(Item {
            namespace: text(&body["metadata"]["namespace"]),
            api_version,
            kind,
            name,
            body,
        })
    }

    /// `kind.group/name` as kubectl prints it.
    pub(crate) fn display(&self) -> String {
        self.id().display()
    }

    pub(crate) fn id(&self) -> ObjectId {
        ObjectId {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    pub(crate) fn key(&self) -> ItemKey {
        (
            self.api_version.clone(),
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }

    pub(crate) fn group_kind(&self) -> String {
        group_kind(&self.api_version, &self.kind)
    }

    pub(crate) fn is_crd(&self) -> bool {
        self.kind == "CustomResourceDefinition"
            && self.api_version.starts_with("apiextensions.k8s.io/")
    }

    pub(crate) fn gvk(&self) -> GroupVersionKind {
        let (group, version) = self
            .api_version
            .rsplit_once('/')
            .unwrap_or(("", &self.api_version));
        GroupVersionKind::gvk(group, version, &self.kind)
    }
}

/// Every object the definition applies: the upstream files found in the tree at `tree`
/// (Flux's components), then what the cluster's Kustomizations build from its main tree,
/// as Flux applies it (generated ConfigMaps and Secrets under their hashed names, the
/// folders' patches and prefixes, `targetNamespace`, substitution), so Flux finds each
/// object as it would have applied it; then the declared objects of main-tree files no
/// build reads, as declared. The ApplySet label is added to each. Upstream files missing
/// from the tree are returned apart: apply may go on without them when what they install
/// is already served.
pub(crate) fn collect(
    cluster: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
) -> Result<(Vec<Item>, Vec<Error>)> {
    let mut items = Vec::new();
    let mut missing = Vec::new();
    let rendered = cluster.render()?;
    for u in rendered.upstream() {
        let path = tree.join(&u.path);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                u.verify(text.as_bytes())
                    .map_err(|problem| Error::UpstreamMismatch {
                        path: path.clone(),
                        problem,
                    })?;
                for doc in serde_yaml::Deserializer::from_str(&text) {
                    let value = <Value as serde::Deserialize>::deserialize(doc).map_err(|e| {
                        Error::Parse {
                            path: path.clone(),
                            message: e.to_string(),
                        }
                    })?;
                    if !value.is_null() {
                        items.push(Item::from_value(value, &path.display().to_string())?);
                    }
                }
            }
            Err(_) if opts.skip_flux_install => {}
            Err(_) => missing.push(Error::MissingUpstream {
                path,
                produce: u.produce.clone(),
            }),
        }
    }
    let mut seen: std::collections::HashSet<ItemKey> = items.iter().map(Item::key).collect();
    let read = built_items(cluster, &rendered, tree, &mut items, &mut seen)?;
    // Values image automation committed at marked fields and render keeps: applied as the
    // tree holds them, never rolled back to the declared start.
    let committed = crate::render::automation::committed_documents(rendered.main(), tree)?;
    let marks = crate::render::automation::ClusterMarks::of(cluster);
    let main_root = &cluster.trees[0].repo_path;
    // Only the main tree: other trees belong to repositories Flux pulls by itself.
    for o in cluster
        .objects
        .iter()
        .filter(|o| cluster.files[o.file].tree == 0 && !o.patch_only)
        // Encrypted Secrets: only kustomize-controller holds the key to decrypt them.
        .filter(|o| !o.encrypted)
        // Built: applied above as Flux builds it.
        .filter(|o| {
            !read.contains(&crate::model::cluster::join(
                main_root,
                &cluster.files[o.file].path,
            ))
        })
    {
        let mut value = o
            .object
            .to_json()
            .map_err(|source| Error::Serialize { source })?;
        if let (Some(marks), Some(documents)) = (
            marks.objects.get(&std::sync::Arc::as_ptr(&o.target)),
            committed.get(cluster.files[o.file].path.as_str()),
        ) {
            crate::render::automation::take_committed(&mut value, marks, documents);
        }
        // The namespace and name its folder's kustomization.yaml gives it (its handle's).
        let key = o.key();
        if let Some(meta) = value["metadata"].as_object_mut() {
            if let Some(ns) = &key.namespace {
                meta.entry("namespace")
                    .or_insert_with(|| Value::String(ns.to_string()));
            }
            meta.insert("name".into(), Value::String(key.name.clone()));
        }
        let item = Item::from_value(value, o.at().file())?;
        if seen.insert(item.key()) {
            items.push(item);
        }
    }
    let id = cluster.applyset_parent().id();
    for item in &mut items {
        let meta = item.body["metadata"]
            .as_object_mut()
            .expect("objects have metadata");
        let labels = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(PART_OF_LABEL.into(), Value::String(id.clone()));
        }
    }
    Ok((items, missing))
}

/// Adds to `items` what the Kustomizations of `cluster` build from its main tree (as
/// committed at `tree`: values image automation committed at marked fields are kept),
/// each once and SOPS-encrypted ones left to kustomize-controller; returns the repository
/// paths of the main tree's files those builds read.
fn built_items(
    cluster: &Cluster,
    rendered: &crate::render::Rendered,
    tree: &Path,
    items: &mut Vec<Item>,
    seen: &mut std::collections::HashSet<ItemKey>,
) -> Result<std::collections::BTreeSet<String>> {
    use crate::effective::state::{TreeFiles, states};
    let (main, _) = crate::render::automation::with_committed(rendered.main(), tree)?;
    let mut trees = crate::render::tree_files(rendered.trees());
    trees[0] = TreeFiles {
        root: main.root(),
        files: main.files().collect(),
        upstream: trees[0].upstream.clone(),
    };
    let parts = [crate::model::applied::PartView {
        name: Some(cluster.root()),
        cluster,
    }];
    let states = states(&parts, &trees);
    let main_root = rendered.main().root();
    let mut read = std::collections::BTreeSet::new();
    for ((root, _), files) in &states.sources {
        if root == main_root {
            read.extend(files.read_paths());
        }
    }
    for state in &states.clusters {
        for a in &state.applied {
            let (Some(Ok(objects)), Some((root, _))) = (&a.built, &a.source) else {
                continue;
            };
            if root != main_root {
                continue;
            }
            for o in objects.iter().filter(|o| o.get("sops").is_none()) {
                let item = Item::from_value(o.clone(), &format!("the build of {}", a.key))?;
                if seen.insert(item.key()) {
                    items.push(item);
                }
            }
        }
    }
    Ok(read)
}
