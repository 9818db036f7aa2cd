//! Flux `GitRepository` (`source.toolkit.fluxcd.io/v1`).

use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use serde::Serialize;
use typed_builder::TypedBuilder;

use crate::object::{Object, Ref, RefRule, Reference, opt_local_ref};
use crate::values::Duration;

crate::object::flux_struct! {
    /// A Flux `GitRepository`: a Git repository that source-controller fetches and packages
    /// as an artifact for Kustomizations.
    ///
    /// ```
    /// use fluxdsl::{duration, name, GitRef, GitRepository};
    /// let podinfo = GitRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .url("https://github.com/stefanprodan/podinfo")
    ///     .reference(GitRef::branch("master"))
    ///     .interval(duration!("1m"))
    ///     .build();
    /// assert_eq!(podinfo.name().as_str(), "podinfo");
    /// ```
    #[derive(Debug, TypedBuilder, Serialize)]
    #[builder(
        doc,
        builder_type(doc = "Builds a [`GitRepository`]; `name`, `url` and `interval` are required."),
        build_method(doc = "Finishes the GitRepository.")
    )]
    #[serde(rename_all = "camelCase")]
    pub struct GitRepository {
        /// `spec.ignore`: paths to leave out of the artifact, one `.gitignore` pattern each.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |patterns: &[&str]| Some(patterns.join("\n"))))]
        pub(crate) ignore: Option<String>,
        /// `spec.include`: other GitRepositories whose artifacts are copied into this one.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |includes: &[GitRepositoryInclude]| includes.to_vec()))]
        include: Vec<GitRepositoryInclude>,
        /// `spec.interval`: how often source-controller fetches.
        #[builder(setter(transform = |interval: impl crate::values::IntoDuration| interval.into_duration()))]
        interval: Duration,
        /// `spec.provider`: how to authenticate (`generic` when not set).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        provider: Option<GitProvider>,
        /// `spec.proxySecretRef`: the Secret with proxy settings (same namespace).
        #[serde(
            serialize_with = "opt_local_ref",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        proxy_secret_ref: Option<Ref<Secret>>,
        /// `spec.recurseSubmodules`: also clone submodules.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        recurse_submodules: bool,
        /// `spec.ref`: the branch, tag, semver range, reference name or commit to check out.
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        pub(crate) reference: Option<GitRef>,
        /// `spec.secretRef`: the Secret with the credentials (same namespace).
        #[serde(
            serialize_with = "opt_local_ref",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |secret: &Ref<Secret>| Some(secret.clone())))]
        pub(crate) secret_ref: Option<Ref<Secret>>,
        /// `spec.serviceAccountName`: the ServiceAccount for the provider's workload identity.
        #[serde(
            serialize_with = "crate::object::opt_ref_name",
            skip_serializing_if = "Option::is_none"
        )]
        #[builder(default, setter(transform = |sa: &Ref<ServiceAccount>| Some(sa.clone())))]
        service_account_name: Option<Ref<ServiceAccount>>,
        /// `spec.sparseCheckout`: check out only these directories.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[builder(default, setter(transform = |dirs: &[&str]| dirs.iter().map(|d| d.to_string()).collect()))]
        sparse_checkout: Vec<String>,
        /// `spec.suspend`: stop reconciling.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[builder(default)]
        suspend: bool,
        /// `spec.timeout`: the timeout of Git operations (Flux's default is 60s).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(transform = |timeout: impl crate::values::IntoDuration| Some(timeout.into_duration())))]
        pub(crate) timeout: Option<Duration>,
        /// `spec.url`: the repository address, `http://`, `https://` or `ssh://`.
        #[builder(setter(transform = |url: impl Into<String>| url.into()))]
        url: String,
        /// `spec.verify`: verify commit or tag signatures.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[builder(default, setter(strip_option))]
        verify: Option<GitVerify>,
    }
}

crate::object::flux_kind!(
    GitRepository,
    "source.toolkit.fluxcd.io/v1",
    ["v1", "v1beta2"]
);

impl Object for GitRepository {
    crate::object::flux_identity!();
    fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        if let Some(s) = &self.secret_ref {
            refs.push(s.reference("spec.secretRef", RefRule::SameNamespace));
        }
        if let Some(s) = &self.proxy_secret_ref {
            refs.push(s.reference("spec.proxySecretRef", RefRule::SameNamespace));
        }
        if let Some(v) = &self.verify {
            refs.push(
                v.secret_ref
                    .reference("spec.verify.secretRef", RefRule::SameNamespace),
            );
        }
        if let Some(sa) = &self.service_account_name {
            refs.push(sa.reference("spec.serviceAccountName", RefRule::SameNamespace));
        }
        for inc in &self.include {
            refs.push(
                inc.repository
                    .reference("spec.include.repository", RefRule::SameNamespace),
            );
        }
        refs
    }
    fn own_problems(&self) -> Vec<(&'static str, String)> {
        use crate::object::rules;
        let url = rules::url(&self.url, &["http://", "https://", "ssh://"])
            .map(|p| format!("{p} (write git@host:org/repo as ssh://git@host/org/repo)"));
        let credentials = self.secret_ref.is_some() || self.proxy_secret_ref.is_some();
        rules::found([
            ("spec.url", url),
            (
                "spec.url",
                rules::credentials_over_http(&self.url, credentials),
            ),
            ("spec.interval", rules::interval(self.interval)),
            ("spec.timeout", rules::timeout_without_hours(self.timeout)),
            (
                "spec.ref",
                self.reference.is_none().then(|| {
                    "is not set, so Flux checks out the branch `master`, whatever the \
                     repository's default branch is; say what to check out \
                     (.reference(GitRef::branch(\"main\")), a tag, semver range or commit)"
                        .to_owned()
                }),
            ),
        ])
    }
    fn newest_rules(&self) -> Vec<(&'static str, String)> {
        let provider = (self.service_account_name.is_some()
            && !matches!(self.provider, Some(GitProvider::Azure | GitProvider::Aws)))
        .then(|| "serviceAccountName can only be set when provider is 'azure' or 'aws'".to_owned());
        crate::object::rules::found([("spec", provider)])
    }
}

/// `spec.ref` of a GitRepository: what to check out. Flux picks, in order of precedence,
/// `commit`, `name`, `semver`, `tag`, then `branch`.
///
/// ```
/// use fluxdsl::GitRef;
/// let pinned = GitRef::branch("main").with_commit("c88a2f41");
/// let release = GitRef::semver(">=6.0.0 <7.0.0");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GitRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    semver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

impl GitRef {
    /// Track a branch.
    pub fn branch(branch: &str) -> GitRef {
        GitRef {
            branch: Some(branch.to_owned()),
            ..GitRef::default()
        }
    }
    /// Check out a tag.
    pub fn tag(tag: &str) -> GitRef {
        GitRef {
            tag: Some(tag.to_owned()),
            ..GitRef::default()
        }
    }
    /// Check out the newest tag in a semver range.
    pub fn semver(range: &str) -> GitRef {
        GitRef {
            semver: Some(range.to_owned()),
            ..GitRef::default()
        }
    }
    /// Check out a Git reference name, e.g. `refs/pull/42/head`.
    pub fn name(reference: &str) -> GitRef {
        GitRef {
            name: Some(reference.to_owned()),
            ..GitRef::default()
        }
    }
    /// Check out a commit.
    pub fn commit(sha: &str) -> GitRef {
        GitRef {
            commit: Some(sha.to_owned()),
            ..GitRef::default()
        }
    }
    /// Pin this reference to a commit (`--branch main --commit c88a2f41`).
    pub fn with_commit(mut self, sha: &str) -> GitRef {
        self.commit = Some(sha.to_owned());
        self
    }
}

/// `spec.provider` of a GitRepository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GitProvider {
    /// Credentials from `secretRef` (Flux's default).
    Generic,
    /// AWS CodeCommit with workload identity.
    Aws,
    /// Azure DevOps with workload identity.
    Azure,
    /// A GitHub App.
    Github,
}

/// One entry of `spec.include`: another GitRepository's artifact copied into this one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitRepositoryInclude {
    #[serde(serialize_with = "crate::object::local_ref")]
    repository: Ref<GitRepository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_path: Option<String>,
}

impl GitRepositoryInclude {
    /// Include the whole artifact of `repository`.
    pub fn of(repository: &Ref<GitRepository>) -> GitRepositoryInclude {
        GitRepositoryInclude {
            repository: repository.clone(),
            from_path: None,
            to_path: None,
        }
    }
    /// Copy only this path of the included artifact.
    pub fn from_path(mut self, path: &str) -> Self {
        self.from_path = Some(path.to_owned());
        self
    }
    /// Copy to this path in this artifact.
    pub fn to_path(mut self, path: &str) -> Self {
        self.to_path = Some(path.to_owned());
        self
    }
}

/// `spec.verify` of a GitRepository: signature verification.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitVerify {
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    #[serde(serialize_with = "crate::object::local_ref")]
    secret_ref: Ref<Secret>,
}

impl GitVerify {
    /// Verify the HEAD commit with the public keys in `keys`.
    pub fn head(keys: &Ref<Secret>) -> GitVerify {
        GitVerify {
            mode: Some("HEAD"),
            secret_ref: keys.clone(),
        }
    }
    /// Verify the tag.
    pub fn tag(keys: &Ref<Secret>) -> GitVerify {
        GitVerify {
            mode: Some("Tag"),
            secret_ref: keys.clone(),
        }
    }
    /// Verify the tag and the commit it points to.
    pub fn tag_and_head(keys: &Ref<Secret>) -> GitVerify {
        GitVerify {
            mode: Some("TagAndHEAD"),
            secret_ref: keys.clone(),
        }
    }
}
