//! What happened to each object of a run, as the result lines and summary print it.

use crate::error::{Error, Result};

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It did not exist.
    Created,
    /// It existed and changed.
    Configured,
    /// It existed and nothing changed (its resourceVersion is the same).
    Unchanged,
    /// It existed and its content did not change, but the API server wrote it again and
    /// gave it a new resourceVersion. A real API server does this on the first apply after
    /// a custom resource was created (two `kubectl apply --server-side` runs show the same).
    StoredAgain {
        /// The resourceVersion before.
        from: String,
        /// The resourceVersion after.
        to: String,
    },
    /// Not sent: the run was interrupted first.
    NotApplied,
    /// Deleted by prune.
    Pruned,
    /// Not sent: in a dry run, a kind whose CRD this apply would create is not served yet.
    Skipped(String),
    /// The server refused it; the server's message.
    Failed(String),
}

impl Outcome {
    pub(crate) fn word(&self) -> &str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
            Outcome::StoredAgain { .. } => "stored again unchanged",
            Outcome::NotApplied => "not applied",
            Outcome::Pruned => "pruned",
            Outcome::Skipped(_) => "skipped",
            Outcome::Failed(_) => "failed",
        }
    }
}

/// Which object a result is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectId {
    /// `apiVersion` (for a pruned object: its group and the version discovery recommends).
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectId {
    /// `kind.group/name`, as kubectl prints it.
    pub fn display(&self) -> String {
        let kind = self.kind.to_lowercase();
        match self.api_version.rsplit_once('/') {
            Some((group, _)) => format!("{kind}.{group}/{}", self.name),
            None => format!("{kind}/{}", self.name),
        }
    }

    /// [`display`](Self::display) with ` -n namespace` for namespaced objects.
    pub fn qualified(&self) -> String {
        qualified(&self.display(), self.namespace.as_deref())
    }
}

/// One object's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The object.
    pub object: ObjectId,
    /// What happened to it.
    pub outcome: Outcome,
}

/// The result of an apply: every object's outcome, in the order they finished.
#[derive(Debug, Default, Clone)]
pub struct ApplyReport {
    /// Each object and what happened to it.
    pub results: Vec<Applied>,
    /// Whether Ctrl-C stopped the run early.
    pub interrupted: bool,
}

impl ApplyReport {
    /// How many objects ended with `outcome` (failures counted whatever their message).
    pub fn count(&self, outcome: &Outcome) -> usize {
        self.results
            .iter()
            .filter(|r| std::mem::discriminant(&r.outcome) == std::mem::discriminant(outcome))
            .count()
    }
    /// The failures: each object and the server's message.
    pub fn failures(&self) -> Vec<(&ObjectId, &str)> {
        self.results
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Failed(m) => Some((&r.object, m.as_str())),
                _ => None,
            })
            .collect()
    }
    /// `Ok` when every object was applied; otherwise the interruption or the failures.
    pub(crate) fn outcome(&self, total: usize) -> Result<()> {
        if self.interrupted {
            let done = self
                .results
                .iter()
                .filter(|r| r.outcome != Outcome::NotApplied)
                .count();
            return Err(Error::Interrupted { done, total });
        }
        let failures = self.failures();
        if !failures.is_empty() {
            return Err(Error::ApplyFailed {
                failures: failures
                    .into_iter()
                    .map(|(object, message)| format!("{}: {message}", object.qualified()))
                    .collect(),
            });
        }
        Ok(())
    }

    /// `3 created, 1 configured, …`; the rarer outcomes only when they occurred.
    pub fn summary(&self) -> String {
        let always = [
            Outcome::Created,
            Outcome::Configured,
            Outcome::Unchanged,
            Outcome::Pruned,
            Outcome::Skipped(String::new()),
            Outcome::Failed(String::new()),
        ];
        let rare = [
            Outcome::StoredAgain {
                from: String::new(),
                to: String::new(),
            },
            Outcome::NotApplied,
        ];
        let mut parts: Vec<String> = always
            .iter()
            .map(|o| format!("{} {}", self.count(o), o.word()))
            .collect();
        parts.extend(
            rare.iter()
                .filter(|o| self.count(o) > 0)
                .map(|o| format!("{} {}", self.count(o), o.word())),
        );
        parts.join(", ")
    }
}

pub(crate) fn qualified(what: &str, ns: Option<&str>) -> String {
    match ns {
        Some(ns) => format!("{what} -n {ns}"),
        None => what.to_owned(),
    }
}
