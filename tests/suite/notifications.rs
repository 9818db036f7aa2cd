//! Bucket and the notification kinds (Provider, Alert): typed with handles, and what they
//! render is what the CRDs of Flux v2.9.3 accept.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{
    Alert, Bucket, BucketProvider, Chart, Cluster, EventSource, FluxApi, HelmRelease,
    Kustomization, Provider, ProviderType, Ref, Severity, duration, name, namespace,
};

fn v2_9_3() -> FluxApi {
    let components = super::read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    FluxApi::from_crds("Flux v2.9.3", &components).unwrap()
}

#[test]
fn a_bucket_provider_and_alert_render_as_the_crds_accept() {
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&v2_9_3());
    let file = cluster.file("flux.yaml");
    let creds: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("minio"));
    let bucket = cluster.add(
        &file,
        Bucket::builder()
            .name(name!("manifests"))
            .bucket_name("fleet")
            .endpoint("minio.example.com:9000")
            .provider(BucketProvider::Generic)
            .secret_ref(&creds)
            .interval(duration!("5m"))
            .build(),
    );
    let apps = cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&bucket)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    let release = cluster.add(
        &file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("podinfo"))
            .chart(Chart::from_source(&bucket, "./charts/podinfo"))
            .interval(duration!("1h"))
            .build(),
    );
    let hook: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("slack-url"));
    let slack = cluster.add(
        &file,
        Provider::builder()
            .name(name!("slack"))
            .provider_type(ProviderType::Slack)
            .channel("#deploys")
            .secret_ref(&hook)
            .build(),
    );
    cluster.add(
        &file,
        Alert::builder()
            .name(name!("on-call"))
            .provider_ref(&slack)
            .event_severity(Severity::Error)
            .event_sources(&[
                EventSource::of(&apps),
                EventSource::of(&release),
                EventSource::all::<HelmRelease>().in_namespace(&namespace!("podinfo")),
                EventSource::all::<Kustomization>().matching(&[("team", "web")]),
            ])
            .build(),
    );
    let text = cluster
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    super::assert_contains_all(
        &text,
        &[
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\n",
            "  bucketName: fleet\n  endpoint: minio.example.com:9000\n",
            "  sourceRef:\n    kind: Bucket\n    name: manifests\n",
            "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n",
            "  channel: '#deploys'\n",
            "  type: slack\n",
            "  eventSeverity: error\n",
            // Same namespace: no namespace; another: written; all of a kind: `*`.
            "  - kind: Kustomization\n    name: apps\n",
            "  - kind: HelmRelease\n    name: podinfo\n    namespace: podinfo\n",
            "  - kind: HelmRelease\n    name: '*'\n    namespace: podinfo\n",
            "  - kind: Kustomization\n    matchLabels:\n      team: web\n    name: '*'\n",
            "  providerRef:\n    name: slack\n",
        ],
    );
}

#[test]
fn what_flux_would_reject_in_them_is_refused() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("flux.yaml");
    let creds: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("minio"));
    cluster.add(
        &file,
        Bucket::builder()
            .name(name!("manifests"))
            .bucket_name("fleet")
            .endpoint("https://minio.example.com")
            .insecure(true)
            .secret_ref(&creds)
            .interval(duration!("5m"))
            .build(),
    );
    let hook = cluster.add(
        &file,
        Provider::builder()
            .name(name!("hook"))
            .namespace(namespace!("monitoring"))
            .provider_type(ProviderType::Generic)
            .address("ftp://example.com/hook")
            .build(),
    );
    // An Alert in another namespace than its Provider, with no event source.
    cluster.add(
        &file,
        Alert::builder()
            .name(name!("lost"))
            .provider_ref(&hook)
            .event_sources(&[])
            .build(),
    );
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "Bucket flux-system/manifests spec.endpoint: \"https://minio.example.com\" is not an endpoint",
            "Bucket flux-system/manifests spec.insecure: credentials (secretRef) would go to the endpoint over plain HTTP",
            "Provider monitoring/hook spec.address: \"ftp://example.com/hook\" is not a URL Flux accepts here",
            "Alert flux-system/lost spec.eventSources: is empty",
            "Alert flux-system/lost spec.providerRef",
        ],
    );
}

#[test]
fn a_helm_chart_and_a_receiver_render_as_the_crds_accept() {
    use fluxdsl::{GitRef, GitRepository, HelmChart, HelmRepository, Receiver, ReceiverType};
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&v2_9_3());
    let file = cluster.file("flux.yaml");
    let charts = cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    let chart = cluster.add(
        &file,
        HelmChart::builder()
            .name(name!("podinfo"))
            .chart("podinfo")
            .source_ref(&charts)
            .version("6.x")
            .values_files(&["values.yaml", "values-prod.yaml"])
            .interval(duration!("10m"))
            .build(),
    );
    cluster.add(
        &file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_ref(&chart))
            .interval(duration!("1h"))
            .build(),
    );
    let repo = cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("apps"))
            .url("https://github.com/example/apps")
            .reference(GitRef::branch("main"))
            .interval(duration!("1h"))
            .build(),
    );
    let token: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("webhook-token"));
    cluster.add(
        &file,
        Receiver::builder()
            .name(name!("github"))
            .receiver_type(ReceiverType::Github)
            .events(&["ping", "push"])
            .secret_ref(&token)
            .resources(&[EventSource::of(&repo), EventSource::of(&chart)])
            .build(),
    );
    let text = cluster
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    super::assert_contains_all(
        &text,
        &[
            "kind: HelmChart\n",
            "  sourceRef:\n    kind: HelmRepository\n    name: podinfo\n",
            "  chartRef:\n    kind: HelmChart\n    name: podinfo\n",
            "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\n",
            "  resources:\n  - kind: GitRepository\n    name: apps\n  - kind: HelmChart\n    name: podinfo\n",
            "  type: github\n",
        ],
    );
}

#[test]
fn the_image_automation_kinds_render_as_the_crds_accept_and_the_update_path_is_checked() {
    use fluxdsl::{
        CommitAuthor, FilterTags, GitRef, GitRepository, ImagePolicy, ImageRepository,
        ImageUpdateAutomation, TagPolicy,
    };
    let automation = |update_path: &str| {
        let mut cluster = Cluster::new("k8s");
        cluster.flux_api(&v2_9_3());
        let file = cluster.file("images.yaml");
        let repo = cluster.add(
            &file,
            GitRepository::builder()
                .name(name!("flux-system"))
                .url("ssh://git@github.com/example/fleet")
                .reference(GitRef::branch("main"))
                .interval(duration!("1m"))
                .build(),
        );
        cluster.source_is_this_repository(&repo);
        let images = cluster.add(
            &file,
            ImageRepository::builder()
                .name(name!("podinfo"))
                .image("ghcr.io/stefanprodan/podinfo")
                .interval(duration!("5m"))
                .build(),
        );
        let policy = cluster.add(
            &file,
            ImagePolicy::builder()
                .name(name!("podinfo"))
                .image_repository_ref(&images)
                .policy(TagPolicy::Numerical { descending: false })
                .filter_tags(FilterTags {
                    pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)".into(),
                    extract: Some("$ts".into()),
                })
                .build(),
        );
        cluster.add(
            &file,
            ImageUpdateAutomation::builder()
                .name(name!("flux-system"))
                .source_ref(&repo)
                .author(CommitAuthor::new(
                    "fluxcdbot",
                    "fluxcdbot@users.noreply.github.com",
                ))
                .message_template("chore: update images")
                .push_branch("main")
                .update_path(update_path)
                .interval(duration!("30m"))
                .build(),
        );
        let _ = EventSource::of(&policy);
        cluster
    };
    let text = automation("./k8s")
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    super::assert_contains_all(
        &text,
        &[
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n",
            "  imageRepositoryRef:\n    name: podinfo\n",
            "  policy:\n    numerical:\n      order: asc\n",
            "  filterTags:\n    extract: $ts\n    pattern: ^main-[a-f0-9]+-(?P<ts>[0-9]+)\n",
            "  git:\n    commit:\n      author:\n        email: fluxcdbot@users.noreply.github.com\n        name: fluxcdbot\n      messageTemplate: 'chore: update images'\n    push:\n      branch: main\n",
            "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
            "  update:\n    path: ./k8s\n    strategy: Setters\n",
        ],
    );
    let err = automation("./k8s/nowhere")
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "ImageUpdateAutomation flux-system/flux-system spec.update.path: \"./k8s/nowhere\" points into the tree this program renders"
        ),
        "{err}"
    );
}

/// A Provider sends its `secretRef` token to its address with every event: over `http://`
/// it would travel in clear.
#[test]
fn a_provider_token_over_http_is_refused() {
    use fluxdsl::k8s_openapi::api::core::v1::Secret;
    let build = |address: &str| {
        let mut cluster = fluxdsl::Cluster::new("k8s");
        let file = cluster.file("notifications.yaml");
        let token: fluxdsl::Ref<Secret> = fluxdsl::Ref::existing(
            &fluxdsl::NamespaceName::FLUX_SYSTEM,
            fluxdsl::name!("webhook-token"),
        );
        cluster.add(
            &file,
            fluxdsl::Provider::builder()
                .name(fluxdsl::name!("hooks"))
                .provider_type(fluxdsl::ProviderType::Generic)
                .address(address)
                .secret_ref(&token)
                .build(),
        );
        cluster.render().map(|_| ()).map_err(|e| e.to_string())
    };
    let err = build("http://hooks.example.com/flux").unwrap_err();
    assert!(
        err.contains("Provider flux-system/hooks spec.address: credentials would be sent unencrypted to \"http://hooks.example.com/flux\""),
        "{err}"
    );
    assert!(err.contains("notifications.rs:"), "{err}");
    build("https://hooks.example.com/flux").unwrap_or_else(|e| panic!("{e}"));
}
