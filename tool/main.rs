//! `fluxdsl`, the tool beside each repository's own program: `fluxdsl new DIR` writes a
//! new repository crate whose `cargo run` renders a cluster.

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
    }
}
