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

#[test]
fn resources_keep_the_order_given_and_an_empty_list_is_written() {
    use fluxdsl::{Cluster, KustomizeConfig, Resource};
    let mut cluster = Cluster::new("k8s");
    let a = cluster.verbatim_file(
        "apps/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    let z = cluster.verbatim_file(
        "apps/z.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n",
    );
    cluster.verbatim_file(
        "base/b.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
    );
    cluster.kustomize_config(
        "base",
        KustomizeConfig::builder()
            .resource_list(&[Resource::path("b.yaml")])
            .build(),
    );
    cluster.kustomize_config(
        "apps",
        KustomizeConfig::builder()
            .resource_list(&[
                Resource::file(&z),
                Resource::path("../base"),
                Resource::file(&a),
            ])
            .build(),
    );
    cluster.kustomize_config(
        "empty",
        KustomizeConfig::builder().resource_list(&[]).build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rendered.file("apps/kustomization.yaml").unwrap(),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- z.yaml\n- ../base\n- a.yaml\n"
    );
    assert_eq!(
        rendered.file("empty/kustomization.yaml").unwrap(),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"
    );
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in rendered.main().files() {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    // kustomize builds the mixed list (and sorts its own output by kind and name)
    let mut names: Vec<String> = kubectl_kustomize(&dir.path().join("apps"))
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b", "z"]);
}

/// A generator entry `values.yaml=<file>` (the key differs from the file's name) is in its
/// folder, and kubectl builds the ConfigMap with that key.
#[test]
fn a_generator_file_under_a_key_of_its_own_builds_with_that_key() {
    use fluxdsl::{Cluster, ConfigMapGenerator, KustomizeConfig, name, namespace};
    let mut cluster = Cluster::new("k8s");
    let folder = cluster.kustomize_folder(
        "apps/podinfo",
        KustomizeConfig::builder()
            .namespace(namespace!("podinfo"))
            .build(),
    );
    let ns = cluster.folder_file(&folder, "namespace.yaml");
    cluster.namespace(&ns, namespace!("podinfo"));
    let values = cluster.data_file(
        "apps/podinfo/prod-values.yaml",
        &serde_json::json!({ "replicaCount": 2 }),
    );
    let settings = cluster.generate_config_map(
        "apps/podinfo",
        ConfigMapGenerator::from_keyed_files(name!("podinfo-values"), &[("values.yaml", &values)]),
    );
    assert_eq!(settings.name(), "podinfo-values");
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().unwrap();
    fluxdsl::tree::write_tree(rendered.main(), tmp.path()).unwrap();
    let built = kubectl_kustomize(&tmp.path().join("apps/podinfo"));
    let map = built
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("kubectl builds the ConfigMap");
    assert!(
        map["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("podinfo-values-"),
        "{map}"
    );
    assert_eq!(map["data"]["values.yaml"], "replicaCount: 2\n", "{map}");
}
