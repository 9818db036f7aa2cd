//! `flux-system/`: what `flux bootstrap` commits — Flux's own components (upstream,
//! pinned) and the GitRepository + Kustomization that sync this repository.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{
    BootstrapSecret, Cluster, FLUX_GENERATED_HEADER, GitRef, GitRepository, Kustomization,
    KustomizeConfig, NamespaceName, Ref, duration, name,
};

/// The Flux version the cluster runs; `gotk-components.yaml` is its `flux install --export`,
/// committed verbatim.
pub const FLUX_VERSION: &str = "v2.9.3";
/// The SHA-256 of that file (`sha256sum k8s/flux/flux-system/gotk-components.yaml`).
const FLUX_COMPONENTS_SHA256: &str =
    "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365";

/// Handles later parts of the cluster refer to.
pub struct FluxSystem {
    /// The deploy key `flux bootstrap` created for this repository.
    pub deploy_key: Ref<Secret>,
}

pub fn declare(cluster: &mut Cluster) -> FluxSystem {
    let ns = NamespaceName::FLUX_SYSTEM;
    // The deploy key of this repository, as `flux bootstrap` creates it: `cargo run -- apply`
    // creates it from files the operator names (--secret-file
    // flux-system/flux-system/identity=PATH, …/known_hosts=PATH); its value never enters
    // this code, the rendered tree or apply's output.
    let deploy_key = cluster.bootstrap_secret(BootstrapSecret::git_ssh(&ns, name!("flux-system")));

    let components = cluster.flux_components(
        "flux-system/gotk-components.yaml",
        FLUX_VERSION,
        FLUX_COMPONENTS_SHA256,
    );
    let sync = cluster.file_with_header("flux-system/gotk-sync.yaml", FLUX_GENERATED_HEADER);

    let repo = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .namespace(ns.clone())
            .url("ssh://git@gitlab.com/monacocloud/monacocloud")
            .reference(GitRef::branch("main"))
            .secret_ref(&deploy_key)
            .interval(duration!("1m"))
            .build(),
    );
    cluster.source_is_this_repository(&repo);
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .namespace(ns)
            .source_ref(&repo)
            .path("./k8s/flux")
            .interval(duration!("1m"))
            .prune(true)
            .build(),
    );
    cluster.kustomize_config(
        "flux-system",
        KustomizeConfig::builder()
            .resources(&[&components, &sync])
            .build(),
    );
    FluxSystem { deploy_key }
}
