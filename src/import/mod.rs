//! `fluxdsl import REPO --out CRATE`: an existing Flux repository becomes a fluxdsl
//! program that renders it as it is.
//!
//! The repository is read whole (`scan`), divided into clusters and shared folders by
//! what each cluster's Kustomizations build (`layout`), and planned file by file
//! (`plan`), its Flux objects typed where `typed` has a recipe for them. The plan runs
//! in process first (`run`): what render refuses in the repository as
//! it is becomes a finding, and where an opt-in exists (a Secret in clear, an image
//! without a fixed version) the code makes it with a `// finding:` comment. Then
//! `emit` writes the crate: a module per cluster and one for the shared folders, each
//! object typed where `typed` has a recipe for it (its references handles, files in
//! dependency order) and else as its manifest, each kustomization.yaml a typed kustomize
//! folder where `folders` says the config writes it as it is, Flux's components
//! pinned by version and checksum, SOPS files, the other kustomization.yaml files and
//! other files carried byte for byte under `files/`; rustfmt formats it.

mod emit;
mod folders;
mod layout;
mod plan;
mod run;
mod rust;
mod scan;
mod typed;

use std::path::{Path, PathBuf};

pub use run::Finding;

/// Another repository a GitRepository of the imported one fetches, checked out at `dir`:
/// imported as a tree of its own (`Cluster::repository_tree`), as this project's
/// `kube-deploy` beside `k8s/flux`.
#[derive(Debug, Clone)]
pub struct OtherRepository {
    /// The GitRepository's namespace.
    pub namespace: String,
    /// The GitRepository's name.
    pub name: String,
    /// Its checkout.
    pub dir: PathBuf,
}

impl std::str::FromStr for OtherRepository {
    type Err = String;

    /// `[NAMESPACE/]NAME=DIR` (the namespace `flux-system` when not given).
    fn from_str(s: &str) -> Result<Self, String> {
        let (source, dir) = s
            .split_once('=')
            .filter(|(source, dir)| !source.is_empty() && !dir.is_empty())
            .ok_or_else(|| format!("{s:?}: expected [NAMESPACE/]NAME=DIR"))?;
        let (namespace, name) = source.split_once('/').unwrap_or(("flux-system", source));
        Ok(OtherRepository {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            dir: PathBuf::from(dir),
        })
    }
}

/// The repository read and planned: its files, layout, parts and findings.
struct Planned {
    files: Vec<scan::RepoFile>,
    layout: layout::Layout,
    parts: Vec<plan::PartPlan>,
    findings: Vec<Finding>,
}

fn planned(repo: &Path, others: &[OtherRepository]) -> Result<Planned, String> {
    let files = scan::scan(repo)?;
    let layout = layout::layout(&files);
    let mut parts = plan::plan(&files, &layout);
    for other in others {
        let tree = scan::scan(&other.dir)?;
        let local = local_path(repo, &layout.prefix, &other.dir);
        let source = (other.namespace.clone(), other.name.clone());
        plan::add_tree(&mut parts, source, local, tree)?;
    }
    let findings = run::settle(&files, &layout, &mut parts);
    Ok(Planned {
        files,
        layout,
        parts,
        findings,
    })
}

/// Where `dir` is relative to the root of the repository `repo` is the folder `prefix`
/// of: its path there when it is inside it, else its folder's name.
fn local_path(repo: &Path, prefix: &str, dir: &Path) -> String {
    let name = || {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "repository".into())
    };
    let (Ok(mut root), Ok(dir)) = (repo.canonicalize(), dir.canonicalize()) else {
        return name();
    };
    for _ in prefix.split('/').filter(|c| !c.is_empty()) {
        root.pop();
    }
    match dir.strip_prefix(&root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().replace('\\', "/"),
        _ => name(),
    }
}

/// What an import read and wrote.
#[derive(Debug)]
pub struct Report {
    /// The clusters found, by name.
    pub clusters: Vec<String>,
    /// Files read.
    pub files: usize,
    /// Objects (documents with apiVersion, kind and name) declared.
    pub objects: usize,
    /// Non-empty lines of the repository's YAML (Flux's components aside).
    pub yaml_lines: usize,
    /// Non-empty lines of the Rust written.
    pub rust_lines: usize,
    /// The prefix the repository's Flux paths carry (its folder in a larger repository).
    pub prefix: String,
    /// What render refuses in the repository as it is.
    pub findings: Vec<Finding>,
    /// Why the Rust sources are not as `cargo fmt` leaves them (rustfmt could not run),
    /// if they are not.
    pub unformatted: Option<String>,
}

/// The crate importing `repo` gives, computed but not written: its files (path in the
/// crate, text) and the report.
pub fn generate(repo: &Path) -> Result<(Vec<(String, String)>, Report), String> {
    generate_with(repo, &[])
}

/// [`generate`], with `others` imported as trees of their own.
pub fn generate_with(
    repo: &Path,
    others: &[OtherRepository],
) -> Result<(Vec<(String, String)>, Report), String> {
    let Planned {
        files,
        layout,
        parts,
        findings,
    } = planned(repo, others)?;
    let trees = || parts.iter().flat_map(|p| p.trees.iter());
    let name = repo
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "repository".into());
    let mut sources = emit::emit(&name, &files, &layout, &parts, &findings);
    let unformatted = format_sources(&mut sources).err();
    let report = Report {
        clusters: layout.clusters.iter().map(|c| c.name.clone()).collect(),
        files: files.len() + trees().map(|t| t.files.len()).sum::<usize>(),
        objects: layout::objects(&files).count()
            + trees()
                .map(|t| layout::objects(&t.files).count())
                .sum::<usize>(),
        yaml_lines: files
            .iter()
            .chain(trees().flat_map(|t| t.files.iter()))
            .filter(|f| scan::is_yaml(&f.path))
            .filter(|f| !matches!(f.content, scan::Content::FluxComponents { .. }))
            .map(|f| f.text.lines().filter(|l| !l.trim().is_empty()).count())
            .sum(),
        rust_lines: sources
            .iter()
            .filter(|(p, _)| p.ends_with(".rs"))
            .map(|(_, t)| t.lines().filter(|l| !l.trim().is_empty()).count())
            .sum(),
        prefix: layout.prefix.clone(),
        findings,
        unformatted,
    };
    Ok((sources, report))
}

/// Each Rust source as `cargo fmt` leaves it: the toolchain's rustfmt (edition 2024),
/// run once over the sources written to a scratch folder (from `src/main.rs`, it follows
/// the modules). Why not, when rustfmt cannot be run: the sources stay as the emitter
/// wrote them, which compile all the same.
fn format_sources(sources: &mut [(String, String)]) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("a scratch folder: {e}"))?;
    let rust = |p: &str| p.ends_with(".rs");
    for (path, text) in sources.iter().filter(|(p, _)| rust(p)) {
        let at = scratch.path().join(path);
        if let Some(folder) = at.parent() {
            std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        }
        std::fs::write(&at, text).map_err(|e| format!("{}: {e}", at.display()))?;
    }
    let out = std::process::Command::new("rustfmt")
        .args(["--edition", "2024", "src/main.rs"])
        .current_dir(scratch.path())
        .output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    for (path, text) in sources.iter_mut().filter(|(p, _)| rust(p)) {
        let at = scratch.path().join(path.as_str());
        *text = std::fs::read_to_string(&at).map_err(|e| format!("{}: {e}", at.display()))?;
    }
    Ok(())
}

/// The repository as fluxdsl declares it after the import, built in process (the same
/// declarations the written crate makes, from the same recipes): what the written
/// crate's `repository()` renders.
pub fn repository(repo: &Path) -> Result<crate::Repository, String> {
    repository_with(repo, &[])
}

/// [`repository`], with `others` imported as trees of their own.
pub fn repository_with(
    repo: &Path,
    others: &[OtherRepository],
) -> Result<crate::Repository, String> {
    let p = planned(repo, others)?;
    Ok(run::interpret(&p.files, &p.layout, &p.parts))
}

/// Imports `repo` into a new crate at `out` (new, or an empty folder), written whole or
/// not at all; `fluxdsl` is its path dependency at `fluxdsl_dir`.
pub fn import(
    repo: &Path,
    others: &[OtherRepository],
    out: &Path,
    fluxdsl_dir: &str,
) -> Result<Report, String> {
    let (sources, report) = generate_with(repo, others)?;
    let name = crate::cli::crate_name(out)?;
    let mut all = sources;
    all.push((
        "Cargo.toml".into(),
        crate::cli::cargo_toml(&name, fluxdsl_dir),
    ));
    all.push(("README.md".into(), readme(&name, repo, &report)));
    all.push((".gitignore".into(), "/target\n".into()));
    all.push((".cargo/config.toml".into(), crate::cli::CARGO_CONFIG.into()));
    crate::cli::write_crate(out, &all)?;
    Ok(report)
}

fn readme(name: &str, repo: &Path, report: &Report) -> String {
    let mut s = format!(
        "# {name}\n\nThe Flux repository {} as a fluxdsl program, written by `fluxdsl import`: \
         clusters {}; {} objects from {} files.\n\n```sh\ncargo run                # print the \
         YAML\ncargo run -- render      # write it into the repository\ncargo run -- check       \
         # check the committed YAML is current (CI)\n```\n",
        repo.display(),
        report.clusters.join(", "),
        report.objects,
        report.files
    );
    if !report.findings.is_empty() {
        s.push_str("\n## Findings\n\n");
        for f in &report.findings {
            s.push_str(&format!(
                "- {}{}{}\n",
                f.at.as_deref()
                    .map(|a| format!("`{a}`: "))
                    .unwrap_or_default(),
                f.message,
                match (f.pin_withheld, f.opted_in) {
                    (true, _) =>
                        " (the cluster's Flux API is not pinned: `// finding:` in the code)",
                    (false, true) => " (opted in, `// finding:` in the code)",
                    (false, false) => "",
                }
            ));
        }
    }
    s
}
