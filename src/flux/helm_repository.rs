//! Flux `HelmRepository` (`source.toolkit.fluxcd.io/v1`): a Helm chart repository, HTTP
//! index or OCI registry.

use k8s_openapi::api::core::v1::Secret;
use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::object::{Object, Ref, RefRule, Reference, opt_local_ref};
use crate::values::Duration;

crate::object::flux_struct! {
    /// A Flux `HelmRepository`.
    ///
    /// ```
    /// use fluxdsl::{duration, name, namespace, HelmRepository};
    /// let podinfo = HelmRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .namespace(namespace!("podinfo"))
    ///     .url("https://stefanprodan.github.io/podinfo")
    ///     .interval(duration!("5m"))
    ///     .build();
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds a [`HelmRepository`]; `name`, `url` and `interval` are required."),
        build_method(doc = "Finishes the HelmRepository.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct HelmRepository {
        /// `spec.accessFrom`: the namespaces, each given by labels it has, whose objects
        /// may refer to this one (`&[&[("team", "a")]]`).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |selectors: &[&[(&str, &str)]]| Some(crate::flux::common::AccessFrom::new(selectors))))]
        access_from: Option<crate::flux::common::AccessFrom>,
        /// `spec.certSecretRef`: TLS client certificate and CA (same namespace).
        #[serde(
            serialize_with = "opt_local_ref",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        cert_secret_ref: Option<Ref<Secret>>,
        /// `spec.insecure`: plain HTTP for an OCI registry.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        insecure: bool,
        /// `spec.interval`.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.passCredentials`: send credentials to chart hosts other than the index's.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        pass_credentials: bool,
        /// `spec.provider`: `generic`, `aws`, `azure` or `gcp` (OCI only).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        provider: Option<crate::flux::oci_repository::OciProvider>,
        /// `spec.secretRef`: credentials (same namespace).
        #[serde(
            serialize_with = "opt_local_ref",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        secret_ref: Option<Ref<Secret>>,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.timeout`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |timeout: impl crate::values::IntoDuration| Some(timeout.into_duration())))]
        pub(crate) timeout: Option<Duration>,
        /// `spec.type: oci`: the URL is an OCI registry.
        #[serde(
            rename = "type",
            skip_serializing_if = "Option::is_none",
            serialize_with = "oci_type"
        )]
        #[builder(default, setter(transform = |oci: bool| oci.then_some(true)))]
        pub(crate) oci: Option<bool>,
        /// `spec.url`: `https://…` for an index, `oci://…` for a registry (with `oci(true)`).
        #[builder(setter(transform = |url: impl Into<String>| url.into()))]
        url: String,
    }
}

fn oci_type<S: serde::Serializer>(_: &Option<bool>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str("oci")
}

crate::object::flux_kind!(
    HelmRepository,
    "source.toolkit.fluxcd.io/v1",
    ["v1", "v1beta2"]
);

impl Object for HelmRepository {
    crate::object::flux_identity!();
    fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        if let Some(s) = &self.secret_ref {
            refs.push(s.reference("spec.secretRef", RefRule::SameNamespace));
        }
        if let Some(s) = &self.cert_secret_ref {
            refs.push(s.reference("spec.certSecretRef", RefRule::SameNamespace));
        }
        refs
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        use crate::object::rules;
        let schemes: &[&str] = if self.oci.is_some() {
            &["oci://"]
        } else {
            &["http://", "https://"]
        };
        let credentials = self.secret_ref.is_some() || self.pass_credentials;
        rules::found([
            ("spec.url", rules::url(&self.url, schemes)),
            (
                "spec.url",
                rules::credentials_over_http(&self.url, credentials),
            ),
            ("spec.interval", rules::interval(self.interval)),
            ("spec.timeout", rules::timeout_without_hours(self.timeout)),
        ])
    }
}
