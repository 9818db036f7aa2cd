use fluxdsl::k8s_openapi::api::core::v1::ConfigMap;
use fluxdsl::{name, EventSource, NamespaceName, Ref};

fn main() {
    let settings: Ref<ConfigMap> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("settings"));
    let _source = EventSource::of(&settings);
}
