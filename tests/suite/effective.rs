//! The proof of the effective state: for every Flux Kustomization of every open fixture,
//! the objects fluxdsl's in-process build computes (`fluxdsl::effective::flux_build`)
//! equal what `kubectl kustomize` builds from its path — after the controller's own edits
//! of the root kustomization, done here on disk as kustomize-controller does them — and
//! Flux's postBuild substitution, object for object.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use fluxdsl::effective::{Files, PostBuild, flux_build};
use serde_json::{Value, json};

/// The kustomization file names kustomize reads, in its order.
const NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Every Flux Kustomization of the YAML files below `root`.
fn flux_kustomizations(root: &Path) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if !p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for doc in serde_yaml::Deserializer::from_str(&text) {
                let Ok(v) = <Value as serde::Deserialize>::deserialize(doc) else {
                    break;
                };
                let flux = v["apiVersion"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("kustomize.toolkit.fluxcd.io/"));
                if flux && v["kind"] == "Kustomization" {
                    let at = p.strip_prefix(root).unwrap().display().to_string();
                    out.push((
                        format!("{at}: {}", v["metadata"]["name"].as_str().unwrap_or("?")),
                        v,
                    ));
                }
            }
        }
    }
    out
}

/// The resources kustomize-controller lists for a folder without a kustomization: the
/// manifests below it, and subfolders with a kustomization (not entered).
fn generated_resources(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let rel = format!("./{}", p.strip_prefix(base).unwrap().display());
        if p.is_dir() {
            if NAMES.iter().any(|n| p.join(n).is_file()) {
                out.push(rel);
            } else {
                generated_resources(&p, base, out);
            }
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(rel);
        }
    }
}

/// `text` with `${var}` forms replaced where `values` has the variable (drone/envsubst's
/// forms; unknown variables are left as written, `$${` is an escaped `${`).
fn envsubst(text: &str, values: &BTreeMap<String, String>) -> String {
    let re =
        regex::Regex::new(r"\$\$\{|\$\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])([^}]*))?\}").unwrap();
    re.replace_all(text, |c: &regex::Captures| {
        if &c[0] == "$${" {
            return "${".to_owned();
        }
        match (values.get(&c[1]), c.get(2).map(|m| m.as_str())) {
            (Some(v), Some(":=" | ":-")) if v.is_empty() => c[3].to_owned(),
            (Some(v), _) => v.clone(),
            (None, _) => c[0].to_owned(),
        }
    })
    .into_owned()
}

/// kubectl's answer: the controller's edits written into the root kustomization, `kubectl
/// kustomize`, then commonMetadata and substitution.
fn oracle(root: &Path, ks: &Value) -> Result<Vec<Value>, String> {
    let spec = &ks["spec"];
    let path = spec["path"]
        .as_str()
        .unwrap_or("./")
        .trim_start_matches("./")
        .trim_start_matches('/');
    let dir = root.join(path);
    let existing = NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file());
    let (file, original) = match &existing {
        Some(f) => (f.clone(), Some(std::fs::read_to_string(f).unwrap())),
        None => (dir.join("kustomization.yaml"), None),
    };
    let mut k: Value = match &original {
        Some(text) => serde_yaml::from_str::<Value>(text).unwrap_or(json!({})),
        None => {
            let mut resources = Vec::new();
            generated_resources(&dir, &dir, &mut resources);
            json!({"resources": resources})
        }
    };
    if k.is_null() {
        k = json!({});
    }
    for (field, from) in [
        ("namespace", "targetNamespace"),
        ("namePrefix", "namePrefix"),
        ("nameSuffix", "nameSuffix"),
    ] {
        if let Some(v) = spec[from].as_str() {
            k[field] = json!(v);
        }
    }
    for field in ["patches", "components"] {
        if let Some(added) = spec[field].as_array() {
            let mut list = k[field].as_array().cloned().unwrap_or_default();
            list.extend(added.iter().cloned());
            k[field] = Value::Array(list);
        }
    }
    if let Some(images) = spec["images"].as_array() {
        let mut list = k["images"].as_array().cloned().unwrap_or_default();
        for image in images {
            match list.iter_mut().find(|i| i["name"] == image["name"]) {
                Some(i) => *i = image.clone(),
                None => list.push(image.clone()),
            }
        }
        k["images"] = Value::Array(list);
    }
    std::fs::write(&file, serde_json::to_string(&k).unwrap()).unwrap();
    let out = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(&dir)
        .output()
        .expect("kubectl on PATH");
    match original {
        Some(text) => std::fs::write(&file, text).unwrap(),
        None => std::fs::remove_file(&file).unwrap(),
    }
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut objects = super::parse_yaml_stream(&String::from_utf8_lossy(&out.stdout));
    for o in &mut objects {
        for key in ["labels", "annotations"] {
            if let Some(added) = spec["commonMetadata"][key].as_object() {
                if !o["metadata"][key].is_object() {
                    o["metadata"][key] = json!({});
                }
                o["metadata"][key]
                    .as_object_mut()
                    .unwrap()
                    .extend(added.clone());
            }
        }
    }
    if !spec["postBuild"].is_null() {
        let values = substitute_values(ks);
        objects = objects
            .into_iter()
            .map(|o| {
                if o["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/substitute"]
                    == "disabled"
                {
                    return o;
                }
                let text = serde_yaml::to_string(&o).unwrap();
                serde_yaml::from_str(&envsubst(&text, &values)).unwrap()
            })
            .collect();
    }
    Ok(objects)
}

fn substitute_values(ks: &Value) -> BTreeMap<String, String> {
    ks["spec"]["postBuild"]["substitute"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect()
}

/// The tree an ArtifactGenerator's artifact `name` holds, made under `into` from `root`
/// (its copies `@alias/dir/**` → `@artifact/to/`, and single files), found in the YAML
/// files of `dir` (the cluster folder that declares the Kustomization reading it).
fn artifact_tree(root: &Path, dir: &Path, name: &str, into: &Path) -> Option<()> {
    for entry in std::fs::read_dir(dir).ok()? {
        let text = std::fs::read_to_string(entry.ok()?.path()).unwrap_or_default();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let Ok(v) = <Value as serde::Deserialize>::deserialize(doc) else {
                break;
            };
            if v["kind"] != "ArtifactGenerator" {
                continue;
            }
            let artifacts = v["spec"]["artifacts"].as_array()?;
            let artifact = artifacts.iter().find(|a| a["name"] == name)?;
            // Only copies from this repository (the flux-system GitRepository) can be made here.
            let own = |alias: &str| {
                v["spec"]["sources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|s| {
                        s["alias"] == alias
                            && s["kind"] == "GitRepository"
                            && s["name"] == "flux-system"
                    })
            };
            for copy in artifact["copy"].as_array()? {
                let (alias, from) = copy["from"].as_str()?.split_once('/')?;
                if !own(alias.trim_start_matches('@')) {
                    return None;
                }
                let to = copy["to"]
                    .as_str()?
                    .split_once('/')
                    .map(|(_, p)| p)
                    .unwrap_or("");
                match from.strip_suffix("/**") {
                    Some(folder) if root.join(folder).is_dir() => {
                        super::copy_tree(&root.join(folder), &into.join(to))
                    }
                    Some(_) => return None,
                    None => {
                        std::fs::create_dir_all(into.join(to)).unwrap();
                        let file = root.join(from);
                        std::fs::copy(&file, into.join(to).join(file.file_name()?)).unwrap();
                    }
                }
            }
            return Some(());
        }
    }
    None
}

/// What the proof of one fixture found.
#[derive(Debug, Default)]
struct Proof {
    /// Kustomizations whose objects both builds agree on: (label, object count).
    equal: Vec<(String, usize)>,
    /// Kustomizations both refuse (kubectl's error, fluxdsl's error).
    refused: Vec<(String, String, String)>,
    /// Kustomizations whose path is in another source than this tree.
    elsewhere: Vec<String>,
    /// Disagreements, described.
    differ: Vec<String>,
}

/// The proof for the fixture at `fixture`, placed at `prefix` of the source tree (the
/// flux-local clusters live at `tests/testdata/` of theirs).
fn prove(fixture: &str, prefix: &str) -> Proof {
    let tmp = tempfile::tempdir().unwrap();
    super::copy_tree(&super::fixture(fixture), &tmp.path().join(prefix));
    prove_tree(tmp.path())
}

/// The proof for what `repository` renders: its trees written where they belong in the
/// repository its main tree is the root of (an empty stand-in for each upstream file),
/// then built both ways.
fn prove_rendered(repository: &fluxdsl::Repository) -> Proof {
    let tmp = write_rendered(repository);
    prove_tree(tmp.path())
}

/// What `repository` renders, written as its repository holds it.
fn write_rendered(repository: &fluxdsl::Repository) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let rendered = repository.render().unwrap();
    // The main tree is the repository's root (`Cluster::for_repository`).
    for tree in rendered.trees() {
        let Some(rel) = tree.root().strip_prefix(rendered.root()) else {
            continue;
        };
        let base = tmp.path().join(rel.trim_start_matches('/'));
        let upstream = tree.upstream().iter().map(|u| (u.path.as_str(), ""));
        for (path, text) in tree.files().chain(upstream) {
            let target = base.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
    }
    tmp
}

/// The proof for every Flux Kustomization of the tree at `root`.
fn prove_tree(root: &Path) -> Proof {
    prove_in(root, flux_kustomizations(root))
}

/// The proof for `kustomizations` (labelled by the file that declares them, in `root`),
/// built from the tree at `root`.
fn prove_in(root: &Path, kustomizations: Vec<(String, Value)>) -> Proof {
    prove_between(root, root, kustomizations, Compare::Exact)
}

/// How built objects are compared with kubectl's.
#[derive(Clone, Copy, PartialEq)]
enum Compare {
    Exact,
    /// Durations as durations (`1m` and `1m0s` are equal): what an import writes with the
    /// typed API.
    DurationsAsDurations,
}

/// The proof for `kustomizations`: `kubectl kustomize` of the tree at `root` against
/// fluxdsl's build of the tree at `built` (the same tree, or another that should build
/// the same, such as what an import renders).
fn prove_between(
    root: &Path,
    built: &Path,
    kustomizations: Vec<(String, Value)>,
    compare: Compare,
) -> Proof {
    let files = Files::read_dir(built).unwrap();
    let mut proof = Proof::default();
    for (label, ks) in kustomizations {
        let artifact = tempfile::tempdir().unwrap();
        let built_artifact = tempfile::tempdir().unwrap();
        let (root, files) = match ks["spec"]["sourceRef"]["kind"].as_str() {
            Some("ExternalArtifact") => {
                let file = label.split(": ").next().unwrap();
                let name = ks["spec"]["sourceRef"]["name"].as_str().unwrap_or_default();
                let made = |root: &Path, into: &Path| {
                    let declared_in = root.join(file).parent().unwrap().to_path_buf();
                    artifact_tree(root, &declared_in, name, into)
                };
                if made(root, artifact.path())
                    .and(made(built, built_artifact.path()))
                    .is_none()
                {
                    proof
                        .elsewhere
                        .push(format!("{label} (ExternalArtifact {name})"));
                    continue;
                }
                (
                    artifact.path(),
                    Files::read_dir(built_artifact.path()).unwrap(),
                )
            }
            _ => (root, files.clone()),
        };
        let path = ks["spec"]["path"].as_str().unwrap_or("./");
        let dir = root.join(path.trim_start_matches("./").trim_start_matches('/'));
        if !dir.is_dir() {
            proof.elsewhere.push(format!("{label} ({path})"));
            continue;
        }
        let post = PostBuild {
            values: substitute_values(&ks),
            complete: false,
        };
        match (oracle(root, &ks), flux_build(&files, &ks, Some(&post))) {
            (Ok(mut expected), Ok(mut actual)) => {
                if compare == Compare::DurationsAsDurations {
                    expected.iter_mut().for_each(super::normalize_durations);
                    actual.iter_mut().for_each(super::normalize_durations);
                }
                let e: BTreeMap<String, &Value> =
                    expected.iter().map(|o| (super::object_key(o), o)).collect();
                let a: BTreeMap<String, &Value> =
                    actual.iter().map(|o| (super::object_key(o), o)).collect();
                let mut problems = Vec::new();
                if expected.len() != actual.len() {
                    problems.push(format!(
                        "{} objects from kubectl, {} from fluxdsl",
                        expected.len(),
                        actual.len()
                    ));
                }
                for (k, v) in &e {
                    match a.get(k) {
                        None => problems.push(format!("missing {k}")),
                        Some(got) if got != v => problems.push(format!(
                            "{k} differs:\nkubectl: {}\nfluxdsl: {}",
                            serde_json::to_string(v).unwrap(),
                            serde_json::to_string(got).unwrap()
                        )),
                        Some(_) => {}
                    }
                }
                for k in a.keys().filter(|k| !e.contains_key(*k)) {
                    problems.push(format!("extra {k}"));
                }
                match problems.is_empty() {
                    true => proof.equal.push((label, expected.len())),
                    false => proof
                        .differ
                        .push(format!("{label}:\n  {}", problems.join("\n  "))),
                }
            }
            (Err(k), Err(f)) => proof.refused.push((label, k, f.to_string())),
            (Err(k), Ok(objects)) => proof.differ.push(format!(
                "{label}: kubectl refuses ({}), fluxdsl builds {} objects",
                k.trim(),
                objects.len()
            )),
            (Ok(objects), Err(f)) => proof.differ.push(format!(
                "{label}: kubectl builds {} objects, fluxdsl refuses: {f}",
                objects.len()
            )),
        }
    }
    proof
}

fn assert_proved(proof: &Proof, at_least: usize) {
    eprintln!(
        "{} equal ({} objects), {} refused by both, {} from other sources",
        proof.equal.len(),
        proof.equal.iter().map(|(_, n)| n).sum::<usize>(),
        proof.refused.len(),
        proof.elsewhere.len()
    );
    assert!(proof.differ.is_empty(), "{}", proof.differ.join("\n\n"));
    assert!(
        proof.equal.len() >= at_least,
        "only {} Kustomizations compared: {:?}",
        proof.equal.len(),
        proof
    );
}

#[test]
fn the_helm_example_builds_as_kubectl_builds_it() {
    let proof = prove("flux2-kustomize-helm-example", "");
    assert_proved(&proof, 6);
}

#[test]
fn flux2_multi_tenancy_builds_as_kubectl_builds_it() {
    let proof = prove("flux2-multi-tenancy", "");
    assert_proved(&proof, 6);
}

#[test]
fn k8s_home_ops_builds_as_kubectl_builds_it() {
    let proof = prove("k8s-home-ops", "");
    assert_proved(&proof, 13);
}

#[test]
fn every_flux_local_cluster_builds_as_kubectl_builds_it() {
    let proof = prove("flux-local-testdata", "tests/testdata");
    assert_proved(&proof, 20);
}

#[test]
fn what_fluxdsl_renders_builds_as_kubectl_builds_it() {
    let cases = [
        (
            "the helm example",
            super::helm_example::example::repository(),
            6,
        ),
        (
            "flux-local cluster3",
            super::reproductions::cluster3::repository(),
            1,
        ),
        (
            "flux-local cluster4",
            super::reproductions::cluster4::repository(),
            3,
        ),
        (
            "flux-local cluster10",
            super::reproductions::cluster10::repository(),
            2,
        ),
        (
            "the multi-tenancy example",
            super::multi_tenancy::example::repository(),
            1,
        ),
        (
            "flux2-multi-tenancy",
            super::reproductions::flux2_multi_tenancy::repository(),
            6,
        ),
        (
            "k8s-home-ops",
            super::reproductions::k8s_home_ops::repository(),
            13,
        ),
    ];
    for (what, repository, at_least) in cases {
        let proof = prove_rendered(&repository);
        eprint!("{what}: ");
        assert_proved(&proof, at_least);
    }
}

#[test]
fn what_an_import_renders_builds_as_kubectl_builds_the_repository() {
    // (fixture, its folder in its repository, Kustomizations compared at least)
    let cases = [
        ("flux2-kustomize-helm-example", "", 6),
        ("flux2-multi-tenancy", "", 6),
        ("k8s-home-ops", "", 13),
        ("flux-local-testdata/cluster2", "tests/testdata/cluster2", 6),
        ("flux-local-testdata/cluster3", "tests/testdata/cluster3", 1),
        ("flux-local-testdata/cluster4", "tests/testdata/cluster4", 4),
        ("flux-local-testdata/cluster5", "tests/testdata/cluster5", 2),
        ("flux-local-testdata/cluster6", "tests/testdata/cluster6", 2),
        ("flux-local-testdata/cluster7", "tests/testdata/cluster7", 3),
        ("flux-local-testdata/cluster8", "tests/testdata/cluster8", 2),
        ("flux-local-testdata/cluster9", "tests/testdata/cluster9", 2),
        (
            "flux-local-testdata/cluster10",
            "tests/testdata/cluster10",
            2,
        ),
        (
            "flux-local-testdata/cluster11",
            "tests/testdata/cluster11",
            1,
        ),
        (
            "flux-local-testdata/cluster12",
            "tests/testdata/cluster12",
            2,
        ),
    ];
    for (dir, prefix, at_least) in cases {
        let original = tempfile::tempdir().unwrap();
        super::copy_tree(&super::fixture(dir), &original.path().join(prefix));
        let repository = fluxdsl::import::repository(&super::fixture(dir)).unwrap();
        let rendered = write_rendered(&repository);
        // Flux's components are pinned, not written: the repository's own file stands.
        for u in repository.render().unwrap().main().upstream().iter() {
            std::fs::copy(original.path().join(&u.path), rendered.path().join(&u.path))
                .unwrap_or_else(|e| panic!("{dir}: {}: {e}", u.path));
        }
        let proof = prove_between(
            original.path(),
            rendered.path(),
            flux_kustomizations(original.path()),
            Compare::DurationsAsDurations,
        );
        eprint!("{dir}: ");
        assert_proved(&proof, at_least);
    }
    // The helm example with its staging overlay generating ConfigMaps: the import writes
    // generator declarations, and what they generate builds as kubectl generates it.
    let tmp = tempfile::tempdir().unwrap();
    let repo = super::import::with_generators(tmp.path());
    let repository = fluxdsl::import::repository(&repo).unwrap();
    let rendered = write_rendered(&repository);
    for u in repository.render().unwrap().main().upstream().iter() {
        std::fs::copy(repo.join(&u.path), rendered.path().join(&u.path)).unwrap();
    }
    let proof = prove_between(
        &repo,
        rendered.path(),
        flux_kustomizations(&repo),
        Compare::DurationsAsDurations,
    );
    eprint!("helm example with generators: ");
    assert_proved(&proof, 6);
    let staging = super::kustomize::kubectl_kustomize(&repo.join("apps/staging"));
    assert_eq!(
        staging
            .iter()
            .filter(|o| o["kind"] == "ConfigMap" && o["metadata"]["labels"]["app"] == "podinfo")
            .count(),
        3,
        "{staging:?}"
    );
    // This project's own tree, with the apps repository its GitRepository kube-deploy
    // fetches imported as a tree of its own.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let original = tempfile::tempdir().unwrap();
    super::copy_tree(
        &workspace.join("k8s/flux"),
        &original.path().join("k8s/flux"),
    );
    super::copy_tree(
        &workspace.join("kube-deploy"),
        &original.path().join("kube-deploy"),
    );
    let kube_deploy = format!("kube-deploy={}", workspace.join("kube-deploy").display());
    let repository = fluxdsl::import::repository_with(
        &workspace.join("k8s/flux"),
        &[kube_deploy.parse().unwrap()],
    )
    .unwrap();
    let rendered = write_rendered(&repository);
    for u in repository.render().unwrap().main().upstream().iter() {
        std::fs::copy(original.path().join(&u.path), rendered.path().join(&u.path)).unwrap();
    }
    let (apps, own): (Vec<_>, Vec<_>) = flux_kustomizations(original.path())
        .into_iter()
        .partition(|(_, ks)| ks["spec"]["sourceRef"]["name"] == "kube-deploy");
    eprint!("k8s/flux: ");
    let durations = Compare::DurationsAsDurations;
    assert_proved(
        &prove_between(original.path(), rendered.path(), own, durations),
        1,
    );
    eprint!("kube-deploy: ");
    let (theirs, ours) = (
        original.path().join("kube-deploy"),
        rendered.path().join("kube-deploy"),
    );
    assert_proved(&prove_between(&theirs, &ours, apps, durations), 3);
}

#[test]
fn the_monacocloud_tree_builds_as_kubectl_builds_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    let (code, _, err) = super::run_cluster(&["render", "--root", root]);
    assert_eq!(code, 0, "{err}");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("k8s/flux/flux-system/gotk-components.yaml"),
        tmp.path().join("k8s/flux/flux-system/gotk-components.yaml"),
    )
    .unwrap();
    let proof = prove_tree(tmp.path());
    assert_proved(&proof, 1);
    // The apps are built from the kube-deploy repository, rendered beside.
    let apps: Vec<(String, Value)> = flux_kustomizations(tmp.path())
        .into_iter()
        .filter(|(_, ks)| ks["spec"]["sourceRef"]["name"] == "kube-deploy")
        .collect();
    assert_eq!(apps.len(), 3);
    let proof = prove_in(&tmp.path().join("kube-deploy"), apps);
    assert_proved(&proof, 3);
}

#[test]
fn print_effective_lists_what_kubectl_builds_for_each_kustomization() {
    let repository = super::helm_example::example::repository();
    let tmp = write_rendered(&repository);
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (label, ks) in flux_kustomizations(tmp.path()) {
        if !label.starts_with("clusters/staging/") {
            continue;
        }
        let root = match ks["spec"]["sourceRef"]["kind"].as_str() {
            Some("ExternalArtifact") => {
                let artifact = tmp
                    .path()
                    .join("artifact")
                    .join(ks["spec"]["sourceRef"]["name"].as_str().unwrap());
                let declared_in = tmp.path().join("clusters/staging");
                let name = ks["spec"]["sourceRef"]["name"].as_str().unwrap();
                artifact_tree(tmp.path(), &declared_in, name, &artifact).unwrap();
                artifact
            }
            _ => tmp.path().to_path_buf(),
        };
        let mut keys: Vec<String> = oracle(&root, &ks)
            .unwrap()
            .iter()
            .map(super::object_key)
            .collect();
        keys.sort();
        let who = format!(
            "Kustomization/{}/{}",
            ks["metadata"]["namespace"].as_str().unwrap(),
            ks["metadata"]["name"].as_str().unwrap()
        );
        expected.insert(who, keys);
    }
    assert_eq!(expected.len(), 4);
    // The upstream install is read from the folder the program runs in: none here.
    let text = repository.effective(Some("staging")).unwrap();
    let mut shown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = None;
    // Each part is a document (of the Kustomization named last), then maybe the next
    // Kustomization's heading.
    for part in text.split("\n---\n") {
        let body: String = part
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        if let (Some(who), Ok(v)) = (&current, serde_yaml::from_str::<Value>(&body))
            && v.is_object()
        {
            shown.get_mut(who).unwrap().push(super::object_key(&v));
        }
        for line in part.lines().filter(|l| l.starts_with("# Kustomization/")) {
            let who = line
                .trim_start_matches("# ")
                .split(' ')
                .next()
                .unwrap()
                .to_owned();
            shown.insert(who.clone(), Vec::new());
            current = Some(who);
        }
    }
    for keys in shown.values_mut() {
        keys.sort();
    }
    assert_eq!(shown, expected, "{text}");
}
