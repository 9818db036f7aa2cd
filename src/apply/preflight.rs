//! The permission preflight: before the first change, ask the API server whether the
//! current user may make every request the run will make, and refuse the whole run,
//! naming each missing permission once, when any is missing.
//!
//! One SelfSubjectAccessReview per distinct (verb, resource, namespace) the run needs:
//! `get` and `list` to read the live state, `patch` to apply, `create` where an object does
//! not exist yet, `delete` for `--prune`. Reviews ask the server's own authorizers, so the
//! answer is the one the real requests would get.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::Instant;

use futures::StreamExt;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use super::{Item, Session, kube_error, retry};
use crate::error::{Error, Result};
use crate::model::bootstrap::BootstrapSecret;
use crate::model::target::ApplySetParent;

/// One permission: a verb on a resource (`plural.group`) in a namespace or cluster-wide.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Permission {
    namespace: Option<String>,
    resource: String,
    group: String,
    verb: &'static str,
}

impl Permission {
    fn new(verb: &'static str, group: &str, resource: &str, namespace: Option<&str>) -> Self {
        Permission {
            namespace: namespace.map(str::to_owned),
            resource: resource.to_owned(),
            group: group.to_owned(),
            verb,
        }
    }

    /// `cannot patch kustomizations.kustomize.toolkit.fluxcd.io in namespace flux-system`.
    fn missing(&self) -> String {
        let resource = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        match &self.namespace {
            Some(ns) => format!("cannot {} {resource} in namespace {ns}", self.verb),
            None => format!("cannot {} {resource} (cluster-wide)", self.verb),
        }
    }
}

/// What the run's objects need, besides the ApplySet parent and bootstrap Secrets.
async fn object_permissions(session: &Session<'_>, items: &[Item]) -> Result<BTreeSet<Permission>> {
    let mut needed = BTreeSet::new();
    // What exists already decides where `create` is needed; reading needs get and list.
    session.read_live(&items.iter().collect::<Vec<_>>()).await;
    let prefetched = session.prefetched.lock().expect("not poisoned").clone();
    for item in items {
        let (ar, namespaced) = session.resource(&item.gvk()).await?;
        let ns = namespaced.then(|| item.namespace.as_deref().unwrap_or("default"));
        for verb in ["get", "list", "patch"] {
            needed.insert(Permission::new(verb, &ar.group, &ar.plural, ns));
        }
        let exists = matches!(prefetched.get(&item.key()), Some(Some(_)));
        if !exists {
            needed.insert(Permission::new("create", &ar.group, &ar.plural, ns));
        }
        if session.opts.prune {
            needed.insert(Permission::new("delete", &ar.group, &ar.plural, ns));
        }
    }
    if items.iter().any(Item::is_crd) {
        // Waiting for Established reads each CRD.
        let crds = "customresourcedefinitions";
        needed.insert(Permission::new("get", "apiextensions.k8s.io", crds, None));
    }
    Ok(needed)
}

/// The ApplySet parent's and the bootstrap Secrets' needs: read them, and apply (create
/// when absent) the parent and every Secret given values.
async fn parent_and_secret_permissions(
    session: &Session<'_>,
    parent: &ApplySetParent,
    secrets: &[&BootstrapSecret],
) -> BTreeSet<Permission> {
    let mut needed = BTreeSet::new();
    let plural = super::applyset::secret_or_config_map(parent.kind).plural;
    let ns = Some(parent.namespace.as_str());
    needed.insert(Permission::new("get", "", &plural, ns));
    needed.insert(Permission::new("patch", "", &plural, ns));
    if !exists(session, parent.kind, &parent.namespace, &parent.name).await {
        needed.insert(Permission::new("create", "", &plural, ns));
    }
    for secret in secrets {
        let ns = secret.namespace();
        needed.insert(Permission::new("get", "", "secrets", Some(ns.as_str())));
        if session.opts.secrets.mentions(&secret.id()) {
            needed.insert(Permission::new("patch", "", "secrets", Some(ns.as_str())));
            if !exists(session, "Secret", ns.as_str(), secret.name().as_str()).await {
                needed.insert(Permission::new("create", "", "secrets", Some(ns.as_str())));
            }
        }
    }
    needed
}

/// Whether Secret or ConfigMap (`kind`) `namespace/name` exists; `false` when it cannot
/// be read either.
async fn exists(session: &Session<'_>, kind: &str, namespace: &str, name: &str) -> bool {
    let ar = super::applyset::secret_or_config_map(kind);
    let api: Api<kube::api::DynamicObject> =
        Api::namespaced_with(session.client.clone(), namespace, &ar);
    matches!(
        retry::with_retries(&session.stop, || api.get_opt(name)).await,
        Ok(Some(_))
    )
}

/// Whether the server allows `p` for the current user.
async fn allowed(session: &Session<'_>, p: &Permission) -> Result<bool> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                group: Some(p.group.clone()),
                resource: Some(p.resource.clone()),
                namespace: p.namespace.clone(),
                verb: Some(p.verb.to_owned()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(session.client.clone());
    let params = PostParams::default();
    let answer = retry::with_retries(&session.stop, || api.create(&params, &review))
        .await
        .map_err(|e| kube_error("selfsubjectaccessreview (permission preflight)", e))?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// Asks the server about every permission the run needs and refuses the run, before any
/// change, when one is missing. Prints one line with the number of checks and their time.
pub(crate) async fn check(
    session: &Session<'_>,
    items: &[Item],
    parent: &ApplySetParent,
    secrets: &[&BootstrapSecret],
    out: &mut dyn Write,
) -> Result<()> {
    let started = Instant::now();
    let mut needed = object_permissions(session, items).await?;
    needed.extend(parent_and_secret_permissions(session, parent, secrets).await);
    let answers = futures::stream::iter(
        needed
            .iter()
            .map(|p| async move { allowed(session, p).await.map(|ok| (p, ok)) }),
    )
    .buffer_unordered(session.opts.concurrency.max(1))
    .collect::<Vec<_>>()
    .await;
    let mut missing = Vec::new();
    for answer in answers {
        let (p, ok) = answer?;
        if !ok {
            missing.push(p.clone());
        }
    }
    missing.sort();
    let _ = writeln!(
        out,
        "preflight: {} permission checks in {} ms, {} missing",
        needed.len(),
        started.elapsed().as_millis(),
        missing.len()
    );
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Forbidden {
        missing: missing.iter().map(Permission::missing).collect(),
    })
}
