//! The Alertmanager section: its receivers and routing tree.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Extras, PodSettings};

use super::{LogLevel, Resources, SecretKeyRef, Storage};
use crate::config::types::{Duration, LabelName};

/// Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Alertmanager {
    /// Deploy Alertmanager; Prometheus and the Ruler send alerts to it.
    pub enabled: bool,
    /// Number of clustered replicas (at most 25: each is a gossip peer of every other).
    #[schemars(range(max = 25))]
    pub replicas: u32,
    /// Notification receivers; secrets are referenced, never inlined.
    pub receivers: Vec<Receiver>,
    /// The routing tree's root.
    pub route: Route,
    /// Volume for silences and the notification log.
    pub storage: Storage,
    /// Resources of the alertmanager container.
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

impl Default for Alertmanager {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            replicas: 3,
            receivers: vec![Receiver {
                name: "default".to_owned(),
                webhook: None,
                slack: None,
                pagerduty: None,
            }],
            route: Route::default(),
            storage: Storage::sized("1Gi"),
            resources: Resources::new("50m", "128Mi", "256Mi"),
            log_level: LogLevel::Info,
        }
    }
}

/// An Alertmanager receiver. With no integration set, alerts routed here are dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Receiver {
    /// Receiver name, referenced from routes.
    pub name: String,
    /// Webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Webhook>,
    /// Slack incoming webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<Slack>,
    /// PagerDuty Events v2, routing key read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagerduty: Option<PagerDuty>,
}

/// A webhook receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Webhook {
    /// Secret key holding the URL.
    pub url_secret: SecretKeyRef,
}

/// A Slack receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Slack {
    /// Secret key holding the incoming-webhook URL.
    pub api_url_secret: SecretKeyRef,
    /// Channel to post to, such as `#alerts`.
    pub channel: String,
}

/// A PagerDuty receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PagerDuty {
    /// Secret key holding the Events v2 routing key.
    pub routing_key_secret: SecretKeyRef,
}

/// The root route of Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Route {
    /// Receiver of alerts no child route takes.
    pub receiver: String,
    /// Labels that group alerts into one notification.
    pub group_by: Vec<LabelName>,
    /// Wait before the first notification of a group.
    pub group_wait: Duration,
    /// Wait before notifying about new alerts in a group.
    pub group_interval: Duration,
    /// Wait before repeating a notification.
    pub repeat_interval: Duration,
    /// Child routes, tried in order.
    pub routes: Vec<ChildRoute>,
}

impl Default for Route {
    fn default() -> Self {
        Self {
            receiver: "default".to_owned(),
            group_by: ["alertname", "cluster", "namespace"]
                .map(LabelName::lit)
                .to_vec(),
            group_wait: Duration::lit("30s"),
            group_interval: Duration::lit("5m"),
            repeat_interval: Duration::lit("4h"),
            routes: Vec::new(),
        }
    }
}

/// A child route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChildRoute {
    /// Receiver of the matching alerts.
    pub receiver: String,
    /// Alertmanager matchers such as `severity="critical"`.
    pub matchers: Vec<String>,
    /// Keep trying later siblings after a match.
    #[serde(default, rename = "continue")]
    pub continue_: bool,
}
