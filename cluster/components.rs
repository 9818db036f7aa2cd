//! `components.yaml`: metrics-server v0.9.0, as its release manifest
//! (`kustomize build manifests/overlays/release`) declares it.

use std::collections::BTreeMap;

use fluxdsl::Cluster;
use fluxdsl::k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use fluxdsl::k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, HTTPGetAction, PodSpec,
    PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile, SecurityContext, Service,
    ServiceAccount, ServicePort, ServiceSpec, Volume, VolumeMount,
};
use fluxdsl::k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, RoleBinding, RoleRef, Subject,
};
use fluxdsl::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use fluxdsl::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use fluxdsl::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use fluxdsl::k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::{
    APIService, APIServiceSpec, ServiceReference,
};

const NAMESPACE: &str = "kube-system";
const IMAGE: &str = "registry.k8s.io/metrics-server/metrics-server:v0.9.0";

fn labels(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    [("k8s-app", "metrics-server")]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn meta(name: &str, namespaced: bool) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: namespaced.then(|| NAMESPACE.into()),
        labels: Some(labels(&[])),
        ..ObjectMeta::default()
    }
}

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: strings(groups),
        resources: strings(resources),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

fn service_account_subject() -> Option<Vec<Subject>> {
    Some(vec![Subject {
        kind: "ServiceAccount".into(),
        name: "metrics-server".into(),
        namespace: Some(NAMESPACE.into()),
        ..Subject::default()
    }])
}

fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef {
        api_group: "rbac.authorization.k8s.io".into(),
        kind: kind.into(),
        name: name.into(),
    }
}

fn https_probe(path: &str, initial_delay: Option<i32>) -> Probe {
    Probe {
        failure_threshold: Some(3),
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String("https".into()),
            scheme: Some("HTTPS".into()),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds: initial_delay,
        period_seconds: Some(10),
        ..Probe::default()
    }
}

pub fn declare(cluster: &mut Cluster) {
    let file = cluster.file("components.yaml");

    cluster.add(
        &file,
        ServiceAccount {
            metadata: meta("metrics-server", true),
            ..ServiceAccount::default()
        },
    );
    cluster.add(
        &file,
        ClusterRole {
            metadata: ObjectMeta {
                labels: Some(labels(&[
                    ("rbac.authorization.k8s.io/aggregate-to-admin", "true"),
                    ("rbac.authorization.k8s.io/aggregate-to-edit", "true"),
                    ("rbac.authorization.k8s.io/aggregate-to-view", "true"),
                ])),
                ..meta("system:aggregated-metrics-reader", false)
            },
            rules: Some(vec![rule(
                &["metrics.k8s.io"],
                &["pods", "nodes"],
                &["get", "list", "watch"],
            )]),
            ..ClusterRole::default()
        },
    );
    cluster.add(
        &file,
        ClusterRole {
            metadata: meta("system:metrics-server", false),
            rules: Some(vec![
                rule(&[""], &["nodes/metrics"], &["get"]),
                rule(&[""], &["pods", "nodes"], &["get", "list", "watch"]),
            ]),
            ..ClusterRole::default()
        },
    );
    cluster.add(
        &file,
        RoleBinding {
            metadata: meta("metrics-server-auth-reader", true),
            role_ref: role_ref("Role", "extension-apiserver-authentication-reader"),
            subjects: service_account_subject(),
        },
    );
    cluster.add(
        &file,
        ClusterRoleBinding {
            metadata: meta("metrics-server:system:auth-delegator", false),
            role_ref: role_ref("ClusterRole", "system:auth-delegator"),
            subjects: service_account_subject(),
        },
    );
    cluster.add(
        &file,
        ClusterRoleBinding {
            metadata: meta("system:metrics-server", false),
            role_ref: role_ref("ClusterRole", "system:metrics-server"),
            subjects: service_account_subject(),
        },
    );
    cluster.add(
        &file,
        Service {
            metadata: meta("metrics-server", true),
            spec: Some(ServiceSpec {
                ports: Some(vec![ServicePort {
                    app_protocol: Some("https".into()),
                    name: Some("https".into()),
                    port: 443,
                    protocol: Some("TCP".into()),
                    target_port: Some(IntOrString::String("https".into())),
                    ..ServicePort::default()
                }]),
                selector: Some(labels(&[])),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        },
    );
    cluster.add(&file, deployment());
    cluster.add(
        &file,
        APIService {
            metadata: meta("v1beta1.metrics.k8s.io", false),
            spec: Some(APIServiceSpec {
                group: Some("metrics.k8s.io".into()),
                group_priority_minimum: 100,
                insecure_skip_tls_verify: Some(true),
                service: Some(ServiceReference {
                    name: Some("metrics-server".into()),
                    namespace: Some(NAMESPACE.into()),
                    ..ServiceReference::default()
                }),
                version: Some("v1beta1".into()),
                version_priority: 100,
                ..APIServiceSpec::default()
            }),
            ..APIService::default()
        },
    );
}

fn deployment() -> Deployment {
    let container = Container {
        name: "metrics-server".into(),
        image: Some(IMAGE.into()),
        image_pull_policy: Some("IfNotPresent".into()),
        args: strings(&[
            "--cert-dir=/tmp",
            "--secure-port=10250",
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
            "--kubelet-use-node-status-port",
            "--metric-resolution=15s",
        ]),
        ports: Some(vec![ContainerPort {
            container_port: 10250,
            name: Some("https".into()),
            protocol: Some("TCP".into()),
            ..ContainerPort::default()
        }]),
        liveness_probe: Some(https_probe("/livez", None)),
        readiness_probe: Some(https_probe("/readyz", Some(20))),
        resources: Some(ResourceRequirements {
            requests: Some(
                [("cpu", "100m"), ("memory", "200Mi")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                    .collect(),
            ),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: strings(&["ALL"]),
                ..Capabilities::default()
            }),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            run_as_user: Some(1000),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                ..SeccompProfile::default()
            }),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![VolumeMount {
            mount_path: "/tmp".into(),
            name: "tmp-dir".into(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    };
    Deployment {
        metadata: meta("metrics-server", true),
        spec: Some(DeploymentSpec {
            selector: LabelSelector {
                match_labels: Some(labels(&[])),
                ..LabelSelector::default()
            },
            strategy: Some(DeploymentStrategy {
                rolling_update: Some(RollingUpdateDeployment {
                    max_unavailable: Some(IntOrString::Int(0)),
                    ..RollingUpdateDeployment::default()
                }),
                ..DeploymentStrategy::default()
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(&[])),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    node_selector: Some(BTreeMap::from([(
                        "kubernetes.io/os".to_string(),
                        "linux".to_string(),
                    )])),
                    priority_class_name: Some("system-cluster-critical".into()),
                    service_account_name: Some("metrics-server".into()),
                    volumes: Some(vec![Volume {
                        name: "tmp-dir".into(),
                        empty_dir: Some(EmptyDirVolumeSource::default()),
                        ..Volume::default()
                    }]),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}
