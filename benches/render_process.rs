//! Render as a whole process, the way a user runs it: a program that declares 1,000
//! GitRepositories and 10,000 Kustomizations and prints every file (`cargo run`), from
//! exec to exit, output to /dev/null. The benchmark runs itself as that program 20 times
//! and prints the CPU time (user + system) and wall time of each run's median.
//!
//! `cargo bench --bench render_process`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fluxdsl::{Cluster, GitRef, GitRepository, Kustomization, Name, Ref, duration};

const REPOSITORIES: usize = 1_000;
const KUSTOMIZATIONS: usize = 10_000;
const RUNS: usize = 20;
const CHILD: &str = "FLUXDSL_RENDER_PROCESS_CHILD";

/// The same synthetic cluster as `benches/render.rs`.
fn synthetic() -> Cluster {
    let mut cluster = Cluster::new("clusters/bench");
    let sources = cluster.file("sources.yaml");
    let repos: Vec<Ref<GitRepository>> = (0..REPOSITORIES)
        .map(|i| {
            cluster.add(
                &sources,
                GitRepository::builder()
                    .name(Name::new(format!("repo-{i}")).unwrap())
                    .url(format!("ssh://git@example.com/org/repo-{i}"))
                    .reference(GitRef::branch("main"))
                    .interval(duration!("1m"))
                    .build(),
            )
        })
        .collect();
    let apps = cluster.file("apps.yaml");
    let mut kustomizations: Vec<Ref<Kustomization>> = Vec::with_capacity(KUSTOMIZATIONS);
    for i in 0..KUSTOMIZATIONS {
        let builder = Kustomization::builder()
            .name(Name::new(format!("app-{i}")).unwrap())
            .source_ref(&repos[i % REPOSITORIES])
            .path("./deploy")
            .interval(duration!("10m"))
            .prune(true);
        let k = if i == 0 {
            builder.build()
        } else {
            builder
                .depends_on(&[&kustomizations[(i * 7919) % i]])
                .build()
        };
        kustomizations.push(cluster.add(&apps, k));
    }
    cluster
}

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
