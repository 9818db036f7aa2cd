use fluxdsl::{duration, name, GitRepository};

fn main() {
    let _repo = GitRepository::builder()
        .name(name!("apps"))
        .url("ssh://git@example.com/apps")
        .secret_ref("flux-system")
        .interval(duration!("1m"))
        .build();
}
