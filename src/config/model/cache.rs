//! Caches of the read path: where a component keeps what it would otherwise fetch again.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::Bytes;

/// A cache: in the component's own memory, or in memcached. Set one at most; neither is the
/// component's default, in memory.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cache {
    /// In each replica's memory: nothing to run, but lost on restart and not shared
    /// between replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_memory: Option<InMemoryCache>,
    /// In memcached: shared by every replica and kept across their restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memcached: Option<MemcachedCache>,
}

impl Cache {
    /// The size of an in-memory cache: the one set, or the component's default.
    pub fn max_size<'a>(&'a self, default: &'a str) -> &'a str {
        self.in_memory
            .as_ref()
            .map_or(default, |m| m.max_size.as_str())
    }
}

/// A cache in the component's memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InMemoryCache {
    /// The most it holds, such as `250MB`; count it in the container's memory limit.
    pub max_size: Bytes,
}

/// A cache in memcached.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MemcachedCache {
    /// `host:port` of each memcached server of your own (`dnssrv+` names work too). Empty:
    /// the memcached stackgen renders (`spec.memcached`).
    pub addresses: Vec<String>,
}
