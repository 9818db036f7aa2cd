//! End-to-end: `apply`, `diff` and prune against a real API server. Every test is
//! `#[ignore]`d unless asked for, and then needs FLUXDSL_E2E_KUBECONFIG to name a kubeconfig
//! with cluster-admin rights; CI (`.ci/run`) starts a real kube-apiserver for them.
//!
//! Tests named `fresh_server_*` install Flux's CRDs and must each run against a freshly
//! started API server (they check that Flux is not installed yet); the others share one.
//!
//! ```sh
//! srv=$(mktemp -d); kc=$(../shared/tools/kube-apiserver/start "$srv")
//! FLUXDSL_E2E_KUBECONFIG=$kc cargo test --test e2e_apply -- --ignored
//! ../shared/tools/kube-apiserver/stop "$srv"
//! ```

#[allow(dead_code)]
#[path = "../examples/minimal.rs"]
mod minimal;

#[path = "suite/all_fields.rs"]
mod all_fields;

use std::path::{Path, PathBuf};

use fluxdsl::apply::{self, ApplyOptions, Connection};
use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{ApplySetParent, Cluster, ClusterGuard, Name, NamespaceName};
use kube::api::{Api, Patch, PatchParams};

fn kubeconfig() -> PathBuf {
    match std::env::var_os("FLUXDSL_E2E_KUBECONFIG") {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "FLUXDSL_E2E_KUBECONFIG is not set: this test needs a kubeconfig for a disposable \
             API server (see the top of tests/e2e_apply.rs)"
        ),
    }
}

async fn connection() -> Connection {
    let path = kubeconfig();
    Connection::connect(Some(&path), None)
        .await
        .unwrap_or_else(|e| panic!("FLUXDSL_E2E_KUBECONFIG={}: {e}", path.display()))
}

const FLUX_COMPONENTS: &str = "flux-system/gotk-components.yaml";
const FLUX_VERSION: &str = "v2.9.3";
const FLUX_SHA256: &str = "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365";

/// A tree holding Flux's gotk-components.yaml, which `apply` installs.
fn flux_tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("flux-system")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/flux-v2.9.3-bootstrap")
        .join(FLUX_COMPONENTS);
    std::fs::copy(fixture, tree.join(FLUX_COMPONENTS)).unwrap();
    (dir, tree)
}

/// Fails unless Flux is not installed yet: a `fresh_server_*` test checks what happens
/// when the CRDs are new.
async fn assert_fresh(client: &kube::Client) {
    use fluxdsl::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    assert!(
        crds.get_opt("gitrepositories.source.toolkit.fluxcd.io")
            .await
            .unwrap()
            .is_none(),
        "this test needs a freshly started API server without Flux (.ci/run starts one per \
         fresh_server_* test)"
    );
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
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test]
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn fresh_server_the_minimal_example_installs_flux_then_applies_unchanged() {
    let conn = connection().await;
    let client = kube_client().await;
    assert_fresh(&client).await;
    let uid = conn.cluster_id().await.unwrap();
    let (_dir, tree) = flux_tree();
    let mut c = minimal::cluster();
    c.flux_components(FLUX_COMPONENTS, FLUX_VERSION, FLUX_SHA256);
    c.target(ClusterGuard::KubeSystemUid(uid));
    let full = ApplyOptions::default();

    // First apply: Flux's CRDs are new, so their kinds are served only after a wait.
    let (first, out) = apply_ok(&conn, &c, &tree, &full).await;
    assert_eq!(
        first.count(&apply::Outcome::Created),
        first.results.len(),
        "everything is created:\n{out}"
    );
    assert!(
        out.contains("gitrepository.source.toolkit.fluxcd.io/podinfo -n flux-system created"),
        "{out}"
    );

    // Second apply: nothing changes that a client can see. The API server may store a
    // custom resource once more (a new resourceVersion); the report says so, and never
    // calls it configured.
    let (second, out) = apply_ok(&conn, &c, &tree, &full).await;
    assert_eq!(second.count(&apply::Outcome::Configured), 0, "{out}");
    assert_eq!(
        second.count(&apply::Outcome::Unchanged)
            + second
                .results
                .iter()
                .filter(|r| matches!(r.outcome, apply::Outcome::StoredAgain { .. }))
                .count(),
        second.results.len(),
        "{out}"
    );

    // Third apply: all unchanged, and the server agrees (identical resourceVersions).
    let before = flux_resource_versions(&client).await;
    let (third, out) = apply_ok(&conn, &c, &tree, &full).await;
    assert_eq!(
        third.count(&apply::Outcome::Unchanged),
        third.results.len(),
        "every object unchanged on the third apply:\n{out}"
    );
    assert_eq!(before, flux_resource_versions(&client).await);

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

/// `(kind/name, resourceVersion)` of the minimal example's Flux objects.
async fn flux_resource_versions(client: &kube::Client) -> Vec<(String, String)> {
    use kube::api::DynamicObject;
    use kube::core::{ApiResource, GroupVersionKind};
    let mut found = Vec::new();
    for (group, kind, plural) in [
        (
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "gitrepositories",
        ),
        (
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "kustomizations",
        ),
    ] {
        let ar =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural);
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "flux-system", &ar);
        for o in api.list(&Default::default()).await.unwrap() {
            found.push((
                format!("{kind}/{}", o.metadata.name.unwrap()),
                o.metadata.resource_version.unwrap(),
            ));
        }
    }
    found.sort();
    found
}

#[tokio::test]
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn a_second_apply_changes_no_resource_version() {
    let conn = connection().await;
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

/// A SOPS-encrypted Secret in the tree: the k8s-home-ops grafana Secret, moved to `ns`
/// (its identity is in clear; its MAC no longer matches, which only decryption checks).
fn encrypted_secret_in(ns: &str) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/k8s-home-ops/infrastructure/secrets/grafana-secret.yaml"
    );
    std::fs::read_to_string(path).unwrap().replace(
        "namespace: prometheus-operator",
        &format!("namespace: {ns}"),
    )
}

#[tokio::test]
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn the_sops_age_key_is_created_at_bootstrap_and_never_shown_and_encrypted_secrets_are_left_to_flux()
 {
    use fluxdsl::BootstrapSecret;
    use fluxdsl::k8s_openapi::api::core::v1::Secret;
    let conn = connection().await;
    let uid = conn.cluster_id().await.unwrap();
    let ns = unique("fluxdsl-e2e-sops");
    let mut c = app_cluster(&ns, &uid, &[("a", "1")]);
    let namespace = NamespaceName::new(&ns).unwrap();
    c.bootstrap_secret(BootstrapSecret::sops_age(
        &namespace,
        Name::new("sops-age").unwrap(),
    ));
    let encrypted = c.sops_file("secrets/grafana.yaml", encrypted_secret_in(&ns));
    assert_eq!(encrypted.secrets[0].name(), "grafana-secret");
    // A value that must never appear in any output.
    let key = "AGE-SECRET-KEY-1SENTINEL0SOPS0AGE0KEY0E2E0NEVER0PRINTED0QQQQQQQQQQQQQQQQQQ\n";
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("age.agekey");
    std::fs::write(&key_file, key).unwrap();
    let mut options = opts();
    options
        .secrets
        .add(
            &format!("{ns}/sops-age/age.agekey={}", key_file.display()),
            false,
        )
        .unwrap();
    let tree = PathBuf::from("/nonexistent");
    let (report, out) = apply_ok(&conn, &c, &tree, &options).await;
    let mut diff = Vec::new();
    apply::diff(&conn, &c, &tree, &options, false, &mut diff)
        .await
        .unwrap();
    let (again, out_again) = apply_ok(&conn, &c, &tree, &options).await;
    let client = kube_client().await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &ns);
    let created = secrets.get("sops-age").await.unwrap();
    let value = &created.data.as_ref().unwrap()["age.agekey"].0;
    assert_eq!(value, key.as_bytes(), "the Secret holds the file's bytes");
    // Only Flux can decrypt the encrypted Secret: apply never sends it.
    assert!(secrets.get_opt("grafana-secret").await.unwrap().is_none());
    let diff = String::from_utf8(diff).unwrap();
    let shown = format!("{out}\n{out_again}\n{diff}\n{report:?}\n{again:?}");
    assert!(
        !shown.contains("SENTINEL0SOPS"),
        "the key never appears in any output: {shown}"
    );
    assert!(!shown.contains("grafana-secret"), "{shown}");
    cleanup(&client, &ns).await;
}

#[tokio::test]
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn prune_removes_exactly_the_dropped_object() {
    let conn = connection().await;
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
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn another_managers_field_is_reported_then_forced() {
    let conn = connection().await;
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
    assert_no_debug_output(&[&err, &String::from_utf8_lossy(&out)]);

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
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn dry_run_changes_nothing_and_the_guard_refuses_another_cluster() {
    let conn = connection().await;
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
    assert_no_debug_output(&[&err, &String::from_utf8_lossy(&out)]);
    assert!(
        namespaces.get_opt(&ns).await.unwrap().is_none(),
        "the guard changed nothing"
    );
}

async fn cleanup(client: &kube::Client, ns: &str) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let _ = namespaces.delete(ns, &Default::default()).await;
}

/// Runs the monacocloud program (`cargo run -- ARGS`) from the repository root.
fn monacocloud(args: &[&str], kubeconfig: &Path) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cluster"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the cluster binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The e2e kubeconfig with its admin context renamed `monacocloud`: the context the
/// monacocloud definition's guard names.
fn monacocloud_kubeconfig(dir: &Path) -> PathBuf {
    let mut config = kube::config::Kubeconfig::read_from(kubeconfig()).unwrap();
    let current = config.current_context.clone().unwrap();
    for c in &mut config.contexts {
        if c.name == current {
            c.name = "monacocloud".into();
        }
    }
    config.current_context = Some("monacocloud".into());
    let path = dir.join("kubeconfig");
    std::fs::write(&path, serde_yaml::to_string(&config).unwrap()).unwrap();
    path
}

#[tokio::test]
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn fresh_server_monacocloud_bootstraps_with_its_secrets_from_files() {
    let client = kube_client().await;
    assert_fresh(&client).await;
    let dir = tempfile::tempdir().unwrap();
    let kc = monacocloud_kubeconfig(dir.path());
    // Values that must never appear in any output.
    let identity = "-----BEGIN OPENSSH PRIVATE KEY-----\nSENTINEL-DEPLOY-KEY-7f3a\n-----END OPENSSH PRIVATE KEY-----\n";
    let apps_identity = "SENTINEL-APPS-KEY-91c2";
    let other_identity = "SENTINEL-REPLACEMENT-KEY-55d0";
    let known_hosts = "gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf\n";
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let (id_file, kh_file, other_file) = (
        file("identity", identity),
        file("known_hosts", known_hosts),
        file("other", other_identity),
    );
    let secret_args = [
        format!("--secret-file=flux-system/flux-system/identity={id_file}"),
        format!("--secret-file=flux-system/flux-system/known_hosts={kh_file}"),
        "--secret-env=flux-system/flux-deploy-authentication/identity=E2E_APPS_KEY".to_owned(),
        format!("--secret-file=flux-system/flux-deploy-authentication/known_hosts={kh_file}"),
    ];
    let args = |extra: &[String]| -> Vec<String> {
        std::iter::once("apply".to_owned())
            .chain(extra.iter().cloned())
            .collect()
    };
    let mut outputs = Vec::new();
    let run = |args: Vec<String>, outputs: &mut Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        // SAFETY: this test sets the variable before starting the child, on this thread.
        unsafe { std::env::set_var("E2E_APPS_KEY", apps_identity) };
        let (code, text) = monacocloud(&refs, &kc);
        outputs.push(text.clone());
        (code, text)
    };

    // Without the values, nothing is changed: both Secrets and their keys are named.
    let (code, text) = run(args(&[]), &mut outputs);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("bootstrap Secret flux-system/flux-system: it does not exist")
            && text.contains("bootstrap Secret flux-system/flux-deploy-authentication")
            && text.contains("missing identity (the SSH private key")
            && text.contains("known_hosts"),
        "{text}"
    );
    assert_no_debug_output(&[&text]);
    let namespaces: Api<Namespace> = Api::all(client.clone());
    assert!(namespaces.get_opt("flux-system").await.unwrap().is_none());

    // Bootstrap: Flux's install, the definition and both Secrets, all created.
    let (code, text) = run(args(&secret_args), &mut outputs);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("secret/flux-system -n flux-system created")
            && text.contains("secret/flux-deploy-authentication -n flux-system created")
            && text.contains(" 0 configured, 0 unchanged, 0 pruned, 0 skipped, 0 failed"),
        "{text}"
    );
    let secrets: Api<fluxdsl::k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(client.clone(), "flux-system");
    let data = |s: fluxdsl::k8s_openapi::api::core::v1::Secret, key: &str| {
        String::from_utf8(s.data.unwrap()[key].0.clone()).unwrap()
    };
    assert_eq!(
        data(secrets.get("flux-system").await.unwrap(), "identity"),
        identity
    );
    assert_eq!(
        data(
            secrets.get("flux-deploy-authentication").await.unwrap(),
            "identity"
        ),
        apps_identity
    );

    // Later applies need no values: nothing is configured; then all is unchanged.
    let (code, text) = run(args(&[]), &mut outputs);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("0 created, 0 configured, "), "{text}");
    assert!(
        text.contains("secret/flux-system -n flux-system unchanged"),
        "{text}"
    );
    let before = flux_resource_versions(&client).await;
    let (code, text) = run(args(&secret_args), &mut outputs);
    assert_eq!(code, 0, "{text}");
    let summary = text.lines().rfind(|l| l.contains(" created, ")).unwrap();
    assert!(
        summary.starts_with("0 created, 0 configured, ")
            && summary.ends_with(" unchanged, 0 pruned, 0 skipped, 0 failed"),
        "the third apply is all unchanged: {text}"
    );
    assert_eq!(before, flux_resource_versions(&client).await);

    // A Secret with other content is left alone and reported.
    let replaced = [
        format!("--secret-file=flux-system/flux-system/identity={other_file}"),
        format!("--secret-file=flux-system/flux-system/known_hosts={kh_file}"),
    ];
    let (code, text) = run(args(&replaced), &mut outputs);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("secret/flux-system -n flux-system skipped: it exists with other content and is left alone; pass --replace-secrets"),
        "{text}"
    );
    assert_eq!(
        data(secrets.get("flux-system").await.unwrap(), "identity"),
        identity
    );

    // diff agrees that the cluster is what the definition says.
    let (code, text) = monacocloud(&["diff"], &kc);
    outputs.push(text.clone());
    assert_eq!(code, 0, "diff after apply: {text}");

    // tree --live: each object's state as the server has it, read-only. No controllers
    // run here, so Flux objects have no Ready condition; the apps repository's objects are
    // Flux's to apply, so they are missing.
    let before = flux_resource_versions(&client).await;
    let (code, text) = monacocloud(&["tree", "--live"], &kc);
    outputs.push(text.clone());
    assert_eq!(code, 0, "{text}");
    for line in [
        "GitRepository/flux-system/monacocloud-config  [not ready: no Ready condition yet]",
        "└── Kustomization/flux-system/flux-system  [not ready: no Ready condition yet]",
        "Deployment/kube-system/metrics-server  [exists]",
        "Namespace/owncloud  [missing]",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    assert_eq!(
        before,
        flux_resource_versions(&client).await,
        "tree --live changed nothing"
    );

    // No output ever held a secret value, plain or base64.
    use base64::Engine as _;
    for value in [identity, apps_identity, other_identity] {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value);
        for text in &outputs {
            assert!(
                !text.contains(value.trim())
                    && !text.contains(&encoded)
                    && !text.contains("SENTINEL"),
                "a secret value was printed:\n{text}"
            );
        }
    }
}

/// The API server URL of the e2e kubeconfig's first cluster.
fn server_url() -> String {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig()).unwrap();
    kubeconfig.clusters[0]
        .cluster
        .as_ref()
        .unwrap()
        .server
        .clone()
        .unwrap()
}

/// ConfigMaps `a` in namespace `ns_a` and `b` in `ns_b`, the ApplySet parent in `ns_a`,
/// pinned to the API server by URL (the unprivileged user cannot read kube-system).
fn two_namespace_cluster(ns_a: &str, ns_b: &str) -> Cluster {
    let mut c = Cluster::new("tree");
    let server = server_url();
    c.target(ClusterGuard::Server(
        server.trim_end_matches('/').to_owned(),
    ));
    c.applyset(ApplySetParent::config_map(
        &NamespaceName::new(ns_a).unwrap(),
        Name::new("e2e-applyset").unwrap(),
    ));
    let f = c.file("app.yaml");
    for (name, ns) in [("a", ns_a), ("b", ns_b)] {
        c.add(
            &f,
            ConfigMap {
                metadata: ObjectMeta {
                    name: Some(name.into()),
                    namespace: Some(ns.into()),
                    ..ObjectMeta::default()
                },
                data: Some([("value".to_string(), name.to_string())].into()),
                ..ConfigMap::default()
            },
        );
    }
    c
}

async fn config_maps(client: &kube::Client, namespaces: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    for ns in namespaces {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        for cm in api.list(&Default::default()).await.unwrap() {
            names.push(format!("{ns}/{}", cm.metadata.name.unwrap()));
        }
    }
    names.sort();
    names
}

/// Lets the user `unprivileged` read and apply ConfigMaps in `ns`.
async fn grant_config_maps(admin: &kube::Client, ns: &str, role: &str) {
    use fluxdsl::k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
    let bindings: Api<RoleBinding> = Api::namespaced(admin.clone(), ns);
    let binding = RoleBinding {
        metadata: ObjectMeta {
            name: Some("e2e-unprivileged".into()),
            namespace: Some(ns.into()),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: role.into(),
        },
        subjects: Some(vec![Subject {
            kind: "User".into(),
            name: "unprivileged".into(),
            api_group: Some("rbac.authorization.k8s.io".into()),
            ..Subject::default()
        }]),
    };
    bindings
        .patch(
            "e2e-unprivileged",
            &PatchParams::apply("e2e").force(),
            &Patch::Apply(&binding),
        )
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn a_user_allowed_one_namespace_is_refused_before_any_change_then_applies() {
    use fluxdsl::k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
    let admin = kube_client().await;
    let (ns_a, ns_b) = (unique("fluxdsl-e2e-rbac-a"), unique("fluxdsl-e2e-rbac-b"));
    let namespaces: Api<Namespace> = Api::all(admin.clone());
    for ns in [&ns_a, &ns_b] {
        let body =
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        namespaces
            .patch(ns, &PatchParams::apply("e2e"), &Patch::Apply(&body))
            .await
            .unwrap();
    }
    let role = unique("fluxdsl-e2e-configmaps");
    let roles: Api<ClusterRole> = Api::all(admin.clone());
    let cluster_role = ClusterRole {
        metadata: ObjectMeta {
            name: Some(role.clone()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["configmaps".into()]),
            verbs: ["get", "list", "patch", "create"]
                .map(String::from)
                .to_vec(),
            ..PolicyRule::default()
        }]),
        ..ClusterRole::default()
    };
    roles
        .patch(
            &role,
            &PatchParams::apply("e2e"),
            &Patch::Apply(&cluster_role),
        )
        .await
        .unwrap();
    grant_config_maps(&admin, &ns_a, &role).await;

    let path = kubeconfig();
    let conn = Connection::connect(Some(&path), Some("unprivileged"))
        .await
        .unwrap();
    let c = two_namespace_cluster(&ns_a, &ns_b);
    let tree = PathBuf::from("/nonexistent");
    let before = config_maps(&admin, &[&ns_a, &ns_b]).await;

    // Refused before any change, naming exactly what is missing in the other namespace.
    let mut out = Vec::new();
    let err = apply::apply(&conn, &c, &tree, &opts(), &mut out)
        .await
        .unwrap_err()
        .to_string();
    let out = String::from_utf8(out).unwrap();
    let missing: Vec<&str> = err
        .lines()
        .filter(|l| l.trim_start().starts_with("cannot "))
        .collect();
    assert_eq!(
        missing.iter().map(|l| l.trim()).collect::<Vec<_>>(),
        ["create", "get", "list", "patch"]
            .map(|verb| format!("cannot {verb} configmaps in namespace {ns_b}"))
            .to_vec(),
        "{err}\n{out}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(config_maps(&admin, &[&ns_a, &ns_b]).await, before);
    assert_no_debug_output(&[&err, &out]);

    // Without the preflight the server refuses object b, and says so as kubectl would.
    let skip = ApplyOptions {
        skip_preflight: true,
        ..opts()
    };
    let mut out = Vec::new();
    let err = apply::apply(&conn, &c, &tree, &skip, &mut out)
        .await
        .unwrap_err()
        .to_string();
    let out = String::from_utf8(out).unwrap();
    assert!(
        err.contains(&format!("configmap/b -n {ns_b}: Error from server (Forbidden): configmaps \"b\" is forbidden: User \"unprivileged\" cannot")),
        "{err}\n{out}"
    );
    assert_no_debug_output(&[&err, &out]);

    // With the permissions granted, the same run applies.
    grant_config_maps(&admin, &ns_b, &role).await;
    let (report, out) = apply_ok(&conn, &c, &tree, &opts()).await;
    assert!(report.failures().is_empty(), "{out}");
    assert!(
        out.contains("preflight: ") && out.contains(", 0 missing"),
        "{out}"
    );
    assert!(
        config_maps(&admin, &[&ns_b])
            .await
            .contains(&format!("{ns_b}/b"))
    );
    cleanup(&admin, &ns_a).await;
    cleanup(&admin, &ns_b).await;
    let _ = roles.delete(&role, &Default::default()).await;
}

/// Fails if a failing run's output shows a Rust debug structure instead of a message.
fn assert_no_debug_output(texts: &[&str]) {
    for text in texts {
        assert!(
            !text.contains("Some(") && !text.contains("Status {"),
            "a debug structure was printed:\n{text}"
        );
    }
}

/// Objects of every Flux kind with every typed field set (the coverage test's), rendered
/// in a cluster pinned to Flux v2.9.3, are what the API server with v2.9.3's CRDs stores;
/// the five fields left to `extra_spec` pass a server-side dry run; and an object whose
/// fields each pass but which breaks a CRD's CEL rule is refused by the server with the
/// message fluxdsl gives when the cluster is pinned.
#[tokio::test]
#[ignore = "needs FLUXDSL_E2E_KUBECONFIG"]
async fn fresh_server_every_typed_field_is_accepted_by_the_api_server() {
    let conn = connection().await;
    let client = kube_client().await;
    assert_fresh(&client).await;
    let uid = conn.cluster_id().await.unwrap();
    let (_dir, tree) = flux_tree();
    let components = std::fs::read_to_string(tree.join(FLUX_COMPONENTS)).unwrap();
    let api = fluxdsl::FluxApi::from_crds("Flux v2.9.3", &components).unwrap();

    let mut c = all_fields::maximal(&api);
    c.flux_components(FLUX_COMPONENTS, FLUX_VERSION, FLUX_SHA256);
    c.target(ClusterGuard::KubeSystemUid(uid.clone()));
    let f = c.file("namespaces.yaml");
    c.add(
        &f,
        Namespace {
            metadata: ObjectMeta {
                name: Some("apps".into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
    );
    let (report, out) = apply_ok(&conn, &c, &tree, &ApplyOptions::default()).await;
    assert_eq!(
        report.count(&apply::Outcome::Created),
        report.results.len(),
        "every object is created:\n{out}"
    );
    for created in [
        "helmrelease.helm.toolkit.fluxcd.io/release -n flux-system created",
        "imageupdateautomation.image.toolkit.fluxcd.io/automation -n flux-system created",
        "receiver.notification.toolkit.fluxcd.io/receiver-oidc -n flux-system created",
        "externalartifact.source.toolkit.fluxcd.io/artifact-apps -n apps created",
    ] {
        assert!(out.contains(created), "{created:?} in:\n{out}");
    }

    let dry_run = ApplyOptions {
        dry_run: true,
        ..opts()
    };
    let mut extra = all_fields::through_extra_spec(&api);
    extra.target(ClusterGuard::KubeSystemUid(uid.clone()));
    apply_ok(&conn, &extra, &tree, &dry_run).await;

    // Unpinned, fluxdsl cannot know the rule; the server refuses the object with it.
    let mut unpinned = Cluster::new("tree");
    unpinned.target(ClusterGuard::KubeSystemUid(uid));
    let f = unpinned.file("repo.yaml");
    let reader: fluxdsl::Ref<fluxdsl::k8s_openapi::api::core::v1::ServiceAccount> =
        fluxdsl::Ref::existing(&NamespaceName::FLUX_SYSTEM, Name::new("reader").unwrap());
    // A ServiceAccount without the azure or aws provider: each field is right on its own.
    let needs_a_provider = || {
        fluxdsl::GitRepository::builder()
            .name(Name::new("needs-a-provider").unwrap())
            .url("https://example.com/repo")
            .reference(fluxdsl::GitRef::branch("main"))
            .service_account_name(&reader)
            .interval(fluxdsl::duration!("1m"))
            .build()
    };
    unpinned.add(&f, needs_a_provider());
    let mut out = Vec::new();
    let err = apply::apply(&conn, &unpinned, &tree, &dry_run, &mut out)
        .await
        .expect_err("the server refuses a GitRepository that breaks a CEL rule")
        .to_string();
    let rule = "serviceAccountName can only be set when provider is 'azure' or 'aws'";
    assert!(
        err.contains(rule),
        "{err}\n{}",
        String::from_utf8_lossy(&out)
    );
    let mut pinned = Cluster::new("tree");
    pinned.flux_api(&api);
    let f = pinned.file("repo.yaml");
    pinned.add(&f, needs_a_provider());
    let refused = pinned.render().unwrap_err().to_string();
    assert!(refused.contains(rule), "{refused}");
}
