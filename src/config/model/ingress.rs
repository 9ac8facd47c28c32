//! The Ingress section: which UIs are reachable under `domain`, through an Ingress or Gateway
//! API routes, with what TLS and auth.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::{Dns1123Label, DnsName};

/// How the UIs (and the Store API with `storeApi.expose: ingress`) are reached from outside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ingress {
    /// Expose the UIs at all.
    pub enabled: bool,
    /// `ingress`: a `networking.k8s.io/v1` Ingress for an ingress controller.
    /// `gatewayAPI`: one `HTTPRoute` per host (and a `GRPCRoute` for the Store API),
    /// attached to an existing Gateway named in `gateway`.
    pub kind: ExposureKind,
    /// IngressClass name (`kind: ingress` only).
    pub class_name: Dns1123Label,
    /// The ingress controller family behind `className` (`kind: ingress` only): it decides
    /// which annotations stackgen can write for basic auth and for the Store API's gRPC.
    pub controller: Controller,
    /// Annotations added to every Ingress (or route) stackgen renders, for the controller's
    /// own settings. Keys stackgen writes itself are refused.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The existing Gateway the routes attach to (`kind: gatewayAPI` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayRef>,
    /// TLS for every host (`kind: ingress` only: with Gateway API, TLS terminates at the
    /// Gateway's listeners).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// Secret in nginx's `auth-file` format (key `auth`, htpasswd lines) for basic auth on
    /// every host. Only with `controller: nginx`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth_secret: Option<Dns1123Label>,
    /// Which UIs to expose.
    pub expose: Expose,
}

impl Default for Ingress {
    fn default() -> Self {
        Self {
            enabled: true,
            kind: ExposureKind::Ingress,
            class_name: Dns1123Label::lit("nginx"),
            controller: Controller::Nginx,
            annotations: BTreeMap::new(),
            gateway: None,
            tls: None,
            basic_auth_secret: None,
            expose: Expose::default(),
        }
    }
}

/// What the UIs are exposed through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum ExposureKind {
    /// A `networking.k8s.io/v1` Ingress.
    #[default]
    #[serde(rename = "ingress")]
    Ingress,
    /// Gateway API `HTTPRoute`s (and a `GRPCRoute`), `gateway.networking.k8s.io/v1`.
    #[serde(rename = "gatewayAPI")]
    GatewayApi,
}

/// The ingress controller family that serves `className`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Controller {
    /// The community ingress-nginx (kubernetes/ingress-nginx), configured through
    /// `nginx.ingress.kubernetes.io/*` annotations. F5's NGINX Ingress Controller
    /// (`nginx.org/*`) is `other`.
    #[default]
    Nginx,
    /// Traefik's Kubernetes Ingress provider: basic auth and TLS options live in its own
    /// Middleware and TLSOption resources, which stackgen does not write.
    Traefik,
    /// Any other controller: stackgen writes no controller annotations.
    Other,
}

impl Controller {
    /// As the config spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Controller::Nginx => "nginx",
            Controller::Traefik => "traefik",
            Controller::Other => "other",
        }
    }
}

/// An existing Gateway that the routes attach to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayRef {
    /// The Gateway's name.
    pub name: Dns1123Label,
    /// Its namespace. Unset: the stack's. In another namespace, its listeners must admit
    /// routes from the stack's (`allowedRoutes.namespaces`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Dns1123Label>,
    /// The listener to attach to. Unset: every listener that admits the routes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<DnsName>,
    /// Whether that listener serves HTTPS, so the links the UIs hand out
    /// (`--web.external-url`, alert links) start with `https://`.
    #[serde(default = "listener_serves_https")]
    pub https: bool,
}

fn listener_serves_https() -> bool {
    true
}

impl Ingress {
    /// Whether users open the UIs over HTTPS: the Ingress has TLS, or the Gateway's
    /// listener serves it.
    pub fn https(&self) -> bool {
        match self.kind {
            ExposureKind::Ingress => self.tls.is_some(),
            ExposureKind::GatewayApi => self.gateway.as_ref().is_some_and(|g| g.https),
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
