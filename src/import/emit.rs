//! The Rust an import writes: `src/main.rs` (the repository: its clusters and shared
//! folders), a module per part declaring its files in the repository's order (a file
//! after those whose handles it takes), and `files/` holding what is carried byte for
//! byte.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use super::layout::Layout;
use super::plan::{Allow, FilePlan, PartPlan};
use super::run::Finding;
use super::rust::{ident, json, namespace_expr};
use super::scan::{RepoFile, Why, prefix_dir};
use super::typed::{Link, PartTyped};

/// The kinds `Cluster::exists_before_flux` is written for from k8s-openapi (the rest are
/// Flux's, in the prelude).
const CORE_BEFORE_FLUX: [&str; 3] = ["Namespace", "ConfigMap", "Secret"];

/// A file of the generated crate: its path in the crate and its text.
pub(crate) type CrateFile = (String, String);

/// The module name of each part.
pub(crate) fn module_names(layout: &Layout, parts: &[PartPlan]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for part in parts {
        let mut name = match part.cluster {
            Some(c) => ident(&layout.clusters[c].name),
            None => "shared".to_owned(),
        };
        while names.contains(&name) || name == "main" {
            name.push_str("_part");
        }
        names.push(name);
    }
    names
}

/// Every source file of the crate: `src/main.rs`, one module per part, the carried files.
pub(crate) fn emit(
    repo_name: &str,
    files: &[RepoFile],
    layout: &Layout,
    parts: &[PartPlan],
    findings: &[Finding],
) -> Vec<CrateFile> {
    let modules = module_names(layout, parts);
    let sops_keys = super::scan::sops_key_kinds(files);
    let pinned = super::plan::pinned_components(parts);
    let mut out = vec![(
        "src/main.rs".to_owned(),
        main_rs(repo_name, files, layout, parts, &modules, findings, &pinned),
    )];
    for (p, (part, module)) in parts.iter().zip(&modules).enumerate() {
        out.push((
            format!("src/{module}.rs"),
            part_rs(files, layout, parts, part, module, findings, &sops_keys),
        ));
        let trees = part.trees.iter().map(|t| {
            (
                format!("repositories/{}", t.local),
                t.files.as_slice(),
                &t.plans,
            )
        });
        for (dir, files, plans) in
            std::iter::once(("files".to_owned(), files, &part.files)).chain(trees)
        {
            for plan in plans {
                if let FilePlan::Verbatim { file, .. }
                | FilePlan::Kustomize { file }
                | FilePlan::Unapplied { file, .. } = plan
                {
                    out.push((
                        format!("{dir}/{}", files[*file].path),
                        files[*file].text.clone(),
                    ));
                }
                // The components the cluster's Flux API is pinned from, once.
                if let FilePlan::Components { file, .. } = plan
                    && pinned.iter().any(|c| c.part == p && c.file == *file)
                {
                    out.push((
                        format!("{dir}/{}", files[*file].path),
                        files[*file].text.clone(),
                    ));
                }
            }
        }
    }
    out
}

fn main_rs(
    repo_name: &str,
    files: &[RepoFile],
    layout: &Layout,
    parts: &[PartPlan],
    modules: &[String],
    findings: &[Finding],
    pinned: &[super::plan::PinnedComponents],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "//! The Flux repository `{repo_name}`, imported by `fluxdsl import`: each cluster's files\n\
         //! in a module of its own, the folders several clusters (or none) read in `shared`.\n\
         //!\n\
         //! ```text\n\
         //! cargo run                  # print the YAML\n\
         //! cargo run -- render        # write it into the repository\n\
         //! cargo run -- check         # check the committed tree is current\n\
         //! ```"
    );
    if !layout.prefix.is_empty() {
        let _ = writeln!(
            s,
            "//!\n//! Its Flux paths start with `{}`: the folder it is in within its Git repository.",
            layout.prefix
        );
    }
    let open: Vec<&Finding> = findings.iter().filter(|f| !f.opted_in).collect();
    if !open.is_empty() {
        let _ = writeln!(
            s,
            "//!\n//! Render refuses the repository as it is ({} findings `fluxdsl import` listed \
             with no opt-in); fix them in the declarations.",
            open.len()
        );
    }
    for m in modules {
        let _ = writeln!(s, "mod {m};");
    }
    s.push_str(match pinned.is_empty() {
        true => "\nuse fluxdsl::Repository;\n\n",
        false => "\nuse fluxdsl::{FluxApi, Repository};\n\n",
    });
    s.push_str("/// The repository: its clusters and the folders they share.\n");
    s.push_str(
        "pub fn repository() -> Repository {\n    let mut repository = Repository::new();\n",
    );
    for (part, m) in parts.iter().zip(modules) {
        match part.cluster {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "    repository.cluster({:?}, {m}::cluster());",
                    layout.clusters[c].name
                );
            }
            None => {
                let _ = writeln!(s, "    repository.shared({m}::folders());");
            }
        }
    }
    s.push_str("    repository\n}\n");
    for c in pinned {
        let _ = writeln!(
            s,
            "\n/// Flux {version}'s install as committed (`flux install --export`): its CRDs decide the\n\
             /// version each Flux kind is written at, and their schemas check every Flux object\n\
             /// at render. Read once for every cluster that commits it.\n\
             fn {function}() -> &'static FluxApi {{\n    \
             static API: std::sync::OnceLock<FluxApi> = std::sync::OnceLock::new();\n    \
             API.get_or_init(|| {{\n        \
             let crds = include_str!(\"../files/{path}\");\n        \
             FluxApi::from_crds(\"Flux {version}\", crds)\n            \
             .unwrap_or_else(|e| panic!(\"the committed gotk-components.yaml: {{e}}\"))\n    \
             }})\n}}",
            version = c.version,
            function = c.function,
            path = files[c.file].path,
        );
    }
    s.push_str("\nfn main() -> std::process::ExitCode {\n    fluxdsl::cli::run(repository())\n}\n");
    s
}

fn part_rs(
    files: &[RepoFile],
    layout: &Layout,
    parts: &[PartPlan],
    part: &PartPlan,
    own: &str,
    findings: &[Finding],
    sops_keys: &[Vec<&str>],
) -> String {
    let prefix = prefix_dir(&layout.prefix);
    let mut s = String::new();
    match part.cluster {
        Some(c) => {
            let _ = writeln!(
                s,
                "//! Cluster `{}`: the files only its Kustomizations read.\n",
                layout.clusters[c].name
            );
        }
        None => s.push_str(
            "//! The shared folders: files several clusters read, or none (kept in the \
             repository).\n\n",
        ),
    }
    let mut kinds: std::collections::BTreeSet<&str> = part
        .before_flux
        .iter()
        .map(|(k, ..)| k.as_str())
        .filter(|k| CORE_BEFORE_FLUX.contains(k))
        .collect();
    // A Namespace with labels is k8s-openapi's, its metadata an ObjectMeta.
    let plans = part
        .files
        .iter()
        .chain(part.trees.iter().flat_map(|t| &t.plans));
    let typed_namespaces = plans
        .filter_map(|plan| match plan {
            FilePlan::Objects { docs, allow, .. } => Some(docs.iter().zip(allow)),
            _ => None,
        })
        .flatten()
        .any(|(doc, allow)| {
            allow.is_empty()
                && super::typed::PlainNamespace::of(&doc.value)
                    .is_some_and(|ns| ns.uses_k8s_openapi())
        });
    if typed_namespaces {
        kinds.insert("Namespace");
        s.push_str("use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;\n");
    }
    if !kinds.is_empty() {
        let kinds: Vec<&str> = kinds.into_iter().collect();
        let _ = match kinds.as_slice() {
            [one] => writeln!(s, "use fluxdsl::k8s_openapi::api::core::v1::{one};"),
            _ => writeln!(
                s,
                "use fluxdsl::k8s_openapi::api::core::v1::{{{}}};",
                kinds.join(", ")
            ),
        };
    }
    if !part.trees.is_empty() {
        s.push_str("use fluxdsl::Tree;\n");
    }
    // The prelude's json! is serde_json's for literal data compiled to JSON text: a crate
    // of a hundred manifests builds in half the time after an edit.
    s.push_str("use fluxdsl::prelude::*;\n");
    s.push('\n');
    let (function, doc) = match part.cluster {
        Some(_) => (
            "cluster",
            "/// The cluster's files, in the repository's order (a file after those whose handles it takes).",
        ),
        None => (
            "folders",
            "/// The shared files, in the repository's order (a file after those whose handles it takes).",
        ),
    };
    // The function of `main.rs` that reads the components it pins its Flux API from.
    let all_pinned = super::plan::pinned_components(parts);
    let flux = parts
        .iter()
        .position(|x| std::ptr::eq(x, part))
        .and_then(|p| super::plan::pinned_by(&all_pinned, parts, p));
    let _ = writeln!(s, "{doc}\npub fn {function}() -> Cluster {{");
    s.push_str("    let mut c = Cluster::for_repository(\"\");\n");
    if let Some((_, version)) = super::plan::components(part)
        && !part.pin_withheld.is_empty()
    {
        for &f in &part.pin_withheld {
            let f = &findings[f];
            let at =
                f.at.as_deref()
                    .map(|a| format!(" ({a})"))
                    .unwrap_or_default();
            s.push_str(&comment(&format!(
                "finding{at}: {}.",
                one_line(&f.message).trim_end_matches('.')
            )));
        }
        let _ = writeln!(
            s,
            "    // Flux's API is not pinned from the committed {version} components: they refuse the\n    \
             // above. Pin it once that is fixed (`c.flux_api(&FluxApi::from_crds(..))`)."
        );
    }
    if let Some(pinned) = flux {
        let _ = writeln!(s, "    c.flux_api(crate::{}());", pinned.function);
    }
    // A file of objects is a function of its own (an edit recompiles that one), called
    // in dependency order, taking and returning handles; the rest is one call each,
    // written in place.
    let source = part.cluster.map(|i| &layout.clusters[i].source);
    let shared = parts.iter().find(|p| p.cluster.is_none());
    let (typed, folders) =
        super::folders::typed_part(files, &prefix, part, shared, source, sops_keys);
    for (r, placed) in typed
        .recipes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.plan == super::typed::CLUSTER)
    {
        // Bound first: the Kustomizations that build from it, or decrypt with it, take
        // its handle.
        if let Some(secret_file) = placed.recipe.decryption_keys() {
            // Declared even where no typed Kustomization takes it (the manifests name it):
            // `apply` still creates it.
            let bind = match typed.bound.contains(&r) {
                true => format!("let {} = ", placed.var),
                false => String::new(),
            };
            let _ = writeln!(
                s,
                "    // The SOPS keys the Kustomizations decrypt with, not in Git: `apply` creates the\n    \
                 // Secret where the cluster lacks it, from `--secret-file {secret_file}=PATH`.\n    \
                 {bind}{};",
                placed.recipe.code(&[])
            );
            continue;
        }
        let declared = super::layout::objects(files).any(|(_, d)| {
            let key = placed.recipe.key();
            super::layout::kind_of(d) == ("source.toolkit.fluxcd.io", "GitRepository")
                && super::layout::namespace_of(d) == key.namespace
                && super::layout::name_of(d) == key.name
        });
        let _ = writeln!(
            s,
            "    // The repository itself, as `flux bootstrap` points the cluster at it{}\n    \
             let {}: {} =\n        {};",
            if declared {
                "."
            } else {
                ":\n    // bootstrap writes it; this repository does not declare it."
            },
            placed.var,
            placed.recipe.handle_type(),
            placed.recipe.code(&[])
        );
    }
    let mut functions = Functions::new(own);
    for (i, &p) in typed.order.iter().enumerate() {
        // A typed folder is declared before its first file, or after its patch files.
        for folder in folders.declared(i, false) {
            s.push_str(&folder.code(&prefix, &folders));
        }
        if !folders.of_config.contains_key(&p) {
            let folder = folders.of_file.get(&p).map(|&f| &folders.folders[f]);
            let within = Within::Main(&typed, p, folder, folders.file_vars.get(&p));
            functions.declare(&mut s, files, &prefix, &part.files[p], findings, within);
        }
        for folder in folders.declared(i, true) {
            s.push_str(&folder.code(&prefix, &folders));
        }
    }
    for (t, tree) in part.trees.iter().enumerate() {
        let (namespace, name) = &tree.source;
        let var = ident(name);
        let _ = writeln!(
            s,
            "    // The repository GitRepository {namespace}/{name} fetches, checked out at `{}`.",
            tree.local
        );
        let declared = typed.tree_sources[t].map(|r| &typed.recipes[r].var);
        let source = match declared {
            Some(handle) => handle.clone(),
            None => {
                let _ = writeln!(
                    s,
                    "    let {var}: Ref<GitRepository> =\n        Ref::existing(&{}, name!({name:?}));",
                    namespace_expr(namespace)
                );
                var.clone()
            }
        };
        let _ = writeln!(
            s,
            "    let {var}_tree = c.repository_tree(&{source}, {:?}, \"\");",
            tree.local
        );
        let at = (
            format!("{var}_tree"),
            format!("repositories/{}", tree.local),
        );
        for plan in &tree.plans {
            let within = Within::Tree(&at);
            functions.declare(&mut s, &tree.files, "", plan, findings, within);
        }
    }
    for (kind, namespace, name, finding) in &part.before_flux {
        let f = &findings[*finding];
        let at =
            f.at.as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
        let target = match (kind.as_str(), namespace) {
            ("Namespace", _) => {
                format!("Ref::<Namespace>::existing_cluster_scoped(name!({name:?}))")
            }
            (kind, ns) => format!(
                "Ref::<{kind}>::existing(&{}, name!({name:?}))",
                namespace_expr(ns.as_deref().unwrap_or("default"))
            ),
        };
        // A namespace, ConfigMap or Secret made by hand before Flux runs; a Flux object
        // nothing in the repository makes at all.
        let then = match CORE_BEFORE_FLUX.contains(&kind.as_str()) {
            true => "The repository works where it was made by hand; so does this program.",
            false => {
                "Nothing in the repository makes it: this says something outside does; if \
                 nothing does, fix the reference."
            }
        };
        let _ = writeln!(
            s,
            "{}    c.exists_before_flux(&{target});",
            comment(&format!(
                "finding{at}: {}. {then}",
                one_line(&f.message).trim_end_matches('.')
            ))
        );
    }
    if let Some(r) = typed.cluster_source {
        let placed = &typed.recipes[r];
        if placed.plan != super::typed::CLUSTER {
            s.push_str(
                "    // The repository itself, as `flux bootstrap` points the cluster at it.\n",
            );
        }
        let _ = writeln!(s, "    c.source_is_this_repository(&{});", placed.var);
    }
    s.push_str("    c\n}\n");
    // Each folder's functions in a module of their own: rustc compiles a module as a
    // unit, so an edit recompiles that folder, not the cluster.
    for (module, body) in &functions.modules {
        let _ = writeln!(s, "\nmod {module} {{\n    use super::*;");
        s.push_str(body);
        s.push_str("}\n");
    }
    s
}

/// The functions of a part's files of objects, by folder module, in the order first
/// declared; and every name taken (modules as `mod:NAME`, functions as `MODULE::NAME`).
struct Functions {
    /// (module, its functions' text, indented for the module's body).
    modules: Vec<(String, String)>,
    index: HashMap<String, usize>,
    taken: HashSet<String>,
}

impl Functions {
    /// None yet, in the part whose own module is `own`: a folder's module is not named
    /// as that (clippy's module_inception).
    fn new(own: &str) -> Functions {
        Functions {
            modules: Vec::new(),
            index: HashMap::new(),
            taken: [format!("mod:{own}")].into(),
        }
    }

    /// Declares `plan` (of `files`, at `prefix`, `within` the main tree or another): a
    /// file of objects or patches as a function of its own in the module of its folder,
    /// called from `s`, taking and returning the handles other files use; anything else
    /// as its one call in `s`.
    fn declare(
        &mut self,
        s: &mut String,
        files: &[RepoFile],
        prefix: &str,
        plan: &FilePlan,
        findings: &[Finding],
        within: Within<'_>,
    ) {
        let (tree, typed, in_folder, file_var) = match within {
            Within::Main(typed, p, in_folder, file_var) => {
                (None, Some((typed, p)), in_folder, file_var)
            }
            Within::Tree(at) => (Some(at), None, None, None),
        };
        let dir = tree.map_or("files", |(_, dir)| dir.as_str()).to_owned();
        let file = match plan {
            FilePlan::Objects { file, .. } | FilePlan::Patches { file, .. } => *file,
            _ => {
                let place = Place {
                    tree: tree.map(|(var, _)| format!("&{var}")),
                    dir,
                    typed: None,
                    folder_file: None,
                    bind: file_var
                        .map(|var| format!("let {var} = "))
                        .unwrap_or_default(),
                };
                emit_file(s, files, prefix, plan, findings, &place);
                return;
            }
        };
        let path = format!("{prefix}{}", files[file].path);
        let (folder, file_name) = files[file]
            .path
            .rsplit_once('/')
            .unwrap_or(("", &files[file].path));
        let mut module = match (tree, folder) {
            (Some((var, _)), "") => var.trim_end_matches("_tree").to_owned(),
            (Some((var, _)), folder) => {
                ident(&format!("{}/{folder}", var.trim_end_matches("_tree")))
            }
            (None, "") => "top".to_owned(),
            (None, folder) => ident(folder),
        };
        if self.taken.contains(&format!("mod:{module}")) {
            module.push_str("_folder");
        }
        let mut name = ident(file_name);
        if name.starts_with("cluster_") && !file_name.starts_with("cluster") {
            name = format!("file_{}", &name["cluster_".len()..]);
        }
        while self.taken.contains(&format!("{module}::{name}")) {
            name.push('_');
        }
        self.taken.insert(format!("{module}::{name}"));
        let (mut args, mut params) = match tree {
            Some((var, _)) => (
                vec!["&mut c".to_owned(), format!("&{var}")],
                vec!["c: &mut Cluster".to_owned(), format!("{var}: &Tree")],
            ),
            None => (
                vec!["&mut c".to_owned()],
                vec!["c: &mut Cluster".to_owned()],
            ),
        };
        if let Some(folder) = in_folder {
            args.push(format!("&{}", folder.var));
            params.push("folder: &Folder".to_owned());
        }
        let empty = Vec::new();
        let (takes, returns) = match typed {
            Some((t, p)) => (
                t.takes.get(&p).unwrap_or(&empty),
                t.returns.get(&p).unwrap_or(&empty),
            ),
            None => (&empty, &empty),
        };
        let recipes = typed.map_or(&[][..], |(t, _)| &t.recipes[..]);
        for &r in takes {
            let placed = &recipes[r];
            args.push(format!("&{}", placed.var));
            params.push(format!("{}: &{}", placed.var, placed.recipe.handle_type()));
        }
        let names: Vec<&str> = returns.iter().map(|&r| recipes[r].var.as_str()).collect();
        let types: Vec<&str> = returns
            .iter()
            .map(|&r| recipes[r].recipe.handle_type())
            .collect();
        let (bind, returned, result) = match names.as_slice() {
            [] => (String::new(), String::new(), String::new()),
            [one] => (
                format!("let {one} = "),
                format!("    {one}\n"),
                format!(" -> {}", types[0]),
            ),
            _ => (
                format!("let ({}) = ", names.join(", ")),
                format!("    ({})\n", names.join(", ")),
                format!(" -> ({})", types.join(", ")),
            ),
        };
        // A file a typed folder names by handle: its function returns its `File` too.
        let (bind, returned, result) = match (file_var, names.as_slice()) {
            (None, _) => (bind, returned, result),
            (Some(var), []) => (
                format!("let {var} = "),
                "    file\n".to_owned(),
                " -> File".to_owned(),
            ),
            (Some(var), names) => (
                format!("let ({var}, {}) = ", names.join(", ")),
                format!("    (file, {})\n", names.join(", ")),
                format!(" -> (File, {})", types.join(", ")),
            ),
        };
        let _ = writeln!(s, "    {bind}{module}::{name}({});", args.join(", "));
        let mut text = format!(
            "/// `{path}`\npub fn {name}({}){result} {{\n",
            params.join(", ")
        );
        let place = Place {
            tree: tree.map(|(var, _)| var.clone()),
            dir,
            typed,
            folder_file: in_folder.map(|_| file_name.to_owned()),
            bind: String::new(),
        };
        emit_file(&mut text, files, prefix, plan, findings, &place);
        match names.as_slice() {
            // Declared last: the declaration is the function's value (clippy's
            // let_and_return).
            [one] if file_var.is_none() && ends_with_declaration_of(&text, one) => {
                let at = text
                    .rfind(&format!("    let {one} = "))
                    .expect("its declaration");
                text.replace_range(at..at + format!("    let {one} = ").len(), "    ");
                text.truncate(text.len() - ";\n".len());
                text.push('\n');
            }
            _ => text.push_str(&returned),
        }
        text.push_str("}\n");
        let at = *self.index.entry(module.clone()).or_insert_with(|| {
            self.modules.push((module, String::new()));
            self.modules.len() - 1
        });
        let body = &mut self.modules[at].1;
        body.push('\n');
        for line in text.lines() {
            match line.is_empty() {
                true => body.push('\n'),
                false => {
                    let _ = writeln!(body, "    {line}");
                }
            }
        }
    }
}

/// Whether the last statement of function text `text` declares `var`.
fn ends_with_declaration_of(text: &str, var: &str) -> bool {
    let Some(at) = text.rfind(&format!("    let {var} = c.add")) else {
        return false;
    };
    let rest = &text[at..];
    rest.ends_with("\n    );\n") && rest.matches("\n    );\n").count() == 1
}

/// Where a file plan is declared: in the main tree (the part's typed declarations, the
/// plan's index among them, the typed folder it is declared in, and for a patch file a
/// folder reads the variable of its `File`), or in the tree `(variable, crate folder)`.
#[derive(Clone, Copy)]
enum Within<'a> {
    Main(
        &'a PartTyped,
        usize,
        Option<&'a super::folders::FolderPlan>,
        Option<&'a String>,
    ),
    Tree(&'a (String, String)),
}

/// Which tree a file is declared in (the expression of its `&Tree`; `None`: the main
/// one), the crate folder its carried text is in, and (in the main tree) the part's
/// typed declarations and the file's plan index.
struct Place<'a> {
    tree: Option<String>,
    dir: String,
    typed: Option<(&'a PartTyped, usize)>,
    /// Its name in the typed folder it is declared in (`Cluster::folder_file`), if any.
    folder_file: Option<String>,
    /// `let VAR = ` where a typed folder takes the handle of a file declared in place.
    bind: String,
}

impl Place<'_> {
    /// `c.NAME(` or, in another tree, `c.NAME_in(&TREE, `.
    fn call(&self, name: &str) -> String {
        match &self.tree {
            Some(tree) => format!("c.{name}_in({tree}, "),
            None => format!("c.{name}("),
        }
    }

    /// [`Self::call`] for arguments on lines of their own.
    fn call_lines(&self, name: &str) -> String {
        match &self.tree {
            Some(tree) => format!("c.{name}_in(\n        {tree},"),
            None => format!("c.{name}("),
        }
    }
}

fn emit_file(
    s: &mut String,
    files: &[RepoFile],
    prefix: &str,
    plan: &FilePlan,
    findings: &[Finding],
    place: &Place,
) {
    let dir = &place.dir;
    match plan {
        FilePlan::Components {
            path,
            version,
            sha256,
            ..
        } => {
            let _ = writeln!(
                s,
                "    // Flux {version}, as `flux install --export` writes it.\n    {}c.flux_components(\n        {path:?},\n        {version:?},\n        {sha256:?},\n    );",
                place.bind
            );
        }
        FilePlan::Verbatim { file, why } => {
            let f = &files[*file];
            let comment = match why {
                Why::Sops => {
                    "SOPS-encrypted: carried as it is (written again, its MAC would break)."
                }
                Why::Chart => "A Helm chart's file: carried as it is.",
                Why::NotObjects => "Not Kubernetes objects: carried as it is.",
            };
            let _ = writeln!(
                s,
                "    // {comment}\n    {}{}\n        {:?},\n        include_str!(\"../{dir}/{}\"),\n    );",
                place.bind,
                place.call_lines("verbatim_file"),
                format!("{prefix}{}", f.path),
                f.path
            );
        }
        FilePlan::Unapplied { file, finding } => {
            let f = &files[*file];
            let _ = writeln!(
                s,
                "{}    c.unapplied_file(\n        {:?},\n        include_str!(\"../files/{}\"),\n    );",
                comment(&format!(
                    "finding: {} Kept as the repository holds it.",
                    one_line(&findings[*finding].message)
                )),
                format!("{prefix}{}", f.path),
                f.path
            );
        }
        FilePlan::Kustomize { file } => {
            let f = &files[*file];
            let _ = writeln!(
                s,
                "    // kustomize's configuration of the folder, carried as it is.\n    {}\n        {:?},\n        include_str!(\"../{dir}/{}\"),\n    );",
                place.call_lines("verbatim_file"),
                format!("{prefix}{}", f.path),
                f.path
            );
        }
        FilePlan::Patches { file, docs } => {
            let f = &files[*file];
            let _ = writeln!(
                s,
                "    let file = {}{:?});",
                place.call("file"),
                format!("{prefix}{}", f.path)
            );
            for doc in docs {
                let _ = writeln!(
                    s,
                    "    c.add_patch(\n        &file,\n        json!({}),\n    );",
                    json(&doc.value, 2)
                );
            }
        }
        FilePlan::Objects {
            file,
            header,
            docs,
            allow,
        } => {
            let f = &files[*file];
            let path = format!("{prefix}{}", f.path);
            match header {
                Some(h) if h == crate::FLUX_GENERATED_HEADER => {
                    let _ = writeln!(
                        s,
                        "    let file = c.file_with_header({path:?}, fluxdsl::FLUX_GENERATED_HEADER);"
                    );
                }
                Some(h) => {
                    let _ = writeln!(
                        s,
                        "    let file = c.file_with_header(\n        {path:?},\n        {h:?},\n    );"
                    );
                }
                None => match &place.folder_file {
                    Some(name) => {
                        let _ = writeln!(s, "    let file = c.folder_file(folder, {name:?});");
                    }
                    None => {
                        let _ = writeln!(s, "    let file = {}{path:?});", place.call("file"));
                    }
                },
            }
            for (d, (doc, allow)) in docs.iter().zip(allow).enumerate() {
                let at = format!("{}:{}", f.path, doc.line);
                if allow.is_empty() {
                    if let Some(ns) = super::typed::PlainNamespace::of(&doc.value) {
                        s.push_str(&ns.code());
                    } else if let Some((typed, p)) = place.typed
                        && let Some(&r) = typed.by_doc.get(&(p, d))
                    {
                        typed_declaration(s, typed, p, r);
                    } else {
                        let why = match place.typed {
                            Some((typed, p)) => typed.kept.get(&(p, d)).cloned(),
                            None => super::typed::why_not(&doc.value).or_else(|| {
                                super::typed::Recipe::of(&doc.value).map(|_| {
                                    "the import types the Flux objects of the main tree only"
                                        .to_owned()
                                })
                            }),
                        };
                        if let Some(why) = why {
                            s.push_str(&comment(&format!("A manifest: {why}.")));
                        }
                        let _ = writeln!(
                            s,
                            "    c.add_manifest(\n        &file,\n        json!({}),\n    );",
                            json(&doc.value, 2)
                        );
                    }
                    continue;
                }
                let _ = writeln!(
                    s,
                    "    let object = c.add_manifest(\n        &file,\n        json!({}),\n    );",
                    json(&doc.value, 2)
                );
                for a in allow {
                    // The finding this opt-in answers.
                    let why = findings
                        .iter()
                        .find(|x| {
                            x.opted_in
                                && x.at.as_deref() == Some(at.as_str())
                                && super::run::allow_of(&x.message) == Some(*a)
                        })
                        .map(|x| one_line(&x.message))
                        .unwrap_or_default();
                    let call = match a {
                        Allow::SecretInClear => "allow_secret_in_clear",
                        Allow::FloatingImage => "allow_floating_image",
                    };
                    let _ = writeln!(
                        s,
                        "{}    c.{call}(&object);",
                        comment(&format!("finding ({at}): {why}"))
                    );
                }
            }
        }
    }
}

/// The typed declaration of recipe `r` (of file plan `p`): bound to its variable when
/// another declaration or the function's caller uses it.
fn typed_declaration(s: &mut String, typed: &PartTyped, p: usize, r: usize) {
    let placed = &typed.recipes[r];
    let links: Vec<String> = placed
        .recipe
        .references()
        .into_iter()
        .zip(&placed.links)
        .map(|(key, link)| match *link {
            // An artifact of a typed ArtifactGenerator: by the generator's handle.
            Link::Handle(t) if key.kind == "ExternalArtifact" => format!(
                "&{}.artifact({})",
                typed.recipes[t].var,
                super::rust::name_expr(&key.name)
            ),
            // A handle declared in this file is a local; from another, a parameter.
            Link::Handle(t) if typed.recipes[t].plan == p => format!("&{}", typed.recipes[t].var),
            Link::Handle(t) => typed.recipes[t].var.clone(),
            Link::Existing => format!(
                "&Ref::<{}>::existing(&{}, {})",
                key.kind,
                namespace_expr(&key.namespace),
                super::rust::name_expr(&key.name)
            ),
        })
        .collect();
    let bind = if typed.bound.contains(&r) {
        format!("let {} = ", placed.var)
    } else {
        String::new()
    };
    let code = placed.recipe.code(&links);
    let _ = match placed.recipe.version() {
        // At the version the repository writes it at, an older one the type writes.
        Some(version) => writeln!(
            s,
            "    {bind}c.add_at_version(\n        &file,\n        {code},\n        {version:?},\n    );"
        ),
        None => writeln!(
            s,
            "    {bind}c.add(\n        &file,\n        {code},\n    );"
        ),
    };
}

/// `text` as `//` comment lines of a function body, wrapped at 96 columns.
fn comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("    //");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 96 && line.len() > 6 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("    //");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The first sentence of a message, for a comment.
fn one_line(message: &str) -> String {
    let first = message.split(": every").next().unwrap_or(message);
    first.replace('\n', " ")
}
