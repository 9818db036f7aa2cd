//! Every rendered Flux object validates against the openAPIV3Schema of its CRD as served
//! by Flux v2.9.3 (`flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml`).

use serde_json::{Value, json};

use super::{listing_files, parse_yaml_stream, read_fixture, run_cluster};

/// `(apiVersion, kind) -> openAPIV3Schema` for every served version of every Flux CRD.
fn flux_schemas() -> Vec<(String, String, Value)> {
    let components = read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    let mut schemas = Vec::new();
    for doc in parse_yaml_stream(&components) {
        if doc["kind"] != "CustomResourceDefinition" {
            continue;
        }
        let group = doc["spec"]["group"].as_str().unwrap().to_owned();
        let kind = doc["spec"]["names"]["kind"].as_str().unwrap().to_owned();
        for v in doc["spec"]["versions"].as_array().unwrap() {
            if v["served"] == true {
                let api_version = format!("{group}/{}", v["name"].as_str().unwrap());
                schemas.push((
                    api_version,
                    kind.clone(),
                    v["schema"]["openAPIV3Schema"].clone(),
                ));
            }
        }
    }
    assert!(schemas.len() >= 14, "the fixture has the Flux CRDs");
    schemas
}

/// Validation errors of `object` against its CRD schema; `None` if it is not a Flux kind.
fn errors(schemas: &[(String, String, Value)], object: &Value) -> Option<Vec<String>> {
    let (api_version, kind) = (object["apiVersion"].as_str()?, object["kind"].as_str()?);
    let (_, _, schema) = schemas
        .iter()
        .find(|(a, k, _)| a == api_version && k == kind)?;
    let validator = jsonschema::draft4::new(schema).expect("the CRD schema compiles");
    Some(
        validator
            .iter_errors(object)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect(),
    )
}

#[test]
fn every_rendered_flux_object_matches_its_crd_schema() {
    let schemas = flux_schemas();
    let (code, listing, stderr) = run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let mut checked = 0;
    for (path, text) in listing_files(&listing) {
        if path.ends_with("kustomization.yaml") {
            continue; // kustomize's config file, not a Kubernetes object
        }
        for object in parse_yaml_stream(&text) {
            if let Some(errs) = errors(&schemas, &object) {
                assert!(
                    errs.is_empty(),
                    "{path}: {} {} does not match its CRD: {errs:#?}",
                    object["kind"],
                    object["metadata"]["name"]
                );
                checked += 1;
            }
        }
    }
    // flux-system (2) + config (1 + 4) + apps (1 + 3)
    assert_eq!(checked, 11, "every Flux object of monacocloud was checked");
}

#[test]
fn the_schema_check_rejects_what_flux_rejects() {
    // A control: the same check fails on objects the API server would refuse.
    let schemas = flux_schemas();
    let bad_interval = json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "x", "namespace": "flux-system"},
        "spec": {"interval": "1 minute", "url": "https://example.com/repo"}
    });
    let bad_source_kind = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "x", "namespace": "flux-system"},
        "spec": {"interval": "1m0s", "prune": true, "sourceRef": {"kind": "HelmRepository", "name": "x"}}
    });
    let missing_prune = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "x", "namespace": "flux-system"},
        "spec": {"interval": "1m0s", "sourceRef": {"kind": "GitRepository", "name": "x"}}
    });
    for object in [bad_interval, bad_source_kind, missing_prune] {
        let errs = errors(&schemas, &object).unwrap();
        assert!(!errs.is_empty(), "{object} should be rejected");
    }
}

#[test]
fn the_helm_example_flux_objects_match_their_crd_schemas() {
    let schemas = flux_schemas();
    let mut kinds = std::collections::BTreeSet::new();
    {
        let rendered = super::helm_example::example::repository()
            .render()
            .unwrap_or_else(|e| panic!("{e}"));
        for (path, text) in rendered.main().files() {
            // kustomize config files and patch documents are not whole objects
            if path.ends_with("kustomization.yaml") || path.ends_with("-values.yaml") {
                continue;
            }
            for object in parse_yaml_stream(text) {
                if let Some(errs) = errors(&schemas, &object) {
                    assert!(
                        errs.is_empty(),
                        "{path}: {} does not match its CRD: {errs:#?}",
                        object["kind"]
                    );
                    kinds.insert(object["kind"].as_str().unwrap().to_owned());
                }
            }
        }
    }
    // ArtifactGenerator's CRD (source-watcher) is not part of the v2.9.3 install fixture.
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "GitRepository",
            "HelmRelease",
            "HelmRepository",
            "Kustomization",
            "OCIRepository"
        ]
    );
}
