use fluxdsl::k8s_openapi::api::core::v1::Secret;
use fluxdsl::{name, Alert, EventSource, Kustomization, NamespaceName, Ref};

fn main() {
    let webhook: Ref<Secret> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("slack-url"));
    let _alert = Alert::builder()
        .name(name!("on-call"))
        .provider_ref(&webhook)
        .event_sources(&[EventSource::all::<Kustomization>()])
        .build();
}
