//! kustomize's own config file, `kustomization.yaml` (`kustomize.config.k8s.io/v1beta1`,
//! kind `Kustomization`). It shares a kind name with Flux's
//! [`Kustomization`](crate::Kustomization) but nothing else, so here it is called
//! [`KustomizeConfig`] and the two cannot be mixed up.

use std::collections::BTreeMap;

use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::flux::kustomization::{Image, Patch, PatchTarget};
use crate::object::File;
use crate::values::NamespaceName;

/// A `kustomization.yaml`, declared in a folder with
/// [`Cluster::kustomize_config`](crate::Cluster::kustomize_config).
///
/// `resources` takes handles to files this program declares, so an entry cannot name a
/// file that does not exist; `resource_paths` takes anything else kustomize accepts
/// (folders, remote URLs).
///
/// ```
/// use fluxdsl::{Cluster, KustomizeConfig};
/// let mut cluster = Cluster::new("k8s/flux");
/// let components = cluster.upstream_file("flux-system/gotk-components.yaml", "flux install --export");
/// let sync = cluster.file("flux-system/gotk-sync.yaml");
/// cluster.kustomize_config("flux-system", KustomizeConfig::builder()
///     .resources(&[&components, &sync])
///     .build());
/// ```
#[derive(Debug, Clone, TypedBuilder)]
#[builder(
    doc,
    builder_type(doc = "Builds a [`KustomizeConfig`] (`kustomization.yaml`)."),
    build_method(doc = "Finishes the kustomization.yaml.")
)]
pub struct KustomizeConfig {
    /// `resources`: files declared in this program, written relative to the folder.
    #[builder(default, setter(transform = |files: &[&File]| files.iter().map(|f| (*f).clone()).collect()))]
    pub(crate) resources: Vec<File>,
    /// More `resources`: folders or remote URLs, written as given.
    #[builder(default, setter(transform = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect()))]
    pub(crate) resource_paths: Vec<String>,
    /// `components`: kustomize components (folders) to include.
    #[builder(default, setter(transform = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect()))]
    pub(crate) components: Vec<String>,
    /// `namespace`: set on every object.
    #[builder(default, setter(strip_option))]
    pub(crate) namespace: Option<NamespaceName>,
    /// `labels`: added to every object.
    #[builder(default, setter(transform = |labels: &[Labels]| labels.to_vec()))]
    pub(crate) labels: Vec<Labels>,
    /// `patches`, inline.
    #[builder(default, setter(transform = |patches: &[Patch]| patches.to_vec()))]
    pub(crate) patches: Vec<Patch>,
    /// `patches` read from files declared in this program (`- path: …`).
    #[builder(default, setter(transform = |patches: &[PatchFile]| patches.to_vec()))]
    pub(crate) patch_files: Vec<PatchFile>,
    /// `images`: image overrides.
    #[builder(default, setter(transform = |images: &[Image]| images.to_vec()))]
    pub(crate) images: Vec<Image>,
    /// `configMapGenerator`.
    #[builder(default, setter(transform = |generators: &[ConfigMapGenerator]| generators.to_vec()))]
    pub(crate) config_map_generator: Vec<ConfigMapGenerator>,
}

/// A patch kept in its own file (see [`Cluster::add_patch`](crate::Cluster::add_patch)),
/// applied to the objects `target` selects.
#[derive(Debug, Clone)]
pub struct PatchFile {
    pub(crate) file: File,
    target: Option<PatchTarget>,
}

impl PatchFile {
    /// The patch in `file`, applied to what `target` selects.
    pub fn new(file: &File, target: PatchTarget) -> PatchFile {
        PatchFile {
            file: file.clone(),
            target: Some(target),
        }
    }
    /// The patch in `file`, a strategic-merge patch that names its own target.
    pub fn strategic_merge(file: &File) -> PatchFile {
        PatchFile {
            file: file.clone(),
            target: None,
        }
    }
}

/// One entry of `labels` in a kustomization.yaml.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Labels {
    /// The labels.
    pub pairs: BTreeMap<String, String>,
    /// Also add them to selectors.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_selectors: bool,
    /// Also add them to pod templates.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_templates: bool,
}

/// One entry of `configMapGenerator`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMapGenerator {
    /// The ConfigMap's name (kustomize appends a content hash).
    pub name: String,
    /// `create`, `replace` or `merge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<String>,
    /// Files whose contents become keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// `KEY=value` literals.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub literals: Vec<String>,
    /// `.env` files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub envs: Vec<String>,
}

impl KustomizeConfig {
    /// The file as kustomize reads it; `dir` is the tree-relative folder it sits in.
    pub(crate) fn to_wire(&self, dir: &str) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert(
            "apiVersion".into(),
            "kustomize.config.k8s.io/v1beta1".into(),
        );
        m.insert("kind".into(), "Kustomization".into());
        let mut resources: Vec<serde_json::Value> = self
            .resources
            .iter()
            .map(|f| relative_path(dir, f.path()).into())
            .collect();
        resources.extend(self.resource_paths.iter().map(|p| p.clone().into()));
        let mut put = |key: &str, v: serde_json::Value| {
            let empty = match &v {
                serde_json::Value::Array(a) => a.is_empty(),
                serde_json::Value::Null => true,
                _ => false,
            };
            if !empty {
                m.insert(key.into(), v);
            }
        };
        let to = |v: serde_json::Result<serde_json::Value>| v.unwrap_or_default();
        put("resources", serde_json::Value::Array(resources));
        put("components", to(serde_json::to_value(&self.components)));
        put(
            "namespace",
            self.namespace
                .as_ref()
                .map_or(serde_json::Value::Null, |n| n.as_str().into()),
        );
        put("labels", to(serde_json::to_value(&self.labels)));
        let mut patches = match to(serde_json::to_value(&self.patches)) {
            serde_json::Value::Array(a) => a,
            _ => Vec::new(),
        };
        for p in &self.patch_files {
            let mut entry = serde_json::Map::new();
            entry.insert("path".into(), relative_path(dir, p.file.path()).into());
            if let Some(t) = &p.target {
                entry.insert("target".into(), to(serde_json::to_value(t)));
            }
            patches.push(serde_json::Value::Object(entry));
        }
        put("patches", serde_json::Value::Array(patches));
        put("images", to(serde_json::to_value(&self.images)));
        put(
            "configMapGenerator",
            to(serde_json::to_value(&self.config_map_generator)),
        );
        serde_json::Value::Object(m)
    }
}

/// `target` (tree-relative) written relative to the folder `dir` (tree-relative).
pub(crate) fn relative_path(dir: &str, target: &str) -> String {
    let dir: Vec<&str> = dir
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let target: Vec<&str> = target
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let common = dir
        .iter()
        .zip(target.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", dir.len() - common).collect();
    parts.extend(&target[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::relative_path;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path("flux-system", "flux-system/gotk-sync.yaml"),
            "gotk-sync.yaml"
        );
        assert_eq!(relative_path("", "components.yaml"), "components.yaml");
        assert_eq!(
            relative_path("apps/prod", "apps/base/podinfo"),
            "../base/podinfo"
        );
    }
}
