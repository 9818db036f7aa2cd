//! `fluxdsl import`: every open fixture, imported, renders the repository as it is —
//! every object equal to the original (durations as durations, key order aside), a typed
//! kustomization.yaml equal as YAML, every other file byte for byte, Flux's components
//! pinned and never written — and README's
//! table has the figures computed here. The crates it writes are built and run by the
//! ignored test below, which `.ci/run` runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{first_difference, fixture, normalize_durations};

/// The fixtures imported: (README's name, folder under tests/fixtures).
const REPOSITORIES: [(&str, &str); 15] = [
    (
        "`fluxcd/flux2-kustomize-helm-example`",
        "flux2-kustomize-helm-example",
    ),
    ("`fluxcd/flux2-multi-tenancy`", "flux2-multi-tenancy"),
    ("`Cloufish/k8s-home-ops`", "k8s-home-ops"),
    ("flux-local `cluster`", "flux-local-testdata/cluster"),
    ("flux-local `cluster2`", "flux-local-testdata/cluster2"),
    ("flux-local `cluster3`", "flux-local-testdata/cluster3"),
    ("flux-local `cluster4`", "flux-local-testdata/cluster4"),
    ("flux-local `cluster5`", "flux-local-testdata/cluster5"),
    ("flux-local `cluster6`", "flux-local-testdata/cluster6"),
    ("flux-local `cluster7`", "flux-local-testdata/cluster7"),
    ("flux-local `cluster8`", "flux-local-testdata/cluster8"),
    ("flux-local `cluster9`", "flux-local-testdata/cluster9"),
    ("flux-local `cluster10`", "flux-local-testdata/cluster10"),
    ("flux-local `cluster11`", "flux-local-testdata/cluster11"),
    ("flux-local `cluster12`", "flux-local-testdata/cluster12"),
];

/// Every file below `root`, relative, sorted.
fn all_files(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                files.push(rel.into_owned());
            }
        }
    }
    files.sort();
    files
}

/// The objects of a YAML text; `None` when it is not a stream of objects (or not YAML).
fn objects(text: &str) -> Option<Vec<Value>> {
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value: Value = serde::Deserialize::deserialize(doc).ok()?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    let all = !docs.is_empty()
        && docs
            .iter()
            .all(|d| d["kind"].is_string() && d.get("sops").is_none());
    all.then(|| {
        docs.into_iter()
            .map(|mut d| {
                normalize_durations(&mut d);
                d
            })
            .collect()
    })
}

/// Whether two YAML texts hold the same value.
fn same_yaml(a: &str, b: &str) -> bool {
    let value = |t: &str| serde_yaml::from_str::<Value>(t).ok();
    value(a).is_some() && value(a) == value(b)
}

/// How the import of one fixture reproduces it.
struct RoundTrip {
    report: fluxdsl::import::Report,
    /// Documents of the repository's object files (Flux's components aside).
    objects: usize,
    /// Those rendered equal, in the same file.
    equal: usize,
    /// Files rendered differently (or not at all), with the first difference.
    differences: Vec<String>,
}

impl RoundTrip {
    fn of(dir: &str) -> RoundTrip {
        Self::with(&fixture(dir), &[])
    }

    /// The round trip of the repository at `root`, with `others` as trees of their own.
    fn with(root: &Path, others: &[fluxdsl::import::OtherRepository]) -> RoundTrip {
        let shown = root.display();
        let (_, report) = fluxdsl::import::generate_with(root, others).unwrap();
        // The toolchain's rustfmt formats what the import writes.
        assert_eq!(report.unformatted, None, "{shown}");
        let repository = fluxdsl::import::repository_with(root, others).unwrap();
        let rendered = repository
            .render()
            .unwrap_or_else(|e| panic!("{shown}: the import does not render: {e}"));
        let prefix = if report.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", report.prefix)
        };
        let mut trip = RoundTrip {
            report,
            objects: 0,
            equal: 0,
            differences: Vec::new(),
        };
        let main = rendered.main();
        trip.compare(root, main, &prefix);
        for (i, other) in others.iter().enumerate() {
            // Other trees follow the main one, in the order they were given.
            let tree = &rendered.trees()[i + 1];
            trip.compare(&other.dir, tree, "");
        }
        assert_eq!(rendered.trees().len(), others.len() + 1, "{shown}");
        trip
    }

    /// Compares rendered `tree` (its paths under `prefix`) with the repository at `root`.
    fn compare(&mut self, root: &Path, tree: &fluxdsl::render::RenderedTree, prefix: &str) {
        let trip = self;
        let mut ours: BTreeMap<String, &str> = tree
            .files()
            .map(|(path, text)| (path.strip_prefix(prefix).unwrap_or(path).to_owned(), text))
            .collect();
        let upstream: Vec<String> = tree
            .upstream()
            .iter()
            .map(|u| u.path.strip_prefix(prefix).unwrap_or(&u.path).to_owned())
            .collect();
        for file in all_files(root) {
            if file.ends_with(".fluxdsl-owned") {
                continue; // render's own list
            }
            let theirs = std::fs::read_to_string(root.join(&file)).unwrap();
            if upstream.contains(&file) {
                continue;
            }
            let Some(mine) = ours.remove(&file) else {
                trip.differences.push(format!("{file}: not rendered"));
                continue;
            };
            let yaml = file.ends_with(".yaml") || file.ends_with(".yml");
            match objects(&theirs).filter(|_| yaml) {
                Some(docs) if !file.ends_with("kustomization.yaml") => {
                    trip.objects += docs.len();
                    let rendered = objects(mine).unwrap_or_default();
                    for (i, doc) in docs.iter().enumerate() {
                        match rendered.get(i) {
                            Some(m) if m == doc => trip.equal += 1,
                            Some(m) => trip.differences.push(format!(
                                "{file}: document {i}: {}",
                                first_difference("", m, doc).unwrap_or_default()
                            )),
                            None => trip
                                .differences
                                .push(format!("{file}: document {i} not rendered")),
                        }
                    }
                }
                // A kustomization.yaml declared typed is written as the config's fields
                // say, in kustomize's order: equal as YAML.
                Some(_) if mine != theirs && !same_yaml(mine, &theirs) => trip
                    .differences
                    .push(format!("{file}: kustomize's configuration differs")),
                Some(_) => {}
                _ if mine != theirs => trip.differences.push(format!("{file}: text differs")),
                _ => {}
            }
        }
        for file in ours.keys().filter(|f| !f.ends_with(".fluxdsl-owned")) {
            trip.differences
                .push(format!("{file}: rendered, not in the repository"));
        }
    }

    /// README's row, import time aside: repository, objects, equal, findings, YAML lines,
    /// Rust lines.
    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {} | {} | {} | {} | {} |",
            self.objects,
            self.equal,
            self.report.findings.len(),
            self.report.yaml_lines,
            self.report.rust_lines
        )
    }
}

#[test]
fn every_fixture_imported_renders_the_repository_as_it_is() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut rows = Vec::new();
    for (name, dir) in REPOSITORIES {
        if dir == "flux-local-testdata/cluster" {
            continue; // below: render refuses it
        }
        let trip = RoundTrip::of(dir);
        assert!(
            trip.differences.is_empty(),
            "{dir}: {:#?}",
            trip.differences
        );
        assert_eq!(trip.objects, trip.equal, "{dir}");
        let row = trip.row(name);
        if !readme.contains(&row) {
            rows.push(row);
        }
    }
    assert!(
        rows.is_empty(),
        "README's import table lacks the rows this test computes:\n{}",
        rows.join("\n")
    );
}

/// This project's own tree: `k8s/flux` (the monacocloud cluster, at that folder of its
/// repository) and the apps repository it fetches, `kube-deploy`.
fn own_tree() -> (PathBuf, Vec<fluxdsl::import::OtherRepository>) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let kube_deploy = format!("kube-deploy={}", workspace.join("kube-deploy").display());
    (
        workspace.join("k8s/flux"),
        vec![kube_deploy.parse().unwrap()],
    )
}

#[test]
fn this_projects_own_tree_imported_renders_as_it_is_with_its_apps_repository() {
    let (root, others) = own_tree();
    let trip = RoundTrip::with(&root, &others);
    assert!(trip.differences.is_empty(), "{:#?}", trip.differences);
    assert_eq!(trip.objects, trip.equal);
    assert_eq!(trip.report.prefix, "k8s/flux");
    // The apps repository is rendered where it is checked out beside k8s/.
    let (files, _) = fluxdsl::import::generate_with(&root, &others).unwrap();
    let code = &files.iter().find(|(p, _)| p == "src/cluster.rs").unwrap().1;
    assert!(
        code.contains("c.repository_tree(&kube_deploy, \"kube-deploy\", \"\");"),
        "{code}"
    );
    assert!(
        files
            .iter()
            .any(|(p, _)| p == "repositories/kube-deploy/owncloud/kustomization.yaml")
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let row = trip.row("this project's `k8s/flux` + `kube-deploy`");
    assert!(readme.contains(&row), "README's import table lacks:\n{row}");
    // A source the repository does not declare is refused.
    let wrong: fluxdsl::import::OtherRepository = format!(
        "apps/nothing={}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("kube-deploy")
            .display()
    )
    .parse()
    .unwrap();
    let err = fluxdsl::import::generate_with(&root, &[wrong]).unwrap_err();
    assert!(err.contains("declares GitRepository apps/nothing"), "{err}");
}

#[test]
fn a_variable_written_with_a_replacement_is_substituted_and_what_it_makes_is_checked() {
    // flux-local's `cluster` names Certificates `${SECRET_DOMAIN/./-}-staging`: drone/
    // envsubst's replacement, which kustomize-controller substitutes — example.com and
    // other.com become `example-com-staging` and `other-com-staging`, accepted. Its Secret
    // gives two more domains the test value `SECRET`: `SECRET-staging`, which the API
    // server refuses (uppercase), is the one finding render does not get past.
    let (_, report) = fluxdsl::import::generate(&fixture("flux-local-testdata/cluster")).unwrap();
    let open: Vec<&fluxdsl::import::Finding> =
        report.findings.iter().filter(|f| !f.opted_in).collect();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert!(
        open[0]
            .message
            .starts_with("Certificate default/SECRET-staging: metadata.name: \"SECRET-staging\""),
        "{}",
        open[0].message
    );
    assert!(
        open[0]
            .message
            .ends_with("(as Kustomization flux-system/apps applies it)"),
        "{}",
        open[0].message
    );
    // The Secret in clear is opted into, with the line that declares it.
    let opted: Vec<_> = report.findings.iter().filter(|f| f.opted_in).collect();
    assert_eq!(opted.len(), 1);
    assert_eq!(
        opted[0].at.as_deref(),
        Some("clusters/prod/flux-system/cluster-secrets.yaml:2")
    );
    // Render refuses that name alone: the replacement itself is no problem.
    let repository = fluxdsl::import::repository(&fixture("flux-local-testdata/cluster")).unwrap();
    let refused = repository.render().unwrap_err().to_string();
    assert!(refused.contains("\"SECRET-staging\""), "{refused}");
    assert!(!refused.contains("SECRET_DOMAIN/"), "{refused}");
    assert!(!refused.contains("example"), "{refused}");
}

/// The text of `file` in the crate the import of `repo` writes.
fn generated(repo: &Path, file: &str) -> String {
    let (files, _) = fluxdsl::import::generate(repo).unwrap();
    let found = files.into_iter().find(|(p, _)| p == file);
    found
        .unwrap_or_else(|| panic!("the import writes no {file}"))
        .1
}

/// A copy of fixture `name` in `tmp`, each (file, text, replacement) edit made (the text
/// must be there).
fn edited_fixture(tmp: &Path, name: &str, edits: &[(&str, &str, &str)]) -> PathBuf {
    let repo = tmp.join("repo");
    if !repo.exists() {
        super::copy_tree(&fixture(name), &repo);
    }
    for (path, from, to) in edits {
        let at = repo.join(path);
        let text = std::fs::read_to_string(&at).unwrap();
        assert!(text.contains(from), "{path}: {from:?}");
        std::fs::write(&at, text.replace(from, to)).unwrap();
    }
    repo
}

/// Fails, showing `code`, unless it holds each of `lines`, in that order.
fn assert_in_order(code: &str, lines: &[&str]) {
    let at: Vec<usize> = lines
        .iter()
        .map(|line| {
            code.find(line)
                .unwrap_or_else(|| panic!("{line} in {code}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{code}");
}

#[test]
fn flux_objects_are_declared_typed_in_dependency_order_and_referred_to_by_handle() {
    // cluster7's apps.yaml depends on charts.yaml, and both build from the GitRepository
    // of flux-system/gotk-sync.yaml, which comes after them in the repository: the
    // generated cluster declares gotk-sync.yaml first and passes the handles on.
    let code = &generated(&fixture("flux-local-testdata/cluster7"), "src/home.rs");
    // Its folder's kustomization.yaml lists the file by handle, so the function returns
    // the file too.
    let calls = [
        "    let (gotk_sync, flux_system) = clusters_home_flux_system::gotk_sync_yaml(&mut c);\n",
        "    let charts = clusters_home::charts_yaml(&mut c, &flux_system);\n",
        "    clusters_home::apps_yaml(&mut c, &flux_system, &charts);\n",
        "        KustomizeConfig::builder().resources(&[&gotk_sync]).build(),\n",
        "    c.source_is_this_repository(&flux_system);\n",
    ];
    assert_in_order(code, &calls);
    for typed in [
        "pub fn gotk_sync_yaml(c: &mut Cluster) -> (File, Ref<GitRepository>) {",
        "pub fn charts_yaml(c: &mut Cluster, flux_system: &Ref<GitRepository>) -> Ref<Kustomization> {",
        "                .source_ref(&flux_system)\n",
        "                .depends_on(&[charts])\n",
        "                .interval(duration!(\"10m0s\"))\n",
    ] {
        assert!(code.contains(typed), "{typed} in {code}");
    }
    assert!(!code.contains("\"kind\": \"Kustomization\""), "{code}");
    // cluster2's own GitRepository, with its `ignore` patterns line by line.
    let code = &generated(&fixture("flux-local-testdata/cluster2"), "src/config.rs");
    assert!(
        code.contains(
            ".ignore(&[\n                    \"# exclude all\",\n                    \"/*\",\n"
        ),
        "{code}"
    );
    // Where the repository's own GitRepository is not declared typed (here with a field
    // the recipe does not read), the cluster binds it first and passes it.
    let tmp = tempfile::tempdir().unwrap();
    let repo = edited_fixture(
        tmp.path(),
        "flux-local-testdata/cluster2",
        &[(
            "flux/config/cluster.yaml",
            "  interval: 30m\n",
            "  interval: 30m\n  recurseSubmodules: true\n",
        )],
    );
    let code = &generated(&repo, "src/config.rs");
    let calls = [
        "    let this_repository: Ref<GitRepository> =\n        Ref::existing(&NamespaceName::FLUX_SYSTEM, name!(\"home-ops-kubernetes\"));\n",
        "    apps_networking_ingress_nginx::ks_yaml(&mut c, &this_repository);\n",
        "    c.source_is_this_repository(&this_repository);\n",
    ];
    assert_in_order(code, &calls);
    // The typed Kustomizations are built as the manifests were: the import's own run
    // declares them from the same recipes and still finds what each applies.
    let repository = fluxdsl::import::repository(&fixture("flux-local-testdata/cluster7")).unwrap();
    let effective = repository.effective(Some("home")).unwrap();
    let built: Vec<&str> = effective.lines().filter(|l| l.starts_with("# ")).collect();
    assert_eq!(
        built,
        [
            "# Kustomization/flux-system/flux-system applies 4 object(s)",
            "# Kustomization/flux-system/charts applies 2 object(s)",
            "# Kustomization/flux-system/apps applies 7 object(s)",
        ],
        "{effective}"
    );
}

#[test]
fn a_decrypting_kustomization_takes_the_clusters_bootstrap_keys_and_one_that_forgets_is_refused() {
    // k8s-home-ops' Kustomizations decrypt with flux-system/sops-age, made by hand: each
    // cluster binds it as the bootstrap Secret `apply` creates (age, as its SOPS files are
    // encrypted), and every one of its Kustomizations is typed.
    let (files, _) = fluxdsl::import::generate(&fixture("k8s-home-ops")).unwrap();
    for cluster in ["production", "staging"] {
        let code = &files
            .iter()
            .find(|(p, _)| *p == format!("src/{cluster}.rs"))
            .unwrap()
            .1;
        assert_in_order(
            code,
            &[
                "    // Secret where the cluster lacks it, from `--secret-file \
                 flux-system/sops-age/age.agekey=PATH`.\n",
                "    let sops_age = c.bootstrap_secret(BootstrapSecret::sops_age(\n        \
                 &NamespaceName::FLUX_SYSTEM,\n        name!(\"sops-age\"),\n    ));\n",
                "                .decryption(Decryption::sops(sops_age))\n",
            ],
        );
        assert!(!code.contains("\"decryption\""), "{code}");
    }
    let production = &files
        .iter()
        .find(|(p, _)| p == "src/production.rs")
        .unwrap()
        .1;
    assert!(
        production.contains(
            "                .patches(&[Patch::new(\n                    concat!(\n                        \
             \"- op: replace\\n\",\n                        \"  path: /spec/acme/server\\n\",\n"
        ),
        "{production}"
    );
    let repository = fluxdsl::import::repository(&fixture("k8s-home-ops")).unwrap();
    for (name, cluster) in repository.clusters() {
        let secrets: Vec<(String, Vec<&str>)> = cluster
            .bootstrap_secrets()
            .map(|s| (s.id(), s.keys().iter().map(|k| k.key).collect()))
            .collect();
        assert_eq!(
            secrets,
            [("flux-system/sops-age".to_owned(), vec!["age.agekey"])],
            "{name}"
        );
    }
    // Without its decryption, infra-secrets fails in Flux: refused, typed (the typed
    // check, per Secret) and as a manifest (labelled: the effective-state check).
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    super::copy_tree(&fixture("k8s-home-ops"), &repo);
    let infra = repo.join("clusters/production/infrastructure.yaml");
    let text = std::fs::read_to_string(&infra).unwrap();
    let start = text.find("  name: infra-secrets\n").unwrap();
    let from = start + text[start..].find("  decryption:\n").unwrap();
    let to = from + text[from..].find("---").unwrap();
    let forgot = format!("{}{}", &text[..from], &text[to..]);
    let refused = |repo: &Path| -> Vec<String> {
        let (_, report) = fluxdsl::import::generate(repo).unwrap();
        report
            .findings
            .iter()
            .filter(|f| !f.opted_in)
            .map(|f| format!("{}: {}", f.at.as_deref().unwrap_or("-"), f.message))
            .collect()
    };
    std::fs::write(&infra, &forgot).unwrap();
    let typed = refused(&repo);
    assert_eq!(typed.len(), 7, "{typed:#?}");
    assert!(
        typed.iter().all(|m| m.starts_with(
            "clusters/production/infrastructure.yaml:64: Kustomization flux-system/infra-secrets: \
             spec.decryption: applies Secret "
        ) && m.contains("but has no spec.decryption")),
        "{typed:#?}"
    );
    let labelled = forgot.replace(
        "  name: infra-secrets\n  namespace: flux-system\n",
        "  name: infra-secrets\n  namespace: flux-system\n  labels:\n    tier: infra\n",
    );
    std::fs::write(&infra, labelled).unwrap();
    let manifest = refused(&repo);
    assert_eq!(manifest.len(), 1, "{manifest:#?}");
    // Where no Kustomization that decrypts can be typed (staging's build from an
    // OCIRepository no part declares), the keys are still declared for `apply`, bound to no variable
    // nothing would use.
    for file in [
        "clusters/staging/infrastructure.yaml",
        "clusters/staging/apps.yaml",
    ] {
        let path = repo.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace(
                "    kind: GitRepository\n    name: flux-system\n",
                "    kind: OCIRepository\n    name: elsewhere\n",
            ),
        )
        .unwrap();
    }
    let staging = &generated(&repo, "src/staging.rs");
    assert!(
        staging.contains("=PATH`.\n    c.bootstrap_secret(BootstrapSecret::sops_age(")
            && !staging.contains("let sops_age")
            && !staging.contains("Decryption::sops("),
        "{staging}"
    );
    assert!(
        manifest[0].starts_with(
            "clusters/production/infrastructure.yaml:64: Kustomization flux-system/infra-secrets: \
             spec.decryption: applies Secret cert-manager/cloudflare-api-token-secret and 6 more \
             (SOPS-encrypted) but has no spec.decryption"
        ),
        "{manifest:#?}"
    );
}

#[test]
fn kustomize_folders_are_declared_typed_their_bases_and_patch_files_by_handle() {
    let (files, _) = fluxdsl::import::generate(&fixture("flux2-kustomize-helm-example")).unwrap();
    let code = |path: &str| &files.iter().find(|(p, _)| p == path).unwrap().1;
    // The base is a folder its files are declared in; each overlay builds on its handle
    // and reads its patch file by handle (a function that returns the file).
    let shared = code("src/shared.rs");
    assert_in_order(
        shared,
        &[
            "    let apps_base_podinfo = c.kustomize_folder(\n        \"apps/base/podinfo\",\n",
            "            .namespace(namespace!(\"podinfo\"))\n",
            "    apps_base_podinfo::namespace_yaml(&mut c, &apps_base_podinfo);\n",
            // The release takes the repository's handle, passed on from its file.
            "    let podinfo = apps_base_podinfo::repository_yaml(&mut c, &apps_base_podinfo);\n",
            "    apps_base_podinfo::release_yaml(&mut c, &apps_base_podinfo, &podinfo);\n",
            "    let podinfo_values = apps_production::podinfo_values_yaml(&mut c);\n",
            "    c.kustomize_config(\n        \"apps/production\",\n",
            "            .folders(&[&apps_base_podinfo])\n",
            "            .patch_files(&[PatchFile::new(\n                &podinfo_values,\n",
            // The other overlay's file of the same name, named by its folder.
            "    let staging_podinfo_values = apps_staging::podinfo_values_yaml(&mut c);\n",
        ],
    );
    for line in [
        "    pub fn namespace_yaml(c: &mut Cluster, folder: &Folder) {\n        let file = c.folder_file(folder, \"namespace.yaml\");\n",
        "    pub fn podinfo_values_yaml(c: &mut Cluster) -> File {\n",
        "        file\n    }\n",
    ] {
        assert!(shared.contains(line), "{line} in {shared}");
    }
    assert!(
        !shared.contains("include_str!(\"../files/apps/"),
        "{shared}"
    );
    // flux-system lists Flux's components and gotk-sync.yaml (a header comment) by handle.
    let staging = code("src/staging.rs");
    assert_in_order(
        staging,
        &[
            "    let gotk_components = c.verbatim_file(\n",
            "    let gotk_sync = c.verbatim_file(\n",
            "            .resources(&[&gotk_components, &gotk_sync])\n",
            "            .labels(&[Labels {\n",
            "            .patches(&[Patch::new(\n",
        ],
    );

    // What the typed config would not write as it is stays carried: a comment, a field
    // it lacks, a path between the folder's files, an object the folder's namespace
    // would move. Each still renders the repository as it is.
    let tmp = tempfile::tempdir().unwrap();
    let repo = edited_fixture(
        tmp.path(),
        "flux2-kustomize-helm-example",
        &[
            (
                "apps/staging/kustomization.yaml",
                "patches:\n",
                "# staging's values\npatches:\n",
            ),
            (
                "apps/production/kustomization.yaml",
                "patches:\n",
                "commonLabels:\n  env: production\npatches:\n",
            ),
            // `./gateway.yaml` beside `cluster-issuers.yaml`: named by its path, between
            // files.
            (
                "infrastructure/configs/kustomization.yaml",
                "  - gateway.yaml\n",
                "  - ./gateway.yaml\n  - settings.yaml\n",
            ),
            (
                "apps/base/podinfo/kustomization.yaml",
                "namespace: podinfo\n",
                "namespace: web\n",
            ),
        ],
    );
    std::fs::write(
        repo.join("infrastructure/configs/settings.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\n",
    )
    .unwrap();
    let shared = &generated(&repo, "src/shared.rs");
    for carried in [
        "apps/staging",
        "apps/production",
        "infrastructure/configs",
        "apps/base/podinfo",
    ] {
        let call = format!("    c.verbatim_file(\n        \"{carried}/kustomization.yaml\",\n");
        assert!(shared.contains(&call), "{call} in {shared}");
    }
    assert!(
        shared.contains("c.kustomize_folder(\n        \"infrastructure/controllers\","),
        "{shared}"
    );
    let trip = RoundTrip::with(&repo, &[]);
    assert!(trip.differences.is_empty(), "{:#?}", trip.differences);
    assert_eq!(trip.objects, trip.equal);

    // Generators are generator declarations reading their files by handle.
    let repo = with_generators(tmp.path());
    let shared = &generated(&repo, "src/shared.rs");
    assert_in_order(
        shared,
        &[
            "    let podinfo_env = c.verbatim_file(\n",
            "    let settings = c.verbatim_file(\n",
            "    c.kustomize_config(\n        \"apps/staging\",\n",
            "            .config_map_generator(&[\n",
            "                ConfigMapGenerator::from_files(name!(\"podinfo-settings\"), &[&settings])\n                    .literals(&[\"LOG_LEVEL=debug\"]),\n",
            "                ConfigMapGenerator::from_env(name!(\"podinfo-env\"), &podinfo_env).options(\n",
            "disable_name_suffix_hash: true,",
            "                ConfigMapGenerator {\n                    name: \"podinfo-flags\".into(),\n                    behavior: Some(\"create\".into()),\n                    literals: vec![\"DEBUG=true\".into()],\n",
            "            .generator_options(GeneratorOptions {\n",
        ],
    );
    let trip = RoundTrip::with(&repo, &[]);
    assert!(trip.differences.is_empty(), "{:#?}", trip.differences);
}

#[test]
fn an_artifact_generator_is_typed_and_its_artifacts_are_sources_by_handle() {
    let staging = &generated(&fixture("flux2-kustomize-helm-example"), "src/staging.rs");
    assert_in_order(
        staging,
        &[
            "    let flux_system = clusters_staging::artifacts_yaml(&mut c, &this_repository);\n",
            "    let infra_configs = clusters_staging::infrastructure_yaml(&mut c, &flux_system);\n",
            "    clusters_staging::apps_yaml(&mut c, &flux_system, &infra_configs);\n",
            "                .sources(&[GeneratorSourceRef::new(\"monorepo\", this_repository)])\n",
            "                .source_ref(&flux_system.artifact(name!(\"infrastructure\")))\n",
            "                .source_ref(&flux_system.artifact(name!(\"apps\")))\n",
        ],
    );
    assert!(
        !staging.contains("\"kind\": \"ArtifactGenerator\""),
        "{staging}"
    );
    assert!(
        !staging.contains("\"kind\": \"Kustomization\""),
        "{staging}"
    );
    // Typed, what each artifact's Kustomizations build is checked: infra-configs also
    // building ../controllers applies every controller twice. (As manifests, the build of
    // an ExternalArtifact's Kustomization was not known, and the import found nothing.)
    let tmp = tempfile::tempdir().unwrap();
    let repo = edited_fixture(
        tmp.path(),
        "flux2-kustomize-helm-example",
        &[(
            "infrastructure/configs/kustomization.yaml",
            "  - gateway.yaml\n",
            "  - ../controllers\n  - gateway.yaml\n",
        )],
    );
    let (_, report) = fluxdsl::import::generate(&repo).unwrap();
    let twice: Vec<&fluxdsl::import::Finding> = report
        .findings
        .iter()
        .filter(|f| f.message.contains("is applied by two Kustomizations"))
        .collect();
    assert_eq!(twice.len(), 12, "{:#?}", report.findings);
    assert!(
        twice.iter().all(|f| !f.opted_in
            && f.message.contains("Kustomization flux-system/infra-controllers and Kustomization flux-system/infra-configs")),
        "{twice:#?}"
    );
}

#[test]
fn a_health_check_takes_the_release_s_handle_where_it_names_the_version_the_handle_writes() {
    // cluster4's Kustomization waits for the v2beta1 HelmRelease its folder applies.
    let code = &generated(&fixture("flux-local-testdata/cluster4"), "src/config.rs");
    assert!(
        code.contains(".health_checks(&[HealthCheck::of(headlamp_helmrelease)])"),
        "{code}"
    );
    // Naming another version than the release is written at, it stays a manifest (a
    // handle would write the release's own).
    let tmp = tempfile::tempdir().unwrap();
    let repo = edited_fixture(
        tmp.path(),
        "flux-local-testdata/cluster4",
        &[(
            "apps/monitoring/headlamp/ks.yaml",
            "helm.toolkit.fluxcd.io/v2beta1",
            "helm.toolkit.fluxcd.io/v2",
        )],
    );
    let code = &generated(&repo, "src/config.rs");
    assert!(!code.contains("HealthCheck::of"), "{code}");
    assert!(code.contains("\"healthChecks\": ["), "{code}");
    let trip = RoundTrip::with(&repo, &[]);
    assert!(trip.differences.is_empty(), "{:#?}", trip.differences);
}

/// A copy of the helm example (under `dir`) whose staging overlay also generates three
/// ConfigMaps: from a file with a literal, from a `.env` file without a hash, and from a
/// literal alone.
pub(crate) fn with_generators(dir: &Path) -> PathBuf {
    let repo = dir.join("generators");
    super::copy_tree(&fixture("flux2-kustomize-helm-example"), &repo);
    let staging = repo.join("apps/staging");
    let config = std::fs::read_to_string(staging.join("kustomization.yaml")).unwrap();
    std::fs::write(
        staging.join("kustomization.yaml"),
        format!(
            "{config}configMapGenerator:\n  - name: podinfo-settings\n    files:\n      - settings.yaml\n    \
             literals:\n      - LOG_LEVEL=debug\n  - name: podinfo-env\n    envs:\n      - podinfo.env\n    \
             options:\n      disableNameSuffixHash: true\n  - name: podinfo-flags\n    behavior: create\n    \
             literals:\n      - DEBUG=true\ngeneratorOptions:\n  labels:\n    app: podinfo\n"
        ),
    )
    .unwrap();
    std::fs::write(staging.join("settings.yaml"), "greeting: hello\n").unwrap();
    std::fs::write(staging.join("podinfo.env"), "REPLICAS=2\n").unwrap();
    repo
}

#[test]
fn findings_are_opted_into_in_the_generated_code_with_their_yaml_line() {
    let (files, report) =
        fluxdsl::import::generate(&fixture("flux-local-testdata/cluster8")).unwrap();
    assert_eq!(report.findings.len(), 4);
    assert!(report.findings.iter().all(|f| f.opted_in));
    let code = &files.iter().find(|(p, _)| p == "src/cluster.rs").unwrap().1;
    assert!(
        code.contains(
            "        // finding (apps/pods.yaml:2): Pod home/mnt-pod: spec.containers[0].image: \
             \"alpine\" names no\n        // fixed version (no tag, so `latest`)\n        \
             c.allow_floating_image(&object);\n"
        ),
        "{code}"
    );
    assert!(code.contains("c.allow_secret_in_clear(&object);"));
}

#[test]
fn an_import_finds_what_the_clusters_really_get_wrong_and_keeps_it_as_it_is() {
    // What writing k8s-home-ops by hand found (examples/k8s_home_ops.rs), found by the
    // import from the effective state of its manifests: infra-secrets applies SOPS Secrets
    // into namespaces only Kustomizations waiting for it create (six in production, three
    // in staging), a controller file its kustomization does not list, and a base no
    // overlay applies.
    let (files, report) = fluxdsl::import::generate(&fixture("k8s-home-ops")).unwrap();
    assert!(report.findings.iter().all(|f| f.opted_in), "{report:#?}");
    let deadlocked = |cluster: &str| -> Vec<&str> {
        report
            .findings
            .iter()
            .filter(|f| {
                f.at.as_deref() == Some(&format!("clusters/{cluster}/infrastructure.yaml:64"))
            })
            .filter(|f| f.message.contains("waits for this one"))
            .map(|f| {
                let from = f.message.find("namespace \"").unwrap() + 11;
                &f.message[from..from + f.message[from..].find('"').unwrap()]
            })
            .collect()
    };
    assert_eq!(
        deadlocked("production"),
        [
            "cert-manager",
            "cloudflared",
            "longhorn",
            "netbox",
            "oauth2-proxy",
            "prometheus-operator"
        ]
    );
    assert_eq!(
        deadlocked("staging"),
        ["cert-manager", "longhorn", "oauth2-proxy"]
    );
    let unlisted: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.at.as_deref() == Some("infrastructure/controllers/authelia.yaml"))
        .collect();
    assert_eq!(unlisted.len(), 1);
    assert!(
        unlisted[0]
            .message
            .contains("whose kustomization does not list it")
    );
    // And a base no overlay applies: apps/base/tandoor, a copy of apps/base/lidify.
    let unbuilt: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.message.contains("which no Kustomization builds"))
        .map(|f| f.at.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(
        unbuilt,
        [
            "apps/base/tandoor/lidify-secret.yaml",
            "apps/base/tandoor/release.yaml"
        ]
    );
    assert_eq!(report.findings.len(), 12);
    let code = |module: &str| &files.iter().find(|(p, _)| p == module).unwrap().1;
    assert!(
        code("src/staging.rs").contains(
            "    c.exists_before_flux(&Ref::<Namespace>::existing_cluster_scoped(name!(\n        \
             \"longhorn\"\n    )));\n"
        ),
        "{}",
        code("src/staging.rs")
    );
    assert!(
        code("src/staging.rs").contains("use fluxdsl::k8s_openapi::api::core::v1::Namespace;\n")
    );
    assert!(code("src/shared.rs").contains(
        "    c.unapplied_file(\n        \"infrastructure/controllers/authelia.yaml\",\n        \
         include_str!(\"../files/infrastructure/controllers/authelia.yaml\"),\n    );\n"
    ));
    assert!(
        files
            .iter()
            .any(|(p, _)| p == "files/infrastructure/controllers/authelia.yaml")
    );
}

/// `fluxdsl import` run as a user runs it.
fn fluxdsl(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fluxdsl"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn import_refuses_bad_input_in_one_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("imported");
    let out_s = out.to_str().unwrap();
    // Not a folder.
    let (code, _, err) = fluxdsl(&["import", "/nonexistent/repo", "--out", out_s]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(
        err.starts_with("fluxdsl import: /nonexistent/repo is not a folder"),
        "{err}"
    );
    // Not a repository: no YAML.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "hello\n").unwrap();
    let (code, _, err) = fluxdsl(&["import", empty.to_str().unwrap(), "--out", out_s]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("holds no YAML file: not a Flux repository"),
        "{err}"
    );
    // YAML that does not parse: its file and line.
    let broken = tmp.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(broken.join("a.yaml"), "kind: Namespace\n  name: [\n").unwrap();
    let (code, _, err) = fluxdsl(&["import", broken.to_str().unwrap(), "--out", out_s]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(
        err.contains("a.yaml: line 2: YAML that does not parse"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written on error");
    // An output folder that is not empty.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep"), "mine\n").unwrap();
    let repo = fixture("flux-local-testdata/cluster6");
    let (code, _, err) = fluxdsl(&["import", repo.to_str().unwrap(), "--out", out_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    // --help says what it does.
    let (code, help, _) = fluxdsl(&["import", "--help"]);
    assert_eq!(code, 0);
    assert!(
        help.contains("--out <CRATE>") && help.contains("findings"),
        "{help}"
    );
}

#[test]
fn import_writes_a_crate_and_lists_its_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cluster8");
    let repo = fixture("flux-local-testdata/cluster8");
    let (code, stdout, err) = fluxdsl(&[
        "import",
        repo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("finding: apps/qbittorrent.yaml:2: Deployment qbittorrent:"),
        "{stdout}"
    );
    for file in [
        "Cargo.toml",
        "README.md",
        ".gitignore",
        "src/main.rs",
        "src/cluster.rs",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("files/apps/kustomization.yaml")).unwrap(),
        std::fs::read_to_string(repo.join("apps/kustomization.yaml")).unwrap()
    );
}

/// Builds the crate `fluxdsl import` writes for every fixture (in target/, with this
/// workspace's lock), runs its `render` and `check`, and
/// compares what it writes with what the in-process import renders (which the test
/// above compares with the fixture).
#[test]
#[ignore = "builds a crate per fixture (minutes); .ci/run runs it"]
fn every_imported_crate_builds_renders_and_checks() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = workspace.join("target/fluxdsl-import");
    // A target folder of their own, shared by the crates: building fluxdsl as their
    // dependency (its features, not this workspace's) would replace this workspace's
    // libfluxdsl.so under the binaries that link it.
    let target = base.join("target");
    for entry in std::fs::read_dir(&base).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path != target {
            std::fs::remove_dir_all(&path).unwrap();
        }
    }
    std::fs::create_dir_all(&base).unwrap();
    for (_, dir) in REPOSITORIES {
        if dir == "flux-local-testdata/cluster" {
            continue;
        }
        crate_round_trip(&base.join(dir.replace('/', "-")), &fixture(dir), &[]);
    }
    let (root, others) = own_tree();
    crate_round_trip(&base.join("own-tree"), &root, &others);
    // Generator declarations compile and render the repository's generators.
    let tmp = tempfile::tempdir().unwrap();
    crate_round_trip(&base.join("generators"), &with_generators(tmp.path()), &[]);
}

/// Imports `root` (with `others`) into `krate` with the `fluxdsl` binary, builds the
/// crate, renders and checks it, then renders it over a copy of the repositories.
fn crate_round_trip(krate: &Path, root: &Path, others: &[fluxdsl::import::OtherRepository]) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = workspace.join("target/fluxdsl-import/target");
    let dir = root.display().to_string();
    let mut args: Vec<String> = vec!["import".into(), dir.clone()];
    for o in others {
        args.push("--repository".into());
        args.push(format!("{}/{}={}", o.namespace, o.name, o.dir.display()));
    }
    args.extend(["--out".into(), krate.display().to_string()]);
    let (code, _, err) = fluxdsl(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{dir}: {err}");
    std::fs::copy(workspace.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let cargo = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO"))
            .args(args)
            .current_dir(krate)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{dir}: cargo {args:?}: {err}");
        err
    };
    // Built without a warning (not with RUSTFLAGS: that would rebuild this
    // workspace's libraries without its config's flags).
    let built = cargo(&["build", "--message-format", "short"]);
    assert!(!built.contains("warning"), "{dir}: {built}");
    cargo(&["clippy", "-q", "--", "-D", "warnings"]);
    cargo(&["fmt", "--check"]);
    let run = |args: &[&str]| cargo(&[&["run", "-q", "--"], args].concat());
    run(&["render", "--root", "out"]);
    let rendered = fluxdsl::import::repository_with(root, others)
        .unwrap()
        .render()
        .unwrap();
    for tree in rendered.trees() {
        let base = krate.join("out").join(tree.root());
        for (path, text) in tree.files() {
            let written = std::fs::read_to_string(base.join(path))
                .unwrap_or_else(|e| panic!("{dir}: {path}: {e}"));
            assert_eq!(written, text, "{dir}: {path}");
        }
    }
    let prefix = fluxdsl::import::generate_with(root, others)
        .unwrap()
        .1
        .prefix;
    for u in rendered.main().upstream().iter() {
        let from = root.join(
            u.path
                .strip_prefix(&format!("{prefix}/"))
                .unwrap_or(&u.path),
        );
        std::fs::copy(from, krate.join("out").join(&u.path)).unwrap();
    }
    run(&["check", "--root", "out"]);
    // Taken over where it lies: rendered into a copy of the repositories (--adopt, since
    // fluxdsl wrote none of their files), `check` passes and no file is added or lost.
    let adopted = krate.join("adopted");
    let mut copies = vec![(root.to_path_buf(), adopted.join(&prefix))];
    for (o, tree) in others.iter().zip(&rendered.trees()[1..]) {
        copies.push((o.dir.clone(), adopted.join(tree.root())));
    }
    for (from, to) in &copies {
        super::copy_tree(from, to);
    }
    run(&["render", "--root", "adopted", "--adopt"]);
    run(&["check", "--root", "adopted"]);
    for (from, to) in &copies {
        let files = |at: &Path| {
            let mut all = all_files(at);
            all.retain(|f| !f.ends_with(".fluxdsl-owned"));
            all
        };
        assert_eq!(files(to), files(from), "{dir}");
    }
}

#[test]
fn clusters_are_found_where_bootstrap_points_them_and_paths_keep_their_prefix() {
    let report = |dir: &str| fluxdsl::import::generate(&fixture(dir)).unwrap().1;
    // Placeholder gotk-sync.yaml files: each cluster is its folder with a flux-system.
    let helm = report("flux2-kustomize-helm-example");
    assert_eq!(helm.clusters, ["production", "staging"]);
    assert_eq!(helm.prefix, "");
    // A tenant's GitRepository built at its root (`./`) is another repository, not this.
    assert_eq!(
        report("flux2-multi-tenancy").clusters,
        ["production", "staging"]
    );
    // flux-local's clusters sit in tests/testdata/ of their repository.
    let cluster3 = report("flux-local-testdata/cluster3");
    assert_eq!(cluster3.clusters, ["cluster3"]);
    assert_eq!(cluster3.prefix, "tests/testdata/cluster3");
    // A Kustomization built at its source's root names no folder: it does not decide.
    assert_eq!(
        report("flux-local-testdata/cluster5").prefix,
        "tests/testdata/cluster5"
    );
}

#[test]
fn a_variable_flux_cannot_parse_is_a_finding_at_its_object() {
    // cluster6 with a substituting Kustomization over a ConfigMap holding `${name-default}`,
    // which Flux's envsubst does not parse (its `-` default needs a `:`).
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    super::copy_tree(&fixture("flux-local-testdata/cluster6"), &repo);
    let apps = repo.join("cluster/apps.yaml");
    let text = std::fs::read_to_string(&apps).unwrap();
    std::fs::write(
        &apps,
        format!("{text}  postBuild:\n    substitute:\n      domain: example.com\n"),
    )
    .unwrap();
    std::fs::write(
        repo.join("apps/renovate/settings.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\n\
         data:\n  site: https://${domain/./-}\n  text: ${missing-none}\n",
    )
    .unwrap();
    let kustomization = repo.join("apps/renovate/kustomization.yaml");
    let text = std::fs::read_to_string(&kustomization).unwrap();
    std::fs::write(&kustomization, format!("{text}  - settings.yaml\n")).unwrap();
    let (_, report) = fluxdsl::import::generate(&repo).unwrap();
    let messages: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.at.as_deref().unwrap_or("-"), f.message))
        .collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(
        messages[0].starts_with(
            "apps/renovate/settings.yaml:1: ConfigMap default/settings: data.text: \
             \"${missing-none}\" is not what the postBuild substitution of Kustomization \
             flux-system/apps parses (missing closing brace)"
        ),
        "{messages:#?}"
    );
}

#[test]
fn without_rustfmt_the_crate_is_written_unformatted_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cluster6");
    let repo = fixture("flux-local-testdata/cluster6");
    // A PATH without rustfmt (the binary finds its libraries through the loader's path
    // cargo set, not PATH).
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_fluxdsl"))
        .args([
            "import",
            repo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("PATH", tmp.path())
        .output()
        .unwrap();
    let err = String::from_utf8(run.stderr).unwrap();
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(
        err.starts_with("fluxdsl import: warning: the crate's Rust is not formatted (rustfmt: ")
            && err.contains(&format!("run `cargo fmt` in {}", out.display())),
        "{err}"
    );
    assert!(out.join("src/main.rs").is_file());
}

#[test]
fn each_flux_object_left_a_manifest_says_why_in_a_line() {
    // Computed from the object: what the import would need to type it.
    let cases = [
        // A ref with a tag and its digest (Renovate's pinning).
        (
            "flux-local-testdata/cluster2",
            "src/config.rs",
            "    // A manifest: it names no namespace, and the import types only a HelmRelease that names its\n    // own.\n",
        ),
        (
            "flux-local-testdata/cluster6",
            "src/cluster.rs",
            "    // A manifest: it sets no spec.interval and spec.prune, which the typed Kustomization\n    // requires.\n",
        ),
        (
            "flux-local-testdata/cluster5",
            "src/prod.rs",
            "    // A manifest: its source GitRepository controllers/flux-system is declared nowhere in\n    // the repository.\n",
        ),
        (
            "flux-local-testdata/cluster7",
            "src/home.rs",
            "    // A manifest: the import types no HelmChart (source.toolkit.fluxcd.io).\n",
        ),
        // A reference: its source is no typed object.
        (
            "flux-local-testdata/cluster11",
            "src/cluster.rs",
            "    // A manifest: it names GitRepository flux-system/shared-repo, which no typed file of this\n    // cluster declares.\n",
        ),
    ];
    for (repo, file, why) in cases {
        let code = generated(&fixture(repo), file);
        assert!(
            words(&code).contains(&words(why)),
            "{repo}: {why} in {code}"
        );
    }
    // Every untyped Flux object has its line, right above its `add_manifest`; a plain
    // object none.
    let mut flux_manifests = 0;
    for repo in ["cluster2", "cluster5", "cluster6", "cluster7", "cluster11"] {
        let (files, _) =
            fluxdsl::import::generate(&fixture(&format!("flux-local-testdata/{repo}"))).unwrap();
        for (path, code) in files.iter().filter(|(p, _)| p.ends_with(".rs")) {
            let lines: Vec<&str> = code.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !line.trim_end().ends_with("c.add_manifest(") {
                    continue;
                }
                let flux = lines[i + 1..i + 5]
                    .iter()
                    .any(|l| l.contains("\"apiVersion\"") && l.contains(".fluxcd.io/"));
                // The comment block just above the call.
                let above: Vec<&str> = lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| l.trim_start().starts_with("//"))
                    .copied()
                    .collect();
                let why = above.iter().any(|l| l.contains("// A manifest: "));
                assert_eq!(why, flux, "{repo} {path}:{}: {above:?}", i + 1);
                flux_manifests += usize::from(flux);
            }
        }
    }
    assert!(flux_manifests >= 8, "{flux_manifests}");
}

#[test]
fn a_source_nothing_in_the_repository_makes_is_a_finding_the_crate_says_exists() {
    // flux-local's cluster5: infra-controllers, in namespace `controllers`, names its
    // GitRepository without a namespace, so Flux looks for controllers/flux-system.
    let repo = fixture("flux-local-testdata/cluster5");
    let (_, report) = fluxdsl::import::generate(&repo).unwrap();
    let findings: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.at.as_deref().unwrap_or("-"), f.message))
        .collect();
    // One finding: the files that Kustomization builds are not called unapplied, since
    // the source said to exist makes what it applies unknown here.
    assert_eq!(
        findings,
        [
            "clusters/prod/infrastructure.yaml:2: Kustomization controllers/infra-controllers: \
             spec.sourceRef: reads GitRepository controllers/flux-system, which no \
             Kustomization of cluster \"prod\" applies; Flux would wait for it forever"
        ]
    );
    let code = generated(&repo, "src/prod.rs");
    assert!(
        words(&code).contains(&words(
            "forever. Nothing in the repository makes it: this says something outside does;\n    \
             // if nothing does, fix the reference.\n    \
             c.exists_before_flux(&Ref::<GitRepository>::existing(\n        \
             &namespace!(\"controllers\"),\n        name!(\"flux-system\"),\n    ));\n"
        )),
        "{code}"
    );
}

/// `code`'s words, comments joined across their lines: what a check of generated text
/// reads, whatever its indentation and wrapping.
fn words(code: &str) -> String {
    let words: Vec<&str> = code.split_whitespace().filter(|w| *w != "//").collect();
    words.join(" ")
}

#[test]
fn a_cluster_pins_the_flux_api_of_the_components_it_commits_unless_they_refuse_it() {
    // k8s-home-ops commits Flux v2.7.3's components: each cluster's Flux objects are
    // checked against those CRDs' schemas, read once (both clusters commit the same file)
    // from a copy the crate includes.
    let repo = fixture("k8s-home-ops");
    let (files, report) = fluxdsl::import::generate(&repo).unwrap();
    let file = |path: &str| files.iter().find(|(p, _)| p == path).map(|(_, t)| t);
    let components = "clusters/production/flux-system/gotk-components.yaml";
    let text = std::fs::read_to_string(repo.join(components)).unwrap();
    assert_eq!(file(&format!("files/{components}")), Some(&text));
    assert_eq!(
        file("files/clusters/staging/flux-system/gotk-components.yaml"),
        None
    );
    let main = file("src/main.rs").unwrap();
    for read in [
        "fn flux_v2_7_3() -> &'static FluxApi {\n    static API: std::sync::OnceLock<FluxApi> = std::sync::OnceLock::new();\n",
        "        let crds = include_str!(\"../files/clusters/production/flux-system/gotk-components.yaml\");\n        FluxApi::from_crds(\"Flux v2.7.3\", crds)\n",
    ] {
        assert!(main.contains(read), "{read} in {main}");
    }
    for cluster in ["src/production.rs", "src/staging.rs"] {
        let code = file(cluster).unwrap();
        let pin = "    let mut c = Cluster::for_repository(\"\");\n    c.flux_api(crate::flux_v2_7_3());\n";
        assert!(code.contains(pin), "{pin} in {code}");
    }
    assert_eq!(report.findings.len(), 12);
    // A field v2.7.3's HelmRelease does not have: a finding, and the crate still renders
    // the repository as it is, with the pin left out and said why.
    let tmp = tempfile::tempdir().unwrap();
    let edited = edited_fixture(
        tmp.path(),
        "k8s-home-ops",
        &[(
            "apps/base/commafeed/release.yaml",
            "spec:\n  interval: 30m\n",
            "spec:\n  interval: 30m\n  chartInterval: 1h\n",
        )],
    );
    let (files, report) = fluxdsl::import::generate(&edited).unwrap();
    let found: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.message.contains("chartInterval"))
        .map(|f| f.message.as_str())
        .collect();
    assert!(!found.is_empty(), "{:?}", report.findings);
    assert!(found.iter().all(|m| m.contains("HelmRelease")), "{found:?}");
    let code = &files
        .iter()
        .find(|(p, _)| p == "src/production.rs")
        .unwrap()
        .1;
    assert!(
        words(code).contains(&words(
            "Flux's API is not pinned from the committed v2.7.3 components: they refuse the above."
        )),
        "{code}"
    );
    assert!(!code.contains("c.flux_api(crate::"), "{code}");
    fluxdsl::import::repository(&edited)
        .unwrap()
        .render()
        .unwrap();
    // flux-local's cluster9 commits v2.2.3, which serves no HelmRelease at v2.
    let repo = fixture("flux-local-testdata/cluster9");
    let (files, report) = fluxdsl::import::generate(&repo).unwrap();
    // Listed as what it is: not an opt-in, the pin left out (`[Flux API not pinned]`).
    let how: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.at.as_deref().unwrap_or_default(), f.how()))
        .collect();
    assert_eq!(
        how,
        [
            ("apps/podinfo/repository.yaml:21", "opted in"),
            ("apps/podinfo/podinfo.yaml:2", "Flux API not pinned"),
        ]
    );
    assert!(
        report.findings[1]
            .message
            .contains("is written at helm.toolkit.fluxcd.io/v2, which Flux v2.2.3 does not serve"),
        "{:?}",
        report.findings
    );
    assert!(
        !files
            .iter()
            .any(|(p, _)| p.ends_with("gotk-components.yaml"))
    );
}
