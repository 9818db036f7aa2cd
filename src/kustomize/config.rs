//! kustomize's own config file, `kustomization.yaml` (`kustomize.config.k8s.io/v1beta1`,
//! kind `Kustomization`). It shares a kind name with Flux's
//! [`Kustomization`](crate::Kustomization) but nothing else, so here it is called
//! [`KustomizeConfig`] and the two cannot be mixed up.

use std::collections::BTreeMap;

use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::flux::common::PatchTarget;
use crate::flux::kustomization::{Image, Patch};
use crate::object::File;
use crate::values::NamespaceName;

/// A `kustomization.yaml`, declared in a folder with
/// [`Cluster::kustomize_config`](crate::Cluster::kustomize_config).
///
/// `resources` takes handles to files this program declares, so an entry cannot name a
/// file that does not exist; `resource_paths` takes anything else kustomize accepts
/// (folders, remote URLs).
///
/// ```
/// use fluxdsl::{Cluster, KustomizeConfig};
/// let mut cluster = Cluster::new("k8s/flux");
/// let components = cluster.upstream_file("flux-system/gotk-components.yaml", "flux install --export");
/// let sync = cluster.file("flux-system/gotk-sync.yaml");
/// cluster.kustomize_config("flux-system", KustomizeConfig::builder()
///     .resources(&[&components, &sync])
///     .build());
/// ```
#[derive(Debug, Clone, TypedBuilder)]
#[builder(
    doc,
    builder_type(doc = "Builds a [`KustomizeConfig`] (`kustomization.yaml`)."),
    build_method(doc = "Finishes the kustomization.yaml.")
)]
pub struct KustomizeConfig {
    /// `resources`: files declared in this program, written relative to the folder.
    #[builder(default, setter(transform = |files: &[&File]| files.iter().map(|f| (*f).clone()).collect()))]
    pub(crate) resources: Vec<File>,
    /// `resources` in exactly this order, files and folders mixed, written even when
    /// empty (`resources: []`); when set, `resources` and `resource_paths` add after it.
    #[builder(default, setter(transform = |entries: &[Resource]| Some(entries.to_vec())))]
    pub(crate) resource_list: Option<Vec<Resource>>,
    /// Write the declared files of `resources` (and of `patches`) as `./name`, as many
    /// repositories do; kustomize reads both forms alike.
    #[builder(setter(strip_bool))]
    pub(crate) dot_slash: bool,
    /// More `resources`: folders or remote URLs, written as given.
    #[builder(default, setter(transform = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect()))]
    pub(crate) resource_paths: Vec<String>,
    /// More `resources`: kustomize folders this program declares (bases), written relative
    /// to the folder, after `resources`; see [`Folder::instance`](crate::Folder::instance)
    /// for handles to what the folder builds from them.
    #[builder(default, setter(transform = |folders: &[&crate::Folder]| folders.iter().map(|f| (*f).clone()).collect()))]
    pub(crate) folders: Vec<crate::Folder>,
    /// `components`: kustomize components (folders) to include, written as given.
    #[builder(default, setter(transform = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect()))]
    pub(crate) components: Vec<String>,
    /// `components` declared in this program ([`Cluster::kustomize_component`](crate::Cluster::kustomize_component)),
    /// written relative to the folder, before `components`.
    #[builder(default, setter(transform = |components: &[&Component]| components.iter().map(|c| (*c).clone()).collect()))]
    pub(crate) component_folders: Vec<Component>,
    /// Written as a kustomize `Component` (`kustomize.config.k8s.io/v1alpha1`).
    #[builder(default, setter(skip))]
    pub(crate) is_component: bool,
    /// `namespace`: set on every object.
    #[builder(default, setter(strip_option))]
    pub(crate) namespace: Option<NamespaceName>,
    /// `labels`: added to every object.
    #[builder(default, setter(transform = |labels: &[Labels]| labels.to_vec()))]
    pub(crate) labels: Vec<Labels>,
    /// `patches`, inline.
    #[builder(default, setter(transform = |patches: &[Patch]| patches.to_vec()))]
    pub(crate) patches: Vec<Patch>,
    /// `patches` read from files declared in this program (`- path: …`).
    #[builder(default, setter(transform = |patches: &[PatchFile]| patches.to_vec()))]
    pub(crate) patch_files: Vec<PatchFile>,
    /// `images`: image overrides.
    #[builder(default, setter(transform = |images: &[Image]| images.to_vec()))]
    pub(crate) images: Vec<Image>,
    /// `configMapGenerator` (generators without handles; see
    /// [`Cluster::generate_config_map`](crate::Cluster::generate_config_map)).
    #[builder(default, setter(transform = |generators: &[ConfigMapGenerator]| generators.to_vec()))]
    pub(crate) config_map_generator: Vec<ConfigMapGenerator>,
    /// `namePrefix`: put before the name of every object (handles of objects declared in
    /// the folder's files know it, see [`Cluster::folder_file`](crate::Cluster::folder_file)).
    #[builder(default, setter(transform = |prefix: impl Into<String>| Some(prefix.into())))]
    pub(crate) name_prefix: Option<String>,
    /// `nameSuffix`: put after the name of every object.
    #[builder(default, setter(transform = |suffix: impl Into<String>| Some(suffix.into())))]
    pub(crate) name_suffix: Option<String>,
    /// `generatorOptions`: for every generator of this kustomization.yaml.
    #[builder(default, setter(strip_option))]
    pub(crate) generator_options: Option<GeneratorOptions>,
    /// `patchesStrategicMerge`: strategic-merge patch files declared in this program
    /// ([`Cluster::add_patch`](crate::Cluster::add_patch)), kustomize's older field, which
    /// kustomize v5 and Flux still read (prefer `patch_files`).
    #[builder(default, setter(transform = |files: &[&File]| files.iter().map(|f| (*f).clone()).collect()))]
    pub(crate) patches_strategic_merge: Vec<File>,
    /// `configurations`: the repository's own transformer configurations (a
    /// `nameReference` for a custom kind, say), files declared in this program, written
    /// before the one fluxdsl writes for its generators.
    #[builder(default, setter(transform = |files: &[&File]| files.iter().map(|f| (*f).clone()).collect()))]
    pub(crate) configurations: Vec<File>,
}

/// A kustomize component: a folder whose kustomization.yaml is a `Component`, included by
/// others with `KustomizeConfig::builder().component_folders(..)`. From
/// [`Cluster::kustomize_component`](crate::Cluster::kustomize_component).
#[derive(Debug, Clone)]
pub struct Component {
    pub(crate) dir: String,
    pub(crate) file: File,
}

impl Component {
    /// The folder, relative to the tree.
    pub fn dir(&self) -> &str {
        &self.dir
    }

    /// Its `kustomization.yaml`.
    pub fn config_file(&self) -> &File {
        &self.file
    }
}

/// One entry of a kustomization.yaml's `resources`, for
/// `KustomizeConfig::builder().resource_list(..)`: a file this program declares, or a folder or
/// URL written as given.
#[derive(Debug, Clone)]
pub enum Resource {
    /// A declared file, written relative to the folder.
    File(File),
    /// A folder (`../base`) or remote URL.
    Path(String),
    /// A kustomize folder this program declares, by its path in the tree (written
    /// relative to the including folder).
    Folder(String),
}

impl Resource {
    /// A declared file.
    pub fn file(file: &File) -> Resource {
        Resource::File(file.clone())
    }
    /// A folder or URL.
    pub fn path(path: impl Into<String>) -> Resource {
        Resource::Path(path.into())
    }
    /// A kustomize folder this program declares ([`Cluster::kustomize_folder`](crate::Cluster::kustomize_folder)),
    /// a base the kustomization builds on, written relative to the folder (`../base`).
    pub fn folder(folder: &crate::Folder) -> Resource {
        Resource::Folder(folder.dir().to_owned())
    }
}

/// A patch kept in its own file (see [`Cluster::add_patch`](crate::Cluster::add_patch)),
/// applied to the objects `target` selects.
#[derive(Debug, Clone)]
pub struct PatchFile {
    pub(crate) file: File,
    target: Option<PatchTarget>,
}

impl PatchFile {
    /// The patch in `file`, applied to what `target` selects.
    pub fn new(file: &File, target: PatchTarget) -> PatchFile {
        PatchFile {
            file: file.clone(),
            target: Some(target),
        }
    }
    /// The patch in `file`, a strategic-merge patch that names its own target.
    pub fn strategic_merge(file: &File) -> PatchFile {
        PatchFile {
            file: file.clone(),
            target: None,
        }
    }
}

/// One entry of `labels` in a kustomization.yaml.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Labels {
    /// The labels.
    pub pairs: BTreeMap<String, String>,
    /// Also add them to selectors.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_selectors: bool,
    /// Also add them to pod templates.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_templates: bool,
}

/// One entry of `configMapGenerator`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMapGenerator {
    /// The ConfigMap's name (kustomize appends a content hash).
    pub name: String,
    /// The ConfigMap's namespace (else the kustomization's or none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `create`, `replace` or `merge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<String>,
    /// Files whose contents become keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// `KEY=value` literals.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub literals: Vec<String>,
    /// `.env` files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub envs: Vec<String>,
    /// `options`: this generator's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<GeneratorOptions>,
}

/// `generatorOptions` of a kustomization.yaml, or `options` of one generator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratorOptions {
    /// Labels put on the generated objects.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations put on the generated objects.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// No content hash after the name: references need no rewriting, and a change of
    /// content no longer rolls out the objects that use it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_name_suffix_hash: bool,
    /// Mark the generated objects `immutable`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub immutable: bool,
}

/// One entry of `secretGenerator`, for
/// [`Cluster::generate_secret`](crate::Cluster::generate_secret). Its inputs are files of
/// the repository, so do not generate Secrets from clear-text values that must stay
/// secret: carry them SOPS-encrypted with [`Cluster::verbatim_file`](crate::Cluster::verbatim_file).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretGenerator {
    /// The Secret's name (kustomize appends a content hash).
    pub name: String,
    /// The Secret's namespace (else the kustomization's or none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `create`, `replace` or `merge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<String>,
    /// Files whose contents become keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// `KEY=value` literals.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub literals: Vec<String>,
    /// `.env` files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub envs: Vec<String>,
    /// `type` (`Opaque` when not set).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `options`: this generator's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<GeneratorOptions>,
}

impl SecretGenerator {
    /// A Secret generated from files this program declares (their names become the keys).
    pub fn from_files(name: crate::values::Name, files: &[&File]) -> SecretGenerator {
        SecretGenerator {
            name: name.as_str().to_owned(),
            files: files.iter().map(|f| f.path().to_owned()).collect(),
            ..SecretGenerator::default()
        }
    }

    /// A Secret generated from files this program declares, each under the key given
    /// (`values.yaml=helm/prod-values.yaml`).
    pub fn from_keyed_files(name: crate::values::Name, files: &[(&str, &File)]) -> SecretGenerator {
        SecretGenerator {
            name: name.as_str().to_owned(),
            files: keyed(files),
            ..SecretGenerator::default()
        }
    }

    /// A Secret generated from a `.env` file this program declares (`KEY=value` lines).
    pub fn from_env(name: crate::values::Name, env: &File) -> SecretGenerator {
        SecretGenerator {
            name: name.as_str().to_owned(),
            envs: vec![env.path().to_owned()],
            ..SecretGenerator::default()
        }
    }

    /// In namespace `namespace`.
    pub fn in_namespace(mut self, namespace: &NamespaceName) -> SecretGenerator {
        self.namespace = Some(namespace.as_str().to_owned());
        self
    }

    /// Of type `type_` (`kubernetes.io/tls`, …).
    pub fn of_type(mut self, type_: impl Into<String>) -> SecretGenerator {
        self.type_ = Some(type_.into());
        self
    }

    /// With this generator's own `options`.
    pub fn options(mut self, options: GeneratorOptions) -> SecretGenerator {
        self.options = Some(options);
        self
    }
}

impl ConfigMapGenerator {
    /// A ConfigMap generated from a `.env` file this program declares (`KEY=value` lines).
    pub fn from_env(name: crate::values::Name, env: &File) -> ConfigMapGenerator {
        ConfigMapGenerator {
            name: name.as_str().to_owned(),
            envs: vec![env.path().to_owned()],
            ..ConfigMapGenerator::default()
        }
    }

    /// With this generator's own `options`.
    pub fn options(mut self, options: GeneratorOptions) -> ConfigMapGenerator {
        self.options = Some(options);
        self
    }

    /// A ConfigMap generated from files this program declares (their names become the
    /// keys), for [`Cluster::generate_config_map`](crate::Cluster::generate_config_map).
    pub fn from_files(name: crate::values::Name, files: &[&File]) -> ConfigMapGenerator {
        ConfigMapGenerator {
            name: name.as_str().to_owned(),
            files: files.iter().map(|f| f.path().to_owned()).collect(),
            ..ConfigMapGenerator::default()
        }
    }

    /// A ConfigMap generated from files this program declares, each under the key given
    /// (`values.yaml=helm/prod-values.yaml`): what a HelmRelease's `valuesFrom` reads as
    /// `valuesKey: values.yaml` whatever the file is called.
    ///
    /// ```
    /// use fluxdsl::{name, Cluster, ConfigMapGenerator};
    /// let mut cluster = Cluster::new("k8s");
    /// let values = cluster.data_file("apps/podinfo/prod-values.yaml", &serde_json::json!({"replicaCount": 2}));
    /// let settings = cluster.generate_config_map(
    ///     "apps/podinfo",
    ///     ConfigMapGenerator::from_keyed_files(name!("podinfo-values"), &[("values.yaml", &values)]),
    /// );
    /// assert_eq!(settings.name(), "podinfo-values");
    /// ```
    pub fn from_keyed_files(
        name: crate::values::Name,
        files: &[(&str, &File)],
    ) -> ConfigMapGenerator {
        ConfigMapGenerator {
            name: name.as_str().to_owned(),
            files: keyed(files),
            ..ConfigMapGenerator::default()
        }
    }

    /// In namespace `namespace`.
    pub fn in_namespace(mut self, namespace: &NamespaceName) -> ConfigMapGenerator {
        self.namespace = Some(namespace.as_str().to_owned());
        self
    }

    /// Adds `KEY=value` literals.
    pub fn literals(mut self, literals: &[&str]) -> ConfigMapGenerator {
        self.literals.extend(literals.iter().map(|l| l.to_string()));
        self
    }
}

/// A generator's `files` entry as kustomize reads it: `key=path` (the key the file's
/// contents get) or a path alone (the file's name is the key).
fn split_key(entry: &str) -> (Option<&str>, &str) {
    match entry.split_once('=') {
        Some((key, path)) if !key.is_empty() && !key.contains('/') => (Some(key), path),
        _ => (None, entry),
    }
}

/// Each `(key, file)` as a `files` entry `key=path` (tree-relative, as declared).
fn keyed(files: &[(&str, &File)]) -> Vec<String> {
    files
        .iter()
        .map(|(key, f)| format!("{key}={}", f.path()))
        .collect()
}

/// A ConfigMap or Secret that a kustomization.yaml generates and this program holds a
/// handle to.
#[derive(Debug, Clone)]
pub(crate) enum Generator {
    ConfigMap(ConfigMapGenerator),
    Secret(SecretGenerator),
}

impl Generator {
    /// Its `literals`, `files` and `envs`.
    pub(crate) fn parts(&self) -> (&[String], &[String], &[String]) {
        match self {
            Generator::ConfigMap(g) => (&g.literals, &g.files, &g.envs),
            Generator::Secret(g) => (&g.literals, &g.files, &g.envs),
        }
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            Generator::ConfigMap(g) => &g.name,
            Generator::Secret(g) => &g.name,
        }
    }

    pub(crate) fn namespace(&self) -> Option<&String> {
        match self {
            Generator::ConfigMap(g) => g.namespace.as_ref(),
            Generator::Secret(g) => g.namespace.as_ref(),
        }
    }

    pub(crate) fn set_namespace(&mut self, namespace: &NamespaceName) {
        let ns = Some(namespace.as_str().to_owned());
        match self {
            Generator::ConfigMap(g) => g.namespace = ns,
            Generator::Secret(g) => g.namespace = ns,
        }
    }

    /// The files it reads (`files` and `envs`), tree-relative: of a `key=path` entry, the
    /// path.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = &str> {
        let (_, files, envs) = self.parts();
        files
            .iter()
            .map(|f| split_key(f).1)
            .chain(envs.iter().map(String::as_str))
    }

    /// Whether kustomize appends a content hash to its name.
    pub(crate) fn hashed(&self, config: &KustomizeConfig) -> bool {
        let own = match self {
            Generator::ConfigMap(g) => g.options.as_ref(),
            Generator::Secret(g) => g.options.as_ref(),
        };
        let disabled = |o: Option<&GeneratorOptions>| o.is_some_and(|o| o.disable_name_suffix_hash);
        !(disabled(own) || disabled(config.generator_options.as_ref()))
    }

    fn kind(&self) -> &'static str {
        match self {
            Generator::ConfigMap(_) => "ConfigMap",
            Generator::Secret(_) => "Secret",
        }
    }
}

/// The `configurations` file fluxdsl writes beside a kustomization.yaml that generates
/// ConfigMaps or Secrets: it tells kustomize which fields of Flux's kinds name them
/// (`valuesFrom`, `substituteFrom`, `secretRef`, …), so the names it gives them (with a
/// content hash) are written there too.
pub(crate) const NAME_REFERENCES: &str = "kustomizeconfig.yaml";

/// The text of [`NAME_REFERENCES`] for the kinds `generated` holds.
pub(crate) fn name_references(generated: &[&Generator]) -> serde_json::Value {
    let values = [
        ("spec/valuesFrom/name", "HelmRelease"),
        ("spec/postBuild/substituteFrom/name", "Kustomization"),
    ];
    let config_maps = [
        ("spec/kubeConfig/configMapRef/name", "Kustomization"),
        ("spec/kubeConfig/configMapRef/name", "HelmRelease"),
    ];
    // Every field of a Flux kind that names a Secret of its namespace.
    let secrets = [
        ("spec/secretRef/name", "GitRepository"),
        ("spec/proxySecretRef/name", "GitRepository"),
        ("spec/verify/secretRef/name", "GitRepository"),
        ("spec/secretRef/name", "HelmRepository"),
        ("spec/certSecretRef/name", "HelmRepository"),
        ("spec/secretRef/name", "OCIRepository"),
        ("spec/certSecretRef/name", "OCIRepository"),
        ("spec/proxySecretRef/name", "OCIRepository"),
        ("spec/verify/secretRef/name", "OCIRepository"),
        ("spec/verify/trustedRootSecretRef/name", "OCIRepository"),
        ("spec/secretRef/name", "Bucket"),
        ("spec/certSecretRef/name", "Bucket"),
        ("spec/proxySecretRef/name", "Bucket"),
        ("spec/sts/secretRef/name", "Bucket"),
        ("spec/sts/certSecretRef/name", "Bucket"),
        ("spec/verify/secretRef/name", "HelmChart"),
        ("spec/chart/spec/verify/secretRef/name", "HelmRelease"),
        ("spec/decryption/secretRef/name", "Kustomization"),
        ("spec/kubeConfig/secretRef/name", "Kustomization"),
        ("spec/kubeConfig/secretRef/name", "HelmRelease"),
        ("spec/secretRef/name", "ImageRepository"),
        ("spec/certSecretRef/name", "ImageRepository"),
        ("spec/proxySecretRef/name", "ImageRepository"),
        (
            "spec/git/commit/signingKey/secretRef/name",
            "ImageUpdateAutomation",
        ),
        ("spec/secretRef/name", "Provider"),
        ("spec/certSecretRef/name", "Provider"),
        ("spec/proxySecretRef/name", "Provider"),
        ("spec/secretRef/name", "Receiver"),
    ];
    let mut entries = Vec::new();
    for kind in ["ConfigMap", "Secret"] {
        if !generated.iter().any(|g| g.kind() == kind) {
            continue;
        }
        let specs = values
            .iter()
            .chain(if kind == "Secret" {
                &secrets[..]
            } else {
                &config_maps[..]
            })
            .map(|(path, kind)| serde_json::json!({ "path": path, "kind": kind }))
            .collect::<Vec<_>>();
        entries.push(serde_json::json!({ "kind": kind, "version": "v1", "fieldSpecs": specs }));
    }
    serde_json::json!({ "nameReference": entries })
}

impl KustomizeConfig {
    /// Every declared file `resources` names, in either form.
    pub(crate) fn resource_files(&self) -> impl Iterator<Item = &File> {
        let listed = self.resource_list.iter().flatten().filter_map(|r| match r {
            Resource::File(f) => Some(f),
            Resource::Path(_) | Resource::Folder(_) => None,
        });
        listed.chain(self.resources.iter())
    }

    /// The `configMapGenerator` and `secretGenerator` entries: its own, then those declared
    /// with handles (`generated`), their input paths written relative to `dir`.
    fn generator_entries(
        &self,
        dir: &str,
        generated: &[&Generator],
    ) -> (Vec<ConfigMapGenerator>, Vec<SecretGenerator>) {
        let relative = |paths: &[String]| {
            paths
                .iter()
                .map(|f| match split_key(f) {
                    (Some(key), path) => format!("{key}={}", relative_path(dir, path)),
                    (None, path) => relative_path(dir, path),
                })
                .collect()
        };
        // Every generator names its inputs by handle (tree-relative): written relative to
        // the folder, as kustomize reads them.
        let mut config_maps: Vec<ConfigMapGenerator> = self
            .config_map_generator
            .iter()
            .map(|g| ConfigMapGenerator {
                files: relative(&g.files),
                envs: relative(&g.envs),
                ..g.clone()
            })
            .collect();
        let mut secrets: Vec<SecretGenerator> = Vec::new();
        for g in generated {
            match g {
                Generator::ConfigMap(g) => config_maps.push(ConfigMapGenerator {
                    files: relative(&g.files),
                    envs: relative(&g.envs),
                    ..g.clone()
                }),
                Generator::Secret(g) => secrets.push(SecretGenerator {
                    files: relative(&g.files),
                    envs: relative(&g.envs),
                    ..g.clone()
                }),
            }
        }
        (config_maps, secrets)
    }

    /// Every declared file it reads besides its resources: patch files (either field) and
    /// configurations.
    pub(crate) fn read_files(&self) -> impl Iterator<Item = &File> {
        self.patch_files
            .iter()
            .map(|p| &p.file)
            .chain(&self.patches_strategic_merge)
            .chain(&self.configurations)
    }

    /// Every component folder it includes, tree-relative where declared, else as written.
    pub(crate) fn component_dirs(&self) -> impl Iterator<Item = &String> {
        self.component_folders.iter().map(|c| &c.dir)
    }

    /// Every folder or URL `resources` names, in either form.
    pub(crate) fn resource_folders(&self) -> impl Iterator<Item = &String> {
        let listed = self.resource_list.iter().flatten().filter_map(|r| match r {
            Resource::Path(p) => Some(p),
            Resource::File(_) | Resource::Folder(_) => None,
        });
        listed.chain(self.resource_paths.iter())
    }

    /// The file as kustomize reads it; `dir` is the tree-relative folder it sits in, and
    /// `generated` the ConfigMaps declared with handles for it (their file paths
    /// tree-relative).
    pub(crate) fn wire<'a>(
        &'a self,
        dir: &str,
        generated: &[&'a Generator],
    ) -> impl Serialize + 'a {
        let listed = self.resource_list.as_deref().unwrap_or_default();
        let relative_path = |dir: &str, path: &str| {
            let rel = relative_path(dir, path);
            if self.dot_slash && !rel.starts_with("../") {
                format!("./{rel}")
            } else {
                rel
            }
        };
        let mut resources: Vec<String> = listed
            .iter()
            .map(|r| match r {
                Resource::File(f) => relative_path(dir, f.path()),
                Resource::Path(p) => p.clone(),
                Resource::Folder(d) => relative_path(dir, d),
            })
            .collect();
        resources.extend(self.resources.iter().map(|f| relative_path(dir, f.path())));
        resources.extend(self.folders.iter().map(|f| relative_path(dir, f.dir())));
        resources.extend(self.resource_paths.iter().cloned());
        let write_resources = self.resource_list.is_some() || !resources.is_empty();
        let inline = self.patches.iter().map(|p| PatchEntry {
            patch: Some(&p.patch),
            path: None,
            target: p.target.as_ref(),
        });
        let files = self.patch_files.iter().map(|p| PatchEntry {
            patch: None,
            path: Some(relative_path(dir, p.file.path())),
            target: p.target.as_ref(),
        });
        let (config_maps, secrets) = self.generator_entries(dir, generated);
        let mut configurations: Vec<String> = self
            .configurations
            .iter()
            .map(|f| relative_path(dir, f.path()))
            .collect();
        if !generated.is_empty() {
            configurations.push(NAME_REFERENCES.to_owned());
        }
        let patches_strategic_merge = self
            .patches_strategic_merge
            .iter()
            .map(|f| relative_path(dir, f.path()))
            .collect();
        let mut components: Vec<String> = self
            .component_folders
            .iter()
            .map(|c| relative_path(dir, &c.dir))
            .collect();
        components.extend(self.components.iter().cloned());
        let (api_version, kind) = if self.is_component {
            ("kustomize.config.k8s.io/v1alpha1", "Component")
        } else {
            ("kustomize.config.k8s.io/v1beta1", "Kustomization")
        };
        Wire {
            api_version,
            kind,
            configurations,
            resources: write_resources.then_some(resources),
            components,
            namespace: self.namespace.as_ref(),
            labels: &self.labels,
            patches: inline.chain(files).collect(),
            patches_strategic_merge,
            images: &self.images,
            config_map_generator: config_maps,
            secret_generator: secrets,
            generator_options: self.generator_options.as_ref(),
            name_prefix: self.name_prefix.as_deref(),
            name_suffix: self.name_suffix.as_deref(),
        }
    }
}

/// A kustomization.yaml as written: empty lists are left out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    api_version: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a NamespaceName>,
    #[serde(skip_serializing_if = "<[Labels]>::is_empty")]
    labels: &'a [Labels],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    patches: Vec<PatchEntry<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    patches_strategic_merge: Vec<String>,
    #[serde(skip_serializing_if = "<[Image]>::is_empty")]
    images: &'a [Image],
    #[serde(skip_serializing_if = "Option::is_none")]
    name_prefix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_suffix: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    config_map_generator: Vec<ConfigMapGenerator>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secret_generator: Vec<SecretGenerator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generator_options: Option<&'a GeneratorOptions>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    configurations: Vec<String>,
}

/// One entry of `patches`: inline (`patch`) or from a file (`path`).
#[derive(Serialize)]
struct PatchEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    patch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a PatchTarget>,
}

/// `target` (tree-relative) written relative to the folder `dir` (tree-relative).
pub(crate) fn relative_path(dir: &str, target: &str) -> String {
    let dir: Vec<&str> = dir
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let target: Vec<&str> = target
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let common = dir
        .iter()
        .zip(target.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", dir.len() - common).collect();
    parts.extend(&target[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::relative_path;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path("flux-system", "flux-system/gotk-sync.yaml"),
            "gotk-sync.yaml"
        );
        assert_eq!(relative_path("", "components.yaml"), "components.yaml");
        assert_eq!(
            relative_path("apps/prod", "apps/base/podinfo"),
            "../base/podinfo"
        );
    }
}
