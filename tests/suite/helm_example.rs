//! examples/flux2_kustomize_helm_example.rs reproduces the real repository
//! (`tests/fixtures/flux2-kustomize-helm-example`) object for object, and kustomize
//! builds every folder it renders.

#[allow(dead_code)]
#[path = "../../examples/flux2_kustomize_helm_example.rs"]
pub mod example;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{first_difference, fixture, object_key, parse_yaml_stream, read_fixture};

const REPO: &str = "flux2-kustomize-helm-example";
const BOOTSTRAP: &str = "flux2-kustomize-helm-example-bootstrap-v2.3.0";

fn objects(text: &str) -> BTreeMap<String, Value> {
    parse_yaml_stream(text)
        .into_iter()
        .map(|mut o| {
            super::normalize_durations(&mut o);
            (object_key(&o), o)
        })
        .collect()
}

/// Every YAML file of the fixture (Flux's own `gotk-components.yaml` aside).
fn fixture_files() -> Vec<String> {
    let root = fixture(REPO);
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if !rel.ends_with("gotk-components.yaml") {
                    files.push(rel);
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn one_render_reproduces_the_whole_repository_with_both_clusters() {
    let rendered = example::repository()
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rendered.trees().len(), 1, "one tree: the repository");
    let tree = rendered.main();
    assert_eq!(tree.root(), example::LOCAL_PATH);
    let ours: Vec<String> = tree.files().map(|(p, _)| p.to_owned()).collect();
    assert_eq!(ours, fixture_files(), "the same files");
    let upstream: Vec<&str> = tree.upstream().iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        upstream,
        [
            "clusters/staging/flux-system/gotk-components.yaml",
            "clusters/production/flux-system/gotk-components.yaml"
        ]
    );
    let bootstrap_sync = read_fixture(&format!(
        "{BOOTSTRAP}/clusters/staging/flux-system/gotk-sync.yaml"
    ));
    let mut compared = 0;
    for (path, text) in tree.files() {
        let theirs = if path.ends_with("flux-system/gotk-sync.yaml") {
            // On the repository's main branch this file is a placeholder; compare with the
            // real bootstrap output instead, byte for byte (production: same with its path).
            let placeholder = read_fixture(&format!("{REPO}/{path}"));
            assert!(
                placeholder.starts_with("# This file will be generated"),
                "{path}"
            );
            let want = bootstrap_sync.replace(
                "./clusters/staging",
                &format!("./{}", path.trim_end_matches("/flux-system/gotk-sync.yaml")),
            );
            assert_eq!(text, want, "{path}");
            want
        } else {
            read_fixture(&format!("{REPO}/{path}"))
        };
        let (ours, theirs) = (objects(text), objects(&theirs));
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{path}: the same objects"
        );
        for (k, o) in &ours {
            if let Some(d) = first_difference("", o, &theirs[k]) {
                panic!("{path}: {k} differs at {d}");
            }
            compared += 1;
        }
    }
    // Every document of the fixture's files: 24 objects, 7 kustomization.yaml files and 2
    // patch files (the count of `---` documents in the fixture, gotk-sync.yaml as bootstrap
    // writes it).
    assert_eq!(compared, 33, "documents compared");
}

#[test]
fn each_cluster_of_the_repository_is_chosen_by_name() {
    let repository = example::repository();
    let names: Vec<&str> = repository.clusters().map(|(n, _)| n).collect();
    assert_eq!(names, ["staging", "production"]);
    let err = repository.select(None).unwrap_err();
    assert!(
        err.contains("choose one with --cluster NAME (staging, production)"),
        "{err}"
    );
    let staging = repository.select(Some("staging")).unwrap();
    // What apply bootstraps: the cluster's own folder, never the shared ones.
    let rendered = staging.render().unwrap();
    assert!(
        rendered
            .main()
            .files()
            .all(|(p, _)| p.starts_with("clusters/staging/")),
        "{:?}",
        rendered.main().files().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(
        repository
            .select(Some("qa"))
            .unwrap_err()
            .contains("no cluster \"qa\"")
    );
}

#[test]
fn kubectl_kustomize_builds_every_rendered_folder() {
    {
        let rendered = example::repository()
            .render()
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in rendered.main().files() {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), text).unwrap();
        }
        for u in rendered.main().upstream() {
            std::fs::copy(
                fixture(&format!(
                    "{BOOTSTRAP}/clusters/staging/flux-system/gotk-components.yaml"
                )),
                root.join(&u.path),
            )
            .unwrap();
        }
        let folders: Vec<&str> = rendered
            .main()
            .files()
            .filter_map(|(p, _)| p.strip_suffix("/kustomization.yaml"))
            .collect();
        assert_eq!(folders.len(), 7, "{folders:?}");
        for folder in folders {
            super::kustomize::kubectl_kustomize(&Path::new(root).join(folder));
        }
    }
}

/// The documents of every file the example renders pinned to `api` (none when `None`).
fn pinned_documents(api: Option<&fluxdsl::FluxApi>) -> Vec<Value> {
    let rendered = example::repository_at(api)
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    let text: String = rendered
        .main()
        .files()
        .map(|(_, t)| format!("---\n{t}"))
        .collect();
    parse_yaml_stream(&text)
}

/// The repository's main branch splits its tree with source-watcher's ArtifactGenerator
/// (Flux 2.7+, an extra component) and retries releases with `RetryOnFailure` (Flux 2.5+).
/// Pinned to an install, the example writes what that install serves: without
/// source-watcher (v2.9.3's install here, and v2.3.0's) the clusters sync `infrastructure/`
/// and `apps/<env>/` from the repository, and at v2.3.0 the releases remediate instead.
/// Every Flux object is written at the version the install stores, and render has checked
/// each against that version's schema and every Kustomization path against the tree.
#[test]
fn pinned_to_flux_v2_3_0_or_v2_9_3_it_writes_what_that_install_serves() {
    let unpinned = pinned_documents(None);
    for (label, components) in [
        (
            "Flux v2.9.3",
            "flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml".to_owned(),
        ),
        (
            "Flux v2.3.0",
            format!("{BOOTSTRAP}/clusters/staging/flux-system/gotk-components.yaml"),
        ),
    ] {
        let api = fluxdsl::FluxApi::from_crds(label, &read_fixture(&components)).unwrap();
        let pinned = pinned_documents(Some(&api));
        let kinds = |docs: &[Value]| -> BTreeMap<String, usize> {
            let mut count = BTreeMap::new();
            for d in docs {
                *count
                    .entry(d["kind"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            count
        };
        let mut expected = kinds(&unpinned);
        expected.remove("ArtifactGenerator");
        assert_eq!(
            kinds(&pinned),
            expected,
            "{label}: the same objects, no generator"
        );
        for d in &pinned {
            let (group, _) = d["apiVersion"]
                .as_str()
                .unwrap()
                .rsplit_once('/')
                .unwrap_or(("", ""));
            if let Some(storage) = api.storage_version(group, d["kind"].as_str().unwrap()) {
                assert_eq!(
                    d["apiVersion"],
                    format!("{group}/{storage}"),
                    "{label}: {d}"
                );
            }
            if d["kind"] == "Kustomization" && group == "kustomize.toolkit.fluxcd.io" {
                assert_eq!(
                    d["spec"]["sourceRef"]["kind"], "GitRepository",
                    "{label}: {d}"
                );
            }
            // The overlays' patch documents have no interval.
            if d["kind"] == "HelmRelease" && !d["spec"]["interval"].is_null() {
                let strategy = &d["spec"]["install"]["strategy"]["name"];
                let expected = if label == "Flux v2.3.0" {
                    Value::Null
                } else {
                    "RetryOnFailure".into()
                };
                assert_eq!(*strategy, expected, "{label}: {d}");
            }
        }
    }
}
