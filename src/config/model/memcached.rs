//! The memcached stackgen runs for the caches of the read path that ask for it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Extras, PodSettings};

use super::Resources;
use crate::config::types::Bytes;

/// The memcached servers stackgen renders when a cache says `memcached: {}` (no addresses
/// of its own). Every cache that does shares them; clients spread keys over the servers by
/// a jump hash of their names, so a server lost loses only its share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Memcached {
    /// Number of memcached servers (at most 100).
    #[schemars(range(max = 100))]
    pub replicas: u32,
    /// Memory for items on each server (memcached's `-m`), a whole number of MiB such as
    /// `1GiB`; at least twice the 1MiB largest item. Keep the memory limit above it:
    /// connections and the hash table need room of their own.
    pub max_memory: Bytes,
    /// Resources of the memcached container.
    pub resources: Resources,
    /// Resources of the exporter beside it, which Prometheus scrapes.
    pub exporter_resources: Resources,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

impl Default for Memcached {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            replicas: 3,
            max_memory: Bytes::lit("1GiB"),
            resources: Resources::new("100m", "1280Mi", "1536Mi"),
            exporter_resources: Resources::new("10m", "32Mi", "64Mi"),
        }
    }
}
