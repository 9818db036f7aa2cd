fn main() {
    // Go writes half a millisecond as 500µs, which Flux's schema rejects.
    let _ = fluxdsl::duration!("0.5ms");
}
