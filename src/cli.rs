//! The command line of a cluster program: `cargo run [-- COMMAND]`.
//!
//! Exit codes: 0 done (or the tree is current), 1 the tree differs from the definition,
//! 2 an error (a refused definition, an unwritable folder, …). Errors print once, with
//! their causes, to stderr.

mod scaffold;

pub use scaffold::{CARGO_CONFIG, DEV_PROFILE, cargo_toml, crate_name, new_crate, write_crate};

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::model::cluster::Cluster;
use crate::model::repository::Repository;
use crate::render::Rendered;
use crate::render::tree;

/// Flux cluster state written in Rust: print, render or check the YAML tree.
#[derive(Debug, Parser)]
#[command(
    about,
    long_about = "Flux cluster state written in Rust.\n\n\
Without a command, prints every rendered file to stdout, each after a `# file: <path>` line.",
    after_help = "Exit codes: 0 ok, 1 differences found (check, diff), 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every rendered file to stdout (the default).
    Print {
        /// Print instead what each Kustomization applies, as Flux will apply it (folder
        /// namespace and names, targetNamespace, postBuild variables filled in).
        #[arg(long)]
        effective: bool,
        /// With --effective: the repository's cluster to show (required when it declares
        /// several).
        #[arg(long, value_name = "NAME", requires = "effective")]
        cluster: Option<String>,
    },
    /// Write the rendered trees to disk, atomically; only files this program owns change.
    Render {
        /// The folder of the main tree.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The folder every tree's declared path is relative to (default: the current one).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Replace files at declared paths that fluxdsl did not write (taking over an
        /// existing repository); without it, render refuses to touch them.
        #[arg(long)]
        adopt: bool,
    },
    /// Exit 1 with a unified diff when a tree on disk is not current; write nothing.
    Check {
        /// The folder of the main tree.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The folder every tree's declared path is relative to (default: the current one).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Server-side apply every object (and Flux's gotk-components.yaml) to the cluster.
    Apply {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Show what apply would change (server-side dry run vs live); exit 1 if anything
    /// would, like `kubectl diff`.
    Diff {
        #[command(flatten)]
        target: Target,
        /// Apply without Flux's gotk-components.yaml.
        #[arg(long)]
        skip_flux_install: bool,
    },
    /// Print the UID of the cluster's kube-system namespace, to pin with
    /// `Cluster::target(ClusterGuard::KubeSystemUid(..))`.
    ClusterId {
        #[command(flatten)]
        target: Target,
    },
    /// Show what a cluster will reconcile, as `flux tree` draws it: each source, the
    /// Kustomizations and HelmReleases built from it (nested under what they depend on),
    /// and the objects each Kustomization applies. Offline unless --live.
    Tree {
        /// The repository's cluster to show (required when it declares several).
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
        /// Add each object's state, read from the cluster (read-only): Ready for Flux
        /// kinds, exists or missing for others.
        #[arg(long)]
        live: bool,
        /// With --live: the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config,
        /// then in-cluster).
        #[arg(long, value_name = "PATH", requires = "live")]
        kubeconfig: Option<PathBuf>,
        /// With --live: the kubeconfig context to use (default: the current context).
        #[arg(long, value_name = "NAME", requires = "live")]
        context: Option<String>,
    },
    /// Print the references between a cluster's objects (sourceRef, dependsOn, chartRef,
    /// valuesFrom, healthChecks, …) as a Mermaid flowchart or Graphviz DOT.
    Graph {
        /// The repository's cluster to show (required when it declares several).
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
        /// The output format.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
}

/// `graph --format`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    /// A Mermaid flowchart (GitHub renders it in Markdown).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

/// Which cluster to talk to, as kubectl reads it.
#[derive(Debug, clap::Args)]
struct Target {
    /// The repository's cluster to act on (required when it declares several).
    #[arg(long, value_name = "NAME")]
    cluster: Option<String>,
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then
    /// in-cluster).
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// The rendered tree, for upstream files such as gotk-components.yaml.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ApplyArgs {
    /// Server-side dry run (dryRun=All): validate and show what would change, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Take ownership of fields that another field manager owns.
    #[arg(long)]
    force_conflicts: bool,
    /// Delete objects of this program's ApplySet that the definition no longer declares.
    #[arg(long)]
    prune: bool,
    /// Prune even if it deletes more than --max-prune-share of the set.
    #[arg(long)]
    yes: bool,
    /// The share of the ApplySet prune may delete without --yes.
    #[arg(long, value_name = "SHARE", default_value_t = 0.25)]
    max_prune_share: f64,
    /// Also prune CustomResourceDefinitions and Namespaces.
    #[arg(long)]
    prune_crds_and_namespaces: bool,
    /// Requests in flight at once within a tier.
    #[arg(long, value_name = "N", default_value_t = crate::apply::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Apply without Flux's gotk-components.yaml (Flux is installed some other way).
    #[arg(long)]
    skip_flux_install: bool,
    /// After applying, wait until every Flux object reports Ready.
    #[arg(long)]
    wait: bool,
    /// A bootstrap Secret's value from a file: NAMESPACE/NAME/KEY=PATH (repeatable), e.g.
    /// flux-system/flux-system/identity=./deploy-key. Values are never printed.
    #[arg(long, value_name = "NS/NAME/KEY=PATH")]
    secret_file: Vec<String>,
    /// A bootstrap Secret's value from an environment variable: NAMESPACE/NAME/KEY=VARIABLE
    /// (repeatable).
    #[arg(long, value_name = "NS/NAME/KEY=VAR")]
    secret_env: Vec<String>,
    /// Replace a bootstrap Secret that exists with other content (default: leave it alone
    /// and report it).
    #[arg(long)]
    replace_secrets: bool,
    /// Skip the permission preflight (by default apply asks the server, before any change,
    /// whether every request of the run is allowed, and changes nothing if one is not).
    #[arg(long)]
    skip_preflight: bool,
    /// Server-side dry-run every object first (admission, schema, quotas) and apply only if
    /// all pass; every failure is reported at once.
    #[arg(long)]
    dry_run_first: bool,
    /// How long to wait for CRDs and, with --wait, for Flux (e.g. 5m, 90s).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_timeout)]
    timeout: std::time::Duration,
}

fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    crate::Duration::parse(s)
        .map(|d| std::time::Duration::from_nanos(d.as_nanos()))
        .map_err(|e| e.to_string())
}

/// Runs the command line for a program's definition — a [`Cluster`] or a whole
/// [`Repository`] — with the process's arguments and streams.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     let cluster = fluxdsl::Cluster::new("k8s/flux");
///     fluxdsl::cli::run(cluster)
/// }
/// ```
pub fn run(definition: impl Into<Repository>) -> ExitCode {
    let repository = definition.into();
    let code = run_with(
        &repository,
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    // The process ends here: freeing every object one by one would only cost time.
    std::mem::forget(repository);
    ExitCode::from(code)
}

/// [`run`] with explicit arguments (including the program name) and streams; returns the
/// exit code.
pub fn run_with(
    repository: &Repository,
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let invocation = Invocation::from_program(args.first().map(OsString::as_os_str));
    let default_root = repository
        .clusters()
        .next()
        .map_or("", |(_, c)| c.root())
        .to_owned();
    let parsed = command_line(&default_root)
        .try_get_matches_from(args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render();
            // Colour only for a terminal; a pipe or a file gets plain text.
            let text = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                text.ansi().to_string()
            } else {
                text.to_string()
            };
            let _ = if e.use_stderr() {
                write!(stderr, "{text}")
            } else {
                write!(stdout, "{text}")
            };
            return code;
        }
    };
    match execute(
        repository,
        &invocation,
        cli.command.unwrap_or(Command::Print {
            effective: false,
            cluster: None,
        }),
        stdout,
        stderr,
    ) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "error: {}", crate::error::with_causes(&e));
            2
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            action: "cannot start",
            path: "<async runtime>".into(),
            source,
        })
}

/// The parser, with this program's own default tree written into the help of `--out`.
fn command_line(root: &str) -> clap::Command {
    let default = format!("(default: {root}, the tree this program declares)");
    let mut cmd = <Cli as clap::CommandFactory>::command();
    for sub in ["render", "check", "apply", "diff", "cluster-id"] {
        cmd = cmd.mut_subcommand(sub, |c| {
            c.mut_arg("out", |a| {
                let help = a.get_help().map(ToString::to_string).unwrap_or_default();
                a.help(format!("{help} {default}"))
            })
        });
    }
    cmd
}

/// How the user started this program, so that a hint names the command to run next
/// (`cargo run --example minimal -- render`, not the monacocloud program's).
struct Invocation {
    prefix: String,
}

impl Invocation {
    fn from_program(program: Option<&std::ffi::OsStr>) -> Invocation {
        let path = std::path::Path::new(program.unwrap_or_default());
        let name = path
            .file_stem()
            .map_or_else(|| "cluster".into(), |n| n.to_string_lossy().into_owned());
        let dir = |p: Option<&std::path::Path>| {
            p.and_then(std::path::Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
        };
        let parent = dir(path.parent());
        let in_target = path
            .ancestors()
            .any(|a| dir(Some(a)).as_deref() == Some("target"));
        let prefix = match parent.as_deref() {
            Some("examples") => format!("cargo run --example {name} --"),
            // The package's default binary, `cargo run` alone runs it.
            _ if in_target && name == "cluster" => "cargo run --".into(),
            _ if in_target => format!("cargo run --bin {name} --"),
            _ => path.display().to_string(),
        };
        Invocation { prefix }
    }

    fn command(&self, subcommand: &str) -> String {
        format!("{} {subcommand}", self.prefix)
    }
}

fn execute(
    repository: &Repository,
    invocation: &Invocation,
    command: Command,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, Error> {
    // The whole repository is checked before anything is printed, written or applied.
    let rendered = repository.render()?;
    for note in repository.notes() {
        let _ = writeln!(stderr, "note: {note}");
    }
    let select = |target: &Target| choose(repository, target.cluster.as_deref());
    let tree_or_default = |out: Option<PathBuf>, cluster: &Cluster| {
        out.unwrap_or_else(|| PathBuf::from(non_empty(cluster.root())))
    };
    match command {
        Command::Print {
            effective: false, ..
        } => print(&rendered, stdout),
        Command::Print { cluster, .. } => {
            let text = repository
                .effective(cluster.as_deref())
                .map_err(|message| Error::ChooseCluster { message })?;
            let _ = stdout.write_all(text.as_bytes());
            Ok(0)
        }
        Command::Render { out, root, adopt } => {
            let options = tree::WriteOptions { adopt };
            render(&rendered, out, root, options, stdout, stderr)
        }
        Command::Check { out, root } => check(&rendered, invocation, out, root, stdout, stderr),
        Command::Apply { target, apply } => {
            let cluster = select(&target)?;
            let tree = tree_or_default(target.out.clone(), cluster);
            let opts = apply.options()?;
            runtime()?.block_on(async {
                let stop = tokio_util::sync::CancellationToken::new();
                crate::apply::cancel_on_ctrl_c(stop.clone());
                let conn = connect(&target).await?.cancel_on(stop);
                crate::apply::apply(&conn, cluster, &tree, &opts, stdout).await
            })?;
            Ok(0)
        }
        Command::Diff {
            target,
            skip_flux_install,
        } => {
            let cluster = select(&target)?;
            let tree = tree_or_default(target.out.clone(), cluster);
            let opts = crate::apply::ApplyOptions {
                skip_flux_install,
                ..crate::apply::ApplyOptions::default()
            };
            let color = std::io::IsTerminal::is_terminal(&std::io::stdout());
            let differs = runtime()?.block_on(async {
                let conn = connect(&target).await?;
                crate::apply::diff(&conn, cluster, &tree, &opts, color, stdout).await
            })?;
            Ok(u8::from(differs))
        }
        Command::Tree {
            cluster,
            live,
            kubeconfig,
            context,
        } => {
            let live = live.then_some((kubeconfig, context));
            tree_command(repository, &rendered, cluster.as_deref(), live, stdout)
        }
        Command::Graph { cluster, format } => {
            graph_command(repository, &rendered, cluster.as_deref(), format, stdout)
        }
        Command::ClusterId { target } => {
            select(&target)?;
            let uid = runtime()?.block_on(async {
                let conn = connect(&target).await?;
                conn.check_reachable().await?;
                conn.cluster_id().await
            })?;
            let _ = writeln!(stdout, "{uid}");
            Ok(0)
        }
    }
}

/// `tree`: offline, or with each object's live state read through the kubeconfig and
/// context `live` names.
fn tree_command(
    repository: &Repository,
    rendered: &crate::render::Rendered,
    cluster: Option<&str>,
    live: Option<(Option<PathBuf>, Option<String>)>,
    stdout: &mut dyn Write,
) -> Result<u8, Error> {
    let cluster = choose(repository, cluster)?;
    let view = crate::view::ClusterView::with_effective(repository, cluster, Some(rendered));
    let text = match live {
        Some((kubeconfig, context)) => {
            let keys = view.keys();
            let states = runtime()?.block_on(async {
                let conn =
                    crate::apply::Connection::connect(kubeconfig.as_deref(), context.as_deref())
                        .await?;
                crate::apply::live_states(&conn, &keys).await
            })?;
            let state = |k: &crate::object::ObjectKey| states.get(k).cloned();
            crate::view::tree::tree(&view, Some(&state))
        }
        None => crate::view::tree::tree(&view, None),
    };
    let _ = write!(stdout, "{text}");
    Ok(0)
}

/// `graph`: the cluster's references in `format`.
fn graph_command(
    repository: &Repository,
    rendered: &crate::render::Rendered,
    cluster: Option<&str>,
    format: GraphFormat,
    stdout: &mut dyn Write,
) -> Result<u8, Error> {
    let cluster = choose(repository, cluster)?;
    let format = match format {
        GraphFormat::Mermaid => crate::view::graph::Format::Mermaid,
        GraphFormat::Dot => crate::view::graph::Format::Dot,
    };
    let view = crate::view::ClusterView::with_effective(repository, cluster, Some(rendered));
    let _ = write!(stdout, "{}", crate::view::graph::graph(&view, format));
    Ok(0)
}

/// The repository's cluster `name` (the only one when `None`).
fn choose<'r>(repository: &'r Repository, name: Option<&str>) -> Result<&'r Cluster, Error> {
    repository
        .select(name)
        .map_err(|message| Error::ChooseCluster { message })
}

/// `print`: every rendered file after a `# file:` line.
fn print(rendered: &Rendered, stdout: &mut dyn Write) -> Result<u8, Error> {
    // A closed pipe (`cargo run | head`) is not an error.
    if let Err(e) = rendered.write_listing(stdout)
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

/// `render`: writes every tree, then notes upstream files that are missing or not pinned.
fn render(
    rendered: &Rendered,
    out: Option<PathBuf>,
    root: Option<PathBuf>,
    options: tree::WriteOptions,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, Error> {
    let dirs = tree_dirs(rendered, out, root);
    let reports = tree::write_trees(&dirs, options)?;
    for ((tree, dir), report) in dirs.iter().zip(reports) {
        let _ = writeln!(
            stdout,
            "rendered {}: {} written, {} unchanged, {} removed",
            dir.display(),
            report.written.len(),
            report.unchanged.len(),
            report.removed.len()
        );
        automation_notes(&report.automated, dir, "render", stderr);
        if let Some((folder, why)) = &report.left_behind {
            let _ = writeln!(
                stderr,
                "warning: the tree is complete, but the staging folder {} could not be \
                 removed: {why}",
                folder.display()
            );
        }
        for u in tree.upstream() {
            if let Some(problem) = tree::upstream_problem(u, dir)? {
                let _ = writeln!(
                    stderr,
                    "note: {} is upstream and never written by fluxdsl: {problem}",
                    dir.join(&u.path).display(),
                );
            }
        }
    }
    Ok(0)
}

/// `check`: 1 when any tree differs from the definition or an upstream file is not pinned.
fn check(
    rendered: &Rendered,
    invocation: &Invocation,
    out: Option<PathBuf>,
    root: Option<PathBuf>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, Error> {
    let mut code = 0;
    // The render that makes the trees current writes where this check read.
    let mut render_command = invocation.command("render");
    for (flag, path) in [("--out", &out), ("--root", &root)] {
        if let Some(path) = path {
            render_command.push_str(&format!(" {flag} {}", shell_word(path)));
        }
    }
    for (tree, dir) in tree_dirs(rendered, out, root) {
        let report = tree::check_tree(tree, &dir)?;
        automation_notes(&report.automated, &dir, "check", stderr);
        for path in &report.reformatted {
            let _ = writeln!(
                stderr,
                "note: {} holds the rendered documents in image automation's layout: \
                 current (`render` writes it as fluxdsl does)",
                dir.join(path).display()
            );
        }
        for (u, problem) in &report.upstream_problems {
            let _ = writeln!(
                stderr,
                "{} is upstream and not as the definition pins it: {problem}",
                dir.join(&u.path).display(),
            );
        }
        if !report.differing.is_empty() {
            let _ = stdout.write_all(report.diff.as_bytes());
            let _ = writeln!(
                stderr,
                "{} is not current: {} file(s) differ from the definition; run `{}`",
                dir.display(),
                report.differing.len(),
                render_command
            );
        }
        if !report.is_current() {
            code = 1;
        }
    }
    Ok(code)
}

/// What `render` or `check` made of the values image automation committed in the tree at
/// `dir`, on stderr beside the other notes: those kept, and those its policy could not
/// have chosen.
fn automation_notes(
    values: &[crate::AutomatedValue],
    dir: &std::path::Path,
    command: &str,
    stderr: &mut dyn Write,
) {
    for v in values {
        let file = dir.join(&v.path);
        match &v.not_chosen {
            None => {
                let _ = writeln!(
                    stderr,
                    "note: {command} kept {:?} at {}:{}, committed by image automation ({}; \
                     the program declares {:?})",
                    v.committed,
                    file.display(),
                    v.line,
                    v.marker,
                    v.declared
                );
            }
            Some(why) => {
                let _ = writeln!(
                    stderr,
                    "{}:{}: {:?} at a field marked {} is not a value its policy could \
                     choose ({why}); render writes the declared {:?} back",
                    file.display(),
                    v.line,
                    v.committed,
                    v.marker,
                    v.declared
                );
            }
        }
    }
}

/// `path` as one shell word: as it is when it needs no quoting, else in single quotes.
fn shell_word(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@".contains(&b))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

impl ApplyArgs {
    fn options(&self) -> Result<crate::apply::ApplyOptions, Error> {
        Ok(crate::apply::ApplyOptions {
            dry_run: self.dry_run,
            force_conflicts: self.force_conflicts,
            prune: self.prune,
            yes: self.yes,
            max_prune_share: self.max_prune_share,
            prune_crds_and_namespaces: self.prune_crds_and_namespaces,
            concurrency: self.concurrency.max(1),
            skip_flux_install: self.skip_flux_install,
            wait: self.wait,
            timeout: self.timeout,
            secrets: secret_inputs(&self.secret_file, &self.secret_env)?,
            replace_secrets: self.replace_secrets,
            skip_preflight: self.skip_preflight,
            dry_run_first: self.dry_run_first,
            ..crate::apply::ApplyOptions::default()
        })
    }
}

fn secret_inputs(files: &[String], envs: &[String]) -> Result<crate::SecretInputs, Error> {
    let mut inputs = crate::SecretInputs::new();
    for spec in files {
        inputs.add(spec, false)?;
    }
    for spec in envs {
        inputs.add(spec, true)?;
    }
    Ok(inputs)
}

/// Where each tree goes: `--out` for the main tree, otherwise `--root` (or the current
/// folder) joined with the tree's declared path.
/// A tree at the repository root is the current folder.
fn non_empty(root: &str) -> &str {
    if root.is_empty() { "." } else { root }
}

fn tree_dirs(
    rendered: &Rendered,
    out: Option<PathBuf>,
    root: Option<PathBuf>,
) -> Vec<(&crate::render::RenderedTree, PathBuf)> {
    rendered
        .trees()
        .iter()
        .enumerate()
        .map(|(i, t)| match (&out, i, &root) {
            (Some(out), 0, _) => (t, out.clone()),
            (_, _, Some(root)) => (t, root.join(t.root())),
            (_, _, None) => (t, PathBuf::from(non_empty(t.root()))),
        })
        .collect()
}

async fn connect(target: &Target) -> Result<crate::apply::Connection, Error> {
    crate::apply::Connection::connect(target.kubeconfig.as_deref(), target.context.as_deref()).await
}
