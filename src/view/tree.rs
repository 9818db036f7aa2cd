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

/// What the tree draws of a Kustomization or HelmRelease.
struct User {
    key: ObjectKey,
    /// The label of the source it is built from.
    source: String,
    /// The labels of what it depends on.
    depends_on: Vec<String>,
    /// Its postBuild variables, as the line shows them.
    post_build: Vec<String>,
    leaves: Leaves,
}

/// The objects a Kustomization applies.
enum Leaves {
    /// As declared (indices into the view's objects).
    Declared(Vec<usize>),
    /// As its build applies them: each key and whether it is SOPS-encrypted.
    Built(Vec<(ObjectKey, bool)>),
}

/// The tree of `view`; `state`, when given, is written after each object.
pub(crate) fn tree(view: &ClusterView, state: Option<State>) -> String {
    let mut users: Vec<User> = Vec::new();
    for (i, o) in view.objects.iter().enumerate() {
        let mut source = None;
        let mut depends_on = Vec::new();
        for r in o.object.references() {
            if SOURCE_FIELDS.contains(&r.field) {
                source = Some(label(&r.target.key));
            } else if r.field == "spec.dependsOn" {
                depends_on.push(label(&r.target.key));
            }
        }
        let Some(source) = source else { continue };
        let mut post_build = Vec::new();
        for check in o.object.checks() {
            if let crate::object::Check::Substitutes {
                substitute, from, ..
            } = check
            {
                post_build.extend(substitute.iter().map(|(k, v)| format!("{k}={v}")));
                post_build.extend(from.iter().map(|t| format!("from {}", label(&t.key))));
            }
        }
        let leaves = match view.effective.applied.get(o.key()) {
            Some(built) => Leaves::Built(built.clone()),
            None => Leaves::Declared(view.applied.get(&i).cloned().unwrap_or_default()),
        };
        users.push(User {
            key: o.key().clone(),
            source,
            depends_on,
            post_build,
            leaves,
        });
    }
    // Kustomizations and HelmReleases only a build applies (a verbatim manifest, one
    // renamed or moved by its folder): read from the built object.
    for (key, o) in &view.effective.users {
        if users.iter().any(|u| label(&u.key) == label(key)) {
            continue;
        }
        if let Some(user) = built_user(view, key, o) {
            users.push(user);
        }
    }
    let index_of: HashMap<String, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (label(&u.key), i))
        .collect();
    let mut sources: Vec<&str> = Vec::new();
    for u in &users {
        if !sources.contains(&u.source.as_str()) {
            sources.push(&u.source);
        }
    }
    // A user hangs under the first thing it depends on that is built from the same source.
    let mut dependents: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, u) in users.iter().enumerate() {
        let parent = u.depends_on.iter().find_map(|d| {
            let j = *index_of.get(d)?;
            (users[j].source == u.source).then_some(j)
        });
        dependents.entry(parent).or_default().push(i);
    }
    let source_keys: HashMap<String, ObjectKey> = view
        .objects
        .iter()
        .flat_map(|o| o.object.references())
        .filter(|r| SOURCE_FIELDS.contains(&r.field))
        .map(|r| (label(&r.target.key), r.target.key.clone()))
        .collect();
    let mut printer = Printer {
        view,
        users: &users,
        state,
        dependents: &dependents,
        out: String::new(),
        drawn: BTreeSet::new(),
    };
    for source in &sources {
        let state = source_keys
            .get(*source)
            .map(|k| printer.state_of(k))
            .unwrap_or_default();
        printer.line("", source, state);
        let roots: Vec<usize> = dependents
            .get(&None)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| users[i].source == *source)
            .collect();
        printer.children(&roots, &Leaves::Declared(Vec::new()), "");
    }
    printer.out
}

/// A Kustomization or HelmRelease as its build applies it.
fn built_user(view: &ClusterView, key: &ObjectKey, o: &serde_json::Value) -> Option<User> {
    let refs = crate::effective::refs::references(key, o);
    let labelled = |r: &crate::effective::refs::BuiltRef| label(&r.target());
    let source = refs
        .iter()
        .find(|r| SOURCE_FIELDS.contains(&r.field))
        .map(labelled)?;
    let depends_on = refs
        .iter()
        .filter(|r| r.field == "spec.dependsOn")
        .map(labelled)
        .collect();
    let mut post_build: Vec<String> = o["spec"]["postBuild"]["substitute"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    post_build.extend(
        refs.iter()
            .filter(|r| r.field == "spec.postBuild.substituteFrom")
            .map(|r| format!("from {}", labelled(r))),
    );
    let leaves = match view.effective.applied.get(key) {
        Some(built) => Leaves::Built(built.clone()),
        None => Leaves::Declared(Vec::new()),
    };
    Some(User {
        key: key.clone(),
        source,
        depends_on,
        post_build,
        leaves,
    })
}

struct Printer<'v, 'r> {
    view: &'v ClusterView<'r>,
    users: &'v [User],
    state: Option<State<'v>>,
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
    fn children(&mut self, nodes: &[usize], leaves: &Leaves, prefix: &str) {
        let lines: Vec<(String, String)> = match leaves {
            Leaves::Declared(leaves) => leaves
                .iter()
                .map(|&leaf| {
                    let object = self.view.objects[leaf];
                    let mut text = label(object.key());
                    if object.encrypted {
                        text.push_str(" (SOPS-encrypted)");
                    }
                    (text, self.state_of(object.key()))
                })
                .collect(),
            Leaves::Built(leaves) => leaves
                .iter()
                .map(|(key, encrypted)| {
                    let mut text = label(key);
                    if *encrypted {
                        text.push_str(" (SOPS-encrypted)");
                    }
                    (text, self.state_of(key))
                })
                .collect(),
        };
        let count = lines.len() + nodes.len();
        for (n, (text, state)) in lines.into_iter().enumerate() {
            let branch = if n + 1 == count {
                "└── "
            } else {
                "├── "
            };
            self.line(&format!("{prefix}{branch}"), &text, state);
        }
        let leaves = count - nodes.len();
        for (n, &node) in nodes.iter().enumerate() {
            let last = leaves + n + 1 == count;
            self.user(node, prefix, last);
        }
    }

    fn user(&mut self, i: usize, prefix: &str, last: bool) {
        let user = &self.users[i];
        let mut text = label(&user.key);
        if !user.depends_on.is_empty() {
            text.push_str(&format!(" (after {})", user.depends_on.join(", ")));
        }
        // The variables its postBuild substitution sets (values as Git holds them), and
        // where the others come from.
        if !user.post_build.is_empty() {
            text.push_str(&format!(" (postBuild: {})", user.post_build.join(", ")));
        }
        let state = self.state_of(&user.key);
        let branch = if last { "└── " } else { "├── " };
        self.line(&format!("{prefix}{branch}"), &text, state);
        if !self.drawn.insert(i) {
            return;
        }
        let inner = format!("{prefix}{}", if last { "    " } else { "│   " });
        let nodes = self.dependents.get(&Some(i)).cloned().unwrap_or_default();
        let users = self.users;
        self.children(&nodes, &users[i].leaves, &inner);
    }
}
