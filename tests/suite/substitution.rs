//! postBuild substitution over what a Kustomization applies: a `${var}` it does not define
//! (and gives no default) is refused, naming the object, the field, the variable and the
//! Kustomization; escapes, defaults, the opt-out annotation and variables from generated
//! ConfigMaps pass; a source whose keys this program cannot know silences the check.

use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    Cluster, ConfigMapGenerator, GeneratorOptions, Kustomization, KustomizeConfig, PostBuild, Ref,
    SubstituteFrom, duration, name, namespace,
};

fn config_map(name: &str, data: &[(&str, &str)], disabled: bool) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("apps".into()),
            annotations: disabled.then(|| {
                [(
                    "kustomize.toolkit.fluxcd.io/substitute".to_string(),
                    "disabled".to_string(),
                )]
                .into()
            }),
            ..ObjectMeta::default()
        },
        data: Some(
            data.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        ..ConfigMap::default()
    }
}

/// A cluster applying folder `apps` (namespace `apps`) with `post_build`: its ConfigMaps
/// and a generated ConfigMap `cluster-vars` (`DOMAIN` from a `.env`).
fn cluster(post_build: impl Fn(&Ref<ConfigMap>) -> PostBuild) -> Cluster {
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    let apps = cluster.file("apps/config.yaml");
    cluster.add(
        &apps,
        config_map(
            "scripts",
            &[
                ("run.sh", "cd ${HOME} && echo $${USER} $PATH"),
                ("site", "https://${DOMAIN}/${cluster_name}"),
                ("level", "${LOG_LEVEL:=info}"),
            ],
            false,
        ),
    );
    cluster.add(&apps, config_map("template", &[("t", "${ANYTHING}")], true));
    let vars = cluster.verbatim_file("apps/vars.env", "DOMAIN=example.com\n");
    cluster.kustomize_config(
        "apps",
        KustomizeConfig::builder()
            .namespace(namespace!("apps"))
            .resources(&[&apps])
            .build(),
    );
    let vars = cluster.generate_config_map(
        "apps",
        ConfigMapGenerator::from_env(name!("cluster-vars"), &vars).options(GeneratorOptions {
            disable_name_suffix_hash: true,
            ..GeneratorOptions::default()
        }),
    );
    cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("apps"))
            .namespace(namespace!("apps"))
            .source_ref(&repo)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .post_build(post_build(&vars))
            .build(),
    );
    cluster
}

#[test]
fn a_variable_the_kustomization_does_not_define_is_refused() {
    let c = cluster(|vars| {
        PostBuild::new()
            .substitute("cluster_name", "dev")
            .substitute_from(SubstituteFrom::config_map(vars))
    });
    let err = c.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "ConfigMap apps/scripts: data.run.sh: ${HOME} is a variable the postBuild substitution \
             of Kustomization apps/apps replaces, and it defines no \"HOME\"",
            "write $${HOME} to keep the text, annotate the object \
             kustomize.toolkit.fluxcd.io/substitute: disabled",
        ],
    );
    // Escapes, unbraced $PATH, defaults, variables from substitute and from the generated
    // ConfigMap's keys, and the annotated object all pass.
    assert_eq!(
        err.matches("is a variable the postBuild").count(),
        1,
        "{err}"
    );
}

#[test]
fn without_the_variables_source_every_use_is_named_and_an_unknown_source_silences_it() {
    let c = cluster(|_| PostBuild::new().substitute("cluster_name", "dev"));
    let err = c.render().unwrap_err().to_string();
    assert!(err.contains("data.site: ${DOMAIN}"), "{err}");
    assert!(err.contains("data.run.sh: ${HOME}"), "{err}");
    // A ConfigMap made elsewhere may hold any variable.
    let c = cluster(|_| {
        PostBuild::new().substitute_from(SubstituteFrom::config_map(&Ref::existing(
            &namespace!("apps"),
            name!("cluster-settings"),
        )))
    });
    c.render().unwrap_or_else(|e| panic!("{e}"));
}
