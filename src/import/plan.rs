//! What the imported program declares, part by part and file by file, before it is
//! written as Rust: the plan `emit` writes and `interpret` runs in process (to find what
//! render refuses in the repository as it is, before any code exists).

use super::layout::Layout;
use super::scan::{Content, Doc, RepoFile, Why, prefix_dir};

/// A part of the repository: a cluster (`name`), or the shared folders.
#[derive(Debug)]
pub(crate) struct PartPlan {
    pub(crate) cluster: Option<usize>,
    pub(crate) files: Vec<FilePlan>,
}

/// An opt-in a document needs for render to take the repository as it is, each a
/// finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Allow {
    /// `Cluster::allow_secret_in_clear`: a Secret's values are committed in clear.
    SecretInClear,
    /// `Cluster::allow_floating_image`: an image without a fixed version.
    FloatingImage,
}

/// How one file is declared.
#[derive(Debug)]
pub(crate) enum FilePlan {
    /// `Cluster::flux_components`.
    Components {
        path: String,
        version: String,
        sha256: String,
    },
    /// `Cluster::verbatim_file`, its text in the crate's `files/` folder.
    Verbatim { file: usize, why: Why },
    /// `Cluster::file` (with its header comment) and its objects.
    Objects {
        file: usize,
        header: Option<String>,
        docs: Vec<Doc>,
        /// Per document, the opt-ins it needs.
        allow: Vec<Vec<Allow>>,
    },
    /// A kustomization.yaml, carried as it is.
    Kustomize { file: usize },
    /// `Cluster::file` and the patches in it.
    Patches { file: usize, docs: Vec<Doc> },
}

/// The plan of every part: each cluster, then the shared folders (if any file is theirs).
pub(crate) fn plan(files: &[RepoFile], layout: &Layout) -> Vec<PartPlan> {
    let mut parts: Vec<PartPlan> = (0..layout.clusters.len())
        .map(|c| PartPlan {
            cluster: Some(c),
            files: Vec::new(),
        })
        .collect();
    let mut shared = PartPlan {
        cluster: None,
        files: Vec::new(),
    };
    for (i, f) in files.iter().enumerate() {
        let path = format!("{}{}", prefix_dir(&layout.prefix), f.path);
        let plan = match &f.content {
            Content::FluxComponents { version, sha256 } => FilePlan::Components {
                path,
                version: version.clone(),
                sha256: sha256.clone(),
            },
            Content::Verbatim(why) => FilePlan::Verbatim { file: i, why: *why },
            Content::Kustomize(_) => FilePlan::Kustomize { file: i },
            Content::Patches(docs) => FilePlan::Patches {
                file: i,
                docs: docs.clone(),
            },
            Content::Objects(docs) => FilePlan::Objects {
                file: i,
                header: header(&f.text),
                docs: docs.clone(),
                allow: vec![Vec::new(); docs.len()],
            },
        };
        match layout.part_of[i] {
            Some(c) => parts[c].files.push(plan),
            None => shared.files.push(plan),
        }
    }
    if !shared.files.is_empty() {
        parts.push(shared);
    }
    parts
}

/// The comment lines a file starts with (before its first document), if any.
fn header(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty() || l.trim_end() == "---")
        .filter(|l| l.starts_with('#'))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The repository `parts` declare, built in process: each object as a manifest (what
/// the typed declarations `emit` writes render too).
pub(crate) fn interpret(
    files: &[RepoFile],
    layout: &Layout,
    parts: &[PartPlan],
) -> crate::Repository {
    let mut repository = crate::Repository::new();
    for part in parts {
        let mut c = crate::Cluster::for_repository("");
        let prefix = prefix_dir(&layout.prefix);
        for plan in &part.files {
            match plan {
                FilePlan::Components {
                    path,
                    version,
                    sha256,
                } => {
                    c.flux_components(path, version, sha256);
                }
                FilePlan::Verbatim { file, .. } | FilePlan::Kustomize { file } => {
                    let f = &files[*file];
                    c.verbatim_file(&format!("{prefix}{}", f.path), f.text.clone());
                }
                FilePlan::Patches { file, docs } => {
                    let handle = c.file(&format!("{prefix}{}", files[*file].path));
                    for doc in docs {
                        c.add_patch(&handle, doc.value.clone());
                    }
                }
                FilePlan::Objects {
                    file,
                    header,
                    docs,
                    allow,
                } => {
                    let path = format!("{prefix}{}", files[*file].path);
                    let handle = match header {
                        Some(h) => c.file_with_header(&path, h),
                        None => c.file(&path),
                    };
                    for (doc, allow) in docs.iter().zip(allow) {
                        let object = c.add_manifest(&handle, doc.value.clone());
                        for a in allow {
                            match a {
                                Allow::SecretInClear => c.allow_secret_in_clear(&object),
                                Allow::FloatingImage => c.allow_floating_image(&object),
                            }
                        }
                    }
                }
            }
        }
        match part.cluster {
            Some(i) => {
                let cluster = &layout.clusters[i];
                let source: crate::Ref<crate::GitRepository> = crate::Ref::existing(
                    &crate::NamespaceName::new(cluster.source.0.clone())
                        .unwrap_or(crate::NamespaceName::FLUX_SYSTEM),
                    crate::Name::new(cluster.source.1.clone()).expect("a declared name"),
                );
                c.source_is_this_repository(&source);
                repository.cluster(&cluster.name, c);
            }
            None => {
                repository.shared(c);
            }
        }
    }
    repository
}

/// A finding: what render refuses in the repository as it is, where (file:line), and
/// the opt-in the generated code makes for it, if one exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `path:line` of the YAML document, when the problem names one.
    pub at: Option<String>,
    /// The problem, as render says it.
    pub message: String,
    /// Whether the generated code opts in (with a `// finding:` comment), so that it
    /// still renders the repository as it is.
    pub opted_in: bool,
}

/// Runs the plan in process and opts in where render refuses what an opt-in allows,
/// until it renders or nothing more can be allowed. Returns every finding.
pub(crate) fn settle(files: &[RepoFile], layout: &Layout, parts: &mut [PartPlan]) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    loop {
        let repository = interpret(files, layout, parts);
        let problems = match repository.render() {
            Ok(_) => return findings,
            Err(crate::Error::Refused(problems)) => problems,
            Err(e) => {
                findings.push(Finding {
                    at: None,
                    message: e.to_string(),
                    opted_in: false,
                });
                return findings;
            }
        };
        let mut progress = false;
        let mut unresolved = Vec::new();
        for problem in problems {
            let allow = if problem.message.contains("in clear in Git") {
                Some(Allow::SecretInClear)
            } else if problem.message.contains("names no fixed version") {
                Some(Allow::FloatingImage)
            } else {
                None
            };
            let located = problem.object.as_ref().and_then(|key| locate(parts, key));
            let at = located.map(|(part, plan, doc)| {
                let FilePlan::Objects { file, docs, .. } = &parts[part].files[plan] else {
                    unreachable!("located in a file of objects")
                };
                format!("{}:{}", files[*file].path, docs[doc].line)
            });
            let message = format!(
                "{}{}",
                problem
                    .object
                    .as_ref()
                    .map(|k| format!("{k}: "))
                    .unwrap_or_default(),
                match problem.field {
                    Some(field) => format!("{field}: {}", problem.message),
                    None => problem.message.clone(),
                }
            );
            match (allow, located) {
                (Some(allow), Some((part, plan, doc))) => {
                    if let FilePlan::Objects { allow: allows, .. } = &mut parts[part].files[plan]
                        && !allows[doc].contains(&allow)
                    {
                        allows[doc].push(allow);
                        progress = true;
                        findings.push(Finding {
                            at,
                            message,
                            opted_in: true,
                        });
                    }
                }
                _ => unresolved.push(Finding {
                    at,
                    message,
                    opted_in: false,
                }),
            }
        }
        if !progress {
            findings.extend(unresolved);
            return findings;
        }
    }
}

/// The part, file plan and document that declare `key` (its kind and name; its
/// namespace too when the document names one).
fn locate(parts: &[PartPlan], key: &crate::ObjectKey) -> Option<(usize, usize, usize)> {
    for (p, part) in parts.iter().enumerate() {
        for (f, plan) in part.files.iter().enumerate() {
            let FilePlan::Objects { docs, .. } = plan else {
                continue;
            };
            for (d, doc) in docs.iter().enumerate() {
                let v = &doc.value;
                let namespace_agrees = match (v["metadata"]["namespace"].as_str(), &key.namespace) {
                    (Some(theirs), Some(ours)) => theirs == ours.as_ref(),
                    _ => true,
                };
                if v["kind"] == key.kind
                    && v["metadata"]["name"] == key.name.as_str()
                    && namespace_agrees
                {
                    return Some((p, f, d));
                }
            }
        }
    }
    None
}
