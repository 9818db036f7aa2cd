fn main() {
    let _interval = fluxdsl::duration!("1d");
}
