fn main() {
    let _repo = fluxdsl::GitRepository::builder()
        .name("apps")
        .url("https://example.com/apps")
        .interval(fluxdsl::duration!("1m"))
        .build();
}
