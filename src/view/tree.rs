//! `tree`: a cluster as Flux will reconcile it, offline. Each source, then the
//! Kustomizations and HelmReleases built from it — a dependent nested under what it
//! depends on (`dependsOn`) — and under each Kustomization the objects it applies from the
//! repository (through its path's kustomization.yaml, or the one Flux generates).

use std::collections::{BTreeSet, HashMap};

use super::{ClusterView, label};
use crate::object::ObjectKey;

/// The fields that name what a Kustomization or HelmRelease is built from.
const SOURCE_FIELDS: [&str; 3] = [
    "spec.sourceRef",
    "spec.chart.spec.sourceRef",
    "spec.chartRef",
];

/// A line's state, for `tree --live`: what the cluster says about the object.
pub(crate) type State<'a> = &'a dyn Fn(&ObjectKey) -> Option<String>;

/// The tree of `view`; `state`, when given, is written after each object.
pub(crate) fn tree(view: &ClusterView, state: Option<State>) -> String {
    let objects = &view.objects;
    let index_of: HashMap<&ObjectKey, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.key(), i))
        .collect();
    // Who is built from which source, and what each depends on.
    let mut sources: Vec<ObjectKey> = Vec::new();
    let mut source_of: HashMap<usize, ObjectKey> = HashMap::new();
    let mut depends_on: HashMap<usize, Vec<ObjectKey>> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        for r in o.object.references() {
            let key = r.target.key.clone();
            if SOURCE_FIELDS.contains(&r.field) {
                if !sources.contains(&key) {
                    sources.push(key.clone());
                }
                source_of.insert(i, key);
            } else if r.field == "spec.dependsOn" {
                depends_on.entry(i).or_default().push(key);
            }
        }
    }
    // A user hangs under the first thing it depends on that is built from the same source.
    let mut dependents: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    let mut users: Vec<usize> = source_of.keys().copied().collect();
    users.sort_unstable();
    for &i in &users {
        let parent = depends_on.get(&i).into_iter().flatten().find_map(|d| {
            let j = *index_of.get(d)?;
            (source_of.get(&j) == source_of.get(&i)).then_some(j)
        });
        dependents.entry(parent).or_default().push(i);
    }
    let mut printer = Printer {
        view,
        state,
        depends_on: &depends_on,
        dependents: &dependents,
        out: String::new(),
        drawn: BTreeSet::new(),
    };
    for source in &sources {
        printer.line("", &label(source), printer.state_of(source));
        let roots: Vec<usize> = dependents
            .get(&None)
            .into_iter()
            .flatten()
            .copied()
            .filter(|i| source_of.get(i) == Some(source))
            .collect();
        printer.children(&roots, &[], "");
    }
    printer.out
}

struct Printer<'v, 'r> {
    view: &'v ClusterView<'r>,
    state: Option<State<'v>>,
    depends_on: &'v HashMap<usize, Vec<ObjectKey>>,
    dependents: &'v HashMap<Option<usize>, Vec<usize>>,
    out: String,
    /// Users drawn with their subtree, so a cycle cannot recurse forever.
    drawn: BTreeSet<usize>,
}

impl Printer<'_, '_> {
    fn state_of(&self, key: &ObjectKey) -> String {
        match self.state.and_then(|s| s(key)) {
            Some(state) => format!("  [{state}]"),
            None => String::new(),
        }
    }

    fn line(&mut self, prefix: &str, text: &str, suffix: String) {
        self.out.push_str(prefix);
        self.out.push_str(text);
        self.out.push_str(&suffix);
        self.out.push('\n');
    }

    /// Users `nodes` (with their subtrees) after `leaves` (applied objects), under `prefix`.
    fn children(&mut self, nodes: &[usize], leaves: &[usize], prefix: &str) {
        let count = leaves.len() + nodes.len();
        for (n, &leaf) in leaves.iter().enumerate() {
            let branch = if n + 1 == count {
                "└── "
            } else {
                "├── "
            };
            let object = self.view.objects[leaf];
            let key = object.key();
            let state = self.state_of(key);
            let mut text = label(key);
            if object.encrypted {
                text.push_str(" (SOPS-encrypted)");
            }
            self.line(&format!("{prefix}{branch}"), &text, state);
        }
        for (n, &node) in nodes.iter().enumerate() {
            let last = leaves.len() + n + 1 == count;
            self.user(node, prefix, last);
        }
    }

    fn user(&mut self, i: usize, prefix: &str, last: bool) {
        let key = self.view.objects[i].key();
        let mut text = label(key);
        if let Some(deps) = self.depends_on.get(&i) {
            let deps: Vec<String> = deps.iter().map(label).collect();
            text.push_str(&format!(" (after {})", deps.join(", ")));
        }
        // The variables its postBuild substitution sets (values as Git holds them), and
        // where the others come from.
        for check in self.view.objects[i].object.checks() {
            if let crate::object::Check::Substitutes {
                substitute, from, ..
            } = check
            {
                let mut sets: Vec<String> =
                    substitute.iter().map(|(k, v)| format!("{k}={v}")).collect();
                sets.extend(from.iter().map(|t| format!("from {}", label(&t.key))));
                if !sets.is_empty() {
                    text.push_str(&format!(" (postBuild: {})", sets.join(", ")));
                }
            }
        }
        let state = self.state_of(key);
        let branch = if last { "└── " } else { "├── " };
        self.line(&format!("{prefix}{branch}"), &text, state);
        if !self.drawn.insert(i) {
            return;
        }
        let inner = format!("{prefix}{}", if last { "    " } else { "│   " });
        let leaves = self.view.applied.get(&i).cloned().unwrap_or_default();
        let nodes = self.dependents.get(&Some(i)).cloned().unwrap_or_default();
        self.children(&nodes, &leaves, &inner);
    }
}
