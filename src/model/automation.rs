//! Fields that Flux's image automation keeps current: a value marked with a setter comment
//! (`image: app:1.0 # {"$imagepolicy": "flux-system:app"}`), which
//! image-automation-controller rewrites with what an ImagePolicy chooses, commits and
//! pushes. The marks are declared here ([`Cluster::automate`]), checked against the
//! policies and ImageUpdateAutomations the cluster declares, and read by render, which
//! writes the markers and keeps a value the controller committed.

use std::panic::Location;
use std::sync::Arc;

use serde_json::Value;

use crate::error::Problem;
pub(crate) use crate::flux::image::{ImagePolicy, ImageSetter, Marked, Setter};
use crate::model::cluster::{Cluster, Declared, FileContent, Folder};
use crate::object::{ObjectKey, Ref};

/// A field path (`spec.template.spec.containers[0].image`) as a JSON pointer, or why it
/// is not one.
fn pointer(field: &str) -> Result<String, String> {
    let mut out = String::new();
    for part in field.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && (out.is_empty() || rest.is_empty()) {
            return Err(format!(
                "{field:?} is not a field path: write keys with dots and list items by \
                 index (spec.template.spec.containers[0].image)"
            ));
        }
        if !key.is_empty() {
            out.push('/');
            out.push_str(&key.replace('~', "~0").replace('/', "~1"));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let Some((index, after)) = r.split_once(']') else {
                return Err(format!("{field:?} is not a field path: `[` without `]`"));
            };
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "{field:?} is not a field path: `[{index}]` is not a list index"
                ));
            }
            out.push('/');
            out.push_str(index);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(format!("{field:?} is not a field path: {rest:?} after `]`"));
        }
    }
    Ok(out)
}

impl Cluster {
    /// Declares the string at `field` of `object` as kept current by Flux's image
    /// automation from `policy`: render writes the setter marker after it
    /// (`image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "flux-system:app"}`), and
    /// `render`/`check` keep a value image-automation-controller committed there as long
    /// as the policy could have chosen it. The value the program writes is where the
    /// automation starts.
    ///
    /// Refused unless the policy is declared in this cluster, the value is one it could
    /// choose (its ImageRepository, a tag its filter and rule admit), and an
    /// ImageUpdateAutomation in the policy's namespace, selecting it, updates the folder
    /// the object is written in.
    ///
    /// ```
    /// use fluxdsl::*;
    /// let mut cluster = Cluster::new("k8s");
    /// let flux = cluster.file("flux-system/automation.yaml");
    /// let git = cluster.add(&flux, GitRepository::builder()
    ///     .name(name!("flux-system"))
    ///     .url("ssh://git@github.com/example/fleet")
    ///     .reference(GitRef::branch("main"))
    ///     .interval(duration!("1m"))
    ///     .build());
    /// cluster.source_is_this_repository(&git);
    /// cluster.add(&flux, ImageUpdateAutomation::builder()
    ///     .name(name!("flux-system"))
    ///     .source_ref(&git)
    ///     .author(CommitAuthor::new("fluxcdbot", "fluxcdbot@users.noreply.github.com"))
    ///     .push_branch("main")
    ///     .update_path("./k8s")
    ///     .interval(duration!("30m"))
    ///     .build());
    /// let repository = cluster.add(&flux, ImageRepository::builder()
    ///     .name(name!("podinfo"))
    ///     .image("ghcr.io/stefanprodan/podinfo")
    ///     .interval(duration!("5m"))
    ///     .build());
    /// let policy = cluster.add(&flux, ImagePolicy::builder()
    ///     .name(name!("podinfo"))
    ///     .image_repository_ref(&repository)
    ///     .policy(TagPolicy::Semver(">=6.0.0".into()))
    ///     .build());
    /// let apps = cluster.file("apps/podinfo.yaml");
    /// let podinfo = cluster.add(&apps, App::builder()
    ///     .name(name!("podinfo"))
    ///     .namespace(namespace!("podinfo"))
    ///     .image("ghcr.io/stefanprodan/podinfo:6.5.0")
    ///     .build());
    /// cluster.automate(podinfo.deployment.as_ref().unwrap(),
    ///     "spec.template.spec.containers[0].image", &policy, ImageSetter::Image);
    /// let rendered = cluster.render().unwrap();
    /// assert!(rendered.file("apps/podinfo.yaml").unwrap().contains(
    ///     "image: ghcr.io/stefanprodan/podinfo:6.5.0 # {\"$imagepolicy\": \"flux-system:podinfo\"}\n"));
    /// ```
    #[track_caller]
    pub fn automate<K>(
        &mut self,
        object: &Ref<K>,
        field: &str,
        policy: &Ref<ImagePolicy>,
        setter: ImageSetter,
    ) {
        self.mark(
            Marked::Object(Arc::clone(object.target())),
            field,
            policy,
            setter,
            Location::caller(),
        );
    }

    /// Declares the `images` entry named `image` of `folder`'s kustomization.yaml as kept
    /// current from `policy`: its `newName` (`:name`), `newTag` (`:tag`) and `digest`
    /// (`:digest`), those it sets, are marked as in [`automate`](Self::automate).
    #[track_caller]
    pub fn automate_folder_image(
        &mut self,
        folder: &Folder,
        image: &str,
        policy: &Ref<ImagePolicy>,
    ) {
        let at = Location::caller();
        let index = folder.config_file().index();
        let entry = match &self.files[index].content {
            FileContent::KustomizeConfig(config) => {
                config.images.iter().position(|i| i.name == image).map(|i| {
                    let e = &config.images[i];
                    (
                        i,
                        e.new_name.is_some(),
                        e.new_tag.is_some(),
                        e.digest.is_some(),
                    )
                })
            }
            _ => None,
        };
        let Some((i, name, tag, digest)) = entry else {
            self.problems.push(Problem {
                remedy: None,
                object: None,
                field: Some("images"),
                message: format!(
                    "{}/kustomization.yaml has no `images` entry named {image:?} to automate",
                    folder.dir()
                ),
                sites: vec![("declared", at)],
            });
            return;
        };
        for (set, key, form) in [
            (name, "newName", ImageSetter::Name),
            (tag, "newTag", ImageSetter::Tag),
            (digest, "digest", ImageSetter::Digest),
        ] {
            if set {
                self.mark(
                    Marked::File(index),
                    &format!("images[{i}].{key}"),
                    policy,
                    form,
                    at,
                );
            }
        }
    }

    pub(crate) fn mark(
        &mut self,
        marked: Marked,
        field: &str,
        policy: &Ref<ImagePolicy>,
        form: ImageSetter,
        at: &'static Location<'static>,
    ) {
        match pointer(field) {
            Ok(pointer) => self.setters.push(Setter {
                marked,
                field: field.to_owned(),
                pointer,
                policy: Arc::clone(policy.target()),
                form,
                at,
            }),
            Err(message) => self.problems.push(Problem {
                remedy: None,
                object: match &marked {
                    Marked::Object(t) => Some(t.key.clone()),
                    Marked::File(_) => None,
                },
                field: None,
                message,
                sites: vec![("declared", at)],
            }),
        }
    }
}

/// What an ImagePolicy could choose: its ImageRepository's image (when the cluster
/// declares it), its `filterTags` and its rule.
#[derive(Debug, Clone)]
pub(crate) struct Admits {
    policy: ObjectKey,
    repository: Option<String>,
    pattern: Option<regex::Regex>,
    extract: Option<String>,
    /// `spec.policy` as written (`{"semver": {"range": ...}}`).
    rule: Value,
    /// The policy's labels, which an ImageUpdateAutomation's `policySelector` reads.
    labels: Value,
}

/// `image` with Docker Hub's implied parts dropped, as references compare equal.
fn canonical(image: &str) -> &str {
    let image = image
        .strip_prefix("index.docker.io/")
        .or_else(|| image.strip_prefix("docker.io/"))
        .unwrap_or(image);
    image.strip_prefix("library/").unwrap_or(image)
}

/// `repository[:tag][@digest]` split into its parts.
fn split_reference(value: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match value.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (value, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

impl Admits {
    /// Why the policy could not have written `value` into a field of form `form`, or
    /// `None` when it could.
    pub(crate) fn problem(&self, form: ImageSetter, value: &str) -> Option<String> {
        let policy = format!(
            "ImagePolicy {}/{}",
            self.policy.namespace.as_deref().unwrap_or("default"),
            self.policy.name
        );
        let name_problem = |name: &str| match &self.repository {
            Some(repository) if canonical(repository) != canonical(name) => Some(format!(
                "{name:?} is not {repository:?}, the image {policy} watches"
            )),
            _ => None,
        };
        match form {
            ImageSetter::Name => name_problem(value),
            ImageSetter::Digest => {
                let hex = value.strip_prefix("sha256:").unwrap_or("");
                (hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| {
                    format!("{value:?} is not a digest (sha256: and 64 hexadecimal digits)")
                })
            }
            ImageSetter::Tag => self.tag_problem(value, &policy),
            ImageSetter::Image => {
                let (name, tag, _) = split_reference(value);
                if let Some(problem) = name_problem(name) {
                    return Some(problem);
                }
                match tag {
                    Some(tag) => self.tag_problem(tag, &policy),
                    None => Some(format!(
                        "{value:?} names no tag, and {policy} always writes one"
                    )),
                }
            }
        }
    }

    fn tag_problem(&self, tag: &str, policy: &str) -> Option<String> {
        let mut compared = tag.to_owned();
        if let Some(pattern) = &self.pattern {
            let Some(captures) = pattern.captures(tag) else {
                return Some(format!(
                    "tag {tag:?} does not match {:?}, the filterTags pattern of {policy}",
                    pattern.as_str()
                ));
            };
            if let Some(extract) = &self.extract {
                compared.clear();
                // `regex` expands `$name`, `${name}` and `$$` as Go's `regexp.Expand` does.
                captures.expand(extract, &mut compared);
            }
        }
        if let Some(range) = self.rule.pointer("/semver/range").and_then(Value::as_str) {
            if !crate::flux::semver::admits(range, &compared) {
                return Some(format!(
                    "{compared:?} is not a version in {range:?}, the semver range of {policy}"
                ));
            }
        } else if self.rule.get("numerical").is_some() && compared.parse::<f64>().is_err() {
            return Some(format!(
                "{compared:?} is not a number, and {policy} orders tags numerically"
            ));
        }
        None
    }
}

/// The object `key` names among `cluster`'s declarations.
fn declared<'c>(cluster: &'c Cluster, key: &ObjectKey) -> Option<&'c Declared> {
    cluster.objects.iter().find(|o| o.key() == key)
}

/// What the policy `key` names could choose, read from the cluster's declarations.
pub(crate) fn admits(cluster: &Cluster, key: &ObjectKey) -> Option<Admits> {
    let policy = declared(cluster, key)?.object.to_json().ok()?;
    let spec = policy.get("spec")?;
    let repository = spec.get("imageRepositoryRef").and_then(|r| {
        let name = r.get("name")?.as_str()?;
        let namespace = r
            .get("namespace")
            .and_then(Value::as_str)
            .or(key.namespace.as_deref());
        cluster
            .objects
            .iter()
            .find(|o| {
                let k = o.key();
                k.kind == "ImageRepository"
                    && k.name.as_str() == name
                    && k.namespace.as_deref() == namespace
            })
            .and_then(|o| o.object.to_json().ok())
            .and_then(|r| Some(r.pointer("/spec/image")?.as_str()?.to_owned()))
    });
    let filter = spec.get("filterTags");
    Some(Admits {
        policy: key.clone(),
        repository,
        pattern: filter
            .and_then(|f| f.get("pattern")?.as_str())
            .and_then(|p| regex::Regex::new(p).ok()),
        extract: filter
            .and_then(|f| f.get("extract")?.as_str())
            .map(str::to_owned),
        rule: spec.get("policy").cloned().unwrap_or(Value::Null),
        labels: policy
            .pointer("/metadata/labels")
            .cloned()
            .unwrap_or(Value::Null),
    })
}

/// The document a setter marks, as render writes it, and the file it is written in.
fn document(cluster: &Cluster, setter: &Setter) -> Result<(usize, Value), String> {
    match &setter.marked {
        Marked::Object(target) => {
            let o = cluster
                .objects
                .iter()
                .find(|o| Arc::ptr_eq(&o.target, target) || o.key() == &target.key)
                .ok_or_else(|| {
                    "it is not declared in this cluster: only what this program writes can \
                     carry a setter marker"
                        .to_owned()
                })?;
            if o.encrypted {
                return Err(
                    "it is SOPS-encrypted, and the controller cannot rewrite an encrypted value"
                        .into(),
                );
            }
            let json = o.object.to_json().map_err(|e| e.to_string())?;
            Ok((o.file, json))
        }
        Marked::File(index) => Ok((*index, file_document(cluster, *index).unwrap_or_default())),
    }
}

/// The JSON of a file fluxdsl writes from a value of its own (a kustomization.yaml).
pub(crate) fn file_document(cluster: &Cluster, index: usize) -> Option<Value> {
    let decl = &cluster.files[index];
    let FileContent::KustomizeConfig(config) = &decl.content else {
        return None;
    };
    let (dir, generated) = cluster.generated_by(decl);
    serde_json::to_value(config.wire(dir, &generated)).ok()
}

/// Whether the ImageUpdateAutomation `automation` (its JSON) applies the policy `policy`
/// (labels `labels`) to the file at `repo_path` of a repository its source fetches.
fn updates(automation: &Value, labels: &Value, repo_path: &str) -> bool {
    let Some(path) = automation
        .pointer("/spec/update/path")
        .and_then(Value::as_str)
    else {
        return false;
    };
    let path = path.trim_start_matches("./").trim_matches('/');
    let inside = matches!(path, "" | ".")
        || repo_path == path
        || repo_path
            .strip_prefix(path)
            .is_some_and(|r| r.starts_with('/'));
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let selector = automation.pointer("/spec/policySelector");
    let matches_labels = selector
        .and_then(|s| s.get("matchLabels"))
        .and_then(Value::as_object)
        .is_none_or(|m| m.iter().all(|(k, v)| label(k) == v.as_str()));
    let matches_expressions = selector
        .and_then(|s| s.get("matchExpressions"))
        .and_then(Value::as_array)
        .is_none_or(|all| {
            all.iter().all(|e| {
                let key = e.get("key").and_then(Value::as_str).unwrap_or("");
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                match e.get("operator").and_then(Value::as_str) {
                    Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                    Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                    Some("Exists") => label(key).is_some(),
                    Some("DoesNotExist") => label(key).is_none(),
                    _ => false,
                }
            })
        });
    inside && matches_labels && matches_expressions
}

/// Every refusal of the cluster's setters: the field is not a string of the document, the
/// policy is not declared here or could not choose the value, or no ImageUpdateAutomation
/// would ever update it.
pub(crate) fn problems(cluster: &Cluster) -> Vec<Problem> {
    let mut problems = Vec::new();
    for s in &cluster.setters {
        let object = match &s.marked {
            Marked::Object(t) => Some(t.key.clone()),
            Marked::File(_) => None,
        };
        let file_label = match &s.marked {
            Marked::Object(_) => String::new(),
            Marked::File(i) => format!("{}: ", cluster.files[*i].path),
        };
        let refuse = |message: String| Problem {
            remedy: None,
            object: object.clone(),
            field: Some(crate::object::intern(&s.field)),
            message: format!("{file_label}{message}"),
            sites: vec![("declared", s.at)],
        };
        let (file, json) = match document(cluster, s) {
            Ok(found) => found,
            Err(why) => {
                problems.push(refuse(format!("cannot be automated: {why}")));
                continue;
            }
        };
        let decl = &cluster.files[file];
        let Some(value) = json.pointer(&s.pointer) else {
            problems.push(refuse(format!(
                "is not a field of the {} as written, so there is no value to mark",
                if object.is_some() {
                    "object"
                } else {
                    "kustomization.yaml"
                }
            )));
            continue;
        };
        let Some(value) = value.as_str() else {
            problems.push(refuse(format!(
                "holds {value}, not a string: the controller writes images, tags, names and \
                 digests"
            )));
            continue;
        };
        let policy_name = format!(
            "ImagePolicy {}/{}",
            s.policy.key.namespace.as_deref().unwrap_or("default"),
            s.policy.key.name
        );
        let Some(admits) = admits(cluster, &s.policy.key) else {
            problems.push(refuse(format!(
                "is marked for {policy_name}, which this cluster does not declare: the \
                 controller only reads the policies of the cluster it runs in"
            )));
            continue;
        };
        if let Some(why) = admits.problem(s.form, value) {
            problems.push(refuse(format!(
                "starts at {value:?}, which {policy_name} could never choose: {why}"
            )));
        }
        let tree = &cluster.trees[decl.tree];
        let repo_path = crate::model::cluster::join(&tree.repo_path, &decl.path);
        let file_name = decl.path.rsplit('/').next().unwrap_or(&decl.path);
        if !(file_name.ends_with(".yaml")
            || file_name.ends_with(".yml")
            || file_name == "Kustomization")
        {
            problems.push(refuse(format!(
                "is written in {:?}, which the controller never reads (it updates .yaml and \
                 .yml files only)",
                decl.path
            )));
            continue;
        }
        let covered = cluster.objects.iter().any(|o| {
            let k = o.key();
            if k.kind != "ImageUpdateAutomation" || k.namespace != s.policy.key.namespace {
                return false;
            }
            let Ok(automation) = o.object.to_json() else {
                return false;
            };
            let source = automation
                .pointer("/spec/sourceRef/name")
                .and_then(Value::as_str);
            let source_namespace = automation
                .pointer("/spec/sourceRef/namespace")
                .and_then(Value::as_str)
                .or(k.namespace.as_deref());
            let fetches_tree = tree.sources.is_empty()
                || tree.sources.iter().any(|t| {
                    t.key.kind == "GitRepository"
                        && Some(t.key.name.as_str()) == source
                        && t.key.namespace.as_deref() == source_namespace
                });
            fetches_tree && updates(&automation, &admits.labels, &repo_path)
        });
        if !covered {
            problems.push(refuse(format!(
                "is marked for {policy_name}, but no ImageUpdateAutomation in namespace {} \
                 selecting that policy updates {repo_path:?} of the repository its \
                 GitRepository fetches: the marker would never be read (declare one whose \
                 update_path holds the file)",
                s.policy.key.namespace.as_deref().unwrap_or("default")
            )));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_become_json_pointers() {
        assert_eq!(
            pointer("spec.template.spec.containers[0].image").unwrap(),
            "/spec/template/spec/containers/0/image"
        );
        assert_eq!(pointer("images[2].newTag").unwrap(), "/images/2/newTag");
        assert_eq!(pointer("spec.values.a/b").unwrap(), "/spec/values/a~1b");
        for bad in ["", "spec..image", "containers[x]", "containers[0", "a[0]b"] {
            assert!(pointer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_split_into_repository_tag_and_digest() {
        assert_eq!(
            split_reference("localhost:5000/app:1.0@sha256:ab"),
            ("localhost:5000/app", Some("1.0"), Some("sha256:ab"))
        );
        assert_eq!(
            split_reference("localhost:5000/app"),
            ("localhost:5000/app", None, None)
        );
        assert_eq!(canonical("docker.io/library/nginx"), "nginx");
    }
}
