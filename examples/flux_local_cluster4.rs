//! `tests/testdata/cluster4` of allenporter/flux-local, in Rust: a cluster that manages
//! itself from its own GitRepository (`cluster` applies `flux/`, which declares `cluster`
//! again), Flux's manifests from an OCI artifact, and an app Kustomization with a health
//! check on its HelmRelease — at the API versions of Flux v2.0.1, whose stored versions
//! these are.
//!
//! ```text
//! cargo run --example flux_local_cluster4                             # print it all
//! cargo run --example flux_local_cluster4 -- render --root /tmp/fl    # write it
//! ```
//!
//! `tests/suite/reproductions.rs` compares every object with the real repository.

use fluxdsl::k8s_openapi::api::core::v1::{Namespace, Secret};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    Chart, Cluster, FluxApi, GitRef, GitRepository, HealthCheck, HelmRelease, HelmRepository,
    Install, Kustomization, KustomizeConfig, Labels, OCIRepository, OciRef, Ref, Repository,
    Strategy, Uninstall, Upgrade, duration, name, namespace,
};
use serde_json::json;

/// Where the repository is rendered, relative to the folder the program runs in.
pub const LOCAL_PATH: &str = "flux-local";
/// The cluster's folder inside the repository.
const ROOT: &str = "tests/testdata/cluster4";
/// The CRDs of Flux v2.0.1, whose stored versions decide what is written.
const FLUX_V2_0_1_CRDS: &str = include_str!("../tests/fixtures/flux-crds/v2.0.1/crds.yaml");

/// The repository: one cluster, whose every file Flux applies from Git.
pub fn repository() -> Repository {
    let api = FluxApi::from_crds("Flux v2.0.1", FLUX_V2_0_1_CRDS).expect("Flux's CRDs parse");
    let mut c = Cluster::for_repository(LOCAL_PATH);
    c.flux_api(&api);
    let flux_ns = namespace!("flux-system");

    // flux/config: the repository itself and Flux's own manifests.
    let cluster_file = c.file(&format!("{ROOT}/flux/config/cluster.yaml"));
    let deploy_key: Ref<Secret> = Ref::existing(&flux_ns, name!("github-deploy-key"));
    let repo = c.add(
        &cluster_file,
        GitRepository::builder()
            .name(name!("home-ops-kubernetes"))
            .namespace(flux_ns.clone())
            .url("ssh://git@github.com/example/home-ops")
            .reference(GitRef::branch("main"))
            .secret_ref(&deploy_key)
            .ignore(&[
                "# exclude all",
                "/*",
                "# include kubernetes directory",
                &format!("!/{ROOT}/kubernetes"),
                "",
            ])
            .interval(duration!("30m"))
            .build(),
    );
    c.source_is_this_repository(&repo);
    c.add(
        &cluster_file,
        Kustomization::builder()
            .name(name!("cluster"))
            .namespace(flux_ns.clone())
            .source_ref(&repo)
            .path(format!("./{ROOT}/flux"))
            .interval(duration!("30m"))
            .prune(true)
            .wait(false)
            .build(),
    );
    let flux_file = c.file(&format!("{ROOT}/flux/config/flux.yaml"));
    let manifests = c.add(
        &flux_file,
        OCIRepository::builder()
            .name(name!("flux-manifests"))
            .namespace(flux_ns.clone())
            .url("oci://ghcr.io/fluxcd/flux-manifests")
            .reference(OciRef::tag("v0.40.0"))
            .interval(duration!("10m"))
            .build(),
    );
    c.add(
        &flux_file,
        Kustomization::builder()
            .name(name!("flux"))
            .namespace(flux_ns.clone())
            .source_ref(&manifests)
            .path("./")
            .interval(duration!("10m"))
            .prune(true)
            .wait(true)
            .build(),
    );
    c.kustomize_config(
        &format!("{ROOT}/flux/config"),
        KustomizeConfig::builder()
            .dot_slash()
            .resources(&[&flux_file, &cluster_file])
            .build(),
    );

    // flux/repositories and flux/apps.yaml
    let headlamp_repo_file = c.file(&format!("{ROOT}/flux/repositories/headlamp.yaml"));
    let headlamp_charts = c.add(
        &headlamp_repo_file,
        HelmRepository::builder()
            .name(name!("headlamp"))
            .namespace(flux_ns.clone())
            .url("https://kubernetes-sigs.github.io/headlamp/")
            .interval(duration!("2h"))
            .build(),
    );
    c.kustomize_config(
        &format!("{ROOT}/flux/repositories"),
        KustomizeConfig::builder()
            .resources(&[&headlamp_repo_file])
            .build(),
    );
    let apps_file = c.file(&format!("{ROOT}/flux/apps.yaml"));
    c.add(
        &apps_file,
        Kustomization::builder()
            .name(name!("cluster-apps"))
            .namespace(flux_ns.clone())
            .source_ref(&repo)
            .path(format!("./{ROOT}/apps"))
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );

    // apps/monitoring: its namespace, and headlamp with a Kustomization of its own.
    let monitoring = namespace!("monitoring");
    let namespace_file = c.file(&format!("{ROOT}/apps/monitoring/namespace.yaml"));
    c.add(
        &namespace_file,
        Namespace {
            metadata: ObjectMeta {
                name: Some(monitoring.as_str().into()),
                labels: Some(
                    [(
                        "kustomize.toolkit.fluxcd.io/prune".to_string(),
                        "disabled".to_string(),
                    )]
                    .into(),
                ),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
    );
    let headlamp = format!("{ROOT}/apps/monitoring/headlamp");
    let release_file = c.file(&format!("{headlamp}/helmrelease.yaml"));
    let retries = Some(Strategy::RemediateOnFailure { retries: 3 });
    let release = c.add(
        &release_file,
        HelmRelease::builder()
            .name(name!("headlamp"))
            .namespace(monitoring.clone())
            .chart(Chart::from_source(&headlamp_charts, "headlamp").version("0.39.0"))
            .interval(duration!("15m"))
            .max_history(3)
            .install(Install {
                create_namespace: true,
                strategy: retries,
                ..Install::default()
            })
            .upgrade(Upgrade {
                cleanup_on_fail: true,
                strategy: retries,
                ..Upgrade::default()
            })
            .uninstall(Uninstall {
                keep_history: Some(false),
                ..Uninstall::default()
            })
            .values(json!({
                "extraArgs": [
                    "--enable-skip-login",
                    "--disable-settings-authorizer",
                    "--enable-insecure-login",
                    "--token-ttl=43200",
                ],
                "ingress": {
                    "enabled": true,
                    "className": "nginx",
                    "annotations": {
                        "nginx.ingress.headlamp.io/whitelist-source-range":
                            "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16\n",
                        "hajimari.io/icon": "mdi:kubernetes",
                    },
                    "hosts": [{ "host": "headlamp.devbu.io", "type": "ImplementationSpecific" }],
                    "tls": [{ "hosts": ["headlamp.devbu.io"] }],
                },
                "metricsScraper": { "enabled": true },
                "serviceMonitor": { "enabled": false },
            }))
            .build(),
    );
    c.kustomize_config(
        &headlamp,
        KustomizeConfig::builder()
            .dot_slash()
            .namespace(monitoring)
            .resources(&[&release_file])
            .labels(&[Labels {
                pairs: [
                    ("app.kubernetes.io/name".to_string(), "headlamp".to_string()),
                    (
                        "app.kubernetes.io/instance".to_string(),
                        "headlamp".to_string(),
                    ),
                ]
                .into(),
                ..Labels::default()
            }])
            .build(),
    );
    let ks_file = c.file(&format!("{headlamp}/ks.yaml"));
    c.add(
        &ks_file,
        Kustomization::builder()
            .name(name!("cluster-apps-headlamp"))
            .namespace(flux_ns)
            .source_ref(&repo)
            .path(format!("./{headlamp}"))
            .health_checks(&[HealthCheck::of(&release)])
            .interval(duration!("30m"))
            .retry_interval(duration!("1m"))
            .timeout(duration!("3m"))
            .prune(true)
            .build(),
    );
    c.kustomize_config(
        &format!("{ROOT}/apps/monitoring"),
        KustomizeConfig::builder()
            .dot_slash()
            .resources(&[&namespace_file, &ks_file])
            .build(),
    );

    let mut repository = Repository::new();
    repository.cluster("cluster4", c);
    repository
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}
