//! `components.yaml` (metrics-server, declared in Rust) is the same set of objects as
//! `kubectl kustomize manifests/overlays/release` of the real metrics-server repository.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{first_difference, fixture, listing_files, object_key, parse_yaml_stream, run_cluster};

#[test]
fn components_yaml_equals_the_metrics_server_release() {
    let overlay = fixture("metrics-server/manifests/overlays/release");
    let upstream: BTreeMap<String, Value> = super::kustomize::kubectl_kustomize(&overlay)
        .into_iter()
        .map(|o| (object_key(&o), o))
        .collect();

    let (code, listing, stderr) = run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let (_, components) = listing_files(&listing)
        .into_iter()
        .find(|(p, _)| p == "k8s/flux/components.yaml")
        .expect("components.yaml is rendered");
    let ours: BTreeMap<String, Value> = parse_yaml_stream(&components)
        .into_iter()
        .map(|o| (object_key(&o), o))
        .collect();

    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        upstream.keys().collect::<Vec<_>>(),
        "same objects"
    );
    assert_eq!(
        ours.len(),
        9,
        "ServiceAccount, 2 ClusterRoles, RoleBinding, 2 ClusterRoleBindings, Service, Deployment, APIService"
    );
    for (k, theirs) in &upstream {
        if let Some(d) = first_difference("", &ours[k], theirs) {
            panic!("{k} differs from the metrics-server release at {d}");
        }
    }
}
