//! Which kustomization.yaml files are declared typed, as a person writes a kustomize
//! folder: `Cluster::kustomize_folder` with its `KustomizeConfig`, each file it lists
//! declared in it with `Cluster::folder_file` (so its objects get the folder's namespace
//! as kustomize gives it), the bases it builds on as `Folder` handles and its patch files
//! as `File` handles, its `configMapGenerator` entries as generator declarations reading
//! their files by handle; `Cluster::kustomize_config` where it lists none of the files the
//! program declares. A kustomization.yaml the typed config would not write as it is (a
//! field it lacks, a comment it would drop, an order the program cannot declare its files
//! in) is carried as it is.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::plan::{FilePlan, PartPlan};
use super::rust::{ident, lit, namespace_expr, string_map};
use super::scan::{Content, RepoFile};
use super::typed::{PatchSpec, Target, patch, patch_target, target_code, target_value};

/// One `resources` entry of a typed folder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A file of the folder, declared in it (its file plan).
    Own(usize),
    /// Another typed folder of the part, a base, and the entry as written: the file plan
    /// of its kustomization.yaml, its index among the part's folders once settled.
    Base(usize, String),
    /// A file the part declares elsewhere (Flux's components, a file with a header
    /// comment, one of another folder): its file plan.
    File(usize),
    /// Anything else (a folder, a URL), as written.
    Path(String),
}

/// One entry of `labels`: its pairs, and whether it includes selectors and templates.
#[derive(Debug)]
struct LabelsSpec {
    pairs: Vec<(String, String)>,
    selectors: bool,
    templates: bool,
}

impl LabelsSpec {
    /// The entry, if `Labels` writes it as it is.
    fn of(value: &Value) -> Option<LabelsSpec> {
        let map = value.as_object()?;
        let mut labels = LabelsSpec {
            pairs: Vec::new(),
            selectors: false,
            templates: false,
        };
        for (k, v) in map {
            match k.as_str() {
                "pairs" => {
                    for (key, value) in v.as_object()? {
                        labels.pairs.push((key.clone(), value.as_str()?.to_owned()));
                    }
                }
                // `false` is not written.
                "includeSelectors" => labels.selectors = v.as_bool().filter(|b| *b)?,
                "includeTemplates" => labels.templates = v.as_bool().filter(|b| *b)?,
                _ => return None,
            }
        }
        Some(labels)
    }

    fn code(&self) -> String {
        let mut s = format!("Labels {{ pairs: {},", string_map(&self.pairs));
        if self.selectors {
            s.push_str(" include_selectors: true,");
        }
        if self.templates {
            s.push_str(" include_templates: true,");
        }
        s.push_str(" ..Labels::default() }");
        s
    }

    fn value(&self) -> crate::Labels {
        crate::Labels {
            pairs: self.pairs.iter().cloned().collect(),
            include_selectors: self.selectors,
            include_templates: self.templates,
        }
    }
}

/// `generatorOptions`, or a generator's `options`.
#[derive(Debug)]
struct OptionsSpec {
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    disable_hash: bool,
    immutable: bool,
}

impl OptionsSpec {
    /// The options, if `GeneratorOptions` writes them as they are.
    fn of(value: &Value) -> Option<OptionsSpec> {
        let mut options = OptionsSpec {
            labels: Vec::new(),
            annotations: Vec::new(),
            disable_hash: false,
            immutable: false,
        };
        for (k, v) in value.as_object()? {
            match k.as_str() {
                "labels" => options.labels = super::typed::pairs(v)?,
                "annotations" => options.annotations = super::typed::pairs(v)?,
                // `false` is not written.
                "disableNameSuffixHash" => options.disable_hash = v.as_bool().filter(|b| *b)?,
                "immutable" => options.immutable = v.as_bool().filter(|b| *b)?,
                _ => return None,
            }
        }
        Some(options)
    }

    fn code(&self) -> String {
        let mut s = String::from("GeneratorOptions {");
        if !self.labels.is_empty() {
            let _ = write!(s, " labels: {},", string_map(&self.labels));
        }
        if !self.annotations.is_empty() {
            let _ = write!(s, " annotations: {},", string_map(&self.annotations));
        }
        if self.disable_hash {
            s.push_str(" disable_name_suffix_hash: true,");
        }
        if self.immutable {
            s.push_str(" immutable: true,");
        }
        s.push_str(" ..Default::default() }");
        s
    }

    fn value(&self) -> crate::GeneratorOptions {
        crate::GeneratorOptions {
            labels: self.labels.iter().cloned().collect(),
            annotations: self.annotations.iter().cloned().collect(),
            disable_name_suffix_hash: self.disable_hash,
            immutable: self.immutable,
        }
    }
}

/// What a generator reads: files (each under its key, or under its name), or one `.env`
/// file, or nothing but literals. Each file by its plan.
#[derive(Debug)]
enum Inputs {
    Files(Vec<usize>),
    KeyedFiles(Vec<(String, usize)>),
    Env(usize),
    None,
}

/// One `configMapGenerator` entry.
#[derive(Debug)]
struct GeneratorSpec {
    name: String,
    namespace: Option<String>,
    behavior: Option<String>,
    inputs: Inputs,
    literals: Vec<String>,
    options: Option<OptionsSpec>,
}

impl GeneratorSpec {
    /// Its plans' files, in order.
    fn files(&self) -> Vec<usize> {
        match &self.inputs {
            Inputs::Files(files) => files.clone(),
            Inputs::KeyedFiles(files) => files.iter().map(|(_, p)| *p).collect(),
            Inputs::Env(p) => vec![*p],
            Inputs::None => Vec::new(),
        }
    }

    /// The `ConfigMapGenerator` expression, its files the variables `var` gives.
    fn code(&self, var: &dyn Fn(&usize) -> String) -> String {
        let name = super::rust::name_expr(&self.name);
        let mut s = match &self.inputs {
            Inputs::Files(files) => {
                let files: Vec<String> = files.iter().map(|p| format!("&{}", var(p))).collect();
                format!(
                    "ConfigMapGenerator::from_files({name}, &[{}])",
                    files.join(", ")
                )
            }
            Inputs::KeyedFiles(files) => {
                let files: Vec<String> = files
                    .iter()
                    .map(|(k, p)| format!("({}, &{})", lit(k), var(p)))
                    .collect();
                format!(
                    "ConfigMapGenerator::from_keyed_files({name}, &[{}])",
                    files.join(", ")
                )
            }
            Inputs::Env(p) => format!("ConfigMapGenerator::from_env({name}, &{})", var(p)),
            // Literals alone: the struct itself.
            Inputs::None => {
                let mut s = format!("ConfigMapGenerator {{ name: {}.into(),", lit(&self.name));
                if let Some(b) = &self.behavior {
                    let _ = write!(s, " behavior: Some({}.into()),", lit(b));
                }
                let literals: Vec<String> = self
                    .literals
                    .iter()
                    .map(|l| format!("{}.into()", lit(l)))
                    .collect();
                let _ = write!(
                    s,
                    " literals: vec![{}], ..Default::default() }}",
                    literals.join(", ")
                );
                s
            }
        };
        let literals_set = matches!(self.inputs, Inputs::None);
        if !self.literals.is_empty() && !literals_set {
            let literals: Vec<String> = self.literals.iter().map(|l| lit(l)).collect();
            let _ = write!(s, ".literals(&[{}])", literals.join(", "));
        }
        if let Some(ns) = &self.namespace {
            let _ = write!(s, ".in_namespace(&{})", namespace_expr(ns));
        }
        if let Some(options) = &self.options {
            let _ = write!(s, ".options({})", options.code());
        }
        match &self.behavior {
            Some(b) if !literals_set => {
                format!(
                    "ConfigMapGenerator {{ behavior: Some({}.into()), ..{s} }}",
                    lit(b)
                )
            }
            _ => s,
        }
    }

    /// The generator [`Self::code`] makes, its files `declared` by plan.
    fn value(&self, declared: &HashMap<usize, crate::File>) -> crate::ConfigMapGenerator {
        let name = crate::Name::new(self.name.as_str()).expect("a checked name");
        let mut g = match &self.inputs {
            Inputs::Files(files) => {
                let files: Vec<&crate::File> = files.iter().map(|p| &declared[p]).collect();
                crate::ConfigMapGenerator::from_files(name, &files)
            }
            Inputs::KeyedFiles(files) => {
                let files: Vec<(&str, &crate::File)> = files
                    .iter()
                    .map(|(k, p)| (k.as_str(), &declared[p]))
                    .collect();
                crate::ConfigMapGenerator::from_keyed_files(name, &files)
            }
            Inputs::Env(p) => crate::ConfigMapGenerator::from_env(name, &declared[p]),
            Inputs::None => crate::ConfigMapGenerator {
                name: self.name.clone(),
                ..Default::default()
            },
        };
        let literals: Vec<&str> = self.literals.iter().map(String::as_str).collect();
        g = g.literals(&literals);
        if let Some(ns) = &self.namespace {
            g = g.in_namespace(
                &crate::NamespaceName::new(ns.as_str()).expect("a checked namespace"),
            );
        }
        if let Some(options) = &self.options {
            g = g.options(options.value());
        }
        g.behavior = self.behavior.clone();
        g
    }
}

/// Where a folder's `resources` entries go: `resource_list` (`entries[..list]`),
/// `resources` given (`entries[list..given]`, files), its own files
/// (`entries[given..own]`, which `folder_file` adds), then `folders` and
/// `resource_paths` (the rest, bases before paths).
#[derive(Debug, Clone, Copy)]
struct Shape {
    list: usize,
    given: usize,
    own: usize,
}

/// A kustomization.yaml declared typed.
#[derive(Debug)]
pub(crate) struct FolderPlan {
    /// Its file plan (a [`FilePlan::Kustomize`]) in the part.
    pub(crate) plan: usize,
    /// Its folder, as the repository names it (`""`: the root).
    pub(crate) dir: String,
    namespace: Option<String>,
    /// Whether its files (and patch files) are listed as `./NAME`.
    dot_slash: bool,
    /// Whether it says `resources` (`resources: []` where it lists nothing).
    listed: bool,
    entries: Vec<Entry>,
    labels: Vec<LabelsSpec>,
    patches: Vec<PatchSpec>,
    /// Its `patches` read from files: each file's plan and target.
    patch_files: Vec<(usize, Option<Target>)>,
    generators: Vec<GeneratorSpec>,
    generator_options: Option<OptionsSpec>,
    /// The file plans of its files (`Cluster::folder_file`), in the order it lists them.
    pub(crate) files: Vec<usize>,
    /// The variable its `Folder` is bound to.
    pub(crate) var: String,
}

/// A part's typed folders, in the order they are declared.
#[derive(Debug, Default)]
pub(crate) struct Folders {
    pub(crate) folders: Vec<FolderPlan>,
    /// The folder of each file plan declared in one.
    pub(crate) of_file: HashMap<usize, usize>,
    /// The folder of each typed kustomization.yaml's file plan.
    pub(crate) of_config: HashMap<usize, usize>,
    /// The folders declared just before the plan at a place of the part's order
    /// (`false`: those with files of their own) or just after it (`true`), in order.
    declared_at: HashMap<(usize, bool), Vec<usize>>,
    /// The files the folders name by handle (patch files, files declared elsewhere):
    /// each file plan's variable (its function returns its `File`).
    pub(crate) file_vars: HashMap<usize, String>,
    /// The folders others build on (their `Folder` is bound).
    bases: std::collections::HashSet<usize>,
}

impl Folders {
    /// The folders declared at place `at` of the order, `after` its plan or before.
    pub(crate) fn declared(&self, at: usize, after: bool) -> impl Iterator<Item = &FolderPlan> {
        let list = self.declared_at.get(&(at, after));
        list.into_iter().flatten().map(|&f| &self.folders[f])
    }
}

/// The part's typed declarations ([`super::typed::part`]) and typed folders, its files
/// declared in the order their folders list them where dependencies allow it.
pub(crate) fn typed_part(
    files: &[RepoFile],
    prefix: &str,
    part: &PartPlan,
    shared: Option<&PartPlan>,
    source: Option<&(String, String)>,
    sops_keys: &[Vec<&str>],
) -> (super::typed::PartTyped, Folders) {
    let candidates = candidates(files, prefix, part);
    let rank = rank(part.files.len(), &candidates);
    let reserved = super::typed::reserved(part);
    let typed = super::typed::part(part, shared, source, &reserved, sops_keys, &rank);
    let mut taken: Vec<&str> = reserved.iter().map(String::as_str).collect();
    taken.extend(typed.recipes.iter().map(|r| r.var.as_str()));
    let folders = settle(files, part, candidates, &typed.order, &taken);
    (typed, folders)
}

/// The kustomization.yaml files of `part` (its main tree) the typed config writes as
/// they are, before the part's order is known.
fn candidates(files: &[RepoFile], prefix: &str, part: &PartPlan) -> Vec<FolderPlan> {
    // The files a folder can declare: of objects, without a header comment
    // (`folder_file` writes none); and the patch files it can read. By path.
    let mut objects: HashMap<&str, usize> = HashMap::new();
    let mut patch_files: HashMap<&str, usize> = HashMap::new();
    let mut declared: HashMap<String, usize> = HashMap::new();
    for (p, plan) in part.files.iter().enumerate() {
        match plan {
            FilePlan::Objects { file, header, .. } => {
                if header.is_none() {
                    objects.insert(files[*file].path.as_str(), p);
                }
                declared.insert(files[*file].path.clone(), p);
            }
            FilePlan::Patches { file, .. } => {
                patch_files.insert(files[*file].path.as_str(), p);
            }
            FilePlan::Verbatim { file, .. } => {
                declared.insert(files[*file].path.clone(), p);
            }
            FilePlan::Components { .. }
            | FilePlan::Kustomize { .. }
            | FilePlan::Unapplied { .. } => {}
        }
    }
    // Flux's components, by their path in the repository (the plan holds the tree's).
    for (p, plan) in part.files.iter().enumerate() {
        if let FilePlan::Components { path, .. } = plan {
            let at = path.strip_prefix(prefix).unwrap_or(path);
            declared.insert(at.to_owned(), p);
        }
    }
    let listed: Vec<(usize, &str)> = part
        .files
        .iter()
        .enumerate()
        .filter_map(|(p, plan)| match plan {
            FilePlan::Kustomize { file } => Some((p, dir_of(&files[*file].path)?)),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let dirs: HashMap<&str, usize> = listed.iter().map(|&(p, dir)| (dir, p)).collect();
    for &(p, dir) in &listed {
        let FilePlan::Kustomize { file } = &part.files[p] else {
            unreachable!("a kustomization.yaml's plan")
        };
        let f = &files[*file];
        let Content::Kustomize(config) = &f.content else {
            continue;
        };
        let read = Read {
            part,
            objects: &objects,
            patch_files: &patch_files,
            declared: &declared,
            dirs: &dirs,
        };
        if let Some(folder) = read.candidate(p, dir, &f.text, config) {
            out.push(folder);
        }
    }
    out
}

/// The folder of kustomization.yaml `path`, if it is named so.
fn dir_of(path: &str) -> Option<&str> {
    match path {
        "kustomization.yaml" => Some(""),
        _ => path.strip_suffix("/kustomization.yaml"),
    }
}

/// `dir` joined with the relative path `rel`, `.` and `..` resolved (a path above the
/// root is not found where it points: each use checks it is written as the config writes
/// it).
fn resolve(dir: &str, rel: &str) -> String {
    super::scan::clean(&format!("{dir}/{rel}"))
}

/// What a part's kustomization.yaml files are read against.
struct Read<'a> {
    part: &'a PartPlan,
    objects: &'a HashMap<&'a str, usize>,
    patch_files: &'a HashMap<&'a str, usize>,
    /// Every other file the part declares with a handle, by path.
    declared: &'a HashMap<String, usize>,
    /// The plan of every kustomization.yaml of the part, by folder.
    dirs: &'a HashMap<&'a str, usize>,
}

impl Read<'_> {
    /// The typed folder of kustomization.yaml plan `p` in `dir`, if the typed config
    /// writes `config` as it is.
    fn candidate(&self, p: usize, dir: &str, text: &str, config: &Value) -> Option<FolderPlan> {
        // A comment would be lost.
        if text.contains('#') {
            return None;
        }
        let map = config.as_object()?;
        let known = [
            "apiVersion",
            "kind",
            "resources",
            "namespace",
            "labels",
            "patches",
            "configMapGenerator",
            "generatorOptions",
        ];
        if map.keys().any(|k| !known.contains(&k.as_str()))
            || map.get("apiVersion")?.as_str()? != "kustomize.config.k8s.io/v1beta1"
            || map.get("kind")?.as_str()? != "Kustomization"
        {
            return None;
        }
        let namespace = match map.get("namespace") {
            None => None,
            Some(ns) => {
                let ns = ns.as_str()?;
                // A template of postBuild variables too (`NamespaceName::with_variables`).
                super::typed::namespace_of(ns)?;
                Some(ns.to_owned())
            }
        };
        // `./NAME` or `NAME`, the same for every file the folder names by handle.
        let mut dot_slash: Option<bool> = None;
        let mut written_as = |entry: &str, target: &str| -> bool {
            let rel = crate::kustomize::config::relative_path(dir, target);
            let dotted = entry.starts_with("./");
            // `./` is written before what is inside the folder, never before `../`.
            let inside = !rel.starts_with("../");
            let expected = match dotted && inside {
                true => format!("./{rel}"),
                false => rel,
            };
            expected == entry && (!inside || *dot_slash.get_or_insert(dotted) == dotted)
        };
        let mut entries = Vec::new();
        // Each file once (kustomize refuses a file listed twice: carried as it is).
        let mut seen = std::collections::HashSet::new();
        for entry in map
            .get("resources")
            .map_or(Some(&[][..]), |r| r.as_array().map(Vec::as_slice))?
        {
            let entry = entry.as_str()?;
            let target = resolve(dir, entry);
            let in_dir = target.rsplit_once('/').map_or("", |(d, _)| d) == dir;
            let own = self.objects.get(target.as_str()).filter(|_| in_dir);
            let base = self.dirs.get(target.as_str()).filter(|&&b| b != p);
            let declared = self.declared.get(target.as_str());
            // Named by handle where it is written as the config writes a handle's path.
            let entry = match (own, base, declared) {
                (Some(&plan), ..) if written_as(entry, &target) && seen.insert(plan) => {
                    Entry::Own(plan)
                }
                (None, Some(&b), _) if written_as(entry, &target) => {
                    Entry::Base(b, entry.to_owned())
                }
                (None, None, Some(&plan)) if written_as(entry, &target) && seen.insert(plan) => {
                    Entry::File(plan)
                }
                _ => Entry::Path(entry.to_owned()),
            };
            entries.push(entry);
        }
        let labels = match map.get("labels") {
            None => Vec::new(),
            Some(list) => list
                .as_array()?
                .iter()
                .map(LabelsSpec::of)
                .collect::<Option<Vec<_>>>()?,
        };
        // Inline patches, then those read from files.
        let mut patches = Vec::new();
        let mut patch_files = Vec::new();
        for entry in map
            .get("patches")
            .map_or(Some(&[][..]), |r| r.as_array().map(Vec::as_slice))?
        {
            match entry.get("path") {
                None if patch_files.is_empty() => patches.push(patch(entry)?),
                None => return None,
                Some(path) => {
                    let object = entry.as_object()?;
                    if object.keys().any(|k| k != "path" && k != "target") {
                        return None;
                    }
                    let path = path.as_str()?;
                    let target = resolve(dir, path);
                    let plan = *self.patch_files.get(target.as_str())?;
                    if !written_as(path, &target) {
                        return None;
                    }
                    patch_files.push((plan, patch_target(object.get("target"))?));
                }
            }
        }
        let generators = match map.get("configMapGenerator") {
            None => Vec::new(),
            Some(list) => list
                .as_array()?
                .iter()
                .map(|g| self.generator(dir, g))
                .collect::<Option<Vec<_>>>()?,
        };
        let generator_options = match map.get("generatorOptions") {
            None => None,
            Some(options) => Some(OptionsSpec::of(options)?),
        };
        let files: Vec<usize> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Own(plan) => Some(*plan),
                _ => None,
            })
            .collect();
        let folder = FolderPlan {
            plan: p,
            dir: dir.to_owned(),
            namespace,
            dot_slash: dot_slash.unwrap_or(false),
            listed: map.contains_key("resources"),
            entries,
            labels,
            patches,
            patch_files,
            generators,
            generator_options,
            files,
            var: match dir {
                "" => "top".to_owned(),
                _ => ident(dir),
            },
        };
        shape(&folder.entries)?;
        // kustomize gives every object the folder's namespace: one that names another, or
        // a Namespace of another name, is refused by the typed folder (it would move).
        if let Some(ns) = &folder.namespace {
            for &plan in &folder.files {
                let FilePlan::Objects { docs, .. } = &self.part.files[plan] else {
                    unreachable!("a folder's own files are files of objects")
                };
                for doc in docs {
                    let v = &doc.value;
                    let moved = match (v["apiVersion"].as_str(), v["kind"].as_str()) {
                        (Some("v1"), Some("Namespace")) => v["metadata"]["name"] != ns.as_str(),
                        _ => v["metadata"]["namespace"].as_str().is_some_and(|n| n != ns),
                    };
                    if moved {
                        return None;
                    }
                }
            }
        }
        Some(folder)
    }

    /// A `configMapGenerator` entry of the folder `dir`, if the typed generator writes it
    /// as it is: its files declared with handles and named as the config writes them.
    fn generator(&self, dir: &str, value: &Value) -> Option<GeneratorSpec> {
        let map = value.as_object()?;
        let known = [
            "name",
            "namespace",
            "behavior",
            "files",
            "literals",
            "envs",
            "options",
        ];
        if map.keys().any(|k| !known.contains(&k.as_str())) {
            return None;
        }
        let name = map.get("name")?.as_str()?;
        crate::Name::new(name).ok()?;
        let text = |k: &str| match map.get(k) {
            None => Some(None),
            Some(v) => v.as_str().map(|v| Some(v.to_owned())),
        };
        let strings = |k: &str| match map.get(k) {
            None => Some(Vec::new()),
            Some(v) => v
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .filter(|l| !l.is_empty()),
        };
        let namespace = text("namespace")?;
        if let Some(ns) = &namespace {
            crate::NamespaceName::new(ns.as_str()).ok()?;
        }
        // A file it reads, by handle, written as the config writes it (relative, no `./`).
        let file = |path: &str| -> Option<usize> {
            let target = resolve(dir, path);
            let plan = *self.declared.get(target.as_str())?;
            (crate::kustomize::config::relative_path(dir, &target) == path).then_some(plan)
        };
        let files = strings("files")?;
        let envs = strings("envs")?;
        let inputs = match (files.as_slice(), envs.as_slice()) {
            ([], []) => Inputs::None,
            ([], [env]) => Inputs::Env(file(env)?),
            (files, []) if files.iter().all(|f| !f.contains('=')) => {
                Inputs::Files(files.iter().map(|f| file(f)).collect::<Option<_>>()?)
            }
            (files, []) => Inputs::KeyedFiles(
                files
                    .iter()
                    .map(|f| {
                        let (key, path) = f.split_once('=')?;
                        (!key.is_empty() && !key.contains('/'))
                            .then(|| Some((key.to_owned(), file(path)?)))?
                    })
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        };
        Some(GeneratorSpec {
            name: name.to_owned(),
            namespace,
            behavior: text("behavior")?,
            inputs,
            literals: strings("literals")?,
            options: match map.get("options") {
                None => None,
                Some(o) => Some(OptionsSpec::of(o)?),
            },
        })
    }
}

/// How `entries` are written (see [`Shape`]), `None` when they cannot be: a base or
/// path between two of the folder's files, or after them a path before a base.
fn shape(entries: &[Entry]) -> Option<Shape> {
    let own = |e: &Entry| matches!(e, Entry::Own(_));
    let file = |e: &Entry| matches!(e, Entry::File(_));
    let base = |e: &Entry| matches!(e, Entry::Base(..));
    // Bases, then paths.
    let tail_ok = |tail: &[Entry]| {
        tail.iter()
            .skip_while(|e| base(e))
            .all(|e| matches!(e, Entry::Path(_)))
    };
    match (entries.iter().position(own), entries.iter().rposition(own)) {
        (Some(first), Some(last)) => {
            if !entries[first..=last].iter().all(own) || !tail_ok(&entries[last + 1..]) {
                return None;
            }
            // Files before its own: given to `resources`, or all in `resource_list`.
            let list = match entries[..first].iter().all(file) {
                true => 0,
                false => first,
            };
            Some(Shape {
                list,
                given: first,
                own: last + 1,
            })
        }
        _ => {
            let given = entries.iter().take_while(|e| file(e)).count();
            match tail_ok(&entries[given..]) {
                true => Some(Shape {
                    list: 0,
                    given,
                    own: given,
                }),
                false => Some(Shape {
                    list: entries.len(),
                    given: entries.len(),
                    own: entries.len(),
                }),
            }
        }
    }
}

/// The rank of each of the part's `plans` the order prefers: the repository's, each
/// folder's files in the order its kustomization.yaml lists them (in the places they
/// take in the repository's order).
fn rank(plans: usize, candidates: &[FolderPlan]) -> Vec<usize> {
    let mut rank: Vec<usize> = (0..plans).collect();
    for folder in candidates {
        let mut slots = folder.files.clone();
        slots.sort_unstable();
        for (&plan, slot) in folder.files.iter().zip(slots) {
            rank[plan] = slot;
        }
    }
    rank
}

/// The candidates the part's `order` can declare as they are written: their files in
/// the order they are listed, after their patch files and their bases; a base declared
/// later (or not typed) is named by its path instead. Their variables are not `taken`.
fn settle(
    files: &[RepoFile],
    part: &PartPlan,
    candidates: Vec<FolderPlan>,
    order: &[usize],
    taken: &[&str],
) -> Folders {
    let mut at = vec![0; order.len()];
    for (i, &p) in order.iter().enumerate() {
        at[p] = i;
    }
    // Each candidate where it is declared: before its first file, or (without files)
    // after its own plan and its patch files.
    let mut placed: Vec<((usize, bool), FolderPlan)> = candidates
        .into_iter()
        .filter_map(|folder| {
            if folder.files.windows(2).any(|w| at[w[0]] > at[w[1]]) {
                return None;
            }
            // The files it takes handles of are declared before it.
            let taken_files: Vec<usize> = folder
                .patch_files
                .iter()
                .map(|(p, _)| at[*p])
                .chain(folder.entries.iter().filter_map(|e| match e {
                    Entry::File(p) => Some(at[*p]),
                    _ => None,
                }))
                .chain(
                    folder
                        .generators
                        .iter()
                        .flat_map(|g| g.files())
                        .map(|p| at[p]),
                )
                .collect();
            let place = match folder.files.first() {
                Some(&first) => {
                    if taken_files.iter().any(|&x| x > at[first]) {
                        return None;
                    }
                    (at[first], false)
                }
                None => (
                    taken_files
                        .into_iter()
                        .chain([at[folder.plan]])
                        .max()
                        .unwrap_or(0),
                    true,
                ),
            };
            Some((place, folder))
        })
        .collect();
    placed.sort_by_key(|(place, _)| *place);
    let mut folders = Folders::default();
    // Every variable of the part's function: the typed handles', then each folder's and
    // file's as it is named.
    let mut used: std::collections::HashSet<String> =
        taken.iter().map(|v| (*v).to_owned()).collect();
    // The kustomization.yaml plan of each folder kept, and its index.
    let mut kept: HashMap<usize, usize> = HashMap::new();
    for (place, mut folder) in placed {
        for entry in &mut folder.entries {
            if let Entry::Base(plan, written) = entry
                && !kept.contains_key(plan)
            {
                *entry = Entry::Path(std::mem::take(written));
            }
        }
        if shape(&folder.entries).is_none() {
            continue;
        }
        for entry in &mut folder.entries {
            if let Entry::Base(plan, _) = entry {
                *plan = kept[plan];
                folders.bases.insert(*plan);
            }
        }
        while used.contains(&folder.var) {
            folder.var.push_str("_folder");
        }
        used.insert(folder.var.clone());
        let index = folders.folders.len();
        kept.insert(folder.plan, index);
        folders.of_config.insert(folder.plan, index);
        for &p in &folder.files {
            folders.of_file.insert(p, index);
        }
        let named: Vec<usize> = folder
            .patch_files
            .iter()
            .map(|(p, _)| *p)
            .chain(folder.entries.iter().filter_map(|e| match e {
                Entry::File(p) => Some(*p),
                _ => None,
            }))
            .chain(folder.generators.iter().flat_map(|g| g.files()))
            .collect();
        for p in named {
            if folders.file_vars.contains_key(&p) {
                continue;
            }
            // Named as the file, or with its folder's name where that is taken (the
            // `values.yaml` of each overlay).
            let path = match &part.files[p] {
                FilePlan::Objects { file, .. }
                | FilePlan::Patches { file, .. }
                | FilePlan::Verbatim { file, .. } => files[*file].path.as_str(),
                FilePlan::Components { path, .. } => path.rsplit('/').next().unwrap_or(path),
                FilePlan::Kustomize { .. } | FilePlan::Unapplied { .. } => {
                    unreachable!("a file a folder names by handle")
                }
            };
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
            // `values.yaml` is `values`; `podinfo.env` keeps its kind, `podinfo_env`.
            let stem = [".yaml", ".yml", ".json"]
                .iter()
                .find_map(|ext| name.strip_suffix(ext))
                .unwrap_or(name);
            let parent = dir.rsplit('/').next().unwrap_or_default();
            let mut var = ident(stem);
            if used.contains(&var) && !parent.is_empty() {
                var = ident(&format!("{parent}_{stem}"));
            }
            while used.contains(&var) {
                var.push_str("_file");
            }
            used.insert(var.clone());
            folders.file_vars.insert(p, var);
        }
        folders.declared_at.entry(place).or_default().push(index);
        folders.folders.push(folder);
    }
    folders
}

impl FolderPlan {
    /// The `KustomizeConfig` expression, its lines indented for a cluster's function;
    /// `folders` gives the variable of a base, `patch_vars` that of a patch file.
    fn config_code(&self, folders: &Folders) -> String {
        let mut s = String::from("KustomizeConfig::builder()\n");
        let line = |s: &mut String, call: String| {
            let _ = writeln!(s, "            .{call}");
        };
        let shape = shape(&self.entries).expect("a settled shape");
        let var = |p: &usize| &folders.file_vars[p];
        let list: Vec<String> = self.entries[..shape.list]
            .iter()
            .map(|e| match e {
                Entry::Path(p) => format!("Resource::path({})", lit(p)),
                Entry::Base(b, _) => format!("Resource::folder(&{})", folders.folders[*b].var),
                Entry::File(p) => format!("Resource::file(&{})", var(p)),
                Entry::Own(_) => unreachable!("the list is before the folder's own files"),
            })
            .collect();
        if !list.is_empty() || (self.listed && self.entries.is_empty()) {
            line(&mut s, format!("resource_list(&[{}])", list.join(", ")));
        }
        let given: Vec<String> = self.entries[shape.list..shape.given]
            .iter()
            .map(|e| match e {
                Entry::File(p) => format!("&{}", var(p)),
                _ => unreachable!("files are given"),
            })
            .collect();
        if !given.is_empty() {
            line(&mut s, format!("resources(&[{}])", given.join(", ")));
        }
        let tail = &self.entries[shape.own..];
        let bases: Vec<String> = tail
            .iter()
            .filter_map(|e| match e {
                Entry::Base(b, _) => Some(format!("&{}", folders.folders[*b].var)),
                _ => None,
            })
            .collect();
        if !bases.is_empty() {
            line(&mut s, format!("folders(&[{}])", bases.join(", ")));
        }
        let paths: Vec<String> = tail
            .iter()
            .filter_map(|e| match e {
                Entry::Path(p) => Some(lit(p)),
                _ => None,
            })
            .collect();
        if !paths.is_empty() {
            line(&mut s, format!("resource_paths(&[{}])", paths.join(", ")));
        }
        if self.dot_slash {
            line(&mut s, "dot_slash()".into());
        }
        if let Some(ns) = &self.namespace {
            line(&mut s, format!("namespace({})", namespace_expr(ns)));
        }
        if !self.labels.is_empty() {
            let labels: Vec<String> = self.labels.iter().map(LabelsSpec::code).collect();
            line(&mut s, format!("labels(&[{}])", labels.join(", ")));
        }
        if !self.patches.is_empty() {
            let patches: Vec<String> = self.patches.iter().map(PatchSpec::code).collect();
            line(&mut s, format!("patches(&[{}])", patches.join(", ")));
        }
        if !self.generators.is_empty() {
            let var = |p: &usize| folders.file_vars[p].clone();
            let generators: Vec<String> = self.generators.iter().map(|g| g.code(&var)).collect();
            line(
                &mut s,
                format!("config_map_generator(&[{}])", generators.join(", ")),
            );
        }
        if let Some(options) = &self.generator_options {
            line(&mut s, format!("generator_options({})", options.code()));
        }
        if !self.patch_files.is_empty() {
            let patches: Vec<String> = self
                .patch_files
                .iter()
                .map(|(p, target)| {
                    let var = &folders.file_vars[p];
                    match target {
                        None => format!("PatchFile::strategic_merge(&{var})"),
                        Some(t) => format!("PatchFile::new(&{var}, {})", target_code(t)),
                    }
                })
                .collect();
            line(&mut s, format!("patch_files(&[{}])", patches.join(", ")));
        }
        s.push_str("            .build()");
        s
    }

    /// The statement declaring it in a cluster's function (its paths after `prefix`).
    pub(crate) fn code(&self, prefix: &str, folders: &Folders) -> String {
        let dir = format!("{prefix}{}", self.dir);
        let dir = dir.trim_end_matches('/');
        let bind = match self.files.is_empty() && !self.is_base(folders) {
            true => "c.kustomize_config".to_owned(),
            false => format!("let {} = c.kustomize_folder", self.var),
        };
        format!(
            "    {bind}(\n        {},\n        {},\n    );\n",
            lit(dir),
            self.config_code(folders)
        )
    }

    /// Whether another folder builds on it (so its `Folder` is bound).
    fn is_base(&self, folders: &Folders) -> bool {
        folders.bases.contains(&folders.of_config[&self.plan])
    }

    /// Declares it in `c` (its paths after `prefix`) as [`Self::code`] does, given the
    /// part's folders declared so far (`made`, by index) and files (`declared`, by plan).
    pub(crate) fn declare(
        &self,
        c: &mut crate::Cluster,
        prefix: &str,
        made: &HashMap<usize, crate::Folder>,
        declared: &HashMap<usize, crate::File>,
    ) -> crate::Folder {
        let mut config = crate::KustomizeConfig::builder().build();
        let shape = shape(&self.entries).expect("a settled shape");
        let list: Vec<crate::Resource> = self.entries[..shape.list]
            .iter()
            .map(|e| match e {
                Entry::Path(p) => crate::Resource::path(p.as_str()),
                Entry::Base(b, _) => crate::Resource::folder(&made[b]),
                Entry::File(p) => crate::Resource::file(&declared[p]),
                Entry::Own(_) => unreachable!("the list is before the folder's own files"),
            })
            .collect();
        if !list.is_empty() || (self.listed && self.entries.is_empty()) {
            config.resource_list = Some(list);
        }
        for entry in &self.entries[shape.list..shape.given] {
            let Entry::File(p) = entry else {
                unreachable!("files are given")
            };
            config.resources.push(declared[p].clone());
        }
        for entry in &self.entries[shape.own..] {
            match entry {
                Entry::Base(b, _) => config.folders.push(made[b].clone()),
                Entry::Path(p) => config.resource_paths.push(p.clone()),
                Entry::Own(_) | Entry::File(_) => unreachable!("the tail is bases and paths"),
            }
        }
        config.labels = self.labels.iter().map(LabelsSpec::value).collect();
        config.config_map_generator = self.generators.iter().map(|g| g.value(declared)).collect();
        config.generator_options = self.generator_options.as_ref().map(OptionsSpec::value);
        config.dot_slash = self.dot_slash;
        config.namespace = self
            .namespace
            .as_ref()
            .map(|ns| super::typed::namespace_of(ns).expect("a checked namespace"));
        config.patches = self.patches.iter().map(PatchSpec::value).collect();
        config.patch_files = self
            .patch_files
            .iter()
            .map(|(p, target)| {
                let file = &declared[p];
                match target {
                    None => crate::PatchFile::strategic_merge(file),
                    Some(t) => crate::PatchFile::new(file, target_value(t)),
                }
            })
            .collect();
        let dir = format!("{prefix}{}", self.dir);
        c.kustomize_folder(dir.trim_end_matches('/'), config)
    }
}
