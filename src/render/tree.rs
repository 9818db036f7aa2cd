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
    /// The staging folder (holding the old tree, when the tree was exchanged whole) that
    /// could not be removed after the new tree was in place, and why: the new tree is
    /// complete, but that folder stays beside it until it is removed by hand.
    pub left_behind: Option<(PathBuf, String)>,
    /// Values image automation committed at marked fields: kept where their policy could
    /// have chosen them, put back where it could not.
    pub automated: Vec<crate::render::automation::AutomatedValue>,
}

/// How [`write_trees`] may treat files already in the tree.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Replace files at declared paths that exist but were not written by fluxdsl (not in
    /// [`OWNED_LIST`]): taking over an existing repository. Without it they are refused.
    pub adopt: bool,
}

/// The record of an unfinished commit, read by the next render to undo it.
pub const JOURNAL: &str = ".fluxdsl-journal";

/// Writes `rendered` into the folder `out`.
///
/// Every file is first written in full to a staging folder beside the tree; only when all
/// of them are written are they moved into place, each old file kept aside until every
/// move has succeeded. A failure at any point leaves the tree as it was; a render killed
/// while moving leaves a journal that the next render uses to put the tree back first.
/// Files not listed in [`OWNED_LIST`] are never touched (unless `adopt`), nothing is
/// written or removed through a symbolic link, and two renders never write one tree at
/// once (a lock on the tree's folder).
pub fn write_tree(rendered: &RenderedTree, out: &Path) -> Result<WriteReport> {
    let dirs = [(rendered, out.to_owned())];
    Ok(write_trees(&dirs, WriteOptions::default())?.remove(0))
}

/// [`write_tree`] for several trees: all of them are staged before any file moves.
pub fn write_trees(
    trees: &[(&RenderedTree, PathBuf)],
    options: WriteOptions,
) -> Result<Vec<WriteReport>> {
    let staged = trees
        .iter()
        .map(|(rendered, out)| stage_tree(rendered, out, options))
        .collect::<Result<Vec<_>>>()?;
    let mut committed: Vec<Committed> = Vec::new();
    for tree in staged {
        match tree.commit() {
            Ok(done) => committed.push(done),
            Err(e) => {
                // Every tree or none: put back the ones already moved.
                for done in committed.into_iter().rev() {
                    done.undo();
                }
                return Err(e);
            }
        }
    }
    Ok(committed.into_iter().map(Committed::finish).collect())
}

/// An error about `path` with a message of our own.
fn refuse(action: &'static str, path: &Path, message: String) -> Error {
    Error::Io {
        action,
        path: path.to_owned(),
        source: std::io::Error::other(message),
    }
}

/// Refuses a path inside the tree that goes through a symbolic link (in any folder below
/// `out`, or the file itself): fluxdsl writes and removes only inside the tree.
fn no_links(out: &Path, rel: &str) -> Result<()> {
    let mut path = out.to_owned();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(meta) if i + 1 < parts.len() && meta.is_file() => {
                return Err(refuse(
                    "cannot write",
                    &out.join(rel),
                    format!("{} is a file, not a folder", path.display()),
                ));
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse(
                    "cannot write",
                    &path,
                    "it is a symbolic link; fluxdsl writes and removes files only inside the \
                     tree, never through a link"
                        .into(),
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io("cannot inspect", &path)(e)),
        }
    }
    Ok(())
}

/// The lock on a tree: an advisory lock (`flock`) on the tree's folder itself, held for
/// the life of the render and released by the system when the process ends, however it
/// ends, so a killed render never blocks the next one and no lock file is left behind.
struct Lock {
    _folder: fs::File,
}

impl Lock {
    fn take(out: &Path) -> Result<Lock> {
        let folder = fs::File::open(out).map_err(io("cannot lock", out))?;
        match folder.try_lock() {
            Ok(()) => Ok(Lock { _folder: folder }),
            Err(fs::TryLockError::WouldBlock) => Err(refuse(
                "cannot render into",
                out,
                "another render is writing this tree (it holds the tree's lock); render again \
                 when it has finished"
                    .into(),
            )),
            Err(fs::TryLockError::Error(e)) => Err(io("cannot lock", out)(e)),
        }
    }
}

/// A tree written in full to a staging folder, not yet moved into place.
pub struct Staged {
    out: PathBuf,
    stage: tempfile::TempDir,
    /// (staged file, tree-relative path) for each new or changed file.
    moves: Vec<(PathBuf, String)>,
    /// Owned files no longer rendered.
    removals: Vec<String>,
    report: WriteReport,
    _lock: Lock,
}

/// Writes every new or changed file of `rendered` to a staging folder beside `out`.
pub fn stage_tree(rendered: &RenderedTree, out: &Path, options: WriteOptions) -> Result<Staged> {
    if out.exists() && !out.is_dir() {
        return Err(Error::Io {
            action: "cannot render into",
            path: out.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    fs::create_dir_all(out).map_err(io("cannot create", out))?;
    let lock = Lock::take(out)?;
    recover(out)?;
    let previous = previously_owned(out)?;
    let (rendered, automated) = crate::render::automation::with_committed(rendered, out)?;
    let rendered = &*rendered;

    // Stage beside the tree (same file system, so renames are atomic).
    let stage_parent = out
        .canonicalize()
        .map_err(io("cannot resolve", out))?
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| out.to_owned());
    let prefix = stage_prefix(out);
    remove_stale_stages(&stage_parent, &prefix);
    let stage = tempfile::Builder::new()
        .prefix(&prefix)
        .rand_bytes(STAGE_RANDOM)
        .tempdir_in(&stage_parent)
        .map_err(io("cannot write into", &stage_parent))?;

    let mut report = WriteReport {
        automated,
        ..WriteReport::default()
    };
    let mut moves: Vec<(PathBuf, String)> = Vec::new();
    let mut not_ours = Vec::new();
    let mut stage_file = |rel: &str, text: &str| -> Result<()> {
        no_links(out, rel)?;
        let target = out.join(rel);
        if target.is_dir() {
            return Err(Error::Io {
                action: "cannot write",
                path: target,
                source: std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            });
        }
        // A folder on the way that exists as a file would stop the move half-way.
        let mut parent = target.parent();
        while let Some(p) = parent.filter(|p| p.starts_with(out) && *p != out) {
            if p.exists() && !p.is_dir() {
                return Err(refuse(
                    "cannot write",
                    &target,
                    format!("{} is a file, not a folder", p.display()),
                ));
            }
            parent = p.parent();
        }
        let staged = stage.path().join(rel);
        if let Some(parent) = staged.parent() {
            fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
        }
        let mut f = fs::File::create(&staged).map_err(io("cannot write", &staged))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(io("cannot write", &staged))?;
        moves.push((staged, rel.to_owned()));
        Ok(())
    };
    for (rel, text) in rendered.files() {
        no_links(out, rel)?;
        match fs::read(out.join(rel)) {
            Ok(old) if old == text.as_bytes() => report.unchanged.push(rel.to_owned()),
            Ok(_) if !previous.contains(rel) && !options.adopt => not_ours.push(rel.to_owned()),
            _ => {
                stage_file(rel, text)?;
                report.written.push(rel.to_owned());
            }
        }
    }
    if !not_ours.is_empty() {
        return Err(refuse(
            "cannot render into",
            out,
            format!(
                "these files exist but fluxdsl did not write them (they are not in {}), so \
                 render leaves them alone: {}; move them away, or render --adopt to replace \
                 them",
                OWNED_LIST,
                not_ours.join(", ")
            ),
        ));
    }
    let list = owned_list_text(rendered);
    if fs::read_to_string(out.join(OWNED_LIST)).ok().as_deref() != Some(list.as_str()) {
        stage_file(OWNED_LIST, &list)?;
    }
    // Never upstream or unknown files.
    let upstream: BTreeSet<&str> = rendered
        .upstream()
        .iter()
        .map(|u| u.path.as_str())
        .collect();
    let mut removals = Vec::new();
    for rel in previous {
        if rendered.file(&rel).is_none() && !upstream.contains(rel.as_str()) {
            no_links(out, &rel)?;
            removals.push(rel);
        }
    }
    Ok(Staged {
        out: out.to_owned(),
        stage,
        moves,
        removals,
        report,
        _lock: lock,
    })
}

/// The name prefix of this tree's staging folders: `.fluxdsl-render-<tree folder>-`.
fn stage_prefix(out: &Path) -> String {
    let name = out
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    format!(".fluxdsl-render-{name}-")
}

/// The random characters after a staging folder's prefix.
const STAGE_RANDOM: usize = 6;

/// Removes staging folders a killed render of this tree left (the tree's lock is held, so
/// no render of it is running; a commit's own folder was dealt with by `recover`). Only
/// names of exactly this tree's form: another tree's (`a-b` beside `a`) are longer.
fn remove_stale_stages(stage_parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(stage_parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.len() == prefix.len() + STAGE_RANDOM
            && name.starts_with(prefix)
            && name[prefix.len()..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric());
        if ours {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// What one move did, for undoing it: the file put in place, and where the file it
/// replaced (if any) was kept.
struct Done {
    target: PathBuf,
    kept: Option<PathBuf>,
}

/// A tree whose new files are in place, the replaced ones kept in the staging folder until
/// `Committed::finish`.
pub struct Committed {
    staged: Staged,
    done: Vec<Done>,
    /// Committed by exchanging the tree's folder with a complete new one: the old tree is
    /// this folder (inside the staging folder) until [`Committed::finish`].
    exchanged: Option<PathBuf>,
}

impl Staged {
    /// Puts the staged tree in place. Where the system can (Linux, a tree folder that is not
    /// the working folder nor a repository's root), in one step: a complete new tree folder
    /// — unchanged and unowned files hard-linked, new files staged — is exchanged with the
    /// tree's folder (`renameat2(RENAME_EXCHANGE)`), so a render killed at any instant
    /// leaves the old tree or the new one. Otherwise file by file, keeping each replaced or
    /// removed file aside, with a journal for the next render to undo a killed one; on any
    /// failure, everything is put back.
    pub fn commit(self) -> Result<Committed> {
        #[cfg(target_os = "linux")]
        if let Some((out, next)) = self.next_tree() {
            if let Err(e) = exchange(&out, &next) {
                let _ = fs::remove_dir_all(&next);
                if !matches!(
                    e.raw_os_error(),
                    Some(libc::EINVAL | libc::ENOSYS | libc::EXDEV)
                ) {
                    return Err(io("cannot replace", &self.out)(e));
                }
            } else {
                return Ok(Committed {
                    staged: self,
                    done: Vec::new(),
                    exchanged: Some(next),
                });
            }
        }
        self.commit_file_by_file()
    }

    /// The tree's folder (resolved) and the new tree as a complete folder beside the staged
    /// files, or `None` where the
    /// tree cannot be exchanged as a whole: every file of the tree hard-linked (or the
    /// staged one), the owned files no longer rendered left out.
    #[cfg(target_os = "linux")]
    fn next_tree(&self) -> Option<(PathBuf, PathBuf)> {
        if fs::symlink_metadata(&self.out)
            .ok()?
            .file_type()
            .is_symlink()
        {
            return None;
        }
        let out = self.out.canonicalize().ok()?;
        let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
        // Not the folder the program (or a shell) works in, nor a repository's root.
        if cwd.starts_with(&out) || out.join(".git").exists() {
            return None;
        }
        let next = self.stage.path().join(".next");
        let staged: std::collections::HashMap<&str, &Path> = self
            .moves
            .iter()
            .map(|(file, rel)| (rel.as_str(), file.as_path()))
            .collect();
        let removed: BTreeSet<&str> = self.removals.iter().map(String::as_str).collect();
        let built = (|| -> std::io::Result<bool> {
            let mut stack = vec![PathBuf::new()];
            while let Some(rel_dir) = stack.pop() {
                let from = out.join(&rel_dir);
                let to = next.join(&rel_dir);
                fs::create_dir(&to)?;
                fs::set_permissions(&to, fs::metadata(&from)?.permissions())?;
                for entry in fs::read_dir(&from)? {
                    let entry = entry?;
                    let rel = rel_dir.join(entry.file_name());
                    let rel_text = rel.to_string_lossy();
                    let kind = entry.file_type()?;
                    if kind.is_dir() {
                        stack.push(rel);
                    } else if kind.is_symlink() {
                        std::os::unix::fs::symlink(fs::read_link(entry.path())?, next.join(&rel))?;
                    } else if !kind.is_file() {
                        return Ok(false); // a socket or fifo: leave it to the file-by-file way
                    } else if !removed.contains(rel_text.as_ref())
                        && !staged.contains_key(rel_text.as_ref())
                    {
                        fs::hard_link(entry.path(), next.join(&rel))?;
                    }
                }
            }
            for (rel, file) in &staged {
                let target = next.join(rel);
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::hard_link(file, &target)?;
            }
            for rel in &removed {
                remove_empty_parents(&next, &next.join(rel));
            }
            Ok(true)
        })();
        match built {
            Ok(true) => Some((out, next)),
            _ => {
                let _ = fs::remove_dir_all(&next);
                None
            }
        }
    }

    /// The file-by-file commit (see [`commit`](Self::commit)).
    fn commit_file_by_file(self) -> Result<Committed> {
        let kept_dir = self.stage.path().join(".kept");
        let journal = self.out.join(JOURNAL);
        // The journal names the staging folder and every path the commit will touch: a
        // render killed from here on is undone by the next one (see `recover`).
        let mut text = format!("{}\n", self.stage.path().display());
        for (_, rel) in &self.moves {
            text.push_str(&format!("move {rel}\n"));
        }
        for rel in &self.removals {
            text.push_str(&format!("remove {rel}\n"));
        }
        write_atomically(&journal, &text)?;
        let mut committed = Committed {
            staged: self,
            done: Vec::new(),
            exchanged: None,
        };
        if let Err(e) = committed.apply(&kept_dir) {
            committed.undo();
            return Err(e);
        }
        Ok(committed)
    }
}

impl Committed {
    fn apply(&mut self, kept_dir: &Path) -> Result<()> {
        let out = self.staged.out.clone();
        let keep = |rel: &str, done: &mut Vec<Done>, new: Option<&Path>| -> Result<()> {
            let target = out.join(rel);
            let kept = kept_dir.join(rel);
            let existed = target.symlink_metadata().is_ok();
            if existed {
                if let Some(parent) = kept.parent() {
                    fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
                }
                fs::rename(&target, &kept).map_err(io("cannot replace", &target))?;
            }
            done.push(Done {
                target: target.clone(),
                kept: existed.then_some(kept),
            });
            if let Some(new) = new {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
                }
                fs::rename(new, &target).map_err(io("cannot replace", &target))?;
            }
            Ok(())
        };
        let moves = std::mem::take(&mut self.staged.moves);
        for (staged, rel) in &moves {
            keep(rel, &mut self.done, Some(staged))?;
        }
        for rel in self.staged.removals.clone() {
            keep(&rel, &mut self.done, None)?;
        }
        Ok(())
    }

    /// Puts back every file this commit replaced or removed, and removes the new ones.
    fn undo(self) {
        #[cfg(target_os = "linux")]
        if let Some(old) = &self.exchanged {
            let _ = exchange(&self.staged.out, old);
            return;
        }
        for d in self.done.iter().rev() {
            let _ = fs::remove_file(&d.target);
            match &d.kept {
                Some(kept) => {
                    let _ = fs::rename(kept, &d.target);
                }
                None => remove_empty_parents(&self.staged.out, &d.target),
            }
        }
        let _ = fs::remove_file(self.staged.out.join(JOURNAL));
    }

    /// Ends the commit: the replaced files are dropped with the staging folder.
    fn finish(self) -> WriteReport {
        let Committed {
            staged,
            done,
            exchanged,
        } = self;
        let Staged {
            out,
            stage,
            removals,
            mut report,
            ..
        } = staged;
        if exchanged.is_some() {
            // The old tree goes with the staging folder.
            report.removed = removals;
        } else {
            for d in &done {
                if !d.target.exists()
                    && let Ok(rel) = d.target.strip_prefix(&out)
                {
                    report.removed.push(rel.to_string_lossy().into_owned());
                    remove_empty_parents(&out, &d.target);
                }
            }
            let _ = fs::remove_file(out.join(JOURNAL));
        }
        let folder = stage.path().to_owned();
        if let Err(e) = stage.close() {
            let what = if exchanged.is_some() {
                "the previous tree"
            } else {
                "the replaced files"
            };
            report.left_behind = Some((
                folder,
                format!("{e}; it holds {what} and can be removed once that is fixed"),
            ));
        }
        report
    }
}

/// Exchanges two folders in one step (`renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c =
        |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated strings that live across the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Writes `text` to `path` in one step (a temporary file renamed over it).
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp).map_err(io("cannot write", &tmp))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io("cannot write", &tmp))?;
    fs::rename(&tmp, path).map_err(io("cannot write", path))
}

/// Undoes a commit that a killed render left half done: every file it had put in place
/// is removed, every file it kept aside goes back, and its staging folder goes.
fn recover(out: &Path) -> Result<()> {
    let journal = out.join(JOURNAL);
    let text = match fs::read_to_string(&journal) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io("cannot read", &journal)(e)),
    };
    let mut lines = text.lines();
    let stage = PathBuf::from(lines.next().unwrap_or_default());
    for line in lines {
        // A staged file no longer in the staging folder was moved into the tree.
        if let Some(rel) = line.strip_prefix("move ")
            && !stage.join(rel).exists()
        {
            no_links(out, rel)?;
            let target = out.join(rel);
            match fs::remove_file(&target) {
                Ok(()) => remove_empty_parents(out, &target),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("cannot remove", &target)(e)),
            }
        }
    }
    let kept = stage.join(".kept");
    for rel in files_under(&kept)? {
        no_links(out, &rel)?;
        let target = out.join(&rel);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
        }
        fs::rename(kept.join(&rel), &target).map_err(io("cannot restore", &target))?;
    }
    let _ = fs::remove_dir_all(&stage);
    fs::remove_file(&journal).map_err(io("cannot remove", &journal))
}

/// Every file below `dir`, relative to it (none if it does not exist).
fn files_under(dir: &Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = match fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io("cannot read", &d)(e)),
        };
        for entry in entries {
            let path = entry.map_err(io("cannot read", &d))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                found.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    Ok(found)
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
    /// Values image automation committed at marked fields: those its policy could have
    /// chosen are accepted, the others are drift.
    pub automated: Vec<crate::render::automation::AutomatedValue>,
    /// Files with marked fields that image automation wrote back in its own layout: the
    /// same YAML documents and markers, other bytes. Current; `render` writes them as
    /// fluxdsl does.
    pub reformatted: Vec<String>,
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
        Ok(bytes) => Ok(u.verify_in(&bytes, Some(out)).err()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(format!(
            "it is missing; produce it with `{}`",
            u.produce_in(Some(out))
        ))),
        Err(e) => Err(io("cannot read", &path)(e)),
    }
}

/// Whether two YAML streams hold the same documents and the same setter markers.
fn same_data(a: &str, b: &str) -> bool {
    use serde::Deserialize;
    let documents = |text: &str| -> Option<Vec<serde_yaml::Value>> {
        serde_yaml::Deserializer::from_str(text)
            .map(|d| serde_yaml::Value::deserialize(d).ok())
            .collect()
    };
    let markers = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.find(" # {\"$imagepolicy\"").map(|i| l[i..].to_owned()))
            .collect()
    };
    matches!((documents(a), documents(b)), (Some(x), Some(y)) if x == y) && markers(a) == markers(b)
}

/// Compares the tree at `out` with `rendered`, writing nothing.
pub fn check_tree(rendered: &RenderedTree, out: &Path) -> Result<CheckReport> {
    let previous = previously_owned(out)?;
    let mut report = CheckReport::default();
    let (rendered, automated) = crate::render::automation::with_committed(rendered, out)?;
    let rendered = &*rendered;
    report.automated = automated;
    let shown = |rel: &str| out.join(rel).display().to_string();
    let mut compare = |rel: &str, want: &str| -> Result<()> {
        let path = out.join(rel);
        let have = match fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io("cannot read", &path)(e)),
        };
        if have != want && rendered.automated.contains_key(rel) && same_data(&have, want) {
            // image-automation-controller writes the whole file back through kyaml when it
            // commits: the same documents and markers in its layout are current.
            report.reformatted.push(rel.to_owned());
            return Ok(());
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn tree(files: &[(&str, &str)]) -> RenderedTree {
        RenderedTree {
            root: "t".into(),
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect::<BTreeMap<_, _>>(),
            upstream: Vec::new(),
            automated: BTreeMap::new(),
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_tree_folder_is_exchanged_whole_keeping_unowned_files_and_can_be_undone() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("t");
        write_tree(&tree(&[("a.yaml", "a1\n"), ("b/b.yaml", "b1\n")]), &out).unwrap();
        fs::write(out.join("notes.txt"), "mine\n").unwrap();
        fs::create_dir(out.join("docs")).unwrap();
        fs::write(out.join("docs/x.txt"), "x\n").unwrap();
        std::os::unix::fs::symlink("notes.txt", out.join("link")).unwrap();
        let notes_inode = fs::metadata(out.join("notes.txt")).unwrap().ino();
        let folder_inode = fs::metadata(&out).unwrap().ino();

        let next = tree(&[("a.yaml", "a2\n"), ("c.yaml", "c2\n")]);
        let committed = stage_tree(&next, &out, WriteOptions::default())
            .unwrap()
            .commit()
            .unwrap();
        assert!(
            committed.exchanged.is_some(),
            "committed by exchanging the folder"
        );
        // Already in place, whole, before the old tree is dropped.
        assert_eq!(fs::read_to_string(out.join("a.yaml")).unwrap(), "a2\n");
        assert_ne!(fs::metadata(&out).unwrap().ino(), folder_inode);
        let report = committed.finish();
        assert_eq!(report.removed, ["b/b.yaml"]);
        assert_eq!(fs::read_to_string(out.join("c.yaml")).unwrap(), "c2\n");
        assert!(!out.join("b").exists(), "the folder left empty goes too");
        // What fluxdsl does not own stays, the same file (a hard link), links as links.
        assert_eq!(
            fs::metadata(out.join("notes.txt")).unwrap().ino(),
            notes_inode
        );
        assert_eq!(fs::read_to_string(out.join("docs/x.txt")).unwrap(), "x\n");
        assert_eq!(
            fs::read_link(out.join("link")).unwrap(),
            Path::new("notes.txt")
        );

        // Undone (another tree of the same render failed): the old folder is back.
        let other = tree(&[("a.yaml", "a3\n")]);
        let committed = stage_tree(&other, &out, WriteOptions::default())
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(fs::read_to_string(out.join("a.yaml")).unwrap(), "a3\n");
        committed.undo();
        assert_eq!(fs::read_to_string(out.join("a.yaml")).unwrap(), "a2\n");
        assert_eq!(fs::read_to_string(out.join("c.yaml")).unwrap(), "c2\n");
    }

    #[test]
    fn a_move_that_fails_half_way_puts_every_file_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("t");
        write_tree(&tree(&[("a.yaml", "a1\n"), ("b.yaml", "b1\n")]), &out).unwrap();
        let next = tree(&[("a.yaml", "a2\n"), ("b.yaml", "b2\n"), ("c.yaml", "c2\n")]);
        let staged = stage_tree(&next, &out, WriteOptions::default()).unwrap();
        // b.yaml's staged copy vanishes: its move fails after a.yaml's succeeded.
        fs::remove_file(staged.stage.path().join("b.yaml")).unwrap();
        let err = staged
            .commit_file_by_file()
            .err()
            .expect("the second move fails");
        assert!(err.to_string().contains("b.yaml"), "{err}");
        assert_eq!(fs::read_to_string(out.join("a.yaml")).unwrap(), "a1\n");
        assert_eq!(fs::read_to_string(out.join("b.yaml")).unwrap(), "b1\n");
        assert!(!out.join("c.yaml").exists());
        assert!(!out.join(JOURNAL).exists());
        // and the next render works
        write_tree(&next, &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("c.yaml")).unwrap(), "c2\n");
    }
}
