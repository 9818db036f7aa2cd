//! `diff`: what apply would change, as a server-side dry run compared with the live
//! objects, like `kubectl diff` (Secret values masked).

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use super::ApplyOptions;
use super::collect::collect;
use super::connection::Connection;
use super::report::qualified;
use super::session::{Session, comparable};
use crate::error::{Error, Result};
use crate::model::cluster::Cluster;

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
