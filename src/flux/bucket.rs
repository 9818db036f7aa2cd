//! Flux `Bucket` (`source.toolkit.fluxcd.io/v1`): an S3-compatible, GCS or Azure Blob
//! bucket whose objects source-controller packages as an artifact.

use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::object::{Object, Ref, Reference, opt_local_ref, opt_ref_name};
use crate::values::Duration;

/// `spec.provider` of a Bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BucketProvider {
    /// Any S3-compatible API (Flux's default).
    Generic,
    /// Amazon S3, with the controller's AWS identity.
    Aws,
    /// Google Cloud Storage.
    Gcp,
    /// Azure Blob Storage.
    Azure,
}

crate::object::flux_struct! {
    /// A Flux `Bucket`: Kustomizations, HelmReleases (chart templates) and
    /// ArtifactGenerators build from its handle.
    ///
    /// ```
    /// use fluxdsl::{duration, name, Bucket, BucketProvider};
    /// let manifests = Bucket::builder()
    ///     .name(name!("manifests"))
    ///     .bucket_name("fleet-manifests")
    ///     .endpoint("s3.amazonaws.com")
    ///     .provider(BucketProvider::Aws)
    ///     .region("eu-west-1")
    ///     .interval(duration!("5m"))
    ///     .build();
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds a [`Bucket`]; `name`, `bucket_name`, `endpoint` and `interval` are required."),
        build_method(doc = "Finishes the Bucket.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct Bucket {
        /// `spec.bucketName`.
        #[builder(setter(transform = |name: impl Into<String>| name.into()))]
        bucket_name: String,
        /// `spec.certSecretRef`: TLS client certificate and CA (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        cert_secret_ref: Option<Ref<Secret>>,
        /// `spec.endpoint`: the API's host (`s3.amazonaws.com`, `minio.example.com:9000`).
        #[builder(setter(transform = |endpoint: impl Into<String>| endpoint.into()))]
        endpoint: String,
        /// `spec.ignore`: paths to leave out of the artifact, one `.gitignore` pattern each.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |patterns: &[&str]| Some(patterns.join("\n"))))]
        ignore: Option<String>,
        /// `spec.insecure`: plain HTTP to the endpoint.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        insecure: bool,
        /// `spec.interval`.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.prefix`: only objects whose key starts with it.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |prefix: impl Into<String>| Some(prefix.into())))]
        prefix: Option<String>,
        /// `spec.provider`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        provider: Option<BucketProvider>,
        /// `spec.proxySecretRef`: the Secret with proxy settings (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        proxy_secret_ref: Option<Ref<Secret>>,
        /// `spec.region`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |region: impl Into<String>| Some(region.into())))]
        region: Option<String>,
        /// `spec.secretRef`: credentials (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        secret_ref: Option<Ref<Secret>>,
        /// `spec.serviceAccountName`: the ServiceAccount for the provider's workload identity.
        #[serde(serialize_with = "opt_ref_name", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |sa: &Ref<ServiceAccount>| Some(sa.clone())))]
        service_account_name: Option<Ref<ServiceAccount>>,
        /// `spec.sts`: temporary credentials from a Security Token Service.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        sts: Option<BucketSts>,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.timeout`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |timeout: impl crate::values::IntoDuration| Some(timeout.into_duration())))]
        timeout: Option<Duration>,
    }
}

crate::object::flux_kind!(Bucket, "source.toolkit.fluxcd.io/v1", ["v1", "v1beta2"]);

impl Object for Bucket {
    crate::object::flux_identity!();
    fn references(&self) -> Vec<Reference> {
        let none = None;
        let (sts_secret, sts_cert) = match &self.sts {
            Some(sts) => (&sts.secret_ref, &sts.cert_secret_ref),
            None => (&none, &none),
        };
        crate::object::local_references(
            &[
                ("spec.secretRef", &self.secret_ref),
                ("spec.certSecretRef", &self.cert_secret_ref),
                ("spec.proxySecretRef", &self.proxy_secret_ref),
                ("spec.sts.secretRef", sts_secret),
                ("spec.sts.certSecretRef", sts_cert),
            ],
            &self.service_account_name,
        )
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        use crate::object::rules;
        let endpoint = match crate::sops::credentials_in_address(&self.endpoint) {
            // First, and without the endpoint: it holds a secret.
            Some(what) => Some(crate::sops::address_problem(what)),
            None => (self.endpoint.contains("://")
                || self.endpoint.is_empty()
                || self.endpoint.chars().any(char::is_whitespace))
            .then(|| {
                format!(
                    "{:?} is not an endpoint: write the host (and port) alone, without a scheme \
                 (insecure(true) for plain HTTP)",
                    self.endpoint
                )
            }),
        };
        let credentials =
            rules::credentials_insecure(self.insecure, self.secret_ref.is_some(), "the endpoint");
        rules::found([
            ("spec.endpoint", endpoint),
            ("spec.insecure", credentials),
            ("spec.interval", rules::interval(self.interval)),
            ("spec.timeout", rules::timeout_without_hours(self.timeout)),
        ])
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        let provider = self.provider.unwrap_or(BucketProvider::Generic);
        let sts = self.sts.as_ref().map(|s| s.provider);
        let rule = |broken: bool, message: &str| broken.then(|| message.to_owned());
        crate::object::rules::found([
            (
                "spec.sts",
                self.sts.as_ref().and_then(BucketSts::endpoint_problem),
            ),
            (
                "spec",
                rule(
                    sts.is_some()
                        && !matches!(provider, BucketProvider::Aws | BucketProvider::Generic),
                    "STS configuration is only supported for the 'aws' and 'generic' Bucket providers",
                ),
            ),
            (
                "spec",
                rule(
                    provider == BucketProvider::Aws && sts.is_some_and(|s| s != "aws"),
                    "'aws' is the only supported STS provider for the 'aws' Bucket provider",
                ),
            ),
            (
                "spec",
                rule(
                    provider == BucketProvider::Generic && sts.is_some_and(|s| s != "ldap"),
                    "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
                ),
            ),
            (
                "spec",
                rule(
                    self.sts
                        .as_ref()
                        .is_some_and(|s| s.provider == "aws" && s.cert_secret_ref.is_some()),
                    "spec.sts.certSecretRef is not required for the 'aws' STS provider",
                ),
            ),
            (
                "spec",
                rule(
                    provider == BucketProvider::Generic && self.service_account_name.is_some(),
                    "ServiceAccountName is not supported for the 'generic' Bucket provider",
                ),
            ),
            (
                "spec",
                rule(
                    self.secret_ref.is_some() && self.service_account_name.is_some(),
                    "cannot set both .spec.secretRef and .spec.serviceAccountName",
                ),
            ),
        ])
    }
}

impl crate::KustomizationSource for Bucket {}
impl crate::HelmChartSource for Bucket {}
impl crate::GeneratorSource for Bucket {}

/// `spec.sts` of a Bucket: where source-controller gets temporary credentials.
///
/// ```
/// use fluxdsl::{duration, name, namespace, Bucket, BucketProvider, BucketSts, Ref};
/// use fluxdsl::k8s_openapi::api::core::v1::Secret;
/// let ldap: Ref<Secret> = Ref::existing(&namespace!("flux-system"), name!("ldap-credentials"));
/// let bucket = Bucket::builder()
///     .name(name!("manifests"))
///     .bucket_name("manifests")
///     .endpoint("minio.example.com")
///     .provider(BucketProvider::Generic)
///     .sts(BucketSts::ldap("https://minio.example.com", &ldap))
///     .interval(duration!("5m"))
///     .build();
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct BucketSts {
    provider: &'static str,
    endpoint: String,
    #[serde(
        serialize_with = "opt_local_ref",
        skip_serializing_if = "Option::is_none"
    )]
    secret_ref: Option<Ref<Secret>>,
    #[serde(
        serialize_with = "opt_local_ref",
        skip_serializing_if = "Option::is_none"
    )]
    cert_secret_ref: Option<Ref<Secret>>,
}

impl BucketSts {
    /// AWS STS at `endpoint` (`https://…`), for a Bucket of provider `aws`.
    pub fn aws(endpoint: impl Into<String>) -> BucketSts {
        BucketSts {
            provider: "aws",
            endpoint: endpoint.into(),
            secret_ref: None,
            cert_secret_ref: None,
        }
    }
    /// MinIO's LDAP STS at `endpoint`, with the LDAP credentials in `credentials` (same
    /// namespace), for a Bucket of provider `generic`.
    pub fn ldap(endpoint: impl Into<String>, credentials: &Ref<Secret>) -> BucketSts {
        BucketSts {
            provider: "ldap",
            secret_ref: Some(credentials.clone()),
            ..BucketSts::aws(endpoint)
        }
    }
    /// The STS endpoint's CA and client certificate (same namespace).
    pub fn cert_secret_ref(mut self, secret: &Ref<Secret>) -> BucketSts {
        self.cert_secret_ref = Some(secret.clone());
        self
    }

    fn endpoint_problem(&self) -> Option<String> {
        crate::object::rules::url(&self.endpoint, &["https://", "http://"])
            .map(|problem| format!("endpoint {problem}"))
    }
}
