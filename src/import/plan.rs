//! What the imported program declares, part by part and file by file, before it is
//! written as Rust: the plan `emit` writes and `run` runs in process (to find what
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
    /// The findings the Flux API its components pin would refuse with no opt-in (a
    /// version it does not serve, a field its schemas lack): the pin is then left out,
    /// written as a comment beside them.
    pub(crate) pin_withheld: Vec<usize>,
    /// The Flux API the CRDs of its committed components define, read once.
    pub(crate) flux_api: Option<crate::FluxApi>,
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

/// The Flux components of a cluster's main tree, if it commits them: (file, version).
pub(crate) fn components(part: &PartPlan) -> Option<(usize, &str)> {
    components_of(part).map(|(file, version, _)| (file, version))
}

/// [`components`] with their checksum.
fn components_of(part: &PartPlan) -> Option<(usize, &str, &str)> {
    part.cluster?;
    part.files.iter().find_map(|plan| match plan {
        FilePlan::Components {
            file,
            version,
            sha256,
            ..
        } => Some((*file, version.as_str(), sha256.as_str())),
        _ => None,
    })
}

/// The components the clusters pin their Flux API from, each once (clusters that commit
/// the same file share it): the function of the crate's `main.rs` that reads them, the
/// version, and the part and file of the first cluster that commits them.
pub(crate) struct PinnedComponents {
    pub(crate) function: String,
    pub(crate) version: String,
    pub(crate) part: usize,
    pub(crate) file: usize,
    sha256: String,
}

pub(crate) fn pinned_components(parts: &[PartPlan]) -> Vec<PinnedComponents> {
    let mut out: Vec<PinnedComponents> = Vec::new();
    for (p, part) in parts.iter().enumerate() {
        let Some((file, version, sha)) = components_of(part).filter(|_| pinned(part).is_some())
        else {
            continue;
        };
        if out.iter().any(|c| c.sha256 == sha) {
            continue;
        }
        let mut function = format!("flux_{}", version.replace(['.', '-'], "_"));
        while out.iter().any(|c| c.function == function) {
            function.push_str("_b");
        }
        out.push(PinnedComponents {
            function,
            version: version.to_owned(),
            part: p,
            file,
            sha256: sha.to_owned(),
        });
    }
    out
}

/// The [`PinnedComponents`] part `p` pins its Flux API from.
pub(crate) fn pinned_by<'a>(
    all: &'a [PinnedComponents],
    parts: &[PartPlan],
    p: usize,
) -> Option<&'a PinnedComponents> {
    let (_, _, sha) = components_of(&parts[p]).filter(|_| pinned(&parts[p]).is_some())?;
    all.iter().find(|c| c.sha256 == sha)
}

/// [`components`] and the Flux API their CRDs define, where the part pins it.
pub(crate) fn pinned(part: &PartPlan) -> Option<(usize, &str, &crate::FluxApi)> {
    let (file, version) = components(part)?;
    let api = part.flux_api.as_ref()?;
    part.pin_withheld.is_empty().then_some((file, version, api))
}

/// How one file is declared.
#[derive(Debug)]
pub(crate) enum FilePlan {
    /// `Cluster::flux_components`; its CRDs pin the cluster's Flux API (`Cluster::flux_api`,
    /// from the copy in the crate's `files/`).
    Components {
        file: usize,
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
            pin_withheld: Vec::new(),
            flux_api: None,
        })
        .collect();
    let mut shared = PartPlan {
        cluster: None,
        files: Vec::new(),
        before_flux: Vec::new(),
        trees: Vec::new(),
        pin_withheld: Vec::new(),
        flux_api: None,
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
    // Read once per file: clusters that commit the same components share them.
    let mut read: Vec<(String, Option<crate::FluxApi>)> = Vec::new();
    for part in &mut parts {
        let Some((file, version, sha)) = components_of(part) else {
            continue;
        };
        let sha = sha.to_owned();
        let api = match read.iter().find(|(s, _)| *s == sha) {
            Some((_, api)) => api.clone(),
            None => {
                let api =
                    crate::FluxApi::from_crds(&format!("Flux {version}"), &files[file].text).ok();
                read.push((sha, api.clone()));
                api
            }
        };
        part.flux_api = api;
    }
    parts
}

/// How file `i` (`f`, at `path` in its tree) is declared.
fn file_plan(i: usize, f: &RepoFile, path: String) -> FilePlan {
    match &f.content {
        Content::FluxComponents { version, sha256 } => FilePlan::Components {
            file: i,
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
