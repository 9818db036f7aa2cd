//! The integration suite: one test binary, so the library links once.

// The reproduced repositories' Helm values are large `json!` literals.
#![recursion_limit = "512"]

mod all_fields;
mod apply;
mod cli;
mod coverage;
mod custom_resources;
mod effective;
mod effective_checks;
mod emitter;
mod fake_api;
mod files;
mod flux_api;
mod folders;
mod golden;
mod helm_example;
mod image_automation;
mod import;
mod json_literal;
mod kustomize;
mod layout;
mod metrics_server;
mod multi_tenancy;
mod notifications;
mod repository;
mod reproductions;
mod schema;
mod secrets;
mod substitution;
mod tree;
mod tree_safety;
mod upstream;
mod valid_counterparts;
mod validation;
mod views;
mod whole_api;

use std::path::{Path, PathBuf};

/// `tests/fixtures/<rel>` (see `tests/fixtures/README.md` for each fixture's origin).
pub fn fixture(rel: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    assert!(path.exists(), "fixture missing: {}", path.display());
    path
}

/// `from` copied into `to`, folders and files.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The cluster's `flux-system` GitRepository, declared in `file`, fetching this repository.
pub fn fleet_source(
    c: &mut fluxdsl::Cluster,
    file: &fluxdsl::File,
) -> fluxdsl::Ref<fluxdsl::GitRepository> {
    use fluxdsl::{GitRepository, duration, name};
    let source = c.add(
        file,
        GitRepository::builder()
            .name(name!("flux-system"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/fleet")
            .interval(duration!("1m"))
            .build(),
    );
    c.source_is_this_repository(&source);
    source
}

pub fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).expect("fixture is readable text")
}

/// Parses a multi-document YAML stream into JSON values, skipping empty documents.
pub fn parse_yaml_stream(text: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| serde_json::Value::deserialize(doc).expect("valid YAML"))
        .filter(|v| !v.is_null())
        .collect()
}

/// Runs the monacocloud cluster program with `args`; returns (exit code, stdout, stderr).
pub fn run_cluster(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cluster"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the cluster binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The files of `cargo run`'s listing, `(path, text)`.
pub fn listing_files(listing: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in listing.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix("# file: ") {
            files.push((path.trim_end().to_owned(), String::new()));
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
        }
    }
    files
}

/// `apiVersion kind namespace/name` of a parsed object, for matching objects across files.
pub fn object_key(o: &serde_json::Value) -> String {
    format!(
        "{} {} {}/{}",
        o["apiVersion"].as_str().unwrap_or(""),
        o["kind"].as_str().unwrap_or(""),
        o["metadata"]["namespace"].as_str().unwrap_or(""),
        o["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// The first field path where `ours` and `theirs` differ, with both values.
pub fn first_difference(
    path: &str,
    ours: &serde_json::Value,
    theirs: &serde_json::Value,
) -> Option<String> {
    use serde_json::Value;
    match (ours, theirs) {
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|k| {
            let p = format!("{path}.{k}");
            match (x.get(k), y.get(k)) {
                (Some(a), Some(b)) => first_difference(&p, a, b),
                (a, b) => Some(format!("{p}: ours {a:?}, theirs {b:?}")),
            }
        }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(&format!("{path}[{i}]"), a, b)),
        _ if ours == theirs => None,
        _ => Some(format!("{path}: ours {ours}, theirs {theirs}")),
    }
}

/// Durations compared as durations: every string Flux would read as one is written as Go
/// prints it (`1h` and `1h0m0s` are equal).
pub fn normalize_durations(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Ok(d) = fluxdsl::Duration::parse(s) {
                *s = d.to_string();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize_durations),
        Value::Object(m) => m.values_mut().for_each(normalize_durations),
        _ => {}
    }
}

/// Fails, showing `text`, unless it contains every one of `expected`.
#[track_caller]
pub fn assert_contains_all(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "expected {e:?} in:\n{text}");
    }
}
