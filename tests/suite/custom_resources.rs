//! Custom resources as typed objects: a type made with kube's `#[derive(CustomResource)]`
//! is declared like any kind, gets a handle, and renders as Flux would write it.

use fluxdsl::{Cluster, GitRepository, HealthCheck, Kustomization, Ref, duration, name};
use kube::CustomResource;
use serde::{Deserialize, Serialize};

/// cert-manager's `ClusterIssuer`, the part this test sets.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "cert-manager.io",
    version = "v1",
    kind = "ClusterIssuer",
    schema = "disabled"
)]
#[serde(rename_all = "camelCase")]
pub struct ClusterIssuerSpec {
    acme: Acme,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Acme {
    email: String,
    server: String,
    private_key_secret_ref: SecretName,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct SecretName {
    name: String,
}

/// A namespaced custom resource: a Gateway API `Gateway`, reduced.
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
}

fn issuer() -> ClusterIssuer {
    ClusterIssuer::new(
        "letsencrypt",
        ClusterIssuerSpec {
            acme: Acme {
                email: "ops@example.com".into(),
                server: "https://acme-v02.api.letsencrypt.org/directory".into(),
                private_key_secret_ref: SecretName {
                    name: "letsencrypt".into(),
                },
            },
        },
    )
}

#[test]
fn a_derived_custom_resource_is_declared_by_handle_and_rendered() {
    let mut cluster = Cluster::new("clusters/demo");
    let file = cluster.file("issuers.yaml");
    let issuer: Ref<ClusterIssuer> = cluster.add(&file, issuer());
    assert_eq!(issuer.name(), "letsencrypt");
    assert_eq!(issuer.namespace(), None);
    let edge = cluster.existing_namespace(fluxdsl::namespace!("edge"));
    let gateway: Ref<Gateway> = cluster.add_in(
        &edge,
        &file,
        Gateway::new(
            "envoy",
            GatewaySpec {
                gateway_class_name: "envoy".into(),
            },
        ),
    );
    assert_eq!(gateway.namespace(), Some("edge"));
    // A handle to a custom resource is a reference like any other: here a health check.
    let sync = cluster.file("sync.yaml");
    let repo = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("infra"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/infra")
            .interval(duration!("1m"))
            .build(),
    );
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("issuers"))
            .source_ref(&repo)
            .path("./issuers")
            .interval(duration!("10m"))
            .prune(true)
            .health_checks(&[HealthCheck::of(&issuer), HealthCheck::of(&gateway)])
            .build(),
    );
    let rendered = cluster.render().expect("the cluster renders");
    assert_eq!(
        rendered.file("issuers.yaml").unwrap(),
        "---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n\
         spec:\n  acme:\n    email: ops@example.com\n    privateKeySecretRef:\n      name: letsencrypt\n\
         \x20   server: https://acme-v02.api.letsencrypt.org/directory\n\
         ---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: envoy\n\
         \x20 namespace: edge\nspec:\n  gatewayClassName: envoy\n"
    );
    let sync = rendered.file("sync.yaml").unwrap();
    assert!(
        sync.contains(
            "  healthChecks:\n  - apiVersion: cert-manager.io/v1\n    kind: ClusterIssuer\n    name: letsencrypt\n\
             \x20 - apiVersion: gateway.networking.k8s.io/v1\n    kind: Gateway\n    name: envoy\n    namespace: edge\n"
        ),
        "{sync}"
    );
}

#[test]
fn a_custom_resource_declared_twice_is_refused_with_both_sites() {
    let mut cluster = Cluster::new("clusters/demo");
    let file = cluster.file("issuers.yaml");
    cluster.add(&file, issuer());
    cluster.add(&file, issuer());
    let err = cluster.render().unwrap_err().to_string();
    assert!(err.contains("ClusterIssuer letsencrypt"), "{err}");
    assert!(err.contains("is declared twice"), "{err}");
    assert_eq!(err.matches("custom_resources.rs:").count(), 2, "{err}");
}

#[test]
fn a_cluster_scoped_custom_resource_in_a_folder_that_sets_a_namespace_is_refused() {
    use fluxdsl::{KustomizeConfig, namespace};
    let mut cluster = Cluster::new("k8s");
    let folder = cluster.kustomize_folder(
        "issuers",
        KustomizeConfig::builder()
            .namespace(namespace!("cert-manager"))
            .build(),
    );
    let file = cluster.folder_file(&folder, "issuer.yaml");
    cluster.add(&file, issuer());
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "ClusterIssuer letsencrypt metadata.namespace: ClusterIssuer is cluster-scoped, but \
             kustomize does not know it and would write namespace \"cert-manager\" on it"
        ),
        "{err}"
    );
}
