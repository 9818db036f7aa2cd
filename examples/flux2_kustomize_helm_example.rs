//! The Flux project's reference repository `fluxcd/flux2-kustomize-helm-example`, in Rust:
//! one [`Repository`] with two clusters (staging, production), each declaring its
//! `clusters/<env>/`, and the folders they share — `infrastructure/`, `apps/base/` and the
//! two overlays `apps/<env>/` — declared once.
//!
//! ```text
//! cargo run --example flux2_kustomize_helm_example                          # print it all
//! cargo run --example flux2_kustomize_helm_example -- render --root /tmp/r  # write it
//! cargo run --example flux2_kustomize_helm_example -- apply --cluster staging
//! ```
//!
//! `tests/suite/helm_example.rs` compares every object with the real repository, and
//! renders [`repository_at`] pinned to Flux v2.3.0 and v2.9.3, whose installs lack what the
//! main branch uses (source-watcher, `RetryOnFailure`): the definition asks the install
//! ([`Features::of`]) and writes what it serves.

use fluxdsl::k8s_openapi::api::apps::v1::Deployment;
use fluxdsl::k8s_openapi::api::core::v1::{Namespace, Secret};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    ArtifactGenerator, Chart, Cluster, CopyOperation, Duration, ExternalArtifact,
    FLUX_GENERATED_HEADER, FluxApi, GeneratedArtifact, GeneratorSourceRef, GitRef, GitRepository,
    HelmRelease, HelmRepository, Install, Kustomization, KustomizeConfig, LayerSelector, Name,
    NamespaceName, OCIRepository, OciRef, Patch, PatchFile, PatchTarget, Ref, Repository, Strategy,
    Upgrade, duration, name, namespace,
};
use kube::CustomResource;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The repository `flux bootstrap` was pointed at.
const REPOSITORY: &str = "ssh://git@github.com/poornima-krishnasamy/flux2-kustomize-helm-example";
const FLUX_VERSION: &str = "v2.3.0";
/// SHA-256 of that release's `flux install --export`, as bootstrap committed it.
const FLUX_COMPONENTS_SHA256: &str =
    "19455295236c55d026cb2a9e5423ced5bfab35f1c4abc69ffc9ad84cdbbb3fe1";

/// An environment of the repository.
#[derive(Clone, Copy)]
pub enum Env {
    /// `clusters/staging`.
    Staging,
    /// `clusters/production`.
    Production,
}

impl Env {
    fn name(self) -> &'static str {
        match self {
            Env::Staging => "staging",
            Env::Production => "production",
        }
    }
    fn acme_server(self) -> &'static str {
        match self {
            Env::Staging => "https://acme-staging-v02.api.letsencrypt.org/directory",
            Env::Production => "https://acme-v02.api.letsencrypt.org/directory",
        }
    }
}

fn namespace_object(name: &str, tenant: &str) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some([("toolkit.fluxcd.io/tenant".to_string(), tenant.to_string())].into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

/// What the Flux install a cluster is pinned to offers of what the repository's main
/// branch uses; all of it when nothing is pinned.
#[derive(Clone, Copy)]
pub struct Features {
    /// source-watcher's ArtifactGenerator (Flux 2.7+, `--components-extra`): without it,
    /// the clusters sync `infrastructure/` and `apps/<env>/` from the repository directly,
    /// the layout the repository had before.
    pub artifact_generator: bool,
    /// HelmRelease `install.strategy`/`upgrade.strategy` (Flux 2.5+): without it, the
    /// releases retry three times, remediating in between, as older Flux can.
    pub retry_on_failure: bool,
}

impl Features {
    /// What the install `api` describes offers (everything without one).
    pub fn of(api: Option<&FluxApi>) -> Features {
        match api {
            None => Features {
                artifact_generator: true,
                retry_on_failure: true,
            },
            Some(api) => Features {
                artifact_generator: api
                    .storage_version("source.extensions.fluxcd.io", "ArtifactGenerator")
                    .is_some(),
                retry_on_failure: api.has_field(
                    "helm.toolkit.fluxcd.io",
                    "HelmRelease",
                    "spec.install.strategy",
                ),
            },
        }
    }
}

fn retry_on_failure(features: Features) -> (Install, Upgrade) {
    let strategy = Some(match features.retry_on_failure {
        true => Strategy::RetryOnFailure {
            retry_interval: None,
        },
        false => Strategy::RemediateOnFailure { retries: 3 },
    });
    (
        Install {
            strategy,
            ..Install::default()
        },
        Upgrade {
            strategy,
            ..Upgrade::default()
        },
    )
}

/// Where the repository is rendered, relative to the folder the program runs in.
pub const LOCAL_PATH: &str = "flux2-kustomize-helm-example";

/// The whole repository: both clusters and the folders they share.
pub fn repository() -> Repository {
    repository_at(None)
}

/// The repository with every cluster pinned to the Flux install `api` describes (the
/// Flux API versions it serves and their schemas), or to none.
pub fn repository_at(api: Option<&FluxApi>) -> Repository {
    let features = Features::of(api);
    let mut shared = new_cluster(api);
    infrastructure_folder(&mut shared, features);
    apps_base(&mut shared, features);
    for env in [Env::Staging, Env::Production] {
        apps_overlay(&mut shared, env);
    }
    let mut repository = Repository::new();
    repository
        .cluster("staging", cluster(Env::Staging, api))
        .cluster("production", cluster(Env::Production, api))
        .shared(shared);
    repository
}

fn new_cluster(api: Option<&FluxApi>) -> Cluster {
    let mut c = Cluster::for_repository(LOCAL_PATH);
    if let Some(api) = api {
        c.flux_api(api);
    }
    c
}

/// What the `env` cluster declares: `clusters/<env>/`.
pub fn cluster(env: Env, api: Option<&FluxApi>) -> Cluster {
    let mut c = new_cluster(api);
    let flux_ns = NamespaceName::FLUX_SYSTEM;
    let cluster_dir = format!("clusters/{}", env.name());

    // clusters/<env>/flux-system: what bootstrap writes, plus the repository's own
    // kustomization.yaml (tenant label, controller concurrency).
    // The install and the pinned API are one release: pinned to another release, this is
    // the repository upgraded to it (the components file `flux install --export` writes).
    let (version, sha256) = match api.and_then(FluxApi::release) {
        Some("v2.9.3") => (
            "v2.9.3",
            "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
        ),
        _ => (FLUX_VERSION, FLUX_COMPONENTS_SHA256),
    };
    let components = c.flux_components(
        &format!("{cluster_dir}/flux-system/gotk-components.yaml"),
        version,
        sha256,
    );
    let sync = c.file_with_header(
        &format!("{cluster_dir}/flux-system/gotk-sync.yaml"),
        FLUX_GENERATED_HEADER,
    );
    let deploy_key: Ref<Secret> = Ref::existing(&flux_ns, name!("flux-system"));
    let repo = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url(REPOSITORY)
            .reference(GitRef::branch("main"))
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
            .path(format!("./{cluster_dir}"))
            .interval(duration!("10m0s"))
            .prune(true)
            .build(),
    );
    c.kustomize_config(
        &format!("{cluster_dir}/flux-system"),
        KustomizeConfig::builder()
            .resources(&[&components, &sync])
            .labels(&[fluxdsl::Labels {
                pairs: [("toolkit.fluxcd.io/tenant".to_string(), "sre-team".to_string())].into(),
                ..fluxdsl::Labels::default()
            }])
            .patches(&[Patch::new(
                "- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --concurrent=20\n\
                 - op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --requeue-dependency=5s\n",
                PatchTarget::kind::<Deployment>()
                    .named("(kustomize-controller|helm-controller|source-controller)"),
            )])
            .build(),
    );

    infrastructure_and_apps(&mut c, env, &repo, Features::of(api).artifact_generator);
    c
}

/// `clusters/<env>/infrastructure.yaml` and `apps.yaml`: the Kustomizations building
/// `infrastructure/` and `apps/<env>/`, from the monorepo split into two artifacts by an
/// ArtifactGenerator (`clusters/<env>/artifacts.yaml`) when `generator`, else from the
/// repository itself.
fn infrastructure_and_apps(c: &mut Cluster, env: Env, repo: &Ref<GitRepository>, generator: bool) {
    let cluster_dir = format!("clusters/{}", env.name());
    // clusters/<env>/infrastructure.yaml and apps.yaml build from the monorepo split
    // into two artifacts (clusters/<env>/artifacts.yaml), or from the repository itself.
    let ks = |name: Name, path: &str| {
        Kustomization::builder()
            .name(name)
            .path(path)
            .interval(duration!("1h"))
            .retry_interval(duration!("2m"))
            .timeout(duration!("5m"))
            .prune(true)
    };
    let configs_patch = Patch::new(
        &format!(
            "- op: replace\n  path: /spec/acme/server\n  value: {}\n",
            env.acme_server()
        ),
        PatchTarget::kind::<ClusterIssuer>().named("letsencrypt"),
    );
    let infra_file = c.file(&format!("{cluster_dir}/infrastructure.yaml"));
    let apps_file = c.file(&format!("{cluster_dir}/apps.yaml"));
    let apps_path = format!("./{}", env.name());
    if generator {
        let (infrastructure, apps) = artifacts(c, env, repo);
        let controllers = c.add(
            &infra_file,
            ks(name!("infra-controllers"), "./controllers")
                .source_ref(&infrastructure)
                .wait(true)
                .build(),
        );
        let configs = c.add(
            &infra_file,
            ks(name!("infra-configs"), "./configs")
                .source_ref(&infrastructure)
                .depends_on(&[&controllers])
                .patches(&[configs_patch])
                .build(),
        );
        c.add(
            &apps_file,
            ks(name!("apps"), &apps_path)
                .source_ref(&apps)
                .depends_on(&[&configs])
                .wait(true)
                .build(),
        );
    } else {
        let controllers = c.add(
            &infra_file,
            ks(name!("infra-controllers"), "./infrastructure/controllers")
                .source_ref(repo)
                .wait(true)
                .build(),
        );
        let configs = c.add(
            &infra_file,
            ks(name!("infra-configs"), "./infrastructure/configs")
                .source_ref(repo)
                .depends_on(&[&controllers])
                .patches(&[configs_patch])
                .build(),
        );
        c.add(
            &apps_file,
            ks(name!("apps"), &format!("./apps/{}", env.name()))
                .source_ref(repo)
                .depends_on(&[&configs])
                .wait(true)
                .build(),
        );
    }
}

/// `clusters/<env>/artifacts.yaml`: the ArtifactGenerator splitting the monorepo into the
/// `infrastructure` and `apps` artifacts, whose handles it returns.
fn artifacts(
    c: &mut Cluster,
    env: Env,
    repo: &Ref<GitRepository>,
) -> (Ref<ExternalArtifact>, Ref<ExternalArtifact>) {
    let file = c.file(&format!("clusters/{}/artifacts.yaml", env.name()));
    let generator = c.add(
        &file,
        ArtifactGenerator::builder()
            .name(name!("flux-system"))
            .sources(&[GeneratorSourceRef::new("monorepo", repo)])
            .artifacts(&[
                GeneratedArtifact::new(
                    name!("infrastructure"),
                    &[CopyOperation::new(
                        "@monorepo/infrastructure/**",
                        "@artifact/",
                    )],
                )
                .origin_revision("@monorepo"),
                GeneratedArtifact::new(
                    name!("apps"),
                    &[
                        CopyOperation::new("@monorepo/apps/base/**", "@artifact/base/"),
                        CopyOperation::new(
                            &format!("@monorepo/apps/{}/**", env.name()),
                            &format!("@artifact/{}/", env.name()),
                        ),
                    ],
                )
                .origin_revision("@monorepo"),
            ])
            .build(),
    );
    (
        generator.artifact(name!("infrastructure")),
        generator.artifact(name!("apps")),
    )
}

/// `infrastructure/controllers` (cert-manager, Envoy Gateway) and `infrastructure/configs`.
fn infrastructure_folder(c: &mut Cluster, features: Features) {
    let (install, upgrade) = retry_on_failure(features);
    let cert_manager = c.file("infrastructure/controllers/cert-manager.yaml");
    c.add(&cert_manager, namespace_object("cert-manager", "sre-team"));
    let chart = c.add(
        &cert_manager,
        OCIRepository::builder()
            .name(name!("cert-manager"))
            .namespace(namespace!("cert-manager"))
            .url("oci://quay.io/jetstack/charts/cert-manager")
            .layer_selector(LayerSelector::helm_chart())
            .reference(OciRef::semver("1.x"))
            .interval(duration!("24h"))
            .build(),
    );
    c.add(
        &cert_manager,
        HelmRelease::builder()
            .name(name!("cert-manager"))
            .namespace(namespace!("cert-manager"))
            .chart(Chart::from_ref(&chart))
            .interval(duration!("12h"))
            .install(install.clone())
            .upgrade(upgrade.clone())
            .values(json!({
                "crds": { "enabled": true, "keep": false },
                "config": { "enableGatewayAPI": true },
            }))
            .build(),
    );

    let envoy = c.file("infrastructure/controllers/envoy-gateway.yaml");
    c.add(&envoy, namespace_object("envoy-gateway-system", "sre-team"));
    let gateway_chart = c.add(
        &envoy,
        OCIRepository::builder()
            .name(name!("gateway-helm"))
            .namespace(namespace!("envoy-gateway-system"))
            .url("oci://docker.io/envoyproxy/gateway-helm")
            .layer_selector(LayerSelector::helm_chart())
            .reference(OciRef::semver(">= 1.8.0-rc.0"))
            .interval(duration!("24h"))
            .build(),
    );
    c.add(
        &envoy,
        HelmRelease::builder()
            .name(name!("envoy-gateway"))
            .namespace(namespace!("envoy-gateway-system"))
            .release_name("envoy-gateway")
            .chart(Chart::from_ref(&gateway_chart))
            .interval(duration!("12h"))
            .install(install)
            .upgrade(upgrade)
            .build(),
    );
    c.kustomize_config(
        "infrastructure/controllers",
        KustomizeConfig::builder()
            .resources(&[&cert_manager, &envoy])
            .build(),
    );

    // Custom resources of cert-manager and the Gateway API, typed below with kube's derive.
    let issuers = c.file("infrastructure/configs/cluster-issuers.yaml");
    c.add(
        &issuers,
        ClusterIssuer::new(
            "letsencrypt",
            ClusterIssuerSpec {
                acme: Acme {
                    email: "fluxcdbot@users.noreply.github.com".into(),
                    server: Env::Staging.acme_server().into(),
                    private_key_secret_ref: LocalName::of("letsencrypt"),
                    solvers: vec![AcmeSolver {
                        http01: Http01 {
                            gateway_http_route: GatewayHttpRoute {
                                parent_refs: vec![ParentRef {
                                    name: "envoy".into(),
                                    namespace: Some("envoy-gateway-system".into()),
                                    kind: Some("Gateway".into()),
                                }],
                            },
                        },
                    }],
                },
            },
        ),
    );
    let gateway = c.file("infrastructure/configs/gateway.yaml");
    c.add(
        &gateway,
        GatewayClass::new(
            "envoy",
            GatewayClassSpec {
                controller_name: "gateway.envoyproxy.io/gatewayclass-controller".into(),
            },
        ),
    );
    let mut envoy_gateway = Gateway::new(
        "envoy",
        GatewaySpec {
            gateway_class_name: "envoy".into(),
            listeners: vec![Listener {
                name: "http".into(),
                protocol: "HTTP".into(),
                port: 80,
                allowed_routes: AllowedRoutes {
                    namespaces: RouteNamespaces { from: "All".into() },
                },
            }],
        },
    );
    envoy_gateway.metadata.namespace = Some("envoy-gateway-system".into());
    c.add(&gateway, envoy_gateway);
    c.kustomize_config(
        "infrastructure/configs",
        KustomizeConfig::builder()
            .resources(&[&issuers, &gateway])
            .build(),
    );
}

/// `apps/base/podinfo`.
fn apps_base(c: &mut Cluster, features: Features) {
    let podinfo_ns = namespace!("podinfo");
    let namespace_file = c.file("apps/base/podinfo/namespace.yaml");
    c.add(&namespace_file, namespace_object("podinfo", "dev-team"));
    let repository_file = c.file("apps/base/podinfo/repository.yaml");
    let charts = c.add(
        &repository_file,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .namespace(podinfo_ns.clone())
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("5m"))
            .build(),
    );
    let release_file = c.file("apps/base/podinfo/release.yaml");
    let (install, upgrade) = retry_on_failure(features);
    c.add(
        &release_file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(podinfo_ns.clone())
            .release_name("podinfo")
            .chart(Chart::from_source(&charts, "podinfo"))
            .interval(Duration::minutes(50))
            .install(install)
            .upgrade(upgrade)
            .values(json!({
                "redis": {
                    "enabled": true,
                    "repository": "public.ecr.aws/docker/library/redis",
                    "tag": "8.6.2",
                },
                "httpRoute": {
                    "enabled": true,
                    "parentRefs": [
                        { "name": "envoy", "namespace": "envoy-gateway-system", "sectionName": "http" }
                    ],
                    "hostnames": ["podinfo.local"],
                    "rules": [{ "matches": [{ "path": { "type": "PathPrefix", "value": "/" } }] }],
                },
            }))
            .build(),
    );
    c.kustomize_config(
        "apps/base/podinfo",
        KustomizeConfig::builder()
            .namespace(podinfo_ns)
            .resources(&[&namespace_file, &repository_file, &release_file])
            .build(),
    );
}

/// The `env` overlay of `apps/base/podinfo`: a patch file applied to the HelmRelease.
fn apps_overlay(c: &mut Cluster, env: Env) {
    let overlay = format!("apps/{}", env.name());
    let values = c.file(&format!("{overlay}/podinfo-values.yaml"));
    let mut spec = json!({
        "chart": { "spec": { "version": match env {
            Env::Staging => ">=1.0.0-alpha",
            Env::Production => ">=1.0.0",
        } } },
        "values": { "httpRoute": { "hostnames": [format!("podinfo.{}", env.name())] } },
    });
    if let Env::Staging = env {
        spec["test"] = json!({ "enable": false });
    }
    c.add_patch(
        &values,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": { "name": "podinfo", "namespace": "podinfo" },
            "spec": spec,
        }),
    );
    c.kustomize_config(
        &overlay,
        KustomizeConfig::builder()
            .resource_paths(&["../base/podinfo"])
            .patch_files(&[PatchFile::new(&values, PatchTarget::kind::<HelmRelease>())])
            .build(),
    );
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}

/// cert-manager's `ClusterIssuer` (`cert-manager.io/v1`), the fields this repository sets.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "cert-manager.io",
    version = "v1",
    kind = "ClusterIssuer",
    schema = "disabled"
)]
pub struct ClusterIssuerSpec {
    acme: Acme,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Acme {
    email: String,
    server: String,
    private_key_secret_ref: LocalName,
    solvers: Vec<AcmeSolver>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct LocalName {
    name: String,
}

impl LocalName {
    fn of(name: &str) -> LocalName {
        LocalName { name: name.into() }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct AcmeSolver {
    http01: Http01,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Http01 {
    #[serde(rename = "gatewayHTTPRoute")]
    gateway_http_route: GatewayHttpRoute,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct GatewayHttpRoute {
    parent_refs: Vec<ParentRef>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct ParentRef {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
}

/// The Gateway API's `GatewayClass` (`gateway.networking.k8s.io/v1`).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "GatewayClass",
    schema = "disabled"
)]
#[serde(rename_all = "camelCase")]
pub struct GatewayClassSpec {
    controller_name: String,
}

/// The Gateway API's `Gateway`, the fields this repository sets.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "Gateway",
    namespaced,
    schema = "disabled"
)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    gateway_class_name: String,
    listeners: Vec<Listener>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Listener {
    name: String,
    protocol: String,
    port: u16,
    allowed_routes: AllowedRoutes,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct AllowedRoutes {
    namespaces: RouteNamespaces,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct RouteNamespaces {
    from: String,
}
