//! `Cloufish/k8s-home-ops` in Rust, as its commit 24a44cb holds it: a homelab of two
//! clusters, `staging` and `production`. Each runs the infrastructure Kustomizations
//! (secrets, Helm repositories, controllers, configs, certificates) and its apps; the apps'
//! bases in `apps/base` are declared once, their names and namespaces postBuild variables
//! (`${cyberchef_app_name}`) that each cluster's `apps` Kustomization sets, and each
//! overlay in `apps/production` patches its base's HelmRelease with the cluster's values.
//! The SOPS-encrypted Secrets are carried as Git holds them.
//!
//! ```text
//! cargo run --example k8s_home_ops                                  # print it all
//! cargo run --example k8s_home_ops -- tree --cluster production     # what production runs
//! cargo run --example k8s_home_ops -- print --effective --cluster production
//! ```
//!
//! `tests/suite/reproductions.rs` compares every document with the real repository; what
//! writing it as handles found is marked `// finding:`.

// The Helm values are large `json!` literals.
#![recursion_limit = "512"]

use fluxdsl::k8s_openapi::api::apps::v1::Deployment;
use fluxdsl::k8s_openapi::api::core::v1::{Namespace, Secret};
use fluxdsl::k8s_openapi::api::storage::v1::StorageClass;
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    BootstrapSecret, Chart, Cluster, Crds, Decryption, DriftDetection, DriftMode, File, Folder,
    GitRef, GitRepository, HelmRelease, HelmRepository, HelmTest, Install, Kustomization,
    KustomizeConfig, Labels, LayerSelector, Name, NamespaceName, OCIRepository, OciRef, Patch,
    PatchFile, PatchTarget, PostBuild, Ref, Remediation, RemediationStrategy, Repository, Resource,
    Rollback, Strategy, Uninstall, Upgrade, ValuesFrom, duration, name, namespace,
};
use kube::CustomResource;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The Flux release both clusters were bootstrapped with.
const FLUX_VERSION: &str = "v2.7.3";
/// The checksum of its `gotk-components.yaml`.
const FLUX_COMPONENTS_SHA256: &str =
    "ab2b2e5d45c59197220385fa189377962eee712a5cf458e71b4208b343e6c8cb";

/// The repository: both clusters and the folders they share.
pub fn repository() -> Repository {
    let mut repository = Repository::new();
    repository
        .cluster("staging", staging())
        .cluster("production", production())
        .shared(shared());
    repository
}

/// A name holding postBuild variables (`${cyberchef_app_name}`), which each Kustomization
/// applying it fills in.
fn templated(template: &str) -> Name {
    Name::with_variables(template).expect("a name template")
}

/// A namespace holding postBuild variables.
fn templated_namespace(template: &str) -> NamespaceName {
    NamespaceName::with_variables(template).expect("a namespace template")
}

/// Namespace `name`, of the tenant `tenant` when it has one.
fn namespace_object(name: &str, tenant: Option<&str>) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: tenant
                .map(|t| [("toolkit.fluxcd.io/tenant".to_string(), t.to_string())].into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

/// Overlay `dir` (`apps/<cluster>/<app>`) of `base`, in `namespace` if it sets one, its
/// HelmRelease patched with the cluster's `values` (a strategic-merge patch kept in
/// `<app>-values.yaml`).
fn values_overlay(
    c: &mut Cluster,
    dir: &str,
    base: &Folder,
    namespace: Option<NamespaceName>,
    values: Value,
) {
    let app = dir.rsplit('/').next().expect("a folder");
    let file = c.file(&format!("{dir}/{app}-values.yaml"));
    c.add_patch(&file, values);
    let releases = PatchTarget {
        kind: Some("HelmRelease".into()),
        ..PatchTarget::default()
    };
    let config = KustomizeConfig::builder()
        .folders(&[base])
        .patch_files(&[PatchFile::new(&file, releases)]);
    let config = match namespace {
        Some(namespace) => config.namespace(namespace).build(),
        None => config.build(),
    };
    c.kustomize_config(dir, config);
}

/// A Kubernetes object typed by k8s-openapi, from the fields the repository writes.
fn typed<T: serde::de::DeserializeOwned>(fields: Value) -> T {
    serde_json::from_value(fields).expect("the fields of a Kubernetes object")
}

// The kinds of other projects this repository declares (cert-manager, Longhorn,
// CloudNativePG): group, version and kind typed, each spec carried as written.

/// cert-manager's `Certificate`.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "cert-manager.io",
    version = "v1",
    kind = "Certificate",
    namespaced,
    schema = "disabled"
)]
pub struct CertificateSpec {
    #[serde(flatten)]
    fields: serde_json::Map<String, Value>,
}

/// cert-manager's `ClusterIssuer`.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "cert-manager.io",
    version = "v1",
    kind = "ClusterIssuer",
    schema = "disabled"
)]
pub struct ClusterIssuerSpec {
    #[serde(flatten)]
    fields: serde_json::Map<String, Value>,
}

/// Longhorn's `RecurringJob`.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "longhorn.io",
    version = "v1beta2",
    kind = "RecurringJob",
    namespaced,
    schema = "disabled"
)]
pub struct RecurringJobSpec {
    #[serde(flatten)]
    fields: serde_json::Map<String, Value>,
}

/// CloudNativePG's `Cluster` (a PostgreSQL cluster).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "postgresql.cnpg.io",
    version = "v1",
    kind = "Cluster",
    root = "PostgresCluster",
    namespaced,
    schema = "disabled"
)]
pub struct PostgresClusterSpec {
    #[serde(flatten)]
    fields: serde_json::Map<String, Value>,
}

/// The fields of a spec as written.
fn fields(spec: Value) -> serde_json::Map<String, Value> {
    match spec {
        Value::Object(fields) => fields,
        _ => panic!("a spec is an object"),
    }
}

/// Custom object `object` in `namespace` (`None`: cluster-scoped, or as written).
fn placed<K: kube::Resource>(mut object: K, namespace: Option<&str>) -> K {
    object.meta_mut().namespace = namespace.map(str::to_owned);
    object
}

/// Everything outside `clusters/`: the infrastructure, the apps' bases and overlays,
/// and the files at the root, declared once for both clusters.
fn shared() -> Cluster {
    let mut c = Cluster::for_repository("");
    repository_root(&mut c);
    let infrastructure_helm_repos = infrastructure_helm_repos(&mut c);
    let infrastructure_controllers = infrastructure_controllers(&mut c);
    infrastructure_secrets(&mut c);
    infrastructure_configs(&mut c);
    infrastructure_certificates(&mut c);
    let apps_base_chatgpt_next = apps_base_chatgpt_next(&mut c, &infrastructure_helm_repos);
    let apps_base_cloudflared = apps_base_cloudflared(&mut c);
    let apps_base_code_server = apps_base_code_server(&mut c, &infrastructure_helm_repos);
    let apps_base_commafeed = apps_base_commafeed(&mut c, &infrastructure_helm_repos);
    let apps_base_composerize = apps_base_composerize(&mut c, &infrastructure_helm_repos);
    let apps_base_cyberchef = apps_base_cyberchef(&mut c, &infrastructure_helm_repos);
    let apps_base_descheduler = apps_base_descheduler(&mut c, &infrastructure_helm_repos);
    let apps_base_dsomm = apps_base_dsomm(&mut c, &infrastructure_helm_repos);
    let apps_base_languagetool = apps_base_languagetool(&mut c, &infrastructure_helm_repos);
    let apps_base_lidify = apps_base_lidify(&mut c, &infrastructure_helm_repos);
    let apps_base_n8n = apps_base_n8n(&mut c, &infrastructure_helm_repos);
    let apps_base_netbox = apps_base_netbox(&mut c, &infrastructure_helm_repos);
    let apps_base_pgadmin = apps_base_pgadmin(
        &mut c,
        &infrastructure_helm_repos,
        &infrastructure_controllers,
    );
    let apps_base_podinfo = apps_base_podinfo(&mut c);
    let apps_base_prometheus_blackbox_exporter =
        apps_base_prometheus_blackbox_exporter(&mut c, &infrastructure_helm_repos);
    let apps_base_prometheus_operator =
        apps_base_prometheus_operator(&mut c, &infrastructure_helm_repos);
    let apps_base_reloader = apps_base_reloader(&mut c);
    apps_base_tandoor(&mut c);
    let apps_base_vaultwarden = apps_base_vaultwarden(&mut c, &infrastructure_helm_repos);
    apps_production_chatgpt_next(&mut c, &apps_base_chatgpt_next);
    apps_production_cloudflared(&mut c, &apps_base_cloudflared);
    apps_production_code_server(&mut c, &apps_base_code_server);
    apps_production_commafeed(&mut c, &apps_base_commafeed);
    apps_production_composerize(&mut c, &apps_base_composerize);
    apps_production_cyberchef(&mut c, &apps_base_cyberchef);
    apps_production_descheduler(&mut c, &apps_base_descheduler);
    apps_production_dsomm(&mut c, &apps_base_dsomm);
    apps_production_languagetool(&mut c, &apps_base_languagetool);
    apps_production_lidify(&mut c, &apps_base_lidify);
    apps_production_n8n(&mut c, &apps_base_n8n);
    apps_production_netbox(&mut c, &apps_base_netbox);
    apps_production_pgadmin(&mut c, &apps_base_pgadmin);
    apps_production_podinfo(&mut c, &apps_base_podinfo);
    apps_production_prometheus_blackbox_exporter(&mut c, &apps_base_prometheus_blackbox_exporter);
    apps_production_prometheus_operator(&mut c, &apps_base_prometheus_operator);
    apps_production_reloader(&mut c, &apps_base_reloader);
    apps_production_vaultwarden(&mut c, &apps_base_vaultwarden);
    apps_staging_podinfo(&mut c, &apps_base_podinfo);
    temp(&mut c);
    c
}

/// `clusters/staging`: its `flux-system` folder (the sync file `flux bootstrap` left holds
/// no objects: the GitRepository is bootstrap's own) and its Kustomizations.
fn staging() -> Cluster {
    let mut c = Cluster::for_repository("");
    // Made by `flux bootstrap`, not by this repository.
    let fleet: Ref<GitRepository> =
        Ref::outside_repository(&NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    c.source_is_this_repository(&fleet);
    clusters_staging_flux_system(&mut c);
    let sops_age = c.bootstrap_secret(sops_age());
    namespaces_made_by_hand(&mut c, &["cert-manager", "longhorn", "oauth2-proxy"]);
    clusters_staging(&mut c, &fleet, &sops_age);
    c
}

/// `clusters/production`: its `flux-system` folder and its Kustomizations.
fn production() -> Cluster {
    let mut c = Cluster::for_repository("");
    let fleet = clusters_production_flux_system(&mut c);
    let sops_age = c.bootstrap_secret(sops_age());
    namespaces_made_by_hand(
        &mut c,
        &[
            "cert-manager",
            "cloudflared",
            "longhorn",
            "netbox",
            "oauth2-proxy",
            "prometheus-operator",
        ],
    );
    clusters_production(&mut c, &fleet, &sops_age);
    c
}

/// finding: `infra-secrets` applies SOPS Secrets into these namespaces, but only
/// Kustomizations that wait for it (`infra-controllers`, and `apps` after it) create them:
/// on a new cluster it fails until they exist, and they never do. The repository works
/// where they were made by hand; so does this program, which says so.
fn namespaces_made_by_hand(c: &mut Cluster, names: &[&str]) {
    for name in names {
        let name = Name::new(*name).expect("a namespace name");
        c.exists_before_flux(&Ref::<Namespace>::existing_cluster_scoped(name));
    }
}

/// The age key kustomize-controller decrypts the SOPS files with: `apply` creates it at
/// bootstrap (`--secret-file flux-system/sops-age/age.agekey=…`).
fn sops_age() -> BootstrapSecret {
    BootstrapSecret::sops_age(&NamespaceName::FLUX_SYSTEM, name!("sops-age"))
}

/// What `infrastructure/helm-repos` declares that other folders use.
struct InfrastructureHelmRepos {
    /// HelmRepository flux-system/bjw-s-charts.
    bjw_s_charts_charts: Ref<HelmRepository>,
    /// HelmRepository flux-system/descheduler.
    descheduler_charts: Ref<HelmRepository>,
    /// OCIRepository flux-system/netbox.
    netbox_chart: Ref<OCIRepository>,
    /// HelmRepository flux-system/prometheus-community.
    prometheus_community_charts: Ref<HelmRepository>,
}

/// What `infrastructure/controllers` declares that other folders use.
struct InfrastructureControllers {
    /// HelmRelease cloudnative-pg/cloudnative-pg.
    cloudnative_pg_release: Ref<HelmRelease>,
}

/// The files at the repository's root
fn repository_root(c: &mut Cluster) {
    // not a Kubernetes object: carried as written.
    c.verbatim_file(".pre-commit-config.yml", PRE_COMMIT_CONFIG_YML);
    // not a Kubernetes object: carried as written.
    c.verbatim_file(".sops.yaml", SOPS_YAML);
    // not a Kubernetes object: carried as written.
    c.verbatim_file(".yamllint.yaml", YAMLLINT_YAML);
}

/// `infrastructure/helm-repos/`
fn infrastructure_helm_repos(c: &mut Cluster) -> InfrastructureHelmRepos {
    let bjw_s_charts = c.file("infrastructure/helm-repos/bjw-s-charts.yaml");
    // Still at v1beta2, as the repository writes it.
    let bjw_s_charts_charts = c.add_at_version(
        &bjw_s_charts,
        HelmRepository::builder()
            .name(name!("bjw-s-charts"))
            .url("https://bjw-s-labs.github.io/helm-charts/")
            .interval(duration!("12h"))
            .build(),
        "v1beta2",
    );
    let descheduler_repo = c.file("infrastructure/helm-repos/descheduler-repo.yaml");
    let descheduler_charts = c.add(
        &descheduler_repo,
        HelmRepository::builder()
            .name(name!("descheduler"))
            .url("https://kubernetes-sigs.github.io/descheduler/")
            .interval(duration!("24h"))
            .build(),
    );
    let netbox_repo = c.file("infrastructure/helm-repos/netbox-repo.yaml");
    let netbox_chart = c.add(
        &netbox_repo,
        OCIRepository::builder()
            .name(name!("netbox"))
            .url("oci://ghcr.io/netbox-community/netbox-chart/netbox")
            .reference(OciRef::tag("7.0.2"))
            .layer_selector(LayerSelector::helm_chart())
            .interval(duration!("1h"))
            .build(),
    );
    let prometheus_community = c.file("infrastructure/helm-repos/prometheus-community.yaml");
    let prometheus_community_charts = c.add(
        &prometheus_community,
        HelmRepository::builder()
            .name(name!("prometheus-community"))
            .url("https://prometheus-community.github.io/helm-charts")
            .interval(duration!("24h"))
            .build(),
    );
    c.kustomize_config(
        "infrastructure/helm-repos",
        KustomizeConfig::builder()
            .resources(&[
                &bjw_s_charts,
                &descheduler_repo,
                &netbox_repo,
                &prometheus_community,
            ])
            .dot_slash()
            .build(),
    );
    InfrastructureHelmRepos {
        bjw_s_charts_charts,
        descheduler_charts,
        netbox_chart,
        prometheus_community_charts,
    }
}

/// `infrastructure/controllers/`
fn infrastructure_controllers(c: &mut Cluster) -> InfrastructureControllers {
    let cert_manager = c.file("infrastructure/controllers/cert-manager.yaml");
    c.add(
        &cert_manager,
        namespace_object("cert-manager", Some("sre-team")),
    );
    let cert_manager_charts = c.add(
        &cert_manager,
        HelmRepository::builder()
            .name(name!("cert-manager"))
            .namespace(namespace!("cert-manager"))
            .url("https://charts.jetstack.io")
            .interval(duration!("24h"))
            .build(),
    );
    let cert_manager_release = c.add(
        &cert_manager,
        HelmRelease::builder()
            .name(name!("cert-manager"))
            .namespace(namespace!("cert-manager"))
            .chart(
                Chart::from_source(&cert_manager_charts, "cert-manager")
                    .with_namespace()
                    .version("1.x")
                    .interval(duration!("12h")),
            )
            .interval(duration!("30m"))
            .values(json!({
                "installCRDs": true
            }))
            .build(),
    );
    let ingress_nginx = c.file("infrastructure/controllers/ingress-nginx.yaml");
    c.add(
        &ingress_nginx,
        namespace_object("ingress-nginx", Some("sre-team")),
    );
    let ingress_nginx_charts = c.add(
        &ingress_nginx,
        HelmRepository::builder()
            .name(name!("ingress-nginx"))
            .namespace(namespace!("ingress-nginx"))
            .url("https://kubernetes.github.io/ingress-nginx")
            .interval(duration!("24h"))
            .build(),
    );
    c.add(
        &ingress_nginx,
        HelmRelease::builder()
            .name(name!("ingress-nginx"))
            .namespace(namespace!("ingress-nginx"))
            .chart(
                Chart::from_source(&ingress_nginx_charts, "ingress-nginx")
                    .with_namespace()
                    .version("*")
                    .interval(duration!("12h")),
            )
            .interval(duration!("30m"))
            .values(json!({
                "controller": {
                    "service": {
                        "type": "LoadBalancer",
                        "loadBalancerIP": "192.168.1.240"
                    }
                },
                "admissionWebhooks": {
                    "enabled": false
                }
            }))
            .build(),
    );
    let cloudnative_pg = c.file("infrastructure/controllers/cloudnative-pg.yaml");
    c.add(
        &cloudnative_pg,
        namespace_object("cloudnative-pg", Some("sre-team")),
    );
    let cloudnative_pg_charts = c.add(
        &cloudnative_pg,
        HelmRepository::builder()
            .name(name!("cloudnative-pg"))
            .namespace(namespace!("cloudnative-pg"))
            .url("https://cloudnative-pg.github.io/charts")
            .interval(duration!("24h"))
            .build(),
    );
    let cloudnative_pg_release = c.add(
        &cloudnative_pg,
        HelmRelease::builder()
            .name(name!("cloudnative-pg"))
            .namespace(namespace!("cloudnative-pg"))
            .chart(
                Chart::from_source(&cloudnative_pg_charts, "cloudnative-pg")
                    .with_namespace()
                    .version("0.x")
                    .interval(duration!("12h")),
            )
            .interval(duration!("30m"))
            .depends_on(&[&cert_manager_release])
            .build(),
    );
    let longhorn = c.file("infrastructure/controllers/longhorn.yaml");
    c.add(&longhorn, namespace_object("longhorn", Some("sre-team")));
    let longhorn_charts = c.add(
        &longhorn,
        HelmRepository::builder()
            .name(name!("longhorn"))
            .namespace(namespace!("longhorn"))
            .url("https://charts.longhorn.io")
            .interval(duration!("24h"))
            .build(),
    );
    c.add(
        &longhorn,
        HelmRelease::builder()
            .name(name!("longhorn"))
            .namespace(namespace!("longhorn"))
            .chart(
                Chart::from_source(&longhorn_charts, "longhorn")
                    .with_namespace()
                    .version("1.x")
                    .interval(duration!("12h")),
            )
            .interval(duration!("30m"))
            .depends_on(&[&cert_manager_release])
            .values(json!({
                "ingress": {
                    "enabled": true,
                    "ingressClassName": "nginx",
                    "host": "longhorn.${app_k8s_domain_name}",
                    "tls": true,
                    "tlsSecret": "longhorn-${default_k8s_cert_name}",
                    "annotations": {
                        "cert-manager.io/cluster-issuer": "letsencrypt-production",
                        "kubernetes.io/tls-acme": "true",
                        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                        "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                    }
                },
                "defaultBackupStore": {
                    "backupTarget": "s3://cloufish-k8s-at-home@eu-north-1/",
                    "backupTargetCredentialSecret": "aws-s3-secret-longhorn"
                }
            }))
            .build(),
    );
    let oauth2_proxy = c.file("infrastructure/controllers/oauth2-proxy.yaml");
    c.add(
        &oauth2_proxy,
        namespace_object("oauth2-proxy", Some("sre-team")),
    );
    let oauth2_proxy_charts = c.add(
        &oauth2_proxy,
        HelmRepository::builder()
            .name(name!("oauth2-proxy"))
            .namespace(namespace!("oauth2-proxy"))
            .url("https://oauth2-proxy.github.io/manifests")
            .interval(duration!("24h"))
            .build(),
    );
    c.add(
        &oauth2_proxy,
        HelmRelease::builder()
            .name(name!("oauth2-proxy"))
            .namespace(namespace!("oauth2-proxy"))
            .chart(Chart::from_source(&oauth2_proxy_charts, "oauth2-proxy")
                .with_namespace()
                .version("7.14.1")
                .interval(duration!("10m")))
            .interval(duration!("5m"))
            .depends_on(&[&cert_manager_release])
            .max_history(3)
            .install(Install {
                crds: Some(Crds::CreateReplace),
                strategy: Some(Strategy::RemediateOnFailure { retries: -1 }),
                replace: true,
                timeout: Some(duration!("10m")),
                ..Install::default()
            })
            .upgrade(Upgrade {
                cleanup_on_fail: true,
                crds: Some(Crds::CreateReplace),
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                remediation: Remediation {
                    remediate_last_failure: Some(true),
                    ..Remediation::default()
                },
                remediation_strategy: Some(RemediationStrategy::Rollback),
                ..Upgrade::default()
            })
            .rollback(Rollback {
                recreate: true,
                force: true,
                cleanup_on_fail: true,
                ..Rollback::default()
            })
            .uninstall(Uninstall {
                keep_history: Some(false),
                ..Uninstall::default()
            })
            .test(HelmTest {
                enable: true,
                ..HelmTest::default()
            })
            .drift_detection(DriftDetection {
                ignore: Vec::new(),
                mode: DriftMode::Enabled,
            })
            .values(json!({
                "image": {
                    "repository": "quay.io/oauth2-proxy/oauth2-proxy"
                },
                "livenessProbe": {
                    "enabled": false
                },
                "readinessProbe": {
                    "enabled": false
                },
                "metrics": {
                    "servicemonitor": {
                        "enabled": true
                    }
                },
                "config": {
                    "existingSecret": "oauth2-proxy-secret",
                    "configFile": "provider = \"google\"\noidc_issuer_url = \"https://accounts.google.com\"\nlogin_url = \"https://accounts.google.com/o/oauth2/v2/auth?access_type=offline\"\nredeem_url = \"https://oauth2.googleapis.com/token\"\nauth_logging = true\ncookie_domains = \".cloufish.xyz\"\ncookie_httponly = true\ncookie_name = \"cloufish_oauth\"\ncookie_refresh = \"1h\"\ncookie_samesite = \"lax\"\ncookie_secure = true\npass_access_token = true\nrequest_logging = true\nsession_store_type = \"cookie\"\nset_authorization_header = true\nset_xauthrequest = true\nskip_jwt_bearer_tokens = true\nskip_provider_button = true\nssl_insecure_skip_verify = false\nstandard_logging = true\nupstreams = [ \"static://200\" ]\nwhitelist_domains = [ '.cloufish.xyz', '*.cloufish.xyz'  ]\n"
                },
                "authenticatedEmailsFile": {
                    "enabled": true,
                    "restricted_access": "cloufisz@gmail.com\n"
                },
                "ingress": {
                    "enabled": true,
                    "annotations": {
                        "cert-manager.io/cluster-issuer": "letsencrypt-production"
                    },
                    "className": "nginx",
                    "path": "/",
                    "hosts": ["oauth2-proxy.${app_k8s_domain_name}", "oauth2-proxy.cloufish.xyz"],
                    "tls": [
                        {
                            "secretName": "oauth2-proxy-${default_k8s_cert_name}",
                            "hosts": ["oauth2-proxy.${app_k8s_domain_name}"]
                        },
                        {
                            "secretName": "oauth2-proxy-${default_k8s_cert_name}",
                            "hosts": ["oauth2-proxy.cloufish.xyz"]
                        }
                    ]
                }
            }))
            .build(),
    );
    // finding: the kustomization of `infrastructure/controllers` does not list this file (its entry is
    // commented out): Flux never applies it. Kept as the repository holds it.
    c.unapplied_file(
        "infrastructure/controllers/authelia.yaml",
        INFRASTRUCTURE_CONTROLLERS_AUTHELIA_YAML,
    );
    c.kustomize_config(
        "infrastructure/controllers",
        KustomizeConfig::builder()
            .resources(&[
                &cert_manager,
                &ingress_nginx,
                &cloudnative_pg,
                &longhorn,
                &oauth2_proxy,
            ])
            .build(),
    );
    InfrastructureControllers {
        cloudnative_pg_release,
    }
}

/// `infrastructure/secrets/`
fn infrastructure_secrets(c: &mut Cluster) {
    // SOPS-encrypted: carried as Git holds it.
    let cloudflare_secret = c.verbatim_file(
        "infrastructure/secrets/cloudflare-secret.yaml",
        INFRASTRUCTURE_SECRETS_CLOUDFLARE_SECRET_YAML,
    );
    // SOPS-encrypted: carried as Git holds it.
    let grafana_secret = c.verbatim_file(
        "infrastructure/secrets/grafana-secret.yaml",
        INFRASTRUCTURE_SECRETS_GRAFANA_SECRET_YAML,
    );
    // SOPS-encrypted: carried as Git holds it.
    let aws_s3_secret_longhorn = c.verbatim_file(
        "infrastructure/secrets/aws-s3-secret-longhorn.yaml",
        INFRASTRUCTURE_SECRETS_AWS_S3_SECRET_LONGHORN_YAML,
    );
    // SOPS-encrypted: carried as Git holds it.
    let aws_s3_secret_netbox = c.verbatim_file(
        "infrastructure/secrets/aws-s3-secret-netbox.yaml",
        INFRASTRUCTURE_SECRETS_AWS_S3_SECRET_NETBOX_YAML,
    );
    // SOPS-encrypted: carried as Git holds it.
    let oauth2_proxy_secret = c.verbatim_file(
        "infrastructure/secrets/oauth2-proxy-secret.yaml",
        INFRASTRUCTURE_SECRETS_OAUTH2_PROXY_SECRET_YAML,
    );
    // SOPS-encrypted: carried as Git holds it.
    let cloudflared_tunnel_secret = c.verbatim_file(
        "infrastructure/secrets/cloudflared-tunnel-secret.yaml",
        INFRASTRUCTURE_SECRETS_CLOUDFLARED_TUNNEL_SECRET_YAML,
    );
    // SOPS-encrypted: carried as Git holds it.
    let longhorn_secret = c.verbatim_file(
        "infrastructure/secrets/longhorn-secret.yaml",
        INFRASTRUCTURE_SECRETS_LONGHORN_SECRET_YAML,
    );
    c.kustomize_config(
        "infrastructure/secrets",
        KustomizeConfig::builder()
            .resources(&[
                &cloudflare_secret,
                &grafana_secret,
                &aws_s3_secret_longhorn,
                &aws_s3_secret_netbox,
                &oauth2_proxy_secret,
                &cloudflared_tunnel_secret,
                &longhorn_secret,
            ])
            .dot_slash()
            .build(),
    );
}

/// `infrastructure/configs/`
fn infrastructure_configs(c: &mut Cluster) {
    let cluster_issuers = c.file("infrastructure/configs/cluster-issuers.yaml");
    c.add(
        &cluster_issuers,
        placed(
            ClusterIssuer::new(
                "letsencrypt-production",
                ClusterIssuerSpec {
                    fields: fields(json!({
                        "acme": {
                            "email": "cloufisz@gmail.com",
                            "server": "https://acme-staging-v02.api.letsencrypt.org/directory",
                            "privateKeySecretRef": {
                                "name": "letsencrypt-production-account-key"
                            },
                            "solvers": [
                                {
                                    "dns01": {
                                        "cloudflare": {
                                            "apiTokenSecretRef": {
                                                "name": "cloudflare-api-token-secret",
                                                "key": "api-token"
                                            }
                                        }
                                    },
                                    "selector": {
                                        "dnsZones": ["${app_k8s_domain_name}"]
                                    }
                                }
                            ]
                        }
                    })),
                },
            ),
            None,
        ),
    );
    let longhorn_encrypted_storageclass =
        c.file("infrastructure/configs/longhorn-encrypted-storageclass.yaml");
    c.add(
        &longhorn_encrypted_storageclass,
        typed::<StorageClass>(json!({
            "kind": "StorageClass",
            "apiVersion": "storage.k8s.io/v1",
            "metadata": {
                "name": "longhorn-crypto-global"
            },
            "provisioner": "driver.longhorn.io",
            "allowVolumeExpansion": true,
            "parameters": {
                "numberOfReplicas": "3",
                "staleReplicaTimeout": "2880",
                "fromBackup": "",
                "encrypted": "true",
                "csi.storage.k8s.io/provisioner-secret-name": "longhorn-crypto",
                "csi.storage.k8s.io/provisioner-secret-namespace": "longhorn",
                "csi.storage.k8s.io/node-publish-secret-name": "longhorn-crypto",
                "csi.storage.k8s.io/node-publish-secret-namespace": "longhorn",
                "csi.storage.k8s.io/node-stage-secret-name": "longhorn-crypto",
                "csi.storage.k8s.io/node-stage-secret-namespace": "longhorn"
            }
        })),
    );
    let longhorn_recurring_jobs = c.file("infrastructure/configs/longhorn-recurring-jobs.yaml");
    c.add(
        &longhorn_recurring_jobs,
        placed(
            RecurringJob::new(
                "snapshot-default",
                RecurringJobSpec {
                    fields: fields(json!({
                        "cron": "0 9 * * ?",
                        "task": "snapshot",
                        "groups": ["default"],
                        "retain": 7,
                        "concurrency": 1
                    })),
                },
            ),
            Some("longhorn"),
        ),
    );
    c.add(
        &longhorn_recurring_jobs,
        placed(
            RecurringJob::new(
                "backup-default",
                RecurringJobSpec {
                    fields: fields(json!({
                        "cron": "0 0 1/5 * ?",
                        "task": "backup",
                        "groups": ["default"],
                        "retain": 2,
                        "concurrency": 1
                    })),
                },
            ),
            Some("longhorn"),
        ),
    );
    c.kustomize_config(
        "infrastructure/configs",
        KustomizeConfig::builder()
            .resource_list(&[
                Resource::path("./cluster-issuers.yaml"),
                Resource::file(&longhorn_encrypted_storageclass),
                Resource::file(&longhorn_recurring_jobs),
            ])
            .build(),
    );
}

/// `infrastructure/certificates/`
fn infrastructure_certificates(c: &mut Cluster) {
    let longhorn_certificate = c.file("infrastructure/certificates/longhorn-certificate.yaml");
    c.add(
        &longhorn_certificate,
        placed(
            Certificate::new(
                "longhorn-${default_k8s_cert_name}",
                CertificateSpec {
                    fields: fields(json!({
                        "secretName": "longhorn-${default_k8s_cert_name}",
                        "issuerRef": {
                            "name": "letsencrypt-production",
                            "kind": "ClusterIssuer"
                        },
                        "dnsNames": ["longhorn.${app_k8s_domain_name}"]
                    })),
                },
            ),
            Some("longhorn"),
        ),
    );
    let oauth2_proxy_certificate =
        c.file("infrastructure/certificates/oauth2-proxy-certificate.yaml");
    c.add(
        &oauth2_proxy_certificate,
        placed(
            Certificate::new(
                "oauth2-proxy-${default_k8s_cert_name}",
                CertificateSpec {
                    fields: fields(json!({
                        "secretName": "oauth2-proxy-${default_k8s_cert_name}",
                        "issuerRef": {
                            "name": "letsencrypt-production",
                            "kind": "ClusterIssuer"
                        },
                        "dnsNames": ["oauth2-proxy.${app_k8s_domain_name}"]
                    })),
                },
            ),
            Some("oauth2-proxy"),
        ),
    );
    c.kustomize_config(
        "infrastructure/certificates",
        KustomizeConfig::builder()
            .resources(&[&longhorn_certificate, &oauth2_proxy_certificate])
            .dot_slash()
            .build(),
    );
}

/// `apps/base/chatgpt-next/`
fn apps_base_chatgpt_next(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/chatgpt-next/release.yaml");
    c.add(&release, namespace_object("${chatgpt_next_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("chatgpt-next"))
            .namespace(templated_namespace("${chatgpt_next_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "controllers": {
                    "${chatgpt_next_app_name}": {
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "yidadaa/chatgpt-next-web",
                                    "tag": "v2.16.1"
                                },
                                "env": {
                                    "TZ": "Europe/Warsaw",
                                    "UID": 1000,
                                    "GID": 1000
                                },
                                "envFrom": [
                                    {
                                        "secretRef": {
                                            "name": "chatgpt-next-secret"
                                        }
                                    }
                                ],
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 3000
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        },
                        "pod": {
                            "securityContext": {
                                "runAsUser": 1000,
                                "runAsGroup": 1000,
                                "fsGroup": 1000,
                                "fsGroupChangePolicy": "OnRootMismatch"
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${chatgpt_next_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 3000,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                }
            }))
            .build(),
    );
    // SOPS-encrypted: carried as Git holds it.
    let chatgpt_next_secret = c.verbatim_file(
        "apps/base/chatgpt-next/chatgpt-next-secret.yaml",
        APPS_BASE_CHATGPT_NEXT_CHATGPT_NEXT_SECRET_YAML,
    );
    c.kustomize_folder(
        "apps/base/chatgpt-next",
        KustomizeConfig::builder()
            .resources(&[&release, &chatgpt_next_secret])
            .dot_slash()
            .namespace(templated_namespace("${chatgpt_next_app_name}"))
            .build(),
    )
}

/// `apps/base/cloudflared/`
fn apps_base_cloudflared(c: &mut Cluster) -> Folder {
    let release = c.file("apps/base/cloudflared/release.yaml");
    c.add(&release, namespace_object("cloudflared", Some("sre-team")));
    c.add(
        &release,
        typed::<Deployment>(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "cloudflared-deployment",
                "namespace": "cloudflared"
            },
            "spec": {
                "replicas": 2,
                "selector": {
                    "matchLabels": {
                        "pod": "cloudflared"
                    }
                },
                "template": {
                    "metadata": {
                        "labels": {
                            "pod": "cloudflared"
                        }
                    },
                    "spec": {
                        "securityContext": {
                            "sysctls": [
                                {
                                    "name": "net.ipv4.ping_group_range",
                                    "value": "65532 65532"
                                }
                            ]
                        },
                        "containers": [
                            {
                                "image": "cloudflare/cloudflared:2025.11.1",
                                "name": "cloudflared",
                                "env": [
                                    {
                                        "name": "TUNNEL_TOKEN",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "cloudflared-secret",
                                                "key": "TUNNEL_ID"
                                            }
                                        }
                                    }
                                ],
                                "command": [
                                    "cloudflared",
                                    "tunnel",
                                    "--no-autoupdate",
                                    "--loglevel",
                                    "debug",
                                    "--metrics",
                                    "0.0.0.0:2000",
                                    "run"
                                ],
                                "livenessProbe": {
                                    "httpGet": {
                                        "path": "/ready",
                                        "port": 2000
                                    },
                                    "failureThreshold": 1,
                                    "initialDelaySeconds": 10,
                                    "periodSeconds": 10
                                }
                            }
                        ]
                    }
                }
            }
        })),
    );
    c.kustomize_folder(
        "apps/base/cloudflared",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(namespace!("cloudflared"))
            .build(),
    )
}

/// `apps/base/code-server/`
fn apps_base_code_server(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/code-server/release.yaml");
    c.add(&release, namespace_object("${code_server_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("code-server"))
            .namespace(templated_namespace("${code_server_app_name}"))
            .chart(Chart::from_source(&infrastructure_helm_repos.bjw_s_charts_charts, "app-template"))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "defaultPodOptions": {
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": 1000,
                        "runAsGroup": 1000,
                        "fsGroup": 1000,
                        "fsGroupChangePolicy": "OnRootMismatch",
                        "seccompProfile": {
                            "type": "RuntimeDefault"
                        }
                    }
                },
                "controllers": {
                    "${code_server_app_name}": {
                        "replicas": 1,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "ghcr.io/coder/code-server",
                                    "tag": "4.101.2@sha256:5f654c1137f8d87c8cf44253318bf94b85f6f9129e426a9956da46eb602dcc5a"
                                },
                                "env": {
                                    "TZ": "Europe/Warsaw"
                                },
                                "envFrom": [
                                    {
                                        "secretRef": {
                                            "name": "code-server-secret"
                                        }
                                    }
                                ],
                                "args": [
                                    "--auth",
                                    "none",
                                    "--user-data-dir",
                                    "/home/coder/.code-server",
                                    "--extensions-dir",
                                    "/home/coder/.code-server",
                                    "--port",
                                    "8080",
                                    "/home/coder/"
                                ],
                                "securityContext": {
                                    "allowPrivilegeEscalation": false,
                                    "readOnlyRootFilesystem": false,
                                    "capabilities": {
                                        "drop": ["ALL"]
                                    }
                                },
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 8080
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${code_server_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 8080,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/auth-url": "https://oauth2-proxy.cloufish.xyz/oauth2/auth",
                            "nginx.ingress.kubernetes.io/auth-signin": "https://oauth2-proxy.cloufish.xyz/oauth2/start?rd=https://$host$request_uri",
                            "nginx.ingress.kubernetes.io/auth-response-headers": "Authorization"
                        }
                    }
                },
                "persistence": {
                    "config": {
                        "enabled": true,
                        "type": "persistentVolumeClaim",
                        "storageClass": "longhorn",
                        "accessMode": "ReadWriteOnce",
                        "size": "10Gi",
                        "globalMounts": [
                            {
                                "path": "/home/coder/"
                            }
                        ]
                    }
                }
            }))
            .build(),
    );
    // SOPS-encrypted: carried as Git holds it.
    let code_server_secret = c.verbatim_file(
        "apps/base/code-server/code-server-secret.yaml",
        APPS_BASE_CODE_SERVER_CODE_SERVER_SECRET_YAML,
    );
    c.kustomize_folder(
        "apps/base/code-server",
        KustomizeConfig::builder()
            .resources(&[&release, &code_server_secret])
            .dot_slash()
            .namespace(templated_namespace("${code_server_app_name}"))
            .build(),
    )
}

/// `apps/base/commafeed/`
fn apps_base_commafeed(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/commafeed/release.yaml");
    c.add(&release, namespace_object("${commafeed_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("commafeed"))
            .namespace(templated_namespace("${commafeed_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "controllers": {
                    "${commafeed_app_name}": {
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "athou/commafeed",
                                    "tag": "master-postgresql-jvm"
                                },
                                "env": [
                                    {
                                        "name": "TZ",
                                        "value": "Europe/Warsaw"
                                    },
                                    {
                                        "name": "UID",
                                        "value": 1000
                                    },
                                    {
                                        "name": "GID",
                                        "value": "1000"
                                    },
                                    {
                                        "name": "QUARKUS_DATASOURCE_JDBC_URL",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "commafeed-postresql-cluster-app",
                                                "key": "jdbc-uri"
                                            }
                                        }
                                    },
                                    {
                                        "name": "QUARKUS_DATASOURCE_USERNAME",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "commafeed-postresql-cluster-app",
                                                "key": "username"
                                            }
                                        }
                                    },
                                    {
                                        "name": "QUARKUS_DATASOURCE_PASSWORD",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "commafeed-postresql-cluster-app",
                                                "key": "password"
                                            }
                                        }
                                    }
                                ],
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 8082
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        },
                        "pod": {
                            "securityContext": {
                                "runAsUser": 1000,
                                "runAsGroup": 1000,
                                "fsGroup": 1000,
                                "fsGroupChangePolicy": "OnRootMismatch"
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${commafeed_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 8082,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                }
            }))
            .build(),
    );
    let commafeed_postresql_cluster =
        c.file("apps/base/commafeed/commafeed-postresql-cluster.yaml");
    c.add(
        &commafeed_postresql_cluster,
        placed(
            PostgresCluster::new(
                "commafeed-postresql-cluster",
                PostgresClusterSpec {
                    fields: fields(json!({
                        "instances": 2,
                        "storage": {
                            "size": "3Gi"
                        }
                    })),
                },
            ),
            Some("commafeed"),
        ),
    );
    c.kustomize_folder(
        "apps/base/commafeed",
        KustomizeConfig::builder()
            .resource_list(&[
                Resource::path("./release.yaml"),
                Resource::file(&commafeed_postresql_cluster),
            ])
            .namespace(templated_namespace("${commafeed_app_name}"))
            .build(),
    )
}

/// `apps/base/composerize/`
fn apps_base_composerize(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/composerize/release.yaml");
    c.add(&release, namespace_object("${composerize_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("composerize"))
            .namespace(templated_namespace("${composerize_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "defaultPodOptions": {
                    "securityContext": {
                        "runAsUser": 5050,
                        "runAsGroup": 5050,
                        "fsGroup": 5050,
                        "fsGroupChangePolicy": "OnRootMismatch"
                    }
                },
                "controllers": {
                    "${composerize_app_name}": {
                        "replicas": 2,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "icedream/composerize",
                                    "tag": "latest"
                                },
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 8080
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${composerize_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 8080,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/composerize",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${composerize_app_name}"))
            .build(),
    )
}

/// `apps/base/cyberchef/`
fn apps_base_cyberchef(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/cyberchef/release.yaml");
    c.add(&release, namespace_object("${cyberchef_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("cyberchef"))
            .namespace(templated_namespace("${cyberchef_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "controllers": {
                    "${cyberchef_app_name}": {
                        "replicas": 1,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "docker.io/mpepping/cyberchef",
                                    "tag": "v10.19.4"
                                },
                                "env": {
                                    "TZ": "Europe/Warsaw"
                                },
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 8000
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "25m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${cyberchef_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 8000,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                },
                "persistence": {
                    "config": {
                        "enabled": true,
                        "type": "persistentVolumeClaim",
                        "storageClass": "longhorn",
                        "accessMode": "ReadWriteOnce",
                        "size": "3Gi",
                        "globalMounts": [
                            {
                                "path": "/app"
                            }
                        ]
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/cyberchef",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${cyberchef_app_name}"))
            .build(),
    )
}

/// `apps/base/descheduler/`
fn apps_base_descheduler(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/descheduler/release.yaml");
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("descheduler"))
            .namespace(namespace!("kube-system"))
            .chart(Chart::from_source(&infrastructure_helm_repos.descheduler_charts, "descheduler")
                .version("0.33.0"))
            .interval(duration!("30m"))
            .max_history(2)
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .upgrade(Upgrade {
                cleanup_on_fail: true,
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Upgrade::default()
            })
            .uninstall(Uninstall {
                keep_history: Some(false),
                ..Uninstall::default()
            })
            .values(json!({
                "replicas": 2,
                "kind": "Deployment",
                "deschedulerPolicyAPIVersion": "descheduler/v1alpha2",
                "deschedulerPolicy": {
                    "profiles": [
                        {
                            "name": "Default",
                            "pluginConfig": [
                                {
                                    "name": "DefaultEvictor",
                                    "args": {
                                        "evictFailedBarePods": true,
                                        "evictLocalStoragePods": true,
                                        "evictSystemCriticalPods": true,
                                        "nodeFit": true
                                    }
                                },
                                {
                                    "name": "RemovePodsViolatingInterPodAntiAffinity"
                                },
                                {
                                    "name": "RemovePodsViolatingNodeAffinity",
                                    "args": {
                                        "nodeAffinityType": ["requiredDuringSchedulingIgnoredDuringExecution"]
                                    }
                                },
                                {
                                    "name": "RemovePodsViolatingNodeTaints"
                                },
                                {
                                    "name": "RemovePodsViolatingTopologySpreadConstraint",
                                    "args": {
                                        "constraints": ["DoNotSchedule", "ScheduleAnyway"]
                                    }
                                }
                            ],
                            "plugins": {
                                "balance": {
                                    "enabled": ["RemovePodsViolatingTopologySpreadConstraint"]
                                },
                                "deschedule": {
                                    "enabled": [
                                        "RemovePodsViolatingInterPodAntiAffinity",
                                        "RemovePodsViolatingNodeAffinity",
                                        "RemovePodsViolatingNodeTaints"
                                    ]
                                }
                            }
                        }
                    ]
                },
                "service": {
                    "enabled": true
                },
                "serviceMonitor": {
                    "enabled": true
                },
                "leaderElection": {
                    "enabled": true
                },
                "resources": {
                    "requests": {
                        "cpu": "10m",
                        "memory": "64M"
                    },
                    "limits": {
                        "memory": "318M"
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/descheduler",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(NamespaceName::FLUX_SYSTEM)
            .build(),
    )
}

/// `apps/base/dsomm/`
fn apps_base_dsomm(c: &mut Cluster, infrastructure_helm_repos: &InfrastructureHelmRepos) -> Folder {
    let release = c.file("apps/base/dsomm/release.yaml");
    c.add(&release, namespace_object("${dsomm_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("dsomm"))
            .namespace(templated_namespace("${dsomm_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "controllers": {
                    "${dsomm_app_name}": {
                        "replicas": 1,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "wurstbrot/dsomm",
                                    "tag": "3.11.0"
                                },
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 8080
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${dsomm_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 8080,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                },
                "persistence": {
                    "config": {
                        "enabled": true,
                        "type": "persistentVolumeClaim",
                        "storageClass": "longhorn",
                        "accessMode": "ReadWriteOnce",
                        "size": "3Gi",
                        "globalMounts": [
                            {
                                "path": "/app"
                            }
                        ]
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/dsomm",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${dsomm_app_name}"))
            .build(),
    )
}

/// `apps/base/languagetool/`
fn apps_base_languagetool(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/languagetool/release.yaml");
    c.add(&release, namespace_object("${languagetool_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("languagetool"))
            .namespace(templated_namespace("${languagetool_app_name}"))
            .chart(Chart::from_source(&infrastructure_helm_repos.bjw_s_charts_charts, "app-template"))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "defaultPodOptions": {
                    "securityContext": {
                        "runAsUser": 1000,
                        "runAsGroup": 1000,
                        "fsGroup": 1000,
                        "fsGroupChangePolicy": "OnRootMismatch"
                    }
                },
                "controllers": {
                    "${languagetool_app_name}": {
                        "replicas": 2,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "docker.io/erikvl87/languagetool",
                                    "tag": "latest@sha256:9c8763802e69a77f88fbdee0a796247fc9e4845ef8db4b0656dd18f6fd94d45c"
                                },
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 8010
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${languagetool_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 8010,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/languagetool",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${languagetool_app_name}"))
            .build(),
    )
}

/// `apps/base/lidify/`
fn apps_base_lidify(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/lidify/release.yaml");
    c.add(&release, namespace_object("${lidify_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("lidify"))
            .namespace(templated_namespace("${lidify_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "controllers": {
                    "${lidify_app_name}": {
                        "replicas": 1,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "thewicklowwolf/lidify",
                                    "tag": "0.2.3"
                                },
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 5000
                                    }
                                ],
                                "env": [
                                    {
                                        "name": "mode",
                                        "value": "LastFM"
                                    }
                                ],
                                "envFrom": [
                                    {
                                        "secretRef": {
                                            "name": "lidify-secret"
                                        }
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${lidify_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 5000,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                },
                "persistence": {
                    "config": {
                        "enabled": true,
                        "type": "persistentVolumeClaim",
                        "storageClass": "longhorn-crypto-global",
                        "accessMode": "ReadWriteOnce",
                        "size": "2Gi",
                        "globalMounts": [
                            {
                                "path": "/config"
                            }
                        ]
                    }
                }
            }))
            .build(),
    );
    // SOPS-encrypted: carried as Git holds it.
    let lidify_secret = c.verbatim_file(
        "apps/base/lidify/lidify-secret.yaml",
        APPS_BASE_LIDIFY_LIDIFY_SECRET_YAML,
    );
    c.kustomize_folder(
        "apps/base/lidify",
        KustomizeConfig::builder()
            .resource_list(&[
                Resource::path("./release.yaml"),
                Resource::file(&lidify_secret),
            ])
            .namespace(templated_namespace("${lidify_app_name}"))
            .build(),
    )
}

/// `apps/base/n8n/`
fn apps_base_n8n(c: &mut Cluster, infrastructure_helm_repos: &InfrastructureHelmRepos) -> Folder {
    let release = c.file("apps/base/n8n/release.yaml");
    c.add(&release, namespace_object("${n8n_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("n8n"))
            .namespace(templated_namespace("${n8n_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "controllers": {
                    "${n8n_app_name}": {
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "ghcr.io/n8n-io/n8n",
                                    "tag": "1.107.0"
                                },
                                "env": [
                                    {
                                        "name": "GENERIC_TIMEZONE",
                                        "value": "Europe/Warsaw"
                                    },
                                    {
                                        "name": "DB_SQLITE_VACUUM_ON_STARTUP",
                                        "value": true
                                    },
                                    {
                                        "name": "EXECUTIONS_DATA_PRUNE",
                                        "value": true
                                    },
                                    {
                                        "name": "EXECUTIONS_DATA_MAX_AGE",
                                        "value": 7
                                    },
                                    {
                                        "name": "EXECUTIONS_DATA_PRUNE_MAX_COUNT",
                                        "value": 50000
                                    },
                                    {
                                        "name": "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS",
                                        "value": false
                                    },
                                    {
                                        "name": "N8N_PROTOCOL",
                                        "value": "https"
                                    },
                                    {
                                        "name": "N8N_PORT",
                                        "value": 8080
                                    },
                                    {
                                        "name": "N8N_HOST",
                                        "value": "${n8n_app_name}.${app_k8s_domain_name}"
                                    },
                                    {
                                        "name": "N8N_LOG_LEVEL",
                                        "value": "info"
                                    },
                                    {
                                        "name": "N8N_LOG_OUTPUT",
                                        "value": "console"
                                    },
                                    {
                                        "name": "N8N_HOST",
                                        "value": "${n8n_app_name}.${app_k8s_domain_name}"
                                    },
                                    {
                                        "name": "DB_POSTGRESDB_DATABASE",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "n8n-postresql-cluster-app",
                                                "key": "dbname"
                                            }
                                        }
                                    },
                                    {
                                        "name": "DB_POSTGRESDB_HOST",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "n8n-postresql-cluster-app",
                                                "key": "host"
                                            }
                                        }
                                    },
                                    {
                                        "name": "DB_POSTGRESDB_PORT",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "n8n-postresql-cluster-app",
                                                "key": "port"
                                            }
                                        }
                                    },
                                    {
                                        "name": "DB_POSTGRESDB_USER",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "n8n-postresql-cluster-app",
                                                "key": "user"
                                            }
                                        }
                                    },
                                    {
                                        "name": "DB_POSTGRESDB_SCHEMA",
                                        "value": "schema"
                                    },
                                    {
                                        "name": "DB_POSTGRESDB_PASSWORD",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "n8n-postresql-cluster-app",
                                                "key": "password"
                                            }
                                        }
                                    }
                                ],
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 8080
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        },
                        "pod": {
                            "securityContext": {
                                "runAsUser": 1000,
                                "runAsGroup": 1000,
                                "fsGroup": 1000,
                                "fsGroupChangePolicy": "OnRootMismatch"
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${n8n_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 8080,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                },
                "persistence": {
                    "config": {
                        "enabled": true,
                        "type": "persistentVolumeClaim",
                        "storageClass": "longhorn",
                        "accessMode": "ReadWriteOnce",
                        "size": "3Gi",
                        "globalMounts": [
                            {
                                "path": "home/node/.n8n"
                            }
                        ]
                    }
                },
                "route": {
                    "app": {
                        "hostnames": ["${n8n_app_name}.${app_k8s_domain_name}"],
                        "parentRefs": [
                            {
                                "name": "internal",
                                "namespace": "kube-system",
                                "sectionName": "https"
                            }
                        ]
                    },
                    "webhooks": {
                        "hostnames": ["n8n-webhook.${app_k8s_domain_name}"],
                        "parentRefs": [
                            {
                                "name": "external",
                                "namespace": "kube-system",
                                "sectionName": "https"
                            }
                        ],
                        "rules": [
                            {
                                "matches": [
                                    {
                                        "path": {
                                            "value": "/webhook"
                                        }
                                    }
                                ],
                                "backendRefs": [
                                    {}
                                ]
                            }
                        ]
                    }
                }
            }))
            .build(),
    );
    let n8n_postresql_cluster = c.file("apps/base/n8n/n8n-postresql-cluster.yaml");
    c.add(
        &n8n_postresql_cluster,
        placed(
            PostgresCluster::new(
                "n8n-postresql-cluster",
                PostgresClusterSpec {
                    fields: fields(json!({
                        "instances": 2,
                        "storage": {
                            "size": "2Gi"
                        }
                    })),
                },
            ),
            Some("n8n"),
        ),
    );
    c.kustomize_folder(
        "apps/base/n8n",
        KustomizeConfig::builder()
            .resource_list(&[
                Resource::path("./release.yaml"),
                Resource::file(&n8n_postresql_cluster),
            ])
            .namespace(templated_namespace("${n8n_app_name}"))
            .build(),
    )
}

/// `apps/base/netbox/`
fn apps_base_netbox(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/netbox/release.yaml");
    c.add(&release, namespace_object("${netbox_app_name}", None));
    // In the release's namespace, wherever the build puts it (a SOPS file of
    // infrastructure/secrets).
    let aws_s3_secret_netbox_secret: Ref<Secret> = Ref::local(name!("aws-s3-secret-netbox"));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("netbox"))
            .namespace(namespace!("netbox"))
            .chart(Chart::from_ref(&infrastructure_helm_repos.netbox_chart))
            .interval(duration!("1h"))
            .values_from(&[
                ValuesFrom::secret(&aws_s3_secret_netbox_secret)
                    .key("AWS_ACCESS_KEY_ID")
                    .target_path("storages.default.OPTIONS.access_key"),
                ValuesFrom::secret(&aws_s3_secret_netbox_secret)
                    .key("AWS_SECRET_ACCESS_KEY")
                    .target_path("storages.default.OPTIONS.secret_key"),
            ])
            .values(json!({
                "commonAnnotations": {
                    "reloader.stakater.com/auto": "true"
                },
                "image": {
                    "registry": "ghcr.io",
                    "repository": "netboxcommunity/netbox",
                    "tag": "v4.4.0"
                },
                "superuser": {
                    "name": "cloufish",
                    "email": "cloufisz@gmail.com"
                },
                "admins": [
                    ["cloufish", "cloufisz@gmail.com"]
                ],
                "loginRequired": true,
                "timeZone": "Europe/Warsaw",
                "dateFormat": "j. F, Y",
                "shortDateFormat": "j.m.Y",
                "timeFormat": "G:i",
                "shortTimeFormat": "H:i:s",
                "dateTimeFormat": "j. F, Y g:i a",
                "shortDateTimeFormat": "j.m.Y H:i",
                "storages": {
                    "default": {
                        "BACKEND": "storages.backends.s3.S3Storage",
                        "OPTIONS": {
                            "bucket_name": "cloufish-k8s-at-home",
                            "endpoint_url": "https://rgw.franta.us",
                            "region_name": "eu-north-1"
                        }
                    }
                },
                "existingSecret": "aws-s3-secret-netbox",
                "replicaCount": 1,
                "resourcesPreset": "large",
                "metrics": {
                    "enabled": true,
                    "serviceMonitor": {
                        "enabled": true,
                        "interval": "1m"
                    }
                },
                "postgresql": {
                    "enabled": false
                },
                "valkey": {
                    "enabled": false
                },
                "tasksDatabase": {
                    "host": "netbox.k8s.cloufish.xyz",
                    "database": 0
                },
                "cachingDatabase": {
                    "host": "netbox.k8s.cloufish.xyz",
                    "database": 1
                },
                "externalDatabase": {
                    "host": "netbox-pgbouncer.default.svc.cluster.local",
                    "port": 5432,
                    "database": "netbox",
                    "username": "netbox",
                    "existingSecretName": "netbox-pguser-netbox",
                    "existingSecretKey": "password",
                    "targetSessionAttrs": "any",
                    "disableServerSideCursors": true,
                    "connMaxAge": 300
                },
                "email": {
                    "server": "smtp-relay.default.svc.cluster.local",
                    "port": 25,
                    "from": "netbox@franta.dev"
                },
                "persistence": {
                    "enabled": false
                },
                "readinessProbe": {
                    "enabled": true,
                    "initialDelaySeconds": 60,
                    "timeoutSeconds": 1,
                    "periodSeconds": 10,
                    "successThreshold": 1
                },
                "extraConfig": [
                    {
                        "secret": {
                            "secretName": "netbox-secret"
                        }
                    }
                ],
                "housekeeping": {
                    "enabled": false
                },
                "worker": {
                    "enabled": false
                },
                "plugins": ["netbox_kea", "netbox_topology_views", "netbox_cable_labels"],
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {
                                            "key": "topology.kubernetes.io/zone",
                                            "operator": "NotIn",
                                            "values": ["protactinium"]
                                        }
                                    ]
                                }
                            ]
                        }
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/netbox",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${netbox_app_name}"))
            .build(),
    )
}

/// `apps/base/pgadmin/`
fn apps_base_pgadmin(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
    infrastructure_controllers: &InfrastructureControllers,
) -> Folder {
    let release = c.file("apps/base/pgadmin/release.yaml");
    c.add(&release, namespace_object("${pgadmin_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("pgadmin"))
            .namespace(templated_namespace("${pgadmin_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .depends_on(&[&infrastructure_controllers.cloudnative_pg_release])
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "defaultPodOptions": {
                    "securityContext": {
                        "runAsUser": 5050,
                        "runAsGroup": 5050,
                        "fsGroup": 5050,
                        "fsGroupChangePolicy": "OnRootMismatch"
                    }
                },
                "controllers": {
                    "${pgadmin_app_name}": {
                        "replicas": 1,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "dpage/pgadmin4",
                                    "tag": 9.6
                                },
                                "env": {
                                    "TZ": "Europe/Warsaw",
                                    "PGADMIN_CONFIG_CONSOLE_LOG_LEVEL": 10,
                                    "PGADMIN_CONFIG_ENHANCED_COOKIE_PROTECTION": "False"
                                },
                                "envFrom": [
                                    {
                                        "secretRef": {
                                            "name": "pgadmin-secret"
                                        }
                                    }
                                ],
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 80
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "50m",
                                        "memory": "100Mi"
                                    },
                                    "limits": {
                                        "memory": "500Mi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${pgadmin_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 80,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true"
                        }
                    }
                },
                "persistence": {
                    "config": {
                        "enabled": true,
                        "type": "persistentVolumeClaim",
                        "storageClass": "longhorn",
                        "accessMode": "ReadWriteOnce",
                        "size": "5Gi",
                        "globalMounts": [
                            {
                                "path": "/var/lib/pgadmin"
                            }
                        ]
                    }
                }
            }))
            .build(),
    );
    // SOPS-encrypted: carried as Git holds it.
    let pgadmin_secret = c.verbatim_file(
        "apps/base/pgadmin/pgadmin-secret.yaml",
        APPS_BASE_PGADMIN_PGADMIN_SECRET_YAML,
    );
    c.kustomize_folder(
        "apps/base/pgadmin",
        KustomizeConfig::builder()
            .resources(&[&release, &pgadmin_secret])
            .dot_slash()
            .namespace(templated_namespace("${pgadmin_app_name}"))
            .build(),
    )
}

/// `apps/base/podinfo/`
fn apps_base_podinfo(c: &mut Cluster) -> Folder {
    let namespace = c.file("apps/base/podinfo/namespace.yaml");
    c.add(&namespace, namespace_object("podinfo", Some("dev-team")));
    let repository = c.file("apps/base/podinfo/repository.yaml");
    let podinfo_charts = c.add(
        &repository,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("5m"))
            .build(),
    );
    let release = c.file("apps/base/podinfo/release.yaml");
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("podinfo"))
            .release_name("podinfo")
            .chart(Chart::from_source(&podinfo_charts, "podinfo"))
            .interval(duration!("50m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "deployment": {
                    "replicas": 2
                },
                "redis": {
                    "enabled": true,
                    "repository": "public.ecr.aws/docker/library/redis",
                    "tag": "7.0.6"
                },
                "ingress": {
                    "enabled": true,
                    "className": "nginx"
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/podinfo",
        KustomizeConfig::builder()
            .resources(&[&namespace, &repository, &release])
            .dot_slash()
            .namespace(namespace!("podinfo"))
            .build(),
    )
}

/// `apps/base/prometheus-blackbox-exporter/`
fn apps_base_prometheus_blackbox_exporter(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/prometheus-blackbox-exporter/release.yaml");
    c.add(
        &release,
        HelmRelease::builder()
            .name(templated("${prometheus_operator_app_name}"))
            .namespace(templated_namespace("${prometheus_operator_app_name}"))
            .chart(
                Chart::from_source(
                    &infrastructure_helm_repos.prometheus_community_charts,
                    "prometheus-blackbox-exporter",
                )
                .interval(duration!("12h")),
            )
            .interval(duration!("30m"))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/prometheus-blackbox-exporter",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${prometheus_operator_app_name}"))
            .build(),
    )
}

/// `apps/base/prometheus-operator/`
fn apps_base_prometheus_operator(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/prometheus-operator/release.yaml");
    c.add(
        &release,
        namespace_object("${prometheus_operator_app_name}", Some("sre-team")),
    );
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("prometheus-operator"))
            .namespace(namespace!("prometheus-operator"))
            .chart(
                Chart::from_source(
                    &infrastructure_helm_repos.prometheus_community_charts,
                    "kube-prometheus-stack",
                )
                .interval(duration!("12h")),
            )
            .interval(duration!("30m"))
            .build(),
    );
    c.add(
        &release,
        placed(
            Certificate::new(
                "prometheus-${default_k8s_cert_name}",
                CertificateSpec {
                    fields: fields(json!({
                        "secretName": "prometheus-${default_k8s_cert_name}",
                        "issuerRef": {
                            "name": "letsencrypt-production",
                            "kind": "ClusterIssuer"
                        },
                        "dnsNames": ["prometheus.${app_k8s_domain_name}"]
                    })),
                },
            ),
            Some("prometheus-operator"),
        ),
    );
    c.add(
        &release,
        placed(
            Certificate::new(
                "grafana-${default_k8s_cert_name}",
                CertificateSpec {
                    fields: fields(json!({
                        "secretName": "grafana-${default_k8s_cert_name}",
                        "issuerRef": {
                            "name": "letsencrypt-production",
                            "kind": "ClusterIssuer"
                        },
                        "dnsNames": ["grafana.${app_k8s_domain_name}"]
                    })),
                },
            ),
            Some("prometheus-operator"),
        ),
    );
    c.add(
        &release,
        placed(
            Certificate::new(
                "alertmanager-${default_k8s_cert_name}",
                CertificateSpec {
                    fields: fields(json!({
                        "secretName": "alertmanager-${default_k8s_cert_name}",
                        "issuerRef": {
                            "name": "letsencrypt-production",
                            "kind": "ClusterIssuer"
                        },
                        "dnsNames": ["alertmanager.${app_k8s_domain_name}"]
                    })),
                },
            ),
            Some("prometheus-operator"),
        ),
    );
    c.kustomize_folder(
        "apps/base/prometheus-operator",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${prometheus_operator_app_name}"))
            .build(),
    )
}

/// `apps/base/reloader/`
fn apps_base_reloader(c: &mut Cluster) -> Folder {
    let release = c.file("apps/base/reloader/release.yaml");
    c.add(&release, namespace_object("reloader", None));
    let reloader_chart = c.add(
        &release,
        OCIRepository::builder()
            .name(name!("reloader"))
            .namespace(namespace!("reloader"))
            .url("oci://ghcr.io/stakater/charts/reloader")
            .reference(OciRef::tag("2.2.0"))
            .layer_selector(LayerSelector::helm_chart())
            .interval(duration!("5m"))
            .build(),
    );
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("reloader"))
            .namespace(namespace!("reloader"))
            .chart(Chart::from_ref(&reloader_chart).with_namespace())
            .interval(duration!("1h"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: -1 }),
                ..Install::default()
            })
            .upgrade(Upgrade {
                cleanup_on_fail: true,
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Upgrade::default()
            })
            .values(json!({
                "deployment": {
                    "replicas": 2
                },
                "fullnameOverride": "reloader",
                "reloader": {
                    "readOnlyRootFileSystem": true,
                    "deployment": {
                        "resources": {
                            "requests": {
                                "cpu": "15m",
                                "memory": "128Mi"
                            },
                            "limits": {
                                "memory": "192Mi"
                            }
                        }
                    },
                    "podMonitor": {
                        "enabled": true,
                        "namespace": "reloader"
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/reloader",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .build(),
    )
}

/// `apps/base/tandoor/`
fn apps_base_tandoor(c: &mut Cluster) {
    // finding: a copy of `apps/base/lidify` (the same HelmRelease and Secret, named
    // lidify); no overlay applies this base, so Flux never applies it.
    c.unapplied_file(
        "apps/base/tandoor/release.yaml",
        APPS_BASE_TANDOOR_RELEASE_YAML,
    );
    // finding: a copy of `apps/base/lidify` (the same HelmRelease and Secret, named
    // lidify); no overlay applies this base, so Flux never applies it.
    let lidify_secret = c.unapplied_file(
        "apps/base/tandoor/lidify-secret.yaml",
        APPS_BASE_TANDOOR_LIDIFY_SECRET_YAML,
    );
    c.kustomize_config(
        "apps/base/tandoor",
        KustomizeConfig::builder()
            .resource_list(&[
                Resource::path("./release.yaml"),
                Resource::file(&lidify_secret),
            ])
            .namespace(templated_namespace("${lidify_app_name}"))
            .build(),
    );
}

/// `apps/base/vaultwarden/`
fn apps_base_vaultwarden(
    c: &mut Cluster,
    infrastructure_helm_repos: &InfrastructureHelmRepos,
) -> Folder {
    let release = c.file("apps/base/vaultwarden/release.yaml");
    c.add(&release, namespace_object("${vaultwarden_app_name}", None));
    c.add(
        &release,
        HelmRelease::builder()
            .name(name!("vaultwarden"))
            .namespace(templated_namespace("${vaultwarden_app_name}"))
            .chart(Chart::from_source(
                &infrastructure_helm_repos.bjw_s_charts_charts,
                "app-template",
            ))
            .interval(duration!("30m"))
            .install(Install {
                strategy: Some(Strategy::RemediateOnFailure { retries: 3 }),
                ..Install::default()
            })
            .values(json!({
                "controllers": {
                    "${vaultwarden_app_name}": {
                        "replicas": 1,
                        "annotations": {
                            "reloader.stakater.com/auto": "true"
                        },
                        "containers": {
                            "app": {
                                "image": {
                                    "repository": "vaultwarden/server",
                                    "tag": "1.34.3"
                                },
                                "ports": [
                                    {
                                        "name": "http",
                                        "containerPort": 80
                                    }
                                ],
                                "resources": {
                                    "requests": {
                                        "cpu": "10m",
                                        "memory": "128Mi"
                                    },
                                    "limits": {
                                        "memory": "1Gi"
                                    }
                                }
                            }
                        }
                    }
                },
                "service": {
                    "app": {
                        "controller": "${vaultwarden_app_name}",
                        "type": "ClusterIP",
                        "ports": {
                            "http": {
                                "port": 80,
                                "protocol": "TCP"
                            }
                        }
                    }
                },
                "ingress": {
                    "app": {
                        "className": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        }
                    }
                },
                "persistence": {
                    "config": {
                        "enabled": true,
                        "type": "persistentVolumeClaim",
                        "storageClass": "longhorn-crypto-global",
                        "accessMode": "ReadWriteOnce",
                        "size": "5Gi",
                        "globalMounts": [
                            {
                                "path": "/data"
                            }
                        ]
                    }
                }
            }))
            .build(),
    );
    c.kustomize_folder(
        "apps/base/vaultwarden",
        KustomizeConfig::builder()
            .resources(&[&release])
            .dot_slash()
            .namespace(templated_namespace("${vaultwarden_app_name}"))
            .build(),
    )
}

/// `apps/production/chatgpt-next/`
fn apps_production_chatgpt_next(c: &mut Cluster, apps_base_chatgpt_next: &Folder) {
    values_overlay(
        c,
        "apps/production/chatgpt-next",
        apps_base_chatgpt_next,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${chatgpt_next_app_name}",
                "namespace": "${chatgpt_next_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${chatgpt_next_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${chatgpt_next_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${chatgpt_next_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/cloudflared/`
fn apps_production_cloudflared(c: &mut Cluster, apps_base_cloudflared: &Folder) {
    values_overlay(
        c,
        "apps/production/cloudflared",
        apps_base_cloudflared,
        None,
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "cloudflared-deployment",
                "namespace": "cloudflared"
            }
        }),
    );
}

/// `apps/production/code-server/`
fn apps_production_code_server(c: &mut Cluster, apps_base_code_server: &Folder) {
    values_overlay(
        c,
        "apps/production/code-server",
        apps_base_code_server,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${code_server_app_name}",
                "namespace": "${code_server_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${code_server_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                },
                                {
                                    "host": "${code_server_app_name}.cloufish.xyz",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${code_server_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${code_server_app_name}-${default_k8s_cert_name}"
                                },
                                {
                                    "hosts": ["${code_server_app_name}.cloufish.xyz"],
                                    "secretName": "${code_server_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/commafeed/`
fn apps_production_commafeed(c: &mut Cluster, apps_base_commafeed: &Folder) {
    values_overlay(
        c,
        "apps/production/commafeed",
        apps_base_commafeed,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${commafeed_app_name}",
                "namespace": "${commafeed_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${commafeed_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${commafeed_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${commafeed_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/composerize/`
fn apps_production_composerize(c: &mut Cluster, apps_base_composerize: &Folder) {
    values_overlay(
        c,
        "apps/production/composerize",
        apps_base_composerize,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${composerize_app_name}",
                "namespace": "${composerize_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${composerize_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${composerize_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${composerize_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/cyberchef/`
fn apps_production_cyberchef(c: &mut Cluster, apps_base_cyberchef: &Folder) {
    values_overlay(
        c,
        "apps/production/cyberchef",
        apps_base_cyberchef,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${cyberchef_app_name}",
                "namespace": "${cyberchef_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${cyberchef_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${cyberchef_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${cyberchef_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/descheduler/`
fn apps_production_descheduler(c: &mut Cluster, apps_base_descheduler: &Folder) {
    values_overlay(
        c,
        "apps/production/descheduler",
        apps_base_descheduler,
        None,
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "descheduler",
                "namespace": "flux-system"
            }
        }),
    );
}

/// `apps/production/dsomm/`
fn apps_production_dsomm(c: &mut Cluster, apps_base_dsomm: &Folder) {
    values_overlay(
        c,
        "apps/production/dsomm",
        apps_base_dsomm,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${dsomm_app_name}",
                "namespace": "${dsomm_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${dsomm_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${dsomm_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${dsomm_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/languagetool/`
fn apps_production_languagetool(c: &mut Cluster, apps_base_languagetool: &Folder) {
    values_overlay(
        c,
        "apps/production/languagetool",
        apps_base_languagetool,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${languagetool_app_name}",
                "namespace": "${languagetool_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${languagetool_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${languagetool_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${languagetool_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/lidify/`
fn apps_production_lidify(c: &mut Cluster, apps_base_lidify: &Folder) {
    values_overlay(
        c,
        "apps/production/lidify",
        apps_base_lidify,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${lidify_app_name}",
                "namespace": "${lidify_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${lidify_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${lidify_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${lidify_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/n8n/`
fn apps_production_n8n(c: &mut Cluster, apps_base_n8n: &Folder) {
    values_overlay(
        c,
        "apps/production/n8n",
        apps_base_n8n,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${n8n_app_name}",
                "namespace": "${n8n_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${n8n_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                },
                                {
                                    "host": "${n8n_app_name}-webhook.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${n8n_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${n8n_app_name}-${default_k8s_cert_name}"
                                },
                                {
                                    "hosts": ["${n8n_app_name}-webhook.${app_k8s_domain_name}"],
                                    "secretName": "${n8n_app_name}-webhook-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/netbox/`
fn apps_production_netbox(c: &mut Cluster, apps_base_netbox: &Folder) {
    values_overlay(
        c,
        "apps/production/netbox",
        apps_base_netbox,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${netbox_app_name}",
                "namespace": "${netbox_app_name}"
            }
        }),
    );
}

/// `apps/production/pgadmin/`
fn apps_production_pgadmin(c: &mut Cluster, apps_base_pgadmin: &Folder) {
    values_overlay(
        c,
        "apps/production/pgadmin",
        apps_base_pgadmin,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${pgadmin_app_name}",
                "namespace": "${pgadmin_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${pgadmin_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${pgadmin_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${pgadmin_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/production/podinfo/`
fn apps_production_podinfo(c: &mut Cluster, apps_base_podinfo: &Folder) {
    values_overlay(
        c,
        "apps/production/podinfo",
        apps_base_podinfo,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "podinfo",
                "namespace": "podinfo"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "hosts": [
                            {
                                "host": "podinfo.production",
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "ImplementationSpecific"
                                    }
                                ]
                            }
                        ]
                    }
                }
            }
        }),
    );
}

/// `apps/production/prometheus-blackbox-exporter/`
fn apps_production_prometheus_blackbox_exporter(
    c: &mut Cluster,
    apps_base_prometheus_blackbox_exporter: &Folder,
) {
    values_overlay(
        c,
        "apps/production/prometheus-blackbox-exporter",
        apps_base_prometheus_blackbox_exporter,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${prometheus_operator_app_name}",
                "namespace": "${prometheus_operator_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": "11.1.0"
                    }
                },
                "values": {
                    "ingress": {
                        "enabled": true,
                        "ingressClassName": "nginx",
                        "annotations": {
                            "cert-manager.io/cluster-issuer": "letsencrypt-production",
                            "kubernetes.io/tls-acme": "true",
                            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                        },
                        "hosts": [
                            {
                                "host": "prometheus-blackbox.${app_k8s_domain_name}",
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "ImplementationSpecific"
                                    }
                                ]
                            }
                        ]
                    },
                    "tls": [
                        {
                            "secretName": "prometheus-blackbox-${default_k8s_cert_name}",
                            "hosts": ["prometheus-blackbox.${app_k8s_domain_name}"]
                        }
                    ]
                }
            }
        }),
    );
}

/// `apps/production/prometheus-operator/`
fn apps_production_prometheus_operator(c: &mut Cluster, apps_base_prometheus_operator: &Folder) {
    values_overlay(
        c,
        "apps/production/prometheus-operator",
        apps_base_prometheus_operator,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${prometheus_operator_app_name}",
                "namespace": "${prometheus_operator_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": "75.11"
                    }
                },
                "values": {
                    "grafana": {
                        "ingress": {
                            "enabled": true,
                            "ingressClassName": "nginx",
                            "annotations": {
                                "cert-manager.io/cluster-issuer": "letsencrypt-production",
                                "kubernetes.io/tls-acme": "true",
                                "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                                "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                            },
                            "hosts": ["grafana.${app_k8s_domain_name}"]
                        },
                        "tls": [
                            {
                                "secretName": "grafana-${default_k8s_cert_name}",
                                "hosts": ["grafana.${app_k8s_domain_name}"]
                            }
                        ]
                    },
                    "alertmanager": {
                        "ingress": {
                            "enabled": true,
                            "ingressClassName": "nginx",
                            "annotations": {
                                "cert-manager.io/cluster-issuer": "letsencrypt-production",
                                "kubernetes.io/tls-acme": "true",
                                "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                                "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                            },
                            "hosts": ["alertmanager.${app_k8s_domain_name}"]
                        },
                        "tls": [
                            {
                                "secretName": "alertmanager-${default_k8s_cert_name}",
                                "hosts": ["alertmanager.${app_k8s_domain_name}"]
                            }
                        ]
                    },
                    "prometheus": {
                        "ingress": {
                            "enabled": true,
                            "ingressClassName": "nginx",
                            "annotations": {
                                "cert-manager.io/cluster-issuer": "letsencrypt-production",
                                "kubernetes.io/tls-acme": "true",
                                "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                                "nginx.ingress.kubernetes.io/ssl-redirect": "true"
                            },
                            "hosts": ["prometheus.${app_k8s_domain_name}"]
                        },
                        "tls": [
                            {
                                "secretName": "prometheus-${default_k8s_cert_name}",
                                "hosts": ["prometheus.${app_k8s_domain_name}"]
                            }
                        ]
                    }
                }
            }
        }),
    );
}

/// `apps/production/reloader/`
fn apps_production_reloader(c: &mut Cluster, apps_base_reloader: &Folder) {
    values_overlay(
        c,
        "apps/production/reloader",
        apps_base_reloader,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "reloader"
            },
            "spec": {
                "interval": "1h",
                "chartRef": {
                    "kind": "OCIRepository",
                    "name": "reloader"
                }
            }
        }),
    );
}

/// `apps/production/vaultwarden/`
fn apps_production_vaultwarden(c: &mut Cluster, apps_base_vaultwarden: &Folder) {
    values_overlay(
        c,
        "apps/production/vaultwarden",
        apps_base_vaultwarden,
        None,
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "${vaultwarden_app_name}",
                "namespace": "${vaultwarden_app_name}"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0"
                    }
                },
                "values": {
                    "ingress": {
                        "app": {
                            "hosts": [
                                {
                                    "host": "${vaultwarden_app_name}.${app_k8s_domain_name}",
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix"
                                        }
                                    ]
                                }
                            ],
                            "tls": [
                                {
                                    "hosts": ["${vaultwarden_app_name}.${app_k8s_domain_name}"],
                                    "secretName": "${vaultwarden_app_name}-${default_k8s_cert_name}"
                                }
                            ]
                        }
                    }
                }
            }
        }),
    );
}

/// `apps/staging/podinfo/`
fn apps_staging_podinfo(c: &mut Cluster, apps_base_podinfo: &Folder) {
    values_overlay(
        c,
        "apps/staging/podinfo",
        apps_base_podinfo,
        Some(namespace!("podinfo")),
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {
                "name": "podinfo",
                "namespace": "podinfo"
            },
            "spec": {
                "chart": {
                    "spec": {
                        "version": ">=1.0.0-alpha"
                    }
                },
                "test": {
                    "enable": false
                },
                "values": {
                    "ingress": {
                        "hosts": [
                            {
                                "host": "podinfo.staging",
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "ImplementationSpecific"
                                    }
                                ]
                            }
                        ]
                    }
                }
            }
        }),
    );
}

/// `temp/`
fn temp(c: &mut Cluster) {
    // not a Kubernetes object: carried as written.
    c.verbatim_file("temp/blackbox-values.yaml", TEMP_BLACKBOX_VALUES_YAML);
}

/// `clusters/staging/flux-system/`
fn clusters_staging_flux_system(c: &mut Cluster) {
    // What `flux bootstrap` left in this cluster: a header, no objects.
    let gotk_sync = c.verbatim_file(
        "clusters/staging/flux-system/gotk-sync.yaml",
        CLUSTERS_STAGING_FLUX_SYSTEM_GOTK_SYNC_YAML,
    );
    flux_system_folder(c, "staging", &gotk_sync);
}

/// The JSON 6902 patch giving Flux's controllers more concurrency.
const CONTROLLER_ARGS: &str = "- op: add
  path: /spec/template/spec/containers/0/args/-
  value: --concurrent=20
- op: add
  path: /spec/template/spec/containers/0/args/-
  value: --requeue-dependency=5s
";

/// `clusters/<cluster>/flux-system`, as `flux bootstrap` wrote it, with the controllers
/// given more concurrency: Flux's install, pinned by version and checksum, and `sync`.
fn flux_system_folder(c: &mut Cluster, cluster: &str, sync: &File) {
    let gotk_components = c.flux_components(
        &format!("clusters/{cluster}/flux-system/gotk-components.yaml"),
        FLUX_VERSION,
        FLUX_COMPONENTS_SHA256,
    );
    c.kustomize_config(
        &format!("clusters/{cluster}/flux-system"),
        KustomizeConfig::builder()
            .resources(&[&gotk_components, sync])
            .labels(&[Labels {
                pairs: [(
                    "toolkit.fluxcd.io/tenant".to_string(),
                    "sre-team".to_string(),
                )]
                .into(),
                ..Labels::default()
            }])
            .patches(&[Patch::new(
                CONTROLLER_ARGS,
                PatchTarget {
                    kind: Some("Deployment".into()),
                    name: Some("(kustomize-controller|helm-controller|source-controller)".into()),
                    ..PatchTarget::default()
                },
            )])
            .build(),
    );
}

/// `clusters/staging/`
fn clusters_staging(c: &mut Cluster, fleet: &Ref<GitRepository>, sops_age: &Ref<Secret>) {
    let infra_configs = infrastructure(c, "staging", fleet, sops_age);
    let apps = c.file("clusters/staging/apps.yaml");
    c.add(
        &apps,
        Kustomization::builder()
            .name(name!("apps"))
            .depends_on(&[&infra_configs])
            .source_ref(fleet)
            .path("./apps/staging")
            .interval(duration!("10m0s"))
            .timeout(duration!("5m0s"))
            .prune(true)
            .wait(true)
            .post_build(
                PostBuild::new()
                    .substitute("app_swarm_domain_name", "swarm.cloufish.xyz")
                    .substitute("app_k8s_domain_name", "k8s.cloufish.xyz")
                    .substitute("default_k8s_cert_name", "k8s-cert-prod"),
            )
            .decryption(Decryption::sops(sops_age))
            .build(),
    );
}

/// `clusters/<cluster>/infrastructure.yaml`, the same in both clusters: the
/// infrastructure's Kustomizations, in order; returns the last, which the apps wait for.
fn infrastructure(
    c: &mut Cluster,
    cluster: &str,
    fleet: &Ref<GitRepository>,
    sops_age: &Ref<Secret>,
) -> Ref<Kustomization> {
    let infrastructure = c.file(&format!("clusters/{cluster}/infrastructure.yaml"));
    let infra_secrets = c.add(
        &infrastructure,
        Kustomization::builder()
            .name(name!("infra-secrets"))
            .source_ref(fleet)
            .path("./infrastructure/secrets")
            .interval(duration!("1h"))
            .retry_interval(duration!("1m"))
            .timeout(duration!("5m"))
            .prune(true)
            .post_build(
                PostBuild::new()
                    .substitute("app_swarm_domain_name", "swarm.cloufish.xyz")
                    .substitute("app_k8s_domain_name", "k8s.cloufish.xyz")
                    .substitute("default_k8s_cert_name", "k8s-cert-prod"),
            )
            .decryption(Decryption::sops(sops_age))
            .build(),
    );
    let infra_helm_repos = c.add(
        &infrastructure,
        Kustomization::builder()
            .name(name!("infra-helm-repos"))
            .source_ref(fleet)
            .path("./infrastructure/helm-repos")
            .interval(duration!("1h"))
            .retry_interval(duration!("1m"))
            .timeout(duration!("5m"))
            .prune(true)
            .post_build(
                PostBuild::new()
                    .substitute("app_swarm_domain_name", "swarm.cloufish.xyz")
                    .substitute("app_k8s_domain_name", "k8s.cloufish.xyz")
                    .substitute("default_k8s_cert_name", "k8s-cert-prod"),
            )
            .decryption(Decryption::sops(sops_age))
            .build(),
    );
    let infra_controllers = c.add(
        &infrastructure,
        Kustomization::builder()
            .name(name!("infra-controllers"))
            .depends_on(&[&infra_secrets, &infra_helm_repos])
            .source_ref(fleet)
            .path("./infrastructure/controllers")
            .interval(duration!("1h"))
            .retry_interval(duration!("1m"))
            .timeout(duration!("5m"))
            .prune(true)
            .wait(true)
            .post_build(
                PostBuild::new()
                    .substitute("app_swarm_domain_name", "swarm.cloufish.xyz")
                    .substitute("app_k8s_domain_name", "k8s.cloufish.xyz")
                    .substitute("default_k8s_cert_name", "k8s-cert-prod"),
            )
            .decryption(Decryption::sops(sops_age))
            .build(),
    );
    let infra_configs = c.add(
        &infrastructure,
        Kustomization::builder()
            .name(name!("infra-configs"))
            .depends_on(&[&infra_controllers])
            .source_ref(fleet)
            .path("./infrastructure/configs")
            .interval(duration!("1h"))
            .retry_interval(duration!("1m"))
            .timeout(duration!("5m"))
            .prune(true)
            .patches(&[Patch::new(
                    "- op: replace\n  path: /spec/acme/server\n  value: https://acme-v02.api.letsencrypt.org/directory\n",
                    PatchTarget { kind: Some("ClusterIssuer".into()), name: Some("letsencrypt-production".into()), ..PatchTarget::default() },
                )])
            .post_build(
                PostBuild::new()
                    .substitute("app_swarm_domain_name", "swarm.cloufish.xyz")
                    .substitute("app_k8s_domain_name", "k8s.cloufish.xyz")
                    .substitute("default_k8s_cert_name", "k8s-cert-prod"),
            )
            .decryption(Decryption::sops(sops_age))
            .build(),
    );
    c.add(
        &infrastructure,
        Kustomization::builder()
            .name(name!("infra-certiticates"))
            .depends_on(&[&infra_controllers])
            .source_ref(fleet)
            .path("./infrastructure/certificates")
            .interval(duration!("1h"))
            .retry_interval(duration!("1m"))
            .timeout(duration!("5m"))
            .prune(true)
            .post_build(
                PostBuild::new()
                    .substitute("app_swarm_domain_name", "swarm.cloufish.xyz")
                    .substitute("app_k8s_domain_name", "k8s.cloufish.xyz")
                    .substitute("default_k8s_cert_name", "k8s-cert-prod"),
            )
            .decryption(Decryption::sops(sops_age))
            .build(),
    );
    infra_configs
}

/// `clusters/production/flux-system/`
fn clusters_production_flux_system(c: &mut Cluster) -> Ref<GitRepository> {
    let gotk_sync = c.file("clusters/production/flux-system/gotk-sync.yaml");
    let deploy_key: Ref<Secret> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    let fleet = c.add(
        &gotk_sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("ssh://git@github.com/Cloufish/k8s-home-ops")
            .reference(GitRef::branch("main"))
            .secret_ref(&deploy_key)
            .interval(duration!("1m0s"))
            .build(),
    );
    c.source_is_this_repository(&fleet);
    c.add(
        &gotk_sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&fleet)
            .path("./clusters/production")
            .interval(duration!("10m0s"))
            .prune(true)
            .build(),
    );
    flux_system_folder(c, "production", &gotk_sync);
    fleet
}

/// `clusters/production/`
fn clusters_production(c: &mut Cluster, fleet: &Ref<GitRepository>, sops_age: &Ref<Secret>) {
    let infra_configs = infrastructure(c, "production", fleet, sops_age);
    let apps = c.file("clusters/production/apps.yaml");
    c.add(
        &apps,
        Kustomization::builder()
            .name(name!("apps"))
            .depends_on(&[&infra_configs])
            .source_ref(fleet)
            .path("./apps/production")
            .interval(duration!("10m0s"))
            .timeout(duration!("5m0s"))
            .prune(true)
            .wait(true)
            .post_build(
                PostBuild::new()
                    .substitute("app_k8s_domain_name", "k8s.cloufish.xyz")
                    .substitute("app_swarm_domain_name", "swarm.cloufish.xyz")
                    .substitute("default_k8s_cert_name", "k8s-cert-prod")
                    .substitute("code_server_app_name", "code-server")
                    .substitute("pgadmin_app_name", "pgadmin")
                    .substitute("prometheus_operator_app_name", "prometheus-operator")
                    .substitute(
                        "prometheus_blackbox_exporter_app_name",
                        "prometheus-blackbox-exporter",
                    )
                    .substitute("dashy_app_name", "dashy")
                    .substitute("chatgpt_next_app_name", "chatgpt-next")
                    .substitute("commafeed_app_name", "commafeed")
                    .substitute("n8n_app_name", "n8n")
                    .substitute("dsomm_app_name", "dsomm")
                    .substitute("composerize_app_name", "composerize")
                    .substitute("languagetool_app_name", "languagetool")
                    .substitute("vaultwarden_app_name", "vaultwarden")
                    .substitute("lidify_app_name", "lidify")
                    .substitute("cyberchef_app_name", "cyberchef")
                    .substitute("netbox_app_name", "netbox"),
            )
            .decryption(Decryption::sops(sops_age))
            .build(),
    );
}

/// `.pre-commit-config.yml`, as the repository holds it.
const PRE_COMMIT_CONFIG_YML: &str = r#"---
- repo: https://github.com/pre-commit/pre-commit-hooks
  rev: v5.0.0  # Use the ref you want to point at
  hooks:
    - id: sort-simple-yaml
"#;

/// `.sops.yaml`, as the repository holds it.
const SOPS_YAML: &str = r#"---
creation_rules:
  - encrypted_regex: ^(data|stringData)$
    age: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
"#;

/// `.yamllint.yaml`, as the repository holds it.
const YAMLLINT_YAML: &str = r#"---
ignore: |
  *.sops.*
extends: default
rules:
  brackets:
    max-spaces-inside: 1
    min-spaces-inside: 0
  comments:
    require-starting-space: true
    min-spaces-from-content: 1
  line-length: disable
  truthy: disable
  new-lines: disable
"#;

/// `infrastructure/controllers/authelia.yaml`, as the repository holds it.
const INFRASTRUCTURE_CONTROLLERS_AUTHELIA_YAML: &str = r#"---
apiVersion: v1
kind: Namespace
metadata:
  name: authelia
  labels:
    toolkit.fluxcd.io/tenant: sre-team
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: authelia
  namespace: authelia
spec:
  interval: 24h
  url: https://charts.authelia.com
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: authelia-${default_k8s_cert_name}
  namespace: authelia
spec:
  secretName: authelia-${default_k8s_cert_name}
  issuerRef:
    name: letsencrypt-production
    kind: ClusterIssuer
  dnsNames: ['authelia.${app_k8s_domain_name}']
---
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: authelia
  namespace: kube-system
spec:
  interval: 5m
  chart:
    spec:
      # renovate: registryUrl=https://charts.authelia.com
      chart: authelia
      version: 0.10.39
      sourceRef:
        kind: HelmRepository
        name: authelia
        namespace: flux-system
      interval: 5m
  dependsOn:
    - name: cert-manager
      namespace: cert-manager
  values:
    ingress:
      enabled: true
      className: nginx
      tls:
        enabled: true
        secret: authelia-${default_k8s_cert_name}
      annotations:
        kubernetes.io/tls-acme: 'true'
        cert-manager.io/cluster-issuer: letsencrypt-production
        nginx.ingress.kubernetes.io/custom-http-errors: '418'
      subdomain: auth
    configMap:
      enabled: true
      access_control:
        default_policy: two_factor
      storage:
        encryption_key:
          value: ${SECRET_AUTH_STORAGE_ENC_KEY}
        postgres:
          enabled: true
          address: tcp://shared-psql-v17-rw.default.svc:5432
          database: authelia
          username: authelia
          password:
            value: ${SECRET_AUTH_STORAGE_PASSWORD}
      session:
        cookies:
          - domain: ${SECRET_DOMAIN}
            subdomain: auth
        redis:
          enabled: true
          enabledSecret: true
          username: ''
          password:
            value: ${SECRET_AUTH_REDIS_PASSWORD}
          host: authelia-valkey-primary.kube-system.svc
          port: 6379
          database_index: 0
      authentication_backend:
        disable_reset_password: true
        ldap:
          enabled: true
          implementation: custom
          address: ldap://openldap.kube-system.svc:1389
          password:
            value: ${SECRET_LDAP_ADMIN_PASSWORD}
          username_attribute: uid
          additional_users_dn: ''
          additional_groups_dn: ''
          base_dn: ${SECRET_LDAP_BASE_DN}
          user: CN=${SECRET_LDAP_ADMIN_USERNAME},${SECRET_LDAP_BASE_DN}
          users_filter: (&({username_attribute}={input})(objectClass=person))
          groups_filter: (&(member={dn})(objectclass=groupOfNames))
      notifier:
        smtp:
          enabled: true
          enabledSecret: true
          username: ${SECRET_AUTH_SMTP_USER}
          password:
            value: ${SECRET_AUTH_SMTP_PASSWORD}
          address: submission://${SECRET_SMTP_DOMAIN}:587
          sender: ${SECRET_AUTH_SMTP_USER}
          identifier: localhost
          subject: '[Authelia] {title}'
          startup_check_address: ${SECRET_AUTH_SMTP_USER}
"#;

/// `infrastructure/secrets/cloudflare-secret.yaml`, as the repository holds it.
const INFRASTRUCTURE_SECRETS_CLOUDFLARE_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: cloudflare-api-token-secret
  namespace: cert-manager
type: Opaque
stringData:
  api-token: ENC[AES256_GCM,data:fv/Pqx6NDAFyUzND8S0uYpz36RApmB5YR1Bk2sQp+zUKTZj4RaVTaQ==,iv:8/7ZBhB4QYx5/1/N+aQww9rbEvmhrCjIopRBcHbWY88=,tag:RXaYVIlxiOCdHqfcnHVyww==,type:str]
  email: ENC[AES256_GCM,data:VM+zeadviWP1fW7OmdHr1KzE,iv:L3Ql6kCSEWwhB9dmsQyh6llWn+w/wsH+uqfRd7+sQFQ=,tag:VyKvB/uoSAznfF17AIghFg==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBiT0UvVHpzZGJkcytzYXlO
        UUlsb3RHWmlIdnBTdm12WlZOcHdheGZZU1drCm1oMEMxS1FnWEJab3orcmtXeTJr
        SGhYWm5OTHIzMjRMTWM0Q01HZ2pabnMKLS0tIDhDQUowYkh4UHdMRzNIRVJUbDU2
        S2t1L0JnR3ZoeWpYaUhneVdHN0VKTXMKIT6Q8OKooK62j59TlXpBdsUA20kK82sL
        AeokK3DQyOmixcdBmvhTwgiU23JPNnhtoUbV6L3Ae5BY1hQ3S9j1Xw==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-07-15T11:51:15Z'
  mac: ENC[AES256_GCM,data:CX4S4GDPXOWeHHujDSUXJSDmkWAIbU32YVujEFPttBJ3yq4iYyuvr97bynyDxMjHPth04lB95Mq/cXjpWZcUsE2lIlrTJ/O+PE5mOdllxWmwzwOQHXAN54QgKzDazRfOm487PFHgszhUTUmABdX3uwuQi7tPDatL1PN8v4H1suc=,iv:uuStmGXDzZID5/+3xYHAIv6pa3eSSomrFS4nq6xn1sE=,tag:rO9DJsvkU3Z9CoF92SXogA==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `infrastructure/secrets/grafana-secret.yaml`, as the repository holds it.
const INFRASTRUCTURE_SECRETS_GRAFANA_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: grafana-secret
  namespace: prometheus-operator
type: Opaque
stringData:
  grafana_password: ENC[AES256_GCM,data:oMh7ksVZ/6TW77D5kwz+CQ==,iv:NVBLA2uL9DUTpm3gdACnSBlgwZESXw65moG84oCi5DQ=,tag:jDN8MkpNL9wx1B2TsNdM5A==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSByTC91ODlEOUFDMFB6T1dK
        aC9oeWJEWkdsRXNJakFCTHpiMUY0aHB2N0I4CllwMGhMU3Nsek5BK1NSQy9HenFH
        YlltOXhha1lxaWlBNzZuRGFUc0g2ZDQKLS0tIExtckRIem1nSUlQSzhZeWduQzlh
        ZVo0S29OdmdnMGl0elFwNlV6UlF0U28K+caYIPRRZAP2hy27LtsskpkIZ2eXyyLv
        lDdqlE7V/jcBO0xmCiLovnWnlQKzeAHuUXaltwaTqAgvy71wB3rh/w==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-07-16T10:37:38Z'
  mac: ENC[AES256_GCM,data:mj0n93oUpoEAgA/rhlOsQY6xc36wmHOiE3dDU/Lkn1aa5RvN+Q4I2Qzs1GeIjcYQtZJzlseSDYhtNaOMQVi5a++t0rgnwJiOv9giHu6lAkd/lDKh4MT6r0xl7qtuoQijJgLvdH+q7V4rre4f3gLQa5VP6DR9+49oYUvnA1qk5Qg=,iv:exPJSPD2ntgQouVRUnku1Vylqf2xbzi3dfjQBq8QnQ4=,tag:TjJ9yjbXP43UmfLRaStMxw==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `infrastructure/secrets/aws-s3-secret-longhorn.yaml`, as the repository holds it.
const INFRASTRUCTURE_SECRETS_AWS_S3_SECRET_LONGHORN_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: aws-s3-secret-longhorn
  namespace: longhorn
type: Opaque
stringData:
  AWS_ACCESS_KEY_ID: ENC[AES256_GCM,data:ckE5UT2ICPN3oYF2PKpRaX2ijwg=,iv:flmnmylKDrqxKdHkfw1lK+cp7F38jckDuNdmRtH15AU=,tag:P0U+z9frWJbiIMApDMrXRw==,type:str]
  AWS_SECRET_ACCESS_KEY: ENC[AES256_GCM,data:zDNZLhoLyItqgD+Tb/D8cyf4SgbkA/7m7z6cNF6G8S2LglbraSGflg==,iv:OrGa/CNcniyw7XA60P0rHiWv+DqKruDQNEA9bY8YTos=,tag:Ih6yk+Wxl+33yLjI5tAZ8g==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSAzNEFDMHp3RVY0dEswdHhr
        UHZUSTNnYitGdGd6RFUzTXBNcGh3bkhiS1JRCm9rNUhuUTRydldOdng1ejFpaWUz
        SjlBUGZHNGZXVXpxQ0ZEamFHbjdWMjgKLS0tIDZyRGhHUmpJWWJKeDMzSkNZYTZ1
        ekZMb0p4enljdng2elhDcDVabGxQdFUKZYvOh/73n5Ex7OWF+aT6Cf55X/kFGNhE
        TsZ9PjL0bInmejpj9l7QeTbWndYn5IAb1gsupUOAooQFu4Z9odg+gA==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-11-09T11:03:10Z'
  mac: ENC[AES256_GCM,data:Gb7zhRt0N8V4E5PeHG/gVqGJtRzovl7u5NVhvO5pQSbuF+KCoEfpgtfz9z7DwrQT3QcUIV6woWfv6TzEdds99M3gPDPpTXF4eMA0Y7w7KtaFjOHykcE17NsuJzDh38WrzYERKzd1Qy8vvm4HN24TxzfsVGysDQDYsRi7/CgkqGA=,iv:+yjlft4tEekfyrvYcmnRJ0ARWCfAqLkh1wZAKLXTWGM=,tag:C0z/c4YvD8OH6yRbmfoVgg==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.11.0
"#;

/// `infrastructure/secrets/aws-s3-secret-netbox.yaml`, as the repository holds it.
const INFRASTRUCTURE_SECRETS_AWS_S3_SECRET_NETBOX_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: aws-s3-secret-netbox
  namespace: netbox
type: Opaque
stringData:
  AWS_ACCESS_KEY_ID: ENC[AES256_GCM,data:aENs9/7OXcjUugHwIrs/S0EGfRA=,iv:l+70NjGwqnb4riFt6bhLtkixDN5Kg0Q2qBnemv0r8mQ=,tag:zDprPOJ7b3FH8UsvB/FJ7Q==,type:str]
  AWS_SECRET_ACCESS_KEY: ENC[AES256_GCM,data:PgGdEQ3sGC8Ma0IvrXtpRJ177J8xu41OFg7iRONMjzHga3Zd3amALQ==,iv:hRqAsAVI6jI2r1wFTBWpImJgtm5xxP+YzQswQCxBO6o=,tag:5oZD0mPGfDRF4C1VFxVZrg==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBxZUUzRHlWZ2VqWVBtdVlj
        UGZxU1NNdFJLV2VLWkV6NmpkT0JHclE0YldVCnhDV1BkTEduaWk1aW11VWEzckNI
        dmE3Q1pIdnFHdHlzUVltanZvTUlZbjgKLS0tIEtybDdpL01FMlB1Q2h0cUJ0cmpv
        ZDVub2IrcmtqNElnVFY0eHdPY3VkQTAKgajA39Xt3eMmq5M2swmcX99eBxxTGG7p
        UEJ72YNMPJh5PMccSJQ6ZdL8RpUzC/v+4QSFO/elInJpL/HWR5YFNA==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-11-09T11:00:57Z'
  mac: ENC[AES256_GCM,data:fNVn+7WeoKYHyZnttHwiMXb/1mGzElQbkaqPNl6/L1o973RnkXstl6fRUD4orFYD6Q6ckyuF40gF6VqDg9SleV5jKv9aRAFp09+CqPFlxzXSpuQvGkMnJ4cy8EJtvaFyrzQh0hlLfM4x3MQPcIEKE+raUDUwJWJbLSH1KWtMU4A=,iv:LqLzCphdI+j/SZjxzrrG39xIQq2nmXAvMcqi9mLPbbs=,tag:4LaP9St24bZJS35v1MTTtw==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.11.0
"#;

/// `infrastructure/secrets/oauth2-proxy-secret.yaml`, as the repository holds it.
const INFRASTRUCTURE_SECRETS_OAUTH2_PROXY_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: oauth2-proxy-secret
  namespace: oauth2-proxy
type: Opaque
stringData:
  client-id: ENC[AES256_GCM,data:eh7XNQGrppU/uSZiA6uLRhaObRNBSRkNfkLDPTHo+baMWbcG2Xnj6/feHmxmyZDqkMN9w9F29E4ZresRNUK1oreBk5ezqIXW,iv:8c6zrbBvhXFeCQz03Nj0959Y3KrqxnlyVi7RqKD1DBU=,tag:ZSD1tk97R0lBBVtBMaQtMg==,type:str]
  client-secret: ENC[AES256_GCM,data:pa74BmL3yt8MaH00a2Hb9Fhck1GHER28OxSksPoF2tdAMMk=,iv:viCykd1Ixq3JIl7mecVLm9jIlvbFPsspxWAJx7s9xo4=,tag:DRM1tSCfzZZMW9gkedd5ew==,type:str]
  cookie-secret: ENC[AES256_GCM,data:NwodBENsSRrBR8SU5BIVK7QFPqT32SHgppdGnNfKbNk=,iv:c5Xx5ckrfVS+J6F0mLX2mfZKPtKrwOMLTIfiGEvx+0I=,tag:dG987NBAlbz+VxnznvOnqw==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSAyRDBMTWkrRnc4cHVXUkFX
        RDgyV2tMR2NJcUs1RUpUVUVHc2ovM0pJWTJNCmVhK0U5SEJuNUtxSzhOYmszVkx0
        eGlOdUlGcUkwY2ZMOTA3L0Z6RzRRclkKLS0tIEFjVkphM25DNFMySUxQZG1mVytB
        YjFYb2taMFloNzVIVnZBSDkzR3pESW8KrESL1PVy7iZPEOv78atwdVsLg1d1/3XO
        JupdKMtdgSFVsw2tHIGf+IHVEAWAChTE/QMPiBGP8brgvz3MonNwPg==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-07-19T08:53:43Z'
  mac: ENC[AES256_GCM,data:abOubKGB3/JoVkQLKRFM1gf4grBcgBC8MaCqZfkR8yRmqts/hSfJ238R3VcJuBeUQ6GLp6tT3r8inF5OJcFJJq5pLOPrPLLvWsJ7DpMkl+0Dy1NjrxJYGdAnTFoxd1vnNUL69jyZTzZ89kWMU4aPe21e3p5hdxC1i8mK1nrjmqo=,iv:Z8xTPx6ISWZmuAjZtBUrDCODtwec0ISP3/RSNph2JWg=,tag:Poh44SYWjdiyCiB+qLQLtA==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `infrastructure/secrets/cloudflared-tunnel-secret.yaml`, as the repository holds it.
const INFRASTRUCTURE_SECRETS_CLOUDFLARED_TUNNEL_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: cloudflared-secret
  namespace: cloudflared
type: Opaque
stringData:
  TUNNEL_ID: ENC[AES256_GCM,data:vELe1L2h2TIky4tZkAWDL+j5NzCkwxz/eyt54V4WAc3Rk76CHU5uP7jIvdlAm2xSY9f1mZJ+un/44w4x+zwqVvcT1X4VfgfSs2CGw6Y/ZS3ijIcG6H5n/oaG6aejEQz2OxS8NP3lQqyu3BX0Y+G2u1P01xRbhnoDFz7Ya79SpLLLu1kThnxbR6o8j0f43IXsxeP/9SagJELEZH/TqQYfkBvONOHi95wNFAB3D9gbNbusm2KP5PjUBQ==,iv:POmYgPO7dLaCyk++ovRYc9xCfmjnx8u66TUjydI1OOA=,tag:/1pItxcsij+seuznXiYoFw==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBtMEdnanFPM1dwV3RjaXlL
        bkprUGJ3WS94aHh1d3YwR1d6c3VWTGFoaWp3Cm00RmxQbVllZGEyZGczVTZodi9L
        V0MwL1ZCZ21wSXhhd3hTdmlqV0ZiUnMKLS0tIHhJTHVSZ2tLLzMvREptbjhOazU0
        VlhDdDl1Z1IydkpjMzErRkQwU1MrRjAKX+W4f9db2wHK8E4K3/8opbA0LlK9oRfS
        Yzsb0oq2V3nC3Hki9nLi1kqXM4M7ciypIYAHn/mdmmrd5rbxTNeCKg==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-07-19T14:12:04Z'
  mac: ENC[AES256_GCM,data:y/usSKeYTD/8cOMJJ/VqEEmvwt2e3dNAoXjPMlClQEk6/MWhlau3gTwzshNboqT6LpdUgqFcx0bShciGEUka8lpjQ1RV4wUdWa+qs1ZWdy/HwHXKkEIdxOC0pVnjKzJOmF7O0+kluHInfH0fOTwbw3RF+pqGIzizpaBq5D90pJY=,iv:A6ezPTvulap4t/vp10LOxyrvxYpaa2/uR7QtmE6qX+s=,tag:pCceDRp08MoglwoXUY5f5Q==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `infrastructure/secrets/longhorn-secret.yaml`, as the repository holds it.
const INFRASTRUCTURE_SECRETS_LONGHORN_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: longhorn-crypto
  namespace: longhorn
stringData:
  CRYPTO_KEY_VALUE: ENC[AES256_GCM,data:VnVOZFyYkYRUIZvkNbc2pP5e4HY=,iv:j3MdffRykglzeIp7NzNZ//Rch6s21fUsQMP5t9poGII=,tag:1M9WxZAXy64/h4I5iOto7A==,type:str]
  CRYPTO_KEY_PROVIDER: ENC[AES256_GCM,data:8XmXisZI,iv:AkIpyCZ+E39wGAsSBCYepTvm3dm4pSAqOK/uD2MN64U=,tag:o2Bi7TXTIfamwMeYYkmRWA==,type:str]
  CRYPTO_KEY_CIPHER: ENC[AES256_GCM,data:tGEbCivuuqeYyPKrOH/f,iv:FUyJXrHeYJ9pg0rwHr+Jq2AKEp3VH0msnivvJNj7xTQ=,tag:RXokKerl8N/yhvZlgIbgUA==,type:str]
  CRYPTO_KEY_HASH: ENC[AES256_GCM,data:1upn/tMh,iv:KvHB69nOur31AQ68dVXHb7v+RyS4MAR2+jm/NnOihVw=,tag:s4+oAVMup/1anrF6xOu6UQ==,type:str]
  CRYPTO_KEY_SIZE: ENC[AES256_GCM,data:cANq,iv:GFxwEKLCH7oCzkvtAiYVpoJ2/PF6VDaiIVofcT982Tg=,tag:ADjpkeYev+ikfSqLWxWWyQ==,type:str]
  CRYPTO_PBKDF: ENC[AES256_GCM,data:F4gb9Ed+Hg==,iv:GubEyPDegNosoM8uDzgpf1pwNjDvJhW+dmwiLj7epSo=,tag:utPzwotPO7gNiWvSKiuHLA==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSA4aHh4em1qMldjbERRODFr
        NGhScjJlNFNzTXpNR3VIZk1leUpTblVoNXg4CjkzM2J1TGhURGp3QzVSYjQvYlcw
        eGcyMFdxelpoeGdneE5jK1pQL3ZMSWcKLS0tIG02Q2k5VVc0U3hjTFRBcmlzclJP
        dVNSTFArMVJBdnZJcUFvTHBBSUE4REUKVF9wYa4UzG+76NLvb+ObOpNeOF9wcUO9
        ohuuHICm4rkDx09FQFVMvXM+YCqGAx6xzoqloaJ/WbBq/vtVEajWJw==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-08-14T08:01:40Z'
  mac: ENC[AES256_GCM,data:n34NhOhJjOOso+qeIAnxLlh7GoAm7N6dTY8YP35AWuJz//v/h5ToBnPpmZyG8xx96gtIylqrggEscZ7W3jIWVEg7XKuDVlWPfBxQT3VRZnxv/mmnKbJOrKj5OY75kEqKUyYDl5jY1PpxGZrI+UQWcnv22RdI9WuhNl+rVJn9AqA=,iv:4bPH3f0A0spd7nWqimC+jSIh4kutxi+jlywiSHxHXRs=,tag:GvFyzDb/mLM1bhFwcJ9ZtA==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `apps/base/chatgpt-next/chatgpt-next-secret.yaml`, as the repository holds it.
const APPS_BASE_CHATGPT_NEXT_CHATGPT_NEXT_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: chatgpt-next-secret
  namespace: chatgpt-next
type: Opaque
stringData:
  OPENAI_API_KEY: ENC[AES256_GCM,data:r6Cxth5uPM5pJxUu8igymYy9s7DEM9LWPSoxRqeQAd00VLRv9B+DcphpPprrPczFb46y,iv:JGsrIALFaPzhm5BL36J+kTjS5u7gBUUXLZ4VZlUZMXM=,tag:DD+g6GyjcLQgWfZEc7EZsA==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSB1T0VxNGptUFkvWW1ET21u
        eTU1bFMzaHZOTmEvckI0b2hqMGFoNGthUXlnCmxvVzdocTg1eEN5VFRQYU1ranJh
        ZlRDZUhiYXdsQ3dKNFpCN3RqVm1DWFkKLS0tIDV4Y0xvVU52VCtuQ3FqdkdQbTBa
        ak5wWFpSUGpDQ0MvbWlkd3BZWkJYWlUKVEWb8HiLMc2h5FLJW4EybBWBJDe+IO0e
        C8/ZfZTHng8FCfd0fMeEPQ9Ft6z25XUzc+EWlisu68ur21iclDSCNQ==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-07-18T15:02:13Z'
  mac: ENC[AES256_GCM,data:ba5mEvHet/wPzdBjQ3gJSX2Zg9vHsmCmoNoNFdscP1iLplEKpNV7BYkHhW9M/0PmmTGoOFLWDG57LtosH42K+pvaJiU5WI+Y1HWEP1DAnz/4uwKNbOE/RvrLo9eW7PP8d6gJj0eboTFA/7Vp8B2MRB5i/joaUOqzOsKhCKC/ymw=,iv:g7KMIqQxl1Le6w2ZaS65VYDuviSQF8+qwFKu23xq4Kk=,tag:VxIjB/YWCGrZvAZRQap0LA==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `apps/base/code-server/code-server-secret.yaml`, as the repository holds it.
const APPS_BASE_CODE_SERVER_CODE_SERVER_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: code-server-secret
  namespace: code-server
type: Opaque
stringData:
  PASSWORD: ENC[AES256_GCM,data:fINgLSGFBqF9X1k+AUJZnw==,iv:2utrLBrCUynr/lphxCvOff2fhSzloHDNYox85ZBONs8=,tag:2iHRH0czFZNbkfHB8/Awaw==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBNSHF2LzBGK3AzZDJLSFlK
        d0IyQWwyODRtaUtMMXZpemFPajBoQUttcGdFCm85THJLRmxNeFlVTzR4aXVFbmdP
        ZmxxU2xMcVpxVStKbi9adE85WGxrOHMKLS0tIEVUOU5HRzB2TWROa2lDdFBRb3ZM
        UHI2VWdOL20vQld1N2Q4SzBQSDJpaEkKBvUZIqyKIGb5dYK3tm1djG/YzawYhH+u
        6cb6XbSal9YvE1ueal+1DtR4lRa1sfrHdr+Ob3w2Wya5HxzZBHcRsA==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-07-19T20:07:03Z'
  mac: ENC[AES256_GCM,data:lPp3XD5ydvU4/YNDzJcaTgMo/bftc2bq3TeeisF+dAr9VF75kjPnlyv+BUWmzI2X87Mra8tWjB2PIgCY7d1/4lY0Ig0OX6yhWZV+4OL2uS0/fkioe15OOsvLuasaMlqKZgCWcnnyIqo2vFG+C260EI2YBnq9fhKuUR1MfMqfiCU=,iv:dXNlGNCEVJs1664dXusCxy/P7lcpmiRTztmEMqNxg7U=,tag:mD7CxClgXs20fem54ZdYUA==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `apps/base/lidify/lidify-secret.yaml`, as the repository holds it.
const APPS_BASE_LIDIFY_LIDIFY_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: lidify-secret
  namespace: lidify
type: Opaque
stringData:
  last_fm_api_key: ENC[AES256_GCM,data:EZVd38wPCmnbV7hkjWlwk29ta6uodztCt+z0xlKFous=,iv:1zh5SGMhwBvEpvya41Sdqgzf+xZ0Bovj9Ry/jwyPTJI=,tag:LScH8eeULS1eT440gqd0nA==,type:str]
  last_fm_api_secret: ENC[AES256_GCM,data:UpHJd8eXe4yMVFY/tg33iCT0oMuIzBN4pgDGyw/2+hc=,iv:UFDNFHpZmda1C1W9j5yp3ZykgT/LlDphUclWanaX0f4=,tag:daHsZf4ZS61N3KwYLGXutw==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBQNTVsOTA4amxQK1hCaEti
        TXM2aTJ5TlhnTDkvQjhTS1Q2bnFmMXRwR3pjCmg0ZlNtN2RrQ3ord0lTRkY1MlhR
        bHNNQUxTUFlzNHJxWkFXRmlHUE5LRDgKLS0tIEZSaiswRnRlYkN2dllMY3k3K255
        S1p1N0h0NGVXRFRaaithNE1CU3FyVWcK3zuHbDEfETkNRMOoM4x3subV4q4gjU9B
        KfdGXarwWBL8jjfEN6IqR553yyo2iormuhY/xNUJnXtcAQqblZea9w==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-08-18T06:29:06Z'
  mac: ENC[AES256_GCM,data:Pi7VnlUptMcPXXIabtQV7mZtC+vNmsaQ2wN21W8oMqJHrSVHCe/tsqsFCq/6i/tAfr1nbiNz+UrGSYa0MSa5Zg5A7rmHGVVxOI7RXsYq58Yz40fGfxhEGKCuH/EvFknf1OwaaUlgF6BVkiKfslD9CFIvMbMtIiFb+Skv0xoKguo=,iv:+s/Z0ujSINRIxfr8KxxNZBbfYIoWGNP03qayevR9dhw=,tag:ouN5MPcOl+Kk1ZlH5SU2+g==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `apps/base/pgadmin/pgadmin-secret.yaml`, as the repository holds it.
const APPS_BASE_PGADMIN_PGADMIN_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: pgadmin-secret
  namespace: pgadmin
type: Opaque
stringData:
  PGADMIN_DEFAULT_EMAIL: ENC[AES256_GCM,data:RythHYN/IxqtOafm96QjSOiE,iv:pgaK4cL8ooZ+HROmqtQcwJeijew4w2duzOS9bUE3bMg=,tag:mYb66UqQlaWMRuu4ko/tcg==,type:str]
  PGADMIN_DEFAULT_PASSWORD: ENC[AES256_GCM,data:OndieeapeovQnKr8Eyb5pfphPJXJJ5nV,iv:NCbs32jxSuFCdFXpLKDuqx9BOgyLoQaYhoRiA9/alN8=,tag:gxTkO6rxcrohSi70J1CSWA==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBlV3FkTzFSODJreXMxc1h1
        NlNDVmlCL0VpU1hRWjhYL3FMaUwzWTZQQ3dRClFtdXhTVmx4b1FDVkxUUDVYKzlo
        SldlbTRzZy93bnQrdXhBZk1KdGRSZ1UKLS0tIEZDbXBCWGJMUm91YnF0MEpuTjU2
        YXBHQTdxTE5UWUF2RW93ckhMaHFtc28K6x9p5ATs6Jdme0d+Iabo4JUf510u3dgr
        YOLP4GUlfCrxgJ+3TT0dEMutvSKpoys78CUh96OJNHnbQitY5pXpxg==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-08-06T17:48:17Z'
  mac: ENC[AES256_GCM,data:euFTfV0N/mgQVYlg4L2mrrdKC8QDkWQ4hgdTo9PzrHeRulPmgkA8lVN4Mtvh4EpRrEJy9zqWYsW102qoAHPr2BDf3ZIbL0COMfRKREhYiLodepCVS2qXpZOslQG9Ee2ZGMmKyU1+Rk6mEoHNa+AhkG4rXFmZo3oc7qA8wCK+Moc=,iv:lR8M2zxgcieLTXUW2fRrrjdlAa4yoSHMuWRow3lGqkM=,tag:Si26wG8Ia6slguRx9qjkYA==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `apps/base/tandoor/release.yaml`, as the repository holds it.
const APPS_BASE_TANDOOR_RELEASE_YAML: &str = r#"---
# See https://github.com/drag0n141/home-ops/blob/master/kubernetes/apps/default/tandoor/app/helmrelease.yaml
# https://github.com/auricom/home-ops/blob/main/kubernetes/apps/default/tandoor/app/helmrelease.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: ${lidify_app_name}
---
# yaml-language-server: $schema=https://raw.githubusercontent.com/bjw-s/helm-charts/main/charts/other/app-template/schemas/helmrelease-helm-v2.schema.json
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: lidify
  namespace: ${lidify_app_name}
spec:
  interval: 30m
  chart:
    spec:
      chart: app-template
      sourceRef:
        kind: HelmRepository
        name: bjw-s-charts
        namespace: flux-system
  install:
    remediation:
      retries: 3
  values:
    controllers:
      ${lidify_app_name}:
        replicas: 1
        annotations:
          reloader.stakater.com/auto: 'true'
        containers:
          app:
            image:
              repository: thewicklowwolf/lidify
              tag: 0.2.3
            ports:
              - name: http
                containerPort: &httpPort 5000
            env:
              - name: mode
                value: LastFM
            envFrom:
              - secretRef:
                  name: lidify-secret
            resources:
              requests:
                cpu: 10m
                memory: 128Mi
              limits:
                memory: 1Gi
    service:
      app:
        controller: ${lidify_app_name}
        type: ClusterIP
        ports:
          http:
            port: *httpPort
            protocol: TCP
    ingress:
      app:
        className: nginx
        annotations:
          cert-manager.io/cluster-issuer: letsencrypt-production
          kubernetes.io/tls-acme: 'true'
          nginx.ingress.kubernetes.io/force-ssl-redirect: 'true'
          nginx.ingress.kubernetes.io/ssl-redirect: 'true'
    persistence:
      config:
        enabled: true
        type: persistentVolumeClaim
        storageClass: longhorn-crypto-global
        accessMode: ReadWriteOnce
        size: 2Gi
        globalMounts:
          - path: /config
"#;

/// `apps/base/tandoor/lidify-secret.yaml`, as the repository holds it.
const APPS_BASE_TANDOOR_LIDIFY_SECRET_YAML: &str = r#"---
apiVersion: v1
kind: Secret
metadata:
  name: lidify-secret
  namespace: lidify
type: Opaque
stringData:
  last_fm_api_key: ENC[AES256_GCM,data:EZVd38wPCmnbV7hkjWlwk29ta6uodztCt+z0xlKFous=,iv:1zh5SGMhwBvEpvya41Sdqgzf+xZ0Bovj9Ry/jwyPTJI=,tag:LScH8eeULS1eT440gqd0nA==,type:str]
  last_fm_api_secret: ENC[AES256_GCM,data:UpHJd8eXe4yMVFY/tg33iCT0oMuIzBN4pgDGyw/2+hc=,iv:UFDNFHpZmda1C1W9j5yp3ZykgT/LlDphUclWanaX0f4=,tag:daHsZf4ZS61N3KwYLGXutw==,type:str]
sops:
  age:
    - recipient: age1xlgjxfxyshfagpcg25awdket4tp2xpy5m6xfewegllqqdq9utgtqgt2afg
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBQNTVsOTA4amxQK1hCaEti
        TXM2aTJ5TlhnTDkvQjhTS1Q2bnFmMXRwR3pjCmg0ZlNtN2RrQ3ord0lTRkY1MlhR
        bHNNQUxTUFlzNHJxWkFXRmlHUE5LRDgKLS0tIEZSaiswRnRlYkN2dllMY3k3K255
        S1p1N0h0NGVXRFRaaithNE1CU3FyVWcK3zuHbDEfETkNRMOoM4x3subV4q4gjU9B
        KfdGXarwWBL8jjfEN6IqR553yyo2iormuhY/xNUJnXtcAQqblZea9w==
        -----END AGE ENCRYPTED FILE-----
  lastmodified: '2025-08-18T06:29:06Z'
  mac: ENC[AES256_GCM,data:Pi7VnlUptMcPXXIabtQV7mZtC+vNmsaQ2wN21W8oMqJHrSVHCe/tsqsFCq/6i/tAfr1nbiNz+UrGSYa0MSa5Zg5A7rmHGVVxOI7RXsYq58Yz40fGfxhEGKCuH/EvFknf1OwaaUlgF6BVkiKfslD9CFIvMbMtIiFb+Skv0xoKguo=,iv:+s/Z0ujSINRIxfr8KxxNZBbfYIoWGNP03qayevR9dhw=,tag:ouN5MPcOl+Kk1ZlH5SU2+g==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
"#;

/// `temp/blackbox-values.yaml`, as the repository holds it.
const TEMP_BLACKBOX_VALUES_YAML: &str = r#"---
global:
  ## Global image registry to use if it needs to be overriden for some specific use cases (e.g local registries, custom images, ...)
  ##
  imageRegistry: ''
restartPolicy: Always
kind: Deployment

## Override the namespace
##
namespaceOverride: ''

# Override Kubernetes version if your distribution does not follow semver v2
kubeVersionOverride: ''

## set to true to add the release label so scraping of the servicemonitor with kube-prometheus-stack works out of the box
releaseLabel: false
podDisruptionBudget: {}
  # maxUnavailable: 0

## Allow automount the serviceaccount token for sidecar container (eg: oauthproxy)
automountServiceAccountToken: false

## Additional blackbox-exporter container environment variables
extraEnv: []
  # - name: GOMAXPROCS
  #   valueFrom:
  #     resourceFieldRef:
  #       resource: limits.cpu
  #       divisor: "1"
  # - name: HTTP_PROXY
  #   value: "http://superproxy.com:3128"

## Additional blackbox-exporter container environment variables for secret or configMap
extraEnvFrom: []
  # - configMapRef:
  #     name: configMapOne
  # - secretRef:
  #     name: secretOne
  # - secretRef:
  #     name: secretTwo
extraVolumes: []
  # - name: secret-blackbox-oauth-htpasswd
  #   secret:
  #     defaultMode: 420
  #     secretName: blackbox-oauth-htpasswd
  # - name: storage-volume
  #   persistentVolumeClaim:
  #     claimName: example
## Additional volumes that will be attached to the blackbox-exporter container
extraVolumeMounts:
  # - name: ca-certs
  #   mountPath: /etc/ssl/certs/ca-certificates.crt
## Additional InitContainers to initialize the pod
## This supports either a structured array or a templatable string
extraInitContainers: []

## This supports either a structured array or a templatable string

# Array mode
extraContainers: []
  # - name: oAuth2-proxy
  #   args:
  #     - -https-address=:9116
  #     - -upstream=http://localhost:9115
  #     - -skip-auth-regex=^/metrics
  #     - -openshift-delegate-urls={"/":{"group":"monitoring.coreos.com","resource":"prometheuses","verb":"get"}}
  #   image: openshift/oauth-proxy:v1.1.0
  #   ports:
  #       - containerPort: 9116
  #         name: proxy
  #   resources:
  #       limits:
  #         memory: 16Mi
  #       requests:
  #         memory: 4Mi
  #         cpu: 20m
  #   volumeMounts:
  #     - mountPath: /etc/prometheus/secrets/blackbox-tls
  #       name: secret-blackbox-tls

## Number of replicasets to retain  ##
## default value is 10, 0 will not retain any replicasets and make rollbacks impossible  ##
revisionHistoryLimit: 10

# String mode
# extraContainers: |-
#   - name: oAuth2-proxy
#     args:
#       - -https-address=:9116
#       - -upstream=http://localhost:9115
#       - -skip-auth-regex=^/metrics
#       - -openshift-delegate-urls={"/":{"group":"monitoring.coreos.com","resource":"prometheuses","verb":"get"}}
#     image: {{ .Values.global.imageRegistry }}/openshift/oauth-proxy:v1.1.0
hostNetwork: false
strategy:
  rollingUpdate:
    maxSurge: 1
    maxUnavailable: 0
  type: RollingUpdate
image:
  registry: quay.io
  repository: prometheus/blackbox-exporter
  # Overrides the image tag whose default is {{ printf "v%s" .Chart.AppVersion }}
  tag: ''
  pullPolicy: IfNotPresent
  digest: ''

  ## Optionally specify an array of imagePullSecrets.
  ## Secrets must be manually created in the namespace.
  ## ref: https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/
  ##
  # pullSecrets:
  #   - myRegistrKeySecretName
podSecurityContext: {}
# fsGroup: 1000
## User and Group to run blackbox-exporter container as
securityContext:
  runAsUser: 1000
  runAsGroup: 1000
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
# Add NET_RAW to enable ICMP
#    add: ["NET_RAW"]
livenessProbe:
  httpGet:
    path: /-/healthy
    port: http
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /-/healthy
    port: http
nodeSelector: {}
tolerations: []
affinity: {}

## Topology spread constraints rely on node labels to identify the topology domain(s) that each Node is in.
## Ref: https://kubernetes.io/docs/concepts/workloads/pods/pod-topology-spread-constraints/
topologySpreadConstraints: []
  # - maxSkew: 1
  #   topologyKey: failure-domain.beta.kubernetes.io/zone
  #   whenUnsatisfiable: DoNotSchedule
  #   labelSelector:
  #     matchLabels:
#       app.kubernetes.io/instance: jiralert

# if the configuration is managed as secret outside the chart, using SealedSecret for example,
# provide the name of the secret here. If secretConfig is set to true, configExistingSecretName will be ignored
# in favor of the config value.
configExistingSecretName: ''
# Store the configuration as a `Secret` instead of a `ConfigMap`, useful in case it contains sensitive data
secretConfig: false
config:
  modules:
    http_2xx:
      prober: http
      timeout: 5s
      http:
        valid_http_versions: [HTTP/1.1, HTTP/2.0]
        follow_redirects: true
        preferred_ip_protocol: ip4
# Set custom config path, other than default /config/blackbox.yaml. If let empty, path will be "/config/blackbox.yaml"
# configPath: "/foo/bar"
extraConfigmapMounts: []
  # - name: certs-configmap
  #   mountPath: /etc/secrets/ssl/
  #   subPath: certificates.crt  # (optional)
  #   configMap: certs-configmap
  #   readOnly: true
  #   defaultMode: 420

## Additional secret mounts
# Defines additional mounts with secrets. Secrets must be manually created in the namespace.
extraSecretMounts: []
  # - name: secret-files
  #   mountPath: /etc/secrets
  #   secretName: blackbox-secret-files
  #   readOnly: true
  #   defaultMode: 420
resources: {}
  # limits:
  #   memory: 300Mi
  # requests:
  #   memory: 50Mi
priorityClassName: ''
service:
  annotations: {}
  labels: {}
  type: ClusterIP
  port: 9115
  ipDualStack:
    enabled: false
    ipFamilies: [IPv6, IPv4]
    ipFamilyPolicy: PreferDualStack
# Only changes container port. Application port can be changed with extraArgs (--web.listen-address=:9115)
# https://github.com/prometheus/blackbox_exporter/blob/998037b5b40c1de5fee348ffdea8820509d85171/main.go#L55
containerPort: 9115

# Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536. If zero, no port is exposed.
# This is useful for communicating with Daemon Pods when kind is DaemonSet.
hostPort: 0
serviceAccount:
  # Specifies whether a ServiceAccount should be created
  create: true
  # The name of the ServiceAccount to use.
  # If not set and create is true, a name is generated using the fullname template
  name:
  annotations: {}
## An Ingress resource can provide name-based virtual hosting and TLS
## termination among other things for CouchDB deployments which are accessed
## from outside the Kubernetes cluster.
## ref: https://kubernetes.io/docs/concepts/services-networking/ingress/
ingress:
  enabled: false
  className: ''
  labels: {}
  annotations: {}
    # kubernetes.io/tls-acme: "true"
  hosts:
    ## The host property on hosts and tls is passed through helm tpl function.
    ## ref: https://helm.sh/docs/developing_charts/#using-the-tpl-function
    - host: chart-example.local
      paths:
        - path: /
          pathType: ImplementationSpecific
  tls: []
  #  - secretName: chart-example-tls
  #    hosts:
  #      - chart-example.local
podAnnotations: {}

# Annotations for the Deployment
deploymentAnnotations: {}

# Annotations for the Secret
secretAnnotations: {}

# Hostaliases allow to add additional DNS entries to be injected directly into pods.
# This will take precedence over your implemented DNS solution
hostAliases: []
#  - ip: 192.168.1.1
#    hostNames:
#      - test.example.com
#      - another.example.net
pod:
  labels: {}
extraArgs: []
  # - --history.limit=1000
replicas: 1
serviceMonitor:
  ## If true, a ServiceMonitor CRD is created for a prometheus operator
  ## https://github.com/coreos/prometheus-operator for blackbox-exporter itself
  ##
  selfMonitor:
    enabled: false
    additionalMetricsRelabels: {}
    additionalRelabeling: []
    labels: {}
    path: /metrics
    scheme: http
    tlsConfig: {}
    interval: 30s
    scrapeTimeout: 30s
    ## Port can be defined by assigning a value for the port key below
    ## port:

  ## If true, a ServiceMonitor CRD is created for a prometheus operator
  ## https://github.com/coreos/prometheus-operator for each target
  ##
  enabled: false

  # Default values that will be used for all ServiceMonitors created by `targets`
  defaults:
    additionalMetricsRelabels: {}
    additionalRelabeling: []
    labels: {}
    interval: 30s
    scrapeTimeout: 30s
    honorTimestamps: true
    module: http_2xx
  ## scheme: HTTP scheme to use for scraping. Can be used with `tlsConfig` for example if using istio mTLS.
  scheme: http
  ## path: HTTP path. Needs to be adjusted, if web.route-prefix is set
  path: /probe
  ## tlsConfig: TLS configuration to use when scraping the endpoint. For example if using istio mTLS.
  ## Of type: https://github.com/coreos/prometheus-operator/blob/master/Documentation/api.md#tlsconfig
  tlsConfig: {}
  bearerTokenFile:
  targets:
#    - name: example  # Human readable URL that will appear in Prometheus / AlertManager
#      url: http://example.com/healthz  # The URL that blackbox will scrape
#      hostname: example.com  # HTTP probes can accept an additional `hostname` parameter that will set `Host` header and TLS SNI
#      labels: {}  # Map of labels for ServiceMonitor. Overrides value set in `defaults`
#      interval: 60s  # Scraping interval. Overrides value set in `defaults`
#      scrapeTimeout: 60s  # Scrape timeout. Overrides value set in `defaults`
#      module: http_2xx  # Module used for scraping. Overrides value set in `defaults`
#      additionalMetricsRelabels: {}  # Map of metric labels and values to add
#      additionalRelabeling: []  # List of metric relabeling actions to run
## Custom PrometheusRules to be defined
## ref: https://github.com/coreos/prometheus-operator#customresourcedefinitions
prometheusRule:
  enabled: false
  additionalLabels: {}
  namespace: ''
  rules: []
podMonitoring:
  ## If true, a PodMonitoring CR is created for google managed prometheus
  ## https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed#gmp-pod-monitoring for blackbox-exporter itself
  ##
  selfMonitor:
    enabled: false
    additionalMetricsRelabels: {}
    labels: {}
    path: /metrics
    interval: 30s
    scrapeTimeout: 30s

  ## If true, a PodMonitoring CR is created for a google managed prometheus
  ## https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed#gmp-pod-monitoring for each target
  ##
  enabled: false

  ## Default values that will be used for all PodMonitoring created by `targets`
  ## Following PodMonitoring API specs https://github.com/GoogleCloudPlatform/prometheus-engine/blob/main/doc/api.md#scrapeendpoint
  defaults:
    additionalMetricsRelabels: {}
    labels: {}
    interval: 30s
    scrapeTimeout: 30s
    module: http_2xx
  ## scheme: Protocol scheme to use to scrape.
  scheme: http
  ## path: HTTP path. Needs to be adjusted, if web.route-prefix is set
  path: /probe
  ## tlsConfig: TLS configuration to use when scraping the endpoint. For example if using istio mTLS.
  ## Of type: https://github.com/coreos/prometheus-operator/blob/master/Documentation/api.md#tlsconfig
  tlsConfig: {}
  targets:
#    - name: example  # Human readable URL that will appear in Google Managed Prometheus / AlertManager
#      url: http://example.com/healthz  # The URL that blackbox will scrape
#      hostname: example.com  # HTTP probes can accept an additional `hostname` parameter that will set `Host` header and TLS SNI
#      labels: {}  # Map of labels for PodMonitoring. Overrides value set in `defaults`
#      interval: 60s  # Scraping interval. Overrides value set in `defaults`
#      scrapeTimeout: 60s  # Scrape timeout. Overrides value set in `defaults`
#      module: http_2xx  # Module used for scraping. Overrides value set in `defaults`
#      additionalMetricsRelabels: {}  # Map of metric labels and values to add
## Network policy for chart
networkPolicy:
  # Enable network policy and allow access from anywhere
  enabled: false
  # Limit access only from monitoring namespace
  # Before setting this value to true, you must add the name=monitoring label to the monitoring namespace.  Name can be rewritten by monitoringNamespaceName
  # Network Policy uses label filtering
  allowMonitoringNamespace: false
  # Rewrite monitoring namespace in network policy (default value monitoring)
  monitoringNamespaceName: monitoring
## dnsPolicy and dnsConfig for Deployments and Daemonsets if you want non-default settings.
## These will be passed directly to the PodSpec of same.
dnsPolicy:
dnsConfig:
# Extra manifests to deploy as an array
extraManifests: []
  # - apiVersion: v1
  #   kind: ConfigMap
  #   metadata:
  #   labels:
  #     name: prometheus-extra
  #   data:
  #     extra-data: "value"

# global common labels, applied to all ressources
commonLabels: {}
# Enable vertical pod autoscaler support for prometheus-blackbox-exporter
verticalPodAutoscaler:
  enabled: false

  # Recommender responsible for generating recommendation for the object.
  # List should be empty (then the default recommender will generate the recommendation)
  # or contain exactly one recommender.
  # recommenders:
  # - name: custom-recommender-performance

  # List of resources that the vertical pod autoscaler can control. Defaults to cpu and memory
  controlledResources: []
  # Specifies which resource values should be controlled: RequestsOnly or RequestsAndLimits.
  # controlledValues: RequestsAndLimits

  # Define the max allowed resources for the pod
  maxAllowed: {}
  # cpu: 200m
  # memory: 100Mi
  # Define the min allowed resources for the pod
  minAllowed: {}
  # cpu: 200m
  # memory: 100Mi
  updatePolicy:
    # Specifies minimal number of replicas which need to be alive for VPA Updater to attempt pod eviction
    # minReplicas: 1
    # Specifies whether recommended updates are applied when a Pod is started and whether recommended updates
    # are applied during the life of a Pod. Possible values are "Off", "Initial", "Recreate", and "Auto".
    updateMode: Auto
configReloader:
  enabled: false
  containerPort: 8080
  config:
    logFormat: logfmt
    logLevel: info
    watchInterval: 1m
  image:
    registry: quay.io
    repository: prometheus-operator/prometheus-config-reloader
    tag: v0.86.2
    pullPolicy: IfNotPresent
    digest: ''
  securityContext:
    runAsUser: 1000
    runAsGroup: 1000
    readOnlyRootFilesystem: true
    runAsNonRoot: true
    allowPrivilegeEscalation: false
    capabilities:
      drop: [ALL]
  resources:
    limits:
      memory: 50Mi
    requests:
      cpu: 10m
      memory: 20Mi
  livenessProbe:
    httpGet:
      path: /healthz
      port: reloader-web
      scheme: HTTP
  readinessProbe:
    httpGet:
      path: /healthz
      port: reloader-web
      scheme: HTTP
  service:
    port: 8080
  serviceMonitor:
    selfMonitor:
      additionalMetricsRelabels: {}
      additionalRelabeling: []
      path: /metrics
      scheme: http
      tlsConfig: {}
      interval: 30s
      scrapeTimeout: 30s
"#;

/// `clusters/staging/flux-system/gotk-sync.yaml`, as the repository holds it.
const CLUSTERS_STAGING_FLUX_SYSTEM_GOTK_SYNC_YAML: &str = r#"# This manifest was generated by flux. DO NOT EDIT.
"#;

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}
