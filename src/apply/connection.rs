//! The connection to a cluster: kubeconfig and context as kubectl reads them, one client
//! with fluxdsl's retry layer, the reachability check, the cluster's identity and the
//! wrong-cluster guard; and how kube's errors are worded.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use kube::api::Api;
use kube::core::GroupVersionKind;
use kube::{Client, Config};
use tokio_util::sync::CancellationToken;

use super::retry;
use crate::error::{Error, Result};
use crate::model::target::ClusterGuard;

/// A client and what it connects to.
#[derive(Clone)]
pub struct Connection {
    pub(crate) client: Client,
    server: String,
    context: Option<String>,
    pub(crate) stop: CancellationToken,
}

impl Connection {
    /// Connects as kubectl would: `kubeconfig` if given, else `KUBECONFIG` or
    /// `~/.kube/config`, else the in-cluster service account; `context` picks a context.
    pub async fn connect(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<Connection> {
        let options = kube::config::KubeConfigOptions {
            context: context.map(str::to_owned),
            ..Default::default()
        };
        let (config, context_name) = match kubeconfig {
            Some(path) => {
                let file =
                    kube::config::Kubeconfig::read_from(path).map_err(|e| Error::Connect {
                        message: format!(
                            "cannot read kubeconfig {}: {}",
                            path.display(),
                            kubeconfig_error(&e)
                        ),
                    })?;
                let name = context
                    .map(str::to_owned)
                    .or_else(|| file.current_context.clone());
                let config = Config::from_custom_kubeconfig(file, &options)
                    .await
                    .map_err(|e| Error::Connect {
                        message: format!("kubeconfig {}: {e}", path.display()),
                    })?;
                (config, name)
            }
            None if context.is_some() => {
                let config =
                    Config::from_kubeconfig(&options)
                        .await
                        .map_err(|e| Error::Connect {
                            message: match &e {
                                kube::config::KubeconfigError::ReadConfig(_, path) => format!(
                                    "cannot read kubeconfig {}: {}",
                                    path.display(),
                                    kubeconfig_error(&e)
                                ),
                                _ => format!("kubeconfig: {e}"),
                            },
                        })?;
                (config, context.map(str::to_owned))
            }
            None => {
                let name = kube::config::Kubeconfig::read()
                    .ok()
                    .and_then(|k| k.current_context);
                let config = Config::infer().await.map_err(|e| Error::Connect {
                    message: format!(
                        "no cluster configured (KUBECONFIG, ~/.kube/config or in-cluster): {e}"
                    ),
                })?;
                (config, name)
            }
        };
        let mut config = config;
        config.read_timeout = Some(Duration::from_secs(30));
        // One retry layer: fluxdsl's own (`retry.rs`), not kube's on top of it.
        config.default_retry = false;
        let server = config.cluster_url.to_string();
        let client = Client::try_from(config).map_err(|e| Error::Connect {
            message: format!("cannot set up a client for {server}: {e}"),
        })?;
        Ok(Connection {
            client,
            server,
            context: context_name,
            stop: CancellationToken::new(),
        })
    }

    /// Stops this connection's work when `stop` is cancelled: no new request starts, retries
    /// end, and `apply` reports how far it got. The CLI cancels it on Ctrl-C.
    pub fn cancel_on(mut self, stop: CancellationToken) -> Connection {
        self.stop = stop;
        self
    }

    /// A connection over an existing client (tests use an in-process transport).
    pub fn from_client(client: Client, server: &str, context: Option<&str>) -> Connection {
        Connection {
            client,
            server: server.to_owned(),
            context: context.map(str::to_owned),
            stop: CancellationToken::new(),
        }
    }

    /// Asks the API server for its version: a clear error when it cannot be reached, the
    /// TLS handshake fails or the credentials are refused.
    pub async fn check_reachable(&self) -> Result<()> {
        match retry::with_retries(&self.stop, || self.client.apiserver_version()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 401 => Err(Error::Connect {
                message: format!(
                    "the API server {} refused the credentials (401 Unauthorized): {}",
                    self.server, s.message
                ),
            }),
            Err(e @ (kube::Error::HyperError(_) | kube::Error::Service(_))) => {
                Err(Error::Connect {
                    message: format!(
                        "cannot reach the API server {}: {}",
                        self.server,
                        crate::error::with_causes(&e)
                    ),
                })
            }
            // Anything else means the server answered: reachable.
            Err(_) => Ok(()),
        }
    }

    /// Goes on without missing upstream files (Flux's components) only when Flux is
    /// already installed: its Kustomization kind is served. Otherwise the first missing
    /// file is the error.
    pub(crate) async fn without_upstream(
        &self,
        missing: Vec<Error>,
        out: &mut dyn Write,
    ) -> Result<()> {
        let Some(first) = missing.into_iter().next() else {
            return Ok(());
        };
        let gvk = GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization");
        match retry::with_retries(&self.stop, || {
            kube::discovery::pinned_kind(&self.client, &gvk)
        })
        .await
        {
            Ok(_) => {
                let _ = writeln!(
                    out,
                    "note: {first}; Flux's CRDs are already served, so apply goes on without it"
                );
                Ok(())
            }
            Err(_) => Err(first),
        }
    }

    /// The UID of the `kube-system` namespace, which identifies the cluster.
    pub async fn cluster_id(&self) -> Result<String> {
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(self.client.clone());
        let ns = retry::with_retries(&self.stop, || namespaces.get("kube-system"))
            .await
            .map_err(|e| kube_error("cannot read namespace kube-system", e))?;
        ns.metadata.uid.ok_or_else(|| Error::Connect {
            message: "namespace kube-system has no UID".into(),
        })
    }

    /// Refuses a cluster other than the one `guard` names.
    pub async fn check_guard(&self, guard: Option<&ClusterGuard>) -> Result<()> {
        let Some(guard) = guard else {
            return Err(Error::WrongCluster {
                message: format!(
                    "the cluster definition does not say which cluster it is for; pin it with \
                     `cluster.target(ClusterGuard::KubeSystemUid(\"{}\".into()))` (this cluster's \
                     kube-system UID, also printed by `cargo run -- cluster-id`)",
                    self.cluster_id().await.unwrap_or_else(|_| "<uid>".into())
                ),
            });
        };
        let actual = match guard {
            ClusterGuard::KubeSystemUid(uid) => {
                let actual = self.cluster_id().await?;
                (actual != *uid).then(|| format!("the cluster whose kube-system UID is {actual}"))
            }
            ClusterGuard::Server(url) => (self.server.trim_end_matches('/')
                != url.trim_end_matches('/'))
            .then(|| format!("the API server {}", self.server)),
            ClusterGuard::Context(name) => {
                (self.context.as_deref() != Some(name.as_str())).then(|| match &self.context {
                    Some(c) => format!("kubeconfig context {c:?}"),
                    None => "a connection with no kubeconfig context".into(),
                })
            }
        };
        match actual {
            None => Ok(()),
            Some(actual) => Err(Error::WrongCluster {
                message: format!(
                    "this definition is for {guard}, but the connection is to {actual}; nothing was changed"
                ),
            }),
        }
    }
}

pub(crate) fn kube_error(what: &str, source: kube::Error) -> Error {
    Error::Kube {
        what: what.to_owned(),
        message: describe(&source),
        source,
    }
}

/// One line for a kube error: the server's message for API errors, with conflicts spelled
/// out field by field.
pub fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) if status.code == 409 && status.reason == "Conflict" => {
            let causes = status
                .details
                .as_ref()
                .map(|d| d.causes.as_slice())
                .unwrap_or_default();
            let fields: Vec<String> = causes
                .iter()
                .filter(|c| !c.field.is_empty())
                .map(|c| {
                    let manager = c.message.split('"').nth(1).unwrap_or(&c.message);
                    format!("field {} is owned by manager {manager:?}", c.field)
                })
                .collect();
            if fields.is_empty() {
                format!(
                    "conflict: {}; use --force-conflicts to take ownership",
                    status.message
                )
            } else {
                format!(
                    "conflict: {}; use --force-conflicts to take ownership",
                    fields.join(", ")
                )
            }
        }
        // As kubectl prints it.
        kube::Error::Api(status) if status.reason.is_empty() => {
            format!("Error from server ({}): {}", status.code, status.message)
        }
        kube::Error::Api(status) => {
            format!("Error from server ({}): {}", status.reason, status.message)
        }
        other => crate::error::with_causes(other),
    }
}

/// What went wrong reading a kubeconfig, without the path the caller names already (kube
/// writes it quoted twice: `from '"/x"'`).
fn kubeconfig_error(e: &kube::config::KubeconfigError) -> String {
    match e {
        kube::config::KubeconfigError::ReadConfig(io, _) => io.to_string(),
        other => other.to_string(),
    }
}
