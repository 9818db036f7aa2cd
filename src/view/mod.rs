//! Views of one cluster of a repository for people, computed offline from the model:
//! `tree` (what Flux will reconcile, source by source) and `graph` (the references
//! between objects, as Mermaid or Graphviz DOT).

pub(crate) mod effective;
pub(crate) mod graph;
pub(crate) mod tree;

use std::collections::HashMap;

use crate::model::applied::{PartView, Parts};
use crate::model::cluster::{Cluster, Declared};
use crate::model::repository::Repository;
use crate::object::ObjectKey;

/// The objects a cluster declares and those its Kustomizations apply from the repository,
/// with what each Kustomization applies.
pub(crate) struct ClusterView<'r> {
    /// In declaration order: the cluster's own, then the applied ones of other parts.
    objects: Vec<&'r Declared>,
    /// For each Kustomization (index into `objects`) built from this repository: the
    /// objects it applies (indices into `objects`).
    applied: HashMap<usize, Vec<usize>>,
    /// What the Kustomizations built from the rendered trees really apply; empty when not
    /// computed.
    effective: crate::effective::state::Effective,
}

impl<'r> ClusterView<'r> {
    /// The view of `cluster`, one of `repository`'s clusters.
    pub(crate) fn of(repository: &'r Repository, cluster: &'r Cluster) -> ClusterView<'r> {
        let (parts, p) = parts_of(repository, cluster);
        let applied_by = Parts(&parts).applied_by(p);
        let mut index: HashMap<(usize, usize), usize> = HashMap::new();
        let mut objects = Vec::new();
        let mut add = |at: (usize, usize), objects: &mut Vec<&'r Declared>| {
            *index.entry(at).or_insert_with(|| {
                objects.push(&repository.parts[at.0].cluster.objects[at.1]);
                objects.len() - 1
            })
        };
        for i in 0..cluster.objects.len() {
            if !cluster.objects[i].patch_only {
                add((p, i), &mut objects);
            }
        }
        let mut applied = HashMap::new();
        for (holder, list) in applied_by {
            let h = add(holder, &mut objects);
            let list = list.into_iter().map(|o| add(o, &mut objects)).collect();
            applied.insert(h, list);
        }
        ClusterView {
            objects,
            applied,
            effective: Default::default(),
        }
    }

    /// The view of `cluster` with what its Kustomizations really apply, built from the
    /// repository's `rendered` trees (without them, what the files declare: a definition
    /// render refuses).
    pub(crate) fn with_effective(
        repository: &'r Repository,
        cluster: &'r Cluster,
        rendered: Option<&crate::render::Rendered>,
    ) -> ClusterView<'r> {
        let mut view = ClusterView::of(repository, cluster);
        let Some(rendered) = rendered else {
            return view;
        };
        let (parts, p) = parts_of(repository, cluster);
        let trees = crate::render::tree_files(rendered.trees());
        view.effective = crate::effective::state::effective(&parts, &trees, p);
        view
    }
}

/// The parts of `repository` as the model's views read them, and which one `cluster` is.
fn parts_of<'r>(repository: &'r Repository, cluster: &Cluster) -> (Vec<PartView<'r>>, usize) {
    let parts = repository
        .parts
        .iter()
        .map(|p| PartView {
            name: p.name.as_deref(),
            cluster: &p.cluster,
        })
        .collect();
    let p = repository
        .parts
        .iter()
        .position(|part| std::ptr::eq(&part.cluster, cluster))
        .expect("the cluster is one of the repository's");
    (parts, p)
}

impl ClusterView<'_> {
    /// Every object the tree shows: the view's objects and what they are built from.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn keys(&self) -> Vec<ObjectKey> {
        let mut keys: Vec<ObjectKey> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for o in &self.objects {
            for k in std::iter::once(o.key().clone()).chain(
                o.object
                    .references()
                    .into_iter()
                    .map(|r| r.target.key.clone()),
            ) {
                if seen.insert(k.clone()) {
                    keys.push(k);
                }
            }
        }
        let mut built: Vec<&ObjectKey> = self
            .effective
            .applied
            .values()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        built.sort();
        for k in built {
            if seen.insert(k.clone()) {
                keys.push(k.clone());
            }
        }
        keys
    }
}

/// `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object, as `flux tree` writes.
pub(crate) fn label(key: &ObjectKey) -> String {
    let text = match &key.namespace {
        Some(ns) => format!("{}/{ns}/{}", key.kind, key.name),
        None => format!("{}/{}", key.kind, key.name),
    };
    // A view is drawn before validation may have refused the definition: a control
    // character (a newline) must not start a line of its own in the tree or the graph.
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text
    }
}

/// Whether `key` is one of Flux's kinds.
fn is_flux(key: &ObjectKey) -> bool {
    key.group().ends_with(".fluxcd.io")
}

impl Repository {
    /// What cluster `name` (the only one when `None`) will reconcile, as `flux tree` draws
    /// it, computed offline: each source, the Kustomizations and HelmReleases built from it
    /// nested by `dependsOn`, and under each Kustomization the objects it applies.
    ///
    /// ```
    /// # use fluxdsl::{duration, name, Cluster, GitRef, GitRepository, Kustomization};
    /// let mut cluster = Cluster::new("");
    /// let sync = cluster.file("clusters/dev/sync.yaml");
    /// let repo = cluster.add(&sync, GitRepository::builder()
    ///     .name(name!("flux-system"))
    ///     .url("https://example.com/fleet")
    ///     .reference(GitRef::branch("main"))
    ///     .interval(duration!("1m"))
    ///     .build());
    /// cluster.source_is_this_repository(&repo);
    /// cluster.add(&sync, Kustomization::builder()
    ///     .name(name!("flux-system"))
    ///     .source_ref(&repo)
    ///     .path("./clusters/dev")
    ///     .interval(duration!("10m"))
    ///     .prune(true)
    ///     .build());
    /// let tree = fluxdsl::Repository::of_one(cluster).tree(None).unwrap();
    /// assert_eq!(tree, "GitRepository/flux-system/flux-system\n\
    ///                   └── Kustomization/flux-system/flux-system\n\
    ///                   \x20   ├── GitRepository/flux-system/flux-system\n\
    ///                   \x20   └── Kustomization/flux-system/flux-system\n");
    /// ```
    pub fn tree(&self, cluster: Option<&str>) -> Result<String, String> {
        let cluster = self.select(cluster)?;
        Ok(tree::tree(
            &ClusterView::with_effective(self, cluster, self.render().ok().as_ref()),
            None,
        ))
    }

    /// The objects each Kustomization of cluster `name` (the only one when `None`) applies,
    /// as Flux will apply them (`print --effective`): each Kustomization's list after a `#`
    /// line, its path built from the rendered tree as kustomize and kustomize-controller
    /// build it ([`crate::effective`]), postBuild variables filled in where this program
    /// knows their values. Upstream files (Flux's install) are read from the committed
    /// tree below the current folder where present.
    pub fn effective(&self, cluster: Option<&str>) -> Result<String, String> {
        let chosen = self.select(cluster)?;
        let rendered = self.render().map_err(|e| e.to_string())?;
        Ok(effective::effective(
            self,
            chosen,
            &rendered,
            std::path::Path::new("."),
        ))
    }

    /// The references between the objects of cluster `name` (the only one when `None`) —
    /// `sourceRef`, `dependsOn`, `chartRef`, `valuesFrom`, `healthChecks`, … — as a
    /// Mermaid flowchart or Graphviz DOT, nodes labelled `Kind/namespace/name` and edges
    /// with the field. The same definition always gives the same text.
    pub fn graph(&self, cluster: Option<&str>, format: graph::Format) -> Result<String, String> {
        let cluster = self.select(cluster)?;
        Ok(graph::graph(
            &ClusterView::with_effective(self, cluster, self.render().ok().as_ref()),
            format,
        ))
    }
}
