//! The checks types cannot make, run before anything is written or applied. Each problem
//! names the object, the field and the Rust source location of every declaration involved.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;
use std::panic::Location;
use std::sync::Arc;

use crate::error::{Error, Problem, Result};
use crate::kustomize::config::Generator;
use crate::model::cluster::{Cluster, FileContent, join};
use crate::object::{Check, ObjectKey, Origin, RefRule, Target};
use crate::values::NamespaceName;

pub(crate) fn validate(cluster: &Cluster) -> Result<()> {
    let mut problems = problems(cluster, None);
    if problems.is_empty() {
        let alone = [crate::model::applied::PartView {
            name: Some(cluster.root()),
            cluster,
        }];
        let parts = crate::model::applied::Parts(&alone);
        problems = parts.transform_problems();
        problems.extend(parts.applied_problems());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused(problems))
    }
}

/// What the other parts of a [`Repository`](crate::Repository) contribute to one part's
/// checks.
#[derive(Default)]
pub(crate) struct RepositoryContext<'r> {
    /// Every path the repository renders, by tree (its local path).
    pub(crate) paths: HashMap<&'r str, BTreeSet<String>>,
    /// Objects declared in the shared folders: handles to them are valid in every cluster.
    pub(crate) shared: HashMap<Id<'r>, Seen>,
    /// Every Flux object any part declares: what a `Ref::existing` handle may name (the
    /// shared folders name each cluster's `flux-system` source this way).
    pub(crate) flux_objects: rustc_hash::FxHashSet<Id<'r>>,
}

/// The Flux objects `cluster` declares, for [`RepositoryContext::flux_objects`].
pub(crate) fn flux_objects(cluster: &Cluster) -> impl Iterator<Item = Id<'_>> {
    cluster
        .objects
        .iter()
        .map(|o| o.key())
        .filter(|k| k.group().ends_with(".toolkit.fluxcd.io"))
        .map(|k| (k.group(), k.kind, k.namespace.as_deref(), k.name.as_str()))
}

/// Every problem of `cluster`; inside a repository, paths and handles are resolved against
/// the whole repository.
pub(crate) fn problems(cluster: &Cluster, repository: Option<&RepositoryContext>) -> Vec<Problem> {
    // Found at declaration, before a handle could opt in: a Flux object's credentials in
    // its address, for one, pass when the cluster allows that object secrets in clear.
    let mut problems: Vec<Problem> = cluster
        .problems
        .iter()
        .filter(|p| {
            !(crate::sops::may_opt_in(&p.message)
                && cluster.secrets_in_clear.iter().any(|(t, _)| {
                    p.object.as_ref() == Some(&t.key) && p.sites.first().map(|s| s.1) == Some(t.at)
                }))
        })
        .cloned()
        .collect();
    let own_paths = files(cluster, &mut problems);
    // In a repository, a tree holds what every part renders into it (this part's own paths
    // among them): read the repository's set, never copy it per part.
    let rendered_paths: Vec<&BTreeSet<String>> = cluster
        .trees
        .iter()
        .zip(&own_paths)
        .map(|(tree, own)| {
            repository
                .and_then(|r| r.paths.get(tree.path.as_str()))
                .unwrap_or(own)
        })
        .collect();
    // A folder a kustomization.yaml names may be another part's (a shared base).
    for f in &cluster.files {
        if let FileContent::KustomizeConfig(config) = &f.content {
            kustomize_config(cluster, f, config, rendered_paths[f.tree], &mut problems);
        }
    }
    let mut declared = objects(cluster, &mut problems);
    verbatim_duplicates(cluster, &declared, &mut problems);
    if let Some(repository) = repository {
        for (id, seen) in &repository.shared {
            declared.entry(*id).or_insert(seen.seen_elsewhere());
        }
    }
    generators(cluster, &mut problems);
    generated_configurations(cluster, &mut problems);
    problems.extend(crate::model::encrypted::creation_rule_problems(cluster));
    problems.extend(crate::model::automation::problems(cluster));
    produced_artifacts(cluster, &mut problems);
    schemas(cluster, &mut problems);
    pins_agree(cluster, &mut problems);
    default_service_accounts(cluster, &declared, &mut problems);
    let edges = references(cluster, &declared, repository, &mut problems);
    cycles(cluster, edges, &mut problems);
    checks(cluster, &rendered_paths, &mut problems);
    problems
}

/// Every path each tree of `cluster` renders (problems aside).
pub(crate) fn rendered_paths(cluster: &Cluster) -> Vec<BTreeSet<String>> {
    files(cluster, &mut Vec::new())
}

/// Every object `cluster` declares (and bootstrap Secret), with its site.
pub(crate) fn declared_objects(cluster: &Cluster) -> HashMap<Id<'_>, Seen> {
    objects(cluster, &mut Vec::new())
}

/// What is wrong with a file path's characters: fluxdsl lists the files it owns one per
/// line, and a path with a line break or another control character would be read back as
/// something else; `.fluxdsl-*` names are fluxdsl's own.
fn name_problem(path: &str) -> Option<String> {
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Some(format!(
            "the path contains the control character {c:?}; file names must be printable"
        ));
    }
    if path.split('/').any(|part| part.starts_with(".fluxdsl")) {
        return Some("names starting with `.fluxdsl` are fluxdsl's own".into());
    }
    None
}

/// What is wrong with a tree's local path: it must stay inside the folder the program runs
/// in (relative, no `..`), so that `render` never writes anywhere else.
fn tree_root_problem(root: &str) -> Option<String> {
    if let Some(problem) = name_problem(root) {
        return Some(problem);
    }
    if root.starts_with('/') || root.contains('\\') {
        return Some(
            "a tree's path must be relative to the folder the program runs in (render writes \
             elsewhere only with --out or --root)"
                .into(),
        );
    }
    if root.split('/').any(|part| part == "..") {
        return Some("a tree's path must not leave the folder the program runs in (`..`)".into());
    }
    None
}

/// A tree-relative path with `.` segments removed; `None` if it is absolute or leaves the
/// tree.
fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn file_problem(path: &str, message: String, at: &'static Location<'static>) -> Problem {
    Problem {
        remedy: None,
        object: None,
        field: None,
        message: format!("file {path:?}: {message}"),
        sites: vec![("declared", at)],
    }
}

/// File paths: inside their tree, YAML, declared once; kustomization.yaml entries
/// resolve. Returns, for each tree, every path it will hold.
fn files(cluster: &Cluster, problems: &mut Vec<Problem>) -> Vec<BTreeSet<String>> {
    let mut seen: HashMap<(usize, &str), &'static Location<'static>> = HashMap::default();
    let mut paths = vec![BTreeSet::new(); cluster.trees.len()];
    let mut used = vec![false; cluster.files.len()];
    for o in &cluster.objects {
        used[o.file] = true;
    }
    for t in &cluster.trees {
        if let Some(problem) = tree_root_problem(&t.path) {
            problems.push(Problem {
                remedy: None,
                object: None,
                field: None,
                message: format!("tree {:?}: {problem}", t.path),
                sites: vec![("declared", t.at)],
            });
        }
    }
    for (i, f) in cluster.files.iter().enumerate() {
        let tree = &cluster.trees[f.tree].path;
        if let Some(problem) = name_problem(&f.path) {
            problems.push(file_problem(&f.path, problem, f.at));
            continue;
        }
        match normalize(&f.path) {
            Some(p) if p == f.path && !p.is_empty() => {}
            _ => {
                problems.push(file_problem(
                    &f.path,
                    format!(
                        "the path must be relative to the tree {tree:?}, without `..`, `.` or empty parts"
                    ),
                    f.at,
                ));
                continue;
            }
        }
        let any_name = matches!(f.content, FileContent::Verbatim(_));
        if !(any_name || f.path.ends_with(".yaml") || f.path.ends_with(".yml")) {
            problems.push(file_problem(
                &f.path,
                "the name must end in .yaml or .yml".into(),
                f.at,
            ));
        }
        if let Some(first) = seen.insert((f.tree, &f.path), f.at) {
            problems.push(Problem {
remedy: None,
                object: None,
                field: None,
                message: format!(
                    "file {:?} of tree {tree:?} is declared twice with different content (manifests, kustomization.yaml, or an upstream file)",
                    f.path
                ),
                sites: vec![("declared first", first), ("declared again", f.at)],
            });
        }
        if let FileContent::Manifests { .. } = f.content
            && !used[i]
        {
            problems.push(file_problem(
                &f.path,
                "no object is declared in it".into(),
                f.at,
            ));
        }
        paths[f.tree].insert(f.path.clone());
    }
    if cluster.trees.len() > 1 {
        nested_trees(cluster, problems);
    }
    unlisted_files(cluster, problems);
    paths
}

/// A file of objects in a folder that has a kustomization.yaml, listed by none of the
/// tree's kustomization.yaml files (its own, or a parent's naming `app/ks.yaml`): it renders,
/// but kustomize (and so Flux) never builds it.
fn unlisted_files(cluster: &Cluster, problems: &mut Vec<Problem>) {
    let mut folders: BTreeSet<(usize, &str)> = BTreeSet::new();
    let mut listed: BTreeSet<(usize, String)> = BTreeSet::new();
    for f in &cluster.files {
        if let FileContent::KustomizeConfig(config) = &f.content
            && let Some(dir) = f.path.strip_suffix("kustomization.yaml")
        {
            let dir = dir.trim_end_matches('/');
            folders.insert((f.tree, dir));
            for r in config.resource_files().chain(config.read_files()) {
                listed.insert((f.tree, r.path().to_owned()));
            }
            for p in config.resource_folders() {
                if let Some(p) = normalize(&join(dir, p)) {
                    listed.insert((f.tree, p));
                }
            }
        }
        // A kustomization carried as it is lists files too (a parent folder's may list a
        // file of a folder declared typed).
        let (dir, name) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
        if let FileContent::Verbatim(text) = &f.content
            && crate::kube_rules::KUSTOMIZATION_FILES.contains(&name)
            && let Ok(config) = serde_yaml::from_str::<serde_json::Value>(text)
        {
            for p in config["resources"].as_array().into_iter().flatten() {
                if let Some(p) = p.as_str().and_then(|p| normalize(&join(dir, p))) {
                    listed.insert((f.tree, p));
                }
            }
        }
    }
    if folders.is_empty() {
        return;
    }
    for f in &cluster.files {
        if !matches!(f.content, FileContent::Manifests { .. }) {
            continue;
        }
        let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
        if folders.contains(&(f.tree, dir)) && !listed.contains(&(f.tree, f.path.clone())) {
            problems.push(file_problem(
                &f.path,
                format!(
                    "is in folder {dir:?}, but no kustomization.yaml lists it (that folder's \
                     builds only what it lists): it would render, and kustomize and Flux \
                     would never build it; declare it with Cluster::folder_file (or list it \
                     in a kustomization.yaml's resources)"
                ),
                f.at,
            ));
        }
    }
}

/// Whether `paths` holds a path starting with `prefix`: the first path at or after it in
/// order tells, without a scan.
fn holds_below(paths: &BTreeSet<String>, prefix: &str) -> bool {
    paths
        .range::<str, _>((
            std::ops::Bound::Included(prefix),
            std::ops::Bound::Unbounded,
        ))
        .next()
        .is_some_and(|p| p.starts_with(prefix))
}

/// One file declared in two trees of the cluster, one inside the other: both would own it.
fn nested_trees(cluster: &Cluster, problems: &mut Vec<Problem>) {
    let mut full: HashMap<String, &crate::model::cluster::FileDecl> = HashMap::default();
    for f in &cluster.files {
        let path = join(&cluster.trees[f.tree].path, &f.path);
        if let Some(first) = full.get(path.as_str())
            && first.tree != f.tree
        {
            problems.push(Problem {
                remedy: None,
                object: None,
                field: None,
                message: format!(
                    "file {path:?} is declared in tree {:?} and in tree {:?}, which holds the \
                     other; both would own it: declare it once",
                    cluster.trees[first.tree].path, cluster.trees[f.tree].path
                ),
                sites: vec![("declared first", first.at), ("declared again", f.at)],
            });
            continue;
        }
        full.insert(path, f);
    }
}

/// The entries of one kustomization.yaml: files of its own tree and Cluster, and paths
/// that name something this program renders (`tree`: every rendered path of its tree).
fn kustomize_config(
    cluster: &Cluster,
    f: &crate::model::cluster::FileDecl,
    config: &crate::kustomize::config::KustomizeConfig,
    tree: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
    for (field, affix) in [
        ("namePrefix", &config.name_prefix),
        ("nameSuffix", &config.name_suffix),
    ] {
        if let Some(p) = affix
            .as_deref()
            .and_then(crate::kube_rules::name_affix_problem)
        {
            problems.push(file_problem(&f.path, format!("{field}: {p}"), f.at));
        }
    }
    for r in config.resource_files().chain(config.read_files()) {
        let same_tree = cluster
            .files
            .get(r.index())
            .is_some_and(|rf| rf.tree == f.tree && rf.path == r.path());
        if !same_tree {
            problems.push(file_problem(
                &f.path,
                format!(
                    "resource {:?} is a file of another tree or another Cluster",
                    r.path()
                ),
                f.at,
            ));
        }
    }
    for p in config.resource_folders() {
        if p.contains("://") || p.starts_with("git@") {
            continue;
        }
        // a path outside the tree is not ours to check
        if let Some(target) = normalize(&join(dir, p)) {
            let prefix = format!("{target}/");
            if !tree.contains(&target) && !holds_below(tree, &prefix) {
                problems.push(file_problem(
                    &f.path,
                    format!("resource {p:?} names nothing this program renders"),
                    f.at,
                ));
            }
        }
    }
}

/// Who an object is for lookups: API group, kind, namespace, name.
pub(crate) type Id<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

/// A declared object: where, and its index in the cluster's objects (none for a bootstrap
/// Secret or an object of another part of the repository).
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) at: &'static Location<'static>,
    index: Option<usize>,
    /// The target the declaration's handle names: a handle with the same key but another
    /// target was made by another declaration (another Cluster's).
    target: Arc<Target>,
}

impl Seen {
    fn object(target: &Arc<Target>, index: usize) -> Seen {
        Seen {
            at: target.at,
            index: Some(index),
            target: Arc::clone(target),
        }
    }
    fn elsewhere(target: &Arc<Target>) -> Seen {
        Seen {
            at: target.at,
            index: None,
            target: Arc::clone(target),
        }
    }
    /// The same, seen from another part of the repository.
    fn seen_elsewhere(&self) -> Seen {
        Seen::elsewhere(&self.target)
    }
}

/// Names and namespaces of objects not built with fluxdsl's checked types, and
/// duplicates; returns every declared object (and bootstrap Secret) with its site.
/// A manifest in a verbatim YAML file that is also declared as an object: Flux would get
/// it twice from one build (kustomize refuses that: "may not add resource with an already
/// registered id"). SOPS documents are objects already, and not looked at here.
fn verbatim_duplicates(
    cluster: &Cluster,
    declared: &HashMap<Id<'_>, Seen>,
    problems: &mut Vec<Problem>,
) {
    use serde::Deserialize;
    for f in cluster.files.iter().filter(|f| !f.unapplied) {
        let FileContent::Verbatim(text) = &f.content else {
            continue;
        };
        if !(f.path.ends_with(".yaml") || f.path.ends_with(".yml")) || !text.contains("kind:") {
            continue;
        }
        for document in serde_yaml::Deserializer::from_str(text) {
            let Ok(doc) = serde_json::Value::deserialize(document) else {
                break; // not YAML fluxdsl reads; carried as it is
            };
            if doc.get("sops").is_some() {
                continue;
            }
            let (Some(api_version), Some(kind), Some(name)) = (
                doc["apiVersion"].as_str(),
                doc["kind"].as_str(),
                doc.pointer("/metadata/name").and_then(|n| n.as_str()),
            ) else {
                continue;
            };
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let namespace = doc.pointer("/metadata/namespace").and_then(|n| n.as_str());
            if let Some(seen) = declared.get(&(group, kind, namespace, name)) {
                let shown = namespace.map_or(name.to_owned(), |ns| format!("{ns}/{name}"));
                problems.push(Problem {
                    remedy: None,
                    object: None,
                    field: None,
                    message: format!(
                        "file {:?} holds {kind} {shown}, which is also declared as an object: \
                         Flux would get it twice; keep one",
                        f.path
                    ),
                    sites: vec![("object declared", seen.at), ("file declared", f.at)],
                });
            }
        }
    }
}

/// A file declared where fluxdsl writes the `configurations` of a folder's generators
/// (`kustomizeconfig.yaml`): render would replace one with the other.
fn generated_configurations(cluster: &Cluster, problems: &mut Vec<Problem>) {
    use crate::kustomize::config::NAME_REFERENCES;
    let dirs: BTreeSet<&str> = cluster
        .generators
        .iter()
        .map(|(d, _, _)| d.as_str())
        .collect();
    for f in cluster.files.iter().filter(|f| f.tree == 0) {
        let (dir, name) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
        if name == NAME_REFERENCES && dirs.contains(dir) {
            problems.push(file_problem(
                &f.path,
                format!(
                    "is where fluxdsl writes the configurations that put the names of the \
                     ConfigMaps and Secrets {dir:?} generates into Flux's fields; this file \
                     would replace them (or they it): name it otherwise"
                ),
                f.at,
            ));
        }
    }
}

/// The name a folder's `namePrefix`/`nameSuffix` gives `o` (its handle's), if it is one
/// the API server or Flux refuses: a Flux object's name is at most 63 characters (the
/// controllers write it into label values), any other's follows its kind's rule.
fn renamed_problem(cluster: &Cluster, o: &crate::model::cluster::Declared) -> Option<Problem> {
    let folder = cluster.files[o.file].folder?;
    let FileContent::KustomizeConfig(config) = &cluster.files[folder].content else {
        return None;
    };
    if config.name_prefix.is_none() && config.name_suffix.is_none() {
        return None;
    }
    let key = o.key();
    let name = key.name.as_str();
    let problem = if key.group().ends_with(".fluxcd.io") && !crate::values::holds_variable(name) {
        crate::values::Name::check(name).map(|p| p.describe().to_owned())
    } else {
        crate::kube_rules::name_problem(key.kind, name)
    }?;
    Some(Problem {
        remedy: None,
        object: Some(key.clone()),
        field: Some("metadata.name"),
        message: format!(
            "{name:?}, the name the namePrefix/nameSuffix of {} gives it: {problem}",
            cluster.files[folder].path
        ),
        sites: vec![
            ("declared", o.at()),
            ("folder declared", cluster.files[folder].at),
        ],
    })
}

fn objects<'c>(cluster: &'c Cluster, problems: &mut Vec<Problem>) -> HashMap<Id<'c>, Seen> {
    let mut seen: HashMap<Id<'c>, Seen> = HashMap::with_capacity_and_hasher(
        cluster.objects.len() + cluster.bootstrap.len(),
        Default::default(),
    );
    for (index, o) in cluster
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.patch_only)
    {
        for (field, message) in o.object.kube_problems() {
            if message.contains(crate::kube_rules::FLOATING_IMAGE)
                && cluster
                    .floating_images
                    .iter()
                    .any(|(t, _)| Arc::ptr_eq(t, &o.target))
            {
                continue;
            }
            if crate::sops::may_opt_in(&message) && cluster.allows_secret_in_clear(&o.target) {
                continue;
            }
            problems.push(Problem {
                remedy: None,
                object: Some(o.key().clone()),
                field: None,
                message: format!("{field}: {message}"),
                sites: vec![("declared", o.at())],
            });
        }
        if o.key().name.is_empty() {
            problems.push(Problem {
                remedy: None,
                object: Some(o.key().clone()),
                field: Some("metadata.name"),
                message: "is empty".into(),
                sites: vec![("declared", o.at())],
            });
        }
        if let Some(problem) = renamed_problem(cluster, o) {
            problems.push(problem);
        }
        if let Some(ns) = &o.key().namespace
            && NamespaceName::check(ns).is_some()
            && let Err(e) = match crate::values::holds_variable(ns) {
                false => NamespaceName::new(ns.as_ref()),
                true => NamespaceName::with_variables(ns.as_ref()),
            }
        {
            problems.push(Problem {
                remedy: None,
                object: Some(o.key().clone()),
                field: Some("metadata.namespace"),
                message: e.to_string(),
                sites: vec![("declared", o.at())],
            });
        }
        let id = (
            o.key().group(),
            o.key().kind,
            o.key().namespace.as_deref(),
            o.key().name.as_str(),
        );
        if let Some(first) = seen.insert(id, Seen::object(&o.target, index)) {
            let first = first.at;
            problems.push(Problem {
                remedy: None,
                object: Some(o.key().clone()),
                field: None,
                message: "is declared twice".into(),
                sites: vec![("declared first", first), ("declared again", o.at())],
            });
        }
    }
    for (secret, target) in &cluster.bootstrap {
        let at = target.at;
        let id = (
            "",
            "Secret",
            Some(secret.namespace().as_str()),
            secret.name().as_str(),
        );
        if let Some(Seen { at: first, .. }) = seen.insert(id, Seen::elsewhere(target)) {
            problems.push(Problem {
                remedy: None,
                object: Some(ObjectKey {
                    api_version: "v1",
                    kind: "Secret",
                    namespace: Some(secret.namespace().to_cow()),
                    name: secret.name().as_str().to_owned(),
                }),
                field: None,
                message: "is declared twice (a bootstrap Secret is created by apply, not rendered)"
                    .into(),
                sites: vec![("declared first", first), ("declared again", at)],
            });
        }
    }
    seen
}

fn same_object(a: &ObjectKey, b: &ObjectKey) -> bool {
    a.group() == b.group() && a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
}

/// ConfigMaps and Secrets generated with handles: their folder has a kustomization.yaml,
/// their files are declared, their namespace is the one that kustomization.yaml sets, and
/// every object that refers to one is built by that kustomization when kustomize changes
/// the name (a content hash, a prefix or suffix): only there is the reference rewritten.
fn generators(cluster: &Cluster, problems: &mut Vec<Problem>) {
    for (dir, generator, target) in &cluster.generators {
        let refuse = |message: String| Problem {
            remedy: None,
            object: Some(target.key.clone()),
            field: None,
            message,
            sites: vec![("generator declared", target.at)],
        };
        let Some(config) = cluster.kustomize_config_of(dir) else {
            problems.push(refuse(format!(
                "is generated in folder {dir:?}, which has no kustomization.yaml; declare one \
                 with Cluster::kustomize_folder"
            )));
            continue;
        };
        let in_clear_allowed = cluster.allows_secret_in_clear(target);
        for file in generator.inputs() {
            match cluster.files.iter().find(|f| f.tree == 0 && f.path == file) {
                None => problems.push(refuse(format!(
                    "is generated from {file:?}, which this program does not declare"
                ))),
                Some(f) if matches!(generator, Generator::Secret(_)) && !in_clear_allowed => {
                    let encrypted = match &f.content {
                        FileContent::Verbatim(text) => crate::sops::is_encrypted_file(file, text),
                        _ => false,
                    };
                    if !encrypted {
                        problems.push(Problem {
                            remedy: None,
                            field: Some("secretGenerator"),
                            ..refuse(crate::sops::clear_input(file))
                        });
                    }
                }
                Some(_) => {}
            }
        }
        if let Generator::Secret(g) = generator
            && !g.literals.is_empty()
            && !in_clear_allowed
        {
            let keys: Vec<&str> = g
                .literals
                .iter()
                .map(|l| l.split_once('=').map_or(l.as_str(), |(k, _)| k))
                .collect();
            problems.push(Problem {
                remedy: None,
                field: Some("secretGenerator"),
                ..refuse(crate::sops::clear_literals(&keys))
            });
        }
        if let Some(ns) = &config.namespace
            && generator.namespace().map(String::as_str) != Some(ns.as_str())
        {
            problems.push(refuse(format!(
                "the kustomization.yaml of {dir:?} sets namespace {:?}, where kustomize puts \
                 what it generates, but its handle says {:?}; declare the folder before the \
                 generator (Cluster::kustomize_folder) or name no other namespace",
                ns.as_str(),
                generator.namespace().map_or("none", String::as_str),
            )));
        }
        let renamed = generator.hashed(config)
            || config.name_prefix.is_some()
            || config.name_suffix.is_some();
        if !renamed {
            continue;
        }
        for o in &cluster.objects {
            let refers = o
                .references()
                .iter()
                .any(|r| Arc::ptr_eq(&r.target, target));
            if refers && !config.resource_files().any(|r| r.index() == o.file) {
                problems.push(Problem {
                    remedy: None,
                    object: Some(o.key().clone()),
                    field: None,
                    message: format!(
                        "refers to {}, which the kustomization.yaml of {dir:?} generates under \
                         another name (a content hash, a prefix or suffix); only objects in \
                         that kustomization's resources get the name rewritten, so list {:?} \
                         there",
                        target.key, cluster.files[o.file].path
                    ),
                    sites: vec![("declared", o.at()), ("generator declared", target.at)],
                });
            }
        }
    }
}

/// One reference between two objects of the cluster: (from, to, field).
type Edge = (usize, usize, &'static str);

/// Checks every handle; returns the references between objects of this cluster, for
/// [`cycles`].
fn references(
    cluster: &Cluster,
    declared: &HashMap<Id<'_>, Seen>,
    repository: Option<&RepositoryContext>,
    problems: &mut Vec<Problem>,
) -> Vec<Edge> {
    let mut edges = Vec::new();
    for (i, o) in cluster.objects.iter().enumerate() {
        for r in &o.references() {
            let t = &r.target;
            let problem = |message: String| Problem {
                remedy: None,
                object: Some(o.key().clone()),
                field: Some(r.field),
                message,
                sites: vec![
                    ("declared", o.at()),
                    (
                        match t.origin {
                            Origin::Declared => "referenced object declared",
                            Origin::Existing => "referenced object imported",
                            Origin::Generated => "referenced artifact named",
                            Origin::Instance => "referenced instance named",
                            Origin::Local => "referenced local object named",
                        },
                        t.at,
                    ),
                ],
            };
            if same_object(o.key(), &t.key) {
                problems.push(problem("refers to the object itself".into()));
                continue;
            }
            let key = (
                t.key.group(),
                t.key.kind,
                t.key.namespace.as_deref(),
                t.key.name.as_str(),
            );
            match declared.get(&key) {
                Some(seen) if t.origin == Origin::Declared && !Arc::ptr_eq(&seen.target, t) => {
                    problems.push(Problem {
                        remedy: None,
                        sites: vec![
                            ("declared", o.at()),
                            ("the handle's object declared", t.at),
                            ("this cluster's declaration", seen.at),
                        ],
                        ..problem(format!(
                            "refers to {} through a handle another Cluster's declaration \
                             returned; this cluster declares its own {0}: use the handle that \
                             declaration returns",
                            t.key
                        ))
                    });
                    if let Some(j) = seen.index {
                        edges.push((i, j, r.field));
                    }
                }
                Some(Seen { index: Some(j), .. }) => edges.push((i, *j, r.field)),
                Some(_) => {}
                None if t.origin == Origin::Declared => problems.push(problem(format!(
                    "refers to {} whose handle comes from another Cluster; declare it in this one",
                    t.key
                ))),
                None if t.origin == Origin::Existing
                    && !t.outside
                    && t.key.group().ends_with(".toolkit.fluxcd.io")
                    && !repository.is_some_and(|r| r.flux_objects.contains(&key)) =>
                {
                    problems.push(problem(undeclared_flux_object(&t.key, declared)))
                }
                None => {}
            }
            if let Some(message) = generated_artifact(cluster, t) {
                problems.push(problem(message));
            }
            let cross = t.key.namespace.is_some() && t.key.namespace != o.key().namespace;
            match r.rule {
                RefRule::SameNamespace if cross => problems.push(problem(format!(
                    "must name an object in its own namespace {:?} (Flux reads it as a local reference), but {} is in {:?}",
                    o.key().namespace.as_deref().unwrap_or(""),
                    t.key,
                    t.key.namespace.as_deref().unwrap_or("")
                ))),
                RefRule::CrossNamespaceAllowed | RefRule::AccessFrom
                    if cross && !cluster.cross_namespace_refs =>
                {
                    problems.push(problem(format!(
                        "refers to {} in another namespace, and this cluster forbids cross-namespace references",
                        t.key
                    )))
                }
                RefRule::AccessFrom if cross => {
                    if let Some(Seen { index: Some(j), .. }) = declared.get(&key) {
                        let holder = o.key().namespace.as_deref().unwrap_or_default();
                        if let Some(message) = access_denied(cluster, *j, holder) {
                            problems.push(problem(message));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    edges
}

/// Why a `Ref::existing` handle to a Flux object that nothing declares is refused, with
/// the declared objects of its kind whose names are closest.
fn undeclared_flux_object(key: &ObjectKey, declared: &HashMap<Id<'_>, Seen>) -> String {
    let wanted = format!("{}/{}", key.namespace.as_deref().unwrap_or(""), key.name);
    let mut near: Vec<(usize, String)> = declared
        .keys()
        .filter(|(group, kind, _, _)| *group == key.group() && *kind == key.kind)
        .map(|(_, _, ns, name)| format!("{}/{name}", ns.unwrap_or("")))
        .map(|candidate| (strsim::levenshtein(&wanted, &candidate), candidate))
        .filter(|(distance, _)| *distance <= (wanted.len() / 3).max(2))
        .collect();
    near.sort();
    let hint = match near.first() {
        Some((_, closest)) => format!(" (did you mean {closest}?)"),
        None => String::new(),
    };
    format!(
        "refers to {key} with Ref::existing, but no part of the repository declares \
         it{hint}; name an object that another repository or a person manages with \
         Ref::outside_repository"
    )
}

/// Why the declared object `target` does not admit references from namespace `holder`
/// (Flux's ACL): it has no `spec.accessFrom`, or none of its namespace selectors matches
/// the labels of `holder` (as declared, with the `kubernetes.io/metadata.name` label the
/// API server adds). A namespace this cluster does not declare may carry labels it cannot
/// see, so there a selector that does not match is not held against the reference.
fn access_denied(cluster: &Cluster, target: usize, holder: &str) -> Option<String> {
    let object = &cluster.objects[target];
    let json = object.object.to_json().ok()?;
    let Some(selectors) = json["spec"]["accessFrom"]["namespaceSelectors"].as_array() else {
        return Some(format!(
            "refers to {} in another namespace, which Flux allows only when its spec.accessFrom \
             admits namespace {holder:?}; it has no accessFrom",
            object.key()
        ));
    };
    let declared = cluster.objects.iter().find(|n| {
        n.key().kind == "Namespace" && n.key().group().is_empty() && n.key().name == holder
    });
    let mut labels: BTreeMap<String, String> = declared
        .and_then(|n| n.object.to_json().ok())
        .and_then(|n| serde_json::from_value(n["metadata"]["labels"].clone()).ok())
        .unwrap_or_default();
    labels.insert("kubernetes.io/metadata.name".into(), holder.to_owned());
    let admitted = selectors.iter().any(|s| {
        s["matchLabels"].as_object().is_some_and(|wanted| {
            wanted
                .iter()
                .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
        })
    });
    (!admitted && declared.is_some()).then(|| {
        format!(
            "refers to {} in another namespace, whose spec.accessFrom admits no namespace with \
             the labels of {holder:?} ({})",
            object.key(),
            labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// The Flux API a cluster is pinned to and the Flux it installs (`flux_components`) are
/// one release: otherwise it writes kinds at versions the installed controllers may not
/// serve (HelmRelease `v2beta1` under Flux v2.9).
fn pins_agree(cluster: &Cluster, problems: &mut Vec<Problem>) {
    let Some((api, pinned_at)) = &cluster.flux_api else {
        return;
    };
    let Some(release) = api.release() else {
        return;
    };
    for f in &cluster.files {
        if let FileContent::Upstream { pin: Some(pin), .. } = &f.content
            && pin.version != release
        {
            problems.push(Problem {
                remedy: None,
                object: None,
                field: None,
                message: format!(
                    "the cluster's Flux API is pinned to {} ({release}), but it installs Flux \
                     {} ({:?}): it would write each Flux kind at a version of {release}, which \
                     {} may not serve; pin the API from the CRDs of the release it installs \
                     (FluxApi::from_crds on that gotk-components.yaml)",
                    api.label(),
                    pin.version,
                    f.path,
                    pin.version
                ),
                sites: vec![
                    (crate::model::flux_api::PIN_SITE, pinned_at),
                    ("Flux installed", f.at),
                ],
            });
        }
    }
}

/// What the CRD schemas the cluster knows refuse: those of its pinned Flux API
/// (`Cluster::flux_api`) and those of the CustomResourceDefinitions it declares, each
/// checking the objects of its kinds; and `extra_spec` fields, which need the pinned API.
/// The schemas of the CustomResourceDefinitions `cluster` declares, if it declares any.
fn declared_api(cluster: &Cluster) -> Option<crate::model::flux_api::FluxApi> {
    let crds: Vec<serde_json::Value> = cluster
        .objects
        .iter()
        .filter(|o| {
            o.key().kind == "CustomResourceDefinition" && o.key().group() == "apiextensions.k8s.io"
        })
        .filter_map(|o| o.object.to_json().ok())
        .collect();
    if crds.is_empty() {
        return None;
    }
    crate::model::flux_api::FluxApi::from_crd_values("the CRD this program declares", crds.iter())
        .ok()
}

/// What the CRDs `cluster` declares and its pinned Flux API say of `json`, each problem
/// with its field.
pub(crate) fn schema_problems(
    cluster: &Cluster,
    json: &serde_json::Value,
) -> Vec<(String, String)> {
    let mut out = declared_api(cluster)
        .map(|api| api.object_problems(json))
        .unwrap_or_default();
    if let Some((api, _)) = &cluster.flux_api {
        out.extend(api.object_problems(json));
    }
    out
}

fn schemas(cluster: &Cluster, problems: &mut Vec<Problem>) {
    let declared = declared_api(cluster);
    let pinned = cluster.flux_api.as_ref();
    for o in cluster.objects.iter().filter(|o| !o.patch_only) {
        let refuse =
            |field: String, message: String, site: Option<&'static Location<'static>>| Problem {
                remedy: None,
                object: Some(o.key().clone()),
                field: None,
                message: format!("{field}: {message}"),
                sites: std::iter::once(("declared", o.at()))
                    .chain(site.map(|at| (crate::model::flux_api::PIN_SITE, at)))
                    .collect(),
            };
        if let Some(extra) = o.object.extra_spec_problems() {
            if pinned.is_none() {
                problems.push(refuse(
                    "spec".into(),
                    "has fields given with extra_spec, which only a cluster whose Flux API is \
                     pinned (Cluster::flux_api) can check against the CRD's schema; pin it first"
                        .into(),
                    None,
                ));
            }
            for (field, message) in extra {
                problems.push(refuse(format!("{field} (extra_spec)"), message, None));
            }
        }
        if declared.is_none() && pinned.is_none() {
            continue;
        }
        let Ok(json) = o.object.to_json() else {
            continue;
        };
        if let Some(declared) = &declared
            && o.key().kind != "CustomResourceDefinition"
        {
            for (field, message) in declared.object_problems(&json) {
                problems.push(refuse(field, message, None));
            }
        }
        if let Some((api, at)) = pinned {
            for (field, message) in api.object_problems(&json) {
                problems.push(refuse(field, message, Some(at)));
            }
        }
    }
}

/// With a default ServiceAccount (`Cluster::default_service_account`): each Kustomization
/// and HelmRelease outside `flux-system` that names none is reconciled as that
/// ServiceAccount of its namespace, which must be declared or imported.
fn default_service_accounts(
    cluster: &Cluster,
    declared: &HashMap<Id<'_>, Seen>,
    problems: &mut Vec<Problem>,
) {
    let Some(account) = &cluster.default_service_account else {
        return;
    };
    if account.as_str() == "default" {
        // Kubernetes creates the ServiceAccount `default` in every namespace.
        return;
    }
    let imported: Vec<crate::object::ObjectKey> = cluster
        .objects
        .iter()
        .flat_map(|o| o.references())
        .filter(|r| r.target.origin == Origin::Existing)
        .map(|r| r.target.key.clone())
        .collect();
    for o in &cluster.objects {
        let key = o.key();
        let reconciled = matches!(
            (key.group(), key.kind),
            ("kustomize.toolkit.fluxcd.io", "Kustomization")
                | ("helm.toolkit.fluxcd.io", "HelmRelease")
        );
        let namespace = key.namespace.as_deref().unwrap_or("");
        if !reconciled || namespace == "flux-system" {
            continue;
        }
        if o.references()
            .iter()
            .any(|r| r.field == "spec.serviceAccountName")
        {
            continue;
        }
        let sa = ("", "ServiceAccount", Some(namespace), account.as_str());
        let known = declared.contains_key(&sa)
            || imported.iter().any(|k| {
                k.kind == "ServiceAccount"
                    && k.namespace.as_deref() == Some(namespace)
                    && k.name == account.as_str()
            });
        if !known {
            problems.push(Problem {
                remedy: None,
                object: Some(key.clone()),
                field: Some("spec.serviceAccountName"),
                message: format!(
                    "is not set, so Flux reconciles it as the default ServiceAccount {:?} of \
                     namespace {namespace:?}, which this program does not declare; declare it \
                     (or name one with .service_account_name(..))",
                    account.as_str()
                ),
                sites: vec![("declared", o.at())],
            });
        }
    }
}

/// Refuses every cycle of references between objects (a `dependsOn` loop, also through a
/// `Ref::existing` handle that names a declared object), naming each member and where it
/// was declared. Flux would wait forever on such a loop.
fn cycles(cluster: &Cluster, mut edges: Vec<Edge>, problems: &mut Vec<Problem>) {
    if edges.is_empty() {
        return;
    }
    // Edges grouped by their source: those of object `i` are edges[start[i]..start[i + 1]].
    edges.sort_unstable_by_key(|e| e.0);
    let n = cluster.objects.len();
    let mut start = vec![0; n + 1];
    for e in &edges {
        start[e.0 + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    // Depth-first search; a reference to an object still on the path closes a cycle.
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; n];
    let mut found: Vec<Vec<usize>> = Vec::new();
    for root in 0..n {
        if state[root] != NEW || start[root] == start[root + 1] {
            continue;
        }
        // (object, next edge to follow)
        let mut path: Vec<(usize, usize)> = vec![(root, start[root])];
        state[root] = ON_PATH;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if *next == start[node + 1] {
                state[node] = DONE;
                path.pop();
                continue;
            }
            let (_, to, _) = edges[*next];
            *next += 1;
            match state[to] {
                NEW => {
                    state[to] = ON_PATH;
                    path.push((to, start[to]));
                }
                ON_PATH => {
                    let from = path.iter().position(|(m, _)| *m == to).unwrap_or(0);
                    found.push(path[from..].iter().map(|(m, _)| *m).collect());
                }
                _ => {}
            }
        }
    }
    for members in found {
        let field = |a: usize, b: usize| {
            edges[start[a]..start[a + 1]]
                .iter()
                .find(|e| e.1 == b)
                .map_or("", |e| e.2)
        };
        let mut chain = String::new();
        for (k, &m) in members.iter().enumerate() {
            let next = members[(k + 1) % members.len()];
            chain.push_str(&format!(
                "{} --{}--> ",
                cluster.objects[m].key(),
                field(m, next)
            ));
        }
        chain.push_str(&cluster.objects[members[0]].key().to_string());
        problems.push(Problem {
            remedy: None,
            object: Some(cluster.objects[members[0]].key().clone()),
            field: None,
            message: format!("is part of a reference cycle, which Flux can never resolve: {chain}"),
            sites: members
                .iter()
                .map(|&m| ("member declared", cluster.objects[m].at()))
                .collect(),
        });
    }
}

/// An ExternalArtifact declared where an ArtifactGenerator of this cluster produces one of
/// that name: source-watcher writes and owns it, so a second writer would fight it.
fn produced_artifacts(cluster: &Cluster, problems: &mut Vec<Problem>) {
    for generator in &cluster.objects {
        let checks = generator.object.checks();
        let Some(names) = checks.iter().find_map(|c| match c {
            Check::Generates(names) => Some(names),
            _ => None,
        }) else {
            continue;
        };
        for artifact in &cluster.objects {
            let key = artifact.key();
            if key.kind == "ExternalArtifact"
                && key.group() == "source.toolkit.fluxcd.io"
                && key.namespace == generator.key().namespace
                && names.contains(&key.name)
            {
                problems.push(Problem {
                    remedy: None,
                    object: Some(key.clone()),
                    field: None,
                    message: format!(
                        "is produced by {}, which writes and owns it; use the generator's \
                         handle (generator.artifact(name)) instead of declaring it",
                        generator.key()
                    ),
                    sites: vec![
                        ("declared", artifact.at()),
                        ("generator declared", generator.at()),
                    ],
                });
            }
        }
    }
}

/// A handle to an artifact named through its generator: the generator must be declared
/// here and list that artifact.
fn generated_artifact(cluster: &Cluster, t: &crate::object::Target) -> Option<String> {
    let generator = t.generated_by.as_ref()?;
    let produced = cluster
        .objects
        .iter()
        .find(|g| same_object(g.key(), generator))
        .map(|g| {
            g.object
                .checks()
                .iter()
                .any(|c| matches!(c, Check::Generates(names) if names.contains(&t.key.name)))
        });
    match produced {
        None => Some(format!(
            "refers to {} of {generator}, which this cluster does not declare",
            t.key
        )),
        Some(false) => Some(format!(
            "refers to {}, but {generator} produces no artifact of that name",
            t.key
        )),
        Some(true) => None,
    }
}

fn checks(cluster: &Cluster, rendered: &[&BTreeSet<String>], problems: &mut Vec<Problem>) {
    // Kustomization paths are checked only against trees this program renders for a source.
    let paths = cluster.trees.iter().any(|t| !t.sources.is_empty());
    for o in &cluster.objects {
        for check in &o.object.checks() {
            if let Check::ReadsKey { field, source, key } = check {
                problems.extend(read_key(cluster, o, field, source, key));
                continue;
            }
            if !paths {
                continue;
            }
            let (field, source, path) = match check {
                Check::KustomizationPath { source, path } => ("spec.path", source, path),
                Check::RepositoryPath {
                    field,
                    source,
                    path,
                } => (*field, source, path),
                _ => continue,
            };
            if let Some(p) = kustomization_path(cluster, o, (field, source, path), rendered) {
                problems.push(p);
            }
        }
    }
}

/// A key an object reads (a HelmRelease's `valuesFrom`) must be one its ConfigMap or Secret
/// holds, where this program knows its keys (declared, or generated from files and
/// literals it holds).
fn read_key(
    cluster: &Cluster,
    o: &crate::model::cluster::Declared,
    field: &'static str,
    source: &Arc<crate::object::Target>,
    key: &str,
) -> Option<Problem> {
    let keys = crate::model::substitution::keys_of(std::iter::once(cluster), source)?;
    if keys.contains(key) {
        return None;
    }
    let held: Vec<&str> = keys.iter().map(String::as_str).collect();
    Some(Problem {
        remedy: None,
        object: Some(o.key().clone()),
        field: Some(field),
        message: format!(
            "reads key {key:?} of {}, which holds {}: helm-controller fails the release for \
             the missing key; name one of its keys with .key(..), or mark it .optional()",
            source.key,
            if held.is_empty() {
                "no keys".to_owned()
            } else {
                format!("only {}", held.join(", "))
            }
        ),
        sites: vec![("declared", o.at()), ("source declared", source.at)],
    })
}

/// A Kustomization's `path` (or another `field` naming a path of its source) into a tree
/// this program renders must name a folder with rendered files (a path into any other
/// repository is not ours to check).
fn kustomization_path(
    cluster: &Cluster,
    o: &crate::model::cluster::Declared,
    (field, source, path): (&'static str, &Arc<crate::object::Target>, &str),
    rendered: &[&BTreeSet<String>],
) -> Option<Problem> {
    let tree = cluster
        .trees
        .iter()
        .position(|t| t.sources.iter().any(|s| Arc::ptr_eq(s, source)))?;
    let decl = &cluster.trees[tree];
    let problem = |message: String| Problem {
        remedy: None,
        object: Some(o.key().clone()),
        field: Some(field),
        message,
        sites: vec![
            ("declared", o.at()),
            ("source declared", source.at),
            ("tree declared", decl.at),
        ],
    };
    // kustomize-controller joins the path to the artifact's root (securejoin): a leading
    // `/` is that root, as in flux-local's cluster7.
    let Some(p) = normalize(path.trim_start_matches('/')) else {
        return Some(problem(format!("{path:?} leaves the repository")));
    };
    let root = decl.repo_path.as_str();
    let rel = if p == root {
        String::new()
    } else if root.is_empty() {
        p.clone()
    } else {
        p.strip_prefix(&format!("{root}/"))?.to_owned()
    };
    let prefix = if rel.is_empty() {
        String::new()
    } else {
        format!("{rel}/")
    };
    (!holds_below(rendered[tree], &prefix)).then(|| {
        problem(format!(
            "{path:?} points into the tree this program renders at {:?}, but nothing is rendered in {}",
            decl.path,
            join(&decl.path, &rel)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize("./k8s/flux/").as_deref(), Some("k8s/flux"));
        assert_eq!(normalize("a/../b").as_deref(), Some("b"));
        assert_eq!(normalize("../b"), None);
        assert_eq!(normalize("/abs"), None);
    }
}
