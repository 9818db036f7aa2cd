//! The effective state: what a Flux Kustomization really applies, computed as kustomize
//! builds its path and kustomize-controller then changes it.
//!
//! [`Files`] is a repository's files in memory (a rendered tree, or a checkout read from
//! disk). [`build`] is `kustomize build` of one folder: resources in order (files, and
//! folders built recursively as overlays over bases), components, generators with
//! kustomize's content hash, patches (strategic merge and JSON 6902), namespace,
//! prefixes and suffixes, labels and annotations, replicas, images, and the name
//! references kustomize rewrites after renaming (its built-in table and a folder's own
//! `configurations`). [`flux_build`] is what kustomize-controller makes of a
//! Kustomization's `spec`: the kustomization.yaml it generates where the path has none,
//! `targetNamespace`, `namePrefix`/`nameSuffix`, `patches`, `images` and `components`
//! written into the root kustomization, `commonMetadata`, and postBuild substitution with
//! the values the caller knows.
//!
//! A feature of kustomize this engine does not compute (remote bases, Helm charts, plugins,
//! vars, replacements) is an error naming the folder and the field, never a silent
//! difference: `kubectl kustomize` is the oracle the tests hold this module to.
//!
//! ```
//! use fluxdsl::effective::{Files, build};
//!
//! let mut files = Files::default();
//! files.insert("app/kustomization.yaml", "namespace: apps\nresources: [cm.yaml]\n");
//! files.insert("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
//! let objects = build(&files, "app").unwrap();
//! assert_eq!(objects[0]["metadata"]["namespace"], "apps");
//! ```

mod build;
pub(crate) mod checks;
mod fields;
mod files;
mod flux;
mod hash;
mod merge;
pub(crate) mod refs;
pub(crate) mod state;

pub use build::build;
pub use files::Files;
pub use flux::{PostBuild, flux_build};

/// A kustomize or kustomize-controller build that cannot be computed: the folder or file
/// it happened in, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct BuildError {
    /// The folder or file (repository-relative) the error is in.
    pub at: String,
    /// What is wrong, in kustomize's terms.
    pub message: String,
}

impl BuildError {
    pub(crate) fn new(at: impl Into<String>, message: impl Into<String>) -> BuildError {
        BuildError {
            at: at.into(),
            message: message.into(),
        }
    }
}
