//! The default command prints every file after a `# file:` line.

use super::{listing_files, run_cluster};

#[test]
fn cargo_run_prints_the_monacocloud_tree() {
    let (code, stdout, stderr) = run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let paths: Vec<String> = listing_files(&stdout).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "k8s/flux/components.yaml",
            "k8s/flux/flux-system/gotk-sync.yaml",
            "k8s/flux/flux-system/kustomization.yaml",
            "k8s/flux/monacocloud-apps.yaml",
            "k8s/flux/monacocloud-config.yaml",
            "kube-deploy/owncloud/kustomization.yaml",
            "kube-deploy/owncloud/namespace.yaml",
            "kube-deploy/owncloud/owncloud-db.yaml",
            "kube-deploy/owncloud/owncloud.yaml",
            "kube-deploy/seeddms/kustomization.yaml",
            "kube-deploy/seeddms/namespace.yaml",
            "kube-deploy/seeddms/seeddms-db.yaml",
            "kube-deploy/seeddms/seeddms.yaml",
            "kube-deploy/suitecrm/kustomization.yaml",
            "kube-deploy/suitecrm/namespace.yaml",
            "kube-deploy/suitecrm/suitecrm-db.yaml",
            "kube-deploy/suitecrm/suitecrm.yaml",
        ]
    );
}

#[test]
fn monacocloud_matches_the_reference_cluster() {
    // DESIGN.md: every GitRepository and Kustomization at interval 1m0s, every Kustomization
    // prune: true, the infra chain certmanager <- traefik <- prometheus <- helpmanager, and
    // the secrets each repository authenticates with.
    let (_, stdout, _) = run_cluster(&[]);
    let objects: Vec<serde_json::Value> = listing_files(&stdout)
        .iter()
        .filter(|(p, _)| !p.ends_with("kustomization.yaml"))
        .flat_map(|(_, t)| super::parse_yaml_stream(t))
        .collect();
    let flux: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| {
            o["apiVersion"]
                .as_str()
                .unwrap()
                .contains("toolkit.fluxcd.io")
        })
        .collect();
    assert_eq!(flux.len(), 11);
    for o in &flux {
        assert_eq!(o["spec"]["interval"], "1m0s", "{}", o["metadata"]["name"]);
        assert_eq!(o["metadata"]["namespace"], "flux-system");
        if o["kind"] == "Kustomization" {
            assert_eq!(o["spec"]["prune"], true);
        }
    }
    let find = |kind: &str, name: &str| {
        *flux
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} is declared"))
    };
    for (ks, dep) in [
        ("traefik", "certmanager"),
        ("prometheus", "traefik"),
        ("helpmanager", "prometheus"),
    ] {
        assert_eq!(
            find("Kustomization", ks)["spec"]["dependsOn"],
            serde_json::json!([{"name": dep}])
        );
    }
    assert_eq!(
        find("Kustomization", "flux-system")["spec"]["path"],
        "./k8s/flux"
    );
    assert_eq!(
        find("GitRepository", "flux-system")["spec"]["secretRef"]["name"],
        "flux-system"
    );
    assert_eq!(
        find("GitRepository", "flux-system")["spec"]["ref"]["branch"],
        "main"
    );
    assert_eq!(
        find("GitRepository", "kube-deploy")["spec"]["secretRef"]["name"],
        "flux-deploy-authentication"
    );
    assert_eq!(
        find("GitRepository", "monacocloud-config")["spec"]["secretRef"]["name"],
        "flux-system"
    );
    for app in [
        "owncloud-manifests",
        "seeddms-manifests",
        "suitecrm-manifests",
    ] {
        assert_eq!(
            find("Kustomization", app)["spec"]["sourceRef"]["name"],
            "kube-deploy"
        );
    }
}

#[test]
fn the_readme_quick_start_is_examples_minimal() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let quick_start = readme
        .split("## Quick start")
        .nth(1)
        .expect("a Quick start section");
    let code = quick_start
        .split("```rust\n")
        .nth(1)
        .and_then(|s| s.split("```\n").next())
        .expect("a rust block");
    let example = std::fs::read_to_string(root.join("examples/minimal.rs")).unwrap();
    let body: String = example
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        code, body,
        "README's quick start must be examples/minimal.rs"
    );
}
