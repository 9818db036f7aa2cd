//! The valid counterparts of the compile-fail cases (tests/ui/fail/): handles of the right
//! kinds, checked literals at their limits, every required field. Each compiles, and its
//! cluster renders.

mod a_complete_flux_graph {
    use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
    use fluxdsl::k8s_openapi::api::rbac::v1::ClusterRole;
    use fluxdsl::{
        Cluster, Decryption, GitRef, GitRepository, HealthCheck, Kustomization, NamespaceName,
        PostBuild, Ref, SubstituteFrom, duration, name, namespace,
    };

    #[test]
    fn compiles_and_renders() {
        let mut cluster = Cluster::new("k8s/flux");
        let file = cluster.file("apps.yaml");
        let ns = NamespaceName::FLUX_SYSTEM;
        let key: Ref<Secret> = Ref::existing(&ns, name!("flux-system"));
        let vars: Ref<ConfigMap> = Ref::existing(&ns, name!("cluster-vars"));
        let deployer: Ref<ServiceAccount> = Ref::existing(&ns, name!("deployer"));
        let _admin: Ref<ClusterRole> = Ref::existing_cluster_scoped(name!("cluster-admin"));

        let repo = cluster.add(
            &file,
            GitRepository::builder()
                .name(name!(
                    "a-name-of-exactly-sixty-three-characters-is-the-longest-allowed"
                ))
                .namespace(namespace!("flux-system"))
                .url("ssh://git@example.com/apps")
                .reference(GitRef::branch("main"))
                .secret_ref(&key)
                .timeout(duration!("1.5s"))
                .interval(duration!("1h30m"))
                .build(),
        );
        let infra = cluster.add(
            &file,
            Kustomization::builder()
                .name(name!("infra"))
                .source_ref(&repo)
                .path("./infra")
                .interval(duration!("10m"))
                .prune(true)
                .build(),
        );
        let _apps = cluster.add(
            &file,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&repo)
                .path("./apps")
                .interval(duration!("500ms"))
                .prune(false)
                .depends_on(&[&infra])
                .health_checks(&[HealthCheck::of(&infra)])
                .service_account_name(&deployer)
                .post_build(
                    PostBuild::new()
                        .substitute("cluster", "monaco")
                        .substitute_from(SubstituteFrom::config_map(&vars))
                        .substitute_from(SubstituteFrom::secret(&key).optional()),
                )
                .decryption(Decryption::sops(&key))
                .build(),
        );
        cluster.render().unwrap();
    }
}

mod helm_releases_and_generated_artifacts {
    use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
    use fluxdsl::*;

    #[test]
    fn compile_and_render() {
        let mut cluster = Cluster::new("k8s/flux");
        let file = cluster.file("apps.yaml");
        let ns = NamespaceName::FLUX_SYSTEM;
        let values: Ref<ConfigMap> = Ref::existing(&ns, name!("app-values"));
        let charts = cluster.add(
            &file,
            HelmRepository::builder()
                .name(name!("charts"))
                .url("https://charts.example.com")
                .interval(duration!("1h"))
                .build(),
        );
        let oci = cluster.add(
            &file,
            OCIRepository::builder()
                .name(name!("cert-manager"))
                .url("oci://quay.io/jetstack/charts/cert-manager")
                .reference(OciRef::semver("1.x"))
                .layer_selector(LayerSelector::helm_chart())
                .interval(duration!("24h"))
                .build(),
        );
        let cert_manager = cluster.add(
            &file,
            HelmRelease::builder()
                .name(name!("cert-manager"))
                .chart(Chart::from_ref(&oci))
                .interval(duration!("12h"))
                .install(Install {
                    strategy: Some(Strategy::RetryOnFailure {
                        retry_interval: None,
                    }),
                    ..Install::default()
                })
                .build(),
        );
        cluster.add(
            &file,
            HelmRelease::builder()
                .name(name!("app"))
                .chart(Chart::from_source(&charts, "app").version("1.x"))
                .interval(duration!("10m"))
                .depends_on(&[&cert_manager])
                .values(serde_json::json!({"replicas": 2}))
                .values_from(&[ValuesFrom::config_map(&values).key("values.yaml")])
                .build(),
        );
        let repo = cluster.add(
            &file,
            GitRepository::builder()
                .name(name!("monorepo"))
                .url("https://example.com/monorepo")
                .reference(fluxdsl::GitRef::branch("main"))
                .interval(duration!("1m"))
                .build(),
        );
        let generator = cluster.add(
            &file,
            ArtifactGenerator::builder()
                .name(name!("monorepo"))
                .sources(&[GeneratorSourceRef::new("monorepo", &repo)])
                .artifacts(&[GeneratedArtifact::new(
                    name!("apps"),
                    &[CopyOperation::new("@monorepo/apps/**", "@artifact/")],
                )])
                .build(),
        );
        let apps = generator.artifact(name!("apps"));
        cluster.add(
            &file,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&apps)
                .path("./")
                .interval(duration!("1h"))
                .prune(true)
                .build(),
        );
        cluster.render().unwrap();
    }
}

/// README's `cargo test` runs the compile-fail cases only while `tests/ui` is a default
/// member of the workspace: without it they would silently stop running.
#[test]
fn cargo_test_runs_the_compile_fail_package() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let default_members = manifest
        .lines()
        .find_map(|line| line.strip_prefix("default-members = "))
        .expect("Cargo.toml has a [workspace] default-members line");
    assert!(
        default_members.contains("\".\"") && default_members.contains("\"tests/ui\""),
        "Cargo.toml's default-members must list \".\" and \"tests/ui\", found {default_members}"
    );
    let ui = std::fs::read_to_string(root.join("tests/ui/Cargo.toml")).unwrap();
    assert!(
        ui.contains("name = \"fluxdsl-compile-fail\""),
        "tests/ui/Cargo.toml is the fluxdsl-compile-fail package"
    );
    assert!(
        std::fs::read_dir(root.join("tests/ui/fail"))
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "rs")),
        "tests/ui/fail holds the compile-fail cases"
    );
}
