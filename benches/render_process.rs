//! Render as a whole process, the way a user runs it: a program that declares 1,000
//! GitRepositories and 10,000 Kustomizations and prints every file (`cargo run`), from
//! exec to exit, output to /dev/null. The benchmark runs itself as that program 20 times
//! and prints the CPU time (user + system) and wall time of each run's median.
//!
//! `cargo bench --bench render_process`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 20;
const CHILD: &str = "FLUXDSL_RENDER_PROCESS_CHILD";

#[path = "common/synthetic.rs"]
mod synthetic;

use synthetic::{KUSTOMIZATIONS, REPOSITORIES, synthetic};

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

fn main() -> std::process::ExitCode {
    if std::env::var_os(CHILD).is_some() {
        // The program itself: print every file, as `cargo run` does.
        return fluxdsl::cli::run(synthetic());
    }
    let me = std::env::current_exe().expect("the benchmark knows its own path");
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..RUNS {
        let before = children_cpu().unwrap_or_default();
        let started = Instant::now();
        let status = Command::new(&me)
            .env(CHILD, "1")
            .stdout(Stdio::null())
            .status()
            .expect("the child runs");
        wall.push(started.elapsed());
        assert!(status.success());
        cpu.push(children_cpu().unwrap_or_default() - before);
    }
    cpu.sort();
    wall.sort();
    println!(
        "render_process: {REPOSITORIES} GitRepositories + {KUSTOMIZATIONS} Kustomizations printed \
         by a whole process, {RUNS} runs: median CPU {:.1} ms (min {:.1} ms), median wall {:.1} ms",
        cpu[RUNS / 2].as_secs_f64() * 1e3,
        cpu[0].as_secs_f64() * 1e3,
        wall[RUNS / 2].as_secs_f64() * 1e3
    );
    std::process::ExitCode::SUCCESS
}
