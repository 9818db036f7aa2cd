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

/// Children's CPU time so far (user + system), from /proc on Linux.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // cutime and cstime, fields 16 and 17 of stat (13 and 14 after the command name).
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
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
         by a whole process, {RUNS} runs: median CPU {} ms (min {} ms), median wall {} ms",
        cpu[RUNS / 2].as_millis(),
        cpu[0].as_millis(),
        wall[RUNS / 2].as_millis()
    );
    std::process::ExitCode::SUCCESS
}
