fn main() {
    let _repo = fluxdsl::GitRepository::builder()
        .name(fluxdsl::name!("apps"))
        .interval(fluxdsl::duration!("1m"))
        .build();
}
