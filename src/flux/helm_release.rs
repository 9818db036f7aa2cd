//! Flux `HelmRelease` (`helm.toolkit.fluxcd.io/v2`): a Helm chart installed and upgraded
//! by helm-controller.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use serde::Serialize;
use serde_json::Value;
use typed_builder::TypedBuilder;

use crate::flux::common::{Dependency, DriftIgnore, HealthCheckExpr, IntoDependency};
use crate::flux::kustomization::{CommonMetadata, Image, Patch};
use crate::object::{
    FluxRef, Kind, Object, Ref, RefRule, Reference, RelativeRef, Target, opt_ref_name,
};
use crate::values::{Duration, NamespaceName};

/// A source a HelmRelease's chart template (`spec.chart.spec.sourceRef`) can come from.
#[diagnostic::on_unimplemented(
    message = "a HelmRelease chart template cannot take its chart from `{Self}`",
    label = "not a source kind that HelmRelease.spec.chart.spec.sourceRef accepts",
    note = "spec.chart.spec.sourceRef accepts a HelmRepository, GitRepository or Bucket; for an OCIRepository, HelmChart or ExternalArtifact use `Chart::from_ref`"
)]
pub trait HelmChartSource: Kind {}

impl HelmChartSource for crate::HelmRepository {}
impl HelmChartSource for crate::GitRepository {}

/// A source a HelmRelease's `spec.chartRef` can name.
#[diagnostic::on_unimplemented(
    message = "a HelmRelease `chartRef` cannot name a `{Self}`",
    label = "not a kind that HelmRelease.spec.chartRef accepts",
    note = "spec.chartRef accepts an OCIRepository, HelmChart or ExternalArtifact; for a HelmRepository use `Chart::from_source`"
)]
pub trait HelmChartRefSource: Kind {}

impl HelmChartRefSource for crate::OCIRepository {}
impl HelmChartRefSource for crate::ExternalArtifact {}

/// What a HelmRelease can depend on (`spec.dependsOn`): only other HelmReleases.
#[diagnostic::on_unimplemented(
    message = "a HelmRelease can depend only on other HelmReleases, not on a `{Self}`",
    label = "HelmRelease.spec.dependsOn needs a Ref<HelmRelease>",
    note = "to order a HelmRelease after a Kustomization, make the Kustomization that applies it depend on that Kustomization"
)]
pub trait HelmReleaseDependency: Kind {}

impl HelmReleaseDependency for HelmRelease {}

/// The chart of a HelmRelease: a [`ChartTemplate`] (`spec.chart`, from
/// [`Chart::from_source`]) or a [`ChartRef`] (`spec.chartRef`, from [`Chart::from_ref`]).
/// The two are distinct types, so a setting only a template has cannot be given to a
/// reference:
///
/// ```compile_fail
/// # use fluxdsl::*;
/// # let mut cluster = Cluster::new("t");
/// # let f = cluster.file("a.yaml");
/// # let oci = cluster.add(&f, OCIRepository::builder().name(name!("a"))
/// #     .url("oci://ghcr.io/a/b").interval(duration!("1m")).build());
/// // An OCIRepository holds one chart artifact: it has no version range to pick.
/// let chart = Chart::from_ref(&oci).version("1.x");
/// ```
#[derive(Debug, Clone)]
pub enum Chart {
    /// `spec.chart`.
    Template(ChartTemplate),
    /// `spec.chartRef`.
    Ref(ChartRef),
}

/// `spec.chart`: `chart` (name or path) at `version` from a HelmRepository, GitRepository
/// or Bucket; made by [`Chart::from_source`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ChartTemplate {
    source: RelativeRef,
    chart: String,
    version: Option<String>,
    interval: Option<Duration>,
    reconcile_strategy: Option<&'static str>,
    values_files: Vec<String>,
    ignore_missing_values_files: bool,
    verify: Option<Box<crate::OciVerify>>,
    metadata: Option<Box<CommonMetadata>>,
}

/// `spec.chartRef`: the chart an OCIRepository, HelmChart or ExternalArtifact holds; made
/// by [`Chart::from_ref`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ChartRef {
    source: RelativeRef,
}

impl ChartRef {
    /// Writes the source's `namespace` even when it is the release's own (see
    /// [`ChartTemplate::with_namespace`]).
    pub fn with_namespace(mut self) -> ChartRef {
        self.source.write_namespace();
        self
    }
}

impl Chart {
    /// Chart `chart` from a HelmRepository, GitRepository or Bucket.
    pub fn from_source<K: HelmChartSource>(source: &Ref<K>, chart: &str) -> ChartTemplate {
        ChartTemplate {
            source: RelativeRef::with_kind(source.target()),
            chart: chart.to_owned(),
            version: None,
            interval: None,
            reconcile_strategy: None,
            values_files: Vec::new(),
            ignore_missing_values_files: false,
            verify: None,
            metadata: None,
        }
    }

    /// The chart an OCIRepository, HelmChart or ExternalArtifact holds.
    pub fn from_ref<K: HelmChartRefSource>(source: &Ref<K>) -> ChartRef {
        ChartRef {
            source: RelativeRef::with_kind(source.target()),
        }
    }

    fn source(&self) -> &Arc<Target> {
        match self {
            Chart::Template(t) => &t.source.target,
            Chart::Ref(r) => &r.source.target,
        }
    }

    fn relative_source(&mut self) -> &mut RelativeRef {
        match self {
            Chart::Template(t) => &mut t.source,
            Chart::Ref(r) => &mut r.source,
        }
    }
}

impl ChartTemplate {
    /// Writes the source's `namespace` even when it is the release's own, as many
    /// repositories do (Flux reads both alike; written, the reference keeps naming that
    /// namespace when an overlay moves the release).
    pub fn with_namespace(mut self) -> ChartTemplate {
        self.source.write_namespace();
        self
    }

    /// Only versions in this semver range.
    pub fn version(mut self, range: &str) -> ChartTemplate {
        self.version = Some(range.to_owned());
        self
    }

    /// How often the generated HelmChart checks for new versions.
    pub fn interval(mut self, every: Duration) -> ChartTemplate {
        self.interval = Some(every);
        self
    }

    /// `reconcileStrategy` said explicitly (`ChartVersion` is Flux's default).
    pub fn reconcile_strategy(
        mut self,
        strategy: crate::source::ReconcileStrategy,
    ) -> ChartTemplate {
        self.reconcile_strategy = Some(match strategy {
            crate::source::ReconcileStrategy::ChartVersion => "ChartVersion",
            crate::source::ReconcileStrategy::Revision => "Revision",
        });
        self
    }

    /// Rebuild the chart on every source revision, not only on a new chart version.
    pub fn reconcile_on_revision(mut self) -> ChartTemplate {
        self.reconcile_strategy = Some("Revision");
        self
    }

    /// Values files inside the chart, merged in order.
    pub fn values_files(mut self, files: &[&str]) -> ChartTemplate {
        self.values_files = files.iter().map(|f| f.to_string()).collect();
        self
    }

    /// Values files missing from the chart are skipped instead of failing.
    pub fn ignore_missing_values_files(mut self) -> ChartTemplate {
        self.ignore_missing_values_files = true;
        self
    }

    /// Verify the chart's signature (an OCI HelmRepository only): cosign or notation, with
    /// the keys in a Secret of the HelmRelease's namespace. Only `provider` and `secretRef`
    /// exist here; OIDC identities and a trusted root are refused.
    pub fn verify(mut self, verify: crate::OciVerify) -> ChartTemplate {
        self.verify = Some(Box::new(verify));
        self
    }

    /// `spec.chart.metadata`: labels and annotations of the HelmChart helm-controller
    /// creates.
    pub fn metadata(mut self, metadata: CommonMetadata) -> ChartTemplate {
        self.metadata = Some(Box::new(metadata));
        self
    }

    fn wire(&self) -> ChartWire<'_> {
        ChartWire {
            metadata: self.metadata.as_deref(),
            spec: ChartSpecWire {
                chart: &self.chart,
                source_ref: self.source.wire(),
                version: self.version.as_deref(),
                ignore_missing_values_files: self.ignore_missing_values_files,
                interval: self.interval.as_ref(),
                reconcile_strategy: self.reconcile_strategy,
                values_files: &self.values_files,
                verify: self.verify.as_deref(),
            },
        }
    }
}

/// `spec.chart` as written.
#[derive(Serialize)]
struct ChartWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a CommonMetadata>,
    spec: ChartSpecWire<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChartSpecWire<'a> {
    chart: &'a str,
    source_ref: FluxRef<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ignore_missing_values_files: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<&'a Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reconcile_strategy: Option<&'static str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    values_files: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<&'a crate::OciVerify>,
}

/// `chart` or `chartRef`, whichever the chart is.
impl Serialize for Chart {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        match self {
            Chart::Template(t) => m.serialize_entry("chart", &t.wire())?,
            Chart::Ref(r) => m.serialize_entry("chartRef", &r.source)?,
        }
        m.end()
    }
}

impl From<ChartTemplate> for Chart {
    fn from(t: ChartTemplate) -> Chart {
        Chart::Template(t)
    }
}

impl From<ChartRef> for Chart {
    fn from(r: ChartRef) -> Chart {
        Chart::Ref(r)
    }
}

/// One entry of `spec.valuesFrom`: values from a ConfigMap or Secret (same namespace).
#[derive(Debug, Clone)]
pub struct ValuesFrom {
    target: Arc<Target>,
    values_key: Option<String>,
    target_path: Option<String>,
    optional: bool,
    literal: bool,
}

impl ValuesFrom {
    /// Values from a ConfigMap (key `values.yaml` unless `key` says otherwise).
    pub fn config_map(config_map: &Ref<ConfigMap>) -> ValuesFrom {
        Self::of(Arc::clone(config_map.target()))
    }
    /// Values from a Secret.
    pub fn secret(secret: &Ref<Secret>) -> ValuesFrom {
        Self::of(Arc::clone(secret.target()))
    }
    fn of(target: Arc<Target>) -> ValuesFrom {
        ValuesFrom {
            target,
            values_key: None,
            target_path: None,
            optional: false,
            literal: false,
        }
    }
    /// The key holding the values.
    pub fn key(mut self, key: &str) -> ValuesFrom {
        self.values_key = Some(key.to_owned());
        self
    }
    /// Set the key's value at this path of the values (e.g. `auth.password`).
    pub fn target_path(mut self, path: &str) -> ValuesFrom {
        self.target_path = Some(path.to_owned());
        self
    }
    /// Do not fail when the object or key is missing.
    pub fn optional(mut self) -> ValuesFrom {
        self.optional = true;
        self
    }
    /// With [`target_path`](Self::target_path): set the value as it is, without reading
    /// Helm's `--set` syntax (commas, brackets, dots), like `helm --set-literal`.
    pub fn literal(mut self) -> ValuesFrom {
        self.literal = true;
        self
    }
}

impl Serialize for ValuesFrom {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            kind: &'static str,
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            values_key: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            target_path: Option<&'a str>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            optional: bool,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            literal: bool,
        }
        Wire {
            kind: self.target.key.kind,
            name: &self.target.key.name,
            values_key: self.values_key.as_deref(),
            target_path: self.target_path.as_deref(),
            optional: self.optional,
            literal: self.literal,
        }
        .serialize(s)
    }
}

/// What helm-controller does when an install or upgrade fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Remediate (uninstall or roll back) and retry up to `retries` times.
    RemediateOnFailure {
        /// Retries; negative for unlimited.
        retries: i64,
    },
    /// Retry without remediating, every `retry_interval` (Flux's default 5m when `None`).
    RetryOnFailure {
        /// How soon to retry.
        retry_interval: Option<Duration>,
    },
}

/// What Helm does with a chart's CustomResourceDefinitions on install or upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crds {
    /// Leave them alone.
    Skip,
    /// Create new ones, never change existing ones.
    Create,
    /// Create new ones and replace existing ones.
    CreateReplace,
}

impl Crds {
    fn as_str(self) -> &'static str {
        match self {
            Crds::Skip => "Skip",
            Crds::Create => "Create",
            Crds::CreateReplace => "CreateReplace",
        }
    }
}

/// `spec.install`.
#[derive(Debug, Clone, Default)]
pub struct Install {
    /// `createNamespace`: create the target namespace.
    pub create_namespace: bool,
    /// `crds`: what Helm does with the chart's CRDs.
    pub crds: Option<Crds>,
    /// `strategy` / `remediation`.
    pub strategy: Option<Strategy>,
    /// `timeout`.
    pub timeout: Option<Duration>,
    /// `replace`: reuse the name of a release that was deleted but kept in history.
    pub replace: bool,
    /// What Helm skips.
    pub flags: ActionFlags,
    /// How [`Strategy::RemediateOnFailure`] remediates.
    pub remediation: Remediation,
    /// `disableTakeOwnership`: fail on objects another release or no release owns,
    /// instead of taking them over.
    pub disable_take_ownership: bool,
    /// `serverSideApply`: apply the release's objects server-side (`None`: Flux's default).
    pub server_side_apply: Option<bool>,
    /// `skipCRDs`: deprecated in Flux for `crds: Skip`; kept for repositories that write it.
    pub skip_crds: bool,
}

/// `spec.upgrade`.
#[derive(Debug, Clone, Default)]
pub struct Upgrade {
    /// `cleanupOnFail`: delete resources a failed upgrade created.
    pub cleanup_on_fail: bool,
    /// `crds`: what Helm does with the chart's CRDs.
    pub crds: Option<Crds>,
    /// `strategy` / `remediation`.
    pub strategy: Option<Strategy>,
    /// `timeout`.
    pub timeout: Option<Duration>,
    /// `force`: replace objects that cannot be patched.
    pub force: bool,
    /// `preserveValues`: keep the values of the last release.
    pub preserve_values: bool,
    /// What Helm skips.
    pub flags: ActionFlags,
    /// How [`Strategy::RemediateOnFailure`] remediates.
    pub remediation: Remediation,
    /// `remediation.strategy`: roll back (Flux's default) or uninstall a failed upgrade.
    pub remediation_strategy: Option<RemediationStrategy>,
    /// `disableTakeOwnership`: fail on objects another release or no release owns.
    pub disable_take_ownership: bool,
    /// `serverSideApply`: whether the upgrade applies server-side (`None`: Flux's default,
    /// `auto`).
    pub server_side_apply: Option<ServerSideApply>,
    /// `chartNameChangeStrategy`: what a renamed chart does to the release.
    pub chart_name_change: Option<ChartNameChange>,
}

/// `remediation.ignoreTestFailures` and `remediation.remediateLastFailure` of an install or
/// upgrade (each written only when set, `false` too).
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remediation {
    /// A failed test does not count as a failed action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_test_failures: Option<bool>,
    /// Remediate the last failure too, when the retries run out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediate_last_failure: Option<bool>,
}

/// `serverSideApply` of an upgrade or rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerSideApply {
    /// Apply server-side.
    Enabled,
    /// Apply client-side, as Helm 3 did.
    Disabled,
    /// As the release's last action did (Flux's default).
    Auto,
}

/// `spec.upgrade.remediation.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RemediationStrategy {
    /// Roll back to the last successful release.
    Rollback,
    /// Uninstall the release.
    Uninstall,
}

/// `spec.upgrade.chartNameChangeStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChartNameChange {
    /// Uninstall and install again (Flux's default).
    Reinstall,
    /// Upgrade the release in place.
    InPlaceUpdate,
}

/// What Helm skips during an install or upgrade (each written only when set).
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionFlags {
    /// `disableHooks`: run no chart hooks.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_hooks: bool,
    /// `disableOpenAPIValidation`: do not validate the rendered manifests against the
    /// server's OpenAPI schema.
    #[serde(
        rename = "disableOpenAPIValidation",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub disable_open_api_validation: bool,
    /// `disableSchemaValidation`: do not validate the values against the chart's schema.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_schema_validation: bool,
    /// `disableWait`: do not wait for the release's objects to be ready.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait: bool,
    /// `disableWaitForJobs`: do not wait for Jobs to complete.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait_for_jobs: bool,
}

/// `spec.test`: run the chart's tests after an install or upgrade.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmTest {
    /// `enable`.
    pub enable: bool,
    /// `ignoreFailures`: a failed test does not fail the release.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ignore_failures: bool,
    /// `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// `filters`: which of the chart's tests run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<TestFilter>,
}

/// One entry of `spec.test.filters`: a test of the chart, by name.
#[derive(Debug, Clone, Serialize)]
#[must_use]
pub struct TestFilter {
    name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    exclude: bool,
}

impl TestFilter {
    /// Run this test (with only such filters, only the tests named).
    pub fn run(name: impl Into<String>) -> TestFilter {
        TestFilter {
            name: name.into(),
            exclude: false,
        }
    }
    /// Skip this test.
    pub fn skip(name: impl Into<String>) -> TestFilter {
        TestFilter {
            name: name.into(),
            exclude: true,
        }
    }
}

/// `spec.rollback`: how a failed upgrade is rolled back.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    /// `cleanupOnFail`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cleanup_on_fail: bool,
    /// `disableHooks`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_hooks: bool,
    /// `disableWait`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait: bool,
    /// `disableWaitForJobs`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait_for_jobs: bool,
    /// `force`: replace objects that cannot be patched.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
    /// `recreate`: restart Pods.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recreate: bool,
    /// `serverSideApply`: whether the rollback applies server-side (`None`: Flux's
    /// default, `auto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_side_apply: Option<ServerSideApply>,
    /// `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// `spec.driftDetection`: whether helm-controller compares the cluster with the release.
#[derive(Debug, Clone, Serialize)]
pub struct DriftDetection {
    /// Fields to leave alone: JSON pointers (`/spec/replicas`), on the objects `target`
    /// selects (all when `None`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<DriftIgnore>,
    /// `mode`.
    pub mode: DriftMode,
}

/// `spec.driftDetection.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftMode {
    /// Correct drift.
    Enabled,
    /// Report drift, change nothing.
    Warn,
    /// No detection (Flux's default).
    Disabled,
}

/// `spec.uninstall`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uninstall {
    /// `deletionPropagation`: `background` (Flux's default), `foreground` or `orphan`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_propagation: Option<DeletionPropagation>,
    /// `disableHooks`: skip the chart's uninstall hooks.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_hooks: bool,
    /// `disableWait`: do not wait for the release's objects to be deleted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait: bool,
    /// `keepHistory`: keep the release's history (written when set, `false` too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_history: Option<bool>,
    /// `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// `spec.uninstall.deletionPropagation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeletionPropagation {
    /// Delete dependents in the background.
    Background,
    /// Delete dependents first.
    Foreground,
    /// Leave dependents.
    Orphan,
}

/// `spec.install` or `spec.upgrade` as written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionWire<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    create_namespace: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    cleanup_on_fail: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    crds: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<RemediationWire>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<StrategyWire<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<&'a Duration>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    replace: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    force: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    preserve_values: bool,
    #[serde(flatten)]
    flags: ActionFlags,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    disable_take_ownership: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_side_apply: Option<ServerSideApplyWire>,
    #[serde(rename = "skipCRDs", skip_serializing_if = "std::ops::Not::not")]
    skip_crds: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    chart_name_change_strategy: Option<ChartNameChange>,
}

/// `serverSideApply`: a boolean on install, a mode on upgrade.
#[derive(Serialize)]
#[serde(untagged)]
enum ServerSideApplyWire {
    Install(bool),
    Upgrade(ServerSideApply),
}

#[derive(Serialize)]
struct RemediationWire {
    #[serde(skip_serializing_if = "Option::is_none")]
    retries: Option<i64>,
    #[serde(flatten)]
    extra: Remediation,
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<RemediationStrategy>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StrategyWire<'a> {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_interval: Option<&'a Duration>,
}

impl<'a> ActionWire<'a> {
    fn new(
        crds: Option<Crds>,
        strategy: &'a Option<Strategy>,
        timeout: &'a Option<Duration>,
        remediation: (Remediation, Option<RemediationStrategy>),
    ) -> ActionWire<'a> {
        let (extra, remediation_strategy) = remediation;
        let retries = match strategy {
            Some(Strategy::RemediateOnFailure { retries }) => Some(*retries),
            _ => None,
        };
        let remediation = (retries.is_some()
            || remediation_strategy.is_some()
            || extra.ignore_test_failures.is_some()
            || extra.remediate_last_failure.is_some())
        .then_some(RemediationWire {
            retries,
            extra,
            strategy: remediation_strategy,
        });
        let strategy = match strategy {
            Some(Strategy::RetryOnFailure { retry_interval }) => Some(StrategyWire {
                name: "RetryOnFailure",
                retry_interval: retry_interval.as_ref(),
            }),
            _ => None,
        };
        ActionWire {
            create_namespace: false,
            cleanup_on_fail: false,
            crds: crds.map(Crds::as_str),
            remediation,
            strategy,
            timeout: timeout.as_ref(),
            replace: false,
            force: false,
            preserve_values: false,
            flags: ActionFlags::default(),
            disable_take_ownership: false,
            server_side_apply: None,
            skip_crds: false,
            chart_name_change_strategy: None,
        }
    }
}

impl Serialize for Install {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.wire().serialize(s)
    }
}

impl Serialize for Upgrade {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.wire().serialize(s)
    }
}

impl Install {
    fn wire(&self) -> ActionWire<'_> {
        ActionWire {
            create_namespace: self.create_namespace,
            replace: self.replace,
            flags: self.flags,
            disable_take_ownership: self.disable_take_ownership,
            server_side_apply: self.server_side_apply.map(ServerSideApplyWire::Install),
            skip_crds: self.skip_crds,
            ..ActionWire::new(
                self.crds,
                &self.strategy,
                &self.timeout,
                (self.remediation, None),
            )
        }
    }
}

impl Upgrade {
    fn wire(&self) -> ActionWire<'_> {
        ActionWire {
            cleanup_on_fail: self.cleanup_on_fail,
            force: self.force,
            preserve_values: self.preserve_values,
            flags: self.flags,
            disable_take_ownership: self.disable_take_ownership,
            server_side_apply: self.server_side_apply.map(ServerSideApplyWire::Upgrade),
            chart_name_change_strategy: self.chart_name_change,
            ..ActionWire::new(
                self.crds,
                &self.strategy,
                &self.timeout,
                (self.remediation, self.remediation_strategy),
            )
        }
    }
}

crate::object::flux_struct! {
    /// A Flux `HelmRelease`.
    ///
    /// ```
    /// use fluxdsl::{duration, name, namespace, Chart, Cluster, HelmRelease, HelmRepository};
    /// let mut cluster = Cluster::new("apps");
    /// let file = cluster.file("podinfo.yaml");
    /// let repo = cluster.add(&file, HelmRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .namespace(namespace!("podinfo"))
    ///     .url("https://stefanprodan.github.io/podinfo")
    ///     .interval(duration!("5m"))
    ///     .build());
    /// cluster.add(&file, HelmRelease::builder()
    ///     .name(name!("podinfo"))
    ///     .namespace(namespace!("podinfo"))
    ///     .chart(Chart::from_source(&repo, "podinfo").version("6.x"))
    ///     .interval(duration!("50m"))
    ///     .values(serde_json::json!({ "replicaCount": 2 }))
    ///     .build());
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds a [`HelmRelease`]; `name`, `chart` and `interval` are required."),
        build_method(doc = "Finishes the HelmRelease.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct HelmRelease {
        /// `spec.chart` or `spec.chartRef`: a [`ChartTemplate`] or a [`ChartRef`].
        #[serde(flatten)]
        #[builder(setter(transform = |chart: impl Into<Chart>| chart.into()))]
        chart: Chart,
        /// `spec.commonMetadata`: labels and annotations added to every object of the
        /// release.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        common_metadata: Option<CommonMetadata>,
        /// `spec.dependsOn`: HelmReleases that must be Ready first: handles, or
        /// [`DependsOn`](crate::DependsOn) entries with a readiness expression.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(
            fn transform<K: HelmReleaseDependency, D: IntoDependency<K>>(releases: &[D]) -> Vec<Dependency> {
                releases.iter().map(IntoDependency::dependency).collect()
            }
        ))]
        pub(crate) depends_on: Vec<Dependency>,
        /// `spec.driftDetection`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) drift_detection: Option<DriftDetection>,
        /// `spec.healthCheckExprs`: when objects of custom kinds count as ready (with the
        /// `poller` wait strategy).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |exprs: &[HealthCheckExpr]| exprs.to_vec()))]
        health_check_exprs: Vec<HealthCheckExpr>,
        /// `spec.install`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) install: Option<Install>,
        /// `spec.interval`.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.kubeConfig`: install into the cluster this kubeconfig (in a Secret of the
        /// HelmRelease's namespace) or provider ConfigMap reaches.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        kube_config: Option<crate::flux::kustomization::KubeConfig>,
        /// `spec.maxHistory`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) max_history: Option<i64>,
        /// `spec.persistentClient`: reuse one Kubernetes client for a whole reconciliation
        /// (`None`: Flux's default, `true`).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        persistent_client: Option<bool>,
        /// `spec.postRenderStrategy`: whether chart hooks go through the post-renderers.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        post_render_strategy: Option<PostRenderStrategy>,
        /// `spec.postRenderers`: kustomize patches and image overrides applied to what
        /// Helm renders, in order.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |renderers: &[PostRenderer]| renderers.to_vec()))]
        post_renderers: Vec<PostRenderer>,
        /// `spec.releaseName`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |name: impl Into<String>| Some(name.into())))]
        pub(crate) release_name: Option<String>,
        /// `spec.rollback`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) rollback: Option<Rollback>,
        /// `spec.serviceAccountName`: the ServiceAccount to impersonate (same namespace).
        #[serde(
            serialize_with = "opt_ref_name",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |sa: &Ref<ServiceAccount>| Some(sa.clone())))]
        service_account_name: Option<Ref<ServiceAccount>>,
        /// `spec.storageNamespace`: where Helm keeps the release's history.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        storage_namespace: Option<NamespaceName>,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.targetNamespace`: where the release's objects go.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) target_namespace: Option<NamespaceName>,
        /// `spec.test`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) test: Option<HelmTest>,
        /// `spec.timeout`: Helm's timeout for each action.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |timeout: impl crate::values::IntoDuration| Some(timeout.into_duration())))]
        pub(crate) timeout: Option<Duration>,
        /// `spec.uninstall`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) uninstall: Option<Uninstall>,
        /// `spec.upgrade`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) upgrade: Option<Upgrade>,
        /// `spec.values`: structured values (any `serde_json::Value`).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) values: Option<Value>,
        /// `spec.valuesFrom`.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |from: &[ValuesFrom]| from.to_vec()))]
        pub(crate) values_from: Vec<ValuesFrom>,
        /// `spec.waitStrategy`: how Helm waits for the release's objects.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        wait_strategy: Option<WaitStrategy>,
    }
}

/// `spec.postRenderStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostRenderStrategy {
    /// Hooks are not post-rendered (Helm 3's way).
    NoHooks,
    /// Hooks and templates are post-rendered together (Flux's default).
    Combined,
    /// Hooks and templates are post-rendered as separate streams.
    Separate,
}

/// `spec.waitStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitStrategy {
    /// kstatus polling, which also runs `healthCheckExprs` (Flux's default).
    Poller,
    /// Helm's own wait.
    Legacy,
}

impl Serialize for WaitStrategy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire {
            name: &'static str,
        }
        Wire {
            name: match self {
                WaitStrategy::Poller => "poller",
                WaitStrategy::Legacy => "legacy",
            },
        }
        .serialize(s)
    }
}

/// One entry of `spec.postRenderers`: a kustomize pass over what Helm renders.
///
/// ```
/// use fluxdsl::{Image, Patch, PatchTarget, PostRenderer};
/// use fluxdsl::k8s_openapi::api::apps::v1::Deployment;
/// let renderer = PostRenderer::kustomize()
///     .patches(&[Patch::new(
///         "- op: add\n  path: /metadata/labels/team\n  value: web\n",
///         PatchTarget::kind::<Deployment>(),
///     )])
///     .images(&[Image { name: "nginx".into(), new_tag: Some("1.27".into()), ..Image::default() }]);
/// ```
#[derive(Debug, Clone, Serialize)]
#[must_use]
pub struct PostRenderer {
    kustomize: PostRendererKustomize,
}

#[derive(Debug, Clone, Default, Serialize)]
struct PostRendererKustomize {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    patches: Vec<Patch>,
}

impl PostRenderer {
    /// A kustomize post-renderer; give it patches, image overrides or both.
    pub fn kustomize() -> PostRenderer {
        PostRenderer {
            kustomize: PostRendererKustomize::default(),
        }
    }
    /// `kustomize.patches`: strategic-merge or JSON6902 patches.
    pub fn patches(mut self, patches: &[Patch]) -> PostRenderer {
        self.kustomize.patches = patches.to_vec();
        self
    }
    /// `kustomize.images`: image overrides.
    pub fn images(mut self, images: &[Image]) -> PostRenderer {
        self.kustomize.images = images.to_vec();
        self
    }
}

crate::object::flux_kind!(
    HelmRelease,
    "helm.toolkit.fluxcd.io/v2",
    ["v2", "v2beta2", "v2beta1"]
);

impl Object for HelmRelease {
    crate::object::flux_identity!();
    fn checks(&self) -> Vec<crate::object::Check> {
        use crate::object::Check;
        self.values_from
            .iter()
            .filter(|v| !v.optional)
            .map(|v| Check::ReadsKey {
                field: "spec.valuesFrom",
                source: Arc::clone(&v.target),
                key: v.values_key.clone().unwrap_or_else(|| "values.yaml".into()),
            })
            .collect()
    }
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace);
        self.chart.relative_source().settle(holder);
        for d in &mut self.depends_on {
            d.settle(holder);
        }
    }
    fn references(&self) -> Vec<Reference> {
        let field = match self.chart {
            Chart::Template(_) => "spec.chart.spec.sourceRef",
            Chart::Ref(_) => "spec.chartRef",
        };
        let mut refs = vec![Reference {
            field,
            target: Arc::clone(self.chart.source()),
            rule: RefRule::CrossNamespaceAllowed,
        }];
        refs.extend(self.depends_on.iter().map(|t| Reference {
            field: "spec.dependsOn",
            target: Arc::clone(t.target()),
            rule: RefRule::CrossNamespaceAllowed,
        }));
        if let Chart::Template(ChartTemplate {
            verify: Some(v), ..
        }) = &self.chart
        {
            refs.extend(v.secret_reference("spec.chart.spec.verify.secretRef"));
        }
        for v in &self.values_from {
            refs.push(Reference {
                field: "spec.valuesFrom",
                target: Arc::clone(&v.target),
                rule: RefRule::SameNamespace,
            });
        }
        if let Some(sa) = &self.service_account_name {
            refs.push(sa.reference("spec.serviceAccountName", RefRule::SameNamespace));
        }
        if let Some(k) = &self.kube_config {
            refs.push(k.reference());
        }
        refs
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        match &self.chart {
            Chart::Template(ChartTemplate {
                verify: Some(v), ..
            }) => v
                .keyless_settings()
                .into_iter()
                .map(|setting| {
                    (
                        "spec.chart.spec.verify",
                        format!("{setting} is not a field of a chart template's verify"),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}
