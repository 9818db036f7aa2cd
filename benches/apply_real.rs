//! Apply speed on a real API server, fluxdsl against `kubectl apply --server-side`: 500
//! Flux objects (100 GitRepositories + 400 Kustomizations), first apply (create) and an
//! unchanged re-apply, in the same run, and the ratio.
//!
//! ```sh
//! srv=$(mktemp -d); kc=$(../shared/tools/kube-apiserver/start "$srv")
//! FLUXDSL_E2E_KUBECONFIG=$kc cargo bench --bench apply_real
//! ../shared/tools/kube-apiserver/stop "$srv"
//! ```
//!
//! Without FLUXDSL_E2E_KUBECONFIG it says so and measures nothing. Each side works in a
//! namespace of its own, so both creates are real creates; Flux's CRDs are installed first
//! (not timed). fluxdsl is timed in-process from connecting to its summary line; kubectl
//! as a process, from start to exit, as a user would run it. `FLUXDSL_BENCH_CONCURRENCY`
//! sets fluxdsl's concurrency (default: apply's default).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fluxdsl::apply::{self, ApplyOptions, Connection};
use fluxdsl::k8s_openapi::api::core::v1::Namespace;
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    Cluster, ClusterGuard, GitRef, GitRepository, Kustomization, Name, NamespaceName, duration,
};

const SOURCES: usize = 100;
const KUSTOMIZATIONS: usize = 400;

/// The 500 objects in `namespace`, with the Namespace itself.
fn cluster(namespace: &str, uid: &str) -> Cluster {
    let ns = NamespaceName::new(namespace).unwrap();
    let mut c = Cluster::new("bench");
    c.target(ClusterGuard::KubeSystemUid(uid.into()));
    let f = c.file("objects.yaml");
    c.add(
        &f,
        Namespace {
            metadata: ObjectMeta {
                name: Some(namespace.into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
    );
    let sources: Vec<_> = (0..SOURCES)
        .map(|i| {
            c.add(
                &f,
                GitRepository::builder()
                    .name(Name::new(format!("repo-{i}")).unwrap())
                    .namespace(ns.clone())
                    .url(format!("https://example.com/org/repo-{i}").as_str())
                    .reference(GitRef::branch("main"))
                    .interval(duration!("1m"))
                    .build(),
            )
        })
        .collect();
    for i in 0..KUSTOMIZATIONS {
        c.add(
            &f,
            Kustomization::builder()
                .name(Name::new(format!("app-{i}")).unwrap())
                .namespace(ns.clone())
                .source_ref(&sources[i % SOURCES])
                .path(format!("./apps/{i}").as_str())
                .interval(duration!("10m"))
                .prune(true)
                .build(),
        );
    }
    c
}

fn flux_tree(dir: &Path) -> PathBuf {
    let tree = dir.join("flux");
    std::fs::create_dir_all(tree.join("flux-system")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml"),
        tree.join("flux-system/gotk-components.yaml"),
    )
    .unwrap();
    tree
}

/// This process's CPU time (user + system), from /proc on Linux.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

async fn fluxdsl_apply(kubeconfig: &Path, c: &Cluster, opts: &ApplyOptions) -> Duration {
    let cpu = cpu_time();
    let started = Instant::now();
    let conn = Connection::connect(Some(kubeconfig), None).await.unwrap();
    let mut out = Vec::new();
    let report = apply::apply(&conn, c, Path::new("/nonexistent"), opts, &mut out)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&out)));
    let elapsed = started.elapsed();
    let cpu = cpu_time()
        .zip(cpu)
        .map(|(after, before)| format!("{:.2} s", (after - before).as_secs_f64()))
        .unwrap_or_else(|| "unknown".into());
    let preflight = String::from_utf8_lossy(&out)
        .lines()
        .find(|l| l.starts_with("preflight: "))
        .map(str::to_owned)
        .unwrap_or_else(|| "no preflight".into());
    eprintln!(
        "  fluxdsl: {} (client CPU {cpu}; {preflight})",
        report.summary()
    );
    elapsed
}

fn kubectl_apply(kubeconfig: &Path, file: &Path) -> Duration {
    let started = Instant::now();
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["apply", "--server-side", "--field-manager", "bench", "-f"])
        .arg(file)
        .output()
        .expect("kubectl runs");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "kubectl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("  kubectl: {} objects", text.lines().count());
    elapsed
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing special either way.
    let Some(kubeconfig) = std::env::var_os("FLUXDSL_E2E_KUBECONFIG").map(PathBuf::from) else {
        println!("apply_real: FLUXDSL_E2E_KUBECONFIG is not set; no API server to measure");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::connect(Some(&kubeconfig), None).await.unwrap();
        let uid = conn.cluster_id().await.unwrap();
        let suffix = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        );

        // Flux's CRDs, not timed.
        let mut flux = Cluster::new("flux");
        flux.target(ClusterGuard::KubeSystemUid(uid.clone()));
        flux.flux_components(
            "flux-system/gotk-components.yaml",
            "v2.9.3",
            "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
        );
        let mut out = Vec::new();
        apply::apply(
            &conn,
            &flux,
            &flux_tree(dir.path()),
            &ApplyOptions::default(),
            &mut out,
        )
        .await
        .unwrap();

        let concurrency = std::env::var("FLUXDSL_BENCH_CONCURRENCY")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(apply::DEFAULT_CONCURRENCY);
        let opts = ApplyOptions {
            skip_flux_install: true,
            concurrency,
            ..ApplyOptions::default()
        };
        let ours = cluster(&format!("bench-fluxdsl-{suffix}"), &uid);
        let theirs = cluster(&format!("bench-kubectl-{suffix}"), &uid);
        let file = dir.path().join("kubectl.yaml");
        let text: String = theirs
            .render()
            .unwrap()
            .main()
            .files()
            .map(|(_, t)| t.to_owned())
            .collect();
        std::fs::write(&file, text).unwrap();

        println!(
            "apply_real: {SOURCES} GitRepositories + {KUSTOMIZATIONS} Kustomizations, fluxdsl \
             concurrency {concurrency}"
        );
        let f1 = fluxdsl_apply(&kubeconfig, &ours, &opts).await;
        let k1 = kubectl_apply(&kubeconfig, &file);
        let f2 = fluxdsl_apply(&kubeconfig, &ours, &opts).await;
        let k2 = kubectl_apply(&kubeconfig, &file);
        let f3 = fluxdsl_apply(&kubeconfig, &ours, &opts).await;
        let k3 = kubectl_apply(&kubeconfig, &file);
        let skip = ApplyOptions {
            skip_preflight: true,
            ..opts.clone()
        };
        let f4 = fluxdsl_apply(&kubeconfig, &ours, &skip).await;
        let row = |what: &str, f: Duration, k: Duration| {
            println!(
                "{what:<24} fluxdsl {:>6.2} s   kubectl {:>6.2} s   ratio {:.2}",
                f.as_secs_f64(),
                k.as_secs_f64(),
                f.as_secs_f64() / k.as_secs_f64()
            );
        };
        row("first apply (create)", f1, k1);
        row("second apply", f2, k2);
        row("third apply (unchanged)", f3, k3);
        println!(
            "permission preflight: unchanged apply {:.2} s with it, {:.2} s with --skip-preflight",
            f3.as_secs_f64(),
            f4.as_secs_f64()
        );
    });
}
