//! A repository of several clusters and the folders they share: one render, one owned
//! list, paths and handles resolved across the repository, a cluster chosen by name.

use fluxdsl::cli::run_with;
use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
use fluxdsl::{
    Cluster, GitRepository, HealthCheck, Kustomization, Ref, Repository, duration, name, namespace,
};

/// A cluster `env` whose Kustomization `apps` builds `path` of this repository and waits
/// for `wait_for`, if given.
fn cluster(env: &str, path: &str, wait_for: Option<&Ref<ConfigMap>>) -> Cluster {
    let checks: Vec<HealthCheck> = wait_for.iter().map(|r| HealthCheck::of(*r)).collect();
    cluster_of(env, &[("apps", path)], &checks)
}

/// A cluster `env` whose Kustomizations, built from this repository, have these names and
/// paths, each waiting for `checks`.
fn cluster_of(env: &str, kustomizations: &[(&str, &str)], checks: &[HealthCheck]) -> Cluster {
    let mut c = Cluster::for_repository("");
    let sync = c.file(&format!("clusters/{env}/sync.yaml"));
    let source = super::fleet_source(&mut c, &sync);
    for (ks, path) in kustomizations {
        c.add(
            &sync,
            Kustomization::builder()
                .name(fluxdsl::Name::new(*ks).unwrap())
                .source_ref(&source)
                .path(*path)
                .interval(duration!("10m"))
                .prune(true)
                .health_checks(checks)
                .build(),
        );
    }
    c
}

/// Shared folders: `apps/base/settings.yaml` with one ConfigMap; returns its handle too.
fn shared() -> (Cluster, Ref<ConfigMap>) {
    let mut s = Cluster::for_repository("");
    let file = s.file("apps/base/settings.yaml");
    let scope = s.existing_namespace(namespace!("apps"));
    let settings = s.add_in(
        &scope,
        &file,
        ConfigMap {
            metadata: fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("settings".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    (s, settings)
}

fn two_clusters() -> Repository {
    let (shared, settings) = shared();
    let mut repo = Repository::new();
    repo.cluster(
        "staging",
        cluster("staging", "./apps/base", Some(&settings)),
    )
    .cluster("production", cluster("production", "./apps/base", None))
    .shared(shared);
    repo
}

fn run(repo: &Repository, args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(
        repo,
        std::iter::once("fleet").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn one_render_writes_every_cluster_and_the_shared_folders_with_one_owned_list() {
    let repo = two_clusters();
    let rendered = repo.render().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rendered.trees().len(), 1);
    let paths: Vec<&str> = rendered.main().files().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "apps/base/settings.yaml",
            "clusters/production/sync.yaml",
            "clusters/staging/sync.yaml"
        ]
    );
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    let (code, _, stderr) = run(&repo, &["render", "--root", root]);
    assert_eq!(code, 0, "{stderr}");
    let owned = std::fs::read_to_string(tmp.path().join(".fluxdsl-owned")).unwrap();
    let listed: Vec<&str> = owned.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(listed, paths);
    assert_eq!(run(&repo, &["check", "--root", root]).0, 0);
    // A repository without the production cluster: its files go, the rest stays.
    let (shared, settings) = shared();
    let mut smaller = Repository::new();
    smaller
        .cluster(
            "staging",
            cluster("staging", "./apps/base", Some(&settings)),
        )
        .shared(shared);
    assert_eq!(run(&smaller, &["check", "--root", root]).0, 1);
    assert_eq!(run(&smaller, &["render", "--root", root]).0, 0);
    assert!(!tmp.path().join("clusters/production/sync.yaml").exists());
    assert!(tmp.path().join("clusters/staging/sync.yaml").exists());
}

#[test]
fn a_file_two_parts_render_is_refused_naming_both() {
    let (mut shared, _) = shared();
    // The shared folders also declare a cluster's file.
    let f = shared.file("clusters/staging/sync.yaml");
    shared.add(
        &f,
        GitRepository::builder()
            .name(name!("other"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/other")
            .interval(duration!("1m"))
            .build(),
    );
    let mut repo = Repository::new();
    repo.cluster("staging", cluster("staging", "./apps/base", None))
        .shared(shared);
    let err = repo.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "file \"clusters/staging/sync.yaml\" is rendered by cluster \"staging\" and by the shared folders"
        ),
        "{err}"
    );
    assert_eq!(err.matches("repository.rs:").count(), 2, "{err}");
}

#[test]
fn a_path_the_repository_does_not_render_is_refused_and_one_it_does_is_not() {
    let (shared, _) = shared();
    let mut repo = Repository::new();
    repo.cluster("staging", cluster("staging", "./apps/missing", None))
        .shared(shared);
    let err = repo.render().unwrap_err().to_string();
    assert!(err.contains("\"./apps/missing\""), "{err}");
    assert!(err.contains("nothing is rendered in apps/missing"), "{err}");
    // The same cluster alone cannot see the shared folders, so even a right path fails.
    let alone = Repository::of_one(cluster("staging", "./apps/base", None));
    assert!(alone.render().is_err());
    assert!(two_clusters().render().is_ok());
}

/// A cluster's kustomization.yaml may list what the shared part renders (a shared base's
/// file or folder); one naming what no part renders is still refused.
#[test]
fn a_kustomization_yaml_may_name_what_another_part_renders() {
    let overlay = |base: &str| {
        let (shared, _) = shared();
        let mut staging = cluster("staging", "./apps/staging", None);
        staging.kustomize_config(
            "apps/staging",
            fluxdsl::KustomizeConfig::builder()
                .resource_paths(&[base])
                .build(),
        );
        let mut repo = Repository::new();
        repo.cluster("staging", staging).shared(shared);
        repo.render().map(|_| ())
    };
    overlay("../base/settings.yaml").unwrap_or_else(|e| panic!("{e}"));
    let err = overlay("../missing").unwrap_err().to_string();
    assert!(
        err.contains("resource \"../missing\" names nothing this program renders"),
        "{err}"
    );
}

#[test]
fn handles_to_shared_objects_are_valid_and_handles_from_another_cluster_are_not() {
    // staging's health check names the shared ConfigMap: fine (two_clusters renders).
    assert!(two_clusters().render().is_ok());
    // A handle made in another cluster of the repository is refused.
    let mut production = cluster("production", "./apps/base", None);
    let f = production.file("clusters/production/extra.yaml");
    let theirs = production.add(
        &f,
        ConfigMap {
            metadata: fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("only-in-production".into()),
                namespace: Some("apps".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    let (shared, _) = shared();
    let mut repo = Repository::new();
    repo.cluster("staging", cluster("staging", "./apps/base", Some(&theirs)))
        .cluster("production", production)
        .shared(shared);
    let err = repo.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "refers to ConfigMap apps/only-in-production whose handle comes from another Cluster"
        ),
        "{err}"
    );
}

#[test]
fn apply_and_diff_take_the_cluster_by_name_and_never_guess() {
    let repo = two_clusters();
    for command in ["apply", "diff", "cluster-id"] {
        let (code, _, stderr) = run(&repo, &[command]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(
            stderr.contains(
                "this repository has 2 clusters; choose one with --cluster NAME (staging, production)"
            ),
            "{command}: {stderr}"
        );
        let (code, _, stderr) = run(&repo, &[command, "--cluster", "qa"]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(
            stderr.contains(
                "no cluster \"qa\" in this repository; its clusters: staging, production"
            ),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn a_cluster_added_twice_is_refused() {
    let mut repo = Repository::new();
    repo.cluster("staging", cluster("staging", "./clusters/staging", None))
        .cluster("staging", cluster("staging2", "./clusters/staging2", None));
    let err = repo.render().unwrap_err().to_string();
    assert!(
        err.contains("cluster \"staging\" is added to the repository twice"),
        "{err}"
    );
}

/// A cluster whose Kustomizations, built from this repository, have `paths`.
fn applying(env: &str, paths: &[(&str, &str)]) -> Cluster {
    cluster_of(env, paths, &[])
}

#[test]
fn an_object_two_kustomizations_of_one_cluster_apply_is_refused_naming_both() {
    // apps/ has no kustomization.yaml: Flux generates one taking every manifest below it,
    // so ./apps and ./apps/base both apply the ConfigMap.
    let (folders, _) = shared();
    let mut repo = Repository::new();
    repo.cluster(
        "staging",
        applying("staging", &[("apps", "./apps"), ("base", "./apps/base")]),
    )
    .shared(folders);
    let err = repo.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "ConfigMap apps/settings: is applied by two Kustomizations of cluster \"staging\": Kustomization flux-system/apps and Kustomization flux-system/base"
        ),
        "{err}"
    );
    assert_eq!(err.matches("repository.rs:").count(), 3, "{err}");
    // One of them alone is fine.
    let (folders, _) = shared();
    let mut repo = Repository::new();
    repo.cluster("staging", applying("staging", &[("apps", "./apps")]))
        .shared(folders);
    repo.render().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_reference_to_a_shared_object_no_kustomization_of_the_cluster_applies_is_refused() {
    use fluxdsl::{PostBuild, SubstituteFrom};
    let (mut shared, settings) = shared();
    // production's folder applies only apps/production, which does not hold the ConfigMap.
    let prod = shared.file("apps/production/ns.yaml");
    shared.add(
        &prod,
        fluxdsl::k8s_openapi::api::core::v1::Namespace {
            metadata: fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("prod".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    let mut production = applying("production", &[("apps", "./apps/production")]);
    let extra = production.file("clusters/production/vars.yaml");
    let source = fluxdsl::Ref::<GitRepository>::existing(
        &fluxdsl::NamespaceName::FLUX_SYSTEM,
        name!("flux-system"),
    );
    let scope = production.existing_namespace(namespace!("apps"));
    production.add_in(
        &scope,
        &extra,
        Kustomization::builder()
            .name(name!("uses-settings"))
            .source_ref(&source)
            .path("./elsewhere")
            .interval(duration!("10m"))
            .prune(true)
            .post_build(PostBuild::new().substitute_from(SubstituteFrom::config_map(&settings)))
            .build(),
    );
    let mut repo = Repository::new();
    repo.cluster("production", production).shared(shared);
    let err = repo.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "refers to ConfigMap apps/settings, which no Kustomization of cluster \"production\" applies"
        ),
        "{err}"
    );
}

/// A cluster whose tree is `clusters/prod` beside shared folders at the repository's root
/// that also declare `clusters/prod/apps.yaml`: both trees would own the file.
#[test]
fn a_file_of_two_nested_trees_is_refused_naming_both() {
    let mut prod = Cluster::new("clusters/prod");
    let apps = prod.file("apps.yaml");
    let first = line!() - 1;
    prod.add(
        &apps,
        GitRepository::builder()
            .name(name!("apps"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/apps")
            .interval(duration!("1m"))
            .build(),
    );
    let mut shared = Cluster::for_repository("");
    let again_file = shared.file("clusters/prod/apps.yaml");
    let again = line!() - 1;
    shared.add(
        &again_file,
        GitRepository::builder()
            .name(name!("other"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/other")
            .interval(duration!("1m"))
            .build(),
    );
    let mut repo = Repository::new();
    repo.cluster("prod", prod).shared(shared);
    let err = repo.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "file \"clusters/prod/apps.yaml\" is rendered by cluster \"prod\" and by the shared folders (as a file of tree \"clusters/prod\" and of tree \"\", which holds the other)",
            &format!("declared first at tests/suite/repository.rs:{first}:"),
            &format!("declared again at tests/suite/repository.rs:{again}:"),
        ],
    );

    // One cluster with a second tree inside its main one.
    let mut c = Cluster::new("k8s");
    let f = c.file("apps/sources.yaml");
    let source = c.add(
        &f,
        GitRepository::builder()
            .name(name!("apps"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/apps")
            .interval(duration!("1m"))
            .build(),
    );
    let tree = c.repository_tree(&source, "k8s/apps", "");
    let inner = c.file_in(&tree, "sources.yaml");
    c.namespace(&inner, namespace!("apps"));
    let err = c.render().unwrap_err().to_string();
    assert!(
        err.contains("file \"k8s/apps/sources.yaml\" is declared in tree \"k8s\" and in tree \"k8s/apps\", which holds the other"),
        "{err}"
    );
}

/// A `dependsOn` on a Kustomization of the shared folders that none of this cluster's
/// Kustomizations applies: Flux would wait for it forever.
#[test]
fn a_dependency_on_a_shared_kustomization_the_cluster_never_applies_is_refused() {
    let build = |applies_infra: bool| {
        let mut shared = Cluster::for_repository("");
        let infra_file = shared.file("infrastructure/flux/infra.yaml");
        let fleet: Ref<GitRepository> =
            Ref::existing(&fluxdsl::NamespaceName::FLUX_SYSTEM, name!("flux-system"));
        let infra = shared.add(
            &infra_file,
            Kustomization::builder()
                .name(name!("infra"))
                .source_ref(&fleet)
                .path("./infrastructure/controllers")
                .interval(duration!("10m"))
                .prune(true)
                .build(),
        );
        let controllers = shared.file("infrastructure/controllers/ns.yaml");
        shared.namespace(&controllers, namespace!("controllers"));
        let mut c = Cluster::for_repository("");
        let sync = c.file("clusters/prod/sync.yaml");
        let source = super::fleet_source(&mut c, &sync);
        if applies_infra {
            c.add(
                &sync,
                Kustomization::builder()
                    .name(name!("infra-flux"))
                    .source_ref(&source)
                    .path("./infrastructure/flux")
                    .interval(duration!("10m"))
                    .prune(true)
                    .build(),
            );
        }
        let line = line!() + 1;
        c.add(
            &sync,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&source)
                .path("./clusters/prod")
                .interval(duration!("10m"))
                .prune(true)
                .depends_on(&[&infra])
                .build(),
        );
        let mut repo = Repository::new();
        repo.cluster("prod", c).shared(shared);
        (repo, line)
    };
    let (repo, line) = build(false);
    let err = repo.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "Kustomization flux-system/apps spec.dependsOn: refers to Kustomization flux-system/infra, which no Kustomization of cluster \"prod\" applies",
            &format!("tests/suite/repository.rs:{line}:"),
        ],
    );
    let (repo, _) = build(true);
    repo.render().unwrap_or_else(|e| panic!("{e}"));
}
