fn main() {
    let _app = fluxdsl::HelmRelease::builder()
        .name(fluxdsl::name!("app"))
        .interval(fluxdsl::duration!("10m"))
        .build();
}
