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
    #[error("invalid {what} {value:?}: {problem}")]
    InvalidName {
        /// `name` or `namespace`.
        what: &'static str,
        /// The text given.
        value: String,
        /// Why it is invalid.
        problem: &'static str,
    },
    /// A duration built at run time is not one Flux accepts.
    #[error("invalid duration {value:?}: {problem}")]
    InvalidDuration {
        /// The text given.
        value: String,
        /// Why it is invalid.
        problem: &'static str,
    },
    /// The cluster definition breaks rules that types cannot express; nothing was
    /// written or applied.
    #[error("{}", Refusal(.0))]
    Refused(Vec<Problem>),
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", path.display())]
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
    #[error("cannot be serialized: {source}")]
    Serialize {
        /// The cause.
        #[source]
        source: serde_json::Error,
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

impl fmt::Display for Refusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the cluster definition was refused ({n} problem{}); nothing was written",
            if n == 1 { "" } else { "s" }
        )?;
        for p in self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}
