//! Thanos Query Frontend: what long dashboard ranges go through before they reach Query.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Extras, PodSettings};

use super::{Cache, LogLevel, Resources};
use crate::config::types::Duration;

/// Thanos Query Frontend, in front of Query for Grafana and the ingress's query host: it
/// splits range queries by interval and runs the pieces in parallel, retries failed ones,
/// caches results, and asks for downsampled data where raw data has aged out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct QueryFrontend {
    /// Deploy the Query Frontend.
    pub enabled: bool,
    /// Number of replicas (at most 1000).
    #[schemars(range(max = 1000))]
    pub replicas: u32,
    /// Range queries are split into pieces this long (`--query-range.split-interval`); the
    /// cache keeps results per piece.
    pub split_interval: Duration,
    /// Retries of a failed piece before the error goes back
    /// (`--query-range.max-retries-per-request`).
    #[schemars(range(max = 100))]
    pub max_retries: u32,
    /// The results cache of range and label queries; unset: in memory, 256MB.
    pub cache: Cache,
    /// Resources of the query-frontend container.
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

impl Default for QueryFrontend {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            replicas: 2,
            split_interval: Duration::lit("24h"),
            max_retries: 5,
            cache: Cache::default(),
            resources: Resources::new("100m", "256Mi", "1Gi"),
            log_level: LogLevel::Info,
        }
    }
}
