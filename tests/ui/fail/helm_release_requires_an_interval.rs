use fluxdsl::{duration, name, Chart, Cluster, HelmRelease, HelmRepository};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let charts = cluster.add(&file, HelmRepository::builder()
        .name(name!("charts"))
        .url("https://charts.example.com")
        .interval(duration!("1h"))
        .build());
    let _app = HelmRelease::builder()
        .name(name!("app"))
        .chart(Chart::from_source(&charts, "app"))
        .build();
}
