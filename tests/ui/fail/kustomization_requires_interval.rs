use fluxdsl::{duration, name, Cluster, GitRepository, Kustomization};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let repo = cluster.add(&file, GitRepository::builder()
        .name(name!("apps"))
        .url("https://example.com/apps")
        .interval(duration!("1m"))
        .build());
    let _apps = Kustomization::builder()
        .name(name!("apps"))
        .source_ref(&repo)
        .path("./apps")
        .prune(true)
        .build();
}
