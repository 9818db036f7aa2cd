//! `fluxdsl new DIR`: a new repository crate — `Cargo.toml` depending on this fluxdsl,
//! `src/main.rs` declaring one cluster (`examples/new_repository.rs`, compiled and tested
//! with the examples), a README, a `.gitignore` and `.cargo/config.toml` (dynamic linking,
//! for the edit loop) — written whole or not at all.

use std::path::{Path, PathBuf};

/// The program a new crate starts from.
const MAIN: &str = include_str!("../../examples/new_repository.rs");

/// Where this fluxdsl's source is: the new crate depends on it by path.
const FLUXDSL: &str = env!("CARGO_MANIFEST_DIR");

/// Writes a new repository crate into `dir` (new, or an empty folder); returns the
/// crate's name. Nothing is left in `dir` when it fails.
pub fn new_crate(dir: &Path) -> Result<String, String> {
    let name = crate_name(dir)?;
    let files = [
        ("Cargo.toml".to_owned(), cargo_toml(&name, FLUXDSL)),
        ("src/main.rs".to_owned(), main_rs()),
        ("README.md".to_owned(), readme(&name)),
        (".gitignore".to_owned(), "/target\n".to_owned()),
        (".cargo/config.toml".to_owned(), CARGO_CONFIG.to_owned()),
    ];
    write_crate(dir, &files)?;
    Ok(name)
}

/// Writes `files` (path in the crate, text) into `dir` (new, or an empty folder): staged
/// beside it and moved into place in one step, so nothing is left when it fails.
pub fn write_crate(dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    let shown = dir.display();
    if let Ok(mut entries) = std::fs::read_dir(dir) {
        if entries.next().is_some() {
            return Err(format!(
                "{shown} is not empty: fluxdsl writes a crate into a new or empty folder"
            ));
        }
    } else if dir.exists() {
        return Err(format!("{shown} is not a folder"));
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(format!("{} does not exist", parent.display()));
    }
    let staging = tempfile::Builder::new()
        .prefix(".fluxdsl-new-")
        .tempdir_in(&parent)
        .map_err(|e| format!("{}: {e}", parent.display()))?;
    for (path, text) in files {
        let at = staging.path().join(path);
        if let Some(folder) = at.parent() {
            std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        }
        std::fs::write(&at, text).map_err(|e| format!("{}: {e}", at.display()))?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(|e| format!("{shown}: {e}"))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        format!("{shown}: {e}")
    })
}

/// The crate's name: the folder's, as Cargo accepts it.
pub fn crate_name(dir: &Path) -> Result<String, String> {
    let folder = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: name the new crate's folder", dir.display()))?;
    let name: String = folder
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => Ok(name),
        _ => Err(format!(
            "{}: a crate's name starts with a letter; name the folder so",
            dir.display()
        )),
    }
}

/// The Cargo.toml of a crate `fluxdsl new` or `fluxdsl import` writes: package `name`,
/// depending on the fluxdsl at `fluxdsl_dir`, with [`DEV_PROFILE`].
pub fn cargo_toml(name: &str, fluxdsl_dir: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = \
         false\n\n[dependencies]\nfluxdsl = {{ path = {fluxdsl_dir:?} }}\n{DEV_PROFILE}"
    )
}

/// The `[profile.dev]` of a crate `fluxdsl new` or `fluxdsl import` writes.
pub const DEV_PROFILE: &str = "
# Debug information: line tables for the program's backtraces, none for its dependencies
# (smaller objects, a faster link after each edit).
[profile.dev]
debug = \"line-tables-only\"

[profile.dev.package.\"*\"]
debug = false
";

/// The `.cargo/config.toml` of a crate `fluxdsl new` or `fluxdsl import` writes: its
/// program links fluxdsl and std dynamically, as this project's own does, for the edit
/// loop.
pub const CARGO_CONFIG: &str = "\
# The program links the standard library and fluxdsl dynamically: after an edit, its link
# takes milliseconds instead of most of a second (`cargo run`, `cargo test` find the shared
# libraries themselves; to run target/debug/<crate> by hand, put target/debug/deps and
# $(rustc --print sysroot)/lib/rustlib/<host>/lib on LD_LIBRARY_PATH).
[build]
rustflags = [\"-C\", \"prefer-dynamic\"]

# On Linux, libfluxdsl.so also binds its own calls to itself (faster renders).
[target.'cfg(target_os = \"linux\")']
rustflags = [\"-C\", \"prefer-dynamic\", \"-C\", \"link-arg=-Wl,-Bsymbolic\"]
";

/// The template without the lines that speak of it as one of fluxdsl's examples.
fn main_rs() -> String {
    MAIN.replace(
        "//! The program `fluxdsl new` writes as a new repository's `src/main.rs`: one cluster,",
        "//! This repository's Flux definition: one cluster,",
    )
}

fn readme(name: &str) -> String {
    format!(
        "# {name}\n\nThis repository's Flux objects, written in Rust with fluxdsl \
         ({FLUXDSL}): `src/main.rs` declares them, and the YAML Flux reconciles is what it \
         renders.\n\n```sh\ncargo run                # print \
         the YAML\ncargo run -- render      # write it into this repository\ncargo run -- \
         check       # check the committed YAML is current (CI)\ncargo run -- tree        \
         # what each cluster runs\ncargo run -- --help\n```\n"
    )
}
