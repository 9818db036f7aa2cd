fn main() {
    let _repo = fluxdsl::GitRepository::builder()
        .name(fluxdsl::name!("apps"))
        .url("https://example.com/apps")
        .interval("1m")
        .build();
}
