fn main() {
    let _name = fluxdsl::name!("Flux_System");
}
