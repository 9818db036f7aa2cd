//! End-to-end: `apply`, `diff` and prune against a real API server (kind, k3d, any
//! conformant cluster). Runs only when FLUXDSL_E2E_KUBECONFIG names a kubeconfig; every
//! test says that it skipped otherwise. The cluster is changed: Flux v2.9.3 is installed
//! from the fixture's gotk-components.yaml, and each test works in its own namespace.
//!
//! ```sh
//! kind create cluster --name fluxdsl-e2e --kubeconfig /tmp/fluxdsl-e2e.kubeconfig
//! FLUXDSL_E2E_KUBECONFIG=/tmp/fluxdsl-e2e.kubeconfig cargo test --test e2e_apply -- --test-threads=1
//! ```

#[allow(dead_code)]
#[path = "../examples/minimal.rs"]
mod minimal;

use std::path::{Path, PathBuf};

use fluxdsl::apply::{self, ApplyOptions, Connection};
use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{ApplySetParent, Cluster, ClusterGuard, Name, NamespaceName};
use kube::api::{Api, Patch, PatchParams};

async fn connection() -> Option<Connection> {
    let Ok(path) = std::env::var("FLUXDSL_E2E_KUBECONFIG") else {
        // Written past the test harness's capture, so that the skip is seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "e2e skipped: FLUXDSL_E2E_KUBECONFIG is not set, so there is no cluster to test against"
        );
        return None;
    };
    Some(
        Connection::connect(Some(Path::new(&path)), None)
            .await
            .unwrap_or_else(|e| panic!("FLUXDSL_E2E_KUBECONFIG={path}: {e}")),
    )
}

/// A tree holding Flux's gotk-components.yaml, which `apply` installs.
fn flux_tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("flux-system")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    assert!(
        fixture.exists(),
        "fixture missing: {} (CI always has ../shared)",
        fixture.display()
    );
    std::fs::copy(fixture, tree.join("flux-system/gotk-components.yaml")).unwrap();
    (dir, tree)
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{nanos:x}")
}

/// A cluster of a Namespace and ConfigMaps `data` in it, its own ApplySet, pinned to the
/// cluster under test.
fn app_cluster(ns: &str, uid: &str, config_maps: &[(&str, &str)]) -> Cluster {
    let mut c = Cluster::new("tree");
    c.target(ClusterGuard::KubeSystemUid(uid.into()));
    let namespace = NamespaceName::new(ns).unwrap();
    c.applyset(ApplySetParent::config_map(
        &namespace,
        Name::new("e2e-applyset").unwrap(),
    ));
    let f = c.file("app.yaml");
    c.add(
        &f,
        Namespace {
            metadata: ObjectMeta {
                name: Some(ns.into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
    );
    for (name, value) in config_maps {
        c.add(
            &f,
            ConfigMap {
                metadata: ObjectMeta {
                    name: Some((*name).into()),
                    namespace: Some(ns.into()),
                    ..ObjectMeta::default()
                },
                data: Some([("value".to_string(), value.to_string())].into()),
                ..ConfigMap::default()
            },
        );
    }
    c
}

fn opts() -> ApplyOptions {
    ApplyOptions {
        skip_flux_install: true,
        ..ApplyOptions::default()
    }
}

async fn apply_ok(
    conn: &Connection,
    c: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
) -> (apply::ApplyReport, String) {
    let mut out = Vec::new();
    let report = apply::apply(conn, c, tree, opts, &mut out)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&out)));
    (report, String::from_utf8(out).unwrap())
}

async fn resource_versions(conn_client: &kube::Client, ns: &str) -> Vec<(String, String)> {
    let cms: Api<ConfigMap> = Api::namespaced(conn_client.clone(), ns);
    let mut v: Vec<(String, String)> = cms
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| {
            (
                c.metadata.name.unwrap(),
                c.metadata.resource_version.unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn kube_client() -> kube::Client {
    let path = std::env::var("FLUXDSL_E2E_KUBECONFIG").unwrap();
    let kubeconfig = kube::config::Kubeconfig::read_from(path).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test]
async fn the_minimal_example_installs_flux_and_applies_twice() {
    let Some(conn) = connection().await else {
        return;
    };
    let uid = conn.cluster_id().await.unwrap();
    let (_dir, tree) = flux_tree();
    let mut c = minimal::cluster();
    c.target(ClusterGuard::KubeSystemUid(uid));
    let full = ApplyOptions::default();
    let (first, out) = apply_ok(&conn, &c, &tree, &full).await;
    assert!(first.failures().is_empty(), "{out}");
    let (second, out) = apply_ok(&conn, &c, &tree, &full).await;
    assert_eq!(
        second.count(&apply::Outcome::Unchanged),
        second.results.len(),
        "every object unchanged on the second apply:\n{out}"
    );
    let mut diff = Vec::new();
    let differs = apply::diff(&conn, &c, &tree, &full, false, &mut diff)
        .await
        .unwrap();
    assert!(
        !differs,
        "diff after apply:\n{}",
        String::from_utf8_lossy(&diff)
    );
}

#[tokio::test]
async fn a_second_apply_changes_no_resource_version() {
    let Some(conn) = connection().await else {
        return;
    };
    let uid = conn.cluster_id().await.unwrap();
    let ns = unique("fluxdsl-e2e-idem");
    let c = app_cluster(&ns, &uid, &[("a", "1"), ("b", "2")]);
    let tree = PathBuf::from("/nonexistent");
    apply_ok(&conn, &c, &tree, &opts()).await;
    let client = kube_client().await;
    let before = resource_versions(&client, &ns).await;
    let (report, out) = apply_ok(&conn, &c, &tree, &opts()).await;
    assert_eq!(
        report.count(&apply::Outcome::Unchanged),
        report.results.len(),
        "{out}"
    );
    assert_eq!(before, resource_versions(&client, &ns).await);
    let mut diff = Vec::new();
    assert!(
        !apply::diff(&conn, &c, &tree, &opts(), false, &mut diff)
            .await
            .unwrap()
    );
    cleanup(&client, &ns).await;
}

#[tokio::test]
async fn prune_removes_exactly_the_dropped_object() {
    let Some(conn) = connection().await else {
        return;
    };
    let uid = conn.cluster_id().await.unwrap();
    let ns = unique("fluxdsl-e2e-prune");
    let tree = PathBuf::from("/nonexistent");
    let all: Vec<(String, String)> = (0..8).map(|i| (format!("cm-{i}"), i.to_string())).collect();
    let all_refs: Vec<(&str, &str)> = all.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    apply_ok(&conn, &app_cluster(&ns, &uid, &all_refs), &tree, &opts()).await;
    let client = kube_client().await;
    // an object in the namespace that is not ours
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    cms.create(
        &Default::default(),
        &ConfigMap {
            metadata: ObjectMeta {
                name: Some("not-ours".into()),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        },
    )
    .await
    .unwrap();

    // dry run prunes nothing
    let dropped = &all_refs[..7];
    let dry = ApplyOptions {
        prune: true,
        dry_run: true,
        ..opts()
    };
    let (_, out) = apply_ok(&conn, &app_cluster(&ns, &uid, dropped), &tree, &dry).await;
    assert!(
        out.contains("configmap/cm-7 -n ") && out.contains("pruned (server dry run)"),
        "{out}"
    );
    assert!(cms.get_opt("cm-7").await.unwrap().is_some());

    let (report, out) = apply_ok(
        &conn,
        &app_cluster(&ns, &uid, dropped),
        &tree,
        &ApplyOptions {
            prune: true,
            ..opts()
        },
    )
    .await;
    assert_eq!(report.count(&apply::Outcome::Pruned), 1, "{out}");
    assert!(cms.get_opt("cm-7").await.unwrap().is_none());
    assert!(cms.get_opt("cm-0").await.unwrap().is_some());
    assert!(cms.get_opt("not-ours").await.unwrap().is_some());
    cleanup(&client, &ns).await;
}

#[tokio::test]
async fn another_managers_field_is_reported_then_forced() {
    let Some(conn) = connection().await else {
        return;
    };
    let uid = conn.cluster_id().await.unwrap();
    let ns = unique("fluxdsl-e2e-conflict");
    let tree = PathBuf::from("/nonexistent");
    apply_ok(
        &conn,
        &app_cluster(&ns, &uid, &[("shared", "ours")]),
        &tree,
        &opts(),
    )
    .await;
    let client = kube_client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let theirs = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "shared", "namespace": ns}, "data": {"value": "theirs"}});
    cms.patch(
        "shared",
        &PatchParams::apply("e2e-other").force(),
        &Patch::Apply(&theirs),
    )
    .await
    .unwrap();

    let mut out = Vec::new();
    let err = apply::apply(
        &conn,
        &app_cluster(&ns, &uid, &[("shared", "ours")]),
        &tree,
        &opts(),
        &mut out,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(".data.value")
            && err.contains("e2e-other")
            && err.contains("--force-conflicts"),
        "{err}"
    );

    let forced = ApplyOptions {
        force_conflicts: true,
        ..opts()
    };
    apply_ok(
        &conn,
        &app_cluster(&ns, &uid, &[("shared", "ours")]),
        &tree,
        &forced,
    )
    .await;
    assert_eq!(
        cms.get("shared").await.unwrap().data.unwrap()["value"],
        "ours"
    );
    cleanup(&client, &ns).await;
}

#[tokio::test]
async fn dry_run_changes_nothing_and_the_guard_refuses_another_cluster() {
    let Some(conn) = connection().await else {
        return;
    };
    let uid = conn.cluster_id().await.unwrap();
    let ns = unique("fluxdsl-e2e-dry");
    let tree = PathBuf::from("/nonexistent");
    let c = app_cluster(&ns, &uid, &[("a", "1")]);
    apply_ok(
        &conn,
        &c,
        &tree,
        &ApplyOptions {
            dry_run: true,
            ..opts()
        },
    )
    .await;
    let client = kube_client().await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    assert!(
        namespaces.get_opt(&ns).await.unwrap().is_none(),
        "dry run created nothing"
    );

    let wrong = app_cluster(&ns, "00000000-0000-0000-0000-000000000000", &[("a", "1")]);
    let mut out = Vec::new();
    let err = apply::apply(&conn, &wrong, &tree, &opts(), &mut out)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("wrong cluster") && err.contains(&uid), "{err}");
    assert!(
        namespaces.get_opt(&ns).await.unwrap().is_none(),
        "the guard changed nothing"
    );
}

async fn cleanup(client: &kube::Client, ns: &str) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let _ = namespaces.delete(ns, &Default::default()).await;
}
