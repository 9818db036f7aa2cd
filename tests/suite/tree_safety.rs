//! The tree writer under faults: it never writes or removes anything outside the tree,
//! never replaces a file it did not write, and never leaves a half-written tree.

use std::fs;
use std::path::Path;

use fluxdsl::cli::run_with;
use fluxdsl::tree::OWNED_LIST;
use fluxdsl::{Cluster, GitRepository, Repository, duration};

/// A cluster rendering `files` (each one GitRepository named after its index).
fn cluster(root: &str, files: &[&str]) -> Cluster {
    let mut c = Cluster::new(root);
    for (i, path) in files.iter().enumerate() {
        let f = c.file(path);
        c.add(
            &f,
            GitRepository::builder()
                .name(fluxdsl::Name::new(format!("repo-{i}")).unwrap())
                .reference(fluxdsl::GitRef::branch("main"))
                .url("https://example.com/repo")
                .interval(duration!("1m"))
                .build(),
        );
    }
    c
}

fn run(cluster: Cluster, args: &[&str]) -> (u8, String) {
    let repo = Repository::of_one(cluster);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(
        &repo,
        std::iter::once("cluster").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    (code, String::from_utf8(err).unwrap())
}

fn render(cluster: Cluster, out: &Path) -> (u8, String) {
    run(cluster, &["render", "--out", out.to_str().unwrap()])
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".fluxdsl-render-"))
        .collect()
}

#[test]
fn a_symlinked_folder_inside_the_tree_is_never_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let (tree, outside) = (tmp.path().join("tree"), tmp.path().join("outside"));
    fs::create_dir_all(&tree).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("a.yaml"), "precious\n").unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("linked")).unwrap();
    let (code, err) = render(cluster("t", &["linked/a.yaml"]), &tree);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(
        fs::read_to_string(outside.join("a.yaml")).unwrap(),
        "precious\n"
    );
}

#[test]
fn an_owned_file_behind_a_symlink_is_never_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let (tree, outside) = (tmp.path().join("tree"), tmp.path().join("outside"));
    fs::create_dir_all(&tree).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("gone.yaml"), "precious\n").unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("linked")).unwrap();
    fs::write(tree.join(OWNED_LIST), "linked/gone.yaml\n").unwrap();
    let (code, err) = render(cluster("t", &["a.yaml"]), &tree);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(
        fs::read_to_string(outside.join("gone.yaml")).unwrap(),
        "precious\n"
    );
    assert!(!tree.join("a.yaml").exists(), "nothing written");
}

#[test]
fn a_path_with_a_line_break_and_trees_outside_the_folder_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, err) = render(cluster("t", &["a\nline.yaml"]), tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("control character '\\n'"), "{err}");
    assert!(
        fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing written"
    );
    for root in ["../../x", "/abs/tree"] {
        let (code, err) = run(cluster(root, &["a.yaml"]), &["render"]);
        assert_eq!(code, 2, "{root}");
        assert!(err.contains(&format!("tree {root:?}")), "{err}");
    }
}

#[test]
fn a_hand_written_file_at_a_declared_path_is_left_alone_unless_adopted() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a.yaml"), "# mine\n").unwrap();
    let (code, err) = render(cluster("t", &["a.yaml", "b.yaml"]), tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("fluxdsl did not write them"), "{err}");
    assert!(err.contains("a.yaml"), "{err}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("a.yaml")).unwrap(),
        "# mine\n"
    );
    assert!(!tmp.path().join("b.yaml").exists(), "nothing written");
    let out = tmp.path().to_str().unwrap();
    let (code, err) = run(
        cluster("t", &["a.yaml", "b.yaml"]),
        &["render", "--out", out, "--adopt"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        fs::read_to_string(tmp.path().join("a.yaml"))
            .unwrap()
            .contains("kind: GitRepository")
    );
}

#[test]
fn a_folder_that_exists_as_a_file_stops_render_before_anything_moves() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    assert_eq!(render(cluster("t", &["a.yaml"]), &tree).0, 0);
    let before = fs::read_to_string(tree.join("a.yaml")).unwrap();
    fs::write(tree.join("sub"), "a file where a folder is declared\n").unwrap();
    let (code, err) = render(cluster("t", &["sub/b.yaml"]), &tree);
    assert_eq!(code, 2);
    assert!(err.contains("is a file, not a folder"), "{err}");
    assert_eq!(fs::read_to_string(tree.join("a.yaml")).unwrap(), before);
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn a_second_render_of_the_same_tree_is_refused_while_the_first_holds_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(render(cluster("t", &["a.yaml"]), tmp.path()).0, 0);
    // Another render holds the lock (an advisory lock on the tree's folder, as render
    // takes it).
    let held = fs::File::open(tmp.path()).unwrap();
    held.try_lock().unwrap();
    let (code, err) = render(cluster("t", &["b.yaml"]), tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("another render is writing this tree"), "{err}");
    assert!(!tmp.path().join("b.yaml").exists());
    // Released (as when the holder is killed), the next render goes on.
    drop(held);
    let (code, err) = render(cluster("t", &["b.yaml"]), tmp.path());
    assert_eq!(code, 0, "{err}");
}

/// Set in the child process of the kill test: the tree it renders into, forever.
const KILL_CHILD: &str = "FLUXDSL_KILL_TEST_TREE";

fn set(first: bool) -> Vec<String> {
    // Two file sets of 40 files, half of them shared with different content.
    (0..40)
        .map(|i| {
            if first || i % 2 == 0 {
                format!("d{}/f{i}.yaml", i % 4)
            } else {
                format!("e{}/g{i}.yaml", i % 3)
            }
        })
        .collect()
}

fn cluster_of(first: bool) -> Cluster {
    let files = set(first);
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let mut c = cluster("t", &refs);
    // Different content for the shared paths too.
    let f = c.file(if first {
        "marker-a.yaml"
    } else {
        "marker-b.yaml"
    });
    c.add(
        &f,
        GitRepository::builder()
            .name(fluxdsl::name!("marker"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/m")
            .interval(if first {
                duration!("1m")
            } else {
                duration!("2m")
            })
            .build(),
    );
    c
}

fn is_current(first: bool, tree: &Path) -> bool {
    let rendered = cluster_of(first).render().unwrap();
    fluxdsl::tree::check_tree(rendered.main(), tree)
        .unwrap()
        .is_current()
}

#[test]
fn a_render_killed_at_any_instant_is_undone_by_the_next_run() {
    if let Some(tree) = std::env::var_os(KILL_CHILD) {
        // The child: render the two file sets in turn until killed.
        let tree = std::path::PathBuf::from(tree);
        let mut first = false;
        loop {
            let _ = render(cluster_of(first), &tree);
            first = !first;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    assert_eq!(render(cluster_of(true), &tree).0, 0);
    let me = std::env::current_exe().unwrap();
    let (mut mixed_then_repaired, mut whole) = (0, 0);
    for i in 0..100u64 {
        let mut child = std::process::Command::new(&me)
            .args([
                "--exact",
                "tree_safety::a_render_killed_at_any_instant_is_undone_by_the_next_run",
                "--test-threads=1",
            ])
            .env(KILL_CHILD, &tree)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different instant each time: while starting, staging or moving.
        std::thread::sleep(std::time::Duration::from_millis(5 + (i * 7919) % 60));
        child.kill().unwrap();
        child.wait().unwrap();
        // Right after the kill: a whole tree (old or new). On Linux the tree's folder is
        // exchanged in one step, so never anything else; elsewhere files move one by one
        // and a journal lets the next run undo a mix.
        if tree.join(".fluxdsl-journal").exists() {
            mixed_then_repaired += 1;
        } else {
            assert!(
                is_current(true, &tree) || is_current(false, &tree),
                "kill {i}: no journal, yet the tree is neither file set"
            );
            whole += 1;
        }
        // The next run cleans up and renders.
        let (code, err) = render(cluster_of(true), &tree);
        assert_eq!(code, 0, "kill {i}: {err}");
        assert!(is_current(true, &tree), "kill {i}");
        assert!(!tree.join(".fluxdsl-journal").exists(), "kill {i}");
        assert!(
            leftovers(tmp.path()).is_empty(),
            "kill {i}: {:?}",
            leftovers(tmp.path())
        );
    }
    eprintln!("kill test: {whole} kills left a whole tree, {mixed_then_repaired} a journal");
    if cfg!(target_os = "linux") {
        assert_eq!(
            mixed_then_repaired, 0,
            "on Linux the tree's folder is exchanged whole: a kill never leaves a journal"
        );
    }
}

/// Makes `dir` one whose entries cannot be removed: immutable as root (`chattr +i`), else
/// read-only; `false` undoes it.
fn lock_folder(dir: &Path, locked: bool) {
    use std::os::unix::fs::PermissionsExt;
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let status = std::process::Command::new("chattr")
            .arg(if locked { "+i" } else { "-i" })
            .arg(dir)
            .status()
            .expect("chattr (e2fsprogs) runs");
        assert!(status.success(), "chattr on {}", dir.display());
    } else {
        let mode = if locked { 0o555 } else { 0o755 };
        fs::set_permissions(dir, fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// The old tree cannot be removed after the new one is in place (a folder of it is
/// immutable): render succeeds, since the tree is complete, and says which folder was left
/// and why.
#[test]
fn a_staging_folder_that_cannot_be_removed_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    assert_eq!(render(cluster("t", &["a.yaml"]), &tree).0, 0);
    let kept = tree.join("kept");
    fs::create_dir_all(&kept).unwrap();
    fs::write(kept.join("notes.txt"), "by hand\n").unwrap();
    lock_folder(&kept, true);
    let (code, err) = render(cluster("t", &["a.yaml", "b.yaml"]), &tree);
    // Unlock every copy of the folder before asserting, so the temporary folder goes.
    let left = leftovers(tmp.path());
    for name in &left {
        for entry in walk(&tmp.path().join(name)) {
            if entry.ends_with("kept") {
                lock_folder(&entry, false);
            }
        }
    }
    lock_folder(&kept, false);
    assert_eq!(code, 0, "{err}");
    assert!(tree.join("b.yaml").is_file());
    assert_eq!(
        fs::read_to_string(kept.join("notes.txt")).unwrap(),
        "by hand\n"
    );
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        err.contains(&format!(
            "warning: the tree is complete, but the staging folder {} could not be removed",
            tmp.path().join(&left[0]).display()
        )) && err.contains("it holds the previous tree"),
        "{err}"
    );
}

/// Every folder below `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                found.push(e.path());
                stack.push(e.path());
            }
        }
    }
    found
}
