//! The rendered tree on disk: writing it without ever leaving it half-written, and
//! checking that it is current.
//!
//! The tree is shared with files this program does not own (Flux's
//! `gotk-components.yaml`, files other tools write). Which files are ours is recorded in
//! [`OWNED_LIST`] inside the tree; only those are ever replaced or removed.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::render::RenderedTree;

/// The file, inside the tree, that lists the files this program owns there.
pub const OWNED_LIST: &str = ".fluxdsl-owned";

const OWNED_HEADER: &str = "# Files in this folder written by fluxdsl (`cargo run -- render`).\n\
# fluxdsl replaces and removes only these; every other file here is left alone.\n";

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

fn owned_list_text(rendered: &RenderedTree) -> String {
    let mut text = OWNED_HEADER.to_owned();
    for (path, _) in rendered.files() {
        text.push_str(path);
        text.push('\n');
    }
    text
}

/// The files the tree at `out` says this program wrote last time.
fn previously_owned(out: &Path) -> Result<BTreeSet<String>> {
    let list = out.join(OWNED_LIST);
    match fs::read_to_string(&list) {
        Ok(text) => {
            let mut owned = BTreeSet::new();
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if line.starts_with('/') || line.split('/').any(|s| s == ".." || s.is_empty()) {
                    return Err(Error::Parse {
                        path: list,
                        message: format!("{line:?} is not a path inside the tree"),
                    });
                }
                owned.insert(line.to_owned());
            }
            Ok(owned)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(io("cannot read", &list)(e)),
    }
}

/// What [`write_tree`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written because they were new or changed.
    pub written: Vec<String>,
    /// Files already current, left untouched.
    pub unchanged: Vec<String>,
    /// Files this program wrote before and no longer renders, removed.
    pub removed: Vec<String>,
}

/// Writes `rendered` into the folder `out`.
///
/// Every file is first written in full to a staging folder beside the tree; only when all
/// of them are written is each moved into place with a rename, which replaces a file in
/// one step. A failure before that point leaves the tree as it was. Files not listed in
/// [`OWNED_LIST`] are never touched, and upstream files are never written.
pub fn write_tree(rendered: &RenderedTree, out: &Path) -> Result<WriteReport> {
    stage_tree(rendered, out)?.commit()
}

/// [`write_tree`] for several trees: all of them are staged before any file moves.
pub fn write_trees(trees: &[(&RenderedTree, PathBuf)]) -> Result<Vec<WriteReport>> {
    let staged = trees
        .iter()
        .map(|(rendered, out)| stage_tree(rendered, out))
        .collect::<Result<Vec<_>>>()?;
    staged.into_iter().map(Staged::commit).collect()
}

/// A tree written in full to a staging folder, not yet moved into place.
pub struct Staged<'a> {
    rendered: &'a RenderedTree,
    out: PathBuf,
    _stage: tempfile::TempDir,
    moves: Vec<(PathBuf, PathBuf)>,
    previous: BTreeSet<String>,
    report: WriteReport,
}

/// Writes every new or changed file of `rendered` to a staging folder beside `out`.
pub fn stage_tree<'a>(rendered: &'a RenderedTree, out: &Path) -> Result<Staged<'a>> {
    if out.exists() && !out.is_dir() {
        return Err(Error::Io {
            action: "cannot render into",
            path: out.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    fs::create_dir_all(out).map_err(io("cannot create", out))?;
    let previous = previously_owned(out)?;

    // Stage beside the tree (same file system, so renames are atomic).
    let stage_parent = out
        .canonicalize()
        .map_err(io("cannot resolve", out))?
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| out.to_owned());
    let stage = tempfile::Builder::new()
        .prefix(".fluxdsl-render-")
        .tempdir_in(&stage_parent)
        .map_err(io("cannot write into", &stage_parent))?;

    let mut report = WriteReport::default();
    let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut stage_file = |rel: &str, text: &str| -> Result<()> {
        let target = out.join(rel);
        if target.is_dir() {
            return Err(Error::Io {
                action: "cannot write",
                path: target,
                source: std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            });
        }
        let staged = stage.path().join(rel);
        if let Some(parent) = staged.parent() {
            fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
        }
        let mut f = fs::File::create(&staged).map_err(io("cannot write", &staged))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(io("cannot write", &staged))?;
        moves.push((staged, target));
        Ok(())
    };
    for (rel, text) in rendered.files() {
        if fs::read(out.join(rel)).is_ok_and(|old| old == text.as_bytes()) {
            report.unchanged.push(rel.to_owned());
        } else {
            stage_file(rel, text)?;
            report.written.push(rel.to_owned());
        }
    }
    let list = owned_list_text(rendered);
    if fs::read_to_string(out.join(OWNED_LIST)).ok().as_deref() != Some(list.as_str()) {
        stage_file(OWNED_LIST, &list)?;
    }
    Ok(Staged {
        rendered,
        out: out.to_owned(),
        _stage: stage,
        moves,
        previous,
        report,
    })
}

impl Staged<'_> {
    /// Moves every staged file into place, then removes the files this program owned and
    /// no longer renders.
    pub fn commit(self) -> Result<WriteReport> {
        let Staged {
            rendered,
            out,
            moves,
            previous,
            mut report,
            ..
        } = self;
        for (staged, target) in &moves {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
            }
            fs::rename(staged, target).map_err(io("cannot replace", target))?;
        }
        // Never upstream or unknown files.
        let upstream: BTreeSet<&str> = rendered
            .upstream()
            .iter()
            .map(|u| u.path.as_str())
            .collect();
        for rel in previous {
            if rendered.file(&rel).is_some() || upstream.contains(rel.as_str()) {
                continue;
            }
            let path = out.join(&rel);
            match fs::remove_file(&path) {
                Ok(()) => {
                    report.removed.push(rel.clone());
                    remove_empty_parents(&out, &path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("cannot remove", &path)(e)),
            }
        }
        Ok(report)
    }
}

/// Removes folders left empty by a removal, up to (not including) `out`.
fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == out || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// The result of [`check_tree`].
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Tree-relative paths that differ from the definition.
    pub differing: Vec<String>,
    /// A unified diff from the tree on disk to the definition.
    pub diff: String,
    /// Upstream files that are missing or not what the definition pins, each with what is
    /// wrong and how to fix it.
    pub upstream_problems: Vec<(crate::render::UpstreamFile, String)>,
}

impl CheckReport {
    /// Whether the tree on disk is current: every rendered file as rendered, every upstream
    /// file present and as pinned.
    pub fn is_current(&self) -> bool {
        self.differing.is_empty() && self.upstream_problems.is_empty()
    }
}

/// What is wrong with the upstream file `u` in the tree at `out`, if anything.
pub fn upstream_problem(u: &crate::render::UpstreamFile, out: &Path) -> Result<Option<String>> {
    let path = out.join(&u.path);
    match fs::read(&path) {
        Ok(bytes) => Ok(u.verify(&bytes).err()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(format!(
            "it is missing; produce it with `{}`",
            u.produce
        ))),
        Err(e) => Err(io("cannot read", &path)(e)),
    }
}

/// Compares the tree at `out` with `rendered`, writing nothing.
pub fn check_tree(rendered: &RenderedTree, out: &Path) -> Result<CheckReport> {
    let previous = previously_owned(out)?;
    let mut report = CheckReport::default();
    let shown = |rel: &str| out.join(rel).display().to_string();
    let mut compare = |rel: &str, want: &str| -> Result<()> {
        let path = out.join(rel);
        let have = match fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io("cannot read", &path)(e)),
        };
        if have != want {
            let a = if path.exists() {
                shown(rel)
            } else {
                "/dev/null".into()
            };
            let b = if want.is_empty() {
                "/dev/null".into()
            } else {
                shown(rel)
            };
            report.diff.push_str(
                &similar::TextDiff::from_lines(&have, want)
                    .unified_diff()
                    .header(&a, &b)
                    .to_string(),
            );
            report.differing.push(rel.to_owned());
        }
        Ok(())
    };
    for (rel, text) in rendered.files() {
        compare(rel, text)?;
    }
    for rel in &previous {
        if rendered.file(rel).is_none() && out.join(rel).exists() {
            compare(rel, "")?;
        }
    }
    compare(OWNED_LIST, &owned_list_text(rendered))?;
    for u in rendered.upstream() {
        if let Some(problem) = upstream_problem(u, out)? {
            report.upstream_problems.push((u.clone(), problem));
        }
    }
    Ok(report)
}
