use fluxdsl::{duration, name, Cluster, GitRepository};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let repo = GitRepository::builder()
        .name(name!("apps"))
        .url("https://example.com/apps")
        .interval(duration!("1m"))
        .build();
    let _handle = cluster.add(&file, repo);
    // The object moved into the cluster when its handle was made.
    let _again = cluster.add(&file, repo);
}
