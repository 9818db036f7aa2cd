//! `monacocloud-apps.yaml`: the apps repository (`kube-deploy`) and one Kustomization
//! per app.

use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{Cluster, GitRef, GitRepository, Kustomization, NamespaceName, Ref, duration, name};

use crate::flux_system::FluxSystem;

pub fn declare(cluster: &mut Cluster, _flux: &FluxSystem) {
    let file = cluster.file("monacocloud-apps.yaml");
    // The read-only deploy key of the apps repository, created out of band.
    let auth: Ref<Secret> = Ref::existing(
        &NamespaceName::FLUX_SYSTEM,
        name!("flux-deploy-authentication"),
    );
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
}
