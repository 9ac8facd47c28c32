//! The `MonitoringStack` config: every field typed, documented (the docs become the schema's
//! descriptions) and defaulted in one place per component, so that no config file at all
//! gives the article's HA stack.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::types::{Dns1123Label, DnsName, Duration, Endpoint, ImageRef, LabelName, Quantity};

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

/// Object metadata of the config itself (KRM style, so kustomize can carry it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Metadata {
    /// Name of this stack; the `app.kubernetes.io/instance` label of every object.
    pub name: Dns1123Label,
    /// Annotations, kept for kustomize and KRM tooling; not rendered.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Labels, kept for kustomize and KRM tooling; not rendered.
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
    /// Namespace that every namespaced object is created in.
    pub namespace: Dns1123Label,
    /// Value of the `cluster` external label, which tells clusters apart in Thanos Query.
    pub cluster: String,
    /// Domain under which the ingress hosts live (`grafana.<domain>`, `thanos-querier.<domain>` …).
    pub domain: DnsName,
    /// External label set to the pod name on each Prometheus; Query deduplicates on it.
    pub replica_label: LabelName,
    /// More external labels on every series Prometheus ships (`region`, `env` …).
    pub external_labels: BTreeMap<LabelName, String>,
    /// Oldest Kubernetes version the output must apply to. Every supported version gets the
    /// same API versions today (all GA long before 1.33); the test suite validates the output
    /// against each of them.
    pub kubernetes_version: KubernetesVersion,
    /// Container images, pinned by tag (and optionally digest).
    pub images: Images,
    /// The Prometheus StatefulSet with its Thanos sidecars.
    pub prometheus: Prometheus,
    /// The bucket(s) that hold long-term metrics and the Ruler's results.
    pub object_storage: ObjectStorage,
    /// Thanos Query, Store gateway, Compactor and Ruler.
    pub thanos: Thanos,
    /// Alertmanager, clustered across its replicas.
    pub alertmanager: Alertmanager,
    /// kube-state-metrics: metrics about Kubernetes objects.
    pub kube_state_metrics: Component,
    /// node-exporter DaemonSet: metrics about every node.
    pub node_exporter: Component,
    /// Grafana, with Thanos Query as its datasource.
    pub grafana: Grafana,
    /// nginx Ingress exposing the UIs under `domain`.
    pub ingress: Ingress,
    /// Placement and disruption settings for replicated components.
    pub high_availability: HighAvailability,
    /// NetworkPolicies: deny by default, allow only the flows the stack needs.
    pub network_policies: NetworkPolicies,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            namespace: Dns1123Label::lit("monitoring"),
            cluster: "prometheus-ha".to_owned(),
            domain: DnsName::lit("example.com"),
            replica_label: LabelName::lit("replica"),
            external_labels: BTreeMap::new(),
            kubernetes_version: KubernetesVersion::default(),
            images: Images::default(),
            prometheus: Prometheus::default(),
            object_storage: ObjectStorage::default(),
            thanos: Thanos::default(),
            alertmanager: Alertmanager::default(),
            kube_state_metrics: Component::default(),
            node_exporter: Component::default(),
            grafana: Grafana::default(),
            ingress: Ingress::default(),
            high_availability: HighAvailability::default(),
            network_policies: NetworkPolicies::default(),
        }
    }
}

/// Kubernetes versions whose API the output is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum KubernetesVersion {
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
        }
    }
}

/// Prometheus servers, each with a Thanos sidecar that uploads its blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Prometheus {
    /// Number of identical Prometheus replicas; Query deduplicates their series.
    pub replicas: u32,
    /// How long the local TSDB keeps data; long-term data lives in the bucket.
    pub retention: Duration,
    /// How often targets are scraped.
    pub scrape_interval: Duration,
    /// How often rules are evaluated.
    pub evaluation_interval: Duration,
    /// `--storage.tsdb.min-block-duration`; must equal `maxBlockDuration` for the sidecar to upload.
    pub min_block_duration: Duration,
    /// `--storage.tsdb.max-block-duration`; must equal `minBlockDuration` for the sidecar to upload.
    pub max_block_duration: Duration,
    /// The PersistentVolumeClaim each replica gets.
    pub storage: Storage,
    /// Resources of the prometheus container.
    pub resources: Resources,
    /// Resources of the thanos-sidecar container.
    pub sidecar_resources: Resources,
    /// Log level of Prometheus and its sidecar.
    pub log_level: LogLevel,
    /// Extra rule files (alerting and recording rules), written inline.
    pub rule_files: Vec<RuleFile>,
}

impl Default for Prometheus {
    fn default() -> Self {
        Self {
            replicas: 3,
            retention: Duration::lit("24h"),
            scrape_interval: Duration::lit("30s"),
            evaluation_interval: Duration::lit("30s"),
            min_block_duration: Duration::lit("2h"),
            max_block_duration: Duration::lit("2h"),
            storage: Storage::sized("20Gi"),
            resources: Resources::new("500m", "2Gi", "4Gi"),
            sidecar_resources: Resources::new("100m", "128Mi", "512Mi"),
            log_level: LogLevel::Info,
            rule_files: Vec::new(),
        }
    }
}

/// A persistent volume claim per replica.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Storage {
    /// Keep data on a PersistentVolumeClaim; off means an emptyDir that dies with the pod.
    pub persistent: bool,
    /// Requested size of each claim.
    pub size: Quantity,
    /// StorageClass of the claims; the cluster default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<Dns1123Label>,
}

impl Storage {
    fn sized(size: &str) -> Self {
        Self {
            persistent: true,
            size: Quantity::lit(size),
            storage_class_name: None,
        }
    }
}

impl Default for Storage {
    fn default() -> Self {
        Self::sized("10Gi")
    }
}

/// Compute resources of a container.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Resources {
    /// What the scheduler reserves.
    pub requests: ResourceAmounts,
    /// The most the container may use; memory over the limit is OOM-killed.
    pub limits: ResourceAmounts,
}

impl Resources {
    pub(crate) fn new(cpu: &str, memory: &str, memory_limit: &str) -> Self {
        Self {
            requests: ResourceAmounts {
                cpu: Some(Quantity::lit(cpu)),
                memory: Some(Quantity::lit(memory)),
            },
            limits: ResourceAmounts {
                cpu: None,
                memory: Some(Quantity::lit(memory_limit)),
            },
        }
    }
}

/// CPU and memory amounts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ResourceAmounts {
    /// CPU, such as `500m` or `2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// Memory, such as `512Mi` or `4Gi`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
}

/// Log verbosity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    #[default]
    Info,
    Warn,
    Error,
}

/// A Prometheus rule file written inline in the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleFile {
    /// File name inside the rules ConfigMap, such as `team-a.rules.yaml`.
    pub name: String,
    /// Rule groups, as in a Prometheus rule file.
    pub groups: Vec<RuleGroup>,
}

/// A Prometheus rule group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    /// Group name, unique within its file.
    pub name: String,
    /// Evaluation interval of this group; the global one when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// The rules, evaluated in order.
    pub rules: Vec<Rule>,
}

/// An alerting rule (`alert`) or a recording rule (`record`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Name of the alert (alerting rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// Name of the series to record (recording rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// PromQL expression.
    pub expr: String,
    /// How long the condition must hold before the alert fires.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<Duration>,
    /// Labels added to the alert or recorded series.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<LabelName, String>,
    /// Annotations of the alert.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<LabelName, String>,
}

/// Where long-term metrics are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ObjectStorage {
    /// Object storage service.
    pub provider: Provider,
    /// Bucket for the Prometheus blocks, read by Store and Compact.
    pub bucket: String,
    /// Bucket for the Ruler's blocks (kept apart, as in the article).
    pub ruler_bucket: String,
    /// Secret holding the credentials; only referenced, never rendered. For `gcs` the key is a
    /// service-account JSON file; for `s3` the Secret holds `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY` (and `key` is unused). Unset with workload identity; `azure`
    /// always authenticates through workload identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_secret: Option<SecretKeyRef>,
    /// S3 settings (`provider: s3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3>,
    /// Azure settings (`provider: azure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure: Option<Azure>,
    /// Cloud identity bound to the ServiceAccounts instead of a credentials Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_identity: Option<WorkloadIdentity>,
}

impl Default for ObjectStorage {
    fn default() -> Self {
        Self {
            provider: Provider::Gcs,
            bucket: "prometheus-long-term".to_owned(),
            ruler_bucket: "thanos-ruler".to_owned(),
            credentials_secret: Some(SecretKeyRef {
                name: Dns1123Label::lit("thanos-objstore-credentials"),
                key: "credentials.json".to_owned(),
            }),
            s3: None,
            azure: None,
            workload_identity: None,
        }
    }
}

/// Object storage services Thanos supports here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Google Cloud Storage.
    Gcs,
    /// Amazon S3 or an S3-compatible store.
    S3,
    /// Azure Blob Storage.
    Azure,
    /// A local directory: for demos only, data is lost with the pod.
    Filesystem,
}

/// A key in a Secret in the stack's namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretKeyRef {
    /// Secret name.
    pub name: Dns1123Label,
    /// Key inside the Secret.
    pub key: String,
}

/// S3 bucket location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3 {
    /// S3 endpoint host, such as `s3.eu-west-1.amazonaws.com`.
    pub endpoint: String,
    /// Region of the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Use plain HTTP (for in-cluster MinIO and the like).
    #[serde(default)]
    pub insecure: bool,
}

/// Azure storage account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Azure {
    /// Storage account name.
    pub storage_account: String,
}

/// A cloud identity for the pods that read and write the bucket.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadIdentity {
    /// GKE Workload Identity: the Google service account (`name@project.iam.gserviceaccount.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_service_account: Option<String>,
    /// EKS IRSA: the IAM role ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_role_arn: Option<String>,
    /// AKS Workload Identity: the client ID of the managed identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_client_id: Option<String>,
}

/// The Thanos components.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Thanos {
    /// Thanos Query: the global, deduplicated PromQL view.
    pub query: Query,
    /// Thanos Store gateway: serves the bucket's blocks over the Store API.
    pub store: Store,
    /// Thanos Compactor: compacts, downsamples and applies retention in the bucket.
    pub compact: Compact,
    /// Thanos Ruler: rules over the global view, stored in its own bucket.
    pub ruler: Ruler,
}

/// Thanos Query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Query {
    /// Number of Query replicas.
    pub replicas: u32,
    /// Store API (gRPC) endpoints of other clusters to federate, as `host:port`.
    pub remote_endpoints: Vec<Endpoint>,
    /// Resources of the query container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            replicas: 2,
            remote_endpoints: Vec::new(),
            resources: Resources::new("250m", "512Mi", "2Gi"),
            log_level: LogLevel::Info,
        }
    }
}

/// Thanos Store gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Store {
    /// Number of Store gateway replicas (each serves the whole bucket).
    pub replicas: u32,
    /// Local cache volume (safe to lose, slow to rebuild).
    pub storage: Storage,
    /// Resources of the store container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            replicas: 2,
            storage: Storage::sized("10Gi"),
            resources: Resources::new("250m", "1Gi", "2Gi"),
            log_level: LogLevel::Info,
        }
    }
}

/// Thanos Compactor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Compact {
    /// Must be 1: the compactor is a singleton per bucket.
    pub replicas: u32,
    /// Downsample to 5m resolution after 40h and to 1h after 10d.
    pub downsampling: bool,
    /// How long each resolution is kept in the bucket; `0d` keeps it forever.
    pub retention: CompactRetention,
    /// Scratch volume for compaction.
    pub storage: Storage,
    /// Resources of the compact container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
}

impl Default for Compact {
    fn default() -> Self {
        Self {
            replicas: 1,
            downsampling: true,
            retention: CompactRetention::default(),
            storage: Storage::sized("20Gi"),
            resources: Resources::new("250m", "1Gi", "4Gi"),
            log_level: LogLevel::Info,
        }
    }
}

/// Bucket retention per resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CompactRetention {
    /// Raw samples (`--retention.resolution-raw`).
    pub raw: Duration,
    /// 5-minute downsampled data (`--retention.resolution-5m`).
    pub five_minutes: Duration,
    /// 1-hour downsampled data (`--retention.resolution-1h`).
    pub one_hour: Duration,
}

impl Default for CompactRetention {
    fn default() -> Self {
        Self {
            raw: Duration::lit("30d"),
            five_minutes: Duration::lit("180d"),
            one_hour: Duration::lit("2y"),
        }
    }
}

/// Thanos Ruler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ruler {
    /// Deploy the Ruler.
    pub enabled: bool,
    /// Number of Ruler replicas; above 1 each gets its own replica label.
    pub replicas: u32,
    /// Label set to the pod name on each Ruler replica; Query deduplicates on it too.
    pub replica_label: LabelName,
    /// The Ruler's own external labels; must differ from Prometheus's.
    pub external_labels: BTreeMap<LabelName, String>,
    /// Rule files evaluated over the global view, in addition to the built-in ones.
    pub rule_files: Vec<RuleFile>,
    /// Local TSDB volume.
    pub storage: Storage,
    /// Resources of the rule container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
}

impl Default for Ruler {
    fn default() -> Self {
        Self {
            enabled: true,
            replicas: 2,
            replica_label: LabelName::lit("rule_replica"),
            external_labels: BTreeMap::new(),
            rule_files: Vec::new(),
            storage: Storage::sized("10Gi"),
            resources: Resources::new("100m", "256Mi", "1Gi"),
            log_level: LogLevel::Info,
        }
    }
}

/// Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Alertmanager {
    /// Deploy Alertmanager; Prometheus and the Ruler send alerts to it.
    pub enabled: bool,
    /// Number of clustered replicas.
    pub replicas: u32,
    /// Notification receivers; secrets are referenced, never inlined.
    pub receivers: Vec<Receiver>,
    /// The routing tree's root.
    pub route: Route,
    /// Volume for silences and the notification log.
    pub storage: Storage,
    /// Resources of the alertmanager container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
}

impl Default for Alertmanager {
    fn default() -> Self {
        Self {
            enabled: true,
            replicas: 3,
            receivers: vec![Receiver {
                name: "default".to_owned(),
                webhook: None,
                slack: None,
                pagerduty: None,
            }],
            route: Route::default(),
            storage: Storage::sized("1Gi"),
            resources: Resources::new("50m", "128Mi", "256Mi"),
            log_level: LogLevel::Info,
        }
    }
}

/// An Alertmanager receiver. With no integration set, alerts routed here are dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Receiver {
    /// Receiver name, referenced from routes.
    pub name: String,
    /// Webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Webhook>,
    /// Slack incoming webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<Slack>,
    /// PagerDuty Events v2, routing key read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagerduty: Option<PagerDuty>,
}

/// A webhook receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Webhook {
    /// Secret key holding the URL.
    pub url_secret: SecretKeyRef,
}

/// A Slack receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Slack {
    /// Secret key holding the incoming-webhook URL.
    pub api_url_secret: SecretKeyRef,
    /// Channel to post to, such as `#alerts`.
    pub channel: String,
}

/// A PagerDuty receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PagerDuty {
    /// Secret key holding the Events v2 routing key.
    pub routing_key_secret: SecretKeyRef,
}

/// The root route of Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Route {
    /// Receiver of alerts no child route takes.
    pub receiver: String,
    /// Labels that group alerts into one notification.
    pub group_by: Vec<LabelName>,
    /// Wait before the first notification of a group.
    pub group_wait: Duration,
    /// Wait before notifying about new alerts in a group.
    pub group_interval: Duration,
    /// Wait before repeating a notification.
    pub repeat_interval: Duration,
    /// Child routes, tried in order.
    pub routes: Vec<ChildRoute>,
}

impl Default for Route {
    fn default() -> Self {
        Self {
            receiver: "default".to_owned(),
            group_by: ["alertname", "cluster", "namespace"]
                .map(LabelName::lit)
                .to_vec(),
            group_wait: Duration::lit("30s"),
            group_interval: Duration::lit("5m"),
            repeat_interval: Duration::lit("4h"),
            routes: Vec::new(),
        }
    }
}

/// A child route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChildRoute {
    /// Receiver of the matching alerts.
    pub receiver: String,
    /// Alertmanager matchers such as `severity="critical"`.
    pub matchers: Vec<String>,
    /// Keep trying later siblings after a match.
    #[serde(default, rename = "continue")]
    pub continue_: bool,
}

/// A component that can be switched off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Component {
    /// Deploy it.
    pub enabled: bool,
    /// Resources of its main container.
    pub resources: Resources,
}

impl Default for Component {
    fn default() -> Self {
        Self {
            enabled: true,
            resources: Resources::new("50m", "64Mi", "256Mi"),
        }
    }
}

/// NetworkPolicies for the stack's namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkPolicies {
    /// Deny all traffic to and from the stack's pods except the flows it needs (scrapes, the
    /// Store API, Grafana to Query, alerts, Alertmanager gossip, DNS, object storage, the
    /// ingress controller to exposed UIs).
    pub enabled: bool,
    /// Namespace of the ingress controller allowed to reach the exposed UIs.
    pub ingress_controller_namespace: Dns1123Label,
}

impl Default for NetworkPolicies {
    fn default() -> Self {
        Self {
            enabled: false,
            ingress_controller_namespace: Dns1123Label::lit("ingress-nginx"),
        }
    }
}

/// Grafana.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Grafana {
    /// Deploy Grafana.
    pub enabled: bool,
    /// Number of replicas (state lives in provisioning, so any number works).
    pub replicas: u32,
    /// Provisioned dashboards.
    pub dashboards: Vec<Dashboard>,
    /// Secret with keys `admin-user` and `admin-password`; Grafana's own default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_secret: Option<Dns1123Label>,
    /// Resources of the grafana container.
    pub resources: Resources,
}

impl Default for Grafana {
    fn default() -> Self {
        Self {
            enabled: true,
            replicas: 1,
            dashboards: vec![Dashboard::Cluster, Dashboard::Nodes],
            admin_secret: None,
            resources: Resources::new("100m", "128Mi", "512Mi"),
        }
    }
}

/// Built-in dashboards.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Dashboard {
    /// Kubernetes cluster overview: capacity, workloads, namespaces.
    Cluster,
    /// Per-node view from node-exporter.
    Nodes,
}

/// Ingress for the UIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ingress {
    /// Create the Ingress.
    pub enabled: bool,
    /// IngressClass name.
    pub class_name: Dns1123Label,
    /// TLS for every host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// Secret in nginx's `auth-file` format for basic auth on every host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth_secret: Option<Dns1123Label>,
    /// Which UIs to expose.
    pub expose: Expose,
}

impl Default for Ingress {
    fn default() -> Self {
        Self {
            enabled: true,
            class_name: Dns1123Label::lit("nginx"),
            tls: None,
            basic_auth_secret: None,
            expose: Expose::default(),
        }
    }
}

/// TLS settings of the Ingress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tls {
    /// Secret holding the certificate for every host.
    pub secret_name: Dns1123Label,
    /// cert-manager ClusterIssuer that fills `secretName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_issuer: Option<Dns1123Label>,
}

/// UIs reachable through the Ingress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Expose {
    /// `thanos-querier.<domain>`.
    pub querier: bool,
    /// `grafana.<domain>`.
    pub grafana: bool,
    /// `alertmanager.<domain>`.
    pub alertmanager: bool,
    /// `prometheus-N.<domain>` for each replica (debugging).
    pub prometheus: bool,
    /// `thanos-ruler.<domain>`.
    pub ruler: bool,
}

impl Default for Expose {
    fn default() -> Self {
        Self {
            querier: true,
            grafana: true,
            alertmanager: true,
            prometheus: true,
            ruler: true,
        }
    }
}

/// Placement of replicated components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HighAvailability {
    /// Spread the replicas of each component over nodes, or over zones and nodes.
    pub spread_across: SpreadAcross,
    /// A PodDisruptionBudget (maxUnavailable 1) for every replicated component.
    pub pod_disruption_budgets: bool,
}

impl Default for HighAvailability {
    fn default() -> Self {
        Self {
            spread_across: SpreadAcross::Node,
            pod_disruption_budgets: true,
        }
    }
}

/// Failure domain to spread replicas over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpreadAcross {
    /// `kubernetes.io/hostname`.
    Node,
    /// `topology.kubernetes.io/zone`, and nodes within each zone.
    Zone,
}
