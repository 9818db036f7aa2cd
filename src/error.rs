//! The one error type of fluxdsl.

use std::fmt;
use std::panic::Location;
use std::path::PathBuf;

use crate::object::ObjectKey;

/// Everything that can go wrong in fluxdsl.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A name built at run time is not a valid Kubernetes name.
    #[error(transparent)]
    InvalidName(#[from] crate::values::InvalidName),
    /// A duration built at run time is not one Flux accepts.
    #[error(transparent)]
    InvalidDuration(#[from] crate::values::InvalidDuration),
    /// The cluster definition breaks rules that types cannot express; nothing was
    /// written or applied.
    #[error("{}", Refusal(.0))]
    Refused(Vec<Problem>),
    /// Reading or writing a file failed; the cause is the `source` (printed after it by
    /// the CLI, as each error's chain is).
    #[error("{action} {}", path.display())]
    Io {
        /// What was being done (`cannot write`, …).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An object could not be turned into JSON (a k8s-openapi value serde rejects).
    #[error("an object cannot be serialized")]
    Serialize {
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// No cluster connection could be set up (kubeconfig, context, TLS, credentials).
    #[error("{message}")]
    Connect {
        /// What went wrong, in one line.
        message: String,
    },
    /// An API request failed for good (after retries where they help).
    #[cfg(feature = "apply")]
    #[error("{what}: {message}")]
    Kube {
        /// The object or request concerned.
        what: String,
        /// The server's message, or the transport error.
        message: String,
        /// The cause.
        #[source]
        source: kube::Error,
    },
    /// The repository has several clusters and none was chosen, or no cluster has the name
    /// given.
    #[error("{message}")]
    ChooseCluster {
        /// The choice and the names there are.
        message: String,
    },
    /// The connection is to a cluster other than the one the definition is for.
    #[error("wrong cluster: {message}")]
    WrongCluster {
        /// Both clusters, named.
        message: String,
    },
    /// Some objects were refused by the API server; the others were applied.
    #[error("{} object(s) failed:\n  {}", failures.len(), failures.join("\n  "))]
    ApplyFailed {
        /// `object: server message`, one per failure.
        failures: Vec<String>,
    },
    /// Prune would delete more of the ApplySet than allowed without `--yes`.
    #[error(
        "prune refused: it would delete {count} of {members} objects of the ApplySet, more than the allowed share {limit}; rerun with --yes to delete:\n  {}",
        objects.join("\n  ")
    )]
    PruneRefused {
        /// Objects prune would delete.
        count: usize,
        /// Members of the set found in the cluster.
        members: usize,
        /// The allowed share.
        limit: f64,
        /// Each object, `group-kind/name -n namespace`.
        objects: Vec<String>,
    },
    /// An upstream file the apply needs is not in the tree.
    #[error("{} is missing; produce it with `{produce}` or pass --skip-flux-install", path.display())]
    MissingUpstream {
        /// The file.
        path: PathBuf,
        /// The command that produces it.
        produce: String,
    },
    /// A bootstrap Secret's values, as named on the command line, cannot be used (never
    /// shows a value).
    #[error("bootstrap Secret {secret}: {message}")]
    SecretInput {
        /// `namespace/name`.
        secret: String,
        /// What is missing or unreadable.
        message: String,
    },
    /// The permission preflight found requests the current user may not make; nothing
    /// was changed.
    #[error(
        "the current user may not make {} of the requests this apply needs; nothing was changed:\n  {}\n(ask for these permissions, or pass --skip-preflight to apply what is allowed)",
        missing.len(),
        missing.join("\n  ")
    )]
    Forbidden {
        /// `cannot VERB RESOURCE in namespace NS`, one per missing permission.
        missing: Vec<String>,
    },
    /// `--dry-run-first`: the server dry run refused something, so nothing was applied.
    #[error("the server dry run refused the apply, so nothing was applied")]
    DryRunRefused {
        /// What the dry run reported.
        #[source]
        source: Box<Error>,
    },
    /// The ApplySet cannot be recorded.
    #[error("ApplySet: {message}")]
    ApplySetParent {
        /// What is wrong and what to do.
        message: String,
    },
    /// Several bootstrap Secrets' values cannot be used.
    #[error("{} bootstrap Secrets cannot be created:\n  {}", problems.len(), problems.join("\n  "))]
    SecretInputs {
        /// One line for each.
        problems: Vec<String>,
    },
    /// An upstream file in the tree is not the version and checksum the definition pins.
    #[error("{} is not as the definition pins it: {problem}", path.display())]
    UpstreamMismatch {
        /// The file.
        path: PathBuf,
        /// What differs, and how to upgrade.
        problem: String,
    },
    /// Waiting ran out of time.
    #[error("timed out waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
    },
    /// A Flux object reported that it failed.
    #[error("{object} is not Ready: {message}")]
    NotReady {
        /// The object.
        object: String,
        /// Its Ready condition's reason and message.
        message: String,
    },
    /// Ctrl-C stopped the run between requests.
    #[error("interrupted: {done} of {total} objects were processed before the stop")]
    Interrupted {
        /// Objects processed.
        done: usize,
        /// Objects in the run.
        total: usize,
    },
    /// A file on disk could not be understood.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// An error and its causes on one line, `: `-separated, each cause once (some errors of
/// other crates repeat their cause in their own message).
#[cfg(feature = "apply")]
pub(crate) fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        // A kube error below one of ours was already described in our message (the
        // server's words; kube's own Display adds a debug dump of the status).
        if s.downcast_ref::<kube::Error>().is_some() {
            break;
        }
        let message = s.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = s.source();
    }
    text
}

/// `Result` with fluxdsl's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One thing wrong with a cluster definition: what, on which object and field, and the
/// Rust source location of every declaration involved.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The object concerned, if any.
    pub object: Option<ObjectKey>,
    /// The field path, e.g. `spec.dependsOn`.
    pub field: Option<&'static str>,
    /// What is wrong.
    pub message: String,
    /// `(role, location)` of each declaration involved, e.g. `("declared", main.rs:12:5)`.
    pub sites: Vec<(&'static str, &'static Location<'static>)>,
    /// The opt-in that takes the definition as it is, where the problem is one an opt-in
    /// answers: what `fluxdsl import` declares, with a `// finding:` comment.
    pub remedy: Option<Remedy>,
}

/// A declaration that answers a [`Problem`] by saying the repository means it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// [`Cluster::exists_before_flux`](crate::Cluster::exists_before_flux) of this object:
    /// it is made by hand or at bootstrap, before any Kustomization runs.
    ExistsBeforeFlux(ObjectKey),
    /// [`Cluster::unapplied_file`](crate::Cluster::unapplied_file) for this file (its
    /// path in its tree): Flux never applies it, and the repository keeps it so.
    UnappliedFile(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(object) = &self.object {
            write!(f, "{object}")?;
            if let Some(field) = self.field {
                write!(f, " {field}")?;
            }
            f.write_str(": ")?;
        } else if let Some(field) = self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)?;
        for (role, at) in &self.sites {
            write!(f, "\n    {role} at {at}")?;
        }
        Ok(())
    }
}

struct Refusal<'a>(&'a [Problem]);

impl Problem {
    /// The problem on one line, its declaration sites in parentheses.
    fn one_line(&self) -> String {
        let text = self.to_string();
        let mut lines = text.lines();
        let head = lines.next().unwrap_or_default().to_owned();
        let sites: Vec<&str> = lines.map(str::trim).collect();
        if sites.is_empty() {
            head
        } else {
            format!("{head} ({})", sites.join("; "))
        }
    }
}

impl fmt::Display for Refusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [only] = self.0 {
            return write!(
                f,
                "the cluster definition was refused: {}; nothing was written",
                only.one_line()
            );
        }
        let n = self.0.len();
        write!(
            f,
            "the cluster definition was refused ({n} problems); nothing was written"
        )?;
        for p in self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}
