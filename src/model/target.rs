//! Which cluster a definition is for, and where apply keeps its ApplySet: identity that the
//! model declares and the apply layer reads.

use base64::Engine;

use crate::values::{Name, NamespaceName};

/// Which cluster a definition is for; `apply`, `diff` and prune refuse any other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterGuard {
    /// The UID of the cluster's `kube-system` namespace: fixed for the life of a cluster
    /// and different in every cluster. `cargo run -- cluster-id` prints it.
    KubeSystemUid(String),
    /// The API server URL, as in the kubeconfig (`https://10.0.0.1:6443`).
    Server(String),
    /// The kubeconfig context name; weaker, since contexts are local names.
    Context(String),
}

impl std::fmt::Display for ClusterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterGuard::KubeSystemUid(uid) => {
                write!(f, "the cluster whose kube-system UID is {uid}")
            }
            ClusterGuard::Server(url) => write!(f, "the API server {url}"),
            ClusterGuard::Context(name) => write!(f, "kubeconfig context {name:?}"),
        }
    }
}

/// Where an ApplySet's parent lives: a Secret or a ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySetParent {
    /// `Secret` or `ConfigMap`.
    pub kind: &'static str,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl ApplySetParent {
    /// A Secret parent (what kubectl uses by default).
    pub fn secret(namespace: &NamespaceName, name: Name) -> ApplySetParent {
        ApplySetParent {
            kind: "Secret",
            namespace: namespace.as_str().to_owned(),
            name: name.as_str().to_owned(),
        }
    }

    /// A ConfigMap parent.
    pub fn config_map(namespace: &NamespaceName, name: Name) -> ApplySetParent {
        ApplySetParent {
            kind: "ConfigMap",
            namespace: namespace.as_str().to_owned(),
            name: name.as_str().to_owned(),
        }
    }

    /// The parent used when a cluster names none: Secret `flux-system/fluxdsl-applyset`.
    pub fn default_parent() -> ApplySetParent {
        ApplySetParent {
            kind: "Secret",
            namespace: "flux-system".into(),
            name: "fluxdsl-applyset".into(),
        }
    }

    /// kubectl's id: `applyset-<base64url(sha256(name.namespace.kind.group))>-v1`; both
    /// parent kinds are in the core group.
    pub fn id(&self) -> String {
        let unencoded = format!("{}.{}.{}.", self.name, self.namespace, self.kind);
        let digest = ring::digest::digest(&ring::digest::SHA256, unencoded.as_bytes());
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        format!("applyset-{b64}-v1")
    }
}
