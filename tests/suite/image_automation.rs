//! Image automation (examples/image_automation.rs): setter markers written as
//! image-automation-controller reads them, `render` and `check` keeping what it commits,
//! the refusals of marks nothing would ever update, and Renovate's versions file.

#[allow(dead_code)]
#[path = "../../examples/image_automation.rs"]
mod example;

use fluxdsl::cli::run_with;
use fluxdsl::tree::{check_tree, write_tree};
use fluxdsl::{
    App, Chart, Cluster, CommitAuthor, HelmRelease, HelmRepository, Image, ImagePolicy,
    ImageRepository, ImageSetter, ImageUpdateAutomation, KustomizeConfig, Ref, TagPolicy, duration,
    name, namespace,
};

const FIXTURES: &str = "image-automation-controller/setters";

/// The part of the reference `latest` (`name[:tag][@digest]`) a marker's form names.
fn part(latest: &str, form: Option<&str>) -> String {
    let (rest, digest) = latest.split_once('@').unwrap_or((latest, ""));
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], &rest[slash + i + 1..]),
        None => (rest, ""),
    };
    match form {
        None => latest.to_owned(),
        Some("name") => name.to_owned(),
        Some("tag") => tag.to_owned(),
        Some("digest") => digest.to_owned(),
        Some(other) => panic!("no setter form {other}"),
    }
}

/// The controller's setter, played by the test: on every line marked for a policy of
/// `latest` (`namespace:name` -> its newest image), the value before the marker becomes
/// the part of that image the marker names, the rest of the line as it was. Checked
/// against the controller's own test data below before it edits a tree.
fn controller_commit(text: &str, latest: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        let edited = bare.find(" # {\"$imagepolicy\": \"").and_then(|at| {
            let marker = &bare[at + 3..];
            let setter = marker
                .strip_prefix("{\"$imagepolicy\": \"")?
                .strip_suffix("\"}")?;
            let mut parts = setter.splitn(3, ':');
            let policy = format!("{}:{}", parts.next()?, parts.next()?);
            let (_, image) = latest.iter().find(|(p, _)| *p == policy)?;
            let value_at = bare[..at].rfind(' ').map_or(0, |i| i + 1);
            Some(format!(
                "{}{} # {marker}",
                &bare[..value_at],
                part(image, parts.next())
            ))
        });
        match edited {
            Some(edited) => {
                out.push_str(&edited);
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

#[test]
fn the_stand_in_for_the_controller_edits_its_test_data_as_the_controller_does() {
    let latest = [
        ("automation-ns:policy", "index.repo.fake/updated:v1.0.1"),
        ("automation-ns:unchanged", "image:v1.0.0"),
        (
            "automation-ns:policy-with-digest",
            "image:v1.0.0@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be",
        ),
    ];
    for file in ["marked.yaml", "kustomization.yml"] {
        let original = super::read_fixture(&format!("{FIXTURES}/original/{file}"));
        let expected = super::read_fixture(&format!("{FIXTURES}/expected/{file}"));
        assert_eq!(controller_commit(&original, &latest), expected, "{file}");
    }
}

/// The lines of `text` that carry a setter marker, without their indentation.
fn marked_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.contains("$imagepolicy"))
        .map(str::trim_start)
        .collect()
}

/// Declares in `path` an App `(name, namespace)` whose `image` `policy` keeps current.
fn automated_app(
    c: &mut Cluster,
    path: &str,
    (name, namespace): (fluxdsl::Name, fluxdsl::NamespaceName),
    image: &str,
    policy: &Ref<ImagePolicy>,
) {
    let file = c.file(path);
    c.add(
        &file,
        App::builder()
            .name(name)
            .namespace(namespace)
            .image(image)
            .image_policy(policy)
            .build(),
    );
}

/// A cluster like the controller's test data: policies in `automation-ns`, a folder whose
/// kustomization.yaml sets the image `container`, and a CronJob-like App image.
fn like_the_controllers_test_data() -> Cluster {
    let mut c = Cluster::new("k8s");
    let file = c.file("automation.yaml");
    let fleet = super::fleet_source(&mut c, &file);
    let ns = namespace!("automation-ns");
    c.add(
        &file,
        ImageUpdateAutomation::builder()
            .name(name!("automation"))
            .namespace(ns.clone())
            .source_ref(&fleet)
            .author(CommitAuthor::new("bot", "bot@example.com"))
            .update_path("./k8s")
            .interval(duration!("30m"))
            .build(),
    );
    let repository = c.add(
        &file,
        ImageRepository::builder()
            .name(name!("updated"))
            .namespace(ns.clone())
            .image("index.repo.fake/updated")
            .interval(duration!("5m"))
            .build(),
    );
    let policy = |c: &mut Cluster, n| {
        c.add(
            &file,
            ImagePolicy::builder()
                .name(n)
                .namespace(ns.clone())
                .image_repository_ref(&repository)
                .policy(TagPolicy::Semver(">=1.0.0".into()))
                .build(),
        )
    };
    let plain = policy(&mut c, name!("policy"));
    let with_digest = policy(&mut c, name!("policy-with-digest"));
    let folder = c.kustomize_folder(
        "app",
        KustomizeConfig::builder()
            .resource_list(&[])
            .images(&[Image {
                name: "container".into(),
                new_name: Some("index.repo.fake/updated".into()),
                new_tag: Some("v1.0.0".into()),
                digest: None,
            }])
            .build(),
    );
    c.automate_folder_image(&folder, "container", &plain);
    let digests = c.kustomize_folder(
        "digests",
        KustomizeConfig::builder()
            .resource_list(&[])
            .images(&[Image {
                name: "container".into(),
                digest: Some(
                    "sha256:1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef"
                        .into(),
                ),
                ..Image::default()
            }])
            .build(),
    );
    c.automate_folder_image(&digests, "container", &with_digest);
    automated_app(
        &mut c,
        "jobs/job.yaml",
        (name!("c"), namespace!("bar")),
        "index.repo.fake/updated:v1.0.0",
        &plain,
    );
    c
}

#[test]
fn markers_are_written_byte_for_byte_as_in_the_controllers_test_data() {
    let rendered = like_the_controllers_test_data()
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    let kustomization = rendered.file("app/kustomization.yaml").unwrap();
    assert_eq!(
        marked_lines(kustomization),
        [
            "newName: index.repo.fake/updated # {\"$imagepolicy\": \"automation-ns:policy:name\"}",
            "newTag: v1.0.0 # {\"$imagepolicy\": \"automation-ns:policy:tag\"}",
        ],
        "{kustomization}"
    );
    let digests = rendered.file("digests/kustomization.yaml").unwrap();
    assert_eq!(
        marked_lines(digests),
        [
            "- digest: sha256:1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef # {\"$imagepolicy\": \"automation-ns:policy-with-digest:digest\"}"
        ],
        "{digests}"
    );
    let job = rendered.file("jobs/job.yaml").unwrap();
    assert_eq!(
        marked_lines(job),
        ["- image: index.repo.fake/updated:v1.0.0 # {\"$imagepolicy\": \"automation-ns:policy\"}"],
        "{job}"
    );
    // Each marker, after the value, is text the controller's own data holds.
    let theirs = [
        super::read_fixture(&format!("{FIXTURES}/original/marked.yaml")),
        super::read_fixture(&format!("{FIXTURES}/original/kustomization.yml")),
    ]
    .concat();
    for text in [kustomization, digests, job] {
        for line in marked_lines(text) {
            let marker = &line[line.find(" # ").unwrap()..];
            assert!(
                theirs.contains(marker),
                "{marker:?} is not the controller's"
            );
        }
    }
    // And the controller updates what fluxdsl wrote.
    let committed = controller_commit(
        kustomization,
        &[("automation-ns:policy", "index.repo.fake/updated:v1.0.1")],
    );
    assert!(committed.contains("  newTag: v1.0.1 # "), "{committed}");
}

/// Renders the example into a fresh folder, then lets the controller commit `latest`.
fn rendered_then_committed(latest: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let rendered = example::cluster()
        .render()
        .unwrap_or_else(|e| panic!("{e}"));
    write_tree(rendered.main(), tmp.path()).unwrap();
    for path in ["apps/web.yaml", "apps/podinfo.yaml"] {
        let file = tmp.path().join(path);
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, controller_commit(&text, latest)).unwrap();
    }
    tmp
}

/// `cluster check --out DIR` of the example: exit code, stdout, stderr.
fn check_command(dir: &std::path::Path) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(
        &example::cluster().into(),
        ["cluster", "check", "--out", dir.to_str().unwrap()],
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

const NEWER: [(&str, &str); 2] = [
    (
        "flux-system:web",
        "ghcr.io/example/web:main-9b8e7d6-1764752400",
    ),
    ("flux-system:podinfo", "ghcr.io/stefanprodan/podinfo:6.9.2"),
];

#[test]
fn what_the_controller_commits_survives_render_and_check() {
    let tmp = rendered_then_committed(&NEWER);
    let web = std::fs::read_to_string(tmp.path().join("apps/web.yaml")).unwrap();
    assert!(web.contains("image: ghcr.io/example/web:main-9b8e7d6-1764752400 # "));
    let rendered = example::cluster().render().unwrap();

    let report = check_tree(rendered.main(), tmp.path()).unwrap();
    assert!(report.is_current(), "{}", report.diff);
    let kept: Vec<(&str, &str)> = report
        .automated
        .iter()
        .map(|v| (v.path.as_str(), v.committed.as_str()))
        .collect();
    assert_eq!(
        kept,
        [
            ("apps/podinfo.yaml", "6.9.2"),
            (
                "apps/web.yaml",
                "ghcr.io/example/web:main-9b8e7d6-1764752400"
            ),
        ]
    );
    assert!(report.automated.iter().all(|v| v.not_chosen.is_none()));

    // render keeps the commit: nothing to write.
    let written = write_tree(rendered.main(), tmp.path()).unwrap();
    assert!(written.written.is_empty(), "{:?}", written.written);
    let after = std::fs::read_to_string(tmp.path().join("apps/web.yaml")).unwrap();
    assert_eq!(after, web);

    // Through the command line, as CI runs it.
    let (code, out, err) = check_command(tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    // The diff stays alone on stdout; what was kept is a note.
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("note: check kept \"6.9.2\" at ")
            && err.contains("committed by image automation"),
        "{err}"
    );
}

#[test]
fn a_file_the_controller_wrote_back_in_its_own_layout_is_current() {
    let tmp = rendered_then_committed(&NEWER);
    let file = tmp.path().join("apps/web.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    // kyaml keeps the data and the comments, not necessarily fluxdsl's quoting.
    std::fs::write(&file, text.replace("  name: web\n", "  name: \"web\"\n")).unwrap();
    let rendered = example::cluster().render().unwrap();
    let report = check_tree(rendered.main(), tmp.path()).unwrap();
    assert!(report.is_current(), "{}", report.diff);
    assert_eq!(report.reformatted, ["apps/web.yaml"]);
    // Other data is not.
    std::fs::write(&file, text.replace("  name: web\n", "  name: webb\n")).unwrap();
    let report = check_tree(rendered.main(), tmp.path()).unwrap();
    assert_eq!(report.differing, ["apps/web.yaml"]);
    // Nor the declared file in another layout without its marker: the same data, but the
    // controller would never update it again.
    let declared = rendered.file("apps/web.yaml").unwrap();
    let unmarked = declared
        .replace(" # {\"$imagepolicy\": \"flux-system:web\"}", "")
        .replace("  name: web\n", "  name: \"web\"\n");
    std::fs::write(&file, unmarked).unwrap();
    let report = check_tree(rendered.main(), tmp.path()).unwrap();
    assert_eq!(report.differing, ["apps/web.yaml"]);
}

#[test]
fn a_value_its_policy_could_not_choose_is_drift_and_render_puts_the_declared_one_back() {
    let tmp = rendered_then_committed(&[
        ("flux-system:web", "ghcr.io/example/web:latest"),
        ("flux-system:podinfo", "ghcr.io/stefanprodan/podinfo:7.0.0"),
    ]);
    let rendered = example::cluster().render().unwrap();
    let report = check_tree(rendered.main(), tmp.path()).unwrap();
    assert_eq!(report.differing, ["apps/podinfo.yaml", "apps/web.yaml"]);
    let why: Vec<&str> = report
        .automated
        .iter()
        .map(|v| v.not_chosen.as_deref().unwrap())
        .collect();
    assert_eq!(
        why,
        [
            "\"7.0.0\" is not a version in \"6.x\", the semver range of ImagePolicy flux-system/podinfo",
            "tag \"latest\" does not match \"^main-[a-f0-9]+-(?P<ts>[0-9]+)$\", the filterTags pattern of ImagePolicy flux-system/web",
        ]
    );

    let (code, _, err) = check_command(tmp.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("apps/web.yaml:20: \"ghcr.io/example/web:latest\" at a field marked {\"$imagepolicy\": \"flux-system:web\"} is not a value its policy could choose"),
        "{err}"
    );

    write_tree(rendered.main(), tmp.path()).unwrap();
    let web = std::fs::read_to_string(tmp.path().join("apps/web.yaml")).unwrap();
    assert!(web.contains("image: ghcr.io/example/web:main-3f2a1c9-1733216400 # "));
    assert!(
        check_tree(rendered.main(), tmp.path())
            .unwrap()
            .is_current()
    );
}

/// A cluster with podinfo's policy and release, `automation` deciding what else it has.
fn podinfo_with(
    automation: impl FnOnce(&mut Cluster, &fluxdsl::File, &Ref<fluxdsl::GitRepository>),
    tag: &str,
) -> (Cluster, Ref<HelmRelease>, Ref<ImagePolicy>) {
    let mut c = Cluster::new("k8s");
    let file = c.file("flux-system/images.yaml");
    let fleet = super::fleet_source(&mut c, &file);
    automation(&mut c, &file, &fleet);
    let images = c.add(
        &file,
        ImageRepository::builder()
            .name(name!("podinfo"))
            .image("ghcr.io/stefanprodan/podinfo")
            .interval(duration!("5m"))
            .build(),
    );
    let policy = c.add(
        &file,
        ImagePolicy::builder()
            .name(name!("podinfo"))
            .image_repository_ref(&images)
            .policy(TagPolicy::Semver("6.x".into()))
            .build(),
    );
    let apps = c.file("apps/podinfo.yaml");
    let charts = c.add(
        &apps,
        HelmRepository::builder()
            .name(name!("podinfo"))
            .url("https://stefanprodan.github.io/podinfo")
            .interval(duration!("1h"))
            .build(),
    );
    let release = c.add(
        &apps,
        HelmRelease::builder()
            .name(name!("podinfo"))
            .chart(Chart::from_source(&charts, "podinfo").version("6.5.4"))
            .interval(duration!("1h"))
            .values(serde_json::json!({ "image": { "tag": tag }, "replicaCount": 2 }))
            .build(),
    );
    (c, release, policy)
}

fn automation(
    update_path: &str,
) -> impl FnOnce(&mut Cluster, &fluxdsl::File, &Ref<fluxdsl::GitRepository>) {
    move |c, file, fleet| {
        c.add(
            file,
            ImageUpdateAutomation::builder()
                .name(name!("flux-system"))
                .source_ref(fleet)
                .author(CommitAuthor::new("bot", "bot@example.com"))
                .update_path(update_path)
                .interval(duration!("30m"))
                .build(),
        );
    }
}

fn refusal(c: &Cluster) -> String {
    c.render().map(|_| ()).unwrap_err().to_string()
}

#[test]
fn a_mark_nothing_would_update_or_a_value_the_policy_could_never_choose_is_refused() {
    let line = line!() + 3;
    let none = {
        let (mut c, release, policy) = podinfo_with(|_, _, _| {}, "6.5.0");
        c.automate(&release, "spec.values.image.tag", &policy, ImageSetter::Tag);
        c
    };
    let message = refusal(&none);
    assert!(
        message.contains("HelmRelease flux-system/podinfo")
            && message.contains("spec.values.image.tag")
            && message.contains(
                "is marked for ImagePolicy flux-system/podinfo, but no ImageUpdateAutomation \
                 in namespace flux-system selecting that policy updates \"k8s/apps/podinfo.yaml\""
            )
            && message.contains(&format!("tests/suite/image_automation.rs:{line}")),
        "{message}"
    );

    for (update_path, tag, field, expected) in [
        // The automation updates another folder.
        (
            "./k8s/flux-system",
            "6.5.0",
            "spec.values.image.tag",
            "but no ImageUpdateAutomation",
        ),
        // A start the range excludes.
        (
            "./k8s",
            "7.1.0",
            "spec.values.image.tag",
            "starts at \"7.1.0\", which ImagePolicy flux-system/podinfo could never choose: \"7.1.0\" is not a version in \"6.x\"",
        ),
        // A typo in the field.
        (
            "./k8s",
            "6.5.0",
            "spec.values.image.tags",
            "is not a field of the object as written",
        ),
        // Not a string.
        (
            "./k8s",
            "6.5.0",
            "spec.values.replicaCount",
            "holds 2, not a string",
        ),
        (
            "./k8s",
            "6.5.0",
            "spec.values[0]",
            "is not a field of the object as written",
        ),
        ("./k8s", "6.5.0", "spec..values", "is not a field path"),
    ] {
        let (mut c, release, policy) = podinfo_with(automation(update_path), tag);
        c.automate(&release, field, &policy, ImageSetter::Tag);
        let message = refusal(&c);
        assert!(message.contains(expected), "{field}: {message}");
    }

    // A whole image for a tag-only policy: the repository is checked.
    let (mut c, _, policy) = podinfo_with(automation("./k8s"), "6.5.0");
    automated_app(
        &mut c,
        "apps/other.yaml",
        (name!("other"), namespace!("apps")),
        "ghcr.io/example/other:6.5.0",
        &policy,
    );
    let message = refusal(&c);
    assert!(
        message.contains("Deployment apps/other")
            && message.contains("\"ghcr.io/example/other\" is not \"ghcr.io/stefanprodan/podinfo\", the image ImagePolicy flux-system/podinfo watches"),
        "{message}"
    );

    // A kustomize `images` entry the folder does not have.
    let (mut c, _, policy) = podinfo_with(automation("./k8s"), "6.5.0");
    let folder = c.kustomize_folder(
        "apps/kustomized",
        KustomizeConfig::builder().resource_list(&[]).build(),
    );
    c.automate_folder_image(&folder, "podinfo", &policy);
    assert!(
        refusal(&c).contains(
            "apps/kustomized/kustomization.yaml has no `images` entry named \"podinfo\" to automate"
        ),
        "{}",
        refusal(&c)
    );

    // A policy another cluster declares.
    let (mut c, release, _) = podinfo_with(automation("./k8s"), "6.5.0");
    let elsewhere: Ref<ImagePolicy> =
        Ref::existing(&fluxdsl::NamespaceName::FLUX_SYSTEM, name!("elsewhere"));
    c.automate(
        &release,
        "spec.values.image.tag",
        &elsewhere,
        ImageSetter::Tag,
    );
    assert!(
        refusal(&c).contains("which this cluster does not declare"),
        "{}",
        refusal(&c)
    );

    // And the same mark under an automation that updates the file renders.
    let (mut c, release, policy) = podinfo_with(automation("./k8s"), "6.5.0");
    c.automate(&release, "spec.values.image.tag", &policy, ImageSetter::Tag);
    let rendered = c.render().unwrap_or_else(|e| panic!("{e}"));
    assert!(rendered.file("apps/podinfo.yaml").unwrap().contains(
        "    image:\n      tag: 6.5.0 # {\"$imagepolicy\": \"flux-system:podinfo:tag\"}\n"
    ));
}

#[test]
fn a_policy_selector_that_leaves_the_policy_out_updates_nothing() {
    let (mut c, release, policy) = podinfo_with(
        |c, file, fleet| {
            c.add(
                file,
                ImageUpdateAutomation::builder()
                    .name(name!("flux-system"))
                    .source_ref(fleet)
                    .author(CommitAuthor::new("bot", "bot@example.com"))
                    .update_path("./k8s")
                    .policy_labels(&[("team", "web")])
                    .interval(duration!("30m"))
                    .build(),
            );
        },
        "6.5.0",
    );
    c.automate(&release, "spec.values.image.tag", &policy, ImageSetter::Tag);
    assert!(
        refusal(&c).contains("but no ImageUpdateAutomation"),
        "{}",
        refusal(&c)
    );
}

/// Renovate's custom manager as renovate.json writes it: the file pattern and the regex.
fn renovate_manager() -> (regex::Regex, regex::Regex, Vec<String>) {
    let config: serde_json::Value = serde_json::from_str(include_str!(
        "../../examples/image_automation/renovate.json"
    ))
    .unwrap();
    let manager = &config["customManagers"][0];
    assert_eq!(manager["customType"], "regex");
    let pattern = manager["managerFilePatterns"][0].as_str().unwrap();
    let files = regex::Regex::new(pattern.trim_matches('/')).unwrap();
    let matches = regex::Regex::new(manager["matchStrings"][0].as_str().unwrap()).unwrap();
    let ignored = config["ignorePaths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    (files, matches, ignored)
}

#[test]
fn renovate_finds_every_version_and_a_bump_is_one_line_after_render() {
    let (files, matches, ignored) = renovate_manager();
    assert!(files.is_match("examples/image_automation/versions.yaml"));
    let deps: Vec<(String, String, String)> = matches
        .captures_iter(example::VERSIONS)
        .map(|c| {
            (
                c["datasource"].into(),
                c["depName"].into(),
                c["currentValue"].into(),
            )
        })
        .collect();
    assert_eq!(
        deps,
        [
            ("helm".into(), "podinfo".into(), "6.5.4".into()),
            (
                "docker".into(),
                "docker.io/library/redis".into(),
                "7.2.4".into()
            ),
        ]
    );
    // Every entry of the file is one Renovate sees.
    let entries: serde_yaml::Mapping = serde_yaml::from_str(example::VERSIONS).unwrap();
    assert_eq!(entries.len(), deps.len());

    // Renovate leaves the rendered tree alone (Flux's automation commits there).
    let rendered = example::cluster().render().unwrap();
    assert_eq!(ignored, ["clusters/**"]);
    assert!(rendered.root().starts_with("clusters/"));

    // Renovate's bump: the matched value replaced.
    let podinfo = matches.captures(example::VERSIONS).unwrap();
    let value = podinfo.name("currentValue").unwrap();
    let bumped = format!(
        "{}6.9.2{}",
        &example::VERSIONS[..value.start()],
        &example::VERSIONS[value.end()..]
    );
    let tmp = tempfile::tempdir().unwrap();
    write_tree(rendered.main(), tmp.path()).unwrap();
    let after = example::cluster_with(&example::Versions::parse(&bumped))
        .render()
        .unwrap();
    let before_text = rendered.file("apps/podinfo.yaml").unwrap();
    let after_text = after.file("apps/podinfo.yaml").unwrap();
    let changed: Vec<(&str, &str)> = before_text
        .lines()
        .zip(after_text.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed, [("      version: 6.5.4", "      version: 6.9.2")]);
    let unchanged_elsewhere = rendered
        .main()
        .files()
        .filter(|(p, _)| *p != "apps/podinfo.yaml")
        .all(|(p, t)| after.file(p) == Some(t));
    assert!(unchanged_elsewhere);

    // The post-upgrade task renders; check is green again.
    assert!(!check_tree(after.main(), tmp.path()).unwrap().is_current());
    write_tree(after.main(), tmp.path()).unwrap();
    assert!(check_tree(after.main(), tmp.path()).unwrap().is_current());
}

#[test]
fn a_marked_file_that_cannot_be_read_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let rendered = example::cluster().render().unwrap();
    // A folder where the marked file should be.
    std::fs::create_dir_all(tmp.path().join("apps/web.yaml")).unwrap();
    let err = check_tree(rendered.main(), tmp.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot read") && err.contains("apps/web.yaml"),
        "{err}"
    );
}
