use fluxdsl::{duration, name, Cluster, DependsOn, GitRef, GitRepository, HelmRelease, Chart, HelmRepository};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let repo = cluster.add(&file, GitRepository::builder()
        .name(name!("apps"))
        .url("https://example.com/apps")
        .reference(GitRef::branch("main"))
        .interval(duration!("1m"))
        .build());
    let charts = cluster.add(&file, HelmRepository::builder()
        .name(name!("charts"))
        .url("https://example.com/charts")
        .interval(duration!("1h"))
        .build());
    // A readiness expression does not make a GitRepository something a HelmRelease can
    // depend on.
    let _app = HelmRelease::builder()
        .name(name!("app"))
        .chart(Chart::from_source(&charts, "app"))
        .interval(duration!("1h"))
        .depends_on(&[DependsOn::on(&repo).ready_when("dep.status.artifact != null")])
        .build();
}
