//! What Flux will apply: for every Flux Kustomization whose source is this repository, the
//! objects its path brings in — through the path's kustomization.yaml, or the one Flux
//! generates when there is none — and the checks that need that answer.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::Location;
use std::sync::Arc;

use crate::error::Problem;
use crate::model::cluster::{Cluster, FileContent, join};
use crate::object::{Check, ObjectKey, Origin, Target};

/// A rendered file of the repository: (tree's local path, path in the tree).
type FileId = (String, String);

/// Every file the repository renders, with what it is.
struct Files {
    /// The kustomization.yaml files: file → (folder-relative resource entries).
    configs: rustc_hash::FxHashMap<FileId, Vec<String>>,
    /// Every rendered path by tree.
    paths: BTreeMap<String, BTreeSet<String>>,
    /// The declarations of each rendered file: (part, file index).
    decls: rustc_hash::FxHashMap<FileId, Vec<(usize, usize)>>,
    /// Declared objects by the file they are in, (part, file index) → (part, object index).
    objects: rustc_hash::FxHashMap<(usize, usize), Vec<(usize, usize)>>,
    /// The kustomization.yaml files that change namespaces or names, with their changes.
    transforms: BTreeMap<FileId, Transform>,
    /// The tree each source fetches (its address → (tree's local path, path in its
    /// repository)): found once, not by a walk over every part per Kustomization.
    source_trees: rustc_hash::FxHashMap<usize, (String, String)>,
}

/// What a kustomization.yaml does to every object it builds.
struct Transform {
    namespace: Option<String>,
    prefix: String,
    suffix: String,
    /// (part, file index) of the kustomization.yaml.
    decl: (usize, usize),
}

impl Files {
    fn of(parts: &[PartView]) -> Files {
        let mut files = Files {
            configs: Default::default(),
            paths: BTreeMap::new(),
            decls: Default::default(),
            objects: Default::default(),
            transforms: BTreeMap::new(),
            source_trees: Default::default(),
        };
        for (p, part) in parts.iter().enumerate() {
            let cluster = part.cluster;
            for tree in &cluster.trees {
                for source in &tree.sources {
                    files
                        .source_trees
                        .entry(Arc::as_ptr(source) as usize)
                        .or_insert_with(|| (tree.path.clone(), tree.repo_path.clone()));
                }
            }
            for (fi, f) in cluster.files.iter().enumerate() {
                let tree = cluster.trees[f.tree].path.clone();
                files
                    .decls
                    .entry((tree.clone(), f.path.clone()))
                    .or_default()
                    .push((p, fi));
                files
                    .paths
                    .entry(tree.clone())
                    .or_default()
                    .insert(f.path.clone());
                if let FileContent::KustomizeConfig(config) = &f.content {
                    let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
                    let entries = config
                        .resource_files()
                        .map(|r| r.path().to_owned())
                        .chain(
                            config
                                .resource_folders()
                                .filter_map(|e| normalize(&join(dir, e))),
                        )
                        .chain(config.component_dirs().cloned())
                        .collect();
                    if config.namespace.is_some()
                        || config.name_prefix.is_some()
                        || config.name_suffix.is_some()
                    {
                        let transform = Transform {
                            namespace: config.namespace.as_ref().map(|n| n.as_str().to_owned()),
                            prefix: config.name_prefix.clone().unwrap_or_default(),
                            suffix: config.name_suffix.clone().unwrap_or_default(),
                            decl: (p, fi),
                        };
                        files
                            .transforms
                            .insert((tree.clone(), f.path.clone()), transform);
                    }
                    files.configs.insert((tree, f.path.clone()), entries);
                } else if let FileContent::Verbatim(text) = &f.content
                    && f.path.rsplit('/').next() == Some("kustomization.yaml")
                    && let Some((entries, transform)) = carried_config(&f.path, text)
                {
                    if let Some((namespace, prefix, suffix)) = transform {
                        files.transforms.insert(
                            (tree.clone(), f.path.clone()),
                            Transform {
                                namespace,
                                prefix,
                                suffix,
                                decl: (p, fi),
                            },
                        );
                    }
                    files.configs.insert((tree, f.path.clone()), entries);
                }
            }
            for (i, o) in cluster.objects.iter().enumerate() {
                if !o.patch_only {
                    files.objects.entry((p, o.file)).or_default().push((p, i));
                }
            }
        }
        files
    }

    /// The files a Kustomization with `path` (in `tree`) applies.
    /// `None` when a kustomization.yaml on the way is carried as text (a verbatim file,
    /// as an import writes them) that this model cannot follow (a remote resource, YAML
    /// that does not parse): the effective state's build, which reads it, decides.
    fn applied(&self, tree: &str, path: &str) -> Option<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        if let Some(dir) = normalize(path) {
            self.folder(tree, &dir, &mut out, 0)?;
        }
        Some(out)
    }

    fn folder(
        &self,
        tree: &str,
        dir: &str,
        out: &mut BTreeSet<String>,
        depth: usize,
    ) -> Option<()> {
        if depth > 32 {
            return Some(()); // a resource loop; kustomize refuses it itself
        }
        let config = join(dir, "kustomization.yaml");
        if let Some(entries) = self.configs.get(&(tree.to_owned(), config.clone())) {
            for entry in entries {
                if self.is_file(tree, entry) {
                    out.insert(entry.clone());
                } else {
                    self.folder(tree, entry, out, depth + 1)?;
                }
            }
            return Some(());
        }
        if self.paths.get(tree).is_some_and(|p| p.contains(&config)) {
            return None; // carried as text this model cannot follow
        }
        // Flux generates a kustomization.yaml taking every manifest below, and a folder
        // with a kustomization.yaml of its own through it.
        let Some(paths) = self.paths.get(tree) else {
            return Some(());
        };
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut subfolders = BTreeSet::new();
        for p in paths
            .range(prefix.clone()..)
            .take_while(|p| p.starts_with(&prefix))
        {
            let rest = &p[prefix.len()..];
            // the nearest folder below `dir` on the way that has a kustomization.yaml
            let owner = rest
                .match_indices('/')
                .map(|(i, _)| format!("{prefix}{}", &rest[..i]))
                .find(|d| paths.contains(&join(d, "kustomization.yaml")));
            match owner {
                Some(d) => {
                    subfolders.insert(d);
                }
                None if p.ends_with(".yaml") || p.ends_with(".yml") => {
                    out.insert(p.clone());
                }
                None => {}
            }
        }
        for d in subfolders {
            self.folder(tree, &d, out, depth + 1)?;
        }
        Some(())
    }

    /// Whether `path` is a rendered file (not a folder holding rendered files).
    fn is_file(&self, tree: &str, path: &str) -> bool {
        let Some(paths) = self.paths.get(tree) else {
            return false;
        };
        let below = format!("{path}/");
        paths.contains(path)
            && !paths
                .range(below.clone()..)
                .next()
                .is_some_and(|q| q.starts_with(&below))
    }
}

impl Transform {
    /// Whether building `key` through this kustomization.yaml leaves its namespace and
    /// name as they are.
    fn keeps(&self, key: &ObjectKey) -> bool {
        let group = key.group();
        let crd = group == "apiextensions.k8s.io" && key.kind == "CustomResourceDefinition";
        let namespace_kind = group.is_empty() && key.kind == "Namespace";
        if crd {
            return true;
        }
        if namespace_kind {
            return self.namespace.as_ref().is_none_or(|ns| *ns == key.name);
        }
        let renamed = !self.prefix.is_empty() || !self.suffix.is_empty();
        let moved = match (&self.namespace, &key.namespace) {
            (None, _) => false,
            // A namespace of postBuild variables is known only once each Kustomization
            // substitutes it (k8s-home-ops: `${netbox_app_name}`, which is `netbox`): the
            // effective checks read the references of what it builds.
            (Some(ns), Some(_)) if ns.contains("${") => false,
            (Some(ns), Some(own)) => **own != **ns,
            // cluster-scoped: kustomize writes a namespace on kinds it does not know
            (Some(_), None) => !crate::model::cluster::kustomize_knows(group),
        };
        !renamed && !moved
    }
}

/// A kustomization.yaml's `namespace`, `namePrefix` and `nameSuffix`.
type Affixes = (Option<String>, String, String);

/// What a kustomization.yaml carried as text (at `path`) lists — its `resources`,
/// `bases` and `components`, as paths in the tree — and its namespace and name affixes,
/// if any; `None` when it does not parse or lists what this model cannot follow (a
/// remote resource).
fn carried_config(path: &str, text: &str) -> Option<(Vec<String>, Option<Affixes>)> {
    let value: serde_json::Value = serde_yaml::from_str(text).ok()?;
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut entries = Vec::new();
    // As effective::build reads them (`bases`, the old name of `resources`, too).
    for field in ["resources", "bases", "components"] {
        for entry in value[field].as_array().into_iter().flatten() {
            let entry = entry.as_str()?;
            if entry.contains("://") || entry.starts_with("github.com/") {
                return None;
            }
            entries.push(normalize(&join(dir, entry))?);
        }
    }
    let text_of = |k: &str| value[k].as_str().map(str::to_owned);
    let (namespace, prefix, suffix) = (
        text_of("namespace"),
        text_of("namePrefix").unwrap_or_default(),
        text_of("nameSuffix").unwrap_or_default(),
    );
    let transform = (namespace.is_some() || !prefix.is_empty() || !suffix.is_empty())
        .then_some((namespace, prefix, suffix));
    Some((entries, transform))
}

/// A tree-relative path with `.` and `..` resolved; `None` if it leaves the tree.
fn normalize(path: &str) -> Option<String> {
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

/// What a [`Transform`] changes, for messages.
fn describe(t: &Transform) -> String {
    let mut parts = Vec::new();
    if let Some(ns) = &t.namespace {
        parts.push(format!("namespace (to {ns:?})"));
    }
    if !t.prefix.is_empty() || !t.suffix.is_empty() {
        parts.push(format!(
            "name (namePrefix {:?}, nameSuffix {:?})",
            t.prefix, t.suffix
        ));
    }
    parts.join(" and ")
}

/// One Flux Kustomization of a cluster and the objects it applies.
struct Applier<'r> {
    /// The part that declares it.
    part: usize,
    key: &'r ObjectKey,
    at: &'static Location<'static>,
    objects: Vec<(usize, usize)>,
    /// `spec.decryption`: `Some(keys Secret)`, `Some(None)` for a cloud identity.
    decrypts: Option<Option<Arc<Target>>>,
    /// `spec.postBuild` when it substitutes: `substitute`'s variables and values,
    /// `substituteFrom`'s sources.
    substitutes: Option<(Substitute, Vec<Arc<Target>>)>,
    /// The `substituteFrom` sources marked optional.
    optional: Vec<Arc<Target>>,
    /// The Kustomizations it waits for (`spec.dependsOn`).
    depends_on: Vec<ObjectKey>,
    /// `spec.targetNamespace`: where it puts every namespaced object it applies.
    target_namespace: Option<String>,
}

/// `postBuild.substitute`: each variable and its value.
type Substitute = Vec<(String, String)>;

/// The Kustomizations from `from` to `to` along `dependsOn` (`from` first), if `from`
/// waits for `to`.
fn depends_chain<'r>(
    appliers: &[Applier<'r>],
    from: &'r ObjectKey,
    to: &'r ObjectKey,
) -> Option<Vec<&'r ObjectKey>> {
    let depends_on = |key: &ObjectKey| -> Vec<&'r ObjectKey> {
        let Some(a) = appliers.iter().find(|a| a.key == key) else {
            return Vec::new();
        };
        appliers
            .iter()
            .filter(|b| a.depends_on.iter().any(|d| d == b.key))
            .map(|b| b.key)
            .collect()
    };
    let mut paths: Vec<Vec<&'r ObjectKey>> = vec![vec![from]];
    let mut seen: BTreeSet<&ObjectKey> = BTreeSet::from([from]);
    while let Some(path) = paths.pop() {
        let last = *path.last().expect("a path is never empty");
        for next in depends_on(last) {
            let mut longer = path.clone();
            longer.push(next);
            if next == to {
                return Some(longer);
            }
            if seen.insert(next) {
                paths.push(longer);
            }
        }
    }
    None
}

/// The parts of a repository (or one cluster alone), checked for what Flux will apply.
pub(crate) struct Parts<'a>(pub(crate) &'a [PartView<'a>]);

/// A cluster of the repository (`name` set) or its shared folders.
pub(crate) struct PartView<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) cluster: &'a Cluster,
}

impl PartView<'_> {
    /// How messages name it.
    fn label(&self) -> String {
        match self.name {
            Some(name) => format!("cluster {name:?}"),
            None => "the shared folders".into(),
        }
    }
}

impl Parts<'_> {
    /// Objects that a kustomization.yaml builds and renames or moves (namespace,
    /// namePrefix, nameSuffix) without their handles knowing it: those declared in files
    /// of another folder than its own (an overlay over a base).
    pub(crate) fn transform_problems(&self) -> Vec<Problem> {
        let files = Files::of(self.0);
        let mut problems = Vec::new();
        let mut referrers = None;
        for ((tree, config), t) in &files.transforms {
            let dir = config.rsplit_once('/').map_or("", |(d, _)| d);
            let mut built = BTreeSet::new();
            files.folder(tree, dir, &mut built, 0);
            let objects = built
                .iter()
                .filter_map(|f| files.decls.get(&(tree.clone(), f.clone())))
                .flatten()
                .filter(|&&(p, fi)| {
                    // objects of the folder's own files know what it does
                    self.0[p].cluster.files[fi].folder != Some(t.decl.1) || p != t.decl.0
                })
                .filter_map(|d| files.objects.get(d))
                .flatten();
            let moved: Vec<(usize, usize)> = objects
                .copied()
                .filter(|&(p, i)| !t.keeps(self.0[p].cluster.objects[i].key()))
                .collect();
            if moved.is_empty() {
                continue;
            }
            // Objects moved or renamed together keep the references between them: what
            // must not be is a handle from outside the build to one of them, or a reference
            // from one of them that Flux reads in its own namespace to an object that stays.
            let moved_keys: BTreeSet<&ObjectKey> = moved
                .iter()
                .map(|&(p, i)| self.0[p].cluster.objects[i].key())
                .collect();
            let referrers = referrers.get_or_insert_with(|| self.referrers());
            let config_at = self.0[t.decl.0].cluster.files[t.decl.1].at;
            for &(p, i) in &moved {
                let o = &self.0[p].cluster.objects[i];
                let outside = referrers
                    .get(o.key())
                    .into_iter()
                    .flatten()
                    .map(|&(rp, ri, field)| (&self.0[rp].cluster.objects[ri], field))
                    .find(|(r, _)| !moved_keys.contains(r.key()));
                let stays = o.references().into_iter().find(|r| {
                    // A health check writes its namespace; the others are read relative.
                    r.field != "spec.healthChecks"
                        && !moved_keys.contains(&r.target.key)
                        && r.target.key.namespace.is_some()
                        && r.target.key.namespace == o.key().namespace
                });
                let why = match (outside, stays) {
                    (Some((r, field)), _) => format!(
                        "{} refers to it ({field}) by a handle that does not know it",
                        r.key()
                    ),
                    (None, Some(r)) => format!(
                        "its {} names {} in its own namespace, which Flux would then read in \
                         the new one",
                        r.field, r.target.key
                    ),
                    (None, None) => continue,
                };
                problems.push(Problem {
                    remedy: None,
                    object: Some(o.key().clone()),
                    field: None,
                    message: format!(
                        "the kustomization.yaml of {dir:?} builds it and changes its {}, and \
                         {why}; declare it in a file of that folder (Cluster::folder_file) or \
                         set the change where it is declared",
                        describe(t)
                    ),
                    sites: vec![
                        ("declared", o.at()),
                        ("kustomization.yaml declared", config_at),
                    ],
                });
            }
        }
        problems
    }

    /// Who refers to each object by handle: its key → (part, object index, field).
    fn referrers(&self) -> BTreeMap<ObjectKey, Vec<(usize, usize, &'static str)>> {
        let mut out: BTreeMap<ObjectKey, Vec<(usize, usize, &'static str)>> = BTreeMap::new();
        for (p, part) in self.0.iter().enumerate() {
            for (i, o) in part.cluster.objects.iter().enumerate() {
                for r in o.references() {
                    out.entry(r.target.key.clone())
                        .or_default()
                        .push((p, i, r.field));
                }
            }
        }
        out
    }

    /// For each cluster: no object applied by two of its Kustomizations, and every local
    /// reference (`valuesFrom`, `substituteFrom`, `secretRef`, …) to an object of the shared
    /// folders names one that a Kustomization of that cluster applies.
    pub(crate) fn applied_problems(&self) -> Vec<Problem> {
        let mut problems = self.artifact_path_problems();
        problems.extend(self.applied_by_clusters());
        problems
    }

    /// A Kustomization whose path is in an ExternalArtifact an ArtifactGenerator of this
    /// repository makes, where none of its copy operations writes: the artifact holds
    /// nothing there and the build fails.
    fn artifact_path_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let generators = self
            .0
            .iter()
            .flat_map(|p| p.cluster.objects.iter())
            .any(|o| o.key().kind == "ArtifactGenerator");
        if !generators {
            return problems;
        }
        for (p, part) in self.0.iter().enumerate() {
            for o in &part.cluster.objects {
                let Some((source, path)) = o.object.checks().into_iter().find_map(|c| match c {
                    Check::KustomizationPath { source, path } => Some((source, path)),
                    _ => None,
                }) else {
                    continue;
                };
                let Some(generator) = source.generated_by.as_deref() else {
                    continue;
                };
                let parts = std::iter::once(&self.0[p]).chain(self.0.iter());
                let copies = parts
                    .flat_map(|p| p.cluster.objects.iter())
                    .filter(|g| g.key() == generator)
                    .flat_map(|g| g.object.checks())
                    .find_map(|c| match c {
                        Check::ArtifactCopies {
                            artifact, writes, ..
                        } if artifact == source.key.name => Some(writes),
                        _ => None,
                    });
                let (Some(copies), Some(path_in)) = (copies, normalize(&path)) else {
                    continue;
                };
                let covered = copies.iter().any(|to| {
                    to.is_empty()
                        || path_in == *to
                        || path_in.starts_with(&format!("{to}/"))
                        || to.starts_with(&format!("{path_in}/"))
                        || path_in.is_empty()
                });
                if !covered {
                    let to: Vec<String> = copies
                        .iter()
                        .map(|to| format!("{:?}", format!("./{to}")))
                        .collect();
                    problems.push(Problem {
                        remedy: None,
                        object: Some(o.key().clone()),
                        field: Some("spec.path"),
                        message: format!(
                            "{path:?} is in {}, but no copy operation of {generator} writes \
                             there (they write {}): the artifact holds nothing at that path",
                            source.key,
                            to.join(", ")
                        ),
                        sites: vec![("declared", o.at()), ("artifact's handle made", source.at)],
                    });
                }
            }
        }
        problems
    }

    /// [`Self::applied_problems`] for each cluster.
    fn applied_by_clusters(&self) -> Vec<Problem> {
        // Only Kustomizations built from this repository apply its files.
        if !self
            .0
            .iter()
            .any(|p| p.cluster.trees.iter().any(|t| !t.sources.is_empty()))
        {
            return Vec::new();
        }
        let files = Files::of(self.0);
        let mut problems = Vec::new();
        for (p, part) in self.0.iter().enumerate() {
            if part.name.is_none() {
                continue;
            }
            let appliers: Vec<Applier> = (0..part.cluster.objects.len())
                .filter_map(|i| {
                    let objects = self.applies(&files, (p, i))?;
                    let o = &part.cluster.objects[i];
                    let (mut decrypts, mut substitutes, mut optional, mut target_namespace) =
                        (None, None, Vec::new(), None);
                    for check in o.object.checks() {
                        match check {
                            Check::Decrypts(keys) => decrypts = Some(keys),
                            Check::Substitutes {
                                substitute,
                                from,
                                optional: o,
                            } => {
                                substitutes = Some((substitute, from));
                                optional = o;
                            }
                            Check::TargetNamespace(ns) => target_namespace = Some(ns),
                            _ => {}
                        }
                    }
                    Some(Applier {
                        part: p,
                        key: o.key(),
                        at: o.at(),
                        objects,
                        decrypts,
                        substitutes,
                        optional,
                        depends_on: o
                            .references()
                            .into_iter()
                            .filter(|r| r.field.starts_with("spec.dependsOn"))
                            .map(|r| r.target.key.clone())
                            .collect(),
                        target_namespace,
                    })
                })
                .collect();
            let mut by_object: BTreeMap<(usize, usize), &Applier> = BTreeMap::new();
            for a in &appliers {
                for &o in &a.objects {
                    if let Some(first) = by_object.insert(o, a) {
                        let key = self.0[o.0].cluster.objects[o.1].key();
                        problems.push(Problem {
                            remedy: None,
                            object: Some(key.clone()),
                            field: None,
                            message: format!(
                                "is applied by two Kustomizations of {}: {} and {}; Flux would \
                                 have them fight over it",
                                part.label(),
                                first.key,
                                a.key
                            ),
                            sites: vec![
                                ("object declared", self.0[o.0].cluster.objects[o.1].at()),
                                ("first Kustomization", first.at),
                                ("second Kustomization", a.at),
                            ],
                        });
                    }
                }
            }
            for a in &appliers {
                problems.extend(self.decryption_problems(a));
                problems.extend(self.substitution_problems(a));
                problems.extend(self.source_order_problems(part, a, &appliers, &by_object));
                problems.extend(self.target_namespace_problems(a));
            }
            let applied: BTreeSet<(usize, usize)> = by_object.keys().copied().collect();
            problems.extend(self.unapplied_references(p, &applied));
        }
        problems
    }

    /// A Kustomization applying SOPS-encrypted Secrets must decrypt them, with keys this
    /// program provides: a Secret it declares or `apply` creates at bootstrap, or, for
    /// files encrypted to a cloud KMS, the controller's cloud identity.
    fn decryption_problems(&self, a: &Applier) -> Vec<Problem> {
        let mut problems = Vec::new();
        for &(op, oi) in &a.objects {
            let o = &self.0[op].cluster.objects[oi];
            if !o.encrypted {
                continue;
            }
            let file = &self.0[op].cluster.files[o.file].path;
            let recipients = crate::model::encrypted::recipients(o);
            let message = match &a.decrypts {
                None => format!(
                    "applies {} (SOPS-encrypted, in {file:?}) but has no spec.decryption: \
                     kustomize-controller fails it (\"is SOPS encrypted, configuring decryption \
                     is required\"); add .decryption(Decryption::sops(&keys))",
                    o.key()
                ),
                Some(Some(keys)) if keys.origin != Origin::Declared => format!(
                    "decrypts {} (in {file:?}) with the keys in {}, which this program neither \
                     declares nor creates at bootstrap; declare it with \
                     Cluster::bootstrap_secret(BootstrapSecret::sops_age(..)) so that apply \
                     creates it from --secret-file",
                    o.key(),
                    keys.key
                ),
                Some(Some(keys))
                    if let Some(held) = self.bootstrap_key_kinds(keys)
                        && !recipients.is_empty()
                        && !recipients.iter().any(|r| held.contains(r)) =>
                {
                    format!(
                        "decrypts {} (in {file:?}) with the keys in bootstrap {}, which \
                         holds {} keys, but the file is encrypted only to {} keys; create the \
                         Secret with the key the file names (BootstrapSecret::sops_age for age, \
                         sops_gpg for pgp)",
                        o.key(),
                        keys.key,
                        if held.is_empty() {
                            "no age or pgp".to_owned()
                        } else {
                            held.join(" and ")
                        },
                        recipients.join(" and ")
                    )
                }
                Some(None)
                    if !recipients.is_empty()
                        && recipients.iter().all(|r| matches!(*r, "age" | "pgp")) =>
                {
                    format!(
                        "decrypts {} (in {file:?}) with the controller's cloud identity, but \
                         the file is encrypted only to {} keys, which no cloud identity holds; \
                         give the keys Secret: Decryption::sops(&keys)",
                        o.key(),
                        recipients.join(" and ")
                    )
                }
                _ => continue,
            };
            problems.push(Problem {
                remedy: None,
                object: Some(a.key.clone()),
                field: Some("spec.decryption"),
                message,
                sites: vec![
                    ("Kustomization declared", a.at),
                    ("SOPS file declared", o.at()),
                ],
            });
        }
        problems
    }

    /// Every `${var}` in what a substituting Kustomization applies is defined by it or has
    /// a default, when this program knows every variable it defines.
    fn substitution_problems(&self, a: &Applier) -> Vec<Problem> {
        use crate::model::substitution;
        let Some((substitute, from)) = &a.substitutes else {
            return self.unsubstituted_names(a);
        };
        let clusters = self.0.iter().map(|p| p.cluster);
        // `None` when a source's keys are unknown here: it may define anything.
        let defined: Option<BTreeSet<String>> = from.iter().try_fold(
            substitute.iter().map(|(k, _)| k.clone()).collect(),
            |mut defined: BTreeSet<String>, source| {
                defined.extend(substitution::keys_of(clusters.clone(), source)?);
                Some(defined)
            },
        );
        let (values, all_known) = substitution::known_values(clusters, substitute, from);
        let mut problems = self.substituted_names(a, &values, all_known);
        let cluster = self.0[a.part].cluster;
        for &(op, oi) in &a.objects {
            let o = &self.0[op].cluster.objects[oi];
            if o.encrypted || o.patch_only {
                continue;
            }
            let Ok(value) = o.object.to_json() else {
                continue;
            };
            if substitution::disabled(&value) || !substitution::mentions_variables(&value) {
                continue;
            }
            // What the substitution cannot parse fails the Kustomization, values or not.
            for (field, text, why) in substitution::unparsable_in(&value) {
                problems.push(Problem {
                    remedy: None,
                    object: Some(o.key().clone()),
                    field: None,
                    message: format!(
                        "{field}: {}",
                        substitution::unparsable_message(&text, why, a.key)
                    ),
                    sites: vec![("declared", o.at()), ("Kustomization declared", a.at)],
                });
            }
            for (field, var) in defined
                .as_ref()
                .map(|d| substitution::undefined_in(&value, d))
                .unwrap_or_default()
            {
                problems.push(Problem {
                    remedy: None,
                    object: Some(o.key().clone()),
                    field: None,
                    message: format!(
                        "{field}: ${{{var}}} is a variable the postBuild substitution of {} \
                         replaces, and it defines no {var:?} (strict substitution fails the \
                         Kustomization; older Flux writes an empty string); write $${{{var}}} \
                         to keep the text, annotate the object {}: disabled, or define {var} \
                         in postBuild",
                        a.key,
                        substitution::DISABLED
                    ),
                    sites: vec![("declared", o.at()), ("Kustomization declared", a.at)],
                });
            }
            // The object as Flux applies it, checked against the schemas, where every
            // value it needs is known.
            let mut substituted = value;
            substitution::substitute_all(
                &mut substituted,
                &values,
                substitution::Unset::when(all_known),
            );
            if substitution::holds_variables(&substituted) {
                continue;
            }
            for (field, message) in crate::model::validate::schema_problems(cluster, &substituted) {
                problems.push(Problem {
                    remedy: None,
                    object: Some(o.key().clone()),
                    field: None,
                    message: format!(
                        "{field}, after the postBuild substitution of {}: {message}",
                        a.key
                    ),
                    sites: vec![("declared", o.at()), ("Kustomization declared", a.at)],
                });
            }
        }
        problems
    }

    /// Where the ConfigMaps and Secrets `a` substitutes from come from, in cluster `part`:
    /// one this program declares must be applied by another Kustomization of the cluster
    /// (unless `optional`), and not by one that waits for `a` (`dependsOn`, directly or
    /// through others): kustomize-controller reads them before it builds anything, so
    /// neither would ever become ready.
    fn source_order_problems(
        &self,
        part: &PartView,
        a: &Applier,
        appliers: &[Applier],
        by_object: &BTreeMap<(usize, usize), &Applier>,
    ) -> Vec<Problem> {
        let Some((_, from)) = &a.substitutes else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for source in from {
            if source.origin != Origin::Declared
                || a.optional.iter().any(|o| Arc::ptr_eq(o, source))
            {
                continue;
            }
            let Some(at) = self.0.iter().enumerate().find_map(|(p, part)| {
                part.cluster
                    .objects
                    .iter()
                    .position(|o| Arc::ptr_eq(&o.target, source))
                    .map(|i| (p, i))
            }) else {
                continue; // generated by a folder, or a bootstrap Secret
            };
            let object = &self.0[at.0].cluster.objects[at.1];
            let message = match by_object.get(&at) {
                None => format!(
                    "substitutes from {}, which no Kustomization of {} applies: it never exists \
                     there, and the Kustomization fails before it applies anything; apply it \
                     from a Kustomization this one depends on, or mark it SubstituteFrom::optional",
                    source.key,
                    part.label()
                ),
                Some(b) if b.key == a.key => format!(
                    "substitutes from {}, which it applies itself: on its first reconciliation \
                     the object does not exist yet, and the Kustomization fails before it \
                     applies anything, the object included; apply it from a Kustomization this \
                     one depends on",
                    source.key
                ),
                Some(b) => match depends_chain(appliers, b.key, a.key) {
                    Some(chain) => format!(
                        "substitutes from {}, which only {} applies, and that waits for this one \
                         ({}): neither ever becomes ready",
                        source.key,
                        b.key,
                        chain
                            .iter()
                            .map(|k| k.to_string())
                            .collect::<Vec<_>>()
                            .join(" depends on ")
                    ),
                    None => continue,
                },
            };
            problems.push(Problem {
                remedy: None,
                object: Some(a.key.clone()),
                field: Some("spec.postBuild.substituteFrom"),
                message,
                sites: vec![
                    ("Kustomization declared", a.at),
                    ("source declared", object.at()),
                ],
            });
        }
        problems
    }

    /// With `spec.targetNamespace`, kustomize-controller puts every namespaced object `a`
    /// applies in that namespace: an object declared in another one would land where its
    /// handle does not say, and every reference by that handle (a health check, a
    /// `valuesFrom`, a `sourceRef`) would name the wrong namespace.
    fn target_namespace_problems(&self, a: &Applier) -> Vec<Problem> {
        let Some(target) = &a.target_namespace else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for &(op, oi) in &a.objects {
            let o = &self.0[op].cluster.objects[oi];
            let key = o.key();
            let Some(declared) = key.namespace.as_deref() else {
                continue;
            };
            if declared == target || o.patch_only {
                continue;
            }
            problems.push(Problem {
                remedy: None,
                object: Some(key.clone()),
                field: Some("metadata.namespace"),
                message: format!(
                    "is declared in namespace {declared:?}, but {} applies it with \
                     targetNamespace {target:?}, so it lands in {target:?}: its handle, and \
                     every health check or reference made with it, would name {declared:?}; \
                     declare it in {target:?}",
                    a.key
                ),
                sites: vec![("declared", o.at()), ("Kustomization declared", a.at)],
            });
        }
        problems
    }

    /// The names and namespaces built of variables ([`Name::with_variables`]) of what `a`
    /// applies, with `values` filled in (`all_known`: no source's values are missing): each
    /// must be one the API server accepts.
    ///
    /// [`Name::with_variables`]: crate::Name::with_variables
    fn substituted_names(
        &self,
        a: &Applier,
        values: &BTreeMap<String, String>,
        all_known: bool,
    ) -> Vec<Problem> {
        use crate::model::substitution;
        let mut problems = Vec::new();
        for &(op, oi) in &a.objects {
            let o = &self.0[op].cluster.objects[oi];
            let key = o.key();
            for (field, text, namespace) in [
                ("metadata.name", key.name.as_str(), false),
                (
                    "metadata.namespace",
                    key.namespace.as_deref().unwrap_or(""),
                    true,
                ),
            ] {
                if !text.contains("${") {
                    continue;
                }
                let Some(value) =
                    substitution::substitute(text, values, substitution::Unset::when(all_known))
                else {
                    continue;
                };
                let problem = if namespace {
                    crate::kube_rules::name_problem("Namespace", &value)
                } else {
                    crate::kube_rules::name_problem(key.kind, &value)
                };
                if let Some(problem) = problem {
                    problems.push(Problem {
                        remedy: None,
                        object: Some(key.clone()),
                        field: Some(field),
                        message: format!(
                            "{text:?} becomes {value:?} under the postBuild substitution of {}, \
                             which the API server refuses: {problem}",
                            a.key
                        ),
                        sites: vec![("declared", o.at()), ("Kustomization declared", a.at)],
                    });
                }
            }
        }
        problems
    }

    /// What a Kustomization without postBuild substitution applies with a name or
    /// namespace of variables: the API server gets `${var}` as written.
    fn unsubstituted_names(&self, a: &Applier) -> Vec<Problem> {
        let mut problems = Vec::new();
        for &(op, oi) in &a.objects {
            let o = &self.0[op].cluster.objects[oi];
            let key = o.key();
            for (field, text) in [
                ("metadata.name", key.name.as_str()),
                ("metadata.namespace", key.namespace.as_deref().unwrap_or("")),
            ] {
                if text.contains("${") {
                    problems.push(Problem {
                        remedy: None,
                        object: Some(key.clone()),
                        field: Some(field),
                        message: format!(
                            "{text:?} holds postBuild variables, but {} applies it without \
                             postBuild substitution: the API server would get the name as \
                             written, which it refuses; give that Kustomization a post_build \
                             that defines them",
                            a.key
                        ),
                        sites: vec![("declared", o.at()), ("Kustomization declared", a.at)],
                    });
                }
            }
        }
        problems
    }

    /// The kinds of SOPS key (`age`, `pgp`) a bootstrap Secret holds, by its keys' names as
    /// kustomize-controller reads them (`*.agekey`, `*.asc`); `None` if `keys` is no
    /// bootstrap Secret of the repository.
    fn bootstrap_key_kinds(&self, keys: &Arc<Target>) -> Option<Vec<&'static str>> {
        let secret = self.0.iter().find_map(|part| {
            part.cluster
                .bootstrap
                .iter()
                .find(|(_, t)| Arc::ptr_eq(t, keys))
                .map(|(s, _)| s)
        })?;
        let mut kinds = Vec::new();
        if secret.keys().iter().any(|k| k.key.ends_with(".agekey")) {
            kinds.push("age");
        }
        if secret.keys().iter().any(|k| k.key.ends_with(".asc")) {
            kinds.push("pgp");
        }
        Some(kinds)
    }

    /// References from what cluster `p` declares or applies to objects of the shared
    /// folders that none of its Kustomizations applies.
    fn unapplied_references(&self, p: usize, applied: &BTreeSet<(usize, usize)>) -> Vec<Problem> {
        let shared: BTreeMap<&ObjectKey, (usize, usize)> = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, part)| part.name.is_none())
            .flat_map(|(s, part)| {
                part.cluster
                    .objects
                    .iter()
                    .enumerate()
                    .map(move |(i, o)| (o.key(), (s, i)))
            })
            .collect();
        let holders = (0..self.0[p].cluster.objects.len())
            .map(|i| (p, i))
            .chain(applied.iter().copied());
        let mut problems = Vec::new();
        for (hp, hi) in holders {
            let holder = &self.0[hp].cluster.objects[hi];
            for r in holder.references() {
                let target: &Arc<Target> = &r.target;
                // Any handle to a shared object (a local reference, a `dependsOn`, a
                // `sourceRef`): the cluster waits for it unless one of its Kustomizations
                // applies it.
                if target.origin != Origin::Declared {
                    continue;
                }
                if let Some(&o) = shared.get(&target.key)
                    && !applied.contains(&o)
                {
                    problems.push(Problem {
                        remedy: None,
                        object: Some(holder.key().clone()),
                        field: Some(r.field),
                        message: format!(
                            "refers to {}, which no Kustomization of {} applies; Flux would \
                             wait for an object that never comes",
                            target.key,
                            self.0[p].label()
                        ),
                        sites: vec![
                            ("declared", holder.at()),
                            ("referenced object declared", target.at),
                        ],
                    });
                }
            }
        }
        problems
    }
}

impl Parts<'_> {
    /// What each Kustomization of cluster `p` applies from this repository — those it
    /// declares and, in turn, those they apply from the shared folders: `(Kustomization,
    /// objects)`, each as (part, object index), in declaration order.
    pub(crate) fn applied_by(&self, p: usize) -> Vec<AppliedBy> {
        let files = Files::of(self.0);
        let mut out: Vec<AppliedBy> = Vec::new();
        let mut queue: Vec<(usize, usize)> = (0..self.0[p].cluster.objects.len())
            .map(|i| (p, i))
            .collect();
        let mut seen: BTreeSet<(usize, usize)> = queue.iter().copied().collect();
        let mut next = 0;
        while next < queue.len() {
            let holder = queue[next];
            next += 1;
            let Some(objects) = self.applies(&files, holder) else {
                continue;
            };
            for &o in &objects {
                if seen.insert(o) {
                    queue.push(o);
                }
            }
            out.push((holder, objects));
        }
        out
    }

    /// The tree each source fetches, by the source's address: (the tree's local path,
    /// its path in its repository) — found once for many [`Self::built_from_trees`].
    pub(crate) fn source_trees(&self) -> rustc_hash::FxHashMap<usize, (String, String)> {
        let mut out = rustc_hash::FxHashMap::default();
        for tree in self.0.iter().flat_map(|p| p.cluster.trees.iter()) {
            for source in &tree.sources {
                out.entry(Arc::as_ptr(source) as usize)
                    .or_insert_with(|| (tree.path.clone(), tree.repo_path.clone()));
            }
        }
        out
    }

    /// Where Kustomization `holder` builds from, if a part renders that tree: (the tree's
    /// local path, its path in its repository, the Kustomization's path in that
    /// repository) — through an ArtifactGenerator's copies to the source they read.
    /// (`trees`: [`Self::source_trees`]).
    pub(crate) fn built_from_trees(
        &self,
        holder: (usize, usize),
        trees: &rustc_hash::FxHashMap<usize, (String, String)>,
    ) -> Option<(String, String, String)> {
        let (source, path) = self.builds_from(holder)?;
        let (tree, repo_path) = trees.get(&(Arc::as_ptr(&source) as usize))?;
        Some((tree.clone(), repo_path.clone(), path))
    }

    /// Whether Kustomization `holder` names its source by handle (a typed one does; a
    /// manifest names it only in its `sourceRef`).
    pub(crate) fn reads_declared_source(&self, holder: (usize, usize)) -> bool {
        let o = &self.0[holder.0].cluster.objects[holder.1];
        o.object
            .checks()
            .into_iter()
            .any(|c| matches!(c, Check::KustomizationPath { .. }))
    }

    /// The source Kustomization `holder` builds from and its path there (through an
    /// ArtifactGenerator's copies).
    fn builds_from(&self, holder: (usize, usize)) -> Option<(Arc<Target>, String)> {
        let o = &self.0[holder.0].cluster.objects[holder.1];
        let (source, path) = o.object.checks().into_iter().find_map(|c| match c {
            Check::KustomizationPath { source, path } => Some((source, path)),
            _ => None,
        })?;
        Some(self.through_artifact(holder.0, source, path))
    }

    /// The objects Kustomization `holder` applies from a tree some part renders, if it is
    /// a Kustomization built from one.
    fn applies(&self, files: &Files, holder: (usize, usize)) -> Option<Vec<(usize, usize)>> {
        let (source, path) = self.builds_from(holder)?;
        let (tree_path, repo_path) = files.source_trees.get(&(Arc::as_ptr(&source) as usize))?;
        let in_tree = in_tree(repo_path, &path)?;
        let applied = files.applied(tree_path, &in_tree)?;
        Some(
            applied
                .iter()
                .filter_map(|f| files.decls.get(&(tree_path.clone(), f.clone())))
                .flatten()
                .filter_map(|d| files.objects.get(d))
                .flatten()
                .copied()
                .collect(),
        )
    }
}

impl Parts<'_> {
    /// Where a path in an ExternalArtifact comes from: the generator's source and the path
    /// in it, through the copy operation whose destination holds the path (the longest);
    /// any other source and path as given. The generator is looked for in part `p` (the
    /// Kustomization's) first: clusters of one repository may each have one of that name.
    fn through_artifact(
        &self,
        p: usize,
        source: Arc<Target>,
        path: String,
    ) -> (Arc<Target>, String) {
        let Some(generator) = source.generated_by.as_deref() else {
            return (source, path);
        };
        let parts = std::iter::once(&self.0[p]).chain(self.0.iter());
        let copies = parts
            .flat_map(|p| p.cluster.objects.iter())
            .filter(|o| o.key() == generator)
            .flat_map(|o| o.object.checks())
            .find_map(|c| match c {
                Check::ArtifactCopies {
                    artifact, copies, ..
                } if artifact == source.key.name => Some(copies),
                _ => None,
            });
        match copies.and_then(|copies| through_copies(&path, &copies)) {
            Some(found) => found,
            None => (source, path),
        }
    }
}

/// Where `path` of an ExternalArtifact comes from through its folder `copies` (each the
/// source, the folder in it, the folder in the artifact): the source of the copy whose
/// destination holds the path (the longest) and the path in that source.
pub(crate) fn through_copies<S: Clone>(
    path: &str,
    copies: &[(S, String, String)],
) -> Option<(S, String)> {
    let path = normalize(path)?;
    let below = |to: &str| {
        if to.is_empty() {
            Some(path.clone())
        } else if path == to {
            Some(String::new())
        } else {
            path.strip_prefix(&format!("{to}/")).map(str::to_owned)
        }
    };
    copies
        .iter()
        .filter_map(|(source, from, to)| Some((to.len(), source, from, below(to)?)))
        .max_by_key(|(len, ..)| *len)
        .map(|(_, source, from, rest)| (source.clone(), join(from, &rest)))
}

/// A Kustomization and the objects it applies, each as (part, object index).
pub(crate) type AppliedBy = ((usize, usize), Vec<(usize, usize)>);

/// A Kustomization's `path` relative to the tree whose repository path is `root`.
fn in_tree(root: &str, path: &str) -> Option<String> {
    normalize(path).and_then(|p| {
        if root.is_empty() {
            Some(p)
        } else if p == root {
            Some(String::new())
        } else {
            p.strip_prefix(&format!("{root}/")).map(str::to_owned)
        }
    })
}
