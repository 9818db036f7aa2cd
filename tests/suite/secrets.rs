//! No secret in Git in clear: Secrets with values, generated Secrets from literals or
//! unencrypted files and credentials in addresses are refused (naming the object and field,
//! never the value) unless the object opts in; SOPS-encrypted files are recognised, checked
//! as SOPS wrote them, declared like objects, and decrypted only by Kustomizations that
//! have the keys.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use fluxdsl::{
    BootstrapSecret, Cluster, Decryption, GitRepository, Kustomization, KustomizeConfig, Provider,
    ProviderType, Ref, SecretGenerator, duration, name, namespace,
};

/// The seven SOPS-encrypted Secrets k8s-home-ops lists in infrastructure/secrets.
const INFRA_SECRETS: [&str; 7] = [
    "cloudflare-secret.yaml",
    "grafana-secret.yaml",
    "aws-s3-secret-longhorn.yaml",
    "aws-s3-secret-netbox.yaml",
    "oauth2-proxy-secret.yaml",
    "cloudflared-tunnel-secret.yaml",
    "longhorn-secret.yaml",
];

fn refused(cluster: &Cluster) -> String {
    cluster.render().unwrap_err().to_string()
}

/// A cluster whose flux-system GitRepository is this repository, and a Kustomization
/// `infra-secrets` applying `./infrastructure/secrets` with `decryption`.
fn home_ops(
    decryption: Option<fn(&mut Cluster) -> Decryption>,
) -> (Cluster, Vec<fluxdsl::SopsFile>) {
    let mut cluster = Cluster::new("");
    let sync = cluster.file("clusters/production/sync.yaml");
    let repo = cluster.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("ssh://git@github.com/Cloufish/k8s-home-ops")
            .interval(duration!("1m"))
            .build(),
    );
    cluster.source_is_this_repository(&repo);
    let decryption = decryption.map(|d| d(&mut cluster));
    let ks = Kustomization::builder()
        .name(name!("infra-secrets"))
        .source_ref(&repo)
        .path("./infrastructure/secrets")
        .interval(duration!("1h"))
        .prune(true);
    let ks = match decryption {
        Some(d) => ks.decryption(d).build(),
        None => ks.build(),
    };
    cluster.add(&sync, ks);
    let files: Vec<fluxdsl::SopsFile> = INFRA_SECRETS
        .iter()
        .map(|f| {
            let path = format!("infrastructure/secrets/{f}");
            let text = super::read_fixture(&format!("k8s-home-ops/{path}"));
            cluster.sops_file(&path, text)
        })
        .collect();
    let resources: Vec<&fluxdsl::File> = files.iter().map(|s| &s.file).collect();
    cluster.kustomize_config(
        "infrastructure/secrets",
        KustomizeConfig::builder()
            .resources(&resources)
            .dot_slash()
            .build(),
    );
    (cluster, files)
}

fn age_keys(cluster: &mut Cluster) -> Decryption {
    let keys = cluster.bootstrap_secret(BootstrapSecret::sops_age(
        &namespace!("flux-system"),
        name!("sops-age"),
    ));
    Decryption::sops(&keys)
}

#[test]
fn a_sops_repository_renders_with_every_encrypted_file_recognised() {
    let (mut cluster, files) = home_ops(Some(age_keys));
    // A handle to an encrypted Secret, as any other: the graph shows the reference.
    let alerts = cluster.file("clusters/production/alerts.yaml");
    cluster.add(
        &alerts,
        Provider::builder()
            .name(name!("grafana"))
            .namespace(namespace!("prometheus-operator"))
            .provider_type(ProviderType::Grafana)
            .secret_ref(&files[1].secrets[0])
            .build(),
    );
    let rendered = cluster.render().unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                "{}/{}",
                f.secrets[0].namespace().unwrap(),
                f.secrets[0].name()
            )
        })
        .collect();
    // Each file's identity, read from what SOPS leaves in clear.
    assert_eq!(files.iter().map(|f| f.secrets.len()).sum::<usize>(), 7);
    assert!(
        names.contains(&"prometheus-operator/grafana-secret".to_owned()),
        "{names:?}"
    );
    for f in INFRA_SECRETS {
        let path = format!("infrastructure/secrets/{f}");
        assert_eq!(
            rendered.file(&path),
            Some(super::read_fixture(&format!("k8s-home-ops/{path}")).as_str()),
            "{path} is carried byte for byte"
        );
    }
    // `tree` shows what the Kustomization applies, encrypted as it is in Git.
    let repository = fluxdsl::Repository::of_one(cluster);
    let graph = repository
        .graph(None, fluxdsl::GraphFormat::Mermaid)
        .unwrap();
    assert!(
        graph.contains("[\"Secret/prometheus-operator/grafana-secret (SOPS-encrypted)\"]"),
        "{graph}"
    );
    let tree = repository.tree(None).unwrap();
    assert!(
        tree.contains("Secret/prometheus-operator/grafana-secret (SOPS-encrypted)\n"),
        "{tree}"
    );
    assert_eq!(tree.matches("(SOPS-encrypted)").count(), 7, "{tree}");
    // The kustomization.yaml lists them as the repository's own does.
    let config = rendered
        .file("infrastructure/secrets/kustomization.yaml")
        .unwrap();
    let ours: serde_json::Value = serde_yaml::from_str(config).unwrap();
    let theirs: serde_json::Value = serde_yaml::from_str(&super::read_fixture(
        "k8s-home-ops/infrastructure/secrets/kustomization.yaml",
    ))
    .unwrap();
    assert_eq!(ours["resources"], theirs["resources"]);
    // The five Secrets of apps/base are recognised too.
    for app in ["chatgpt-next", "code-server", "lidify", "pgadmin"] {
        let path = format!("apps/base/{app}/{app}-secret.yaml");
        let mut c = Cluster::new("");
        let f = c.sops_file(&path, super::read_fixture(&format!("k8s-home-ops/{path}")));
        assert_eq!(f.secrets.len(), 1, "{path}");
        assert!(f.secrets[0].name().ends_with("-secret"), "{path}");
    }
}

#[test]
fn sops_files_are_checked_against_the_repositorys_creation_rules() {
    let rules = super::read_fixture("k8s-home-ops/.sops.yaml");
    // The repository's own rules: every file was encrypted by them.
    let (mut cluster, _) = home_ops(Some(age_keys));
    cluster.verbatim_file(".sops.yaml", rules.clone());
    cluster.render().unwrap_or_else(|e| panic!("{e}"));
    // A rule with another recipient and another regex: each file is named.
    let (mut cluster, _) = home_ops(Some(age_keys));
    let other = rules
        .replace("^(data|stringData)$", "^(data)$")
        .replace("age1xlgj", "age1zzzz");
    cluster.verbatim_file(".sops.yaml", other);
    let err = refused(&cluster);
    super::assert_contains_all(
        &err,
        &[
            "Secret prometheus-operator/grafana-secret sops: is encrypted with encrypted_regex \
             \"^(data|stringData)$\", but the rule says \"^(data)$\": the first creation rule of \
             \".sops.yaml\" that matches \"infrastructure/secrets/grafana-secret.yaml\"",
            "is not encrypted to age recipient \"age1zzzz",
            ".sops.yaml declared at tests/suite/secrets.rs:",
        ],
    );
    assert_eq!(
        err.matches("is not encrypted to age recipient").count(),
        7,
        "{err}"
    );
}

#[test]
fn a_kustomization_applying_sops_files_without_keys_it_can_have_is_refused() {
    let (cluster, _) = home_ops(None);
    let err = refused(&cluster);
    super::assert_contains_all(
        &err,
        &[
            "Kustomization flux-system/infra-secrets spec.decryption: applies Secret \
             prometheus-operator/grafana-secret (SOPS-encrypted, in \
             \"infrastructure/secrets/grafana-secret.yaml\") but has no spec.decryption",
            "is SOPS encrypted, configuring decryption is required",
            "tests/suite/secrets.rs:",
        ],
    );
    assert_eq!(
        err.matches("but has no spec.decryption").count(),
        7,
        "{err}"
    );

    // Keys in a Secret nothing declares or creates: Flux would wait for it forever.
    let (cluster, _) = home_ops(Some(|_| {
        Decryption::sops(&Ref::<Secret>::existing(
            &namespace!("flux-system"),
            name!("sops-age"),
        ))
    }));
    let err = refused(&cluster);
    assert!(
        err.contains(
            "with the keys in Secret flux-system/sops-age, which this program neither declares \
             nor creates at bootstrap"
        ),
        "{err}"
    );
    assert!(err.contains("BootstrapSecret::sops_age"), "{err}");

    // OpenPGP keys for files encrypted to age.
    let (cluster, _) = home_ops(Some(|c| {
        Decryption::sops(&c.bootstrap_secret(BootstrapSecret::sops_gpg(
            &namespace!("flux-system"),
            name!("sops-gpg"),
        )))
    }));
    assert!(refused(&cluster).contains(
        "with the keys in bootstrap Secret flux-system/sops-gpg, which holds pgp keys, \
             but the file is encrypted only to age keys"
    ));

    // A cloud identity holds no age key.
    let (cluster, _) = home_ops(Some(|_| Decryption::sops_workload_identity()));
    let err = refused(&cluster);
    assert!(
        err.contains("the file is encrypted only to age keys, which no cloud identity holds"),
        "{err}"
    );
}

/// The grafana Secret with `edit` applied to its text.
fn grafana(edit: impl Fn(String) -> String) -> String {
    edit(super::read_fixture(
        "k8s-home-ops/infrastructure/secrets/grafana-secret.yaml",
    ))
}

#[test]
fn a_sops_file_that_is_not_as_sops_wrote_it_is_refused_without_its_values() {
    // A value put back in clear after encryption.
    let clear = grafana(|t| {
        let start = t.find("grafana_password: ").unwrap() + "grafana_password: ".len();
        let end = start + t[start..].find('\n').unwrap();
        format!("{}hunter2-in-clear{}", &t[..start], &t[end..])
    });
    let mut cluster = Cluster::new("k8s");
    cluster.sops_file("secrets/grafana.yaml", clear);
    let err = refused(&cluster);
    assert!(
        err.contains(
            "Secret prometheus-operator/grafana-secret: stringData.grafana_password (in SOPS file \
             \"secrets/grafana.yaml\"): is in clear although the file's own sops rules say it is \
             encrypted"
        ),
        "{err}"
    );
    assert!(
        !err.contains("hunter2"),
        "the value is never printed: {err}"
    );

    // No MAC, no recipient.
    let forged = grafana(|t| {
        let t = t.replace("  mac: ENC[", "  not_mac: ENC[");
        t.replace("  age:\n", "  unknown:\n")
    });
    let mut cluster = Cluster::new("k8s");
    cluster.sops_file("secrets/grafana.yaml", forged);
    super::assert_contains_all(
        &refused(&cluster),
        &[
            "sops.mac (in SOPS file \"secrets/grafana.yaml\"): is missing",
            "sops (in SOPS file \"secrets/grafana.yaml\"): names no recipient",
        ],
    );

    // kustomize-controller decrypts only Secrets.
    let config_map = grafana(|t| t.replace("kind: Secret", "kind: ConfigMap"));
    let mut cluster = Cluster::new("k8s");
    cluster.sops_file("secrets/grafana.yaml", config_map);
    assert!(refused(&cluster).contains(
        "ConfigMap prometheus-operator/grafana-secret: kind (in SOPS file \
             \"secrets/grafana.yaml\"): is v1 ConfigMap: kustomize-controller decrypts only v1 \
             Secrets"
    ));

    // A file with no encrypted document is not a SOPS file.
    let mut cluster = Cluster::new("k8s");
    cluster.sops_file(
        "secrets/plain.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    assert!(refused(&cluster).contains("holds no SOPS-encrypted Secret"));
}

#[test]
fn an_encrypted_secret_is_an_object_duplicates_and_references_see() {
    let mut cluster = Cluster::new("k8s");
    let sops = cluster.sops_file("secrets/grafana.yaml", grafana(|t| t));
    let file = cluster.file("secrets/again.yaml");
    let again = cluster.add(
        &file,
        Secret {
            metadata: ObjectMeta {
                name: Some("grafana-secret".into()),
                namespace: Some("prometheus-operator".into()),
                ..ObjectMeta::default()
            },
            ..Secret::default()
        },
    );
    let err = refused(&cluster);
    assert!(
        err.contains("Secret prometheus-operator/grafana-secret"),
        "{err}"
    );
    assert!(err.contains("twice"), "{err}");
    let _ = (sops, again);
}

#[test]
fn secret_values_in_clear_are_refused_unless_the_object_opts_in() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("apps/secrets.yaml");
    let secret = cluster.add(
        &file,
        Secret {
            metadata: ObjectMeta {
                name: Some("db".into()),
                namespace: Some("apps".into()),
                ..ObjectMeta::default()
            },
            string_data: Some([("password".to_string(), "hunter2".to_string())].into()),
            ..Secret::default()
        },
    );
    cluster.verbatim_file(
        "apps/plain-secret.sops.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n  namespace: apps\ndata:\n  token: aHVudGVyMg==\n",
    );
    let env = cluster.verbatim_file("apps/settings.env", "PASSWORD=hunter2\n");
    cluster.kustomize_config("apps", KustomizeConfig::builder().build());
    let generated =
        cluster.generate_secret("apps", SecretGenerator::from_env(name!("settings"), &env));
    let mut literal = SecretGenerator::from_files(name!("literal"), &[]);
    literal.literals = vec!["password=hunter2".into()];
    cluster.generate_secret("apps", literal);
    let line = line!() - 1;
    let err = refused(&cluster);
    super::assert_contains_all(
        &err,
        &[
            "Secret apps/db: stringData: holds \"password\" in clear in Git: every file render \
             writes is committed; carry it SOPS-encrypted (Cluster::sops_file)",
            "Secret apps/api: data (in verbatim file \"apps/plain-secret.sops.yaml\"): holds \
             \"token\" in clear in Git",
            "file \"apps/plain-secret.sops.yaml\" is named as SOPS-encrypted but is not",
            "Secret settings secretGenerator: reads \"apps/settings.env\", which is not \
             SOPS-encrypted",
            "Secret literal secretGenerator: literals \"password\" would be written in clear \
             in Git into kustomization.yaml",
            &format!("tests/suite/secrets.rs:{line}"),
        ],
    );
    assert!(
        !err.contains("hunter2") && !err.contains("aHVudGVyMg"),
        "{err}"
    );

    // The opt-in, per object, is what makes the difference.
    cluster.allow_secret_in_clear(&secret);
    cluster.allow_secret_in_clear(&generated);
    let err = refused(&cluster);
    assert!(!err.contains("Secret apps/db:"), "{err}");
    assert!(!err.contains("Secret settings"), "{err}");
    assert!(err.contains("Secret literal"), "{err}");
}

#[test]
fn a_generated_secret_from_sops_encrypted_inputs_renders() {
    let mut cluster = Cluster::new("k8s");
    // SOPS's dotenv form: encrypted values, its metadata as sops_* lines.
    let env = cluster.verbatim_file(
        "apps/settings.env",
        "PASSWORD=ENC[AES256_GCM,data:aGk=,iv:aXY=,tag:dGFn,type:str]\n\
         sops_age__list_0__map_recipient=age1example\n\
         sops_mac=ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]\n\
         sops_version=3.10.2\n",
    );
    let yaml = cluster.verbatim_file("apps/grafana.yaml", grafana(|t| t));
    cluster.kustomize_config("apps", KustomizeConfig::builder().build());
    cluster.generate_secret("apps", SecretGenerator::from_env(name!("settings"), &env));
    cluster.generate_secret(
        "apps",
        SecretGenerator::from_files(name!("files"), &[&yaml]),
    );
    cluster.render().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn credentials_in_an_address_are_refused_without_printing_them() {
    let mut cluster = Cluster::new("k8s");
    let file = cluster.file("sources.yaml");
    cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("app"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://bot:ghp_s3cr3t@github.com/org/app")
            .interval(duration!("1m"))
            .build(),
    );
    let slack = cluster.add(
        &file,
        Provider::builder()
            .name(name!("slack"))
            .provider_type(ProviderType::Slack)
            .address("https://hooks.slack.com/services/T0001/B0001/XXXXsecretXXXX")
            .build(),
    );
    let creds: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("registry"));
    cluster.add(
        &file,
        fluxdsl::OCIRepository::builder()
            .name(name!("manifests"))
            .url("oci://registry.example.com/fleet")
            .reference(fluxdsl::OciRef::tag("v1.0.0"))
            .insecure(true)
            .secret_ref(&creds)
            .interval(duration!("5m"))
            .build(),
    );
    cluster.add(
        &file,
        fluxdsl::ImageRepository::builder()
            .name(name!("web"))
            .image("registry.example.com/web")
            .insecure(true)
            .secret_ref(&creds)
            .interval(duration!("5m"))
            .build(),
    );
    cluster.add(
        &file,
        fluxdsl::Bucket::builder()
            .name(name!("store"))
            .bucket_name("fleet")
            .endpoint("minio:minio123@minio.example.com")
            .interval(duration!("5m"))
            .build(),
    );
    let err = refused(&cluster);
    super::assert_contains_all(
        &err,
        &[
            "OCIRepository flux-system/manifests spec.insecure: credentials (secretRef) would go \
             to the registry over plain HTTP",
            "ImageRepository flux-system/web spec.insecure: credentials (secretRef) would go to \
             the registry over plain HTTP",
            "Bucket flux-system/store spec.endpoint: holds a user name and password",
            "GitRepository flux-system/app spec.url: holds a user name and password \
             (user:password@) in clear in Git",
            "Provider flux-system/slack spec.address: holds a Slack webhook token in clear in Git: \
             put the address in a Secret (the kind's secretRef, key `address`)",
        ],
    );
    for secret in ["ghp_s3cr3t", "XXXXsecretXXXX", "minio123"] {
        assert!(!err.contains(secret), "{err}");
    }
    cluster.allow_secret_in_clear(&slack);
    assert!(!refused(&cluster).contains("Provider flux-system/slack"));
}
