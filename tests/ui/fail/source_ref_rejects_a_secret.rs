use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{duration, name, Kustomization, NamespaceName, Ref};

fn main() {
    let key: Ref<Secret> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("flux-system"));
    let _apps = Kustomization::builder()
        .name(name!("apps"))
        .source_ref(&key)
        .path("./apps")
        .interval(duration!("1m"))
        .prune(true)
        .build();
}
