//! `graph`: the references between a cluster's objects — `sourceRef`, `dependsOn`,
//! `chartRef`, `valuesFrom`, `healthChecks`, `secretRef`, … — as Mermaid or Graphviz DOT.
//! Nodes are every Flux object of the view and every object a reference names; the output
//! is sorted, so a committed graph changes only where the definition does.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::{ClusterView, is_flux, label};
use crate::object::ObjectKey;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A Mermaid `flowchart` (GitHub renders it in Markdown).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// Who a node is: (group, kind, namespace, name).
type Id = (String, String, Option<String>, String);

fn id(key: &ObjectKey) -> Id {
    (
        key.group().to_owned(),
        key.kind.to_owned(),
        key.namespace.as_ref().map(|n| n.to_string()),
        key.name.clone(),
    )
}

/// The fields of a Kustomization or HelmRelease whose references the graph reads from the
/// built object when the view has it (what Flux reads, `extra_spec` and patches included):
/// those [`crate::effective::refs::references`] reads.
const BUILT_FIELDS: [&str; 8] = [
    "spec.sourceRef",
    "spec.chart.spec.sourceRef",
    "spec.chartRef",
    "spec.dependsOn",
    "spec.healthChecks",
    "spec.postBuild.substituteFrom",
    "spec.valuesFrom",
    "spec.serviceAccountName",
];

/// The graph of `view` in `format`.
pub(crate) fn graph(view: &ClusterView, format: Format) -> String {
    let mut labels: BTreeMap<Id, String> = BTreeMap::new();
    let mut edges: BTreeSet<(Id, Id, &'static str)> = BTreeSet::new();
    let built: BTreeMap<Id, &serde_json::Value> = view
        .effective
        .users
        .iter()
        .map(|(key, o)| (id(key), o))
        .collect();
    for o in &view.objects {
        let key = o.key();
        if is_flux(key) {
            labels.insert(id(key), label(key));
        }
        let from_build = built.contains_key(&id(key));
        for r in o.object.references() {
            if from_build && BUILT_FIELDS.contains(&r.field) {
                continue;
            }
            labels.insert(id(key), label(key));
            labels.insert(id(&r.target.key), label(&r.target.key));
            edges.insert((id(key), id(&r.target.key), r.field));
        }
    }
    // Kustomizations and HelmReleases as their builds apply them, and those only a build
    // applies.
    for (key, o) in &view.effective.users {
        labels.insert(id(key), label(key));
        for r in crate::effective::refs::references(key, o) {
            let target = (
                r.group.to_owned(),
                r.kind.to_owned(),
                Some(r.namespace.clone()),
                r.name.clone(),
            );
            labels.insert(target.clone(), id_label(&target));
            edges.insert((id(key), target, r.field));
        }
    }
    // A SOPS-encrypted Secret is shown as Git holds it.
    for o in view.objects.iter().filter(|o| o.encrypted) {
        if let Some(l) = labels.get_mut(&id(o.key())) {
            l.push_str(" (SOPS-encrypted)");
        }
    }
    // Nodes numbered in label order: the same definition always gives the same text.
    let mut nodes: Vec<(&String, &Id)> = labels.iter().map(|(i, l)| (l, i)).collect();
    nodes.sort();
    let number: BTreeMap<&Id, usize> = nodes
        .iter()
        .enumerate()
        .map(|(n, (_, i))| (*i, n))
        .collect();
    let mut edges: Vec<(usize, usize, &str)> = edges
        .iter()
        .map(|(from, to, field)| (number[from], number[to], *field))
        .collect();
    edges.sort();
    let mut out = String::new();
    match format {
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            for (n, (l, _)) in nodes.iter().enumerate() {
                let _ = writeln!(out, "  n{n}[\"{}\"]", l.replace('"', "#quot;"));
            }
            for (from, to, field) in edges {
                let _ = writeln!(out, "  n{from} -->|{field}| n{to}");
            }
        }
        Format::Dot => {
            out.push_str("digraph fluxdsl {\n  rankdir=LR;\n  node [shape=box];\n");
            for (n, (l, _)) in nodes.iter().enumerate() {
                let _ = writeln!(out, "  n{n} [label=\"{}\"];", dot_escape(l));
            }
            for (from, to, field) in edges {
                let _ = writeln!(out, "  n{from} -> n{to} [label=\"{}\"];", dot_escape(field));
            }
            out.push_str("}\n");
        }
    }
    out
}

/// The label of a node known only by its id.
fn id_label(id: &Id) -> String {
    match &id.2 {
        Some(ns) => format!("{}/{ns}/{}", id.1, id.3),
        None => format!("{}/{}", id.1, id.3),
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
