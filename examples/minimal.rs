//! The smallest useful cluster: one GitRepository and one Kustomization that applies a
//! folder of it.
//!
//! ```text
//! cargo run --example minimal               # print the YAML
//! cargo run --example minimal -- render     # write clusters/minimal/
//! ```

use fluxdsl::{Cluster, GitRef, GitRepository, Kustomization, duration, name};

/// The cluster; `tests/e2e_apply.rs` applies it to a real API server.
pub fn cluster() -> Cluster {
    let mut cluster = Cluster::new("clusters/minimal");
    let sync = cluster.file("podinfo.yaml");
    let podinfo = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("podinfo"))
            .url("https://github.com/stefanprodan/podinfo")
            .reference(GitRef::semver("6.x"))
            .interval(duration!("5m"))
            .build(),
    );
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("podinfo"))
            .source_ref(&podinfo)
            .path("./kustomize")
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    cluster
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(cluster())
}
