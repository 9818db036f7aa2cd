//! Bootstrap Secrets: checked before anything changes, created after the Namespaces.
//!
//! Values never reach `out`, an error or a log: lines name the Secret, and comparisons are
//! made on the bytes without showing them.

use std::collections::BTreeMap;
use std::io::Write;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, Patch, PatchParams};

use super::{ApplyReport, FIELD_MANAGER, Outcome, Session, kube_error, retry};
use crate::error::{Error, Result};
use crate::model::bootstrap::BootstrapSecret;
use crate::model::cluster::Cluster;

/// What apply will do with one bootstrap Secret, decided before any change.
pub(crate) struct Planned<'a> {
    secret: &'a BootstrapSecret,
    /// The values given on the command line, if any.
    values: Option<BTreeMap<String, Vec<u8>>>,
    /// Whether it exists in the cluster now.
    exists: bool,
}

/// Checks every bootstrap Secret before anything changes: values named on the command line
/// belong to a declared Secret and are complete and readable; a Secret given no values
/// already exists in the cluster.
pub(crate) async fn plan<'a>(
    session: &Session<'_>,
    cluster: &'a Cluster,
) -> Result<Vec<Planned<'a>>> {
    let inputs = &session.opts.secrets;
    let declared: Vec<&BootstrapSecret> = cluster.bootstrap_secrets().collect();
    if let Some(unknown) = inputs
        .secrets()
        .find(|id| !declared.iter().any(|s| s.id() == *id))
    {
        let known: Vec<String> = declared.iter().map(|s| s.id()).collect();
        return Err(Error::SecretInput {
            secret: unknown.to_owned(),
            message: format!(
                "the definition declares no such bootstrap Secret (it declares: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        });
    }
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for secret in declared {
        let exists = live(session, secret).await?.is_some();
        let values = if inputs.mentions(&secret.id()) {
            inputs.read(secret).map(Some)
        } else if exists {
            Ok(None)
        } else {
            // Nothing given and nothing there: read() names every missing key.
            inputs.read(secret).map(Some).map_err(|e| match e {
                Error::SecretInput { secret, message } => Error::SecretInput {
                    secret,
                    message: format!("it does not exist in the cluster yet, and {message}"),
                },
                other => other,
            })
        };
        match values {
            Ok(values) => plans.push(Planned {
                secret,
                values,
                exists,
            }),
            Err(e) => problems.push(e),
        }
    }
    match problems.len() {
        0 => Ok(plans),
        1 => Err(problems.remove(0)),
        _ => Err(Error::SecretInputs {
            problems: problems.iter().map(ToString::to_string).collect(),
        }),
    }
}

fn api(session: &Session<'_>, secret: &BootstrapSecret) -> Api<Secret> {
    Api::namespaced(session.client.clone(), secret.namespace().as_str())
}

async fn live(session: &Session<'_>, secret: &BootstrapSecret) -> Result<Option<Secret>> {
    let api = api(session, secret);
    retry::with_retries(&session.stop, || api.get_opt(secret.name().as_str()))
        .await
        .map_err(|e| kube_error(&format!("secret/{}", secret.name().as_str()), e))
}

/// Creates the Secrets that do not exist, leaves alone (and reports) those that exist
/// with other content unless `replace_secrets`, and reports the rest unchanged.
pub(crate) async fn apply(
    session: &Session<'_>,
    plans: &[Planned<'_>],
    report: &mut ApplyReport,
    out: &mut dyn Write,
) {
    for plan in plans {
        let outcome = outcome(session, plan).await;
        let object = super::ObjectId {
            api_version: "v1".into(),
            kind: "Secret".into(),
            namespace: Some(plan.secret.namespace().as_str().to_owned()),
            name: plan.secret.name().as_str().to_owned(),
        };
        session.record(object, outcome, report, out);
    }
}

async fn outcome(session: &Session<'_>, plan: &Planned<'_>) -> Outcome {
    if session.stop.is_cancelled() {
        return Outcome::NotApplied;
    }
    let Some(values) = &plan.values else {
        return Outcome::Unchanged;
    };
    if session.opts.dry_run && session.is_new_namespace(plan.secret.namespace().as_str()) {
        return Outcome::Skipped(format!(
            "its namespace {} is created by this apply and does not exist yet",
            plan.secret.namespace().as_str()
        ));
    }
    let live = match live(session, plan.secret).await {
        Ok(live) => live,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let want: BTreeMap<String, ByteString> = values
        .iter()
        .map(|(k, v)| (k.clone(), ByteString(v.clone())))
        .collect();
    if let Some(live) = &live {
        if live.data.as_ref() == Some(&want) {
            return Outcome::Unchanged;
        }
        if !session.opts.replace_secrets {
            return Outcome::Skipped(
                "it exists with other content and is left alone; pass --replace-secrets to \
                 replace it with the values given"
                    .into(),
            );
        }
    }
    let body = Secret {
        metadata: ObjectMeta {
            name: Some(plan.secret.name().as_str().to_owned()),
            namespace: Some(plan.secret.namespace().as_str().to_owned()),
            ..ObjectMeta::default()
        },
        type_: Some("Opaque".into()),
        data: Some(want),
        ..Secret::default()
    };
    let mut params = PatchParams::apply(FIELD_MANAGER).force();
    if session.opts.dry_run {
        params = params.dry_run();
    }
    let api = api(session, plan.secret);
    let patch = Patch::Apply(&body);
    match retry::with_retries(&session.stop, || {
        api.patch(plan.secret.name().as_str(), &params, &patch)
    })
    .await
    {
        Ok(_) if live.is_some() || plan.exists => Outcome::Configured,
        Ok(_) => Outcome::Created,
        // The server's message for a Secret never quotes its data.
        Err(e) => Outcome::Failed(super::describe(&e)),
    }
}
