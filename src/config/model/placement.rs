//! Where the pods run and who may talk to them: spreading, disruption budgets and
//! NetworkPolicies.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::Dns1123Label;

/// Placement of replicated components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HighAvailability {
    /// Spread the replicas of each component over nodes, or over zones and nodes.
    pub spread_across: SpreadAcross,
    /// A PodDisruptionBudget (maxUnavailable 1) for every replicated component.
    pub pod_disruption_budgets: bool,
}

impl Default for HighAvailability {
    fn default() -> Self {
        Self {
            spread_across: SpreadAcross::Node,
            pod_disruption_budgets: true,
        }
    }
}

/// Failure domain to spread replicas over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpreadAcross {
    /// `kubernetes.io/hostname`.
    Node,
    /// `topology.kubernetes.io/zone`, and nodes within each zone.
    Zone,
}

/// NetworkPolicies for the stack's namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkPolicies {
    /// Deny all traffic to and from the stack's pods except the flows it needs (scrapes, the
    /// Store API, Grafana to Query, alerts, Alertmanager gossip, DNS, object storage, the
    /// ingress controller to exposed UIs).
    pub enabled: bool,
    /// Namespace of the ingress controller allowed to reach the exposed UIs.
    pub ingress_controller_namespace: Dns1123Label,
    /// Ports the API server is reached on (the `kubernetes` Service's port and the
    /// endpoints' behind it; minikube serves 8443).
    pub api_server_ports: Vec<u16>,
    /// Ports Alertmanager may reach its receivers on (webhooks on plain HTTP or another
    /// port, in-cluster receivers: add them here).
    pub receiver_ports: Vec<u16>,
}

impl Default for NetworkPolicies {
    fn default() -> Self {
        Self {
            enabled: false,
            ingress_controller_namespace: Dns1123Label::lit("ingress-nginx"),
            api_server_ports: vec![443, 6443],
            receiver_ports: vec![443],
        }
    }
}
