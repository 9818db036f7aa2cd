use fluxdsl::{duration, name, Chart, Cluster, OCIRepository, OciRef};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let oci = cluster.add(&file, OCIRepository::builder()
        .name(name!("podinfo"))
        .url("oci://ghcr.io/stefanprodan/charts/podinfo")
        .reference(OciRef::semver("6.x"))
        .interval(duration!("1h"))
        .build());
    // The OCIRepository picks the version; a chart reference has no range of its own.
    let _chart = Chart::from_ref(&oci).version("6.x");
}
