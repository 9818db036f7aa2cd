//! The default command prints every file after a `# file:` line.

use super::{listing_files, run_cluster};

#[test]
fn cargo_run_prints_the_monacocloud_tree() {
    let (code, stdout, stderr) = run_cluster(&[]);
    assert_eq!(code, 0, "{stderr}");
    let paths: Vec<String> = listing_files(&stdout).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "k8s/flux/components.yaml",
            "k8s/flux/flux-system/gotk-sync.yaml",
            "k8s/flux/flux-system/kustomization.yaml",
            "k8s/flux/monacocloud-apps.yaml",
            "k8s/flux/monacocloud-config.yaml",
            "kube-deploy/owncloud/kustomization.yaml",
            "kube-deploy/owncloud/namespace.yaml",
            "kube-deploy/owncloud/owncloud-db.yaml",
            "kube-deploy/owncloud/owncloud.yaml",
            "kube-deploy/seeddms/kustomization.yaml",
            "kube-deploy/seeddms/namespace.yaml",
            "kube-deploy/seeddms/seeddms-db.yaml",
            "kube-deploy/seeddms/seeddms.yaml",
            "kube-deploy/suitecrm/kustomization.yaml",
            "kube-deploy/suitecrm/namespace.yaml",
            "kube-deploy/suitecrm/suitecrm-db.yaml",
            "kube-deploy/suitecrm/suitecrm.yaml",
        ]
    );
}

#[test]
fn monacocloud_matches_the_reference_cluster() {
    // DESIGN.md: every GitRepository and Kustomization at interval 1m0s, every Kustomization
    // prune: true, the infra chain certmanager <- traefik <- prometheus <- helpmanager, and
    // the secrets each repository authenticates with.
    let (_, stdout, _) = run_cluster(&[]);
    let objects: Vec<serde_json::Value> = listing_files(&stdout)
        .iter()
        .filter(|(p, _)| !p.ends_with("kustomization.yaml"))
        .flat_map(|(_, t)| super::parse_yaml_stream(t))
        .collect();
    let flux: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| {
            o["apiVersion"]
                .as_str()
                .unwrap()
                .contains("toolkit.fluxcd.io")
        })
        .collect();
    assert_eq!(flux.len(), 11);
    for o in &flux {
        assert_eq!(o["spec"]["interval"], "1m0s", "{}", o["metadata"]["name"]);
        assert_eq!(o["metadata"]["namespace"], "flux-system");
        if o["kind"] == "Kustomization" {
            assert_eq!(o["spec"]["prune"], true);
        }
    }
    let find = |kind: &str, name: &str| {
        *flux
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} is declared"))
    };
    for (ks, dep) in [
        ("traefik", "certmanager"),
        ("prometheus", "traefik"),
        ("helpmanager", "prometheus"),
    ] {
        assert_eq!(
            find("Kustomization", ks)["spec"]["dependsOn"],
            serde_json::json!([{"name": dep}])
        );
    }
    assert_eq!(
        find("Kustomization", "flux-system")["spec"]["path"],
        "./k8s/flux"
    );
    assert_eq!(
        find("GitRepository", "flux-system")["spec"]["secretRef"]["name"],
        "flux-system"
    );
    assert_eq!(
        find("GitRepository", "flux-system")["spec"]["ref"]["branch"],
        "main"
    );
    assert_eq!(
        find("GitRepository", "kube-deploy")["spec"]["secretRef"]["name"],
        "flux-deploy-authentication"
    );
    assert_eq!(
        find("GitRepository", "monacocloud-config")["spec"]["secretRef"]["name"],
        "flux-system"
    );
    for app in [
        "owncloud-manifests",
        "seeddms-manifests",
        "suitecrm-manifests",
    ] {
        assert_eq!(
            find("Kustomization", app)["spec"]["sourceRef"]["name"],
            "kube-deploy"
        );
    }
}

#[test]
fn the_readme_quick_start_is_examples_minimal() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let quick_start = readme
        .split("## Quick start")
        .nth(1)
        .expect("a Quick start section");
    let code = quick_start
        .split("```rust\n")
        .nth(1)
        .and_then(|s| s.split("```\n").next())
        .expect("a rust block");
    let example = std::fs::read_to_string(root.join("examples/minimal.rs")).unwrap();
    let body: String = example
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        code, body,
        "README's quick start must be examples/minimal.rs"
    );
}

/// The long flags (`--name`) in `text`, without `--help`.
fn flags(text: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for (i, _) in text.match_indices("--") {
        let flag: String = text[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '-')
            .collect();
        if flag.len() > 1 && flag != "help" && !text[..i].ends_with('-') {
            found.insert(flag.trim_end_matches('-').to_owned());
        }
    }
    found
}

#[test]
fn the_readme_command_table_matches_help() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Commands\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a Commands section");
    // Each table row: the command (first backticked word of its first cell) and its flags.
    let mut table = std::collections::BTreeMap::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains('`'))
    {
        let cell = row.split(" | ").next().unwrap();
        let command = cell.split('`').nth(1).unwrap().split(' ').next().unwrap();
        table.insert(command.to_owned(), flags(cell));
    }

    let (code, help, _) = run_cluster(&["--help"]);
    assert_eq!(code, 0);
    let commands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect();
    assert_eq!(
        table.keys().cloned().collect::<Vec<_>>(),
        {
            let mut sorted = commands.clone();
            sorted.sort();
            sorted
        },
        "README's command table lists exactly the commands of --help"
    );
    for command in &commands {
        let (code, help, _) = run_cluster(&[command, "--help"]);
        assert_eq!(code, 0);
        let options = help.split("Options:").nth(1).unwrap_or("");
        let from_help: std::collections::BTreeSet<String> = options
            .lines()
            .filter_map(|l| {
                l.trim_start()
                    .strip_prefix("--")
                    .or_else(|| l.trim_start().split_once(", --").map(|(_, rest)| rest))
            })
            .map(|rest| rest.split([' ', '=', '<']).next().unwrap().to_owned())
            .filter(|f| f != "help")
            .collect();
        assert_eq!(
            table[command], from_help,
            "README's row for `{command}` names exactly the flags of `{command} --help`"
        );
    }
}

#[test]
fn an_examples_hints_and_help_name_the_example() {
    use fluxdsl::cli::run_with;
    let mut c = fluxdsl::Cluster::new("clusters/minimal");
    let f = c.file("a.yaml");
    c.add(
        &f,
        fluxdsl::GitRepository::builder()
            .name(fluxdsl::name!("a"))
            .reference(fluxdsl::GitRef::branch("main"))
            .url("https://example.com/a")
            .interval(fluxdsl::duration!("1m"))
            .build(),
    );
    let repository = fluxdsl::Repository::of_one(c);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t");
    // As cargo runs an example: target/<profile>/examples/NAME.
    let program = "target/debug/examples/minimal";
    let run = |args: &[&str]| {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let code = run_with(
            &repository,
            std::iter::once(program).chain(args.iter().copied()),
            &mut o,
            &mut e,
        );
        (
            code,
            String::from_utf8(o).unwrap(),
            String::from_utf8(e).unwrap(),
        )
    };
    let (code, _, stderr) = run(&["check", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "run `cargo run --example minimal -- render --out {}`",
            out.display()
        )),
        "{stderr}"
    );
    let (code, help, _) = run(&["render", "--help"]);
    assert_eq!(code, 0);
    assert!(
        help.contains("(default: clusters/minimal, the tree this program declares)"),
        "{help}"
    );
    assert!(!help.contains("k8s/flux"), "{help}");
}

#[test]
fn fluxdsl_new_writes_a_crate_whose_program_is_the_tested_template() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("My-Fleet");
    let name = fluxdsl::cli::new_crate(&dir).unwrap();
    assert_eq!(name, "my-fleet");
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap();
    let cargo = read("Cargo.toml");
    assert!(
        cargo.starts_with("[package]\nname = \"my-fleet\"\n"),
        "{cargo}"
    );
    assert!(
        cargo.contains(&format!(
            "fluxdsl = {{ path = {:?} }}",
            env!("CARGO_MANIFEST_DIR")
        )),
        "{cargo}"
    );
    // The program is examples/new_repository.rs, which `cargo test` builds and this
    // suite renders.
    let main = read("src/main.rs");
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/new_repository.rs"
    ))
    .unwrap();
    assert_eq!(
        main.lines().skip(1).collect::<Vec<_>>(),
        template.lines().skip(1).collect::<Vec<_>>()
    );
    assert!(
        main.starts_with("//! This repository's Flux definition: one cluster,"),
        "{main}"
    );
    assert_eq!(read(".gitignore"), "/target\n");
    assert!(read("README.md").contains("cargo run -- render"));
    // Its edit loop is this project's: std and fluxdsl linked dynamically, line tables
    // only (.ci/run builds and renders the crate).
    assert!(
        read(".cargo/config.toml").contains("rustflags = [\"-C\", \"prefer-dynamic\"]"),
        "{}",
        read(".cargo/config.toml")
    );
    assert!(
        cargo.ends_with("[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n"),
        "{cargo}"
    );
    // A folder that is not empty is refused, and left as it was.
    let err = fluxdsl::cli::new_crate(&dir).unwrap_err();
    assert!(
        err.ends_with("is not empty: fluxdsl writes a crate into a new or empty folder"),
        "{err}"
    );
    assert_eq!(read("Cargo.toml"), cargo);
    // Nothing is left beside it.
    let beside: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(beside.len(), 1);
}

#[test]
fn the_fluxdsl_tool_says_what_is_wrong_in_one_line_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_fluxdsl"))
            .args(args)
            .output()
            .unwrap()
    };
    let missing = tmp.path().join("no/such/parent/fleet");
    let out = run(&["new", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("fluxdsl new: ") && err.contains("does not exist"),
        "{err}"
    );
    let out = run(&["new", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Usage: fluxdsl new <DIR>")
    );
    let out = run(&["new", tmp.path().join("fleet").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(tmp.path().join("fleet/src/main.rs").is_file());
}

#[test]
fn the_new_repository_template_renders_and_checks() {
    let repository = super::reproductions::new_repository::repository();
    let rendered = repository.render().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        rendered
            .file("clusters/my-cluster/flux-system/gotk-sync.yaml")
            .is_some()
    );
    assert!(rendered.file("apps/namespace.yaml").is_some());
}
