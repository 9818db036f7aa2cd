//! `components.yaml`: metrics-server v0.9.0, included as its release publishes it
//! (`kubectl kustomize manifests/overlays/release`), each object parsed into its typed
//! k8s-openapi kind.

use fluxdsl::{Cluster, UpstreamManifest};

pub fn declare(cluster: &mut Cluster) {
    let file = cluster.file("components.yaml");
    cluster.add(
        &file,
        UpstreamManifest::yaml(
            "metrics-server v0.9.0 components.yaml",
            include_str!("upstream/metrics-server-v0.9.0.yaml"),
        ),
    );
}
