//! What the imported program declares, part by part and file by file, before it is
//! written as Rust: the plan `emit` writes and `interpret` runs in process (to find what
//! render refuses in the repository as it is, before any code exists).

use super::layout::Layout;
use super::scan::{Content, Doc, RepoFile, Why, prefix_dir};

/// A part of the repository: a cluster (`name`), or the shared folders.
#[derive(Debug)]
pub(crate) struct PartPlan {
    pub(crate) cluster: Option<usize>,
    pub(crate) files: Vec<FilePlan>,
    /// What the cluster says exists before Flux runs (`Cluster::exists_before_flux`), each
    /// a finding: (kind, namespace, name, the finding's index).
    pub(crate) before_flux: Vec<(String, Option<String>, String, usize)>,
    /// Other repositories' trees this cluster renders (`Cluster::repository_tree`).
    pub(crate) trees: Vec<TreePlan>,
}

/// Another repository, read by one of the cluster's GitRepositories, imported as a tree
/// of its own: its files and how each is declared (`FilePlan`s index `files`).
#[derive(Debug)]
pub(crate) struct TreePlan {
    /// The GitRepository (namespace, name) that fetches it.
    pub(crate) source: (String, String),
    /// Where its checkout is, relative to the folder the program renders from.
    pub(crate) local: String,
    pub(crate) files: Vec<RepoFile>,
    pub(crate) plans: Vec<FilePlan>,
}

/// An opt-in a document needs for render to take the repository as it is, each a
/// finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Allow {
    /// `Cluster::allow_secret_in_clear`: a Secret's values are committed in clear.
    SecretInClear,
    /// `Cluster::allow_floating_image`: an image without a fixed version.
    FloatingImage,
}

/// How one file is declared.
#[derive(Debug)]
pub(crate) enum FilePlan {
    /// `Cluster::flux_components`.
    Components {
        path: String,
        version: String,
        sha256: String,
    },
    /// `Cluster::verbatim_file`, its text in the crate's `files/` folder.
    Verbatim { file: usize, why: Why },
    /// `Cluster::file` (with its header comment) and its objects.
    Objects {
        file: usize,
        header: Option<String>,
        docs: Vec<Doc>,
        /// Per document, the opt-ins it needs.
        allow: Vec<Vec<Allow>>,
    },
    /// A kustomization.yaml, carried as it is.
    Kustomize { file: usize },
    /// `Cluster::file` and the patches in it.
    Patches { file: usize, docs: Vec<Doc> },
    /// `Cluster::unapplied_file`: a file of objects Flux never applies (a finding, its
    /// index), carried as it is.
    Unapplied { file: usize, finding: usize },
}

/// The plan of every part: each cluster, then the shared folders (if any file is theirs).
pub(crate) fn plan(files: &[RepoFile], layout: &Layout) -> Vec<PartPlan> {
    let mut parts: Vec<PartPlan> = (0..layout.clusters.len())
        .map(|c| PartPlan {
            cluster: Some(c),
            files: Vec::new(),
            before_flux: Vec::new(),
            trees: Vec::new(),
        })
        .collect();
    let mut shared = PartPlan {
        cluster: None,
        files: Vec::new(),
        before_flux: Vec::new(),
        trees: Vec::new(),
    };
    for (i, f) in files.iter().enumerate() {
        let path = format!("{}{}", prefix_dir(&layout.prefix), f.path);
        let plan = file_plan(i, f, path);
        match layout.part_of[i] {
            Some(c) => parts[c].files.push(plan),
            None => shared.files.push(plan),
        }
    }
    if !shared.files.is_empty() {
        parts.push(shared);
    }
    parts
}

/// How file `i` (`f`, at `path` in its tree) is declared.
fn file_plan(i: usize, f: &RepoFile, path: String) -> FilePlan {
    match &f.content {
        Content::FluxComponents { version, sha256 } => FilePlan::Components {
            path,
            version: version.clone(),
            sha256: sha256.clone(),
        },
        Content::Verbatim(why) => FilePlan::Verbatim { file: i, why: *why },
        Content::Kustomize(_) => FilePlan::Kustomize { file: i },
        Content::Patches(docs) => FilePlan::Patches {
            file: i,
            docs: docs.clone(),
        },
        Content::Objects(docs) => FilePlan::Objects {
            file: i,
            header: header(&f.text),
            docs: docs.clone(),
            allow: vec![Vec::new(); docs.len()],
        },
    }
}

/// Adds another repository's tree, `files` read from its checkout at `local`, to the
/// part of the cluster that declares GitRepository `source`. In a tree of its own only plain files and objects are declared: Flux's
/// components and a file's header comment are carried as the file is.
pub(crate) fn add_tree(
    parts: &mut [PartPlan],
    source: (String, String),
    local: String,
    files: Vec<RepoFile>,
) -> Result<(), String> {
    let declares = |part: &PartPlan| {
        part.cluster.is_some()
            && part.files.iter().any(|plan| match plan {
                FilePlan::Objects { docs, .. } => docs.iter().any(|d| {
                    let v = &d.value;
                    v["kind"] == "GitRepository"
                        && v["metadata"]["name"] == source.1.as_str()
                        && v["metadata"]["namespace"].as_str().unwrap_or("flux-system") == source.0
                }),
                _ => false,
            })
    };
    let Some(part) = parts.iter().position(declares) else {
        return Err(format!(
            "no cluster of the repository declares GitRepository {}/{}, the source given \
             for {local}",
            source.0, source.1
        ));
    };
    let plans = files
        .iter()
        .enumerate()
        .map(|(i, f)| match file_plan(i, f, f.path.clone()) {
            FilePlan::Components { .. } => FilePlan::Verbatim {
                file: i,
                why: Why::NotObjects,
            },
            FilePlan::Objects {
                header: Some(_), ..
            } => FilePlan::Verbatim {
                file: i,
                why: Why::NotObjects,
            },
            plan => plan,
        })
        .collect();
    parts[part].trees.push(TreePlan {
        source,
        local,
        files,
        plans,
    });
    Ok(())
}

/// The comment lines a file starts with (before its first document), if any.
fn header(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty() || l.trim_end() == "---")
        .filter(|l| l.starts_with('#'))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

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
    for (p, part) in parts.iter().enumerate() {
        if only.is_some_and(|o| o != p) && part.cluster.is_some() {
            continue;
        }
        let mut c = crate::Cluster::for_repository("");
        let prefix = prefix_dir(&layout.prefix);
        let source = part.cluster.map(|i| &layout.clusters[i].source);
        let shared = parts.iter().find(|p| p.cluster.is_none());
        let typed = super::typed::part(part, shared, source, &reserved(part));
        let mut handles: Vec<Option<super::typed::Handle>> = typed
            .recipes
            .iter()
            .map(|r| r.recipe.bound_by_cluster())
            .collect();
        declare(
            &mut c,
            None,
            files,
            &prefix,
            &part.files,
            Some((&typed, &mut handles)),
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

/// The variable names a part's function binds besides the typed objects' handles (each
/// tree's source and tree, the cluster, this repository's source).
pub(crate) fn reserved(part: &PartPlan) -> Vec<String> {
    let mut names: Vec<String> = ["c", "file", "object", "repository", "this_repository"]
        .map(String::from)
        .into();
    for tree in &part.trees {
        let var = super::emit::ident(&tree.source.1);
        names.push(format!("{var}_tree"));
        names.push(var);
    }
    names
}

/// The typed declarations of a part and the handles declared so far.
type Typed<'a> = (
    &'a super::typed::PartTyped,
    &'a mut Vec<Option<super::typed::Handle>>,
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
        Some((part, _)) => part.order.clone(),
        None => (0..plans.len()).collect(),
    };
    for p in order {
        let plan = &plans[p];
        match plan {
            FilePlan::Components {
                path,
                version,
                sha256,
            } => {
                c.flux_components(path, version, sha256);
            }
            FilePlan::Verbatim { file, .. } | FilePlan::Kustomize { file } => {
                let f = &files[*file];
                let path = format!("{prefix}{}", f.path);
                match tree {
                    Some(t) => c.verbatim_file_in(t, &path, f.text.clone()),
                    None => c.verbatim_file(&path, f.text.clone()),
                };
            }
            FilePlan::Unapplied { file, .. } => {
                let f = &files[*file];
                c.unapplied_file(&format!("{prefix}{}", f.path), f.text.clone());
            }
            FilePlan::Patches { file, docs } => {
                let path = format!("{prefix}{}", files[*file].path);
                let handle = match tree {
                    Some(t) => c.file_in(t, &path),
                    None => c.file(&path),
                };
                for doc in docs {
                    c.add_patch(&handle, doc.value.clone());
                }
            }
            FilePlan::Objects {
                file,
                header,
                docs,
                allow,
            } => {
                let path = format!("{prefix}{}", files[*file].path);
                let handle = match (tree, header) {
                    (Some(t), _) => c.file_in(t, &path),
                    (None, Some(h)) => c.file_with_header(&path, h),
                    (None, None) => c.file(&path),
                };
                for (d, (doc, allow)) in docs.iter().zip(allow).enumerate() {
                    if let Some((part, handles)) = typed.as_mut()
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
    /// Whether the generated code opts in (with a `// finding:` comment), so that it
    /// still renders the repository as it is.
    pub opted_in: bool,
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
        if !progress {
            for problem in &problems {
                let (at, message) = described(files, parts, &index, None, problem);
                findings.push(Finding {
                    at,
                    message,
                    opted_in: false,
                });
            }
            return findings;
        }
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
            let allow = if problem.message.contains("in clear in Git") {
                Allow::SecretInClear
            } else if problem.message.contains("names no fixed version") {
                Allow::FloatingImage
            } else {
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
/// ConfigMap or Secret, what a Kustomization needs before it runs.
fn exists_before_flux(c: &mut crate::Cluster, kind: &str, namespace: Option<&str>, name: &str) {
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
    let Ok(name) = crate::Name::new(name.to_owned()) else {
        return;
    };
    let ns = crate::NamespaceName::new(namespace.unwrap_or("default").to_owned());
    match (kind, ns) {
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
