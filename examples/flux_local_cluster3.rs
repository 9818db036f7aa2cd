//! `tests/testdata/cluster3` of allenporter/flux-local, in Rust: a cluster whose
//! Kustomizations build from a cosign-verified OCIRepository (`namespaces` and `tenants`
//! overlays over bases), at the API versions of Flux v2.0.1 — the release whose stored
//! versions these are (HelmRelease `v2beta1`, HelmRepository and OCIRepository `v1beta2`).
//!
//! ```text
//! cargo run --example flux_local_cluster3                             # print it all
//! cargo run --example flux_local_cluster3 -- render --root /tmp/fl    # write it
//! ```
//!
//! `tests/suite/reproductions.rs` compares every object with the real repository.

use fluxdsl::k8s_openapi::api::core::v1::{Namespace, Secret};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    Chart, Cluster, FLUX_GENERATED_HEADER, FluxApi, GitRef, GitRepository, HelmRelease,
    HelmRepository, Install, Kustomization, KustomizeConfig, OCIRepository, OciRef, OciVerify, Ref,
    Repository, Resource, Strategy, duration, name, namespace,
};
use serde_json::json;

/// Where the repository is rendered, relative to the folder the program runs in.
pub const LOCAL_PATH: &str = "flux-local";
/// The cluster's folder inside the repository.
const ROOT: &str = "tests/testdata/cluster3";
/// The CRDs of Flux v2.0.1, whose stored versions decide what is written.
const FLUX_V2_0_1_CRDS: &str = include_str!("../tests/fixtures/flux-crds/v2.0.1/crds.yaml");

/// The repository: cluster `cluster3`, and the bases and overlays published as its OCI
/// artifact.
pub fn repository() -> Repository {
    let api = FluxApi::from_crds("Flux v2.0.1", FLUX_V2_0_1_CRDS).expect("Flux's CRDs parse");
    let mut repository = Repository::new();
    repository
        .cluster("cluster3", cluster(&api))
        .shared(folders(&api));
    repository
}

/// `clusters/cluster3`: bootstrap's sync pair and the two Kustomizations of the artifact.
fn cluster(api: &FluxApi) -> Cluster {
    let mut c = Cluster::for_repository(LOCAL_PATH);
    c.flux_api(api);
    let dir = format!("{ROOT}/clusters/cluster3");
    let sync = c.file_with_header(
        &format!("{dir}/flux-system/gotk-sync.yaml"),
        FLUX_GENERATED_HEADER,
    );
    let deploy_key: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("flux-system"));
    let repo = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("ssh://git@github.com/allenporter/flux-local")
            .reference(GitRef::branch("main"))
            .secret_ref(&deploy_key)
            .interval(duration!("1m0s"))
            .build(),
    );
    c.source_is_this_repository(&repo);
    // No kustomization.yaml: Flux generates one taking every manifest below.
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&repo)
            .path(format!("./{dir}"))
            .interval(duration!("10m0s"))
            .prune(true)
            .build(),
    );

    let artifact_file = c.file(&format!("{dir}/cluster.yaml"));
    let artifact = c.add(
        &artifact_file,
        OCIRepository::builder()
            .name(name!("cluster"))
            .url("oci://ghcr.io/allenporter/manifests/flux-local")
            .reference(OciRef::tag("main"))
            .verify(OciVerify::cosign())
            .interval(duration!("1m"))
            .build(),
    );
    // Paths are relative to the OCIRepository's artifact.
    let namespaces = c.file(&format!("{dir}/namespaces.yaml"));
    c.add(
        &namespaces,
        Kustomization::builder()
            .name(name!("namespaces"))
            .source_ref(&artifact)
            .path("./namespaces/overlays/cluster3")
            .interval(duration!("10m"))
            .timeout(duration!("30m"))
            .prune(true)
            .wait(false)
            .build(),
    );
    let tenants = c.file(&format!("{dir}/tenants.yaml"));
    c.add(
        &tenants,
        Kustomization::builder()
            .name(name!("tenants"))
            .source_ref(&artifact)
            .path("./tenants/overlays/cluster3")
            .interval(duration!("10m0s"))
            .prune(true)
            .wait(false)
            .build(),
    );
    c
}

fn namespace_object(name: &str) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

/// `namespaces/` and `tenants/`: a base and a `cluster3` overlay each.
fn folders(api: &FluxApi) -> Cluster {
    let mut c = Cluster::for_repository(LOCAL_PATH);
    c.flux_api(api);
    let base = format!("{ROOT}/namespaces/base/podinfo");
    let repository = c.file(&format!("{base}/repository.yaml"));
    let charts = c.add(
        &repository,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("flux-system"))
            .url("oci://ghcr.io/stefanprodan/charts")
            .oci(true)
            .interval(duration!("5m"))
            .build(),
    );
    let namespace = c.file(&format!("{base}/namespace.yaml"));
    c.add(&namespace, namespace_object("podinfo"));
    let release = c.file(&format!("{base}/release.yaml"));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("podinfo"))
            .release_name("podinfo")
            .chart(Chart::from_source(&charts, "podinfo").version("6.8.0"))
            .interval(duration!("50m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            // Default values:
            // https://github.com/stefanprodan/podinfo/blob/master/charts/podinfo/values.yaml
            .values(json!({
                "redis": {
                    "enabled": true,
                    "repository": "public.ecr.aws/docker/library/redis",
                    "tag": "7.0.6",
                },
                "ingress": { "enabled": true, "className": "nginx" },
            }))
            .build(),
    );
    c.kustomize_config(
        &base,
        KustomizeConfig::builder()
            .resources(&[&repository, &namespace, &release])
            .build(),
    );
    c.kustomize_config(
        &format!("{ROOT}/namespaces/overlays/cluster3"),
        KustomizeConfig::builder()
            .resource_list(&[Resource::path("../../base/podinfo")])
            .build(),
    );

    let base = format!("{ROOT}/tenants/base/app");
    let namespace = c.file(&format!("{base}/namespace.yaml"));
    c.add(&namespace, namespace_object("app"));
    c.kustomize_config(
        &base,
        KustomizeConfig::builder().resources(&[&namespace]).build(),
    );
    c.kustomize_config(
        &format!("{ROOT}/tenants/overlays/cluster3"),
        KustomizeConfig::builder()
            .resource_list(&[Resource::path("../../base/app")])
            .build(),
    );
    c
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}
