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

/// Every object the definition applies: the rendered ones, then the upstream files found
/// in the tree at `tree` (Flux's components). The ApplySet label is added to each.
/// Upstream files missing from the tree are returned apart: apply may go on without them
/// when what they install is already served.
pub(crate) fn collect(
    cluster: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
) -> Result<(Vec<Item>, Vec<Error>)> {
    let mut items = Vec::new();
    let mut missing = Vec::new();
    let rendered = cluster.render()?;
    // Values image automation committed at marked fields and render keeps: applied as the
    // tree holds them, never rolled back to the declared start.
    let committed = crate::render::automation::committed_documents(rendered.main(), tree)?;
    let marks = crate::render::automation::ClusterMarks::of(cluster);
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
    // Only the main tree: other trees belong to repositories Flux pulls by itself.
    for o in cluster
        .objects
        .iter()
        .filter(|o| cluster.files[o.file].tree == 0 && !o.patch_only)
        // Encrypted Secrets: only kustomize-controller holds the key to decrypt them.
        .filter(|o| !o.encrypted)
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
        items.push(Item::from_value(value, o.at().file())?);
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
