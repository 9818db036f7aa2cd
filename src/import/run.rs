//! The plan run in process: the repository it declares (each object typed where
//! `typed` has a recipe for it, as the written crate declares it), rendered to find what
//! render refuses in the repository as it is (the findings), and the opt-ins that let it
//! render anyway.

use super::layout::Layout;
use super::plan::{Allow, FilePlan, PartPlan};
use super::scan::{RepoFile, prefix_dir};

/// The repository `parts` declare, built in process: each object typed where `typed`
/// has a recipe for it, as the crate `emit` writes declares it, else as its manifest.
pub(crate) fn interpret(
    files: &[RepoFile],
    layout: &Layout,
    parts: &[PartPlan],
) -> crate::Repository {
    interpret_only(files, layout, parts, None)
}

/// [`interpret`], with only part `only` of the clusters (and the shared folders) when
/// it is given: what one cluster's checks say, each problem its own.
fn interpret_only(
    files: &[RepoFile],
    layout: &Layout,
    parts: &[PartPlan],
    only: Option<usize>,
) -> crate::Repository {
    let mut repository = crate::Repository::new();
    let sops_keys = super::scan::sops_key_kinds(files);
    for (p, part) in parts.iter().enumerate() {
        if only.is_some_and(|o| o != p) && part.cluster.is_some() {
            continue;
        }
        let mut c = crate::Cluster::for_repository("");
        // The cluster's Flux API, from the CRDs of the components it commits.
        if let Some((_, _, api)) = super::plan::pinned(part) {
            c.flux_api(api);
        }
        let prefix = prefix_dir(&layout.prefix);
        let source = part.cluster.map(|i| &layout.clusters[i].source);
        let shared = parts.iter().find(|p| p.cluster.is_none());
        let (typed, folders) =
            super::folders::typed_part(files, &prefix, part, shared, source, &sops_keys);
        let mut handles: Vec<Option<super::typed::Handle>> = typed
            .recipes
            .iter()
            .map(|r| r.recipe.bound_by_cluster(&mut c))
            .collect();
        declare(
            &mut c,
            None,
            files,
            &prefix,
            &part.files,
            Some((&typed, &mut handles, &folders)),
        );
        // A source declared typed is named by its handle, as the written crate does.
        let source_of = |typed: Option<usize>, (namespace, name): &(String, String)| match typed
            .and_then(|r| handles[r].as_ref()?.git_repository().cloned())
        {
            Some(handle) => handle,
            None => crate::Ref::existing(
                &crate::NamespaceName::new(namespace.clone())
                    .unwrap_or(crate::NamespaceName::FLUX_SYSTEM),
                crate::Name::new(name.clone()).expect("a declared name"),
            ),
        };
        let sources: Vec<crate::Ref<crate::GitRepository>> = part
            .trees
            .iter()
            .zip(&typed.tree_sources)
            .map(|(tree, typed)| source_of(*typed, &tree.source))
            .collect();
        let own_source = part
            .cluster
            .map(|i| source_of(typed.cluster_source, &layout.clusters[i].source));
        for (tree, source) in part.trees.iter().zip(&sources) {
            let handle = c.repository_tree(source, &tree.local, "");
            declare(&mut c, Some(&handle), &tree.files, "", &tree.plans, None);
        }
        for (kind, namespace, name, _) in &part.before_flux {
            exists_before_flux(&mut c, kind, namespace.as_deref(), name);
        }
        match part.cluster {
            Some(i) => {
                c.source_is_this_repository(own_source.as_ref().expect("a cluster's source"));
                repository.cluster(&layout.clusters[i].name, c);
            }
            None => {
                repository.shared(c);
            }
        }
    }
    repository
}

/// The typed declarations of a part, the handles declared so far, and its typed
/// folders.
type Typed<'a> = (
    &'a super::typed::PartTyped,
    &'a mut Vec<Option<super::typed::Handle>>,
    &'a super::folders::Folders,
);

/// Declares `plans` (of `files`, at `prefix` in the main tree, or in `tree`) in `c`;
/// the objects `typed` has recipes for with the typed API.
fn declare(
    c: &mut crate::Cluster,
    tree: Option<&crate::Tree>,
    files: &[RepoFile],
    prefix: &str,
    plans: &[FilePlan],
    mut typed: Option<Typed<'_>>,
) {
    let order = match &typed {
        Some((part, ..)) => part.order.clone(),
        None => (0..plans.len()).collect(),
    };
    let mut made: std::collections::HashMap<usize, crate::Folder> = Default::default();
    let mut declared_files: std::collections::HashMap<usize, crate::File> = Default::default();
    let folders = typed.as_ref().map(|(_, _, folders)| *folders);
    // A typed folder is declared before its first file, or after its patch files (as
    // `emit` writes it).
    let declare_folders = |c: &mut crate::Cluster,
                           made: &mut std::collections::HashMap<usize, crate::Folder>,
                           declared_files: &std::collections::HashMap<usize, crate::File>,
                           at: usize,
                           after: bool| {
        let Some(folders) = folders else { return };
        for folder in folders.declared(at, after) {
            let index = folders.of_config[&folder.plan];
            let declared = folder.declare(c, prefix, made, declared_files);
            made.insert(index, declared);
        }
    };
    for (i, p) in order.into_iter().enumerate() {
        declare_folders(c, &mut made, &declared_files, i, false);
        // A typed folder's kustomization.yaml is its declaration.
        let plan = match folders.is_some_and(|f| f.of_config.contains_key(&p)) {
            true => None,
            false => Some(&plans[p]),
        };
        let folder = folders
            .and_then(|f| f.of_file.get(&p))
            .map(|f| made[f].clone());
        let folder = folder.as_ref();
        match plan {
            None => {}
            Some(FilePlan::Components {
                path,
                version,
                sha256,
                ..
            }) => {
                let handle = c.flux_components(path, version, sha256);
                declared_files.insert(p, handle);
            }
            Some(FilePlan::Verbatim { file, .. } | FilePlan::Kustomize { file }) => {
                let f = &files[*file];
                let path = format!("{prefix}{}", f.path);
                let handle = match tree {
                    Some(t) => c.verbatim_file_in(t, &path, f.text.clone()),
                    None => c.verbatim_file(&path, f.text.clone()),
                };
                declared_files.insert(p, handle);
            }
            Some(FilePlan::Unapplied { file, .. }) => {
                let f = &files[*file];
                c.unapplied_file(&format!("{prefix}{}", f.path), f.text.clone());
            }
            Some(FilePlan::Patches { file, docs }) => {
                let path = format!("{prefix}{}", files[*file].path);
                let handle = match tree {
                    Some(t) => c.file_in(t, &path),
                    None => c.file(&path),
                };
                for doc in docs {
                    c.add_patch(&handle, doc.value.clone());
                }
                declared_files.insert(p, handle);
            }
            Some(FilePlan::Objects {
                file,
                header,
                docs,
                allow,
            }) => {
                let path = format!("{prefix}{}", files[*file].path);
                let handle = match (tree, header) {
                    (None, None) if let Some(folder) = folder => {
                        let name = path.rsplit('/').next().expect("a file name");
                        c.folder_file(folder, name)
                    }
                    (Some(t), _) => c.file_in(t, &path),
                    (None, Some(h)) => c.file_with_header(&path, h),
                    (None, None) => c.file(&path),
                };
                declared_files.insert(p, handle.clone());
                for (d, (doc, allow)) in docs.iter().zip(allow).enumerate() {
                    if let Some((part, handles, _)) = typed.as_mut()
                        && let Some(&r) = part.by_doc.get(&(p, d))
                    {
                        let placed = &part.recipes[r];
                        let links: Vec<Option<&super::typed::Handle>> = placed
                            .links
                            .iter()
                            .map(|link| match *link {
                                super::typed::Link::Handle(t) => handles[t].as_ref(),
                                super::typed::Link::Existing => None,
                            })
                            .collect();
                        let declared = placed.recipe.declare(c, &handle, &links);
                        handles[r] = Some(declared);
                        continue;
                    }
                    if allow.is_empty()
                        && let Some(ns) = super::typed::PlainNamespace::of(&doc.value)
                    {
                        ns.declare(c, &handle);
                        continue;
                    }
                    let object = c.add_manifest(&handle, doc.value.clone());
                    for a in allow {
                        match a {
                            Allow::SecretInClear => c.allow_secret_in_clear(&object),
                            Allow::FloatingImage => c.allow_floating_image(&object),
                        }
                    }
                }
            }
        }
        declare_folders(c, &mut made, &declared_files, i, true);
    }
}

/// A finding: what render refuses in the repository as it is, where (file:line), and
/// the opt-in the generated code makes for it, if one exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `path:line` of the YAML document, when the problem names one.
    pub at: Option<String>,
    /// The problem, as render says it.
    pub message: String,
    /// Whether the generated code still renders the repository as it is: it opts in (with
    /// a `// finding:` comment), or leaves the pin out ([`pin_withheld`](Self::pin_withheld)).
    pub opted_in: bool,
    /// Whether it is what only the cluster's pinned Flux API refuses (a version it does
    /// not serve, a field its schemas lack): the code leaves the pin out instead, the
    /// finding in a comment where it would be.
    pub pin_withheld: bool,
}

impl Finding {
    /// How the generated code takes it: `opted in`, `Flux API not pinned`, `refused`.
    pub fn how(&self) -> &'static str {
        match (self.pin_withheld, self.opted_in) {
            (true, _) => "Flux API not pinned",
            (false, true) => "opted in",
            (false, false) => "refused",
        }
    }
}

/// The opt-in of the declaration a refusal names, by what render says: a Secret in clear,
/// an image without a fixed version.
pub(crate) fn allow_of(message: &str) -> Option<Allow> {
    if message.contains("in clear in Git") {
        Some(Allow::SecretInClear)
    } else if message.contains("names no fixed version") {
        Some(Allow::FloatingImage)
    } else {
        None
    }
}

/// Runs the plan in process and opts in where render refuses what an opt-in allows,
/// until it renders or nothing more can be allowed. Returns every finding.
pub(crate) fn settle(files: &[RepoFile], layout: &Layout, parts: &mut [PartPlan]) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    let clusters: Vec<usize> = (0..parts.len())
        .filter(|&p| parts[p].cluster.is_some())
        .collect();
    loop {
        let problems = match interpret(files, layout, parts).render() {
            Ok(_) => return findings,
            Err(crate::Error::Refused(problems)) => problems,
            Err(e) => {
                findings.push(Finding {
                    at: None,
                    message: e.to_string(),
                    opted_in: false,
                    pin_withheld: false,
                });
                return findings;
            }
        };
        // Which cluster each problem is of: every cluster's own render (with the shared
        // folders) when there are several — the same problem in two clusters is one line
        // of the whole render, since the declarations share their Rust site here.
        let mut of_cluster: Vec<(Option<usize>, crate::Problem)> = Vec::new();
        if clusters.len() > 1 {
            for &p in &clusters {
                if let Err(crate::Error::Refused(own)) =
                    interpret_only(files, layout, parts, Some(p)).render()
                {
                    of_cluster.extend(own.into_iter().map(|problem| (Some(p), problem)));
                }
            }
        } else {
            of_cluster.extend(
                problems
                    .iter()
                    .map(|x| (clusters.first().copied(), x.clone())),
            );
        }
        // An object said to exist before Flux can make a build's content unknown (its
        // source), and with it what the other problems conclude: those opt-ins first.
        if of_cluster
            .iter()
            .any(|(_, x)| matches!(x.remedy, Some(crate::Remedy::ExistsBeforeFlux(_))))
        {
            of_cluster
                .retain(|(_, x)| matches!(x.remedy, Some(crate::Remedy::ExistsBeforeFlux(_))));
        }
        let index = index(parts);
        let mut progress = false;
        for (cluster, problem) in &of_cluster {
            progress |= opt_in(
                files,
                layout,
                parts,
                &index,
                *cluster,
                problem,
                &mut findings,
            );
        }
        // What the pinned Flux API alone refuses, with no opt-in: the pin is withheld
        // (a comment beside the findings), so the crate renders the repository as it is.
        if !progress {
            for (cluster, problem) in &of_cluster {
                let Some(p) = *cluster else { continue };
                let by_pin = problem
                    .sites
                    .iter()
                    .any(|(role, _)| *role == crate::model::flux_api::PIN_SITE);
                if !by_pin || super::plan::pinned(&parts[p]).is_none() {
                    continue;
                }
                let (at, message) = described(files, parts, &index, *cluster, problem);
                parts[p].pin_withheld.push(findings.len());
                findings.push(Finding {
                    at,
                    message,
                    opted_in: true,
                    pin_withheld: true,
                });
                progress = true;
            }
        }
        if progress {
            continue;
        }
        for problem in &problems {
            let (at, message) = described(files, parts, &index, None, problem);
            findings.push(Finding {
                at,
                message,
                opted_in: false,
                pin_withheld: false,
            });
        }
        return findings;
    }
}

/// The finding's place (`path:line` of the document it names) and text.
fn described(
    files: &[RepoFile],
    parts: &[PartPlan],
    index: &Index,
    cluster: Option<usize>,
    problem: &crate::Problem,
) -> (Option<String>, String) {
    let located = problem
        .object
        .as_ref()
        .and_then(|key| locate(parts, index, key, cluster));
    let at = located.map(|(part, plan, doc)| {
        let FilePlan::Objects { file, docs, .. } = &parts[part].files[plan] else {
            unreachable!("located in a file of objects")
        };
        format!("{}:{}", files[*file].path, docs[doc].line)
    });
    let message = format!(
        "{}{}",
        problem
            .object
            .as_ref()
            .map(|k| format!("{k}: "))
            .unwrap_or_default(),
        match problem.field {
            Some(field) => format!("{field}: {}", problem.message),
            None => problem.message.clone(),
        }
    );
    (at, message)
}

/// Makes the opt-in that answers `problem` (of part `cluster`, when known), if one does
/// and it is not made yet; records the finding. Whether it made one.
fn opt_in(
    files: &[RepoFile],
    layout: &Layout,
    parts: &mut [PartPlan],
    index: &Index,
    cluster: Option<usize>,
    problem: &crate::Problem,
    findings: &mut Vec<Finding>,
) -> bool {
    let (at, message) = described(files, parts, index, cluster, problem);
    let finding = |at: Option<String>| Finding {
        at,
        message: message.clone(),
        opted_in: true,
        pin_withheld: false,
    };
    match &problem.remedy {
        Some(crate::Remedy::ExistsBeforeFlux(key)) => {
            let located = problem
                .object
                .as_ref()
                .and_then(|k| locate(parts, index, k, cluster));
            let Some(part) = cluster.or(located.map(|(p, _, _)| p)) else {
                return false;
            };
            let namespace = key.namespace.as_deref().map(str::to_owned);
            let known = parts[part]
                .before_flux
                .iter()
                .any(|(k, ns, n, _)| k == key.kind && *ns == namespace && *n == key.name);
            if known {
                return false;
            }
            parts[part].before_flux.push((
                key.kind.to_owned(),
                namespace,
                key.name.clone(),
                findings.len(),
            ));
            findings.push(finding(at));
            true
        }
        Some(crate::Remedy::UnappliedFile(path)) => {
            let prefix = prefix_dir(&layout.prefix);
            for part in parts.iter_mut() {
                for plan in part.files.iter_mut() {
                    // Objects, or a SOPS file of them carried as it is.
                    let (FilePlan::Objects { file, .. } | FilePlan::Verbatim { file, .. }) = plan
                    else {
                        continue;
                    };
                    let file = *file;
                    if format!("{prefix}{}", files[file].path) == *path {
                        *plan = FilePlan::Unapplied {
                            file,
                            finding: findings.len(),
                        };
                        findings.push(finding(Some(files[file].path.clone())));
                        return true;
                    }
                }
            }
            false
        }
        _ => {
            let Some(allow) = allow_of(&problem.message) else {
                return false;
            };
            let located = problem
                .object
                .as_ref()
                .and_then(|key| locate(parts, index, key, cluster));
            let Some((part, plan, doc)) = located else {
                return false;
            };
            let FilePlan::Objects { allow: allows, .. } = &mut parts[part].files[plan] else {
                return false;
            };
            if allows[doc].contains(&allow) {
                return false;
            }
            allows[doc].push(allow);
            findings.push(finding(at));
            true
        }
    }
}

/// `Cluster::exists_before_flux` of the object `kind` `namespace`/`name`: a Namespace,
/// ConfigMap or Secret, what a Kustomization needs before it runs, or a Flux object a
/// reference names that nothing in the repository makes.
fn exists_before_flux(c: &mut crate::Cluster, kind: &str, namespace: Option<&str>, name: &str) {
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
    let Ok(name) = crate::Name::new(name.to_owned()) else {
        return;
    };
    let ns = crate::NamespaceName::new(namespace.unwrap_or("default").to_owned());
    fn existing<K: crate::object::Kind<Scope = k8s_openapi::NamespaceResourceScope>>(
        c: &mut crate::Cluster,
        ns: &crate::NamespaceName,
        name: crate::Name,
    ) {
        c.exists_before_flux(&crate::Ref::<K>::existing(ns, name));
    }
    match (kind, ns) {
        ("GitRepository", Ok(ns)) => existing::<crate::GitRepository>(c, &ns, name),
        ("OCIRepository", Ok(ns)) => existing::<crate::OCIRepository>(c, &ns, name),
        ("HelmRepository", Ok(ns)) => existing::<crate::HelmRepository>(c, &ns, name),
        ("Bucket", Ok(ns)) => existing::<crate::Bucket>(c, &ns, name),
        ("Kustomization", Ok(ns)) => existing::<crate::Kustomization>(c, &ns, name),
        ("HelmRelease", Ok(ns)) => existing::<crate::HelmRelease>(c, &ns, name),
        ("Namespace", _) => {
            c.exists_before_flux(&crate::Ref::<Namespace>::existing_cluster_scoped(name))
        }
        ("ConfigMap", Ok(ns)) => {
            c.exists_before_flux(&crate::Ref::<ConfigMap>::existing(&ns, name))
        }
        ("Secret", Ok(ns)) => c.exists_before_flux(&crate::Ref::<Secret>::existing(&ns, name)),
        _ => {}
    }
}

/// Where each document of the plan is, by kind and name: (part, file plan, document).
type Index = std::collections::HashMap<(String, String), Vec<(usize, usize, usize)>>;

fn index(parts: &[PartPlan]) -> Index {
    let mut index = Index::new();
    for (p, part) in parts.iter().enumerate() {
        for (f, plan) in part.files.iter().enumerate() {
            let FilePlan::Objects { docs, .. } = plan else {
                continue;
            };
            for (d, doc) in docs.iter().enumerate() {
                let v = &doc.value;
                let (Some(kind), Some(name)) = (v["kind"].as_str(), v["metadata"]["name"].as_str())
                else {
                    continue;
                };
                index
                    .entry((kind.to_owned(), name.to_owned()))
                    .or_default()
                    .push((p, f, d));
            }
        }
    }
    index
}

/// The part, file plan and document that declare `key` (its kind and name; its
/// namespace too when the document names one): in part `prefer` first, when given.
fn locate(
    parts: &[PartPlan],
    index: &Index,
    key: &crate::ObjectKey,
    prefer: Option<usize>,
) -> Option<(usize, usize, usize)> {
    let found = index.get(&(key.kind.to_owned(), key.name.clone()))?;
    let agrees = |&&(p, f, d): &&(usize, usize, usize)| {
        let FilePlan::Objects { docs, .. } = &parts[p].files[f] else {
            return false; // declared otherwise since the index was made
        };
        match (
            docs[d].value["metadata"]["namespace"].as_str(),
            &key.namespace,
        ) {
            (Some(theirs), Some(ours)) => theirs == ours.as_ref(),
            _ => true,
        }
    };
    found
        .iter()
        .filter(agrees)
        .find(|(p, ..)| Some(*p) == prefer)
        .or_else(|| found.iter().find(agrees))
        .copied()
}
