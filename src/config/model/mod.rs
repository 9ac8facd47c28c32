//! The `MonitoringStack` config: every field typed, documented (the docs become the schema's
//! descriptions) and defaulted in one place per component, so that no config file at all
//! gives the article's HA stack.
//!
//! One file per section of `spec`, so a new component adds one file; every type is re-exported
//! here, so `config::model::X` names it wherever it lives.

mod alertmanager;
mod built_in_alerts;
mod cache;
mod common;
mod extras;
mod grafana;
mod ingress;
mod memcached;
mod object_storage;
mod placement;
mod pod;
mod prometheus;
mod query_frontend;
pub mod scrape;
mod store_api;
mod store_shards;
mod thanos;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::files::Reference;

use super::types::{Dns1123Label, DnsName, ImageRef, LabelName, Registry};

pub use alertmanager::{
    Alertmanager, ChildRoute, Discord, Email, InhibitRule, MsTeams, Opsgenie, OpsgenieResponder,
    PagerDuty, Pushover, Receiver, Route, Slack, Sns, Telegram, TimeInterval, TimeOfDay, TimeRange,
    VictorOps, WeChat, Webex, Webhook,
};
pub use built_in_alerts::{AlertOverride, BuiltInAlerts, Severity};
pub use cache::{Cache, InMemoryCache, MemcachedCache};
pub use common::{
    Component, ConfigMapKeyRef, LogLevel, ResourceAmounts, Resources, SecretKeyRef, Storage,
};
pub use extras::{Extras, flag_name};
pub use grafana::{
    AnonymousAuth, AuthSettings, BUILT_IN_FOLDER, BUILT_IN_UID_PREFIX, DATASOURCE, Dashboard,
    DashboardFiles, GenericOauth, Grafana, GrafanaDatabase, GrafanaSettings, OrgRole,
    ServerSettings, UsersSettings,
};
pub use ingress::{Controller, Expose, ExposureKind, GatewayRef, Ingress, Tls};
pub use memcached::Memcached;
pub use object_storage::{
    Azure, BucketLookupType, CaBundle, ObjectStorage, Provider, S3, Sse, SseType, WorkloadIdentity,
};
pub use placement::{HighAvailability, NetworkPolicies, SpreadAcross};
pub use pod::{Defaults, FsGroupChangePolicy, IdSource, PodSecurity, PodSettings};
pub use prometheus::{Prometheus, Rule, RuleFile, RuleGroup};
pub use query_frontend::QueryFrontend;
pub use store_api::{GrpcTls, StoreApi, StoreApiExpose, TlsMode};
pub use store_shards::{StoreShards, TimePartition};
pub use thanos::{Compact, CompactRetention, Query, Ruler, Store, Thanos};

pub const API_VERSION: &str = "stackgen.dev/v1alpha1";
pub const KIND: &str = "MonitoringStack";

/// A highly-available Prometheus + Thanos monitoring stack for one Kubernetes cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "MonitoringStack")]
pub struct MonitoringStack {
    /// Always `stackgen.dev/v1alpha1`.
    #[schemars(extend("const" = API_VERSION))]
    pub api_version: String,
    /// Always `MonitoringStack`.
    #[schemars(extend("const" = KIND))]
    pub kind: String,
    /// The stack's identity; `name` becomes the `app.kubernetes.io/instance` label.
    #[serde(default)]
    pub metadata: Metadata,
    /// What to deploy and how.
    #[serde(default)]
    pub spec: Spec,
}

impl Default for MonitoringStack {
    fn default() -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: KIND.to_owned(),
            metadata: Metadata::default(),
            spec: Spec::default(),
        }
    }
}

impl MonitoringStack {
    /// Every file the config names, for [`crate::config::files::read_all`]: its config path,
    /// the reference, and the extensions of the files read from a directory.
    pub fn file_refs_mut(&mut self) -> Vec<Reference<'_>> {
        const RULES: &[&str] = &["yaml", "yml"];
        const DASHBOARDS: &[&str] = &["json"];
        let spec = &mut self.spec;
        let mut references = Vec::new();
        for (i, entry) in spec.grafana.dashboard_files.iter_mut().enumerate() {
            let at = format!("spec.grafana.dashboardFiles[{i}].path");
            references.push((at, &mut entry.path, DASHBOARDS));
        }
        for (base, list) in [
            ("spec.prometheus", &mut spec.prometheus.rule_files_from),
            ("spec.thanos.ruler", &mut spec.thanos.ruler.rule_files_from),
        ] {
            for (i, reference) in list.iter_mut().enumerate() {
                references.push((format!("{base}.ruleFilesFrom[{i}]"), reference, RULES));
            }
        }
        for (i, reference) in spec.alertmanager.templates.iter_mut().enumerate() {
            let at = format!("spec.alertmanager.templates[{i}]");
            references.push((at, reference, &["tmpl"]));
        }
        references
    }

    /// Parses the rule files `ruleFilesFrom` read and appends them to `ruleFiles`, where every
    /// rule about rule files checks them; what does not parse comes back as (path, why).
    pub fn adopt_rule_files(&mut self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let spec = &mut self.spec;
        let sections = [
            (
                "spec.prometheus",
                &spec.prometheus.rule_files_from,
                &mut spec.prometheus.rule_files,
                &mut spec.prometheus.rule_file_origins,
            ),
            (
                "spec.thanos.ruler",
                &spec.thanos.ruler.rule_files_from,
                &mut spec.thanos.ruler.rule_files,
                &mut spec.thanos.ruler.rule_file_origins,
            ),
        ];
        for (base, from, files, origins) in sections {
            for (i, reference) in from.iter().enumerate() {
                let at = format!("{base}.ruleFilesFrom[{i}]");
                for read in &reference.files {
                    match RuleFile::parse(&read.name, &read.text) {
                        Ok(file) => {
                            origins.insert(files.len(), at.clone());
                            files.push(file);
                        }
                        Err(why) => problems.push((
                            at.clone(),
                            format!("`{}` is not a Prometheus rule file: {why}", read.name),
                        )),
                    }
                }
            }
        }
        problems
    }
}

/// Object metadata of the config itself (KRM style, so kustomize can carry it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Metadata {
    /// Name of this stack; the `app.kubernetes.io/instance` label of every object.
    pub name: Dns1123Label,
    /// Annotations of every rendered object (not of its pods: `defaults.pod.podAnnotations`).
    /// kustomize's and kpt's own (`config.kubernetes.io/*` …) describe this file and are
    /// left out.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Labels of every rendered object, never in a selector (nor on its pods:
    /// `defaults.pod.podLabels`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl Default for Metadata {
    fn default() -> Self {
        Self {
            name: Dns1123Label::lit("monitoring"),
            annotations: BTreeMap::new(),
            labels: BTreeMap::new(),
        }
    }
}

/// The stack's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Spec {
    /// What the stack is for. `development`: a throwaway stack (kind, minikube, CI), where
    /// single replicas and `filesystem` storage are expected and not warned about.
    pub purpose: Purpose,
    /// Namespace that every namespaced object is created in.
    pub namespace: Dns1123Label,
    /// Value of the `cluster` external label, which tells clusters apart in Thanos Query.
    pub cluster: String,
    /// Domain under which the ingress hosts live (`grafana.<domain>`, `thanos-querier.<domain>` …).
    pub domain: DnsName,
    /// The cluster's DNS domain (kubelet's `--cluster-domain`): Services are reached as
    /// `<service>.<namespace>.svc.<clusterDomain>`.
    pub cluster_domain: DnsName,
    /// External label set to the pod name on each Prometheus; Query deduplicates on it.
    pub replica_label: LabelName,
    /// More external labels on every series Prometheus ships (`region`, `env` …).
    pub external_labels: BTreeMap<LabelName, String>,
    /// Oldest Kubernetes version the output must apply to, 1.29 to 1.37. Every one gets the
    /// same output: its APIs are GA since 1.25, and the native sidecar it runs Thanos's
    /// sidecar as is on by default from 1.29 (GA in 1.33). The test suite validates the
    /// output against each of them.
    pub kubernetes_version: KubernetesVersion,
    /// Settings every component starts from.
    #[serde(skip_serializing_if = "Defaults::is_empty")]
    pub defaults: Defaults,
    /// Container images, pinned by tag (and optionally digest).
    pub images: Images,
    /// The Prometheus StatefulSet with its Thanos sidecars.
    pub prometheus: Prometheus,
    /// The bucket(s) that hold long-term metrics and the Ruler's results.
    pub object_storage: ObjectStorage,
    /// Thanos Query, Store gateway, Compactor and Ruler.
    pub thanos: Thanos,
    /// The memcached servers stackgen runs for every cache that says `memcached: {}`.
    pub memcached: Memcached,
    /// This cluster's Store API offered to observer clusters, over TLS.
    pub store_api: StoreApi,
    /// Alertmanager, clustered across its replicas.
    pub alertmanager: Alertmanager,
    /// The built-in alerts, turned off or tuned by alert or group name.
    #[serde(skip_serializing_if = "BuiltInAlerts::is_empty")]
    pub built_in_alerts: BuiltInAlerts,
    /// kube-state-metrics: metrics about Kubernetes objects.
    pub kube_state_metrics: Component,
    /// node-exporter DaemonSet: metrics about every node.
    pub node_exporter: Component,
    /// Grafana, with Thanos Query as its datasource.
    pub grafana: Grafana,
    /// The Ingress (or Gateway API routes) exposing the UIs under `domain`.
    pub ingress: Ingress,
    /// Placement and disruption settings for replicated components.
    pub high_availability: HighAvailability,
    /// NetworkPolicies: deny by default, allow only the flows the stack needs.
    pub network_policies: NetworkPolicies,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            purpose: Purpose::Production,
            namespace: Dns1123Label::lit("monitoring"),
            cluster: "prometheus-ha".to_owned(),
            domain: DnsName::lit("example.com"),
            cluster_domain: DnsName::lit("cluster.local"),
            replica_label: LabelName::lit("replica"),
            external_labels: BTreeMap::new(),
            kubernetes_version: KubernetesVersion::default(),
            defaults: Defaults::default(),
            images: Images::default(),
            prometheus: Prometheus::default(),
            object_storage: ObjectStorage::default(),
            thanos: Thanos::default(),
            memcached: Memcached::default(),
            store_api: StoreApi::default(),
            alertmanager: Alertmanager::default(),
            built_in_alerts: BuiltInAlerts::default(),
            kube_state_metrics: Component::default(),
            node_exporter: Component::default(),
            grafana: Grafana::default(),
            ingress: Ingress::default(),
            high_availability: HighAvailability::default(),
            network_policies: NetworkPolicies::default(),
        }
    }
}

/// What a stack is for, which decides what is worth a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Highly available and durable: anything less is warned about.
    #[default]
    Production,
    /// A throwaway stack: single replicas and `filesystem` storage are expected.
    Development,
}

/// Kubernetes versions whose API the output is checked against. The output is the same for
/// each: every API it uses is GA since 1.25, and the one feature newer than that, the
/// Thanos sidecar as a native sidecar, is on by default from 1.29 (beta) and GA in 1.33.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema,
)]
pub enum KubernetesVersion {
    #[serde(rename = "1.29")]
    V1_29,
    #[serde(rename = "1.30")]
    V1_30,
    #[serde(rename = "1.31")]
    V1_31,
    #[serde(rename = "1.32")]
    V1_32,
    #[default]
    #[serde(rename = "1.33")]
    V1_33,
    #[serde(rename = "1.34")]
    V1_34,
    #[serde(rename = "1.35")]
    V1_35,
    #[serde(rename = "1.36")]
    V1_36,
    #[serde(rename = "1.37")]
    V1_37,
}

/// Container images. Defaults are current stable releases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Images {
    /// Prometheus server.
    pub prometheus: ImageRef,
    /// Thanos (sidecar, query, store, compact, rule).
    pub thanos: ImageRef,
    /// Alertmanager.
    pub alertmanager: ImageRef,
    /// Grafana.
    pub grafana: ImageRef,
    /// kube-state-metrics.
    pub kube_state_metrics: ImageRef,
    /// node-exporter.
    pub node_exporter: ImageRef,
    /// memcached, for the caches that ask for the one stackgen renders (the official
    /// image, whose `memcache` user is uid 11211).
    pub memcached: ImageRef,
    /// Prometheus's memcached exporter, beside each memcached.
    pub memcached_exporter: ImageRef,
    /// A registry (mirror) every image is pulled from instead of its own: the image's host
    /// is replaced, its repository path and tag or digest kept
    /// (`quay.io/thanos/thanos:v0.39.2` from `mirror.example.com` is
    /// `mirror.example.com/thanos/thanos:v0.39.2`). A path is allowed
    /// (`mirror.example.com/quay`), as proxy caches such as Harbor's use one per upstream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<Registry>,
    /// `imagePullPolicy` of every container. Unset: Kubernetes' default (`IfNotPresent` for
    /// a tag other than `latest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<PullPolicy>,
}

/// When the kubelet pulls an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Only when the node does not have it.
    IfNotPresent,
    /// On every container start.
    Always,
    /// Never: the image must be on the node.
    Never,
}

impl PullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Always => "Always",
            PullPolicy::Never => "Never",
        }
    }
}

impl Default for Images {
    fn default() -> Self {
        Self {
            prometheus: ImageRef::lit("quay.io/prometheus/prometheus:v3.5.0"),
            thanos: ImageRef::lit("quay.io/thanos/thanos:v0.39.2"),
            alertmanager: ImageRef::lit("quay.io/prometheus/alertmanager:v0.28.1"),
            grafana: ImageRef::lit("docker.io/grafana/grafana:12.1.1"),
            kube_state_metrics: ImageRef::lit(
                "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.16.0",
            ),
            node_exporter: ImageRef::lit("quay.io/prometheus/node-exporter:v1.9.1"),
            memcached: ImageRef::lit("docker.io/library/memcached:1.6.39-alpine"),
            memcached_exporter: ImageRef::lit("quay.io/prometheus/memcached-exporter:v0.15.3"),
            registry: None,
            pull_policy: None,
        }
    }
}
