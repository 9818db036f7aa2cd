//! Real repositories reproduced by example programs, compared document for document with
//! the committed fixture (durations as durations), and the table README shows for each,
//! computed here.

use super::helm_example::example as helm_example;

#[allow(dead_code)]
#[path = "../../examples/flux_local_cluster10.rs"]
pub mod cluster10;
#[allow(dead_code)]
#[path = "../../examples/flux_local_cluster3.rs"]
pub mod cluster3;
#[allow(dead_code)]
#[path = "../../examples/flux_local_cluster4.rs"]
pub mod cluster4;
#[allow(dead_code)]
#[path = "../../examples/flux2_multi_tenancy.rs"]
pub mod flux2_multi_tenancy;
#[allow(dead_code)]
#[path = "../../examples/new_repository.rs"]
pub mod new_repository;
// Its `#![recursion_limit]` is for the example's own crate; this one's root sets it.
#[allow(dead_code, unused_attributes)]
#[path = "../../examples/k8s_home_ops.rs"]
pub mod k8s_home_ops;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{first_difference, fixture, parse_yaml_stream};

/// Each document of a YAML file, keyed by kind, namespace and name (a kustomization.yaml
/// by its file alone).
fn documents(text: &str) -> BTreeMap<String, Value> {
    parse_yaml_stream(text)
        .into_iter()
        .enumerate()
        .map(|(i, mut o)| {
            super::normalize_durations(&mut o);
            let key = match (o["kind"].as_str(), o["metadata"]["name"].as_str()) {
                (Some(kind), Some(name)) => format!(
                    "{kind} {}/{name}",
                    o["metadata"]["namespace"].as_str().unwrap_or("")
                ),
                _ => format!("document {i}"),
            };
            (key, o)
        })
        .collect()
}

/// Every YAML file below `root` (Flux's own `gotk-components.yaml` aside), relative.
fn yaml_files(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                if !rel.ends_with("gotk-components.yaml") {
                    files.push(rel.into_owned());
                }
            }
        }
    }
    files.sort();
    files
}

/// How a program reproduces a repository.
#[derive(Debug, Default)]
struct Comparison {
    /// Documents of the repository (objects, kustomization.yaml files, patches).
    documents: usize,
    /// Those the program renders equal, in the same file.
    equal: usize,
    /// Those it does not render, or renders differently: file, document, difference.
    not_reproduced: Vec<String>,
    /// Documents it renders that the repository does not have.
    extra: Vec<String>,
    /// Non-empty lines of the program's source.
    rust_lines: usize,
    /// Non-empty lines of the repository's YAML.
    yaml_lines: usize,
}

impl Comparison {
    /// `repository` rendered, its tree's paths under `tree_prefix` compared with the files
    /// of fixture `fixture_dir`; `program` is the example's source file.
    fn of(
        repository: &fluxdsl::Repository,
        tree_prefix: &str,
        fixture_dir: &str,
        program: &str,
    ) -> Comparison {
        Comparison::of_with_upstream(
            repository,
            tree_prefix,
            fixture_dir,
            program,
            None,
            &|_, t| t,
        )
    }

    fn of_with_upstream(
        repository: &fluxdsl::Repository,
        tree_prefix: &str,
        fixture_dir: &str,
        program: &str,
        upstream: Option<&str>,
        fixture_text: &dyn Fn(&str, String) -> String,
    ) -> Comparison {
        let rendered = repository.render().unwrap_or_else(|e| panic!("{e}"));
        Comparison::render_check_and_build(repository, upstream);
        let root = fixture(fixture_dir);
        let mut c = Comparison::default();
        let mut ours: BTreeMap<String, &str> = BTreeMap::new();
        for (path, text) in rendered.main().files() {
            let rel = path
                .strip_prefix(tree_prefix)
                .unwrap_or_else(|| panic!("{path} is outside {tree_prefix}"));
            ours.insert(rel.to_owned(), text);
        }
        for file in yaml_files(&root) {
            let text = fixture_text(&file, std::fs::read_to_string(root.join(&file)).unwrap());
            c.yaml_lines += text.lines().filter(|l| !l.trim().is_empty()).count();
            let theirs = documents(&text);
            c.documents += theirs.len();
            let mine = ours.remove(&file).map(documents).unwrap_or_default();
            for (key, doc) in &theirs {
                match mine.get(key) {
                    Some(m) if m == doc => c.equal += 1,
                    Some(m) => c.not_reproduced.push(format!(
                        "{file}: {key}: {}",
                        first_difference("", m, doc).unwrap_or_default()
                    )),
                    None => c
                        .not_reproduced
                        .push(format!("{file}: {key}: not rendered")),
                }
            }
            for key in mine.keys().filter(|k| !theirs.contains_key(*k)) {
                c.extra.push(format!("{file}: {key}"));
            }
        }
        for (file, text) in ours {
            if file.ends_with(".yaml") && !file.ends_with("kustomizeconfig.yaml") {
                c.extra
                    .extend(documents(text).keys().map(|k| format!("{file}: {k}")));
            }
        }
        let source =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(program)).unwrap();
        c.rust_lines = source.lines().filter(|l| !l.trim().is_empty()).count();
        c
    }

    /// The README table's row: repository, documents, equal, not expressible, Rust lines,
    /// YAML lines.
    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {} | {} | {} | {} | {} |",
            self.documents,
            self.equal,
            self.not_reproduced.len(),
            self.rust_lines,
            self.yaml_lines
        )
    }

    /// `render` writes the repository, `check` then passes, and `kubectl kustomize` builds
    /// every folder it writes a kustomization.yaml into.
    /// Upstream files (Flux's `gotk-components.yaml`) are copied from `upstream`, a fixture
    /// holding the same release.
    fn render_check_and_build(repository: &fluxdsl::Repository, upstream: Option<&str>) {
        let run = |args: &[&str]| {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = fluxdsl::cli::run_with(
                repository,
                std::iter::once("example").chain(args.iter().copied()),
                &mut out,
                &mut err,
            );
            (code, String::from_utf8(err).unwrap())
        };
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_str().unwrap();
        let (code, err) = run(&["render", "--root", root]);
        assert_eq!(code, 0, "render: {err}");
        let rendered = repository.render().unwrap();
        for u in rendered.main().upstream() {
            let from = fixture(upstream.expect("a fixture for the upstream files"));
            let to = tmp.path().join(rendered.main().root()).join(&u.path);
            std::fs::copy(from, to).unwrap();
        }
        let (code, err) = run(&["check", "--root", root]);
        assert_eq!(code, 0, "check: {err}");
        for (path, _) in rendered.main().files() {
            if let Some(dir) = path.strip_suffix("/kustomization.yaml") {
                let folder = tmp.path().join(rendered.main().root()).join(dir);
                let built = super::kustomize::kubectl_kustomize(&folder);
                assert!(
                    !built.is_empty() || dir.ends_with("flux-system"),
                    "{dir} builds nothing"
                );
            }
        }
    }

    fn assert_complete(&self, name: &str) {
        assert!(
            self.not_reproduced.is_empty() && self.extra.is_empty(),
            "{name}: not reproduced: {:#?}\nextra: {:#?}",
            self.not_reproduced,
            self.extra
        );
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
                .unwrap();
        let row = self.row(name);
        assert!(
            readme.contains(&row),
            "README's reproduction table lacks the row this test computes:\n{row}"
        );
    }
}

#[test]
fn flux_local_cluster10_is_reproduced_document_for_document() {
    let c = Comparison::of(
        &cluster10::repository(),
        "tests/testdata/cluster10/",
        "flux-local-testdata/cluster10",
        "examples/flux_local_cluster10.rs",
    );
    assert_eq!(c.documents, 11);
    c.assert_complete("flux-local `cluster10`");
}

#[test]
fn flux_local_cluster3_is_reproduced_at_the_api_versions_of_flux_v2_0_1() {
    let c = Comparison::of(
        &cluster3::repository(),
        "tests/testdata/cluster3/",
        "flux-local-testdata/cluster3",
        "examples/flux_local_cluster3.rs",
    );
    c.assert_complete("flux-local `cluster3`");
}

#[test]
fn flux_local_cluster4_is_reproduced_at_the_api_versions_of_flux_v2_0_1() {
    let c = Comparison::of(
        &cluster4::repository(),
        "tests/testdata/cluster4/",
        "flux-local-testdata/cluster4",
        "examples/flux_local_cluster4.rs",
    );
    c.assert_complete("flux-local `cluster4`");
}

#[test]
fn the_flux2_kustomize_helm_example_is_reproduced_document_for_document() {
    let c = Comparison::of_with_upstream(
        &helm_example::repository(),
        "",
        "flux2-kustomize-helm-example",
        "examples/flux2_kustomize_helm_example.rs",
        Some(
            "flux2-kustomize-helm-example-bootstrap-v2.3.0/clusters/staging/flux-system/gotk-components.yaml",
        ),
        // On the repository's main branch gotk-sync.yaml is a placeholder: the real
        // bootstrap output stands in for it (production: the same with its path).
        &|path, text| match path.strip_suffix("/flux-system/gotk-sync.yaml") {
            Some(cluster) => {
                assert!(text.starts_with("# This file will be generated"), "{path}");
                super::read_fixture(
                    "flux2-kustomize-helm-example-bootstrap-v2.3.0/clusters/staging/flux-system/gotk-sync.yaml",
                )
                .replace("./clusters/staging", &format!("./{cluster}"))
            }
            None => text,
        },
    );
    assert_eq!(c.documents, 33);
    c.assert_complete("`fluxcd/flux2-kustomize-helm-example`");
}

#[test]
fn flux2_multi_tenancy_is_reproduced_document_for_document() {
    let c = Comparison::of(
        &flux2_multi_tenancy::repository(),
        "",
        "flux2-multi-tenancy",
        "examples/flux2_multi_tenancy.rs",
    );
    c.assert_complete("`fluxcd/flux2-multi-tenancy`");
}

#[test]
fn k8s_home_ops_is_reproduced_document_for_document() {
    let c = Comparison::of_with_upstream(
        &k8s_home_ops::repository(),
        "",
        "k8s-home-ops",
        "examples/k8s_home_ops.rs",
        Some("k8s-home-ops/clusters/production/flux-system/gotk-components.yaml"),
        &|_, text| text,
    );
    c.assert_complete("`Cloufish/k8s-home-ops`");
}
