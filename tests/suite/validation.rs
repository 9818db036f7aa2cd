//! What types cannot catch is refused before anything is written, and every message names
//! the Rust file:line of each declaration involved.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{
    Cluster, Error, GitRef, GitRepository, Kustomization, KustomizeConfig, NamespaceName, Ref,
    duration, name, namespace,
};

fn repo(name: fluxdsl::Name) -> GitRepository {
    GitRepository::builder()
        .name(name)
        .url("https://example.com/repo")
        .reference(GitRef::branch("main"))
        .interval(duration!("1m"))
        .build()
}

/// A Kustomization of `path` in `source`, every 1m, pruning.
fn ks<K: fluxdsl::KustomizationSource>(
    name: fluxdsl::Name,
    source: &Ref<K>,
    path: &str,
) -> Kustomization {
    Kustomization::builder()
        .name(name)
        .source_ref(source)
        .path(path)
        .interval(duration!("1m"))
        .prune(true)
        .build()
}

fn refused(cluster: &Cluster) -> String {
    match cluster.render() {
        Err(e @ Error::Refused(_)) => e.to_string(),
        Err(e) => panic!("expected a refusal, got {e}"),
        Ok(_) => panic!("expected a refusal, the definition rendered"),
    }
}

fn site(line: u32) -> String {
    format!("tests/suite/validation.rs:{line}:")
}

#[test]
fn duplicate_objects_name_both_declarations() {
    let mut c = Cluster::new("t");
    let a = c.file("a.yaml");
    let b = c.file("b.yaml");
    let first = line!() + 1;
    c.add(&a, repo(name!("podinfo")));
    let second = line!() + 1;
    c.add(&b, repo(name!("podinfo")));
    let msg = refused(&c);
    assert!(
        msg.contains("GitRepository flux-system/podinfo: is declared twice"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("declared first at {}", site(first))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("declared again at {}", site(second))),
        "{msg}"
    );
    assert!(msg.contains("nothing was written"), "{msg}");
}

#[test]
fn same_name_in_another_namespace_or_kind_is_not_a_duplicate() {
    let mut c = Cluster::new("t");
    let a = c.file("a.yaml");
    let source = c.add(&a, repo(name!("podinfo")));
    c.add(
        &a,
        GitRepository::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("apps"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/repo")
            .interval(duration!("1m"))
            .build(),
    );
    c.add(&a, ks(name!("podinfo"), &source, "./"));
    c.render().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_path_into_our_tree_with_no_such_folder_names_both_declarations() {
    let mut c = Cluster::new("k8s/flux");
    let f = c.file("flux-system/gotk-sync.yaml");
    let repo_line = line!() + 1;
    let source = c.add(&f, repo(name!("flux-system")));
    c.source_is_this_repository(&source);
    let ks_line = line!() + 1;
    c.add(&f, ks(name!("apps"), &source, "./k8s/flux/apps"));
    // Outside the rendered tree, a path is not ours to check; inside, folders that exist
    // pass, a leading `/` being the source's root (kustomize-controller's securejoin).
    for ok in [
        "./elsewhere",
        "./k8s/flux",
        "./k8s/flux/flux-system/",
        "/k8s/flux/flux-system",
    ] {
        c.add(
            &f,
            ks(
                fluxdsl::Name::new(format!("ok-{}", ok.len())).unwrap(),
                &source,
                ok,
            ),
        );
    }
    let msg = refused(&c);
    assert!(
        msg.contains("Kustomization flux-system/apps spec.path"),
        "{msg}"
    );
    assert!(
        msg.contains("nothing is rendered in k8s/flux/apps"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("declared at {}", site(ks_line))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("source declared at {}", site(repo_line))),
        "{msg}"
    );
    assert_eq!(
        msg.matches("spec.path").count(),
        1,
        "only the bad path: {msg}"
    );
}

#[test]
fn two_different_files_at_one_path_name_both_declarations() {
    let mut c = Cluster::new("t");
    let first = line!() + 1;
    let f = c.file("flux-system/kustomization.yaml");
    c.add(&f, repo(name!("x")));
    let second = line!() + 1;
    c.kustomize_config(
        "flux-system",
        KustomizeConfig::builder().resources(&[&f]).build(),
    );
    let msg = refused(&c);
    assert!(
        msg.contains("\"flux-system/kustomization.yaml\" of tree \"t\" is declared twice"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("declared first at {}", site(first))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("declared again at {}", site(second))),
        "{msg}"
    );
}

#[test]
fn a_local_reference_to_another_namespace_is_refused() {
    let mut c = Cluster::new("t");
    let f = c.file("a.yaml");
    let secret_line = line!() + 1;
    let key: Ref<Secret> = Ref::existing(&namespace!("other"), name!("key"));
    let repo_line = line!() + 1;
    c.add(
        &f,
        GitRepository::builder()
            .name(name!("x"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/repo")
            .secret_ref(&key)
            .interval(duration!("1m"))
            .build(),
    );
    let msg = refused(&c);
    assert!(
        msg.contains("GitRepository flux-system/x spec.secretRef"),
        "{msg}"
    );
    assert!(msg.contains("its own namespace \"flux-system\""), "{msg}");
    assert!(
        msg.contains(&format!("declared at {}", site(repo_line))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "referenced object imported at {}",
            site(secret_line)
        )),
        "{msg}"
    );
}

#[test]
fn cross_namespace_references_can_be_forbidden() {
    let build = |forbid: bool| {
        let mut c = Cluster::new("t");
        if forbid {
            c.forbid_cross_namespace_refs();
        }
        let f = c.file("a.yaml");
        let infra = c.add(
            &f,
            GitRepository::builder()
                .name(name!("infra"))
                .namespace(namespace!("infra"))
                .reference(fluxdsl::GitRef::branch("main"))
                .url("https://example.com/repo")
                .interval(duration!("1m"))
                .build(),
        );
        c.add(
            &f,
            Kustomization::builder()
                .name(name!("apps"))
                .namespace(namespace!("apps"))
                .source_ref(&infra)
                .path("./")
                .interval(duration!("1m"))
                .prune(true)
                .build(),
        );
        c
    };
    let allowed = build(false).render().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        allowed
            .file("a.yaml")
            .unwrap()
            .contains("    namespace: infra\n")
    );
    let msg = refused(&build(true));
    assert!(
        msg.contains("Kustomization apps/apps spec.sourceRef"),
        "{msg}"
    );
    assert!(msg.contains("forbids cross-namespace references"), "{msg}");
    assert!(
        msg.contains("referenced object declared at tests/suite/validation.rs:"),
        "{msg}"
    );
}

#[test]
fn a_handle_from_another_cluster_is_refused() {
    let mut other = Cluster::new("other");
    let of = other.file("a.yaml");
    let declared_line = line!() + 1;
    let foreign = other.add(&of, repo(name!("foreign")));

    let mut c = Cluster::new("t");
    let f = c.file("a.yaml");
    c.add(&f, ks(name!("apps"), &foreign, "./"));
    let msg = refused(&c);
    assert!(msg.contains("handle comes from another Cluster"), "{msg}");
    assert!(msg.contains(&site(declared_line)), "{msg}");
}

#[test]
fn runtime_values_flux_rejects_are_refused() {
    let mut c = Cluster::new("t");
    let f = c.file("a.yaml");
    c.add(
        &f,
        GitRepository::builder()
            .name(name!("scp"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("git@github.com:org/repo")
            .timeout(duration!("2h"))
            .interval(duration!("1m"))
            .build(),
    );
    let msg = refused(&c);
    assert!(
        msg.contains("spec.url: \"git@github.com:org/repo\" is not a URL Flux accepts"),
        "{msg}"
    );
    assert!(
        msg.contains("spec.timeout: 2h0m0s is not accepted here"),
        "{msg}"
    );
    assert!(fluxdsl::Name::new("Not-Valid").is_err());
    assert!(NamespaceName::new("a.b").is_err());
    assert!(fluxdsl::Duration::parse("1d").is_err());
}

#[test]
fn kustomize_config_resource_paths_must_exist_in_the_tree() {
    let mut c = Cluster::new("t");
    let f = c.file("apps/base/app.yaml");
    c.add(&f, repo(name!("x")));
    c.kustomize_config(
        "apps/prod",
        KustomizeConfig::builder()
            .resource_paths(&["../base", "../missing", "https://example.com/remote.yaml"])
            .build(),
    );
    let msg = refused(&c);
    assert!(
        msg.contains("resource \"../missing\" names nothing this program renders"),
        "{msg}"
    );
    assert!(!msg.contains("../base\""), "{msg}");
}

#[test]
fn an_apps_tree_path_with_no_folder_names_the_kustomization_its_source_and_the_tree() {
    let mut c = Cluster::new("k8s/flux");
    let f = c.file("apps.yaml");
    let repo_line = line!() + 1;
    let apps = c.add(&f, repo(name!("kube-deploy")));
    let tree_line = line!() + 1;
    let tree = c.repository_tree(&apps, "kube-deploy", "");
    let app_file = c.file_in(&tree, "owncloud/namespace.yaml");
    c.add(
        &app_file,
        fluxdsl::k8s_openapi::api::core::v1::Namespace {
            metadata: fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("owncloud".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    for (name, path) in [
        (name!("owncloud"), "./owncloud"),
        (name!("seeddms"), "./seeddms"),
    ] {
        c.add(&f, ks(name, &apps, path));
    }
    let msg = refused(&c);
    assert!(
        msg.contains("Kustomization flux-system/seeddms spec.path"),
        "{msg}"
    );
    assert!(
        msg.contains("nothing is rendered in kube-deploy/seeddms"),
        "{msg}"
    );
    assert!(!msg.contains("flux-system/owncloud spec.path"), "{msg}");
    assert!(
        msg.contains(&format!("source declared at {}", site(repo_line))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("tree declared at {}", site(tree_line))),
        "{msg}"
    );
}

#[test]
fn an_ingress_to_a_port_the_app_lacks_is_refused() {
    let mut c = Cluster::new("t");
    let f = c.file("web.yaml");
    let app = fluxdsl::App::builder()
        .name(name!("web"))
        .namespace(namespace!("web"))
        .image("docker.io/library/nginx:1.27")
        .ports(&[fluxdsl::Port::http(name!("http"), 8080)])
        .ingress(fluxdsl::Ingress::new("web.example.com", name!("https")))
        .build();
    let line = line!() + 1;
    c.add(&f, app);
    let msg = refused(&c);
    assert!(
        msg.contains(
            "app web/web: the ingress names port \"https\", but the app's ports are [\"http\"]"
        ),
        "{msg}"
    );
    assert!(msg.contains(&site(line)), "{msg}");
}

/// A cluster with a GitRepository `mono` split by an ArtifactGenerator `mono` into one
/// artifact, `apps`; its file and the generator's handle.
fn mono_generator() -> (Cluster, fluxdsl::File, Ref<fluxdsl::ArtifactGenerator>) {
    use fluxdsl::{ArtifactGenerator, CopyOperation, GeneratedArtifact, GeneratorSourceRef};
    let mut c = Cluster::new("t");
    let f = c.file("a.yaml");
    let source = c.add(&f, repo(name!("mono")));
    let generator = c.add(
        &f,
        ArtifactGenerator::builder()
            .name(name!("mono"))
            .sources(&[GeneratorSourceRef::new("mono", &source)])
            .artifacts(&[GeneratedArtifact::new(
                name!("apps"),
                &[CopyOperation::new("@mono/apps/**", "@artifact/")],
            )])
            .build(),
    );
    (c, f, generator)
}

#[test]
fn an_artifact_the_generator_does_not_produce_is_refused() {
    let (mut c, f, generator) = mono_generator();
    let line = line!() + 1;
    let missing = generator.artifact(name!("infra"));
    c.add(&f, ks(name!("infra"), &missing, "./"));
    let msg = refused(&c);
    assert!(
        msg.contains("but ArtifactGenerator flux-system/mono produces no artifact of that name"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("referenced artifact named at {}", site(line))),
        "{msg}"
    );
}

#[test]
fn an_external_artifact_a_generator_produces_cannot_be_declared_too() {
    use fluxdsl::ExternalArtifact;
    let (mut c, f, generator) = mono_generator();
    let line = line!() + 1;
    c.add(
        &f,
        ExternalArtifact::builder()
            .name(name!("apps"))
            .source_ref(&generator)
            .build(),
    );
    // Another name is an artifact of some other controller: accepted.
    c.add(&f, ExternalArtifact::builder().name(name!("other")).build());
    let msg = refused(&c);
    assert!(
        msg.contains(
            "ExternalArtifact flux-system/apps: is produced by ArtifactGenerator flux-system/mono, which writes and owns it"
        ),
        "{msg}"
    );
    assert!(msg.contains(&site(line)), "{msg}");
    assert!(!msg.contains("flux-system/other"), "{msg}");
}

#[test]
fn a_namespace_scope_puts_what_is_declared_in_it_and_renders_the_namespace() {
    let mut c = Cluster::new("t");
    let f = c.file("podinfo.yaml");
    let podinfo = c.namespace(&f, namespace!("podinfo"));
    let source = c.add_in(&podinfo, &f, repo(name!("podinfo")));
    let config = c.add_in(
        &podinfo,
        &f,
        fluxdsl::k8s_openapi::api::core::v1::ConfigMap {
            metadata: fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("values".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert_eq!(source.namespace(), Some("podinfo"));
    assert_eq!(config.namespace(), Some("podinfo"));
    assert_eq!(podinfo.handle().unwrap().name(), "podinfo");
    // An existing namespace's scope renders no Namespace object.
    let shared = c.existing_namespace(namespace!("shared"));
    let other = c.add_in(&shared, &f, repo(name!("other")));
    assert_eq!(other.namespace(), Some("shared"));
    let text = c.render().unwrap().to_listing();
    assert_eq!(text.matches("kind: Namespace\n").count(), 1, "{text}");
    assert!(
        text.contains("kind: GitRepository\nmetadata:\n  name: podinfo\n  namespace: podinfo\n"),
        "{text}"
    );
    assert!(
        text.contains("  name: values\n  namespace: podinfo\n"),
        "{text}"
    );
}

#[test]
fn a_namespace_scope_refuses_another_namespace_and_cluster_scoped_objects() {
    let mut c = Cluster::new("t");
    let f = c.file("a.yaml");
    let apps = c.namespace(&f, namespace!("apps"));
    let elsewhere = line!() + 1;
    c.add_in(
        &apps,
        &f,
        GitRepository::builder()
            .name(name!("x"))
            .namespace(namespace!("other"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/x")
            .interval(duration!("1m"))
            .build(),
    );
    let cluster_scoped = line!() + 1;
    c.add_in(
        &apps,
        &f,
        fluxdsl::k8s_openapi::api::rbac::v1::ClusterRole {
            metadata: fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("reader".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    let msg = refused(&c);
    assert!(
        msg.contains("GitRepository other/x metadata.namespace: ")
            && msg.contains("ClusterRole reader metadata.namespace: "),
        "the objects are named: {msg}"
    );
    assert!(
        msg.contains(
            "it names namespace \"other\", but it is declared in the scope of namespace \"apps\""
        ) && msg.contains(&site(elsewhere)),
        "{msg}"
    );
    assert!(
        msg.contains("a cluster-scoped object has no namespace; declare it with Cluster::add")
            && msg.contains(&site(cluster_scoped)),
        "{msg}"
    );
}

#[test]
fn a_dependency_cycle_through_an_imported_handle_is_refused_naming_every_member() {
    use fluxdsl::{Chart, HelmRelease, HelmRepository, Ref};
    let mut cluster = Cluster::new("t");
    let file = cluster.file("sync.yaml");
    let repo = cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("repo"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/repo")
            .interval(duration!("1m"))
            .build(),
    );
    // A depends on B by name (imported), B on C, C on A: a loop types could not stop.
    let b_by_name: Ref<Kustomization> =
        Ref::existing(&fluxdsl::NamespaceName::FLUX_SYSTEM, name!("b"));
    let ks = |n: fluxdsl::Name| {
        Kustomization::builder()
            .name(n)
            .source_ref(&repo)
            .path("./x")
            .interval(duration!("10m"))
            .prune(true)
    };
    let a = cluster.add(&file, ks(name!("a")).depends_on(&[&b_by_name]).build());
    let c = cluster.add(&file, ks(name!("c")).depends_on(&[&a]).build());
    cluster.add(&file, ks(name!("b")).depends_on(&[&c]).build());
    // Not a cycle: D depends on A only.
    cluster.add(&file, ks(name!("d")).depends_on(&[&a]).build());
    // The same with HelmReleases.
    let charts = cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("charts"))
            .url("https://example.com/charts")
            .interval(duration!("1h"))
            .build(),
    );
    let y_by_name: Ref<HelmRelease> =
        Ref::existing(&fluxdsl::NamespaceName::FLUX_SYSTEM, name!("y"));
    let hr = |n: fluxdsl::Name| {
        HelmRelease::builder()
            .name(n)
            .chart(Chart::from_source(&charts, "app"))
            .interval(duration!("1h"))
    };
    let x = cluster.add(&file, hr(name!("x")).depends_on(&[&y_by_name]).build());
    cluster.add(&file, hr(name!("y")).depends_on(&[&x]).build());

    let err = cluster.render().unwrap_err().to_string();
    let cycles: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("reference cycle"))
        .collect();
    assert_eq!(cycles.len(), 2, "{err}");
    assert!(
        err.contains(
            "Kustomization flux-system/a --spec.dependsOn--> Kustomization flux-system/b --spec.dependsOn--> Kustomization flux-system/c --spec.dependsOn--> Kustomization flux-system/a"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "HelmRelease flux-system/x --spec.dependsOn--> HelmRelease flux-system/y --spec.dependsOn--> HelmRelease flux-system/x"
        ),
        "{err}"
    );
    assert!(!err.contains("flux-system/d --"), "{err}");
}

#[test]
fn urls_credentials_timeouts_and_paths_flux_would_reject_or_misuse_are_refused() {
    use fluxdsl::{HelmRepository, OCIRepository, Ref};
    use k8s_openapi::api::core::v1::Secret;
    let mut cluster = Cluster::new("t");
    let file = cluster.file("sources.yaml");
    let creds: Ref<Secret> = Ref::existing(&fluxdsl::NamespaceName::FLUX_SYSTEM, name!("creds"));
    cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("ftp"))
            .url("ftp://charts.example.com")
            .interval(duration!("1h"))
            .timeout(duration!("90m"))
            .build(),
    );
    cluster.add(
        &file,
        HelmRepository::builder()
            .name(name!("plain"))
            .url("http://charts.example.com")
            .secret_ref(&creds)
            .interval(duration!("1h"))
            .build(),
    );
    cluster.add(
        &file,
        OCIRepository::builder()
            .name(name!("spaced"))
            .url("oci://ghcr.io/org/my chart")
            .interval(duration!("0s"))
            .timeout(duration!("2h"))
            .build(),
    );
    let repo = cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("git"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("http://git.example.com/repo")
            .secret_ref(&creds)
            .interval(duration!("1m"))
            .build(),
    );
    cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("escape"))
            .source_ref(&repo)
            .path("./apps/../../../etc")
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "HelmRepository flux-system/ftp spec.url: \"ftp://charts.example.com\" is not a URL Flux accepts here: it must start with http://, https://",
            "HelmRepository flux-system/ftp spec.timeout: 1h30m0s is not accepted here",
            "HelmRepository flux-system/plain spec.url: credentials would be sent unencrypted",
            "OCIRepository flux-system/spaced spec.url: \"oci://ghcr.io/org/my chart\" is not a URL: it contains ' '",
            "OCIRepository flux-system/spaced spec.interval: 0s would reconcile without pause",
            "OCIRepository flux-system/spaced spec.timeout: 2h0m0s is not accepted here",
            "GitRepository flux-system/git spec.url: credentials would be sent unencrypted",
            "Kustomization flux-system/escape spec.path: \"./apps/../../../etc\" leaves the root of the source",
        ],
    );
}

/// A user's helper marked `#[track_caller]` passes its caller's line to the refusal.
#[track_caller]
fn declare_repo(cluster: &mut Cluster, file: &fluxdsl::File) {
    cluster.add(
        file,
        GitRepository::builder()
            .name(name!("same"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/x")
            .interval(duration!("1m"))
            .build(),
    );
}

#[test]
fn a_track_caller_helper_points_refusals_at_its_callers() {
    let mut cluster = Cluster::new("t");
    let file = cluster.file("a.yaml");
    let first = line!() + 1;
    declare_repo(&mut cluster, &file);
    let again = line!() + 1;
    declare_repo(&mut cluster, &file);
    let err = cluster.render().unwrap_err().to_string();
    assert!(err.contains(&format!("validation.rs:{first}:")), "{err}");
    assert!(err.contains(&format!("validation.rs:{again}:")), "{err}");
}

#[test]
fn what_the_api_server_would_reject_is_refused_for_any_object() {
    use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
    use k8s_openapi::api::core::v1::{
        ConfigMap, Container, ContainerPort, EnvVar, PodSpec, PodTemplateSpec,
        ResourceRequirements, Service, ServicePort, ServiceSpec,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    let meta = |name: &str| ObjectMeta {
        name: Some(name.into()),
        namespace: Some("apps".into()),
        ..Default::default()
    };
    let mut cluster = Cluster::new("t");
    let file = cluster.file("apps.yaml");
    cluster.add(
        &file,
        ConfigMap {
            metadata: ObjectMeta {
                labels: Some([("bad key!".to_string(), "ok".to_string())].into()),
                ..meta("Bad_Name")
            },
            ..Default::default()
        },
    );
    cluster.add(
        &file,
        Service {
            metadata: meta("1st-service"),
            spec: Some(ServiceSpec {
                ports: Some(vec![ServicePort {
                    port: 70000,
                    name: Some("a-very-long-port-name".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    cluster.add(
        &file,
        Deployment {
            metadata: meta("web"),
            spec: Some(DeploymentSpec {
                replicas: Some(-1),
                template: PodTemplateSpec {
                    spec: Some(PodSpec {
                        containers: vec![Container {
                            name: "web".into(),
                            image: Some("Nginx :: 1.2 3".into()),
                            env: Some(vec![EnvVar {
                                name: "A=B".into(),
                                ..Default::default()
                            }]),
                            ports: Some(vec![ContainerPort {
                                container_port: 0,
                                ..Default::default()
                            }]),
                            resources: Some(ResourceRequirements {
                                requests: Some(
                                    [("cpu".to_string(), Quantity("lots".into()))].into(),
                                ),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    cluster.add_manifest(
        &file,
        serde_json::json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": { "name": "w", "annotations": { "/empty-name": "x" } },
        }),
    );
    let err = cluster.render().unwrap_err().to_string();
    super::assert_contains_all(
        &err,
        &[
            "ConfigMap apps/Bad_Name: metadata.name: \"Bad_Name\": may contain only lowercase letters",
            "ConfigMap apps/Bad_Name: metadata.labels: key \"bad key!\"",
            "Service apps/1st-service: metadata.name: \"1st-service\": must start with a lowercase letter",
            "Service apps/1st-service: spec.ports[0].port: 70000 is not a port number",
            "Service apps/1st-service: spec.ports[0].name: \"a-very-long-port-name\": a port name has 1 to 15 characters",
            "Deployment apps/web: spec.replicas: -1 is negative",
            "Deployment apps/web: spec.template.spec.containers[0].image: \"Nginx :: 1.2 3\" is not an image reference",
            "Deployment apps/web: spec.template.spec.containers[0].env[0].name: \"A=B\" is not an environment variable name",
            "Deployment apps/web: spec.template.spec.containers[0].ports[0].containerPort: 0 is not a port number",
            "Deployment apps/web: spec.template.spec.containers[0].resources.requests.cpu: \"lots\" is not a quantity",
            "Widget w: metadata.annotations: key \"/empty-name\" its prefix \"\"",
        ],
    );
}

#[test]
fn a_git_repository_without_a_ref_is_refused() {
    let mut cluster = Cluster::new("t");
    let file = cluster.file("sources.yaml");
    cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("podinfo"))
            .url("https://github.com/stefanprodan/podinfo")
            .interval(duration!("1m"))
            .build(),
    );
    let err = cluster.render().unwrap_err().to_string();
    assert!(
        err.contains(
            "GitRepository flux-system/podinfo spec.ref: is not set, so Flux checks out the branch `master`"
        ),
        "{err}"
    );
    assert!(err.contains("tests/suite/validation.rs:"), "{err}");
}

/// `metadata` naming `namespace/name`.
fn meta_in(
    namespace: &str,
    name: &str,
) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
    k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        name: Some(name.into()),
        namespace: Some(namespace.into()),
        ..Default::default()
    }
}

fn secret(namespace: &str, name: &str) -> Secret {
    Secret {
        metadata: meta_in(namespace, name),
        ..Default::default()
    }
}

#[test]
fn workloads_the_api_server_or_the_kubelet_would_refuse_or_break_are_refused() {
    use fluxdsl::{App, ConfigFile, Env, EnvFrom, Ingress, Port, Storage};
    use k8s_openapi::api::core::v1::{ConfigMap, Service, ServicePort, ServiceSpec};
    let mut other = Cluster::new("other");
    let other_file = other.file("secrets.yaml");
    let foreign = other.add(&other_file, secret("web", "db"));
    let mut cluster = Cluster::new("t");
    let file = cluster.file("apps.yaml");
    let elsewhere = cluster.add(&file, secret("db", "db-password"));
    let own = cluster.add(&file, secret("web", "db"));
    let app_line = line!() + 1;
    cluster.add(
        &file,
        App::builder()
            .name(name!("web"))
            .namespace(namespace!("web"))
            .image("ghcr.io/example/web")
            .ports(&[Port::http(name!("http"), 8080)])
            .env(&[
                Env::secret_key("DB_PASSWORD", &elsewhere, "password"),
                Env::secret_key("OWN", &own, "password"),
            ])
            .env_from(&[EnvFrom::secret(&foreign)])
            .ingress(
                Ingress::new("https://Web.Example.com:443/", name!("http"))
                    .path("api")
                    .tls(fluxdsl::Issuer::Cluster(name!("le"))),
            )
            .config_files(&[ConfigFile::new("/etc/web", "../../etc/passwd", "x")])
            .storage(&[Storage::new(name!("cache.v1"), "/cache", "1Gi")])
            .build(),
    );
    let long = "a".repeat(57);
    cluster.add(
        &file,
        App::builder()
            .name(fluxdsl::Name::new(&long).unwrap())
            .namespace(namespace!("web"))
            .image("postgres:latest")
            .stateful(true)
            .storage(&[Storage::new(name!("data.v1"), "/data", "1Gi")])
            .build(),
    );
    cluster.add(
        &file,
        Service {
            metadata: meta_in("web", "api"),
            spec: Some(ServiceSpec {
                ports: Some(vec![
                    ServicePort {
                        name: Some("http".into()),
                        port: 80,
                        ..Default::default()
                    },
                    ServicePort {
                        name: Some("http".into()),
                        port: 80,
                        ..Default::default()
                    },
                    ServicePort {
                        name: Some("dns".into()),
                        port: 80,
                        protocol: Some("UDP".into()),
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    cluster.add(
        &file,
        ConfigMap {
            metadata: meta_in("web", "bell"),
            data: Some(
                [
                    ("script".to_string(), "echo \u{7}done\u{85}".to_string()),
                    ("k\u{1b}".to_string(), "ok\tand\nlines".to_string()),
                ]
                .into(),
            ),
            ..Default::default()
        },
    );
    let msg = refused(&cluster);
    super::assert_contains_all(
        &msg,
        &[
            "Deployment web/web spec.template.spec.containers[0].env[].valueFrom.secretKeyRef: must name an object in its own namespace \"web\"",
            "but Secret db/db-password is in \"db\"",
            "Deployment web/web spec.template.spec.containers[0].envFrom[].secretRef: refers to Secret web/db through a handle another Cluster's declaration returned",
            "Ingress web/web: spec.rules[0].host: \"https://Web.Example.com:443/\" is not a host name: give the name alone, without scheme, port or path (\"web.example.com\")",
            "Ingress web/web: spec.tls[0].hosts[0]: \"https://Web.Example.com:443/\" is not a host name",
            "Ingress web/web: spec.rules[0].http.paths[0].path: \"api\" must be an absolute path (start with '/': \"/api\")",
            "ConfigMap web/web-config: data: key \"../../etc/passwd\" may contain only letters, digits, '-', '_' and '.'",
            "Deployment web/web: spec.template.spec.containers[0].volumeMounts[1].subPath: \"../../etc/passwd\" must be a relative path inside the volume",
            "Deployment web/web: spec.template.spec.volumes[0].name: \"cache.v1\": a volume name may contain only lowercase letters",
            "Deployment web/web: spec.template.spec.containers[0].image: \"ghcr.io/example/web\" names no fixed version (no tag, so `latest`)",
            &format!(
                "StatefulSet web/{long}: metadata.name: \"{long}\" has 57 characters; a StatefulSet's name has at most 52"
            ),
            &format!(
                "StatefulSet web/{long}: spec.template.spec.containers[0].image: \"postgres:latest\" names no fixed version (the tag `latest`)"
            ),
            &format!(
                "StatefulSet web/{long}: spec.volumeClaimTemplates[0].metadata.name: \"data.v1\": the name of a claim template names the pods' volume, and a volume name may contain only lowercase letters, digits and '-'"
            ),
            "Service web/api: spec.ports[1].name: \"http\" is already the name of spec.ports[0]",
            "Service web/api: spec.ports[1].port: 80/TCP is already the port of spec.ports[0]",
            "ConfigMap web/bell: data.script: the value holds the control character '\\u{7}'",
            "ConfigMap web/bell: data: key \"k\\u{1b}\" holds the control character '\\u{1b}'",
            &site(app_line),
        ],
    );
    // A UDP port may share its number with a TCP one; tab and newline are fine; the local
    // Secret handle of this cluster is fine.
    for fine in [
        "spec.ports[2]",
        "OWN",
        "\"ok\\tand\\nlines\"",
        "Secret web/db is in",
    ] {
        assert!(!msg.contains(fine), "{fine} in:\n{msg}");
    }
}

#[test]
fn a_floating_image_renders_where_the_cluster_allows_it() {
    let mut cluster = Cluster::new("t");
    let file = cluster.file("apps.yaml");
    let app = cluster.add(
        &file,
        fluxdsl::App::builder()
            .name(name!("scratch"))
            .namespace(namespace!("dev"))
            .image("busybox:latest")
            .build(),
    );
    assert!(refused(&cluster).contains("\"busybox:latest\" names no fixed version"));
    cluster.allow_floating_image(app.deployment.as_ref().unwrap());
    let rendered = cluster.render().unwrap();
    assert!(
        rendered
            .file("apps.yaml")
            .unwrap()
            .contains("image: busybox:latest")
    );
}

#[test]
fn a_flux_object_named_as_existing_must_be_declared_unless_it_comes_from_outside() {
    let mut cluster = Cluster::new("t");
    let file = cluster.file("flux.yaml");
    let source = cluster.add(&file, repo(name!("fleet")));
    cluster.add(
        &file,
        ks(name!("infrastructure"), &source, "./infrastructure"),
    );
    let typo: Ref<Kustomization> =
        Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("infrastucture"));
    let line = line!() + 1;
    cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&source)
            .path("./apps")
            .interval(duration!("1m"))
            .prune(true)
            .depends_on(&[&typo])
            .build(),
    );
    let msg = refused(&cluster);
    super::assert_contains_all(
        &msg,
        &[
            "Kustomization flux-system/apps spec.dependsOn: refers to Kustomization flux-system/infrastucture with Ref::existing, but no part of the repository declares it (did you mean flux-system/infrastructure?)",
            "Ref::outside_repository",
            &site(line),
        ],
    );

    let mut cluster = Cluster::new("t");
    let file = cluster.file("flux.yaml");
    let tenant: Ref<GitRepository> =
        Ref::outside_repository(&namespace!("tenants"), name!("team-a"));
    cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("team-a"))
            .namespace(namespace!("tenants"))
            .source_ref(&tenant)
            .path("./")
            .interval(duration!("1m"))
            .prune(true)
            .build(),
    );
    let rendered = cluster.render().unwrap();
    assert!(rendered.file("flux.yaml").unwrap().contains("name: team-a"));
    // The same handle made with Ref::existing is refused: nothing declares it.
    let mut cluster = Cluster::new("t");
    let file = cluster.file("flux.yaml");
    let tenant: Ref<GitRepository> = Ref::existing(&namespace!("tenants"), name!("team-a"));
    cluster.add(&file, ks(name!("team-a"), &tenant, "./"));
    assert!(refused(&cluster).contains("GitRepository tenants/team-a with Ref::existing"));
}

#[test]
fn paths_and_prefixes_that_yaml_or_kustomize_would_read_as_something_else_are_refused() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("flux.yaml");
    let source = cluster.add(&file, repo(name!("fleet")));
    let line = line!() + 1;
    cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&source)
            .path("./apps\n---\nkind: Secret")
            .interval(duration!("1m"))
            .prune(true)
            .name_prefix("team\n")
            .name_suffix("-Prod")
            .components(&["../../escape", "ok/../../../also-escapes", "../fine"])
            .build(),
    );
    cluster.add(&file, ks(name!("infra"), &source, "./infra/---"));
    let folder = cluster.kustomize_folder(
        "apps",
        KustomizeConfig::builder().name_prefix("a/b-").build(),
    );
    let inner = cluster.folder_file(&folder, "ns.yaml");
    cluster.namespace(&inner, namespace!("apps"));
    let msg = refused(&cluster);
    super::assert_contains_all(
        &msg,
        &[
            "Kustomization flux-system/apps spec.path: \"./apps\\n---\\nkind: Secret\" contains the control character '\\n'",
            "Kustomization flux-system/apps spec.namePrefix: \"team\\n\" is put into every name, so it may contain only lowercase letters",
            "Kustomization flux-system/apps spec.nameSuffix: \"-Prod\" is put into every name",
            "Kustomization flux-system/apps spec.components: \"../../escape\" climbs above the root of the source",
            "Kustomization flux-system/apps spec.components: \"ok/../../../also-escapes\" climbs above the root",
            "Kustomization flux-system/infra spec.path: \"./infra/---\" contains \"---\", which YAML reads as a document separator",
            "file \"apps/kustomization.yaml\": namePrefix: \"a/b-\" is put into every name",
            &site(line),
        ],
    );
    assert!(!msg.contains("\"../fine\""), "{msg}");
}

/// A duration longer than Go holds panics at the caller's line, naming the limit.
#[test]
fn a_duration_too_long_for_go_panics_at_the_callers_line() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Option<String>>> = Arc::default();
    let previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync> =
        Arc::from(std::panic::take_hook());
    {
        let seen = Arc::clone(&seen);
        let previous = Arc::clone(&previous);
        let me = std::thread::current().id();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() == me {
                *seen.lock().unwrap() = info.location().map(|l| l.to_string());
            } else {
                previous(info);
            }
        }));
    }
    let line = line!() + 1;
    let result = std::panic::catch_unwind(|| fluxdsl::Duration::hours(3_000_000));
    let _ = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| previous(info)));
    let message = result.unwrap_err();
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| message.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert_eq!(
        message,
        "Duration::hours: longer than a Go time.Duration holds (at most 2562047 hours)"
    );
    let at = seen.lock().unwrap().clone().unwrap();
    assert!(at.starts_with(&site(line)), "{at}");
    assert_eq!(
        fluxdsl::Duration::hours(2_562_047).as_nanos(),
        2_562_047 * 3_600_000_000_000
    );
}

/// The hint fits the input: whitespace around a URL is removed, a space inside is %20, and
/// an empty image is called empty.
#[test]
fn messages_about_urls_and_images_say_what_fits_the_input() {
    let mut cluster = Cluster::new("t");
    let file = cluster.file("sources.yaml");
    for (name, url) in [
        (name!("padded"), " https://example.com/repo\n"),
        (name!("spaced"), "https://example.com/my repo"),
        (name!("tabbed"), "https://example.com/\trepo"),
    ] {
        cluster.add(
            &file,
            GitRepository::builder()
                .name(name)
                .url(url)
                .reference(GitRef::branch("main"))
                .interval(duration!("1m"))
                .build(),
        );
    }
    cluster.add(
        &file,
        fluxdsl::App::builder()
            .name(name!("web"))
            .namespace(namespace!("web"))
            .image("")
            .build(),
    );
    let msg = refused(&cluster);
    super::assert_contains_all(
        &msg,
        &[
            "\" https://example.com/repo\\n\" is not a URL: it contains ' '; remove the whitespace around it (\"https://example.com/repo\")",
            "\"https://example.com/my repo\" is not a URL: it contains ' '; a space inside a URL is written %20",
            "\"https://example.com/\\trepo\" is not a URL: it contains '\\t'; a URL is one line of printable characters",
            "Deployment web/web: spec.template.spec.containers[0].image: is empty: give an image reference with a tag or digest",
        ],
    );
    assert!(!msg.contains("no spaces"), "{msg}");
}

/// Flux kinds are written by the emitter, which refuses for render what kustomize would
/// not read back: a Helm value or key with a control character.
#[test]
fn a_control_character_in_a_flux_object_is_refused_naming_the_object() {
    let mut cluster = Cluster::new("t");
    let file = cluster.file("podinfo.yaml");
    let charts = cluster.add(
        &file,
        fluxdsl::HelmRepository::builder()
            .name(name!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    let line = line!() + 1;
    cluster.add(
        &file,
        fluxdsl::HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(fluxdsl::Chart::from_source(&charts, "podinfo"))
            .interval(duration!("10m"))
            .values(serde_json::json!({ "banner": "ring \u{7} ring", "ok": "tab\tand\nnewline" }))
            .build(),
    );
    let msg = refused(&cluster);
    super::assert_contains_all(
        &msg,
        &[
            "HelmRelease flux-system/podinfo: it cannot be written as YAML: the string \"ring \\u{7} ring\" holds the control character '\\u{7}'",
            &site(line),
        ],
    );
    assert!(!msg.contains("newline\""), "{msg}");
}

/// The CRD does not require `spec.path`: without one Flux builds the source's root, and
/// fluxdsl writes none and resolves the Kustomization to the whole tree.
#[test]
fn a_kustomization_without_a_path_builds_the_source_root() {
    let mut cluster = Cluster::new("");
    let file = cluster.file("clusters/dev/sync.yaml");
    let source = cluster.add(&file, repo(name!("fleet")));
    cluster.source_is_this_repository(&source);
    cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("everything"))
            .source_ref(&source)
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let sync = rendered.file("clusters/dev/sync.yaml").unwrap();
    assert!(sync.contains("name: everything"), "{sync}");
    assert!(!sync.contains("path:"), "{sync}");
    let tree = fluxdsl::Repository::of_one(cluster).tree(None).unwrap();
    assert!(
        tree.contains(
            "└── Kustomization/flux-system/everything\n    ├── GitRepository/flux-system/fleet"
        ),
        "{tree}"
    );
}

/// kustomize-controller refuses a postBuild variable whose name is not
/// `^[_[:alpha:]][_[:alpha:][:digit:]]*$`.
#[test]
fn a_post_build_variable_name_flux_refuses_is_refused() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("flux.yaml");
    let source = cluster.add(&file, repo(name!("fleet")));
    let line = line!() + 1;
    cluster.add(
        &file,
        Kustomization::builder()
            .name(name!("apps"))
            .source_ref(&source)
            .path("./apps")
            .interval(duration!("1m"))
            .prune(true)
            .post_build(
                fluxdsl::PostBuild::new()
                    .substitute("cluster-name", "prod")
                    .substitute("1st", "x")
                    .substitute("cluster_name", "prod")
                    .substitute("_DOMAIN2", "example.com"),
            )
            .build(),
    );
    let msg = refused(&cluster);
    super::assert_contains_all(
        &msg,
        &[
            "Kustomization flux-system/apps spec.postBuild.substitute: \"cluster-name\" is not a variable name Flux accepts",
            "write \"cluster_name\"",
            "Kustomization flux-system/apps spec.postBuild.substitute: \"1st\" is not a variable name",
            &site(line),
        ],
    );
    assert!(!msg.contains("\"_DOMAIN2\" is not"), "{msg}");
    assert!(!msg.contains("\"cluster_name\" is not"), "{msg}");
}

#[test]
fn version_ranges_and_tag_filters_the_controllers_refuse_are_refused() {
    use fluxdsl::{FilterTags, ImagePolicy, ImageRepository, OCIRepository, OciRef, TagPolicy};
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("images.yaml");
    let repo = cluster.add(
        &file,
        ImageRepository::builder()
            .name(name!("web"))
            .image("ghcr.io/example/web")
            .interval(duration!("5m"))
            .build(),
    );
    cluster.add(
        &file,
        ImagePolicy::builder()
            .name(name!("web"))
            .image_repository_ref(&repo)
            .policy(TagPolicy::Semver("latest".into()))
            .build(),
    );
    cluster.add(
        &file,
        ImagePolicy::builder()
            .name(name!("web-main"))
            .image_repository_ref(&repo)
            .policy(TagPolicy::Numerical { descending: false })
            .filter_tags(FilterTags {
                pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)".into(),
                extract: Some("$timestamp".into()),
            })
            .build(),
    );
    cluster.add(
        &file,
        ImagePolicy::builder()
            .name(name!("web-broken"))
            .image_repository_ref(&repo)
            .policy(TagPolicy::Alphabetical { descending: false })
            .filter_tags(FilterTags {
                pattern: "^v(?P<v>[0-9]+".into(),
                extract: None,
            })
            .build(),
    );
    cluster.add(
        &file,
        OCIRepository::builder()
            .name(name!("manifests"))
            .url("oci://ghcr.io/example/manifests")
            .reference(OciRef::semver("stable"))
            .interval(duration!("5m"))
            .build(),
    );
    // What the controllers accept passes.
    cluster.add(
        &file,
        ImagePolicy::builder()
            .name(name!("web-ok"))
            .image_repository_ref(&repo)
            .policy(TagPolicy::Semver(">=1.0.0 <2.0.0".into()))
            .filter_tags(FilterTags {
                pattern: "^v(?P<v>[0-9.]+)$".into(),
                extract: Some("${v}".into()),
            })
            .build(),
    );
    let msg = refused(&cluster);
    super::assert_contains_all(
        &msg,
        &[
            "ImagePolicy flux-system/web spec.policy.semver.range: \"latest\" is not a semver range \
             the controller accepts (improper constraint: latest)",
            "ImagePolicy flux-system/web-main spec.filterTags.extract: \"$timestamp\" names group \
             \"timestamp\", which pattern \"^main-[a-f0-9]+-(?P<ts>[0-9]+)\" does not have",
            "ImagePolicy flux-system/web-broken spec.filterTags.pattern: \"^v(?P<v>[0-9]+\" is not a \
             regular expression Go's regexp compiles",
            "OCIRepository flux-system/manifests spec.ref.semver: \"stable\" is not a semver range",
        ],
    );
    assert!(!msg.contains("web-ok"), "{msg}");
}
