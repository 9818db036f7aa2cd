fn main() {
    let _repo = fluxdsl::GitRepository::builder()
        .url("https://example.com/apps")
        .interval(fluxdsl::duration!("1m"))
        .build();
}
