//! `kubectl kustomize` builds every rendered folder that has a kustomization.yaml.

use std::path::Path;
use std::process::Command;

use super::{fixture, listing_files, parse_yaml_stream, run_cluster};

fn kubectl() -> &'static str {
    "kubectl"
}

#[test]
fn kubectl_kustomize_builds_flux_system() {
    let (code, listing, stderr) = run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in listing_files(&listing) {
        let target = dir.path().join(path.strip_prefix("k8s/flux/").unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    // gotk-components.yaml is upstream: bring Flux's real one, as bootstrap would.
    std::fs::copy(
        fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml"),
        dir.path().join("flux-system/gotk-components.yaml"),
    )
    .unwrap();

    let folder: &Path = &dir.path().join("flux-system");
    let out = Command::new(kubectl())
        .arg("kustomize")
        .arg(folder)
        .output()
        .expect("kubectl is installed (the machine and CI have it)");
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objects = parse_yaml_stream(&String::from_utf8_lossy(&out.stdout));
    let has = |kind: &str, name: &str| {
        objects
            .iter()
            .any(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    };
    assert!(has("GitRepository", "flux-system"));
    assert!(has("Kustomization", "flux-system"));
    assert!(has(
        "CustomResourceDefinition",
        "kustomizations.kustomize.toolkit.fluxcd.io"
    ));
}
