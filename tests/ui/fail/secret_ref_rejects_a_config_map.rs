use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
use fluxdsl::{duration, name, GitRepository, NamespaceName, Ref};

fn main() {
    let settings: Ref<ConfigMap> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("settings"));
    let _repo = GitRepository::builder()
        .name(name!("apps"))
        .url("ssh://git@example.com/apps")
        .secret_ref(&settings)
        .interval(duration!("1m"))
        .build();
}
