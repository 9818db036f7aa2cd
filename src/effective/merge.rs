//! Patches as kustomize applies them: strategic merge (kyaml's merge, with the merge keys
//! of the built-in Kubernetes kinds; a custom kind has no schema, so its lists are
//! replaced whole) and JSON 6902.

use serde_json::{Map, Value};

/// The groups of the built-in kinds, whose lists merge by key.
fn builtin_group(group: &str) -> bool {
    matches!(
        group,
        "" | "apps"
            | "batch"
            | "policy"
            | "autoscaling"
            | "extensions"
            | "networking.k8s.io"
            | "rbac.authorization.k8s.io"
            | "storage.k8s.io"
            | "scheduling.k8s.io"
            | "apiextensions.k8s.io"
            | "admissionregistration.k8s.io"
            | "apiregistration.k8s.io"
            | "certificates.k8s.io"
            | "coordination.k8s.io"
            | "discovery.k8s.io"
            | "node.k8s.io"
    )
}

/// The merge key of the list at `key` under `parent` in a built-in kind (kind `kind`).
fn merge_key(kind: &str, parent: Option<&str>, key: &str) -> Option<&'static str> {
    Some(match key {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "env" => "name",
        "hostAliases" => "ip",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "topologySpreadConstraints" => "topologyKey",
        "ownerReferences" => "uid",
        "taints" if kind == "Node" => "key",
        "conditions" => "type",
        "ports" if kind == "Service" && parent == Some("spec") => "port",
        "ports"
            if matches!(
                parent,
                Some("containers" | "initContainers" | "ephemeralContainers")
            ) =>
        {
            "containerPort"
        }
        _ => return None,
    })
}

/// What a strategic merge patch does to a whole object.
pub(crate) enum Merged {
    /// The patched object.
    Kept(Value),
    /// `$patch: delete` at the top: the object is removed.
    Deleted,
}

/// `patch` merged into `target` as `kustomize`'s strategic merge does.
pub(crate) fn strategic_merge(target: &Value, patch: &Value) -> Merged {
    if patch["$patch"] == "delete" {
        return Merged::Deleted;
    }
    let api_version = target["apiVersion"].as_str().unwrap_or_default();
    let kind = target["kind"].as_str().unwrap_or_default().to_owned();
    let group = super::fields::split_api_version(api_version).0;
    let schema = builtin_group(group);
    let mut out = target.clone();
    merge_value(
        &mut out,
        patch,
        &Ctx {
            kind: &kind,
            schema,
        },
        None,
    );
    Merged::Kept(out)
}

struct Ctx<'a> {
    kind: &'a str,
    schema: bool,
}

/// Merges `patch` into `dest` (a map into a map, anything else replaces); `parent` is the
/// key `dest` sits under (for the merge key of lists below it).
fn merge_value(dest: &mut Value, patch: &Value, ctx: &Ctx, parent: Option<&str>) {
    match (dest, patch) {
        (Value::Object(d), Value::Object(p)) => {
            if p.get("$patch").and_then(Value::as_str) == Some("replace") {
                *d = without_directives(p);
                return;
            }
            for (k, v) in p {
                if k.starts_with('$') {
                    continue;
                }
                if v.is_null() {
                    d.remove(k);
                    continue;
                }
                if v.get("$patch").and_then(Value::as_str) == Some("delete") {
                    d.remove(k);
                    continue;
                }
                match d.get_mut(k) {
                    Some(existing) if !existing.is_null() => {
                        if let (Value::Array(items), Value::Array(patch_items)) =
                            (&mut *existing, v)
                        {
                            let key = ctx.schema.then(|| merge_key(ctx.kind, parent, k)).flatten();
                            match key {
                                Some(key) => merge_list(items, patch_items, key, ctx, k),
                                None => *existing = clean(v),
                            }
                        } else {
                            merge_value(existing, v, ctx, Some(k));
                        }
                    }
                    _ => {
                        d.insert(k.clone(), clean(v));
                    }
                }
            }
        }
        (dest, patch) => *dest = clean(patch),
    }
}

/// A list merged by `key`: the patch's elements first (merged into the element of the
/// same key), then the target's elements the patch does not name — kyaml's order when
/// kustomize merges (it prepends).
fn merge_list(items: &mut Vec<Value>, patch: &[Value], key: &str, ctx: &Ctx, field: &str) {
    let id = |v: &Value| v.get(key).filter(|k| !k.is_null()).cloned();
    let mut out: Vec<Value> = Vec::new();
    let mut used = vec![false; items.len()];
    for p in patch {
        let Some(pid) = id(p) else {
            continue;
        };
        let found = items.iter().position(|i| id(i).as_ref() == Some(&pid));
        if p.get("$patch").and_then(Value::as_str) == Some("delete") {
            if let Some(at) = found {
                used[at] = true;
            }
            continue;
        }
        match found {
            Some(at) => {
                used[at] = true;
                let mut merged = items[at].clone();
                merge_value(&mut merged, p, ctx, Some(field));
                out.push(merged);
            }
            None => out.push(clean(p)),
        }
    }
    for (i, item) in items.iter().enumerate() {
        if !used[i] {
            out.push(item.clone());
        }
    }
    *items = out;
}

/// A patch value as it lands in the target: directives removed, nulls in maps dropped.
fn clean(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(without_directives(m)),
        Value::Array(items) => Value::Array(items.iter().map(clean).collect()),
        v => v.clone(),
    }
}

fn without_directives(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter()
        .filter(|(k, v)| !k.starts_with('$') && !v.is_null())
        .map(|(k, v)| (k.clone(), clean(v)))
        .collect()
}

/// `ops` (a JSON 6902 patch) applied to `target`; the error names the operation.
pub(crate) fn json6902(target: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops
        .as_array()
        .ok_or_else(|| "a JSON 6902 patch is a list of operations".to_owned())?;
    for (i, op) in ops.iter().enumerate() {
        apply_op(target, op).map_err(|e| format!("operation {i} ({}): {e}", op_label(op)))?;
    }
    Ok(())
}

fn op_label(op: &Value) -> String {
    format!(
        "{} {}",
        op["op"].as_str().unwrap_or("?"),
        op["path"].as_str().unwrap_or("?")
    )
}

fn apply_op(target: &mut Value, op: &Value) -> Result<(), String> {
    let path = op["path"].as_str().ok_or("no path")?;
    match op["op"].as_str().ok_or("no op")? {
        "add" => add(target, path, op.get("value").cloned().ok_or("no value")?),
        "remove" => remove(target, path).map(drop),
        "replace" => {
            let value = op.get("value").cloned().ok_or("no value")?;
            let slot = pointer_mut(target, path)?;
            *slot = value;
            Ok(())
        }
        "move" => {
            let from = op["from"].as_str().ok_or("no from")?;
            let value = remove(target, from)?;
            add(target, path, value)
        }
        "copy" => {
            let from = op["from"].as_str().ok_or("no from")?;
            let value = pointer_mut(target, from)?.clone();
            add(target, path, value)
        }
        "test" => {
            let expected = op.get("value").ok_or("no value")?;
            match pointer_mut(target, path)? == expected {
                true => Ok(()),
                false => Err("the value differs".into()),
            }
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

fn tokens(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("path {path:?} does not start with /"))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn pointer_mut<'v>(target: &'v mut Value, path: &str) -> Result<&'v mut Value, String> {
    let mut at = target;
    for t in tokens(path)? {
        at = match at {
            Value::Object(m) => m.get_mut(&t).ok_or_else(|| format!("no field {t:?}"))?,
            Value::Array(items) => {
                let i: usize = t.parse().map_err(|_| format!("{t:?} is not an index"))?;
                items.get_mut(i).ok_or_else(|| format!("no element {i}"))?
            }
            _ => return Err(format!("{t:?} is below a value that is not a map or list")),
        };
    }
    Ok(at)
}

fn split_last(path: &str) -> Result<(String, String), String> {
    let mut t = tokens(path)?;
    let last = t
        .pop()
        .ok_or("the whole object cannot be added or removed")?;
    let parent: String = t
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect();
    Ok((parent, last))
}

fn add(target: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (parent, last) = split_last(path)?;
    match pointer_mut(target, &parent)? {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(items) => {
            if last == "-" {
                items.push(value);
                return Ok(());
            }
            let i: usize = last
                .parse()
                .map_err(|_| format!("{last:?} is not an index"))?;
            if i > items.len() {
                return Err(format!("index {i} is past the end"));
            }
            items.insert(i, value);
            Ok(())
        }
        _ => Err(format!("{parent:?} is not a map or list")),
    }
}

fn remove(target: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = split_last(path)?;
    match pointer_mut(target, &parent)? {
        Value::Object(m) => m.remove(&last).ok_or_else(|| format!("no field {last:?}")),
        Value::Array(items) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("{last:?} is not an index"))?;
            (i < items.len())
                .then(|| items.remove(i))
                .ok_or_else(|| format!("no element {i}"))
        }
        _ => Err(format!("{parent:?} is not a map or list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_and_the_patched_one_comes_first() {
        let target = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template":
            {"spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}});
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}]}}}});
        let Merged::Kept(out) = strategic_merge(&target, &patch) else {
            panic!()
        };
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "b", "image": "b:2"}, {"name": "a", "image": "a:1"}])
        );
    }

    #[test]
    fn a_custom_kind_replaces_lists_and_merges_maps() {
        let target = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "spec": {"values": {"a": 1, "l": [{"name": "x"}]}}});
        let patch = json!({"spec": {"values": {"b": 2, "l": [{"name": "y"}], "a": null}}});
        let Merged::Kept(out) = strategic_merge(&target, &patch) else {
            panic!()
        };
        assert_eq!(out["spec"]["values"], json!({"b": 2, "l": [{"name": "y"}]}));
    }

    #[test]
    fn json_6902_adds_at_the_end_and_replaces() {
        let mut o = json!({"spec": {"args": ["a"], "x": 1}});
        let ops = json!([
            {"op": "add", "path": "/spec/args/-", "value": "b"},
            {"op": "replace", "path": "/spec/x", "value": 2},
            {"op": "remove", "path": "/spec/args/0"}
        ]);
        json6902(&mut o, &ops).unwrap();
        assert_eq!(o, json!({"spec": {"args": ["b"], "x": 2}}));
        let err = json6902(&mut o, &json!([{"op": "remove", "path": "/nope"}])).unwrap_err();
        assert_eq!(err, "operation 0 (remove /nope): no field \"nope\"");
    }
}
