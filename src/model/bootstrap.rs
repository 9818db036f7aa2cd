//! Secrets that `apply` creates when it bootstraps a cluster: the credentials Flux's
//! sources authenticate with (what `flux bootstrap` creates as `flux-system/flux-system`).
//!
//! The definition declares which Secrets there are and which keys each holds; the values
//! come only from files or environment variables named on `apply`'s command line
//! (`--secret-file`, `--secret-env`). They are never rendered, printed, logged, diffed or
//! put in an error message.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::values::{Name, NamespaceName};

/// One key of a bootstrap Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey {
    /// The key in the Secret's `data` (`identity`, `known_hosts`, …).
    pub key: &'static str,
    /// Whether apply refuses to create the Secret without it.
    pub required: bool,
    /// What it holds, for error messages.
    pub about: &'static str,
}

impl SecretKey {
    /// A key `apply` refuses to create the Secret without; `about` says what it holds,
    /// for error messages (never its value).
    ///
    /// ```
    /// use fluxdsl::{BootstrapSecret, SecretKey, name, namespace};
    /// let registry = BootstrapSecret::with_keys(&namespace!("flux-system"), name!("registry"), vec![
    ///     SecretKey::required("token", "the registry's access token"),
    ///     SecretKey::optional("ca.crt", "the registry's CA certificate"),
    /// ]);
    /// assert_eq!(registry.keys()[0].key, "token");
    /// ```
    pub const fn required(key: &'static str, about: &'static str) -> SecretKey {
        SecretKey {
            key,
            required: true,
            about,
        }
    }

    /// A key the Secret may hold; `apply` creates the Secret without it when it is not given.
    pub const fn optional(key: &'static str, about: &'static str) -> SecretKey {
        SecretKey {
            key,
            required: false,
            about,
        }
    }
}

/// A Secret `apply` creates at bootstrap from values given on its command line; the
/// definition gets a `Ref<Secret>` to it from [`Cluster::bootstrap_secret`](crate::Cluster::bootstrap_secret).
///
/// ```
/// use fluxdsl::{BootstrapSecret, Cluster, name, namespace};
/// let mut cluster = Cluster::new("k8s/flux");
/// let deploy_key = cluster.bootstrap_secret(BootstrapSecret::git_ssh(
///     &namespace!("flux-system"),
///     name!("flux-system"),
/// ));
/// assert_eq!(deploy_key.name(), "flux-system");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapSecret {
    namespace: NamespaceName,
    name: Name,
    keys: Vec<SecretKey>,
}

impl BootstrapSecret {
    /// Git over SSH, as `flux bootstrap` creates it: `identity` (the private deploy key)
    /// and `known_hosts`, optionally `identity.pub`.
    pub fn git_ssh(namespace: &NamespaceName, name: Name) -> BootstrapSecret {
        BootstrapSecret::with_keys(
            namespace,
            name,
            vec![
                SecretKey::required("identity", "the SSH private key"),
                SecretKey::optional("identity.pub", "the SSH public key"),
                SecretKey::required("known_hosts", "the Git host's SSH host keys"),
            ],
        )
    }

    /// Git over HTTPS with basic authentication: `username` and `password` (for a token,
    /// as GitHub and GitLab take it, the token is the password).
    pub fn git_basic_auth(namespace: &NamespaceName, name: Name) -> BootstrapSecret {
        BootstrapSecret::with_keys(
            namespace,
            name,
            vec![
                SecretKey::required("username", "the HTTPS user name"),
                SecretKey::required("password", "the HTTPS password or access token"),
            ],
        )
    }

    /// Git over HTTPS with a bearer token: `bearerToken`.
    pub fn git_bearer_token(namespace: &NamespaceName, name: Name) -> BootstrapSecret {
        BootstrapSecret::with_keys(
            namespace,
            name,
            vec![SecretKey::required("bearerToken", "the HTTPS bearer token")],
        )
    }

    /// The age private key kustomize-controller decrypts SOPS files with, as Flux's SOPS
    /// guide creates it (`kubectl create secret generic sops-age
    /// --from-file=age.agekey=…`): key `age.agekey`. `apply --secret-file
    /// flux-system/sops-age/age.agekey=PATH` creates it; a Kustomization names it in
    /// `Decryption::sops(&keys)`.
    ///
    /// ```
    /// use fluxdsl::{BootstrapSecret, Cluster, Decryption, name, namespace};
    /// let mut cluster = Cluster::new("k8s/flux");
    /// let keys = cluster.bootstrap_secret(BootstrapSecret::sops_age(
    ///     &namespace!("flux-system"),
    ///     name!("sops-age"),
    /// ));
    /// let decryption = Decryption::sops(&keys);
    /// # let _ = decryption;
    /// ```
    pub fn sops_age(namespace: &NamespaceName, name: Name) -> BootstrapSecret {
        BootstrapSecret::with_keys(
            namespace,
            name,
            vec![SecretKey::required(
                "age.agekey",
                "the age private key the SOPS files are encrypted to",
            )],
        )
    }

    /// The OpenPGP private keys kustomize-controller decrypts SOPS files with, as Flux's
    /// SOPS guide creates it (`kubectl create secret generic sops-gpg
    /// --from-file=sops.asc=…`): key `sops.asc`.
    pub fn sops_gpg(namespace: &NamespaceName, name: Name) -> BootstrapSecret {
        BootstrapSecret::with_keys(
            namespace,
            name,
            vec![SecretKey::required(
                "sops.asc",
                "the armored OpenPGP private keys the SOPS files are encrypted to",
            )],
        )
    }

    /// Any other Secret, with the keys it holds.
    pub fn with_keys(namespace: &NamespaceName, name: Name, keys: Vec<SecretKey>) -> Self {
        BootstrapSecret {
            namespace: namespace.clone(),
            name,
            keys,
        }
    }

    /// Its namespace.
    pub fn namespace(&self) -> &NamespaceName {
        &self.namespace
    }

    /// Its name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// Its keys.
    pub fn keys(&self) -> &[SecretKey] {
        &self.keys
    }

    /// `namespace/name`, as the command line names it.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace.as_str(), self.name.as_str())
    }
}

/// Where one value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The whole content of a file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
}

/// The values given on the command line: `NAMESPACE/NAME/KEY` → where to read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretInputs {
    sources: BTreeMap<(String, String), SecretSource>,
}

impl SecretInputs {
    /// No values.
    pub fn new() -> SecretInputs {
        SecretInputs::default()
    }

    /// Adds `NAMESPACE/NAME/KEY=VALUE` from the command line: VALUE is a file path for
    /// `--secret-file`, an environment variable's name for `--secret-env`.
    pub fn add(&mut self, spec: &str, from_env: bool) -> Result<()> {
        let bad = |why: &str| Error::SecretInput {
            secret: spec.split('=').next().unwrap_or("").to_owned(),
            message: format!(
                "{why}; write NAMESPACE/NAME/KEY=VALUE, e.g. flux-system/flux-system/identity=./deploy-key"
            ),
        };
        let (target, value) = spec.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let mut parts = target.splitn(3, '/');
        let (Some(ns), Some(name), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected NAMESPACE/NAME/KEY before `=`"));
        };
        if value.is_empty() {
            return Err(bad("nothing after `=`"));
        }
        let source = if from_env {
            SecretSource::Env(value.to_owned())
        } else {
            SecretSource::File(PathBuf::from(value))
        };
        self.sources
            .insert((format!("{ns}/{name}"), key.to_owned()), source);
        Ok(())
    }

    /// Whether any value was given for the Secret `id` (`namespace/name`).
    pub fn mentions(&self, id: &str) -> bool {
        self.sources.keys().any(|(s, _)| s == id)
    }

    /// Every `namespace/name` values were given for.
    #[cfg(feature = "apply")]
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(|(s, _)| s.as_str())
    }

    /// Reads the values of `secret`: every required key present, no unknown key, every
    /// file and variable readable. Errors name the Secret, the key and the source, never a
    /// value.
    pub fn read(&self, secret: &BootstrapSecret) -> Result<BTreeMap<String, Vec<u8>>> {
        let id = secret.id();
        let known: Vec<&str> = secret.keys.iter().map(|k| k.key).collect();
        if let Some(((_, key), _)) = self
            .sources
            .iter()
            .find(|((s, k), _)| *s == id && !known.contains(&k.as_str()))
        {
            return Err(Error::SecretInput {
                secret: id,
                message: format!("it has no key {key:?}; its keys are {}", known.join(", ")),
            });
        }
        let mut values = BTreeMap::new();
        let mut missing = Vec::new();
        for k in &secret.keys {
            match self.sources.get(&(id.clone(), k.key.to_owned())) {
                Some(source) => {
                    values.insert(k.key.to_owned(), read_source(&id, k.key, source)?);
                }
                None if k.required => missing.push(format!(
                    "{} ({}: --secret-file {id}/{}=PATH or --secret-env {id}/{}=VARIABLE)",
                    k.key, k.about, k.key, k.key
                )),
                None => {}
            }
        }
        if !missing.is_empty() {
            return Err(Error::SecretInput {
                secret: id,
                message: format!("missing {}", missing.join(", ")),
            });
        }
        Ok(values)
    }
}

fn read_source(id: &str, key: &str, source: &SecretSource) -> Result<Vec<u8>> {
    let value = match source {
        SecretSource::File(path) => std::fs::read(path).map_err(|e| Error::SecretInput {
            secret: id.to_owned(),
            message: format!("cannot read {key} from file {}: {e}", path.display()),
        })?,
        SecretSource::Env(var) => std::env::var_os(var)
            .map(|v| v.into_encoded_bytes())
            .ok_or_else(|| Error::SecretInput {
                secret: id.to_owned(),
                message: format!("{key}: environment variable {var} is not set"),
            })?,
    };
    if value.is_empty() {
        return Err(Error::SecretInput {
            secret: id.to_owned(),
            message: format!("{key} is empty ({})", describe(source)),
        });
    }
    Ok(value)
}

fn describe(source: &SecretSource) -> String {
    match source {
        SecretSource::File(p) => format!("file {}", p.display()),
        SecretSource::Env(v) => format!("environment variable {v}"),
    }
}
