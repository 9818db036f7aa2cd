use fluxdsl::{duration, name, Chart, Cluster, GitRepository, HelmRelease, HelmRepository, Kustomization};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let charts = cluster.add(&file, HelmRepository::builder()
        .name(name!("charts"))
        .url("https://charts.example.com")
        .interval(duration!("1h"))
        .build());
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
    let _app = HelmRelease::builder()
        .name(name!("app"))
        .chart(Chart::from_source(&charts, "app"))
        .interval(duration!("10m"))
        .depends_on(&[&infra])
        .build();
}
