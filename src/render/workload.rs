//! What every workload shares, written once: ports, the pod skeleton, restricted security
//! contexts, probes, resources, spread, volumes and env, as typed k8s-openapi fragments.
//! A component module declares what differs (its containers, volumes, args) and hands a
//! `Workload` to the kind templates.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::extras::{self, Finding, Request};
use super::stack::{Labels, STORE_API_LABEL, Stack};
use crate::config::facts::POD_ENV;
use crate::config::model::{
    Extras, LogLevel, PodSecurity, PodSettings, ResourceAmounts, Resources, SpreadAcross, Storage,
};
use crate::config::types::ImageRef;

/// Every pod runs as this uid and group: nobody, with no rights anywhere on the node.
const NOBODY: i64 = 65534;

/// A named port, declared once by the component that listens on it and used for its
/// container port, Service port, probes, scrape job, NetworkPolicy and the addresses others
/// dial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    pub name: &'static str,
    pub number: u16,
    pub udp: bool,
}

impl Port {
    pub const fn tcp(name: &'static str, number: u16) -> Self {
        Self {
            name,
            number,
            udp: false,
        }
    }

    pub const fn udp(name: &'static str, number: u16) -> Self {
        Self {
            name,
            number,
            udp: true,
        }
    }

    pub fn protocol(self) -> &'static str {
        if self.udp { "UDP" } else { "TCP" }
    }

    /// Kubernetes' default protocol is TCP, so only UDP is written out.
    fn explicit_protocol(self) -> Option<String> {
        self.udp.then(|| "UDP".to_owned())
    }

    pub fn container_port(self) -> core::ContainerPort {
        core::ContainerPort {
            name: Some(self.name.to_owned()),
            container_port: self.number.into(),
            protocol: self.explicit_protocol(),
            ..core::ContainerPort::default()
        }
    }

    /// The Service port of the same name and number, targeting the container port by name.
    pub fn service_port(self) -> core::ServicePort {
        core::ServicePort {
            name: Some(self.name.to_owned()),
            port: self.number.into(),
            target_port: Some(IntOrString::String(self.name.to_owned())),
            protocol: self.explicit_protocol(),
            ..core::ServicePort::default()
        }
    }

    /// `--http-address=0.0.0.0:N` and friends.
    pub fn listen(self) -> String {
        format!("0.0.0.0:{}", self.number)
    }
}

/// A Deployment, StatefulSet or DaemonSet, as the kind templates lay it out.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub metadata: ObjectMeta,
    /// The recommended labels, which the objects around the workload carry too.
    #[serde(skip)]
    pub labels: Labels,
    pub replicas: u32,
    pub selector: Labels,
    /// The governing Service of a StatefulSet.
    pub service_name: Option<String>,
    /// StatefulSet pods start and stop together rather than one by one.
    pub parallel: bool,
    /// A Deployment whose pods hold a ReadWriteOnce claim: the old pod goes before the new
    /// one starts, or the new one waits for the volume for ever.
    pub recreate: bool,
    pub pod: core::PodTemplateSpec,
    pub claims: Vec<core::PersistentVolumeClaim>,
    /// The ServiceAccount the pods run as.
    #[serde(skip)]
    pub account: Account,
    /// Whether a PodDisruptionBudget (maxUnavailable 1) guards it.
    #[serde(skip)]
    pub budget: bool,
    /// What the user's extras would break (see [`extras::apply`]).
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// A component's ServiceAccount: its cloud-identity annotations and whether pods get a token.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Account {
    pub metadata: ObjectMeta,
    /// Only components that call the Kubernetes API get a token.
    pub automount: bool,
}

/// The pieces of a workload a component fills in; `build` assembles the pod skeleton.
pub struct Pod<'a> {
    pub name: &'a str,
    pub component: &'a str,
    pub image: &'a ImageRef,
    pub replicas: u32,
    pub containers: Vec<core::Container>,
    pub volumes: Vec<core::Volume>,
    pub claims: Vec<core::PersistentVolumeClaim>,
    /// Labels added to the pods only (Store API discovery, workload identity).
    pub pod_labels: Labels,
    /// Labels telling this workload's pods from those of the component's other workloads
    /// (its shards): on the pods and the objects around them, and in the selector. The
    /// ServiceAccount is the component's, without them.
    pub shard_labels: Labels,
    /// The workload's name, when the component runs several (shards); its name otherwise.
    pub workload_name: Option<String>,
    /// `checksum/*` annotations that roll the pods when a config they cannot reload changes.
    pub annotations: BTreeMap<String, String>,
    pub account_annotations: BTreeMap<String, String>,
    pub automount_token: bool,
    /// The uid and gid the pods run as, where the image needs its own (memcached's);
    /// nobody otherwise.
    pub run_as: Option<i64>,
    /// Anything else of the pod spec (host namespaces, tolerations, grace period).
    pub extra: core::PodSpec,
    /// The user's placement and metadata of the component's pods (`spec.<component>.pod`),
    /// applied over `spec.defaults.pod` by `build`.
    pub settings: &'a PodSettings,
    /// The user's escape hatches (`spec.<component>.extra`), applied last by `build`, over
    /// everything stackgen wrote.
    extras: Vec<Request<'a>>,
}

impl<'a> Pod<'a> {
    pub fn new(
        name: &'a str,
        component: &'a str,
        image: &'a ImageRef,
        replicas: u32,
        settings: &'a PodSettings,
    ) -> Self {
        Self {
            name,
            component,
            image,
            replicas,
            containers: Vec::new(),
            volumes: Vec::new(),
            claims: Vec::new(),
            pod_labels: Labels::new(),
            shard_labels: Labels::new(),
            workload_name: None,
            annotations: BTreeMap::new(),
            account_annotations: BTreeMap::new(),
            automount_token: false,
            run_as: None,
            extra: core::PodSpec::default(),
            settings,
            extras: Vec::new(),
        }
    }

    /// Adds the user's `extras` (at `path` in the config) to the pods, with the flags,
    /// variables and mounts going to `container`.
    pub fn extra(&mut self, container: &'a str, extras: &'a Extras, path: &'static str) {
        self.extras.push(Request {
            container,
            extras,
            path,
        });
    }

    /// Marks the pods as Store API servers, which Query discovers.
    pub fn serve_store_api(&mut self) {
        self.pod_labels
            .insert(STORE_API_LABEL.0.to_owned(), STORE_API_LABEL.1.to_owned());
    }

    /// The workload: recommended labels, restricted pod security, spread over the failure
    /// domains for replicated components, and a disruption budget where asked.
    pub fn build(self, stack: &Stack, service_name: Option<&str>, parallel: bool) -> Workload {
        let component_labels = stack.labels(self.name, self.component, Some(self.image));
        let mut labels = component_labels.clone();
        labels.extend(self.shard_labels.clone());
        let mut selector = stack.selector(self.name);
        selector.extend(self.shard_labels);
        let user = stack.spec.defaults.pod.overridden_by(self.settings);
        // The user's labels and annotations go under stackgen's: validation refuses the keys
        // stackgen owns, and stackgen's `checksum/*` must stay what they are.
        let mut pod_labels = user.pod_labels.clone().unwrap_or_default();
        pod_labels.extend(labels.clone());
        pod_labels.extend(self.pod_labels);
        let mut annotations = user.pod_annotations.clone().unwrap_or_default();
        annotations.extend(self.annotations);
        let ha = &stack.spec.high_availability;
        let mut spec = core::PodSpec {
            service_account_name: Some(self.name.to_owned()),
            automount_service_account_token: Some(self.automount_token),
            security_context: Some(pod_security_context(
                self.run_as.unwrap_or(NOBODY),
                user.security_context.clone().unwrap_or_default(),
            )),
            topology_spread_constraints: some(spread(&selector, self.replicas, ha.spread_across)),
            containers: self.containers,
            volumes: some(self.volumes),
            ..self.extra
        };
        let claims: Vec<String> = self
            .claims
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .collect();
        let mut findings = Vec::new();
        for request in self.extras {
            extras::apply(&mut spec, &claims, request, &mut findings);
        }
        place(&mut spec, user);
        pull(&mut spec, &stack.spec.images);
        Workload {
            metadata: stack.meta(self.workload_name.as_deref().unwrap_or(self.name), &labels),
            labels: labels.clone(),
            replicas: self.replicas,
            selector,
            service_name: service_name.map(str::to_owned),
            parallel,
            recreate: false,
            pod: core::PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    annotations: (!annotations.is_empty()).then_some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(spec),
            },
            claims: self.claims,
            account: Account {
                metadata: ObjectMeta {
                    annotations: (!self.account_annotations.is_empty())
                        .then_some(self.account_annotations),
                    ..stack.meta(self.name, &component_labels)
                },
                automount: self.automount_token,
            },
            budget: self.replicas > 1 && ha.pod_disruption_budgets,
            findings,
        }
    }
}

/// Every container's image from the mirror `images.registry` names, if any (the image's
/// registry host replaced, its path and tag or digest kept), with `images.pullPolicy`.
fn pull(spec: &mut core::PodSpec, images: &crate::config::model::Images) {
    let init = spec.init_containers.iter_mut().flatten();
    for c in spec.containers.iter_mut().chain(init) {
        if let (Some(registry), Some(image)) = (&images.registry, &c.image)
            && let Some((_, path)) = image.split_once('/')
        {
            c.image = Some(format!("{registry}/{path}"));
        }
        if let Some(policy) = images.pull_policy {
            c.image_pull_policy = Some(policy.as_str().to_owned());
        }
    }
}

/// The user's placement on top of stackgen's: node selector keys the user sets win over a
/// component's own, tolerations and spread constraints are appended to stackgen's, and
/// affinity (which stackgen never sets: it spreads with topology constraints) is the user's.
fn place(spec: &mut core::PodSpec, user: PodSettings) {
    fn append<T>(own: &mut Option<Vec<T>>, more: Option<Vec<T>>) {
        let mut all = own.take().unwrap_or_default();
        all.extend(more.unwrap_or_default());
        *own = some(all);
    }
    if let Some(selector) = user.node_selector.filter(|s| !s.is_empty()) {
        spec.node_selector
            .get_or_insert_with(BTreeMap::new)
            .extend(selector);
    }
    append(&mut spec.tolerations, user.tolerations);
    append(
        &mut spec.topology_spread_constraints,
        user.topology_spread_constraints,
    );
    if let Some(affinity) = user.affinity.filter(|a| *a != core::Affinity::default()) {
        spec.affinity = Some(affinity);
    }
    if let Some(class) = user.priority_class_name {
        spec.priority_class_name = Some(class.to_string());
    }
    append(
        &mut spec.image_pull_secrets,
        user.image_pull_secrets.map(|names| {
            names
                .into_iter()
                .map(|name| core::LocalObjectReference {
                    name: name.to_string(),
                })
                .collect()
        }),
    );
}

/// `None` for an empty list, so the object leaves the field out.
pub fn some<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

/// Non-root with the runtime's seccomp profile, always; the ids are `uid` unless the user
/// sets their own or leaves them to the platform.
fn pod_security_context(uid: i64, user: PodSecurity) -> core::PodSecurityContext {
    let fixed = |own: Option<u32>| (!user.platform_ids()).then(|| own.map_or(uid, i64::from));
    core::PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: fixed(user.run_as_user),
        run_as_group: fixed(user.run_as_group),
        fs_group: fixed(user.fs_group),
        fs_group_change_policy: user.fs_group_change_policy.map(|p| p.as_str().to_owned()),
        supplemental_groups: user
            .supplemental_groups
            .map(|groups| groups.into_iter().map(i64::from).collect()),
        se_linux_options: user.se_linux_options,
        seccomp_profile: Some(core::SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            ..core::SeccompProfile::default()
        }),
        ..core::PodSecurityContext::default()
    }
}

/// The restricted container security context, written once and used by every container.
pub(super) fn restricted() -> core::SecurityContext {
    core::SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        capabilities: Some(core::Capabilities {
            drop: Some(vec!["ALL".to_owned()]),
            ..core::Capabilities::default()
        }),
        ..core::SecurityContext::default()
    }
}

/// One replica per node (and per zone first, when asked); a single replica needs no spread.
fn spread(
    selector: &Labels,
    replicas: u32,
    across: SpreadAcross,
) -> Vec<core::TopologySpreadConstraint> {
    if replicas <= 1 {
        return Vec::new();
    }
    let mut keys = vec!["kubernetes.io/hostname"];
    if across == SpreadAcross::Zone {
        keys.insert(0, "topology.kubernetes.io/zone");
    }
    keys.into_iter()
        .map(|key| core::TopologySpreadConstraint {
            max_skew: 1,
            topology_key: key.to_owned(),
            when_unsatisfiable: "DoNotSchedule".to_owned(),
            label_selector: Some(LabelSelector {
                match_labels: Some(selector.clone()),
                ..LabelSelector::default()
            }),
            ..core::TopologySpreadConstraint::default()
        })
        .collect()
}

/// A restricted container listening on `ports`, with its resources.
pub fn container(
    name: &str,
    image: &ImageRef,
    ports: &[Port],
    resources: &Resources,
) -> core::Container {
    core::Container {
        name: name.to_owned(),
        image: Some(image.to_string()),
        ports: some(ports.iter().map(|p| p.container_port()).collect()),
        resources: Some(resource_requirements(resources)),
        security_context: Some(restricted()),
        ..core::Container::default()
    }
}

/// An HTTP GET probe on a named port.
pub fn http_probe(path: &str, port: Port, period: i32, failures: Option<i32>) -> core::Probe {
    core::Probe {
        http_get: Some(core::HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String(port.name.to_owned()),
            ..core::HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        failure_threshold: failures,
        ..core::Probe::default()
    }
}

/// A TCP probe on a named port, for servers that speak no HTTP (memcached).
pub fn tcp_probe(port: Port, period: i32, failures: Option<i32>) -> core::Probe {
    core::Probe {
        tcp_socket: Some(core::TCPSocketAction {
            port: IntOrString::String(port.name.to_owned()),
            ..core::TCPSocketAction::default()
        }),
        period_seconds: Some(period),
        failure_threshold: failures,
        ..core::Probe::default()
    }
}

pub fn resource_requirements(r: &Resources) -> core::ResourceRequirements {
    let amounts = |a: &ResourceAmounts| {
        let mut m = BTreeMap::new();
        if let Some(cpu) = &a.cpu {
            m.insert("cpu".to_owned(), Quantity(cpu.to_string()));
        }
        if let Some(memory) = &a.memory {
            m.insert("memory".to_owned(), Quantity(memory.to_string()));
        }
        (!m.is_empty()).then_some(m)
    };
    core::ResourceRequirements {
        requests: amounts(&r.requests),
        limits: amounts(&r.limits),
        ..core::ResourceRequirements::default()
    }
}

pub fn mount(volume: &str, path: &str) -> core::VolumeMount {
    core::VolumeMount {
        name: volume.to_owned(),
        mount_path: path.to_owned(),
        ..core::VolumeMount::default()
    }
}

pub fn read_only(volume: &str, path: &str) -> core::VolumeMount {
    core::VolumeMount {
        read_only: Some(true),
        ..mount(volume, path)
    }
}

fn volume(name: &str) -> core::Volume {
    core::Volume {
        name: name.to_owned(),
        ..core::Volume::default()
    }
}

pub fn secret_volume(name: &str, secret: &str) -> core::Volume {
    core::Volume {
        secret: Some(core::SecretVolumeSource {
            secret_name: Some(secret.to_owned()),
            ..core::SecretVolumeSource::default()
        }),
        ..volume(name)
    }
}

pub fn config_map_volume(name: &str, config_map: &str) -> core::Volume {
    core::Volume {
        config_map: Some(core::ConfigMapVolumeSource {
            name: config_map.to_owned(),
            ..core::ConfigMapVolumeSource::default()
        }),
        ..volume(name)
    }
}

pub fn empty_dir(name: &str) -> core::Volume {
    core::Volume {
        empty_dir: Some(core::EmptyDirVolumeSource::default()),
        ..volume(name)
    }
}

pub fn claim_volume(name: &str, claim: &str) -> core::Volume {
    core::Volume {
        persistent_volume_claim: Some(core::PersistentVolumeClaimVolumeSource {
            claim_name: claim.to_owned(),
            ..core::PersistentVolumeClaimVolumeSource::default()
        }),
        ..volume(name)
    }
}

pub fn host_path(name: &str, path: &str) -> core::Volume {
    core::Volume {
        host_path: Some(core::HostPathVolumeSource {
            path: path.to_owned(),
            ..core::HostPathVolumeSource::default()
        }),
        ..volume(name)
    }
}

/// A ReadWriteOnce claim of `size` in `class` (the cluster default when unset).
pub fn claim_spec(size: &str, class: Option<&str>) -> core::PersistentVolumeClaimSpec {
    core::PersistentVolumeClaimSpec {
        access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
        resources: Some(core::VolumeResourceRequirements {
            requests: Some(BTreeMap::from([(
                "storage".to_owned(),
                Quantity(size.to_owned()),
            )])),
            ..core::VolumeResourceRequirements::default()
        }),
        storage_class_name: class.map(str::to_owned),
        ..core::PersistentVolumeClaimSpec::default()
    }
}

/// The `data` volume at `path`: a claim per replica when persistent, else an emptyDir.
pub fn data_volume(pod: &mut Pod, storage: &Storage, path: &str) -> core::VolumeMount {
    if storage.persistent {
        pod.claims.push(core::PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some("data".to_owned()),
                ..ObjectMeta::default()
            },
            spec: Some(claim_spec(
                storage.size.as_str(),
                storage.storage_class_name.as_ref().map(|c| c.as_str()),
            )),
            ..core::PersistentVolumeClaim::default()
        });
    } else {
        pod.volumes.push(empty_dir("data"));
    }
    mount("data", path)
}

pub fn env(name: &str, value: &str) -> core::EnvVar {
    core::EnvVar {
        name: name.to_owned(),
        value: Some(value.to_owned()),
        ..core::EnvVar::default()
    }
}

pub fn env_field(name: &str, field_path: &str) -> core::EnvVar {
    core::EnvVar {
        name: name.to_owned(),
        value_from: Some(core::EnvVarSource {
            field_ref: Some(core::ObjectFieldSelector {
                field_path: field_path.to_owned(),
                ..core::ObjectFieldSelector::default()
            }),
            ..core::EnvVarSource::default()
        }),
        ..core::EnvVar::default()
    }
}

pub fn env_secret(name: &str, secret: &str, key: &str) -> core::EnvVar {
    core::EnvVar {
        name: name.to_owned(),
        value_from: Some(core::EnvVarSource {
            secret_key_ref: Some(core::SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                ..core::SecretKeySelector::default()
            }),
            ..core::EnvVarSource::default()
        }),
        ..core::EnvVar::default()
    }
}

/// The `--log.level` value of every component.
pub fn level(l: LogLevel) -> &'static str {
    match l {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    }
}

/// The pod's own name and namespace, which the sidecar and the Ruler substitute into labels.
pub fn pod_env() -> Vec<core::EnvVar> {
    POD_ENV
        .iter()
        .map(|(name, field)| env_field(name, field))
        .collect()
}

#[cfg(test)]
mod registry_tests {
    use crate::config::model::{MonitoringStack, PullPolicy};

    #[test]
    fn every_image_comes_from_the_mirror_with_its_path_and_tag() {
        let mut config = MonitoringStack::default();
        config.spec.images.registry = Some("mirror.example.com:5000/proxy".parse().unwrap());
        config.spec.images.pull_policy = Some(PullPolicy::Always);
        let objects = crate::render::render(&config).expect("renders");
        let mut images = Vec::new();
        for o in &objects {
            let spec = &o.value["spec"]["template"]["spec"];
            for list in ["containers", "initContainers"] {
                for c in spec[list].as_array().into_iter().flatten() {
                    images.push(c["image"].as_str().unwrap().to_owned());
                    assert_eq!(c["imagePullPolicy"], "Always", "{}", o.name());
                }
            }
        }
        assert!(images.len() > 10, "{images:?}");
        assert!(
            images
                .iter()
                .all(|i| i.starts_with("mirror.example.com:5000/proxy/")),
            "{images:?}"
        );
        assert!(images.contains(&"mirror.example.com:5000/proxy/thanos/thanos:v0.39.2".to_owned()));
        // The selectors and the version label read the image's tag, which the mirror keeps.
        let prometheus = objects
            .iter()
            .find(|o| o.kind() == "StatefulSet" && o.name() == "prometheus")
            .unwrap();
        assert_eq!(
            prometheus.value["metadata"]["labels"]["app.kubernetes.io/version"],
            "v3.5.0"
        );
    }

    #[test]
    fn without_a_mirror_images_stay_as_pinned() {
        let objects = crate::render::render(&MonitoringStack::default()).expect("renders");
        let text =
            serde_json::to_string(&objects.iter().map(|o| &o.value).collect::<Vec<_>>()).unwrap();
        assert!(text.contains("\"quay.io/thanos/thanos:v0.39.2\""));
        assert!(!text.contains("imagePullPolicy"));
    }
}

#[cfg(test)]
mod security_tests {
    use crate::render::testing::{config, find};

    /// OpenShift's restricted-v2: no ids anywhere, the rest of the restricted profile kept;
    /// a component can take fixed ids back.
    #[test]
    fn platform_ids_leave_every_id_out_and_keep_the_profile() {
        let config = config(
            "defaults: {pod: {securityContext: {ids: platform, fsGroupChangePolicy: OnRootMismatch}}}\nthanos: {store: {indexCache: {memcached: {}}}}\nmemcached: {pod: {securityContext: {ids: stackgen}}}",
        );
        let objects = crate::render::render(&config).expect("renders");
        let mut pods = 0;
        for o in &objects {
            let Some(pod) = o.value.pointer("/spec/template/spec") else {
                continue;
            };
            let sc = &pod["securityContext"];
            assert_eq!(sc["runAsNonRoot"], true, "{}", o.name());
            assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault");
            assert_eq!(sc["fsGroupChangePolicy"], "OnRootMismatch");
            if o.name() == "memcached" {
                assert_eq!(sc["runAsUser"], 11211);
                continue;
            }
            pods += 1;
            for id in ["runAsUser", "runAsGroup", "fsGroup"] {
                assert!(sc.get(id).is_none(), "{} sets {id}", o.name());
            }
        }
        assert!(pods > 5, "{pods}");
    }

    #[test]
    fn fixed_ids_replace_nobody_for_one_component() {
        let config = config(
            "grafana: {pod: {securityContext: {runAsUser: 472, fsGroup: 472, supplementalGroups: [5000]}}}",
        );
        let objects = crate::render::render(&config).expect("renders");
        let sc =
            &find(&objects, "Deployment", "grafana")["spec"]["template"]["spec"]["securityContext"];
        assert_eq!(sc["runAsUser"], 472);
        assert_eq!(sc["runAsGroup"], 65534);
        assert_eq!(sc["fsGroup"], 472);
        assert_eq!(sc["supplementalGroups"], serde_json::json!([5000]));
        let other = &find(&objects, "Deployment", "thanos-querier")["spec"]["template"]["spec"]["securityContext"];
        assert_eq!(other["runAsUser"], 65534);
    }
}
