//! Setter markers in the rendered text, and the values image automation commits there.
//!
//! A marked field is written as image-automation-controller reads it, the value then the
//! marker on one line (`image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "flux-system:app"}`).
//! The controller rewrites that value in Git with what its ImagePolicy chooses; the next
//! `render` would put the program's value back, and `check` would call the commit drift.
//! So both read the committed tree first: where a marked line there holds a value the
//! policy could have chosen, that value is kept; any other value is drift, and reported.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::ser::{SerializeMap, SerializeSeq};
use serde_json::Value;

use crate::model::automation::{Admits, ImageSetter, Marked};
use crate::model::cluster::Cluster;
use crate::render::RenderedTree;

/// A marked field of a rendered file: its marker, its form and what its policy admits.
#[derive(Debug, Clone)]
pub(crate) struct MarkedValue {
    comment: String,
    form: ImageSetter,
    admits: Arc<Admits>,
}

/// The marks of one document: (JSON pointer, comment).
pub(crate) type Marks = Vec<(String, String)>;

/// Every mark of `cluster`, by object (its target's address) and by file index, with what
/// each rendered file must know of them.
#[derive(Default)]
pub(crate) struct ClusterMarks {
    pub(crate) objects: HashMap<*const crate::object::Target, Marks>,
    pub(crate) files: HashMap<usize, Marks>,
    /// By file index: the marked values written in it.
    pub(crate) values: HashMap<usize, Vec<MarkedValue>>,
}

impl ClusterMarks {
    pub(crate) fn of(cluster: &Cluster) -> ClusterMarks {
        let mut marks = ClusterMarks::default();
        if cluster.setters.is_empty() {
            return marks;
        }
        let mut admits: HashMap<&crate::object::ObjectKey, Option<Arc<Admits>>> = HashMap::new();
        for s in &cluster.setters {
            let comment = s.comment();
            let mark = (s.pointer.clone(), comment.clone());
            let file = match &s.marked {
                Marked::Object(target) => {
                    let Some(o) = cluster
                        .objects
                        .iter()
                        .find(|o| Arc::ptr_eq(&o.target, target))
                    else {
                        continue;
                    };
                    marks
                        .objects
                        .entry(Arc::as_ptr(&o.target))
                        .or_default()
                        .push(mark);
                    o.file
                }
                Marked::File(index) => {
                    marks.files.entry(*index).or_default().push(mark);
                    *index
                }
            };
            let policy = admits
                .entry(&s.policy.key)
                .or_insert_with(|| {
                    crate::model::automation::admits(cluster, &s.policy.key).map(Arc::new)
                })
                .clone();
            if let Some(admits) = policy {
                marks.values.entry(file).or_default().push(MarkedValue {
                    comment,
                    form: s.form,
                    admits,
                });
            }
        }
        marks
    }
}

/// A JSON document written with comments after the strings at some pointers.
pub(crate) struct Commented<'a> {
    pub(crate) value: &'a Value,
    pub(crate) marks: &'a [(String, String)],
    pub(crate) pointer: String,
}

impl serde::Serialize for Commented<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let child = |segment: &str, value| Commented {
            value,
            marks: self.marks,
            pointer: format!(
                "{}/{}",
                self.pointer,
                segment.replace('~', "~0").replace('/', "~1")
            ),
        };
        match self.value {
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, &child(k, v))?;
                }
                m.end()
            }
            Value::Array(items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for (i, v) in items.iter().enumerate() {
                    q.serialize_element(&child(&i.to_string(), v))?;
                }
                q.end()
            }
            Value::String(text) => match self.marks.iter().find(|(p, _)| *p == self.pointer) {
                Some((_, comment)) => s.serialize_newtype_struct(
                    crate::go_yaml::LINE_COMMENT,
                    &format!("{text}\0{comment}"),
                ),
                None => s.serialize_str(text),
            },
            other => other.serialize(s),
        }
    }
}

/// A line that ends with one of the markers: the text before its value (indent, `- `,
/// `key: `), the value as YAML wrote it, and the marker.
fn split_marked<'l>(line: &'l str, comment: &str) -> Option<(&'l str, &'l str)> {
    let body = line.strip_suffix(comment)?.strip_suffix(" # ")?;
    let lead = body.len() - body.trim_start_matches([' ', '-']).len();
    let rest = &body[lead..];
    let value_at = match rest.find(": ") {
        Some(i) if !rest.starts_with(['"', '\'']) => lead + i + 2,
        _ => lead,
    };
    Some((&body[..value_at], &body[value_at..]))
}

/// The string a one-line YAML scalar holds: plain, single- or double-quoted.
fn scalar(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    if text.starts_with('"') {
        return serde_json::from_str(text).ok();
    }
    (!text.is_empty()).then(|| text.to_owned())
}

/// One value at a marked line: the committed value kept, or one the policy could not have
/// chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomatedValue {
    /// The file, relative to the tree.
    pub path: String,
    /// The line of the committed file (1-based).
    pub line: usize,
    /// The value committed there.
    pub committed: String,
    /// The value the program declares.
    pub declared: String,
    /// The marker (`{"$imagepolicy": "flux-system:app"}`).
    pub marker: String,
    /// Why the policy could not have chosen it (`None`: it could, and it is kept).
    pub not_chosen: Option<String>,
}

/// `rendered` with the values image automation committed into the tree at `out` kept
/// where the policies could have chosen them, and every committed value at a marked line
/// that differs from the program's.
pub(crate) fn with_committed<'r>(
    rendered: &'r RenderedTree,
    out: &Path,
) -> crate::error::Result<(Cow<'r, RenderedTree>, Vec<AutomatedValue>)> {
    if rendered.automated.is_empty() {
        return Ok((Cow::Borrowed(rendered), Vec::new()));
    }
    let mut changed: BTreeMap<String, String> = BTreeMap::new();
    let mut seen = Vec::new();
    for (path, values) in &rendered.automated {
        let Some(text) = rendered.file(path) else {
            continue;
        };
        let file = out.join(path);
        let committed = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            // Not there yet, or not text: nothing the controller committed.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => continue,
            Err(source) => {
                return Err(crate::error::Error::Io {
                    action: "cannot read",
                    path: file,
                    source,
                });
            }
        };
        // The committed marked lines, by (text before the value, marker), in order.
        let mut slots: HashMap<(&str, &str), Vec<(usize, String)>> = HashMap::new();
        for (n, line) in committed.lines().enumerate() {
            for v in values {
                if let Some((lead, value)) = split_marked(line, &v.comment)
                    && let Some(value) = scalar(value)
                {
                    slots
                        .entry((lead, v.comment.as_str()))
                        .or_default()
                        .push((n + 1, value));
                }
            }
        }
        let mut taken: HashMap<(&str, &str), usize> = HashMap::new();
        let mut out_text = String::with_capacity(text.len());
        let mut edited = false;
        for line in text.split_inclusive('\n') {
            let bare = line.strip_suffix('\n').unwrap_or(line);
            let found = values.iter().find_map(|v| {
                let (lead, value) = split_marked(bare, &v.comment)?;
                Some((v, lead, scalar(value)?))
            });
            let Some((v, lead, declared)) = found else {
                out_text.push_str(line);
                continue;
            };
            let key = (lead, v.comment.as_str());
            let index = taken.entry(key).or_default();
            let slot = slots.get(&key).and_then(|s| s.get(*index));
            *index += 1;
            let Some((at, committed)) = slot else {
                out_text.push_str(line);
                continue;
            };
            if *committed == declared {
                out_text.push_str(line);
                continue;
            }
            let not_chosen = v.admits.problem(v.form, committed);
            seen.push(AutomatedValue {
                path: path.clone(),
                line: *at,
                committed: committed.clone(),
                declared,
                marker: v.comment.clone(),
                not_chosen: not_chosen.clone(),
            });
            if not_chosen.is_some() {
                out_text.push_str(line);
                continue;
            }
            let written =
                crate::go_yaml::document(committed.as_str()).expect("a string has a YAML form");
            out_text.push_str(lead);
            out_text.push_str(written.trim_end_matches('\n'));
            out_text.push_str(" # ");
            out_text.push_str(&v.comment);
            out_text.push('\n');
            edited = true;
        }
        if edited {
            changed.insert(path.clone(), out_text);
        }
    }
    if changed.is_empty() {
        return Ok((Cow::Borrowed(rendered), seen));
    }
    let mut tree = rendered.clone();
    tree.files.extend(changed);
    Ok((Cow::Owned(tree), seen))
}

/// By file, the documents of the files of `rendered` in which [`with_committed`] kept a
/// value image automation committed in the tree at `out`.
#[cfg_attr(not(feature = "apply"), allow(dead_code))]
pub(crate) fn committed_documents(
    rendered: &RenderedTree,
    out: &Path,
) -> crate::error::Result<HashMap<String, Vec<Value>>> {
    use serde::Deserialize;
    let (adopted, _) = with_committed(rendered, out)?;
    let mut documents = HashMap::new();
    if let Cow::Owned(adopted) = adopted {
        for (path, text) in adopted.files() {
            if rendered.file(path) == Some(text) {
                continue;
            }
            let parsed: Vec<Value> = serde_yaml::Deserializer::from_str(text)
                .filter_map(|d| Value::deserialize(d).ok())
                .filter(|v| !v.is_null())
                .collect();
            documents.insert(path.to_owned(), parsed);
        }
    }
    Ok(documents)
}

/// Sets each marked string of `value` to the one the document of the same kind and name
/// among `documents` holds there.
#[cfg_attr(not(feature = "apply"), allow(dead_code))]
pub(crate) fn take_committed(value: &mut Value, marks: &Marks, documents: &[Value]) {
    let same = |d: &&Value| {
        d.get("kind") == value.get("kind")
            && d.pointer("/metadata/name") == value.pointer("/metadata/name")
            && d.pointer("/metadata/namespace") == value.pointer("/metadata/namespace")
    };
    let Some(document) = documents.iter().find(same).cloned() else {
        return;
    };
    for (pointer, _) in marks {
        if let (Some(Value::String(kept)), Some(slot)) =
            (document.pointer(pointer), value.pointer_mut(pointer))
        {
            *slot = Value::String(kept.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_lines_split_into_lead_value_and_marker() {
        let m = "{\"$imagepolicy\": \"ns:p\"}";
        assert_eq!(
            split_marked(&format!("        image: app:1.0 # {m}"), m),
            Some(("        image: ", "app:1.0"))
        );
        assert_eq!(
            split_marked(&format!("  - app:1.0 # {m}"), m),
            Some(("  - ", "app:1.0"))
        );
        assert_eq!(
            split_marked(&format!("  tag: \"1.0\" # {m}"), m),
            Some(("  tag: ", "\"1.0\""))
        );
        assert_eq!(split_marked("  image: app:1.0", m), None);
        assert_eq!(scalar("\"1.0\"").as_deref(), Some("1.0"));
        assert_eq!(scalar("'it''s'").as_deref(), Some("it's"));
        assert_eq!(scalar("app:1.0").as_deref(), Some("app:1.0"));
    }
}
