//! Render as a whole process, the way a user runs it: a program that declares 1,000
//! GitRepositories and 10,000 Kustomizations and prints every file (`cargo run`), from
//! exec to exit, output to /dev/null. The benchmark runs itself as that program 20 times
//! and prints the median CPU time (user + system) and wall time; then the same at ten
//! times the size (110,000 objects), to show the cost grows linearly.
//!
//! `cargo bench --bench render_process`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 20;
/// Set in the child to the scale of the cluster it declares.
const CHILD: &str = "FLUXDSL_RENDER_PROCESS_CHILD";

#[path = "common/synthetic.rs"]
mod synthetic;

use synthetic::{KUSTOMIZATIONS, REPOSITORIES, synthetic_scaled};

/// Children's CPU time so far (user + system), from `getrusage`, in microseconds.
fn children_cpu() -> Option<Duration> {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) != 0 {
            return None;
        }
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Some(Duration::from_micros(
        micros(usage.ru_utime) + micros(usage.ru_stime),
    ))
}

/// Runs the child at `scale` `RUNS` times: (median CPU, min CPU, median wall).
fn measure(me: &std::path::Path, scale: usize) -> (Duration, Duration, Duration) {
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..RUNS {
        let before = children_cpu().unwrap_or_default();
        let started = Instant::now();
        let status = Command::new(me)
            .env(CHILD, scale.to_string())
            .stdout(Stdio::null())
            .status()
            .expect("the child runs");
        wall.push(started.elapsed());
        assert!(status.success());
        cpu.push(children_cpu().unwrap_or_default() - before);
    }
    cpu.sort();
    wall.sort();
    (cpu[RUNS / 2], cpu[0], wall[RUNS / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> std::process::ExitCode {
    if let Some(scale) = std::env::var_os(CHILD) {
        // The program itself: print every file, as `cargo run` does.
        let scale = scale.to_str().and_then(|s| s.parse().ok()).unwrap_or(1);
        return fluxdsl::cli::run(synthetic_scaled(scale));
    }
    let me = std::env::current_exe().expect("the benchmark knows its own path");
    let (cpu, min, wall) = measure(&me, 1);
    println!(
        "render_process: {REPOSITORIES} GitRepositories + {KUSTOMIZATIONS} Kustomizations printed \
         by a whole process, {RUNS} runs: median CPU {:.1} ms (min {:.1} ms), median wall {:.1} ms",
        ms(cpu),
        ms(min),
        ms(wall)
    );
    let (cpu10, min10, wall10) = measure(&me, 10);
    println!(
        "render_process x10: {} GitRepositories + {} Kustomizations: median CPU {:.1} ms \
         (min {:.1} ms), median wall {:.1} ms; {:.2}x the CPU of one tenth the size",
        REPOSITORIES * 10,
        KUSTOMIZATIONS * 10,
        ms(cpu10),
        ms(min10),
        ms(wall10),
        cpu10.as_secs_f64() / cpu.as_secs_f64()
    );
    std::process::ExitCode::SUCCESS
}
