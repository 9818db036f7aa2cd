//! The trees and files a cluster renders: its main tree and the trees of other
//! repositories, object files, verbatim and data files, upstream files and Flux's pinned
//! install, generated ConfigMaps and Secrets, and kustomize folders and components.

use std::panic::Location;
use std::sync::Arc;

use super::cluster::{
    Cluster, FileContent, FileDecl, Folder, Tree, TreeDecl, UpstreamPin, flux_install_command, join,
};
use crate::error::Problem;
use crate::flux::kustomization::KustomizationSource;
use crate::kustomize::config::KustomizeConfig;
use crate::object::{File, ObjectKey, Ref, Target};

impl Cluster {
    /// The main tree (the one [`Cluster::new`] names).
    pub fn main_tree(&self) -> Tree {
        Tree { index: 0 }
    }

    /// Another tree this program renders: the folder `repo_path` (`""` for the root) of the
    /// repository that `source` fetches, written locally at `local_path` (relative to the
    /// folder the program runs in, e.g. a checkout of that repository). Kustomizations built
    /// from `source` have their `path` checked against the folders rendered there.
    #[track_caller]
    pub fn repository_tree<K: KustomizationSource>(
        &mut self,
        source: &Ref<K>,
        local_path: &str,
        repo_path: &str,
    ) -> Tree {
        let clean = |p: &str| p.trim_start_matches("./").trim_end_matches('/').to_owned();
        self.trees.push(TreeDecl {
            path: clean(local_path),
            repo_path: clean(repo_path),
            sources: vec![Arc::clone(source.target())],
            at: Location::caller(),
        });
        Tree {
            index: self.trees.len() - 1,
        }
    }

    /// A file of manifests at `path` inside the main tree. Declaring the same path again
    /// returns the same file.
    #[track_caller]
    pub fn file(&mut self, path: &str) -> File {
        let content = FileContent::Manifests { header: None };
        self.declare_file(0, path, content, Location::caller())
    }

    /// A file of manifests at `path` inside `tree`.
    #[track_caller]
    pub fn file_in(&mut self, tree: &Tree, path: &str) -> File {
        let content = FileContent::Manifests { header: None };
        self.declare_file(tree.index, path, content, Location::caller())
    }

    /// A file of manifests in the main tree that starts with a comment `header` (e.g.
    /// [`FLUX_GENERATED_HEADER`](crate::FLUX_GENERATED_HEADER)).
    /// The header must be YAML comments (every line empty or starting with `#`): anything
    /// else would be content that validation never saw, and is refused.
    #[track_caller]
    pub fn file_with_header(&mut self, path: &str, header: &str) -> File {
        let at = Location::caller();
        if let Some(line) = header
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        {
            self.problems.push(Problem {
remedy: None,
                object: None,
                field: None,
                message: format!(
                    "the header of file {path:?} must be YAML comments, but it has the line {line:?}"
                ),
                sites: vec![("declared", at)],
            });
        }
        let content = FileContent::Manifests {
            header: Some(header.trim_end().to_owned()),
        };
        self.declare_file(0, path, content, at)
    }

    /// A file of the main tree carried byte for byte: `text` is written exactly as given and
    /// never parsed or re-emitted — a SOPS-encrypted Secret (re-emitting would break its
    /// MAC), a `.env` or `.json` input of a kustomize generator, a JSON6902 patch. Any file
    /// name is allowed.
    ///
    /// ```
    /// let mut cluster = fluxdsl::Cluster::new("k8s");
    /// let env = cluster.verbatim_file("apps/settings.env", "LOG_LEVEL=debug\n");
    /// let rendered = cluster.render().unwrap();
    /// assert_eq!(rendered.file("apps/settings.env"), Some("LOG_LEVEL=debug\n"));
    /// ```
    #[track_caller]
    pub fn verbatim_file(&mut self, path: &str, text: impl Into<String>) -> File {
        let main = self.main_tree();
        self.verbatim_file_in(&main, path, text)
    }

    /// [`verbatim_file`](Self::verbatim_file) in `tree`.
    #[track_caller]
    pub fn verbatim_file_in(&mut self, tree: &Tree, path: &str, text: impl Into<String>) -> File {
        self.carry(tree, path, text.into(), Location::caller()).0
    }

    /// A file of the main tree that the repository keeps but Flux never applies: a folder
    /// switched off (its entry commented out of the kustomization), a copy kept for later.
    /// `text` is written as given, like [`verbatim_file`](Self::verbatim_file)'s, and its
    /// objects are not declared: no handles, no duplicate with what is applied, and render
    /// does not refuse the file as one its kustomization forgot to list. Render refuses it
    /// if a build does read it (it is applied after all), and a Secret in it in clear text
    /// as anywhere else.
    ///
    /// ```
    /// use fluxdsl::{Cluster, KustomizeConfig};
    /// let mut cluster = Cluster::new("k8s");
    /// let on = cluster.verbatim_file("apps/on.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: on\n");
    /// // Switched off: the kustomization no longer lists it.
    /// cluster.unapplied_file("apps/off.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: on\n");
    /// cluster.kustomize_config("apps", KustomizeConfig::builder().resources(&[&on]).build());
    /// assert!(cluster.render().unwrap().file("apps/off.yaml").is_some());
    /// ```
    #[track_caller]
    pub fn unapplied_file(&mut self, path: &str, text: impl Into<String>) -> File {
        let main = self.main_tree();
        let (file, _) = self.carry(&main, path, text.into(), Location::caller());
        self.objects.retain(|o| o.file != file.index());
        self.files[file.index()].unapplied = true;
        file
    }

    /// A YAML file of data at `path` of the main tree, e.g. a Helm values file: `data` (a
    /// `serde_json::Value` or any `Serialize` type) written as Flux writes YAML. It holds
    /// no object.
    ///
    /// ```
    /// let mut cluster = fluxdsl::Cluster::new("k8s");
    /// cluster.data_file("apps/podinfo/values.yaml", &serde_json::json!({"replicaCount": 2}));
    /// let rendered = cluster.render().unwrap();
    /// assert_eq!(rendered.file("apps/podinfo/values.yaml"), Some("replicaCount: 2\n"));
    /// ```
    #[track_caller]
    pub fn data_file<T: serde::Serialize + ?Sized>(&mut self, path: &str, data: &T) -> File {
        let at = Location::caller();
        let text = match crate::go_yaml::document(data) {
            Ok(text) => text,
            Err(e) => {
                self.problems.push(Problem {
                    remedy: None,
                    object: None,
                    field: None,
                    message: format!("file {path:?} cannot be written as YAML: {e}"),
                    sites: vec![("declared", at)],
                });
                String::new()
            }
        };
        self.declare_file(0, path, FileContent::Data(text), at)
    }

    /// A file that belongs in the main tree but comes from elsewhere (like Flux's
    /// `gotk-components.yaml`, the output of `flux install --export`). It is never written,
    /// changed or removed; `produce` is the command that makes it, shown when it is missing.
    #[track_caller]
    pub fn upstream_file(&mut self, path: &str, produce: &str) -> File {
        let content = FileContent::Upstream {
            produce: produce.to_owned(),
            pin: None,
        };
        self.declare_file(0, path, content, Location::caller())
    }

    /// Flux's own components at `path` (usually `flux-system/gotk-components.yaml`):
    /// the output of `flux install --export` for `version` (e.g. `v2.9.3`), committed
    /// verbatim, whose SHA-256 is `sha256` (as `sha256sum` prints it). `render` never
    /// writes it; `check` and `apply` refuse a file whose `# Flux Version:` header or
    /// checksum differs, and say how to upgrade.
    ///
    /// ```
    /// let mut cluster = fluxdsl::Cluster::new("k8s/flux");
    /// cluster.flux_components(
    ///     "flux-system/gotk-components.yaml",
    ///     "v2.9.3",
    ///     "4e2b0567407b1ebb5e772bbb3ef0da088e0a1ad3039d0d913249c2661bb2d365",
    /// );
    /// ```
    #[track_caller]
    pub fn flux_components(&mut self, path: &str, version: &str, sha256: &str) -> File {
        let produce = flux_install_command(version, &join(self.root(), path));
        let content = FileContent::Upstream {
            produce,
            pin: Some(UpstreamPin {
                version: version.to_owned(),
                sha256: sha256.to_ascii_lowercase(),
            }),
        };
        self.declare_file(0, path, content, Location::caller())
    }

    /// A ConfigMap that the kustomization.yaml of folder `dir` (main tree) generates, and
    /// its handle, usable in `valuesFrom`, `substituteFrom`, env and volumes. kustomize
    /// names it with a content hash; fluxdsl writes the `configurations` that make
    /// kustomize put that name into Flux's `valuesFrom`/`substituteFrom` too, so a
    /// reference from an object of that kustomization's `resources` stays right. A
    /// reference from elsewhere is refused (it would name a ConfigMap that never exists).
    ///
    /// ```
    /// use fluxdsl::{name, Cluster, ConfigMapGenerator, KustomizeConfig};
    /// let mut cluster = Cluster::new("k8s");
    /// let values = cluster.data_file("apps/values.yaml", &serde_json::json!({"replicaCount": 2}));
    /// let settings = cluster.generate_config_map(
    ///     "apps",
    ///     ConfigMapGenerator::from_files(name!("podinfo-values"), &[&values]),
    /// );
    /// assert_eq!(settings.name(), "podinfo-values");
    /// ```
    #[track_caller]
    pub fn generate_config_map(
        &mut self,
        dir: &str,
        generator: crate::kustomize::config::ConfigMapGenerator,
    ) -> Ref<k8s_openapi::api::core::v1::ConfigMap> {
        use crate::kustomize::config::Generator;
        let target = self.generate(dir, Generator::ConfigMap(generator), Location::caller());
        Ref::from_target(target)
    }

    /// A Secret that the kustomization.yaml of folder `dir` (main tree) generates, and its
    /// handle: like [`generate_config_map`](Self::generate_config_map), and also usable in
    /// the `secretRef` of Flux's sources and `decryption`.
    #[track_caller]
    pub fn generate_secret(
        &mut self,
        dir: &str,
        generator: crate::kustomize::config::SecretGenerator,
    ) -> Ref<k8s_openapi::api::core::v1::Secret> {
        use crate::kustomize::config::Generator;
        let target = self.generate(dir, Generator::Secret(generator), Location::caller());
        Ref::from_target(target)
    }

    /// Records a generator of folder `dir`; one that names no namespace is in the
    /// namespace the folder's kustomization.yaml sets, when it is declared already.
    fn generate(
        &mut self,
        dir: &str,
        mut generator: crate::kustomize::config::Generator,
        at: &'static Location<'static>,
    ) -> Arc<Target> {
        let dir = dir
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned();
        if generator.namespace().is_none()
            && let Some(ns) = self
                .kustomize_config_of(&dir)
                .and_then(|c| c.namespace.clone())
        {
            generator.set_namespace(&ns);
        }
        let (api_version, kind) = match generator {
            crate::kustomize::config::Generator::ConfigMap(_) => ("v1", "ConfigMap"),
            crate::kustomize::config::Generator::Secret(_) => ("v1", "Secret"),
        };
        let key = ObjectKey {
            api_version,
            kind,
            namespace: generator.namespace().cloned().map(Into::into),
            name: generator.name().to_owned(),
        };
        let target = Target::generated(key, at);
        self.generators.push((dir, generator, Arc::clone(&target)));
        target
    }

    /// The kustomization.yaml declared in folder `dir` of the main tree.
    pub(crate) fn kustomize_config_of(&self, dir: &str) -> Option<&KustomizeConfig> {
        let path = join(dir, "kustomization.yaml");
        self.files.iter().find_map(|f| match &f.content {
            FileContent::KustomizeConfig(c) if f.tree == 0 && f.path == path => Some(&**c),
            _ => None,
        })
    }

    /// A kustomize folder: `dir` of the main tree with its kustomization.yaml `config`.
    /// Files declared in it with [`folder_file`](Self::folder_file) are added to its
    /// `resources` in the order they are declared, and what is declared in them knows what
    /// kustomize will make of it: an object that names no namespace takes the one `config`
    /// sets (and is written without one), and its handle carries that namespace and the
    /// name with `namePrefix`/`nameSuffix`.
    ///
    /// ```
    /// use fluxdsl::{duration, name, namespace, Cluster, HelmRepository, KustomizeConfig};
    /// let mut cluster = Cluster::new("k8s");
    /// let podinfo = cluster.kustomize_folder("apps/podinfo", KustomizeConfig::builder()
    ///     .namespace(namespace!("podinfo"))
    ///     .name_prefix("staging-")
    ///     .build());
    /// let file = cluster.folder_file(&podinfo, "repository.yaml");
    /// let repo = cluster.add(&file, HelmRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .url("https://stefanprodan.github.io/podinfo")
    ///     .interval(duration!("5m"))
    ///     .build());
    /// assert_eq!((repo.namespace(), repo.name()), (Some("podinfo"), "staging-podinfo"));
    /// let rendered = cluster.render().unwrap();
    /// assert!(!rendered.file("apps/podinfo/repository.yaml").unwrap().contains("namespace"));
    /// assert!(rendered.file("apps/podinfo/kustomization.yaml").unwrap().contains("- repository.yaml"));
    /// ```
    #[track_caller]
    pub fn kustomize_folder(&mut self, dir: &str, config: KustomizeConfig) -> Folder {
        let dir = dir
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned();
        let namespace = config.namespace.clone();
        let prefix = config.name_prefix.clone().unwrap_or_default();
        let suffix = config.name_suffix.clone().unwrap_or_default();
        let file = self.kustomize_config(&dir, config);
        Folder {
            dir,
            file,
            namespace,
            prefix,
            suffix,
        }
    }

    /// A kustomize component in folder `dir` of the main tree: `config` written as a
    /// `Component` (`kustomize.config.k8s.io/v1alpha1`), for other kustomization.yaml
    /// files to include with `component_folders(&[&component])`.
    ///
    /// ```
    /// use fluxdsl::{Cluster, KustomizeConfig, Resource};
    /// let mut cluster = Cluster::new("k8s");
    /// let monitoring = cluster.kustomize_component("components/monitoring", KustomizeConfig::builder()
    ///     .resource_list(&[])
    ///     .build());
    /// cluster.kustomize_config("apps", KustomizeConfig::builder()
    ///     .resource_list(&[])
    ///     .component_folders(&[&monitoring])
    ///     .build());
    /// let rendered = cluster.render().unwrap();
    /// assert!(rendered.file("components/monitoring/kustomization.yaml").unwrap().contains("kind: Component\n"));
    /// assert!(rendered.file("apps/kustomization.yaml").unwrap().contains("components:\n- ../components/monitoring\n"));
    /// ```
    #[track_caller]
    pub fn kustomize_component(
        &mut self,
        dir: &str,
        mut config: KustomizeConfig,
    ) -> crate::kustomize::config::Component {
        let dir = dir
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned();
        config.is_component = true;
        let file = self.kustomize_config(&dir, config);
        crate::kustomize::config::Component { dir, file }
    }

    /// A file of manifests `name` in `folder`, listed in its kustomization.yaml's
    /// `resources` (see [`kustomize_folder`](Self::kustomize_folder)).
    #[track_caller]
    pub fn folder_file(&mut self, folder: &Folder, name: &str) -> File {
        let at = Location::caller();
        let path = join(&folder.dir, name);
        let content = FileContent::Manifests { header: None };
        let file = self.declare_file(0, &path, content, at);
        let Some(FileContent::KustomizeConfig(config)) = self
            .files
            .get_mut(folder.file.index())
            .filter(|f| *f.path == *folder.file.path())
            .map(|f| &mut f.content)
        else {
            self.problems.push(Problem {
                remedy: None,
                object: None,
                field: None,
                message: format!("folder {:?} was declared in another Cluster", folder.dir),
                sites: vec![("declared", at)],
            });
            return file;
        };
        match &mut config.resource_list {
            Some(list) => list.push(crate::kustomize::config::Resource::File(file.clone())),
            None => config.resources.push(file.clone()),
        }
        self.files[file.index()].folder = Some(folder.file.index());
        file
    }

    /// A `kustomization.yaml` in folder `dir` of the main tree (`""` for the root).
    #[track_caller]
    pub fn kustomize_config(&mut self, dir: &str, config: KustomizeConfig) -> File {
        let main = self.main_tree();
        self.kustomize_config_in(&main, dir, config)
    }

    /// A `kustomization.yaml` in folder `dir` of `tree`.
    #[track_caller]
    pub fn kustomize_config_in(&mut self, tree: &Tree, dir: &str, config: KustomizeConfig) -> File {
        let path = join(dir, "kustomization.yaml");
        let content = FileContent::KustomizeConfig(Box::new(config));
        self.declare_file(tree.index, &path, content, Location::caller())
    }

    pub(crate) fn declare_file(
        &mut self,
        tree: usize,
        path: &str,
        content: FileContent,
        at: &'static Location<'static>,
    ) -> File {
        let path = path.trim_start_matches("./").to_owned();
        if let FileContent::Manifests { header: None } = content
            && let Some(index) = self.files.iter().position(|f| {
                f.tree == tree
                    && f.path == path
                    && matches!(f.content, FileContent::Manifests { .. })
            })
        {
            return File::new(index, path.into());
        }
        self.files.push(FileDecl {
            tree,
            path: path.clone(),
            folder: None,
            at,
            content,
            unapplied: false,
        });
        File::new(self.files.len() - 1, path.into())
    }
}
