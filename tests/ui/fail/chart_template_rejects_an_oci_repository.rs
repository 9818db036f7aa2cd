use fluxdsl::{duration, name, Chart, Cluster, OCIRepository};

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let oci = cluster.add(&file, OCIRepository::builder()
        .name(name!("cert-manager"))
        .url("oci://quay.io/jetstack/charts/cert-manager")
        .interval(duration!("24h"))
        .build());
    // An OCIRepository holds the chart itself: it is named with Chart::from_ref.
    let _chart = Chart::from_source(&oci, "cert-manager");
}
