//! Build and render a synthetic cluster of 1,000 GitRepositories and 10,000
//! Kustomizations (each depending on one earlier Kustomization) to YAML in memory.
//!
//! `cargo bench --bench render` prints criterion's time per iteration and throughput in
//! objects/s and bytes/s, and the peak heap use of one build + render.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Counts live and peak heap bytes while `COUNTING` is on (off while timing).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[path = "common/synthetic.rs"]
mod synthetic;

use synthetic::{KUSTOMIZATIONS, REPOSITORIES, synthetic_scaled};

fn build_and_render() -> usize {
    let cluster = synthetic_scaled(1);
    let rendered = cluster.render().expect("the synthetic cluster is valid");
    rendered.main().files().map(|(_, text)| text.len()).sum()
}

fn bench(c: &mut Criterion) {
    // Counted from 0 at the start: the peak is what one build + render adds.
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let bytes = build_and_render();
    COUNTING.store(false, Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed);
    println!(
        "one build + render of {} objects: {:.1} MB of YAML, peak heap {:.1} MB",
        REPOSITORIES + KUSTOMIZATIONS,
        bytes as f64 / 1e6,
        peak as f64 / 1e6
    );

    let mut group = c.benchmark_group("build+render 1k GitRepositories + 10k Kustomizations");
    group.sample_size(20);
    group.throughput(Throughput::Elements((REPOSITORIES + KUSTOMIZATIONS) as u64));
    group.bench_function("objects", |b| b.iter(|| black_box(build_and_render())));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("yaml bytes", |b| b.iter(|| black_box(build_and_render())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
