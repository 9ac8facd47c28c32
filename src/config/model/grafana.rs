//! The Grafana section and its built-in dashboards.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Extras, PodSettings};

use super::{Resources, SecretKeyRef, Storage};
use crate::config::types::Dns1123Label;

/// Grafana.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Grafana {
    /// Deploy Grafana.
    pub enabled: bool,
    /// Number of replicas. Grafana keeps users, sessions and settings in a database: more
    /// than one replica needs the shared `database`. At most 100.
    #[schemars(range(max = 100))]
    pub replicas: u32,
    /// Provisioned dashboards.
    pub dashboards: Vec<Dashboard>,
    /// Secret with keys `admin-user` and `admin-password`; Grafana's own default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_secret: Option<Dns1123Label>,
    /// A shared database (MySQL or PostgreSQL) instead of the SQLite file in each pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<GrafanaDatabase>,
    /// Keep the SQLite database on a volume, so users and settings survive a restart (one
    /// replica only: the claim is ReadWriteOnce). Off: an emptyDir.
    pub storage: Storage,
    /// Resources of the grafana container.
    pub resources: Resources,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

/// Grafana's shared database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrafanaDatabase {
    /// Secret key holding the URL, such as `postgres://user:password@host:5432/grafana`.
    pub url_secret: SecretKeyRef,
}

impl Default for Grafana {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            replicas: 1,
            dashboards: vec![Dashboard::Cluster, Dashboard::Nodes],
            admin_secret: Some(Dns1123Label::lit("grafana-admin")),
            database: None,
            storage: Storage {
                persistent: false,
                ..Storage::sized("1Gi")
            },
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
