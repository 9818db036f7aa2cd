fn main() {
    let _name = fluxdsl::name!("${cluster_name}-podinfo");
}
