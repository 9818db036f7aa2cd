//! Flux `OCIRepository` (`source.toolkit.fluxcd.io/v1`): an OCI artifact, e.g. a Helm chart
//! or a bundle of manifests in a container registry.

use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::object::{Object, Ref, RefRule, Reference, opt_local_ref, opt_ref_name};
use crate::values::Duration;

crate::object::flux_struct! {
    /// A Flux `OCIRepository`.
    ///
    /// ```
    /// use fluxdsl::{duration, name, namespace, LayerSelector, OciRef, OCIRepository};
    /// let chart = OCIRepository::builder()
    ///     .name(name!("cert-manager"))
    ///     .namespace(namespace!("cert-manager"))
    ///     .url("oci://quay.io/jetstack/charts/cert-manager")
    ///     .reference(OciRef::semver("1.x"))
    ///     .layer_selector(LayerSelector::helm_chart())
    ///     .interval(duration!("24h"))
    ///     .build();
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds an [`OCIRepository`]; `name`, `url` and `interval` are required."),
        build_method(doc = "Finishes the OCIRepository.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct OCIRepository {
        /// `spec.certSecretRef`: TLS client certificate and CA for the registry (same
        /// namespace).
        #[serde(
            serialize_with = "opt_local_ref",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        cert_secret_ref: Option<Ref<Secret>>,
        /// `spec.ignore`: paths to leave out, one `.gitignore` pattern each.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |patterns: &[&str]| Some(patterns.join("\n"))))]
        ignore: Option<String>,
        /// `spec.insecure`: plain HTTP.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        insecure: bool,
        /// `spec.interval`.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.layerSelector`: which layer of the artifact to use and how.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) layer_selector: Option<LayerSelector>,
        /// `spec.provider`: `generic`, `aws`, `azure` or `gcp`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) provider: Option<crate::flux::oci_repository::OciProvider>,
        /// `spec.proxySecretRef`: the proxy to reach the registry through (same namespace).
        #[serde(
            serialize_with = "opt_local_ref",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        proxy_secret_ref: Option<Ref<Secret>>,
        /// `spec.ref`: tag, semver range or digest (`latest` when not set).
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) reference: Option<OciRef>,
        /// `spec.secretRef`: registry credentials (same namespace).
        #[serde(
            serialize_with = "opt_local_ref",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        pub(crate) secret_ref: Option<Ref<Secret>>,
        /// `spec.serviceAccountName`: image pull secrets of this ServiceAccount (same namespace).
        #[serde(
            serialize_with = "opt_ref_name",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |sa: &Ref<ServiceAccount>| Some(sa.clone())))]
        service_account_name: Option<Ref<ServiceAccount>>,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.timeout`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |timeout: impl crate::values::IntoDuration| Some(timeout.into_duration())))]
        pub(crate) timeout: Option<Duration>,
        /// `spec.url`: `oci://registry/repository`.
        #[builder(setter(transform = |url: impl Into<String>| url.into()))]
        url: String,
        /// `spec.verify`: verify the artifact's signature.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) verify: Option<OciVerify>,
    }
}

/// `spec.verify` of an OCIRepository: how source-controller verifies the artifact's
/// signature.
///
/// ```
/// use fluxdsl::{duration, name, OCIRepository, OciVerify};
/// let manifests = OCIRepository::builder()
///     .name(name!("manifests"))
///     .url("oci://ghcr.io/example/manifests")
///     .interval(duration!("1m"))
///     .verify(OciVerify::cosign())
///     .build();
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OciVerify {
    provider: &'static str,
    #[serde(
        serialize_with = "crate::object::opt_local_ref",
        skip_serializing_if = "Option::is_none"
    )]
    secret_ref: Option<Ref<Secret>>,
    #[serde(rename = "matchOIDCIdentity", skip_serializing_if = "Vec::is_empty")]
    match_oidc_identity: Vec<OidcIdentity>,
    #[serde(
        serialize_with = "crate::object::opt_local_ref",
        skip_serializing_if = "Option::is_none"
    )]
    trusted_root_secret_ref: Option<Ref<Secret>>,
}

/// One entry of `verify.matchOIDCIdentity`: regular expressions the keyless signature's
/// certificate must match.
#[derive(Debug, Clone, Serialize)]
struct OidcIdentity {
    issuer: String,
    subject: String,
}

impl OciVerify {
    /// Sigstore cosign, keyless (public Rekor and Fulcio).
    pub fn cosign() -> OciVerify {
        OciVerify {
            provider: "cosign",
            secret_ref: None,
            match_oidc_identity: Vec::new(),
            trusted_root_secret_ref: None,
        }
    }
    /// Notation, with the trust policy and certificates in `secret`.
    pub fn notation(secret: &Ref<Secret>) -> OciVerify {
        OciVerify {
            provider: "notation",
            ..OciVerify::cosign().keys(secret)
        }
    }
    /// With the public keys (cosign) in `secret` (same namespace).
    pub fn keys(mut self, secret: &Ref<Secret>) -> OciVerify {
        self.secret_ref = Some(secret.clone());
        self
    }
    /// Keyless: accept a signature whose certificate's issuer and subject match these
    /// regular expressions (one identity of several).
    pub fn identity(mut self, issuer: impl Into<String>, subject: impl Into<String>) -> OciVerify {
        self.match_oidc_identity.push(OidcIdentity {
            issuer: issuer.into(),
            subject: subject.into(),
        });
        self
    }
    /// Keyless against a private Sigstore: its trusted root (`trusted_root.json`) in
    /// `secret` (same namespace).
    pub fn trusted_root(mut self, secret: &Ref<Secret>) -> OciVerify {
        self.trusted_root_secret_ref = Some(secret.clone());
        self
    }

    /// The keys Secret, as a reference of the holder's namespace in `field`.
    pub(crate) fn secret_reference(&self, field: &'static str) -> Option<Reference> {
        let s = self.secret_ref.as_ref()?;
        Some(s.reference(field, RefRule::SameNamespace))
    }

    /// The trusted-root Secret, as a reference of the holder's namespace in `field`.
    pub(crate) fn trusted_root_reference(&self, field: &'static str) -> Option<Reference> {
        let s = self.trusted_root_secret_ref.as_ref()?;
        Some(s.reference(field, RefRule::SameNamespace))
    }

    /// The settings given beyond `provider` and the keys, by field name.
    pub(crate) fn keyless_settings(&self) -> Vec<&'static str> {
        let mut settings = Vec::new();
        if !self.match_oidc_identity.is_empty() {
            settings.push("matchOIDCIdentity");
        }
        if self.trusted_root_secret_ref.is_some() {
            settings.push("trustedRootSecretRef");
        }
        settings
    }
}

/// `spec.ref` of an OCIRepository.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OciRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    semver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    semver_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
}

impl OciRef {
    /// A tag.
    pub fn tag(tag: &str) -> OciRef {
        OciRef {
            tag: Some(tag.to_owned()),
            ..OciRef::default()
        }
    }
    /// The newest tag in a semver range.
    pub fn semver(range: &str) -> OciRef {
        OciRef {
            semver: Some(range.to_owned()),
            ..OciRef::default()
        }
    }
    /// A digest (`sha256:…`).
    pub fn digest(digest: &str) -> OciRef {
        OciRef {
            digest: Some(digest.to_owned()),
            ..OciRef::default()
        }
    }
    /// Pinned to `digest` (`sha256:…`), as Renovate pins a tag: Flux pulls the digest
    /// whatever the tag or semver range says (the digest takes precedence), which is
    /// kept to say what it is.
    ///
    /// ```
    /// let pinned = fluxdsl::OciRef::tag("6.7.1").at_digest("sha256:4d5b…");
    /// # let _ = pinned;
    /// ```
    pub fn at_digest(mut self, digest: &str) -> OciRef {
        self.digest = Some(digest.to_owned());
        self
    }
    /// Only tags matching this regular expression take part in semver selection.
    pub fn with_semver_filter(mut self, regex: &str) -> OciRef {
        self.semver_filter = Some(regex.to_owned());
        self
    }
}

/// `spec.layerSelector` of an OCIRepository.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSelector {
    media_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'static str>,
}

impl LayerSelector {
    /// The layer of this media type, extracted.
    pub fn extract(media_type: &str) -> LayerSelector {
        LayerSelector {
            media_type: media_type.to_owned(),
            operation: Some("extract"),
        }
    }
    /// The layer of this media type, copied as it is.
    pub fn copy(media_type: &str) -> LayerSelector {
        LayerSelector {
            media_type: media_type.to_owned(),
            operation: Some("copy"),
        }
    }
    /// A Helm chart's content layer, copied (what a HelmRelease `chartRef` needs).
    pub fn helm_chart() -> LayerSelector {
        Self::copy("application/vnd.cncf.helm.chart.content.v1.tar+gzip")
    }
}

crate::object::flux_kind!(
    OCIRepository,
    "source.toolkit.fluxcd.io/v1",
    ["v1", "v1beta2"]
);

impl Object for OCIRepository {
    crate::object::flux_identity!();
    fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        if let Some(s) = &self.secret_ref {
            refs.push(s.reference("spec.secretRef", RefRule::SameNamespace));
        }
        if let Some(sa) = &self.service_account_name {
            refs.push(sa.reference("spec.serviceAccountName", RefRule::SameNamespace));
        }
        if let Some(v) = &self.verify {
            refs.extend(v.secret_reference("spec.verify.secretRef"));
            refs.extend(v.trusted_root_reference("spec.verify.trustedRootSecretRef"));
        }
        refs.extend(
            [
                ("spec.certSecretRef", &self.cert_secret_ref),
                ("spec.proxySecretRef", &self.proxy_secret_ref),
            ]
            .into_iter()
            .filter_map(|(field, s)| Some(s.as_ref()?.reference(field, RefRule::SameNamespace))),
        );
        refs
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        use crate::object::rules;
        rules::found([
            ("spec.url", rules::url(&self.url, &["oci://"])),
            (
                "spec.ref.semver",
                self.reference
                    .as_ref()
                    .and_then(|r| r.semver.as_deref())
                    .and_then(crate::flux::semver::range_problem),
            ),
            (
                "spec.ref.semverFilter",
                self.reference
                    .as_ref()
                    .and_then(|r| r.semver_filter.as_deref())
                    .and_then(|f| crate::flux::semver::filter_problem(f, None))
                    .map(|(_, problem)| problem),
            ),
            (
                "spec.insecure",
                rules::credentials_insecure(
                    self.insecure,
                    self.secret_ref.is_some(),
                    "the registry",
                ),
            ),
            ("spec.interval", rules::interval(self.interval)),
            ("spec.timeout", rules::timeout_without_hours(self.timeout)),
        ])
    }
}

/// `spec.provider` of an OCIRepository or an OCI HelmRepository: where the registry's
/// credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OciProvider {
    /// Credentials from `secretRef` (Flux's default).
    Generic,
    /// Amazon ECR with workload identity.
    Aws,
    /// Azure Container Registry with workload identity.
    Azure,
    /// Google Artifact Registry with workload identity.
    Gcp,
}
