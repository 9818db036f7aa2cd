//! Manifests published elsewhere, included as they are: typed where k8s-openapi knows the
//! kind, with handles, and refused when a typed object would not say what the document says.

use fluxdsl::k8s_openapi::api::apps::v1::Deployment;
use fluxdsl::k8s_openapi::api::core::v1::Service;
use fluxdsl::{
    Cluster, GitRepository, HealthCheck, Kustomization, UpstreamManifest, duration, name, namespace,
};

const MANIFEST: &str = "\
# a comment, as release files have
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  creationTimestamp: null
spec:
  ports:
  - port: 443
    targetPort: https
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
";

fn render(manifest: UpstreamManifest) -> Result<String, String> {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("upstream.yaml");
    cluster.add(&file, manifest);
    cluster
        .render()
        .map(|r| r.file("upstream.yaml").unwrap().to_owned())
        .map_err(|e| e.to_string())
}

#[test]
fn an_upstream_manifest_is_typed_with_handles_and_rendered_as_flux_writes_it() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("upstream.yaml");
    let objects = cluster.add(&file, UpstreamManifest::yaml("shop v1", MANIFEST));
    let web = objects
        .get::<Deployment>(Some("shop"), "web")
        .expect("the Deployment has a handle");
    assert!(objects.get::<Deployment>(Some("other"), "web").is_none());
    assert!(objects.get::<Service>(Some("shop"), "web").is_some());
    assert_eq!(
        objects.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
        ["Service shop/web", "Deployment shop/web", "Widget w"]
    );
    // The handle is a reference like any other.
    let sync = cluster.file("sync.yaml");
    let repo = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("shop"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/shop")
            .interval(duration!("1m"))
            .build(),
    );
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("shop"))
            .source_ref(&repo)
            .path("./shop")
            .interval(duration!("10m"))
            .prune(true)
            .health_checks(&[HealthCheck::of(&web)])
            .build(),
    );
    let rendered = cluster.render().expect("renders");
    // Keys sorted, the null dropped, the comment gone: as Flux writes objects.
    assert_eq!(
        rendered.file("upstream.yaml").unwrap(),
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  \
         ports:\n  - port: 443\n    targetPort: https\n---\napiVersion: apps/v1\nkind: Deployment\n\
         metadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      \
         app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      \
         containers:\n      - image: nginx:1.27\n        name: web\n---\napiVersion: example.com/v1\n\
         kind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n"
    );
}

#[test]
fn a_field_the_typed_kind_cannot_hold_is_refused_with_its_path() {
    let misspelt = MANIFEST.replace("    targetPort: https", "    targetPrt: https");
    let err = render(UpstreamManifest::yaml("shop v1", misspelt)).unwrap_err();
    assert!(err.contains("Service shop/web"), "{err}");
    assert!(err.contains("shop v1 document 1"), "{err}");
    assert!(err.contains("spec.ports[0].targetPrt"), "{err}");
    assert!(err.contains("upstream.rs:"), "{err}");
}

#[test]
fn yaml_that_does_not_parse_and_documents_without_identity_are_refused() {
    let err = render(UpstreamManifest::yaml("broken", "a: [1, 2\n")).unwrap_err();
    assert!(err.contains("broken document 1 is not YAML"), "{err}");
    let err = render(UpstreamManifest::yaml(
        "anon",
        "apiVersion: v1\nkind: ConfigMap\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("anon document 1 needs apiVersion, kind and metadata.name"),
        "{err}"
    );
    let err = render(UpstreamManifest::yaml(
        "typed",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: many\n",
    ))
    .unwrap_err();
    assert!(err.contains("does not read as a Deployment"), "{err}");
}

#[test]
fn an_upstream_manifest_cannot_be_moved_into_a_namespace_scope() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("upstream.yaml");
    let scope = cluster.existing_namespace(namespace!("elsewhere"));
    cluster.add_in(&scope, &file, UpstreamManifest::yaml("shop v1", MANIFEST));
    let err = cluster.render().unwrap_err().to_string();
    assert!(err.contains("shop v1 is included as published"), "{err}");
}

/// A CRD schema's integer bounds (Gateway API's port: `maximum: 65535`) are numbers the
/// typed CRD holds as floats: accepted, and written back as the integers they are.
#[test]
fn integer_bounds_in_a_crd_schema_are_the_same_number_as_floats() {
    let crd = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  names:
    kind: Gateway
    plural: gateways
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          port:
            type: integer
            format: int32
            minimum: 1
            maximum: 65535
          weight:
            type: number
            maximum: 0.5
";
    let text = render(UpstreamManifest::yaml("gateway-api v1.2.0", crd)).unwrap();
    assert!(text.contains("maximum: 65535\n"), "{text}");
    assert!(text.contains("minimum: 1\n"), "{text}");
    assert!(text.contains("maximum: 0.5\n"), "{text}");
    // A value that really differs is still refused.
    let wrong = crd.replace("    served: true", "    served: yes-please");
    assert!(render(UpstreamManifest::yaml("gateway-api", wrong)).is_err());
}
