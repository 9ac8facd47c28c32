//! Escape hatches: what a component's pods get besides what stackgen writes (flags,
//! environment, volumes, containers). Each is added to stackgen's, never silently in place
//! of it: a flag stackgen writes too must be listed as an override, and a name stackgen
//! already uses is refused.

use k8s_openapi::api::core::v1 as core;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Additions to a component's pods and its main container.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Extras {
    /// Flags appended to the main container's arguments, each `--name=value` or `--name`.
    /// A flag stackgen writes for the container is refused here: list it under
    /// `overrideArgs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Flags that replace every value stackgen writes for the same flag (a flag stackgen
    /// does not write is refused here: list it under `args`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub override_args: Vec<String>,
    /// Environment variables of the main container, with a `value` or `valueFrom`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<core::EnvVar>,
    /// Volumes added to the pods. The Secrets and ConfigMaps they name are prerequisites.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<core::Volume>,
    /// Mounts added to the main container, of stackgen's volumes or of `volumes`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<core::VolumeMount>,
    /// Containers added to the pods (proxies, log shippers). Each runs under the restricted
    /// security context: stackgen fills in what the container leaves unset and refuses what
    /// breaks the profile.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<core::Container>,
}

impl Extras {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The name of a flag as written in an argument: `--name` of `--name=value`.
pub fn flag_name(arg: &str) -> &str {
    arg.split_once('=').map_or(arg, |(name, _)| name)
}
