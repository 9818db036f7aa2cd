//! Rendering: objects to the wire format (JSON values), and the wire format to YAML text
//! byte-for-byte as the Flux CLI writes it. This is the only module that turns objects
//! into text.

pub(crate) mod automation;
pub mod tree;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Problem, Result};
pub use crate::model::cluster::UpstreamPin;
use crate::model::cluster::{Cluster, Declared, FileContent};
use crate::model::repository::Repository;

/// One YAML document (without `---`) as Flux writes it. JSON values always have one.
pub fn yaml_document(value: &Value) -> String {
    crate::go_yaml::document(value).expect("a JSON value has a YAML form")
}

/// A file that belongs in the tree but is never written by this program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamFile {
    /// Path inside the tree.
    pub path: String,
    /// The command that produces it.
    pub produce: String,
    /// The version and checksum the definition pins, if it pins one.
    pub pin: Option<UpstreamPin>,
}

impl UpstreamFile {
    /// The command that produces the file where the tree is at `out` (the declared tree
    /// when `None`): for Flux's components, `flux install` written into that folder.
    pub fn produce_in(&self, out: Option<&std::path::Path>) -> String {
        match (&self.pin, out) {
            (Some(pin), Some(out)) => crate::model::cluster::flux_install_command(
                &pin.version,
                &out.join(&self.path).display().to_string(),
            ),
            _ => self.produce.clone(),
        }
    }

    /// Checks the file's bytes against the pin: `Err` says what differs and how to upgrade.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), String> {
        self.verify_in(bytes, None)
    }

    /// [`verify`](Self::verify) for the file of the tree at `out`, whose upgrade hint
    /// writes there.
    pub fn verify_in(&self, bytes: &[u8], out: Option<&std::path::Path>) -> Result<(), String> {
        let Some(pin) = &self.pin else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(bytes);
        let header = text
            .lines()
            .take(10)
            .find_map(|l| l.strip_prefix("# Flux Version: "))
            .map(str::trim);
        let actual = sha256_hex(bytes);
        let upgrade = format!(
            "to change Flux's version, run `{}` with the new version, then pin it in the \
             definition: `flux_components(\"{}\", \"<version>\", \"<sha256>\")` with the file's \
             `sha256sum`",
            self.produce_in(out),
            self.path
        );
        if header != Some(pin.version.as_str()) {
            return Err(format!(
                "its header says Flux {}, the definition pins {}; {upgrade}",
                header.unwrap_or("<no `# Flux Version:` line>"),
                pin.version
            ));
        }
        if actual != pin.sha256 {
            return Err(format!(
                "it is not Flux {}'s file as pinned: its SHA-256 is {actual}, the definition \
                 pins {}; it was edited, or {upgrade}",
                pin.version, pin.sha256
            ));
        }
        Ok(())
    }
}

/// The SHA-256 of `bytes` in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file of one tree, rendered in memory.
#[derive(Debug, Clone)]
pub struct RenderedTree {
    root: String,
    files: BTreeMap<String, String>,
    upstream: Vec<UpstreamFile>,
    /// By file: the fields marked for image automation written in it.
    automated: BTreeMap<String, Vec<automation::MarkedValue>>,
}

impl RenderedTree {
    /// Where the tree is written, relative to the folder the program runs in (`k8s/flux`).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The text of the file at `path` (relative to the tree), if this program renders it.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Every rendered file, `(path, text)`, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// The files that belong in the tree but come from elsewhere.
    pub fn upstream(&self) -> &[UpstreamFile] {
        &self.upstream
    }
}

/// Every tree of a cluster, rendered in memory: the main tree first.
#[derive(Debug, Clone)]
pub struct Rendered {
    trees: Vec<RenderedTree>,
}

impl Rendered {
    /// The main tree's path (`k8s/flux`).
    pub fn root(&self) -> &str {
        self.trees[0].root()
    }

    /// The main tree.
    pub fn main(&self) -> &RenderedTree {
        &self.trees[0]
    }

    /// Every tree, the main one first.
    pub fn trees(&self) -> &[RenderedTree] {
        &self.trees
    }

    /// The text of the main tree's file at `path`.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.trees[0].file(path)
    }

    /// The main tree's files that come from elsewhere.
    pub fn upstream(&self) -> &[UpstreamFile] {
        self.trees[0].upstream()
    }

    /// Every file of every tree, each after a `# file: <path>` line: what `cargo run`
    /// prints.
    pub fn to_listing(&self) -> String {
        let mut out = Vec::new();
        self.write_listing(&mut out)
            .expect("writing to memory does not fail");
        String::from_utf8(out).expect("rendered files are UTF-8")
    }

    /// Writes [`to_listing`](Self::to_listing)'s text to `out`, file by file.
    pub fn write_listing(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for tree in &self.trees {
            for (path, text) in &tree.files {
                let path = crate::model::cluster::join(&tree.root, path);
                out.write_all(format!("# file: {path}\n").as_bytes())?;
                out.write_all(text.as_bytes())?;
            }
        }
        Ok(())
    }
}

impl Cluster {
    /// Validates the definition and renders every file, in memory.
    pub fn render(&self) -> Result<Rendered> {
        crate::model::validate::validate(self)?;
        render(self)
    }
}

impl Repository {
    /// What render says without refusing, each once: a Flux kind written at an older
    /// version the install still serves ([`Cluster::write_kind_at`]), which Flux deprecates
    /// and will one day stop serving.
    ///
    /// ```
    /// use fluxdsl::{Cluster, OCIRepository, Repository};
    /// let mut cluster = Cluster::new("k8s");
    /// cluster.write_kind_at::<OCIRepository>("v1beta2");
    /// let notes = Repository::of_one(cluster).notes();
    /// assert!(notes[0].starts_with("OCIRepository is written at source.toolkit.fluxcd.io/v1beta2"));
    /// ```
    pub fn notes(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for part in &self.parts {
            let chosen = part
                .cluster
                .kind_versions
                .iter()
                .map(|v| (v, "write_kind_at"));
            let one = part
                .cluster
                .object_versions
                .iter()
                .map(|v| (v, "add_at_version"));
            for ((group, kind, version, at), how) in chosen.chain(one) {
                if !seen.insert((*group, *kind, version.clone())) {
                    continue;
                }
                let stores = self.parts.iter().find_map(|p| {
                    let (api, _) = p.cluster.flux_api.as_ref()?;
                    let stored = api.storage_version(group, kind)?;
                    Some(format!(" ({} stores {stored})", api.label()))
                });
                out.push(format!(
                    "{kind} is written at {group}/{version} (Cluster::{how} at {at}), a \
                     version Flux still serves but deprecates{}; write the stored version when \
                     the clusters can",
                    stores.unwrap_or_default()
                ));
            }
        }
        out
    }

    /// Validates every cluster and the shared folders against the whole repository and
    /// renders every file, in memory: each tree once, whichever parts write into it.
    pub fn render(&self) -> Result<Rendered> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(Error::Refused(problems));
        }
        let mut trees: Vec<RenderedTree> = Vec::new();
        // The path from the repository's root (trees may nest: a cluster's tree inside the
        // shared folders' one) -> the part and tree that render it.
        let mut owner: BTreeMap<String, (usize, String)> = BTreeMap::new();
        let mut problems = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            for tree in render(&part.cluster)?.trees {
                let merged = match trees.iter().position(|t| t.root == tree.root) {
                    Some(at) => &mut trees[at],
                    None => {
                        trees.push(RenderedTree {
                            root: tree.root.clone(),
                            files: BTreeMap::new(),
                            upstream: Vec::new(),
                            automated: BTreeMap::new(),
                        });
                        trees.last_mut().expect("just pushed")
                    }
                };
                let paths = tree
                    .files
                    .keys()
                    .cloned()
                    .chain(tree.upstream.iter().map(|u| u.path.clone()));
                for path in paths {
                    let full = crate::model::cluster::join(&tree.root, &path);
                    if let Some((first, first_root)) = owner.get(&full) {
                        problems.push(self.rendered_twice(
                            (first_root, *first),
                            (&tree.root, i),
                            &full,
                        ));
                    } else {
                        owner.insert(full, (i, tree.root.clone()));
                    }
                }
                merged.files.extend(tree.files);
                merged.upstream.extend(tree.upstream);
                merged.automated.extend(tree.automated);
            }
        }
        if problems.is_empty() {
            problems = self.build_problems(&trees);
        }
        if problems.is_empty() {
            Ok(Rendered { trees })
        } else {
            Err(Error::Refused(problems))
        }
    }

    /// The Kustomizations whose path kustomize-controller would fail to build from the
    /// rendered `trees` (of the whole repository: a cluster alone may build from folders
    /// the shared part renders, so `Cluster::render` leaves this to the repository).
    fn build_problems(&self, trees: &[RenderedTree]) -> Vec<Problem> {
        let parts: Vec<crate::model::applied::PartView> = self
            .parts
            .iter()
            .map(|p| crate::model::applied::PartView {
                name: p.name.as_deref(),
                cluster: &p.cluster,
            })
            .collect();
        build_problems(&parts, trees)
    }

    /// The refusal of a file (`full`, from the repository's root) that two parts render,
    /// each given as (its tree's root, the part).
    fn rendered_twice(&self, first: (&str, usize), again: (&str, usize), full: &str) -> Problem {
        let site = |(root, i): (&str, usize)| {
            let cluster = &self.parts[i].cluster;
            cluster
                .files
                .iter()
                .find(|f| {
                    let tree = &cluster.trees[f.tree].path;
                    tree == root && crate::model::cluster::join(tree, &f.path) == full
                })
                .map_or(self.parts[i].at, |f| f.at)
        };
        let trees = if first.0 == again.0 {
            String::new()
        } else {
            format!(
                " (as a file of tree {:?} and of tree {:?}, which holds the other)",
                first.0, again.0
            )
        };
        Problem {
            remedy: None,
            object: None,
            field: None,
            message: format!(
                "file {full:?} is rendered by {} and by {}{trees}; declare it once (in the \
                 shared folders if several clusters use it)",
                self.parts[first.1].label(),
                self.parts[again.1].label()
            ),
            sites: vec![
                ("declared first", site(first)),
                ("declared again", site(again)),
            ],
        }
    }
}

/// The Kustomizations of `parts` whose path kustomize-controller would fail to build from
/// the rendered `trees`.
fn build_problems(
    parts: &[crate::model::applied::PartView],
    trees: &[RenderedTree],
) -> Vec<Problem> {
    crate::effective::checks::build_problems(parts, &tree_files(trees))
}

/// The rendered `trees` as the effective state reads them.
pub(crate) fn tree_files(trees: &[RenderedTree]) -> Vec<crate::effective::checks::TreeFiles<'_>> {
    trees
        .iter()
        .map(|t| crate::effective::checks::TreeFiles {
            root: &t.root,
            files: t
                .files
                .iter()
                .map(|(p, x)| (p.as_str(), x.as_str()))
                .collect(),
            upstream: t.upstream.iter().map(|u| (u.path.as_str(), "")).collect(),
        })
        .collect()
}

pub(crate) fn render(cluster: &Cluster) -> Result<Rendered> {
    let mut per_file: Vec<Vec<&Declared>> = vec![Vec::new(); cluster.files.len()];
    for o in &cluster.objects {
        per_file[o.file].push(o);
    }
    let mut problems = Vec::new();
    let mut scratch = crate::go_yaml::Scratch::for_kustomize();
    let mut trees: Vec<RenderedTree> = cluster
        .trees
        .iter()
        .map(|t| RenderedTree {
            root: t.path.clone(),
            files: BTreeMap::new(),
            upstream: Vec::new(),
            automated: BTreeMap::new(),
        })
        .collect();
    let mut marks = automation::ClusterMarks::of(cluster);
    for (index, (decl, objects)) in cluster.files.iter().zip(per_file).enumerate() {
        let tree = &mut trees[decl.tree];
        if let Some(values) = marks.values.remove(&index) {
            tree.automated.insert(decl.path.clone(), values);
        }
        match &decl.content {
            FileContent::Manifests { header } => {
                // Most objects take a few hundred bytes: start there rather than grow
                // a large file by doubling.
                let mut text = String::with_capacity(300 * objects.len());
                if let Some(header) = header {
                    text.push_str(header);
                    text.push('\n');
                }
                for o in objects {
                    text.push_str("---\n");
                    let written = match marks.objects.get(&std::sync::Arc::as_ptr(&o.target)) {
                        None => o.object.write_yaml(&mut scratch, &mut text),
                        Some(marks) => match o.object.to_json() {
                            Ok(value) => scratch.write_document(
                                &mut text,
                                &automation::Commented {
                                    value: &value,
                                    marks,
                                    pointer: String::new(),
                                },
                            ),
                            Err(e) => Err(crate::go_yaml::EmitError::from_message(e.to_string())),
                        },
                    };
                    if let Err(e) = written {
                        problems.push(Problem {
                            remedy: None,
                            object: Some(o.key().clone()),
                            field: None,
                            message: format!("it cannot be written as YAML: {e}"),
                            sites: vec![("declared", o.at())],
                        });
                    }
                }
                tree.files.insert(decl.path.clone(), text);
            }
            FileContent::KustomizeConfig(config) => {
                let (dir, generated) = cluster.generated_by(decl);
                let wire = config.wire(dir, &generated);
                let text = match marks.files.get(&index) {
                    None => crate::go_yaml::document(&wire),
                    Some(marks) => {
                        let value = serde_json::to_value(&wire)
                            .expect("a kustomization.yaml has a JSON form");
                        crate::go_yaml::document(&automation::Commented {
                            value: &value,
                            marks,
                            pointer: String::new(),
                        })
                    }
                }
                .expect("a kustomization.yaml has a YAML form");
                tree.files.insert(decl.path.clone(), text);
                if !generated.is_empty() {
                    use crate::kustomize::config::{NAME_REFERENCES, name_references};
                    let text = crate::go_yaml::document(&name_references(&generated))
                        .expect("JSON has a YAML form");
                    tree.files
                        .insert(crate::model::cluster::join(dir, NAME_REFERENCES), text);
                }
            }
            FileContent::Verbatim(text) | FileContent::Data(text) => {
                tree.files.insert(decl.path.clone(), text.clone());
            }
            FileContent::Upstream { produce, pin } => tree.upstream.push(UpstreamFile {
                path: decl.path.clone(),
                produce: produce.clone(),
                pin: pin.clone(),
            }),
        }
    }
    if problems.is_empty() {
        Ok(Rendered { trees })
    } else {
        Err(Error::Refused(problems))
    }
}
