//! The Ingress section: which UIs are reachable under `domain`, with what TLS and auth.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::Dns1123Label;

/// Ingress for the UIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ingress {
    /// Create the Ingress.
    pub enabled: bool,
    /// IngressClass name.
    pub class_name: Dns1123Label,
    /// TLS for every host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// Secret in nginx's `auth-file` format for basic auth on every host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth_secret: Option<Dns1123Label>,
    /// Which UIs to expose.
    pub expose: Expose,
}

impl Default for Ingress {
    fn default() -> Self {
        Self {
            enabled: true,
            class_name: Dns1123Label::lit("nginx"),
            tls: None,
            basic_auth_secret: None,
            expose: Expose::default(),
        }
    }
}

/// TLS settings of the Ingress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tls {
    /// Secret holding the certificate for every host.
    pub secret_name: Dns1123Label,
    /// cert-manager ClusterIssuer that fills `secretName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_issuer: Option<Dns1123Label>,
}

/// UIs reachable through the Ingress.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Expose {
    /// `thanos-querier.<domain>`. Unset: exposed only behind `basicAuthSecret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub querier: Option<bool>,
    /// `grafana.<domain>`. Unset: exposed (Grafana has its own login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grafana: Option<bool>,
    /// `alertmanager.<domain>`. Unset: exposed only behind `basicAuthSecret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<bool>,
    /// `prometheus-N.<domain>` for each replica (debugging). Unset: exposed only behind
    /// `basicAuthSecret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<bool>,
    /// `thanos-ruler.<domain>`. Unset: exposed only behind `basicAuthSecret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ruler: Option<bool>,
}
