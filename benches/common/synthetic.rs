//! The synthetic cluster both render benchmarks build: 1,000 GitRepositories and 10,000
//! Kustomizations, each depending on one earlier Kustomization.

use fluxdsl::{Cluster, GitRef, GitRepository, Kustomization, Name, Ref, duration};

pub const REPOSITORIES: usize = 1_000;
pub const KUSTOMIZATIONS: usize = 10_000;

/// The synthetic cluster with `scale` times as many GitRepositories and Kustomizations.
pub fn synthetic_scaled(scale: usize) -> Cluster {
    let (repositories, kustomizations) = (REPOSITORIES * scale, KUSTOMIZATIONS * scale);
    let mut cluster = Cluster::new("clusters/bench");
    let sources = cluster.file("sources.yaml");
    let repos: Vec<Ref<GitRepository>> = (0..repositories)
        .map(|i| {
            cluster.add(
                &sources,
                GitRepository::builder()
                    .name(Name::new(format!("repo-{i}")).unwrap())
                    .url(format!("ssh://git@example.com/org/repo-{i}"))
                    .reference(GitRef::branch("main"))
                    .interval(duration!("1m"))
                    .build(),
            )
        })
        .collect();
    let apps = cluster.file("apps.yaml");
    let mut declared: Vec<Ref<Kustomization>> = Vec::with_capacity(kustomizations);
    for i in 0..kustomizations {
        let builder = Kustomization::builder()
            .name(Name::new(format!("app-{i}")).unwrap())
            .source_ref(&repos[i % repositories])
            .path("./deploy")
            .interval(duration!("10m"))
            .prune(true);
        let k = if i == 0 {
            builder.build()
        } else {
            // each depends on one earlier Kustomization
            builder.depends_on(&[&declared[(i * 7919) % i]]).build()
        };
        declared.push(cluster.add(&apps, k));
    }
    cluster
}
