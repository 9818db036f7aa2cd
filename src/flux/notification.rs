//! Flux's notification kinds (`notification.toolkit.fluxcd.io/v1beta3`): a `Provider` (where
//! notifications go) and an `Alert` (which objects' events go to which Provider).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::object::{
    Kind, Object, Ref, RefRule, Reference, RelativeRef, local_ref, opt_local_ref, opt_ref_name,
};
use crate::values::{Duration, NamespaceName};

/// `spec.type` of a Provider: the service notifications go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ProviderType {
    Slack,
    Discord,
    Msteams,
    Rocket,
    Generic,
    #[serde(rename = "generic-hmac")]
    GenericHmac,
    Github,
    Gitlab,
    Gitea,
    Giteapullrequestcomment,
    Bitbucketserver,
    Bitbucket,
    Azuredevops,
    Googlechat,
    Googlepubsub,
    Webex,
    Sentry,
    Azureeventhub,
    Telegram,
    Lark,
    Matrix,
    Opsgenie,
    Alertmanager,
    Grafana,
    Githubdispatch,
    Githubpullrequestcomment,
    Gitlabmergerequestcomment,
    Pagerduty,
    Datadog,
    Nats,
    Zulip,
    Otel,
}

crate::object::flux_struct! {
    /// A Flux notification `Provider`.
    ///
    /// ```
    /// use fluxdsl::{name, namespace, Provider, ProviderType, Ref};
    /// use fluxdsl::k8s_openapi::api::core::v1::Secret;
    /// let webhook: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("slack-url"));
    /// let slack = Provider::builder()
    ///     .name(name!("slack"))
    ///     .provider_type(ProviderType::Slack)
    ///     .channel("#deployments")
    ///     .secret_ref(&webhook)
    ///     .build();
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds a [`Provider`]; `name` and `provider_type` are required."),
        build_method(doc = "Finishes the Provider.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct Provider {
        /// `spec.address`: the webhook or API address (else from `secretRef`).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |address: impl Into<String>| Some(address.into())))]
        address: Option<String>,
        /// `spec.certSecretRef`: the CA for the address (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        cert_secret_ref: Option<Ref<Secret>>,
        /// `spec.channel`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |channel: impl Into<String>| Some(channel.into())))]
        channel: Option<String>,
        /// `spec.commitStatusExpr`: a CEL expression for the commit status key.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |expr: impl Into<String>| Some(expr.into())))]
        commit_status_expr: Option<String>,
        /// `spec.interval`: deprecated in Flux and not used by `v1beta3`; kept for
        /// repositories that write it.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |interval: impl crate::values::IntoDuration| Some(interval.into_duration())))]
        interval: Option<Duration>,
        /// `spec.proxy`: the proxy's address; deprecated in Flux for `proxy_secret_ref`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |address: impl Into<String>| Some(address.into())))]
        proxy: Option<String>,
        /// `spec.proxySecretRef`: proxy settings (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        proxy_secret_ref: Option<Ref<Secret>>,
        /// `spec.secretRef`: the address or token (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        secret_ref: Option<Ref<Secret>>,
        /// `spec.serviceAccountName`: the ServiceAccount for workload identity.
        #[serde(serialize_with = "opt_ref_name", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |sa: &Ref<ServiceAccount>| Some(sa.clone())))]
        service_account_name: Option<Ref<ServiceAccount>>,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.timeout`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |timeout: impl crate::values::IntoDuration| Some(timeout.into_duration())))]
        timeout: Option<Duration>,
        /// `spec.type`.
        #[serde(rename = "type")]
        provider_type: ProviderType,
        /// `spec.username`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |username: impl Into<String>| Some(username.into())))]
        username: Option<String>,
    }
}

crate::object::flux_kind!(
    Provider,
    "notification.toolkit.fluxcd.io/v1beta3",
    ["v1beta3", "v1beta2"]
);

impl Object for Provider {
    crate::object::flux_identity!();
    fn references(&self) -> Vec<Reference> {
        crate::object::local_references(
            &[
                ("spec.secretRef", &self.secret_ref),
                ("spec.certSecretRef", &self.cert_secret_ref),
                ("spec.proxySecretRef", &self.proxy_secret_ref),
            ],
            &self.service_account_name,
        )
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        use crate::object::rules;
        let address = self
            .address
            .as_deref()
            .and_then(|a| rules::url(a, &["http://", "https://", "nats://"]));
        // A token in secretRef goes to the address with every event: never in clear.
        let in_clear = self
            .address
            .as_deref()
            .and_then(|a| rules::credentials_over_http(a, self.secret_ref.is_some()));
        rules::found([
            ("spec.address", address),
            ("spec.address", in_clear),
            ("spec.timeout", rules::timeout_without_hours(self.timeout)),
        ])
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        use ProviderType::*;
        let commit_status = (self.commit_status_expr.is_some()
            && !matches!(
                self.provider_type,
                Github | Gitlab | Gitea | Bitbucketserver | Bitbucket | Azuredevops
            ))
        .then(|| {
            "spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', \
             'bitbucketserver', 'bitbucket', 'azuredevops' provider types"
                .to_owned()
        });
        let proxy = self
            .proxy
            .as_deref()
            .and_then(|a| crate::object::rules::url(a, &["http://", "https://"]));
        crate::object::rules::found([("spec", commit_status), ("spec.proxy", proxy)])
    }
}

/// A kind whose events an Alert can take (`spec.eventSources[].kind`).
#[diagnostic::on_unimplemented(
    message = "an Alert cannot take events from a `{Self}`",
    label = "not a kind Alert.spec.eventSources accepts",
    note = "event sources are Flux kinds: Bucket, GitRepository, HelmChart, HelmRepository, OCIRepository, ExternalArtifact, ArtifactGenerator, Kustomization, HelmRelease, ImageRepository, ImagePolicy and ImageUpdateAutomation"
)]
pub trait EventSourceKind: Kind {}

impl EventSourceKind for crate::GitRepository {}
impl EventSourceKind for crate::OCIRepository {}
impl EventSourceKind for crate::HelmRepository {}
impl EventSourceKind for crate::Bucket {}
impl EventSourceKind for crate::Kustomization {}
impl EventSourceKind for crate::HelmRelease {}
impl EventSourceKind for crate::ArtifactGenerator {}
impl EventSourceKind for crate::flux::artifact_generator::ExternalArtifact {}

/// One entry of an Alert's `spec.eventSources`: one object by handle, every object of a
/// kind in a namespace (`*`), or those of a kind whose labels match.
#[derive(Debug, Clone)]
pub struct EventSource {
    kind: &'static str,
    /// One object.
    object: Option<RelativeRef>,
    /// `*` in this namespace (the Alert's when `None`).
    namespace: Option<NamespaceName>,
    match_labels: BTreeMap<String, String>,
    /// Write the object's `apiVersion` too.
    with_api_version: bool,
    /// `filter` (a Receiver's resources only).
    filter: Option<String>,
}

impl EventSource {
    /// The events of the object `handle` names.
    pub fn of<K: EventSourceKind>(handle: &Ref<K>) -> EventSource {
        EventSource {
            kind: K::kind(),
            object: Some(RelativeRef::without_kind(handle.target())),
            namespace: None,
            match_labels: BTreeMap::new(),
            with_api_version: false,
            filter: None,
        }
    }

    /// The events of every `K` in the Alert's namespace (`name: "*"`).
    pub fn all<K: EventSourceKind>() -> EventSource {
        EventSource {
            kind: K::kind(),
            object: None,
            namespace: None,
            match_labels: BTreeMap::new(),
            with_api_version: false,
            filter: None,
        }
    }

    /// Every `K` in `namespace` rather than the Alert's.
    pub fn in_namespace(mut self, namespace: &NamespaceName) -> EventSource {
        if self.object.is_none() {
            self.namespace = Some(namespace.clone());
        }
        self
    }

    /// Only the objects (of [`all`](Self::all)) whose labels match these.
    pub fn matching(mut self, labels: &[(&str, &str)]) -> EventSource {
        self.match_labels = crate::values::string_map(labels);
        self
    }

    /// Also write the object's `apiVersion`, the one its handle is written at (one object
    /// of [`of`](Self::of) only: for `*`, the version is the cluster's to decide).
    pub fn with_api_version(mut self) -> EventSource {
        self.with_api_version = true;
        self
    }

    /// A Receiver's resources only: reconcile only the objects for which this CEL
    /// expression holds (`res.metadata.name == 'app'`).
    pub fn filter(mut self, expr: impl Into<String>) -> EventSource {
        self.filter = Some(expr.into());
        self
    }

    /// What is wrong with the entry, as an event source or a resource.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.object.is_some() && !self.match_labels.is_empty() {
            problems.push(
                "matchLabels needs name `*`: use EventSource::all::<K>().matching(..), not \
                 EventSource::of(..)"
                    .to_owned(),
            );
        }
        if self.with_api_version && self.object.is_none() {
            problems.push(format!(
                "with_api_version needs one object (EventSource::of): the version of `*` {} \
                 sources is the cluster's Flux API's to decide",
                self.kind
            ));
        }
        problems
    }
}

impl Serialize for EventSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            api_version: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            filter: Option<&'a str>,
            kind: &'static str,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            match_labels: &'a BTreeMap<String, String>,
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            namespace: Option<&'a str>,
        }
        let (name, namespace) = match &self.object {
            Some(r) => {
                let w = r.wire();
                (w.name, w.namespace)
            }
            None => ("*", self.namespace.as_ref().map(NamespaceName::as_str)),
        };
        Wire {
            api_version: self
                .object
                .as_ref()
                .filter(|_| self.with_api_version)
                .map(|r| r.target.key.api_version),
            filter: self.filter.as_deref(),
            kind: self.kind,
            match_labels: &self.match_labels,
            name,
            namespace,
        }
        .serialize(s)
    }
}

/// `spec.eventSeverity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Every event (Flux's default).
    Info,
    /// Errors only.
    Error,
}

crate::object::flux_struct! {
    /// A Flux notification `Alert`: the events of its sources go to its Provider (a handle,
    /// in the Alert's namespace, as Flux requires).
    ///
    /// ```
    /// use fluxdsl::*;
    /// let mut cluster = Cluster::new("k8s");
    /// let file = cluster.file("alerts.yaml");
    /// let slack = cluster.add(&file, Provider::builder()
    ///     .name(name!("slack"))
    ///     .provider_type(ProviderType::Slack)
    ///     .address("https://hooks.slack.com/services/T000/B000/XXX")
    ///     .build());
    /// cluster.add(&file, Alert::builder()
    ///     .name(name!("on-call"))
    ///     .provider_ref(&slack)
    ///     .event_sources(&[EventSource::all::<Kustomization>(), EventSource::all::<HelmRelease>()])
    ///     .event_severity(Severity::Error)
    ///     .build());
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds an [`Alert`]; `name`, `provider_ref` and `event_sources` are required."),
        build_method(doc = "Finishes the Alert.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct Alert {
        /// `spec.eventMetadata`: added to every event.
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        #[builder(default)]
        event_metadata: BTreeMap<String, String>,
        /// `spec.eventSeverity`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        event_severity: Option<Severity>,
        /// `spec.eventSources`.
        #[builder(setter(transform = |sources: &[EventSource]| sources.to_vec()))]
        event_sources: Vec<EventSource>,
        /// `spec.exclusionList`: regular expressions of messages to drop.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |patterns: &[&str]| patterns.iter().map(|p| p.to_string()).collect()))]
        exclusion_list: Vec<String>,
        /// `spec.inclusionList`: regular expressions of the only messages to send.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |patterns: &[&str]| patterns.iter().map(|p| p.to_string()).collect()))]
        inclusion_list: Vec<String>,
        /// `spec.providerRef`: the Provider (same namespace).
        #[serde(serialize_with = "local_ref")]
        #[builder(setter(transform = |provider: &Ref<Provider>| provider.clone()))]
        provider_ref: Ref<Provider>,
        /// `spec.summary`: deprecated in Flux for `event_metadata`; kept for repositories
        /// that write it.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |summary: impl Into<String>| Some(summary.into())))]
        summary: Option<String>,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
    }
}

crate::object::flux_kind!(
    Alert,
    "notification.toolkit.fluxcd.io/v1beta3",
    ["v1beta3", "v1beta2"]
);

impl Object for Alert {
    crate::object::flux_identity!();
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace).clone();
        for s in &mut self.event_sources {
            if let Some(r) = &mut s.object {
                r.settle(&holder);
            }
        }
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![
            self.provider_ref
                .reference("spec.providerRef", RefRule::SameNamespace),
        ];
        refs.extend(self.event_sources.iter().filter_map(|s| {
            s.object.as_ref().map(|r| Reference {
                field: "spec.eventSources",
                target: Arc::clone(&r.target),
                rule: RefRule::CrossNamespaceAllowed,
            })
        }));
        refs
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        let empty = self
            .event_sources
            .is_empty()
            .then(|| "is empty: an Alert needs at least one event source".to_owned());
        let mut problems = crate::object::rules::found([("spec.eventSources", empty)]);
        for s in &self.event_sources {
            problems.extend(s.problems().into_iter().map(|p| ("spec.eventSources", p)));
        }
        problems
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        self.event_sources
            .iter()
            .filter(|s| s.filter.is_some())
            .map(|_| {
                (
                    "spec.eventSources",
                    "filter is a field of a Receiver's resources, not an Alert's".to_owned(),
                )
            })
            .collect()
    }
}

/// `spec.type` of a Receiver: who calls its webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ReceiverType {
    Generic,
    #[serde(rename = "generic-hmac")]
    GenericHmac,
    #[serde(rename = "generic-oidc")]
    GenericOidc,
    Github,
    Gitlab,
    Bitbucket,
    Harbor,
    Dockerhub,
    Quay,
    Gcr,
    Nexus,
    Acr,
    Cdevents,
}

crate::object::flux_struct! {
    /// A Flux notification `Receiver`: a webhook that makes Flux reconcile its resources
    /// (given like an Alert's event sources) at once.
    ///
    /// ```
    /// use fluxdsl::*;
    /// use fluxdsl::k8s_openapi::api::core::v1::Secret;
    /// let mut cluster = Cluster::new("k8s");
    /// let file = cluster.file("receivers.yaml");
    /// let repo = cluster.add(&file, GitRepository::builder()
    ///     .name(name!("apps"))
    ///     .url("https://github.com/example/apps")
    ///     .reference(GitRef::branch("main"))
    ///     .interval(duration!("1h"))
    ///     .build());
    /// let token: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("webhook-token"));
    /// cluster.add(&file, Receiver::builder()
    ///     .name(name!("github"))
    ///     .receiver_type(ReceiverType::Github)
    ///     .events(&["ping", "push"])
    ///     .secret_ref(&token)
    ///     .resources(&[EventSource::of(&repo)])
    ///     .build());
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds a [`Receiver`]; `name`, `receiver_type` and `resources` are required."),
        build_method(doc = "Finishes the Receiver.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct Receiver {
        /// `spec.events`: the event types it acts on (e.g. `push`).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |events: &[&str]| events.iter().map(|e| e.to_string()).collect()))]
        events: Vec<String>,
        /// `spec.interval`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |interval: impl crate::values::IntoDuration| Some(interval.into_duration())))]
        interval: Option<Duration>,
        /// `spec.oidcProviders`: the issuers whose tokens a `generic-oidc` Receiver accepts.
        #[serde(rename = "oidcProviders", skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |providers: &[OidcProvider]| providers.to_vec()))]
        oidc_providers: Vec<OidcProvider>,
        /// `spec.resourceFilter`: a CEL expression selecting among the resources.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |expr: impl Into<String>| Some(expr.into())))]
        resource_filter: Option<String>,
        /// `spec.resources`: what to reconcile, as an Alert's event sources are given.
        #[builder(setter(transform = |resources: &[EventSource]| resources.to_vec()))]
        resources: Vec<EventSource>,
        /// `spec.secretRef`: the token the webhook's URL is made from (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        secret_ref: Option<Ref<Secret>>,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.type`.
        #[serde(rename = "type")]
        receiver_type: ReceiverType,
    }
}

crate::object::flux_kind!(
    Receiver,
    "notification.toolkit.fluxcd.io/v1",
    ["v1", "v1beta2"]
);

impl Object for Receiver {
    crate::object::flux_identity!();
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace).clone();
        for s in &mut self.resources {
            if let Some(r) = &mut s.object {
                r.settle(&holder);
            }
        }
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = self
            .resources
            .iter()
            .filter_map(|s| {
                s.object.as_ref().map(|r| Reference {
                    field: "spec.resources",
                    target: Arc::clone(&r.target),
                    rule: RefRule::CrossNamespaceAllowed,
                })
            })
            .collect();
        if let Some(s) = &self.secret_ref {
            refs.push(s.reference("spec.secretRef", RefRule::SameNamespace));
        }
        refs
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        let empty = self
            .resources
            .is_empty()
            .then(|| "is empty: a Receiver needs at least one resource".to_owned());
        let mut problems = crate::object::rules::found([("spec.resources", empty)]);
        for s in &self.resources {
            problems.extend(s.problems().into_iter().map(|p| ("spec.resources", p)));
        }
        problems
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        let oidc = matches!(self.receiver_type, ReceiverType::GenericOidc);
        let rule = |broken: bool, message: &str| broken.then(|| message.to_owned());
        crate::object::rules::found([
            (
                "spec",
                rule(
                    oidc && self.oidc_providers.is_empty(),
                    "generic-oidc receivers must define at least one oidcProvider",
                ),
            ),
            (
                "spec",
                rule(
                    !oidc && !self.oidc_providers.is_empty(),
                    "oidcProviders can only be set when type is generic-oidc",
                ),
            ),
            (
                "spec",
                rule(
                    oidc && self.secret_ref.is_some(),
                    "secretRef cannot be set when type is generic-oidc",
                ),
            ),
            (
                "spec",
                rule(
                    !oidc && self.secret_ref.is_none(),
                    "secretRef is required when type is not generic-oidc: the webhook's URL and \
                 its authentication come from a token Secret",
                ),
            ),
        ])
        .into_iter()
        .chain(
            self.oidc_providers
                .iter()
                .filter_map(|p| Some(("spec.oidcProviders", p.problem()?))),
        )
        .collect()
    }
}

/// One entry of a Receiver's `spec.oidcProviders`: an issuer whose tokens are accepted when
/// every validation (a CEL expression over the token's `claims` and the variables) holds.
///
/// ```
/// use fluxdsl::OidcProvider;
/// let github_actions = OidcProvider::new("https://token.actions.githubusercontent.com")
///     .audience("flux")
///     .variable("repo", "claims.repository")
///     .validation("variables.repo == 'example/apps'", "only example/apps may call");
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct OidcProvider {
    #[serde(skip_serializing_if = "Option::is_none")]
    audience: Option<String>,
    #[serde(rename = "issuerURL")]
    issuer_url: String,
    validations: Vec<OidcValidation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    variables: Vec<OidcVariable>,
}

#[derive(Debug, Clone, Serialize)]
struct OidcValidation {
    expression: String,
    message: String,
}

#[derive(Debug, Clone, Serialize)]
struct OidcVariable {
    expression: String,
    name: String,
}

impl OidcProvider {
    /// Tokens issued by `issuer_url` (`https://…`); give it at least one validation.
    pub fn new(issuer_url: impl Into<String>) -> OidcProvider {
        OidcProvider {
            audience: None,
            issuer_url: issuer_url.into(),
            validations: Vec::new(),
            variables: Vec::new(),
        }
    }
    /// `audience`: the token's `aud` must be this.
    pub fn audience(mut self, audience: impl Into<String>) -> OidcProvider {
        self.audience = Some(audience.into());
        self
    }
    /// `validations[]`: `expression` must hold, else the call is refused with `message`.
    pub fn validation(
        mut self,
        expression: impl Into<String>,
        message: impl Into<String>,
    ) -> OidcProvider {
        self.validations.push(OidcValidation {
            expression: expression.into(),
            message: message.into(),
        });
        self
    }
    /// `variables[]`: `variables.<name>` is `expression`, for the validations to read.
    pub fn variable(
        mut self,
        name: impl Into<String>,
        expression: impl Into<String>,
    ) -> OidcProvider {
        self.variables.push(OidcVariable {
            expression: expression.into(),
            name: name.into(),
        });
        self
    }

    fn problem(&self) -> Option<String> {
        if let Some(problem) = crate::object::rules::url(&self.issuer_url, &["https://", "http://"])
        {
            return Some(format!("issuer {problem}"));
        }
        self.validations.is_empty().then(|| {
            format!(
                "issuer {:?} has no validation: Flux needs at least one",
                self.issuer_url
            )
        })
    }
}
