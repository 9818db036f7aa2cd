//! The checks that run on what each Kustomization really applies: objects written as
//! verbatim manifests and kustomization.yaml files (or changed by `extra_spec`, patches
//! and prefixes) are refused as typed ones are, each naming the object, the field and the
//! Kustomization that applies it.

use fluxdsl::{Cluster, Kustomization, Repository, duration, name};
use serde_json::json;

/// A cluster whose `flux-system` Kustomization builds `./clusters/dev` of this repository,
/// with `files` (repository path, text) written verbatim.
fn cluster_with(files: &[(&str, &str)]) -> Cluster {
    let (mut cluster, _, _) = bootstrapped();
    for (path, text) in files {
        cluster.verbatim_file(path, *text);
    }
    cluster
}

/// A cluster bootstrapped at `clusters/dev` (its `flux-system` Kustomization building
/// that folder): the cluster, its sync file and its GitRepository.
fn bootstrapped() -> (Cluster, fluxdsl::File, fluxdsl::Ref<fluxdsl::GitRepository>) {
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/flux-system/gotk-sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    cluster.add(&sync, synced(name!("flux-system"), &repo, "./clusters/dev"));
    (cluster, sync, repo)
}

/// Cluster `name` of a repository whose clusters share it: its Kustomization `apps`
/// builds its own folder, `./apps/NAME`.
fn own_apps(name: &str) -> Cluster {
    let mut c = Cluster::for_repository("");
    let sync = c.file(&format!("clusters/{name}/sync.yaml"));
    let repo = super::fleet_source(&mut c, &sync);
    c.add(
        &sync,
        synced(name!("apps"), &repo, &format!("./apps/{name}")),
    );
    c
}

/// Kustomization `name` building `path` of `source` every ten minutes, with pruning.
fn synced<K: fluxdsl::KustomizationSource>(
    name: fluxdsl::Name,
    source: &fluxdsl::Ref<K>,
    path: &str,
) -> Kustomization {
    Kustomization::builder()
        .name(name)
        .source_ref(source)
        .path(path)
        .interval(duration!("10m"))
        .prune(true)
        .build()
}

/// The refusal of `cluster`'s render, as `check` prints it.
fn refusal(cluster: Cluster) -> String {
    match Repository::of_one(cluster).render() {
        Ok(_) => panic!("renders"),
        Err(e) => {
            eprintln!("{e}\n");
            e.to_string()
        }
    }
}

fn kustomization(name: &str, path: &str, spec: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: \
         {name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: \
         true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{spec}"
    )
}

const CONFIG_MAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n";

#[test]
fn a_dependency_no_kustomization_of_the_cluster_applies_is_refused() {
    let apps = kustomization("apps", "./apps", "  dependsOn:\n  - name: infra\n");
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/settings.yaml", CONFIG_MAP),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.dependsOn[0]: depends on Kustomization \
             flux-system/infra, which no Kustomization of the cluster applies; Flux \
             would wait for it forever"
        ),
        "{err}"
    );
    assert!(err.contains("applied by Kustomization flux-system/flux-system, declared at tests/suite/effective_checks.rs:"), "{err}");
}

#[test]
fn a_cycle_of_dependencies_written_in_manifests_is_refused() {
    let a = kustomization("a", "./apps", "  dependsOn:\n  - name: b\n");
    let b = kustomization("b", "./more", "  dependsOn:\n  - name: a\n");
    let err = refusal(cluster_with(&[
        ("clusters/dev/a.yaml", &a),
        ("clusters/dev/b.yaml", &b),
        ("apps/settings.yaml", CONFIG_MAP),
        (
            "more/settings.yaml",
            &CONFIG_MAP.replace("settings", "more"),
        ),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/a spec.dependsOn: its dependencies in the cluster \
             make a cycle: Kustomization flux-system/a → Kustomization flux-system/b → \
             Kustomization flux-system/a"
        ),
        "{err}"
    );
}

#[test]
fn a_health_check_where_the_object_does_not_land_is_refused() {
    let apps = kustomization(
        "apps",
        "./apps",
        "  targetNamespace: apps\n  healthChecks:\n  - apiVersion: v1\n    kind: ConfigMap\n    \
         name: settings\n    namespace: flux-system\n",
    );
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/settings.yaml", CONFIG_MAP),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.healthChecks[0]: checks ConfigMap \
             flux-system/settings, but in the cluster that object lands in namespace apps"
        ),
        "{err}"
    );
}

const RELEASE: &str = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  \
    name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: \
    web\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  valuesFrom:\n  \
    - kind: ConfigMap\n    name: web-values\n";

#[test]
fn a_reference_to_a_generated_config_map_by_its_unhashed_name_is_refused() {
    let apps = kustomization("apps", "./apps", "");
    let config = "resources:\n- release.yaml\nconfigMapGenerator:\n- name: web-values\n  \
                  namespace: apps\n  literals:\n  - \"values.yaml=replicas: 2\"\n";
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/kustomization.yaml", config),
        ("apps/release.yaml", RELEASE),
    ]));
    assert!(
        err.contains("HelmRelease apps/web spec.valuesFrom[0]: names ConfigMap apps/web-values, but kustomize generates it as \"web-values-"),
        "{err}"
    );
    assert!(
        err.contains("does not rewrite this field of a HelmRelease"),
        "{err}"
    );
}

#[test]
fn values_from_a_key_the_config_map_does_not_hold_is_refused() {
    let apps = kustomization("apps", "./apps", "");
    let config = "resources:\n- release.yaml\nconfigMapGenerator:\n- name: web-values\n  \
                  namespace: apps\n  literals:\n  - \"value.yaml=replicas: 2\"\n  options:\n    \
                  disableNameSuffixHash: true\n";
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/kustomization.yaml", config),
        ("apps/release.yaml", RELEASE),
    ]));
    assert!(
        err.contains(
            "HelmRelease apps/web spec.valuesFrom[0]: reads key \"values.yaml\" of ConfigMap \
             apps/web-values, which holds only \"value.yaml\"; the release would fail (as \
             Kustomization flux-system/apps applies it)"
        ),
        "{err}"
    );
}

#[test]
fn a_name_prefix_that_makes_a_service_name_too_long_is_refused() {
    let apps = kustomization("apps", "./apps", "");
    let config = "namePrefix: a-prefix-long-enough-to-push-the-name-of-a-service-past-its-limit-\nresources:\n- service.yaml\n";
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  ports:\n  - port: 80\n";
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/kustomization.yaml", config),
        ("apps/service.yaml", service),
    ]));
    assert!(
        err.contains(
            "Service apps/a-prefix-long-enough-to-push-the-name-of-a-service-past-its-limit-web \
             metadata.name: \"a-prefix-long-enough-to-push-the-name-of-a-service-past-its-limit-web\": must \
             have 1 to 63 characters (as Kustomization flux-system/apps applies it)"
        ),
        "{err}"
    );
}

#[test]
fn an_object_two_kustomizations_apply_is_refused() {
    let apps = kustomization("apps", "./apps", "");
    let again = kustomization("again", "./apps", "");
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("clusters/dev/again.yaml", &again),
        ("apps/settings.yaml", CONFIG_MAP),
    ]));
    assert!(
        err.contains(
            "ConfigMap default/settings: is applied by two Kustomizations of the cluster: \
             Kustomization flux-system/again and Kustomization flux-system/apps"
        ),
        "{err}"
    );
}

#[test]
fn substituting_from_a_config_map_only_a_waiting_kustomization_applies_is_refused() {
    let apps = kustomization(
        "apps",
        "./apps",
        "  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: settings\n",
    );
    let settings = kustomization("settings", "./settings", "  dependsOn:\n  - name: apps\n");
    let config_map =
        CONFIG_MAP.replace("name: settings", "name: settings\n  namespace: flux-system");
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("clusters/dev/settings.yaml", &settings),
        ("apps/app.yaml", &CONFIG_MAP.replace("settings", "app")),
        ("settings/settings.yaml", &config_map),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.postBuild.substituteFrom[0]: substitutes from \
             ConfigMap flux-system/settings, which only Kustomization flux-system/settings \
             applies, and that waits for this one (Kustomization flux-system/settings → \
             Kustomization flux-system/apps)"
        ),
        "{err}"
    );
}

#[test]
fn a_manifest_its_folder_does_not_list_is_refused() {
    let apps = kustomization("apps", "./apps", "");
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/kustomization.yaml", "resources:\n- settings.yaml\n"),
        ("apps/settings.yaml", CONFIG_MAP),
        (
            "apps/forgotten.yaml",
            &CONFIG_MAP.replace("settings", "forgotten"),
        ),
    ]));
    assert!(
        err.contains(
            "file \"apps/forgotten.yaml\" is in the kustomize folder \"apps\", whose \
             kustomization does not list it: Flux never applies ConfigMap forgotten"
        ),
        "{err}"
    );
    assert!(
        err.contains("declared at tests/suite/effective_checks.rs:"),
        "{err}"
    );
}

#[test]
fn the_same_layouts_written_right_render() {
    let apps = kustomization(
        "apps",
        "./apps",
        "  dependsOn:\n  - name: settings\n  postBuild:\n    substituteFrom:\n    - kind: \
         ConfigMap\n      name: settings\n",
    );
    let settings = kustomization("settings", "./settings", "");
    let config_map =
        CONFIG_MAP.replace("name: settings", "name: settings\n  namespace: flux-system");
    let config = "resources:\n- app.yaml\nconfigMapGenerator:\n- name: web-values\n  \
                  namespace: apps\n  literals:\n  - \"values.yaml=replicas: 2\"\n  options:\n    \
                  disableNameSuffixHash: true\n";
    Repository::of_one(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("clusters/dev/settings.yaml", &settings),
        ("apps/kustomization.yaml", config),
        ("apps/app.yaml", &CONFIG_MAP.replace("settings", "app")),
        ("settings/settings.yaml", &config_map),
    ]))
    .render()
    .expect("renders");
}

/// A repository of cluster `dev` (its Kustomization `shared` applying `./shared`, its
/// settings made by `set`) over shared folders of `files` written verbatim.
fn repository_with(set: impl FnOnce(&mut Cluster), files: &[(&str, &str)]) -> Repository {
    let mut shared = Cluster::for_repository("");
    for (path, text) in files {
        shared.verbatim_file(path, *text);
    }
    repository_over(set, shared)
}

/// [`repository_with`] over the shared folders `shared`.
fn repository_over(set: impl FnOnce(&mut Cluster), shared: Cluster) -> Repository {
    let mut cluster = Cluster::for_repository("");
    set(&mut cluster);
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    cluster.add(&sync, synced(name!("shared"), &repo, "./shared"));
    let mut repository = Repository::new();
    repository.cluster("dev", cluster);
    repository.shared(shared);
    repository
}

fn v2_0_1() -> fluxdsl::FluxApi {
    fluxdsl::FluxApi::from_crds(
        "Flux v2.0.1",
        &super::read_fixture("flux-crds/v2.0.1/crds.yaml"),
    )
    .unwrap()
}

#[test]
fn a_shared_object_at_a_version_the_clusters_pinned_flux_does_not_serve_is_refused() {
    let release = RELEASE.replace(
        "valuesFrom:\n  - kind: ConfigMap\n    name: web-values\n",
        "",
    );
    let err = repository_with(
        |c| c.flux_api(&v2_0_1()),
        &[("shared/release.yaml", &release)],
    )
    .render()
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "HelmRelease apps/web apiVersion: is written at helm.toolkit.fluxcd.io/v2, which \
             Flux v2.0.1 does not serve (it serves HelmRelease at v2beta1) (as Kustomization \
             flux-system/shared applies it, in cluster \"dev\")"
        ),
        "{err}"
    );
    assert!(
        err.contains("Flux API pinned at tests/suite/effective_checks.rs:"),
        "{err}"
    );
}

#[test]
fn a_shared_object_breaking_the_clusters_lockdown_is_refused() {
    let tenant = kustomization("tenant", "./tenant", "")
        .replace("namespace: flux-system", "namespace: team")
        .replace(
            "name: flux-system",
            "name: flux-system\n    namespace: flux-system",
        );
    let files = [
        ("shared/tenant.yaml", tenant.as_str()),
        ("tenant/settings.yaml", CONFIG_MAP),
    ];
    let err = repository_with(|c| c.forbid_cross_namespace_refs(), &files)
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "Kustomization team/tenant spec.sourceRef.namespace: refers to namespace \
             \"flux-system\", and cluster \"dev\" forbids cross-namespace references"
        ),
        "{err}"
    );
    let tenant = kustomization("tenant", "./tenant", "")
        .replace("namespace: flux-system", "namespace: team")
        .replace(
            "name: flux-system",
            "name: flux-system\n    namespace: flux-system",
        );
    let files = [
        ("shared/tenant.yaml", tenant.as_str()),
        ("tenant/settings.yaml", CONFIG_MAP),
    ];
    let err = repository_with(|c| c.default_service_account(name!("reconciler")), &files)
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "Kustomization team/tenant spec.serviceAccountName: is not set, so Flux reconciles \
             it as the default ServiceAccount \"reconciler\" of namespace \"team\", which no \
             Kustomization of cluster \"dev\" applies"
        ),
        "{err}"
    );
}

#[test]
fn a_source_the_cluster_does_not_have_is_refused() {
    let apps =
        kustomization("apps", "./apps", "").replace("name: flux-system\n", "name: flux-sytem\n");
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/settings.yaml", CONFIG_MAP),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.sourceRef: reads GitRepository \
             flux-system/flux-sytem, which no Kustomization of the cluster applies"
        ),
        "{err}"
    );
}

#[test]
fn a_generator_reading_a_file_outside_its_folder_renders_as_flux_builds_it() {
    // Flux builds with LoadRestrictionsNone: a values file shared by several folders.
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    cluster.add(&sync, synced(name!("apps"), &repo, "./apps/dev"));
    cluster.kustomize_folder("apps/dev", fluxdsl::KustomizeConfig::builder().build());
    let values = cluster.data_file(
        "apps/common/values.yaml",
        &serde_json::json!({"replicas": 2}),
    );
    let generated = cluster.generate_config_map(
        "apps/dev",
        fluxdsl::ConfigMapGenerator::from_keyed_files(
            name!("web-values"),
            &[("values.yaml", &values)],
        ),
    );
    let rendered = Repository::of_one(cluster).render().expect("renders");
    let config = rendered.file("apps/dev/kustomization.yaml").unwrap();
    assert!(
        config.contains("values.yaml=../common/values.yaml"),
        "{config}"
    );
    assert_eq!(generated.name(), "web-values");
}

#[test]
fn tree_lists_what_each_kustomization_really_applies() {
    let apps = kustomization("apps", "./apps", "  targetNamespace: apps\n");
    let config = "resources:\n- settings.yaml\nconfigMapGenerator:\n- name: web-values\n  \
                  literals:\n  - \"values.yaml=replicas: 2\"\n";
    let tree = Repository::of_one(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/kustomization.yaml", config),
        ("apps/settings.yaml", CONFIG_MAP),
    ]))
    .tree(None)
    .unwrap();
    // The verbatim Kustomization is drawn with what its build applies: the generated
    // ConfigMap under the name kustomize gives it, both moved by `targetNamespace`.
    assert_eq!(
        tree,
        "GitRepository/flux-system/flux-system\n\
         ├── Kustomization/flux-system/flux-system\n\
         │   ├── Kustomization/flux-system/apps\n\
         │   ├── GitRepository/flux-system/flux-system\n\
         │   └── Kustomization/flux-system/flux-system\n\
         └── Kustomization/flux-system/apps\n\
         \x20   ├── ConfigMap/apps/settings\n\
         \x20   └── ConfigMap/apps/web-values-5kfb429hfk\n"
    );
}

#[test]
fn extra_spec_re_pointing_a_source_across_namespaces_under_the_lockdown_is_refused() {
    let components = super::read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    let api = fluxdsl::FluxApi::from_crds("Flux v2.9.3", &components).unwrap();
    let mut cluster = Cluster::new("");
    cluster.flux_api(&api);
    cluster.forbid_cross_namespace_refs();
    let team = fluxdsl::namespace!("team");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = cluster.add(
        &sync,
        fluxdsl::GitRepository::builder()
            .name(name!("team"))
            .namespace(team.clone())
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/fleet")
            .interval(duration!("1m"))
            .build(),
    );
    cluster.source_is_this_repository(&repo);
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("apps"))
            .namespace(team)
            .source_ref(&repo)
            .path("./clusters/dev")
            .interval(duration!("10m"))
            .prune(true)
            .extra_spec(serde_json::json!({"sourceRef": {"namespace": "flux-system"}}))
            .build(),
    );
    let err = refusal(cluster);
    assert!(
        err.contains(
            "Kustomization team/apps spec.sourceRef.namespace: refers to namespace \
             \"flux-system\", and the cluster forbids cross-namespace references"
        ),
        "{err}"
    );
}

#[test]
fn a_folders_own_configurations_and_patches_strategic_merge_build_as_kubectl_builds_them() {
    let mut cluster = Cluster::new("");
    let widget = cluster.file("apps/widget.yaml");
    cluster.add_manifest(
        &widget,
        serde_json::json!({
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w", "namespace": "apps"},
            "spec": {"configMapName": "settings", "size": 1}
        }),
    );
    let patch = cluster.file("apps/size.yaml");
    cluster.add_patch(
        &patch,
        serde_json::json!({
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w", "namespace": "apps"},
            "spec": {"size": 3}
        }),
    );
    let names = cluster.verbatim_file(
        "apps/widget-names.yaml",
        "nameReference:\n- kind: ConfigMap\n  fieldSpecs:\n  - kind: Widget\n    path: spec/configMapName\n",
    );
    let values = cluster.data_file("apps/settings.yaml", &serde_json::json!({"colour": "blue"}));
    cluster.kustomize_config(
        "apps",
        fluxdsl::KustomizeConfig::builder()
            .resources(&[&widget])
            .patches_strategic_merge(&[&patch])
            .configurations(&[&names])
            .config_map_generator(&[fluxdsl::ConfigMapGenerator::from_keyed_files(
                name!("settings"),
                &[("settings.yaml", &values)],
            )
            .in_namespace(&fluxdsl::namespace!("apps"))])
            .build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let config = rendered.file("apps/kustomization.yaml").unwrap();
    assert!(
        config.contains("patchesStrategicMerge:\n- size.yaml\n"),
        "{config}"
    );
    assert!(
        config.contains("configurations:\n- widget-names.yaml\n"),
        "{config}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut files = fluxdsl::effective::Files::default();
    for (path, text) in rendered.main().files() {
        let file = tmp.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
        files.insert(path, text);
    }
    // The same objects (kubectl sorts them by kind; Flux applies in its own order).
    let by_key =
        |objects: Vec<serde_json::Value>| -> std::collections::BTreeMap<String, serde_json::Value> {
            objects
                .into_iter()
                .map(|o| (super::object_key(&o), o))
                .collect()
        };
    let theirs = by_key(super::kustomize::kubectl_kustomize(
        &tmp.path().join("apps"),
    ));
    let ours = fluxdsl::effective::build(&files, "apps").unwrap();
    assert_eq!(by_key(ours.clone()), theirs);
    let widget = ours.iter().find(|o| o["kind"] == "Widget").unwrap();
    assert_eq!(widget["spec"]["size"], 3);
    let hashed = widget["spec"]["configMapName"].as_str().unwrap();
    assert!(
        hashed.starts_with("settings-") && hashed.len() == "settings-".len() + 10,
        "{hashed}"
    );
}

#[test]
fn a_copy_from_a_source_alias_the_generator_does_not_list_is_refused() {
    use fluxdsl::{ArtifactGenerator, CopyOperation, GeneratedArtifact, GeneratorSourceRef};
    let mut cluster = Cluster::new("");
    let file = cluster.file("clusters/dev/artifacts.yaml");
    let repo = super::fleet_source(&mut cluster, &file);
    cluster.add(
        &file,
        ArtifactGenerator::builder()
            .name(name!("apps"))
            .sources(&[GeneratorSourceRef::new("monorepo", &repo)])
            .artifacts(&[GeneratedArtifact::new(
                name!("apps"),
                &[CopyOperation::new("@mono/apps/**", "@artifact/")],
            )
            .origin_revision("@monorepo")])
            .build(),
    );
    let err = refusal(cluster);
    assert!(
        err.contains(
            "ArtifactGenerator flux-system/apps spec.artifacts.copy.from: \"@mono/apps/**\" names \
             source alias \"mono\", which spec.sources does not list (it lists \"monorepo\")"
        ),
        "{err}"
    );
}

#[test]
fn a_kustomization_path_no_copy_of_its_artifact_fills_is_refused() {
    use fluxdsl::{ArtifactGenerator, CopyOperation, GeneratedArtifact, GeneratorSourceRef};
    let mut cluster = Cluster::new("");
    let file = cluster.file("clusters/dev/artifacts.yaml");
    let repo = super::fleet_source(&mut cluster, &file);
    let generator = cluster.add(
        &file,
        ArtifactGenerator::builder()
            .name(name!("apps"))
            .sources(&[GeneratorSourceRef::new("monorepo", &repo)])
            .artifacts(&[GeneratedArtifact::new(
                name!("apps"),
                &[CopyOperation::new("@monorepo/apps/**", "@artifact/apps/")],
            )])
            .build(),
    );
    let artifact = generator.artifact(name!("apps"));
    cluster.add(&file, synced(name!("apps"), &artifact, "./app"));
    let err = refusal(cluster);
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.path: \"./app\" is in ExternalArtifact \
             flux-system/apps, but no copy operation of ArtifactGenerator flux-system/apps \
             writes there (they write \"./apps\")"
        ),
        "{err}"
    );
}

/// A Flux install that serves OCIRepository at `served` (storing the first) and
/// Kustomization and GitRepository at v1.
fn install_serving(served: &[&str]) -> fluxdsl::FluxApi {
    let crd = |group: &str, kind: &str, plural: &str, versions: &[&str]| {
        let versions: Vec<String> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    "  - {{name: {v}, served: true, storage: {}, schema: {{openAPIV3Schema: \
                     {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}}}\n",
                    i == 0
                )
            })
            .collect();
        format!(
            "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
             metadata: {{name: {plural}.{group}}}\nspec:\n  group: {group}\n  names: \
             {{kind: {kind}, plural: {plural}}}\n  scope: Namespaced\n  versions:\n{}",
            versions.concat()
        )
    };
    let crds = [
        crd(
            "source.toolkit.fluxcd.io",
            "OCIRepository",
            "ocirepositories",
            served,
        ),
        crd(
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "gitrepositories",
            &["v1"],
        ),
        crd(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "kustomizations",
            &["v1"],
        ),
    ]
    .concat();
    fluxdsl::FluxApi::from_crds("the test's Flux", &crds).unwrap()
}

#[test]
fn a_kind_written_at_a_served_older_version_is_checked_against_each_clusters_install() {
    use fluxdsl::{OCIRepository, OciRef};
    // Shared folders write OCIRepository at v1beta2; a cluster whose Flux serves only v1
    // applies them.
    let mut shared = Cluster::for_repository("");
    shared.write_kind_at::<OCIRepository>("v1beta2");
    let file = shared.file("shared/source.yaml");
    shared.add(
        &file,
        OCIRepository::builder()
            .name(name!("manifests"))
            .url("oci://ghcr.io/example/manifests")
            .reference(OciRef::tag("v1.0.0"))
            .interval(duration!("10m"))
            .build(),
    );
    let repository = repository_over(|c| c.flux_api(&install_serving(&["v1"])), shared);
    let err = repository.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "OCIRepository flux-system/manifests apiVersion: is written at \
             source.toolkit.fluxcd.io/v1beta2, which the test's Flux does not serve (it serves \
             OCIRepository at v1) (as Kustomization flux-system/shared applies it, in cluster \
             \"dev\")"
        ),
        "{err}"
    );
    // In a cluster whose install serves it, and at a version fluxdsl does not write.
    let mut cluster = Cluster::new("");
    cluster.flux_api(&install_serving(&["v1", "v1beta2"]));
    cluster.write_kind_at::<OCIRepository>("v1beta1");
    let file = cluster.file("source.yaml");
    cluster.add(
        &file,
        OCIRepository::builder()
            .name(name!("manifests"))
            .url("oci://ghcr.io/example/manifests")
            .reference(OciRef::tag("v1.0.0"))
            .interval(duration!("10m"))
            .build(),
    );
    let err = refusal(cluster);
    assert!(
        err.contains("apiVersion: fluxdsl writes OCIRepository at v1, v1beta2, not v1beta1"),
        "{err}"
    );
    assert!(
        err.contains("version chosen at tests/suite/effective_checks.rs:"),
        "{err}"
    );
}

#[test]
fn applying_into_a_namespace_only_a_waiting_kustomization_creates_is_refused() {
    let apps = kustomization("apps", "./apps", "");
    let infra = kustomization("infra", "./infra", "  dependsOn:\n  - name: apps\n");
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n";
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("clusters/dev/infra.yaml", &infra),
        (
            "apps/settings.yaml",
            &CONFIG_MAP.replace("name: settings", "name: settings\n  namespace: podinfo"),
        ),
        ("infra/namespace.yaml", namespace),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.path: applies objects into namespace \
             \"podinfo\", which only Kustomization flux-system/infra applies, and that waits \
             for this one (Kustomization flux-system/infra → Kustomization flux-system/apps)"
        ),
        "{err}"
    );
    // The other way round is the order Flux needs.
    let apps = kustomization("apps", "./apps", "  dependsOn:\n  - name: infra\n");
    let infra = kustomization("infra", "./infra", "");
    Repository::of_one(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("clusters/dev/infra.yaml", &infra),
        (
            "apps/settings.yaml",
            &CONFIG_MAP.replace("name: settings", "name: settings\n  namespace: podinfo"),
        ),
        ("infra/namespace.yaml", namespace),
    ]))
    .render()
    .expect("renders");
}

#[test]
fn applying_sops_files_without_decryption_is_refused() {
    // A SOPS-encrypted Secret of k8s-home-ops, applied by a Kustomization manifest.
    let secret =
        include_str!("../fixtures/k8s-home-ops/infrastructure/secrets/grafana-secret.yaml");
    let apps = kustomization("apps", "./apps", "");
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/secret.yaml", secret),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.decryption: applies Secret \
             prometheus-operator/grafana-secret (SOPS-encrypted) but has no spec.decryption: \
             kustomize-controller fails the build"
        ),
        "{err}"
    );
    // With its decryption, as Flux needs.
    let apps = kustomization(
        "apps",
        "./apps",
        "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n",
    );
    Repository::of_one(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/secret.yaml", secret),
    ]))
    .render()
    .expect("renders");
}

#[test]
fn decrypting_with_a_key_only_the_kustomization_itself_applies_is_refused() {
    let apps = kustomization(
        "apps",
        "./apps",
        "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n",
    );
    let key =
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops-age\n  namespace: flux-system\n";
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/key.yaml", key),
    ]));
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.decryption.secretRef: decrypts with Secret \
             flux-system/sops-age, which only it applies itself: decryption fails until it \
             exists"
        ),
        "{err}"
    );
}

#[test]
fn graph_draws_the_references_flux_reads_from_the_built_objects() {
    let infra = kustomization("infra", "./infra", "");
    let apps = kustomization("apps", "./apps", "  dependsOn:\n  - name: infra\n");
    let graph = Repository::of_one(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("clusters/dev/infra.yaml", &infra),
        ("apps/settings.yaml", CONFIG_MAP),
        ("infra/more.yaml", &CONFIG_MAP.replace("settings", "more")),
    ]))
    .graph(None, fluxdsl::GraphFormat::Mermaid)
    .unwrap();
    let node = |label: &str| {
        graph
            .lines()
            .find_map(|l| {
                let (n, rest) = l.trim().split_once('[')?;
                (rest == format!("\"{label}\"]")).then(|| n.to_owned())
            })
            .unwrap_or_else(|| panic!("no node {label}:\n{graph}"))
    };
    let (apps, infra, repo) = (
        node("Kustomization/flux-system/apps"),
        node("Kustomization/flux-system/infra"),
        node("GitRepository/flux-system/flux-system"),
    );
    assert!(
        graph.contains(&format!("  {apps} -->|spec.dependsOn| {infra}\n")),
        "{graph}"
    );
    assert!(
        graph.contains(&format!("  {apps} -->|spec.sourceRef| {repo}\n")),
        "{graph}"
    );
}

#[test]
fn a_values_config_map_only_another_cluster_applies_is_refused() {
    // Two clusters over one repository: each applies its own folder; the release in
    // staging's reads values that only production's folder holds.
    let cluster = own_apps;
    let release = RELEASE.replace("name: web-values", "name: web-config");
    let values = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  \
                  namespace: apps\ndata:\n  values.yaml: \"replicas: 2\"\n";
    let mut shared = Cluster::for_repository("");
    shared.verbatim_file("apps/staging/release.yaml", &release);
    shared.verbatim_file("apps/production/release.yaml", &release);
    shared.verbatim_file("apps/production/values.yaml", values);
    let charts = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  \
                  name: charts\n  namespace: apps\nspec:\n  interval: 1h\n  url: \
                  https://example.com/charts\n";
    shared.verbatim_file("apps/staging/charts.yaml", charts);
    shared.verbatim_file("apps/production/charts.yaml", charts);
    let mut repository = Repository::new();
    repository
        .cluster("staging", cluster("staging"))
        .cluster("production", cluster("production"))
        .shared(shared);
    let err = repository.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "HelmRelease apps/web spec.valuesFrom[0]: names ConfigMap apps/web-config, which no \
             Kustomization of cluster \"staging\" applies (only cluster \"production\" has it)"
        ),
        "{err}"
    );
    assert!(
        err.contains("refused: HelmRelease"),
        "one problem only: {err}"
    );
}

#[test]
fn a_kind_written_at_an_older_version_is_noted_once_by_the_command_line() {
    let repository = super::reproductions::flux2_multi_tenancy::repository();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = fluxdsl::cli::run_with(&repository, ["example", "print"], &mut out, &mut err);
    assert_eq!(code, 0);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(err.matches("note: ").count(), 1, "{err}");
    assert!(
        err.contains(
            "note: OCIRepository is written at source.toolkit.fluxcd.io/v1beta2 \
             (Cluster::write_kind_at at "
        ),
        "{err}"
    );
    assert!(err.contains("flux2_multi_tenancy.rs:"), "{err}");
}

#[test]
fn print_effective_substitutes_with_the_values_the_cluster_applies() {
    // The common layout: the cluster folder applies its variables as a ConfigMap and a
    // Kustomization that substitutes from it; `substitute` wins over `substituteFrom`.
    let apps = kustomization(
        "apps",
        "./apps",
        "  postBuild:\n    substitute:\n      region: eu\n    substituteFrom:\n    - kind: \
         ConfigMap\n      name: cluster-vars\n    - kind: Secret\n      name: optional-vars\n      \
         optional: true\n",
    );
    let vars = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: \
                flux-system\ndata:\n  cluster_name: dev\n  region: us\n";
    let settings = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-${cluster_name}\n  \
                    namespace: flux-system\ndata:\n  region: ${region}\n  size: \
                    ${size:=small}\n  script: echo $${HOME}\n";
    let repository = Repository::of_one(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("clusters/dev/cluster-vars.yaml", vars),
        ("apps/settings.yaml", settings),
    ]));
    let text = repository.effective(None).unwrap();
    let apps_part = text
        .split("# Kustomization/flux-system/apps (applied by Kustomization/flux-system/flux-system) applies 1 object(s)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        apps_part,
        "---\napiVersion: v1\ndata:\n  region: eu\n  script: echo ${HOME}\n  size: small\nkind: \
         ConfigMap\nmetadata:\n  name: web-dev\n  namespace: flux-system\n"
    );
}

/// The shared folders of [`overlays_per_cluster`]: a HelmRepository, and the base
/// `apps/base/podinfo` declared once, its HelmRelease reading the values ConfigMap each
/// overlay generates (`Ref::local`).
fn podinfo_base() -> (Cluster, fluxdsl::Folder, fluxdsl::Ref<fluxdsl::HelmRelease>) {
    use fluxdsl::{Chart, HelmRelease, HelmRepository, KustomizeConfig, Ref, ValuesFrom};
    let mut shared = Cluster::for_repository("");
    let sources = shared.file("infrastructure/sources.yaml");
    let charts = shared.add(
        &sources,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    shared.kustomize_config(
        "infrastructure",
        KustomizeConfig::builder().resources(&[&sources]).build(),
    );
    let base = shared.kustomize_folder("apps/base/podinfo", KustomizeConfig::builder().build());
    let file = shared.folder_file(&base, "release.yaml");
    let release = shared.add(
        &file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(fluxdsl::namespace!("podinfo"))
            .chart(Chart::from_source(&charts, "podinfo"))
            .interval(duration!("10m"))
            .values_from(&[ValuesFrom::config_map(&Ref::local(name!("podinfo-values")))])
            .build(),
    );
    (shared, base, release)
}

/// A repository whose clusters `envs` (name, generates the values) each overlay the shared
/// base in `apps/<env>`, moving it to the namespace named after the cluster, and
/// health-check the release their overlay builds.
fn overlays_per_cluster(envs: &[(&str, bool)]) -> Repository {
    use fluxdsl::{ConfigMapGenerator, HealthCheck, KustomizeConfig, namespace};
    let (shared, base, release) = podinfo_base();
    let mut repository = Repository::new();
    for &(env, generates) in envs {
        let mut c = Cluster::for_repository("");
        let dir = format!("apps/{env}");
        let namespace = match env {
            "staging" => namespace!("staging"),
            "production" => namespace!("production"),
            _ => namespace!("integration"),
        };
        let overlay = c.kustomize_folder(
            &dir,
            KustomizeConfig::builder()
                .namespace(namespace)
                .folders(&[&base])
                .build(),
        );
        if generates {
            let values = c.data_file(
                &format!("{dir}/values.yaml"),
                &serde_json::json!({"replicaCount": 2}),
            );
            c.generate_config_map(
                &dir,
                ConfigMapGenerator::from_files(name!("podinfo-values"), &[&values]),
            );
        }
        let sync = c.file(&format!("clusters/{env}/sync.yaml"));
        let repo = super::fleet_source(&mut c, &sync);
        let infrastructure = c.add(
            &sync,
            synced(name!("infrastructure"), &repo, "./infrastructure"),
        );
        c.add(
            &sync,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&repo)
                .path(format!("./{dir}"))
                .interval(duration!("10m"))
                .prune(true)
                .depends_on(&[&infrastructure])
                .health_checks(&[HealthCheck::of(&overlay.instance(&release))])
                .build(),
        );
        repository.cluster(env, c);
    }
    repository.shared(shared);
    repository
}

#[test]
fn a_base_declared_once_gives_each_clusters_overlay_its_own_instance() {
    let repository = overlays_per_cluster(&[("staging", true), ("production", true)]);
    let rendered = repository.render().unwrap_or_else(|e| panic!("{e}"));
    // Each cluster health-checks the release where its overlay puts it.
    let sync = rendered.file("clusters/staging/sync.yaml").unwrap();
    assert!(
        sync.contains("  healthChecks:\n  - apiVersion: helm.toolkit.fluxcd.io/v2\n    kind: HelmRelease\n    name: podinfo\n    namespace: staging\n"),
        "{sync}"
    );
    let overlay = rendered.file("apps/production/kustomization.yaml").unwrap();
    assert!(
        overlay.contains("resources:\n- ../base/podinfo\n"),
        "{overlay}"
    );
    // The base's release reads its overlay's ConfigMap under the name kustomize hashes.
    let effective = repository.effective(Some("production")).unwrap();
    let release = effective
        .split("---\n")
        .find(|d| d.contains("kind: HelmRelease\n"))
        .unwrap_or_else(|| panic!("{effective}"));
    assert!(release.contains("  namespace: production\n"), "{release}");
    assert!(
        release.contains("  valuesFrom:\n  - kind: ConfigMap\n    name: podinfo-values-"),
        "{release}"
    );
}

#[test]
fn an_overlay_that_does_not_provide_what_its_base_reads_is_refused() {
    // The integration overlay that never generates the values its base reads.
    let err = overlays_per_cluster(&[("staging", true), ("integration", false)])
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "HelmRelease integration/podinfo spec.valuesFrom[0]: names ConfigMap \
             integration/podinfo-values, which nothing in cluster \"integration\" applies \
             or declares: Flux cannot read the values"
        ),
        "{err}"
    );
    assert!(!err.contains("cluster \"staging\": HelmRelease"), "{err}");
}

#[test]
fn a_variable_a_verbatim_manifest_uses_and_its_kustomization_does_not_define_is_refused() {
    let apps = kustomization(
        "apps",
        "./apps",
        "  postBuild:\n    substitute:\n      cluster: dev\n",
    );
    let settings = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: \
                    flux-system\ndata:\n  url: https://${domain}/${cluster}\n  home: \
                    $${HOME}\n  level: ${level:=info}\n";
    let err = refusal(cluster_with(&[
        ("clusters/dev/apps.yaml", &apps),
        ("apps/settings.yaml", settings),
    ]));
    assert!(
        err.contains(
            "ConfigMap flux-system/settings data.url: ${domain} is a variable the postBuild \
             substitution of Kustomization flux-system/apps replaces, and it defines no \
             \"domain\""
        ),
        "{err}"
    );
    assert!(
        err.contains("applied by Kustomization flux-system/apps"),
        "{err}"
    );
    // The escape, the default and the variable it defines pass.
    assert_eq!(
        err.matches("is a variable the postBuild").count(),
        1,
        "{err}"
    );
}

#[test]
fn a_shared_folder_is_checked_with_the_variables_of_each_cluster_that_applies_it() {
    let mut shared = Cluster::for_repository("");
    shared.verbatim_file(
        "apps/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: \
         flux-system\ndata:\n  host: web.${domain}\n",
    );
    let mut repository = Repository::new();
    for (env, domain) in [
        ("staging", Some("staging.example.com")),
        ("production", None),
    ] {
        let mut c = Cluster::for_repository("");
        let sync = c.file(&format!("clusters/{env}/sync.yaml"));
        let repo = super::fleet_source(&mut c, &sync);
        let mut post_build = fluxdsl::PostBuild::new().substitute("cluster", env);
        if let Some(domain) = domain {
            post_build = post_build.substitute("domain", domain);
        }
        c.add(
            &sync,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&repo)
                .path("./apps")
                .interval(duration!("10m"))
                .prune(true)
                .post_build(post_build)
                .build(),
        );
        repository.cluster(env, c);
    }
    repository.shared(shared);
    let err = repository.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "ConfigMap flux-system/settings data.host: ${domain} is a variable the postBuild \
             substitution of Kustomization flux-system/apps replaces, and it defines no \
             \"domain\""
        ) && err.contains("(cluster \"production\")"),
        "{err}"
    );
    assert!(!err.contains("(cluster \"staging\")"), "{err}");
}

#[test]
fn a_file_declared_unapplied_that_a_build_reads_is_refused() {
    let apps = kustomization("apps", "./apps", "");
    let mut cluster = cluster_with(&[("clusters/dev/apps.yaml", &apps)]);
    // `apps` has no kustomization.yaml: Flux builds every manifest in it, this one too.
    cluster.unapplied_file("apps/off.yaml", CONFIG_MAP);
    let err = refusal(cluster);
    assert!(
        err.contains(
            "file \"apps/off.yaml\" is declared with Cluster::unapplied_file, but the build \
             of Kustomization flux-system/apps reads it: Flux applies it"
        ),
        "{err}"
    );
}

#[test]
fn a_namespace_made_before_flux_runs_is_no_deadlock() {
    use fluxdsl::k8s_openapi::api::core::v1::Namespace;
    // `secrets` applies into namespace `web`, which only `apps` (waiting for it) creates.
    let secrets = kustomization("secrets", "./secrets", "");
    let apps = kustomization("apps", "./apps", "  dependsOn:\n  - name: secrets\n");
    let files = [
        ("clusters/dev/secrets.yaml", secrets.as_str()),
        ("clusters/dev/apps.yaml", apps.as_str()),
        (
            "secrets/settings.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: web\n",
        ),
        (
            "apps/namespace.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n",
        ),
    ];
    let err = refusal(cluster_with(&files));
    assert!(
        err.contains("applies objects into namespace \"web\", which only Kustomization flux-system/apps applies"),
        "{err}"
    );
    let mut cluster = cluster_with(&files);
    cluster.exists_before_flux(&fluxdsl::Ref::<Namespace>::existing_cluster_scoped(name!(
        "web"
    )));
    Repository::of_one(cluster)
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn kustomizations_declared_as_manifests_are_built_and_checked_like_typed_ones() {
    // As `fluxdsl import` declares a repository: every object a manifest, the repository
    // named by its GitRepository's key. Before, a Kustomization declared so was not built,
    // and nothing it applies was checked.
    let mut cluster = Cluster::for_repository("");
    let sync = cluster.file("clusters/dev/flux-system/gotk-sync.yaml");
    let manifest = |text: &str| -> serde_json::Value { serde_yaml::from_str(text).unwrap() };
    cluster.add_manifest(
        &sync,
        manifest(&kustomization("flux-system", "./clusters/dev", "")),
    );
    let this: fluxdsl::Ref<fluxdsl::GitRepository> =
        fluxdsl::Ref::existing(&fluxdsl::NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    cluster.source_is_this_repository(&this);
    let secrets = kustomization("secrets", "./secrets", "");
    let apps = kustomization("apps", "./apps", "  dependsOn:\n  - name: secrets\n");
    let file = cluster.file("clusters/dev/secrets.yaml");
    cluster.add_manifest(&file, manifest(&secrets));
    cluster.verbatim_file("clusters/dev/apps.yaml", apps);
    cluster.verbatim_file(
        "secrets/key.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: key\n  namespace: app\n",
    );
    cluster.verbatim_file(
        "apps/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n",
    );
    let problems = match Repository::of_one(cluster).render() {
        Err(fluxdsl::Error::Refused(problems)) => problems,
        other => panic!("{other:?}"),
    };
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].to_string().starts_with(
            "Kustomization flux-system/secrets spec.path: applies objects into namespace \
             \"app\", which only Kustomization flux-system/apps applies, and that waits for \
             this one"
        ),
        "{}",
        problems[0]
    );
    // The opt-in that takes it as it is, which the import writes with a `// finding:`.
    match &problems[0].remedy {
        Some(fluxdsl::Remedy::ExistsBeforeFlux(key)) => {
            assert_eq!((key.kind, key.name.as_str()), ("Namespace", "app"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_a_ref_existing_names_that_the_repository_declares_is_still_checked_per_cluster() {
    // `Ref::existing` of a Flux object names one another part of the repository declares
    // (here the shared folders, in production's folder only): staging's typed release
    // refers to it, and no Kustomization of staging applies it.
    use fluxdsl::{Chart, HelmRelease, HelmRepository, NamespaceName, Ref, ValuesFrom, namespace};
    use k8s_openapi::api::core::v1::ConfigMap;
    let cluster = own_apps;
    let mut staging = cluster("staging");
    let releases = staging.file("apps/staging/release.yaml");
    let charts: Ref<HelmRepository> = Ref::existing(&namespace!("apps"), name!("charts"));
    let values: Ref<ConfigMap> = Ref::existing(&namespace!("apps"), name!("web-values"));
    staging.add(
        &releases,
        HelmRelease::builder()
            .name(name!("web"))
            .namespace(namespace!("apps"))
            .chart(Chart::from_source(&charts, "web"))
            .interval(duration!("10m"))
            .values_from(&[ValuesFrom::config_map(&values)])
            .build(),
    );
    let mut shared = Cluster::for_repository("");
    let file = shared.file("apps/production/charts.yaml");
    shared.add(
        &file,
        HelmRepository::builder()
            .name(name!("charts"))
            .namespace(NamespaceName::new("apps").unwrap())
            .url("https://example.com/charts")
            .interval(duration!("1h"))
            .build(),
    );
    // Not a Flux object: named by `Ref::existing`, it is still the one the repository
    // declares, which staging's builds do not apply.
    shared.add_manifest(
        &file,
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "web-values", "namespace": "apps"},
            "data": {"values.yaml": "replicas: 2"}}),
    );
    let mut repository = Repository::new();
    repository
        .cluster("staging", staging)
        .cluster("production", cluster("production"))
        .shared(shared);
    let err = repository.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "HelmRelease apps/web spec.chart.spec.sourceRef: reads HelmRepository apps/charts, \
             which no Kustomization of cluster \"staging\" applies (only cluster \"production\" \
             has it); Flux would wait for it forever"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "HelmRelease apps/web spec.valuesFrom[0]: names ConfigMap apps/web-values, which no \
             Kustomization of cluster \"staging\" applies (only cluster \"production\" has it)"
        ),
        "{err}"
    );
}

#[test]
fn typed_kustomizations_over_carried_kustomization_files_apply_what_those_files_list() {
    // flux-local's cluster2, typed: `apps` builds a folder with no kustomization.yaml,
    // whose subfolder's carried kustomization.yaml lists only a.yaml, not the folder
    // `certs` that Kustomization `certs` builds. Nothing is applied twice; listing
    // `./certs` there too makes it so (the carried file read as a typed one is).
    let cluster = |listed: &str| {
        let (mut c, sync, repo) = bootstrapped();
        c.add(&sync, synced(name!("apps"), &repo, "./apps"));
        c.add(&sync, synced(name!("certs"), &repo, "./apps/sub/certs"));
        let kustomization = format!("resources:\n- a.yaml\n{listed}");
        c.verbatim_file("apps/sub/kustomization.yaml", kustomization);
        c.verbatim_file(
            "apps/sub/certs/kustomization.yaml",
            "resources:\n- certs.yaml\n",
        );
        // Declared objects (as an import declares them), not carried text.
        let config_map = |name: &str| {
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": "default"}})
        };
        let a = c.file("apps/sub/a.yaml");
        c.add_manifest(&a, config_map("a"));
        let certs = c.file("apps/sub/certs/certs.yaml");
        c.add_manifest(&certs, config_map("settings"));
        c
    };
    cluster("").render().unwrap_or_else(|e| panic!("{e}"));
    // Listed as a resource, or under `bases` (its old name).
    for listed in ["- ./certs\n", "bases:\n- ./certs\n"] {
        let err = refusal(cluster(listed));
        assert!(
            err.contains(
                "ConfigMap default/settings: is applied by two Kustomizations of cluster \"\": \
                 Kustomization flux-system/apps and Kustomization flux-system/certs"
            ),
            "{listed}: {err}"
        );
    }
}

#[test]
fn a_typed_kustomization_over_a_carried_kustomization_file_has_its_variables_checked() {
    // As an import declares it: the folder's kustomization.yaml carried as text, its
    // objects as manifests, the Kustomization typed and substituting.
    let (mut c, sync, repo) = bootstrapped();
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&repo)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .post_build(fluxdsl::PostBuild::new().substitute("cluster", "dev"))
            .build(),
    );
    c.verbatim_file("apps/kustomization.yaml", "resources:\n- settings.yaml\n");
    let settings = c.file("apps/settings.yaml");
    c.add_manifest(
        &settings,
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "default"},
            "data": {"cluster": "${cluster}", "region": "${region}"}}),
    );
    let err = refusal(c);
    assert!(
        err.contains(
            "ConfigMap default/settings: data.region: ${region} is a variable the postBuild \
             substitution of Kustomization flux-system/apps replaces, and it defines no \"region\""
        ),
        "{err}"
    );
    // The one it defines is not named.
    assert!(!err.contains("data.cluster"), "{err}");
}

#[test]
fn kustomizations_built_from_an_artifact_generator_declared_as_a_manifest_are_built_and_checked() {
    // source-watcher's ArtifactGenerator copies `apps/` of the repository into artifact
    // `apps`; two Kustomizations built from it overlap. Declared as manifests (as
    // `fluxdsl import` declares what it cannot type), the generator's copies were not
    // read, so neither Kustomization was built and nothing they apply was checked.
    let generator = json!({
        "apiVersion": "source.extensions.fluxcd.io/v1beta1",
        "kind": "ArtifactGenerator",
        "metadata": {"name": "split", "namespace": "flux-system"},
        "spec": {
            "sources": [{"alias": "repo", "kind": "GitRepository", "name": "flux-system"}],
            "artifacts": [{
                "name": "apps",
                "copy": [{"from": "@repo/apps/**", "to": "@artifact/"}],
            }],
        },
    });
    let from_artifact = |name: &str, path: &str| {
        json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": {
                "interval": "10m",
                "path": path,
                "prune": true,
                "sourceRef": {"kind": "ExternalArtifact", "name": "apps"},
            },
        })
    };
    let cluster = |kustomizations: &[(&str, &str)]| {
        let (mut cluster, _, _) = bootstrapped();
        let file = cluster.file("clusters/dev/apps.yaml");
        cluster.add_manifest(&file, generator.clone());
        for (name, path) in kustomizations {
            cluster.add_manifest(&file, from_artifact(name, path));
        }
        cluster.verbatim_file("apps/web/settings.yaml", CONFIG_MAP);
        cluster
    };
    let err = refusal(cluster(&[("all", "./"), ("web", "./web")]));
    assert!(
        err.contains("ConfigMap default/settings: is applied by two Kustomizations")
            && err.contains("Kustomization flux-system/all")
            && err.contains("Kustomization flux-system/web"),
        "{err}"
    );
    // One of them alone builds `apps/web` through the artifact, as Flux does.
    let effective = Repository::of_one(cluster(&[("web", "./web")]))
        .effective(None)
        .unwrap();
    assert!(
        effective.contains("kind: ConfigMap\nmetadata:\n  name: settings\n"),
        "{effective}"
    );
}

#[test]
fn a_manifest_kustomization_whose_source_nothing_makes_is_refused_until_said_to_exist() {
    // flux-local's cluster5: a Kustomization in namespace `controllers` names
    // GitRepository `flux-system` without its namespace, so Flux reads
    // controllers/flux-system, which nothing makes. Declared as a manifest, it was taken
    // for one built from another repository: the cluster counted as not fully known, and
    // the reference was never checked.
    let reads = |source: serde_json::Value| {
        json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "infra", "namespace": "controllers"},
            "spec": {"interval": "1h", "prune": true, "sourceRef": source},
        })
    };
    let cluster = |source: serde_json::Value| {
        let (mut cluster, _, _) = bootstrapped();
        let file = cluster.file("clusters/dev/infra.yaml");
        cluster.add_manifest(&file, reads(source));
        cluster.verbatim_file("infra/settings.yaml", CONFIG_MAP);
        cluster
    };
    let missing = json!({"kind": "GitRepository", "name": "flux-system"});
    let problems = match Repository::of_one(cluster(missing.clone())).render() {
        Err(fluxdsl::Error::Refused(problems)) => problems,
        other => panic!("{other:?}"),
    };
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].to_string().starts_with(
            "Kustomization controllers/infra spec.sourceRef: reads GitRepository \
             controllers/flux-system, which no Kustomization of the cluster applies"
        ),
        "{}",
        problems[0]
    );
    // The opt-in `fluxdsl import` writes, with a comment to fix the reference otherwise.
    match &problems[0].remedy {
        Some(fluxdsl::Remedy::ExistsBeforeFlux(key)) => assert_eq!(
            (key.kind, key.namespace.as_deref(), key.name.as_str()),
            ("GitRepository", Some("controllers"), "flux-system")
        ),
        other => panic!("{other:?}"),
    }
    // Said to exist (something outside the repository makes it), what the build applies
    // is not known here: no file is called unapplied.
    let mut said = cluster(missing);
    said.exists_before_flux(&fluxdsl::Ref::<fluxdsl::GitRepository>::existing(
        &fluxdsl::namespace!("controllers"),
        name!("flux-system"),
    ));
    Repository::of_one(said).render().unwrap();
    // An ExternalArtifact is a controller's: nothing here says what it holds.
    let artifact = json!({"kind": "ExternalArtifact", "name": "apps"});
    Repository::of_one(cluster(artifact)).render().unwrap();
}

#[test]
fn a_folder_namespace_of_variables_is_checked_on_what_each_kustomization_builds() {
    // k8s-home-ops: a folder's (carried) kustomization.yaml sets namespace
    // `${netbox_app_name}`, which its Kustomization substitutes with `netbox`, the
    // namespace its release names and reads its chart source and values Secret in. At
    // declaration the move is unknown, so it is no refusal there; what each Kustomization
    // builds, substituted, is checked instead.
    let cluster = |app: &str| {
        let (mut c, sync, repo) = bootstrapped();
        let web = fluxdsl::namespace!("web");
        let charts = c.add(
            &sync,
            fluxdsl::HelmRepository::builder()
                .name(name!("charts"))
                .namespace(web.clone())
                .url("https://charts.example.com")
                .interval(duration!("1h"))
                .build(),
        );
        c.verbatim_file(
            "apps/base/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
             namespace: ${app}\nresources: [release.yaml]\n",
        );
        let file = c.file("apps/base/release.yaml");
        c.add(
            &file,
            fluxdsl::HelmRelease::builder()
                .name(name!("web"))
                .namespace(web.clone())
                .chart(fluxdsl::Chart::from_source(&charts, "web"))
                .interval(duration!("1h"))
                .values_from(&[fluxdsl::ValuesFrom::secret(&fluxdsl::Ref::existing(
                    &web,
                    name!("web-values"),
                ))])
                .build(),
        );
        c.add(
            &sync,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&repo)
                .path("./apps/base")
                .interval(duration!("10m"))
                .prune(true)
                .post_build(fluxdsl::PostBuild::new().substitute("app", app))
                .build(),
        );
        c
    };
    Repository::of_one(cluster("web")).render().unwrap();
    // Substituted to another namespace, the release reads its chart source there.
    let err = refusal(cluster("shop"));
    assert!(
        err.contains(
            "HelmRelease shop/web spec.chart.spec.sourceRef: reads HelmRepository shop/charts, \
             which no Kustomization of the cluster applies"
        ),
        "{err}"
    );
}
