use fluxdsl::{duration, name, Kustomization};

fn main() {
    let _apps = Kustomization::builder()
        .name(name!("apps"))
        .source_ref("flux-system")
        .path("./apps")
        .interval(duration!("1m"))
        .prune(true)
        .build();
}
