//! Types every component section shares: volumes, resources, log level, Secret keys, and the
//! plain on/off component.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Extras, PodSettings};

use crate::config::types::{Dns1123Label, Quantity};

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
    pub(super) fn sized(size: &str) -> Self {
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

/// A key in a Secret in the stack's namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretKeyRef {
    /// Secret name.
    pub name: Dns1123Label,
    /// Key inside the Secret.
    pub key: String,
}

/// A key in a ConfigMap in the stack's namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigMapKeyRef {
    /// ConfigMap name.
    pub name: Dns1123Label,
    /// Key inside the ConfigMap.
    pub key: String,
}

/// A component that can be switched off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Component {
    /// Deploy it.
    pub enabled: bool,
    /// Resources of its main container.
    pub resources: Resources,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

impl Default for Component {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            resources: Resources::new("50m", "64Mi", "256Mi"),
        }
    }
}
