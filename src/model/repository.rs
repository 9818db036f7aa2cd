//! A whole Git repository: several clusters, and folders they share, in one program.

use std::panic::Location;

use crate::error::Problem;
use crate::model::cluster::Cluster;
use crate::model::validate::{self, RepositoryContext};

/// A Git repository as Flux users lay it out: any number of clusters (each with its own
/// `flux-system`, its own identity and apply guard) and folders they share (bases,
/// overlays, infrastructure), declared once.
///
/// Each part is a [`Cluster`]. A cluster's objects are what `apply --cluster NAME` applies
/// at bootstrap (its `flux-system` and the Kustomizations that point into the repository);
/// the shared folders are never applied, Flux reconciles them from Git. `render` and
/// `check` cover the whole repository with one list of owned files: a path rendered by two
/// parts is refused (declare it once, in the shared folders). A Kustomization whose source
/// is this repository has its `path` checked against everything the repository renders,
/// and handles to objects of the shared folders are valid in every cluster.
///
/// ```
/// use fluxdsl::{duration, name, Cluster, GitRepository, Kustomization, Repository};
/// let mut shared = Cluster::for_repository("");
/// let apps = shared.file("apps/base/namespace.yaml");
/// shared.namespace(&apps, fluxdsl::namespace!("apps"));
///
/// let mut repo = Repository::new();
/// for env in ["staging", "production"] {
///     let mut cluster = Cluster::for_repository("");
///     let sync = cluster.file(&format!("clusters/{env}/sync.yaml"));
///     let source = cluster.add(&sync, GitRepository::builder()
///         .name(name!("flux-system"))
///         .url("https://example.com/fleet")
///         .reference(fluxdsl::GitRef::branch("main"))
///         .interval(duration!("1m"))
///         .build());
///     cluster.source_is_this_repository(&source);
///     cluster.add(&sync, Kustomization::builder()
///         .name(name!("apps"))
///         .source_ref(&source)
///         .path("./apps/base")
///         .interval(duration!("10m"))
///         .prune(true)
///         .build());
///     repo.cluster(env, cluster);
/// }
/// repo.shared(shared);
/// let rendered = repo.render().unwrap();
/// assert!(rendered.file("clusters/production/sync.yaml").is_some());
/// assert!(rendered.file("apps/base/namespace.yaml").is_some());
/// ```
#[derive(Debug, Default)]
pub struct Repository {
    pub(crate) parts: Vec<Part>,
}

/// A cluster of the repository, or its shared folders.
#[derive(Debug)]
pub(crate) struct Part {
    /// The cluster's name (`--cluster NAME`); `None` for the shared folders.
    pub(crate) name: Option<String>,
    pub(crate) cluster: Cluster,
    pub(crate) at: &'static Location<'static>,
}

impl Part {
    /// How messages name it.
    pub(crate) fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("cluster {name:?}"),
            None => "the shared folders".into(),
        }
    }
}

impl From<Cluster> for Repository {
    #[track_caller]
    fn from(cluster: Cluster) -> Repository {
        Repository::of_one(cluster)
    }
}

impl Repository {
    /// A repository with nothing declared yet.
    pub fn new() -> Repository {
        Repository::default()
    }

    /// A repository of one cluster, named after its main tree: what a program that
    /// declares a single [`Cluster`] is.
    #[track_caller]
    pub fn of_one(cluster: Cluster) -> Repository {
        let name = cluster.root().to_owned();
        Repository {
            parts: vec![Part {
                name: Some(name),
                cluster,
                at: Location::caller(),
            }],
        }
    }

    /// Adds cluster `name` (what `--cluster NAME` selects).
    #[track_caller]
    pub fn cluster(&mut self, name: &str, cluster: Cluster) -> &mut Repository {
        self.parts.push(Part {
            name: Some(name.to_owned()),
            cluster,
            at: Location::caller(),
        });
        self
    }

    /// Adds folders the clusters share (bases, overlays, infrastructure), declared in a
    /// [`Cluster`] used only to hold files: it is rendered, never applied.
    #[track_caller]
    pub fn shared(&mut self, folders: Cluster) -> &mut Repository {
        self.parts.push(Part {
            name: None,
            cluster: folders,
            at: Location::caller(),
        });
        self
    }

    /// The clusters, by name, in the order they were added.
    pub fn clusters(&self) -> impl Iterator<Item = (&str, &Cluster)> {
        self.parts
            .iter()
            .filter_map(|p| p.name.as_deref().map(|n| (n, &p.cluster)))
    }

    /// The cluster `name`, or, when `name` is `None`, the only cluster. `Err` says which
    /// names exist (and that one must be chosen when there are several).
    pub fn select(&self, name: Option<&str>) -> std::result::Result<&Cluster, String> {
        let names: Vec<&str> = self.clusters().map(|(n, _)| n).collect();
        match name {
            Some(name) => self
                .clusters()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| c)
                .ok_or_else(|| {
                    format!(
                        "no cluster {name:?} in this repository; its clusters: {}",
                        names.join(", ")
                    )
                }),
            None => match names.as_slice() {
                [_] => Ok(self.clusters().next().map(|(_, c)| c).expect("one cluster")),
                [] => Err("this repository declares no cluster".into()),
                _ => Err(format!(
                    "this repository has {} clusters; choose one with --cluster NAME ({})",
                    names.len(),
                    names.join(", ")
                )),
            },
        }
    }

    /// Every problem of every part, each checked against the whole repository, and the
    /// repository's own (cluster names).
    pub(crate) fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut seen: Vec<(&str, &'static Location<'static>)> = Vec::new();
        for part in &self.parts {
            if let Some(name) = &part.name {
                if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
                    problems.push(Problem {
                        remedy: None,
                        object: None,
                        field: None,
                        message: format!("cluster {name:?} is added to the repository twice"),
                        sites: vec![("added first", first), ("added again", part.at)],
                    });
                }
                seen.push((name, part.at));
            }
        }
        let mut context = RepositoryContext::default();
        for part in &self.parts {
            for (tree, paths) in part
                .cluster
                .trees
                .iter()
                .zip(validate::rendered_paths(&part.cluster))
            {
                context
                    .paths
                    .entry(tree.path.as_str())
                    .or_default()
                    .extend(paths);
            }
            if part.name.is_none() {
                context
                    .shared
                    .extend(validate::declared_objects(&part.cluster));
            }
            context
                .flux_objects
                .extend(validate::flux_objects(&part.cluster));
        }
        for part in &self.parts {
            problems.extend(validate::problems(&part.cluster, Some(&context)));
        }
        if problems.is_empty() {
            let view: Vec<crate::model::applied::PartView> = self
                .parts
                .iter()
                .map(|p| crate::model::applied::PartView {
                    name: p.name.as_deref(),
                    cluster: &p.cluster,
                })
                .collect();
            let parts = crate::model::applied::Parts(&view);
            problems.extend(parts.transform_problems());
            problems.extend(parts.applied_problems());
        }
        problems
    }
}
