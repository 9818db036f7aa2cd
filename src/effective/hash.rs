//! kustomize's content hash of a generated ConfigMap or Secret: SHA-256 of the Go JSON
//! encoding of its kind and data (and a Secret's type), the first ten hex digits with `0 1 3 a e` made
//! letters so the suffix never reads as a number or a word.

use serde_json::{Map, Value};

/// The suffix kustomize appends (after `-`) to the name of generated `object`.
pub(crate) fn content_hash(object: &Value) -> String {
    let field = |key: &str| object.get(key).cloned().unwrap_or(Value::from(""));
    let mut m = Map::new();
    let kind = object["kind"].as_str().unwrap_or_default();
    m.insert("kind".into(), Value::from(kind));
    // kustomize looks the name up as one field called `metadata/name`, which no object
    // has: every hash is of an empty name, and kubectl's output agrees.
    m.insert("name".into(), Value::from(""));
    m.insert("data".into(), field("data"));
    if kind == "Secret" {
        m.insert("type".into(), field("type"));
        if object["stringData"].is_object() {
            m.insert("stringData".into(), object["stringData"].clone());
        }
    } else if object["binaryData"].is_object() {
        m.insert("binaryData".into(), object["binaryData"].clone());
    }
    let mut encoded = String::new();
    go_json(&Value::Object(m), &mut encoded);
    let digest = ring::digest::digest(&ring::digest::SHA256, encoded.as_bytes());
    digest.as_ref()[..5]
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .map(|d| match d {
            0 => 'g',
            1 => 'h',
            3 => 'k',
            10 => 'm',
            14 => 't',
            d => char::from_digit(u32::from(d), 16).unwrap_or('0'),
        })
        .collect()
}

/// `value` as Go's `encoding/json` writes it: keys sorted, no spaces, `<`, `>`, `&` and
/// the line separators escaped.
fn go_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                go_json(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(v, out);
            }
            out.push(']');
        }
        Value::String(s) => go_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hashes_are_the_ones_kubectl_kustomize_appends() {
        // `kubectl kustomize` (kustomize v5.5.0) of a configMapGenerator `podinfo-values`
        // with literals `a=b` and `c=<x&y>`, and a secretGenerator `s` with `k=v`.
        let cm = serde_json::json!({
            "kind": "ConfigMap", "metadata": {"name": "podinfo-values"},
            "data": {"a": "b", "c": "<x&y>"}
        });
        assert_eq!(content_hash(&cm), "2h478k6bf6");
        let secret = serde_json::json!({
            "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}
        });
        assert_eq!(content_hash(&secret), "ftgtgc4t9f");
    }

    #[test]
    fn go_escapes_html_characters() {
        let mut out = String::new();
        go_json(&serde_json::json!({"b": "<&>", "a": "x\ny"}), &mut out);
        assert_eq!(out, r#"{"a":"x\ny","b":"\u003c\u0026\u003e"}"#);
    }
}
