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

/// A cluster whose folder `apps` holds a HelmRepository named of a variable and a
/// HelmRelease reading it, applied with `cluster_name` set to `value` (no postBuild at all
/// when `None`).
fn named_of_variables(value: Option<&str>) -> Cluster {
    use fluxdsl::{Chart, HelmRelease, HelmRepository, Name};
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    let apps = cluster.file("apps/podinfo.yaml");
    let charts = cluster.add(
        &apps,
        HelmRepository::builder()
            .name(Name::with_variables("${cluster_name}-charts").unwrap())
            .namespace(namespace!("apps"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    cluster.add(
        &apps,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("apps"))
            .chart(Chart::from_source(&charts, "podinfo"))
            .interval(duration!("1h"))
            .build(),
    );
    let kustomization = match value {
        Some(value) => apps_substituting(&repo, PostBuild::new().substitute("cluster_name", value)),
        None => Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&repo)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    };
    cluster.add(&sync, kustomization);
    cluster
}

/// Kustomization flux-system/apps, building `./apps` from `repo` with `post_build`.
fn apps_substituting(repo: &Ref<fluxdsl::GitRepository>, post_build: PostBuild) -> Kustomization {
    Kustomization::builder()
        .name(name!("apps"))
        .source_ref(repo)
        .path("./apps")
        .interval(duration!("10m"))
        .prune(true)
        .post_build(post_build)
        .build()
}

#[test]
fn a_name_of_variables_is_checked_with_the_values_of_the_kustomization_that_applies_it() {
    let rendered = named_of_variables(Some("staging"))
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    let file = rendered.file("apps/podinfo.yaml").unwrap();
    assert!(file.contains("  name: ${cluster_name}-charts\n"), "{file}");
    // The release's handle names the same template, which Flux substitutes alike.
    assert!(
        file.contains("        kind: HelmRepository\n        name: ${cluster_name}-charts\n"),
        "{file}"
    );

    let refused = named_of_variables(Some("Staging_1"))
        .render()
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("HelmRepository apps/${cluster_name}-charts")
            && refused.contains("metadata.name")
            && refused.contains(
                "\"${cluster_name}-charts\" becomes \"Staging_1-charts\" under the postBuild \
                 substitution of Kustomization flux-system/apps, which the API server refuses"
            )
            && refused.contains("tests/suite/substitution.rs"),
        "{refused}"
    );

    // `tree` shows what the Kustomization sets.
    let tree = fluxdsl::Repository::from(named_of_variables(Some("staging")))
        .tree(None)
        .unwrap();
    assert!(
        tree.contains("Kustomization/flux-system/apps (postBuild: cluster_name=staging)\n"),
        "{tree}"
    );

    // `print --effective` shows the objects as Flux applies them.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = fluxdsl::cli::run_with(
        &named_of_variables(Some("staging")).into(),
        ["cluster", "print", "--effective"],
        &mut out,
        &mut err,
    );
    let effective = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(
        effective.contains("# Kustomization/flux-system/apps applies 2 object(s)\n")
            && effective.contains(
                "kind: HelmRepository\nmetadata:\n  name: staging-charts\n  namespace: apps\n"
            )
            && effective.contains("        kind: HelmRepository\n        name: staging-charts\n")
            && !effective.contains("${"),
        "{effective}"
    );

    let unsubstituted = named_of_variables(None)
        .render()
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        unsubstituted.contains(
            "\"${cluster_name}-charts\" holds postBuild variables, but Kustomization \
             flux-system/apps applies it without postBuild substitution"
        ),
        "{unsubstituted}"
    );
}

const WIDGET_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    listKind: WidgetList
    plural: widgets
    singular: widget
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              host:
                type: string
                pattern: "^[a-z0-9.-]+$"
              port:
                type: integer
                maximum: 65535
"#;

/// A cluster declaring the Widget CRD, and in folder `apps` a Widget whose host and port
/// are postBuild variables, applied with `vars`.
fn widget_with(vars: &[(&str, &str)]) -> Cluster {
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    let crds = cluster.file("clusters/dev/crds.yaml");
    cluster.add(
        &crds,
        fluxdsl::UpstreamManifest::yaml("the Widget CRD", WIDGET_CRD),
    );
    let apps = cluster.file("apps/widget.yaml");
    cluster.add_manifest(
        &apps,
        serde_json::json!({
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": { "name": "web", "namespace": "apps" },
            "spec": { "host": "${host}", "port": "${port}" },
        }),
    );
    let post_build = vars
        .iter()
        .fold(PostBuild::new(), |p, (k, v)| p.substitute(k, v));
    cluster.add(&sync, apps_substituting(&repo, post_build));
    cluster
}

#[test]
fn a_schema_checks_variables_once_each_kustomization_has_substituted_them() {
    // `${port}` is a string only until substitution: the CRD's integer and pattern are
    // checked with the values, as Flux applies the object.
    let rendered = widget_with(&[("host", "example.com"), ("port", "8080")])
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        rendered
            .file("apps/widget.yaml")
            .unwrap()
            .contains("  port: ${port}\n")
    );
    let message = widget_with(&[("host", "Example_COM"), ("port", "70000")])
        .render()
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(
            "spec.port, after the postBuild substitution of Kustomization flux-system/apps: \
             70000 is above the maximum 65535"
        ) && message.contains("spec.host, after the postBuild substitution of Kustomization flux-system/apps: \"Example_COM\" does not match the pattern"),
        "{message}"
    );
}

/// Kustomizations `apps` (folder `apps`) and `infra` (folder `infra`, depending on `apps`
/// when `infra_waits`), `apps` substituting from ConfigMap `vars` declared in `vars_file`.
fn ordered(vars_file: &str, infra_waits: bool, optional: bool) -> Cluster {
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    let file = cluster.file(vars_file);
    let vars = cluster.add(&file, config_map("vars", &[("cluster_name", "dev")], false));
    let from = SubstituteFrom::config_map(&vars);
    let from = if optional { from.optional() } else { from };
    let apps = cluster.add(
        &sync,
        Kustomization::builder()
            .name(name!("apps"))
            .namespace(namespace!("apps"))
            .source_ref(&repo)
            .path("./apps")
            .interval(duration!("10m"))
            .prune(true)
            .post_build(PostBuild::new().substitute_from(from))
            .build(),
    );
    let infra = Kustomization::builder()
        .name(name!("infra"))
        .namespace(namespace!("apps"))
        .source_ref(&repo)
        .path("./infra")
        .interval(duration!("10m"))
        .prune(true);
    let infra = if infra_waits {
        infra.depends_on(&[&apps]).build()
    } else {
        infra.build()
    };
    cluster.add(&sync, infra);
    let app = cluster.file("apps/app.yaml");
    cluster.add(
        &app,
        config_map("app", &[("name", "${cluster_name}")], false),
    );
    let other = cluster.file("infra/other.yaml");
    cluster.add(&other, config_map("other", &[], false));
    cluster
}

fn refusal_of(cluster: Cluster) -> Option<String> {
    cluster.render().err().map(|e| e.to_string())
}

#[test]
fn a_substitute_from_source_must_exist_before_the_kustomization_that_reads_it() {
    // Applied by another Kustomization that does not wait for this one: fine.
    assert_eq!(refusal_of(ordered("infra/vars.yaml", false, false)), None);
    // Applied by nobody.
    let never = refusal_of(ordered("elsewhere/vars.yaml", false, false)).unwrap();
    assert!(
        never.contains("spec.postBuild.substituteFrom")
            && never.contains("substitutes from ConfigMap apps/vars, which no Kustomization of")
            && never.contains("it never exists there"),
        "{never}"
    );
    // …unless optional.
    assert_eq!(
        refusal_of(ordered("elsewhere/vars.yaml", false, true)),
        None
    );
    // Applied by itself.
    let itself = refusal_of(ordered("apps/vars.yaml", false, false)).unwrap();
    assert!(
        itself.contains("substitutes from ConfigMap apps/vars, which it applies itself"),
        "{itself}"
    );
    // Applied by a Kustomization that waits for this one: a deadlock.
    let deadlock = refusal_of(ordered("infra/vars.yaml", true, false)).unwrap();
    assert!(
        deadlock.contains(
            "substitutes from ConfigMap apps/vars, which only Kustomization apps/infra \
             applies, and that waits for this one (Kustomization apps/infra depends on \
             Kustomization apps/apps): neither ever becomes ready"
        ),
        "{deadlock}"
    );
}

/// A cluster whose folder `apps` holds a HelmRepository named `template` and a ConfigMap
/// holding `data`, applied with `domain` set to `value`.
fn operators(template: &str, data: &str, value: &str) -> Cluster {
    use fluxdsl::{HelmRepository, Name};
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/dev/sync.yaml");
    let repo = super::fleet_source(&mut cluster, &sync);
    let apps = cluster.file("apps/podinfo.yaml");
    cluster.add(
        &apps,
        HelmRepository::builder()
            .name(Name::with_variables(template).unwrap())
            .namespace(namespace!("apps"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    cluster.add(&apps, config_map("settings", &[("text", data)], false));
    cluster.add(
        &sync,
        apps_substituting(&repo, PostBuild::new().substitute("domain", value)),
    );
    cluster
}

#[test]
fn the_operators_of_flux_s_envsubst_are_substituted_and_what_it_cannot_parse_is_refused() {
    // `${domain/./-}`: the first `.` replaced, as kustomize-controller does; the name is
    // checked as it becomes.
    operators(
        "${domain/./-}-charts",
        "${domain^^} ${#domain} ${domain%%.*}",
        "example.com",
    )
    .render()
    .unwrap_or_else(|e| panic!("{e}"));
    let refused = refusal_of(operators("${domain/./-}-charts", "x", "exa_mple.com")).unwrap();
    assert!(
        refused.contains(
            "\"${domain/./-}-charts\" becomes \"exa_mple-com-charts\" under the postBuild \
             substitution of Kustomization flux-system/apps, which the API server refuses"
        ),
        "{refused}"
    );
    // Flux's fork has no `${var-default}` (only `:-`): the whole document fails to
    // substitute, and render says where.
    let refused = refusal_of(operators(
        "${domain/./-}-charts",
        "${missing-none}",
        "example.com",
    ))
    .unwrap();
    assert!(
        refused.contains(
            "ConfigMap apps/settings: data.text: \"${missing-none}\" is not what the postBuild \
             substitution of Kustomization flux-system/apps parses (missing closing brace)"
        ),
        "{refused}"
    );
    assert_eq!(
        refused.matches("is not what the postBuild").count(),
        1,
        "{refused}"
    );
    let named = fluxdsl::Name::with_variables("${domain-x}-charts")
        .unwrap_err()
        .to_string();
    assert!(named.contains("no `${name-default}`"), "{named}");
}
