use fluxdsl::{duration, name, Kustomization};

fn main() {
    // `infra` was never declared, so there is no handle to refer to.
    let _apps = Kustomization::builder()
        .name(name!("apps"))
        .source_ref(&infra)
        .path("./apps")
        .interval(duration!("1m"))
        .prune(true)
        .build();
}
