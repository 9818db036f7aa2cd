//! The checks that need the effective state, run on the objects each cluster's
//! Kustomizations really apply — typed, `extra_spec`, verbatim and generated alike:
//!
//! - every Kustomization must build, as kustomize-controller builds it (a patch that names
//!   no object, a generator key given twice, a namespace that makes two objects one, a
//!   Component listed as a resource, a file a kustomization lists that nothing renders);
//! - every built object passes the API server's rules after prefixes, labels and
//!   substitution, and no two Kustomizations of a cluster apply one object;
//! - a cluster's pinned Flux API (versions served, schemas) and lockdown (no cross-namespace
//!   references, the default ServiceAccount) hold over everything it applies, the shared
//!   folders' objects too;
//! - references read from the built specs resolve: `dependsOn` and `sourceRef` name objects
//!   the cluster has, with no cycle; a health check names an object where it lands;
//!   `valuesFrom` reads a key its ConfigMap or Secret holds; a reference does not name a
//!   generated object by the name kustomize hashes away;
//! - no Kustomization needs what only a Kustomization waiting for it applies (a bootstrap
//!   deadlock): the ConfigMaps and Secrets it substitutes from, its decryption key, the
//!   namespaces of what it applies;
//! - no file of a kustomize folder is left out of its kustomization (Flux never applies
//!   it).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::panic::Location;
use std::rc::Rc;

use serde_json::Value;

pub(crate) use super::state::TreeFiles;
use super::state::{Applied, ClusterState, DEFAULT_NAMESPACE, States, applied_key, key_of, states};
use crate::error::Problem;
use crate::model::applied::PartView;
use crate::object::{ObjectKey, intern};

/// The refusals of what the clusters of `parts` would really apply from `trees`.
pub(crate) fn build_problems(parts: &[PartView], trees: &[TreeFiles]) -> Vec<Problem> {
    let states = states(parts, trees);
    let mut problems = Problems::default();
    for c in &states.clusters {
        for a in &c.applied {
            if let Some(Err(e)) = &a.built {
                problems.push(Problem {
                    remedy: None,
                    object: Some(a.key.clone()),
                    field: Some("spec.path"),
                    message: format!("kustomize-controller cannot build {:?}: {e}", a.path),
                    sites: vec![(a.role, a.at)],
                });
            }
        }
    }
    if !problems.list.is_empty() {
        // What the other checks read is not there.
        return problems.list;
    }
    let mut checked: HashSet<usize> = HashSet::new();
    let mut checked_api: HashSet<(usize, String)> = HashSet::new();
    let holders = std::cell::OnceCell::new();
    for c in &states.clusters {
        if c.applied.is_empty() {
            // Nothing of it is built here (its Kustomizations read other repositories).
            continue;
        }
        let cluster = Cluster::of(parts, c, &holders);
        cluster.object_rules(&states, &mut checked, &mut problems);
        cluster.pinned_api(&states, &mut checked_api, &mut problems);
        cluster.lockdown(&states, &mut problems);
        cluster.duplicates(&mut problems);
        cluster.dependencies(&states, &mut problems);
        cluster.health_checks(&mut problems);
        cluster.local_references(&states, &mut problems);
        cluster.deadlocks(&mut problems);
        cluster.undefined_variables(&states, &mut problems);
        cluster.decryption(&states, &mut problems);
    }
    unlisted_files(parts, trees, &states, &mut problems);
    problems.list
}

/// Problems, each once (a shared folder's object is seen by every cluster).
#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    seen: HashSet<String>,
}

impl Problems {
    fn push(&mut self, p: Problem) {
        if self.seen.insert(p.to_string()) {
            self.list.push(p);
        }
    }
}

/// One cluster's effective state with what the checks look up in it.
struct Cluster<'s> {
    parts: &'s [PartView<'s>],
    state: &'s ClusterState,
    label: String,
    /// Every applied object by key: (Kustomization index, the object).
    objects: BTreeMap<ObjectKey, Vec<(usize, &'s Value)>>,
    /// The applied objects' keys by (kind, namespace — `""` for a cluster-scoped one —,
    /// name), whatever their API version.
    by_name: HashMap<(&'static str, String, String), ObjectKey>,
    /// For each Kustomization, those of the cluster it depends on.
    depends_on: Vec<Vec<usize>>,
    /// What something outside the builds makes, by (kind, namespace, name): made at the
    /// first question ([`Cluster::imports`]).
    imported: std::cell::OnceCell<HashSet<(&'static str, String, String)>>,
    /// Which parts have each object, for all clusters: made at the first reference that
    /// resolves nowhere in this one ([`Cluster::elsewhere`]).
    holders: &'s std::cell::OnceCell<Holders>,
}

/// The parts that have each object by (kind, namespace, name), in the repository's
/// order: those whose Kustomizations apply it (or that declare it as a Kustomization
/// not built here), then those that declare it.
#[derive(Default)]
struct Holders {
    applied: HashMap<(&'static str, String, String), Vec<usize>>,
    declared: HashMap<(&'static str, String, String), Vec<usize>>,
}

impl Holders {
    fn of(parts: &[PartView], states: &States) -> Holders {
        let mut holders = Holders::default();
        let add = |map: &mut HashMap<_, Vec<usize>>, key: &ObjectKey, part: usize| {
            let (ns, name) = same(key);
            let parts: &mut Vec<usize> = map.entry((key.kind, ns, name)).or_default();
            if parts.last() != Some(&part) {
                parts.push(part);
            }
        };
        for c in &states.clusters {
            for a in &c.applied {
                add(&mut holders.applied, &a.key, c.part);
                for o in built(a) {
                    add(&mut holders.applied, &applied_key(o), c.part);
                }
            }
            for &i in &c.unbuilt {
                add(
                    &mut holders.applied,
                    parts[c.part].cluster.objects[i].key(),
                    c.part,
                );
            }
        }
        for (p, part) in parts.iter().enumerate() {
            for o in part.cluster.objects.iter().filter(|o| !o.patch_only) {
                add(&mut holders.declared, o.key(), p);
            }
        }
        holders
    }
}

impl<'s> Cluster<'s> {
    fn of(
        parts: &'s [PartView<'s>],
        state: &'s ClusterState,
        holders: &'s std::cell::OnceCell<Holders>,
    ) -> Self {
        let mut objects: BTreeMap<ObjectKey, Vec<(usize, &Value)>> = BTreeMap::new();
        for (k, a) in state.applied.iter().enumerate() {
            for o in built(a) {
                objects.entry(applied_key(o)).or_default().push((k, o));
            }
        }
        // The Kustomizations the cluster declares that no build of it applies (their
        // folder has no Kustomization here, as when `flux bootstrap` keeps its own): what
        // Flux runs is the declaration, so it is checked as one of the cluster's objects.
        for (k, a) in state.applied.iter().enumerate() {
            if a.applied_by.is_none() && !objects.contains_key(&a.key) {
                objects.insert(a.key.clone(), vec![(k, &a.object)]);
            }
        }
        let kustomizations: HashMap<(String, String), usize> = state
            .applied
            .iter()
            .enumerate()
            .map(|(k, a)| (same(&a.key), k))
            .collect();
        let by_name = objects
            .keys()
            .map(|k| {
                // A cluster-scoped object (a Namespace) under "".
                let ns = k.namespace.as_deref().unwrap_or_default().to_owned();
                ((k.kind, ns, k.name.clone()), k.clone())
            })
            .collect();
        let depends_on = state
            .applied
            .iter()
            .map(|a| {
                super::refs::references(&a.key, &a.object)
                    .iter()
                    .filter(|r| r.field == "spec.dependsOn")
                    .filter_map(|r| {
                        kustomizations
                            .get(&(r.namespace.clone(), r.name.clone()))
                            .copied()
                    })
                    .collect()
            })
            .collect();
        Cluster {
            parts,
            state,
            label: label(parts, state.part),
            objects,
            by_name,
            depends_on,
            imported: std::cell::OnceCell::new(),
            holders,
        }
    }

    /// The applied object of `kind` named `name` in `namespace`, with who applies it.
    fn find(
        &self,
        kind: &'static str,
        namespace: &str,
        name: &str,
    ) -> Option<(&ObjectKey, &[(usize, &'s Value)])> {
        let key = self
            .by_name
            .get(&(kind, namespace.to_owned(), name.to_owned()))?;
        self.objects
            .get_key_value(key)
            .map(|(k, v)| (k, v.as_slice()))
    }

    /// The sites of an object Kustomization `k` applies: its declaration, if the program
    /// declares it, and the Kustomization's.
    fn sites(
        &self,
        states: &States,
        key: &ObjectKey,
        k: usize,
    ) -> Vec<(&'static str, &'static Location<'static>)> {
        let a = &self.state.applied[k];
        if &a.key == key && a.applied_by.is_none() {
            return vec![(a.role, a.at)];
        }
        let mut sites = Vec::new();
        if let Some((p, i)) = states.declared_in(self.parts, self.state.part, key) {
            sites.push(("declared", self.parts[p].cluster.objects[i].target.at));
        }
        let role = match a.role {
            "declared" => intern(&format!("applied by {}, declared", a.key)),
            role => intern(&format!("applied by {}, {role}", a.key)),
        };
        sites.push((role, a.at));
        sites
    }

    /// Whether the cluster (or the shared folders) says it means the floating image of
    /// the object it declares as `key` (`Cluster::allow_floating_image`): by kind and
    /// name, and by namespace unless the declaration leaves it to the build.
    fn allows_floating_image(&self, key: &ObjectKey) -> bool {
        self.parts
            .iter()
            .enumerate()
            .filter(|(p, part)| *p == self.state.part || part.name.is_none())
            .flat_map(|(_, part)| part.cluster.floating_images.iter())
            .map(|(t, _)| &t.key)
            .any(|d| {
                d.kind == key.kind
                    && d.name == key.name
                    && (d.namespace.is_none() || d.namespace == key.namespace)
            })
    }

    /// The API server's rules on every object as it is applied (each shared build once).
    fn object_rules(&self, states: &States, checked: &mut HashSet<usize>, out: &mut Problems) {
        for (k, a) in self.state.applied.iter().enumerate() {
            let (Some(Ok(objects)), Some(b)) = (&a.built, a.build) else {
                continue;
            };
            let shared = matches!(&states.builds[b], Ok(first) if Rc::ptr_eq(first, objects));
            if shared && !checked.insert(b) {
                continue;
            }
            for o in objects.iter() {
                let key = applied_key(o);
                for (field, what) in crate::kube_rules::api_rules(o) {
                    if what.contains(crate::kube_rules::FLOATING_IMAGE)
                        && self.allows_floating_image(&key)
                    {
                        continue;
                    }
                    out.push(Problem {
                        remedy: None,
                        object: Some(key.clone()),
                        field: Some(intern(&field)),
                        message: format!("{what} ({})", applies(a)),
                        sites: self.sites(states, &key, k),
                    });
                }
            }
        }
    }

    /// With the cluster's Flux API pinned: every Flux object it applies — the shared
    /// folders' too — is written at a version its install serves and passes that version's
    /// schema (each shared build once per install).
    fn pinned_api(
        &self,
        states: &States,
        checked: &mut HashSet<(usize, String)>,
        out: &mut Problems,
    ) {
        let Some((api, pinned_at)) = &self.parts[self.state.part].cluster.flux_api else {
            return;
        };
        for (k, a) in self.state.applied.iter().enumerate() {
            let (Some(Ok(objects)), Some(b)) = (&a.built, a.build) else {
                continue;
            };
            let shared = matches!(&states.builds[b], Ok(first) if Rc::ptr_eq(first, objects));
            if shared && !checked.insert((b, api.label().to_owned())) {
                continue;
            }
            for o in objects.iter() {
                let key = applied_key(o);
                let mut found: Vec<(String, String)> = Vec::new();
                match api.serving_problem(o) {
                    Some(problem) => found.push(("apiVersion".into(), problem)),
                    None => found.extend(api.object_problems(o)),
                }
                for (field, what) in found {
                    let mut sites = self.sites(states, &key, k);
                    sites.push((crate::model::flux_api::PIN_SITE, *pinned_at));
                    out.push(Problem {
                        remedy: None,
                        object: Some(key.clone()),
                        field: Some(intern(if field.is_empty() { "spec" } else { &field })),
                        message: format!("{what} ({}, in {})", applies(a), self.label),
                        sites,
                    });
                }
            }
        }
    }

    /// The cluster's multi-tenancy lockdown over every object it applies: no reference to
    /// another namespace where it forbids them, and, with a default ServiceAccount, each
    /// Kustomization and HelmRelease outside `flux-system` that names none finds that
    /// ServiceAccount in its namespace.
    fn lockdown(&self, states: &States, out: &mut Problems) {
        let cluster = self.parts[self.state.part].cluster;
        for (key, by) in &self.objects {
            let (k, o) = by[0];
            let own = key.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
            if !cluster.cross_namespace_refs {
                for (field, to) in cross_namespace_refs(o) {
                    if to == own {
                        continue;
                    }
                    out.push(Problem {
                        remedy: None,
                        object: Some(key.clone()),
                        field: Some(intern(&field)),
                        message: format!(
                            "refers to namespace {to:?}, and {} forbids cross-namespace \
                             references ({})",
                            self.label,
                            applies(&self.state.applied[k])
                        ),
                        sites: self.sites(states, key, k),
                    });
                }
            }
            let Some(account) = &cluster.default_service_account else {
                continue;
            };
            let reconciled = matches!(
                (key.group(), key.kind),
                ("kustomize.toolkit.fluxcd.io", "Kustomization")
                    | ("helm.toolkit.fluxcd.io", "HelmRelease")
            );
            if !reconciled
                || own == "flux-system"
                || account.as_str() == "default"
                || !self.state.complete
                || o["spec"]["serviceAccountName"].is_string()
                || self.find("ServiceAccount", own, account.as_str()).is_some()
            {
                continue;
            }
            let imported = self.parts.iter().any(|p| {
                p.cluster
                    .objects
                    .iter()
                    .flat_map(|o| o.references())
                    .any(|r| {
                        r.target.origin == crate::object::Origin::Existing
                            && r.target.key.kind == "ServiceAccount"
                            && r.target.key.namespace.as_deref() == Some(own)
                            && r.target.key.name == account.as_str()
                    })
            });
            if imported {
                continue;
            }
            out.push(Problem {
                remedy: None,
                object: Some(key.clone()),
                field: Some("spec.serviceAccountName"),
                message: format!(
                    "is not set, so Flux reconciles it as the default ServiceAccount {:?} of \
                     namespace {own:?}, which no Kustomization of {} applies ({})",
                    account.as_str(),
                    self.label,
                    applies(&self.state.applied[k])
                ),
                sites: self.sites(states, key, k),
            });
        }
    }

    /// No object applied by two Kustomizations of the cluster.
    fn duplicates(&self, out: &mut Problems) {
        for (key, by) in &self.objects {
            let mut appliers: Vec<usize> = by.iter().map(|(k, _)| *k).collect();
            appliers.dedup();
            if let [first, second, ..] = appliers[..] {
                let (a, b) = (&self.state.applied[first], &self.state.applied[second]);
                out.push(Problem {
                    remedy: None,
                    object: Some(key.clone()),
                    field: None,
                    message: format!(
                        "is applied by two Kustomizations of {}: {} and {}; Flux would have \
                         them fight over it",
                        self.label, a.key, b.key
                    ),
                    sites: vec![
                        ("first Kustomization", a.at),
                        ("second Kustomization", b.at),
                    ],
                });
            }
        }
    }

    /// Which other part of the repository has `key` (by kind, namespace and name) when this
    /// cluster does not: another cluster's Kustomizations apply it, or another part
    /// declares it.
    fn elsewhere(&self, states: &States, key: &ObjectKey) -> Option<String> {
        let holders = self.holders.get_or_init(|| Holders::of(self.parts, states));
        let (ns, name) = same(key);
        let key = (key.kind, ns, name);
        let other = |map: &HashMap<_, Vec<usize>>| {
            map.get(&key)?
                .iter()
                .copied()
                .find(|&p| p != self.state.part)
        };
        other(&holders.applied)
            .or_else(|| other(&holders.declared))
            .map(|p| label(self.parts, p))
    }

    /// Whether something outside the builds makes `key` (by kind, namespace and name): a
    /// declared object of this cluster or the shared folders names it through a
    /// `Ref::existing` handle, or the cluster says it exists before Flux runs
    /// ([`Cluster::exists_before_flux`](crate::Cluster::exists_before_flux)).
    fn imports(&self, key: &ObjectKey) -> bool {
        let imported = self.imported.get_or_init(|| {
            let mut imported = HashSet::new();
            let parts = self
                .parts
                .iter()
                .enumerate()
                .filter(|(p, part)| *p == self.state.part || part.name.is_none())
                .map(|(_, part)| part.cluster);
            for c in parts {
                // Its trees' sources given as `Ref::existing` (`source_is_this_repository`)
                // exist too: bootstrap made them.
                let sources = c.trees.iter().flat_map(|t| t.sources.iter().cloned());
                // A Flux object named by `Ref::existing` is one another part of the
                // repository declares (render refuses one no part declares): its builds
                // make it, so whether this cluster's do is still checked.
                let existing = c
                    .objects
                    .iter()
                    .flat_map(|o| o.object.references())
                    .map(|r| r.target)
                    .filter(|t| t.outside || !t.key.group().ends_with(".toolkit.fluxcd.io"))
                    .chain(sources)
                    .filter(|t| t.origin == crate::object::Origin::Existing);
                for t in c.before_flux.iter().cloned().chain(existing) {
                    let (ns, name) = same(&t.key);
                    imported.insert((t.key.kind, ns, name));
                }
            }
            imported
        });
        let (ns, name) = same(key);
        imported.contains(&(key.kind, ns, name))
    }

    /// Whether this cluster declares `key` (by kind, namespace and name) itself.
    fn declares(&self, key: &ObjectKey) -> bool {
        self.parts[self.state.part]
            .cluster
            .objects
            .iter()
            .any(|o| !o.patch_only && o.key().kind == key.kind && same(o.key()) == same(key))
    }

    /// `dependsOn` of every Kustomization and HelmRelease names one the cluster runs, and
    /// the Kustomizations' dependencies make no cycle.
    fn dependencies(&self, states: &States, out: &mut Problems) {
        let elsewhere = |key: &ObjectKey| self.elsewhere(states, key);
        let objects = &self.parts[self.state.part].cluster.objects;
        let unbuilt: HashSet<(String, String)> = self
            .state
            .unbuilt
            .iter()
            .map(|&i| same(objects[i].key()))
            .collect();
        // What the cluster declares outside what its Kustomizations build (its sources, a
        // bootstrap's objects), made at the first reference the builds do not answer.
        let mut declared_here: Option<HashSet<(&str, String, String)>> = None;
        for (key, by) in &self.objects {
            let (k, o) = by[0];
            for (field, target, verb) in flux_refs(o, key) {
                let namespace = target.namespace.as_deref().unwrap_or_default();
                if self.find(target.kind, namespace, &target.name).is_some()
                    || (target.kind == "Kustomization" && unbuilt.contains(&same(&target)))
                {
                    continue;
                }
                let here = declared_here.get_or_insert_with(|| {
                    self.parts[self.state.part]
                        .cluster
                        .objects
                        .iter()
                        .filter(|o| !o.patch_only)
                        .map(|o| {
                            let (ns, name) = same(o.key());
                            (o.key().kind, ns, name)
                        })
                        .collect()
                });
                let (ns, name) = same(&target);
                if here.contains(&(target.kind, ns, name)) || self.imports(&target) {
                    continue;
                }
                // What nothing in the repository makes, something outside may: the
                // cluster can say so. One another cluster applies is a mistaken reference.
                let (message, remedy) = match elsewhere(&target) {
                    Some(there) => (
                        format!(
                            "{verb} {target}, which no Kustomization of {} applies (only \
                             {there} has it); Flux would wait for it forever",
                            self.label
                        ),
                        None,
                    ),
                    None if self.state.complete => (
                        format!(
                            "{verb} {target}, which no Kustomization of {} applies; Flux \
                             would wait for it forever",
                            self.label
                        ),
                        Some(crate::Remedy::ExistsBeforeFlux(target)),
                    ),
                    None => continue,
                };
                out.push(Problem {
                    remedy,
                    object: Some(key.clone()),
                    field: Some(intern(&field)),
                    message,
                    sites: self.sites(states, key, k),
                });
            }
        }
        // A cycle of Kustomizations, each found once from its first member.
        let edges = &self.depends_on;
        let mut reported: BTreeSet<usize> = BTreeSet::new();
        for start in 0..edges.len() {
            if reported.contains(&start) {
                continue;
            }
            if let Some(cycle) = cycle_from(edges, start) {
                reported.extend(cycle.iter().copied());
                let chain: Vec<String> = cycle
                    .iter()
                    .chain(std::iter::once(&cycle[0]))
                    .map(|&k| self.state.applied[k].key.to_string())
                    .collect();
                let a = &self.state.applied[cycle[0]];
                out.push(Problem {
                    remedy: None,
                    object: Some(a.key.clone()),
                    field: Some("spec.dependsOn"),
                    message: format!(
                        "its dependencies in {} make a cycle: {}; none of them would ever be \
                         applied",
                        self.label,
                        chain.join(" → ")
                    ),
                    sites: vec![(a.role, a.at)],
                });
            }
        }
    }

    /// Every `${var}` in what a substituting Kustomization applies — typed objects,
    /// verbatim files, the patches and values an overlay adds — is one it defines or has a
    /// default, where every value it has is known here (its `substituteFrom` sources are
    /// applied or declared by the cluster). A variable a typed declaration writes itself
    /// is named by the declaration's own check; this one names the rest.
    fn undefined_variables(&self, states: &States, out: &mut Problems) {
        use crate::model::substitution;
        for (k, a) in self.state.applied.iter().enumerate() {
            let (Some(variables), Some(b)) = (&a.variables, a.build) else {
                continue;
            };
            let Ok(objects) = &states.builds[b] else {
                continue;
            };
            // A typed Kustomization's declaration checks what typed declarations write
            // (model::applied); a manifest's (an import's) has only this check.
            let typed = self.declaration_checks(states, &a.key, |c| {
                matches!(c, crate::object::Check::Substitutes { .. })
            });
            let defined: Option<BTreeSet<String>> = variables
                .complete
                .then(|| variables.values.keys().cloned().collect());
            for o in objects.iter() {
                if substitution::disabled(o) || !substitution::mentions_variables(o) {
                    continue;
                }
                let key = applied_key(o);
                // What a typed declaration writes itself, its own check names.
                let declared = states
                    .declared_in(self.parts, self.state.part, &key)
                    .filter(|_| typed)
                    .map(|(p, i)| &self.parts[p].cluster.objects[i])
                    .filter(|d| !d.patch_only && !d.encrypted)
                    .and_then(|d| d.object.to_json().ok());
                // What the substitution cannot parse fails the Kustomization, values or not.
                let declared_unparsable: Vec<String> = declared
                    .iter()
                    .flat_map(substitution::unparsable_in)
                    .map(|(_, text, _)| text)
                    .collect();
                for (field, text, why) in substitution::unparsable_in(o) {
                    if declared_unparsable.contains(&text) {
                        continue;
                    }
                    out.push(Problem {
                        remedy: None,
                        object: Some(key.clone()),
                        field: Some(intern(&field)),
                        message: format!(
                            "{} ({})",
                            substitution::unparsable_message(&text, why, &a.key),
                            self.label
                        ),
                        sites: self.sites(states, &key, k),
                    });
                }
                let Some(defined) = &defined else {
                    continue; // a source whose values are unknown may define anything
                };
                for (field, var) in substitution::undefined_in(o, defined) {
                    if declared.as_ref().is_some_and(|d| {
                        substitution::undefined_in(d, defined)
                            .iter()
                            .any(|(_, v)| *v == var)
                    }) {
                        continue;
                    }
                    out.push(Problem {
                        remedy: None,
                        object: Some(key.clone()),
                        field: Some(intern(&field)),
                        message: format!(
                            "${{{var}}} is a variable the postBuild substitution of {} \
                             replaces, and it defines no {var:?} (strict substitution fails the \
                             Kustomization; older Flux writes an empty string); write $${{{var}}} \
                             to keep the text, annotate the object {}: disabled, or define \
                             {var} in postBuild ({})",
                            a.key,
                            substitution::DISABLED,
                            self.label
                        ),
                        sites: self.sites(states, &key, k),
                    });
                }
            }
        }
    }

    /// Whether the object the cluster declares as `key` has a check `which` of its own
    /// (its typed declaration checks that itself, in `model::applied`).
    fn declaration_checks(
        &self,
        states: &States,
        key: &ObjectKey,
        which: impl Fn(&crate::object::Check) -> bool,
    ) -> bool {
        states
            .declared_in(self.parts, self.state.part, key)
            .is_some_and(|(p, i)| {
                self.parts[p].cluster.objects[i]
                    .object
                    .checks()
                    .iter()
                    .any(which)
            })
    }

    /// A Kustomization whose build holds SOPS-encrypted objects decrypts: without
    /// `spec.decryption` kustomize-controller fails the whole build. A typed
    /// Kustomization's declaration checks this itself, with its keys
    /// (`model::applied`); this one names the rest (manifests, those a build applies).
    fn decryption(&self, states: &States, out: &mut Problems) {
        for (k, a) in self.state.applied.iter().enumerate() {
            if !a.object["spec"]["decryption"].is_null() {
                continue;
            }
            let encrypted: Vec<&Value> = built(a).filter(|o| o.get("sops").is_some()).collect();
            let Some(first) = encrypted.first() else {
                continue;
            };
            let typed = a.applied_by.is_none()
                && self.declaration_checks(states, &a.key, |c| {
                    matches!(c, crate::object::Check::KustomizationPath { .. })
                });
            if typed {
                continue;
            }
            let more = match encrypted.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            out.push(Problem {
                remedy: None,
                object: Some(a.key.clone()),
                field: Some("spec.decryption"),
                message: format!(
                    "applies {}{more} (SOPS-encrypted) but has no spec.decryption: \
                     kustomize-controller fails the build (\"is SOPS encrypted, configuring \
                     decryption is required\"); add `decryption: {{provider: sops, secretRef: \
                     {{name: …}}}}` with the keys' Secret ({})",
                    applied_key(first),
                    self.label
                ),
                sites: self.sites(states, &a.key, k),
            });
        }
    }

    /// A health check that names an object where it does not land, when the cluster has
    /// it in another namespace (moved by a `targetNamespace` or a kustomization's
    /// `namespace`).
    fn health_checks(&self, out: &mut Problems) {
        for a in &self.state.applied {
            let own = a.key.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
            let checks = a.object["spec"]["healthChecks"].as_array();
            for (i, check) in checks.into_iter().flatten().enumerate() {
                let (Some(kind), Some(name)) = (check["kind"].as_str(), check["name"].as_str())
                else {
                    continue;
                };
                let namespace = check["namespace"].as_str().unwrap_or(own);
                let found = |key: &ObjectKey| {
                    key.kind == kind && key.name == name && !super::fields::cluster_scoped(kind)
                };
                let mut lands: Vec<&str> = self
                    .objects
                    .keys()
                    .filter(|key| found(key))
                    .filter_map(|key| key.namespace.as_deref())
                    .collect();
                if lands.is_empty() || lands.contains(&namespace) {
                    continue;
                }
                lands.dedup();
                out.push(Problem {
                    remedy: None,
                    object: Some(a.key.clone()),
                    field: Some(intern(&format!("spec.healthChecks[{i}]"))),
                    message: format!(
                        "checks {kind} {namespace}/{name}, but in {} that object lands in \
                         namespace {}; Flux would wait for one that never comes",
                        self.label,
                        lands.join(", ")
                    ),
                    sites: vec![(a.role, a.at)],
                });
            }
        }
    }

    /// `valuesFrom`, `substituteFrom` and `secretRef`s that name a ConfigMap or Secret the
    /// cluster applies: the key a `valuesFrom` reads is there, and no reference names a
    /// generated object by the name kustomize replaces with a hashed one.
    fn local_references(&self, states: &States, out: &mut Problems) {
        for (key, by) in &self.objects {
            let (k, o) = by[0];
            for r in local_refs(o) {
                let namespace = key.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
                let target = self.find(r.kind, namespace, &r.name);
                match target {
                    Some((t, found)) => {
                        let Some(wanted) = &r.key else { continue };
                        let data = found[0].1;
                        let keys: Vec<&str> = ["data", "stringData", "binaryData"]
                            .iter()
                            .flat_map(|f| data[*f].as_object().into_iter().flatten())
                            .map(|(k, _)| k.as_str())
                            .collect();
                        if r.optional || keys.contains(&wanted.as_str()) {
                            continue;
                        }
                        out.push(Problem {
                            remedy: None,
                            object: Some(key.clone()),
                            field: Some(intern(&r.field)),
                            message: format!(
                                "reads key {wanted:?} of {t}, which holds {}; the release \
                                 would fail ({})",
                                if keys.is_empty() {
                                    "no key".to_owned()
                                } else {
                                    format!("only {}", quoted(&keys))
                                },
                                applies(&self.state.applied[found[0].0])
                            ),
                            sites: self.sites(states, key, k),
                        });
                    }
                    None => {
                        let hashed = self.objects.keys().find(|t| {
                            t.kind == r.kind
                                && t.namespace.as_deref() == Some(namespace)
                                && is_hashed(&t.name, &r.name)
                        });
                        let Some(hashed) = hashed else {
                            let target = ObjectKey {
                                api_version: "v1",
                                kind: r.kind,
                                namespace: Some(namespace.to_owned().into()),
                                name: r.name.clone(),
                            };
                            if r.optional || self.declares(&target) {
                                continue;
                            }
                            if let Some(there) = self.elsewhere(states, &target) {
                                out.push(Problem {
                                    remedy: None,
                                    object: Some(key.clone()),
                                    field: Some(intern(&r.field)),
                                    message: format!(
                                        "names {target}, which no Kustomization of {} applies \
                                         (only {there} has it)",
                                        self.label
                                    ),
                                    sites: self.sites(states, key, k),
                                });
                            } else if r.kind == "ConfigMap"
                                && self.state.complete
                                && !self.imports(&target)
                            {
                                // Every Kustomization is built here: nothing makes it (a
                                // Secret may come from a controller, such as External
                                // Secrets; a ConfigMap Flux reads values from does not).
                                out.push(Problem {
                                    remedy: None,
                                    object: Some(key.clone()),
                                    field: Some(intern(&r.field)),
                                    message: format!(
                                        "names {target}, which nothing in {} applies or \
                                         declares: Flux cannot read the values; generate or \
                                         declare it where the object is built, or import it \
                                         with Ref::existing if something else creates it",
                                        self.label
                                    ),
                                    sites: self.sites(states, key, k),
                                });
                            }
                            continue;
                        };
                        out.push(Problem {
                            remedy: None,
                            object: Some(key.clone()),
                            field: Some(intern(&r.field)),
                            message: format!(
                                "names {} {namespace}/{}, but kustomize generates it as {:?} \
                                 (with its content hash) and does not rewrite this field of a \
                                 {}; set `disableNameSuffixHash` on the generator or have \
                                 kustomize rewrite the field (a nameReference configuration)",
                                r.kind, r.name, hashed.name, key.kind
                            ),
                            sites: self.sites(states, key, k),
                        });
                    }
                }
            }
        }
    }

    /// A Kustomization that substitutes from a ConfigMap or Secret only Kustomizations
    /// waiting for it apply (itself, one it applies, one that depends on it): it can never
    /// build.
    fn deadlocks(&self, out: &mut Problems) {
        let applied = &self.state.applied;
        // The Kustomizations `j` waits for `k` through: `j` depends on it, or (with
        // `through_applier`) `k` applies it, in a chain from `j` to `k`.
        let waits_for = |j: usize, k: usize, through_applier: bool| -> Option<Vec<usize>> {
            let mut seen = vec![false; applied.len()];
            let mut stack = vec![(j, vec![j])];
            while let Some((at, path)) = stack.pop() {
                if at == k {
                    return Some(path);
                }
                if std::mem::replace(&mut seen[at], true) {
                    continue;
                }
                let a = &applied[at];
                let mut next = self.depends_on[at].clone();
                if through_applier {
                    next.extend(a.applied_by);
                }
                for n in next {
                    let mut p = path.clone();
                    p.push(n);
                    stack.push((n, p));
                }
            }
            None
        };
        for (k, a) in applied.iter().enumerate() {
            for need in needs(a, self) {
                let Some((target, by)) = self.find(need.kind, &need.namespace, &need.name) else {
                    continue;
                };
                if self.imports(target) {
                    continue; // there before Flux runs
                }
                let mut appliers: Vec<usize> = by.iter().map(|(j, _)| *j).collect();
                appliers.dedup();
                if need.kind == "Namespace" && appliers.contains(&k) {
                    continue;
                }
                let chains: Option<Vec<Vec<usize>>> = appliers
                    .iter()
                    .map(|&j| waits_for(j, k, need.before_apply))
                    .collect();
                let Some(chains) = chains else { continue };
                let chain = &chains[0];
                let how = if chain.len() == 1 {
                    "which only it applies itself".to_owned()
                } else {
                    let names: Vec<String> =
                        chain.iter().map(|&j| applied[j].key.to_string()).collect();
                    format!(
                        "which only {} applies, and that waits for this one ({})",
                        applied[chain[0]].key,
                        names.join(" → ")
                    )
                };
                let remedy = Some(crate::Remedy::ExistsBeforeFlux(target.clone()));
                let target = if need.kind == "Namespace" {
                    format!("namespace {:?}", need.name)
                } else {
                    target.to_string()
                };
                out.push(Problem {
                    remedy,
                    object: Some(a.key.clone()),
                    field: Some(intern(&need.field)),
                    message: format!("{} {target}, {how}: {}", need.verb, need.fails),
                    sites: vec![(a.role, a.at)],
                });
            }
        }
    }
}

/// An object Kustomization `a` cannot do without.
struct Need {
    field: String,
    kind: &'static str,
    namespace: String,
    name: String,
    /// How the message says it (`substitutes from`).
    verb: &'static str,
    /// What goes wrong without it, and the way out.
    fails: &'static str,
    /// Whether it is needed before anything is applied (the build or decryption fails),
    /// so that a Kustomization this one applies cannot provide it either.
    before_apply: bool,
}

/// What Kustomization `a` needs before it can apply: the ConfigMaps and Secrets it
/// substitutes from (unless optional), its decryption key, and the namespaces of what it
/// applies that it does not create itself.
fn needs(a: &Applied, cluster: &Cluster) -> Vec<Need> {
    let own = a
        .key
        .namespace
        .as_deref()
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_owned();
    let spec = &a.object["spec"];
    let mut out = Vec::new();
    let from = spec["postBuild"]["substituteFrom"].as_array();
    for (i, s) in from.into_iter().flatten().enumerate() {
        let (Some(kind), Some(name)) = (s["kind"].as_str(), s["name"].as_str()) else {
            continue;
        };
        if s["optional"].as_bool() == Some(true) {
            continue;
        }
        out.push(Need {
            field: format!("spec.postBuild.substituteFrom[{i}]"),
            kind: intern(kind),
            namespace: own.clone(),
            name: name.to_owned(),
            verb: "substitutes from",
            fails: "the build fails until it exists, so it never does; apply it from a \
                    Kustomization this one depends on, or mark it optional",
            before_apply: true,
        });
    }
    if let Some(name) = spec["decryption"]["secretRef"]["name"].as_str() {
        out.push(Need {
            field: "spec.decryption.secretRef".into(),
            kind: "Secret",
            namespace: own.clone(),
            name: name.to_owned(),
            verb: "decrypts with",
            fails: "decryption fails until it exists, so it never does; apply the key from a \
                    Kustomization this one depends on, or create it at bootstrap",
            before_apply: true,
        });
    }
    let mut namespaces: BTreeSet<&str> = BTreeSet::new();
    for o in built(a) {
        let kind = o["kind"].as_str().unwrap_or_default();
        if let Some(ns) = o["metadata"]["namespace"].as_str()
            && !super::fields::cluster_scoped(kind)
        {
            namespaces.insert(ns);
        }
    }
    for ns in namespaces {
        if cluster.find("Namespace", "", ns).is_none() {
            continue;
        }
        out.push(Need {
            field: "spec.path".into(),
            kind: "Namespace",
            namespace: String::new(),
            name: ns.to_owned(),
            verb: "applies objects into",
            fails: "the API server refuses them until the namespace exists, so it never \
                    does; have this Kustomization depend on the one that creates it, not the \
                    other way round",
            before_apply: false,
        });
    }
    out
}

/// A reference to a ConfigMap or Secret in the referrer's namespace.
struct LocalRef {
    field: String,
    kind: &'static str,
    name: String,
    /// For `valuesFrom`: the key it reads.
    key: Option<String>,
    optional: bool,
}

/// The local references of a built Flux object.
fn local_refs(o: &Value) -> Vec<LocalRef> {
    let mut out = Vec::new();
    let kind = o["kind"].as_str().unwrap_or_default();
    let group = o["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map_or("", |(g, _)| g);
    if !group.ends_with(".toolkit.fluxcd.io") {
        return out;
    }
    let spec = &o["spec"];
    let mut secret = |field: &str, at: &Value| {
        if let Some(name) = at["name"].as_str() {
            out.push(LocalRef {
                field: field.to_owned(),
                kind: "Secret",
                name: name.to_owned(),
                key: None,
                optional: false,
            });
        }
    };
    for field in ["secretRef", "certSecretRef", "proxySecretRef"] {
        secret(&format!("spec.{field}"), &spec[field]);
    }
    secret(
        "spec.decryption.secretRef",
        &spec["decryption"]["secretRef"],
    );
    secret(
        "spec.kubeConfig.secretRef",
        &spec["kubeConfig"]["secretRef"],
    );
    let lists: [(&str, &Value, bool); 2] = [
        (
            "spec.valuesFrom",
            &spec["valuesFrom"],
            kind == "HelmRelease",
        ),
        (
            "spec.postBuild.substituteFrom",
            &spec["postBuild"]["substituteFrom"],
            false,
        ),
    ];
    for (field, list, keyed) in lists {
        for (i, r) in list.as_array().into_iter().flatten().enumerate() {
            let kind = match r["kind"].as_str() {
                Some("ConfigMap") => "ConfigMap",
                Some("Secret") => "Secret",
                _ => continue,
            };
            let Some(name) = r["name"].as_str() else {
                continue;
            };
            out.push(LocalRef {
                field: format!("{field}[{i}]"),
                kind,
                name: name.to_owned(),
                key: keyed.then(|| r["valuesKey"].as_str().unwrap_or("values.yaml").to_owned()),
                optional: r["optional"].as_bool().unwrap_or(false),
            });
        }
    }
    out
}

/// The references of a built Flux object that may name another namespace: (field, the
/// namespace named).
fn cross_namespace_refs(o: &Value) -> Vec<(String, String)> {
    let group = o["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map_or("", |(g, _)| g);
    if !group.ends_with(".toolkit.fluxcd.io") {
        return Vec::new();
    }
    let spec = &o["spec"];
    let mut out = Vec::new();
    for (field, at) in [
        ("spec.sourceRef", &spec["sourceRef"]),
        (
            "spec.chart.spec.sourceRef",
            &spec["chart"]["spec"]["sourceRef"],
        ),
        ("spec.chartRef", &spec["chartRef"]),
        ("spec.imageRepositoryRef", &spec["imageRepositoryRef"]),
        ("spec.providerRef", &spec["providerRef"]),
    ] {
        if let Some(ns) = at["namespace"].as_str() {
            out.push((format!("{field}.namespace"), ns.to_owned()));
        }
    }
    for (i, d) in spec["dependsOn"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(ns) = d["namespace"].as_str() {
            out.push((format!("spec.dependsOn[{i}].namespace"), ns.to_owned()));
        }
    }
    out
}

/// Whether `name` is `base` with a kustomize content hash appended (`-` and ten of the
/// characters kustomize's hash is written in).
fn is_hashed(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hash| {
            hash.len() == 10
                && hash
                    .bytes()
                    .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
        })
}

/// The references of built Flux object `o` (key `key`) to other Flux objects: (field,
/// the object named, how a message says it) — `dependsOn`, and the source a Kustomization,
/// HelmRelease or image automation reads (not an ExternalArtifact or HelmChart, which
/// controllers make rather than apply).
fn flux_refs(o: &Value, key: &ObjectKey) -> Vec<(String, ObjectKey, &'static str)> {
    if !key.group().ends_with(".toolkit.fluxcd.io") {
        return Vec::new();
    }
    super::refs::references(key, o)
        .into_iter()
        .filter_map(|r| {
            let verb = match r.field {
                "spec.dependsOn" if matches!(key.kind, "Kustomization" | "HelmRelease") => {
                    "depends on"
                }
                "spec.sourceRef" | "spec.chart.spec.sourceRef" | "spec.chartRef"
                    if !matches!(r.kind, "ExternalArtifact" | "HelmChart") =>
                {
                    "reads"
                }
                _ => return None,
            };
            Some((r.field_at(), r.target(), verb))
        })
        .collect()
}

/// A Kustomization's namespace and name: how `dependsOn` names it, whatever its version.
fn same(key: &ObjectKey) -> (String, String) {
    (
        key.namespace
            .as_deref()
            .unwrap_or(DEFAULT_NAMESPACE)
            .to_owned(),
        key.name.clone(),
    )
}

/// A cycle through `start` in `edges`, as the members in order, if there is one.
fn cycle_from(edges: &[Vec<usize>], start: usize) -> Option<Vec<usize>> {
    let mut stack = vec![(start, vec![start])];
    let mut seen = vec![false; edges.len()];
    while let Some((at, path)) = stack.pop() {
        for &n in &edges[at] {
            if n == start {
                return Some(path.clone());
            }
            if !seen[n] {
                seen[n] = true;
                let mut p = path.clone();
                p.push(n);
                stack.push((n, p));
            }
        }
    }
    None
}

/// The objects Kustomization `a` applies (none when it was not built).
fn built(a: &Applied) -> impl Iterator<Item = &Value> {
    match &a.built {
        Some(Ok(objects)) => objects.iter(),
        _ => [].iter(),
    }
}

/// "as Kustomization ns/name applies it".
fn applies(a: &Applied) -> String {
    format!("as {} applies it", a.key)
}

/// How messages name part `p`: `cluster "dev"`, `the cluster` (a repository of one
/// unnamed), `the shared folders`.
fn label(parts: &[PartView], p: usize) -> String {
    match parts[p].name {
        Some("") => "the cluster".into(),
        Some(name) => format!("cluster {name:?}"),
        None => "the shared folders".into(),
    }
}

fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Files of a kustomize folder that no build reads: their objects are never applied.
fn unlisted_files(parts: &[PartView], trees: &[TreeFiles], states: &States, out: &mut Problems) {
    // What the builds read, by tree.
    let mut read: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for ((tree, _), files) in &states.sources {
        read.entry(tree.as_str())
            .or_default()
            .extend(files.read_paths());
    }
    // Files declared unapplied, by (tree, path in the tree), with their site.
    let unapplied: HashMap<(&str, &str), &'static std::panic::Location<'static>> = parts
        .iter()
        .flat_map(|p| p.cluster.files.iter().map(move |f| (p, f)))
        .filter(|(_, f)| f.unapplied)
        .map(|(p, f)| {
            (
                (p.cluster.trees[f.tree].path.as_str(), f.path.as_str()),
                f.at,
            )
        })
        .collect();
    let all_built = states.clusters.iter().all(|c| c.complete);
    for ((tree, repo_path), files) in &states.sources {
        let read = &read[tree.as_str()];
        let Some(rendered) = trees.iter().find(|t| t.root == tree) else {
            continue;
        };
        for (path, text) in files.iter() {
            let in_tree = path
                .strip_prefix(repo_path.as_str())
                .map_or(path, |p| p.trim_start_matches('/'));
            if let Some(&at) = unapplied.get(&(tree.as_str(), in_tree)) {
                if read.contains(path) {
                    // The Kustomization whose path holds the file most closely.
                    let reader = states
                        .clusters
                        .iter()
                        .flat_map(|c| c.applied.iter())
                        .filter(|a| a.source.as_ref() == Some(&(tree.clone(), repo_path.clone())))
                        .filter_map(|a| {
                            let dir = super::files::normalize(&a.path)?;
                            let holds = dir.is_empty() || path.starts_with(&format!("{dir}/"));
                            holds.then_some((dir.len(), &a.key))
                        })
                        .max_by_key(|(len, _)| *len)
                        .map(|(_, key)| format!("the build of {key}"))
                        .unwrap_or_else(|| "a Kustomization's build".into());
                    out.push(Problem {
                        remedy: None,
                        object: None,
                        field: None,
                        message: format!(
                            "file {:?} is declared with Cluster::unapplied_file, but {reader} \
                             reads it: Flux applies it; declare its objects, or leave it out \
                             of the kustomization",
                            crate::model::cluster::join(tree, in_tree)
                        ),
                        sites: vec![("declared", at)],
                    });
                }
                continue;
            }
            if read.contains(path) || !(path.ends_with(".yaml") || path.ends_with(".yml")) {
                continue;
            }
            let Some(folder) = kustomize_folder(files, path) else {
                continue;
            };
            // Its folder built, or not built at all (no Kustomization's path, no
            // kustomization's resource or component: a copy no overlay applies).
            let folder_read = crate::kube_rules::KUSTOMIZATION_FILES
                .iter()
                .any(|k| read.contains(&crate::model::cluster::join(folder, k)));
            if !folder_read && !all_built {
                continue; // a Kustomization not built here may build it
            }
            let Ok(objects) = super::files::parse_objects(text, path) else {
                continue;
            };
            let objects: Vec<String> = objects
                .iter()
                .filter(|o| o["kind"].is_string() && o["apiVersion"].is_string())
                .map(|o| key_of(o, None).to_string())
                .collect();
            if objects.is_empty() {
                continue;
            }
            let site = parts
                .iter()
                .flat_map(|p| p.cluster.files.iter().map(move |f| (p, f)))
                .find(|(p, f)| p.cluster.trees[f.tree].path == rendered.root && f.path == in_tree)
                .map(|(_, f)| f.at);
            out.push(Problem {
                remedy: Some(crate::Remedy::UnappliedFile(in_tree.to_owned())),
                object: None,
                field: None,
                message: match folder_read {
                    true => format!(
                        "file {:?} is in the kustomize folder {folder:?}, whose kustomization \
                         does not list it: Flux never applies {}; list it under `resources` \
                         or leave it out",
                        crate::model::cluster::join(tree, in_tree),
                        objects.join(", ")
                    ),
                    false => format!(
                        "file {:?} is in the kustomize folder {folder:?}, which no \
                         Kustomization builds and no kustomization includes: Flux never \
                         applies {}; have a Kustomization or an overlay apply the folder, or \
                         remove it",
                        crate::model::cluster::join(tree, in_tree),
                        objects.join(", ")
                    ),
                },
                sites: site.map(|at| ("declared", at)).into_iter().collect(),
            });
        }
    }
}

/// The nearest folder above `path` with a kustomization (`path` itself not one).
fn kustomize_folder<'p>(files: &super::Files, path: &'p str) -> Option<&'p str> {
    let (mut dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    if crate::kube_rules::KUSTOMIZATION_FILES.contains(&file) {
        return None;
    }
    loop {
        if crate::kube_rules::KUSTOMIZATION_FILES
            .iter()
            .any(|k| files.is_file(&crate::model::cluster::join(dir, k)))
        {
            return Some(dir);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
}
