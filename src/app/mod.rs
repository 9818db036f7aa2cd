//! Applications as typed Rust: an [`App`] yields the Kubernetes objects one workload needs —
//! a Deployment or StatefulSet, a Service, an Ingress (class `traefik`, TLS from
//! cert-manager), PersistentVolumeClaims and ConfigMaps — built on k8s-openapi types.
//! Secrets and ConfigMaps are referred to by handle (names only, never values). Whatever the
//! app layer does not cover can always be declared as a plain k8s-openapi object.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EnvFromSource, EnvVar, EnvVarSource,
    HTTPGetAction, Namespace, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Secret, SecretEnvSource, SecretKeySelector, SecurityContext, Service,
    ServicePort, ServiceSpec, TCPSocketAction, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress as K8sIngress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use typed_builder::TypedBuilder;

use crate::error::Problem;
use crate::model::cluster::Cluster;
use crate::object::File;
use crate::object::{ObjectKey, Ref};
use crate::values::{Name, NamespaceName};

/// A named container port, exposed by the app's Service under the same name.
#[derive(Debug, Clone)]
pub struct Port {
    name: Name,
    port: i32,
    http: bool,
}

impl Port {
    /// An HTTP port (probes and the Ingress use HTTP on it).
    pub fn http(name: Name, port: i32) -> Port {
        Port {
            name,
            port,
            http: true,
        }
    }
    /// A plain TCP port (databases).
    pub fn tcp(name: Name, port: i32) -> Port {
        Port {
            name,
            port,
            http: false,
        }
    }
}

/// One environment variable: a literal, or a key of a Secret or ConfigMap (by handle).
#[derive(Debug, Clone)]
pub struct Env(
    EnvVar,
    Option<(&'static str, std::sync::Arc<crate::object::Target>)>,
);

impl Env {
    /// A literal value (no secrets here: use [`Env::secret_key`]).
    pub fn value(name: &str, value: &str) -> Env {
        Env(
            EnvVar {
                name: name.to_owned(),
                value: Some(value.to_owned()),
                ..EnvVar::default()
            },
            None,
        )
    }
    /// The value of `key` in a Secret (the app's namespace).
    pub fn secret_key(name: &str, secret: &Ref<Secret>, key: &str) -> Env {
        Env(
            EnvVar {
                name: name.to_owned(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: secret.name().to_owned(),
                        key: key.to_owned(),
                        ..SecretKeySelector::default()
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            },
            Some((
                "spec.template.spec.containers[0].env[].valueFrom.secretKeyRef",
                std::sync::Arc::clone(secret.target()),
            )),
        )
    }
    /// The value of `key` in a ConfigMap (the app's namespace).
    pub fn config_map_key(name: &str, config_map: &Ref<ConfigMap>, key: &str) -> Env {
        Env(
            EnvVar {
                name: name.to_owned(),
                value_from: Some(EnvVarSource {
                    config_map_key_ref: Some(k8s_openapi::api::core::v1::ConfigMapKeySelector {
                        name: config_map.name().to_owned(),
                        key: key.to_owned(),
                        ..Default::default()
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            },
            Some((
                "spec.template.spec.containers[0].env[].valueFrom.configMapKeyRef",
                std::sync::Arc::clone(config_map.target()),
            )),
        )
    }
}

/// Every key of a Secret or ConfigMap as environment variables.
#[derive(Debug, Clone)]
pub struct EnvFrom(
    EnvFromSource,
    (&'static str, std::sync::Arc<crate::object::Target>),
);

impl EnvFrom {
    /// All keys of a Secret.
    pub fn secret(secret: &Ref<Secret>) -> EnvFrom {
        EnvFrom(
            EnvFromSource {
                secret_ref: Some(SecretEnvSource {
                    name: secret.name().to_owned(),
                    ..SecretEnvSource::default()
                }),
                ..EnvFromSource::default()
            },
            (
                "spec.template.spec.containers[0].envFrom[].secretRef",
                std::sync::Arc::clone(secret.target()),
            ),
        )
    }
    /// All keys of a ConfigMap.
    pub fn config_map(config_map: &Ref<ConfigMap>) -> EnvFrom {
        EnvFrom(
            EnvFromSource {
                config_map_ref: Some(ConfigMapEnvSource {
                    name: config_map.name().to_owned(),
                    ..ConfigMapEnvSource::default()
                }),
                ..EnvFromSource::default()
            },
            (
                "spec.template.spec.containers[0].envFrom[].configMapRef",
                std::sync::Arc::clone(config_map.target()),
            ),
        )
    }
}

/// Persistent storage mounted at `mount_path`: a PersistentVolumeClaim for a Deployment, a
/// volume claim template for a StatefulSet.
#[derive(Debug, Clone)]
pub struct Storage {
    name: Name,
    mount_path: String,
    size: String,
    storage_class: Option<String>,
}

impl Storage {
    /// `size` (e.g. `10Gi`) of storage at `mount_path`.
    pub fn new(name: Name, mount_path: &str, size: &str) -> Storage {
        Storage {
            name,
            mount_path: mount_path.to_owned(),
            size: size.to_owned(),
            storage_class: None,
        }
    }
    /// From this StorageClass instead of the cluster's default.
    pub fn storage_class(mut self, class: &str) -> Storage {
        self.storage_class = Some(class.to_owned());
        self
    }
}

/// A file mounted from a ConfigMap that the app declares with the given contents.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    mount_path: String,
    file_name: String,
    contents: String,
}

impl ConfigFile {
    /// `contents` mounted as `mount_dir/file_name`.
    pub fn new(mount_dir: &str, file_name: &str, contents: &str) -> ConfigFile {
        ConfigFile {
            mount_path: mount_dir.to_owned(),
            file_name: file_name.to_owned(),
            contents: contents.to_owned(),
        }
    }
}

/// A cert-manager issuer for the Ingress certificate.
#[derive(Debug, Clone)]
pub enum Issuer {
    /// A `ClusterIssuer` (annotation `cert-manager.io/cluster-issuer`).
    Cluster(Name),
    /// An `Issuer` in the app's namespace (annotation `cert-manager.io/issuer`).
    Namespaced(Name),
}

/// The app's Ingress: class `traefik`, one host, TLS from a cert-manager issuer, routed to a
/// port of the app by name.
#[derive(Debug, Clone)]
pub struct Ingress {
    host: String,
    path: String,
    port: Name,
    issuer: Option<Issuer>,
}

impl Ingress {
    /// Route `host` to the app's port `port` (which must be one of its [`Port`]s).
    pub fn new(host: &str, port: Name) -> Ingress {
        Ingress {
            host: host.to_owned(),
            path: "/".into(),
            port,
            issuer: None,
        }
    }
    /// Only this path prefix.
    pub fn path(mut self, prefix: &str) -> Ingress {
        self.path = prefix.to_owned();
        self
    }
    /// Serve TLS with a certificate cert-manager obtains from `issuer`.
    pub fn tls(mut self, issuer: Issuer) -> Ingress {
        self.issuer = Some(issuer);
        self
    }
}

/// CPU and memory requests and limits.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    requests: BTreeMap<String, Quantity>,
    limits: BTreeMap<String, Quantity>,
}

impl Resources {
    /// No requests or limits yet.
    pub fn new() -> Resources {
        Resources::default()
    }
    /// Requests (`100m`, `256Mi`).
    pub fn requests(mut self, cpu: &str, memory: &str) -> Resources {
        self.requests.insert("cpu".into(), Quantity(cpu.into()));
        self.requests
            .insert("memory".into(), Quantity(memory.into()));
        self
    }
    /// Limits; a memory limit without a CPU limit is the usual choice (`None` for CPU).
    pub fn limits(mut self, cpu: Option<&str>, memory: &str) -> Resources {
        if let Some(cpu) = cpu {
            self.limits.insert("cpu".into(), Quantity(cpu.into()));
        }
        self.limits.insert("memory".into(), Quantity(memory.into()));
        self
    }
}

/// A readiness and liveness check of the app.
#[derive(Debug, Clone)]
pub enum ReadyCheck {
    /// HTTP GET of `path` on a port by name.
    Http {
        /// The path.
        path: String,
        /// The port name.
        port: Name,
    },
    /// A TCP connection to a port by name.
    Tcp {
        /// The port name.
        port: Name,
    },
}

impl ReadyCheck {
    /// HTTP GET of `path` on the port named `port`.
    pub fn http(path: &str, port: Name) -> ReadyCheck {
        ReadyCheck::Http {
            path: path.to_owned(),
            port,
        }
    }
    /// A TCP connection to the port named `port`.
    pub fn tcp(port: Name) -> ReadyCheck {
        ReadyCheck::Tcp { port }
    }
}

/// An application workload.
///
/// ```
/// use fluxdsl::*;
/// use fluxdsl::k8s_openapi::api::core::v1::Secret;
/// let mut cluster = Cluster::new("apps");
/// let file = cluster.file("web/web.yaml");
/// let db_password: Ref<Secret> = Ref::existing(&namespace!("web"), name!("web-db"));
/// let web = App::builder()
///     .name(name!("web"))
///     .namespace(namespace!("web"))
///     .image("docker.io/library/nginx:1.27")
///     .ports(&[Port::http(name!("http"), 8080)])
///     .env(&[Env::secret_key("DB_PASSWORD", &db_password, "password")])
///     .ingress(Ingress::new("web.example.com", name!("http")).tls(Issuer::Cluster(name!("letsencrypt"))))
///     .check(ReadyCheck::http("/healthz", name!("http")))
///     .build();
/// let handles = cluster.add(&file, web);
/// assert_eq!(handles.service.name(), "web");
/// ```
#[derive(Debug, Clone, TypedBuilder)]
#[builder(
    doc,
    builder_type(doc = "Builds an [`App`]; `name`, `namespace` and `image` are required."),
    build_method(doc = "Finishes the App.")
)]
pub struct App {
    /// Name of every object of the app, and its `app.kubernetes.io/name` label.
    #[builder(setter(transform = |name: impl crate::values::IntoName| name.into_name()))]
    name: Name,
    /// Namespace of the app.
    namespace: NamespaceName,
    /// Container image, with a tag or digest.
    #[builder(setter(transform = |image: impl Into<String>| image.into()))]
    image: String,
    /// The ImagePolicy that keeps `image` current: the container's image is marked for
    /// image automation ([`Cluster::automate`](crate::Cluster::automate) with
    /// [`ImageSetter::Image`](crate::ImageSetter::Image)), `image` being where it starts.
    #[builder(default, setter(transform = |policy: &crate::object::Ref<crate::flux::image::ImagePolicy>| Some(policy.clone())))]
    image_policy: Option<crate::object::Ref<crate::flux::image::ImagePolicy>>,
    /// Replicas (1 when not set).
    #[builder(default = 1)]
    replicas: i32,
    /// A StatefulSet (stable identity and per-replica storage) instead of a Deployment.
    #[builder(default)]
    stateful: bool,
    /// Container ports, each exposed by the Service under its name.
    #[builder(default, setter(transform = |ports: &[Port]| ports.to_vec()))]
    ports: Vec<Port>,
    /// Container arguments.
    #[builder(default, setter(transform = |args: &[&str]| args.iter().map(|a| a.to_string()).collect()))]
    args: Vec<String>,
    /// Environment variables.
    #[builder(default, setter(transform = |env: &[Env]| env.to_vec()))]
    env: Vec<Env>,
    /// Environment from whole Secrets or ConfigMaps.
    #[builder(default, setter(transform = |from: &[EnvFrom]| from.to_vec()))]
    env_from: Vec<EnvFrom>,
    /// Persistent storage.
    #[builder(default, setter(transform = |storage: &[Storage]| storage.to_vec()))]
    storage: Vec<Storage>,
    /// Configuration files, from a ConfigMap the app declares.
    #[builder(default, setter(transform = |files: &[ConfigFile]| files.to_vec()))]
    config_files: Vec<ConfigFile>,
    /// The Ingress, if the app is reachable from outside.
    #[builder(default, setter(strip_option))]
    ingress: Option<Ingress>,
    /// Requests and limits.
    #[builder(default, setter(strip_option))]
    resources: Option<Resources>,
    /// Readiness and liveness check.
    #[builder(default, setter(strip_option))]
    check: Option<ReadyCheck>,
    /// The user the container runs as (it then runs as non-root, without privilege
    /// escalation, with all capabilities dropped and the runtime's seccomp profile).
    #[builder(default, setter(strip_option))]
    run_as_user: Option<i64>,
    /// `fsGroup` of the pod, for volumes the user must write.
    #[builder(default, setter(strip_option))]
    fs_group: Option<i64>,
}

/// Handles to what declaring an [`App`] (with [`Cluster::add`](crate::Cluster::add)) declared.
#[derive(Debug, Clone)]
pub struct AppHandles {
    /// The Service.
    pub service: Ref<Service>,
    /// The Deployment, unless the app is stateful.
    pub deployment: Option<Ref<Deployment>>,
    /// The StatefulSet, if the app is stateful.
    pub stateful_set: Option<Ref<StatefulSet>>,
    /// The Ingress, if any.
    pub ingress: Option<Ref<K8sIngress>>,
}

impl App {
    fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.as_str().to_owned()),
            labels: Some(self.labels()),
            ..ObjectMeta::default()
        }
    }

    fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(
            "app.kubernetes.io/name".to_string(),
            self.name.as_str().to_string(),
        )])
    }

    fn port_number(&self, name: &Name) -> Option<&Port> {
        self.ports.iter().find(|p| p.name == *name)
    }

    fn probe(&self) -> Option<Probe> {
        let check = self.check.as_ref()?;
        let (http_get, tcp_socket) = match check {
            ReadyCheck::Http { path, port } => (
                Some(HTTPGetAction {
                    path: Some(path.clone()),
                    port: IntOrString::String(port.as_str().to_owned()),
                    ..HTTPGetAction::default()
                }),
                None,
            ),
            ReadyCheck::Tcp { port } => (
                None,
                Some(TCPSocketAction {
                    port: IntOrString::String(port.as_str().to_owned()),
                    ..TCPSocketAction::default()
                }),
            ),
        };
        Some(Probe {
            http_get,
            tcp_socket,
            period_seconds: Some(10),
            failure_threshold: Some(3),
            ..Probe::default()
        })
    }

    fn container(&self) -> Container {
        let mut mounts: Vec<VolumeMount> = self
            .storage
            .iter()
            .map(|s| VolumeMount {
                name: s.name.as_str().to_owned(),
                mount_path: s.mount_path.clone(),
                ..VolumeMount::default()
            })
            .collect();
        mounts.extend(self.config_files.iter().map(|f| VolumeMount {
            name: "config".into(),
            mount_path: format!("{}/{}", f.mount_path.trim_end_matches('/'), f.file_name),
            sub_path: Some(f.file_name.clone()),
            read_only: Some(true),
            ..VolumeMount::default()
        }));
        let probe = self.probe();
        Container {
            name: self.name.as_str().to_owned(),
            image: Some(self.image.clone()),
            args: (!self.args.is_empty()).then(|| self.args.clone()),
            ports: (!self.ports.is_empty()).then(|| {
                self.ports
                    .iter()
                    .map(|p| ContainerPort {
                        name: Some(p.name.as_str().to_owned()),
                        container_port: p.port,
                        protocol: Some("TCP".into()),
                        ..ContainerPort::default()
                    })
                    .collect()
            }),
            env: (!self.env.is_empty()).then(|| self.env.iter().map(|e| e.0.clone()).collect()),
            env_from: (!self.env_from.is_empty())
                .then(|| self.env_from.iter().map(|e| e.0.clone()).collect()),
            resources: self.resources.as_ref().map(|r| ResourceRequirements {
                requests: (!r.requests.is_empty()).then(|| r.requests.clone()),
                limits: (!r.limits.is_empty()).then(|| r.limits.clone()),
                ..ResourceRequirements::default()
            }),
            readiness_probe: probe.clone(),
            liveness_probe: probe.map(|p| Probe {
                initial_delay_seconds: Some(30),
                ..p
            }),
            security_context: self.run_as_user.map(|uid| SecurityContext {
                run_as_user: Some(uid),
                run_as_non_root: Some(true),
                allow_privilege_escalation: Some(false),
                capabilities: Some(k8s_openapi::api::core::v1::Capabilities {
                    drop: Some(vec!["ALL".into()]),
                    ..Default::default()
                }),
                seccomp_profile: Some(k8s_openapi::api::core::v1::SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..Default::default()
                }),
                ..SecurityContext::default()
            }),
            volume_mounts: (!mounts.is_empty()).then_some(mounts),
            ..Container::default()
        }
    }

    fn claim_spec(s: &Storage) -> PersistentVolumeClaimSpec {
        PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            storage_class_name: s.storage_class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_string(),
                    Quantity(s.size.clone()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }
    }

    fn pod(&self) -> PodTemplateSpec {
        let mut volumes: Vec<Volume> = Vec::new();
        if !self.stateful {
            volumes.extend(self.storage.iter().map(|s| Volume {
                name: s.name.as_str().to_owned(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: format!("{}-{}", self.name, s.name),
                    ..PersistentVolumeClaimVolumeSource::default()
                }),
                ..Volume::default()
            }));
        }
        if !self.config_files.is_empty() {
            volumes.push(Volume {
                name: "config".into(),
                config_map: Some(k8s_openapi::api::core::v1::ConfigMapVolumeSource {
                    name: format!("{}-config", self.name),
                    ..Default::default()
                }),
                ..Volume::default()
            });
        }
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(self.labels()),
                ..ObjectMeta::default()
            }),
            spec: Some(PodSpec {
                containers: vec![self.container()],
                security_context: self.fs_group.map(|g| PodSecurityContext {
                    fs_group: Some(g),
                    ..PodSecurityContext::default()
                }),
                volumes: (!volumes.is_empty()).then_some(volumes),
                ..PodSpec::default()
            }),
        }
    }

    /// The app's Namespace, for the folder that holds it.
    pub fn namespace_object(&self) -> Namespace {
        Namespace {
            metadata: ObjectMeta {
                name: Some(self.namespace.as_str().to_owned()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        }
    }

    /// Declares every object of the app in `file` and returns handles to them (what
    /// [`Cluster::add`] does with an App). A port the Ingress or the check names that the
    /// app does not have is refused by [`Cluster::render`], with the declaration's location.
    fn declare(
        self,
        cluster: &mut Cluster,
        file: &File,
        at: &'static std::panic::Location<'static>,
    ) -> AppHandles {
        for message in self.port_problems() {
            cluster.problems.push(Problem {
                remedy: None,
                object: None,
                field: None,
                message,
                sites: vec![("declared", at)],
            });
        }
        if let Some(config) = self.config_map() {
            cluster.add_at(file, config, at);
        }
        let (deployment, stateful_set) = if self.stateful {
            (None, Some(cluster.add_at(file, self.stateful_set(), at)))
        } else {
            for claim in self.claims() {
                cluster.add_at(file, claim, at);
            }
            (Some(cluster.add_at(file, self.deployment(), at)), None)
        };
        // The workload reads its Secrets and ConfigMaps by name in its own namespace: the
        // handles are checked as local references.
        let handles = self
            .env
            .iter()
            .filter_map(|e| e.1.as_ref())
            .chain(self.env_from.iter().map(|e| &e.1));
        let workload = deployment
            .as_ref()
            .map(|d| d.target())
            .or(stateful_set.as_ref().map(|s| s.target()));
        if let (Some(workload), Some(policy)) = (workload, &self.image_policy) {
            cluster.mark(
                crate::flux::image::Marked::Object(std::sync::Arc::clone(workload)),
                "spec.template.spec.containers[0].image",
                policy,
                crate::flux::image::ImageSetter::Image,
                at,
            );
        }
        if let Some(workload) = workload {
            let references = handles.map(|(field, target)| crate::object::Reference {
                field,
                target: std::sync::Arc::clone(target),
                rule: crate::object::RefRule::SameNamespace,
            });
            cluster.hold_references(workload, references.collect());
        }
        let service = cluster.add_at(file, self.service(), at);
        let ingress = self
            .ingress
            .as_ref()
            .map(|i| cluster.add_at(file, self.ingress_object(i), at));
        AppHandles {
            service,
            deployment,
            stateful_set,
            ingress,
        }
    }

    /// A port that the Ingress or the readiness check names and the app lacks.
    fn port_problems(&self) -> Vec<String> {
        let named = [
            self.ingress.as_ref().map(|i| ("ingress", &i.port)),
            match &self.check {
                Some(ReadyCheck::Http { port, .. }) | Some(ReadyCheck::Tcp { port }) => {
                    Some(("check", port))
                }
                None => None,
            },
        ];
        named
            .into_iter()
            .flatten()
            .filter(|(_, port)| self.port_number(port).is_none())
            .map(|(what, port)| {
                format!(
                    "app {}/{}: the {what} names port {:?}, but the app's ports are {:?}",
                    self.namespace,
                    self.name,
                    port.as_str(),
                    self.ports
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                )
            })
            .collect()
    }

    fn selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.labels()),
            ..LabelSelector::default()
        }
    }

    /// The ConfigMap `<name>-config` holding the config files, if there are any.
    fn config_map(&self) -> Option<ConfigMap> {
        (!self.config_files.is_empty()).then(|| ConfigMap {
            metadata: self.meta(&format!("{}-config", self.name.as_str())),
            data: Some(
                self.config_files
                    .iter()
                    .map(|f| (f.file_name.clone(), f.contents.clone()))
                    .collect(),
            ),
            ..ConfigMap::default()
        })
    }

    /// A stateful app: its StatefulSet, with a volume claim template per storage.
    fn stateful_set(&self) -> StatefulSet {
        let name = self.name.as_str();
        StatefulSet {
            metadata: self.meta(name),
            spec: Some(StatefulSetSpec {
                replicas: Some(self.replicas),
                selector: self.selector(),
                service_name: Some(name.to_owned()),
                template: self.pod(),
                volume_claim_templates: (!self.storage.is_empty()).then(|| {
                    self.storage
                        .iter()
                        .map(|s| PersistentVolumeClaim {
                            metadata: ObjectMeta {
                                name: Some(s.name.as_str().to_owned()),
                                ..ObjectMeta::default()
                            },
                            spec: Some(Self::claim_spec(s)),
                            ..PersistentVolumeClaim::default()
                        })
                        .collect()
                }),
                ..StatefulSetSpec::default()
            }),
            ..StatefulSet::default()
        }
    }

    /// A stateless app's PersistentVolumeClaims, `<name>-<storage>`.
    fn claims(&self) -> Vec<PersistentVolumeClaim> {
        self.storage
            .iter()
            .map(|s| PersistentVolumeClaim {
                metadata: self.meta(&format!("{}-{}", self.name.as_str(), s.name)),
                spec: Some(Self::claim_spec(s)),
                ..PersistentVolumeClaim::default()
            })
            .collect()
    }

    /// A stateless app's Deployment.
    fn deployment(&self) -> Deployment {
        Deployment {
            metadata: self.meta(self.name.as_str()),
            spec: Some(DeploymentSpec {
                replicas: Some(self.replicas),
                selector: self.selector(),
                // Volumes are ReadWriteOnce: replace pods instead of overlapping them.
                strategy: (!self.storage.is_empty()).then(|| {
                    k8s_openapi::api::apps::v1::DeploymentStrategy {
                        type_: Some("Recreate".into()),
                        ..Default::default()
                    }
                }),
                template: self.pod(),
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        }
    }

    /// The Service in front of the app's ports (headless for a stateful app).
    fn service(&self) -> Service {
        Service {
            metadata: self.meta(self.name.as_str()),
            spec: Some(ServiceSpec {
                selector: Some(self.labels()),
                cluster_ip: self.stateful.then(|| "None".to_string()),
                ports: Some(
                    self.ports
                        .iter()
                        .map(|p| ServicePort {
                            name: Some(p.name.as_str().to_owned()),
                            port: p.port,
                            target_port: Some(IntOrString::String(p.name.as_str().to_owned())),
                            protocol: Some("TCP".into()),
                            app_protocol: p.http.then(|| "http".to_string()),
                            ..ServicePort::default()
                        })
                        .collect(),
                ),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        }
    }

    /// The traefik Ingress for `i`, with TLS from a cert-manager issuer when it names one.
    fn ingress_object(&self, i: &Ingress) -> K8sIngress {
        let name = self.name.as_str();
        let mut meta = self.meta(name);
        let tls = i.issuer.as_ref().map(|issuer| {
            let (key, value) = match issuer {
                Issuer::Cluster(n) => ("cert-manager.io/cluster-issuer", n),
                Issuer::Namespaced(n) => ("cert-manager.io/issuer", n),
            };
            meta.annotations = Some(BTreeMap::from([(
                key.to_string(),
                value.as_str().to_string(),
            )]));
            vec![IngressTLS {
                hosts: Some(vec![i.host.clone()]),
                secret_name: Some(format!("{name}-tls")),
            }]
        });
        K8sIngress {
            metadata: meta,
            spec: Some(IngressSpec {
                ingress_class_name: Some("traefik".into()),
                tls,
                rules: Some(vec![IngressRule {
                    host: Some(i.host.clone()),
                    http: Some(HTTPIngressRuleValue {
                        paths: vec![HTTPIngressPath {
                            path: Some(i.path.clone()),
                            path_type: "Prefix".into(),
                            backend: IngressBackend {
                                service: Some(IngressServiceBackend {
                                    name: name.to_owned(),
                                    port: Some(ServiceBackendPort {
                                        name: Some(i.port.as_str().to_owned()),
                                        ..ServiceBackendPort::default()
                                    }),
                                }),
                                ..IngressBackend::default()
                            },
                        }],
                    }),
                }]),
                ..IngressSpec::default()
            }),
            ..K8sIngress::default()
        }
    }
}

impl crate::model::cluster::Declare for App {
    type Handle = AppHandles;
    fn place_in(&mut self, namespace: &NamespaceName) -> Result<(), (Option<ObjectKey>, String)> {
        if self.namespace == *namespace {
            Ok(())
        } else {
            Err((
                None,
                format!(
                    "app {} names namespace {:?}, but it is declared in the scope of namespace {:?}",
                    self.name,
                    self.namespace.as_str(),
                    namespace.as_str()
                ),
            ))
        }
    }
    fn declare_into(
        self,
        cluster: &mut Cluster,
        file: &File,
        at: &'static std::panic::Location<'static>,
    ) -> AppHandles {
        self.declare(cluster, file, at)
    }
}
