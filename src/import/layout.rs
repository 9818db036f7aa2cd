//! How an imported repository divides into clusters: the Kustomizations built from the
//! repository itself, which files each one's build reads, and which Kustomizations nothing
//! else applies (a cluster's entry, usually its `flux-system`). A file one cluster alone
//! reads is that cluster's; the rest are the shared folders.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::scan::{Content, RepoFile, clean, is_kustomization, prefix_dir};

/// The clusters found, and each file's part.
#[derive(Debug)]
pub(crate) struct Layout {
    /// The folder the repository's Flux paths are relative to, when the imported folder is
    /// inside a larger repository (`tests/testdata/cluster2` for `./tests/testdata/…`); every
    /// rendered path starts with it.
    pub(crate) prefix: String,
    pub(crate) clusters: Vec<ClusterPart>,
    /// Per file (as `scan` lists them): the index of its cluster, `None` for shared.
    pub(crate) part_of: Vec<Option<usize>>,
}

#[derive(Debug)]
pub(crate) struct ClusterPart {
    pub(crate) name: String,
    /// The GitRepository (namespace, name) its entry Kustomization builds from: the
    /// repository itself, as `flux bootstrap` points the cluster at it.
    pub(crate) source: (String, String),
}

/// A Kustomization whose source is a GitRepository this repository declares.
struct Sync {
    file: usize,
    name: String,
    source: (String, String),
    /// `spec.path`, without `./` and trailing `/`.
    path: String,
}

pub(crate) fn layout(files: &[RepoFile]) -> Layout {
    let by_path: BTreeMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    // Every Kustomization built from a GitRepository; those whose path names a folder of
    // the repository build from the repository itself (declared here, or made by
    // `flux bootstrap`), the rest from another one (a tenant's).
    let from_git: Vec<Sync> = objects(files)
        .filter(|(_, d)| kind_of(d) == ("kustomize.toolkit.fluxcd.io", "Kustomization"))
        .filter_map(|(file, d)| {
            let source = &d["spec"]["sourceRef"];
            if source["kind"] != "GitRepository" {
                return None;
            }
            let source = (
                source["namespace"]
                    .as_str()
                    .map_or_else(|| namespace_of(d), str::to_owned),
                source["name"].as_str()?.to_owned(),
            );
            Some(Sync {
                file,
                name: name_of(d),
                source,
                path: clean(d["spec"]["path"].as_str().unwrap_or("")),
            })
        })
        .collect();
    let prefix = prefix(&from_git, &by_path);
    let resolves = |s: &Sync| within(&s.path, &prefix).is_some_and(|dir| is_dir(&by_path, dir));
    // A source's root is this repository's only if another path of that source shows it
    // is (a tenant's GitRepository is built at its root, `./`, too).
    let ours: BTreeSet<&(String, String)> = from_git
        .iter()
        .filter(|s| !s.path.is_empty() && resolves(s))
        .map(|s| &s.source)
        .collect();
    let keep: Vec<bool> = from_git
        .iter()
        .map(|s| resolves(s) && (!s.path.is_empty() || ours.contains(&s.source)))
        .collect();
    let syncs: Vec<Sync> = from_git
        .into_iter()
        .zip(keep)
        .filter_map(|(s, keep)| keep.then_some(s))
        .collect();
    let reads: Vec<BTreeSet<usize>> = syncs
        .iter()
        .map(|s| {
            let dir = within(&s.path, &prefix).unwrap_or("");
            let mut read = BTreeSet::new();
            build_reads(files, &by_path, dir, &mut read, 0);
            read
        })
        .collect();
    // Kustomization i applies Kustomization j when its build reads j's file.
    let applies = |i: usize, j: usize| reads[i].contains(&syncs[j].file);
    let n = syncs.len();
    let mut reach: Vec<BTreeSet<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| applies(i, j)).collect())
        .collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            let more: BTreeSet<usize> = reach[i]
                .iter()
                .flat_map(|&j| reach[j].iter().copied())
                .collect();
            let before = reach[i].len();
            reach[i].extend(more);
            changed |= reach[i].len() != before;
        }
        if !changed {
            break;
        }
    }
    // An entry: whatever applies it, it applies back (flux-system applies itself).
    let entries: Vec<usize> = (0..n)
        .filter(|&i| (0..n).all(|j| !reach[j].contains(&i) || reach[i].contains(&j) || j == i))
        .collect();
    // A cluster: the entries declared in one folder (`clusters/staging`, its
    // `flux-system` folder counted in it): where `flux bootstrap` points a cluster.
    // and any folder with a `flux-system` folder of Flux's files, even when its sync is a
    // placeholder `flux bootstrap` fills in.
    let mut by_dir: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in &entries {
        by_dir
            .entry(cluster_dir(&files[syncs[i].file].path))
            .or_default()
            .push(i);
    }
    for f in files {
        if f.path.contains("flux-system/") && super::scan::is_yaml(&f.path) {
            let dir = cluster_dir(&f.path);
            if f.path
                .strip_prefix(&plan_dir(&dir))
                .is_some_and(|rest| rest.starts_with("flux-system/"))
            {
                by_dir.entry(dir).or_default();
            }
        }
    }
    let dirs: Vec<String> = by_dir.keys().cloned().collect();
    let mut clusters: Vec<ClusterPart> = Vec::new();
    let mut members: Vec<BTreeSet<usize>> = Vec::new(); // files per cluster
    for (dir, class) in &by_dir {
        // Its own folder's files (not a nested cluster's), and what its syncs build.
        let start = plan_dir(dir);
        let own: BTreeSet<usize> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path.starts_with(&start))
            .filter(|(_, f)| {
                !dirs
                    .iter()
                    .any(|d| d.len() > dir.len() && f.path.starts_with(&plan_dir(d)))
            })
            .map(|(i, _)| i)
            .collect();
        let mut files_read = own.clone();
        for (k, sync) in syncs.iter().enumerate() {
            if own.contains(&sync.file) {
                for &r in reach[k].iter().chain([&k]) {
                    files_read.extend(reads[r].iter().copied());
                    files_read.insert(syncs[r].file);
                }
            }
        }
        let mut class = class.clone();
        class.extend((0..n).filter(|&k| own.contains(&syncs[k].file)));
        let named = class
            .iter()
            .copied()
            .find(|&k| syncs[k].name == "flux-system")
            .or(class.first().copied());
        let mut name = match dir.rsplit('/').next() {
            Some(last) if !last.is_empty() => last.to_owned(),
            _ => "cluster".to_owned(),
        };
        while clusters.iter().any(|c| c.name == name) {
            name.push('2');
        }
        clusters.push(ClusterPart {
            name,
            // `flux bootstrap`'s name for it when no sync of the cluster names it.
            source: named.map_or_else(
                || ("flux-system".to_owned(), "flux-system".to_owned()),
                |k| syncs[k].source.clone(),
            ),
        });
        members.push(files_read);
    }
    let part_of = (0..files.len())
        .map(|f| {
            let mut of = members.iter().enumerate().filter(|(_, m)| m.contains(&f));
            match (of.next(), of.next()) {
                (Some((c, _)), None) => Some(c),
                _ => None,
            }
        })
        .collect();
    Layout {
        prefix,
        clusters,
        part_of,
    }
}

/// Every object document: its file's index and the document.
pub(crate) fn objects(files: &[RepoFile]) -> impl Iterator<Item = (usize, &Value)> {
    files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match &f.content {
            Content::Objects(docs) => Some((i, docs)),
            _ => None,
        })
        .flat_map(|(i, docs)| docs.iter().map(move |d| (i, &d.value)))
}

/// An object's API group and kind.
pub(crate) fn kind_of(doc: &Value) -> (&str, &str) {
    let api = doc["apiVersion"].as_str().unwrap_or("");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    (group, doc["kind"].as_str().unwrap_or(""))
}

/// Its namespace, `flux-system` when it names none (where `flux bootstrap` puts Flux's
/// objects and where Kustomizations without one are applied from).
pub(crate) fn namespace_of(doc: &Value) -> String {
    doc["metadata"]["namespace"]
        .as_str()
        .unwrap_or("flux-system")
        .to_owned()
}

pub(crate) fn name_of(doc: &Value) -> String {
    doc["metadata"]["name"].as_str().unwrap_or("").to_owned()
}

/// `path` relative to the imported folder, if it is inside it.
fn within<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    if prefix.is_empty() {
        Some(path)
    } else if path == prefix {
        Some("")
    } else {
        path.strip_prefix(prefix)?.strip_prefix('/')
    }
}

/// Whether `dir` is a folder of the repository (the root is).
fn is_dir(by_path: &BTreeMap<&str, usize>, dir: &str) -> bool {
    let start = format!("{dir}/");
    dir.is_empty()
        || by_path
            .range(start.as_str()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&start))
}

/// The folder the Kustomizations' paths start with, beyond the imported folder: the one
/// that makes the most paths name a folder of the repository (none when that is a tie).
fn prefix(syncs: &[Sync], by_path: &BTreeMap<&str, usize>) -> String {
    let resolves = |prefix: &str| {
        syncs
            .iter()
            .filter(|s| !s.path.is_empty())
            .filter(|s| within(&s.path, prefix).is_some_and(|d| is_dir(by_path, d)))
            .count()
    };
    let mut best = (resolves(""), String::new());
    for s in syncs.iter().filter(|s| !s.path.is_empty()) {
        let parts: Vec<&str> = s.path.split('/').filter(|p| !p.is_empty()).collect();
        for cut in 1..=parts.len() {
            let candidate = parts[..cut].join("/");
            let count = resolves(&candidate);
            if count > best.0 {
                best = (count, candidate);
            }
        }
    }
    best.1
}

/// The files kustomize (or Flux's generated kustomization) reads to build `dir`.
fn build_reads(
    files: &[RepoFile],
    by_path: &BTreeMap<&str, usize>,
    dir: &str,
    out: &mut BTreeSet<usize>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    let join = |rel: &str| {
        clean(&if dir.is_empty() {
            rel.to_owned()
        } else {
            format!("{dir}/{rel}")
        })
    };
    let config = crate::kube_rules::KUSTOMIZATION_FILES
        .iter()
        .find_map(|n| by_path.get(join(n).as_str()).copied());
    let Some(config) = config else {
        // Flux generates one: every manifest below, a folder with its own kustomization
        // taken as a whole.
        let start = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut nested: Vec<String> = Vec::new();
        for (path, &i) in by_path.range(start.as_str()..) {
            if !path.starts_with(&start) {
                break;
            }
            if nested.iter().any(|n| path.starts_with(n.as_str())) {
                continue;
            }
            if is_kustomization(path) {
                let sub = path.rsplit_once('/').map_or("", |(d, _)| d);
                if sub != dir {
                    nested.push(format!("{sub}/"));
                    build_reads(files, by_path, sub, out, depth + 1);
                }
                continue;
            }
            if path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".json") {
                out.insert(i);
            }
        }
        return;
    };
    out.insert(config);
    let Content::Kustomize(k) = &files[config].content else {
        return;
    };
    let mut entry = |rel: &str| {
        let path = join(rel);
        if let Some(&i) = by_path.get(path.as_str()) {
            out.insert(i);
        } else if !rel.contains("://") {
            build_reads(files, by_path, &path, out, depth + 1);
        }
    };
    for field in [
        "resources",
        "bases",
        "components",
        "crds",
        "configurations",
        "transformers",
        "generators",
        "patchesStrategicMerge",
    ] {
        for r in k[field].as_array().into_iter().flatten() {
            if let Some(r) = r.as_str().filter(|r| !r.contains('\n')) {
                entry(r);
            }
        }
    }
    for field in ["patches", "patchesJson6902"] {
        for p in k[field].as_array().into_iter().flatten() {
            if let Some(path) = p["path"].as_str() {
                entry(path);
            }
        }
    }
    for field in ["configMapGenerator", "secretGenerator"] {
        for g in k[field].as_array().into_iter().flatten() {
            let sources = g["files"].as_array().into_iter().flatten();
            for f in sources.chain(g["envs"].as_array().into_iter().flatten()) {
                if let Some(f) = f.as_str() {
                    entry(f.split_once('=').map_or(f, |(_, p)| p));
                }
            }
            if let Some(env) = g["env"].as_str() {
                entry(env);
            }
        }
    }
    for chart in k["helmCharts"].as_array().into_iter().flatten() {
        if let Some(values) = chart["valuesFile"].as_str() {
            entry(values);
        }
    }
    if let Some(path) = k["openapi"]["path"].as_str() {
        entry(path);
    }
}

/// `dir` as the start of the paths below it.
fn plan_dir(dir: &str) -> String {
    prefix_dir(dir)
}

/// The folder of a cluster whose entry `file` declares: the file's, its `flux-system`
/// folder counted in its parent.
fn cluster_dir(file: &str) -> String {
    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    match dir.strip_suffix("flux-system") {
        Some(parent) if parent.is_empty() || parent.ends_with('/') => {
            parent.trim_end_matches('/').to_owned()
        }
        _ => dir.to_owned(),
    }
}
