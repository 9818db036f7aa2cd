//! `apply`, `diff` and prune against kube-rs's client over an in-process API server
//! (`fake_api`): the request shapes, tier order, retries, conflicts, ApplySet pruning and
//! the wrong-cluster guard.

use std::path::{Path, PathBuf};

use fluxdsl::apply::{self, ApplyOptions, Connection, PART_OF_LABEL};
use fluxdsl::k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Secret};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use fluxdsl::{
    Cluster, ClusterGuard, Error, GitRef, GitRepository, Kustomization, NamespaceName, Ref,
    duration, name,
};
use serde_json::json;

use super::fake_api::{FakeApi, KUBE_SYSTEM_UID};
use super::fixture;

/// A tree folder holding Flux's real gotk-components.yaml, as bootstrap leaves it.
fn tree_with_flux() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("k8s/flux");
    std::fs::create_dir_all(tree.join("flux-system")).unwrap();
    std::fs::copy(
        fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml"),
        tree.join("flux-system/gotk-components.yaml"),
    )
    .unwrap();
    (dir, tree)
}

fn config_map(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("apps".into()),
            ..ObjectMeta::default()
        },
        data: Some([("key".to_string(), name.to_string())].into()),
        ..ConfigMap::default()
    }
}

fn namespace(name: &str) -> fluxdsl::k8s_openapi::api::core::v1::Namespace {
    fluxdsl::k8s_openapi::api::core::v1::Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        ..Default::default()
    }
}

fn deployment(replicas: i32) -> Deployment {
    Deployment {
        metadata: ObjectMeta {
            name: Some("web".into()),
            namespace: Some("apps".into()),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector::default(),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// A cluster with Flux's sync objects, a Deployment and the given ConfigMaps.
fn cluster(config_maps: &[&str], replicas: i32) -> Cluster {
    let mut c = Cluster::new("k8s/flux");
    c.target(ClusterGuard::KubeSystemUid(KUBE_SYSTEM_UID.into()));
    let components = c.flux_components(
        "flux-system/gotk-components.yaml",
        "v2.9.3",
        "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
    );
    let _ = components;
    let sync = c.file("flux-system/gotk-sync.yaml");
    let key: Ref<Secret> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    let repo = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("ssh://git@example.com/org/repo")
            .reference(GitRef::branch("main"))
            .secret_ref(&key)
            .interval(duration!("1m"))
            .build(),
    );
    c.source_is_this_repository(&repo);
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&repo)
            .path("./k8s/flux")
            .interval(duration!("1m"))
            .prune(true)
            .build(),
    );
    let apps = c.file("apps.yaml");
    c.add(&apps, namespace("apps"));
    c.add(&apps, deployment(replicas));
    for cm in config_maps {
        c.add(&apps, config_map(cm));
    }
    c
}

fn conn(api: &FakeApi) -> Connection {
    Connection::from_client(api.client(), "https://fake.invalid", Some("fake"))
}

async fn run(
    api: &FakeApi,
    c: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
) -> (fluxdsl::Result<apply::ApplyReport>, String) {
    let mut out = Vec::new();
    let result = apply::apply(&conn(api), c, tree, opts, &mut out).await;
    (result, String::from_utf8(out).unwrap())
}

fn quick() -> ApplyOptions {
    ApplyOptions {
        poll: std::time::Duration::from_millis(10),
        ..ApplyOptions::default()
    }
}

#[tokio::test]
async fn apply_sends_server_side_apply_patches_in_tiers() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let (result, out) = run(&api, &cluster(&["a"], 1), &tree, &quick()).await;
    let report = result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(report.failures(), vec![]);
    // 39 upstream documents + 5 declared objects
    assert_eq!(report.results.len(), 44, "{out}");
    assert!(
        out.contains("gitrepository.source.toolkit.fluxcd.io/flux-system -n flux-system created"),
        "{out}"
    );
    assert!(out.contains("customresourcedefinition.apiextensions.k8s.io/kustomizations.kustomize.toolkit.fluxcd.io created"), "{out}");

    let requests = api.requests();
    let patches: Vec<_> = requests.iter().filter(|r| r.method == "PATCH").collect();
    for p in &patches {
        assert_eq!(
            p.content_type.as_deref(),
            Some("application/apply-patch+yaml"),
            "{}",
            p.path
        );
        assert_eq!(
            p.query.get("fieldManager").map(String::as_str),
            Some("fluxdsl")
        );
        assert_eq!(p.query.get("force"), None, "no force unless asked");
        assert_eq!(p.query.get("dryRun"), None);
        if !p.path.ends_with("/secrets/fluxdsl-applyset") {
            let id = p.body.as_ref().unwrap()["metadata"]["labels"][PART_OF_LABEL].clone();
            assert_eq!(
                id,
                json!(fluxdsl::ApplySetParent::default_parent().id()),
                "{}",
                p.path
            );
        }
    }
    // Tier order: CRDs, (wait for Established), Namespaces, other cluster-scoped, parent, namespaced.
    let position =
        |pred: &dyn Fn(&str) -> bool| patches.iter().position(|p| pred(&p.path)).unwrap();
    let last = |pred: &dyn Fn(&str) -> bool| patches.iter().rposition(|p| pred(&p.path)).unwrap();
    let crd = |p: &str| p.contains("/customresourcedefinitions/");
    let ns = |p: &str| p.starts_with("/api/v1/namespaces/") && p.matches('/').count() == 4;
    let cluster_scoped =
        |p: &str| p.contains("/clusterroles/") || p.contains("/clusterrolebindings/");
    let namespaced = |p: &str| {
        p.contains("/namespaces/") && p.matches('/').count() > 5
            || p.contains("/api/v1/namespaces/") && p.matches('/').count() == 6
    };
    assert!(last(&crd) < position(&ns), "CRDs before Namespaces");
    assert!(
        last(&ns) < position(&cluster_scoped),
        "Namespaces before cluster-scoped"
    );
    assert!(
        last(&cluster_scoped) < position(&namespaced),
        "cluster-scoped before namespaced"
    );
    // Every CRD was read back Established before the first non-CRD object was applied.
    let first_other = requests
        .iter()
        .position(|r| r.method == "PATCH" && !crd(&r.path))
        .unwrap();
    let established_reads = requests[..first_other]
        .iter()
        .filter(|r| r.method == "GET" && crd(&r.path))
        .count();
    assert!(
        established_reads >= 2 * 14,
        "each CRD polled until Established: {established_reads}"
    );

    // The ApplySet parent records the members' kinds and namespaces.
    let parent = api
        .get("secrets", Some("flux-system"), "fluxdsl-applyset")
        .expect("parent exists");
    let annotations = &parent["metadata"]["annotations"];
    let kinds = annotations[apply::GROUP_KINDS_ANNOTATION].as_str().unwrap();
    assert!(
        kinds.contains("ConfigMap,")
            && kinds.contains("Deployment.apps")
            && kinds.contains("GitRepository.source.toolkit.fluxcd.io"),
        "{kinds}"
    );
    assert_eq!(annotations[apply::NAMESPACES_ANNOTATION], "apps");
    assert!(
        annotations[apply::TOOLING_ANNOTATION]
            .as_str()
            .unwrap()
            .starts_with("fluxdsl/v")
    );
}

#[tokio::test]
async fn a_second_apply_changes_nothing() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let c = cluster(&["a"], 1);
    run(&api, &c, &tree, &quick()).await.0.unwrap();
    let before =
        api.get("deployments", Some("apps"), "web").unwrap()["metadata"]["resourceVersion"].clone();
    let (result, out) = run(&api, &c, &tree, &quick()).await;
    let report = result.unwrap();
    assert_eq!(
        report.count(&apply::Outcome::Unchanged),
        44,
        "{}",
        out.lines()
            .filter(|l| !l.ends_with(" unchanged"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        out.contains("0 created, 0 configured, 44 unchanged, 0 pruned, 0 skipped, 0 failed"),
        "{out}"
    );
    let after =
        api.get("deployments", Some("apps"), "web").unwrap()["metadata"]["resourceVersion"].clone();
    assert_eq!(before, after);
}

#[tokio::test]
async fn dry_run_and_force_conflicts_set_their_parameters() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let c = cluster(&[], 1);
    let opts = ApplyOptions {
        dry_run: true,
        ..quick()
    };
    let (result, out) = run(&api, &c, &tree, &opts).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(out.contains("(server dry run)"), "{out}");
    assert!(
        out.contains("kustomization.kustomize.toolkit.fluxcd.io/flux-system -n flux-system skipped (server dry run): its CustomResourceDefinition is part of this apply and not served yet"),
        "{out}"
    );
    let patches: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert!(
        patches
            .iter()
            .all(|p| p.query.get("dryRun").map(String::as_str) == Some("All"))
    );
    assert!(
        api.get("deployments", Some("apps"), "web").is_none(),
        "dry run changed nothing"
    );
    assert!(
        api.get(
            "customresourcedefinitions",
            None,
            "kustomizations.kustomize.toolkit.fluxcd.io"
        )
        .is_none()
    );

    api.clear_requests();
    let opts = ApplyOptions {
        force_conflicts: true,
        ..quick()
    };
    run(&api, &c, &tree, &opts).await.0.unwrap();
    assert!(
        api.requests()
            .iter()
            .filter(|r| r.method == "PATCH")
            .all(|p| p.query.get("force").map(String::as_str) == Some("true"))
    );
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    api.state
        .lock()
        .unwrap()
        .fail_patches
        .extend([429, 503, 500]);
    let one_at_a_time = ApplyOptions {
        concurrency: 1,
        ..quick()
    };
    let (result, out) = run(&api, &cluster(&[], 1), &tree, &one_at_a_time).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    let first_path = api
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap()
        .path;
    let attempts = api
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path == first_path)
        .count();
    assert_eq!(attempts, 4, "three failures, then success");

    // An error that persists past the retries is reported with the server's message.
    let api = FakeApi::new();
    api.state.lock().unwrap().fail_patches.extend([503; 5]);
    let (result, out) = run(&api, &cluster(&[], 1), &tree, &one_at_a_time).await;
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("1 object(s) failed")
            && err.contains("Error from server (InternalError): try again later"),
        "{err}\n{out}"
    );
}

#[tokio::test]
async fn a_persistent_503_is_sent_exactly_the_documented_number_of_times() {
    // Through a kubeconfig, over TCP: kube's own layers are in the path, so a retry layer
    // of kube's on top of fluxdsl's would show here as more attempts.
    let api = FakeApi::new();
    api.state.lock().unwrap().fail_every = Some(503);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = api.serve_http(dir.path()).await;
    let conn = Connection::connect(Some(&kubeconfig), None).await.unwrap();
    let started = std::time::Instant::now();
    let err = conn.cluster_id().await.unwrap_err().to_string();
    let elapsed = started.elapsed();
    assert!(
        err.contains("Error from server (ServiceUnavailable)"),
        "{err}"
    );
    let attempts = api
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/kube-system")
        .count();
    assert_eq!(attempts, 5, "README: a request is sent at most 5 times");
    // Four waits of 200, 400, 800 and 1600 ms nominal, each at least half that.
    assert!(
        elapsed >= std::time::Duration::from_millis(1500),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn an_interrupted_apply_starts_no_new_request_and_says_how_far_it_got() {
    let api = FakeApi::new();
    api.state.lock().unwrap().latency = std::time::Duration::from_millis(20);
    let names: Vec<String> = (0..60).map(|i| format!("cm-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = cluster(&refs, 1);
    let (_dir, tree) = tree_with_flux();
    let stop = tokio_util::sync::CancellationToken::new();
    let conn = conn(&api).cancel_on(stop.clone());
    let opts = ApplyOptions {
        concurrency: 2,
        ..quick()
    };
    let canceller = {
        let api = api.clone();
        tokio::spawn(async move {
            // Cancel once the namespaced ConfigMaps have started.
            while !api
                .requests()
                .iter()
                .any(|r| r.path.contains("/configmaps/cm-"))
            {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            stop.cancel();
        })
    };
    let mut out = Vec::new();
    let err = apply::apply(&conn, &c, &tree, &opts, &mut out)
        .await
        .unwrap_err();
    canceller.await.unwrap();
    let out = String::from_utf8(out).unwrap();
    let Error::Interrupted { done, total } = err else {
        panic!("{err}\n{out}");
    };
    let patched = api
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/configmaps/cm-"))
        .count();
    assert!(patched > 0 && patched < 60, "{patched} ConfigMaps applied");
    assert!(done < total, "{done}/{total}");
    assert!(out.contains("not applied"), "{out}");
    assert!(!out.contains("failed:"), "{out}");
}

#[tokio::test]
async fn a_conflicting_field_is_reported_then_forced() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    run(&api, &cluster(&[], 1), &tree, &quick())
        .await
        .0
        .unwrap();
    api.state.lock().unwrap().conflicts.push((
        "deployments".into(),
        "web".into(),
        ".spec.replicas".into(),
        "kubectl-edit".into(),
    ));
    let (result, out) = run(&api, &cluster(&[], 3), &tree, &quick()).await;
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("deployment.apps/web -n apps: conflict: field .spec.replicas is owned by manager \"kubectl-edit\"; use --force-conflicts to take ownership"),
        "{err}\n{out}"
    );
    let (result, out) = run(
        &api,
        &cluster(&[], 3),
        &tree,
        &ApplyOptions {
            force_conflicts: true,
            ..quick()
        },
    )
    .await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains("deployment.apps/web -n apps configured"),
        "{out}"
    );
    assert_eq!(
        api.get("deployments", Some("apps"), "web").unwrap()["spec"]["replicas"],
        3
    );
}

#[tokio::test]
async fn prune_deletes_exactly_what_was_dropped() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    run(&api, &cluster(&["a", "b"], 1), &tree, &quick())
        .await
        .0
        .unwrap();
    // Someone else's ConfigMap in the same namespace, without our label.
    api.put(
        "",
        "configmaps",
        Some("apps"),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "not-ours", "namespace": "apps"}}),
    );

    // Dry run: reported, nothing deleted.
    let opts = ApplyOptions {
        prune: true,
        dry_run: true,
        ..quick()
    };
    let (result, out) = run(&api, &cluster(&["a"], 1), &tree, &opts).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains("configmap/b -n apps pruned (server dry run)"),
        "{out}"
    );
    assert!(api.get("configmaps", Some("apps"), "b").is_some());

    api.clear_requests();
    let opts = ApplyOptions {
        prune: true,
        ..quick()
    };
    let (result, out) = run(&api, &cluster(&["a"], 1), &tree, &opts).await;
    let report = result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(report.count(&apply::Outcome::Pruned), 1, "{out}");
    assert!(
        api.get("configmaps", Some("apps"), "b").is_none(),
        "dropped object pruned"
    );
    assert!(api.get("configmaps", Some("apps"), "a").is_some());
    assert!(
        api.get("configmaps", Some("apps"), "not-ours").is_some(),
        "unlabelled object untouched"
    );
    assert!(api.get("namespaces", None, "flux-system").is_some());
    let deletes: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1);
}

#[tokio::test]
async fn pruning_a_large_share_needs_yes() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    run(
        &api,
        &cluster(
            &["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"],
            1,
        ),
        &tree,
        &quick(),
    )
    .await
    .0
    .unwrap();
    let mut small = cluster(&[], 1);
    small.target(ClusterGuard::KubeSystemUid(KUBE_SYSTEM_UID.into()));
    let opts = ApplyOptions {
        prune: true,
        skip_flux_install: true,
        ..quick()
    };
    let (_dir2, empty_tree) = (tempfile::tempdir().unwrap(), PathBuf::from("/nonexistent"));
    let (result, _) = run(&api, &small, &empty_tree, &opts).await;
    match result {
        // 12 ConfigMaps and Flux's 24 upstream objects other than CRDs and its Namespace
        Err(Error::PruneRefused { count, .. }) => assert_eq!(count, 12 + 24),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        api.get("configmaps", Some("apps"), "a").is_some(),
        "nothing pruned"
    );
    // Namespaces and CRDs are never pruned unless asked, even with --yes.
    let opts = ApplyOptions {
        prune: true,
        yes: true,
        skip_flux_install: true,
        ..quick()
    };
    run(&api, &small, &empty_tree, &opts).await.0.unwrap();
    assert!(api.get("configmaps", Some("apps"), "a").is_none());
    assert!(api.get("namespaces", None, "flux-system").is_some());
    assert!(
        api.get(
            "customresourcedefinitions",
            None,
            "gitrepositories.source.toolkit.fluxcd.io"
        )
        .is_some()
    );
}

#[tokio::test]
async fn the_guard_refuses_another_cluster_before_any_change() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let mut c = cluster(&[], 1);
    c.target(ClusterGuard::KubeSystemUid(
        "11111111-2222-4333-8444-555555555555".into(),
    ));
    let (result, _) = run(&api, &c, &tree, &quick()).await;
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("11111111-2222-4333-8444-555555555555") && err.contains(KUBE_SYSTEM_UID),
        "{err}"
    );
    assert!(err.starts_with("wrong cluster:"), "{err}");
    assert!(
        api.requests().iter().all(|r| r.method == "GET"),
        "nothing was changed"
    );

    let mut c = cluster(&[], 1);
    c.target(ClusterGuard::Context("production".into()));
    let err = run(&api, &c, &tree, &quick())
        .await
        .0
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"production\"") && err.contains("\"fake\""),
        "{err}"
    );

    let mut unguarded = Cluster::new("k8s/flux");
    let f = unguarded.file("a.yaml");
    unguarded.add(&f, config_map("a"));
    let err = run(
        &api,
        &unguarded,
        &tree,
        &ApplyOptions {
            skip_flux_install: true,
            ..quick()
        },
    )
    .await
    .0
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("does not say which cluster it is for") && err.contains(KUBE_SYSTEM_UID),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_flux_install_is_an_error_unless_flux_is_already_served() {
    let api = FakeApi::new();
    let dir = tempfile::tempdir().unwrap();
    let err = run(&api, &cluster(&[], 1), dir.path(), &quick())
        .await
        .0
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("gotk-components.yaml is missing")
            && err.contains("flux install --version=v2.9.3 --export"),
        "{err}"
    );
    assert!(
        api.requests().iter().all(|r| r.method == "GET"),
        "nothing was changed"
    );

    // Once Flux is installed, the same apply goes on without the file, and says so.
    let (_flux_dir, tree) = tree_with_flux();
    run(&api, &cluster(&[], 1), &tree, &quick())
        .await
        .0
        .unwrap();
    let (result, out) = run(&api, &cluster(&["later"], 1), dir.path(), &quick()).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains("Flux's CRDs are already served, so apply goes on without it"),
        "{out}"
    );
    assert!(out.contains("configmap/later -n apps created"), "{out}");
}

#[tokio::test]
async fn diff_is_empty_after_apply_and_shows_a_change() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    run(&api, &cluster(&["a"], 1), &tree, &quick())
        .await
        .0
        .unwrap();
    let mut out = Vec::new();
    let differs = apply::diff(
        &conn(&api),
        &cluster(&["a"], 1),
        &tree,
        &quick(),
        false,
        &mut out,
    )
    .await
    .unwrap();
    assert!(!differs, "{}", String::from_utf8_lossy(&out));
    assert!(out.is_empty());

    let mut out = Vec::new();
    let differs = apply::diff(
        &conn(&api),
        &cluster(&["a"], 2),
        &tree,
        &quick(),
        false,
        &mut out,
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(differs);
    assert!(
        text.contains("--- live/deployment.apps/web -n apps"),
        "{text}"
    );
    assert!(text.contains("-  replicas: 1\n+  replicas: 2"), "{text}");
    assert_eq!(
        api.get("deployments", Some("apps"), "web").unwrap()["spec"]["replicas"],
        1,
        "diff changed nothing"
    );
}

#[tokio::test]
async fn wait_follows_flux_ready_conditions() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let c = cluster(&[], 1);
    run(&api, &c, &tree, &quick()).await.0.unwrap();
    let ready = |_: &serde_json::Value| {
        json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "True", "reason": "Succeeded", "message": "Applied revision: main@sha1:abc"}]})
    };
    api.set_status("gitrepositories", ready);
    api.set_status("kustomizations", ready);
    let (result, out) = run(
        &api,
        &c,
        &tree,
        &ApplyOptions {
            wait: true,
            ..quick()
        },
    )
    .await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(out.contains("all 2 Flux objects are Ready"), "{out}");

    api.set_status("kustomizations", |_| json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "kustomization path not found"}]}));
    let (result, out) = run(
        &api,
        &c,
        &tree,
        &ApplyOptions {
            wait: true,
            ..quick()
        },
    )
    .await;
    let err = result.unwrap_err().to_string();
    assert!(err.contains("kustomization.kustomize.toolkit.fluxcd.io/flux-system is not Ready: BuildFailed: kustomization path not found"), "{err}\n{out}");

    api.set_status("kustomizations", |_| {
        json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "Unknown", "reason": "Progressing", "message": "reconciling"}]})
    });
    let opts = ApplyOptions {
        wait: true,
        timeout: std::time::Duration::from_millis(200),
        ..quick()
    };
    let err = run(&api, &c, &tree, &opts).await.0.unwrap_err().to_string();
    assert!(err.contains("timed out waiting for Flux to report Ready: still waiting for kustomization.kustomize.toolkit.fluxcd.io/flux-system"), "{err}");
}

#[tokio::test]
async fn a_dry_run_skips_objects_in_namespaces_it_would_create() {
    let api = FakeApi::new();
    let mut c = Cluster::new("t");
    c.target(ClusterGuard::KubeSystemUid(KUBE_SYSTEM_UID.into()));
    c.applyset(fluxdsl::ApplySetParent::config_map(
        &fluxdsl::namespace!("apps"),
        name!("applyset"),
    ));
    let f = c.file("a.yaml");
    c.add(&f, namespace("apps"));
    c.add(&f, config_map("a"));
    let opts = ApplyOptions {
        dry_run: true,
        skip_flux_install: true,
        ..quick()
    };
    let (result, out) = run(&api, &c, Path::new("/nonexistent"), &opts).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains("namespace/apps created (server dry run)"),
        "{out}"
    );
    assert!(out.contains("configmap/a -n apps skipped (server dry run): its namespace apps is created by this apply"), "{out}");
    assert!(api.get("namespaces", None, "apps").is_none());
}

#[tokio::test]
async fn an_unreachable_server_is_one_clear_line() {
    // A kubeconfig pointing at a closed local port: nothing listens on port 1.
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n\
         contexts:\n- name: test\n  context: {cluster: c, user: u}\ncurrent-context: test\n\
         users:\n- name: u\n  user: {token: x}\n",
    )
    .unwrap();
    let conn = Connection::connect(Some(&kubeconfig), None).await.unwrap();
    let err = conn.check_reachable().await.unwrap_err().to_string();
    assert!(
        err.starts_with("cannot reach the API server https://127.0.0.1:1/"),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");

    let err = Connection::connect(Some(&dir.path().join("missing")), None)
        .await
        .err()
        .unwrap()
        .to_string();
    let missing = dir.path().join("missing");
    assert_eq!(
        err,
        format!(
            "cannot read kubeconfig {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
}

#[tokio::test]
async fn an_applyset_parent_in_a_missing_namespace_is_refused_before_any_change() {
    // Like a real API server, the fake refuses objects in a namespace that does not exist;
    // the default parent lives in flux-system, which this definition does not create.
    let api = FakeApi::new();
    let mut c = Cluster::new("t");
    c.target(ClusterGuard::KubeSystemUid(KUBE_SYSTEM_UID.into()));
    let f = c.file("a.yaml");
    c.add(&f, namespace("apps"));
    c.add(&f, config_map("a"));
    let opts = ApplyOptions {
        skip_flux_install: true,
        ..quick()
    };
    let (result, out) = run(&api, &c, Path::new("/nonexistent"), &opts).await;
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("its parent Secret flux-system/fluxdsl-applyset lives in namespace flux-system, which does not exist")
            && err.contains("Nothing was changed"),
        "{err}\n{out}"
    );
    assert!(
        api.requests().iter().all(|r| r.method == "GET"),
        "{:?}",
        api.requests()
    );
}

#[tokio::test]
async fn a_missing_permission_refuses_the_run_before_any_change() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    api.state.lock().unwrap().denied = vec![
        ("patch".into(), "configmaps".into(), Some("apps".into())),
        ("create".into(), "configmaps".into(), Some("apps".into())),
        ("create".into(), "customresourcedefinitions".into(), None),
    ];
    let (result, out) = run(&api, &cluster(&["a", "b"], 1), &tree, &quick()).await;
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("may not make 3 of the requests this apply needs; nothing was changed")
            && err.contains("cannot create configmaps in namespace apps")
            && err.contains("cannot patch configmaps in namespace apps")
            && err.contains(
                "cannot create customresourcedefinitions.apiextensions.k8s.io (cluster-wide)"
            ),
        "{err}\n{out}"
    );
    assert_eq!(
        err.matches("cannot ").count(),
        3,
        "each missing permission once: {err}"
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| r.method == "GET" || r.method == "POST"),
        "no PATCH or DELETE was sent"
    );
    assert!(out.contains("preflight: "), "{out}");

    // --skip-preflight sends the requests and reports what the server refuses instead.
    let api = FakeApi::new();
    let opts = ApplyOptions {
        skip_preflight: true,
        ..quick()
    };
    let (result, _) = run(&api, &cluster(&["a"], 1), &tree, &opts).await;
    result.unwrap();
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.path.ends_with("selfsubjectaccessreviews")),
        "no review was asked for"
    );
}

#[tokio::test]
async fn dry_run_first_applies_nothing_when_the_dry_run_refuses_an_object() {
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    // The first PATCH (of the dry run) is refused as invalid; 422 is never retried.
    api.state.lock().unwrap().fail_patches.extend([422]);
    let opts = ApplyOptions {
        dry_run_first: true,
        ..quick()
    };
    let (result, out) = run(&api, &cluster(&["a"], 1), &tree, &opts).await;
    let err = result.unwrap_err();
    let err = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    assert!(
        err.contains("the server dry run refused the apply, so nothing was applied")
            && err.contains("1 object(s) failed"),
        "{err}\n{out}"
    );
    let patches: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert!(!patches.is_empty());
    assert!(
        patches
            .iter()
            .all(|r| r.query.get("dryRun").map(String::as_str) == Some("All")),
        "only dry-run requests were sent"
    );

    // Without a refusal the dry run passes and the apply follows.
    let api = FakeApi::new();
    let (result, out) = run(&api, &cluster(&["a"], 1), &tree, &opts).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains("every object passed the server dry run; applying:"),
        "{out}"
    );
    assert!(api.get("configmaps", Some("apps"), "a").is_some());
}

#[tokio::test]
async fn an_object_of_a_kustomize_folder_is_applied_as_kustomize_would_build_it() {
    use fluxdsl::{KustomizeConfig, namespace};
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let mut c = cluster(&[], 1);
    let folder = c.kustomize_folder(
        "apps/settings",
        KustomizeConfig::builder()
            .namespace(namespace!("apps"))
            .name_prefix("p-")
            .build(),
    );
    let file = c.folder_file(&folder, "settings.yaml");
    // No namespace, the name without the prefix: as the file says.
    let mut settings = config_map("settings");
    settings.metadata.namespace = None;
    let handle = c.add(&file, settings);
    assert_eq!(
        (handle.namespace(), handle.name()),
        (Some("apps"), "p-settings")
    );
    let (result, out) = run(&api, &c, &tree, &quick()).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains("configmap/p-settings -n apps created"),
        "{out}"
    );
    assert!(api.get("configmaps", Some("apps"), "p-settings").is_some());
    assert!(api.get("configmaps", Some("apps"), "settings").is_none());
}

#[tokio::test]
async fn apply_sends_what_image_automation_committed_not_the_declared_start() {
    use fluxdsl::{App, CommitAuthor, ImagePolicy, ImageRepository, ImageUpdateAutomation};
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let mut c = cluster(&[], 1);
    let images = c.file("flux-system/images.yaml");
    let fleet: Ref<GitRepository> =
        Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    c.add(
        &images,
        ImageUpdateAutomation::builder()
            .name(name!("flux-system"))
            .source_ref(&fleet)
            .author(CommitAuthor::new("bot", "bot@example.com"))
            .update_path("./k8s/flux")
            .interval(duration!("30m"))
            .build(),
    );
    let repository = c.add(
        &images,
        ImageRepository::builder()
            .name(name!("api"))
            .image("ghcr.io/example/api")
            .interval(duration!("5m"))
            .build(),
    );
    let policy = c.add(
        &images,
        ImagePolicy::builder()
            .name(name!("api"))
            .image_repository_ref(&repository)
            .policy(fluxdsl::TagPolicy::Semver("1.x".into()))
            .build(),
    );
    let apps = c.file("api.yaml");
    c.add(
        &apps,
        App::builder()
            .name(name!("api"))
            .namespace(fluxdsl::namespace!("apps"))
            .image("ghcr.io/example/api:1.0.0")
            .image_policy(&policy)
            .build(),
    );
    fluxdsl::tree::write_tree(c.render().unwrap().main(), &tree).unwrap();
    // The controller's commit.
    let file = tree.join("api.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "image: ghcr.io/example/api:1.0.0 #",
            "image: ghcr.io/example/api:1.4.2 #",
        ),
    )
    .unwrap();
    let (result, out) = run(&api, &c, &tree, &quick()).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    let deployment = api.get("deployments", Some("apps"), "api").unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/example/api:1.4.2"
    );
}

#[tokio::test]
async fn apply_sends_what_flux_builds_from_the_kustomize_folders() {
    // A folder with a name prefix, a generated ConfigMap and a patch: apply sends the
    // objects under the names and with the fields Flux gives them, so kustomize-controller
    // later finds them as it would have applied them.
    let mut c = cluster(&[], 1);
    let settings = c.file("web/settings.yaml");
    c.add(&settings, config_map("settings"));
    c.kustomize_config(
        "web",
        fluxdsl::KustomizeConfig::builder()
            .resources(&[&settings])
            .name_prefix("dev-")
            .config_map_generator(&[fluxdsl::ConfigMapGenerator {
                name: "web-values".into(),
                namespace: Some("apps".into()),
                literals: vec!["replicas=2".into()],
                ..Default::default()
            }])
            .patches(&[fluxdsl::Patch::strategic_merge(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: \
                 apps\ndata:\n  patched: \"yes\"\n",
            )])
            .build(),
    );
    let api = FakeApi::new();
    let (_dir, tree) = tree_with_flux();
    let (result, out) = run(&api, &c, &tree, &quick()).await;
    let report = result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(report.failures(), vec![]);
    let settings = api
        .get("configmaps", Some("apps"), "dev-settings")
        .unwrap_or_else(|| panic!("the prefixed name is applied\n{out}"));
    assert_eq!(settings["data"]["patched"], "yes");
    assert_eq!(settings["data"]["key"], "settings");
    assert!(api.get("configmaps", Some("apps"), "settings").is_none());
    let generated: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.object.kind == "ConfigMap" && r.object.name.starts_with("dev-web-values-"))
        .collect();
    assert_eq!(generated.len(), 1, "{out}");
}
