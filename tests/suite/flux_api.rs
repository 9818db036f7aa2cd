//! The Flux API a cluster runs, read from its CRDs: each kind is written at the version
//! they store, and a field that version lacks is refused.

use fluxdsl::{
    ArtifactGenerator, Bucket, BucketProvider, Chart, Cluster, CopyOperation, FluxApi,
    GeneratedArtifact, GeneratorSourceRef, GitRef, GitRepository, HelmRelease, HelmRepository,
    Install, LayerSelector, OCIRepository, Ref, Strategy, duration, name, namespace,
};

use super::read_fixture;

fn v2_0_1() -> FluxApi {
    FluxApi::from_crds("Flux v2.0.1", &read_fixture("flux-crds/v2.0.1/crds.yaml")).unwrap()
}

fn v2_9_3() -> FluxApi {
    let components = read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    FluxApi::from_crds("Flux v2.9.3", &components).unwrap()
}

/// A HelmRepository and the HelmRelease `release` makes of it, in a cluster pinned to
/// `api` (if any).
fn podinfo(
    api: Option<&FluxApi>,
    release: impl FnOnce(&Ref<HelmRepository>) -> HelmRelease,
) -> Cluster {
    let mut cluster = Cluster::new("k8s");
    if let Some(api) = api {
        cluster.flux_api(api);
    }
    let file = cluster.file("podinfo.yaml");
    let charts = cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    cluster.add(&file, release(&charts));
    cluster
}

/// A HelmRelease with `install`, in a cluster pinned to `api`.
fn release(api: &FluxApi, install: Install) -> Cluster {
    podinfo(Some(api), |charts| {
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_source(charts, "podinfo"))
            .interval(duration!("1h"))
            .install(install)
            .build()
    })
}

#[test]
fn each_kind_is_written_at_the_version_the_pinned_crds_store() {
    let api = v2_0_1();
    assert_eq!(
        api.storage_version("helm.toolkit.fluxcd.io", "HelmRelease"),
        Some("v2beta1")
    );
    let old = release(&api, Install::default())
        .render()
        .unwrap()
        .to_listing();
    assert!(old.contains("apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: HelmRepository\n"));
    assert!(old.contains("apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\n"));
    let new = release(&v2_9_3(), Install::default())
        .render()
        .unwrap()
        .to_listing();
    assert!(new.contains("apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"));
    assert!(new.contains("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"));
}

#[test]
fn a_field_or_kind_the_pinned_version_lacks_is_refused_with_the_version() {
    let api = v2_0_1();
    // RetryOnFailure (`spec.install.strategy`) came with HelmRelease v2.
    let retry = Install {
        strategy: Some(Strategy::RetryOnFailure {
            retry_interval: None,
        }),
        ..Install::default()
    };
    let err = release(&api, retry.clone())
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "HelmRelease flux-system/podinfo: spec.install.strategy: is not a field in HelmRelease \
             helm.toolkit.fluxcd.io/v2beta1 of Flux v2.0.1"
        ),
        "{err}"
    );
    assert!(
        err.contains("Flux API pinned at tests/suite/flux_api.rs"),
        "{err}"
    );
    // The same at v2.9.3 is fine.
    release(&v2_9_3(), retry).render().unwrap();

    // A chartRef to an OCIRepository: HelmRelease v2beta1 has no chartRef.
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&api);
    let file = cluster.file("podinfo.yaml");
    let chart = cluster.add(&file, podinfo_chart());
    cluster.add(&file, release_of(&chart));
    // A kind that release does not serve at all.
    cluster.add(
        &file,
        ArtifactGenerator::builder()
            .name(name!("split"))
            .sources(&[GeneratorSourceRef::new("oci", &chart)])
            .artifacts(&[GeneratedArtifact::new(
                name!("all"),
                &[CopyOperation::new("@oci/**", "@artifact/")],
            )])
            .build(),
    );
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains("HelmRelease flux-system/podinfo: spec.chartRef: is not a field in HelmRelease helm.toolkit.fluxcd.io/v2beta1 of Flux v2.0.1"),
        "{err}"
    );
    assert!(
        err.contains("ArtifactGenerator flux-system/split apiVersion: Flux v2.0.1 does not serve ArtifactGenerator (source.extensions.fluxcd.io)"),
        "{err}"
    );
}

#[test]
fn pinning_the_api_after_declaring_objects_is_refused() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("repo.yaml");
    cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("repo"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/repo")
            .interval(duration!("1m"))
            .build(),
    );
    cluster.flux_api(&v2_0_1());
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains("GitRepository flux-system/repo: is declared before the Flux API was pinned (1 objects are)"),
        "{err}"
    );
}

#[test]
fn every_object_is_checked_against_the_pinned_schemas() {
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&v2_9_3());
    let file = cluster.file("podinfo.yaml");
    let charts = cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    // Helm allows release names of up to 53 characters; the CRD says so.
    cluster.add(
        &file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .release_name("p".repeat(60))
            .chart(Chart::from_source(&charts, "podinfo"))
            .interval(duration!("1h"))
            .build(),
    );
    // A kind fluxdsl does not type yet, as a manifest: its CRD is in the pinned set too.
    cluster.add_manifest(
        &file,
        serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "Bucket",
            "metadata": { "name": "artifacts", "namespace": "flux-system" },
            "spec": { "bucketName": "artifacts", "interval": "10 minutes", "provider": "dropbox" },
        }),
    );
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "HelmRelease flux-system/podinfo: spec.releaseName: has 60 characters, more than 53 in HelmRelease helm.toolkit.fluxcd.io/v2 of Flux v2.9.3",
            "Bucket flux-system/artifacts: spec.endpoint: is required in Bucket source.toolkit.fluxcd.io/v1 of Flux v2.9.3",
            "Bucket flux-system/artifacts: spec.interval: \"10 minutes\" does not match the pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$",
            "Bucket flux-system/artifacts: spec.provider: \"dropbox\" is not one of \"generic\", \"aws\", \"gcp\", \"azure\"",
        ],
    );
}

/// A HelmRelease given `extra` with `extra_spec`, in a cluster pinned to `api` (if any).
fn release_with_extra(api: Option<&FluxApi>, extra: serde_json::Value) -> Cluster {
    podinfo(api, |charts| {
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_source(charts, "podinfo"))
            .interval(duration!("1h"))
            .extra_spec(extra)
            .build()
    })
}

#[test]
fn extra_spec_fields_are_merged_and_checked_against_the_pinned_schema() {
    let api = v2_9_3();
    let drift = serde_json::json!({ "driftDetection": { "mode": "enabled" } });
    let text = release_with_extra(Some(&api), drift.clone())
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    assert!(
        text.contains("  driftDetection:\n    mode: enabled\n"),
        "{text}"
    );

    let err = release_with_extra(
        Some(&api),
        serde_json::json!({ "driftDetection": { "mode": "sometimes" } }),
    )
    .render()
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("spec.driftDetection.mode: \"sometimes\" is not one of \"enabled\", \"warn\", \"disabled\""),
        "{err}"
    );
    let err = release_with_extra(Some(&api), serde_json::json!({ "interval": "5m" }))
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("spec.interval (extra_spec): is set by a typed setter too"),
        "{err}"
    );
    // Objects merge field by field: a field inside a typed object can be added, and a typed
    // value inside it cannot be replaced.
    let version = serde_json::json!({
        "chart": { "spec": { "sourceRef": { "apiVersion": "source.toolkit.fluxcd.io/v1" } } }
    });
    let text = release_with_extra(Some(&api), version)
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    assert!(
        text.contains(
            "    spec:\n      chart: podinfo\n      sourceRef:\n        apiVersion: source.toolkit.fluxcd.io/v1\n        kind: HelmRepository\n        name: podinfo\n"
        ),
        "{text}"
    );
    let err = release_with_extra(
        Some(&api),
        serde_json::json!({ "chart": { "spec": { "chart": "other" } } }),
    )
    .render()
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("spec.chart.spec.chart (extra_spec): is set by a typed setter too"),
        "{err}"
    );
    let err = release_with_extra(None, drift)
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "has fields given with extra_spec, which only a cluster whose Flux API is pinned"
        ),
        "{err}"
    );
}

/// The CEL rules of Flux's CRDs (`x-kubernetes-validations`) run too: the API server
/// would refuse these objects although every field is right on its own.
#[test]
fn the_cel_rules_of_the_pinned_crds_are_evaluated() {
    let err = sources_breaking_cel_rules(Some(&v2_9_3()));
    super::assert_contains_all(
        &err,
        &[
            "GitRepository flux-system/repo: spec: serviceAccountName can only be set when provider is 'azure' or 'aws' in GitRepository source.toolkit.fluxcd.io/v1 of Flux v2.9.3",
            "Bucket flux-system/bucket: spec: cannot set both .spec.secretRef and .spec.serviceAccountName in Bucket source.toolkit.fluxcd.io/v1 of Flux v2.9.3",
        ],
    );
    // Unpinned, fluxdsl writes the newest versions and checks their rules by hand.
    let err = sources_breaking_cel_rules(None);
    super::assert_contains_all(
        &err,
        &[
            "GitRepository flux-system/repo spec: serviceAccountName can only be set when provider is 'azure' or 'aws'",
            "Bucket flux-system/bucket spec: cannot set both .spec.secretRef and .spec.serviceAccountName",
        ],
    );
}

/// A GitRepository and a Bucket whose fields each pass their schema but together break
/// the CRDs' CEL rules; the refusal of a cluster pinned to `api` (if any).
fn sources_breaking_cel_rules(api: Option<&FluxApi>) -> String {
    let mut cluster = Cluster::new("k8s");
    if let Some(api) = api {
        cluster.flux_api(api);
    }
    let file = cluster.file("sources.yaml");
    let sa: Ref<fluxdsl::k8s_openapi::api::core::v1::ServiceAccount> =
        Ref::existing(&namespace!("flux-system"), name!("reader"));
    let creds: Ref<fluxdsl::k8s_openapi::api::core::v1::Secret> =
        Ref::existing(&namespace!("flux-system"), name!("creds"));
    cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("repo"))
            .url("https://example.com/repo")
            .reference(GitRef::branch("main"))
            .service_account_name(&sa)
            .interval(duration!("1m"))
            .build(),
    );
    cluster.add(
        &file,
        Bucket::builder()
            .name(name!("bucket"))
            .bucket_name("b")
            .endpoint("s3.amazonaws.com")
            .provider(BucketProvider::Aws)
            .secret_ref(&creds)
            .service_account_name(&sa)
            .interval(duration!("1m"))
            .build(),
    );
    cluster.render().unwrap_err().to_string()
}

#[test]
fn a_custom_resource_is_checked_against_the_crd_the_program_declares() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("widgets.yaml");
    cluster.add_manifest(
        &file,
        serde_json::json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": { "name": "widgets.example.com" },
            "spec": {
                "group": "example.com",
                "names": { "kind": "Widget", "plural": "widgets" },
                "scope": "Namespaced",
                "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "schema": { "openAPIV3Schema": {
                        "type": "object",
                        "properties": { "spec": {
                            "type": "object",
                            "required": ["size"],
                            "properties": {
                                "size": { "type": "integer", "minimum": 1 },
                                "max": { "type": "integer", "default": 10 },
                            },
                            "x-kubernetes-validations": [{
                                "rule": "self.size <= self.max",
                                "message": "size must not exceed max",
                            }],
                        }},
                    }},
                }],
            },
        }),
    );
    let widget = |name: &str, spec: serde_json::Value| {
        serde_json::json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": { "name": name, "namespace": "apps" },
            "spec": spec,
        })
    };
    cluster.add_manifest(&file, widget("good", serde_json::json!({ "size": 3 })));
    cluster.add_manifest(&file, widget("small", serde_json::json!({ "size": 0 })));
    cluster.add_manifest(&file, widget("typo", serde_json::json!({ "sise": 3 })));
    // The CEL rule sees max's default, 10.
    cluster.add_manifest(&file, widget("big", serde_json::json!({ "size": 11 })));
    cluster.add_manifest(
        &file,
        widget("wide", serde_json::json!({ "size": 11, "max": 12 })),
    );
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "Widget apps/small: spec.size: 0 is below the minimum 1 in Widget example.com/v1 of the CRD this program declares",
            "Widget apps/typo: spec.sise: is not a field in Widget example.com/v1",
            "Widget apps/typo: spec.size: is required in Widget example.com/v1",
            "Widget apps/big: spec: size must not exceed max in Widget example.com/v1",
        ],
    );
    assert!(!err.contains("apps/good"), "{err}");
    assert!(!err.contains("apps/wide"), "{err}");
}

/// The apiVersion fluxdsl writes `kind` at in a cluster pinned to `api`, the object
/// declared by `declare` (with whatever it needs); or why it writes none.
fn written(api: &FluxApi, kind: &str, declare: &dyn Fn(&mut Cluster)) -> String {
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(api);
    declare(&mut cluster);
    match cluster.render() {
        Ok(rendered) => {
            let listing = rendered.to_listing();
            let at = listing
                .find(&format!("\nkind: {kind}\n"))
                .unwrap_or_else(|| panic!("{kind} not rendered:\n{listing}"));
            let line = listing[..at].rsplit('\n').next().unwrap();
            let version = line.rsplit('/').next().unwrap();
            format!("`{version}`")
        }
        Err(e) => {
            let e = e.to_string();
            if e.contains("does not serve") {
                "not served".into()
            } else if let Some(rest) = e.split(&format!("serves {kind} at ")).nth(1) {
                let served = rest.split(", none of which").next().unwrap();
                format!("not written (serves {served})")
            } else {
                panic!("{kind}: {e}")
            }
        }
    }
}

#[test]
fn readme_lists_the_version_of_each_kind_each_release_gets() {
    use fluxdsl::*;
    let releases = [
        v2_0_1(),
        FluxApi::from_crds(
            "Flux v2.3.0",
            &read_fixture(
                "flux2-kustomize-helm-example-bootstrap-v2.3.0/clusters/staging/flux-system/gotk-components.yaml",
            ),
        )
        .unwrap(),
        v2_9_3(),
    ];
    let git = |c: &mut Cluster| {
        let f = c.file("a.yaml");
        c.add(
            &f,
            GitRepository::builder()
                .name(name!("repo"))
                .url("https://example.com/repo")
                .reference(GitRef::branch("main"))
                .interval(duration!("1m"))
                .build(),
        )
    };
    let helm_repo = |c: &mut Cluster| {
        let f = c.file("a.yaml");
        c.add(
            &f,
            HelmRepository::builder()
                .name(name!("charts"))
                .url("https://example.com/charts")
                .interval(duration!("1h"))
                .build(),
        )
    };
    let provider = |c: &mut Cluster| {
        let f = c.file("a.yaml");
        c.add(
            &f,
            Provider::builder()
                .name(name!("slack"))
                .provider_type(ProviderType::Slack)
                .address("https://hooks.example.com/flux")
                .build(),
        )
    };
    let image_repo = |c: &mut Cluster| {
        let f = c.file("a.yaml");
        c.add(
            &f,
            ImageRepository::builder()
                .name(name!("app"))
                .image("ghcr.io/example/app")
                .interval(duration!("5m"))
                .build(),
        )
    };
    type Declare<'a> = Box<dyn Fn(&mut Cluster) + 'a>;
    let kinds: Vec<(&str, Declare)> = vec![
        ("GitRepository", Box::new(|c| drop(git(c)))),
        ("HelmRepository", Box::new(|c| drop(helm_repo(c)))),
        (
            "OCIRepository",
            Box::new(|c| {
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    OCIRepository::builder()
                        .name(name!("app"))
                        .url("oci://ghcr.io/example/app")
                        .interval(duration!("5m"))
                        .build(),
                );
            }),
        ),
        (
            "Bucket",
            Box::new(|c| {
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    Bucket::builder()
                        .name(name!("b"))
                        .bucket_name("b")
                        .endpoint("s3.amazonaws.com")
                        .interval(duration!("5m"))
                        .build(),
                );
            }),
        ),
        (
            "HelmChart",
            Box::new(|c| {
                let r = helm_repo(c);
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    HelmChart::builder()
                        .name(name!("chart"))
                        .chart("podinfo")
                        .source_ref(&r)
                        .interval(duration!("10m"))
                        .build(),
                );
            }),
        ),
        (
            "Kustomization",
            Box::new(|c| {
                let r = git(c);
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    Kustomization::builder()
                        .name(name!("apps"))
                        .source_ref(&r)
                        .path("./apps")
                        .interval(duration!("10m"))
                        .prune(true)
                        .build(),
                );
            }),
        ),
        (
            "HelmRelease",
            Box::new(|c| {
                let r = helm_repo(c);
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    HelmRelease::builder()
                        .name(name!("podinfo"))
                        .chart(Chart::from_source(&r, "podinfo"))
                        .interval(duration!("1h"))
                        .build(),
                );
            }),
        ),
        ("Provider", Box::new(|c| drop(provider(c)))),
        (
            "Alert",
            Box::new(|c| {
                let p = provider(c);
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    Alert::builder()
                        .name(name!("all"))
                        .provider_ref(&p)
                        .event_sources(&[EventSource::all::<Kustomization>()])
                        .build(),
                );
            }),
        ),
        (
            "Receiver",
            Box::new(|c| {
                let r = git(c);
                let token: Ref<fluxdsl::k8s_openapi::api::core::v1::Secret> =
                    Ref::existing(&namespace!("flux-system"), name!("token"));
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    Receiver::builder()
                        .name(name!("hook"))
                        .receiver_type(ReceiverType::Github)
                        .secret_ref(&token)
                        .resources(&[EventSource::of(&r)])
                        .build(),
                );
            }),
        ),
        ("ImageRepository", Box::new(|c| drop(image_repo(c)))),
        (
            "ImagePolicy",
            Box::new(|c| {
                let r = image_repo(c);
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    ImagePolicy::builder()
                        .name(name!("app"))
                        .image_repository_ref(&r)
                        .policy(TagPolicy::Semver(">=1.0.0".into()))
                        .build(),
                );
            }),
        ),
        (
            "ImageUpdateAutomation",
            Box::new(|c| {
                let r = git(c);
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    ImageUpdateAutomation::builder()
                        .name(name!("auto"))
                        .source_ref(&r)
                        .author(CommitAuthor::new("bot", "bot@example.com"))
                        .interval(duration!("30m"))
                        .build(),
                );
            }),
        ),
        (
            "ExternalArtifact",
            Box::new(|c| {
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    ExternalArtifact::builder().name(name!("bundle")).build(),
                );
            }),
        ),
        (
            "ArtifactGenerator",
            Box::new(|c| {
                let r = git(c);
                let f = c.file("a.yaml");
                c.add(
                    &f,
                    ArtifactGenerator::builder()
                        .name(name!("split"))
                        .sources(&[GeneratorSourceRef::new("repo", &r)])
                        .artifacts(&[GeneratedArtifact::new(
                            name!("all"),
                            &[CopyOperation::new("@repo/**", "@artifact/")],
                        )])
                        .build(),
                );
            }),
        ),
    ];
    let mut table = String::from(
        "| kind | Flux v2.0.1 | Flux v2.3.0 | Flux v2.9.3 |\n| --- | --- | --- | --- |\n",
    );
    for (kind, declare) in &kinds {
        let cells: Vec<String> = releases
            .iter()
            .map(|api| written(api, kind, declare.as_ref()))
            .collect();
        table.push_str(&format!("| {kind} | {} |\n", cells.join(" | ")));
    }
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    assert!(
        readme.contains(&table),
        "README lacks the table of API versions this test computes:\n{table}"
    );
}

/// A cluster that runs components beyond an install's (`--components-extra`) gives their
/// CRDs in the same text: here the image automation CRDs added to the v2.3.0 install the
/// helm example bootstrapped without them.
#[test]
fn an_install_and_extra_components_are_one_text_of_crds() {
    let install = read_fixture(
        "flux2-kustomize-helm-example-bootstrap-v2.3.0/clusters/staging/flux-system/gotk-components.yaml",
    );
    let extra: String = super::parse_yaml_stream(&read_fixture(
        "flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml",
    ))
    .into_iter()
    .filter(|d| {
        d["kind"] == "CustomResourceDefinition" && d["spec"]["group"] == "image.toolkit.fluxcd.io"
    })
    .map(|d| format!("---\n{}", serde_yaml::to_string(&d).unwrap()))
    .collect();
    let declare = |c: &mut Cluster| {
        let f = c.file("images.yaml");
        c.add(
            &f,
            fluxdsl::ImageRepository::builder()
                .name(name!("app"))
                .image("ghcr.io/example/app")
                .interval(duration!("5m"))
                .build(),
        );
    };
    let alone = FluxApi::from_crds("Flux v2.3.0", &install).unwrap();
    assert_eq!(written(&alone, "ImageRepository", &declare), "not served");
    let with_extra = FluxApi::from_crds(
        "Flux v2.3.0 + image automation",
        &format!("{install}{extra}"),
    )
    .unwrap();
    assert_eq!(written(&with_extra, "ImageRepository", &declare), "`v1`");
}

/// The rules an unpinned cluster checks by hand say what Flux v2.9.3's CRDs say: each
/// message they give is one of the CRDs' `x-kubernetes-validations` messages.
#[test]
fn the_hand_written_rules_repeat_the_crds_messages() {
    fn messages(schema: &serde_json::Value, out: &mut Vec<String>) {
        match schema {
            serde_json::Value::Object(map) => {
                for rule in map
                    .get("x-kubernetes-validations")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                {
                    out.push(rule["message"].as_str().unwrap().to_owned());
                }
                map.values().for_each(|v| messages(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| messages(v, out)),
            _ => {}
        }
    }
    let mut crd_messages = Vec::new();
    for crd in super::parse_yaml_stream(&read_fixture(
        "flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml",
    )) {
        messages(&crd, &mut crd_messages);
    }
    let refusals = format!(
        "{}\n{}",
        sources_breaking_cel_rules(None),
        super::whole_api::misused(None)
    );
    let hand: Vec<&str> = refusals
        .lines()
        .filter_map(|l| l.split_once(" spec: ").map(|(_, m)| m))
        .collect();
    assert!(hand.len() >= 5, "{refusals}");
    for message in hand {
        assert!(
            crd_messages.iter().any(|m| message.starts_with(m.as_str())),
            "{message:?} is not a message of the CRDs' rules"
        );
    }
}

/// The release a pinned API comes from is read from its CRDs' `app.kubernetes.io/version`
/// label, or from the label given; a cluster that installs another release is refused.
#[test]
fn the_pinned_api_and_the_installed_flux_must_be_one_release() {
    assert_eq!(v2_9_3().release(), Some("v2.9.3"));
    assert_eq!(v2_0_1().release(), Some("v2.0.1"));
    let mut cluster = podinfo(Some(&v2_0_1()), |charts| {
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_source(charts, "podinfo"))
            .interval(duration!("10m"))
            .build()
    });
    let pinned_line = line!() + 1;
    cluster.flux_components(
        "flux-system/gotk-components.yaml",
        "v2.9.3",
        "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
    );
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "the cluster's Flux API is pinned to Flux v2.0.1 (v2.0.1), but it installs Flux v2.9.3 (\"flux-system/gotk-components.yaml\")",
            "FluxApi::from_crds on that gotk-components.yaml",
            &format!("Flux installed at tests/suite/flux_api.rs:{pinned_line}:"),
            "Flux API pinned at tests/suite/flux_api.rs:",
        ],
    );
    let mut cluster = podinfo(Some(&v2_9_3()), |charts| {
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_source(charts, "podinfo"))
            .interval(duration!("10m"))
            .build()
    });
    cluster.flux_components(
        "flux-system/gotk-components.yaml",
        "v2.9.3",
        "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
    );
    cluster.render().unwrap();
}

#[test]
fn a_version_asked_for_that_the_pinned_api_does_not_serve_is_the_refusal() {
    // `fluxdsl import` writes each object at the version the repository says: a release
    // at `v2` where Flux v2.0.1 serves only `v2beta1` is refused for its version — written
    // at `v2` as asked, not at `v2beta1` and then refused for a field `v2beta1` lacks.
    let mut cluster = Cluster::new("k8s");
    cluster.flux_api(&v2_0_1());
    let file = cluster.file("podinfo.yaml");
    let chart = cluster.add(&file, podinfo_chart());
    cluster.add_at_version(&file, release_of(&chart), "v2");
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "HelmRelease flux-system/podinfo apiVersion: is written at helm.toolkit.fluxcd.io/v2, \
             which Flux v2.0.1 does not serve (it serves HelmRelease at v2beta1)"
        ) && err.contains("Flux API pinned at tests/suite/flux_api.rs"),
        "{err}"
    );
    assert!(!err.contains("is not a field"), "{err}");
}

/// podinfo's chart, from its OCI repository.
fn podinfo_chart() -> OCIRepository {
    OCIRepository::builder()
        .name(name!("podinfo"))
        .url("oci://ghcr.io/stefanprodan/charts/podinfo")
        .layer_selector(LayerSelector::helm_chart())
        .interval(duration!("1h"))
        .build()
}

/// Release `podinfo` of `chart`.
fn release_of(chart: &fluxdsl::Ref<OCIRepository>) -> HelmRelease {
    HelmRelease::builder()
        .name(name!("podinfo"))
        .chart(Chart::from_ref(chart))
        .interval(duration!("1h"))
        .build()
}
