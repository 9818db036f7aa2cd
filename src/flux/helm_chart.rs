//! Flux `HelmChart` (`source.toolkit.fluxcd.io/v1`): a chart pulled from a HelmRepository,
//! GitRepository or Bucket and packaged as an artifact, for a HelmRelease's `chartRef`.

use std::sync::Arc;

use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::flux::helm_release::HelmChartSource;
use crate::object::{Object, Ref, RefRule, Reference, Target};
use crate::values::Duration;

/// `spec.sourceRef` of a HelmChart: a source in the chart's namespace.
#[derive(Debug, Clone)]
pub struct ChartSource {
    target: Arc<Target>,
}

impl ChartSource {
    fn of<K: HelmChartSource>(source: &Ref<K>) -> ChartSource {
        ChartSource {
            target: Arc::clone(source.target()),
        }
    }
}

impl Serialize for ChartSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            kind: &'static str,
            name: &'a str,
        }
        Wire {
            kind: self.target.key.kind,
            name: &self.target.key.name,
        }
        .serialize(s)
    }
}

/// `spec.reconcileStrategy` of a HelmChart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReconcileStrategy {
    /// A new artifact when the chart's version changes (Flux's default).
    ChartVersion,
    /// A new artifact for every revision of the source.
    Revision,
}

crate::object::flux_struct! {
    /// A Flux `HelmChart`.
    ///
    /// ```
    /// use fluxdsl::*;
    /// let mut cluster = Cluster::new("k8s");
    /// let file = cluster.file("charts.yaml");
    /// let repo = cluster.add(&file, HelmRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .url("https://stefanprodan.github.io/podinfo")
    ///     .interval(duration!("1h"))
    ///     .build());
    /// let chart = cluster.add(&file, HelmChart::builder()
    ///     .name(name!("podinfo"))
    ///     .chart("podinfo")
    ///     .source_ref(&repo)
    ///     .version("6.x")
    ///     .interval(duration!("10m"))
    ///     .build());
    /// cluster.add(&file, HelmRelease::builder()
    ///     .name(name!("podinfo"))
    ///     .chart(Chart::from_ref(&chart))
    ///     .interval(duration!("1h"))
    ///     .build());
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds a [`HelmChart`]; `name`, `chart`, `source_ref` and `interval` are required."),
        build_method(doc = "Finishes the HelmChart.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct HelmChart {
        /// `spec.chart`: the chart's name in a HelmRepository, or its path in a
        /// GitRepository or Bucket.
        #[builder(setter(transform = |chart: impl Into<String>| chart.into()))]
        chart: String,
        /// `spec.ignoreMissingValuesFiles`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        ignore_missing_values_files: bool,
        /// `spec.interval`.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.reconcileStrategy`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        reconcile_strategy: Option<ReconcileStrategy>,
        /// `spec.sourceRef`: the HelmRepository, GitRepository or Bucket (same namespace).
        #[builder(setter(
            fn transform<K: HelmChartSource>(source: &Ref<K>) -> ChartSource {
                ChartSource::of(source)
            }
        ))]
        source_ref: ChartSource,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.valuesFiles`: values files merged, in order, into the chart's.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |files: &[&str]| files.iter().map(|f| f.to_string()).collect()))]
        values_files: Vec<String>,
        /// `spec.version`: a semver range (HelmRepository sources).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |range: impl Into<String>| Some(range.into())))]
        version: Option<String>,
        /// `spec.verify`: verify the chart's signature (an OCI HelmRepository only): cosign
        /// with keys or keyless identities, or notation. A trusted root is refused: the
        /// HelmChart has no such field.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        verify: Option<crate::OciVerify>,
    }
}

crate::object::flux_kind!(HelmChart, "source.toolkit.fluxcd.io/v1", ["v1", "v1beta2"]);

impl Object for HelmChart {
    crate::object::flux_identity!();
    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference {
            field: "spec.sourceRef",
            target: Arc::clone(&self.source_ref.target),
            rule: RefRule::SameNamespace,
        }];
        if let Some(v) = &self.verify {
            refs.extend(v.secret_reference("spec.verify.secretRef"));
        }
        refs
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        use crate::object::rules;
        let chart = self
            .chart
            .trim()
            .is_empty()
            .then(|| "is empty: name the chart (or its path in the source)".to_owned());
        rules::found([
            ("spec.chart", chart),
            ("spec.interval", rules::interval(self.interval)),
        ])
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        let trusted_root = self
            .verify
            .as_ref()
            .filter(|v| v.keyless_settings().contains(&"trustedRootSecretRef"))
            .map(|_| "trustedRootSecretRef is not a field of a HelmChart's verify".to_owned());
        let verify = (self.verify.is_some() && self.source_ref.target.key.kind != "HelmRepository")
            .then(|| {
                "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'"
                    .to_owned()
            });
        crate::object::rules::found([("spec.verify", trusted_root), ("spec", verify)])
    }
}

impl crate::flux::helm_release::HelmChartRefSource for HelmChart {}
impl crate::GeneratorSource for HelmChart {}
impl crate::EventSourceKind for HelmChart {}
