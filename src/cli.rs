//! The command line of a cluster program: `cargo run [-- COMMAND]`.
//!
//! Exit codes: 0 done (or the tree is current), 1 the tree differs from the definition,
//! 2 an error (a refused definition, an unwritable folder, …). Errors print once, with
//! their causes, to stderr.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cluster::Cluster;
use crate::error::Error;
use crate::tree;

/// Flux cluster state written in Rust: print, render or check the YAML tree.
#[derive(Debug, Parser)]
#[command(
    about,
    long_about = "Flux cluster state written in Rust.\n\n\
Without a command, prints every rendered file to stdout, each after a `# file: <path>` line.",
    after_help = "Exit codes: 0 ok, 1 the tree on disk differs (check), 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every rendered file to stdout (the default).
    Print,
    /// Write the rendered tree to disk, atomically; only files this program owns change.
    Render {
        /// The folder to write (default: the tree the cluster declares, e.g. k8s/flux).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Exit 1 with a unified diff when the tree on disk is not current; write nothing.
    Check {
        /// The folder to check (default: the tree the cluster declares, e.g. k8s/flux).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// Runs the command line for `cluster` with the process's arguments and streams.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     let cluster = fluxdsl::Cluster::new("k8s/flux");
///     fluxdsl::cli::run(cluster)
/// }
/// ```
pub fn run(cluster: Cluster) -> ExitCode {
    let code = run_with(
        &cluster,
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(code)
}

/// [`run`] with explicit arguments (including the program name) and streams; returns the
/// exit code.
pub fn run_with(
    cluster: &Cluster,
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render();
            let _ = if e.use_stderr() {
                write!(stderr, "{}", text.ansi())
            } else {
                write!(stdout, "{}", text.ansi())
            };
            return code;
        }
    };
    match execute(
        cluster,
        cli.command.unwrap_or(Command::Print),
        stdout,
        stderr,
    ) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "error: {}", chain(&e));
            2
        }
    }
}

/// The error and its causes, `: `-separated.
fn chain(e: &Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let message = s.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = s.source();
    }
    text
}

fn execute(
    cluster: &Cluster,
    command: Command,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, Error> {
    let rendered = cluster.render()?;
    let default_out = || PathBuf::from(rendered.root());
    match command {
        Command::Print => {
            // A closed pipe (`cargo run | head`) is not an error.
            if let Err(e) = stdout.write_all(rendered.to_listing().as_bytes())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(Error::Io {
                    action: "cannot write",
                    path: "<stdout>".into(),
                    source: e,
                });
            }
            Ok(0)
        }
        Command::Render { out } => {
            let out = out.unwrap_or_else(default_out);
            let report = tree::write_tree(&rendered, &out)?;
            let _ = writeln!(
                stdout,
                "rendered {}: {} written, {} unchanged, {} removed",
                out.display(),
                report.written.len(),
                report.unchanged.len(),
                report.removed.len()
            );
            for u in rendered.upstream() {
                if !out.join(&u.path).exists() {
                    let _ = writeln!(
                        stderr,
                        "note: {} is upstream and not written by fluxdsl; produce it with `{}`",
                        out.join(&u.path).display(),
                        u.produce
                    );
                }
            }
            Ok(0)
        }
        Command::Check { out } => {
            let out = out.unwrap_or_else(default_out);
            let report = tree::check_tree(&rendered, &out)?;
            for u in &report.missing_upstream {
                let _ = writeln!(
                    stderr,
                    "note: {} is upstream and missing; produce it with `{}`",
                    out.join(&u.path).display(),
                    u.produce
                );
            }
            if report.is_current() {
                Ok(0)
            } else {
                let _ = stdout.write_all(report.diff.as_bytes());
                let _ = writeln!(
                    stderr,
                    "{} is not current: {} file(s) differ from the definition; run `cargo run -- render`",
                    out.display(),
                    report.differing.len()
                );
                Ok(1)
            }
        }
    }
}
