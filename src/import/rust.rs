//! How the generated code spells things: identifiers, namespaces and the bodies of
//! `json!` literals.

use std::fmt::Write as _;

use serde_json::Value;

/// `"x"` as a Rust string literal.
pub(crate) fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// A text of several lines (a patch) as `concat!` of its lines, one literal each, so
/// that it reads as the YAML did and rustfmt can lay out the call around it; one line
/// as [`lit`].
pub(crate) fn text_lit(s: &str) -> String {
    let lines: Vec<String> = s.split_inclusive('\n').map(lit).collect();
    match lines.len() {
        0 | 1 => lit(s),
        _ => format!("concat!({})", lines.join(", ")),
    }
}

/// A map of strings as a literal a `BTreeMap<String, String>` field takes:
/// `[("k".to_string(), "v".to_string()), …].into()`.
pub(crate) fn string_map<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "({}.to_string(), {}.to_string())",
                lit(k.as_ref()),
                lit(v.as_ref())
            )
        })
        .collect();
    format!("[{}].into()", pairs.join(", "))
}

/// The expression of name `name`: a `name!` literal, or a template of postBuild
/// variables (checked as the import read it) as `Name::with_variables`.
pub(crate) fn name_expr(name: &str) -> String {
    match name.contains("${") {
        true => format!(
            "Name::with_variables({}).expect(\"a name template\")",
            lit(name)
        ),
        false => format!("name!({})", lit(name)),
    }
}

/// The expression of namespace `namespace`: `NamespaceName::FLUX_SYSTEM`, a
/// `namespace!` literal, or a template as `NamespaceName::with_variables`.
pub(crate) fn namespace_expr(namespace: &str) -> String {
    if namespace.contains("${") {
        format!(
            "NamespaceName::with_variables({}).expect(\"a namespace template\")",
            lit(namespace)
        )
    } else if namespace == "flux-system" {
        "NamespaceName::FLUX_SYSTEM".into()
    } else {
        format!("namespace!({})", lit(namespace))
    }
}

/// A Rust identifier for `name`.
pub(crate) fn ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "cluster_");
    }
    const RESERVED: [&str; 12] = [
        "crate", "fn", "impl", "let", "loop", "match", "mod", "move", "self", "super", "type",
        "use",
    ];
    if RESERVED.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `value` as the inside of a `json!` literal, indented `level` steps of four spaces.
pub(crate) fn json(value: &Value, level: usize) -> String {
    let mut out = String::new();
    write_json(&mut out, value, level);
    out
}

fn write_json(out: &mut String, value: &Value, level: usize) {
    let pad = "    ".repeat(level + 1);
    let close = "    ".repeat(level);
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push_str("{\n");
            // As Kubernetes writes them: identity first, then the rest by name.
            const FIRST: [&str; 6] = [
                "apiVersion",
                "kind",
                "metadata",
                "name",
                "namespace",
                "spec",
            ];
            let mut keys: Vec<(&String, &Value)> = map.iter().collect();
            keys.sort_by_key(|(k, _)| {
                (
                    FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()),
                    k.as_str(),
                )
            });
            for (k, v) in keys {
                let _ = write!(out, "{pad}{k:?}: ");
                write_json(out, v, level + 1);
                out.push_str(",\n");
            }
            out.push_str(&close);
            out.push('}');
        }
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            let short = items.iter().all(|v| !v.is_object() && !v.is_array())
                && items.iter().map(|v| v.to_string().len() + 2).sum::<usize>() < 60;
            if short {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_json(out, v, level);
                }
                out.push(']');
            } else {
                out.push_str("[\n");
                for v in items {
                    out.push_str(&pad);
                    write_json(out, v, level + 1);
                    out.push_str(",\n");
                }
                out.push_str(&close);
                out.push(']');
            }
        }
        Value::String(text) => {
            let _ = write!(out, "{text:?}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Null => out.push_str("null"),
    }
}
