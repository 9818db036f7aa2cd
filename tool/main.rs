//! `fluxdsl`, the tool beside each repository's own program: `fluxdsl new DIR` writes a
//! new repository crate whose `cargo run` renders a cluster; `fluxdsl import REPO --out
//! CRATE` writes one that renders an existing Flux repository.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Flux repositories written in Rust.
#[derive(Parser)]
#[command(name = "fluxdsl", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a new repository crate into DIR (new, or an empty folder): Cargo.toml
    /// depending on fluxdsl, src/main.rs declaring one cluster, a README and a .gitignore.
    /// `cargo run` in it prints the cluster's YAML, `cargo run -- render` writes it.
    New {
        /// The crate's folder; its name is the crate's.
        dir: PathBuf,
    },
    /// Reads the Flux repository in REPO (every cluster, kustomize folder, object and file)
    /// and writes a crate into CRATE (new, or an empty folder) whose `cargo run -- render`
    /// writes the repository as it is. Lists what render refuses in it (findings), each
    /// with its YAML file and line.
    Import {
        /// The repository's folder (a checkout).
        repo: PathBuf,
        /// The crate's folder; its name is the crate's.
        #[arg(long, value_name = "CRATE")]
        out: PathBuf,
        /// Another repository a GitRepository of this one fetches, checked out at DIR
        /// (`[NAMESPACE/]NAME=DIR`, namespace flux-system by default): imported as a tree of
        /// its own, rendered at DIR's path from the repository's root. Repeatable.
        #[arg(long = "repository", value_name = "SOURCE=DIR")]
        repositories: Vec<fluxdsl::import::OtherRepository>,
    },
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return match e.use_stderr() {
                true => ExitCode::from(2),
                false => ExitCode::SUCCESS,
            };
        }
    };
    match args.command {
        Command::New { dir } => match fluxdsl::cli::new_crate(&dir) {
            Ok(name) => {
                println!(
                    "wrote crate {name} in {}: `cd {} && cargo run` prints its YAML",
                    dir.display(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("fluxdsl new: {e}");
                ExitCode::from(2)
            }
        },
        Command::Import {
            repo,
            out,
            repositories,
        } => {
            let started = std::time::Instant::now();
            match fluxdsl::import::import(&repo, &repositories, &out, env!("CARGO_MANIFEST_DIR")) {
                Ok(report) => {
                    for f in &report.findings {
                        let at = f.at.as_deref().unwrap_or("(repository)");
                        println!("finding: {at}: {} [{}]", f.message, f.how());
                    }
                    if let Some(why) = &report.unformatted {
                        eprintln!(
                            "fluxdsl import: warning: the crate's Rust is not formatted ({why}); \
                             run `cargo fmt` in {}",
                            out.display()
                        );
                    }
                    let refused = report.findings.iter().filter(|f| !f.opted_in).count();
                    let then = match refused {
                        0 => format!(
                            "`cd {} && cargo run -- render --root DIR` writes it",
                            out.display()
                        ),
                        n => format!("it renders once the {n} refused are fixed in its code"),
                    };
                    println!(
                        "imported {} ({} {}: {}; {} objects, {} files, {} {}) into {} in {} ms: {then}",
                        repo.display(),
                        report.clusters.len(),
                        if report.clusters.len() == 1 {
                            "cluster"
                        } else {
                            "clusters"
                        },
                        report.clusters.join(", "),
                        report.objects,
                        report.files,
                        report.findings.len(),
                        if report.findings.len() == 1 {
                            "finding"
                        } else {
                            "findings"
                        },
                        out.display(),
                        started.elapsed().as_millis(),
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("fluxdsl import: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
