//! A fleet: a repository of N clusters, each a `flux-system` (GitRepository of this
//! repository and its Kustomization) and 20 Kustomizations over 20 shared app folders, each
//! folder a kustomization.yaml with a generated values ConfigMap and a HelmRelease reading it.
//! Prints the time to build and render (validation included) the whole repository in memory
//! for N = 250, 500, 1,000 and 2,000, and each time over the one before: linear work doubles.
//!
//!   cargo bench --bench fleet

use std::time::Instant;

use fluxdsl::{
    Chart, Cluster, ConfigMapGenerator, GitRef, GitRepository, HelmRelease, HelmRepository,
    Kustomization, KustomizeConfig, Name, NamespaceName, Repository, ValuesFrom, duration, name,
    namespace,
};

const APPS: usize = 20;

fn shared() -> Cluster {
    let mut s = Cluster::for_repository("");
    let charts_file = s.file("infrastructure/charts.yaml");
    let charts = s.add(
        &charts_file,
        HelmRepository::builder()
            .name(name!("charts"))
            .url("https://charts.example.com")
            .interval(duration!("1h"))
            .build(),
    );
    for app in 0..APPS {
        let dir = format!("apps/app-{app}");
        let ns = NamespaceName::new(format!("app-{app}")).unwrap();
        let folder = s.kustomize_folder(
            &dir,
            KustomizeConfig::builder().namespace(ns.clone()).build(),
        );
        let namespace_file = s.folder_file(&folder, "namespace.yaml");
        s.namespace(&namespace_file, ns.clone());
        let values = s.data_file(
            &format!("{dir}/values.yaml"),
            &serde_json::json!({ "replicaCount": 2, "app": app }),
        );
        let settings = s.generate_config_map(
            &dir,
            ConfigMapGenerator::from_files(name!("values"), &[&values]),
        );
        let release_file = s.folder_file(&folder, "release.yaml");
        s.add(
            &release_file,
            HelmRelease::builder()
                .name(Name::new(format!("app-{app}")).unwrap())
                .namespace(ns)
                .chart(Chart::from_source(&charts, "app"))
                .interval(duration!("10m"))
                .values_from(&[ValuesFrom::config_map(&settings)])
                .build(),
        );
    }
    s
}

fn cluster(n: usize) -> Cluster {
    let mut c = Cluster::for_repository("");
    let sync = c.file(&format!("clusters/c{n}/flux-system/sync.yaml"));
    let source = c.add(
        &sync,
        GitRepository::builder()
            .name(name!("flux-system"))
            .url("ssh://git@example.com/org/fleet")
            .reference(GitRef::branch("main"))
            .interval(duration!("1m"))
            .build(),
    );
    c.source_is_this_repository(&source);
    c.add(
        &sync,
        Kustomization::builder()
            .name(name!("flux-system"))
            .source_ref(&source)
            .path(format!("./clusters/c{n}"))
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    let apps = c.file(&format!("clusters/c{n}/apps.yaml"));
    c.add(
        &apps,
        Kustomization::builder()
            .name(name!("infrastructure"))
            .source_ref(&source)
            .path("./infrastructure")
            .interval(duration!("10m"))
            .prune(true)
            .build(),
    );
    for app in 0..APPS {
        c.add(
            &apps,
            Kustomization::builder()
                .name(Name::new(format!("app-{app}")).unwrap())
                .source_ref(&source)
                .path(format!("./apps/app-{app}"))
                .interval(duration!("10m"))
                .prune(true)
                .build(),
        );
    }
    let _ = namespace!("flux-system");
    c
}

fn fleet(clusters: usize) -> Repository {
    let mut repo = Repository::new();
    for n in 0..clusters {
        repo.cluster(&format!("c{n}"), cluster(n));
    }
    repo.shared(shared());
    repo
}

fn main() {
    let mut previous: Option<f64> = None;
    for clusters in [250, 500, 1_000, 2_000] {
        let mut best = f64::MAX;
        let mut files = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let rendered = fleet(clusters).render().unwrap_or_else(|e| panic!("{e}"));
            best = best.min(start.elapsed().as_secs_f64());
            files = rendered.main().files().count();
        }
        let ratio = previous.map_or(String::new(), |p| {
            format!(", {:.2}x the one before", best / p)
        });
        println!(
            "fleet: {clusters} clusters ({files} files): build + render {:.0} ms (best of 3){ratio}",
            best * 1e3
        );
        previous = Some(best);
    }
}
