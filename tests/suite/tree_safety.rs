//! The tree writer under faults: it never writes or removes anything outside the tree,
//! never replaces a file it did not write, and never leaves a half-written tree.

use std::fs;
use std::path::Path;

use fluxdsl::cli::run_with;
use fluxdsl::tree::{LOCK, OWNED_LIST, WriteOptions, stage_tree};
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
    assert_eq!(render(cluster("t", &["a.yaml"]), tmp.path()).0, 0);
    let before = fs::read_to_string(tmp.path().join("a.yaml")).unwrap();
    fs::write(
        tmp.path().join("sub"),
        "a file where a folder is declared\n",
    )
    .unwrap();
    let (code, err) = render(cluster("t", &["sub/b.yaml"]), tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("is a file, not a folder"), "{err}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("a.yaml")).unwrap(),
        before
    );
    assert!(leftovers(tmp.path().parent().unwrap()).is_empty());
}

#[test]
fn a_second_render_of_the_same_tree_waits_for_none_and_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join(LOCK), "pid 1\n").unwrap();
    let (code, err) = render(cluster("t", &["a.yaml"]), tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("another render is writing this tree"), "{err}");
    assert!(!tmp.path().join("a.yaml").exists());
}

#[test]
fn a_render_killed_while_moving_is_undone_by_the_next_one() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    assert_eq!(render(cluster("t", &["a.yaml", "old.yaml"]), &tree).0, 0);
    let old_a = fs::read_to_string(tree.join("a.yaml")).unwrap();
    // A render of another file set, killed after moving its files: nothing after the
    // moves ran (no cleanup, no unlock).
    let next = cluster("t", &["b.yaml", "a.yaml"]);
    let rendered = next.render().unwrap();
    let staged = stage_tree(rendered.main(), &tree, WriteOptions::default()).unwrap();
    let committed = staged.commit().unwrap();
    std::mem::forget(committed);
    assert!(tree.join(".fluxdsl-journal").exists());
    // The next render is refused while the dead one's lock is there …
    let (code, err) = render(cluster("t", &["a.yaml", "old.yaml"]), &tree);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(LOCK), "{err}");
    // … and, the lock removed, first puts the tree back, then renders.
    fs::remove_file(tree.join(LOCK)).unwrap();
    let (code, err) = render(cluster("t", &["a.yaml", "old.yaml"]), &tree);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read_to_string(tree.join("a.yaml")).unwrap(), old_a);
    assert!(tree.join("old.yaml").exists());
    assert!(!tree.join("b.yaml").exists());
    assert!(!tree.join(".fluxdsl-journal").exists());
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );
    let (code, err) = run(
        cluster("t", &["a.yaml", "old.yaml"]),
        &["check", "--out", tree.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
}
