//! How much of each Flux kind's `spec` the typed builders reach: every leaf field path of
//! the schema of Flux v2.9.3's CRDs, against the paths that objects built with every typed
//! setter write. What the builders do not reach is written with `extra_spec` (checked by the
//! same schema). README's coverage table is this test's output.

use std::collections::{BTreeMap, BTreeSet};

use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use fluxdsl::*;
use serde_json::Value;

/// Every leaf field path of `schema` below `path`: scalars, maps (`path.*`), lists of
/// scalars (`path[]`), and free-form objects.
fn leaves(schema: &Value, path: &str, out: &mut BTreeSet<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        out.insert(path.to_owned());
        return;
    }
    if let Some(props) = schema["properties"].as_object() {
        for (k, s) in props {
            leaves(s, &format!("{path}.{k}"), out);
        }
    } else if schema["additionalProperties"].is_object() {
        out.insert(format!("{path}.*"));
    } else if schema["type"] == "array" {
        let items = &schema["items"];
        if items["properties"].is_object() {
            leaves(items, &format!("{path}[]"), out);
        } else {
            out.insert(format!("{path}[]"));
        }
    } else {
        out.insert(path.to_owned());
    }
}

/// The leaf paths of `schema` that `value` writes.
fn reached(value: &Value, schema: &Value, path: &str, out: &mut BTreeSet<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        out.insert(path.to_owned());
        return;
    }
    match value {
        Value::Object(map) if schema["properties"].is_object() => {
            for (k, v) in map {
                if let Some(s) = schema["properties"].get(k) {
                    reached(v, s, &format!("{path}.{k}"), out);
                }
            }
        }
        Value::Object(_) if schema["additionalProperties"].is_object() => {
            out.insert(format!("{path}.*"));
        }
        Value::Array(items) if schema["items"]["properties"].is_object() => {
            for v in items {
                reached(v, &schema["items"], &format!("{path}[]"), out);
            }
        }
        Value::Array(_) => {
            out.insert(format!("{path}[]"));
        }
        _ => {
            out.insert(path.to_owned());
        }
    }
}

/// Objects of every kind, built with every typed setter (alternatives in several objects),
/// in a cluster pinned to `api`: what they write is also checked against its schemas.
fn maximal(api: &FluxApi) -> Cluster {
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
            .provider(GitProvider::Generic)
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
    c.add(
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
            .verify(OciVerify::cosign().keys(&secret))
            .build(),
    );
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
            .service_account_name(&sa)
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
            .decryption(Decryption::sops(&secret))
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
            .patches(&[Patch::new(
                "[]",
                PatchTarget::kind::<Secret>()
                    .named("x")
                    .with_group_version::<Secret>(),
            )])
            .post_build(
                PostBuild::new()
                    .substitute("a", "b")
                    .substitute_from(SubstituteFrom::secret(&secret).optional()),
            )
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
            .depends_on(&[&ks])
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
                    .values_files(&["values.yaml"]),
            )
            .interval(duration!("1h"))
            .install(Install {
                create_namespace: true,
                crds: Some(Crds::CreateReplace),
                strategy: retry,
                timeout: Some(duration!("1m")),
                replace: true,
                flags: all_flags,
            })
            .drift_detection(DriftDetection {
                mode: DriftMode::Enabled,
                ignore: vec![DriftIgnore {
                    paths: vec!["/spec/replicas".into()],
                    target: Some(
                        PatchTarget::kind::<Secret>()
                            .named("x")
                            .with_group_version::<Secret>(),
                    ),
                }],
            })
            .test(HelmTest {
                enable: true,
                ignore_failures: true,
                timeout: Some(duration!("1m")),
            })
            .rollback(Rollback {
                cleanup_on_fail: true,
                disable_hooks: true,
                disable_wait: true,
                disable_wait_for_jobs: true,
                force: true,
                recreate: true,
                timeout: Some(duration!("1m")),
            })
            .kube_config(KubeConfig::Secret {
                secret: secret.clone(),
                key: None,
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
            })
            .values(serde_json::json!({ "a": 1 }))
            .values_from(&[ValuesFrom::config_map(&config_map)
                .key("k")
                .target_path("a.b")
                .optional()])
            .build(),
    );
    let remediate = Some(Strategy::RemediateOnFailure { retries: 3 });
    c.add(
        &f,
        HelmRelease::builder()
            .name(name!("release-2"))
            .chart(Chart::from_ref(&chart))
            .interval(duration!("1h"))
            .depends_on(&[&release])
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
            .build(),
    );
    c.add(
        &f,
        Alert::builder()
            .name(name!("alert"))
            .provider_ref(&provider)
            .event_metadata(labels())
            .event_severity(Severity::Info)
            .event_sources(&[
                EventSource::of(&ks),
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
                EventSource::of(&git),
                EventSource::all::<Kustomization>().matching(&[("a", "b")]),
            ])
            .secret_ref(&secret)
            .suspend(true)
            .build(),
    );
    let images = c.add(
        &f,
        ImageRepository::builder()
            .name(name!("images"))
            .image("ghcr.io/example/app")
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
            .policy_labels(&[("a", "b")])
            .push_branch("main")
            .signing_key(&secret)
            .suspend(true)
            .update_path("./apps")
            .build(),
    );
    c
}

#[test]
fn readme_shows_how_much_of_each_kinds_spec_the_typed_builders_reach() {
    let components = super::read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
    for crd in super::parse_yaml_stream(&components) {
        if crd["kind"] != "CustomResourceDefinition" {
            continue;
        }
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap().to_owned();
        let version = crd["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["storage"] == true)
            .unwrap();
        schemas.insert(
            kind,
            version["schema"]["openAPIV3Schema"]["properties"]["spec"].clone(),
        );
    }
    let api = FluxApi::from_crds("Flux v2.9.3", &components).unwrap();
    let listing = maximal(&api)
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    let mut written: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for o in super::parse_yaml_stream(
        &super::listing_files(&listing)
            .into_iter()
            .map(|(_, t)| t)
            .collect::<String>(),
    ) {
        let kind = o["kind"].as_str().unwrap().to_owned();
        if let Some(schema) = schemas.get(&kind) {
            reached(&o["spec"], schema, "spec", written.entry(kind).or_default());
        }
    }
    let mut table = String::from(
        "| kind | spec fields | set by typed setters | through `extra_spec` |\n| --- | --- | --- | --- |\n",
    );
    let (mut all, mut typed) = (0, 0);
    for (kind, schema) in &schemas {
        let mut fields = BTreeSet::new();
        leaves(schema, "spec", &mut fields);
        let reached = written.get(kind).cloned().unwrap_or_default();
        let covered = fields.intersection(&reached).count();
        let missing: Vec<&String> = fields.difference(&reached).collect();
        eprintln!("{kind}: not typed: {missing:?}");
        all += fields.len();
        typed += covered;
        table.push_str(&format!(
            "| {kind} | {} | {covered} | {} |\n",
            fields.len(),
            fields.len() - covered
        ));
    }
    table.push_str(&format!(
        "| all 14 kinds | {all} | {typed} | {} |\n",
        all - typed
    ));
    assert_eq!(schemas.len(), 14, "the 14 kinds of Flux v2.9.3's install");
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    assert!(
        readme.contains(&table),
        "README lacks the coverage table this test computes:\n{table}"
    );
}
