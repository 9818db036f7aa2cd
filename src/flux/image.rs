//! Flux's image automation kinds (`image.toolkit.fluxcd.io/v1`): an `ImageRepository`
//! (a container repository to scan), an `ImagePolicy` (which of its tags is the latest) and
//! an `ImageUpdateAutomation` (commits the policies' results into a GitRepository).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::flux::git_repository::{GitRef, GitRepository};
use crate::flux::oci_repository::OciProvider;
use crate::object::{
    Check, Object, Ref, RefRule, Reference, RelativeRef, opt_local_ref, opt_ref_name,
};
use crate::values::Duration;

crate::object::flux_struct! {
    /// A Flux `ImageRepository`: a container image repository whose tags
    /// image-reflector-controller lists.
    ///
    /// ```
    /// use fluxdsl::{duration, name, ImageRepository};
    /// let podinfo = ImageRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .image("ghcr.io/stefanprodan/podinfo")
    ///     .interval(duration!("5m"))
    ///     .build();
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds an [`ImageRepository`]; `name`, `image` and `interval` are required."),
        build_method(doc = "Finishes the ImageRepository.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct ImageRepository {
        /// `spec.accessFrom`: the namespaces, each given by labels it has, whose objects
        /// may refer to this one (`&[&[("team", "a")]]`).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |selectors: &[&[(&str, &str)]]| Some(crate::flux::common::AccessFrom::new(selectors))))]
        access_from: Option<crate::flux::common::AccessFrom>,
        /// `spec.certSecretRef`: TLS client certificate and CA (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        cert_secret_ref: Option<Ref<Secret>>,
        /// `spec.exclusionList`: regular expressions of tags to leave out.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |patterns: &[&str]| patterns.iter().map(|p| p.to_string()).collect()))]
        exclusion_list: Vec<String>,
        /// `spec.image`: the repository, without a tag (`ghcr.io/org/app`).
        #[builder(setter(transform = |image: impl Into<String>| image.into()))]
        image: String,
        /// `spec.insecure`: plain HTTP to the registry.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        insecure: bool,
        /// `spec.interval`.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.provider`: `generic`, `aws`, `azure` or `gcp`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        provider: Option<OciProvider>,
        /// `spec.proxySecretRef`: proxy settings (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        proxy_secret_ref: Option<Ref<Secret>>,
        /// `spec.secretRef`: registry credentials (same namespace).
        #[serde(serialize_with = "opt_local_ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        secret_ref: Option<Ref<Secret>>,
        /// `spec.serviceAccountName`: its image pull secrets are used (same namespace).
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
    }
}

crate::object::flux_kind!(
    ImageRepository,
    "image.toolkit.fluxcd.io/v1",
    ["v1", "v1beta2"]
);

impl Object for ImageRepository {
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
        let image = (self.image.is_empty()
            || self.image.contains("://")
            || self.image.chars().any(char::is_whitespace)
            || self
                .image
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains(':')))
        .then(|| {
            format!(
                "{:?} is not an image repository: no scheme, no tag (ghcr.io/org/app)",
                self.image
            )
        });
        rules::found([
            ("spec.image", image),
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

/// `spec.policy` of an ImagePolicy: how the latest tag is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagPolicy {
    /// The highest version within a semver range (`>=1.0.0 <2.0.0`).
    Semver(String),
    /// The last tag in alphabetical order (`asc`, Flux's default) or the first (`desc`).
    Alphabetical {
        /// Descending instead.
        descending: bool,
    },
    /// The highest number (or the lowest, descending).
    Numerical {
        /// Descending instead.
        descending: bool,
    },
}

impl Serialize for TagPolicy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let order =
            |descending: bool| BTreeMap::from([("order", if descending { "desc" } else { "asc" })]);
        let mut m = s.serialize_map(Some(1))?;
        match self {
            TagPolicy::Semver(range) => {
                m.serialize_entry("semver", &BTreeMap::from([("range", range.as_str())]))?
            }
            TagPolicy::Alphabetical { descending } => {
                m.serialize_entry("alphabetical", &order(*descending))?
            }
            TagPolicy::Numerical { descending } => {
                m.serialize_entry("numerical", &order(*descending))?
            }
        }
        m.end()
    }
}

/// `spec.filterTags` of an ImagePolicy: only tags matching `pattern`, compared by what
/// `extract` takes from them (`$ts` of `^main-[a-f0-9]+-(?P<ts>[0-9]+)`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FilterTags {
    /// The part of the tag to compare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract: Option<String>,
    /// A regular expression tags must match.
    pub pattern: String,
}

crate::object::flux_struct! {
    /// A Flux `ImagePolicy`: the latest tag of an ImageRepository by a policy.
    ///
    /// ```
    /// use fluxdsl::*;
    /// let mut cluster = Cluster::new("k8s");
    /// let file = cluster.file("images.yaml");
    /// let repo = cluster.add(&file, ImageRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .image("ghcr.io/stefanprodan/podinfo")
    ///     .interval(duration!("5m"))
    ///     .build());
    /// cluster.add(&file, ImagePolicy::builder()
    ///     .name(name!("podinfo"))
    ///     .image_repository_ref(&repo)
    ///     .policy(TagPolicy::Semver(">=6.0.0".into()))
    ///     .build());
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds an [`ImagePolicy`]; `name`, `image_repository_ref` and `policy` are required."),
        build_method(doc = "Finishes the ImagePolicy.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct ImagePolicy {
        /// `spec.digestReflectionPolicy`: when `status.latestRef.digest` is set.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        digest_reflection_policy: Option<DigestReflection>,
        /// `spec.filterTags`.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        filter_tags: Option<FilterTags>,
        /// `spec.imageRepositoryRef`: the ImageRepository (another namespace only if it
        /// allows it with `accessFrom`).
        #[builder(setter(transform = |repository: &Ref<ImageRepository>| RelativeRef::without_kind(repository.target())))]
        image_repository_ref: RelativeRef,
        /// `spec.interval`: how often the policy is computed again.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |interval: impl crate::values::IntoDuration| Some(interval.into_duration())))]
        interval: Option<Duration>,
        /// `spec.policy`.
        policy: TagPolicy,
        /// `spec.suspend`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
    }
}

crate::object::flux_kind!(ImagePolicy, "image.toolkit.fluxcd.io/v1", ["v1", "v1beta2"]);

impl Object for ImagePolicy {
    crate::object::flux_identity!();
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace).clone();
        self.image_repository_ref.settle(&holder);
    }
    fn references(&self) -> Vec<Reference> {
        vec![Reference {
            field: "spec.imageRepositoryRef",
            target: Arc::clone(&self.image_repository_ref.target),
            rule: RefRule::AccessFrom,
        }]
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        let range = match &self.policy {
            TagPolicy::Semver(range) => crate::flux::semver::range_problem(range),
            _ => None,
        };
        let mut problems = crate::object::rules::found([("spec.policy.semver.range", range)]);
        if let Some(f) = &self.filter_tags
            && let Some(problem) =
                crate::flux::semver::filter_problem(&f.pattern, f.extract.as_deref())
        {
            problems.push(problem);
        }
        problems
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        let always = self.digest_reflection_policy == Some(DigestReflection::Always);
        let rule = |broken: bool, message: &str| broken.then(|| message.to_owned());
        crate::object::rules::found([
            (
                "spec",
                rule(
                    self.interval.is_some() && !always,
                    "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
                ),
            ),
            (
                "spec",
                rule(
                    always && self.interval.is_none(),
                    "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
                ),
            ),
        ])
    }
}

/// `spec.digestReflectionPolicy` of an ImagePolicy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DigestReflection {
    /// Look the digest up on every reconciliation (needs an interval).
    Always,
    /// Look it up once for each new latest image.
    IfNotPresent,
    /// Leave the digest empty (Flux's default).
    Never,
}

/// `spec.git.commit.signingKey` of an ImageUpdateAutomation: the Secret with the key, and
/// its format (OpenPGP when not written). A `&Ref<Secret>` is a key of unwritten format.
#[derive(Debug, Clone)]
pub struct SigningKey {
    secret: Ref<Secret>,
    format: Option<&'static str>,
}

impl SigningKey {
    /// An OpenPGP key (`type: gpg`).
    pub fn gpg(secret: &Ref<Secret>) -> SigningKey {
        SigningKey {
            secret: secret.clone(),
            format: Some("gpg"),
        }
    }
    /// An SSH key (`type: ssh`).
    pub fn ssh(secret: &Ref<Secret>) -> SigningKey {
        SigningKey {
            secret: secret.clone(),
            format: Some("ssh"),
        }
    }
}

impl From<&Ref<Secret>> for SigningKey {
    fn from(secret: &Ref<Secret>) -> SigningKey {
        SigningKey {
            secret: secret.clone(),
            format: None,
        }
    }
}

/// The author of an ImageUpdateAutomation's commits.
#[derive(Debug, Clone, Serialize)]
pub struct CommitAuthor {
    email: String,
    name: String,
}

impl CommitAuthor {
    /// `name <email>`.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> CommitAuthor {
        CommitAuthor {
            email: email.into(),
            name: name.into(),
        }
    }
}

crate::object::flux_struct! {
    /// A Flux `ImageUpdateAutomation`: commits the latest images its policies choose into
    /// the files of a GitRepository. When that repository is the one this program renders,
    /// `update_path` is checked against the tree like a Kustomization's `path`.
    ///
    /// ```
    /// use fluxdsl::*;
    /// let mut cluster = Cluster::new("k8s");
    /// let file = cluster.file("automation.yaml");
    /// let repo = cluster.add(&file, GitRepository::builder()
    ///     .name(name!("flux-system"))
    ///     .url("ssh://git@github.com/example/fleet")
    ///     .reference(GitRef::branch("main"))
    ///     .interval(duration!("1m"))
    ///     .build());
    /// cluster.add(&file, ImageUpdateAutomation::builder()
    ///     .name(name!("flux-system"))
    ///     .source_ref(&repo)
    ///     .author(CommitAuthor::new("fluxcdbot", "fluxcdbot@users.noreply.github.com"))
    ///     .message_template("chore: update images")
    ///     .push_branch("main")
    ///     .update_path("./k8s")
    ///     .interval(duration!("30m"))
    ///     .build());
    /// ```
    #[derive(Debug, Clone, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds an [`ImageUpdateAutomation`]; `name`, `source_ref`, `author` and `interval` are required."),
        build_method(doc = "Finishes the ImageUpdateAutomation.")
    )]
    #[serde(into = "AutomationSpec")]
    pub struct ImageUpdateAutomation {
        /// `spec.git.commit.author`.
        author: CommitAuthor,
        /// `spec.git.checkout.ref`: what to check out (else the GitRepository's ref).
        #[builder(default, setter(strip_option))]
        checkout: Option<GitRef>,
        /// `spec.interval`.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.git.commit.messageTemplate`.
        #[builder(default, setter(transform = |template: impl Into<String>| Some(template.into())))]
        message_template: Option<String>,
        /// `spec.git.commit.messageTemplateValues`: more values for the message template.
        #[builder(default, setter(transform = |values: &[(&str, &str)]| crate::values::string_map(values)))]
        message_template_values: BTreeMap<String, String>,
        /// `spec.policySelector.matchLabels`: only the ImagePolicies with these labels.
        #[builder(default, setter(transform = |labels: &[(&str, &str)]| crate::values::string_map(labels)))]
        policy_labels: BTreeMap<String, String>,
        /// `spec.policySelector.matchExpressions`: only the ImagePolicies whose labels
        /// satisfy these.
        #[builder(default, setter(transform = |expressions: &[LabelSelectorRequirement]| expressions.to_vec()))]
        policy_expressions: Vec<LabelSelectorRequirement>,
        /// `spec.git.push.branch`: push to this branch (else the checked-out one).
        #[builder(default, setter(transform = |branch: impl Into<String>| Some(branch.into())))]
        push_branch: Option<String>,
        /// `spec.git.push.options`: git push options (`ci.skip`, `merge_request.create`).
        #[builder(default, setter(transform = |options: &[(&str, &str)]| crate::values::string_map(options)))]
        push_options: BTreeMap<String, String>,
        /// `spec.git.push.refspec`: push with this refspec (`refs/heads/main:refs/heads/auto`).
        #[builder(default, setter(transform = |refspec: impl Into<String>| Some(refspec.into())))]
        push_refspec: Option<String>,
        /// `spec.git.commit.signingKey`: the key to sign commits with (same namespace): a
        /// `&Ref<Secret>`, or [`SigningKey::gpg`] / [`SigningKey::ssh`] to write its type.
        #[builder(default, setter(transform = |key: impl Into<SigningKey>| Some(key.into())))]
        signing_key: Option<SigningKey>,
        /// `spec.sourceRef`: the GitRepository to commit to.
        #[builder(setter(transform = |repository: &Ref<GitRepository>| RelativeRef::with_kind(repository.target())))]
        source_ref: RelativeRef,
        /// `spec.suspend`.
        #[builder(default)]
        suspend: bool,
        /// `spec.update.path`: the folder whose files are updated (strategy `Setters`).
        #[builder(default, setter(transform = |path: impl Into<String>| Some(path.into())))]
        update_path: Option<String>,
    }
}

/// `spec` of an ImageUpdateAutomation as written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AutomationSpec {
    git: AutomationGit,
    interval: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_selector: Option<PolicySelector>,
    source_ref: RelativeRef,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    suspend: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    update: Option<AutomationUpdate>,
}

#[derive(Serialize)]
struct AutomationGit {
    #[serde(skip_serializing_if = "Option::is_none")]
    checkout: Option<BTreeMap<&'static str, GitRef>>,
    commit: AutomationCommit,
    #[serde(skip_serializing_if = "Option::is_none")]
    push: Option<AutomationPush>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicySelector {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    match_expressions: Vec<LabelSelectorRequirement>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    match_labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct AutomationPush {
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    options: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refspec: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SigningKeyWire {
    secret_ref: BTreeMap<&'static str, String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AutomationCommit {
    author: CommitAuthor,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_template: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    message_template_values: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_key: Option<SigningKeyWire>,
}

#[derive(Serialize)]
struct AutomationUpdate {
    path: String,
    strategy: &'static str,
}

impl From<ImageUpdateAutomation> for AutomationSpec {
    fn from(a: ImageUpdateAutomation) -> AutomationSpec {
        AutomationSpec {
            git: AutomationGit {
                checkout: a.checkout.map(|r| BTreeMap::from([("ref", r)])),
                commit: AutomationCommit {
                    author: a.author,
                    message_template: a.message_template,
                    message_template_values: a.message_template_values,
                    signing_key: a.signing_key.map(|k| SigningKeyWire {
                        secret_ref: BTreeMap::from([("name", k.secret.name().to_owned())]),
                        format: k.format,
                    }),
                },
                push: (a.push_branch.is_some()
                    || a.push_refspec.is_some()
                    || !a.push_options.is_empty())
                .then_some(AutomationPush {
                    branch: a.push_branch,
                    options: a.push_options,
                    refspec: a.push_refspec,
                }),
            },
            interval: a.interval,
            policy_selector: (!a.policy_labels.is_empty() || !a.policy_expressions.is_empty())
                .then_some(PolicySelector {
                    match_expressions: a.policy_expressions,
                    match_labels: a.policy_labels,
                }),
            source_ref: a.source_ref,
            suspend: a.suspend,
            update: a.update_path.map(|path| AutomationUpdate {
                path,
                strategy: "Setters",
            }),
        }
    }
}

crate::object::flux_kind!(
    ImageUpdateAutomation,
    "image.toolkit.fluxcd.io/v1",
    ["v1", "v1beta2", "v1beta1"]
);

impl Object for ImageUpdateAutomation {
    crate::object::flux_identity!();
    fn settle(&mut self) {
        let holder = crate::object::namespace_or_default(&self.namespace).clone();
        self.source_ref.settle(&holder);
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference {
            field: "spec.sourceRef",
            target: Arc::clone(&self.source_ref.target),
            rule: RefRule::CrossNamespaceAllowed,
        }];
        if let Some(k) = &self.signing_key {
            refs.push(k.secret.reference(
                "spec.git.commit.signingKey.secretRef",
                RefRule::SameNamespace,
            ));
        }
        refs
    }
    fn checks(&self) -> Vec<Check> {
        self.update_path
            .iter()
            .map(|path| Check::RepositoryPath {
                field: "spec.update.path",
                source: Arc::clone(&self.source_ref.target),
                path: path.clone(),
            })
            .collect()
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        let email = (!self.author.email.contains('@'))
            .then(|| format!("{:?} is not an email address", self.author.email));
        let expressions = self.policy_expressions.iter().find_map(|e| {
            let values = e.values.as_deref().unwrap_or_default();
            match e.operator.as_str() {
                "In" | "NotIn" if values.is_empty() => {
                    Some(format!("{} {} needs at least one value", e.key, e.operator))
                }
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    Some(format!("{} {} takes no values", e.key, e.operator))
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => None,
                other => Some(format!(
                    "{other:?} is not an operator: In, NotIn, Exists or DoesNotExist"
                )),
            }
        });
        crate::object::rules::found([
            ("spec.policySelector.matchExpressions", expressions),
            ("spec.git.commit.author.email", email),
            (
                "spec.interval",
                crate::object::rules::interval(self.interval),
            ),
        ])
    }
}

impl crate::EventSourceKind for ImageRepository {}
impl crate::EventSourceKind for ImagePolicy {}
impl crate::EventSourceKind for ImageUpdateAutomation {}

/// Which part of the image an ImagePolicy chooses a marked field holds: the four setter
/// forms image-automation-controller knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSetter {
    /// The whole reference, `repository:tag` (`{"$imagepolicy": "ns:policy"}`).
    Image,
    /// The repository alone (`ns:policy:name`), as in a kustomize `newName`.
    Name,
    /// The tag alone (`ns:policy:tag`), as in Helm values `image.tag` or a `newTag`.
    Tag,
    /// The digest alone (`ns:policy:digest`, `sha256:…`), when the policy reflects digests.
    Digest,
}

impl ImageSetter {
    fn suffix(self) -> &'static str {
        match self {
            ImageSetter::Image => "",
            ImageSetter::Name => ":name",
            ImageSetter::Tag => ":tag",
            ImageSetter::Digest => ":digest",
        }
    }
}

/// What a setter marks: an object, or a file fluxdsl writes from a value of its own (a
/// folder's kustomization.yaml).
#[derive(Debug, Clone)]
pub(crate) enum Marked {
    Object(Arc<crate::object::Target>),
    File(usize),
}

/// One field declared as driven by an ImagePolicy.
#[derive(Debug, Clone)]
pub(crate) struct Setter {
    pub(crate) marked: Marked,
    /// The field as the program wrote it (`spec.values.image.tag`).
    pub(crate) field: String,
    /// The same field as a JSON pointer into the written document.
    pub(crate) pointer: String,
    pub(crate) policy: Arc<crate::object::Target>,
    pub(crate) form: ImageSetter,
    pub(crate) at: &'static std::panic::Location<'static>,
}

impl Setter {
    /// The comment after the value, exactly as image-automation-controller reads it.
    pub(crate) fn comment(&self) -> String {
        marker(&self.policy.key, self.form)
    }
}

/// `{"$imagepolicy": "NAMESPACE:NAME[:form]"}`.
pub(crate) fn marker(policy: &crate::object::ObjectKey, form: ImageSetter) -> String {
    format!(
        "{{\"$imagepolicy\": \"{}:{}{}\"}}",
        policy.namespace.as_deref().unwrap_or("default"),
        policy.name,
        form.suffix()
    )
}
