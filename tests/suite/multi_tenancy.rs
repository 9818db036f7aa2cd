//! examples/multi_tenancy.rs (Flux's multi-tenancy guide) and the lockdown it shows:
//! no cross-namespace references, a default ServiceAccount.

#[allow(dead_code)]
#[path = "../../examples/multi_tenancy.rs"]
pub mod example;

use fluxdsl::k8s_openapi::api::core::v1::ServiceAccount;
use fluxdsl::{Cluster, GitRef, GitRepository, Kustomization, Ref, duration, name, namespace};

#[test]
fn the_tenants_render_and_kubectl_kustomize_builds_them() {
    let rendered = example::repository()
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in rendered.main().files() {
        let file = tmp.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let built = super::kustomize::kubectl_kustomize(&tmp.path().join("tenants"));
    let kinds: Vec<String> = built
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    for tenant in ["dev-team", "ops-team"] {
        for expected in [
            format!("Namespace/{tenant}"),
            format!("ServiceAccount/{tenant}"),
            "RoleBinding/gotk-reconciler".to_owned(),
            format!("GitRepository/{tenant}"),
            format!("Kustomization/{tenant}"),
        ] {
            assert!(kinds.contains(&expected), "{expected} in {kinds:?}");
        }
    }
    let sync = rendered.file("tenants/dev-team/sync.yaml").unwrap();
    assert!(sync.contains("  serviceAccountName: dev-team\n"), "{sync}");
}

/// A locked-down cluster with a tenant Kustomization in `apps`, reconciled by default as
/// the ServiceAccount `reconciler`.
fn locked(source_in_flux_system: bool, service_account: bool) -> Cluster {
    locked_as(source_in_flux_system, service_account, name!("reconciler"))
}

fn locked_as(
    source_in_flux_system: bool,
    service_account: bool,
    account: fluxdsl::Name,
) -> Cluster {
    let mut c = Cluster::new("k8s");
    c.forbid_cross_namespace_refs();
    c.default_service_account(account.clone());
    let file = c.file("apps.yaml");
    let apps = namespace!("apps");
    let platform = c.add(
        &file,
        GitRepository::builder()
            .name(name!("platform"))
            .url("https://example.com/platform")
            .reference(GitRef::branch("main"))
            .interval(duration!("1m"))
            .build(),
    );
    let own = c.add(
        &file,
        GitRepository::builder()
            .name(name!("apps"))
            .namespace(apps.clone())
            .url("https://example.com/apps")
            .reference(GitRef::branch("main"))
            .interval(duration!("1m"))
            .build(),
    );
    let builder = Kustomization::builder()
        .name(name!("apps"))
        .namespace(apps.clone())
        .path("./")
        .interval(duration!("5m"))
        .prune(true);
    let ks = if source_in_flux_system {
        builder.source_ref(&platform).build()
    } else {
        builder.source_ref(&own).build()
    };
    if service_account {
        // A ServiceAccount made by someone else: imported, not declared.
        let default: Ref<ServiceAccount> = Ref::existing(&apps, account);
        let _ = c.add(
            &file,
            Kustomization::builder()
                .name(name!("uses-default"))
                .namespace(apps)
                .source_ref(&own)
                .service_account_name(&default)
                .path("./")
                .interval(duration!("5m"))
                .prune(true)
                .build(),
        );
    }
    c.add(&file, ks);
    c
}

#[test]
fn the_lockdown_refuses_a_cross_namespace_source_and_an_undeclared_default_account() {
    let err = locked(true, false).render().unwrap_err().to_string();
    assert!(
        err.contains(
            "Kustomization apps/apps spec.sourceRef: refers to GitRepository flux-system/platform in another namespace, and this cluster forbids cross-namespace references"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "Kustomization apps/apps spec.serviceAccountName: is not set, so Flux reconciles it as the default ServiceAccount \"reconciler\" of namespace \"apps\", which this program does not declare"
        ),
        "{err}"
    );
    // Importing the namespace's ServiceAccount satisfies it.
    locked(false, true)
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    // Kubernetes creates `default` in every namespace: nothing to import.
    locked_as(false, false, name!("default"))
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
}
