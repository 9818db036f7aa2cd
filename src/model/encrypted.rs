//! Files carried byte for byte that hold objects: SOPS-encrypted Secrets (kustomize-
//! controller decrypts them when it applies their folder) and, refused, Secrets in clear.
//! An encrypted document's identity (apiVersion, kind, namespace, name, which SOPS leaves
//! in clear) is declared like any object's, so duplicates of it and references to it are
//! checked; its text is the file's, and `apply` never sends it (only Flux can decrypt it).

use std::panic::Location;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Secret;
use serde_json::Value;

use crate::error::Problem;
use crate::model::cluster::{Cluster, Declared, FileContent, Tree};
use crate::object::{File, Ref, Target};

/// A SOPS-encrypted file declared with [`Cluster::sops_file`]: the file, for a
/// kustomization.yaml's `resources`, and a handle to each Secret it holds.
#[derive(Debug, Clone)]
pub struct SopsFile {
    /// The file.
    pub file: File,
    /// Its Secrets, in the order of its documents.
    pub secrets: Vec<Ref<Secret>>,
}

impl Cluster {
    /// A SOPS-encrypted file at `path` of the main tree, carried byte for byte (written
    /// again it would no longer match its MAC), and a handle to each Secret in it. Each
    /// document is checked as SOPS wrote it — a MAC, a recipient, every value its own
    /// rules (`encrypted_regex`, …) encrypt in ciphertext, a Secret's `data` and
    /// `stringData` all encrypted — and declared like any object: a duplicate of it, or a
    /// Kustomization applying it without `decryption`, is refused.
    ///
    /// ```
    /// # let encrypted = concat!(
    /// #     "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\n",
    /// #     "stringData:\n  password: ENC[AES256_GCM,data:b3c=,iv:aXY=,tag:dGFn,type:str]\n",
    /// #     "sops:\n  age:\n    - recipient: age1example\n      enc: x\n",
    /// #     "  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]\n",
    /// #     "  encrypted_regex: ^(data|stringData)$\n  version: 3.10.2\n",
    /// # );
    /// use fluxdsl::{Cluster, KustomizeConfig};
    /// let mut cluster = Cluster::new("k8s");
    /// let db = cluster.sops_file("apps/db-secret.yaml", encrypted);
    /// assert_eq!(db.secrets[0].name(), "db");
    /// cluster.kustomize_config("apps", KustomizeConfig::builder().resources(&[&db.file]).build());
    /// assert_eq!(cluster.render().unwrap().file("apps/db-secret.yaml"), Some(encrypted));
    /// ```
    #[track_caller]
    pub fn sops_file(&mut self, path: &str, text: impl Into<String>) -> SopsFile {
        let main = self.main_tree();
        self.sops_file_in(&main, path, text)
    }

    /// [`sops_file`](Self::sops_file) in `tree`.
    #[track_caller]
    pub fn sops_file_in(&mut self, tree: &Tree, path: &str, text: impl Into<String>) -> SopsFile {
        let at = Location::caller();
        let text = text.into();
        let (file, secrets) = self.carry(tree, path, text, at);
        if secrets.is_empty() {
            self.problems.push(Problem {
                remedy: None,
                object: None,
                field: None,
                message: format!(
                    "file {path:?} holds no SOPS-encrypted Secret (no document with a `sops` \
                     field); carry other files with Cluster::verbatim_file"
                ),
                sites: vec![("declared", at)],
            });
        }
        SopsFile {
            file,
            secrets: secrets.into_iter().map(Ref::from_target).collect(),
        }
    }

    /// Declares `text` as a verbatim file of `tree`; of a YAML file, each SOPS-encrypted
    /// document is checked and declared (its targets returned), and each Secret in clear
    /// refused.
    pub(crate) fn carry(
        &mut self,
        tree: &Tree,
        path: &str,
        text: String,
        at: &'static Location<'static>,
    ) -> (File, Vec<Arc<Target>>) {
        let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
        let docs = if yaml {
            crate::sops::yaml_documents(&text).unwrap_or_default()
        } else {
            Vec::new()
        };
        let named_encrypted = [
            ".sops.yaml",
            ".sops.yml",
            ".sops.json",
            ".sops.env",
            ".enc.yaml",
        ]
        .iter()
        .any(|suffix| path.ends_with(suffix) && !path.ends_with(&format!("/{suffix}")))
            && path.rsplit('/').next().is_none_or(|n| n != ".sops.yaml");
        if named_encrypted && !crate::sops::is_encrypted_file(path, &text) {
            self.problems.push(Problem {
                remedy: None,
                object: None,
                field: None,
                message: format!(
                    "file {path:?} is named as SOPS-encrypted but is not (no `sops` metadata \
                     with a MAC): committed, its values would be {}; run `sops --encrypt \
                     --in-place` on it",
                    crate::sops::SECRET_IN_CLEAR
                ),
                sites: vec![("declared", at)],
            });
        }
        let file = self.declare_file(tree.index, path, FileContent::Verbatim(text), at);
        let mut targets = Vec::new();
        for doc in docs {
            let key = crate::model::cluster::manifest_key(&doc);
            if doc.get("sops").is_none() {
                for (field, message) in crate::sops::clear_secret(&doc) {
                    self.problems.push(Problem {
                        remedy: None,
                        object: key.clone(),
                        field: None,
                        message: format!(
                            "{field} (in verbatim file {path:?}): {message} (declared as an \
                             object: a verbatim file cannot opt in)"
                        ),
                        sites: vec![("declared", at)],
                    });
                }
                continue;
            }
            for (field, message) in crate::sops::document_problems(&doc) {
                self.problems.push(Problem {
                    remedy: None,
                    object: key.clone(),
                    field: None,
                    message: format!("{field} (in SOPS file {path:?}): {message}"),
                    sites: vec![("declared", at)],
                });
            }
            let Some(key) = key.filter(|k| !k.name.starts_with("ENC[")) else {
                continue;
            };
            let target = Target::declared(key, at);
            self.objects.push(Declared {
                target: Arc::clone(&target),
                file: file.index(),
                // Written as the file's text, never applied; its identity checked as a
                // manifest's.
                object: Box::new(crate::object::Manifest(doc)),
                patch_only: false,
                encrypted: true,
                more_references: Vec::new(),
            });
            targets.push(target);
        }
        (file, targets)
    }
}

/// Every SOPS file against the creation rules of the `.sops.yaml` above it in its tree
/// (a verbatim file): the first rule whose `path_regex` matches the file's path (relative
/// to the `.sops.yaml`'s folder) says its `encrypted_regex` and its age recipients, and a
/// file encrypted otherwise was made by hand or with another rule.
pub(crate) fn creation_rule_problems(cluster: &Cluster) -> Vec<Problem> {
    let mut problems = Vec::new();
    let configs: Vec<(usize, &str, Value, &'static Location<'static>)> = cluster
        .files
        .iter()
        .filter(|f| f.path == ".sops.yaml" || f.path.ends_with("/.sops.yaml"))
        .filter_map(|f| match &f.content {
            FileContent::Verbatim(text) => serde_yaml::from_str::<Value>(text)
                .ok()
                .map(|v| (f.tree, f.path.trim_end_matches(".sops.yaml"), v, f.at)),
            _ => None,
        })
        .collect();
    for o in cluster.objects.iter().filter(|o| o.encrypted) {
        let file = &cluster.files[o.file];
        // The nearest .sops.yaml above it, as SOPS finds its configuration.
        let Some((_, dir, config, config_at)) = configs
            .iter()
            .filter(|(tree, dir, _, _)| *tree == file.tree && file.path.starts_with(dir))
            .max_by_key(|(_, dir, _, _)| dir.len())
        else {
            continue;
        };
        let rel = &file.path[dir.len()..];
        let rule = config["creation_rules"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| {
                r["path_regex"]
                    .as_str()
                    .is_none_or(|re| regex::Regex::new(re).is_ok_and(|re| re.is_match(rel)))
            });
        let Some(rule) = rule else {
            continue;
        };
        let doc = o.object.to_json().unwrap_or_default();
        let sops = &doc["sops"];
        let mut wrong = Vec::new();
        if let Some(want) = rule["encrypted_regex"].as_str()
            && sops["encrypted_regex"].as_str() != Some(want)
        {
            wrong.push(format!(
                "is encrypted with encrypted_regex {:?}, but the rule says {want:?}",
                sops["encrypted_regex"].as_str().unwrap_or("(none)")
            ));
        }
        let has: Vec<&str> = sops["age"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["recipient"].as_str())
            .collect();
        for want in rule["age"].as_str().into_iter().flat_map(|a| a.split(',')) {
            let want = want.trim();
            if !want.is_empty() && !has.contains(&want) {
                wrong.push(format!(
                    "is not encrypted to age recipient {want:?}, which the rule names (whoever \
                     holds that key cannot decrypt it)"
                ));
            }
        }
        for w in wrong {
            problems.push(Problem {
                remedy: None,
                object: Some(o.key().clone()),
                field: Some("sops"),
                message: format!(
                    "{w}: the first creation rule of {:?} that matches {rel:?}; re-encrypt with \
                     `sops updatekeys` or `sops --encrypt` under that configuration",
                    format!("{dir}.sops.yaml")
                ),
                sites: vec![
                    ("SOPS file declared", o.at()),
                    (".sops.yaml declared", config_at),
                ],
            });
        }
    }
    problems
}

/// Which keys can decrypt the encrypted object `o`: the kinds of its SOPS recipients.
pub(crate) fn recipients(o: &Declared) -> Vec<&'static str> {
    if !o.encrypted {
        return Vec::new();
    }
    let value = o.object.to_json().unwrap_or_default();
    crate::sops::recipient_kinds(&value["sops"])
}
