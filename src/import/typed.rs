//! What the generated code declares with the typed API instead of a manifest, where that
//! writes the same bytes: a GitRepository of the fields `flux bootstrap` and most
//! repositories write becomes `GitRepository::builder()…` with `name!`, `namespace!` and
//! `duration!` literals and its Secret as `Ref::existing`.
//!
//! Only where the typed object renders exactly as the manifest does — an apiVersion the
//! type writes, every field one its builder sets, durations spelled as fluxdsl writes them
//! (`1m0s`, not `1m`), no explicit default the type would leave out — so `plan::interpret`
//! (manifests) and the written crate (this) render the same tree; the round trip of every
//! crate checks that byte for byte.

use std::fmt::Write;

use serde_json::Value;

use crate::values::{Duration, Name, NamespaceName};

/// The builder expression for `value`, indented for a file function's body (four spaces),
/// or `None` when the typed API would not write it as it is.
pub(crate) fn declaration(value: &Value) -> Option<String> {
    match (value["apiVersion"].as_str()?, value["kind"].as_str()?) {
        ("source.toolkit.fluxcd.io/v1", "GitRepository") => git_repository(value),
        _ => None,
    }
}

/// `"x"` as a Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// The object's name and namespace as literals, if both are plain (no variables, no
/// labels or annotations beside them).
fn identity(value: &Value) -> Option<(String, String)> {
    let metadata = value["metadata"].as_object()?;
    if metadata.keys().any(|k| k != "name" && k != "namespace") {
        return None;
    }
    let name = metadata.get("name")?.as_str()?;
    let namespace = metadata.get("namespace")?.as_str()?;
    Name::check(name).is_none().then_some(())?;
    NamespaceName::check(namespace).is_none().then_some(())?;
    Some((name.to_owned(), namespace.to_owned()))
}

/// A duration as a `duration!` literal, if fluxdsl writes it back as spelled.
fn duration(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    let parsed = Duration::parse(text).ok()?;
    (parsed.to_string() == text).then(|| format!("duration!({})", lit(text)))
}

fn git_repository(value: &Value) -> Option<String> {
    let (name, namespace) = identity(value)?;
    let spec = value["spec"].as_object()?;
    const FIELDS: [&str; 5] = ["interval", "url", "ref", "secretRef", "timeout"];
    if spec.keys().any(|k| !FIELDS.contains(&k.as_str())) {
        return None;
    }
    let mut s = String::new();
    s.push_str("    c.add(\n        &file,\n        GitRepository::builder()\n");
    let _ = writeln!(s, "            .name(name!({}))", lit(&name));
    let _ = writeln!(s, "            .namespace(namespace!({}))", lit(&namespace));
    let _ = writeln!(s, "            .url({})", lit(spec.get("url")?.as_str()?));
    if let Some(reference) = spec.get("ref") {
        let reference = reference.as_object()?;
        let call = match reference.len() {
            1 => {
                let (kind, v) = reference.iter().next()?;
                if !["branch", "tag", "semver", "name", "commit"].contains(&kind.as_str()) {
                    return None;
                }
                format!("GitRef::{kind}({})", lit(v.as_str()?))
            }
            2 => {
                let branch = reference.get("branch")?.as_str()?;
                let commit = reference.get("commit")?.as_str()?;
                format!(
                    "GitRef::branch({}).with_commit({})",
                    lit(branch),
                    lit(commit)
                )
            }
            _ => return None,
        };
        let _ = writeln!(s, "            .reference({call})");
    }
    if let Some(secret) = spec.get("secretRef") {
        let secret = secret.as_object()?;
        if secret.len() != 1 {
            return None;
        }
        let secret = secret.get("name")?.as_str()?;
        Name::check(secret).is_none().then_some(())?;
        // The deploy key `flux bootstrap` makes: in the cluster, not in the repository.
        let _ = writeln!(
            s,
            "            .secret_ref(&Ref::existing(&namespace!({}), name!({})))",
            lit(&namespace),
            lit(secret)
        );
    }
    let _ = writeln!(
        s,
        "            .interval({})",
        duration(spec.get("interval")?)?
    );
    if let Some(timeout) = spec.get("timeout") {
        let _ = writeln!(s, "            .timeout({})", duration(timeout)?);
    }
    s.push_str("            .build(),\n    );");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bootstrap_git_repository_is_declared_typed_and_anything_else_as_it_is() {
        let bootstrap = json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system"},
            "spec": {
                "interval": "1m0s",
                "ref": {"branch": "main"},
                "secretRef": {"name": "flux-system"},
                "url": "ssh://git@github.com/org/fleet",
            },
        });
        assert_eq!(
            declaration(&bootstrap).unwrap(),
            "    c.add(\n        &file,\n        GitRepository::builder()\n            \
             .name(name!(\"flux-system\"))\n            .namespace(namespace!(\"flux-system\"))\n            \
             .url(\"ssh://git@github.com/org/fleet\")\n            \
             .reference(GitRef::branch(\"main\"))\n            \
             .secret_ref(&Ref::existing(&namespace!(\"flux-system\"), name!(\"flux-system\")))\n            \
             .interval(duration!(\"1m0s\"))\n            .build(),\n    );"
        );
        // What the typed object would write otherwise stays a manifest.
        for (pointer, other) in [
            ("/spec/interval", json!("1m")),
            ("/apiVersion", json!("source.toolkit.fluxcd.io/v1beta2")),
            ("/metadata/labels", json!({"a": "b"})),
            ("/metadata/name", json!("${cluster}-fleet")),
            ("/spec/suspend", json!(false)),
            ("/spec/ref", json!({"tag": "v1", "semver": "1.x"})),
        ] {
            let mut changed = bootstrap.clone();
            match changed.pointer_mut(pointer) {
                Some(v) => *v = other,
                None => {
                    let (parent, key) = pointer.rsplit_once('/').unwrap();
                    changed.pointer_mut(parent).unwrap()[key] = other;
                }
            }
            assert_eq!(declaration(&changed), None, "{pointer}");
        }
    }
}
