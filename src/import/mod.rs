//! `fluxdsl import REPO --out CRATE`: an existing Flux repository becomes a fluxdsl
//! program that renders it as it is.
//!
//! The repository is read whole (`scan`), divided into clusters and shared folders by
//! what each cluster's Kustomizations build (`layout`), and planned file by file
//! (`plan`). The plan runs in process first: what render refuses in the repository as
//! it is becomes a finding, and where an opt-in exists (a Secret in clear, an image
//! without a fixed version) the code makes it with a `// finding:` comment. Then
//! `emit` writes the crate: a module per cluster and one for the shared folders, each
//! object as its manifest, Flux's components pinned by version and checksum, SOPS files,
//! kustomization.yaml files and other files carried byte for byte under `files/`.

mod emit;
mod layout;
mod plan;
mod scan;

use std::path::Path;

pub use plan::Finding;

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
}

/// The crate importing `repo` gives, computed but not written: its files (path in the
/// crate, text) and the report.
pub fn generate(repo: &Path) -> Result<(Vec<(String, String)>, Report), String> {
    let files = scan::scan(repo)?;
    let layout = layout::layout(&files);
    let mut parts = plan::plan(&files, &layout);
    let findings = plan::settle(&files, &layout, &mut parts);
    let name = repo
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "repository".into());
    let sources = emit::emit(&name, &files, &layout, &parts, &findings);
    let report = Report {
        clusters: layout.clusters.iter().map(|c| c.name.clone()).collect(),
        files: files.len(),
        objects: layout::objects(&files).count(),
        yaml_lines: files
            .iter()
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
    };
    Ok((sources, report))
}

/// The repository as fluxdsl declares it after the import, built in process (the same
/// declarations the written crate makes, each object as its manifest): what the written
/// crate's `repository()` renders.
pub fn repository(repo: &Path) -> Result<crate::Repository, String> {
    let files = scan::scan(repo)?;
    let layout = layout::layout(&files);
    let mut parts = plan::plan(&files, &layout);
    plan::settle(&files, &layout, &mut parts);
    Ok(plan::interpret(&files, &layout, &parts))
}

/// Imports `repo` into a new crate at `out` (new, or an empty folder), written whole or
/// not at all; `fluxdsl` is its path dependency at `fluxdsl_dir`.
pub fn import(repo: &Path, out: &Path, fluxdsl_dir: &str) -> Result<Report, String> {
    let (sources, report) = generate(repo)?;
    let name = crate::cli::crate_name(out)?;
    let mut all = sources;
    all.push(("Cargo.toml".into(), cargo_toml(&name, fluxdsl_dir)));
    all.push(("README.md".into(), readme(&name, repo, &report)));
    all.push((".gitignore".into(), "/target\n".into()));
    crate::cli::write_crate(out, &all)?;
    Ok(report)
}

fn cargo_toml(name: &str, fluxdsl_dir: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = \
         false\n\n[dependencies]\nfluxdsl = {{ path = {fluxdsl_dir:?} }}\nserde_json = \"1\"\n"
    )
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
                if f.opted_in {
                    " (opted in, `// finding:` in the code)"
                } else {
                    ""
                }
            ));
        }
    }
    s
}
