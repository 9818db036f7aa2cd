//! Byte-for-byte equality with what the Flux CLI writes, for the same objects declared in
//! Rust. Each expected file is real Flux output from `tests/fixtures`.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{
    Cluster, FLUX_GENERATED_HEADER, File, GitProvider, GitRef, GitRepository, Kustomization,
    KustomizeConfig, NamespaceName, Ref, duration, name, namespace,
};

use super::read_fixture;

/// Renders what `declare` adds to one file and returns that file's text.
fn render(declare: impl FnOnce(&mut Cluster, &File)) -> String {
    let mut cluster = Cluster::new("out");
    let file = cluster.file("golden.yaml");
    declare(&mut cluster, &file);
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    rendered.file("golden.yaml").unwrap().to_owned()
}

fn podinfo(ns: NamespaceName, reference: GitRef) -> GitRepository {
    GitRepository::builder()
        .name(name!("podinfo"))
        .namespace(ns)
        .url("https://github.com/stefanprodan/podinfo")
        .reference(reference)
        .interval(duration!("1m0s"))
        .build()
}

#[test]
fn create_source_git_export() {
    // flux create source git podinfo --url=https://github.com/stefanprodan/podinfo --branch=master
    //   --sparse-checkout-paths .cosign,non-existent-dir/ --ignore-paths .cosign,non-existent-dir/
    //   -n default --interval 1m --export
    let text = render(|c, f| {
        c.add(
            f,
            GitRepository::builder()
                .name(name!("podinfo"))
                .namespace(namespace!("default"))
                .url("https://github.com/stefanprodan/podinfo")
                .reference(GitRef::branch("master"))
                .sparse_checkout(&[".cosign", "non-existent-dir/"])
                .ignore(&[".cosign", "non-existent-dir/"])
                .interval(duration!("1m"))
                .build(),
        );
    });
    assert_eq!(
        text,
        read_fixture("flux-cli-golden/create_source_git/export.golden")
    );
}

#[test]
fn create_source_git_branch() {
    let text = render(|c, f| {
        c.add(
            f,
            podinfo(NamespaceName::FLUX_SYSTEM, GitRef::branch("test")),
        );
    });
    assert_eq!(
        text,
        read_fixture("flux-cli-golden/create_source_git/source-git-branch.yaml")
    );
}

#[test]
fn create_source_git_branch_commit() {
    let text = render(|c, f| {
        c.add(
            f,
            podinfo(
                NamespaceName::FLUX_SYSTEM,
                GitRef::branch("main").with_commit("c88a2f41"),
            ),
        );
    });
    assert_eq!(
        text,
        read_fixture("flux-cli-golden/create_source_git/source-git-branch-commit.yaml")
    );
}

#[test]
fn create_source_git_provider_github() {
    let text = render(|c, f| {
        let appinfo: Ref<Secret> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("appinfo"));
        c.add(
            f,
            GitRepository::builder()
                .name(name!("podinfo"))
                .url("https://github.com/stefanprodan/podinfo")
                .provider(GitProvider::Github)
                .reference(GitRef::branch("test"))
                .secret_ref(&appinfo)
                .interval(duration!("1m0s"))
                .build(),
        );
    });
    assert_eq!(
        text,
        read_fixture("flux-cli-golden/create_source_git/source-git-provider-github.yaml")
    );
}

/// The `export/*.yaml` goldens are Go templates over the namespace.
fn export_golden(file: &str, ns: &str) -> String {
    read_fixture(&format!("flux-cli-golden/export/{file}")).replace("{{ .fluxns }}", ns)
}

#[test]
fn export_git_repository() {
    let ns = namespace!("flux-golden-ns");
    let text = render(|c, f| {
        let key: Ref<Secret> = Ref::existing(&ns, name!("flux-system"));
        c.add(
            f,
            GitRepository::builder()
                .name(name!("flux-system"))
                .namespace(ns.clone())
                .url("ssh://git@github.com/example/repo")
                .reference(GitRef::branch("main"))
                .secret_ref(&key)
                .timeout(duration!("1m"))
                .interval(duration!("5m"))
                .build(),
        );
    });
    assert_eq!(text, export_golden("git-repo.yaml", "flux-golden-ns"));
}

#[test]
fn export_kustomization() {
    let ns = namespace!("flux-golden-ns");
    let text = render(|c, f| {
        // The source is declared in another file, so the golden file holds the
        // Kustomization alone.
        let sources = c.file("sources.yaml");
        let source = c.add(
            &sources,
            GitRepository::builder()
                .name(name!("flux-system"))
                .namespace(ns.clone())
                .reference(fluxdsl::GitRef::branch("main"))
                .url("ssh://git@github.com/example/repo")
                .interval(duration!("5m"))
                .build(),
        );
        c.add(
            f,
            Kustomization::builder()
                .name(name!("flux-system"))
                .namespace(ns.clone())
                .source_ref(&source)
                .path("./infrastructure/")
                .interval(duration!("5m"))
                .prune(true)
                .build(),
        );
    });
    assert_eq!(text, export_golden("ks.yaml", "flux-golden-ns"));
}

/// The `flux-system/gotk-sync.yaml` that `flux bootstrap` writes, header included.
fn bootstrap_sync(url: &str, path: &str, ks_interval: fluxdsl::Duration) -> String {
    let mut cluster = Cluster::new("clusters/production");
    let ns = NamespaceName::FLUX_SYSTEM;
    let key: Ref<Secret> = Ref::existing(&ns, name!("flux-system"));
    let components = cluster.flux_components(
        "flux-system/gotk-components.yaml",
        "v2.9.3",
        "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
    );
    let sync = cluster.file_with_header("flux-system/gotk-sync.yaml", FLUX_GENERATED_HEADER);
    let repo = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url(url)
            .reference(GitRef::branch("main"))
            .secret_ref(&key)
            .interval(duration!("1m0s"))
            .build(),
    );
    cluster.source_is_this_repository(&repo);
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&repo)
            .path(path)
            .interval(ks_interval)
            .prune(true)
            .build(),
    );
    cluster.kustomize_config(
        "flux-system",
        KustomizeConfig::builder()
            .resources(&[&components, &sync])
            .build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    rendered
        .file("flux-system/gotk-sync.yaml")
        .unwrap()
        .to_owned()
}

#[test]
fn bootstrap_gotk_sync_v2_9_3() {
    let text = bootstrap_sync(
        "ssh://git@github.com/tinyrack-net/infrastructure",
        "./clusters/production",
        duration!("10m"),
    );
    assert_eq!(
        text,
        read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-sync.yaml")
    );
}

#[test]
fn bootstrap_gotk_sync_helm_example_v2_3_0() {
    let want = read_fixture(
        "flux2-kustomize-helm-example-bootstrap-v2.3.0/clusters/staging/flux-system/gotk-sync.yaml",
    );
    let url = want
        .lines()
        .find_map(|l| l.trim().strip_prefix("url: "))
        .expect("the fixture names its repository");
    let text = bootstrap_sync(url, "./clusters/staging", duration!("10m"));
    assert_eq!(text, want);
}

#[test]
fn bootstrap_kustomization_yaml() {
    let mut cluster = Cluster::new("clusters/production");
    let components = cluster.flux_components(
        "flux-system/gotk-components.yaml",
        "v2.9.3",
        "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
    );
    let automation = cluster.upstream_file(
        "flux-system/image-automation.yaml",
        "hand-written in the repository",
    );
    let sync = cluster.file_with_header("flux-system/gotk-sync.yaml", FLUX_GENERATED_HEADER);
    cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("ssh://git@github.com/tinyrack-net/infrastructure")
            .interval(duration!("1m"))
            .build(),
    );
    cluster.kustomize_config(
        "flux-system",
        KustomizeConfig::builder()
            .resources(&[&components, &sync, &automation])
            .build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rendered.file("flux-system/kustomization.yaml").unwrap(),
        read_fixture("flux-v2.9.3-bootstrap/flux-system/kustomization.yaml")
    );
}

#[test]
fn monacocloud_sync_matches_bootstrap_shape() {
    // The committed monacocloud flux-system files have exactly the layout bootstrap writes.
    let (code, listing, stderr) = super::run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let files = super::listing_files(&listing);
    let sync = &files
        .iter()
        .find(|(p, _)| p == "k8s/flux/flux-system/gotk-sync.yaml")
        .expect("gotk-sync.yaml is rendered")
        .1;
    assert!(sync.starts_with("# This manifest was generated by flux. DO NOT EDIT.\n---\n"));
    let kustomization = &files
        .iter()
        .find(|(p, _)| p == "k8s/flux/flux-system/kustomization.yaml")
        .expect("kustomization.yaml is rendered")
        .1;
    assert_eq!(
        kustomization,
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- gotk-components.yaml\n- gotk-sync.yaml\n"
    );
}

#[test]
fn emitter_reproduces_flux_install_output() {
    // gotk-components.yaml is `flux install --export`: real Go YAML output of every kind
    // Flux ships (CRDs with long folded descriptions, Deployments, RBAC). Parse each
    // document and write it back: the bytes must be identical.
    let text = read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    let mut checked = 0;
    for doc in text.split("---\n").filter(|d| !d.is_empty()) {
        // the first document follows Flux's header comments
        let want: String = doc
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        let value: serde_json::Value = serde_yaml::from_str(&want).unwrap();
        let got = fluxdsl::render::yaml_document(&value);
        if got != want {
            let diff = similar::TextDiff::from_lines(&want, &got)
                .unified_diff()
                .context_radius(2)
                .to_string();
            panic!(
                "document {checked} differs:\n{}",
                &diff[..diff.len().min(3000)]
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 39, "every document of the file");
}
