//! Objects applied per second: 500 ConfigMaps server-side applied through kube-rs's
//! client to an in-process API server that answers every request after 20 ms (simulated
//! network and server latency), at several concurrencies. The live state is read with one
//! LIST, then each object costs a PATCH, so at concurrency 1 one run takes about
//! 500 × 20 ms = 10 s.
//!
//! `cargo bench --bench apply`

#[path = "../tests/suite/fake_api.rs"]
mod fake_api;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fake_api::{FakeApi, KUBE_SYSTEM_UID};
use fluxdsl::apply::{self, ApplyOptions, Connection};
use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{Cluster, ClusterGuard};

const OBJECTS: usize = 500;
const LATENCY: Duration = Duration::from_millis(20);

fn cluster() -> Cluster {
    let mut c = Cluster::new("bench");
    c.target(ClusterGuard::KubeSystemUid(KUBE_SYSTEM_UID.into()));
    let f = c.file("objects.yaml");
    c.add(
        &f,
        fluxdsl::k8s_openapi::api::core::v1::Namespace {
            metadata: ObjectMeta {
                name: Some("flux-system".into()),
                ..ObjectMeta::default()
            },
            ..Default::default()
        },
    );
    for i in 0..OBJECTS {
        c.add(
            &f,
            ConfigMap {
                metadata: ObjectMeta {
                    name: Some(format!("cm-{i}")),
                    namespace: Some("flux-system".into()),
                    ..ObjectMeta::default()
                },
                data: Some([("index".to_string(), i.to_string())].into()),
                ..ConfigMap::default()
            },
        );
    }
    c
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let definition = cluster();
    let mut group = c.benchmark_group("apply 500 objects, 20 ms per request");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(OBJECTS as u64));
    for concurrency in [1, 4, 8, 16, 32] {
        group.bench_function(format!("concurrency {concurrency}"), |b| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let api = FakeApi::new();
                    api.state.lock().unwrap().latency = LATENCY;
                    let conn = Connection::from_client(api.client(), "https://bench.invalid", None);
                    let opts = ApplyOptions {
                        concurrency,
                        skip_flux_install: true,
                        ..ApplyOptions::default()
                    };
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        let mut sink = Vec::new();
                        let start = Instant::now();
                        apply::apply(
                            &conn,
                            &definition,
                            std::path::Path::new("/nonexistent"),
                            &opts,
                            &mut sink,
                        )
                        .await
                        .expect("the bench cluster applies");
                        total += start.elapsed();
                    }
                    total
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
