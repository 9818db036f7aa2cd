//! What the generated code declares with the typed API instead of a manifest: a
//! GitRepository or Flux Kustomization of the fields most repositories write becomes
//! `GitRepository::builder()…` or `Kustomization::builder()…` with `name!`, `namespace!`
//! and `duration!` literals, its source and dependencies as handles, declared in the
//! repository's order.
//!
//! A [`Recipe`] is such a declaration, read from the manifest; [`part`] settles which of
//! a part's objects are declared so and how each reference is written: the handle of a
//! typed object declared before it (passed between file functions: returned by the one
//! that declares it, taken by the ones that use it), else `Ref::existing` of an object the
//! part declares. Both the written crate ([`Recipe::code`]) and the import's own run
//! ([`Recipe::declare`], in `plan::interpret`) declare from the same recipes, so what the
//! import checks is what the crate declares.
//!
//! Only where the typed object writes the manifest's fields as they are (durations as
//! durations: `10m` is written `10m0s`): an apiVersion the type writes, every field one
//! its builder sets, no explicit default the type would leave out. Anything else stays a
//! manifest.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use serde_json::Value;

use super::plan::{FilePlan, PartPlan};
use super::rust::{lit, name_expr, namespace_expr, text_lit};
use crate::values::{Duration, Name, NamespaceName};

/// How many handles a file function returns at most (a longer tuple is a type clippy
/// calls too complex), and takes (with the `Cluster`, clippy's limit of seven).
const MAX_RETURNED: usize = 4;
const MAX_TAKEN: usize = 6;

/// Who an object is: its kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) kind: &'static str,
    pub(crate) namespace: String,
    pub(crate) name: String,
}

#[derive(Debug, Clone)]
enum GitRefSpec {
    /// `branch`, `tag`, `semver`, `name` or `commit`, and its value.
    One(&'static str, String),
    BranchCommit(String, String),
}

#[derive(Debug, Clone)]
struct GitRepositorySpec {
    url: String,
    reference: Option<GitRefSpec>,
    secret: Option<String>,
    /// Durations as the repository spells them (each one `Duration::parse` takes).
    interval: String,
    timeout: Option<String>,
    /// `ignore`: its `.gitignore` patterns, line by line.
    ignore: Option<String>,
}

#[derive(Debug, Clone)]
struct KustomizationSpec {
    source: Key,
    path: Option<String>,
    interval: String,
    prune: bool,
    depends_on: Vec<Key>,
    wait: Option<bool>,
    timeout: Option<String>,
    retry_interval: Option<String>,
    target_namespace: Option<String>,
    suspend: bool,
    force: bool,
    substitute: Vec<(String, String)>,
    /// `serviceAccountName`: the ServiceAccount kustomize-controller impersonates.
    service_account: Option<String>,
    /// `decryption` with `provider: sops` and the keys' Secret (of its namespace): the
    /// handle of the bootstrap Secret the cluster binds (see [`Spec::DecryptionKeys`]).
    decryption: Option<Key>,
    patches: Vec<PatchSpec>,
    /// `healthChecks` of HelmReleases, each with the version it names (which the
    /// release's handle must write).
    health_checks: Vec<(Key, String)>,
    /// `commonMetadata`: its labels and annotations.
    common: Option<(Pairs, Pairs)>,
}

/// A map of strings, in the manifest's order.
pub(crate) type Pairs = Vec<(String, String)>;

/// A map of strings, if it is one and not empty (an empty one is not written).
pub(crate) fn pairs(value: &Value) -> Option<Pairs> {
    let map = value.as_object().filter(|m| !m.is_empty())?;
    map.iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

/// One entry of a Kustomization's (or a kustomization.yaml's) `patches`.
#[derive(Debug, Clone)]
pub(crate) struct PatchSpec {
    text: String,
    /// Its target (`None`: a strategic-merge patch that names its target itself).
    target: Option<Target>,
}

#[derive(Debug, Clone)]
struct HelmRepositorySpec {
    url: String,
    interval: String,
    oci: bool,
    timeout: Option<String>,
}

/// `spec.install` or `spec.upgrade` of the fields most releases write.
#[derive(Debug, Clone, Default)]
struct ActionSpec {
    /// `createNamespace` (install) or `cleanupOnFail` (upgrade), when `true`.
    flag: bool,
    /// `replace` (install) or `force` (upgrade), when `true`.
    second: bool,
    crds: Option<&'static str>,
    timeout: Option<String>,
    /// `remediation`: `retries`, `remediateLastFailure`, and (upgrade) `strategy`.
    retries: Option<i64>,
    last_failure: Option<bool>,
    strategy: Option<&'static str>,
    /// `strategy: {name: RetryOnFailure}`, with its `retryInterval` if it says one.
    retry_on_failure: Option<Option<String>>,
    /// The `ActionFlags` set (`true`), by their Rust names.
    flags: Vec<&'static str>,
}

/// What Helm skips, as `ActionFlags` names it: (YAML key, Rust field).
const ACTION_FLAGS: [(&str, &str); 5] = [
    ("disableHooks", "disable_hooks"),
    ("disableOpenAPIValidation", "disable_open_api_validation"),
    ("disableSchemaValidation", "disable_schema_validation"),
    ("disableWait", "disable_wait"),
    ("disableWaitForJobs", "disable_wait_for_jobs"),
];

#[derive(Debug, Clone)]
enum OciRefSpec {
    Tag(String),
    /// A tag pinned to its digest (`OciRef::tag(..).at_digest(..)`).
    TagAtDigest(String, String),
    Semver(String, Option<String>),
    Digest(String),
}

#[derive(Debug, Clone)]
struct OciRepositorySpec {
    url: String,
    interval: String,
    reference: Option<OciRefSpec>,
    /// `layerSelector`: media type and `extract` or `copy`.
    layer: Option<(String, &'static str)>,
    timeout: Option<String>,
    /// `verify: {provider: cosign}` (keyless).
    cosign: bool,
    /// `provider`, as `OciProvider` names it.
    provider: Option<&'static str>,
    /// `secretRef`: the registry credentials' Secret, by name.
    secret: Option<String>,
}

/// One copy operation of a generated artifact.
#[derive(Debug, Clone)]
struct CopySpec {
    from: String,
    to: String,
    exclude: Vec<String>,
    /// `strategy: Merge`.
    merge: bool,
}

/// One artifact an ArtifactGenerator makes.
#[derive(Debug, Clone)]
struct ArtifactSpec {
    name: String,
    origin_revision: Option<String>,
    revision: Option<String>,
    copy: Vec<CopySpec>,
}

/// source-watcher's ArtifactGenerator: its sources (alias, source) and artifacts.
#[derive(Debug, Clone)]
struct ArtifactGeneratorSpec {
    sources: Vec<(String, Key)>,
    artifacts: Vec<ArtifactSpec>,
}

#[derive(Debug, Clone)]
struct HelmReleaseSpec {
    /// A HelmRepository (`spec.chart`) or, for `spec.chartRef`, an OCIRepository.
    source: Key,
    /// The chart's sourceRef names the release's own namespace.
    source_namespace_written: bool,
    /// `spec.chartRef` (the chart the OCIRepository holds), not `spec.chart`.
    chart_ref: bool,
    chart: String,
    version: Option<String>,
    chart_interval: Option<String>,
    /// `chart.spec.reconcileStrategy`, as `ReconcileStrategy` names it.
    reconcile: Option<&'static str>,
    interval: String,
    release_name: Option<String>,
    target_namespace: Option<String>,
    timeout: Option<String>,
    max_history: Option<i64>,
    depends_on: Vec<Key>,
    install: Option<ActionSpec>,
    upgrade: Option<ActionSpec>,
    values: Option<Value>,
    /// `uninstall`, `test`, `rollback`: the fields set, as [`options`] reads them.
    uninstall: Option<Vec<(&'static str, OptionValue)>>,
    test: Option<Vec<(&'static str, OptionValue)>>,
    rollback: Option<Vec<(&'static str, OptionValue)>>,
    /// `driftDetection` with only its `mode`: the `DriftMode` variant.
    drift: Option<&'static str>,
    /// `valuesFrom`, each of the release's own namespace (`Ref::existing`).
    values_from: Vec<ValuesFromSpec>,
}

/// One `valuesFrom` entry: a Secret's (else a ConfigMap's) values, as
/// `ValuesFrom::{secret,config_map}` and its setters write them.
#[derive(Debug, Clone)]
struct ValuesFromSpec {
    secret: bool,
    name: String,
    key: Option<String>,
    target_path: Option<String>,
    optional: bool,
}

/// A field of a HelmRelease's `uninstall`, `test` or `rollback` block, by its Rust name.
#[derive(Debug, Clone, PartialEq)]
enum OptionValue {
    /// A flag the type writes only when `true`.
    True,
    /// A boolean the type always writes (`test.enable`) or writes when set
    /// (`uninstall.keepHistory`, an `Option<bool>`).
    Bool(bool),
    Duration(String),
}

/// The fields each block's type writes: (YAML key, Rust field, whether the type writes
/// `false` too (a `bool` always written or an `Option<bool>`), else only `true`).
const UNINSTALL: [(&str, &str, bool); 4] = [
    ("keepHistory", "keep_history", true),
    ("disableHooks", "disable_hooks", false),
    ("disableWait", "disable_wait", false),
    ("timeout", "timeout", false),
];
const TEST: [(&str, &str, bool); 3] = [
    ("enable", "enable", true),
    ("ignoreFailures", "ignore_failures", false),
    ("timeout", "timeout", false),
];
const ROLLBACK: [(&str, &str, bool); 7] = [
    ("cleanupOnFail", "cleanup_on_fail", false),
    ("disableHooks", "disable_hooks", false),
    ("disableWait", "disable_wait", false),
    ("disableWaitForJobs", "disable_wait_for_jobs", false),
    ("force", "force", false),
    ("recreate", "recreate", false),
    ("timeout", "timeout", false),
];

/// A block of `table`'s fields, as its type writes them: every key one of the table's,
/// a flag only `true`, a timeout a duration.
fn options(
    value: &Value,
    table: &[(&'static str, &'static str, bool)],
) -> Option<Vec<(&'static str, OptionValue)>> {
    let map = value.as_object().filter(|m| !m.is_empty())?;
    let mut fields = Vec::new();
    for (key, v) in map {
        let &(_, field, any_bool) = table.iter().find(|(yaml, ..)| yaml == key)?;
        let value = match (field, v) {
            ("timeout", v) => OptionValue::Duration(duration(v)?),
            (_, Value::Bool(b)) if any_bool => OptionValue::Bool(*b),
            (_, Value::Bool(true)) => OptionValue::True,
            _ => return None,
        };
        fields.push((field, value));
    }
    Some(fields)
}

/// `Type { field: value, .., ..Default::default() }` of a block's fields.
fn options_code(type_: &str, fields: &[(&'static str, OptionValue)]) -> String {
    let mut code = format!("{type_} {{");
    for (field, value) in fields {
        let value = match value {
            OptionValue::True => "true".to_owned(),
            // `uninstall.keepHistory` is an `Option<bool>`; `test.enable` a `bool`.
            OptionValue::Bool(b) if *field == "keep_history" => format!("Some({b})"),
            OptionValue::Bool(b) => b.to_string(),
            OptionValue::Duration(d) => format!("Some(duration!({}))", lit(d)),
        };
        let _ = write!(code, " {field}: {value},");
    }
    code.push_str(" ..Default::default() }");
    code
}

#[derive(Debug, Clone)]
enum Spec {
    GitRepository(GitRepositorySpec),
    Kustomization(Box<KustomizationSpec>),
    HelmRepository(HelmRepositorySpec),
    HelmRelease(Box<HelmReleaseSpec>),
    OciRepository(OciRepositorySpec),
    ArtifactGenerator(ArtifactGeneratorSpec),
    /// The cluster's own source where the part does not declare it typed, bound at the
    /// start of the cluster's function as `this_repository` (see [`CLUSTER`]):
    /// `Ref::existing` of the manifest the repository declares, or, where it declares
    /// none (`outside`), `Ref::outside_repository` of the one bootstrap made.
    ThisRepository {
        outside: bool,
    },
    /// The Secret of SOPS keys the part's Kustomizations decrypt with, bound at the start
    /// of the cluster's function as `Cluster::bootstrap_secret`: not in Git, `apply`
    /// creates it (`--secret-file`) where the cluster lacks it. Age keys, or OpenPGP ones
    /// (`gpg`), as the repository's SOPS files are encrypted to.
    DecryptionKeys {
        gpg: bool,
    },
}

/// The "file plan" of a handle the cluster's function binds itself: the cluster's own
/// source ([`Spec::ThisRepository`]).
pub(crate) const CLUSTER: usize = usize::MAX;

/// An object declared with the typed API: what the manifest says, read into the
/// builder's terms.
#[derive(Debug, Clone)]
pub(crate) struct Recipe {
    name: String,
    namespace: String,
    /// The older version of its API group it is written at (`add_at_version`), when
    /// not the newest.
    version: Option<&'static str>,
    spec: Spec,
}

/// How a reference of a recipe is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// The handle of the part's recipe of this index, declared before it.
    Handle(usize),
    /// `Ref::existing` of a Flux object another part (or a later file) declares: render
    /// checks that some part declares it, and each cluster's builds still have to apply
    /// it. A Kustomization's source is never one (the cluster's tree is known by the
    /// handle `source_is_this_repository` takes).
    Existing,
}

/// A recipe where the part declares it.
#[derive(Debug)]
pub(crate) struct Placed {
    pub(crate) recipe: Recipe,
    /// The index of its file plan in the part.
    pub(crate) plan: usize,
    /// The variable its handle is bound to.
    pub(crate) var: String,
    /// How each of its references ([`Recipe::references`]) is written.
    pub(crate) links: Vec<Link>,
}

/// Which of a part's objects are typed, and the handles passed between its files.
#[derive(Debug, Default)]
pub(crate) struct PartTyped {
    /// The order the part's file plans are declared in (see [`dependency_order`]).
    pub(crate) order: Vec<usize>,
    pub(crate) recipes: Vec<Placed>,
    /// The recipe of each (file plan, document).
    pub(crate) by_doc: HashMap<(usize, usize), usize>,
    /// Per file plan, the handles its function returns and takes, in order.
    pub(crate) returns: HashMap<usize, Vec<usize>>,
    pub(crate) takes: HashMap<usize, Vec<usize>>,
    /// The recipes bound to a variable where they are declared (returned, or used later
    /// in their file).
    pub(crate) bound: HashSet<usize>,
    /// The recipe of the cluster's own source and of each tree's source, if typed here.
    pub(crate) cluster_source: Option<usize>,
    pub(crate) tree_sources: Vec<Option<usize>>,
    /// Why each Flux object of a (file plan, document) that is not typed stays a
    /// manifest, in a line (the generated code's comment).
    pub(crate) kept: HashMap<(usize, usize), String>,
}

/// The variable names a part's function binds besides the typed objects' handles (each
/// tree's source and tree, the cluster, this repository's source).
pub(crate) fn reserved(part: &PartPlan) -> Vec<String> {
    let mut names: Vec<String> = ["c", "file", "object", "repository", "this_repository"]
        .map(String::from)
        .into();
    for tree in &part.trees {
        let var = super::rust::ident(&tree.source.1);
        names.push(format!("{var}_tree"));
        names.push(var);
    }
    names
}

/// The Flux objects (GitRepositories, Kustomizations, HelmRepositories, HelmReleases) `parts` declare
/// with a namespace of their own: what a `Ref::existing` may name.
fn declared_in(parts: &[&PartPlan]) -> HashSet<Key> {
    let mut keys = HashSet::new();
    let plans = parts
        .iter()
        .flat_map(|p| p.files.iter().chain(p.trees.iter().flat_map(|t| &t.plans)));
    for plan in plans {
        let FilePlan::Objects { docs, .. } = plan else {
            continue;
        };
        for doc in docs {
            let v = &doc.value;
            let kind = [
                "GitRepository",
                "OCIRepository",
                "Kustomization",
                "HelmRepository",
                "HelmRelease",
            ]
            .into_iter()
            .find(|k| v["kind"] == *k);
            if let (Some(kind), Some(namespace), Some(name)) = (
                kind,
                v["metadata"]["namespace"].as_str(),
                v["metadata"]["name"].as_str(),
            ) {
                keys.insert(Key {
                    kind,
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                });
            }
        }
    }
    keys
}

/// Settles the typed declarations of `part` (whose cluster's source is `source`, and
/// whose trees' sources are the part's `trees`), beside the shared folders `shared`
/// (what it may name with `Ref::existing` besides its own objects: not another
/// cluster's); `reserved`: variable names the part's function uses otherwise;
/// `sops_keys`: the kinds of key the repository's SOPS files are encrypted to
/// ([`super::scan::sops_key_kinds`]).
pub(crate) fn part(
    part: &PartPlan,
    shared: Option<&PartPlan>,
    source: Option<&(String, String)>,
    reserved: &[String],
    sops_keys: &[Vec<&str>],
    rank: &[usize],
) -> PartTyped {
    let anywhere = declared_in(
        &[Some(part), shared]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
    );
    let anywhere = &anywhere;
    let key_of = |(namespace, name): &(String, String)| Key {
        kind: "GitRepository",
        namespace: namespace.clone(),
        name: name.clone(),
    };
    let source = source.map(key_of);
    let tree_keys: Vec<Key> = part.trees.iter().map(|t| key_of(&t.source)).collect();
    // The recipe of each document that has one, by file plan.
    let mut candidates: Vec<Vec<(usize, Recipe)>> = Vec::with_capacity(part.files.len());
    let mut kept = HashMap::new();
    for (plan_index, plan) in part.files.iter().enumerate() {
        let mut own = Vec::new();
        if let FilePlan::Objects { docs, allow, .. } = plan {
            for (d, doc) in docs.iter().enumerate() {
                // An opt-in names the manifest's handle.
                if !allow[d].is_empty() {
                    continue;
                }
                match Recipe::of(&doc.value) {
                    Some(mut recipe) => {
                        if let Some(api) = &part.flux_api {
                            recipe.written_as_pinned(&doc.value, api);
                        }
                        own.push((d, recipe))
                    }
                    None => {
                        if let Some(why) = why_not(&doc.value) {
                            kept.insert((plan_index, d), why);
                        }
                    }
                }
            }
        }
        candidates.push(own);
    }
    let mut typed = PartTyped {
        order: dependency_order(&candidates, rank),
        tree_sources: vec![None; tree_keys.len()],
        kept,
        ..PartTyped::default()
    };
    let mut declared: HashMap<Key, usize> = HashMap::new();
    let mut taken: HashSet<String> = reserved.iter().cloned().collect();
    let mut vars: HashSet<String> = HashSet::new();
    // The cluster's source where no recipe declares it: the handle its Kustomizations
    // take is the one `source_is_this_repository` takes.
    if let Some(key) = &source
        && !candidates.iter().flatten().any(|(_, r)| r.key() == *key)
    {
        typed.cluster_source = Some(0);
        typed.bound.insert(0);
        declared.insert(key.clone(), 0);
        typed.recipes.push(Placed {
            recipe: Recipe {
                name: key.name.clone(),
                namespace: key.namespace.clone(),
                version: None,
                spec: Spec::ThisRepository {
                    outside: !anywhere.contains(key),
                },
            },
            plan: CLUSTER,
            var: "this_repository".into(),
            links: Vec::new(),
        });
    }
    // The keys a cluster's Kustomizations decrypt with: a bootstrap Secret the cluster
    // binds (a shared folder's Kustomization stays a manifest: no cluster of its own).
    if part.cluster.is_some() {
        let mut keys: Vec<Key> = Vec::new();
        for (_, recipe) in candidates.iter().flatten() {
            if let Spec::Kustomization(k) = &recipe.spec
                && let Some(key) = &k.decryption
                && !keys.contains(key)
            {
                keys.push(key.clone());
            }
        }
        for key in keys {
            let Some(gpg) = gpg_keys(sops_keys, &key.name) else {
                continue;
            };
            let mut var = var_name(&key.name);
            while taken.contains(&var) {
                var.push('_');
            }
            taken.insert(var.clone());
            vars.insert(var.clone());
            declared.insert(key.clone(), typed.recipes.len());
            typed.recipes.push(Placed {
                recipe: Recipe {
                    name: key.name,
                    namespace: key.namespace,
                    version: None,
                    spec: Spec::DecryptionKeys { gpg },
                },
                plan: CLUSTER,
                var,
                links: Vec::new(),
            });
        }
    }
    for p in typed.order.clone() {
        for (d, recipe) in std::mem::take(&mut candidates[p]) {
            let links = match typed.links(&recipe, p, &declared, anywhere) {
                Ok(links) => links,
                Err(why) => {
                    typed.kept.insert((p, d), why);
                    continue;
                }
            };
            let index = typed.recipes.len();
            for t in links.iter().filter_map(|l| match *l {
                Link::Handle(t) => Some(t),
                Link::Existing => None,
            }) {
                typed.bound.insert(t);
                let from = typed.recipes[t].plan;
                if from != p {
                    if from != CLUSTER {
                        push_new(typed.returns.entry(from).or_default(), t);
                    }
                    push_new(typed.takes.entry(p).or_default(), t);
                }
            }
            let key = recipe.key();
            let is_source = source.as_ref() == Some(&key);
            let tree = tree_keys.iter().position(|k| *k == key);
            let mut var = var_name(&recipe.name);
            // A tree's source is bound to the name the tree's variable is made of.
            let reserved_for_it = tree.is_some() && !vars.contains(&var);
            if !reserved_for_it {
                if taken.contains(&var) {
                    var = format!("{var}_{}", key.kind.to_ascii_lowercase());
                }
                while taken.contains(&var) {
                    var.push('_');
                }
            }
            taken.insert(var.clone());
            vars.insert(var.clone());
            if is_source || tree.is_some() {
                // Kept for the cluster's function: `source_is_this_repository`, a tree.
                if is_source && typed.cluster_source.is_none() {
                    typed.cluster_source = Some(index);
                }
                if let Some(t) = tree {
                    typed.tree_sources[t] = Some(index);
                }
                push_new(typed.returns.entry(p).or_default(), index);
                typed.bound.insert(index);
            }
            for key in recipe.declared_keys() {
                declared.insert(key, index);
            }
            typed.by_doc.insert((p, d), index);
            typed.recipes.push(Placed {
                recipe,
                plan: p,
                var,
                links,
            });
        }
    }
    typed
}

/// Why the import leaves Flux object `value` a manifest where [`Recipe::of`] does not
/// type it, in a line; `None` for an object of no Flux API group.
pub(crate) fn why_not(value: &Value) -> Option<String> {
    let api = value["apiVersion"].as_str()?;
    let kind = value["kind"].as_str()?;
    let (group, version) = api.split_once('/')?;
    if !group.ends_with(".fluxcd.io") {
        return None;
    }
    let Some((_, _, versions, fields)) = TYPED.iter().find(|t| (t.0, t.1) == (group, kind)) else {
        return Some(format!("the import types no {kind} ({group})"));
    };
    if !versions.contains(&version) {
        return Some(format!(
            "the typed {kind} writes {}, not {version}",
            versions.join(" or ")
        ));
    }
    let metadata = value["metadata"].as_object();
    if let Some(other) = metadata
        .into_iter()
        .flat_map(|m| m.keys())
        .find(|k| *k != "name" && *k != "namespace")
    {
        return Some(format!("the import types no {kind} with metadata.{other}"));
    }
    if metadata.is_none_or(|m| !m.contains_key("namespace")) {
        return Some(format!(
            "it names no namespace, and the import types only a {kind} that names its own"
        ));
    }
    if identity(value).is_none() {
        return Some(format!(
            "its name or namespace is not one fluxdsl's {kind} takes"
        ));
    }
    let spec = value["spec"].as_object();
    let unknown: Vec<String> = spec
        .into_iter()
        .flat_map(|s| s.keys())
        .filter(|k| !fields.contains(&k.as_str()))
        .map(|k| format!("spec.{k}"))
        .collect();
    if !unknown.is_empty() {
        return Some(format!(
            "the import types no {kind} with {}",
            unknown.join(" or ")
        ));
    }
    if let Some(missing) = REQUIRED
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, fields)| {
            fields
                .iter()
                .filter(|f| spec.is_none_or(|s| !f.split('|').any(|f| s.contains_key(f))))
                .map(|f| format!("spec.{}", f.replace('|', " or spec.")))
                .collect::<Vec<_>>()
        })
        .filter(|m| !m.is_empty())
    {
        return Some(format!(
            "it sets no {}, which the typed {kind} requires",
            missing.join(" and ")
        ));
    }
    // The fields without which it would be typed: the deepest that alone would do, else
    // two fields (leaves) that together would. Probed without a release's values, which
    // the recipes take as they are (each probe copies the object).
    let mut probed = value.clone();
    if let Some(spec) = probed["spec"].as_object_mut() {
        spec.remove("values");
    }
    let mut paths = Vec::new();
    field_paths(&probed["spec"], "/spec", &mut paths);
    let typed_without = |gone: &[&str]| {
        let mut v = probed.clone();
        for path in gone {
            remove_field(&mut v, path);
        }
        Recipe::of(&v).is_some()
    };
    let alone: Vec<&str> = paths
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| typed_without(&[p]))
        .collect();
    let deepest: Vec<&str> = alone
        .iter()
        .copied()
        .filter(|p| !alone.iter().any(|q| q.starts_with(&format!("{p}/"))))
        .collect();
    let written = |p: &str| p[1..].replace('/', ".");
    if !deepest.is_empty() {
        let fields: Vec<String> = deepest.iter().map(|p| written(p)).collect();
        return Some(match fields.as_slice() {
            [one] => format!(
                "the import does not type {} with {one} as set here",
                a(kind)
            ),
            many => format!(
                "the import does not type {} with {} together",
                a(kind),
                many.join(" and ")
            ),
        });
    }
    let leaves: Vec<&str> = paths
        .iter()
        .filter(|(_, leaf)| *leaf)
        .map(|(p, _)| p.as_str())
        .take(64)
        .collect();
    for (i, a) in leaves.iter().enumerate() {
        for b in &leaves[i + 1..] {
            if typed_without(&[a, b]) {
                return Some(format!(
                    "the import does not type {} with {} or {} as set here",
                    self::a(kind),
                    written(a),
                    written(b)
                ));
            }
        }
    }
    Some(format!(
        "the import does not type this {kind}'s spec as it is set"
    ))
}

/// `kind` with its indefinite article.
fn a(kind: &str) -> String {
    match kind.starts_with(['A', 'E', 'I', 'O', 'U']) {
        true => format!("an {kind}"),
        false => format!("a {kind}"),
    }
}

/// The `spec` fields each typed Flux kind requires (`a|b`: one of them).
const REQUIRED: [(&str, &[&str]); 6] = [
    ("GitRepository", &["interval", "url"]),
    ("Kustomization", &["interval", "prune", "sourceRef"]),
    ("HelmRepository", &["interval", "url"]),
    ("HelmRelease", &["interval", "chart|chartRef"]),
    ("OCIRepository", &["interval", "url"]),
    ("ArtifactGenerator", &["sources", "artifacts"]),
];

/// The JSON pointer of every field under `value` (at `at`), and whether it is a leaf.
fn field_paths(value: &Value, at: &str, out: &mut Vec<(String, bool)>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
            .collect(),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (key, child) in children {
        let path = format!("{at}/{key}");
        let leaf = !matches!(child, Value::Object(m) if !m.is_empty())
            && !matches!(child, Value::Array(l) if !l.is_empty());
        out.push((path.clone(), leaf));
        field_paths(child, &path, out);
    }
}

/// `value` without the field at JSON pointer `path`, nor the maps and lists that leaves
/// empty.
fn remove_field(value: &mut Value, path: &str) {
    let Some((parent, key)) = path.rsplit_once('/') else {
        return;
    };
    let emptied = match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key.replace("~1", "/").replace("~0", "~"));
            map.is_empty()
        }
        Some(Value::Array(list)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < list.len()
            {
                list.remove(i);
            }
            list.is_empty()
        }
        _ => false,
    };
    if emptied && parent.matches('/').count() > 1 {
        remove_field(value, parent);
    }
}

/// Whether the Secret `name` the Kustomizations decrypt with holds OpenPGP keys (else
/// age keys): the kind every SOPS document of the repository is encrypted to (`sops_keys`,
/// age first), or, where it has none, as its name says (Flux's guides call it `sops-age`
/// or `sops-gpg`). `None` when neither says, or when some document is encrypted only to
/// a cloud KMS (whose credentials the Secret may hold instead: it stays a manifest).
fn gpg_keys(sops_keys: &[Vec<&str>], name: &str) -> Option<bool> {
    let every = |kind: &str| sops_keys.iter().all(|doc| doc.contains(&kind));
    if sops_keys.is_empty() {
        if name.contains("gpg") || name.contains("pgp") {
            Some(true)
        } else if name.contains("age") {
            Some(false)
        } else {
            None
        }
    } else if every("age") {
        Some(false)
    } else if every("pgp") {
        Some(true)
    } else {
        None
    }
}

/// The order the part's file plans are declared in: the repository's, except that a
/// file comes after the files declaring what its objects refer to (`candidates`: each
/// plan's recipes), so that it can take their handles. A cycle (a finding of its own)
/// is broken at its first file. `rank` (when not empty) is each plan's place in the
/// order preferred where dependencies allow it (a typed folder's files in the order its
/// kustomization.yaml lists them).
fn dependency_order(candidates: &[Vec<(usize, Recipe)>], rank: &[usize]) -> Vec<usize> {
    let rank_of = |p: usize| rank.get(p).copied().unwrap_or(p);
    let mut declares: HashMap<Key, usize> = HashMap::new();
    for (p, own) in candidates.iter().enumerate() {
        for (_, recipe) in own {
            for key in recipe.declared_keys() {
                declares.entry(key).or_insert(p);
            }
        }
    }
    let needs: Vec<Vec<usize>> = candidates
        .iter()
        .enumerate()
        .map(|(p, own)| {
            let mut needs: Vec<usize> = own
                .iter()
                .flat_map(|(_, r)| r.references())
                .filter_map(|k| declares.get(k).copied())
                .filter(|&q| q != p)
                .collect();
            needs.sort_unstable();
            needs.dedup();
            needs
        })
        .collect();
    // Kahn's, the ready plan of the smallest rank first: linear but for the heap.
    let n = candidates.len();
    let mut waiting: Vec<usize> = needs.iter().map(Vec::len).collect();
    let mut needed_by: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (p, needs) in needs.iter().enumerate() {
        for &q in needs {
            needed_by[q].push(p);
        }
    }
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<(usize, usize)>> = (0..n)
        .filter(|&p| waiting[p] == 0)
        .map(|p| std::cmp::Reverse((rank_of(p), p)))
        .collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut first_left = 0;
    while order.len() < n {
        let p = match ready.pop() {
            Some(std::cmp::Reverse((_, p))) => p,
            None => {
                // A cycle: its first file goes first.
                while done[first_left] {
                    first_left += 1;
                }
                first_left
            }
        };
        if done[p] {
            continue;
        }
        done[p] = true;
        order.push(p);
        for &q in &needed_by[p] {
            waiting[q] -= 1;
            if waiting[q] == 0 && !done[q] {
                ready.push(std::cmp::Reverse((rank_of(q), q)));
            }
        }
    }
    order
}

/// The variable of a handle to the object named `name`: its name as an identifier,
/// a template's variables by their names (`${app}-db` is `app_db`).
fn var_name(name: &str) -> String {
    let plain = name.replace("${", "").replace('}', "");
    let ident = super::rust::ident(&plain);
    let mut out = String::with_capacity(ident.len());
    for c in ident.chars() {
        if !(c == '_' && (out.is_empty() || out.ends_with('_'))) {
            out.push(c);
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    match out.is_empty() {
        true => ident,
        false => super::rust::ident(&out),
    }
}

fn push_new(list: &mut Vec<usize>, item: usize) {
    if !list.contains(&item) {
        list.push(item);
    }
}

impl PartTyped {
    /// How each reference of `recipe` (declared in file plan `p`) is written, or `None`
    /// when one cannot be: a Kustomization's source that is not a typed GitRepository
    /// declared before it (whose handle can reach it), or an object no part declares.
    fn links(
        &self,
        recipe: &Recipe,
        p: usize,
        declared: &HashMap<Key, usize>,
        anywhere: &HashSet<Key>,
    ) -> Result<Vec<Link>, String> {
        let mut returns: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut takes: Vec<usize> = self.takes.get(&p).cloned().unwrap_or_default();
        let mut links = Vec::new();
        let kustomization = matches!(recipe.spec, Spec::Kustomization(_));
        for (i, key) in recipe.references().into_iter().enumerate() {
            let handle = declared.get(key).copied().filter(|&t| {
                let from = self.recipes[t].plan;
                if from == p {
                    return true;
                }
                if from == CLUSTER {
                    let fits = takes.contains(&t) || takes.len() < MAX_TAKEN;
                    if fits {
                        push_new(&mut takes, t);
                    }
                    return fits;
                }
                let returned = returns
                    .entry(from)
                    .or_insert_with(|| self.returns.get(&from).cloned().unwrap_or_default());
                let fits = (returned.contains(&t) || returned.len() < MAX_RETURNED)
                    && (takes.contains(&t) || takes.len() < MAX_TAKEN);
                if fits {
                    push_new(returned, t);
                    push_new(&mut takes, t);
                }
                fits
            });
            let named = format!("{} {}/{}", key.kind, key.namespace, key.name);
            links.push(match handle {
                Some(t) => Link::Handle(t),
                None if i == 0 && kustomization => {
                    return Err(match declared.contains_key(key) {
                        true => format!(
                            "its source {named} is typed, and passing its handle would give a \
                             function more than {MAX_TAKEN} parameters or {MAX_RETURNED} results"
                        ),
                        false if anywhere.contains(key) => {
                            format!("its source {named} is not typed before it")
                        }
                        false => {
                            format!("its source {named} is declared nowhere in the repository")
                        }
                    });
                }
                None if anywhere.contains(key) => Link::Existing,
                None => {
                    return Err(format!(
                        "it names {named}, which no typed file of this cluster declares"
                    ));
                }
            });
        }
        // A health check names the version its release's handle writes (the newest for
        // `Ref::existing`).
        if let Spec::Kustomization(k) = &recipe.spec {
            let at = 1 + k.depends_on.len() + usize::from(k.decryption.is_some());
            for ((_, version), link) in k.health_checks.iter().zip(&links[at..]) {
                let written = match *link {
                    Link::Handle(t) => self.recipes[t].recipe.version.unwrap_or("v2"),
                    Link::Existing => "v2",
                };
                if written != version {
                    return Err(format!(
                        "a health check names a HelmRelease at {version}, and its handle \
                         writes {written}"
                    ));
                }
            }
        }
        Ok(links)
    }
}

/// `s` as a name: a plain one, or a template of postBuild variables
/// (`Name::with_variables`).
fn name_of(s: &str) -> Option<Name> {
    match s.contains("${") {
        true => Name::with_variables(s).ok(),
        false => Name::new(s).ok(),
    }
}

/// `s` as a namespace, plain or a template of postBuild variables.
pub(crate) fn namespace_of(s: &str) -> Option<NamespaceName> {
    match s.contains("${") {
        true => NamespaceName::with_variables(s).ok(),
        false => NamespaceName::new(s).ok(),
    }
}

/// The object's name and namespace, if both are plain (no variables, no labels or
/// annotations beside them).
fn identity(value: &Value) -> Option<(String, String)> {
    let metadata = value["metadata"].as_object()?;
    if metadata.keys().any(|k| k != "name" && k != "namespace") {
        return None;
    }
    let name = metadata.get("name")?.as_str()?;
    let namespace = metadata.get("namespace")?.as_str()?;
    name_of(name)?;
    namespace_of(namespace)?;
    Some((name.to_owned(), namespace.to_owned()))
}

/// A duration fluxdsl reads, as spelled.
fn duration(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    Duration::parse(text).ok()?;
    Some(text.to_owned())
}

/// A reference `{name, namespace?}` (with `kind` when `kind` is given) of an object in
/// `holder`'s namespace unless it names another: as the typed reference writes it, the
/// namespace only when it is not the holder's.
fn relative(value: &Value, kind: Option<&'static str>, holder: &str) -> Option<Key> {
    relative_written(value, kind, holder)
        .filter(|(_, written)| !written)
        .map(|(key, _)| key)
}

/// [`relative`], and whether it writes the holder's own namespace (which
/// `.with_namespace()` writes).
fn relative_written(
    value: &Value,
    kind: Option<&'static str>,
    holder: &str,
) -> Option<(Key, bool)> {
    let map = value.as_object()?;
    let allowed = |k: &str| k == "name" || k == "namespace" || (k == "kind" && kind.is_some());
    if map.keys().any(|k| !allowed(k)) {
        return None;
    }
    let of_kind = kind.unwrap_or("Kustomization");
    if kind.is_some() && map.get("kind")?.as_str()? != of_kind {
        return None;
    }
    let name = map.get("name")?.as_str()?;
    name_of(name)?;
    let namespace = match map.get("namespace") {
        None => holder,
        Some(ns) => {
            let ns = ns.as_str()?;
            namespace_of(ns)?;
            ns
        }
    };
    let written = namespace == holder && map.contains_key("namespace");
    let key = Key {
        kind: of_kind,
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    };
    Some((key, written))
}

/// The `spec` fields the import types, per Flux object.
const GIT_REPOSITORY_FIELDS: [&str; 6] =
    ["interval", "url", "ref", "secretRef", "timeout", "ignore"];
const HELM_REPOSITORY_FIELDS: [&str; 4] = ["interval", "url", "type", "timeout"];
const OCI_REPOSITORY_FIELDS: [&str; 8] = [
    "interval",
    "url",
    "ref",
    "layerSelector",
    "timeout",
    "verify",
    "provider",
    "secretRef",
];
const HELM_RELEASE_FIELDS: [&str; 16] = [
    "valuesFrom",
    "chart",
    "chartRef",
    "interval",
    "values",
    "uninstall",
    "test",
    "rollback",
    "driftDetection",
    "releaseName",
    "targetNamespace",
    "timeout",
    "maxHistory",
    "dependsOn",
    "install",
    "upgrade",
];
const KUSTOMIZATION_FIELDS: [&str; 17] = [
    "commonMetadata",
    "interval",
    "path",
    "prune",
    "sourceRef",
    "healthChecks",
    "decryption",
    "patches",
    "dependsOn",
    "wait",
    "timeout",
    "retryInterval",
    "targetNamespace",
    "suspend",
    "force",
    "postBuild",
    "serviceAccountName",
];
const ARTIFACT_GENERATOR_FIELDS: [&str; 2] = ["sources", "artifacts"];

/// Each Flux kind the import types: its group, the versions its type writes (newest
/// first; the fields read are the same in each), and the `spec` fields it reads.
const TYPED: [(&str, &str, &[&str], &[&str]); 6] = [
    (
        "source.toolkit.fluxcd.io",
        "GitRepository",
        &["v1", "v1beta2"],
        &GIT_REPOSITORY_FIELDS,
    ),
    (
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        &["v1", "v1beta2"],
        &KUSTOMIZATION_FIELDS,
    ),
    (
        "source.toolkit.fluxcd.io",
        "HelmRepository",
        &["v1", "v1beta2"],
        &HELM_REPOSITORY_FIELDS,
    ),
    (
        "helm.toolkit.fluxcd.io",
        "HelmRelease",
        &["v2", "v2beta2", "v2beta1"],
        &HELM_RELEASE_FIELDS,
    ),
    (
        "source.toolkit.fluxcd.io",
        "OCIRepository",
        &["v1", "v1beta2"],
        &OCI_REPOSITORY_FIELDS,
    ),
    (
        "source.extensions.fluxcd.io",
        "ArtifactGenerator",
        &["v1beta1"],
        &ARTIFACT_GENERATOR_FIELDS,
    ),
];

impl Recipe {
    /// The typed declaration of `value`, or `None` when the typed API would not write
    /// it as it is.
    pub(crate) fn of(value: &Value) -> Option<Recipe> {
        let (group, version) = value["apiVersion"].as_str()?.split_once('/')?;
        let kind = value["kind"].as_str()?;
        let (_, _, versions, _) = TYPED.iter().find(|t| (t.0, t.1) == (group, kind))?;
        let at = versions.iter().position(|v| *v == version)?;
        let spec = match kind {
            "GitRepository" => Spec::GitRepository(git_repository(value)?),
            "Kustomization" => Spec::Kustomization(Box::new(kustomization(value)?)),
            "HelmRepository" => Spec::HelmRepository(helm_repository(value)?),
            "HelmRelease" => Spec::HelmRelease(Box::new(helm_release(value)?)),
            "OCIRepository" => Spec::OciRepository(oci_repository(value)?),
            _ => Spec::ArtifactGenerator(artifact_generator(value)?),
        };
        let (name, namespace) = identity(value)?;
        Some(Recipe {
            name,
            namespace,
            version: (at > 0).then_some(versions[at]),
            spec,
        })
    }

    /// Written at the version `value` says where the cluster's pinned Flux `api` would
    /// otherwise write another (its CRD's stored one): `add_at_version`, which render then
    /// checks the cluster serves.
    fn written_as_pinned(&mut self, value: &Value, api: &crate::FluxApi) {
        let Some((group, version)) = value["apiVersion"].as_str().and_then(|v| v.split_once('/'))
        else {
            return;
        };
        let kind = value["kind"].as_str().unwrap_or_default();
        let Some((_, _, versions, _)) = TYPED.iter().find(|t| (t.0, t.1) == (group, kind)) else {
            return;
        };
        if let Some(v) = versions.iter().find(|v| **v == version)
            && api.storage_version(group, kind) != Some(version)
        {
            self.version = Some(v);
        }
    }

    pub(crate) fn key(&self) -> Key {
        Key {
            kind: match self.spec {
                Spec::GitRepository(_) => "GitRepository",
                Spec::Kustomization(_) => "Kustomization",
                Spec::HelmRepository(_) => "HelmRepository",
                Spec::HelmRelease(_) => "HelmRelease",
                Spec::OciRepository(_) => "OCIRepository",
                Spec::ArtifactGenerator(_) => "ArtifactGenerator",
                Spec::ThisRepository { .. } => "GitRepository",
                Spec::DecryptionKeys { .. } => "Secret",
            },
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// The objects it refers to by handle: a Kustomization's or HelmRelease's source,
    /// then its dependencies.
    pub(crate) fn references(&self) -> Vec<&Key> {
        match &self.spec {
            Spec::GitRepository(_)
            | Spec::HelmRepository(_)
            | Spec::OciRepository(_)
            | Spec::ThisRepository { .. }
            | Spec::DecryptionKeys { .. } => Vec::new(),
            Spec::Kustomization(k) => std::iter::once(&k.source)
                .chain(k.depends_on.iter())
                .chain(k.decryption.iter())
                .chain(k.health_checks.iter().map(|(key, _)| key))
                .collect(),
            Spec::HelmRelease(h) => std::iter::once(&h.source)
                .chain(h.depends_on.iter())
                .collect(),
            Spec::ArtifactGenerator(g) => g.sources.iter().map(|(_, key)| key).collect(),
        }
    }

    /// The objects it declares: itself, and an ArtifactGenerator's ExternalArtifacts.
    pub(crate) fn declared_keys(&self) -> Vec<Key> {
        let mut keys = vec![self.key()];
        if let Spec::ArtifactGenerator(g) = &self.spec {
            keys.extend(g.artifacts.iter().map(|a| Key {
                kind: "ExternalArtifact",
                namespace: self.namespace.clone(),
                name: a.name.clone(),
            }));
        }
        keys
    }

    /// The handle the cluster `c` binds itself, for [`Spec::ThisRepository`] and
    /// [`Spec::DecryptionKeys`].
    pub(crate) fn bound_by_cluster(&self, c: &mut crate::Cluster) -> Option<Handle> {
        let namespace = namespace_of(&self.namespace)?;
        let name = name_of(&self.name)?;
        match self.spec {
            Spec::ThisRepository { outside } => Some(Handle::GitRepository(match outside {
                true => crate::Ref::outside_repository(&namespace, name),
                false => crate::Ref::existing(&namespace, name),
            })),
            Spec::DecryptionKeys { gpg } => {
                let keys = match gpg {
                    true => crate::BootstrapSecret::sops_gpg(&namespace, name),
                    false => crate::BootstrapSecret::sops_age(&namespace, name),
                };
                Some(Handle::Secret(c.bootstrap_secret(keys)))
            }
            _ => None,
        }
    }

    /// For the keys' Secret the cluster binds ([`Spec::DecryptionKeys`]), the
    /// `NAMESPACE/NAME/KEY` `apply --secret-file` takes its value by.
    pub(crate) fn decryption_keys(&self) -> Option<String> {
        let Spec::DecryptionKeys { gpg } = self.spec else {
            return None;
        };
        let key = match gpg {
            true => "sops.asc",
            false => "age.agekey",
        };
        Some(format!("{}/{}/{key}", self.namespace, self.name))
    }

    /// The older version it is written at, if not the newest (`add_at_version`).
    pub(crate) fn version(&self) -> Option<&'static str> {
        self.version
    }

    /// The builder expression, given each reference's expression (of a `&Ref`); for
    /// [`Spec::ThisRepository`], its `Ref::existing`.
    pub(crate) fn code(&self, links: &[String]) -> String {
        let mut s = String::new();
        let ns = |n: &str| namespace_expr(n);
        let line = |s: &mut String, call: String| {
            let _ = writeln!(s, "            .{call}");
        };
        // `KIND::builder()` with its name and namespace.
        let start = |s: &mut String, kind: &str| {
            let _ = writeln!(s, "{kind}::builder()");
            line(s, format!("name({})", name_expr(&self.name)));
            line(s, format!("namespace({})", ns(&self.namespace)));
        };
        let duration_call = |call: &str, d: &str| format!("{call}(duration!({}))", lit(d));
        // A reference to an object of the holder's namespace by `Ref::existing`.
        let existing_call = |call: &str, n: &str| {
            format!(
                "{call}(&Ref::existing(&{}, {}))",
                ns(&self.namespace),
                name_expr(n)
            )
        };
        match &self.spec {
            Spec::DecryptionKeys { gpg } => {
                return format!(
                    "c.bootstrap_secret(BootstrapSecret::{}(&{}, {}))",
                    if *gpg { "sops_gpg" } else { "sops_age" },
                    ns(&self.namespace),
                    name_expr(&self.name)
                );
            }
            Spec::ThisRepository { outside } => {
                return format!(
                    "Ref::{}(&{}, {})",
                    if *outside {
                        "outside_repository"
                    } else {
                        "existing"
                    },
                    ns(&self.namespace),
                    name_expr(&self.name)
                );
            }
            Spec::GitRepository(g) => {
                start(&mut s, "GitRepository");
                line(&mut s, format!("url({})", lit(&g.url)));
                if let Some(r) = &g.reference {
                    let call = match r {
                        GitRefSpec::One(kind, v) => format!("GitRef::{kind}({})", lit(v)),
                        GitRefSpec::BranchCommit(b, c) => {
                            format!("GitRef::branch({}).with_commit({})", lit(b), lit(c))
                        }
                    };
                    line(&mut s, format!("reference({call})"));
                }
                if let Some(secret) = &g.secret {
                    // The deploy key `flux bootstrap` makes: in the cluster, not in Git.
                    line(&mut s, existing_call("secret_ref", secret));
                }
                line(&mut s, duration_call("interval", &g.interval));
                if let Some(t) = &g.timeout {
                    line(&mut s, duration_call("timeout", t));
                }
                if let Some(ignore) = &g.ignore {
                    // Line by line, as `ignore` joins them (a last empty one: a final newline).
                    let patterns: Vec<String> = ignore.split('\n').map(lit).collect();
                    line(&mut s, format!("ignore(&[{}])", patterns.join(", ")));
                }
            }
            Spec::Kustomization(k) => {
                start(&mut s, "Kustomization");
                line(&mut s, format!("source_ref({})", links[0]));
                if let Some(path) = &k.path {
                    line(&mut s, format!("path({})", lit(path)));
                }
                line(&mut s, duration_call("interval", &k.interval));
                line(&mut s, format!("prune({})", k.prune));
                let dependencies = &links[1..1 + k.depends_on.len()];
                if !dependencies.is_empty() {
                    line(
                        &mut s,
                        format!("depends_on(&[{}])", dependencies.join(", ")),
                    );
                }
                if k.decryption.is_some() {
                    let keys = &links[1 + k.depends_on.len()];
                    line(&mut s, format!("decryption(Decryption::sops({keys}))"));
                }
                if !k.patches.is_empty() {
                    let patches: Vec<String> = k.patches.iter().map(PatchSpec::code).collect();
                    line(&mut s, format!("patches(&[{}])", patches.join(", ")));
                }
                if !k.health_checks.is_empty() {
                    let at = 1 + k.depends_on.len() + usize::from(k.decryption.is_some());
                    let checks: Vec<String> = links[at..at + k.health_checks.len()]
                        .iter()
                        .map(|link| format!("HealthCheck::of({link})"))
                        .collect();
                    line(&mut s, format!("health_checks(&[{}])", checks.join(", ")));
                }
                if let Some(wait) = k.wait {
                    line(&mut s, format!("wait({wait})"));
                }
                for (call, d) in [
                    ("timeout", &k.timeout),
                    ("retry_interval", &k.retry_interval),
                ] {
                    if let Some(d) = d {
                        line(&mut s, format!("{call}(duration!({}))", lit(d)));
                    }
                }
                if let Some(t) = &k.target_namespace {
                    line(&mut s, format!("target_namespace({})", namespace_expr(t)));
                }
                if k.suspend {
                    line(&mut s, "suspend(true)".into());
                }
                if k.force {
                    line(&mut s, "force(true)".into());
                }
                if !k.substitute.is_empty() {
                    let mut post = String::from("PostBuild::new()");
                    for (name, value) in &k.substitute {
                        let _ = write!(post, ".substitute({}, {})", lit(name), lit(value));
                    }
                    line(&mut s, format!("post_build({post})"));
                }
                if let Some(sa) = &k.service_account {
                    // Flux's own (its install), or one a tenant's folder makes.
                    line(&mut s, existing_call("service_account_name", sa));
                }
                if let Some((labels, annotations)) = &k.common {
                    let mut fields = Vec::new();
                    if !labels.is_empty() {
                        fields.push(format!("labels: {}", super::rust::string_map(labels)));
                    }
                    if !annotations.is_empty() {
                        fields.push(format!(
                            "annotations: {}",
                            super::rust::string_map(annotations)
                        ));
                    }
                    if fields.len() < 2 {
                        fields.push("..Default::default()".into());
                    }
                    line(
                        &mut s,
                        format!(
                            "common_metadata(fluxdsl::kustomize::CommonMetadata {{ {} }})",
                            fields.join(", ")
                        ),
                    );
                }
            }
            Spec::HelmRepository(h) => {
                start(&mut s, "HelmRepository");
                line(&mut s, format!("url({})", lit(&h.url)));
                if h.oci {
                    line(&mut s, "oci(true)".into());
                }
                line(&mut s, duration_call("interval", &h.interval));
                if let Some(t) = &h.timeout {
                    line(&mut s, duration_call("timeout", t));
                }
            }
            Spec::ArtifactGenerator(g) => {
                start(&mut s, "ArtifactGenerator");
                let sources: Vec<String> = g
                    .sources
                    .iter()
                    .zip(links)
                    .map(|((alias, _), link)| {
                        format!("GeneratorSourceRef::new({}, {link})", lit(alias))
                    })
                    .collect();
                line(&mut s, format!("sources(&[{}])", sources.join(", ")));
                let artifacts: Vec<String> = g
                    .artifacts
                    .iter()
                    .map(|a| {
                        let copy: Vec<String> = a
                            .copy
                            .iter()
                            .map(|c| {
                                let mut op =
                                    format!("CopyOperation::new({}, {})", lit(&c.from), lit(&c.to));
                                if !c.exclude.is_empty() {
                                    let globs: Vec<String> =
                                        c.exclude.iter().map(|g| lit(g)).collect();
                                    let _ = write!(op, ".exclude(&[{}])", globs.join(", "));
                                }
                                if c.merge {
                                    op.push_str(".merge()");
                                }
                                op
                            })
                            .collect();
                        let mut artifact = format!(
                            "GeneratedArtifact::new({}, &[{}])",
                            name_expr(&a.name),
                            copy.join(", ")
                        );
                        if let Some(o) = &a.origin_revision {
                            let _ = write!(artifact, ".origin_revision({})", lit(o));
                        }
                        if let Some(r) = &a.revision {
                            let _ = write!(artifact, ".revision({})", lit(r));
                        }
                        artifact
                    })
                    .collect();
                line(&mut s, format!("artifacts(&[{}])", artifacts.join(", ")));
            }
            Spec::OciRepository(o) => {
                start(&mut s, "OCIRepository");
                line(&mut s, format!("url({})", lit(&o.url)));
                match &o.reference {
                    Some(OciRefSpec::Tag(t)) => {
                        line(&mut s, format!("reference(OciRef::tag({}))", lit(t)))
                    }
                    Some(OciRefSpec::Digest(d)) => {
                        line(&mut s, format!("reference(OciRef::digest({}))", lit(d)))
                    }
                    Some(OciRefSpec::TagAtDigest(t, d)) => line(
                        &mut s,
                        format!("reference(OciRef::tag({}).at_digest({}))", lit(t), lit(d)),
                    ),
                    Some(OciRefSpec::Semver(r, filter)) => line(
                        &mut s,
                        format!(
                            "reference(OciRef::semver({}){})",
                            lit(r),
                            filter
                                .as_ref()
                                .map(|f| format!(".with_semver_filter({})", lit(f)))
                                .unwrap_or_default()
                        ),
                    ),
                    None => {}
                }
                match &o.layer {
                    Some((media, "copy")) if media == HELM_CHART_LAYER => {
                        line(&mut s, "layer_selector(LayerSelector::helm_chart())".into())
                    }
                    Some((media, operation)) => line(
                        &mut s,
                        format!("layer_selector(LayerSelector::{operation}({}))", lit(media)),
                    ),
                    None => {}
                }
                if o.cosign {
                    line(
                        &mut s,
                        "verify(fluxdsl::source::OciVerify::cosign())".into(),
                    );
                }
                if let Some(p) = o.provider {
                    line(
                        &mut s,
                        format!("provider(fluxdsl::source::OciProvider::{p})"),
                    );
                }
                if let Some(secret) = &o.secret {
                    // Registry credentials: in the cluster, not in Git.
                    line(&mut s, existing_call("secret_ref", secret));
                }
                line(&mut s, duration_call("interval", &o.interval));
                if let Some(t) = &o.timeout {
                    line(&mut s, duration_call("timeout", t));
                }
            }
            Spec::HelmRelease(h) => {
                start(&mut s, "HelmRelease");
                let mut chart = match h.chart_ref {
                    true => format!("Chart::from_ref({})", links[0]),
                    false => format!("Chart::from_source({}, {})", links[0], lit(&h.chart)),
                };
                if let Some(v) = &h.version {
                    let _ = write!(chart, ".version({})", lit(v));
                }
                if let Some(i) = &h.chart_interval {
                    let _ = write!(chart, ".interval(duration!({}))", lit(i));
                }
                if let Some(r) = h.reconcile {
                    let _ = write!(
                        chart,
                        ".reconcile_strategy(fluxdsl::source::ReconcileStrategy::{r})"
                    );
                }
                if h.source_namespace_written {
                    chart.push_str(".with_namespace()");
                }
                line(&mut s, format!("chart({chart})"));
                line(&mut s, duration_call("interval", &h.interval));
                if let Some(r) = &h.release_name {
                    line(&mut s, format!("release_name({})", lit(r)));
                }
                if let Some(t) = &h.target_namespace {
                    line(&mut s, format!("target_namespace({})", namespace_expr(t)));
                }
                if let Some(t) = &h.timeout {
                    line(&mut s, duration_call("timeout", t));
                }
                if let Some(m) = h.max_history {
                    line(&mut s, format!("max_history({m})"));
                }
                if !h.depends_on.is_empty() {
                    line(&mut s, format!("depends_on(&[{}])", links[1..].join(", ")));
                }
                for (call, kind, flag, second, action) in [
                    (
                        "install",
                        "Install",
                        "create_namespace",
                        "replace",
                        &h.install,
                    ),
                    ("upgrade", "Upgrade", "cleanup_on_fail", "force", &h.upgrade),
                ] {
                    if let Some(a) = action {
                        let mut fields = Vec::new();
                        if a.flag {
                            fields.push(format!("{flag}: true"));
                        }
                        if a.second {
                            fields.push(format!("{second}: true"));
                        }
                        if let Some(c) = a.crds {
                            fields.push(format!("crds: Some(fluxdsl::helm::Crds::{c})"));
                        }
                        if let Some(t) = &a.timeout {
                            fields.push(format!("timeout: Some(duration!({}))", lit(t)));
                        }
                        if let Some(r) = a.retries {
                            fields.push(format!(
                                "strategy: Some(Strategy::RemediateOnFailure {{ retries: {r} }})"
                            ));
                        }
                        if let Some(interval) = &a.retry_on_failure {
                            let interval = match interval {
                                Some(i) => format!("Some(duration!({}))", lit(i)),
                                None => "None".into(),
                            };
                            fields.push(format!(
                                "strategy: Some(Strategy::RetryOnFailure {{ retry_interval: {interval} }})"
                            ));
                        }
                        if let Some(last) = a.last_failure {
                            fields.push(format!(
                                "remediation: fluxdsl::helm::Remediation {{ \
                                 remediate_last_failure: Some({last}), ..Default::default() }}"
                            ));
                        }
                        if let Some(strategy) = a.strategy {
                            fields.push(format!(
                                "remediation_strategy: \
                                 Some(fluxdsl::helm::RemediationStrategy::{strategy})"
                            ));
                        }
                        if !a.flags.is_empty() {
                            let set: Vec<String> =
                                a.flags.iter().map(|f| format!("{f}: true")).collect();
                            fields.push(format!(
                                "flags: fluxdsl::helm::ActionFlags {{ {}, ..Default::default() }}",
                                set.join(", ")
                            ));
                        }
                        fields.push("..Default::default()".into());
                        line(
                            &mut s,
                            format!("{call}({kind} {{ {} }})", fields.join(", ")),
                        );
                    }
                }
                for (call, type_, block) in [
                    ("rollback", "Rollback", &h.rollback),
                    ("test", "HelmTest", &h.test),
                    ("uninstall", "Uninstall", &h.uninstall),
                ] {
                    if let Some(fields) = block {
                        line(&mut s, format!("{call}({})", options_code(type_, fields)));
                    }
                }
                if let Some(mode) = h.drift {
                    line(
                        &mut s,
                        format!(
                            "drift_detection(DriftDetection {{ mode: DriftMode::{mode}, \
                             ignore: Vec::new() }})"
                        ),
                    );
                }
                if !h.values_from.is_empty() {
                    let entries: Vec<String> = h
                        .values_from
                        .iter()
                        .map(|v| {
                            let mut e = format!(
                                "ValuesFrom::{}(&Ref::existing(&{}, {}))",
                                if v.secret { "secret" } else { "config_map" },
                                ns(&self.namespace),
                                name_expr(&v.name)
                            );
                            if let Some(k) = &v.key {
                                let _ = write!(e, ".key({})", lit(k));
                            }
                            if let Some(t) = &v.target_path {
                                let _ = write!(e, ".target_path({})", lit(t));
                            }
                            if v.optional {
                                e.push_str(".optional()");
                            }
                            e
                        })
                        .collect();
                    line(&mut s, format!("values_from(&[{}])", entries.join(", ")));
                }
                if let Some(values) = &h.values {
                    line(
                        &mut s,
                        format!("values(json!({}))", super::rust::json(values, 3)),
                    );
                }
            }
        }
        s.push_str("            .build()");
        s
    }

    /// Declares it in `c`'s `file`, its references the handles `links` (`None`:
    /// `Ref::existing`); returns its handle.
    pub(crate) fn declare(
        &self,
        c: &mut crate::Cluster,
        file: &crate::File,
        links: &[Option<&Handle>],
    ) -> Handle {
        let references = self.references();
        fn add<T: crate::object::Object>(
            c: &mut crate::Cluster,
            file: &crate::File,
            version: Option<&str>,
            object: T,
        ) -> Ref<T> {
            match version {
                Some(v) => c.add_at_version(file, object, v),
                None => c.add(file, object),
            }
        }
        let existing = |i: usize| {
            let key = references[i];
            let namespace = namespace_of(&key.namespace).expect("a checked namespace");
            (namespace, name_of(&key.name).expect("a checked name"))
        };
        use crate::{GitRef, GitRepository, Kustomization, Ref};
        let name = name_of(&self.name).expect("a checked name");
        let namespace = namespace_of(&self.namespace).expect("a checked namespace");
        let parsed = |d: &str| Duration::parse(d).expect("a checked duration");
        let existing_name = |n: &str| name_of(n).expect("a checked name");
        match &self.spec {
            Spec::ThisRepository { .. } | Spec::DecryptionKeys { .. } => {
                unreachable!("bound by the cluster, not declared in a file")
            }
            Spec::GitRepository(g) => {
                let mut repository = GitRepository::builder()
                    .name(name)
                    .namespace(namespace.clone())
                    .url(g.url.as_str())
                    .interval(parsed(&g.interval))
                    .build();
                repository.reference = g.reference.as_ref().map(|r| match r {
                    GitRefSpec::One(kind, v) => match *kind {
                        "branch" => GitRef::branch(v),
                        "tag" => GitRef::tag(v),
                        "semver" => GitRef::semver(v),
                        "name" => GitRef::name(v),
                        _ => GitRef::commit(v),
                    },
                    GitRefSpec::BranchCommit(b, c) => GitRef::branch(b).with_commit(c),
                });
                repository.secret_ref = g
                    .secret
                    .as_deref()
                    .map(|s| Ref::existing(&namespace, existing_name(s)));
                repository.timeout = g.timeout.as_deref().map(parsed);
                repository.ignore = g.ignore.clone();
                Handle::GitRepository(add(c, file, self.version, repository))
            }
            Spec::Kustomization(k) => {
                let builder = Kustomization::builder()
                    .name(name)
                    .namespace(namespace.clone());
                let builder = match links[0] {
                    Some(Handle::GitRepository(r)) => builder.source_ref(r),
                    Some(Handle::OciRepository(r)) => builder.source_ref(r),
                    Some(Handle::ArtifactGenerator(g)) => {
                        builder.source_ref(&g.artifact(existing_name(&k.source.name)))
                    }
                    _ => unreachable!("a typed Kustomization's source is a handle to a source"),
                };
                let mut kustomization =
                    builder.interval(parsed(&k.interval)).prune(k.prune).build();
                kustomization.depends_on = (1..1 + k.depends_on.len())
                    .map(|i| {
                        let handle = match links[i] {
                            Some(Handle::Kustomization(r)) => r.clone(),
                            None => {
                                let (namespace, name) = existing(i);
                                Ref::<Kustomization>::existing(&namespace, name)
                            }
                            _ => unreachable!("a Kustomization depends on Kustomizations"),
                        };
                        crate::IntoDependency::dependency(&&handle)
                    })
                    .collect();
                kustomization.path = k.path.clone().unwrap_or_default();
                kustomization.wait = k.wait;
                kustomization.timeout = k.timeout.as_deref().map(parsed);
                kustomization.retry_interval = k.retry_interval.as_deref().map(parsed);
                kustomization.target_namespace = k
                    .target_namespace
                    .as_ref()
                    .map(|t| namespace_of(t).expect("a checked namespace"));
                kustomization.suspend = k.suspend;
                kustomization.force = k.force;
                kustomization.common_metadata = k.common.as_ref().map(|(labels, annotations)| {
                    let map = |pairs: &[(String, String)]| pairs.iter().cloned().collect();
                    Box::new(crate::kustomize::CommonMetadata {
                        labels: map(labels),
                        annotations: map(annotations),
                    })
                });
                if !k.substitute.is_empty() {
                    let post = k
                        .substitute
                        .iter()
                        .fold(crate::PostBuild::new(), |p, (n, v)| p.substitute(n, v));
                    kustomization.post_build = Some(Box::new(post));
                }
                kustomization.service_account_name = k
                    .service_account
                    .as_deref()
                    .map(|sa| Ref::existing(&namespace, existing_name(sa)));
                if k.decryption.is_some() {
                    let Some(Handle::Secret(keys)) = links[1 + k.depends_on.len()] else {
                        unreachable!("a typed Kustomization decrypts with the cluster's keys")
                    };
                    kustomization.decryption = Some(Box::new(crate::Decryption::sops(keys)));
                }
                kustomization.patches = k.patches.iter().map(PatchSpec::value).collect();
                let at = 1 + k.depends_on.len() + usize::from(k.decryption.is_some());
                kustomization.health_checks = (at..at + k.health_checks.len())
                    .map(|i| match links[i] {
                        Some(Handle::HelmRelease(r)) => crate::HealthCheck::of(r),
                        None => {
                            let (namespace, name) = existing(i);
                            crate::HealthCheck::of(&Ref::<crate::HelmRelease>::existing(
                                &namespace, name,
                            ))
                        }
                        _ => unreachable!("a health check of a HelmRelease"),
                    })
                    .collect::<Vec<_>>()
                    .into();
                Handle::Kustomization(add(c, file, self.version, kustomization))
            }
            Spec::HelmRepository(h) => {
                let mut repository = crate::HelmRepository::builder()
                    .name(name)
                    .namespace(namespace)
                    .url(h.url.as_str())
                    .interval(parsed(&h.interval))
                    .build();
                repository.oci = h.oci.then_some(true);
                repository.timeout = h.timeout.as_deref().map(parsed);
                Handle::HelmRepository(add(c, file, self.version, repository))
            }
            Spec::ArtifactGenerator(g) => {
                use crate::source::{CopyOperation, GeneratedArtifact, GeneratorSourceRef};
                let sources: Vec<GeneratorSourceRef> = g
                    .sources
                    .iter()
                    .enumerate()
                    .map(|(i, (alias, key))| match (links[i], key.kind) {
                        (Some(Handle::GitRepository(r)), _) => GeneratorSourceRef::new(alias, r),
                        (Some(Handle::OciRepository(r)), _) => GeneratorSourceRef::new(alias, r),
                        (None, "OCIRepository") => {
                            let (namespace, name) = existing(i);
                            let r = Ref::<crate::OCIRepository>::existing(&namespace, name);
                            GeneratorSourceRef::new(alias, &r)
                        }
                        (None, _) => {
                            let (namespace, name) = existing(i);
                            let r = Ref::<GitRepository>::existing(&namespace, name);
                            GeneratorSourceRef::new(alias, &r)
                        }
                        _ => unreachable!("a generator's source is a source's handle"),
                    })
                    .collect();
                let artifacts: Vec<GeneratedArtifact> = g
                    .artifacts
                    .iter()
                    .map(|a| {
                        let copy: Vec<CopyOperation> = a
                            .copy
                            .iter()
                            .map(|c| {
                                let globs: Vec<&str> =
                                    c.exclude.iter().map(String::as_str).collect();
                                let mut op = CopyOperation::new(&c.from, &c.to);
                                if !globs.is_empty() {
                                    op = op.exclude(&globs);
                                }
                                if c.merge {
                                    op = op.merge();
                                }
                                op
                            })
                            .collect();
                        let mut artifact = GeneratedArtifact::new(existing_name(&a.name), &copy);
                        if let Some(o) = &a.origin_revision {
                            artifact = artifact.origin_revision(o);
                        }
                        if let Some(r) = &a.revision {
                            artifact = artifact.revision(r);
                        }
                        artifact
                    })
                    .collect();
                let generator = crate::ArtifactGenerator::builder()
                    .name(name)
                    .namespace(namespace)
                    .sources(&sources)
                    .artifacts(&artifacts)
                    .build();
                Handle::ArtifactGenerator(add(c, file, self.version, generator))
            }
            Spec::OciRepository(o) => {
                use crate::source::{LayerSelector, OciRef, OciVerify};
                let mut repository = crate::OCIRepository::builder()
                    .name(name)
                    .namespace(namespace.clone())
                    .url(o.url.as_str())
                    .interval(parsed(&o.interval))
                    .build();
                repository.reference = o.reference.as_ref().map(|r| match r {
                    OciRefSpec::Tag(t) => OciRef::tag(t),
                    OciRefSpec::Digest(d) => OciRef::digest(d),
                    OciRefSpec::TagAtDigest(t, d) => OciRef::tag(t).at_digest(d),
                    OciRefSpec::Semver(range, filter) => match filter {
                        Some(f) => OciRef::semver(range).with_semver_filter(f),
                        None => OciRef::semver(range),
                    },
                });
                repository.layer_selector = o.layer.as_ref().map(|(media, op)| match *op {
                    "copy" => LayerSelector::copy(media),
                    _ => LayerSelector::extract(media),
                });
                repository.verify = o.cosign.then(OciVerify::cosign);
                repository.provider = o.provider.map(|p| match p {
                    "Generic" => crate::source::OciProvider::Generic,
                    "Aws" => crate::source::OciProvider::Aws,
                    "Azure" => crate::source::OciProvider::Azure,
                    _ => crate::source::OciProvider::Gcp,
                });
                repository.secret_ref = o
                    .secret
                    .as_deref()
                    .map(|s| Ref::existing(&namespace, existing_name(s)));
                repository.timeout = o.timeout.as_deref().map(parsed);
                Handle::OciRepository(add(c, file, self.version, repository))
            }
            Spec::HelmRelease(h) => {
                use crate::helm::{Crds, Install, Strategy, Upgrade};
                let chart: crate::Chart = match h.chart_ref {
                    true => {
                        let source = match links[0] {
                            Some(Handle::OciRepository(r)) => r.clone(),
                            None => {
                                let (namespace, name) = existing(0);
                                crate::Ref::<crate::OCIRepository>::existing(&namespace, name)
                            }
                            _ => unreachable!("a typed chartRef names an OCIRepository"),
                        };
                        let chart = crate::Chart::from_ref(&source);
                        match h.source_namespace_written {
                            true => chart.with_namespace().into(),
                            false => chart.into(),
                        }
                    }
                    false => {
                        let mut chart = match (links[0], h.source.kind) {
                            (Some(Handle::HelmRepository(r)), _) => {
                                crate::Chart::from_source(r, &h.chart)
                            }
                            (Some(Handle::GitRepository(r)), _) => {
                                crate::Chart::from_source(r, &h.chart)
                            }
                            (None, "GitRepository") => {
                                let (namespace, name) = existing(0);
                                let r =
                                    crate::Ref::<crate::GitRepository>::existing(&namespace, name);
                                crate::Chart::from_source(&r, &h.chart)
                            }
                            (None, _) => {
                                let (namespace, name) = existing(0);
                                let r =
                                    crate::Ref::<crate::HelmRepository>::existing(&namespace, name);
                                crate::Chart::from_source(&r, &h.chart)
                            }
                            _ => unreachable!(
                                "a typed chart comes from a HelmRepository or GitRepository"
                            ),
                        };
                        if let Some(v) = &h.version {
                            chart = chart.version(v);
                        }
                        if let Some(i) = &h.chart_interval {
                            chart = chart.interval(parsed(i));
                        }
                        if let Some(r) = h.reconcile {
                            chart = chart.reconcile_strategy(match r {
                                "Revision" => crate::source::ReconcileStrategy::Revision,
                                _ => crate::source::ReconcileStrategy::ChartVersion,
                            });
                        }
                        if h.source_namespace_written {
                            chart = chart.with_namespace();
                        }
                        chart.into()
                    }
                };
                let mut release = crate::HelmRelease::builder()
                    .name(name)
                    .namespace(namespace.clone())
                    .chart(chart)
                    .interval(parsed(&h.interval))
                    .build();
                release.release_name = h.release_name.clone();
                release.target_namespace = h
                    .target_namespace
                    .as_ref()
                    .map(|t| namespace_of(t).expect("a checked namespace"));
                release.timeout = h.timeout.as_deref().map(parsed);
                release.max_history = h.max_history;
                release.depends_on = (1..links.len())
                    .map(|i| {
                        let handle = match links[i] {
                            Some(Handle::HelmRelease(r)) => r.clone(),
                            None => {
                                let (namespace, name) = existing(i);
                                crate::Ref::<crate::HelmRelease>::existing(&namespace, name)
                            }
                            _ => unreachable!("a HelmRelease depends on HelmReleases"),
                        };
                        crate::IntoDependency::dependency(&&handle)
                    })
                    .collect();
                let crds = |c: Option<&str>| {
                    c.map(|c| match c {
                        "Skip" => Crds::Skip,
                        "Create" => Crds::Create,
                        _ => Crds::CreateReplace,
                    })
                };
                let strategy = |a: &ActionSpec| match &a.retry_on_failure {
                    Some(interval) => Some(Strategy::RetryOnFailure {
                        retry_interval: interval.as_deref().map(parsed),
                    }),
                    None => a
                        .retries
                        .map(|retries| Strategy::RemediateOnFailure { retries }),
                };
                let remediation = |a: &ActionSpec| crate::helm::Remediation {
                    remediate_last_failure: a.last_failure,
                    ..Default::default()
                };
                let flags = |a: &ActionSpec| {
                    let on = |f: &str| a.flags.contains(&f);
                    crate::helm::ActionFlags {
                        disable_hooks: on("disable_hooks"),
                        disable_open_api_validation: on("disable_open_api_validation"),
                        disable_schema_validation: on("disable_schema_validation"),
                        disable_wait: on("disable_wait"),
                        disable_wait_for_jobs: on("disable_wait_for_jobs"),
                    }
                };
                release.install = h.install.as_ref().map(|a| Install {
                    flags: flags(a),
                    create_namespace: a.flag,
                    replace: a.second,
                    crds: crds(a.crds),
                    timeout: a.timeout.as_deref().map(parsed),
                    strategy: strategy(a),
                    remediation: remediation(a),
                    ..Default::default()
                });
                release.upgrade = h.upgrade.as_ref().map(|a| Upgrade {
                    flags: flags(a),
                    cleanup_on_fail: a.flag,
                    force: a.second,
                    crds: crds(a.crds),
                    timeout: a.timeout.as_deref().map(parsed),
                    strategy: strategy(a),
                    remediation: remediation(a),
                    remediation_strategy: a.strategy.map(|s| match s {
                        "Rollback" => crate::helm::RemediationStrategy::Rollback,
                        _ => crate::helm::RemediationStrategy::Uninstall,
                    }),
                    ..Default::default()
                });
                release.values = h.values.clone();
                release.values_from = h
                    .values_from
                    .iter()
                    .map(|v| {
                        let name = existing_name(&v.name);
                        let mut from = match v.secret {
                            true => {
                                crate::helm::ValuesFrom::secret(&Ref::existing(&namespace, name))
                            }
                            false => crate::helm::ValuesFrom::config_map(&Ref::existing(
                                &namespace, name,
                            )),
                        };
                        if let Some(k) = &v.key {
                            from = from.key(k);
                        }
                        if let Some(t) = &v.target_path {
                            from = from.target_path(t);
                        }
                        if v.optional {
                            from = from.optional();
                        }
                        from
                    })
                    .collect();
                use crate::helm::{DriftDetection, DriftMode, HelmTest, Rollback, Uninstall};
                let flag = |fields: &[(&str, OptionValue)], field: &str| {
                    fields
                        .iter()
                        .any(|(f, v)| *f == field && *v == OptionValue::True)
                };
                let boolean = |fields: &[(&str, OptionValue)], field: &str| {
                    fields.iter().find_map(|(f, v)| match v {
                        OptionValue::Bool(b) if *f == field => Some(*b),
                        _ => None,
                    })
                };
                let timeout = |fields: &[(&str, OptionValue)]| {
                    fields.iter().find_map(|(_, v)| match v {
                        OptionValue::Duration(d) => Some(parsed(d)),
                        _ => None,
                    })
                };
                release.uninstall = h.uninstall.as_deref().map(|u| Uninstall {
                    keep_history: boolean(u, "keep_history"),
                    disable_hooks: flag(u, "disable_hooks"),
                    disable_wait: flag(u, "disable_wait"),
                    timeout: timeout(u),
                    ..Default::default()
                });
                release.test = h.test.as_deref().map(|t| HelmTest {
                    enable: boolean(t, "enable").unwrap_or_default(),
                    ignore_failures: flag(t, "ignore_failures"),
                    timeout: timeout(t),
                    ..Default::default()
                });
                release.rollback = h.rollback.as_deref().map(|r| Rollback {
                    cleanup_on_fail: flag(r, "cleanup_on_fail"),
                    disable_hooks: flag(r, "disable_hooks"),
                    disable_wait: flag(r, "disable_wait"),
                    disable_wait_for_jobs: flag(r, "disable_wait_for_jobs"),
                    force: flag(r, "force"),
                    recreate: flag(r, "recreate"),
                    timeout: timeout(r),
                    ..Default::default()
                });
                release.drift_detection = h.drift.map(|mode| DriftDetection {
                    mode: match mode {
                        "Enabled" => DriftMode::Enabled,
                        "Warn" => DriftMode::Warn,
                        _ => DriftMode::Disabled,
                    },
                    ignore: Vec::new(),
                });
                Handle::HelmRelease(add(c, file, self.version, release))
            }
        }
    }

    /// The handle's type, as the generated code spells it.
    pub(crate) fn handle_type(&self) -> &'static str {
        match self.spec {
            Spec::GitRepository(_) => "Ref<GitRepository>",
            Spec::Kustomization(_) => "Ref<Kustomization>",
            Spec::HelmRepository(_) => "Ref<HelmRepository>",
            Spec::HelmRelease(_) => "Ref<HelmRelease>",
            Spec::OciRepository(_) => "Ref<OCIRepository>",
            Spec::ArtifactGenerator(_) => "Ref<ArtifactGenerator>",
            Spec::ThisRepository { .. } => "Ref<GitRepository>",
            Spec::DecryptionKeys { .. } => "Ref<fluxdsl::k8s_openapi::api::core::v1::Secret>",
        }
    }
}

/// The handle a typed declaration returned.
#[derive(Debug, Clone)]
pub(crate) enum Handle {
    GitRepository(crate::Ref<crate::GitRepository>),
    Kustomization(crate::Ref<crate::Kustomization>),
    HelmRepository(crate::Ref<crate::HelmRepository>),
    HelmRelease(crate::Ref<crate::HelmRelease>),
    OciRepository(crate::Ref<crate::OCIRepository>),
    ArtifactGenerator(crate::Ref<crate::ArtifactGenerator>),
    Secret(crate::Ref<k8s_openapi::api::core::v1::Secret>),
}

impl Handle {
    /// As the source of this repository or of a tree.
    pub(crate) fn git_repository(&self) -> Option<&crate::Ref<crate::GitRepository>> {
        match self {
            Handle::GitRepository(r) => Some(r),
            _ => None,
        }
    }
}

fn git_repository(value: &Value) -> Option<GitRepositorySpec> {
    let spec = value["spec"].as_object()?;
    if spec
        .keys()
        .any(|k| !GIT_REPOSITORY_FIELDS.contains(&k.as_str()))
    {
        return None;
    }
    let reference = match spec.get("ref") {
        None => None,
        Some(reference) => {
            let reference = reference.as_object()?;
            Some(match reference.len() {
                1 => {
                    let (kind, v) = reference.iter().next()?;
                    let kind = ["branch", "tag", "semver", "name", "commit"]
                        .into_iter()
                        .find(|k| k == kind)?;
                    GitRefSpec::One(kind, v.as_str()?.to_owned())
                }
                2 => GitRefSpec::BranchCommit(
                    reference.get("branch")?.as_str()?.to_owned(),
                    reference.get("commit")?.as_str()?.to_owned(),
                ),
                _ => return None,
            })
        }
    };
    let secret = match spec.get("secretRef") {
        None => None,
        Some(secret) => {
            let secret = secret.as_object()?;
            if secret.len() != 1 {
                return None;
            }
            let secret = secret.get("name")?.as_str()?;
            name_of(secret)?;
            Some(secret.to_owned())
        }
    };
    Some(GitRepositorySpec {
        url: spec.get("url")?.as_str()?.to_owned(),
        reference,
        secret,
        interval: duration(spec.get("interval")?)?,
        timeout: match spec.get("timeout") {
            None => None,
            Some(t) => Some(duration(t)?),
        },
        ignore: match spec.get("ignore") {
            None => None,
            Some(i) => Some(i.as_str()?.to_owned()),
        },
    })
}

fn helm_repository(value: &Value) -> Option<HelmRepositorySpec> {
    let spec = value["spec"].as_object()?;
    if spec
        .keys()
        .any(|k| !HELM_REPOSITORY_FIELDS.contains(&k.as_str()))
    {
        return None;
    }
    let oci = match spec.get("type") {
        None => false,
        // `default` is what the type leaves out.
        Some(t) => (t.as_str()? == "oci").then_some(true)?,
    };
    Some(HelmRepositorySpec {
        url: spec.get("url")?.as_str()?.to_owned(),
        interval: duration(spec.get("interval")?)?,
        oci,
        timeout: match spec.get("timeout") {
            None => None,
            Some(t) => Some(duration(t)?),
        },
    })
}

/// The media type of a Helm chart's content layer (`LayerSelector::helm_chart`).
const HELM_CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

fn artifact_generator(value: &Value) -> Option<ArtifactGeneratorSpec> {
    let holder = value["metadata"]["namespace"].as_str()?;
    let spec = value["spec"].as_object()?;
    if spec
        .keys()
        .any(|k| !ARTIFACT_GENERATOR_FIELDS.contains(&k.as_str()))
    {
        return None;
    }
    let text = |map: &serde_json::Map<String, Value>, k: &str| match map.get(k) {
        None => Some(None),
        Some(v) => v.as_str().map(|v| Some(v.to_owned())),
    };
    let list = |k: &str| spec.get(k)?.as_array().filter(|l| !l.is_empty());
    let sources = list("sources")?
        .iter()
        .map(|source| {
            let mut source = source.as_object()?.clone();
            let alias = source.remove("alias")?.as_str()?.to_owned();
            let source = Value::Object(source);
            let key = ["GitRepository", "OCIRepository"]
                .into_iter()
                .find_map(|kind| relative(&source, Some(kind), holder))?;
            Some((alias, key))
        })
        .collect::<Option<Vec<_>>>()?;
    let artifacts = list("artifacts")?
        .iter()
        .map(|artifact| {
            let artifact = artifact.as_object()?;
            let known = ["name", "originRevision", "revision", "copy"];
            if artifact.keys().any(|k| !known.contains(&k.as_str())) {
                return None;
            }
            let name = artifact.get("name")?.as_str()?;
            Name::new(name).ok()?;
            let copy = artifact
                .get("copy")?
                .as_array()
                .filter(|l| !l.is_empty())?
                .iter()
                .map(|c| {
                    let c = c.as_object()?;
                    let known = ["from", "to", "exclude", "strategy"];
                    if c.keys().any(|k| !known.contains(&k.as_str())) {
                        return None;
                    }
                    let exclude = match c.get("exclude") {
                        None => Vec::new(),
                        Some(e) => e
                            .as_array()
                            .filter(|l| !l.is_empty())?
                            .iter()
                            .map(|g| g.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()?,
                    };
                    let merge = match c.get("strategy") {
                        None => false,
                        Some(s) => (s.as_str()? == "Merge").then_some(true)?,
                    };
                    Some(CopySpec {
                        from: text(c, "from")??,
                        to: text(c, "to")??,
                        exclude,
                        merge,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(ArtifactSpec {
                name: name.to_owned(),
                origin_revision: text(artifact, "originRevision")?,
                revision: text(artifact, "revision")?,
                copy,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ArtifactGeneratorSpec { sources, artifacts })
}

fn oci_repository(value: &Value) -> Option<OciRepositorySpec> {
    let spec = value["spec"].as_object()?;
    if spec
        .keys()
        .any(|k| !OCI_REPOSITORY_FIELDS.contains(&k.as_str()))
    {
        return None;
    }
    let text = |map: &serde_json::Map<String, Value>, k: &str| {
        map.get(k).and_then(Value::as_str).map(str::to_owned)
    };
    let reference = match spec.get("ref") {
        None => None,
        Some(r) => {
            let r = r.as_object()?;
            let keys: Vec<&str> = r.keys().map(String::as_str).collect();
            Some(match keys.as_slice() {
                ["tag"] => OciRefSpec::Tag(text(r, "tag")?),
                ["digest", "tag"] | ["tag", "digest"] => {
                    OciRefSpec::TagAtDigest(text(r, "tag")?, text(r, "digest")?)
                }
                ["digest"] => OciRefSpec::Digest(text(r, "digest")?),
                ["semver"] => OciRefSpec::Semver(text(r, "semver")?, None),
                ["semver", "semverFilter"] | ["semverFilter", "semver"] => {
                    OciRefSpec::Semver(text(r, "semver")?, Some(text(r, "semverFilter")?))
                }
                _ => return None,
            })
        }
    };
    let layer = match spec.get("layerSelector") {
        None => None,
        Some(l) => {
            let l = l.as_object().filter(|l| l.len() == 2)?;
            let operation = ["extract", "copy"]
                .into_iter()
                .find(|o| l.get("operation").and_then(Value::as_str) == Some(o))?;
            Some((text(l, "mediaType")?, operation))
        }
    };
    let cosign = match spec.get("verify") {
        None => false,
        Some(v) => {
            let v = v.as_object().filter(|v| v.len() == 1)?;
            (v.get("provider")?.as_str()? == "cosign").then_some(true)?
        }
    };
    Some(OciRepositorySpec {
        url: spec.get("url")?.as_str()?.to_owned(),
        interval: duration(spec.get("interval")?)?,
        reference,
        layer,
        timeout: match spec.get("timeout") {
            None => None,
            Some(t) => Some(duration(t)?),
        },
        cosign,
        provider: match spec.get("provider") {
            None => None,
            Some(p) => Some(
                [
                    ("generic", "Generic"),
                    ("aws", "Aws"),
                    ("azure", "Azure"),
                    ("gcp", "Gcp"),
                ]
                .into_iter()
                .find(|(yaml, _)| p.as_str() == Some(yaml))?
                .1,
            ),
        },
        secret: match spec.get("secretRef") {
            None => None,
            Some(secret) => {
                let secret = secret.as_object().filter(|s| s.len() == 1)?;
                let secret = secret.get("name")?.as_str()?;
                name_of(secret)?;
                Some(secret.to_owned())
            }
        },
    })
}

/// `spec.install` (`flag`: `createNamespace`) or `spec.upgrade` (`cleanupOnFail`) of
/// `crds`, `remediation.retries` and the flag, as the typed action writes them.
/// `spec.install` (`upgrade` false: flags `createNamespace` and `replace`) or
/// `spec.upgrade` (flags `cleanupOnFail` and `force`, and a remediation `strategy`).
fn action(value: &Value, upgrade: bool) -> Option<ActionSpec> {
    let (flag, second) = match upgrade {
        false => ("createNamespace", "replace"),
        true => ("cleanupOnFail", "force"),
    };
    let map = value.as_object().filter(|m| !m.is_empty())?;
    let mut action = ActionSpec::default();
    for (key, v) in map {
        match key.as_str() {
            k if k == flag => action.flag = v.as_bool().filter(|&b| b)?,
            k if k == second => action.second = v.as_bool().filter(|&b| b)?,
            "crds" => {
                let crds = ["Skip", "Create", "CreateReplace"]
                    .into_iter()
                    .find(|c| v.as_str() == Some(c))?;
                action.crds = Some(crds);
            }
            "timeout" => action.timeout = Some(duration(v)?),
            k if ACTION_FLAGS.iter().any(|(yaml, _)| *yaml == k) => {
                v.as_bool().filter(|&b| b)?;
                let (_, field) = ACTION_FLAGS.iter().find(|(yaml, _)| *yaml == k)?;
                action.flags.push(field);
            }
            // Retrying without remediation: the one strategy written by its name.
            "strategy" => {
                let strategy = v.as_object()?;
                if strategy.get("name")?.as_str()? != "RetryOnFailure"
                    || strategy.keys().any(|k| k != "name" && k != "retryInterval")
                {
                    return None;
                }
                action.retry_on_failure = Some(match strategy.get("retryInterval") {
                    None => None,
                    Some(i) => Some(duration(i)?),
                });
            }
            "remediation" => {
                let remediation = v.as_object().filter(|r| !r.is_empty())?;
                for (key, v) in remediation {
                    match key.as_str() {
                        "retries" => action.retries = Some(v.as_i64()?),
                        "remediateLastFailure" => action.last_failure = Some(v.as_bool()?),
                        "strategy" if upgrade => {
                            action.strategy = Some(match v.as_str()? {
                                "rollback" => "Rollback",
                                "uninstall" => "Uninstall",
                                _ => return None,
                            })
                        }
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
    }
    // One strategy: retrying without remediation, or remediating `retries` times.
    if action.retry_on_failure.is_some() && action.retries.is_some() {
        return None;
    }
    Some(action)
}

fn helm_release(value: &Value) -> Option<HelmReleaseSpec> {
    let holder = value["metadata"]["namespace"].as_str()?;
    let spec = value["spec"].as_object()?;
    if spec
        .keys()
        .any(|k| !HELM_RELEASE_FIELDS.contains(&k.as_str()))
    {
        return None;
    }
    let chart_ref = spec.contains_key("chartRef");
    let empty = serde_json::Map::new();
    let template = match chart_ref {
        true if spec.contains_key("chart") => return None,
        true => &empty,
        false => {
            let chart = spec.get("chart")?.as_object()?;
            if chart.len() != 1 {
                return None; // `metadata` too
            }
            chart.get("spec")?.as_object()?
        }
    };
    const CHART: [&str; 5] = [
        "chart",
        "version",
        "sourceRef",
        "interval",
        "reconcileStrategy",
    ];
    if template.keys().any(|k| !CHART.contains(&k.as_str())) {
        return None;
    }
    let (source, source_namespace_written) = match chart_ref {
        true => relative_written(spec.get("chartRef")?, Some("OCIRepository"), holder)?,
        false => ["HelmRepository", "GitRepository"]
            .into_iter()
            .find_map(|kind| relative_written(template.get("sourceRef")?, Some(kind), holder))?,
    };
    let text = |v: Option<&Value>| match v {
        None => Some(None),
        Some(v) => v.as_str().map(|s| Some(s.to_owned())),
    };
    let optional_duration = |v: Option<&Value>| match v {
        None => Some(None),
        Some(v) => duration(v).map(Some),
    };
    let target_namespace = text(spec.get("targetNamespace"))?;
    if let Some(t) = &target_namespace {
        namespace_of(t)?;
    }
    let depends_on = match spec.get("dependsOn") {
        None => Vec::new(),
        Some(list) => list
            .as_array()
            .filter(|l| !l.is_empty())?
            .iter()
            .map(|d| {
                relative(d, None, holder).map(|k| Key {
                    kind: "HelmRelease",
                    ..k
                })
            })
            .collect::<Option<Vec<Key>>>()?,
    };
    Some(HelmReleaseSpec {
        source,
        source_namespace_written,
        chart_ref,
        chart: match chart_ref {
            true => String::new(),
            false => template.get("chart")?.as_str()?.to_owned(),
        },
        version: text(template.get("version"))?,
        chart_interval: optional_duration(template.get("interval"))?,
        reconcile: match template.get("reconcileStrategy") {
            None => None,
            Some(r) => Some(match r.as_str()? {
                "ChartVersion" => "ChartVersion",
                "Revision" => "Revision",
                _ => return None,
            }),
        },
        interval: duration(spec.get("interval")?)?,
        release_name: text(spec.get("releaseName"))?,
        target_namespace,
        timeout: optional_duration(spec.get("timeout"))?,
        max_history: match spec.get("maxHistory") {
            None => None,
            Some(m) => Some(m.as_i64()?),
        },
        depends_on,
        install: match spec.get("install") {
            None => None,
            Some(a) => Some(action(a, false)?),
        },
        upgrade: match spec.get("upgrade") {
            None => None,
            Some(a) => Some(action(a, true)?),
        },
        // Written as the manifest has it (an empty map too).
        values: spec.get("values").cloned(),
        uninstall: match spec.get("uninstall") {
            None => None,
            Some(u) => Some(options(u, &UNINSTALL)?),
        },
        test: match spec.get("test") {
            None => None,
            Some(t) => Some(options(t, &TEST)?),
        },
        rollback: match spec.get("rollback") {
            None => None,
            Some(r) => Some(options(r, &ROLLBACK)?),
        },
        values_from: match spec.get("valuesFrom") {
            None => Vec::new(),
            Some(list) => list
                .as_array()
                .filter(|l| !l.is_empty())?
                .iter()
                .map(values_from)
                .collect::<Option<Vec<_>>>()?,
        },
        drift: match spec.get("driftDetection") {
            None => None,
            Some(d) => {
                let d = d.as_object().filter(|d| d.len() == 1)?;
                let mode = d.get("mode")?.as_str()?;
                Some(
                    [
                        ("enabled", "Enabled"),
                        ("warn", "Warn"),
                        ("disabled", "Disabled"),
                    ]
                    .into_iter()
                    .find(|(yaml, _)| *yaml == mode)?
                    .1,
                )
            }
        },
    })
}

/// A `valuesFrom` entry as `ValuesFrom` writes it (`optional` only when `true`).
fn values_from(entry: &Value) -> Option<ValuesFromSpec> {
    let entry = entry.as_object()?;
    const KEYS: [&str; 5] = ["kind", "name", "valuesKey", "targetPath", "optional"];
    if entry.keys().any(|k| !KEYS.contains(&k.as_str())) {
        return None;
    }
    let text = |k: &str| match entry.get(k) {
        None => Some(None),
        Some(v) => v.as_str().map(|v| Some(v.to_owned())),
    };
    let name = entry.get("name")?.as_str()?;
    name_of(name)?;
    Some(ValuesFromSpec {
        secret: match entry.get("kind")?.as_str()? {
            "Secret" => true,
            "ConfigMap" => false,
            _ => return None,
        },
        name: name.to_owned(),
        key: text("valuesKey")?,
        target_path: text("targetPath")?,
        optional: match entry.get("optional") {
            None => false,
            Some(Value::Bool(true)) => true,
            Some(_) => return None,
        },
    })
}

fn kustomization(value: &Value) -> Option<KustomizationSpec> {
    let holder = value["metadata"]["namespace"].as_str()?;
    let spec = value["spec"].as_object()?;
    if spec
        .keys()
        .any(|k| !KUSTOMIZATION_FIELDS.contains(&k.as_str()))
    {
        return None;
    }
    let optional = |field: &str| match spec.get(field) {
        None => Some(None),
        Some(v) => duration(v).map(Some),
    };
    // `true` only: the type writes these when set, and leaves `false` out.
    let flag = |field: &str| match spec.get(field) {
        None => Some(false),
        Some(Value::Bool(true)) => Some(true),
        Some(_) => None,
    };
    let depends_on = match spec.get("dependsOn") {
        None => Vec::new(),
        Some(list) => {
            let list = list.as_array().filter(|l| !l.is_empty())?;
            list.iter()
                .map(|d| relative(d, None, holder))
                .collect::<Option<Vec<Key>>>()?
        }
    };
    let path = match spec.get("path") {
        None => None,
        Some(p) => Some(p.as_str().filter(|p| !p.is_empty())?.to_owned()),
    };
    let target_namespace = match spec.get("targetNamespace") {
        None => None,
        Some(t) => {
            let t = t.as_str()?;
            namespace_of(t)?;
            Some(t.to_owned())
        }
    };
    let substitute = match spec.get("postBuild") {
        None => Vec::new(),
        Some(post) => {
            let post = post.as_object()?;
            if post.len() != 1 {
                return None;
            }
            let map = post
                .get("substitute")?
                .as_object()
                .filter(|m| !m.is_empty())?;
            map.iter()
                .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect::<Option<Vec<_>>>()?
        }
    };
    let decryption = match spec.get("decryption") {
        None => None,
        Some(d) => {
            let d = d.as_object()?;
            if d.len() != 2 || d.get("provider")? != "sops" {
                return None;
            }
            let secret = relative(d.get("secretRef")?, None, holder)?;
            if secret.namespace != holder {
                return None;
            }
            Some(Key {
                kind: "Secret",
                ..secret
            })
        }
    };
    let patches = match spec.get("patches") {
        None => Vec::new(),
        Some(list) => list
            .as_array()
            .filter(|l| !l.is_empty())?
            .iter()
            .map(patch)
            .collect::<Option<Vec<_>>>()?,
    };
    // A HelmRelease's health, named with its namespace (the check writes it).
    let health_checks = match spec.get("healthChecks") {
        None => Vec::new(),
        Some(list) => list
            .as_array()
            .filter(|l| !l.is_empty())?
            .iter()
            .map(|check| {
                let mut check = check.as_object()?.clone();
                let version = check
                    .remove("apiVersion")?
                    .as_str()?
                    .strip_prefix("helm.toolkit.fluxcd.io/")?
                    .to_owned();
                check.get("namespace")?;
                let key = relative_written(&Value::Object(check), Some("HelmRelease"), holder)?.0;
                Some((key, version))
            })
            .collect::<Option<Vec<_>>>()?,
    };
    let common = match spec.get("commonMetadata") {
        None => None,
        Some(m) => {
            let m = m.as_object().filter(|m| !m.is_empty())?;
            if m.keys().any(|k| k != "labels" && k != "annotations") {
                return None;
            }
            let of = |k: &str| m.get(k).map_or(Some(Vec::new()), pairs);
            Some((of("labels")?, of("annotations")?))
        }
    };
    Some(KustomizationSpec {
        common,
        source: ["GitRepository", "OCIRepository", "ExternalArtifact"]
            .into_iter()
            .find_map(|kind| relative(spec.get("sourceRef")?, Some(kind), holder))?,
        path,
        interval: duration(spec.get("interval")?)?,
        prune: spec.get("prune")?.as_bool()?,
        depends_on,
        wait: match spec.get("wait") {
            None => None,
            Some(w) => Some(w.as_bool()?),
        },
        timeout: optional("timeout")?,
        retry_interval: optional("retryInterval")?,
        target_namespace,
        suspend: flag("suspend")?,
        force: flag("force")?,
        substitute,
        service_account: match spec.get("serviceAccountName") {
            None => None,
            Some(sa) => {
                let sa = sa.as_str()?;
                name_of(sa)?;
                Some(sa.to_owned())
            }
        },
        decryption,
        patches,
        health_checks,
    })
}

/// The fields of a patch's `target`, as [`crate::PatchTarget`] names them.
const PATCH_TARGET: [(&str, &str); 7] = [
    ("group", "group"),
    ("version", "version"),
    ("kind", "kind"),
    ("name", "name"),
    ("namespace", "namespace"),
    ("labelSelector", "label_selector"),
    ("annotationSelector", "annotation_selector"),
];

/// A patch's `target`: its fields, by their `PatchTarget` names.
pub(crate) type Target = Vec<(&'static str, String)>;

/// The `PatchTarget` expression of `fields`.
pub(crate) fn target_code(fields: &Target) -> String {
    let mut target = String::from("PatchTarget {");
    for (field, v) in fields {
        let _ = write!(target, " {field}: Some({}.into()),", lit(v));
    }
    target.push_str(" ..Default::default() }");
    target
}

/// The `PatchTarget` [`target_code`] makes.
pub(crate) fn target_value(fields: &Target) -> crate::PatchTarget {
    let mut target = crate::PatchTarget::default();
    for (field, v) in fields {
        let slot = match *field {
            "group" => &mut target.group,
            "version" => &mut target.version,
            "kind" => &mut target.kind,
            "name" => &mut target.name,
            "namespace" => &mut target.namespace,
            "label_selector" => &mut target.label_selector,
            "annotation_selector" => &mut target.annotation_selector,
            other => unreachable!("{other} is not in PATCH_TARGET"),
        };
        *slot = Some(v.clone());
    }
    target
}

/// A patch's `target` (`None`: it has none), if `PatchTarget` writes it as it is.
pub(crate) fn patch_target(target: Option<&Value>) -> Option<Option<Target>> {
    let Some(t) = target else {
        return Some(None);
    };
    let t = t.as_object().filter(|t| !t.is_empty())?;
    let mut fields = Vec::new();
    for (k, v) in t {
        let (_, field) = PATCH_TARGET.iter().find(|(yaml, _)| yaml == k)?;
        fields.push((*field, v.as_str()?.to_owned()));
    }
    Some(Some(fields))
}

impl PatchSpec {
    /// The `Patch` expression.
    pub(crate) fn code(&self) -> String {
        match &self.target {
            None => format!("Patch::strategic_merge({})", text_lit(&self.text)),
            Some(fields) => format!(
                "Patch::new({}, {})",
                text_lit(&self.text),
                target_code(fields)
            ),
        }
    }

    /// The `Patch` itself, as [`Self::code`] makes it.
    pub(crate) fn value(&self) -> crate::Patch {
        match &self.target {
            None => crate::Patch::strategic_merge(&self.text),
            Some(fields) => crate::Patch::new(&self.text, target_value(fields)),
        }
    }
}

/// One entry of `patches`, if the typed `Patch` writes it as it is.
pub(crate) fn patch(value: &Value) -> Option<PatchSpec> {
    let map = value.as_object()?;
    if map.keys().any(|k| k != "patch" && k != "target") {
        return None;
    }
    let text = map.get("patch")?.as_str()?.to_owned();
    let target = patch_target(map.get("target"))?;
    Some(PatchSpec { text, target })
}

/// A Namespace with nothing but its name and labels, typed: `Cluster::namespace` without
/// labels, else k8s-openapi's `Namespace`.
pub(crate) struct PlainNamespace<'a> {
    name: &'a str,
    labels: Vec<(&'a str, &'a str)>,
}

impl<'a> PlainNamespace<'a> {
    /// The Namespace `doc` is, if it is one of a plain name and labels only.
    pub(crate) fn of(doc: &'a Value) -> Option<PlainNamespace<'a>> {
        let fields_ok = doc
            .as_object()?
            .keys()
            .all(|k| matches!(k.as_str(), "apiVersion" | "kind" | "metadata"));
        let metadata = doc["metadata"].as_object()?;
        let meta_ok = metadata.keys().all(|k| k == "name" || k == "labels");
        if !(doc["apiVersion"] == "v1" && doc["kind"] == "Namespace" && fields_ok && meta_ok) {
            return None;
        }
        let name = metadata.get("name")?.as_str()?;
        if name.contains('$') || NamespaceName::new(name).is_err() {
            return None;
        }
        let labels = match metadata.get("labels") {
            None => Vec::new(),
            Some(labels) => labels
                .as_object()
                .filter(|l| !l.is_empty())?
                .iter()
                .map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                .collect::<Option<Vec<_>>>()?,
        };
        Some(PlainNamespace { name, labels })
    }

    /// Whether it is written with k8s-openapi's types (which the module imports).
    pub(crate) fn uses_k8s_openapi(&self) -> bool {
        !self.labels.is_empty()
    }

    /// The statement declaring it in `file`.
    pub(crate) fn code(&self) -> String {
        if self.labels.is_empty() {
            return format!("    c.namespace(&file, namespace!({}));\n", lit(self.name));
        }
        format!(
            "    c.add(\n        &file,\n        Namespace {{\n            metadata: ObjectMeta {{\n                \
             name: Some({}.into()),\n                labels: Some({}),\n                \
             ..Default::default()\n            }},\n            ..Default::default()\n        }},\n    );\n",
            lit(self.name),
            super::rust::string_map(&self.labels)
        )
    }

    /// Declares it in `file` as [`Self::code`] does.
    pub(crate) fn declare(&self, c: &mut crate::Cluster, file: &crate::File) {
        let name = NamespaceName::new(self.name).expect("a checked namespace");
        if self.labels.is_empty() {
            c.namespace(file, name);
            return;
        }
        let labels = self
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()));
        c.add(
            file,
            k8s_openapi::api::core::v1::Namespace {
                metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                    name: Some(name.as_str().to_owned()),
                    labels: Some(labels.collect()),
                    ..Default::default()
                },
                ..Default::default()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bootstrap() -> Value {
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system"},
            "spec": {
                "interval": "1m0s",
                "ref": {"branch": "main"},
                "secretRef": {"name": "flux-system"},
                "url": "ssh://git@github.com/org/fleet",
            },
        })
    }

    /// What `recipe` refers to: (kind, namespace, name) each.
    fn refs(recipe: &Recipe) -> Vec<(&str, &str, &str)> {
        recipe
            .references()
            .iter()
            .map(|k| (k.kind, k.namespace.as_str(), k.name.as_str()))
            .collect()
    }

    /// Asserts that `value` with each (pointer, other value) change has no recipe.
    #[track_caller]
    fn stays_a_manifest(value: &Value, changes: &[(&str, Value)]) {
        for (pointer, other) in changes {
            let other = changed(value, pointer, other.clone());
            assert!(Recipe::of(&other).is_none(), "{pointer}");
        }
    }

    fn changed(value: &Value, pointer: &str, other: Value) -> Value {
        let mut changed = value.clone();
        match changed.pointer_mut(pointer) {
            Some(v) => *v = other,
            None => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                changed.pointer_mut(parent).unwrap()[key] = other;
            }
        }
        changed
    }

    #[test]
    fn why_a_flux_object_stays_a_manifest_is_what_would_type_it() {
        let git = bootstrap();
        assert!(Recipe::of(&git).is_some());
        let cases = [
            (
                changed(
                    &git,
                    "/apiVersion",
                    json!("source.toolkit.fluxcd.io/v1beta1"),
                ),
                "the typed GitRepository writes v1 or v1beta2, not v1beta1",
            ),
            (
                changed(&git, "/metadata/labels", json!({"team": "dev"})),
                "the import types no GitRepository with metadata.labels",
            ),
            (
                changed(&git, "/spec/include", json!([])),
                "the import types no GitRepository with spec.include",
            ),
            (
                changed(&git, "/spec/timeout", json!("a while")),
                "the import does not type a GitRepository with spec.timeout as set here",
            ),
            (
                changed(&git, "/kind", json!("Bucket")),
                "the import types no Bucket (source.toolkit.fluxcd.io)",
            ),
        ];
        for (value, why) in cases {
            assert!(Recipe::of(&value).is_none(), "{value}");
            assert_eq!(why_not(&value).as_deref(), Some(why), "{value}");
        }
        let mut unset = git.clone();
        unset["spec"].as_object_mut().unwrap().remove("interval");
        assert_eq!(
            why_not(&unset).as_deref(),
            Some("it sets no spec.interval, which the typed GitRepository requires")
        );
        // A release's values are not probed: what it names is the field that stops it.
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "web", "namespace": "web"},
            "spec": {
                "chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}},
                "interval": "1h",
                "timeout": "soon",
                "values": {"replicas": 2, "image": {"tag": "1.0"}},
            },
        });
        assert_eq!(
            why_not(&release).as_deref(),
            Some("the import does not type a HelmRelease with spec.timeout as set here")
        );
        // Not a Flux object: no line.
        assert_eq!(
            why_not(&json!({"apiVersion": "v1", "kind": "ConfigMap"})),
            None
        );
    }

    #[test]
    fn a_namespace_of_a_name_and_labels_is_typed_and_one_with_more_stays_a_manifest() {
        let plain = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}});
        let ns = PlainNamespace::of(&plain).unwrap();
        assert_eq!(ns.code(), "    c.namespace(&file, namespace!(\"web\"));\n");
        assert!(!ns.uses_k8s_openapi());
        let labelled = changed(&plain, "/metadata/labels", json!({"team": "dev"}));
        let ns = PlainNamespace::of(&labelled).unwrap();
        assert!(ns.uses_k8s_openapi());
        let code = ns.code();
        for part in [
            "Namespace {",
            "metadata: ObjectMeta {",
            "name: Some(\"web\".into()),",
            "labels: Some([(\"team\".to_string(), \"dev\".to_string())].into()),",
        ] {
            assert!(code.contains(part), "{part} in {code}");
        }
        // In process, declared as the code declares it: rendered as the manifest is.
        let mut c = crate::Cluster::new("");
        let file = c.file("ns.yaml");
        ns.declare(&mut c, &file);
        let rendered = c.render().unwrap();
        let text = rendered.file("ns.yaml").unwrap();
        let value: Value = serde_yaml::from_str(text).unwrap();
        assert_eq!(value, labelled);
        for (pointer, other) in [
            ("/metadata/annotations", json!({"a": "b"})),
            ("/metadata/labels", json!({"team": 1})),
            ("/metadata/labels", json!({})),
            ("/metadata/name", json!("${app}")),
            ("/metadata/name", json!("Web")),
            ("/spec", json!({"finalizers": ["kubernetes"]})),
            ("/apiVersion", json!("v2")),
        ] {
            let other = changed(&labelled, pointer, other);
            assert!(PlainNamespace::of(&other).is_none(), "{pointer}");
        }
    }

    #[test]
    fn a_bootstrap_git_repository_is_declared_typed_and_anything_else_as_it_is() {
        assert_eq!(
            Recipe::of(&bootstrap()).unwrap().code(&[]),
            "GitRepository::builder()\n            \
             .name(name!(\"flux-system\"))\n            .namespace(NamespaceName::FLUX_SYSTEM)\n            \
             .url(\"ssh://git@github.com/org/fleet\")\n            \
             .reference(GitRef::branch(\"main\"))\n            \
             .secret_ref(&Ref::existing(&NamespaceName::FLUX_SYSTEM, name!(\"flux-system\")))\n            \
             .interval(duration!(\"1m0s\"))\n            .build()"
        );
        // A name of postBuild variables is a checked template.
        let templated = changed(&bootstrap(), "/metadata/name", json!("${cluster}-fleet"));
        assert!(Recipe::of(&templated).unwrap().code(&[]).contains(
            ".name(Name::with_variables(\"${cluster}-fleet\").expect(\"a name template\"))"
        ));
        assert_eq!(var_name("${cluster}-fleet"), "cluster_fleet");
        // What the typed object would write otherwise stays a manifest.
        stays_a_manifest(
            &bootstrap(),
            &[
                ("/apiVersion", json!("source.toolkit.fluxcd.io/v1beta1")),
                ("/spec/interval", json!("1d")),
                ("/metadata/labels", json!({"a": "b"})),
                ("/metadata/name", json!("${1st}-fleet")),
                ("/spec/suspend", json!(false)),
                ("/spec/ref", json!({"tag": "v1", "semver": "1.x"})),
                ("/spec/ignore", json!(["/*"])),
            ],
        );
        // `ignore` line by line, a final newline as a last empty pattern.
        let ignoring = changed(&bootstrap(), "/spec/ignore", json!("/*\n!/deploy\n"));
        let code = Recipe::of(&ignoring).unwrap().code(&[]);
        assert!(
            code.contains(".ignore(&[\"/*\", \"!/deploy\", \"\"])"),
            "{code}"
        );
    }

    #[test]
    fn what_helm_skips_in_an_install_or_upgrade_is_typed_as_its_action_flags() {
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "podinfo", "namespace": "default"},
            "spec": {
                "chartRef": {"kind": "OCIRepository", "name": "podinfo", "namespace": "default"},
                "interval": "10m",
                "install": {"disableOpenAPIValidation": true, "disableWait": true},
                "upgrade": {"disableSchemaValidation": true},
            },
        });
        let code = Recipe::of(&release).unwrap().code(&["podinfo".into()]);
        for call in [
            ".install(Install { flags: fluxdsl::helm::ActionFlags { disable_open_api_validation: true, disable_wait: true, ..Default::default() }, ..Default::default() })",
            ".upgrade(Upgrade { flags: fluxdsl::helm::ActionFlags { disable_schema_validation: true, ..Default::default() }, ..Default::default() })",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        // `false` is the type's default, which it leaves out.
        stays_a_manifest(&release, &[("/spec/install/disableWait", json!(false))]);
    }

    #[test]
    fn a_charts_reconcile_strategy_and_a_kustomizations_common_metadata_are_typed() {
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "metallb", "namespace": "metallb"},
            "spec": {
                "chart": {"spec": {"chart": "metallb", "reconcileStrategy": "ChartVersion",
                    "sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}},
                "interval": "5m",
            },
        });
        let code = Recipe::of(&release).unwrap().code(&["bitnami".into()]);
        let call = ".chart(Chart::from_source(bitnami, \"metallb\").reconcile_strategy(fluxdsl::source::ReconcileStrategy::ChartVersion))";
        assert!(code.contains(call), "{call} in {code}");
        stays_a_manifest(
            &release,
            &[("/spec/chart/spec/reconcileStrategy", json!("Always"))],
        );
        let kustomization = json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "snapshots", "namespace": "flux-system"},
            "spec": {
                "commonMetadata": {"labels": {"app.kubernetes.io/name": "snapshots"}},
                "interval": "30m",
                "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": "snapshotter"},
            },
        });
        let code = Recipe::of(&kustomization)
            .unwrap()
            .code(&["snapshotter".into()]);
        let call = ".common_metadata(fluxdsl::kustomize::CommonMetadata { labels: [(\"app.kubernetes.io/name\".to_string(), \"snapshots\".to_string())].into(), ..Default::default() })";
        assert!(code.contains(call), "{call} in {code}");
        stays_a_manifest(
            &kustomization,
            &[
                ("/spec/commonMetadata/labels", json!({})),
                ("/spec/commonMetadata/finalizers", json!([])),
            ],
        );
    }

    #[test]
    fn a_helm_releases_values_from_is_typed_as_references_of_its_namespace() {
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "netbox", "namespace": "netbox"},
            "spec": {
                "chart": {"spec": {"chart": "netbox", "sourceRef": {"kind": "HelmRepository", "name": "netbox"}}},
                "interval": "1h",
                "valuesFrom": [
                    {"kind": "Secret", "name": "s3", "valuesKey": "access_key",
                     "targetPath": "storages.default.OPTIONS.access_key"},
                    {"kind": "ConfigMap", "name": "extra", "optional": true},
                ],
            },
        });
        let code = Recipe::of(&release).unwrap().code(&["netbox".into()]);
        let call = ".values_from(&[ValuesFrom::secret(&Ref::existing(&namespace!(\"netbox\"), \
                    name!(\"s3\"))).key(\"access_key\").target_path(\"storages.default.OPTIONS.access_key\"), \
                    ValuesFrom::config_map(&Ref::existing(&namespace!(\"netbox\"), name!(\"extra\"))).optional()])";
        assert!(code.contains(call), "{call} in {code}");
        for (pointer, other) in [
            ("/spec/valuesFrom/0/kind", json!("Service")),
            ("/spec/valuesFrom/1/optional", json!(false)),
            ("/spec/valuesFrom/0/namespace", json!("other")),
            ("/spec/valuesFrom", json!([])),
        ] {
            stays_a_manifest(&release, &[(pointer, other)]);
        }
    }

    #[test]
    fn a_helm_release_is_typed_with_its_chart_source_values_and_actions() {
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "web", "namespace": "${app}"},
            "spec": {
                "chart": {"spec": {
                    "chart": "app-template",
                    "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"},
                    "version": "3.x",
                }},
                "install": {"createNamespace": true, "remediation": {"retries": 3}},
                "upgrade": {"cleanupOnFail": true, "crds": "CreateReplace"},
                "interval": "30m",
                "values": {"replicas": 2},
            },
        });
        let recipe = Recipe::of(&release).unwrap();
        assert_eq!(
            recipe.references()[0],
            &Key {
                kind: "HelmRepository",
                namespace: "flux-system".into(),
                name: "charts".into()
            }
        );
        let code = recipe.code(&["charts".into()]);
        for call in [
            ".namespace(NamespaceName::with_variables(\"${app}\").expect(\"a namespace template\"))",
            ".chart(Chart::from_source(charts, \"app-template\").version(\"3.x\"))",
            ".install(Install { create_namespace: true, strategy: Some(Strategy::RemediateOnFailure { retries: 3 }), ..Default::default() })",
            ".upgrade(Upgrade { cleanup_on_fail: true, crds: Some(fluxdsl::helm::Crds::CreateReplace), ..Default::default() })",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        // An install's timeout and replace, an upgrade's remediation in full.
        let mut actions = release.clone();
        actions["spec"]["install"] =
            json!({"timeout": "10m", "replace": true, "remediation": {"retries": -1}});
        actions["spec"]["upgrade"] = json!({"force": true, "remediation": {
            "remediateLastFailure": true, "retries": 3, "strategy": "rollback"}});
        let code = Recipe::of(&actions).unwrap().code(&["charts".into()]);
        for call in [
            ".install(Install { replace: true, timeout: Some(duration!(\"10m\")), strategy: Some(Strategy::RemediateOnFailure { retries: -1 }), ..Default::default() })",
            ".upgrade(Upgrade { force: true, strategy: Some(Strategy::RemediateOnFailure { retries: 3 }), \
             remediation: fluxdsl::helm::Remediation { remediate_last_failure: Some(true), ..Default::default() }, \
             remediation_strategy: Some(fluxdsl::helm::RemediationStrategy::Rollback), ..Default::default() })",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        // A chart from a GitRepository's folder takes the repository's handle.
        let from_git = changed(
            &release,
            "/spec/chart/spec/sourceRef",
            json!({"kind": "GitRepository", "name": "charts"}),
        );
        let recipe = Recipe::of(&from_git).unwrap();
        assert_eq!(recipe.references()[0].kind, "GitRepository");
        assert!(
            recipe
                .code(&["charts".into()])
                .contains(".chart(Chart::from_source(charts, \"app-template\")"),
        );
        // Retrying without remediation, the strategy written by its name.
        let mut retrying = release.clone();
        retrying["spec"]["install"] = json!({"strategy": {"name": "RetryOnFailure"}});
        retrying["spec"]["upgrade"] =
            json!({"strategy": {"name": "RetryOnFailure", "retryInterval": "2m"}});
        let code = Recipe::of(&retrying).unwrap().code(&["charts".into()]);
        for call in [
            ".install(Install { strategy: Some(Strategy::RetryOnFailure { retry_interval: None }), ..Default::default() })",
            ".upgrade(Upgrade { strategy: Some(Strategy::RetryOnFailure { retry_interval: Some(duration!(\"2m\")) }), ..Default::default() })",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        stays_a_manifest(
            &retrying,
            &[
                // RemediateOnFailure is written as remediation, not by name.
                ("/spec/install/strategy/name", json!("RemediateOnFailure")),
                ("/spec/install/remediation", json!({"retries": 3})),
                ("/spec/upgrade/strategy/retryInterval", json!("soon")),
                ("/spec/upgrade/strategy/extra", json!(1)),
            ],
        );
        stays_a_manifest(
            &actions,
            &[
                ("/spec/install/remediation/strategy", json!("rollback")),
                ("/spec/upgrade/remediation/strategy", json!("retry")),
                ("/spec/install/replace", json!(false)),
            ],
        );
        // Its uninstall, test, rollback and drift detection, as their types write them.
        let mut options = release.clone();
        options["spec"]["uninstall"] = json!({"keepHistory": false, "timeout": "5m"});
        options["spec"]["test"] = json!({"enable": false});
        options["spec"]["rollback"] = json!({"recreate": true, "force": true});
        options["spec"]["driftDetection"] = json!({"mode": "warn"});
        let code = Recipe::of(&options).unwrap().code(&["charts".into()]);
        for call in [
            ".uninstall(Uninstall { keep_history: Some(false), timeout: Some(duration!(\"5m\")), ..Default::default() })",
            ".test(HelmTest { enable: false, ..Default::default() })",
            ".rollback(Rollback { force: true, recreate: true, ..Default::default() })",
            ".drift_detection(DriftDetection { mode: DriftMode::Warn, ignore: Vec::new() })",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        stays_a_manifest(
            &options,
            &[
                ("/spec/rollback/force", json!(false)),
                ("/spec/uninstall/deletionPropagation", json!("orphan")),
                ("/spec/test/filters", json!([])),
                ("/spec/driftDetection/ignore", json!([])),
                ("/spec/driftDetection/mode", json!("on")),
                ("/spec/test", json!({})),
            ],
        );
        // An older version the type writes is kept; one it does not, or a field it does
        // not set, leaves the manifest.
        let older = changed(
            &release,
            "/apiVersion",
            json!("helm.toolkit.fluxcd.io/v2beta2"),
        );
        assert_eq!(Recipe::of(&older).unwrap().version(), Some("v2beta2"));
        let oldest = changed(
            &release,
            "/apiVersion",
            json!("helm.toolkit.fluxcd.io/v2beta1"),
        );
        assert_eq!(Recipe::of(&oldest).unwrap().version(), Some("v2beta1"));
        stays_a_manifest(
            &release,
            &[
                ("/apiVersion", json!("helm.toolkit.fluxcd.io/v2beta3")),
                ("/spec/install/remediation/retries", json!("3")),
                ("/spec/install/createNamespace", json!(false)),
                ("/spec/chart/spec/sourceRef/kind", json!("Bucket")),
                ("/spec/uninstall", json!({"keepHistory": "no"})),
            ],
        );
    }

    #[test]
    fn an_oci_repository_is_typed_with_its_provider_credentials_and_verification() {
        let oci = json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1beta2",
            "kind": "OCIRepository",
            "metadata": {"name": "kyverno", "namespace": "apps"},
            "spec": {
                "interval": "2h",
                "provider": "generic",
                "secretRef": {"name": "creds"},
                "url": "oci://ghcr.io/kyverno/manifests/kyverno",
                "ref": {"tag": "v1.14.4"},
                "verify": {"provider": "cosign"},
            },
        });
        let recipe = Recipe::of(&oci).unwrap();
        assert_eq!(recipe.version(), Some("v1beta2"));
        let code = recipe.code(&[]);
        for call in [
            ".provider(fluxdsl::source::OciProvider::Generic)",
            ".secret_ref(&Ref::existing(&namespace!(\"apps\"), name!(\"creds\")))",
            ".verify(fluxdsl::source::OciVerify::cosign())",
            ".reference(OciRef::tag(\"v1.14.4\"))",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        stays_a_manifest(
            &oci,
            &[
                ("/spec/provider", json!("ibm")),
                ("/spec/secretRef/namespace", json!("other")),
                ("/spec/ref", json!({"semver": "1.x", "digest": "sha256:0"})),
                ("/spec/verify/matchOIDCIdentity", json!([])),
            ],
        );
        // A tag pinned to its digest, as Renovate writes it.
        let mut pinned = oci.clone();
        pinned["spec"]["ref"] = json!({"tag": "6.7.1", "digest": "sha256:4d5b"});
        let code = Recipe::of(&pinned).unwrap().code(&[]);
        let call = ".reference(OciRef::tag(\"6.7.1\").at_digest(\"sha256:4d5b\"))";
        assert!(code.contains(call), "{call} in {code}");
    }

    #[test]
    fn an_artifact_generator_is_typed_and_declares_its_artifacts() {
        let generator = json!({
            "apiVersion": "source.extensions.fluxcd.io/v1beta1",
            "kind": "ArtifactGenerator",
            "metadata": {"name": "split", "namespace": "flux-system"},
            "spec": {
                "sources": [
                    {"alias": "repo", "kind": "GitRepository", "name": "flux-system"},
                    {"alias": "charts", "kind": "OCIRepository", "name": "charts", "namespace": "oci"},
                ],
                "artifacts": [{
                    "name": "apps",
                    "originRevision": "@repo",
                    "copy": [
                        {"from": "@repo/apps/**", "to": "@artifact/", "exclude": ["*.md"]},
                        {"from": "@charts/values.yaml", "to": "@artifact/values.yaml", "strategy": "Merge"},
                    ],
                }],
            },
        });
        let recipe = Recipe::of(&generator).unwrap();
        assert_eq!(
            refs(&recipe),
            [
                ("GitRepository", "flux-system", "flux-system"),
                ("OCIRepository", "oci", "charts"),
            ]
        );
        let declared: Vec<(&str, String)> = recipe
            .declared_keys()
            .into_iter()
            .map(|k| (k.kind, k.name))
            .collect();
        assert_eq!(
            declared,
            [
                ("ArtifactGenerator", "split".to_owned()),
                ("ExternalArtifact", "apps".to_owned())
            ]
        );
        let code = recipe.code(&["&flux_system".into(), "charts".into()]);
        for call in [
            ".sources(&[GeneratorSourceRef::new(\"repo\", &flux_system), GeneratorSourceRef::new(\"charts\", charts)])",
            "GeneratedArtifact::new(name!(\"apps\"), &[CopyOperation::new(\"@repo/apps/**\", \"@artifact/\").exclude(&[\"*.md\"]), ",
            "CopyOperation::new(\"@charts/values.yaml\", \"@artifact/values.yaml\").merge()]).origin_revision(\"@repo\")",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        // A Kustomization built from one of its artifacts refers to it.
        let apps = json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {
                "interval": "1h",
                "prune": true,
                "sourceRef": {"kind": "ExternalArtifact", "name": "apps"},
            },
        });
        let source = &Recipe::of(&apps).unwrap().references()[0].clone();
        assert_eq!(
            (source.kind, source.name.as_str()),
            ("ExternalArtifact", "apps")
        );
        stays_a_manifest(
            &generator,
            &[
                ("/spec/sources/0/kind", json!("Bucket")),
                ("/spec/sources/0/namespace", json!("flux-system")),
                ("/spec/sources/0/alias", json!(1)),
                ("/spec/artifacts/0/copy/1/strategy", json!("Overwrite")),
                ("/spec/artifacts/0/copy/0/exclude", json!([])),
                ("/spec/artifacts/0/copy", json!([])),
                ("/spec/artifacts/0/extra", json!(true)),
                ("/spec/artifacts/0/name", json!("Apps")),
                ("/spec/sources", json!([])),
                ("/spec/suspend", json!(true)),
                ("/apiVersion", json!("source.extensions.fluxcd.io/v1")),
            ],
        );
    }

    #[test]
    fn a_kustomization_is_typed_where_the_type_writes_what_the_manifest_says() {
        let apps = json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {
                "dependsOn": [{"name": "infra"}, {"name": "tenants", "namespace": "t"}],
                "interval": "10m",
                "path": "./apps",
                "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                "postBuild": {"substitute": {"cluster": "prod"}},
                "wait": false,
            },
        });
        let recipe = Recipe::of(&apps).unwrap();
        assert_eq!(
            refs(&recipe),
            [
                ("GitRepository", "flux-system", "flux-system"),
                ("Kustomization", "flux-system", "infra"),
                ("Kustomization", "t", "tenants"),
            ]
        );
        let code = recipe.code(&["flux_system".into(), "&infra".into(), "tenants".into()]);
        for call in [
            ".source_ref(flux_system)",
            ".interval(duration!(\"10m\"))",
            ".depends_on(&[&infra, tenants])",
            ".post_build(PostBuild::new().substitute(\"cluster\", \"prod\"))",
            ".wait(false)",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        let older = changed(
            &apps,
            "/apiVersion",
            json!("kustomize.toolkit.fluxcd.io/v1beta2"),
        );
        assert_eq!(Recipe::of(&older).unwrap().version(), Some("v1beta2"));
        stays_a_manifest(
            &apps,
            &[
                ("/apiVersion", json!("kustomize.toolkit.fluxcd.io/v1beta1")),
                // The type leaves out a namespace that is the holder's, and `false` flags.
                ("/spec/sourceRef/namespace", json!("flux-system")),
                ("/spec/dependsOn/0/namespace", json!("flux-system")),
                ("/spec/suspend", json!(false)),
                ("/spec/sourceRef/kind", json!("Bucket")),
                (
                    "/spec/postBuild/substituteFrom",
                    json!([{"kind": "ConfigMap", "name": "x"}]),
                ),
                ("/spec/prune", json!("yes")),
                ("/spec/decryption", json!({"provider": "sops"})),
            ],
        );
    }

    #[test]
    fn a_kustomization_health_checks_its_releases_by_handle() {
        let apps = json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {
                "healthChecks": [{
                    "apiVersion": "helm.toolkit.fluxcd.io/v2beta1",
                    "kind": "HelmRelease",
                    "name": "web",
                    "namespace": "web",
                }],
                "interval": "10m",
                "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
            },
        });
        let recipe = Recipe::of(&apps).unwrap();
        let check = recipe.references()[1].clone();
        assert_eq!(
            (check.kind, check.namespace.as_str(), check.name.as_str()),
            ("HelmRelease", "web", "web")
        );
        let Spec::Kustomization(k) = &recipe.spec else {
            unreachable!()
        };
        assert_eq!(k.health_checks[0].1, "v2beta1");
        let code = recipe.code(&["flux_system".into(), "web".into()]);
        assert!(
            code.contains(".health_checks(&[HealthCheck::of(web)])"),
            "{code}"
        );
        stays_a_manifest(
            &apps,
            &[
                // The check writes its namespace, and only HelmReleases are typed.
                ("/spec/healthChecks/0/namespace", Value::Null),
                ("/spec/healthChecks/0/kind", json!("Deployment")),
                ("/spec/healthChecks/0/apiVersion", json!("apps/v1")),
                ("/spec/healthChecks/0/extra", json!(1)),
                ("/spec/healthChecks", json!([])),
            ],
        );
    }

    #[test]
    fn a_kustomization_decrypts_with_the_clusters_bootstrap_keys_and_keeps_its_patches() {
        let infra = json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "infra", "namespace": "flux-system"},
            "spec": {
                "dependsOn": [{"name": "crds"}],
                "decryption": {"provider": "sops", "secretRef": {"name": "sops-keys"}},
                "interval": "1h",
                "patches": [
                    {
                        "patch": "- op: replace\n  path: /spec/x\n  value: y\n",
                        "target": {"kind": "ClusterIssuer", "labelSelector": "a=b"},
                    },
                    {"patch": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"},
                ],
                "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
            },
        });
        let recipe = Recipe::of(&infra).unwrap();
        // The keys come after the source and the dependencies.
        assert_eq!(
            recipe.references()[2],
            &Key {
                kind: "Secret",
                namespace: "flux-system".into(),
                name: "sops-keys".into()
            }
        );
        let code = recipe.code(&["repo".into(), "crds".into(), "keys".into()]);
        for call in [
            ".depends_on(&[crds])",
            ".decryption(Decryption::sops(keys))",
            ".patches(&[Patch::new(concat!(\"- op: replace\\n\", \"  path: /spec/x\\n\", \
             \"  value: y\\n\"), PatchTarget { kind: Some(\"ClusterIssuer\".into()), label_selector: Some(\"a=b\".into()), \
             ..Default::default() }), Patch::strategic_merge(concat!(\"apiVersion: v1\\n\", \
             \"kind: ConfigMap\\n\", \"metadata:\\n\", \"  name: c\\n\"))])",
        ] {
            assert!(code.contains(call), "{call} in {code}");
        }
        // The keys' kind: as the SOPS files are encrypted, else as the Secret's name says.
        let (age, pgp, kms) = (vec!["age", "pgp"], vec!["pgp", "gcp_kms"], vec!["gcp_kms"]);
        assert_eq!(
            gpg_keys(std::slice::from_ref(&age), "sops-gpg"),
            Some(false)
        );
        assert_eq!(gpg_keys(&[age.clone(), pgp.clone()], "keys"), Some(true));
        assert_eq!(gpg_keys(&[], "sops-gpg"), Some(true));
        assert_eq!(gpg_keys(&[], "sops-age"), Some(false));
        assert_eq!(gpg_keys(&[], "keys"), None);
        // A document only a cloud KMS decrypts: the Secret may hold its credentials.
        assert_eq!(gpg_keys(&[age, kms], "sops-age"), None);
        stays_a_manifest(
            &infra,
            &[
                ("/spec/decryption/provider", json!("vault")),
                ("/spec/decryption/secretRef/namespace", json!("other")),
                ("/spec/decryption/serviceAccountName", json!("kms")),
                ("/spec/patches/0/target/kind", json!(1)),
                ("/spec/patches/0/target/size", json!("big")),
                ("/spec/patches/1/options", json!({})),
                ("/spec/patches", json!([])),
            ],
        );
    }
}
