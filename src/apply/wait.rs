//! `--wait`: poll Flux objects until each reports `Ready=True` for its current
//! generation, one fails, or the timeout passes. Objects are shown in declaration order,
//! which is dependency order (a handle only exists once its object is declared), indented
//! under what they depend on.

use std::io::{IsTerminal, Write};

use kube::api::DynamicObject;
use serde_json::Value;

use super::{ApplyOptions, Item, Session, retry};
use crate::error::{Error, Result};

/// Kinds whose Ready condition `--wait` follows.
const FLUX_GROUPS: &[&str] = &[
    "source.toolkit.fluxcd.io",
    "kustomize.toolkit.fluxcd.io",
    "helm.toolkit.fluxcd.io",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    Pending(String),
    Ready(String),
    Failed(String),
}

/// What a Flux object's conditions say.
pub(crate) fn state_of(obj: &Value) -> State {
    let generation = obj["metadata"]["generation"].as_i64();
    let observed = obj["status"]["observedGeneration"].as_i64();
    let conditions = obj["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |t: &str| conditions.iter().find(|c| c["type"] == t);
    let Some(ready) = find("Ready") else {
        return State::Pending("no Ready condition yet".into());
    };
    let message = ready["message"].as_str().unwrap_or("").to_owned();
    let current = generation.is_none() || observed == generation;
    let reconciling = find("Reconciling").is_some_and(|c| c["status"] == "True");
    match ready["status"].as_str() {
        Some("True") if current => State::Ready(message),
        Some("False")
            if current
                && !reconciling
                && ready["reason"] != "DependencyNotReady"
                && ready["reason"] != "Progressing" =>
        {
            State::Failed(format!(
                "{}: {message}",
                ready["reason"].as_str().unwrap_or("NotReady")
            ))
        }
        _ => State::Pending(if message.is_empty() {
            "reconciling".into()
        } else {
            message
        }),
    }
}

fn depth(item: &Item, all: &[&Item]) -> usize {
    let deps = item.body["spec"]["dependsOn"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    deps.iter()
        .filter_map(|d| {
            let name = d["name"].as_str()?;
            let ns = d["namespace"].as_str().or(item.namespace.as_deref());
            all.iter()
                .find(|o| o.kind == item.kind && o.name == name && o.namespace.as_deref() == ns)
                .map(|o| 1 + depth(o, all))
        })
        .max()
        .unwrap_or(0)
}

pub(crate) async fn wait_ready(
    session: &Session<'_>,
    items: &[Item],
    opts: &ApplyOptions,
    out: &mut dyn Write,
) -> Result<()> {
    let flux: Vec<&Item> = items
        .iter()
        .filter(|i| {
            i.api_version
                .rsplit_once('/')
                .is_some_and(|(g, _)| FLUX_GROUPS.contains(&g))
        })
        .collect();
    if flux.is_empty() {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + opts.timeout;
    let mut view = View {
        live_tree: std::io::stdout().is_terminal(),
        last: vec![None; flux.len()],
        drawn: 0,
    };
    loop {
        let mut states = Vec::with_capacity(flux.len());
        for item in &flux {
            states.push(read_state(session, item).await?);
        }
        view.show(&flux, &states, out);
        if let Some((item, State::Failed(m))) = flux
            .iter()
            .zip(&states)
            .find(|(_, s)| matches!(s, State::Failed(_)))
        {
            return Err(Error::NotReady {
                object: item.display(),
                message: m.clone(),
            });
        }
        if states.iter().all(|s| matches!(s, State::Ready(_))) {
            let _ = writeln!(out, "all {} Flux objects are Ready", flux.len());
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline || session.stop.is_cancelled() {
            let waiting: Vec<String> = flux
                .iter()
                .zip(&states)
                .filter(|(_, s)| !matches!(s, State::Ready(_)))
                .map(|(i, _)| i.display())
                .collect();
            return Err(Error::Timeout {
                what: format!(
                    "Flux to report Ready: still waiting for {}",
                    waiting.join(", ")
                ),
            });
        }
        tokio::time::sleep(opts.poll).await;
    }
}

/// The live state of one Flux object.
async fn read_state(session: &Session<'_>, item: &Item) -> Result<State> {
    let (ar, namespaced) = session.resource(&item.gvk()).await?;
    let api = session.api(&ar, namespaced, item.namespace.as_deref());
    let obj: Option<DynamicObject> = retry::with_retries(&session.stop, || api.get_opt(&item.name))
        .await
        .map_err(|e| super::kube_error(&item.display(), e))?;
    Ok(match obj {
        Some(o) => state_of(&serde_json::to_value(&o).unwrap_or_default()),
        None => State::Pending("not found".into()),
    })
}

/// What `--wait` shows: a tree redrawn in place on a terminal, state changes as lines
/// otherwise.
struct View {
    live_tree: bool,
    last: Vec<Option<State>>,
    drawn: usize,
}

impl View {
    fn show(&mut self, flux: &[&Item], states: &[State], out: &mut dyn Write) {
        if self.live_tree && self.drawn > 0 {
            let _ = write!(out, "\x1b[{}A\x1b[J", self.drawn);
        }
        self.drawn = 0;
        for (i, (item, state)) in flux.iter().zip(states).enumerate() {
            if !self.live_tree && self.last[i].as_ref() == Some(state) {
                continue;
            }
            let (mark, text) = match state {
                State::Ready(m) => ("ready", m),
                State::Pending(m) => ("waiting", m),
                State::Failed(m) => ("FAILED", m),
            };
            let indent = "  ".repeat(depth(item, flux));
            let _ = writeln!(out, "{indent}{} {mark}: {text}", item.display());
            self.drawn += 1;
            self.last[i] = Some(state.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ready_failed_and_pending_are_told_apart() {
        let obj = |status: &str, reason: &str, observed: i64, reconciling: bool| {
            json!({
                "metadata": {"generation": 2},
                "status": {"observedGeneration": observed, "conditions": [
                    {"type": "Ready", "status": status, "reason": reason, "message": "m"},
                    {"type": "Reconciling", "status": if reconciling { "True" } else { "False" }},
                ]}
            })
        };
        assert_eq!(
            state_of(&obj("True", "Succeeded", 2, false)),
            State::Ready("m".into())
        );
        assert_eq!(
            state_of(&obj("True", "Succeeded", 1, false)),
            State::Pending("m".into())
        );
        assert_eq!(
            state_of(&obj("False", "BuildFailed", 2, false)),
            State::Failed("BuildFailed: m".into())
        );
        assert_eq!(
            state_of(&obj("False", "BuildFailed", 2, true)),
            State::Pending("m".into())
        );
        assert_eq!(
            state_of(&obj("False", "DependencyNotReady", 2, false)),
            State::Pending("m".into())
        );
        assert!(matches!(state_of(&json!({})), State::Pending(_)));
    }
}
