//! How the Store gateway's blocks are split between StatefulSets: by a hash of each block's
//! ID, by time, or both.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::PointInTime;

/// Store gateway shards: each is a StatefulSet of `replicas` Store gateways serving only
/// its share of the blocks, and Query asks every shard. With neither set, one StatefulSet
/// serves every block.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StoreShards {
    /// Split the blocks into this many shards by a hash of each block's ID
    /// (`hashmod` over `__block_id` in `--selector.relabel-config`), which spreads them
    /// evenly whatever their labels. 1 means no hash sharding; at most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 64))]
    pub hash: Option<u32>,
    /// Split the blocks by time (`--min-time`, `--max-time`), oldest first: the first has no
    /// `minTime`, the last no `maxTime`, and each `maxTime` is the next one's `minTime`, so
    /// every block is served. With `hash`, each partition is split into `hash` shards.
    pub time_partitions: Vec<TimePartition>,
}

/// One time partition of the Store gateway: the blocks that hold samples from `minTime` up
/// to `maxTime`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TimePartition {
    /// Start: RFC3339 (`2025-01-01T00:00:00Z`) or relative to now (`-8w`). Unset: the
    /// beginning of time (first partition only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_time: Option<PointInTime>,
    /// End, in the same forms. Unset: no end (last partition only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_time: Option<PointInTime>,
}

impl TimePartition {
    /// A partition from `min` to `max`, for tests and examples.
    pub fn between(min: Option<&str>, max: Option<&str>) -> Self {
        Self {
            min_time: min.map(PointInTime::lit),
            max_time: max.map(PointInTime::lit),
        }
    }
}

impl StoreShards {
    /// How many hash shards each time partition has.
    pub fn hash_count(&self) -> u32 {
        self.hash.unwrap_or(1).max(1)
    }

    /// How many time partitions there are (one when the blocks are not split by time).
    pub fn partition_count(&self) -> usize {
        self.time_partitions.len().max(1)
    }

    /// How many StatefulSets serve the bucket.
    pub fn count(&self) -> u64 {
        u64::from(self.hash_count()) * self.partition_count() as u64
    }
}
