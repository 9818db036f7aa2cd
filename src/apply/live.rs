//! `tree --live`: what the cluster says about each object, read-only — Flux kinds' Ready
//! condition, exists or missing for the others.

use std::collections::HashMap;

use kube::api::{Api, DynamicObject};
use kube::core::GroupVersionKind;

use super::connection::{Connection, describe};
use super::{retry, wait};
use crate::error::Result;
use crate::object::ObjectKey;

/// The state of each of `keys`, as one short phrase (`Ready: Applied revision …`,
/// `not ready: no Ready condition yet`, `exists`, `missing`, `kind not served`).
pub async fn live_states(
    conn: &Connection,
    keys: &[ObjectKey],
) -> Result<HashMap<ObjectKey, String>> {
    conn.check_reachable().await?;
    let mut resources: HashMap<GroupVersionKind, Option<(kube::api::ApiResource, bool)>> =
        HashMap::new();
    let mut states = HashMap::new();
    for key in keys {
        let (group, version) = key
            .api_version
            .rsplit_once('/')
            .unwrap_or(("", key.api_version));
        let gvk = GroupVersionKind::gvk(group, version, key.kind);
        if !resources.contains_key(&gvk) {
            let found = retry::with_retries(&conn.stop, || {
                kube::discovery::pinned_kind(&conn.client, &gvk)
            })
            .await
            .ok()
            .map(|(ar, caps)| (ar, caps.scope == kube::discovery::Scope::Namespaced));
            resources.insert(gvk.clone(), found);
        }
        let state = match &resources[&gvk] {
            None => "kind not served".to_owned(),
            Some((ar, namespaced)) => {
                let api: Api<DynamicObject> = match (namespaced, &key.namespace) {
                    (true, Some(ns)) => Api::namespaced_with(conn.client.clone(), ns, ar),
                    (true, None) => Api::default_namespaced_with(conn.client.clone(), ar),
                    (false, _) => Api::all_with(conn.client.clone(), ar),
                };
                match retry::with_retries(&conn.stop, || api.get_opt(&key.name)).await {
                    Ok(None) => "missing".to_owned(),
                    Ok(Some(o)) if group.ends_with(".fluxcd.io") => {
                        let value = serde_json::to_value(&o).unwrap_or_default();
                        match wait::state_of(&value) {
                            wait::State::Ready(m) => format!("Ready: {m}"),
                            wait::State::Failed(m) => format!("failed: {m}"),
                            wait::State::Pending(m) => format!("not ready: {m}"),
                        }
                    }
                    Ok(Some(_)) => "exists".to_owned(),
                    Err(e) => format!("unreadable: {}", describe(&e)),
                }
            }
        };
        states.insert(key.clone(), state);
    }
    Ok(states)
}
