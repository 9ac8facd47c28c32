//! Caches of the read path: where a component keeps what it would otherwise fetch again.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::Bytes;

/// A cache: in the component's own memory, or in memcached. Set exactly one.
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
    pub fn in_memory(max_size: &str) -> Self {
        Self {
            in_memory: Some(InMemoryCache {
                max_size: Bytes::lit(max_size),
            }),
            memcached: None,
        }
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
