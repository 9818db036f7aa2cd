//! A repository's files in memory, by repository-relative path (`apps/base/podinfo.yaml`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::BuildError;

/// The text files of a repository, by path relative to its root, `/`-separated.
#[derive(Debug, Default)]
pub struct Files {
    files: BTreeMap<String, String>,
    /// The paths builds have read: a file of a kustomize folder no build reads is never
    /// applied.
    read: std::sync::Mutex<BTreeSet<String>>,
    /// Each manifest file's objects, parsed once for every build that reads it.
    parsed: std::sync::Mutex<Parsed>,
}

/// Parsed manifest files by path.
type Parsed = std::collections::HashMap<String, Result<Arc<Vec<Value>>, BuildError>>;

impl Clone for Files {
    fn clone(&self) -> Files {
        Files {
            files: self.files.clone(),
            read: std::sync::Mutex::new(self.read_paths()),
            parsed: Default::default(),
        }
    }
}

impl Files {
    /// Adds (or replaces) the file at `path` (repository-relative; `./` and `..` resolved).
    pub fn insert(&mut self, path: &str, text: impl Into<String>) {
        let path = normalize(path).unwrap_or_else(|| path.to_owned());
        self.files.insert(path, text.into());
    }

    /// Every text file below `root` on disk, by its path relative to `root` (files that
    /// are not UTF-8 are left out: kustomize reads them only as generator input).
    pub fn read_dir(root: &Path) -> std::io::Result<Files> {
        let mut files = Files::default();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    let relative = path.strip_prefix(root).unwrap_or(&path);
                    let relative = relative.to_string_lossy().replace('\\', "/");
                    files.files.insert(relative, text);
                }
            }
        }
        Ok(files)
    }

    /// The text of the file at the normalized `path` (noted as read).
    pub(crate) fn file(&self, path: &str) -> Option<&str> {
        let text = self.files.get(path).map(String::as_str);
        if text.is_some() {
            let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
            if !read.contains(path) {
                read.insert(path.to_owned());
            }
        }
        text
    }

    /// The objects of the manifest file at the normalized `path` (noted as read), parsed
    /// the first time a build asks.
    pub(crate) fn objects(&self, path: &str) -> Option<Result<Arc<Vec<Value>>, BuildError>> {
        let text = self.file(path)?;
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = parsed.get(path) {
            return Some(found.clone());
        }
        let result = parse_objects(text, path).map(Arc::new);
        parsed.insert(path.to_owned(), result.clone());
        Some(result)
    }

    /// Whether there is a file at the normalized `path` (not noted as read).
    pub(crate) fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// The paths [`Self::file`] has been asked for and found.
    pub(crate) fn read_paths(&self) -> BTreeSet<String> {
        self.read.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every file, `(path, text)`, in lexical order of the paths.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// Whether `dir` (normalized; `""` is the root) holds any file.
    pub(crate) fn is_dir(&self, dir: &str) -> bool {
        if dir.is_empty() {
            return !self.files.is_empty();
        }
        let prefix = format!("{dir}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix))
    }

    /// The files below `dir`, every level, in lexical order of their paths.
    pub(crate) fn below<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.files
            .range(prefix.clone()..)
            .take_while(move |(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.as_str())
    }
}

/// `path` with `.` and `..` resolved and no leading `./` or `/`; `None` if it climbs
/// above the root.
pub(crate) fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// `entry` of a kustomization in folder `dir`, as a repository path.
pub(crate) fn join(dir: &str, entry: &str) -> Option<String> {
    if dir.is_empty() {
        normalize(entry)
    } else {
        normalize(&format!("{dir}/{entry}"))
    }
}

/// The objects of a manifest file (a `List`'s items in its place).
pub(crate) fn parse_objects(text: &str, path: &str) -> Result<Vec<Value>, BuildError> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value = <Value as serde::Deserialize>::deserialize(doc)
            .map_err(|e| BuildError::new(path, format!("not YAML: {e}")))?;
        match value {
            Value::Null => {}
            Value::Object(_) if value["kind"] == "List" => {
                out.extend(value["items"].as_array().cloned().unwrap_or_default())
            }
            Value::Object(_) => out.push(value),
            _ => return Err(BuildError::new(path, "a document is not an object")),
        }
    }
    for o in &out {
        if o["metadata"]["name"].as_str().is_none_or(str::is_empty) {
            return Err(BuildError::new(
                path,
                format!(
                    "missing metadata.name in object of kind {}",
                    o["kind"].as_str().unwrap_or("?")
                ),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_dots_and_refuse_to_climb_out() {
        assert_eq!(normalize("./a/../b/c.yaml").as_deref(), Some("b/c.yaml"));
        assert_eq!(join("apps/prod", "../base").as_deref(), Some("apps/base"));
        assert_eq!(join("", "../x"), None);
    }

    #[test]
    fn a_folder_is_a_prefix_of_some_file() {
        let mut files = Files::default();
        files.insert("apps/base/a.yaml", "");
        assert!(files.is_dir("apps"));
        assert!(files.is_dir("apps/base"));
        assert!(!files.is_dir("app"));
        assert_eq!(files.below("apps").count(), 1);
    }
}
