//! The alerts stackgen ships, tuned to a platform without copying them: turned off, or given
//! another `for`, severity or labels, by alert or group name.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::{Duration, LabelName};

/// Changes to the built-in alerts: Prometheus's (`stack.rules.yaml`) and the Ruler's
/// (`global.rules.yaml`). Names are checked against them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BuiltInAlerts {
    /// Alerts, or groups (every alert of the group), left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disabled: Vec<String>,
    /// Settings of an alert, or of every alert of a group, by name. An alert's own entry
    /// wins over its group's.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, AlertOverride>,
}

impl BuiltInAlerts {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What an override changes of a built-in alert.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AlertOverride {
    /// How long the condition must hold before the alert fires.
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<Duration>,
    /// The alert's `severity` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Labels added to the alert (replacing a built-in label of the same name), for routing
    /// (`team`, `page`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<LabelName, String>,
}

/// The severities the built-in alerts use, which routes match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}
