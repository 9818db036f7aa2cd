//! `kubectl kustomize` builds every rendered folder that has a kustomization.yaml.

use std::process::Command;

use std::path::Path;

use super::{listing_files, parse_yaml_stream, run_cluster};

/// `kubectl kustomize DIR`: the objects it builds, or a panic with kubectl's message.
pub fn kubectl_kustomize(dir: &Path) -> Vec<serde_json::Value> {
    let out = match Command::new("kubectl").arg("kustomize").arg(dir).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("kubectl not found on PATH; this test runs kubectl kustomize")
        }
        Err(e) => panic!("cannot run kubectl: {e}"),
    };
    assert!(
        out.status.success(),
        "kubectl kustomize {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    parse_yaml_stream(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn kubectl_kustomize_builds_the_committed_flux_system_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("k8s/flux/flux-system");
    let objects = kubectl_kustomize(&dir);
    let kinds = |kind: &str| objects.iter().filter(|o| o["kind"] == kind).count();
    // Flux v2.9.3's install with the image automation controllers, and the sync pair.
    assert_eq!(kinds("CustomResourceDefinition"), 14);
    assert_eq!(kinds("Deployment"), 6);
    assert_eq!(kinds("GitRepository"), 1);
    assert_eq!(kinds("Kustomization"), 1);
}

#[test]
fn kubectl_kustomize_builds_every_monacocloud_folder() {
    let (code, listing, stderr) = run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let files = listing_files(&listing);
    for (path, text) in &files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    // gotk-components.yaml is upstream: the listing leaves it out, the repository has it.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("k8s/flux/flux-system/gotk-components.yaml"),
        dir.path().join("k8s/flux/flux-system/gotk-components.yaml"),
    )
    .unwrap();

    let folders: Vec<&str> = files
        .iter()
        .filter_map(|(p, _)| p.strip_suffix("/kustomization.yaml"))
        .collect();
    assert_eq!(
        folders,
        [
            "k8s/flux/flux-system",
            "kube-deploy/owncloud",
            "kube-deploy/seeddms",
            "kube-deploy/suitecrm"
        ]
    );
    for folder in folders {
        let objects = kubectl_kustomize(&dir.path().join(folder));
        let has = |kind: &str, name: &str| {
            objects
                .iter()
                .any(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        };
        match folder {
            "k8s/flux/flux-system" => {
                assert!(has("GitRepository", "flux-system"));
                assert!(has("Kustomization", "flux-system"));
                assert!(has(
                    "CustomResourceDefinition",
                    "kustomizations.kustomize.toolkit.fluxcd.io"
                ));
            }
            app => {
                let app = app.trim_start_matches("kube-deploy/");
                assert!(has("Namespace", app), "{folder}");
                assert!(has("Deployment", app), "{folder}");
                assert!(has("StatefulSet", &format!("{app}-db")), "{folder}");
                assert!(has("Ingress", app), "{folder}");
            }
        }
    }
}
