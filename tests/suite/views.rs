//! `tree` and `graph`, checked against what the rendered YAML says on its own: the edges
//! read from every rendered Flux object, and the objects `kubectl kustomize` builds for each
//! Kustomization.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::{listing_files, parse_yaml_stream, run_cluster};

/// `Kind/namespace/name` (`Kind/name` when cluster-scoped), as the views label objects.
fn label(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

fn label_of(o: &Value) -> String {
    label(
        o["kind"].as_str().unwrap(),
        o["metadata"]["namespace"].as_str(),
        o["metadata"]["name"].as_str().unwrap(),
    )
}

/// Every reference a Flux object's YAML makes: (from, to, field), namespaces defaulting to
/// the holder's as Flux reads them.
fn edges_in_yaml(docs: &[Value]) -> BTreeSet<(String, String, String)> {
    let mut edges = BTreeSet::new();
    for o in docs {
        let api = o["apiVersion"].as_str().unwrap_or("");
        if !api.contains(".fluxcd.io/") {
            continue;
        }
        let from = label_of(o);
        let ns = o["metadata"]["namespace"].as_str();
        let spec = &o["spec"];
        let mut add = |field: &str, kind: &str, r: &Value| {
            let name = r["name"].as_str().unwrap();
            let to = label(kind, r["namespace"].as_str().or(ns), name);
            edges.insert((from.clone(), to, field.to_owned()));
        };
        let own_kind = o["kind"].as_str().unwrap();
        if spec["sourceRef"].is_object() {
            add(
                "spec.sourceRef",
                spec["sourceRef"]["kind"].as_str().unwrap(),
                &spec["sourceRef"],
            );
        }
        let chart = &spec["chart"]["spec"]["sourceRef"];
        if chart.is_object() {
            add(
                "spec.chart.spec.sourceRef",
                chart["kind"].as_str().unwrap(),
                chart,
            );
        }
        if spec["chartRef"].is_object() {
            add(
                "spec.chartRef",
                spec["chartRef"]["kind"].as_str().unwrap(),
                &spec["chartRef"],
            );
        }
        for d in spec["dependsOn"].as_array().into_iter().flatten() {
            add("spec.dependsOn", own_kind, d);
        }
        for v in spec["valuesFrom"].as_array().into_iter().flatten() {
            add("spec.valuesFrom", v["kind"].as_str().unwrap(), v);
        }
        for s in spec["postBuild"]["substituteFrom"]
            .as_array()
            .into_iter()
            .flatten()
        {
            add(
                "spec.postBuild.substituteFrom",
                s["kind"].as_str().unwrap(),
                s,
            );
        }
        for g in spec["sources"].as_array().into_iter().flatten() {
            add("spec.sources", g["kind"].as_str().unwrap(), g);
        }
        for h in spec["healthChecks"].as_array().into_iter().flatten() {
            add("spec.healthChecks", h["kind"].as_str().unwrap(), h);
        }
        for (field, path) in [
            ("spec.secretRef", &spec["secretRef"]),
            (
                "spec.decryption.secretRef",
                &spec["decryption"]["secretRef"],
            ),
            (
                "spec.kubeConfig.secretRef",
                &spec["kubeConfig"]["secretRef"],
            ),
        ] {
            if path.is_object() {
                add(field, "Secret", path);
            }
        }
    }
    edges
}

/// The edges of a Mermaid `graph` output, by node label; also checks its structure: a
/// `flowchart` header, node lines `nN["label"]` with unique ids, edge lines
/// `nA -->|field| nB` between declared nodes, nothing else.
fn mermaid_edges(text: &str) -> BTreeSet<(String, String, String)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut nodes: BTreeMap<&str, &str> = BTreeMap::new();
    let mut edges = BTreeSet::new();
    for line in lines {
        let line = line.strip_prefix("  ").expect("indented");
        if let Some((id, rest)) = line.split_once("[\"") {
            let label = rest.strip_suffix("\"]").expect("a node line ends with \"]");
            assert!(
                id.starts_with('n') && id[1..].parse::<usize>().is_ok(),
                "{line}"
            );
            assert!(
                nodes.insert(id, label).is_none(),
                "node {id} declared twice"
            );
        } else {
            let (from, rest) = line.split_once(" -->|").expect("an edge line");
            let (field, to) = rest.split_once("| ").expect("an edge label");
            let (from, to) = (nodes[from], nodes[to]);
            edges.insert((from.to_owned(), to.to_owned(), field.to_owned()));
        }
    }
    edges
}

#[test]
fn graph_draws_every_reference_the_rendered_yaml_makes() {
    let (code, listing, err) = run_cluster(&[]);
    assert_eq!(code, 0, "{err}");
    let docs: Vec<Value> = listing_files(&listing)
        .iter()
        .flat_map(|(_, text)| parse_yaml_stream(text))
        .collect();
    let expected = edges_in_yaml(&docs);
    assert!(expected.len() >= 10, "{expected:#?}");
    let (code, graph, err) = run_cluster(&["graph"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mermaid_edges(&graph), expected, "{graph}");
    // The seed's chain, at a glance.
    for (from, to) in [
        ("traefik", "certmanager"),
        ("prometheus", "traefik"),
        ("helpmanager", "prometheus"),
    ] {
        let edge = (
            format!("Kustomization/flux-system/{from}"),
            format!("Kustomization/flux-system/{to}"),
            "spec.dependsOn".to_owned(),
        );
        assert!(expected.contains(&edge), "{edge:?}");
    }
}

#[test]
fn graph_as_dot_is_what_graphviz_reads() {
    let (code, dot, err) = run_cluster(&["graph", "--format", "dot"]);
    assert_eq!(code, 0, "{err}");
    let (_, mermaid, _) = run_cluster(&["graph"]);
    // The same nodes and edges as the Mermaid output.
    let nodes = mermaid.lines().filter(|l| l.contains("[\"")).count();
    let edges = mermaid.lines().filter(|l| l.contains("-->|")).count();
    assert_eq!(
        dot.lines()
            .filter(|l| l.contains(" [label=") && !l.contains("->"))
            .count(),
        nodes
    );
    assert_eq!(dot.lines().filter(|l| l.contains(" -> ")).count(), edges);
    assert!(
        dot.starts_with("digraph fluxdsl {\n") && dot.ends_with("}\n"),
        "{dot}"
    );
    // Graphviz itself, where installed (`.ci/run` installs it and sets FLUXDSL_REQUIRE_DOT).
    let required = std::env::var_os("FLUXDSL_REQUIRE_DOT").is_some();
    match std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(dot.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
        }
        Err(e) => assert!(!required, "dot -Tsvg cannot run: {e}"),
    }
}

/// `tree`'s lines as (depth, text).
fn tree_lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .map(|l| {
            let mut depth = 0;
            let mut rest = l;
            loop {
                if let Some(r) = rest
                    .strip_prefix("│   ")
                    .or_else(|| rest.strip_prefix("    "))
                {
                    rest = r;
                    depth += 1;
                } else if let Some(r) = rest
                    .strip_prefix("├── ")
                    .or_else(|| rest.strip_prefix("└── "))
                {
                    return (depth + 1, r);
                } else {
                    return (depth, rest);
                }
            }
        })
        .collect()
}

/// For each Kustomization line of `tree`, the objects listed under it as applied (children
/// that are not dependents, `… (after …)`).
fn applied_in_tree(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let lines = tree_lines(text);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, (depth, line)) in lines.iter().enumerate() {
        let name = line.split(" (after ").next().unwrap();
        if !name.starts_with("Kustomization/") {
            continue;
        }
        let children = lines[i + 1..]
            .iter()
            .take_while(|(d, _)| d > depth)
            .filter(|(d, l)| *d == depth + 1 && !l.contains(" (after "))
            .map(|(_, l)| l.to_string());
        out.entry(name.to_owned()).or_default().extend(children);
    }
    out
}

/// The objects a Kustomization with `path` applies in the tree at `root`: `kubectl
/// kustomize` where the folder has a kustomization.yaml, else every manifest below it
/// (a subfolder with its own kustomization.yaml built by kubectl) — as Flux generates one.
fn built(root: &Path, path: &str) -> BTreeSet<String> {
    let dir = root.join(path.trim_start_matches("./"));
    if dir.join("kustomization.yaml").exists() {
        return super::kustomize::kubectl_kustomize(&dir)
            .iter()
            .map(label_of)
            .collect();
    }
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(built(&p, "."));
        } else if p.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&p).unwrap();
            out.extend(parse_yaml_stream(&text).iter().map(label_of));
        }
    }
    out
}

#[test]
fn tree_lists_under_each_kustomization_what_kubectl_kustomize_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    let (code, _, err) = run_cluster(&["render", "--root", root]);
    assert_eq!(code, 0, "{err}");
    // Flux's install is upstream (never rendered); an empty stand-in lets kubectl build
    // the flux-system folder without it, as the tree leaves it out.
    std::fs::write(
        tmp.path().join("k8s/flux/flux-system/gotk-components.yaml"),
        "",
    )
    .unwrap();
    let (code, tree, err) = run_cluster(&["tree"]);
    assert_eq!(code, 0, "{err}");
    let listed = applied_in_tree(&tree);

    let (_, listing, _) = run_cluster(&[]);
    let mut compared = 0;
    for (_, text) in listing_files(&listing) {
        for o in parse_yaml_stream(&text) {
            if o["kind"] != "Kustomization" || !o["apiVersion"].as_str().unwrap().contains("fluxcd")
            {
                continue;
            }
            // Where each source's repository is rendered (monacocloud's layout).
            let tree_root = match o["spec"]["sourceRef"]["name"].as_str().unwrap() {
                "flux-system" => tmp.path().to_path_buf(),
                "kube-deploy" => tmp.path().join("kube-deploy"),
                _ => continue, // monacocloud-config: a repository this program does not render
            };
            let path = o["spec"]["path"].as_str().unwrap();
            let ks = label_of(&o);
            assert_eq!(
                listed.get(&ks).cloned().unwrap_or_default(),
                built(&tree_root, path),
                "{ks} ({path})\n{tree}"
            );
            compared += 1;
        }
    }
    assert_eq!(
        compared, 4,
        "flux-system and the three *-manifests Kustomizations"
    );
    // Sources first, the dependsOn chain nested.
    assert!(
        tree.contains(
            "GitRepository/flux-system/monacocloud-config\n\
         └── Kustomization/flux-system/certmanager\n    \
             └── Kustomization/flux-system/traefik (after Kustomization/flux-system/certmanager)\n"
        ),
        "{tree}"
    );
}

#[test]
fn readme_shows_the_graph_the_program_draws() {
    let (code, graph, err) = run_cluster(&["graph"]);
    assert_eq!(code, 0, "{err}");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block = format!("```mermaid\n{graph}```\n");
    assert!(
        readme.contains(&block),
        "README's mermaid block is not `cargo run -- graph`'s output:\n{block}"
    );
}

#[test]
fn tree_and_graph_of_a_repository_take_the_cluster_by_name() {
    let repo = super::helm_example::example::repository();
    let err = repo.tree(None).unwrap_err();
    assert!(err.contains("choose one with --cluster NAME"), "{err}");
    let staging = repo.tree(Some("staging")).unwrap();
    assert!(
        staging.starts_with("GitRepository/flux-system/flux-system\n"),
        "{staging}"
    );
    assert!(
        staging.contains("Kustomization/flux-system/infra-configs (after Kustomization/flux-system/infra-controllers)"),
        "{staging}"
    );
    let graph = repo
        .graph(Some("production"), fluxdsl::GraphFormat::Mermaid)
        .unwrap();
    // The cluster's own files, and what kubectl kustomize builds of the folders its
    // Kustomizations apply through the ExternalArtifacts (infrastructure/** and apps/**).
    let rendered = repo.render().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut docs: Vec<Value> = Vec::new();
    for (path, text) in rendered.main().files() {
        let file = tmp.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        if path.starts_with("clusters/production/") {
            docs.extend(parse_yaml_stream(text));
        }
    }
    for dir in [
        "infrastructure/controllers",
        "infrastructure/configs",
        "apps/production",
    ] {
        docs.extend(super::kustomize::kubectl_kustomize(&tmp.path().join(dir)));
    }
    assert_eq!(mermaid_edges(&graph), edges_in_yaml(&docs), "{graph}");
    // The tree follows the artifacts into the repository.
    assert!(
        staging.contains(
            "ExternalArtifact/flux-system/apps\n\
             └── Kustomization/flux-system/apps (after Kustomization/flux-system/infra-configs)\n    \
                 ├── Namespace/podinfo\n"
        ),
        "{staging}"
    );
}

/// A manifest whose kind or apiVersion is not one is refused, and the views, which draw a
/// definition before validation, write control characters escaped: no label starts a line.
#[test]
fn kinds_are_checked_and_labels_cannot_start_lines_of_their_own() {
    use fluxdsl::{Cluster, GraphFormat, Repository};
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("a.yaml");
    cluster.add_manifest(
        &file,
        serde_json::json!({
            "apiVersion": "example.com/v1", "kind": "Widget\"]\n  click n0 \"https://evil\"",
            "metadata": { "name": "w" },
        }),
    );
    cluster.add_manifest(
        &file,
        serde_json::json!({
            "apiVersion": "example.com/v1\n---", "kind": "Widget",
            "metadata": { "name": "v" },
        }),
    );
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "manifest \"w\": kind \"Widget\\\"]\\n  click n0 \\\"https://evil\\\"\" is not a kind: letters and digits",
            "manifest \"v\": apiVersion \"example.com/v1\\n---\" is not [group/]version",
        ],
    );
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("a.yaml");
    let source = cluster.add(
        &file,
        fluxdsl::GitRepository::builder()
            .name(fluxdsl::name!("apps"))
            .url("https://example.com/apps")
            .reference(fluxdsl::GitRef::branch("main"))
            .interval(fluxdsl::duration!("1m"))
            .build(),
    );
    cluster.source_is_this_repository(&source);
    cluster.add(
        &file,
        fluxdsl::Kustomization::builder()
            .name(fluxdsl::name!("apps"))
            .source_ref(&source)
            .path("./k8s")
            .interval(fluxdsl::duration!("1m"))
            .prune(true)
            .build(),
    );
    cluster.add_manifest(
        &file,
        serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": { "name": "evil\n  click n0", "namespace": "flux-system" },
        }),
    );
    let repo = Repository::of_one(cluster);
    for drawn in [
        repo.graph(None, GraphFormat::Mermaid).unwrap(),
        repo.graph(None, GraphFormat::Dot).unwrap(),
        repo.tree(None).unwrap(),
    ] {
        // Escaped: `\n` (DOT writes the backslash itself escaped).
        assert!(drawn.contains("evil\\"), "{drawn}");
        assert!(
            !drawn.lines().any(|l| l.trim_start().starts_with("click")),
            "{drawn}"
        );
    }
}
