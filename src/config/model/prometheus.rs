//! The Prometheus section, and the inline rule files that it and the Thanos Ruler evaluate.

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::config::files::FileRef;
use serde::{Deserialize, Serialize};

use super::scrape::{ControlPlane, RemoteWrite, ScrapeConfig};
use super::{Extras, PodSettings};

use super::{LogLevel, Resources, Storage};
use crate::config::types::{Duration, LabelName};

/// Prometheus servers, each with a Thanos sidecar that uploads its blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Prometheus {
    /// Run Prometheus here. `false` on an observer that only reads other clusters: no
    /// Prometheus, sidecars or scrape config, and no kube-state-metrics or node-exporter,
    /// which only Prometheus would scrape.
    pub enabled: bool,
    /// Number of identical Prometheus replicas; Query deduplicates their series. At most
    /// 100: each replica gets its own Service and ingress host.
    #[schemars(range(max = 100))]
    pub replicas: u32,
    /// Functional shards: each of this many Prometheus StatefulSets (`replicas` pods each)
    /// scrapes only its share of every scrape job's targets, split by a hash of the
    /// target's address, and uploads its own blocks, told apart by `shardLabel`. 1 (the
    /// default) is one StatefulSet, `prometheus`, scraping everything; more are
    /// `prometheus-shard-0` … Rules that need every series (`absent()`, counts over every
    /// target) belong in `thanos.ruler.ruleFiles` then. At most 32.
    #[schemars(range(min = 1, max = 32))]
    pub shards: u32,
    /// External label telling the shards' blocks apart (`<shardLabel>: "0"` …), set only
    /// when there is more than one shard. Not a replica label: Query keeps it, as the
    /// shards hold different series.
    pub shard_label: LabelName,
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
    /// Scrape jobs of your own, in Prometheus's format, after stackgen's (which discover the
    /// stack, the kubelets, and every pod and Service annotated `prometheus.io/scrape`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_scrape_configs: Vec<ScrapeConfig>,
    /// Scrape jobs for the control plane, each a switch.
    #[serde(skip_serializing_if = "ControlPlane::is_empty")]
    pub control_plane: ControlPlane,
    /// Endpoints every replica also sends its samples to, in Prometheus's format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remote_write: Vec<RemoteWrite>,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
    /// Flags, environment and mounts added to the Thanos sidecar container (volumes and
    /// containers go under `extra`).
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub sidecar_extra: Extras,
}

impl Default for Prometheus {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            sidecar_extra: Extras::default(),
            enabled: true,
            replicas: 3,
            shards: 1,
            shard_label: LabelName::lit("prometheus_shard"),
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
            additional_scrape_configs: Vec::new(),
            control_plane: ControlPlane::default(),
            remote_write: Vec::new(),
            rule_files_from: Vec::new(),
            rule_file_origins: BTreeMap::new(),
        }
    }
}

impl RuleFile {
    /// A rule file in Prometheus's format, read from `name`: its groups, every field known.
    pub fn parse(name: &str, text: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            #[serde(default)]
            groups: Vec<RuleGroup>,
        }
        let body: Body = crate::yaml::from_str(text)
            .map_err(|e| e.to_string().lines().next().unwrap_or_default().to_owned())?;
        Ok(Self {
            name: name.to_owned(),
            groups: body.groups,
        })
    }

    /// The config path of rule file `i` of a section at `base` (`spec.prometheus`): its place
    /// in `ruleFiles`, or for one read from a file, the `ruleFilesFrom` entry it came from.
    pub fn path(base: &str, origins: &BTreeMap<usize, String>, i: usize) -> String {
        origins
            .get(&i)
            .cloned()
            .unwrap_or_else(|| format!("{base}.ruleFiles[{i}]"))
    }
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
