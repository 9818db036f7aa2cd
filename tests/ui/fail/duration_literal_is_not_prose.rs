fn main() {
    let _interval = fluxdsl::duration!("5 minutes");
}
