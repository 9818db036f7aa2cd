//! The fields typed last (readiness expressions, CEL health checks, post-renderers, STS,
//! keyless verification, OIDC receivers, push options, …): what they write, in the shape
//! Flux's API reference documents, and what Flux would reject in them, refused with the
//! field.

use fluxdsl::k8s_openapi::api::apps::v1::Deployment;
use fluxdsl::k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
use fluxdsl::*;

fn v2_9_3() -> FluxApi {
    let components = super::read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    FluxApi::from_crds("Flux v2.9.3", &components).unwrap()
}

/// The rendered document of `kind`/`name` in `cluster`'s listing.
fn document(cluster: &Cluster, kind: &str, name: &str) -> String {
    let listing = cluster
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    super::listing_files(&listing)
        .into_iter()
        .flat_map(|(_, text)| {
            text.split("---\n")
                .map(str::to_owned)
                .collect::<Vec<String>>()
        })
        .find(|d| {
            d.contains(&format!("kind: {kind}\n")) && d.contains(&format!("  name: {name}\n"))
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in:\n{listing}"))
}

fn git(cluster: &mut Cluster, file: &File) -> Ref<GitRepository> {
    cluster.add(
        file,
        GitRepository::builder()
            .name(name!("fleet"))
            .url("https://example.com/fleet")
            .reference(GitRef::branch("main"))
            .interval(duration!("1m"))
            .build(),
    )
}

#[test]
fn a_kustomization_writes_readiness_and_health_expressions_and_ignore_rules() {
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&v2_9_3());
    let file = cluster.file("sync.yaml");
    let repo = git(&mut cluster, &file);
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
    let kms: Ref<ServiceAccount> = Ref::existing(&namespace!("flux-system"), name!("sops-kms"));
    cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&repo)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .depends_on(&[DependsOn::on(&infra)
                .ready_when("dep.status.lastAppliedRevision == self.status.lastAttemptedRevision")])
            .health_check_exprs(&[HealthCheckExpr::new(
                "kafka.strimzi.io/v1beta2",
                "Kafka",
                "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
            )
            .failed("status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')")])
            .ignore(&[DriftIgnore {
                paths: vec!["/spec/replicas".into()],
                target: Some(PatchTarget::kind::<Deployment>().with_labels("autoscaled=true")),
            }])
            .decryption(Decryption::sops_workload_identity().service_account(&kms))
            .post_build(PostBuild::new().always())
            .build(),
    );
    let apps = document(&cluster, "Kustomization", "apps");
    super::assert_contains_all(
        &apps,
        &[
            "  decryption:\n    provider: sops\n    serviceAccountName: sops-kms\n",
            "  dependsOn:\n  - name: infra\n    readyExpr: dep.status.lastAppliedRevision == self.status.lastAttemptedRevision\n",
            "  healthCheckExprs:\n  - apiVersion: kafka.strimzi.io/v1beta2\n    current: status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')\n    failed: status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')\n    kind: Kafka\n",
            "  ignore:\n  - paths:\n    - /spec/replicas\n    target:\n      kind: Deployment\n      labelSelector: autoscaled=true\n",
            "  postBuild:\n    substituteStrategy: Always\n",
        ],
    );
}

#[test]
fn a_helm_release_writes_post_renderers_remediation_and_wait_strategy() {
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&v2_9_3());
    let file = cluster.file("podinfo.yaml");
    let charts = cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .url("oci://ghcr.io/stefanprodan/charts")
            .oci(true)
            .interval(duration!("1h"))
            .build(),
    );
    cluster.add(
        &file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_source(&charts, "podinfo").verify(OciVerify::cosign()))
            .interval(duration!("1h"))
            .upgrade(Upgrade {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                remediation: Remediation {
                    remediate_last_failure: Some(true),
                    ..Remediation::default()
                },
                remediation_strategy: Some(RemediationStrategy::Uninstall),
                server_side_apply: Some(ServerSideApply::Auto),
                ..Upgrade::default()
            })
            .post_renderers(&[PostRenderer::kustomize().images(&[Image {
                name: "ghcr.io/stefanprodan/podinfo".into(),
                new_tag: Some("6.7.1".into()),
                ..Image::default()
            }])])
            .test(HelmTest {
                enable: true,
                filters: vec![TestFilter::skip("podinfo-jwt")],
                ..HelmTest::default()
            })
            .wait_strategy(WaitStrategy::Poller)
            .build(),
    );
    let release = document(&cluster, "HelmRelease", "podinfo");
    super::assert_contains_all(
        &release,
        &[
            "      verify:\n        provider: cosign\n",
            "  postRenderers:\n  - kustomize:\n      images:\n      - name: ghcr.io/stefanprodan/podinfo\n        newTag: 6.7.1\n",
            "  test:\n    enable: true\n    filters:\n    - exclude: true\n      name: podinfo-jwt\n",
            "  upgrade:\n    remediation:\n      remediateLastFailure: true\n      retries: 3\n      strategy: uninstall\n    serverSideApply: auto\n",
            "  waitStrategy:\n    name: poller\n",
        ],
    );
}

#[test]
fn an_image_update_automation_writes_push_options_and_a_typed_signing_key() {
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&v2_9_3());
    let file = cluster.file("automation.yaml");
    let repo = git(&mut cluster, &file);
    let key: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("signing-key"));
    cluster.add(
        &file,
        ImageUpdateAutomation::builder()
            .name(name!("fleet"))
            .source_ref(&repo)
            .author(CommitAuthor::new("fluxbot", "fluxbot@example.com"))
            .interval(duration!("30m"))
            .signing_key(SigningKey::ssh(&key))
            .push_refspec("refs/heads/main:refs/heads/image-updates")
            .push_options(&[("merge_request.create", "")])
            .policy_expressions(&[LabelSelectorRequirement {
                key: "team".into(),
                operator: "In".into(),
                values: Some(vec!["web".into()]),
            }])
            .build(),
    );
    let automation = document(&cluster, "ImageUpdateAutomation", "fleet");
    super::assert_contains_all(
        &automation,
        &[
            "    commit:\n      author:\n        email: fluxbot@example.com\n        name: fluxbot\n      signingKey:\n        secretRef:\n          name: signing-key\n        type: ssh\n",
            "    push:\n      options:\n        merge_request.create: \"\"\n      refspec: refs/heads/main:refs/heads/image-updates\n",
            "  policySelector:\n    matchExpressions:\n    - key: team\n      operator: In\n      values:\n      - web\n",
        ],
    );
}

#[test]
fn what_flux_would_reject_in_the_new_fields_is_refused() {
    let err = misused(None);
    super::assert_contains_all(
        &err,
        &[
            "Bucket flux-system/generic spec: 'ldap' is the only supported STS provider for the 'generic' Bucket provider",
            "Bucket flux-system/aws spec.sts: endpoint \"sts.amazonaws.com\" is not a URL Flux accepts here: it must start with https://, http://",
            "HelmChart flux-system/chart spec.verify: trustedRootSecretRef is not a field of a HelmChart's verify",
            "HelmRelease flux-system/app spec.chart.spec.verify: matchOIDCIdentity is not a field of a chart template's verify",
            "Provider flux-system/slack spec.proxy: \"socks5://proxy:1080\" is not a URL Flux accepts here",
            "Alert flux-system/alert spec.eventSources: filter is a field of a Receiver's resources, not an Alert's",
            "Alert flux-system/alert spec.eventSources: with_api_version needs one object (EventSource::of)",
            "Receiver flux-system/github spec: oidcProviders can only be set when type is generic-oidc",
            "Receiver flux-system/github spec.oidcProviders: issuer \"https://token.actions.githubusercontent.com\" has no validation",
            "ImagePolicy flux-system/app spec: spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
            "ImageUpdateAutomation flux-system/fleet spec.policySelector.matchExpressions: \"Equals\" is not an operator",
        ],
    );
    // Pinned, the CRDs' own CEL rules say the same, each once: the newest version's rules
    // written by hand are asked only of an unpinned cluster.
    let err = misused(Some(&v2_9_3()));
    for rule in [
        "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
        "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
    ] {
        assert_eq!(err.matches(rule).count(), 1, "{rule:?} once in:\n{err}");
    }
    for hand_only in [
        "is not a field of a HelmChart's verify",
        "is not a field of a chart template's verify",
        "filter is a field of a Receiver's resources",
        "has no validation: Flux needs at least one",
    ] {
        assert!(!err.contains(hand_only), "{hand_only:?} pinned:\n{err}");
    }
}

/// A cluster (pinned to `api`, if any) misusing the fields typed last; its refusal.
pub fn misused(api: Option<&FluxApi>) -> String {
    let mut cluster = Cluster::new("k8s");
    if let Some(api) = api {
        cluster.flux_api(api);
    }
    let file = cluster.file("flux.yaml");
    let repo = git(&mut cluster, &file);
    let secret: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("creds"));
    cluster.add(
        &file,
        Bucket::builder()
            .name(name!("generic"))
            .bucket_name("b")
            .endpoint("minio.example.com")
            .sts(BucketSts::aws("https://sts.amazonaws.com"))
            .interval(duration!("5m"))
            .build(),
    );
    cluster.add(
        &file,
        Bucket::builder()
            .name(name!("aws"))
            .bucket_name("b")
            .endpoint("s3.amazonaws.com")
            .provider(BucketProvider::Aws)
            .sts(BucketSts::aws("sts.amazonaws.com"))
            .interval(duration!("5m"))
            .build(),
    );
    let charts = cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("charts"))
            .url("oci://ghcr.io/example/charts")
            .oci(true)
            .interval(duration!("1h"))
            .build(),
    );
    cluster.add(
        &file,
        HelmChart::builder()
            .name(name!("chart"))
            .chart("app")
            .source_ref(&charts)
            .interval(duration!("1h"))
            .verify(OciVerify::cosign().trusted_root(&secret))
            .build(),
    );
    cluster.add(
        &file,
        HelmRelease::builder()
            .name(name!("app"))
            .chart(
                Chart::from_source(&charts, "app").verify(OciVerify::cosign().identity("i", "s")),
            )
            .interval(duration!("1h"))
            .build(),
    );
    let slack = cluster.add(
        &file,
        Provider::builder()
            .name(name!("slack"))
            .provider_type(ProviderType::Slack)
            .proxy("socks5://proxy:1080")
            .build(),
    );
    cluster.add(
        &file,
        Alert::builder()
            .name(name!("alert"))
            .provider_ref(&slack)
            .event_sources(&[
                EventSource::of(&repo).filter("true"),
                EventSource::all::<Kustomization>().with_api_version(),
            ])
            .build(),
    );
    cluster.add(
        &file,
        Receiver::builder()
            .name(name!("github"))
            .receiver_type(ReceiverType::Github)
            .secret_ref(&secret)
            .resources(&[EventSource::of(&repo)])
            .oidc_providers(&[OidcProvider::new(
                "https://token.actions.githubusercontent.com",
            )])
            .build(),
    );
    let images = cluster.add(
        &file,
        ImageRepository::builder()
            .name(name!("app"))
            .image("ghcr.io/example/app")
            .interval(duration!("5m"))
            .build(),
    );
    cluster.add(
        &file,
        ImagePolicy::builder()
            .name(name!("app"))
            .image_repository_ref(&images)
            .policy(TagPolicy::Semver("1.x".into()))
            .digest_reflection_policy(DigestReflection::Always)
            .build(),
    );
    cluster.add(
        &file,
        ImageUpdateAutomation::builder()
            .name(name!("fleet"))
            .source_ref(&repo)
            .author(CommitAuthor::new("bot", "bot@example.com"))
            .interval(duration!("30m"))
            .policy_expressions(&[LabelSelectorRequirement {
                key: "team".into(),
                operator: "Equals".into(),
                values: Some(vec!["web".into()]),
            }])
            .build(),
    );
    cluster.render().unwrap_err().to_string()
}

/// An ImagePolicy in namespace `policy_ns` reading an ImageRepository of flux-system that
/// admits namespaces labelled `admits` (no accessFrom when `None`); `team` labels the
/// declared Namespace `apps`.
fn image_policy_across(
    policy_ns: &str,
    admits: Option<&[(&str, &str)]>,
    team: &str,
) -> fluxdsl::Result<()> {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("images.yaml");
    cluster.add(
        &file,
        fluxdsl::k8s_openapi::api::core::v1::Namespace {
            metadata: fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("apps".into()),
                labels: Some([("team".to_owned(), team.to_owned())].into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    let builder = ImageRepository::builder()
        .name(name!("app"))
        .image("ghcr.io/example/app")
        .interval(duration!("5m"));
    let repository = match admits {
        Some(labels) => cluster.add(&file, builder.access_from(&[labels]).build()),
        None => cluster.add(&file, builder.build()),
    };
    cluster.add(
        &file,
        ImagePolicy::builder()
            .name(name!("app"))
            .namespace(NamespaceName::new(policy_ns).unwrap())
            .image_repository_ref(&repository)
            .policy(TagPolicy::Semver("1.x".into()))
            .build(),
    );
    cluster.render().map(drop)
}

/// image-reflector-controller lets an ImagePolicy read an ImageRepository of another
/// namespace only when the repository's `accessFrom` selects the policy's namespace by its
/// labels (or by `kubernetes.io/metadata.name`, which the API server sets).
#[test]
fn an_image_policy_reads_another_namespaces_repository_only_when_access_from_admits_it() {
    image_policy_across("apps", Some(&[("team", "web")]), "web").unwrap();
    image_policy_across(
        "apps",
        Some(&[("kubernetes.io/metadata.name", "apps")]),
        "x",
    )
    .unwrap();
    let err = image_policy_across("apps", None, "web")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "ImagePolicy apps/app spec.imageRepositoryRef: refers to ImageRepository flux-system/app in another namespace, which Flux allows only when its spec.accessFrom admits namespace \"apps\"; it has no accessFrom"
        ),
        "{err}"
    );
    let err = image_policy_across("apps", Some(&[("team", "web")]), "data")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "whose spec.accessFrom admits no namespace with the labels of \"apps\" (kubernetes.io/metadata.name=apps, team=data)"
        ),
        "{err}"
    );
    // A namespace the cluster does not declare: its labels are unknown, so only a missing
    // accessFrom is refused.
    image_policy_across("tenants", Some(&[("team", "web")]), "web").unwrap();
}
