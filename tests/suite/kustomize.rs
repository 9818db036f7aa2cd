//! `kubectl kustomize` builds every rendered folder that has a kustomization.yaml.

use std::process::Command;

use super::{fixture, listing_files, parse_yaml_stream, run_cluster};

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
    // gotk-components.yaml is upstream: bring Flux's real one, as bootstrap would.
    std::fs::copy(
        fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml"),
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
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir.path().join(folder))
            .output()
            .expect("kubectl is installed (the machine and CI have it)");
        assert!(
            out.status.success(),
            "kubectl kustomize {folder} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let objects = parse_yaml_stream(&String::from_utf8_lossy(&out.stdout));
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
