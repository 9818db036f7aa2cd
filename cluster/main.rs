//! The monacocloud cluster: the Flux tree committed at `k8s/flux`.
//!
//! `cargo run` prints it, `cargo run -- render` writes it, `cargo run -- check` checks
//! that the committed tree is current.

mod apps;
mod components;
mod config;
mod flux_system;

use fluxdsl::{Cluster, ClusterGuard, FluxApi};

/// Flux's install as committed (`flux install --export`, pinned in `flux_system.rs`): its
/// CRDs decide the version each Flux kind is written at, and their schemas check every
/// Flux object at render.
const FLUX_COMPONENTS: &str = include_str!("../k8s/flux/flux-system/gotk-components.yaml");

/// The whole cluster, as committed under `k8s/flux` of the monacocloud repository.
fn monacocloud() -> Cluster {
    let mut cluster = Cluster::new("k8s/flux");
    match FluxApi::from_crds("Flux v2.9.3", FLUX_COMPONENTS) {
        Ok(api) => cluster.flux_api(&api),
        Err(e) => panic!("the committed gotk-components.yaml: {e}"),
    }
    // `apply`, `diff` and prune refuse any other cluster. Pin the cluster itself with
    // ClusterGuard::KubeSystemUid (see `cargo run -- cluster-id`) once it is reachable.
    cluster.target(ClusterGuard::Context("monacocloud".into()));
    let flux = flux_system::declare(&mut cluster);
    config::declare(&mut cluster, &flux);
    apps::declare(&mut cluster, &flux);
    components::declare(&mut cluster);
    cluster
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(monacocloud())
}
