//! `tests/testdata/cluster10` of allenporter/flux-local, in Rust: one cluster (`dev`)
//! whose `apps` Kustomization applies two app folders — a HelmRelease whose chart comes
//! from a GitRepository in another namespace, and a Kustomization of an upstream
//! repository with `targetNamespace` and `commonMetadata`.
//!
//! ```text
//! cargo run --example flux_local_cluster10                             # print it all
//! cargo run --example flux_local_cluster10 -- render --root /tmp/fl    # write it
//! ```
//!
//! `tests/suite/reproductions.rs` compares every object with the real repository.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{
    Chart, Cluster, CommonMetadata, FLUX_GENERATED_HEADER, GitRef, GitRepository, HelmRelease,
    Kustomization, KustomizeConfig, Ref, Repository, Resource, duration, name, namespace,
};
use serde_json::json;

/// Where the repository is rendered, relative to the folder the program runs in.
pub const LOCAL_PATH: &str = "flux-local";
/// The cluster's folder inside the repository.
const ROOT: &str = "tests/testdata/cluster10";

/// The repository: cluster `dev` and the app folders its `apps` Kustomization applies.
pub fn repository() -> Repository {
    let mut repository = Repository::new();
    repository.cluster("dev", dev()).shared(apps());
    repository
}

/// `clusters/dev`: what bootstrap wrote, and the `apps` Kustomization.
fn dev() -> Cluster {
    let mut c = Cluster::for_repository(LOCAL_PATH);
    let sync = c.file_with_header(
        &format!("{ROOT}/clusters/dev/flux-system/gotk-sync.yaml"),
        FLUX_GENERATED_HEADER,
    );
    let deploy_key: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("flux-system"));
    let repo = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("https://github.com/allenporter/flux-local.git")
            .reference(GitRef::branch("master"))
            .secret_ref(&deploy_key)
            .interval(duration!("1m0s"))
            .build(),
    );
    c.source_is_this_repository(&repo);
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&repo)
            .path(format!("./{ROOT}/clusters/dev"))
            .interval(duration!("10m0s"))
            .prune(true)
            .build(),
    );
    c.kustomize_config(
        &format!("{ROOT}/clusters/dev/flux-system"),
        KustomizeConfig::builder().resources(&[&sync]).build(),
    );
    let apps = c.file(&format!("{ROOT}/clusters/dev/apps.yaml"));
    c.add(
        &apps,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&repo)
            .path(format!("./{ROOT}/apps"))
            .interval(duration!("5m"))
            .retry_interval(duration!("1m"))
            .timeout(duration!("5m"))
            .prune(true)
            .wait(true)
            .build(),
    );
    c
}

/// `apps/`: dex-k8s-authenticator and snapshot-controller.
fn apps() -> Cluster {
    let mut c = Cluster::for_repository(LOCAL_PATH);
    let dir = |rest: &str| format!("{ROOT}/apps/{rest}");

    let dex = dir("dex-k8s-authenticator");
    let repository = c.file_with_header(
        &format!("{dex}/repository.yaml"),
        "# From https://github.com/xunholy/k8s-gitops/blob/main/kubernetes/apps/base/flux-system/addons/repositories/git/dex-k8s-authenticator-chart.yaml",
    );
    let chart_repo = c.add(
        &repository,
        GitRepository::builder()
            .name(name!("dex-k8s-authenticator-chart-git"))
            .namespace(namespace!("flux-system"))
            .url("https://github.com/mintel/dex-k8s-authenticator")
            .reference(GitRef::branch("master"))
            .ignore(&[
                "# exclude all",
                "/*",
                "# include charts directory",
                "!/charts/",
                "",
            ])
            .interval(duration!("10m"))
            .build(),
    );
    let release = c.file_with_header(
        &format!("{dex}/release.yaml"),
        "# From https://github.com/xunholy/k8s-gitops/blob/949757d9d33d809537700c0e5b01652766820373/kubernetes/apps/base/network-system/dex-k8s-authenticator/app/helmrelease.yaml#L17",
    );
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("dex-k8s-authenticator"))
            .namespace(namespace!("network-system"))
            .chart(
                Chart::from_source(&chart_repo, "./charts/dex-k8s-authenticator")
                    .version("1.4.0")
                    .interval(duration!("10m")),
            )
            .interval(duration!("5m"))
            .timeout(duration!("10m"))
            .values(json!({
                "global": { "deployEnv": "prod" },
                "replicaCount": 1,
                "image": { "repository": "raspbernetes/dex-k8s-authenticator", "tag": "v1.4.0" },
            }))
            .build(),
    );
    c.kustomize_config(
        &dex,
        KustomizeConfig::builder()
            .resources(&[&repository, &release])
            .build(),
    );

    let snapshot = dir("snapshot-controller");
    let snapshot_ns = namespace!("snapshot-controller");
    let repository = c.file(&format!("{snapshot}/repository.yaml"));
    let snapshotter = c.add(
        &repository,
        GitRepository::builder()
            .name(name!("external-snapshotter"))
            .namespace(snapshot_ns.clone())
            .url("https://github.com/kubernetes-csi/external-snapshotter.git")
            .reference(GitRef::semver("8.2.1"))
            .ignore(&["/*", "!/deploy/kubernetes/snapshot-controller", ""])
            .interval(duration!("5m0s"))
            .build(),
    );
    let ks = c.file(&format!("{snapshot}/snapshot-controller-ks.yaml"));
    c.add(
        &ks,
        Kustomization::builder()
            .name(name!("snapshot-controller"))
            .namespace(snapshot_ns)
            .source_ref(&snapshotter)
            .path("./deploy/kubernetes/snapshot-controller")
            .target_namespace(namespace!("keycloak"))
            .common_metadata(CommonMetadata {
                labels: [(
                    "app.kubernetes.io/name".to_string(),
                    "snapshot-controller".to_string(),
                )]
                .into(),
                ..CommonMetadata::default()
            })
            .interval(duration!("30m"))
            .timeout(duration!("5m"))
            .prune(true)
            .build(),
    );
    c.kustomize_config(
        &snapshot,
        KustomizeConfig::builder()
            .resources(&[&repository, &ks])
            .build(),
    );

    c.kustomize_config(
        &dir(""),
        KustomizeConfig::builder()
            .resource_list(&[
                Resource::path("dex-k8s-authenticator"),
                Resource::path("snapshot-controller"),
            ])
            .build(),
    );
    c
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}
