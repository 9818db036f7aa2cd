fn main() {
    let mut cluster = fluxdsl::Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    cluster.add(&file, "kind: GitRepository");
}
