//! The monacocloud cluster: the Flux tree committed at `k8s/flux`.
//!
//! `cargo run` prints it, `cargo run -- render` writes it, `cargo run -- check` checks
//! that the committed tree is current.

mod apps;
mod components;
mod config;
mod flux_system;

use fluxdsl::{Cluster, ClusterGuard};

/// The whole cluster, as committed under `k8s/flux` of the monacocloud repository.
fn monacocloud() -> Cluster {
    let mut cluster = Cluster::new("k8s/flux");
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
