//! Files that are not objects: carried byte for byte (SOPS-encrypted Secrets, `.env`
//! inputs), data written as YAML (Helm values), and headers that can only be comments.

use std::path::Path;

use fluxdsl::{Cluster, KustomizeConfig, UpstreamManifest};

const SOPS_SECRET: &str = "k8s-home-ops/infrastructure/secrets/grafana-secret.yaml";

#[test]
fn a_sops_encrypted_secret_is_carried_byte_for_byte_and_kustomize_builds_it() {
    let encrypted = super::read_fixture(SOPS_SECRET);
    let mut cluster = Cluster::new("k8s");
    let secret = cluster.verbatim_file("secrets/grafana-secret.yaml", encrypted.clone());
    cluster.verbatim_file("secrets/settings.env", "LOG_LEVEL=debug\n");
    cluster.kustomize_config(
        "secrets",
        KustomizeConfig::builder().resources(&[&secret]).build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rendered.file("secrets/grafana-secret.yaml"),
        Some(encrypted.as_str())
    );
    assert_eq!(
        rendered.file("secrets/settings.env"),
        Some("LOG_LEVEL=debug\n")
    );
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in rendered.main().files() {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let built = super::kustomize::kubectl_kustomize(&Path::new(dir.path()).join("secrets"));
    assert_eq!(built.len(), 1);
    assert_eq!(built[0]["kind"], "Secret");
    // kustomize passes the encrypted values and the sops block through for Flux to decrypt.
    assert!(
        built[0]["stringData"]["grafana_password"]
            .as_str()
            .unwrap()
            .starts_with("ENC[AES256_GCM,")
    );
    assert!(built[0]["sops"]["mac"].as_str().is_some());
}

#[test]
fn an_encrypted_document_given_as_an_object_is_refused() {
    let encrypted = super::read_fixture(SOPS_SECRET);
    let value: serde_json::Value = serde_yaml::from_str(&encrypted).unwrap();
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("secrets.yaml");
    cluster.add_manifest(&file, value);
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains("Secret prometheus-operator/grafana-secret sops: is SOPS-encrypted"),
        "the refusal names the object SOPS leaves in clear: {err}"
    );
    assert!(err.contains("Cluster::verbatim_file"), "{err}");
    assert!(err.contains("files.rs:"), "{err}");

    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("secrets.yaml");
    cluster.add(&file, UpstreamManifest::yaml("home-ops secrets", encrypted));
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains("home-ops secrets document 1 is SOPS-encrypted"),
        "{err}"
    );
}

#[test]
fn helm_values_are_written_as_flux_writes_yaml_from_json_or_a_typed_struct() {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Values {
        replica_count: u8,
        ingress: Ingress,
    }
    #[derive(serde::Serialize)]
    struct Ingress {
        enabled: bool,
        hosts: Vec<&'static str>,
    }
    let mut cluster = Cluster::new("k8s");
    cluster.data_file(
        "apps/podinfo/values.yaml",
        &Values {
            replica_count: 2,
            ingress: Ingress {
                enabled: true,
                hosts: vec!["podinfo.local", "yes"],
            },
        },
    );
    cluster.data_file(
        "apps/podinfo/values-prod.yaml",
        &serde_json::json!({ "replicaCount": 3, "resources": {} }),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rendered.file("apps/podinfo/values.yaml").unwrap(),
        "ingress:\n  enabled: true\n  hosts:\n  - podinfo.local\n  - \"yes\"\nreplicaCount: 2\n"
    );
    assert_eq!(
        rendered.file("apps/podinfo/values-prod.yaml").unwrap(),
        "replicaCount: 3\nresources: {}\n"
    );
}

#[test]
fn a_header_that_is_not_only_comments_is_refused() {
    let mut cluster = Cluster::new("k8s");
    cluster.file_with_header(
        "sync.yaml",
        "# generated\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: injected\n",
    );
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "the header of file \"sync.yaml\" must be YAML comments, but it has the line \"---\""
        ),
        "{err}"
    );
}

#[test]
fn a_generated_config_map_has_a_handle_and_kustomize_writes_its_hashed_name_into_values_from() {
    use fluxdsl::{
        Chart, ConfigMapGenerator, HelmRelease, HelmRepository, ValuesFrom, duration, name,
        namespace,
    };
    let apps = namespace!("apps");
    let mut cluster = Cluster::new("k8s");
    let values = cluster.data_file(
        "apps/podinfo/values.yaml",
        &serde_json::json!({ "replicaCount": 2 }),
    );
    let generated = cluster.generate_config_map(
        "apps/podinfo",
        ConfigMapGenerator::from_files(name!("podinfo-values"), &[&values]).in_namespace(&apps),
    );
    let release_file = cluster.file("apps/podinfo/release.yaml");
    let charts = cluster.add(
        &release_file,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .namespace(apps.clone())
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    cluster.add(
        &release_file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(apps.clone())
            .chart(Chart::from_source(&charts, "podinfo"))
            .interval(duration!("1h"))
            .values_from(&[ValuesFrom::config_map(&generated)])
            .build(),
    );
    cluster.kustomize_config(
        "apps/podinfo",
        KustomizeConfig::builder()
            .resources(&[&release_file])
            .build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let config = rendered.file("apps/podinfo/kustomization.yaml").unwrap();
    assert!(
        config.contains("configurations:\n- kustomizeconfig.yaml\n"),
        "{config}"
    );
    assert!(
        config.contains("- files:\n  - values.yaml\n  name: podinfo-values\n  namespace: apps\n"),
        "{config}"
    );
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in rendered.main().files() {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let built = super::kustomize::kubectl_kustomize(&dir.path().join("apps/podinfo"));
    let config_map = built.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
    let hashed = config_map["metadata"]["name"].as_str().unwrap();
    assert!(hashed.starts_with("podinfo-values-"), "{hashed}");
    assert_eq!(config_map["data"]["values.yaml"], "replicaCount: 2\n");
    let release = built.iter().find(|o| o["kind"] == "HelmRelease").unwrap();
    assert_eq!(release["spec"]["valuesFrom"][0]["name"], hashed);
}

#[test]
fn a_generated_config_map_referenced_outside_its_kustomization_is_refused() {
    use fluxdsl::{ConfigMapGenerator, GitRepository, Kustomization, PostBuild, SubstituteFrom};
    use fluxdsl::{duration, name};
    let mut cluster = Cluster::new("k8s");
    let env = cluster.data_file("vars/vars.yaml", &serde_json::json!({ "a": "b" }));
    let vars = cluster.generate_config_map(
        "vars",
        ConfigMapGenerator::from_files(name!("vars"), &[&env]),
    );
    let nowhere = cluster.generate_config_map(
        "nowhere",
        ConfigMapGenerator::from_files(name!("lost"), &[&env]),
    );
    cluster.kustomize_config("vars", KustomizeConfig::builder().build());
    let sync = cluster.file("sync.yaml");
    let repo = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("repo"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/repo")
            .interval(duration!("1m"))
            .build(),
    );
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&repo)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .post_build(
                PostBuild::new()
                    .substitute_from(SubstituteFrom::config_map(&vars))
                    .substitute_from(SubstituteFrom::config_map(&nowhere)),
            )
            .build(),
    );
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains("which the kustomization.yaml of \"vars\" generates under another name"),
        "{err}"
    );
    assert!(err.contains("list \"sync.yaml\" there"), "{err}");
    assert!(
        err.contains(
            "ConfigMap lost: is generated in folder \"nowhere\", which has no kustomization.yaml"
        ),
        "{err}"
    );
}
