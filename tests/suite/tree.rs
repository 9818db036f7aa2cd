//! Writing and checking the tree on disk: atomic, deterministic, and never touching files
//! that are not ours.

use std::fs;
use std::path::Path;

use fluxdsl::Repository;
use fluxdsl::cli::run_with;
use fluxdsl::{Cluster, GitRef, GitRepository, KustomizeConfig, duration, name};

use super::run_cluster;

/// [`cluster`] as the one-cluster repository a program declares.
fn repo(with_extra: bool) -> Repository {
    Repository::of_one(cluster(with_extra))
}

fn cluster(with_extra: bool) -> Cluster {
    let mut cluster = Cluster::new("tree");
    let components = cluster.flux_components(
        "flux-system/gotk-components.yaml",
        "v2.9.3",
        "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
    );
    let sync = cluster.file("flux-system/gotk-sync.yaml");
    cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("ssh://git@example.com/org/repo")
            .reference(GitRef::branch("main"))
            .interval(duration!("1m"))
            .build(),
    );
    cluster.kustomize_config(
        "flux-system",
        KustomizeConfig::builder()
            .resources(&[&components, &sync])
            .build(),
    );
    if with_extra {
        let extra = cluster.file("apps/extra.yaml");
        cluster.add(
            &extra,
            GitRepository::builder()
                .name(name!("extra"))
                .reference(fluxdsl::GitRef::branch("main"))
                .url("https://example.com/extra")
                .interval(duration!("5m"))
                .build(),
        );
    }
    cluster
}

fn run(cluster: &Repository, args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(
        cluster,
        std::iter::once("cluster").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn out_arg(dir: &Path) -> String {
    dir.display().to_string()
}

#[test]
fn render_writes_then_check_passes_and_render_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tree");
    let c = repo(true);
    let (code, stdout, _) = run(&c, &["render", "--out", &out_arg(&out)]);
    assert_eq!(code, 0);
    assert!(stdout.contains("3 written"), "{stdout}");
    assert!(out.join("apps/extra.yaml").is_file());
    assert!(
        !out.join("flux-system/gotk-components.yaml").exists(),
        "upstream is never written"
    );

    // The tree is not whole until Flux's components are there.
    let (code, _, stderr) = run(&c, &["check", "--out", &out_arg(&out)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("gotk-components.yaml is upstream")
            && stderr.contains(&format!(
                "it is missing; produce it with `flux install --version=v2.9.3 --export > {}`",
                out.join("flux-system/gotk-components.yaml").display()
            )),
        "the command writes where --out points: {stderr}"
    );
    fs::copy(
        super::fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml"),
        out.join("flux-system/gotk-components.yaml"),
    )
    .unwrap();
    let (code, _, stderr) = run(&c, &["check", "--out", &out_arg(&out)]);
    assert_eq!(code, 0, "{stderr}");

    let before = fs::metadata(out.join("apps/extra.yaml"))
        .unwrap()
        .modified()
        .unwrap();
    let (code, stdout, _) = run(&c, &["render", "--out", &out_arg(&out)]);
    assert_eq!(code, 0);
    assert!(stdout.contains("0 written, 3 unchanged"), "{stdout}");
    let after = fs::metadata(out.join("apps/extra.yaml"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "unchanged files are not rewritten");
}

#[test]
fn render_leaves_foreign_files_and_removes_only_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tree");
    assert_eq!(run(&repo(true), &["render", "--out", &out_arg(&out)]).0, 0);
    fs::write(out.join("flux-system/gotk-components.yaml"), "# upstream\n").unwrap();
    fs::write(out.join("apps/handwritten.yaml"), "# mine\n").unwrap();

    // The definition drops apps/extra.yaml.
    let (code, stdout, _) = run(&repo(false), &["render", "--out", &out_arg(&out)]);
    assert_eq!(code, 0);
    assert!(stdout.contains("1 removed"), "{stdout}");
    assert!(!out.join("apps/extra.yaml").exists());
    assert_eq!(
        fs::read_to_string(out.join("apps/handwritten.yaml")).unwrap(),
        "# mine\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("flux-system/gotk-components.yaml")).unwrap(),
        "# upstream\n"
    );
    let staged: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".fluxdsl-render-"))
        .collect();
    assert!(
        staged.is_empty(),
        "the staging folder is cleaned up: {staged:?}"
    );
}

#[test]
fn check_reports_a_diff_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tree");
    assert_eq!(run(&repo(false), &["render", "--out", &out_arg(&out)]).0, 0);
    let sync = out.join("flux-system/gotk-sync.yaml");
    let edited = fs::read_to_string(&sync).unwrap().replace("1m0s", "5m0s");
    fs::write(&sync, edited).unwrap();

    let (code, stdout, stderr) = run(&repo(true), &["check", "--out", &out_arg(&out)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("-  interval: 5m0s\n+  interval: 1m0s"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+++ ") && stdout.contains("apps/extra.yaml"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "{} is not current: 3 file(s) differ from the definition; run `cluster render --out {}`",
            out.display(),
            out.display()
        )),
        "the render it suggests writes where --out points: {stderr}"
    );
    // check wrote nothing
    assert!(!out.join("apps/extra.yaml").exists());
    assert!(fs::read_to_string(&sync).unwrap().contains("5m0s"));
}

#[test]
fn an_unwritable_destination_is_an_error_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("a-file");
    fs::write(&blocker, "not a folder").unwrap();
    let out = blocker.join("tree");
    let (code, stdout, stderr) = run(&repo(true), &["render", "--out", &out_arg(&out)]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: cannot create"), "{stderr}");

    // A file path where a rendered folder must go: refused before any file moves.
    let out = tmp.path().join("tree2");
    fs::create_dir_all(out.join("flux-system")).unwrap();
    fs::create_dir_all(out.join("apps/extra.yaml")).unwrap();
    let (code, _, stderr) = run(&repo(true), &["render", "--out", &out_arg(&out)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a directory"), "{stderr}");
    assert!(
        !out.join("flux-system/gotk-sync.yaml").exists(),
        "nothing was moved into place"
    );
}

#[test]
fn a_file_outside_the_tree_is_refused_with_exit_2() {
    let mut c = Cluster::new("tree");
    let f = c.file("../outside.yaml");
    c.add(
        &f,
        GitRepository::builder()
            .name(name!("x"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/x")
            .interval(duration!("1m"))
            .build(),
    );
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&c.into(), &["render", "--out", &out_arg(tmp.path())]);
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("\"../outside.yaml\""), "{stderr}");
    assert!(
        stderr.contains("tests/suite/tree.rs:"),
        "names the declaration: {stderr}"
    );
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn monacocloud_output_is_deterministic_and_the_committed_tree_is_current() {
    let first = run_cluster(&[]);
    let second = run_cluster(&[]);
    assert_eq!(first.0, 0, "{}", first.2);
    assert_eq!(first.1, second.1, "two runs print identical bytes");
    let (code, diff, stderr) = run_cluster(&["check"]);
    assert_eq!(
        code, 0,
        "k8s/flux is not current; run `cargo run -- render`\n{diff}{stderr}"
    );
}

#[test]
fn help_is_available_on_every_command() {
    for args in [
        &["--help"][..],
        &["render", "--help"],
        &["check", "--help"],
        &["print", "--help"],
    ] {
        let (code, stdout, _) = run(&repo(false), args);
        assert_eq!(code, 0, "{args:?}");
        assert!(stdout.contains("Usage:"), "{args:?}: {stdout}");
    }
    let (code, _, stderr) = run(&repo(false), &["frobnicate"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unrecognized subcommand"), "{stderr}");
}

#[test]
fn check_refuses_flux_components_that_are_not_the_pinned_release() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tree");
    let c = repo(false);
    assert_eq!(run(&c, &["render", "--out", &out_arg(&out)]).0, 0);
    let components = out.join("flux-system/gotk-components.yaml");

    // Another release: its header names it.
    fs::copy(
        super::fixture(
            "flux2-kustomize-helm-example-bootstrap-v2.3.0/clusters/staging/flux-system/gotk-components.yaml",
        ),
        &components,
    )
    .unwrap();
    let (code, _, stderr) = run(&c, &["check", "--out", &out_arg(&out)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("its header says Flux v2.3.0, the definition pins v2.9.3")
            && stderr.contains("flux install --version=")
            && stderr.contains("sha256sum"),
        "{stderr}"
    );

    // The pinned release, edited by hand: the checksum tells.
    let mut text = fs::read_to_string(super::fixture(
        "flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml",
    ))
    .unwrap();
    text = text.replacen("replicas: 1", "replicas: 2", 1);
    fs::write(&components, text).unwrap();
    let (code, _, stderr) = run(&c, &["check", "--out", &out_arg(&out)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("its SHA-256 is ")
            && stderr.contains(
                "the definition pins 4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365"
            )
            && stderr.contains("it was edited"),
        "{stderr}"
    );
    assert!(
        fs::read_to_string(&components)
            .unwrap()
            .contains("replicas: 2"),
        "check writes nothing"
    );
    let (_, stdout, _) = run(&c, &["render", "--out", &out_arg(&out)]);
    assert!(
        stdout.contains("0 written"),
        "render never rewrites it: {stdout}"
    );
}
