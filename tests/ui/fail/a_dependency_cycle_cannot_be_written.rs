use fluxdsl::{duration, name, Cluster, GitRepository, Kustomization};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let repo = cluster.add(&file, GitRepository::builder()
        .name(name!("apps"))
        .url("https://example.com/apps")
        .interval(duration!("1m"))
        .build());
    // a depends on b, b depends on a: whichever comes first names a handle that does not
    // exist yet.
    let a = cluster.add(&file, Kustomization::builder()
        .name(name!("a"))
        .source_ref(&repo)
        .path("./a")
        .interval(duration!("1m"))
        .prune(true)
        .depends_on(&[&b])
        .build());
    let b = cluster.add(&file, Kustomization::builder()
        .name(name!("b"))
        .source_ref(&repo)
        .path("./b")
        .interval(duration!("1m"))
        .prune(true)
        .depends_on(&[&a])
        .build());
}
