//! `monacocloud-apps.yaml`: the apps repository (`kube-deploy`) and one Kustomization per
//! app; and the apps themselves, rendered into that repository's tree (checked out at
//! `kube-deploy/`), one folder per app with its kustomization.yaml.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{
    App, BootstrapSecret, Cluster, Env, GitRef, GitRepository, Ingress, Issuer, Kustomization,
    KustomizeConfig, Name, NamespaceName, Port, ReadyCheck, Ref, Resources, Storage, Tree,
    duration, name,
};

use crate::flux_system::FluxSystem;

/// The cert-manager ClusterIssuer the `certmanager` Kustomization installs.
const ISSUER: Name = name!("letsencrypt");

pub fn declare(cluster: &mut Cluster, _flux: &FluxSystem) {
    let file = cluster.file("monacocloud-apps.yaml");
    // The read-only deploy key of the apps repository: `cargo run -- apply` creates it at
    // bootstrap from files the operator names (--secret-file
    // flux-system/flux-deploy-authentication/identity=PATH, …/known_hosts=PATH).
    let auth = cluster.bootstrap_secret(BootstrapSecret::git_ssh(
        &NamespaceName::FLUX_SYSTEM,
        name!("flux-deploy-authentication"),
    ));
    let kube_deploy = cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("kube-deploy"))
            .url("ssh://git@gitlab.com/monacocloud/kube-deploy")
            .reference(GitRef::branch("main"))
            .secret_ref(&auth)
            .interval(duration!("1m"))
            .build(),
    );
    // This program renders the whole apps repository: Kustomization paths into it are
    // checked against the folders rendered there.
    let tree = cluster.repository_tree(&kube_deploy, "kube-deploy", "");
    for (app, path) in [
        (name!("owncloud-manifests"), "./owncloud"),
        (name!("seeddms-manifests"), "./seeddms"),
        (name!("suitecrm-manifests"), "./suitecrm"),
    ] {
        cluster.add(
            &file,
            Kustomization::builder()
                .name(app)
                .source_ref(&kube_deploy)
                .path(path)
                .interval(duration!("1m"))
                .prune(true)
                .build(),
        );
    }
    owncloud(cluster, &tree);
    seeddms(cluster, &tree);
    suitecrm(cluster, &tree);
}

/// A MariaDB/MySQL StatefulSet for `app`, its credentials in Secret `<app>-db` (keys
/// `password` and `root-password`), created out of band.
fn database(
    app: &str,
    namespace: &NamespaceName,
    image: &str,
    env_prefix: &str,
    db: &Ref<Secret>,
) -> App {
    App::builder()
        .name(Name::new(format!("{app}-db")).expect("app names are valid"))
        .namespace(namespace.clone())
        .image(image)
        .stateful(true)
        .ports(&[Port::tcp(name!("mysql"), 3306)])
        .env(&[
            Env::value(&format!("{env_prefix}_DATABASE"), app),
            Env::value(&format!("{env_prefix}_USER"), app),
            Env::secret_key(&format!("{env_prefix}_PASSWORD"), db, "password"),
            Env::secret_key(&format!("{env_prefix}_ROOT_PASSWORD"), db, "root-password"),
        ])
        .storage(&[Storage::new(name!("data"), "/var/lib/mysql", "20Gi")])
        .resources(
            Resources::new()
                .requests("100m", "512Mi")
                .limits(None, "1Gi"),
        )
        .check(ReadyCheck::tcp(name!("mysql")))
        .run_as_user(999)
        .fs_group(999)
        .build()
}

/// The folder `<app>/` of the apps repository: namespace.yaml, `<app>.yaml`,
/// `<app>-db.yaml` and a kustomization.yaml listing them.
fn folder(cluster: &mut Cluster, tree: &Tree, app: &str, web: App, db: App) {
    let namespace_file = cluster.file_in(tree, &format!("{app}/namespace.yaml"));
    cluster.add(&namespace_file, web.namespace_object());
    let web_file = cluster.file_in(tree, &format!("{app}/{app}.yaml"));
    cluster.add(&web_file, web);
    let db_file = cluster.file_in(tree, &format!("{app}/{app}-db.yaml"));
    cluster.add(&db_file, db);
    cluster.kustomize_config_in(
        tree,
        app,
        KustomizeConfig::builder()
            .resources(&[&namespace_file, &web_file, &db_file])
            .build(),
    );
}

fn owncloud(cluster: &mut Cluster, tree: &Tree) {
    let ns = NamespaceName::new("owncloud").expect("valid");
    let db: Ref<Secret> = Ref::existing(&ns, name!("owncloud-db"));
    let admin: Ref<Secret> = Ref::existing(&ns, name!("owncloud-admin"));
    let web = App::builder()
        .name(name!("owncloud"))
        .namespace(ns.clone())
        .image("docker.io/owncloud/server:10.15.3")
        .ports(&[Port::http(name!("http"), 8080)])
        .env(&[
            Env::value("OWNCLOUD_DOMAIN", "cloud.monacocloud.mc"),
            Env::value("OWNCLOUD_TRUSTED_DOMAINS", "cloud.monacocloud.mc"),
            Env::value("OWNCLOUD_DB_TYPE", "mysql"),
            Env::value("OWNCLOUD_DB_HOST", "owncloud-db"),
            Env::value("OWNCLOUD_DB_NAME", "owncloud"),
            Env::value("OWNCLOUD_DB_USERNAME", "owncloud"),
            Env::secret_key("OWNCLOUD_DB_PASSWORD", &db, "password"),
            Env::secret_key("OWNCLOUD_ADMIN_USERNAME", &admin, "username"),
            Env::secret_key("OWNCLOUD_ADMIN_PASSWORD", &admin, "password"),
        ])
        .storage(&[Storage::new(name!("data"), "/mnt/data", "100Gi")])
        .ingress(Ingress::new("cloud.monacocloud.mc", name!("http")).tls(Issuer::Cluster(ISSUER)))
        .resources(
            Resources::new()
                .requests("250m", "512Mi")
                .limits(None, "2Gi"),
        )
        .check(ReadyCheck::http("/status.php", name!("http")))
        .fs_group(33)
        .build();
    let db_app = database(
        "owncloud",
        &ns,
        "docker.io/library/mariadb:11.4",
        "MARIADB",
        &db,
    );
    folder(cluster, tree, "owncloud", web, db_app);
}

fn seeddms(cluster: &mut Cluster, tree: &Tree) {
    let ns = NamespaceName::new("seeddms").expect("valid");
    let db: Ref<Secret> = Ref::existing(&ns, name!("seeddms-db"));
    let web = App::builder()
        .name(name!("seeddms"))
        .namespace(ns.clone())
        .image("docker.io/seeddms/seeddms:6.0.29")
        .ports(&[Port::http(name!("http"), 80)])
        .env(&[
            Env::value("SEEDDMS_DB_DRIVER", "mysql"),
            Env::value("SEEDDMS_DB_HOST", "seeddms-db"),
            Env::value("SEEDDMS_DB_DATABASE", "seeddms"),
            Env::value("SEEDDMS_DB_USER", "seeddms"),
            Env::secret_key("SEEDDMS_DB_PASSWORD", &db, "password"),
        ])
        .storage(&[Storage::new(name!("data"), "/var/seeddms/data", "50Gi")])
        .ingress(Ingress::new("dms.monacocloud.mc", name!("http")).tls(Issuer::Cluster(ISSUER)))
        .resources(
            Resources::new()
                .requests("100m", "256Mi")
                .limits(None, "1Gi"),
        )
        .check(ReadyCheck::http("/", name!("http")))
        .build();
    let db_app = database("seeddms", &ns, "docker.io/library/mysql:8.4", "MYSQL", &db);
    folder(cluster, tree, "seeddms", web, db_app);
}

fn suitecrm(cluster: &mut Cluster, tree: &Tree) {
    let ns = NamespaceName::new("suitecrm").expect("valid");
    let db: Ref<Secret> = Ref::existing(&ns, name!("suitecrm-db"));
    let admin: Ref<Secret> = Ref::existing(&ns, name!("suitecrm-admin"));
    let web = App::builder()
        .name(name!("suitecrm"))
        .namespace(ns.clone())
        .image("docker.io/bitnami/suitecrm:8.8.0")
        .ports(&[Port::http(name!("http"), 8080)])
        .env(&[
            Env::value("SUITECRM_DATABASE_HOST", "suitecrm-db"),
            Env::value("SUITECRM_DATABASE_PORT_NUMBER", "3306"),
            Env::value("SUITECRM_DATABASE_NAME", "suitecrm"),
            Env::value("SUITECRM_DATABASE_USER", "suitecrm"),
            Env::secret_key("SUITECRM_DATABASE_PASSWORD", &db, "password"),
            Env::value("SUITECRM_HOST", "crm.monacocloud.mc"),
            Env::secret_key("SUITECRM_USERNAME", &admin, "username"),
            Env::secret_key("SUITECRM_PASSWORD", &admin, "password"),
        ])
        .storage(&[Storage::new(name!("data"), "/bitnami/suitecrm", "20Gi")])
        .ingress(Ingress::new("crm.monacocloud.mc", name!("http")).tls(Issuer::Cluster(ISSUER)))
        .resources(
            Resources::new()
                .requests("250m", "512Mi")
                .limits(None, "1Gi"),
        )
        .check(ReadyCheck::http("/", name!("http")))
        .run_as_user(1001)
        .fs_group(1001)
        .build();
    let db_app = database(
        "suitecrm",
        &ns,
        "docker.io/library/mariadb:11.4",
        "MARIADB",
        &db,
    );
    folder(cluster, tree, "suitecrm", web, db_app);
}
