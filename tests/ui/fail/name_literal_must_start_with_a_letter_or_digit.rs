fn main() {
    let _name = fluxdsl::name!("-apps");
}
