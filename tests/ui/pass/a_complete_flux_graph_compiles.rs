//! The valid counterparts of the compile-fail cases: handles of the right kinds, checked
//! literals at their limits, every required field.

use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use fluxdsl::k8s_openapi::api::rbac::v1::ClusterRole;
use fluxdsl::{
    duration, name, namespace, Cluster, Decryption, GitRef, GitRepository, HealthCheck,
    Kustomization, NamespaceName, PostBuild, Ref, SubstituteFrom,
};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let ns = NamespaceName::FLUX_SYSTEM;
    let key: Ref<Secret> = Ref::existing(&ns, name!("flux-system"));
    let vars: Ref<ConfigMap> = Ref::existing(&ns, name!("cluster-vars"));
    let deployer: Ref<ServiceAccount> = Ref::existing(&ns, name!("deployer"));
    let _admin: Ref<ClusterRole> = Ref::existing_cluster_scoped(name!("cluster-admin"));

    let repo = cluster.add(&file, GitRepository::builder()
        .name(name!("a-name-of-exactly-sixty-three-characters-is-the-longest-allowed"))
        .namespace(namespace!("flux-system"))
        .url("ssh://git@example.com/apps")
        .reference(GitRef::branch("main"))
        .secret_ref(&key)
        .timeout(duration!("1.5s"))
        .interval(duration!("1h30m"))
        .build());
    let infra = cluster.add(&file, Kustomization::builder()
        .name(name!("infra"))
        .source_ref(&repo)
        .path("./infra")
        .interval(duration!("10m"))
        .prune(true)
        .build());
    let _apps = cluster.add(&file, Kustomization::builder()
        .name(name!("apps"))
        .source_ref(&repo)
        .path("./apps")
        .interval(duration!("500ms"))
        .prune(false)
        .depends_on(&[&infra])
        .health_checks(&[HealthCheck::of(&infra)])
        .service_account_name(&deployer)
        .post_build(PostBuild::new()
            .substitute("cluster", "monaco")
            .substitute_from(SubstituteFrom::config_map(&vars))
            .substitute_from(SubstituteFrom::secret(&key).optional()))
        .decryption(Decryption::sops(&key))
        .build());
    cluster.render().unwrap();
}
