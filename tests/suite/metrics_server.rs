//! `components.yaml` (metrics-server, declared in Rust) is the same set of objects as
//! `kubectl kustomize manifests/overlays/release` of the real metrics-server repository.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use super::{fixture, listing_files, parse_yaml_stream, run_cluster};

fn key(o: &Value) -> String {
    format!(
        "{} {} {}/{}",
        o["apiVersion"].as_str().unwrap_or(""),
        o["kind"].as_str().unwrap_or(""),
        o["metadata"]["namespace"].as_str().unwrap_or(""),
        o["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// The first difference between `a` and `b`, as a field path.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => {
                        if let Some(d) = first_difference(&p, va, vb) {
                            return Some(d);
                        }
                    }
                    (va, vb) => return Some(format!("{p}: {va:?} vs {vb:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(&format!("{path}[{i}]"), va, vb)),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

#[test]
fn components_yaml_equals_the_metrics_server_release() {
    let overlay = fixture("metrics-server/manifests/overlays/release");
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(&overlay)
        .output()
        .expect("kubectl is installed (the machine and CI have it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let upstream: BTreeMap<String, Value> =
        parse_yaml_stream(&String::from_utf8_lossy(&out.stdout))
            .into_iter()
            .map(|o| (key(&o), o))
            .collect();

    let (code, listing, stderr) = run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let (_, components) = listing_files(&listing)
        .into_iter()
        .find(|(p, _)| p == "k8s/flux/components.yaml")
        .expect("components.yaml is rendered");
    let ours: BTreeMap<String, Value> = parse_yaml_stream(&components)
        .into_iter()
        .map(|o| (key(&o), o))
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
