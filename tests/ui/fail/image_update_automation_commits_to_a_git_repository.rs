use fluxdsl::{duration, name, CommitAuthor, ImageUpdateAutomation, NamespaceName, OCIRepository, Ref};

fn main() {
    let manifests: Ref<OCIRepository> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("manifests"));
    let _automation = ImageUpdateAutomation::builder()
        .name(name!("images"))
        .source_ref(&manifests)
        .author(CommitAuthor::new("bot", "bot@example.com"))
        .interval(duration!("30m"))
        .build();
}
