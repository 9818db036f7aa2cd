use fluxdsl::k8s_openapi::api::rbac::v1::ClusterRole;
use fluxdsl::{name, NamespaceName, Ref};

fn main() {
    let _admin: Ref<ClusterRole> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("cluster-admin"));
}
