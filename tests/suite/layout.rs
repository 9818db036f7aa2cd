//! README's Layout names every file a newcomer opens: each source file under `src/`, each
//! example and each benchmark, and nothing that does not exist.

use std::collections::BTreeSet;
use std::path::Path;

/// The README's Layout section: its first code block (the repository) and its second (the
/// library's layers).
fn layout_blocks() -> (String, String) {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("\n## Layout\n")
        .nth(1)
        .expect("README has a Layout section")
        .split("\n## ")
        .next()
        .unwrap();
    let blocks: Vec<&str> = section.split("```").skip(1).step_by(2).collect();
    assert!(blocks.len() >= 2, "the Layout section has two code blocks");
    (blocks[0].to_owned(), blocks[1].to_owned())
}

/// The words of `text`: runs of letters, digits, `_`, `.` and `/`.
fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '/'))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches(['.', ',']).to_owned())
        .collect()
}

/// Every file below `dir` (relative to the package), sorted.
fn files(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push(rel);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn readme_layout_names_every_source_file_example_and_benchmark() {
    let (repository, library) = layout_blocks();
    let (repo_words, lib_words) = (words(&repository), words(&library));
    let mut missing = Vec::new();
    for path in files("examples").into_iter().chain(files("benches")) {
        // Named by the path's tail: `render.rs`, `common/synthetic.rs`, the whole path.
        let named = repo_words
            .iter()
            .any(|w| path == *w || path.ends_with(&format!("/{w}")));
        if !named {
            missing.push(path);
        }
    }
    for path in files("src") {
        let rel = path.strip_prefix("src/").unwrap();
        let named = match rel.rsplit_once('/') {
            // src/X.rs is named as such.
            None => lib_words.contains(&path),
            // src/D/F.rs: the folder is named, and F (its stem, `mod.rs` as itself).
            Some((dir, file)) => {
                let folder_named = lib_words.contains(&format!("src/{dir}/"))
                    || lib_words.contains(&format!("src/{dir}"))
                    || library.contains(&format!("{dir}/"));
                let stem = file.trim_end_matches(".rs");
                folder_named && (lib_words.contains(file) || lib_words.contains(stem))
            }
        };
        if !named {
            missing.push(path);
        }
    }
    assert!(
        missing.is_empty(),
        "README's Layout does not name: {missing:#?}"
    );
    // And everything it names under src/, examples/ or benches/ exists.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut phantom = Vec::new();
    for w in repo_words.iter().chain(&lib_words) {
        if ["src/", "examples/", "benches/"]
            .iter()
            .any(|p| w.starts_with(p))
            && !root.join(w).exists()
        {
            phantom.push(w.clone());
        }
    }
    assert!(
        phantom.is_empty(),
        "README's Layout names what does not exist: {phantom:?}"
    );
}
