//! Objects of every Flux kind built with every typed setter (`maximal`), and the few
//! fields left to `extra_spec` (`through_extra_spec`), both in a cluster pinned to a Flux
//! API. The coverage test walks what they write; the e2e suite applies them to a real API
//! server.

use std::collections::BTreeMap;

use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
use fluxdsl::*;

/// A patch or drift target with every selector set.
fn every_target() -> PatchTarget {
    PatchTarget::kind::<Secret>()
        .named("x")
        .with_group_version::<Secret>()
        .in_namespace("apps")
        .with_labels("a=b")
        .with_annotations("c=d")
}

/// A health check expression with every expression set.
fn health_check() -> HealthCheckExpr {
    HealthCheckExpr::new("example.com/v1", "Widget", "status.ready")
        .in_progress("status.progressing")
        .failed("status.failed")
}

/// Objects of every kind, built with every typed setter (alternatives in several objects),
/// in a cluster pinned to `api`: what they write is also checked against its schemas.
pub fn maximal(api: &FluxApi) -> Cluster {
    let mut c = Cluster::new("k8s");
    c.flux_api(api);
    let f = c.file("all.yaml");
    let ns = namespace!("flux-system");
    let secret: Ref<Secret> = Ref::existing(&ns, name!("creds"));
    let config_map: Ref<ConfigMap> = Ref::existing(&ns, name!("settings"));
    let sa: Ref<ServiceAccount> = Ref::existing(&ns, name!("reconciler"));
    let labels = || BTreeMap::from([("a".to_string(), "b".to_string())]);

    let git = c.add(
        &f,
        GitRepository::builder()
            .name(name!("git"))
            .url("https://example.com/repo")
            .reference(GitRef::semver("1.x").with_commit("abc"))
            .ignore(&["/*"])
            .include(&[])
            .interval(duration!("1m"))
            .provider(GitProvider::Azure)
            .proxy_secret_ref(&secret)
            .recurse_submodules(true)
            .secret_ref(&secret)
            .service_account_name(&sa)
            .sparse_checkout(&["apps"])
            .suspend(true)
            .timeout(duration!("1m"))
            .verify(GitVerify::head(&secret))
            .build(),
    );
    for reference in [
        GitRef::branch("main"),
        GitRef::tag("v1"),
        GitRef::name("refs/heads/x"),
    ] {
        c.add(
            &f,
            GitRepository::builder()
                .name(Name::new(format!("git-{}", c.len())).unwrap())
                .url("https://example.com/repo")
                .reference(reference)
                .include(&[GitRepositoryInclude::of(&git).from_path("a").to_path("b")])
                .interval(duration!("1m"))
                .build(),
        );
    }
    let oci = c.add(
        &f,
        OCIRepository::builder()
            .name(name!("oci"))
            .url("oci://ghcr.io/example/app")
            .reference(OciRef::semver("1.x").with_semver_filter(".*"))
            .ignore(&["/*"])
            .insecure(true)
            .interval(duration!("1m"))
            .layer_selector(LayerSelector::copy(
                "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            ))
            .provider(OciProvider::Aws)
            .secret_ref(&secret)
            .service_account_name(&sa)
            .suspend(true)
            .timeout(duration!("1m"))
            .cert_secret_ref(&secret)
            .proxy_secret_ref(&secret)
            .verify(
                OciVerify::cosign()
                    .keys(&secret)
                    .identity("^https://token.actions.githubusercontent.com$", ".*")
                    .trusted_root(&secret),
            )
            .build(),
    );
    // Every field set: credentials with insecure too, which a test cluster may mean.
    c.allow_secret_in_clear(&oci);
    for reference in [OciRef::tag("v1"), OciRef::digest("sha256:0")] {
        c.add(
            &f,
            OCIRepository::builder()
                .name(Name::new(format!("oci-{}", c.len())).unwrap())
                .url("oci://ghcr.io/example/app")
                .reference(reference)
                .interval(duration!("1m"))
                .build(),
        );
    }
    let helm_repo = c.add(
        &f,
        HelmRepository::builder()
            .name(name!("charts"))
            .url("oci://example.com/charts")
            .cert_secret_ref(&secret)
            .insecure(true)
            .interval(duration!("1h"))
            .pass_credentials(true)
            .provider(OciProvider::Gcp)
            .secret_ref(&secret)
            .suspend(true)
            .timeout(duration!("1m"))
            .oci(true)
            .access_from(&[&[("a", "b")]])
            .build(),
    );
    c.add(
        &f,
        Bucket::builder()
            .name(name!("bucket"))
            .bucket_name("b")
            .endpoint("s3.amazonaws.com")
            .cert_secret_ref(&secret)
            .ignore(&["/*"])
            .interval(duration!("1m"))
            .prefix("p")
            .provider(BucketProvider::Aws)
            .proxy_secret_ref(&secret)
            .region("r")
            .secret_ref(&secret)
            .suspend(true)
            .timeout(duration!("1m"))
            .build(),
    );
    c.add(
        &f,
        Bucket::builder()
            .name(name!("plain"))
            .bucket_name("b")
            .endpoint("minio:9000")
            .insecure(true)
            .interval(duration!("1m"))
            .sts(BucketSts::ldap("https://minio:9000", &secret).cert_secret_ref(&secret))
            .build(),
    );
    c.add(
        &f,
        Bucket::builder()
            .name(name!("gcs"))
            .bucket_name("b")
            .endpoint("storage.googleapis.com")
            .provider(BucketProvider::Gcp)
            .service_account_name(&sa)
            .interval(duration!("1m"))
            .build(),
    );
    let chart = c.add(
        &f,
        HelmChart::builder()
            .name(name!("chart"))
            .chart("podinfo")
            .ignore_missing_values_files(true)
            .interval(duration!("1m"))
            .reconcile_strategy(ReconcileStrategy::Revision)
            .source_ref(&helm_repo)
            .suspend(true)
            .values_files(&["values.yaml"])
            .version("1.x")
            .verify(OciVerify::cosign().keys(&secret).identity("i", "s"))
            .build(),
    );
    c.add(
        &f,
        ExternalArtifact::builder()
            .name(name!("artifact"))
            .source_ref(&git)
            .build(),
    );
    let ks = c.add(
        &f,
        Kustomization::builder()
            .name(name!("ks"))
            .source_ref(&git)
            .path("./apps")
            .interval(duration!("1m"))
            .prune(true)
            .common_metadata(CommonMetadata {
                labels: labels(),
                annotations: labels(),
            })
            .components(&["c"])
            .decryption(Decryption::sops(&secret).service_account(&sa))
            .deletion_policy(DeletionPolicy::Orphan)
            .force(true)
            .health_checks(&[HealthCheck::of(&git)])
            .images(&[Image {
                name: "a".into(),
                new_name: Some("b".into()),
                new_tag: Some("c".into()),
                digest: Some("d".into()),
            }])
            .kube_config(KubeConfig::Secret {
                secret: secret.clone(),
                key: Some("k".into()),
            })
            .name_prefix("p-")
            .name_suffix("-s")
            .patches(&[Patch::new("[]", every_target())])
            .post_build(
                PostBuild::new()
                    .substitute("a", "b")
                    .substitute_from(SubstituteFrom::secret(&secret).optional())
                    .always(),
            )
            .build_metadata(&[BuildMetadata::OriginAnnotations])
            .health_check_exprs(&[health_check()])
            .ignore(&[DriftIgnore {
                paths: vec!["/spec/replicas".into()],
                target: Some(every_target()),
            }])
            .ignore_missing_components(true)
            .retry_interval(duration!("1m"))
            .service_account_name(&sa)
            .suspend(true)
            .target_namespace(namespace!("apps"))
            .timeout(duration!("1m"))
            .wait(true)
            .build(),
    );
    c.add(
        &f,
        Kustomization::builder()
            .name(name!("ks-2"))
            .source_ref(&git)
            .path("./apps")
            .interval(duration!("1m"))
            .prune(true)
            .depends_on(&[DependsOn::on(&ks).ready_when("dep.status.ready")])
            .kube_config(KubeConfig::ConfigMap {
                config_map: config_map.clone(),
            })
            .build(),
    );
    let all_flags = ActionFlags {
        disable_hooks: true,
        disable_open_api_validation: true,
        disable_schema_validation: true,
        disable_wait: true,
        disable_wait_for_jobs: true,
    };
    let remediation_flags = Remediation {
        ignore_test_failures: Some(true),
        remediate_last_failure: Some(false),
    };
    let retry = Some(Strategy::RetryOnFailure {
        retry_interval: Some(duration!("1m")),
    });
    let release = c.add(
        &f,
        HelmRelease::builder()
            .name(name!("release"))
            .chart(
                Chart::from_source(&helm_repo, "podinfo")
                    .version("1.x")
                    .interval(duration!("1m"))
                    .reconcile_on_revision()
                    .values_files(&["values.yaml"])
                    .ignore_missing_values_files()
                    .verify(OciVerify::cosign().keys(&secret))
                    .metadata(CommonMetadata {
                        labels: labels(),
                        annotations: labels(),
                    }),
            )
            .common_metadata(CommonMetadata {
                labels: labels(),
                annotations: labels(),
            })
            .health_check_exprs(&[health_check()])
            .persistent_client(false)
            .post_render_strategy(PostRenderStrategy::Separate)
            .post_renderers(&[PostRenderer::kustomize()
                .patches(&[Patch::new("[]", every_target())])
                .images(&[Image {
                    name: "a".into(),
                    new_name: Some("b".into()),
                    new_tag: Some("c".into()),
                    digest: Some("d".into()),
                }])])
            .wait_strategy(WaitStrategy::Poller)
            .interval(duration!("1h"))
            .install(Install {
                create_namespace: true,
                crds: Some(Crds::CreateReplace),
                strategy: retry,
                timeout: Some(duration!("1m")),
                replace: true,
                flags: all_flags,
                remediation: remediation_flags,
                disable_take_ownership: true,
                server_side_apply: Some(true),
                skip_crds: true,
            })
            .drift_detection(DriftDetection {
                mode: DriftMode::Enabled,
                ignore: vec![DriftIgnore {
                    paths: vec!["/spec/replicas".into()],
                    target: Some(every_target()),
                }],
            })
            .test(HelmTest {
                enable: true,
                ignore_failures: true,
                timeout: Some(duration!("1m")),
                filters: vec![TestFilter::run("a"), TestFilter::skip("b")],
            })
            .rollback(Rollback {
                cleanup_on_fail: true,
                disable_hooks: true,
                disable_wait: true,
                disable_wait_for_jobs: true,
                force: true,
                recreate: true,
                timeout: Some(duration!("1m")),
                server_side_apply: Some(ServerSideApply::Disabled),
            })
            .kube_config(KubeConfig::Secret {
                secret: secret.clone(),
                key: Some("value".into()),
            })
            .max_history(3)
            .release_name("r")
            .service_account_name(&sa)
            .storage_namespace(namespace!("apps"))
            .suspend(true)
            .target_namespace(namespace!("apps"))
            .timeout(duration!("1m"))
            .uninstall(Uninstall {
                deletion_propagation: Some(DeletionPropagation::Foreground),
                disable_hooks: true,
                disable_wait: true,
                keep_history: Some(true),
                timeout: Some(duration!("1m")),
            })
            .upgrade(Upgrade {
                cleanup_on_fail: true,
                crds: Some(Crds::Skip),
                strategy: retry,
                timeout: Some(duration!("1m")),
                force: true,
                preserve_values: true,
                flags: all_flags,
                remediation: remediation_flags,
                remediation_strategy: Some(RemediationStrategy::Uninstall),
                disable_take_ownership: true,
                server_side_apply: Some(ServerSideApply::Enabled),
                chart_name_change: Some(ChartNameChange::InPlaceUpdate),
            })
            .values(serde_json::json!({ "a": 1 }))
            .values_from(&[ValuesFrom::config_map(&config_map)
                .key("k")
                .target_path("a.b")
                .optional()
                .literal()])
            .build(),
    );
    let remediate = Some(Strategy::RemediateOnFailure { retries: 3 });
    c.add(
        &f,
        HelmRelease::builder()
            .name(name!("release-2"))
            .chart(Chart::from_ref(&chart))
            .interval(duration!("1h"))
            .depends_on(&[DependsOn::on(&release).ready_when("dep.status.ready")])
            .install(Install {
                strategy: remediate,
                ..Install::default()
            })
            .upgrade(Upgrade {
                strategy: remediate,
                ..Upgrade::default()
            })
            .build(),
    );
    let provider = c.add(
        &f,
        Provider::builder()
            .name(name!("provider"))
            .provider_type(ProviderType::Github)
            .address("https://github.com/example/repo")
            .cert_secret_ref(&secret)
            .channel("c")
            .commit_status_expr("x")
            .proxy_secret_ref(&secret)
            .secret_ref(&secret)
            .service_account_name(&sa)
            .suspend(true)
            .timeout(duration!("1m"))
            .username("u")
            .interval(duration!("1m"))
            .proxy("http://proxy:3128")
            .build(),
    );
    c.add(
        &f,
        Alert::builder()
            .name(name!("alert"))
            .provider_ref(&provider)
            .event_metadata(labels())
            .event_severity(Severity::Info)
            .summary("s")
            .event_sources(&[
                EventSource::of(&ks).with_api_version(),
                EventSource::all::<HelmRelease>()
                    .in_namespace(&namespace!("apps"))
                    .matching(&[("a", "b")]),
            ])
            .exclusion_list(&["x"])
            .inclusion_list(&["y"])
            .suspend(true)
            .build(),
    );
    c.add(
        &f,
        Receiver::builder()
            .name(name!("receiver"))
            .receiver_type(ReceiverType::Github)
            .events(&["push"])
            .interval(duration!("1m"))
            .resource_filter("true")
            .resources(&[
                EventSource::of(&git).with_api_version().filter("true"),
                EventSource::all::<Kustomization>().matching(&[("a", "b")]),
            ])
            .secret_ref(&secret)
            .suspend(true)
            .build(),
    );
    c.add(
        &f,
        Receiver::builder()
            .name(name!("receiver-oidc"))
            .receiver_type(ReceiverType::GenericOidc)
            .resources(&[EventSource::of(&git)])
            .oidc_providers(&[OidcProvider::new("https://issuer.example.com")
                .audience("flux")
                .variable("sub", "claims.sub")
                .validation("variables.sub == 'x'", "only x")])
            .build(),
    );
    let images = c.add(
        &f,
        ImageRepository::builder()
            .name(name!("images"))
            .image("ghcr.io/example/app")
            // Admits the ImagePolicy in `apps` below.
            .access_from(&[&[("a", "b")], &[("kubernetes.io/metadata.name", "apps")]])
            .cert_secret_ref(&secret)
            .exclusion_list(&["^x"])
            .insecure(true)
            .interval(duration!("1m"))
            .provider(OciProvider::Azure)
            .proxy_secret_ref(&secret)
            .secret_ref(&secret)
            .service_account_name(&sa)
            .suspend(true)
            .timeout(duration!("1m"))
            .build(),
    );
    c.allow_secret_in_clear(&images);
    for (n, policy) in [
        TagPolicy::Semver("1.x".into()),
        TagPolicy::Alphabetical { descending: true },
        TagPolicy::Numerical { descending: false },
    ]
    .into_iter()
    .enumerate()
    {
        c.add(
            &f,
            ImagePolicy::builder()
                .name(Name::new(format!("policy-{n}")).unwrap())
                .image_repository_ref(&images)
                .policy(policy)
                .filter_tags(FilterTags {
                    pattern: ".*".into(),
                    extract: Some("$0".into()),
                })
                .interval(duration!("1m"))
                .digest_reflection_policy(DigestReflection::Always)
                .suspend(true)
                .build(),
        );
    }
    // References into another namespace write the target's namespace.
    let apps = namespace!("apps");
    c.add(
        &f,
        Kustomization::builder()
            .name(name!("ks-3"))
            .namespace(apps.clone())
            .source_ref(&git)
            .path("./apps")
            .interval(duration!("1m"))
            .prune(true)
            .depends_on(&[&ks])
            .build(),
    );
    c.add(
        &f,
        HelmRelease::builder()
            .name(name!("release-3"))
            .namespace(apps.clone())
            .chart(Chart::from_source(&helm_repo, "podinfo"))
            .interval(duration!("1h"))
            .depends_on(&[&release])
            .build(),
    );
    c.add(
        &f,
        HelmRelease::builder()
            .name(name!("release-4"))
            .namespace(apps.clone())
            .chart(Chart::from_ref(&chart))
            .interval(duration!("1h"))
            .kube_config(KubeConfig::ConfigMap {
                config_map: Ref::existing(&apps, name!("cluster")),
            })
            .build(),
    );
    c.add(
        &f,
        ImagePolicy::builder()
            .name(name!("policy-apps"))
            .namespace(apps.clone())
            .image_repository_ref(&images)
            .policy(TagPolicy::Semver("1.x".into()))
            .digest_reflection_policy(DigestReflection::IfNotPresent)
            .build(),
    );
    c.add(
        &f,
        ExternalArtifact::builder()
            .name(name!("artifact-apps"))
            .namespace(apps.clone())
            .source_ref(&git)
            .build(),
    );
    let apps_token: Ref<Secret> = Ref::existing(&apps, name!("token"));
    c.add(
        &f,
        Receiver::builder()
            .name(name!("receiver-apps"))
            .namespace(apps.clone())
            .receiver_type(ReceiverType::Generic)
            .resources(&[EventSource::of(&git)])
            .secret_ref(&apps_token)
            .build(),
    );
    for (n, checkout) in [
        GitRef::tag("v1"),
        GitRef::semver("1.x"),
        GitRef::name("refs/heads/main"),
        GitRef::branch("main").with_commit("abc"),
    ]
    .into_iter()
    .enumerate()
    {
        c.add(
            &f,
            ImageUpdateAutomation::builder()
                .name(Name::new(format!("automation-{n}")).unwrap())
                .namespace(apps.clone())
                .source_ref(&git)
                .author(CommitAuthor::new("bot", "bot@example.com"))
                .checkout(checkout)
                .interval(duration!("1m"))
                .build(),
        );
    }
    c.add(
        &f,
        ImageUpdateAutomation::builder()
            .name(name!("automation"))
            .source_ref(&git)
            .author(CommitAuthor::new("bot", "bot@example.com"))
            .checkout(GitRef::branch("main"))
            .interval(duration!("1m"))
            .message_template("m")
            .message_template_values(&[("a", "b")])
            .policy_labels(&[("a", "b")])
            .policy_expressions(&[LabelSelectorRequirement {
                key: "a".into(),
                operator: "In".into(),
                values: Some(vec!["b".into()]),
            }])
            .push_branch("main")
            .push_options(&[("ci.skip", "")])
            .push_refspec("refs/heads/main:refs/heads/auto")
            .signing_key(SigningKey::ssh(&secret))
            .suspend(true)
            .update_path("./apps")
            .build(),
    );
    c
}

/// Objects whose only fields beyond the required ones are the five `apiVersion`s of
/// references to sources, given with `extra_spec`.
pub fn through_extra_spec(api: &FluxApi) -> Cluster {
    let mut c = Cluster::new("k8s");
    c.flux_api(api);
    let f = c.file("extra.yaml");
    let source_version = || serde_json::json!({ "apiVersion": "source.toolkit.fluxcd.io/v1" });
    let git = c.add(
        &f,
        GitRepository::builder()
            .name(name!("git"))
            .url("https://example.com/repo")
            .reference(GitRef::branch("main"))
            .interval(duration!("1m"))
            .build(),
    );
    let charts = c.add(
        &f,
        HelmRepository::builder()
            .name(name!("charts"))
            .url("https://example.com/charts")
            .interval(duration!("1h"))
            .build(),
    );
    let chart = c.add(
        &f,
        HelmChart::builder()
            .name(name!("chart"))
            .chart("podinfo")
            .source_ref(&charts)
            .interval(duration!("1m"))
            .extra_spec(serde_json::json!({ "sourceRef": source_version() }))
            .build(),
    );
    c.add(
        &f,
        HelmRelease::builder()
            .name(name!("from-template"))
            .chart(Chart::from_source(&charts, "podinfo"))
            .interval(duration!("1h"))
            .extra_spec(
                serde_json::json!({ "chart": { "spec": { "sourceRef": source_version() } } }),
            )
            .build(),
    );
    c.add(
        &f,
        HelmRelease::builder()
            .name(name!("from-ref"))
            .chart(Chart::from_ref(&chart))
            .interval(duration!("1h"))
            .extra_spec(serde_json::json!({ "chartRef": source_version() }))
            .build(),
    );
    c.add(
        &f,
        ImageUpdateAutomation::builder()
            .name(name!("automation"))
            .source_ref(&git)
            .author(CommitAuthor::new("bot", "bot@example.com"))
            .interval(duration!("1m"))
            .extra_spec(serde_json::json!({ "sourceRef": source_version() }))
            .build(),
    );
    c.add(
        &f,
        Kustomization::builder()
            .name(name!("ks"))
            .source_ref(&git)
            .path("./")
            .interval(duration!("1m"))
            .prune(true)
            .extra_spec(serde_json::json!({ "sourceRef": source_version() }))
            .build(),
    );
    c
}
