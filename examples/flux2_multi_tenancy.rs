//! `fluxcd/flux2-multi-tenancy` in Rust, as its main branch holds it: clusters `staging`
//! and `production`, each applying the Kyverno controller and policies and its tenants'
//! overlay — `tenants/<cluster>` over the shared base `tenants/base/dev-team`, a
//! strategic-merge patch pointing the tenant's Kustomization at its cluster's folder. The
//! base is declared once; each overlay's build is checked by render, as Flux builds it.
//!
//! ```text
//! cargo run --example flux2_multi_tenancy                            # print it all
//! cargo run --example flux2_multi_tenancy -- tree --cluster staging  # what staging runs
//! cargo run --example flux2_multi_tenancy -- print --effective --cluster production
//! ```
//!
//! `tests/suite/reproductions.rs` compares every document with the real repository.

use fluxdsl::k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use fluxdsl::k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    Cluster, Duration, GitRef, GitRepository, Kustomization, KustomizeConfig, NamespaceName,
    OCIRepository, OciProvider, OciRef, OciVerify, Patch, PatchFile, PatchTarget, Ref, Repository,
    duration, name, namespace,
};
use serde_json::json;

/// The tenants' namespace, set by every tenant kustomization.
const APPS: NamespaceName = namespace!("apps");
/// The placeholder `flux bootstrap` replaces on the cluster's first bootstrap.
const PLACEHOLDER: &str = "# This file will be generated automatically by flux boostrap.\n";

/// What differs between the clusters.
struct Settings {
    cluster: &'static str,
    kyverno_interval: Duration,
    kyverno_timeout: Duration,
    policies_interval: Duration,
}

/// The repository: both clusters and the folders they share.
pub fn repository() -> Repository {
    let mut repository = Repository::new();
    repository
        .cluster(
            "staging",
            cluster(&Settings {
                cluster: "staging",
                kyverno_interval: duration!("720m0s"),
                kyverno_timeout: duration!("10m"),
                policies_interval: duration!("15m0s"),
            }),
        )
        .cluster(
            "production",
            cluster(&Settings {
                cluster: "production",
                kyverno_interval: duration!("10m"),
                kyverno_timeout: duration!("5m"),
                policies_interval: duration!("5m"),
            }),
        )
        .shared(shared());
    repository
}

/// `clusters/<cluster>`: bootstrap's folder (its files are placeholders on the main
/// branch) with the lockdown patches, and the Kustomizations of the infrastructure and
/// the tenants, all reconciled as kustomize-controller's ServiceAccount.
fn cluster(s: &Settings) -> Cluster {
    let mut c = Cluster::for_repository("");
    let dir = format!("clusters/{}", s.cluster);
    let flux_ns = NamespaceName::FLUX_SYSTEM;
    // Made by `flux bootstrap`, not by this repository.
    let fleet: Ref<GitRepository> = Ref::outside_repository(&flux_ns, name!("flux-system"));
    c.source_is_this_repository(&fleet);
    let controller: Ref<ServiceAccount> = Ref::existing(&flux_ns, name!("kustomize-controller"));
    let components = c.verbatim_file(
        &format!("{dir}/flux-system/gotk-components.yaml"),
        PLACEHOLDER,
    );
    let sync = c.verbatim_file(&format!("{dir}/flux-system/gotk-sync.yaml"), PLACEHOLDER);
    let add_arg = |arg: &str| {
        format!("- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: {arg}\n")
    };
    let deployments = |name: &str| PatchTarget {
        kind: Some("Deployment".into()),
        name: Some(name.into()),
        ..PatchTarget::default()
    };
    c.kustomize_config(
        &format!("{dir}/flux-system"),
        KustomizeConfig::builder()
            .resources(&[&components, &sync])
            .patches(&[
                Patch::new(
                    &add_arg("--no-cross-namespace-refs=true"),
                    deployments(
                        "(kustomize-controller|helm-controller|notification-controller|image-reflector-controller|image-automation-controller)",
                    ),
                ),
                Patch::new(
                    &add_arg("--no-remote-bases=true"),
                    deployments("kustomize-controller"),
                ),
                Patch::new(
                    &add_arg("--default-service-account=default"),
                    deployments("(kustomize-controller|helm-controller)"),
                ),
                Patch::new(
                    "- op: add\n  path: /spec/serviceAccountName\n  value: kustomize-controller\n",
                    PatchTarget {
                        kind: Some("Kustomization".into()),
                        name: Some("flux-system".into()),
                        ..PatchTarget::default()
                    },
                ),
            ])
            .build(),
    );
    let infrastructure = c.file(&format!("{dir}/infrastructure.yaml"));
    let kyverno = c.add(
        &infrastructure,
        Kustomization::builder()
            .name(name!("kyverno"))
            .interval(s.kyverno_interval)
            .source_ref(&fleet)
            .service_account_name(&controller)
            .path("./infrastructure/kyverno")
            .prune(true)
            .wait(true)
            .timeout(s.kyverno_timeout)
            .build(),
    );
    let policies = c.add(
        &infrastructure,
        Kustomization::builder()
            .name(name!("kyverno-policies"))
            .depends_on(&[&kyverno])
            .interval(s.policies_interval)
            .source_ref(&fleet)
            .service_account_name(&controller)
            .path("./infrastructure/kyverno-policies")
            .prune(true)
            .build(),
    );
    let tenants = c.file(&format!("{dir}/tenants.yaml"));
    c.add(
        &tenants,
        Kustomization::builder()
            .name(name!("tenants"))
            .depends_on(&[&policies])
            .interval(duration!("5m"))
            .service_account_name(&controller)
            .source_ref(&fleet)
            .path(format!("./tenants/{}", s.cluster))
            .prune(true)
            .build(),
    );
    c
}

/// What both clusters apply: Kyverno (from its OCI artifact) and its policies, the tenant
/// base and one overlay of it per cluster.
fn shared() -> Cluster {
    let mut c = Cluster::for_repository("");
    let flux_ns = NamespaceName::FLUX_SYSTEM;
    let controller: Ref<ServiceAccount> = Ref::existing(&flux_ns, name!("kustomize-controller"));

    // infrastructure/kyverno: Kyverno's manifests from their OCI artifact, written at
    // v1beta2 as the repository has it (a version Flux still serves; render checks that
    // both clusters' Flux serves it).
    c.write_kind_at::<OCIRepository>("v1beta2");
    let source = c.file("infrastructure/kyverno/source.yaml");
    let artifact = c.add(
        &source,
        OCIRepository::builder()
            .name(name!("kyverno-controller"))
            .interval(duration!("120m0s"))
            .provider(OciProvider::Generic)
            .url("oci://ghcr.io/kyverno/manifests/kyverno")
            .reference(OciRef::tag("v1.14.4"))
            .verify(OciVerify::cosign())
            .build(),
    );
    let sync = c.file("infrastructure/kyverno/sync.yaml");
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("kyverno-controller"))
            .interval(duration!("720m0s"))
            .source_ref(&artifact)
            .service_account_name(&controller)
            .path("./")
            .prune(true)
            .wait(true)
            .timeout(duration!("5m"))
            .build(),
    );
    c.kustomize_config(
        "infrastructure/kyverno",
        KustomizeConfig::builder()
            .resources(&[&source, &sync])
            .build(),
    );

    // infrastructure/kyverno-policies: Kyverno's own kinds, carried as written.
    let images = c.verbatim_file(
        "infrastructure/kyverno-policies/verify-flux-images.yaml",
        VERIFY_FLUX_IMAGES,
    );
    let repositories = c.verbatim_file(
        "infrastructure/kyverno-policies/verify-git-repositories.yaml",
        VERIFY_GIT_REPOSITORIES,
    );
    c.kustomize_config(
        "infrastructure/kyverno-policies",
        KustomizeConfig::builder()
            .resources(&[&images, &repositories])
            .build(),
    );

    // tenants/base/dev-team, declared once, and each cluster's overlay of it.
    tenant_base(&mut c);
    for cluster in ["staging", "production"] {
        let dir = format!("tenants/{cluster}");
        let patch = c.file(&format!("{dir}/dev-team-patch.yaml"));
        c.add_patch(
            &patch,
            json!({
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                "kind": "Kustomization",
                "metadata": {"name": "dev-team", "namespace": "apps"},
                "spec": {"path": format!("./{cluster}")}
            }),
        );
        c.kustomize_config(
            &dir,
            KustomizeConfig::builder()
                .namespace(APPS)
                .resource_paths(&["../base/dev-team"])
                .patch_files(&[PatchFile::strategic_merge(&patch)])
                .build(),
        );
    }
    c
}

/// `tenants/base/dev-team`: the tenant's namespace, its ServiceAccount bound to
/// `cluster-admin` in it (and the reconciler user), and its own sync, reconciled as that
/// ServiceAccount from the root of the tenant's branch.
fn tenant_base(c: &mut Cluster) {
    let dir = "tenants/base/dev-team";
    let tenant = || {
        Some(
            [(
                "toolkit.fluxcd.io/tenant".to_string(),
                "dev-team".to_string(),
            )]
            .into(),
        )
    };
    let meta = |name: &str| ObjectMeta {
        name: Some(name.into()),
        namespace: Some(APPS.as_str().into()),
        labels: tenant(),
        ..ObjectMeta::default()
    };
    let rbac = c.file(&format!("{dir}/rbac.yaml"));
    c.add(
        &rbac,
        Namespace {
            metadata: ObjectMeta {
                name: Some(APPS.as_str().into()),
                labels: tenant(),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
    );
    let account = c.add(
        &rbac,
        ServiceAccount {
            metadata: meta("dev-team"),
            ..ServiceAccount::default()
        },
    );
    c.add(
        &rbac,
        RoleBinding {
            metadata: meta("gotk-reconciler"),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: "ClusterRole".into(),
                name: "cluster-admin".into(),
            },
            subjects: Some(vec![
                Subject {
                    kind: "User".into(),
                    name: "gotk:apps:reconciler".into(),
                    ..Subject::default()
                },
                Subject {
                    kind: "ServiceAccount".into(),
                    name: "dev-team".into(),
                    namespace: Some(APPS.as_str().into()),
                    ..Subject::default()
                },
            ]),
        },
    );
    let sync = c.file(&format!("{dir}/sync.yaml"));
    let repo = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("dev-team"))
            .namespace(APPS)
            .interval(duration!("1m"))
            .url("https://github.com/fluxcd/flux2-multi-tenancy")
            .reference(GitRef::branch("dev-team"))
            .build(),
    );
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("dev-team"))
            .namespace(APPS)
            .service_account_name(&account)
            .interval(duration!("5m"))
            .source_ref(&repo)
            .prune(true)
            .build(),
    );
    c.kustomize_config(
        dir,
        KustomizeConfig::builder()
            .namespace(APPS)
            .resources(&[&rbac, &sync])
            .build(),
    );
}

/// Kyverno's ClusterPolicy that Flux's controllers run only images signed by Flux.
const VERIFY_FLUX_IMAGES: &str = include_str!(
    "../tests/fixtures/flux2-multi-tenancy/infrastructure/kyverno-policies/verify-flux-images.yaml"
);
/// Kyverno's ClusterPolicy that tenants' GitRepositories use HTTPS from GitHub.
const VERIFY_GIT_REPOSITORIES: &str = include_str!(
    "../tests/fixtures/flux2-multi-tenancy/infrastructure/kyverno-policies/verify-git-repositories.yaml"
);

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}
