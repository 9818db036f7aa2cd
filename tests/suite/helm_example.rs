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
use example::Env;

const REPO: &str = "flux2-kustomize-helm-example";
const BOOTSTRAP: &str = "flux2-kustomize-helm-example-bootstrap-v2.3.0";

/// Durations compared as durations: every string Flux would read as one is written as Go
/// prints it (`1h` and `1h0m0s` are equal).
fn normalize(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Ok(d) = fluxdsl::Duration::parse(s) {
                *s = d.to_string();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        Value::Object(m) => m.values_mut().for_each(normalize),
        _ => {}
    }
}

fn objects(text: &str) -> BTreeMap<String, Value> {
    parse_yaml_stream(text)
        .into_iter()
        .map(|mut o| {
            normalize(&mut o);
            (object_key(&o), o)
        })
        .collect()
}

/// Every YAML file of the fixture that the `env` cluster's view of the repository holds.
fn fixture_files(env: Env) -> Vec<String> {
    let env_name = match env {
        Env::Staging => "staging",
        Env::Production => "production",
    };
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
                let ours = rel.starts_with("infrastructure/")
                    || rel.starts_with("apps/base/")
                    || rel.starts_with(&format!("apps/{env_name}/"))
                    || rel.starts_with(&format!("clusters/{env_name}/"));
                if ours && !rel.ends_with("gotk-components.yaml") {
                    files.push(rel);
                }
            }
        }
    }
    files.sort();
    files
}

fn check_env(env: Env) {
    let rendered = example::cluster(env)
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    let tree = rendered.main();
    let ours: Vec<String> = tree.files().map(|(p, _)| p.to_owned()).collect();
    assert_eq!(ours, fixture_files(env), "the same files");
    let bootstrap_sync = read_fixture(&format!(
        "{BOOTSTRAP}/clusters/staging/flux-system/gotk-sync.yaml"
    ));
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
        }
    }
}

#[test]
fn staging_reproduces_the_repository() {
    check_env(Env::Staging);
}

#[test]
fn production_reproduces_the_repository() {
    check_env(Env::Production);
}

#[test]
fn kubectl_kustomize_builds_every_rendered_folder() {
    for env in [Env::Staging, Env::Production] {
        let rendered = example::cluster(env)
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
        assert_eq!(folders.len(), 5, "{folders:?}");
        for folder in folders {
            super::kustomize::kubectl_kustomize(&Path::new(root).join(folder));
        }
    }
}
