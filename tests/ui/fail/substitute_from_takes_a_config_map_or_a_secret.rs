use fluxdsl::k8s_openapi::api::core::v1::ServiceAccount;
use fluxdsl::{name, NamespaceName, Ref, SubstituteFrom};

fn main() {
    let sa: Ref<ServiceAccount> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("deployer"));
    let _vars = SubstituteFrom::config_map(&sa);
}
