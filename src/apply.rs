//! Server-side apply of a cluster definition, the way a careful operator runs
//! `kubectl apply --server-side`: in dependency tiers, with an ApplySet for pruning, a
//! guard against the wrong cluster, retries, and `--wait` for Flux to report Ready.
//!
//! Tiers: CustomResourceDefinitions (then wait until each is Established) → Namespaces →
//! other cluster-scoped objects → the ApplySet parent → namespaced objects. Within a tier,
//! requests run concurrently up to [`ApplyOptions::concurrency`].

mod applyset;
mod preflight;
mod retry;
mod secrets;
mod wait;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;
use kube::{Client, Config};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use crate::model::target::{ApplySetParent, ClusterGuard};
pub use applyset::{
    GROUP_KINDS_ANNOTATION, ID_LABEL, NAMESPACES_ANNOTATION, PART_OF_LABEL, TOOLING_ANNOTATION,
    group_kind,
};

use crate::error::{Error, Result};
use crate::model::cluster::Cluster;

/// The field manager of every server-side apply fluxdsl makes.
pub const FIELD_MANAGER: &str = "fluxdsl";

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Server-side dry run (`dryRun=All`): nothing is changed.
    pub dry_run: bool,
    /// Take ownership of fields another manager owns.
    pub force_conflicts: bool,
    /// Delete members of the ApplySet that the definition no longer declares.
    pub prune: bool,
    /// Prune even when more than `max_prune_share` of the set would go.
    pub yes: bool,
    /// The share of the set (0.0–1.0) that prune may delete without `yes`.
    pub max_prune_share: f64,
    /// Also prune CustomResourceDefinitions and Namespaces.
    pub prune_crds_and_namespaces: bool,
    /// Requests in flight at once within a tier.
    pub concurrency: usize,
    /// Apply without Flux's `gotk-components.yaml` (Flux is installed some other way).
    pub skip_flux_install: bool,
    /// After applying, wait for Flux objects to become Ready.
    pub wait: bool,
    /// How long to wait for CRDs to be Established and, with `wait`, for Flux.
    pub timeout: Duration,
    /// How often to poll while waiting.
    pub poll: Duration,
    /// Where the values of the definition's bootstrap Secrets come from.
    pub secrets: crate::model::bootstrap::SecretInputs,
    /// Replace a bootstrap Secret that exists with other content (default: leave it alone
    /// and report it).
    pub replace_secrets: bool,
    /// Skip the permission preflight (asking the server, before any change, whether every
    /// request of the run is allowed).
    pub skip_preflight: bool,
    /// Before applying, server-side dry-run every object; apply only if all pass.
    pub dry_run_first: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            dry_run: false,
            force_conflicts: false,
            prune: false,
            yes: false,
            max_prune_share: 0.25,
            prune_crds_and_namespaces: false,
            concurrency: DEFAULT_CONCURRENCY,
            skip_flux_install: false,
            wait: false,
            timeout: Duration::from_secs(300),
            poll: Duration::from_secs(2),
            secrets: crate::model::bootstrap::SecretInputs::new(),
            replace_secrets: false,
            skip_preflight: false,
            dry_run_first: false,
        }
    }
}

/// Requests in flight at once by default (see the README's performance section).
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A client and what it connects to.
#[derive(Clone)]
pub struct Connection {
    client: Client,
    server: String,
    context: Option<String>,
    stop: CancellationToken,
}

impl Connection {
    /// Connects as kubectl would: `kubeconfig` if given, else `KUBECONFIG` or
    /// `~/.kube/config`, else the in-cluster service account; `context` picks a context.
    pub async fn connect(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<Connection> {
        let options = kube::config::KubeConfigOptions {
            context: context.map(str::to_owned),
            ..Default::default()
        };
        let (config, context_name) = match kubeconfig {
            Some(path) => {
                let file =
                    kube::config::Kubeconfig::read_from(path).map_err(|e| Error::Connect {
                        message: format!("cannot read kubeconfig {}: {e}", path.display()),
                    })?;
                let name = context
                    .map(str::to_owned)
                    .or_else(|| file.current_context.clone());
                let config = Config::from_custom_kubeconfig(file, &options)
                    .await
                    .map_err(|e| Error::Connect {
                        message: format!("kubeconfig {}: {e}", path.display()),
                    })?;
                (config, name)
            }
            None if context.is_some() => {
                let config =
                    Config::from_kubeconfig(&options)
                        .await
                        .map_err(|e| Error::Connect {
                            message: format!("kubeconfig: {e}"),
                        })?;
                (config, context.map(str::to_owned))
            }
            None => {
                let name = kube::config::Kubeconfig::read()
                    .ok()
                    .and_then(|k| k.current_context);
                let config = Config::infer().await.map_err(|e| Error::Connect {
                    message: format!(
                        "no cluster configured (KUBECONFIG, ~/.kube/config or in-cluster): {e}"
                    ),
                })?;
                (config, name)
            }
        };
        let mut config = config;
        config.read_timeout = Some(Duration::from_secs(30));
        // One retry layer: fluxdsl's own (`retry.rs`), not kube's on top of it.
        config.default_retry = false;
        let server = config.cluster_url.to_string();
        let client = Client::try_from(config).map_err(|e| Error::Connect {
            message: format!("cannot set up a client for {server}: {e}"),
        })?;
        Ok(Connection {
            client,
            server,
            context: context_name,
            stop: CancellationToken::new(),
        })
    }

    /// Stops this connection's work when `stop` is cancelled: no new request starts, retries
    /// end, and `apply` reports how far it got. The CLI cancels it on Ctrl-C.
    pub fn cancel_on(mut self, stop: CancellationToken) -> Connection {
        self.stop = stop;
        self
    }

    /// A connection over an existing client (tests use an in-process transport).
    pub fn from_client(client: Client, server: &str, context: Option<&str>) -> Connection {
        Connection {
            client,
            server: server.to_owned(),
            context: context.map(str::to_owned),
            stop: CancellationToken::new(),
        }
    }

    /// Asks the API server for its version: a clear error when it cannot be reached, the
    /// TLS handshake fails or the credentials are refused.
    pub async fn check_reachable(&self) -> Result<()> {
        match retry::with_retries(&self.stop, || self.client.apiserver_version()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 401 => Err(Error::Connect {
                message: format!(
                    "the API server {} refused the credentials (401 Unauthorized): {}",
                    self.server, s.message
                ),
            }),
            Err(e @ (kube::Error::HyperError(_) | kube::Error::Service(_))) => {
                Err(Error::Connect {
                    message: format!(
                        "cannot reach the API server {}: {}",
                        self.server,
                        crate::error::with_causes(&e)
                    ),
                })
            }
            // Anything else means the server answered: reachable.
            Err(_) => Ok(()),
        }
    }

    /// Goes on without missing upstream files (Flux's components) only when Flux is
    /// already installed: its Kustomization kind is served. Otherwise the first missing
    /// file is the error.
    async fn without_upstream(&self, missing: Vec<Error>, out: &mut dyn Write) -> Result<()> {
        let Some(first) = missing.into_iter().next() else {
            return Ok(());
        };
        let gvk = GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization");
        match retry::with_retries(&self.stop, || {
            kube::discovery::pinned_kind(&self.client, &gvk)
        })
        .await
        {
            Ok(_) => {
                let _ = writeln!(
                    out,
                    "note: {first}; Flux's CRDs are already served, so apply goes on without it"
                );
                Ok(())
            }
            Err(_) => Err(first),
        }
    }

    /// The UID of the `kube-system` namespace, which identifies the cluster.
    pub async fn cluster_id(&self) -> Result<String> {
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(self.client.clone());
        let ns = retry::with_retries(&self.stop, || namespaces.get("kube-system"))
            .await
            .map_err(|e| kube_error("cannot read namespace kube-system", e))?;
        ns.metadata.uid.ok_or_else(|| Error::Connect {
            message: "namespace kube-system has no UID".into(),
        })
    }

    /// Refuses a cluster other than the one `guard` names.
    pub async fn check_guard(&self, guard: Option<&ClusterGuard>) -> Result<()> {
        let Some(guard) = guard else {
            return Err(Error::WrongCluster {
                message: format!(
                    "the cluster definition does not say which cluster it is for; pin it with \
                     `cluster.target(ClusterGuard::KubeSystemUid(\"{}\".into()))` (this cluster's \
                     kube-system UID, also printed by `cargo run -- cluster-id`)",
                    self.cluster_id().await.unwrap_or_else(|_| "<uid>".into())
                ),
            });
        };
        let actual = match guard {
            ClusterGuard::KubeSystemUid(uid) => {
                let actual = self.cluster_id().await?;
                (actual != *uid).then(|| format!("the cluster whose kube-system UID is {actual}"))
            }
            ClusterGuard::Server(url) => (self.server.trim_end_matches('/')
                != url.trim_end_matches('/'))
            .then(|| format!("the API server {}", self.server)),
            ClusterGuard::Context(name) => {
                (self.context.as_deref() != Some(name.as_str())).then(|| match &self.context {
                    Some(c) => format!("kubeconfig context {c:?}"),
                    None => "a connection with no kubeconfig context".into(),
                })
            }
        };
        match actual {
            None => Ok(()),
            Some(actual) => Err(Error::WrongCluster {
                message: format!(
                    "this definition is for {guard}, but the connection is to {actual}; nothing was changed"
                ),
            }),
        }
    }
}

pub(crate) fn kube_error(what: &str, source: kube::Error) -> Error {
    Error::Kube {
        what: what.to_owned(),
        message: describe(&source),
        source,
    }
}

/// One line for a kube error: the server's message for API errors, with conflicts spelled
/// out field by field.
pub fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) if status.code == 409 && status.reason == "Conflict" => {
            let causes = status
                .details
                .as_ref()
                .map(|d| d.causes.as_slice())
                .unwrap_or_default();
            let fields: Vec<String> = causes
                .iter()
                .filter(|c| !c.field.is_empty())
                .map(|c| {
                    let manager = c.message.split('"').nth(1).unwrap_or(&c.message);
                    format!("field {} is owned by manager {manager:?}", c.field)
                })
                .collect();
            if fields.is_empty() {
                format!(
                    "conflict: {}; use --force-conflicts to take ownership",
                    status.message
                )
            } else {
                format!(
                    "conflict: {}; use --force-conflicts to take ownership",
                    fields.join(", ")
                )
            }
        }
        // As kubectl prints it.
        kube::Error::Api(status) if status.reason.is_empty() => {
            format!("Error from server ({}): {}", status.code, status.message)
        }
        kube::Error::Api(status) => {
            format!("Error from server ({}): {}", status.reason, status.message)
        }
        other => crate::error::with_causes(other),
    }
}

/// `(apiVersion, kind, namespace, name)`.
type ItemKey = (String, String, Option<String>, String);

/// One object to apply.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) body: Value,
}

impl Item {
    fn from_value(body: Value, origin: &str) -> Result<Item> {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let (Some(api_version), Some(kind), Some(name)) = (
            text(&body["apiVersion"]),
            text(&body["kind"]),
            text(&body["metadata"]["name"]),
        ) else {
            return Err(Error::Parse {
                path: origin.into(),
                message: "a document lacks apiVersion, kind or metadata.name".into(),
            });
        };
        Ok(Item {
            namespace: text(&body["metadata"]["namespace"]),
            api_version,
            kind,
            name,
            body,
        })
    }

    /// `kind.group/name` as kubectl prints it.
    pub(crate) fn display(&self) -> String {
        let kind = self.kind.to_lowercase();
        match self.api_version.rsplit_once('/') {
            Some((group, _)) => format!("{kind}.{group}/{}", self.name),
            None => format!("{kind}/{}", self.name),
        }
    }

    fn id(&self) -> ObjectId {
        ObjectId {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    fn key(&self) -> ItemKey {
        (
            self.api_version.clone(),
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }

    fn group_kind(&self) -> String {
        group_kind(&self.api_version, &self.kind)
    }

    fn is_crd(&self) -> bool {
        self.kind == "CustomResourceDefinition"
            && self.api_version.starts_with("apiextensions.k8s.io/")
    }

    fn gvk(&self) -> GroupVersionKind {
        let (group, version) = self
            .api_version
            .rsplit_once('/')
            .unwrap_or(("", &self.api_version));
        GroupVersionKind::gvk(group, version, &self.kind)
    }
}

/// Every object the definition applies: the rendered ones, then the upstream files found
/// in the tree at `tree` (Flux's components). The ApplySet label is added to each.
/// Upstream files missing from the tree are returned apart: apply may go on without them
/// when what they install is already served.
pub(crate) fn collect(
    cluster: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
) -> Result<(Vec<Item>, Vec<Error>)> {
    let mut items = Vec::new();
    let mut missing = Vec::new();
    for u in cluster.render()?.upstream() {
        let path = tree.join(&u.path);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                u.verify(text.as_bytes())
                    .map_err(|problem| Error::UpstreamMismatch {
                        path: path.clone(),
                        problem,
                    })?;
                for doc in serde_yaml::Deserializer::from_str(&text) {
                    let value = <Value as serde::Deserialize>::deserialize(doc).map_err(|e| {
                        Error::Parse {
                            path: path.clone(),
                            message: e.to_string(),
                        }
                    })?;
                    if !value.is_null() {
                        items.push(Item::from_value(value, &path.display().to_string())?);
                    }
                }
            }
            Err(_) if opts.skip_flux_install => {}
            Err(_) => missing.push(Error::MissingUpstream {
                path,
                produce: u.produce.clone(),
            }),
        }
    }
    // Only the main tree: other trees belong to repositories Flux pulls by itself.
    for o in cluster
        .objects
        .iter()
        .filter(|o| cluster.files[o.file].tree == 0 && !o.patch_only)
    {
        let value: Value = serde_yaml::from_str(&o.yaml).map_err(|e| Error::Parse {
            path: o.at.file().into(),
            message: e.to_string(),
        })?;
        items.push(Item::from_value(value, o.at.file())?);
    }
    let id = cluster.applyset_parent().id();
    for item in &mut items {
        let meta = item.body["metadata"]
            .as_object_mut()
            .expect("objects have metadata");
        let labels = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(PART_OF_LABEL.into(), Value::String(id.clone()));
        }
    }
    Ok((items, missing))
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It did not exist.
    Created,
    /// It existed and changed.
    Configured,
    /// It existed and nothing changed (its resourceVersion is the same).
    Unchanged,
    /// It existed and its content did not change, but the API server wrote it again and
    /// gave it a new resourceVersion. A real API server does this on the first apply after
    /// a custom resource was created (two `kubectl apply --server-side` runs show the same).
    StoredAgain {
        /// The resourceVersion before.
        from: String,
        /// The resourceVersion after.
        to: String,
    },
    /// Not sent: the run was interrupted first.
    NotApplied,
    /// Deleted by prune.
    Pruned,
    /// Not sent: in a dry run, a kind whose CRD this apply would create is not served yet.
    Skipped(String),
    /// The server refused it; the server's message.
    Failed(String),
}

impl Outcome {
    fn word(&self) -> &str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
            Outcome::StoredAgain { .. } => "stored again unchanged",
            Outcome::NotApplied => "not applied",
            Outcome::Pruned => "pruned",
            Outcome::Skipped(_) => "skipped",
            Outcome::Failed(_) => "failed",
        }
    }
}

/// Which object a result is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectId {
    /// `apiVersion` (for a pruned object: its group and the version discovery recommends).
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectId {
    /// `kind.group/name`, as kubectl prints it.
    pub fn display(&self) -> String {
        let kind = self.kind.to_lowercase();
        match self.api_version.rsplit_once('/') {
            Some((group, _)) => format!("{kind}.{group}/{}", self.name),
            None => format!("{kind}/{}", self.name),
        }
    }

    /// [`display`](Self::display) with ` -n namespace` for namespaced objects.
    pub fn qualified(&self) -> String {
        qualified(&self.display(), self.namespace.as_deref())
    }
}

/// One object's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The object.
    pub object: ObjectId,
    /// What happened to it.
    pub outcome: Outcome,
}

/// The result of [`apply`]: every object's outcome, in the order they finished.
#[derive(Debug, Default, Clone)]
pub struct ApplyReport {
    /// Each object and what happened to it.
    pub results: Vec<Applied>,
    /// Whether Ctrl-C stopped the run early.
    pub interrupted: bool,
}

impl ApplyReport {
    /// How many objects ended with `outcome` (failures counted whatever their message).
    pub fn count(&self, outcome: &Outcome) -> usize {
        self.results
            .iter()
            .filter(|r| std::mem::discriminant(&r.outcome) == std::mem::discriminant(outcome))
            .count()
    }
    /// The failures: each object and the server's message.
    pub fn failures(&self) -> Vec<(&ObjectId, &str)> {
        self.results
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Failed(m) => Some((&r.object, m.as_str())),
                _ => None,
            })
            .collect()
    }
    /// `Ok` when every object was applied; otherwise the interruption or the failures.
    fn outcome(&self, total: usize) -> Result<()> {
        if self.interrupted {
            let done = self
                .results
                .iter()
                .filter(|r| r.outcome != Outcome::NotApplied)
                .count();
            return Err(Error::Interrupted { done, total });
        }
        let failures = self.failures();
        if !failures.is_empty() {
            return Err(Error::ApplyFailed {
                failures: failures
                    .into_iter()
                    .map(|(object, message)| format!("{}: {message}", object.qualified()))
                    .collect(),
            });
        }
        Ok(())
    }

    /// `3 created, 1 configured, …`; the rarer outcomes only when they occurred.
    pub fn summary(&self) -> String {
        let always = [
            Outcome::Created,
            Outcome::Configured,
            Outcome::Unchanged,
            Outcome::Pruned,
            Outcome::Skipped(String::new()),
            Outcome::Failed(String::new()),
        ];
        let rare = [
            Outcome::StoredAgain {
                from: String::new(),
                to: String::new(),
            },
            Outcome::NotApplied,
        ];
        let mut parts: Vec<String> = always
            .iter()
            .map(|o| format!("{} {}", self.count(o), o.word()))
            .collect();
        parts.extend(
            rare.iter()
                .filter(|o| self.count(o) > 0)
                .map(|o| format!("{} {}", self.count(o), o.word())),
        );
        parts.join(", ")
    }
}

fn qualified(what: &str, ns: Option<&str>) -> String {
    match ns {
        Some(ns) => format!("{what} -n {ns}"),
        None => what.to_owned(),
    }
}

/// The API calls of one run, with discovery cached.
pub(crate) struct Session<'a> {
    pub(crate) client: Client,
    /// Cancelled on Ctrl-C: no new request starts.
    pub(crate) stop: CancellationToken,
    opts: &'a ApplyOptions,
    discovered: Mutex<HashMap<GroupVersionKind, (ApiResource, bool)>>,
    /// Resources defined by CRDs in this apply, for kinds not served yet (dry run).
    from_crds: HashMap<GroupVersionKind, (ApiResource, bool)>,
    /// Kinds the server does not serve yet, known only from a CRD in this apply.
    not_served: Mutex<std::collections::HashSet<GroupVersionKind>>,
    /// Live objects read ahead by [`Session::read_live`], `None` where absent; each taken
    /// once by [`Session::apply_one`].
    prefetched: Mutex<HashMap<ItemKey, Option<DynamicObject>>>,
    /// In a dry run, namespaces this apply would create: nothing can be dry-run in them.
    new_namespaces: Mutex<BTreeSet<String>>,
    /// `[done/total]` before each line, when stdout is a terminal.
    progress: Option<(std::sync::atomic::AtomicUsize, usize)>,
}

impl<'a> Session<'a> {
    /// A session for `items` and `extra` more objects (bootstrap Secrets) to report on.
    fn new(conn: &Connection, opts: &'a ApplyOptions, items: &[Item], extra: usize) -> Session<'a> {
        let from_crds = items
            .iter()
            .filter(|i| i.is_crd())
            .flat_map(|crd| crd_kinds(&crd.body))
            .collect();
        Session {
            client: conn.client.clone(),
            stop: conn.stop.clone(),
            opts,
            discovered: Mutex::new(HashMap::new()),
            from_crds,
            not_served: Mutex::new(Default::default()),
            prefetched: Mutex::new(HashMap::new()),
            new_namespaces: Mutex::new(BTreeSet::new()),
            progress: std::io::IsTerminal::is_terminal(&std::io::stdout())
                .then(|| (std::sync::atomic::AtomicUsize::new(0), items.len() + extra)),
        }
    }

    /// The API resource and scope of a kind: asked of the server once per run, or taken
    /// from a CRD in this apply when the server does not serve it yet.
    pub(crate) async fn resource(&self, gvk: &GroupVersionKind) -> Result<(ApiResource, bool)> {
        if let Some(found) = self.discovered.lock().expect("not poisoned").get(gvk) {
            return Ok(found.clone());
        }
        let found = match retry::with_retries(&self.stop, || {
            kube::discovery::pinned_kind(&self.client, gvk)
        })
        .await
        {
            Ok((ar, caps)) => (ar, caps.scope == Scope::Namespaced),
            Err(e) => match self.from_crds.get(gvk) {
                Some(found) => {
                    self.not_served
                        .lock()
                        .expect("not poisoned")
                        .insert(gvk.clone());
                    found.clone()
                }
                None => {
                    return Err(kube_error(
                        &format!(
                            "the server does not serve {}/{} {}",
                            gvk.group, gvk.version, gvk.kind
                        ),
                        e,
                    ));
                }
            },
        };
        self.discovered
            .lock()
            .expect("not poisoned")
            .insert(gvk.clone(), found.clone());
        Ok(found)
    }

    fn api(
        &self,
        ar: &ApiResource,
        namespaced: bool,
        namespace: Option<&str>,
    ) -> Api<DynamicObject> {
        match (namespaced, namespace) {
            (true, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, ar),
            (true, None) => Api::default_namespaced_with(self.client.clone(), ar),
            (false, _) => Api::all_with(self.client.clone(), ar),
        }
    }

    fn patch_params(&self) -> PatchParams {
        let mut pp = PatchParams::apply(FIELD_MANAGER);
        if self.opts.force_conflicts {
            pp = pp.force();
        }
        if self.opts.dry_run {
            pp = pp.dry_run();
        }
        pp
    }

    /// Reads the live state of `items` ahead of applying them: one LIST per kind and
    /// namespace that holds two or more of them, a GET for a lone object. Items read
    /// before are skipped; objects that cannot be read (a kind not served yet, no
    /// permission) are left to [`apply_one`](Self::apply_one).
    async fn read_live(&self, items: &[&Item]) {
        let mut groups: BTreeMap<(String, Option<String>), Vec<&Item>> = BTreeMap::new();
        {
            let prefetched = self.prefetched.lock().expect("not poisoned");
            for item in items.iter().filter(|i| !prefetched.contains_key(&i.key())) {
                groups
                    .entry((
                        item.api_version.clone() + "/" + &item.kind,
                        item.namespace.clone(),
                    ))
                    .or_default()
                    .push(item);
            }
        }
        let reads = groups.into_values().map(|members| async move {
            let live = if members.len() >= 2 {
                self.list_live(members[0]).await.ok()?
            } else {
                let item = members[0];
                let (ar, namespaced) = self.resource(&item.gvk()).await.ok()?;
                let api = self.api(&ar, namespaced, item.namespace.as_deref());
                retry::with_retries(&self.stop, || api.get_opt(&item.name))
                    .await
                    .ok()?
                    .map(|o| (item.name.clone(), o))
                    .into_iter()
                    .collect()
            };
            Some((members, live))
        });
        let mut reads = futures::stream::iter(reads).buffer_unordered(self.opts.concurrency.max(1));
        while let Some(found) = reads.next().await {
            let Some((members, mut live)) = found else {
                continue;
            };
            let mut prefetched = self.prefetched.lock().expect("not poisoned");
            for item in members {
                prefetched.insert(item.key(), live.remove(&item.name));
            }
        }
    }

    /// Every live object of `item`'s kind in its namespace, by name (paged LIST).
    async fn list_live(&self, item: &Item) -> Result<HashMap<String, DynamicObject>> {
        let (ar, namespaced) = self.resource(&item.gvk()).await?;
        let api = self.api(&ar, namespaced, item.namespace.as_deref());
        let mut found = HashMap::new();
        let mut params = kube::api::ListParams::default().limit(500);
        loop {
            let page = retry::with_retries(&self.stop, || api.list(&params))
                .await
                .map_err(|e| kube_error(&item.display(), e))?;
            let next = page.metadata.continue_.clone().filter(|c| !c.is_empty());
            for o in page.items {
                if let Some(name) = o.metadata.name.clone() {
                    found.insert(name, o);
                }
            }
            match next {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(found),
            }
        }
    }

    /// Server-side applies one object; returns the live object before and the result.
    pub(crate) async fn apply_one(
        &self,
        item: &Item,
    ) -> Result<(Option<DynamicObject>, DynamicObject)> {
        let (ar, namespaced) = self.resource(&item.gvk()).await?;
        let api = self.api(&ar, namespaced, item.namespace.as_deref());
        let what = item.display();
        let prefetched = self
            .prefetched
            .lock()
            .expect("not poisoned")
            .remove(&item.key());
        let before = match prefetched {
            Some(before) => before,
            None => retry::with_retries(&self.stop, || api.get_opt(&item.name))
                .await
                .map_err(|e| kube_error(&what, e))?,
        };
        let pp = self.patch_params();
        let patch = Patch::Apply(&item.body);
        let after = retry::with_retries(&self.stop, || api.patch(&item.name, &pp, &patch))
            .await
            .map_err(|e| kube_error(&what, e))?;
        Ok((before, after))
    }

    async fn outcome(&self, item: &Item) -> Outcome {
        if self.stop.is_cancelled() {
            return Outcome::NotApplied;
        }
        if self.opts.dry_run
            && self.resource(&item.gvk()).await.is_ok()
            && self
                .not_served
                .lock()
                .expect("not poisoned")
                .contains(&item.gvk())
        {
            return Outcome::Skipped(
                "its CustomResourceDefinition is part of this apply and not served yet".into(),
            );
        }
        if self.opts.dry_run
            && let Some(ns) = &item.namespace
            && self
                .new_namespaces
                .lock()
                .expect("not poisoned")
                .contains(ns)
        {
            return Outcome::Skipped(format!(
                "its namespace {ns} is created by this apply and does not exist yet"
            ));
        }
        match self.apply_one(item).await {
            Ok((None, _)) => Outcome::Created,
            Ok((Some(before), after)) if self.opts.dry_run => {
                if comparable(&before) == comparable(&after) {
                    Outcome::Unchanged
                } else {
                    Outcome::Configured
                }
            }
            Ok((Some(before), after)) => {
                let (from, to) = (
                    before.metadata.resource_version.clone().unwrap_or_default(),
                    after.metadata.resource_version.clone().unwrap_or_default(),
                );
                if from == to {
                    Outcome::Unchanged
                } else if stored_content(&before) == stored_content(&after) {
                    Outcome::StoredAgain { from, to }
                } else {
                    Outcome::Configured
                }
            }
            Err(Error::Kube { message, .. }) => Outcome::Failed(message),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    /// Applies `tier` with bounded concurrency, printing a line per object.
    async fn apply_tier(&self, tier: &[&Item], report: &mut ApplyReport, out: &mut dyn Write) {
        self.read_live(tier).await;
        let mut results = futures::stream::iter(
            tier.iter()
                .map(|item| async move { (*item, self.outcome(item).await) }),
        )
        .buffer_unordered(self.opts.concurrency.max(1));
        while let Some((item, outcome)) = results.next().await {
            // A dry run creates nothing: what it would create cannot hold dry-run objects.
            if self.opts.dry_run
                && outcome == Outcome::Created
                && item.kind == "Namespace"
                && item.api_version == "v1"
            {
                self.new_namespaces
                    .lock()
                    .expect("not poisoned")
                    .insert(item.name.clone());
            }
            self.record(item.id(), outcome, report, out);
        }
    }

    /// The objects other than CRDs in their tiers: Namespaces, other cluster-scoped
    /// objects, namespaced objects.
    async fn tiers<'i>(&self, items: &'i [Item]) -> Result<[Vec<&'i Item>; 3]> {
        let mut tiers: [Vec<&Item>; 3] = Default::default();
        for item in items.iter().filter(|i| !i.is_crd()) {
            let (_, is_namespaced) = self.resource(&item.gvk()).await?;
            let tier = if item.kind == "Namespace" && item.api_version == "v1" {
                0
            } else if is_namespaced {
                2
            } else {
                1
            };
            tiers[tier].push(item);
        }
        Ok(tiers)
    }

    /// Whether, in a dry run, `namespace` is one this apply would create.
    fn is_new_namespace(&self, namespace: &str) -> bool {
        self.new_namespaces
            .lock()
            .expect("not poisoned")
            .contains(namespace)
    }

    /// Prints one object's result line and adds it to `report`.
    fn record(
        &self,
        object: ObjectId,
        outcome: Outcome,
        report: &mut ApplyReport,
        out: &mut dyn Write,
    ) {
        let suffix = if self.opts.dry_run {
            " (server dry run)"
        } else {
            ""
        };
        let shown = object.qualified();
        let line = match &outcome {
            Outcome::Failed(m) => format!("{shown} failed: {m}"),
            Outcome::Skipped(m) => format!("{shown} skipped{suffix}: {m}"),
            Outcome::StoredAgain { from, to } => format!(
                "{shown} unchanged (the API server stored it again with the same content: \
                 resourceVersion {from} → {to})"
            ),
            o => format!("{shown} {}{suffix}", o.word()),
        };
        match &self.progress {
            Some((done, total)) => {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let width = total.to_string().len();
                let _ = writeln!(out, "[{n:>width$}/{total}] {line}");
            }
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
        report.results.push(Applied { object, outcome });
    }

    /// Waits until every CRD in `crds` reports `Established`.
    async fn wait_established(&self, crds: &[&Item], out: &mut dyn Write) -> Result<()> {
        if self.opts.dry_run || crds.is_empty() {
            return Ok(());
        }
        let api: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> =
            Api::all(self.client.clone());
        let deadline = tokio::time::Instant::now() + self.opts.timeout;
        for crd in crds {
            loop {
                let live = retry::with_retries(&self.stop, || api.get(&crd.name))
                    .await
                    .map_err(|e| kube_error(&crd.display(), e))?;
                let established = live
                    .status
                    .and_then(|s| s.conditions)
                    .unwrap_or_default()
                    .iter()
                    .any(|c| c.type_ == "Established" && c.status == "True");
                if established {
                    break;
                }
                if tokio::time::Instant::now() >= deadline || self.stop.is_cancelled() {
                    return Err(Error::Timeout {
                        what: format!("{} to be Established", crd.display()),
                    });
                }
                tokio::time::sleep(self.opts.poll.min(Duration::from_millis(500))).await;
            }
        }
        self.wait_served(crds, deadline).await?;
        let _ = writeln!(
            out,
            "{} CustomResourceDefinition(s) established and served",
            crds.len()
        );
        Ok(())
    }

    /// Waits until discovery serves every kind the CRDs in `crds` define: an API server
    /// reports a CRD `Established` before its group-version's discovery document lists the
    /// kind, and apply finds kinds through discovery.
    async fn wait_served(&self, crds: &[&Item], deadline: tokio::time::Instant) -> Result<()> {
        let defined: Vec<GroupVersionKind> = crds
            .iter()
            .flat_map(|crd| crd_kinds(&crd.body))
            .map(|(gvk, _)| gvk)
            .collect();
        for gvk in defined {
            loop {
                match kube::discovery::pinned_kind(&self.client, &gvk).await {
                    Ok((ar, caps)) => {
                        self.discovered
                            .lock()
                            .expect("not poisoned")
                            .insert(gvk.clone(), (ar, caps.scope == Scope::Namespaced));
                        break;
                    }
                    Err(e) if tokio::time::Instant::now() >= deadline => {
                        return Err(kube_error(
                            &format!(
                                "{}/{} {} to be served after its CustomResourceDefinition was Established",
                                gvk.group, gvk.version, gvk.kind
                            ),
                            e,
                        ));
                    }
                    Err(_) if self.stop.is_cancelled() => {
                        return Err(Error::Interrupted { done: 0, total: 0 });
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
        Ok(())
    }
}

/// The served kinds a CustomResourceDefinition defines, one per served version, with the
/// API resource and whether it is namespaced.
fn crd_kinds(crd: &Value) -> Vec<(GroupVersionKind, (ApiResource, bool))> {
    let spec = &crd["spec"];
    let (Some(group), Some(kind), Some(plural)) = (
        spec["group"].as_str(),
        spec["names"]["kind"].as_str(),
        spec["names"]["plural"].as_str(),
    ) else {
        return Vec::new();
    };
    let namespaced = spec["scope"] == "Namespaced";
    spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"] != false)
        .filter_map(|v| v["name"].as_str())
        .map(|version| {
            let gvk = GroupVersionKind::gvk(group, version, kind);
            let ar = ApiResource::from_gvk_with_plural(&gvk, plural);
            (gvk, (ar, namespaced))
        })
        .collect()
}

/// What the API server stores of an object, less the resourceVersion and the time stamps
/// of managedFields: equal for two reads when a write changed nothing a client can see.
fn stored_content(o: &DynamicObject) -> Value {
    let mut v = serde_json::to_value(o).unwrap_or_default();
    if let Some(meta) = v["metadata"].as_object_mut() {
        meta.remove("resourceVersion");
        for entry in meta
            .get_mut("managedFields")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(entry) = entry.as_object_mut() {
                entry.remove("time");
            }
        }
    }
    v
}

/// Status and bookkeeping fields that differ between any two reads.
fn comparable(o: &DynamicObject) -> Value {
    let mut v = serde_json::to_value(o).unwrap_or_default();
    strip_volatile(&mut v);
    v
}

/// Removes what `diff` and dry-run comparison ignore: status, managedFields and the
/// fields the server bumps on every write.
pub(crate) fn strip_volatile(v: &mut Value) {
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "managedFields",
                "resourceVersion",
                "generation",
                "creationTimestamp",
                "uid",
            ] {
                meta.remove(k);
            }
        }
    }
}

/// Server-side applies `cluster` (and the upstream files in `tree`) over `conn`.
///
/// Prints a line per object and a summary to `out`. Returns an error if the guard refuses
/// the cluster, if any object failed (after applying all the others), or if prune was
/// refused.
pub async fn apply(
    conn: &Connection,
    cluster: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
    out: &mut dyn Write,
) -> Result<ApplyReport> {
    if opts.dry_run_first && !opts.dry_run {
        let _ = writeln!(
            out,
            "server dry run of every object first (--dry-run-first):"
        );
        let dry = ApplyOptions {
            dry_run: true,
            ..opts.clone()
        };
        if let Err(e) = apply_once(conn, cluster, tree, &dry, out).await {
            return Err(Error::DryRunRefused {
                source: Box::new(e),
            });
        }
        let _ = writeln!(out, "every object passed the server dry run; applying:");
    }
    apply_once(conn, cluster, tree, opts, out).await
}

async fn apply_once(
    conn: &Connection,
    cluster: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
    out: &mut dyn Write,
) -> Result<ApplyReport> {
    let (items, missing) = collect(cluster, tree, opts)?;
    conn.check_reachable().await?;
    conn.check_guard(cluster.guard()).await?;
    conn.without_upstream(missing, out).await?;
    let session = Session::new(conn, opts, &items, cluster.bootstrap_secrets().count());
    check_parent_namespace(&session, &cluster.applyset_parent(), &items).await?;
    if !opts.skip_preflight {
        let secrets: Vec<_> = cluster.bootstrap_secrets().collect();
        preflight::check(&session, &items, &cluster.applyset_parent(), &secrets, out).await?;
    }
    let secret_plans = secrets::plan(&session, cluster).await?;
    let mut report = ApplyReport::default();

    // Tier 1: CRDs, then wait until the API server serves them.
    let crds: Vec<&Item> = items.iter().filter(|i| i.is_crd()).collect();
    session.apply_tier(&crds, &mut report, out).await;
    if report.failures().is_empty() {
        session.wait_established(&crds, out).await?;
    }

    // Scopes of everything else are known once the CRDs are served.
    let [namespaces, cluster_scoped, namespaced] = session.tiers(&items).await?;
    session.apply_tier(&namespaces, &mut report, out).await;
    session.apply_tier(&cluster_scoped, &mut report, out).await;
    secrets::apply(&session, &secret_plans, &mut report, out).await;

    // The ApplySet parent lists a superset of old and new members before members change.
    let parent = cluster.applyset_parent();
    let members = applyset::Members::of(&items);
    let union = applyset::read_parent(&session, &parent)
        .await?
        .union(&members);
    let parent_namespace_exists = !session.is_new_namespace(&parent.namespace);
    if !session.stop.is_cancelled() && parent_namespace_exists {
        applyset::write_parent(&session, &parent, &union).await?;
    }

    session.apply_tier(&namespaced, &mut report, out).await;
    report.interrupted = session.stop.is_cancelled();

    if opts.prune && report.failures().is_empty() && !report.interrupted && parent_namespace_exists
    {
        applyset::prune(&session, &parent, &items, &union, &mut report, out).await?;
        applyset::write_parent(&session, &parent, &members).await?;
    }

    let _ = writeln!(out, "{}", report.summary());
    report.outcome(items.len())?;
    if opts.wait && !opts.dry_run {
        wait::wait_ready(&session, &items, opts, out).await?;
    }
    Ok(report)
}

/// Refuses, before any change, an ApplySet parent whose namespace neither exists nor is
/// created by this apply: the parent could not be written after the other objects were.
async fn check_parent_namespace(
    session: &Session<'_>,
    parent: &ApplySetParent,
    items: &[Item],
) -> Result<()> {
    let created = items
        .iter()
        .any(|i| i.kind == "Namespace" && i.api_version == "v1" && i.name == parent.namespace);
    if created {
        return Ok(());
    }
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(session.client.clone());
    let found = match retry::with_retries(&session.stop, || namespaces.get_opt(&parent.namespace))
        .await
    {
        // A user who may not read namespaces cannot know; the parent's own write tells.
        Err(kube::Error::Api(s)) if s.code == 403 => return Ok(()),
        other => other.map_err(|e| kube_error(&format!("namespace/{}", parent.namespace), e))?,
    };
    match found {
        Some(_) => Ok(()),
        None => Err(Error::ApplySetParent {
            message: format!(
                "its parent {} {}/{} lives in namespace {}, which does not exist and which this \
                 definition does not create; declare that Namespace, or name a parent elsewhere \
                 with `Cluster::applyset(..)`. Nothing was changed",
                parent.kind, parent.namespace, parent.name, parent.namespace
            ),
        }),
    }
}

/// Compares what `apply` would make of every object (a server-side dry run) with the live
/// objects and writes a unified YAML diff to `out`. Returns whether anything differs.
pub async fn diff(
    conn: &Connection,
    cluster: &Cluster,
    tree: &Path,
    opts: &ApplyOptions,
    color: bool,
    out: &mut dyn Write,
) -> Result<bool> {
    let opts = ApplyOptions {
        dry_run: true,
        ..opts.clone()
    };
    let (items, missing) = collect(cluster, tree, &opts)?;
    conn.check_reachable().await?;
    conn.check_guard(cluster.guard()).await?;
    conn.without_upstream(missing, &mut std::io::sink()).await?;
    let session = Session::new(conn, &opts, &items, 0);
    let mut differs = false;
    let mut failures = Vec::new();
    for item in &items {
        match session.apply_one(item).await {
            Ok((before, after)) => {
                let mut live = before.as_ref().map(comparable);
                let mut want = comparable(&after);
                if item.kind == "Secret" && item.api_version == "v1" {
                    redact_secret(live.as_mut(), &mut want);
                }
                let old = live
                    .as_ref()
                    .map(crate::render::yaml_document)
                    .unwrap_or_default();
                let new = crate::render::yaml_document(&want);
                if old != new {
                    differs = true;
                    let name = qualified(&item.display(), item.namespace.as_deref());
                    let text = similar::TextDiff::from_lines(&old, &new)
                        .unified_diff()
                        .header(&format!("live/{name}"), &format!("merged/{name}"))
                        .to_string();
                    let _ = out.write_all(colorize(&text, color).as_bytes());
                }
            }
            Err(Error::Kube { what, message, .. }) => failures.push(format!("{what}: {message}")),
            Err(e) => return Err(e),
        }
    }
    if !failures.is_empty() {
        return Err(Error::ApplyFailed { failures });
    }
    Ok(differs)
}

/// Replaces a Secret's values in a diff as `kubectl diff` does: `***` where live and merged
/// agree, `*** (before)` and `*** (after)` where they differ. Keys stay visible.
fn redact_secret(live: Option<&mut Value>, want: &mut Value) {
    let mut live = live;
    for field in ["data", "stringData"] {
        let old = live
            .as_deref()
            .map(|l| l[field].clone())
            .unwrap_or_default();
        let new = want[field].clone();
        let mask = |v: &Value, other: &Value, changed: &str| -> Value {
            let Some(map) = v.as_object() else {
                return v.clone();
            };
            map.keys()
                .map(|k| {
                    let same = other.get(k) == map.get(k);
                    let text = if same {
                        "***".to_owned()
                    } else {
                        format!("*** ({changed})")
                    };
                    (k.clone(), Value::String(text))
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        if let Some(l) = live.as_deref_mut()
            && l.get(field).is_some()
        {
            l[field] = mask(&old, &new, "before");
        }
        if want.get(field).is_some() {
            want[field] = mask(&new, &old, "after");
        }
    }
}

fn colorize(diff: &str, color: bool) -> String {
    if !color {
        return diff.to_owned();
    }
    diff.lines()
        .map(|l| {
            let code = if l.starts_with("+++") || l.starts_with("---") {
                "1"
            } else if l.starts_with('+') {
                "32"
            } else if l.starts_with('-') {
                "31"
            } else if l.starts_with("@@") {
                "36"
            } else {
                return format!("{l}\n");
            };
            format!("\x1b[{code}m{l}\x1b[0m\n")
        })
        .collect()
}

/// Cancels `stop` on the first Ctrl-C: requests in flight finish, no new one starts, and the
/// run reports what was done.
pub fn cancel_on_ctrl_c(stop: CancellationToken) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
            eprintln!("interrupted: finishing requests in flight, starting no new ones");
        }
    });
}
