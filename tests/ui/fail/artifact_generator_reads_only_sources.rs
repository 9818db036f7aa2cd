use fluxdsl::{duration, name, Cluster, GeneratorSourceRef, GitRepository, Kustomization};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let repo = cluster.add(&file, GitRepository::builder()
        .name(name!("infra"))
        .url("https://example.com/infra")
        .interval(duration!("1m"))
        .build());
    let infra = cluster.add(&file, Kustomization::builder()
        .name(name!("infra"))
        .source_ref(&repo)
        .path("./infra")
        .interval(duration!("1m"))
        .prune(true)
        .build());
    let _source = GeneratorSourceRef::new("infra", &infra);
}
