//! Valid counterparts of the Helm and ArtifactGenerator compile-fail cases.

use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
use fluxdsl::*;

fn main() {
    let mut cluster = Cluster::new("k8s/flux");
    let file = cluster.file("apps.yaml");
    let ns = NamespaceName::FLUX_SYSTEM;
    let values: Ref<ConfigMap> = Ref::existing(&ns, name!("app-values"));
    let charts = cluster.add(&file, HelmRepository::builder()
        .name(name!("charts"))
        .url("https://charts.example.com")
        .interval(duration!("1h"))
        .build());
    let oci = cluster.add(&file, OCIRepository::builder()
        .name(name!("cert-manager"))
        .url("oci://quay.io/jetstack/charts/cert-manager")
        .reference(OciRef::semver("1.x"))
        .layer_selector(LayerSelector::helm_chart())
        .interval(duration!("24h"))
        .build());
    let cert_manager = cluster.add(&file, HelmRelease::builder()
        .name(name!("cert-manager"))
        .chart(Chart::from_ref(&oci))
        .interval(duration!("12h"))
        .install(Install { strategy: Some(Strategy::RetryOnFailure { retry_interval: None }), ..Install::default() })
        .build());
    cluster.add(&file, HelmRelease::builder()
        .name(name!("app"))
        .chart(Chart::from_source(&charts, "app").version("1.x"))
        .interval(duration!("10m"))
        .depends_on(&[&cert_manager])
        .values(serde_json::json!({"replicas": 2}))
        .values_from(&[ValuesFrom::config_map(&values).key("values.yaml")])
        .build());
    let repo = cluster.add(&file, GitRepository::builder()
        .name(name!("monorepo"))
        .url("https://example.com/monorepo")
        .reference(fluxdsl::GitRef::branch("main"))
        .interval(duration!("1m"))
        .build());
    let generator = cluster.add(&file, ArtifactGenerator::builder()
        .name(name!("monorepo"))
        .sources(&[GeneratorSourceRef::new("monorepo", &repo)])
        .artifacts(&[GeneratedArtifact::new(name!("apps"), &[CopyOperation::new("@monorepo/apps/**", "@artifact/")])])
        .build());
    let apps = generator.artifact(name!("apps"));
    cluster.add(&file, Kustomization::builder()
        .name(name!("apps"))
        .source_ref(&apps)
        .path("./")
        .interval(duration!("1h"))
        .prune(true)
        .build());
    cluster.render().unwrap();
}
