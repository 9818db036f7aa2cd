//! The effective state of each cluster of a repository: every Flux Kustomization the
//! cluster runs — those it declares and, in turn, those their builds apply, read from the
//! built objects (so `extra_spec`, patches and verbatim files count) — with the objects
//! kustomize-controller applies for it, built from the rendered trees.

use std::collections::HashMap;
use std::panic::Location;
use std::rc::Rc;

use serde_json::Value;

use super::{BuildError, Files, flux_build};
use crate::model::applied::{PartView, Parts};
use crate::object::ObjectKey;

/// A rendered tree as its repository holds it: its files by path in the tree, and its
/// upstream files (their text where read from disk, else empty stand-ins).
pub(crate) struct TreeFiles<'t> {
    /// The tree's path where it is written (its local path).
    pub root: &'t str,
    /// (path in the tree, text) of each rendered file.
    pub files: Vec<(&'t str, &'t str)>,
    /// (path in the tree, text or `""`) of each upstream file.
    pub upstream: Vec<(&'t str, &'t str)>,
}

/// One Flux Kustomization of a cluster and what it applies.
pub(crate) struct Applied {
    /// The Kustomization.
    pub key: ObjectKey,
    /// Where it is declared: its own declaration, or that of the Kustomization whose
    /// build applies it.
    pub at: &'static Location<'static>,
    /// How a message names `at`: `declared`, or `applied by Kustomization …, declared`.
    pub role: &'static str,
    /// The Kustomization as Flux reads it.
    pub object: Value,
    /// The Kustomization whose build applies this one (an index into the cluster's
    /// list), if it is not declared by the cluster itself.
    pub applied_by: Option<usize>,
    /// Its build: the objects it applies (substituted with the values it sets), or why
    /// kustomize-controller cannot build it; `None` when its source is not a tree this
    /// repository renders.
    pub built: Option<Result<Rc<Vec<Value>>, BuildError>>,
    /// The build before substitution, shared by every Kustomization with the same inputs
    /// (an index into [`States::builds`]).
    pub build: Option<usize>,
    /// Its path as it reads in its source (`./apps/base`).
    pub path: String,
    /// The tree it is built from, as a key of [`States::sources`] (the tree's local path,
    /// its path in its repository); `None` when it is not built here.
    pub source: Option<(String, String)>,
    /// The variables its postBuild substitutes, where it has one: the values known here
    /// (`substitute`'s over the data of the `substituteFrom` ConfigMaps and Secrets the
    /// cluster applies or declares), and whether those are all it has.
    pub variables: Option<Variables>,
}

/// The variables a Kustomization's postBuild substitutes, as far as they are known here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Variables {
    /// By name, as kustomize-controller merges them.
    pub values: std::collections::BTreeMap<String, String>,
    /// Whether `values` are all of them (no `substituteFrom` source is unknown here).
    pub complete: bool,
}

/// The effective state of one cluster.
pub(crate) struct ClusterState {
    /// The part of the repository it is.
    pub part: usize,
    /// Its Kustomizations, those it declares first.
    pub applied: Vec<Applied>,
    /// Whether every Kustomization's source is a tree the repository renders (so an object
    /// it does not hold is one the cluster never gets).
    pub complete: bool,
    /// The Kustomizations the cluster declares whose source is not rendered here, as
    /// indices into its part's objects.
    pub unbuilt: Vec<usize>,
}

/// The effective state of every cluster, and the builds they share.
pub(crate) struct States {
    pub clusters: Vec<ClusterState>,
    /// Each distinct build's objects before substitution.
    pub builds: Vec<Result<Rc<Vec<Value>>, BuildError>>,
    /// The source files of each tree, by (tree's local path, its path in its repository).
    pub sources: HashMap<(String, String), Files>,
    /// Where each declared object is, by key: (part, object index), every part's; made
    /// when first asked for (a repository whose builds apply no Kustomization never does).
    declared: std::cell::OnceCell<HashMap<ObjectKey, Vec<(usize, usize)>>>,
}

impl States {
    /// The declaration of `key` as cluster `p` sees it: its own, else the shared folders'.
    pub(crate) fn declared_in(
        &self,
        parts: &[PartView],
        p: usize,
        key: &ObjectKey,
    ) -> Option<(usize, usize)> {
        let declared = self.declared.get_or_init(|| {
            let mut declared: HashMap<ObjectKey, Vec<(usize, usize)>> = HashMap::new();
            for (p, part) in parts.iter().enumerate() {
                for (i, o) in part.cluster.objects.iter().enumerate() {
                    if !o.patch_only {
                        declared.entry(o.key().clone()).or_default().push((p, i));
                    }
                }
            }
            declared
        });
        let all = declared.get(key)?;
        all.iter()
            .find(|d| d.0 == p)
            .or_else(|| all.iter().find(|d| parts[d.0].name.is_none()))
            .copied()
    }
}

/// Flux's Kustomization kind.
pub(crate) fn is_kustomization(o: &Value) -> bool {
    o["kind"] == "Kustomization"
        && o["apiVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("kustomize.toolkit.fluxcd.io/"))
}

/// Where a namespaced object its build leaves without a namespace is applied: the
/// `default` namespace, as kubectl applies it (a `targetNamespace` has already set one on
/// every object of the build).
pub(crate) const DEFAULT_NAMESPACE: &str = "default";

/// The key of an applied object, in [`DEFAULT_NAMESPACE`] when it names none.
pub(crate) fn applied_key(o: &Value) -> ObjectKey {
    key_of(o, Some(DEFAULT_NAMESPACE))
}

/// An object's key as messages show it; `namespace` fills in one the object leaves out
/// (`None`: a cluster-scoped kind).
pub(crate) fn key_of(o: &Value, namespace: Option<&str>) -> ObjectKey {
    let kind = o["kind"].as_str().unwrap_or_default();
    let namespace = match o["metadata"]["namespace"].as_str() {
        Some(ns) => Some(ns.to_owned().into()),
        None if super::fields::cluster_scoped(kind) => None,
        None => namespace.map(|n| n.to_owned().into()),
    };
    ObjectKey {
        api_version: crate::object::intern(o["apiVersion"].as_str().unwrap_or_default()),
        kind: crate::object::intern(kind),
        namespace,
        name: o["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The effective state of every cluster of `parts` from the rendered `trees`.
pub(crate) fn states(parts: &[PartView], trees: &[TreeFiles]) -> States {
    let mut builder = Builder {
        view: Parts(parts),
        by_source: HashMap::new(),
        artifacts: artifact_copies(parts),
        source_trees: Parts(parts).source_trees(),
        trees,
        index: HashMap::new(),
    };
    // Each source's tree by the source's kind, namespace and name (a cluster's own first).
    for (p, part) in parts.iter().enumerate() {
        for tree in &part.cluster.trees {
            for s in &tree.sources {
                let ns = s.key.namespace.as_deref().unwrap_or_default().to_owned();
                builder
                    .by_source
                    .entry((p, s.key.kind.to_owned(), ns, s.key.name.clone()))
                    .or_insert_with(|| (tree.path.clone(), tree.repo_path.clone()));
            }
        }
    }
    let mut out = States {
        clusters: Vec::new(),
        builds: Vec::new(),
        sources: HashMap::new(),
        declared: std::cell::OnceCell::new(),
    };
    for (p, part) in parts.iter().enumerate() {
        if part.name.is_none() {
            continue;
        }
        let mut state = ClusterState {
            part: p,
            applied: Vec::new(),
            complete: true,
            unbuilt: Vec::new(),
        };
        let mut index: HashMap<ObjectKey, usize> = HashMap::new();
        // The ConfigMaps and Secrets the builds so far apply, by (kind, namespace, name):
        // where a later Kustomization's `substituteFrom` reads its variables.
        let mut configs: HashMap<(String, String, String), Value> = HashMap::new();
        let mut queue: Vec<Option<Queued>> = Vec::new();
        let mut unbuilt_manifests: Vec<(String, String, String)> = Vec::new();
        for (i, o) in part.cluster.objects.iter().enumerate() {
            if o.patch_only {
                continue;
            }
            let key = o.key();
            if key.kind != "Kustomization" || key.group() != "kustomize.toolkit.fluxcd.io" {
                continue;
            }
            // One whose source is no tree this repository renders is not built here: only
            // its name is known (declared, so its references were checked as handles). A
            // manifest's source is its `sourceRef`, read as a built one's is: it is built
            // when that names the source of a tree this repository renders.
            let Ok(object) = o.object.to_json() else {
                continue;
            };
            let typed = builder.view.reads_declared_source((p, i));
            let built_here = match typed {
                true => builder
                    .view
                    .built_from_trees((p, i), &builder.source_trees)
                    .is_some(),
                false => builder.tree_of_source_ref(p, &object).is_some(),
            };
            if !built_here {
                // A typed one's source is a handle, so it exists (if elsewhere); a
                // manifest's `sourceRef` is weighed below with those a build applies.
                match typed {
                    true => state.complete = false,
                    false => unbuilt_manifests.push(source_of(&object)),
                }
                state.unbuilt.push(i);
                continue;
            }
            queue.push(Some((object, o.target.at, Some((p, i)), None)));
        }
        let mut next = 0;
        while next < queue.len() {
            let item = queue[next].take();
            next += 1;
            let Some((object, at, decl, applied_by)) = item else {
                continue;
            };
            let key = applied_key(&object);
            if let Some(&seen) = index.get(&key) {
                // A build applies a Kustomization the cluster also declares: Flux runs the
                // one the build applies (patched, say); rebuild it as that once.
                let first: &Applied = &state.applied[seen];
                if applied_by.is_some()
                    && first.applied_by.is_none()
                    && first.object["spec"] != object["spec"]
                {
                    let (built, build, path, source) = builder.build(&mut out, p, &object, None);
                    let variables = variables_of(&object, &configs, &out, parts, p);
                    let first = &mut state.applied[seen];
                    first.built = substituted(built, variables.as_ref());
                    first.object = object;
                    (first.build, first.path, first.source) = (build, path, source);
                    first.variables = variables;
                }
                continue;
            }
            let (built, build, path, source) = builder.build(&mut out, p, &object, decl);
            let variables = variables_of(&object, &configs, &out, parts, p);
            let built = substituted(built, variables.as_ref());
            let (at, role) = match out.declared_in(parts, p, &key) {
                Some((dp, di)) => (parts[dp].cluster.objects[di].target.at, "declared"),
                None => match applied_by {
                    Some(by) => {
                        let by = &state.applied[by];
                        let role = format!("applied by {}, {}", by.key, by.role);
                        (at, crate::object::intern(&role))
                    }
                    None => (at, "declared"),
                },
            };
            let me = state.applied.len();
            if let Some(Ok(objects)) = &built {
                for o in objects.iter() {
                    let kind = o["kind"].as_str().unwrap_or_default();
                    if (kind == "ConfigMap" || kind == "Secret") && o["apiVersion"] == "v1" {
                        let ns = o["metadata"]["namespace"].as_str();
                        let name = o["metadata"]["name"].as_str().unwrap_or_default();
                        configs
                            .entry((
                                kind.to_owned(),
                                ns.unwrap_or(DEFAULT_NAMESPACE).to_owned(),
                                name.to_owned(),
                            ))
                            .or_insert_with(|| o.clone());
                    }
                }
                for o in objects.iter().filter(|o| is_kustomization(o)) {
                    let mut o = o.clone();
                    if o["metadata"]["namespace"].is_null() {
                        o["metadata"]["namespace"] = Value::String(DEFAULT_NAMESPACE.into());
                    }
                    let inner = key_of(&o, None);
                    let decl = out.declared_in(parts, p, &inner);
                    queue.push(Some((o, at, decl, Some(me))));
                }
            }
            index.insert(key.clone(), me);
            state.applied.push(Applied {
                key,
                at,
                role,
                object,
                applied_by,
                built,
                build,
                path,
                source,
                variables,
            });
        }
        // A Kustomization not built here reads a source whose files are elsewhere (another
        // repository): what it applies is not known — unless the source does not exist at
        // all, which the checks refuse.
        let unbuilt_sources: Vec<(String, String, String)> = state
            .applied
            .iter()
            .filter(|a| a.built.is_none())
            .map(|a| source_of(&a.object))
            .chain(unbuilt_manifests)
            .collect();
        if !unbuilt_sources.is_empty() {
            let exists = |(kind, ns, name): &(String, String, String)| {
                // An ExternalArtifact is a controller's, whatever makes its content.
                if kind == "ExternalArtifact" {
                    return true;
                }
                let is = |k: &ObjectKey| {
                    k.kind == kind && k.name == *name && k.namespace.as_deref() == Some(ns)
                };
                parts
                    .iter()
                    .flat_map(|part| part.cluster.objects.iter())
                    .any(|o| is(o.key()))
                    || state.applied.iter().any(|a| match &a.built {
                        Some(Ok(objects)) => objects.iter().any(|o| is(&key_of(o, None))),
                        _ => false,
                    })
                    // Or the cluster says something outside the repository makes it.
                    || parts
                        .iter()
                        .filter(|other| std::ptr::eq(*other, part) || other.name.is_none())
                        .flat_map(|other| other.cluster.before_flux.iter())
                        .any(|t| is(&t.key))
            };
            if unbuilt_sources.iter().any(exists) {
                state.complete = false;
            }
        }
        out.clusters.push(state);
    }
    out
}

/// A Kustomization to build: the object, the site of the declaration that brings it, its
/// declaration (part, object index) if it has one, and the Kustomization applying it.
type Queued = (
    Value,
    &'static Location<'static>,
    Option<(usize, usize)>,
    Option<usize>,
);

/// What [`States`] builds from: the rendered trees, the tree each source fetches (by its
/// address, and by its kind, namespace and name for a Kustomization only a build applies),
/// and the builds done so far by their inputs.
struct Builder<'a> {
    view: Parts<'a>,
    by_source: HashMap<(usize, String, String, String), (String, String)>,
    /// Each ExternalArtifact an ArtifactGenerator makes (part, namespace, name): its copy
    /// operations, for a Kustomization declared as a manifest that builds from it.
    artifacts: HashMap<(usize, String, String), Vec<Copy>>,
    source_trees: rustc_hash::FxHashMap<usize, (String, String)>,
    trees: &'a [TreeFiles<'a>],
    index: HashMap<String, usize>,
}

/// What [`Builder::build`] gives: the objects before substitution, the build's index, the
/// path as it reads in the source, and the source tree.
type BuildOf = (
    Option<Result<Rc<Vec<Value>>, BuildError>>,
    Option<usize>,
    String,
    Option<(String, String)>,
);

/// Builds Kustomization `object` of part `p` (declared as `decl`, if it is): from the tree
/// its source fetches, sharing a build with the same inputs, then substituted with the
/// values it sets.
impl Builder<'_> {
    fn build(
        &mut self,
        out: &mut States,
        p: usize,
        object: &Value,
        decl: Option<(usize, usize)>,
    ) -> BuildOf {
        let Builder {
            view,
            by_source,
            artifacts,
            source_trees,
            trees,
            index: build_index,
        } = self;
        let written = object["spec"]["path"].as_str().unwrap_or("./").to_owned();
        let from_decl = decl.and_then(|d| view.built_from_trees(d, source_trees));
        let found = from_decl.or_else(|| {
            let ((tree, repo_path), path) = manifest_source(view, by_source, artifacts, p, object)?;
            Some((tree.clone(), repo_path.clone(), path))
        });
        let Some((tree, repo_path, path)) = found else {
            return (None, None, written, None);
        };
        let Some(rendered) = trees.iter().find(|t| t.root == tree) else {
            return (None, None, written, None);
        };
        let path = super::files::normalize(&path).unwrap_or(path);
        let mut input = object.clone();
        input["spec"]["path"] = Value::String(format!("./{path}"));
        if let Some(spec) = input["spec"].as_object_mut() {
            for field in [
                "interval",
                "dependsOn",
                "sourceRef",
                "prune",
                "wait",
                "timeout",
                "healthChecks",
                "decryption",
                "serviceAccountName",
                "force",
                "suspend",
                "retryInterval",
            ] {
                spec.remove(field);
            }
            spec.remove("postBuild");
        }
        let key = format!("{tree}\n{repo_path}\n{}", input["spec"]);
        let b = *build_index.entry(key).or_insert_with(|| {
            let files = out
                .sources
                .entry((tree.clone(), repo_path.clone()))
                .or_insert_with(|| source_files(rendered, &repo_path));
            out.builds
                .push(flux_build(files, &input, None).map(Rc::new));
            out.builds.len() - 1
        });
        (
            Some(out.builds[b].clone()),
            Some(b),
            format!("./{path}"),
            Some((tree, repo_path)),
        )
    }
}

/// The tree (local path, path in its repository) of the source Kustomization `object`
/// names in its `sourceRef`, looked up by key: part `p`'s own sources first, then any
/// part's.
fn source_tree<'b>(
    view: &Parts<'_>,
    by_source: &'b HashMap<(usize, String, String, String), (String, String)>,
    p: usize,
    object: &Value,
) -> Option<&'b (String, String)> {
    let (kind, ns, name) = source_of(object);
    let lookup = |part: usize| by_source.get(&(part, kind.clone(), ns.clone(), name.clone()));
    lookup(p).or_else(|| (0..view.0.len()).find_map(lookup))
}

impl Builder<'_> {
    /// The tree a Kustomization declared as a manifest reads, by its `sourceRef`.
    fn tree_of_source_ref(&self, p: usize, object: &Value) -> Option<&(String, String)> {
        manifest_source(&self.view, &self.by_source, &self.artifacts, p, object).map(|(t, _)| t)
    }
}

/// One copy operation of an ExternalArtifact: the source it copies from (kind, namespace,
/// name), the folder in that source, the folder in the artifact.
type Copy = ((String, String, String), String, String);

/// The copy operations of every ExternalArtifact the parts' ArtifactGenerators make,
/// typed or manifests: a copy of a folder's files (`@alias/dir/**` into `@artifact/to/`).
fn artifact_copies(parts: &[PartView]) -> HashMap<(usize, String, String), Vec<Copy>> {
    let mut out = HashMap::new();
    for (p, part) in parts.iter().enumerate() {
        for o in &part.cluster.objects {
            let key = o.key();
            if key.kind != "ArtifactGenerator" || key.group() != "source.extensions.fluxcd.io" {
                continue;
            }
            let Ok(generator) = o.object.to_json() else {
                continue;
            };
            let holder = key
                .namespace
                .as_deref()
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_owned();
            let sources = generator["spec"]["sources"].as_array();
            let source = |alias: &str| {
                let s = sources?.iter().find(|s| s["alias"] == alias)?;
                Some((
                    s["kind"].as_str()?.to_owned(),
                    s["namespace"].as_str().unwrap_or(&holder).to_owned(),
                    s["name"].as_str()?.to_owned(),
                ))
            };
            for artifact in generator["spec"]["artifacts"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let Some(name) = artifact["name"].as_str() else {
                    continue;
                };
                let copies = artifact["copy"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        let (alias, from, to) = crate::flux::artifact_generator::folder_copy(
                            c["from"].as_str()?,
                            c["to"].as_str()?,
                        )?;
                        Some((source(alias)?, from.to_owned(), to.to_owned()))
                    })
                    .collect();
                out.entry((p, holder.clone(), name.to_owned()))
                    .or_insert(copies);
            }
        }
    }
    out
}

/// The tree a Kustomization declared as a manifest builds from and its path there: its
/// `sourceRef`'s tree, or for an ExternalArtifact, through the copy operation whose
/// destination holds the path (the longest) to the tree of the source it copies from.
fn manifest_source<'b>(
    view: &Parts<'_>,
    by_source: &'b HashMap<(usize, String, String, String), (String, String)>,
    artifacts: &HashMap<(usize, String, String), Vec<Copy>>,
    p: usize,
    object: &Value,
) -> Option<(&'b (String, String), String)> {
    let written = object["spec"]["path"].as_str().unwrap_or("./").to_owned();
    let (kind, ns, name) = source_of(object);
    if kind != "ExternalArtifact" {
        return Some((source_tree(view, by_source, p, object)?, written));
    }
    let lookup = |part: usize| artifacts.get(&(part, ns.clone(), name.clone()));
    let copies = lookup(p).or_else(|| (0..view.0.len()).find_map(lookup))?;
    let ((kind, ns, name), path) = crate::model::applied::through_copies(&written, copies)?;
    let at = |part: usize| by_source.get(&(part, kind.clone(), ns.clone(), name.clone()));
    let tree = at(p).or_else(|| (0..view.0.len()).find_map(at))?;
    Some((tree, format!("./{path}")))
}

/// The source Kustomization `object` reads: (kind, namespace, name).
fn source_of(object: &Value) -> (String, String, String) {
    let source = &object["spec"]["sourceRef"];
    let own = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    (
        source["kind"].as_str().unwrap_or_default().to_owned(),
        source["namespace"].as_str().unwrap_or(own).to_owned(),
        source["name"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The variables Kustomization `object` of part `p` substitutes, if it has a postBuild:
/// the data of its `substituteFrom` ConfigMaps and Secrets in order (those the builds so
/// far apply, `configs`, else those the cluster declares), then `substitute`'s over them,
/// as kustomize-controller merges them. A source whose data is not known here (encrypted,
/// or applied by nothing built here) leaves them incomplete; a missing `optional` one
/// counts for nothing, as in Flux.
fn variables_of(
    object: &Value,
    configs: &HashMap<(String, String, String), Value>,
    out: &States,
    parts: &[PartView],
    p: usize,
) -> Option<Variables> {
    let post_build = object["spec"].get("postBuild")?;
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or(DEFAULT_NAMESPACE);
    let mut values = std::collections::BTreeMap::new();
    let mut complete = true;
    for source in post_build["substituteFrom"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let kind = source["kind"].as_str().unwrap_or_default();
        let name = source["name"].as_str().unwrap_or_default();
        let built = configs.get(&(kind.to_owned(), namespace.to_owned(), name.to_owned()));
        let declared = || {
            let key = ObjectKey {
                api_version: crate::object::intern("v1"),
                kind: crate::object::intern(kind),
                namespace: Some(namespace.to_owned().into()),
                name: name.to_owned(),
            };
            let (dp, di) = out.declared_in(parts, p, &key)?;
            let o = &parts[dp].cluster.objects[di];
            if o.encrypted {
                return Some(None);
            }
            Some(o.object.to_json().ok())
        };
        let found = match built {
            Some(o) => Some(Some(o.clone())),
            None => declared(),
        };
        match found {
            Some(Some(o)) => match crate::model::substitution::config_data(&o) {
                Some(data) => values.extend(data),
                None => complete = false,
            },
            Some(None) => complete = false,
            None if source["optional"] == true => {}
            None => complete = false,
        }
    }
    for (k, v) in post_build["substitute"].as_object().into_iter().flatten() {
        match v.as_str() {
            Some(v) => {
                values.insert(k.clone(), v.to_owned());
            }
            None => complete = false,
        }
    }
    let values = crate::model::substitution::without_line_breaks(values);
    Some(Variables { values, complete })
}

/// A build substituted with `variables` as kustomize-controller does it: nothing changes
/// without a postBuild or when it has no variable at all; objects annotated
/// `substitute: disabled` are skipped; a variable whose value is unknown here stays as
/// written.
fn substituted(
    built: Option<Result<Rc<Vec<Value>>, BuildError>>,
    variables: Option<&Variables>,
) -> Option<Result<Rc<Vec<Value>>, BuildError>> {
    let (Some(Ok(objects)), Some(variables)) = (&built, variables) else {
        return built;
    };
    if variables.values.is_empty() && variables.complete {
        return built;
    }
    let mut changed = false;
    let mut out = Vec::with_capacity(objects.len());
    for o in objects.iter() {
        if crate::model::substitution::disabled(o)
            || !crate::model::substitution::mentions_variables(o)
        {
            out.push(o.clone());
            continue;
        }
        let mut o = o.clone();
        let unset = crate::model::substitution::Unset::strict(variables.complete);
        crate::model::substitution::substitute_all(&mut o, &variables.values, unset);
        changed = true;
        out.push(o);
    }
    match changed {
        true => Some(Ok(Rc::new(out))),
        false => built,
    }
}

/// `tree`'s files at their repository paths (the tree is `repo_path` of its repository).
fn source_files(tree: &TreeFiles, repo_path: &str) -> Files {
    let mut files = Files::default();
    let at = |p: &str| crate::model::cluster::join(repo_path, p);
    for (path, text) in &tree.files {
        files.insert(&at(path), *text);
    }
    for (path, text) in &tree.upstream {
        files.insert(&at(path), *text);
    }
    files
}

/// What the Kustomizations of cluster part `p` really apply, from the rendered `trees`.
#[derive(Default)]
pub(crate) struct Effective {
    /// By Kustomization (only those built here): each object's key and whether it is
    /// SOPS-encrypted, in build order.
    pub applied: HashMap<ObjectKey, Vec<(ObjectKey, bool)>>,
    /// Every Kustomization and HelmRelease the builds apply, as built, in build order.
    pub users: Vec<(ObjectKey, Value)>,
}

/// [`Effective`] of cluster part `p`.
pub(crate) fn effective(parts: &[PartView], trees: &[TreeFiles], p: usize) -> Effective {
    let states = states(parts, trees);
    let mut out = Effective::default();
    let Some(state) = states.clusters.iter().find(|c| c.part == p) else {
        return out;
    };
    let mut seen = std::collections::HashSet::new();
    for a in &state.applied {
        let Some(Ok(objects)) = &a.built else {
            continue;
        };
        let mut keys = Vec::with_capacity(objects.len());
        for o in objects.iter() {
            let key = key_of(o, None);
            let user = is_kustomization(o)
                || (o["kind"] == "HelmRelease"
                    && o["apiVersion"]
                        .as_str()
                        .is_some_and(|v| v.starts_with("helm.toolkit.fluxcd.io/")));
            if user && seen.insert(key.clone()) {
                out.users.push((applied_key(o), o.clone()));
            }
            keys.push((key, o.get("sops").is_some()));
        }
        out.applied.insert(a.key.clone(), keys);
    }
    out
}
