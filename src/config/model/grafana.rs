//! The Grafana section and its built-in dashboards.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Resources;
use crate::config::types::Dns1123Label;

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
