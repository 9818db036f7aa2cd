//! Reading a Flux repository for `fluxdsl import`: every file, and what each one is — Flux's
//! own components, a kustomization.yaml, a file of objects, or one carried byte for byte.

use std::path::Path;

use serde_json::Value;

/// A file of the repository, its path relative to the repository's folder.
#[derive(Debug)]
pub(crate) struct RepoFile {
    pub(crate) path: String,
    pub(crate) text: String,
    pub(crate) content: Content,
}

/// What a file is.
#[derive(Debug)]
pub(crate) enum Content {
    /// `flux install --export` output: its `# Flux Version:` header and SHA-256.
    FluxComponents { version: String, sha256: String },
    /// A `kustomization.yaml` (or `.yml`, `Kustomization`): kustomize's configuration.
    Kustomize(Value),
    /// YAML documents that are all objects (apiVersion, kind, metadata.name), none SOPS.
    Objects(Vec<Doc>),
    /// Objects a kustomization.yaml applies as patches (`patches`, `patchesStrategicMerge`):
    /// partial objects, never applied themselves.
    Patches(Vec<Doc>),
    /// Anything else: SOPS files, values, patches, templates, scripts, documentation.
    Verbatim(Why),
}

/// Why a file is carried as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// SOPS-encrypted: written again it would no longer match its MAC.
    Sops,
    /// Not YAML, or YAML that is not objects (Helm values, a `.sops.yaml`).
    NotObjects,
    /// A Helm chart's file (a folder with `Chart.yaml`): templates are not YAML.
    Chart,
}

/// One YAML document and the line of the file it starts on (1-based).
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub(crate) line: usize,
    pub(crate) value: Value,
}

/// Every file below `root` (`.git` aside), sorted by path, classified.
pub(crate) fn scan(root: &Path) -> Result<Vec<RepoFile>, String> {
    if !root.is_dir() {
        return Err(format!("{} is not a folder", root.display()));
    }
    let mut paths = Vec::new();
    walk(root, root, &mut paths)?;
    paths.sort();
    if !paths.iter().any(|p| is_yaml(p)) {
        return Err(format!(
            "{} holds no YAML file: not a Flux repository",
            root.display()
        ));
    }
    let charts: Vec<String> = paths
        .iter()
        .filter_map(|p| match p.rsplit_once('/') {
            Some((dir, "Chart.yaml")) => Some(format!("{dir}/")),
            None if p == "Chart.yaml" => Some(String::new()),
            _ => None,
        })
        .collect();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let full = root.join(&path);
        let bytes = std::fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            format!(
                "{}: not UTF-8 text; fluxdsl carries text files",
                full.display()
            )
        })?;
        let in_chart = charts.iter().any(|c| path.starts_with(c.as_str()));
        let content =
            classify(&path, &text, in_chart).map_err(|e| format!("{}: {e}", full.display()))?;
        files.push(RepoFile {
            path,
            text,
            content,
        });
    }
    mark_patches(&mut files);
    Ok(files)
}

/// Files a kustomization.yaml names as patches hold patches, not objects.
fn mark_patches(files: &mut [RepoFile]) {
    let mut patches = Vec::new();
    for f in files.iter() {
        let Content::Kustomize(k) = &f.content else {
            continue;
        };
        let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
        let join = |rel: &str| {
            clean(&if dir.is_empty() {
                rel.to_owned()
            } else {
                format!("{dir}/{rel}")
            })
        };
        for field in ["patches", "patchesJson6902"] {
            for p in k[field].as_array().into_iter().flatten() {
                if let Some(path) = p["path"].as_str() {
                    patches.push(join(path));
                }
            }
        }
        for p in k["patchesStrategicMerge"].as_array().into_iter().flatten() {
            if let Some(path) = p.as_str().filter(|p| !p.contains('\n')) {
                patches.push(join(path));
            }
        }
    }
    for f in files.iter_mut() {
        if patches.contains(&f.path)
            && let Content::Objects(docs) = &mut f.content
        {
            f.content = Content::Patches(std::mem::take(docs));
        }
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // Git's own folder, and the list of files a fluxdsl render wrote (render's own:
        // the imported program writes its list again).
        if entry.file_name() == ".git"
            || (entry.file_name() == crate::render::tree::OWNED_LIST && !kind.is_dir())
        {
            continue;
        }
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).expect("below the root");
            let rel = rel
                .to_str()
                .ok_or_else(|| format!("{}: a path that is not UTF-8", path.display()))?;
            out.push(rel.replace('\\', "/"));
        }
    }
    Ok(())
}

pub(crate) fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// Whether `path` is a folder's kustomize configuration.
pub(crate) fn is_kustomization(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    crate::kube_rules::KUSTOMIZATION_FILES.contains(&name)
}

fn classify(path: &str, text: &str, in_chart: bool) -> Result<Content, String> {
    if in_chart {
        return Ok(Content::Verbatim(Why::Chart));
    }
    if let Some(version) = flux_components_version(text) {
        let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        let sha256 = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        return Ok(Content::FluxComponents { version, sha256 });
    }
    if !is_yaml(path) && !is_kustomization(path) {
        return Ok(Content::Verbatim(Why::NotObjects));
    }
    let docs = documents(text)?;
    if docs.iter().any(|d| d.value.get("sops").is_some()) {
        return Ok(Content::Verbatim(Why::Sops));
    }
    if is_kustomization(path) {
        return match docs.as_slice() {
            [doc] if doc.value.is_object() => Ok(Content::Kustomize(doc.value.clone())),
            _ => Err("a kustomization file holds one mapping".into()),
        };
    }
    if !docs.is_empty() && docs.iter().all(|d| is_object(&d.value)) {
        return Ok(Content::Objects(docs));
    }
    Ok(Content::Verbatim(Why::NotObjects))
}

/// An object: apiVersion, kind and metadata.name.
pub(crate) fn is_object(doc: &Value) -> bool {
    doc["apiVersion"].is_string() && doc["kind"].is_string() && doc["metadata"]["name"].is_string()
}

/// The `# Flux Version: v2.9.3` of `flux install --export` output, with its components line.
fn flux_components_version(text: &str) -> Option<String> {
    let mut lines = text.lines().take(4);
    let first = lines.next()?;
    if first != "---" && !first.starts_with("# This manifest was generated by flux") {
        return None;
    }
    text.lines()
        .take(4)
        .find_map(|l| l.strip_prefix("# Flux Version: "))
        .map(|v| v.trim().to_owned())
}

/// The kinds of key (`age`, `pgp`, or a cloud KMS's) each SOPS-encrypted document among
/// `files` is encrypted to.
pub(crate) fn sops_key_kinds(files: &[RepoFile]) -> Vec<Vec<&'static str>> {
    files
        .iter()
        .filter(|f| matches!(f.content, Content::Verbatim(Why::Sops)))
        .flat_map(|f| documents(&f.text).unwrap_or_default())
        .map(|doc| crate::sops::recipient_kinds(&doc.value["sops"]))
        .filter(|recipients| !recipients.is_empty())
        .collect()
}

/// The documents of a YAML text with the line each starts on; empty documents left out.
fn documents(text: &str) -> Result<Vec<Doc>, String> {
    let starts = document_lines(text);
    let mut docs = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value =
            <Value as serde::Deserialize>::deserialize(doc).map_err(|e| match e.location() {
                Some(at) => format!("line {}: YAML that does not parse: {e}", at.line()),
                None => format!("YAML that does not parse: {e}"),
            })?;
        if !value.is_null() {
            docs.push(Doc {
                line: starts.get(i).copied().unwrap_or(1),
                value,
            });
        }
    }
    Ok(docs)
}

/// The first content line of each document (1-based), one entry per document the YAML
/// parser yields: the text split at `---` lines, a leading part with no content aside.
fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    // The current part: its separator's line, its first content line.
    let mut part: (usize, Option<usize>) = (1, None);
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            if !first || part.1.is_some() {
                starts.push(part.1.unwrap_or(part.0));
            }
            first = false;
            part = (i + 1, None);
            continue;
        }
        if part.1.is_none() && !trimmed.is_empty() && !trimmed.starts_with('#') {
            part.1 = Some(i + 1);
        }
    }
    if !first || part.1.is_some() {
        starts.push(part.1.unwrap_or(part.0));
    }
    starts
}

/// A path as kustomize and Flux read it: no `./`, no trailing `/`, `.` for the root.
pub(crate) fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// `prefix` as the start of a path: `a/b/`, or nothing.
pub(crate) fn prefix_dir(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_know_the_line_they_start_on() {
        let text = "# head\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n";
        let docs = documents(text).unwrap();
        assert_eq!(docs.iter().map(|d| d.line).collect::<Vec<_>>(), [3, 9]);
    }

    #[test]
    fn yaml_that_does_not_parse_names_its_line() {
        let e = documents("a: b\n  c: [\n").unwrap_err();
        assert!(e.starts_with("line 2: YAML that does not parse"), "{e}");
    }
}
