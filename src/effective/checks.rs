//! The checks that need the effective state: every Flux Kustomization built from a tree
//! this repository renders must build, as kustomize-controller builds it — a patch that
//! names no object, a generator key given twice, a namespace that makes two objects one,
//! a Component listed as a resource, a file a kustomization lists that nothing renders
//! all fail the whole Kustomization in the cluster, so they are refused here.

use std::collections::HashMap;

use super::{BuildError, Files, flux_build};
use crate::error::Problem;
use crate::model::applied::{PartView, Parts};

/// A rendered tree as its repository holds it: its files by path in the tree, and the
/// paths of its upstream files (their text is not in memory: empty stand-ins).
pub(crate) struct TreeFiles<'t> {
    /// The tree's path where it is written (its local path).
    pub root: &'t str,
    /// (path in the tree, text) of each rendered file.
    pub files: Vec<(&'t str, &'t str)>,
    /// Paths in the tree of its upstream files.
    pub upstream: Vec<&'t str>,
}

/// The refusals of Kustomizations of `parts` whose build fails on `trees`.
pub(crate) fn build_problems(parts: &[PartView], trees: &[TreeFiles]) -> Vec<Problem> {
    let parts_view = Parts(parts);
    let source_trees = parts_view.source_trees();
    // The source files of each tree, made once per (tree, path in its repository).
    let mut sources: HashMap<(String, String), Files> = HashMap::new();
    // Kustomizations whose build inputs are the same share one build.
    let mut built: HashMap<String, Result<(), BuildError>> = HashMap::new();
    let mut problems = Vec::new();
    for (p, part) in parts.iter().enumerate() {
        for (i, o) in part.cluster.objects.iter().enumerate() {
            let key = o.key();
            if key.kind != "Kustomization" || key.group() != "kustomize.toolkit.fluxcd.io" {
                continue;
            }
            let Some((tree, repo_path, path)) = parts_view.built_from_trees((p, i), &source_trees)
            else {
                continue;
            };
            let Some(rendered) = trees.iter().find(|t| t.root == tree) else {
                continue;
            };
            let Ok(mut object) = o.object.to_json() else {
                continue;
            };
            let path = super::files::normalize(&path).unwrap_or(path);
            object["spec"]["path"] = serde_json::Value::String(format!("./{path}"));
            if let Some(spec) = object["spec"].as_object_mut() {
                // Substitution comes after the build and does not make it fail here.
                spec.remove("postBuild");
                for field in [
                    "interval",
                    "dependsOn",
                    "sourceRef",
                    "prune",
                    "wait",
                    "timeout",
                ] {
                    spec.remove(field);
                }
            }
            let input = format!("{tree}\n{repo_path}\n{}", object["spec"]);
            let result = built.entry(input).or_insert_with(|| {
                let files = sources
                    .entry((tree.clone(), repo_path.clone()))
                    .or_insert_with(|| source_files(rendered, &repo_path));
                flux_build(files, &object, None).map(|_| ())
            });
            if let Err(e) = result {
                problems.push(Problem {
                    object: Some(key.clone()),
                    field: Some("spec.path"),
                    message: format!(
                        "kustomize-controller cannot build {:?}: {e}",
                        format!("./{path}")
                    ),
                    sites: vec![("declared", o.target.at)],
                });
            }
        }
    }
    problems
}

/// `tree`'s files at their repository paths (the tree is `repo_path` of its repository).
fn source_files(tree: &TreeFiles, repo_path: &str) -> Files {
    let mut files = Files::default();
    let at = |p: &str| crate::model::cluster::join(repo_path, p);
    for (path, text) in &tree.files {
        files.insert(&at(path), *text);
    }
    for path in &tree.upstream {
        files.insert(&at(path), "");
    }
    files
}
