//! The API calls of one run: discovery (cached), reading the live state, server-side apply
//! of one object and of a tier, and the wait for CRDs to be served.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use futures::StreamExt;
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::collect::{Item, ItemKey};
use super::connection::{Connection, kube_error};
use super::report::{Applied, ApplyReport, ObjectId, Outcome};
use super::{ApplyOptions, FIELD_MANAGER, retry};
use crate::error::{Error, Result};

/// The API calls of one run, with discovery cached.
pub(crate) struct Session<'a> {
    pub(crate) client: Client,
    /// Cancelled on Ctrl-C: no new request starts.
    pub(crate) stop: CancellationToken,
    pub(crate) opts: &'a ApplyOptions,
    discovered: Mutex<HashMap<GroupVersionKind, (ApiResource, bool)>>,
    /// Resources defined by CRDs in this apply, for kinds not served yet (dry run).
    from_crds: HashMap<GroupVersionKind, (ApiResource, bool)>,
    /// Kinds the server does not serve yet, known only from a CRD in this apply.
    not_served: Mutex<std::collections::HashSet<GroupVersionKind>>,
    /// Live objects read ahead by [`Session::read_live`], `None` where absent; each taken
    /// once by [`Session::apply_one`].
    pub(crate) prefetched: Mutex<HashMap<ItemKey, Option<DynamicObject>>>,
    /// In a dry run, namespaces this apply would create: nothing can be dry-run in them.
    pub(crate) new_namespaces: Mutex<BTreeSet<String>>,
    /// `[done/total]` before each line, when stdout is a terminal.
    progress: Option<(std::sync::atomic::AtomicUsize, usize)>,
}

impl<'a> Session<'a> {
    /// A session for `items` and `extra` more objects (bootstrap Secrets) to report on.
    pub(crate) fn new(
        conn: &Connection,
        opts: &'a ApplyOptions,
        items: &[Item],
        extra: usize,
    ) -> Session<'a> {
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

    pub(crate) fn api(
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

    pub(crate) fn patch_params(&self) -> PatchParams {
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
    pub(crate) async fn read_live(&self, items: &[&Item]) {
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
    pub(crate) async fn list_live(&self, item: &Item) -> Result<HashMap<String, DynamicObject>> {
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

    pub(crate) async fn outcome(&self, item: &Item) -> Outcome {
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
    pub(crate) async fn apply_tier(
        &self,
        tier: &[&Item],
        report: &mut ApplyReport,
        out: &mut dyn Write,
    ) {
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
    pub(crate) async fn tiers<'i>(&self, items: &'i [Item]) -> Result<[Vec<&'i Item>; 3]> {
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
    pub(crate) fn is_new_namespace(&self, namespace: &str) -> bool {
        self.new_namespaces
            .lock()
            .expect("not poisoned")
            .contains(namespace)
    }

    /// Prints one object's result line and adds it to `report`.
    pub(crate) fn record(
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
    pub(crate) async fn wait_established(&self, crds: &[&Item], out: &mut dyn Write) -> Result<()> {
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
    pub(crate) async fn wait_served(
        &self,
        crds: &[&Item],
        deadline: tokio::time::Instant,
    ) -> Result<()> {
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
pub(crate) fn comparable(o: &DynamicObject) -> Value {
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
