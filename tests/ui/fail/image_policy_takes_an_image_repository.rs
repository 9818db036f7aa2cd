use fluxdsl::{name, GitRepository, ImagePolicy, NamespaceName, Ref, TagPolicy};

fn main() {
    let repo: Ref<GitRepository> = Ref::existing(&NamespaceName::FLUX_SYSTEM, name!("apps"));
    let _policy = ImagePolicy::builder()
        .name(name!("app"))
        .image_repository_ref(&repo)
        .policy(TagPolicy::Semver(">=1.0.0".into()))
        .build();
}
