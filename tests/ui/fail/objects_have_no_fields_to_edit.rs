use fluxdsl::{duration, name, GitRepository};

fn main() {
    let mut repo = GitRepository::builder()
        .name(name!("apps"))
        .url("https://example.com/apps")
        .interval(duration!("1m"))
        .build();
    repo.url = "https://example.com/elsewhere".to_string();
}
