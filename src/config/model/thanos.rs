//! The Thanos section: Query, Store gateway, Compactor and Ruler.

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::config::files::FileRef;
use serde::{Deserialize, Serialize};

use super::{Extras, PodSettings};

use super::{Cache, GrpcTls, LogLevel, QueryFrontend, Resources, RuleFile, Storage, StoreShards};
use crate::config::types::{Duration, Endpoint, LabelName};

/// The Thanos components.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Thanos {
    /// Thanos Query: the global, deduplicated PromQL view.
    pub query: Query,
    /// Thanos Query Frontend: splits, retries and caches the range queries of Grafana and
    /// the ingress before they reach Query.
    pub query_frontend: QueryFrontend,
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
    /// Number of Query replicas (at most 1000).
    #[schemars(range(max = 1000))]
    pub replicas: u32,
    /// Store API (gRPC) endpoints of other clusters to federate, as `host:port`: what
    /// their `spec.storeApi` offers (`<host>:443` through an ingress, `<host>:10901`
    /// through a load balancer). With any, a global Query dials them and this cluster's
    /// own Query, all with `remoteTls`, and Grafana and the Ruler read the global Query.
    pub remote_endpoints: Vec<Endpoint>,
    /// TLS towards `remoteEndpoints`: the client certificate shown to them and the CA
    /// their server certificates are checked against.
    pub remote_tls: GrpcTls,
    /// Resources of the query container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            replicas: 2,
            remote_endpoints: Vec::new(),
            remote_tls: GrpcTls::named("thanos-grpc-client-tls"),
            resources: Resources::new("250m", "512Mi", "2Gi"),
            log_level: LogLevel::Info,
        }
    }
}

/// Thanos Store gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Store {
    /// Run Store gateways over the buckets here. `false` on a cluster whose blocks go to a
    /// bucket another cluster reads (a fleet sharing one bucket): its own Query then sees
    /// only what its Prometheus still holds.
    pub enabled: bool,
    /// Number of Store gateway replicas (each serves the whole bucket; at most 1000).
    #[schemars(range(max = 1000))]
    pub replicas: u32,
    /// Local cache volume (safe to lose, slow to rebuild).
    pub storage: Storage,
    /// Resources of the store container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
    /// Cache of the blocks' index lookups (postings and series): in each Store gateway's
    /// memory (`--index-cache-size`; unset: 250MB, Thanos's default), or in memcached
    /// (`--index-cache.config`).
    pub index_cache: Cache,
    /// Cache of the chunks and metadata files the Store gateways fetch from the bucket
    /// (`--store.caching-bucket.config`; `{}`: in memory, 250MB); none when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_cache: Option<Cache>,
    /// Split the bucket's blocks between several StatefulSets, by hash and/or by time; the
    /// Store gateways of the Ruler's bucket are never split.
    pub shards: StoreShards,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

impl Store {
    /// The size of an in-memory cache that names none: Thanos's default for both.
    pub const CACHE_SIZE: &'static str = "250MB";
}

impl Default for Store {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            replicas: 2,
            storage: Storage::sized("10Gi"),
            resources: Resources::new("250m", "1Gi", "2Gi"),
            log_level: LogLevel::Info,
            index_cache: Cache::default(),
            bucket_cache: None,
            shards: StoreShards::default(),
        }
    }
}

/// Thanos Compactor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Compact {
    /// Run the Compactor of the buckets here. `false` only when another cluster compacts
    /// them (a fleet sharing one bucket): a bucket takes exactly one Compactor, and one
    /// that has none is never downsampled or pruned. `render --fleet` checks both.
    pub enabled: bool,
    /// Must be 1: the compactor is a singleton per bucket.
    #[schemars(range(max = 1000))]
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
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

impl Default for Compact {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
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
    /// Number of Ruler replicas; above 1 each gets its own replica label. At most 100.
    #[schemars(range(max = 100))]
    pub replicas: u32,
    /// Label set to the pod name on each Ruler replica; Query deduplicates on it too.
    pub replica_label: LabelName,
    /// The Ruler's own external labels; must differ from Prometheus's.
    pub external_labels: BTreeMap<LabelName, String>,
    /// Rule files evaluated over the global view, in addition to the built-in ones.
    pub rule_files: Vec<RuleFile>,
    /// Rule files in Prometheus's own format (`groups:`), or directories of `*.yaml` and
    /// `*.yml` rule files, relative to the config file; each ships under its file name,
    /// checked as the inline ones are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rule_files_from: Vec<FileRef>,
    /// Where the rule files read from `ruleFilesFrom` came from, by their index in
    /// `rule_files`, to which they are appended once read.
    #[serde(skip)]
    #[schemars(skip)]
    pub rule_file_origins: BTreeMap<usize, String>,
    /// Local TSDB volume.
    pub storage: Storage,
    /// Resources of the rule container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

impl Default for Ruler {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            replicas: 2,
            replica_label: LabelName::lit("rule_replica"),
            external_labels: BTreeMap::new(),
            rule_files: Vec::new(),
            rule_files_from: Vec::new(),
            rule_file_origins: BTreeMap::new(),
            storage: Storage::sized("10Gi"),
            resources: Resources::new("100m", "256Mi", "1Gi"),
            log_level: LogLevel::Info,
        }
    }
}
