//! `monacocloud-config.yaml`: the infrastructure repository and its services, each
//! waiting for the one before it.

use fluxdsl::{Cluster, GitRef, GitRepository, Kustomization, duration, name};

use crate::flux_system::FluxSystem;

pub fn declare(cluster: &mut Cluster, flux: &FluxSystem) {
    let file = cluster.file("monacocloud-config.yaml");
    let infra = cluster.add(
        &file,
        GitRepository::builder()
            .name(name!("monacocloud-config"))
            .url("ssh://git@gitlab.com/monacocloud/monacocloud_submodules/kubernetes")
            .reference(GitRef::branch("main"))
            .secret_ref(&flux.deploy_key)
            .interval(duration!("1m"))
            .build(),
    );
    let service = |name, path| {
        Kustomization::builder()
            .name(name)
            .source_ref(&infra)
            .path(path)
            .interval(duration!("1m"))
            .prune(true)
    };
    let certmanager = cluster.add(
        &file,
        service(name!("certmanager"), "./certmanager").build(),
    );
    let traefik = cluster.add(
        &file,
        service(name!("traefik"), "./traefik")
            .depends_on(&[&certmanager])
            .build(),
    );
    let prometheus = cluster.add(
        &file,
        service(name!("prometheus"), "./prometheus")
            .depends_on(&[&traefik])
            .build(),
    );
    cluster.add(
        &file,
        service(name!("helpmanager"), "./helpmanager")
            .depends_on(&[&prometheus])
            .build(),
    );
}
