//! Image automation and Renovate over a fluxdsl tree, without either fighting `render`.
//!
//! Flux's image automation keeps two fields current, each marked for its ImagePolicy:
//! the image of the App `web` (a build tag `main-<sha>-<timestamp>`, newest timestamp
//! first) and the image of the HelmRelease `podinfo` (its values' `image.repository` and
//! `image.tag`, within 6.x). image-automation-controller commits new values into the
//! rendered tree; `render` and `check` keep what it committed as long as the policy could
//! have chosen it. Renovate bumps what Flux does not watch — the podinfo chart and the
//! redis image — in `image_automation/versions.yaml`, which this program reads, and its
//! post-upgrade task renders (`image_automation/renovate.json`).
//!
//! ```text
//! cargo run --example image_automation                # print it
//! cargo run --example image_automation -- render      # write clusters/staging/
//! ```

use std::collections::BTreeMap;

use fluxdsl::{
    App, Chart, Cluster, CommitAuthor, FilterTags, GitRef, GitRepository, HelmRelease,
    HelmRepository, ImagePolicy, ImageRepository, ImageSetter, ImageUpdateAutomation,
    Kustomization, Port, TagPolicy, duration, name, namespace,
};

/// The versions file as committed.
pub const VERSIONS: &str = include_str!("image_automation/versions.yaml");

/// What `versions.yaml` holds: each entry's `version`.
pub struct Versions {
    entries: BTreeMap<String, BTreeMap<String, String>>,
}

impl Versions {
    /// Reads the text of a versions file.
    pub fn parse(text: &str) -> Versions {
        Versions {
            entries: serde_yaml::from_str(text).expect("versions.yaml is a map of entries"),
        }
    }

    fn get(&self, entry: &str) -> &str {
        self.entries
            .get(entry)
            .and_then(|e| e.get("version"))
            .unwrap_or_else(|| panic!("versions.yaml has no {entry}.version"))
    }
}

/// The staging cluster with the committed versions.
pub fn cluster() -> Cluster {
    cluster_with(&Versions::parse(VERSIONS))
}

/// The staging cluster with `versions`.
pub fn cluster_with(versions: &Versions) -> Cluster {
    let mut c = Cluster::new("clusters/staging");
    let sync = c.file("flux-system/gotk-sync.yaml");
    let fleet = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("ssh://git@github.com/example/fleet")
            .reference(GitRef::branch("main"))
            .interval(duration!("1m0s"))
            .build(),
    );
    c.source_is_this_repository(&fleet);
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&fleet)
            .path("./clusters/staging")
            .interval(duration!("10m0s"))
            .prune(true)
            .build(),
    );

    // The automation commits to main what the policies choose, in the apps folder only.
    let images = c.file("flux-system/image-automation.yaml");
    c.add(
        &images,
        ImageUpdateAutomation::builder()
            .name(name!("flux-system"))
            .source_ref(&fleet)
            .author(CommitAuthor::new(
                "fluxcdbot",
                "fluxcdbot@users.noreply.github.com",
            ))
            .message_template("chore: update images")
            .push_branch("main")
            .update_path("./clusters/staging/apps")
            .interval(duration!("30m"))
            .build(),
    );
    let web_images = c.add(
        &images,
        ImageRepository::builder()
            .name(name!("web"))
            .image("ghcr.io/example/web")
            .interval(duration!("5m"))
            .build(),
    );
    let web_policy = c.add(
        &images,
        ImagePolicy::builder()
            .name(name!("web"))
            .image_repository_ref(&web_images)
            .filter_tags(FilterTags {
                pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)$".into(),
                extract: Some("$ts".into()),
            })
            .policy(TagPolicy::Numerical { descending: false })
            .build(),
    );
    let podinfo_images = c.add(
        &images,
        ImageRepository::builder()
            .name(name!("podinfo"))
            .image("ghcr.io/stefanprodan/podinfo")
            .interval(duration!("5m"))
            .build(),
    );
    let podinfo_policy = c.add(
        &images,
        ImagePolicy::builder()
            .name(name!("podinfo"))
            .image_repository_ref(&podinfo_images)
            .policy(TagPolicy::Semver("6.x".into()))
            .build(),
    );

    // The App's image is the automation's to change; the declared tag is where it starts.
    let web = c.file("apps/web.yaml");
    c.add(
        &web,
        App::builder()
            .name(name!("web"))
            .namespace(namespace!("apps"))
            .image("ghcr.io/example/web:main-3f2a1c9-1733216400")
            .image_policy(&web_policy)
            .ports(&[Port::http(name!("http"), 8080)])
            .build(),
    );

    // Renovate's: no ImagePolicy watches redis, so its tag lives in versions.yaml.
    let redis = c.file("apps/redis.yaml");
    c.add(
        &redis,
        App::builder()
            .name(name!("redis"))
            .namespace(namespace!("apps"))
            .image(format!(
                "docker.io/library/redis:{}",
                versions.get("redis-image")
            ))
            .ports(&[Port::tcp(name!("redis"), 6379)])
            .build(),
    );

    // The chart version is Renovate's, the image in the values the automation's.
    let podinfo = c.file("apps/podinfo.yaml");
    let charts = c.add(
        &podinfo,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("apps"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    let release = c.add(
        &podinfo,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .namespace(namespace!("apps"))
            .chart(Chart::from_source(&charts, "podinfo").version(versions.get("podinfo-chart")))
            .interval(duration!("1h"))
            .values(serde_json::json!({
                "image": { "repository": "ghcr.io/stefanprodan/podinfo", "tag": "6.5.0" },
                "replicaCount": 2,
            }))
            .build(),
    );
    for (field, setter) in [
        ("spec.values.image.repository", ImageSetter::Name),
        ("spec.values.image.tag", ImageSetter::Tag),
    ] {
        c.automate(&release, field, &podinfo_policy, setter);
    }
    c
}

fn main() -> std::process::ExitCode {
    fluxdsl::cli::run(cluster())
}
