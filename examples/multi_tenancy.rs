//! Flux's multi-tenancy guide (`fluxcd/flux2-multi-tenancy`) in Rust: the platform team's
//! cluster reconciles one folder per tenant — a Namespace, the tenant's ServiceAccount
//! bound to the namespace's `admin` role, and the tenant's own GitRepository and
//! Kustomization, reconciled as that ServiceAccount — under Flux's lockdown: no
//! cross-namespace references (`--no-cross-namespace-refs`) and a default ServiceAccount
//! (`--default-service-account`), which the program checks before anything is rendered.
//!
//! ```text
//! cargo run --example multi_tenancy                 # print it
//! cargo run --example multi_tenancy -- graph        # who may reach what
//! ```

use fluxdsl::k8s_openapi::api::core::v1::{Namespace, Secret, ServiceAccount};
use fluxdsl::k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    Cluster, FLUX_GENERATED_HEADER, GitRef, GitRepository, Kustomization, KustomizeConfig, Name,
    NamespaceName, Ref, Repository, Resource, duration, name,
};

/// The platform repository `flux bootstrap` was pointed at.
const FLEET: &str = "ssh://git@github.com/example/fleet";
/// The repository tenants keep their own manifests in (one branch each).
const TENANTS: &str = "https://github.com/fluxcd/flux2-multi-tenancy";

/// The repository: cluster `production` and the tenants' folders.
pub fn repository() -> Repository {
    let mut repository = Repository::new();
    repository
        .cluster("production", production())
        .shared(tenants(&[name!("dev-team"), name!("ops-team")]));
    repository
}

/// Flux's lockdown, as the platform team sets it on every part of the repository.
fn locked_down(c: &mut Cluster) {
    c.forbid_cross_namespace_refs();
    c.default_service_account(name!("default"));
}

/// `clusters/production`: bootstrap's sync pair and the Kustomization of the tenants.
fn production() -> Cluster {
    let mut c = Cluster::for_repository("");
    locked_down(&mut c);
    let sync = c.file_with_header(
        "clusters/production/flux-system/gotk-sync.yaml",
        FLUX_GENERATED_HEADER,
    );
    let key: Ref<Secret> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    let fleet = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url(FLEET)
            .reference(GitRef::branch("main"))
            .secret_ref(&key)
            .interval(duration!("1m0s"))
            .build(),
    );
    c.source_is_this_repository(&fleet);
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&fleet)
            .path("./clusters/production")
            .interval(duration!("10m0s"))
            .prune(true)
            .build(),
    );
    let tenants = c.file("clusters/production/tenants.yaml");
    c.add(
        &tenants,
        Kustomization::builder()
            .name(name!("tenants"))
            .source_ref(&fleet)
            .path("./tenants")
            .interval(duration!("5m"))
            .prune(true)
            .build(),
    );
    c
}

/// `tenants/<name>` for each tenant, and `tenants/kustomization.yaml` listing them.
fn tenants(names: &[Name]) -> Cluster {
    let mut c = Cluster::for_repository("");
    locked_down(&mut c);
    let mut folders = Vec::new();
    for tenant in names {
        tenant_folder(&mut c, tenant);
        folders.push(Resource::path(tenant.as_str()));
    }
    c.kustomize_config(
        "tenants",
        KustomizeConfig::builder().resource_list(&folders).build(),
    );
    c
}

/// One tenant: its namespace, ServiceAccount and RoleBinding, and its own sync — all in
/// the tenant's namespace, the Kustomization reconciled as the tenant's ServiceAccount.
fn tenant_folder(c: &mut Cluster, tenant: &Name) {
    let ns = NamespaceName::new(tenant.as_str()).expect("a tenant name is a namespace name");
    let dir = format!("tenants/{}", tenant.as_str());
    let meta = |name: &str| ObjectMeta {
        name: Some(name.into()),
        namespace: Some(ns.as_str().into()),
        ..ObjectMeta::default()
    };
    let rbac = c.file(&format!("{dir}/rbac.yaml"));
    c.add(
        &rbac,
        Namespace {
            metadata: ObjectMeta {
                name: Some(ns.as_str().into()),
                labels: Some(
                    [(
                        "toolkit.fluxcd.io/tenant".to_string(),
                        tenant.as_str().to_string(),
                    )]
                    .into(),
                ),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
    );
    let account = c.add(
        &rbac,
        ServiceAccount {
            metadata: meta(tenant.as_str()),
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
                name: "admin".into(),
            },
            subjects: Some(vec![Subject {
                kind: "ServiceAccount".into(),
                name: tenant.as_str().into(),
                namespace: Some(ns.as_str().into()),
                ..Subject::default()
            }]),
        },
    );
    let sync = c.file(&format!("{dir}/sync.yaml"));
    let repo = c.add(
        &sync,
        GitRepository::builder()
            .name(tenant.clone())
            .namespace(ns.clone())
            .url(TENANTS)
            .reference(GitRef::branch(tenant.as_str()))
            .interval(duration!("1m"))
            .build(),
    );
    c.add(
        &sync,
        Kustomization::builder()
            .name(tenant.clone())
            .namespace(ns.clone())
            .source_ref(&repo)
            .service_account_name(&account)
            .target_namespace(ns)
            .path("./")
            .interval(duration!("5m"))
            .prune(true)
            .build(),
    );
    c.kustomize_config(
        &dir,
        KustomizeConfig::builder()
            .resources(&[&rbac, &sync])
            .build(),
    );
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}
