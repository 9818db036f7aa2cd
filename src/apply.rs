//! Server-side apply of a cluster definition, the way a careful operator runs
//! `kubectl apply --server-side`: in dependency tiers, with an ApplySet for pruning, a
//! guard against the wrong cluster, retries, and `--wait` for Flux to report Ready.
//!
//! Tiers: CustomResourceDefinitions (then wait until each is Established) → Namespaces →
//! other cluster-scoped objects → the ApplySet parent → namespaced objects. Within a tier,
//! requests run concurrently up to [`ApplyOptions::concurrency`].
//!
//! The pieces: `connection` (kubeconfig, client, guard, error wording), `collect` (what a
//! run applies), `session` (discovery, reads, one apply, a tier), `report` (outcomes),
//! `preflight` (permissions), `secrets` (bootstrap Secrets), `applyset` (prune),
//! `retry`, `wait`, `diff`, `live` (`tree --live`).

mod applyset;
mod collect;
mod connection;
mod diff;
mod live;
mod preflight;
mod report;
mod retry;
mod secrets;
mod session;
mod wait;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use kube::api::Api;
use tokio_util::sync::CancellationToken;

pub use crate::model::target::{ApplySetParent, ClusterGuard};
pub use applyset::{
    GROUP_KINDS_ANNOTATION, ID_LABEL, NAMESPACES_ANNOTATION, PART_OF_LABEL, TOOLING_ANNOTATION,
    group_kind,
};
pub use connection::{Connection, describe};
pub use diff::diff;
pub use live::live_states;
pub use report::{Applied, ApplyReport, ObjectId, Outcome};

use collect::{Item, collect};
use connection::kube_error;
use session::Session;

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
