//! The program `fluxdsl new` writes as a new repository's `src/main.rs`: one cluster,
//! `clusters/my-cluster`, whose `flux-system` Kustomization applies the cluster's folder
//! and whose `apps` Kustomization applies `apps/`, with a namespace in it.
//!
//! ```text
//! cargo run                  # print the YAML
//! cargo run -- render        # write it into the repository
//! cargo run -- check         # check the committed tree is current
//! cargo run -- tree          # what the cluster runs
//! ```

use fluxdsl::prelude::*;

/// The repository: its one cluster. Add clusters with `Repository::cluster` and the
/// folders they share with `Repository::shared`.
pub fn repository() -> Repository {
    let mut cluster = Cluster::for_repository("");
    // The repository itself, as `flux bootstrap` points the cluster at it.
    let sync = cluster.file("clusters/my-cluster/flux-system/gotk-sync.yaml");
    let deploy_key: Ref<fluxdsl::k8s_openapi::api::core::v1::Secret> =
        Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    let repository = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("ssh://git@github.com/example/fleet")
            .reference(GitRef::branch("main"))
            .secret_ref(&deploy_key)
            .interval(duration!("1m"))
            .build(),
    );
    cluster.source_is_this_repository(&repository);
    let flux_system = cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&repository)
            .path("./clusters/my-cluster")
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    let apps = cluster.file("clusters/my-cluster/apps.yaml");
    cluster.add(
        &apps,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&repository)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .depends_on(&[&flux_system])
            .build(),
    );
    let namespace = cluster.file("apps/namespace.yaml");
    cluster.namespace(&namespace, namespace!("apps"));
    cluster.kustomize_config(
        "apps",
        KustomizeConfig::builder().resources(&[&namespace]).build(),
    );
    Repository::of_one(cluster)
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(repository())
}
