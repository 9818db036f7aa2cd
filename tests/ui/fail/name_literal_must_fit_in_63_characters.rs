fn main() {
    let _name = fluxdsl::name!("a-name-that-is-much-too-long-for-a-flux-object-because-of-labels");
}
