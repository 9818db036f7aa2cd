//! Flux `ArtifactGenerator` (`source.extensions.fluxcd.io/v1beta1`) and the
//! `ExternalArtifact`s (`source.toolkit.fluxcd.io/v1`) it produces.
//!
//! A generator composes artifacts from its sources; each artifact becomes an
//! ExternalArtifact of the same name in the generator's namespace, which Kustomizations
//! and HelmReleases build from. Handles to them come from the generator's handle
//! ([`Ref::<ArtifactGenerator>::artifact`](crate::Ref)), and validation checks that the
//! generator really produces the named artifact.

use std::panic::Location;
use std::sync::Arc;

use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::object::Check;
use crate::object::{Kind, Object, ObjectKey, Ref, RefRule, Reference, RelativeRef};
use crate::values::Name;

crate::object::flux_struct! {
    /// A Flux `ExternalArtifact`: an artifact another controller produces. An
    /// [`ArtifactGenerator`] produces its own, and handles to those come from the
    /// generator's handle ([`Ref::<ArtifactGenerator>::artifact`](crate::Ref)); declare one
    /// only for a controller of your own, naming the object it is produced for.
    ///
    /// ```
    /// use fluxdsl::*;
    /// let mut cluster = Cluster::new("k8s");
    /// let file = cluster.file("artifacts.yaml");
    /// let repo = cluster.add(&file, GitRepository::builder()
    ///     .name(name!("apps")).url("https://example.com/apps")
    ///     .reference(GitRef::branch("main")).interval(duration!("1m")).build());
    /// cluster.add(&file, ExternalArtifact::builder()
    ///     .name(name!("apps-bundle"))
    ///     .source_ref(&repo)
    ///     .build());
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds an [`ExternalArtifact`]; `name` is required."),
        build_method(doc = "Finishes the ExternalArtifact.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct ExternalArtifact {
        /// `spec.sourceRef`: the object the artifact is produced for (any kind, written with
        /// its `apiVersion`).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(
            fn transform<K: Kind>(object: &Ref<K>) -> Option<ArtifactSourceRef> {
                Some(ArtifactSourceRef(RelativeRef::with_kind(object.target())))
            }
        ))]
        source_ref: Option<ArtifactSourceRef>,
    }
}

crate::object::flux_kind!(ExternalArtifact, "source.toolkit.fluxcd.io/v1", ["v1"]);

impl Object for ExternalArtifact {
    crate::object::flux_identity!();
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace).clone();
        if let Some(r) = &mut self.source_ref {
            r.0.settle(&holder);
        }
    }
    fn references(&self) -> Vec<Reference> {
        self.source_ref
            .iter()
            .map(|r| Reference {
                field: "spec.sourceRef",
                target: Arc::clone(&r.0.target),
                rule: RefRule::CrossNamespaceAllowed,
            })
            .collect()
    }
}

/// `spec.sourceRef` of an ExternalArtifact: `apiVersion`, `kind`, `name` and `namespace`
/// (unless the ExternalArtifact's own).
#[derive(Debug, Clone)]
pub struct ArtifactSourceRef(RelativeRef);

impl Serialize for ArtifactSourceRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            api_version: &'static str,
            #[serde(flatten)]
            reference: crate::object::FluxRef<'a>,
        }
        Wire {
            api_version: self.0.target.key.api_version,
            reference: self.0.wire(),
        }
        .serialize(s)
    }
}

impl crate::KustomizationSource for ExternalArtifact {}

/// A source an ArtifactGenerator can read from.
#[diagnostic::on_unimplemented(
    message = "an ArtifactGenerator cannot read from a `{Self}`",
    label = "not a source kind ArtifactGenerator.spec.sources accepts",
    note = "ArtifactGenerator sources are GitRepository, OCIRepository, Bucket, HelmChart or ExternalArtifact"
)]
pub trait GeneratorSource: Kind {}

impl GeneratorSource for crate::GitRepository {}
impl GeneratorSource for crate::OCIRepository {}
impl GeneratorSource for ExternalArtifact {}

/// One entry of `spec.sources`: a source under an alias that copy operations use as
/// `@alias/…`.
#[derive(Debug, Clone)]
pub struct GeneratorSourceRef {
    alias: String,
    source: RelativeRef,
}

impl GeneratorSourceRef {
    /// `source` under `alias`.
    pub fn new<K: GeneratorSource>(alias: &str, source: &Ref<K>) -> GeneratorSourceRef {
        GeneratorSourceRef {
            alias: alias.to_owned(),
            source: RelativeRef::with_kind(source.target()),
        }
    }
}

/// `{alias, kind, name, namespace}`.
impl Serialize for GeneratorSourceRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            alias: &'a str,
            #[serde(flatten)]
            source: crate::object::FluxRef<'a>,
        }
        Wire {
            alias: &self.alias,
            source: self.source.wire(),
        }
        .serialize(s)
    }
}

/// One entry of `spec.artifacts`: an artifact and the files copied into it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedArtifact {
    name: Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<String>,
    copy: Vec<CopyOperation>,
}

/// One copy operation: `from` (`@alias/glob`) into `to` (`@artifact/path`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyOperation {
    from: String,
    to: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exclude: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<&'static str>,
}

impl CopyOperation {
    /// Copy `from` (e.g. `@monorepo/apps/**`) to `to` (e.g. `@artifact/apps/`).
    pub fn new(from: &str, to: &str) -> CopyOperation {
        CopyOperation {
            from: from.to_owned(),
            to: to.to_owned(),
            exclude: Vec::new(),
            strategy: None,
        }
    }
    /// Leave out files matching these globs.
    pub fn exclude(mut self, globs: &[&str]) -> CopyOperation {
        self.exclude = globs.iter().map(|g| g.to_string()).collect();
        self
    }
    /// Merge YAML files into existing ones instead of overwriting (`Merge`).
    pub fn merge(mut self) -> CopyOperation {
        self.strategy = Some("Merge");
        self
    }
}

impl GeneratedArtifact {
    /// An artifact named `name`, filled by `copy`.
    pub fn new(name: Name, copy: &[CopyOperation]) -> GeneratedArtifact {
        GeneratedArtifact {
            name,
            origin_revision: None,
            revision: None,
            copy: copy.to_vec(),
        }
    }
    /// Report this source's revision as the artifact's origin (`@alias`).
    pub fn origin_revision(mut self, alias: &str) -> GeneratedArtifact {
        self.origin_revision = Some(alias.to_owned());
        self
    }
    /// Take the artifact's revision from this source (`@alias`).
    pub fn revision(mut self, alias: &str) -> GeneratedArtifact {
        self.revision = Some(alias.to_owned());
        self
    }
}

crate::object::flux_struct! {
    /// A Flux `ArtifactGenerator`.
    ///
    /// ```
    /// use fluxdsl::*;
    /// let mut cluster = Cluster::new("clusters/staging");
    /// let file = cluster.file("artifacts.yaml");
    /// let repo = cluster.add(&file, GitRepository::builder()
    ///     .name(name!("flux-system"))
    ///     .url("ssh://git@example.com/org/monorepo")
    ///     .reference(fluxdsl::GitRef::branch("main"))
    ///     .interval(duration!("1m"))
    ///     .build());
    /// let generator = cluster.add(&file, ArtifactGenerator::builder()
    ///     .name(name!("flux-system"))
    ///     .sources(&[GeneratorSourceRef::new("monorepo", &repo)])
    ///     .artifacts(&[GeneratedArtifact::new(name!("apps"), &[
    ///         CopyOperation::new("@monorepo/apps/**", "@artifact/"),
    ///     ]).origin_revision("@monorepo")])
    ///     .build());
    /// let apps: Ref<ExternalArtifact> = generator.artifact(name!("apps"));
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(
            doc = "Builds an [`ArtifactGenerator`]; `name`, `sources` and `artifacts` are required."
        ),
        build_method(doc = "Finishes the ArtifactGenerator.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct ArtifactGenerator {
        /// `spec.artifacts`.
        #[builder(setter(transform = |artifacts: &[GeneratedArtifact]| artifacts.to_vec()))]
        artifacts: Vec<GeneratedArtifact>,
        /// `spec.sources`.
        #[builder(setter(transform = |sources: &[GeneratorSourceRef]| sources.to_vec()))]
        sources: Vec<GeneratorSourceRef>,
    }
}

crate::object::flux_kind!(
    ArtifactGenerator,
    "source.extensions.fluxcd.io/v1beta1",
    ["v1beta1"]
);

impl Object for ArtifactGenerator {
    crate::object::flux_identity!();
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace);
        for s in &mut self.sources {
            s.source.settle(holder);
        }
    }
    fn references(&self) -> Vec<Reference> {
        self.sources
            .iter()
            .map(|s| Reference {
                field: "spec.sources",
                target: Arc::clone(&s.source.target),
                rule: RefRule::CrossNamespaceAllowed,
            })
            .collect()
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let aliases: Vec<&str> = self.sources.iter().map(|s| s.alias.as_str()).collect();
        let known = |alias: &str| {
            if aliases.contains(&alias) {
                None
            } else {
                Some(format!(
                    "names source alias {alias:?}, which spec.sources does not list (it lists {})",
                    aliases
                        .iter()
                        .map(|a| format!("{a:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        };
        for a in &self.artifacts {
            for c in &a.copy {
                match c
                    .from
                    .strip_prefix('@')
                    .map(|f| f.split_once('/').unwrap_or((f, "")))
                {
                    Some((alias, _)) => {
                        if let Some(p) = known(alias) {
                            problems
                                .push(("spec.artifacts.copy.from", format!("{:?} {p}", c.from)));
                        }
                    }
                    None => problems.push((
                        "spec.artifacts.copy.from",
                        format!(
                            "{:?} must start with `@alias/`, a source of spec.sources",
                            c.from
                        ),
                    )),
                }
                if !(c.to == "@artifact" || c.to.starts_with("@artifact/")) {
                    problems.push((
                        "spec.artifacts.copy.to",
                        format!("{:?} must start with `@artifact/`", c.to),
                    ));
                }
            }
            for (field, alias) in [
                ("spec.artifacts.originRevision", &a.origin_revision),
                ("spec.artifacts.revision", &a.revision),
            ] {
                if let Some(alias) = alias
                    && let Some(p) = known(alias.trim_start_matches('@'))
                {
                    problems.push((field, format!("{alias:?} {p}")));
                }
            }
        }
        problems
    }
    fn checks(&self) -> Vec<Check> {
        let mut checks = vec![Check::Generates(
            self.artifacts
                .iter()
                .map(|a| a.name.as_str().to_owned())
                .collect(),
        )];
        for a in &self.artifacts {
            let copies = a
                .copy
                .iter()
                .filter_map(|c| {
                    let (alias, from, to) = folder_copy(&c.from, &c.to)?;
                    let source = self.sources.iter().find(|s| s.alias == alias)?;
                    Some((
                        Arc::clone(&source.source.target),
                        from.to_owned(),
                        to.to_owned(),
                    ))
                })
                .collect();
            let writes = a
                .copy
                .iter()
                .map(|c| {
                    c.to.trim_start_matches("@artifact")
                        .trim_matches('/')
                        .to_owned()
                })
                .collect();
            checks.push(Check::ArtifactCopies {
                artifact: a.name.as_str().to_owned(),
                copies,
                writes,
            });
        }
        checks
    }
}

/// A copy operation of a folder's files, `@alias/dir/**` into `@artifact/to/`, as
/// (alias, dir, to) without their slashes; `None` for a copy of single files or globs.
/// For a generator declared typed or read from its manifest alike.
pub(crate) fn folder_copy<'a>(from: &'a str, to: &'a str) -> Option<(&'a str, &'a str, &'a str)> {
    let (alias, from) = from.strip_prefix('@')?.split_once('/')?;
    let from = from.strip_suffix("**")?.trim_end_matches('/');
    let to = to.strip_prefix("@artifact/")?.trim_end_matches('/');
    Some((alias, from, to))
}

impl Ref<ArtifactGenerator> {
    /// The ExternalArtifact this generator produces under `name`. Validation refuses a
    /// name the generator does not list.
    #[track_caller]
    pub fn artifact(&self, name: Name) -> Ref<ExternalArtifact> {
        Ref::generated(
            ObjectKey {
                api_version: ExternalArtifact::api_version(),
                kind: ExternalArtifact::kind(),
                namespace: self.target().key.namespace.clone(),
                name: name.as_str().to_owned(),
            },
            Location::caller(),
            self.key().clone(),
        )
    }
}
