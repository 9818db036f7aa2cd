//! Kustomize folders: what a kustomization.yaml does to the objects it builds (namespace,
//! namePrefix, nameSuffix, generators) is what their handles say — proven by building the
//! rendered folder with `kubectl kustomize`.

use fluxdsl::k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    Chart, Cluster, ConfigMapGenerator, GeneratorOptions, HelmRelease, HelmRepository,
    Kustomization, KustomizeConfig, Ref, SecretGenerator, ValuesFrom, duration, name, namespace,
};

use super::kustomize::kubectl_kustomize;

/// Writes the main tree of `cluster` into a temporary folder and builds `dir` there.
fn build(cluster: &Cluster, dir: &str) -> Vec<serde_json::Value> {
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let root = tempfile::tempdir().unwrap();
    if let Ok(keep) = std::env::var("FLUXDSL_KEEP_BUILD") {
        for (path, text) in rendered.main().files() {
            let file = std::path::Path::new(&keep).join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
    }
    for (path, text) in rendered.main().files() {
        let file = root.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    kubectl_kustomize(&root.path().join(dir))
}

/// The built object of `kind` whose name starts with `name` (generated names end in a hash).
fn find<'a>(built: &'a [serde_json::Value], kind: &str, name: &str) -> &'a serde_json::Value {
    built
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("kubectl kustomize built no {kind} {name}*: {built:#?}"))
}

fn assert_built<K: fluxdsl::Kind>(built: &[serde_json::Value], kind: &str, handle: &Ref<K>) {
    let o = find(built, kind, handle.name());
    assert_eq!(o["metadata"]["name"], handle.name(), "{o:#}");
    assert_eq!(
        o["metadata"]["namespace"].as_str(),
        handle.namespace(),
        "{kind} {}: {o:#}",
        handle.name()
    );
}

#[test]
fn handles_of_a_folder_know_the_namespace_and_name_kustomize_gives_its_objects() {
    let mut cluster = Cluster::new("k8s");
    let folder = cluster.kustomize_folder(
        "apps/podinfo",
        KustomizeConfig::builder()
            .namespace(namespace!("podinfo"))
            .name_prefix("staging-")
            .name_suffix("-v1")
            .generator_options(GeneratorOptions {
                labels: [("app".to_string(), "podinfo".to_string())].into(),
                ..GeneratorOptions::default()
            })
            .build(),
    );
    let settings = cluster.verbatim_file("apps/podinfo/settings.env", "LOG_LEVEL=debug\n");
    let values = cluster.data_file(
        "apps/podinfo/values.yaml",
        &serde_json::json!({ "replicaCount": 2 }),
    );
    let generated_values = cluster.generate_config_map(
        "apps/podinfo",
        ConfigMapGenerator::from_files(name!("podinfo-values"), &[&values]),
    );
    let generated_settings = cluster.generate_secret(
        "apps/podinfo",
        SecretGenerator::from_env(name!("podinfo-settings"), &settings).options(GeneratorOptions {
            disable_name_suffix_hash: true,
            ..GeneratorOptions::default()
        }),
    );
    // A log level, not a secret: the generated Secret may read it in clear.
    cluster.allow_secret_in_clear(&generated_settings);
    let file = cluster.folder_file(&folder, "release.yaml");
    let charts = cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    let release = cluster.add(
        &file,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_source(&charts, "podinfo"))
            .interval(duration!("1h"))
            .values_from(&[
                ValuesFrom::config_map(&generated_values),
                ValuesFrom::secret(&generated_settings)
                    .key("LOG_LEVEL")
                    .target_path("logLevel"),
            ])
            .build(),
    );
    let settings_file = cluster.folder_file(&folder, "settings.yaml");
    let config_map = cluster.add(
        &settings_file,
        ConfigMap {
            metadata: ObjectMeta {
                name: Some("settings".into()),
                ..ObjectMeta::default()
            },
            data: Some([("a".to_string(), "b".to_string())].into()),
            ..ConfigMap::default()
        },
    );
    for (handle, name) in [
        (charts.name(), "staging-podinfo-v1"),
        (release.name(), "staging-podinfo-v1"),
        (config_map.name(), "staging-settings-v1"),
    ] {
        assert_eq!(handle, name);
    }

    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let text = rendered.file("apps/podinfo/release.yaml").unwrap();
    assert!(!text.contains("namespace"), "{text}");
    let config = rendered.file("apps/podinfo/kustomization.yaml").unwrap();
    assert!(
        config.contains("resources:\n- release.yaml\n- settings.yaml\n"),
        "{config}"
    );

    let built = build(&cluster, "apps/podinfo");
    // A generated object's handle has the name its generator declares: kustomize writes
    // the name it gives it (prefix, suffix, hash) into the references.
    assert_eq!(generated_settings.name(), "podinfo-settings");
    assert_eq!(generated_settings.namespace(), Some("podinfo"));
    assert_built(&built, "HelmRepository", &charts);
    assert_built(&built, "HelmRelease", &release);
    assert_built(&built, "ConfigMap", &config_map);
    // The generated objects: prefix, suffix and the folder's namespace; the Secret without
    // a hash, the ConfigMap with one; both labelled by generatorOptions.
    let secret = find(&built, "Secret", "staging-podinfo-settings");
    assert_eq!(secret["metadata"]["name"], "staging-podinfo-settings-v1");
    assert_eq!(secret["metadata"]["labels"]["app"], "podinfo");
    let values = find(&built, "ConfigMap", "staging-podinfo-values-v1-");
    assert_eq!(values["metadata"]["namespace"], "podinfo");
    // References inside Flux kinds say what kustomize built.
    let built_release = find(&built, "HelmRelease", "staging-podinfo-v1");
    let source = &built_release["spec"]["chart"]["spec"]["sourceRef"];
    assert_eq!(source["name"], "staging-podinfo-v1");
    assert!(source.get("namespace").is_none(), "{source}");
    let from = &built_release["spec"]["valuesFrom"];
    assert_eq!(from[0]["name"], values["metadata"]["name"], "{from}");
    assert_eq!(from[1]["name"], "staging-podinfo-settings-v1", "{from}");
}

#[test]
fn what_kustomize_would_move_or_rename_without_the_handle_knowing_is_refused() {
    let mut cluster = Cluster::new("k8s");
    let folder = cluster.kustomize_folder(
        "apps",
        KustomizeConfig::builder()
            .namespace(namespace!("apps"))
            .build(),
    );
    let file = cluster.folder_file(&folder, "objects.yaml");
    // names another namespace: kustomize would move it
    cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("charts"))
            .namespace(namespace!("other"))
            .url("https://example.com/charts")
            .interval(duration!("1h"))
            .build(),
    );
    // kustomize renames every Namespace to the one it sets
    cluster.add(
        &file,
        Namespace {
            metadata: ObjectMeta {
                name: Some("tenants".into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
    );
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "HelmRepository other/charts metadata.namespace: it names namespace \"other\", but the \
             kustomization.yaml of folder \"apps\" sets namespace \"apps\""
        ),
        "{err}"
    );
    assert!(
        err.contains("kustomize renames every Namespace in it to that; declare Namespace \"tenants\" elsewhere"),
        "{err}"
    );

    // An overlay that renames what a base declares, which a handle from outside the build
    // names: that handle would lie.
    let mut cluster = Cluster::new("k8s");
    let base = cluster.kustomize_folder("apps/base", KustomizeConfig::builder().build());
    let file = cluster.folder_file(&base, "repository.yaml");
    let repository = cluster.add(&file, charts());
    cluster.kustomize_config(
        "apps/staging",
        KustomizeConfig::builder()
            .name_prefix("staging-")
            .resource_paths(&["../base"])
            .build(),
    );
    let elsewhere = cluster.file("infrastructure/release.yaml");
    cluster.add(&elsewhere, release(&repository));
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "HelmRepository flux-system/charts: the kustomization.yaml of \"apps/staging\" builds \
             it and changes its name (namePrefix \"staging-\", nameSuffix \"\"), and HelmRelease \
             flux-system/podinfo refers to it (spec.chart.spec.sourceRef) by a handle that does \
             not know it"
        ),
        "{err}"
    );
}

fn release(charts: &fluxdsl::Ref<HelmRepository>) -> fluxdsl::HelmRelease {
    fluxdsl::HelmRelease::builder()
        .name(name!("podinfo"))
        .chart(fluxdsl::Chart::from_source(charts, "podinfo"))
        .interval(duration!("10m"))
        .build()
}

#[test]
fn a_base_moved_as_a_whole_by_each_overlay_is_accepted_and_built_per_overlay() {
    // The most common layout: a base without a namespace of its own, each cluster's
    // overlay setting one. Objects moved together keep the references between them.
    let mut cluster = Cluster::new("k8s");
    let base = cluster.kustomize_folder("apps/base", KustomizeConfig::builder().build());
    let file = cluster.folder_file(&base, "podinfo.yaml");
    let repository = cluster.add(&file, charts());
    cluster.add(&file, release(&repository));
    for (overlay, ns) in [
        ("apps/staging", "staging"),
        ("apps/production", "production"),
    ] {
        cluster.kustomize_config(
            overlay,
            KustomizeConfig::builder()
                .namespace(fluxdsl::NamespaceName::new(ns).unwrap())
                .resource_paths(&["../base"])
                .build(),
        );
    }
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let mut files = fluxdsl::effective::Files::default();
    for (path, text) in rendered.main().files() {
        files.insert(path, text);
    }
    for ns in ["staging", "production"] {
        let built = fluxdsl::effective::build(&files, &format!("apps/{ns}")).unwrap();
        let release = find(&built, "HelmRelease", "podinfo");
        assert_eq!(release["metadata"]["namespace"], ns);
        // The chart's source is read in the release's namespace, where the overlay put it.
        assert!(release["spec"]["chart"]["spec"]["sourceRef"]["namespace"].is_null());
        assert_eq!(
            find(&built, "HelmRepository", "charts")["metadata"]["namespace"],
            ns
        );
    }

    // A base object that names, in its own namespace, one the overlay does not move.
    let mut cluster = Cluster::new("k8s");
    let shared = cluster.file("infrastructure/charts.yaml");
    let repository = cluster.add(&shared, charts());
    let base = cluster.kustomize_folder("apps/base", KustomizeConfig::builder().build());
    let file = cluster.folder_file(&base, "release.yaml");
    cluster.add(&file, release(&repository));
    cluster.kustomize_config(
        "apps/staging",
        KustomizeConfig::builder()
            .namespace(namespace!("staging"))
            .resource_paths(&["../base"])
            .build(),
    );
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "HelmRelease flux-system/podinfo: the kustomization.yaml of \"apps/staging\" builds it \
             and changes its namespace (to \"staging\"), and its spec.chart.spec.sourceRef names \
             HelmRepository flux-system/charts in its own namespace, which Flux would then read \
             in the new one"
        ),
        "{err}"
    );
}

#[test]
fn an_overlay_that_sets_the_namespace_its_base_already_has_is_accepted() {
    let mut cluster = Cluster::new("k8s");
    let base = cluster.kustomize_folder(
        "apps/base",
        KustomizeConfig::builder()
            .namespace(namespace!("podinfo"))
            .build(),
    );
    let file = cluster.folder_file(&base, "repository.yaml");
    let charts = cluster.add(&file, charts());
    cluster.kustomize_config(
        "apps/staging",
        KustomizeConfig::builder()
            .namespace(namespace!("podinfo"))
            .resource_paths(&["../base"])
            .build(),
    );
    let built = build(&cluster, "apps/staging");
    assert_built(&built, "HelmRepository", &charts);
}

#[test]
fn a_single_cluster_is_refused_when_two_kustomizations_apply_one_object() {
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    for ks in [name!("apps"), name!("apps-again")] {
        cluster.add(
            &sync,
            Kustomization::builder()
                .name(ks)
                .source_ref(&repo)
                .path("./apps")
                .interval(duration!("10m"))
                .prune(true)
                .build(),
        );
    }
    let apps = cluster.file("apps/repository.yaml");
    cluster.add(&apps, charts());
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "HelmRepository flux-system/charts: is applied by two Kustomizations of cluster \"\": \
             Kustomization flux-system/apps and Kustomization flux-system/apps-again"
        ),
        "{err}"
    );
}

#[test]
fn a_component_declared_once_is_built_into_the_folders_that_include_it() {
    use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
    let settings = || ConfigMap {
        metadata: ObjectMeta {
            name: Some("settings".into()),
            namespace: Some("apps".into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("components/settings/settings.yaml");
    cluster.add(&file, settings());
    let component = cluster.kustomize_component(
        "components/settings",
        KustomizeConfig::builder().resources(&[&file]).build(),
    );
    cluster.kustomize_config(
        "apps",
        KustomizeConfig::builder()
            .resource_list(&[])
            .component_folders(&[&component])
            .build(),
    );
    let built = build(&cluster, "apps");
    assert_eq!(
        find(&built, "ConfigMap", "settings")["metadata"]["namespace"],
        "apps"
    );

    // Flux builds with LoadRestrictionsNone: a kustomization may list a file outside its
    // folder (plain `kubectl kustomize` would refuse to load it).
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("shared/settings.yaml");
    cluster.add(&file, settings());
    cluster.kustomize_config(
        "apps",
        KustomizeConfig::builder().resources(&[&file]).build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let mut files = fluxdsl::effective::Files::default();
    for (path, text) in rendered.main().files() {
        files.insert(path, text);
    }
    let built = fluxdsl::effective::build(&files, "apps").unwrap();
    assert_eq!(
        find(&built, "ConfigMap", "settings")["metadata"]["namespace"],
        "apps"
    );
}

/// A cluster whose folder `apps/web` (namespace `web`) lists its `namespace.yaml`.
fn web_folder() -> Cluster {
    let mut cluster = Cluster::new("k8s");
    let folder = cluster.kustomize_folder(
        "apps/web",
        fluxdsl::KustomizeConfig::builder()
            .namespace(fluxdsl::namespace!("web"))
            .build(),
    );
    let listed = cluster.folder_file(&folder, "namespace.yaml");
    cluster.namespace(&listed, fluxdsl::namespace!("web"));
    cluster
}

/// A file of objects in a folder with a kustomization.yaml that no kustomization.yaml
/// lists renders and is never built: refused. Listed by a parent's kustomization.yaml (the
/// `app/ks.yaml` layout), it is built there and accepted.
#[test]
fn a_file_no_kustomization_yaml_lists_is_refused() {
    let mut cluster = web_folder();
    let stray_line = line!() + 1;
    let stray = cluster.file("apps/web/extra.yaml");
    cluster.namespace(&stray, fluxdsl::namespace!("extra"));
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "file \"apps/web/extra.yaml\": is in folder \"apps/web\", but no kustomization.yaml lists it",
            &format!("tests/suite/folders.rs:{stray_line}:"),
        ],
    );
    assert!(!err.contains("namespace.yaml"), "{err}");

    // The same file listed by the parent folder's kustomization.yaml.
    let mut cluster = web_folder();
    let ks = cluster.file("apps/web/ks.yaml");
    cluster.namespace(&ks, fluxdsl::namespace!("extra"));
    cluster.kustomize_config(
        "apps",
        fluxdsl::KustomizeConfig::builder()
            .resources(&[&ks])
            .build(),
    );
    cluster.render().unwrap_or_else(|e| panic!("{e}"));

    // Listed by a parent's kustomization.yaml carried as it is (as an import keeps one
    // the typed config cannot write): built there too, and accepted.
    let parent = |name: &str, list: &str| {
        let mut cluster = web_folder();
        let ks = cluster.file("apps/web/ks.yaml");
        cluster.namespace(&ks, fluxdsl::namespace!("extra"));
        cluster.verbatim_file(
            &format!("apps/{name}"),
            format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
                 resources:\n  # the app's Flux Kustomization\n  - {list}\n"
            ),
        );
        cluster.render().map(|_| ())
    };
    // Under each name kustomize reads.
    for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
        parent(name, "./web/ks.yaml").unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let err = parent("kustomization.yaml", "./web/other.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("file \"apps/web/ks.yaml\": is in folder \"apps/web\", but no kustomization.yaml lists it"),
        "{err}"
    );
}

#[test]
fn an_object_a_target_namespace_moves_is_refused_as_its_handle_would_lie() {
    let with = |namespace: fluxdsl::NamespaceName| {
        let mut cluster = Cluster::new("");
        let sync = cluster.file("clusters/dev/sync.yaml");
        let repo = super::fleet_source(&mut cluster, &sync);
        let apps = cluster.file("apps/release.yaml");
        let charts = cluster.add(
            &apps,
            HelmRepository::builder()
                .name(name!("charts"))
                .namespace(namespace)
                .url("https://example.com/charts")
                .interval(duration!("1h"))
                .build(),
        );
        cluster.add(
            &sync,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&repo)
                .path("./apps")
                .target_namespace(namespace!("apps"))
                .health_checks(&[fluxdsl::HealthCheck::of(&charts)])
                .interval(duration!("10m"))
                .prune(true)
                .build(),
        );
        cluster
    };
    // Declared where it lands: the health check names the right namespace.
    let rendered = with(namespace!("apps"))
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        rendered
            .file("clusters/dev/sync.yaml")
            .unwrap()
            .contains("    name: charts\n    namespace: apps\n")
    );
    // Declared elsewhere: kustomize-controller would move it, the check would look in vain.
    let err = with(namespace!("flux-system"))
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "HelmRepository flux-system/charts metadata.namespace: is declared in namespace \
             \"flux-system\", but Kustomization flux-system/apps applies it with targetNamespace \
             \"apps\", so it lands in \"apps\""
        ) && err.contains("tests/suite/folders.rs"),
        "{err}"
    );
}

#[test]
fn a_generated_secret_reaches_every_flux_field_that_names_one_as_kustomize_builds_it() {
    use fluxdsl::{Bucket, EventSource, Provider, ProviderType, Receiver, ReceiverType};
    let mut cluster = Cluster::new("");
    let folder = cluster.kustomize_folder(
        "alerts",
        KustomizeConfig::builder()
            .namespace(namespace!("flux-system"))
            .resource_list(&[])
            .build(),
    );
    let env = cluster.verbatim_file("alerts/token.env", "token=not-a-secret\n");
    let token = cluster.generate_secret("alerts", SecretGenerator::from_env(name!("token"), &env));
    cluster.allow_secret_in_clear(&token);
    let file = cluster.folder_file(&folder, "alerts.yaml");
    cluster.add(
        &file,
        Provider::builder()
            .name(name!("slack"))
            .provider_type(ProviderType::Slack)
            .secret_ref(&token)
            .build(),
    );
    let bucket = cluster.add(
        &file,
        Bucket::builder()
            .name(name!("artifacts"))
            .bucket_name("artifacts")
            .endpoint("minio.example.com")
            .secret_ref(&token)
            .interval(duration!("5m"))
            .build(),
    );
    cluster.add(
        &file,
        Receiver::builder()
            .name(name!("github"))
            .receiver_type(ReceiverType::Github)
            .secret_ref(&token)
            .resources(&[EventSource::of(&bucket)])
            .build(),
    );
    let built = build(&cluster, "alerts");
    let secret = find(&built, "Secret", "token-")["metadata"]["name"].clone();
    for kind in ["Provider", "Bucket", "Receiver"] {
        let object = built.iter().find(|o| o["kind"] == kind).unwrap();
        assert_eq!(
            object["spec"]["secretRef"]["name"], secret,
            "{kind}: {object:#}"
        );
    }
}

#[test]
fn a_values_from_key_its_config_map_does_not_hold_is_refused() {
    let with = |values_from: fn(&Ref<ConfigMap>) -> ValuesFrom| {
        let mut cluster = Cluster::new("");
        let folder = cluster.kustomize_folder(
            "apps/podinfo",
            KustomizeConfig::builder()
                .namespace(namespace!("podinfo"))
                .resource_list(&[])
                .build(),
        );
        let values = cluster.data_file(
            "apps/podinfo/values.yaml",
            &serde_json::json!({"replicaCount": 2}),
        );
        let generated = cluster.generate_config_map(
            "apps/podinfo",
            ConfigMapGenerator::from_files(name!("podinfo-values"), &[&values]),
        );
        let file = cluster.folder_file(&folder, "release.yaml");
        let charts = cluster.add(
            &file,
            HelmRepository::builder()
                .name(name!("podinfo"))
                .url("https://stefanprodan.github.io/podinfo")
                .interval(duration!("1h"))
                .build(),
        );
        cluster.add(
            &file,
            HelmRelease::builder()
                .name(name!("podinfo"))
                .chart(Chart::from_source(&charts, "podinfo"))
                .interval(duration!("1h"))
                .values_from(&[values_from(&generated)])
                .build(),
        );
        cluster.render().map(|_| ()).map_err(|e| e.to_string())
    };
    // `values.yaml`, the key Flux reads by default, is the file's name.
    assert_eq!(with(ValuesFrom::config_map), Ok(()));
    assert_eq!(
        with(|c| ValuesFrom::config_map(c).key("prod.yaml").optional()),
        Ok(())
    );
    let err = with(|c| ValuesFrom::config_map(c).key("prod.yaml")).unwrap_err();
    assert!(
        err.contains(
            "HelmRelease podinfo/podinfo spec.valuesFrom: reads key \"prod.yaml\" of ConfigMap \
             podinfo/podinfo-values, which holds only values.yaml"
        ) && err.contains("tests/suite/folders.rs"),
        "{err}"
    );
}

#[test]
fn what_a_folder_or_a_verbatim_file_would_silently_break_is_refused() {
    use fluxdsl::ConfigMapGenerator;
    let refusal = |c: &Cluster| c.render().map(|_| ()).unwrap_err().to_string();
    // A namePrefix that makes a Flux object's name longer than 63 characters.
    let mut c = Cluster::new("");
    let folder = c.kustomize_folder(
        "apps",
        KustomizeConfig::builder()
            .name_prefix("staging-cluster-")
            .resource_list(&[])
            .build(),
    );
    let f = c.folder_file(&folder, "repo.yaml");
    c.add(
        &f,
        HelmRepository::builder()
            .name(name!("a-helm-repository-name-that-is-fifty-characters-x"))
            .url("https://example.com/charts")
            .interval(duration!("1h"))
            .build(),
    );
    let err = refusal(&c);
    assert!(
        err.contains(
            "metadata.name: \"staging-cluster-a-helm-repository-name-that-is-fifty-characters-x\", \
             the name the namePrefix/nameSuffix of apps/kustomization.yaml gives it: it is \
             longer than 63 characters"
        ),
        "{err}"
    );

    // A file of its own where fluxdsl writes the generators' configurations.
    let mut c = Cluster::new("");
    c.kustomize_folder(
        "apps",
        KustomizeConfig::builder().resource_list(&[]).build(),
    );
    let values = c.data_file("apps/values.yaml", &serde_json::json!({"a": 1}));
    c.generate_config_map(
        "apps",
        ConfigMapGenerator::from_files(name!("values"), &[&values]),
    );
    c.verbatim_file("apps/kustomizeconfig.yaml", "nameReference: []\n");
    let err = refusal(&c);
    assert!(
        err.contains(
            "file \"apps/kustomizeconfig.yaml\": is where fluxdsl writes the configurations"
        ),
        "{err}"
    );

    // A verbatim manifest that is also a typed object.
    let mut c = Cluster::new("");
    let f = c.file("a.yaml");
    c.add(&f, charts());
    c.verbatim_file(
        "b.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  \
         namespace: flux-system\nspec:\n  interval: 1h\n  url: https://example.com/charts\n",
    );
    let err = refusal(&c);
    assert!(
        err.contains(
            "file \"b.yaml\" holds HelmRepository flux-system/charts, which is also declared as \
             an object: Flux would get it twice"
        ) && err.contains("tests/suite/folders.rs"),
        "{err}"
    );
}

#[test]
fn a_kustomization_component_that_is_not_rendered_is_refused_unless_it_may_be_missing() {
    let with = |component: &str, may_be_missing: bool| {
        let mut c = Cluster::new("");
        let sync = c.file("clusters/dev/sync.yaml");
        let repo = super::fleet_source(&mut c, &sync);
        c.kustomize_component(
            "components/monitoring",
            KustomizeConfig::builder().resource_list(&[]).build(),
        );
        let apps = c.file("apps/repo.yaml");
        c.add(&apps, charts());
        c.add(
            &sync,
            Kustomization::builder()
                .name(name!("apps"))
                .source_ref(&repo)
                .path("./apps")
                .components(&[component])
                .ignore_missing_components(may_be_missing)
                .interval(duration!("10m"))
                .prune(true)
                .build(),
        );
        c.render().map(|_| ()).map_err(|e| e.to_string())
    };
    assert_eq!(with("../components/monitoring", false), Ok(()));
    assert_eq!(with("../components/monitorin", true), Ok(()));
    let err = with("../components/monitorin", false).unwrap_err();
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.components: \"./apps/../components/monitorin\" \
             points into the tree this program renders at \"\", but nothing is rendered in \
             components/monitorin"
        ),
        "{err}"
    );
}

/// A HelmRepository `charts` in flux-system.
fn charts() -> HelmRepository {
    HelmRepository::builder()
        .name(name!("charts"))
        .url("https://example.com/charts")
        .interval(duration!("1h"))
        .build()
}

#[test]
fn a_folder_kustomize_controller_cannot_build_is_refused_with_the_kustomization() {
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&repo)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    let repository_file = cluster.file("apps/repository.yaml");
    cluster.kustomize_folder(
        "apps",
        KustomizeConfig::builder()
            .resources(&[&repository_file])
            .patches(&[fluxdsl::Patch::strategic_merge(
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: chart\nspec:\n  interval: 5m\n",
            )])
            .build(),
    );
    cluster.add(&repository_file, charts());
    let err = fluxdsl::Repository::of_one(cluster)
        .render()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "Kustomization flux-system/apps spec.path: kustomize-controller cannot build \"./apps\": \
             apps/kustomization.yaml: no resource matches strategic merge patch \
             source.toolkit.fluxcd.io/v1 HelmRepository chart"
        ),
        "{err}"
    );
    assert!(err.contains("declared at tests/suite/folders.rs:"), "{err}");
}
