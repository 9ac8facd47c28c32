//! The Store API between clusters: what an observed cluster offers to observers, and the
//! TLS both ends speak.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::{Cidr, Dns1123Label, DnsName};

/// This cluster's Store API, offered to observer clusters. What is offered is the local
/// Thanos Query: it fans out to every sidecar, Store gateway and Ruler here, so an observer
/// dials one address per cluster, one certificate covers it, and one NetworkPolicy rule
/// admits it, however the cluster's own Store APIs scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StoreApi {
    /// How observers reach it. `none`: they don't. `ingress`: gRPC through ingress-nginx on
    /// port 443 of `host`, TLS (and client certificates) checked by the controller.
    /// `loadBalancer`: a LoadBalancer Service on port 10901 of `host`, TLS checked by Thanos
    /// Query itself.
    pub expose: StoreApiExpose,
    /// The name observers dial, which the server certificate must be valid for. Unset:
    /// `thanos-grpc.<domain>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<DnsName>,
    /// Address blocks observers connect from. Only they are admitted: by the ingress
    /// controller (`whitelist-source-range`) or by the load balancer
    /// (`loadBalancerSourceRanges`) and the NetworkPolicy. Empty: any address, and only
    /// the client certificate keeps strangers out.
    pub sources: Vec<Cidr>,
    /// TLS of the offered Store API.
    pub tls: GrpcTls,
}

impl Default for StoreApi {
    fn default() -> Self {
        Self {
            expose: StoreApiExpose::None,
            host: None,
            sources: Vec::new(),
            tls: GrpcTls::named("thanos-grpc-server-tls"),
        }
    }
}

/// How observers reach the Store API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum StoreApiExpose {
    /// Not offered outside the cluster.
    #[default]
    None,
    /// gRPC through ingress-nginx, on port 443.
    Ingress,
    /// A LoadBalancer Service, on port 10901.
    LoadBalancer,
}

/// TLS of gRPC between clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcTls {
    /// `mutual`: both ends show a certificate signed by a CA the other trusts. `plaintext`:
    /// no TLS at all, so anyone on the path reads every series; only on a network you
    /// trust end to end.
    #[serde(default)]
    pub mode: TlsMode,
    /// Secret with `tls.crt`, `tls.key` and `ca.crt` (the CA that signs the other end's
    /// certificates), as cert-manager writes it. One CA for the fleet makes every pair work.
    pub secret_name: Dns1123Label,
}

impl GrpcTls {
    pub fn named(secret: &str) -> Self {
        Self {
            mode: TlsMode::Mutual,
            secret_name: Dns1123Label::lit(secret),
        }
    }

    pub fn is_mutual(&self) -> bool {
        self.mode == TlsMode::Mutual
    }
}

/// Whether gRPC between clusters is encrypted and authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS with client certificates.
    #[default]
    Mutual,
    /// No TLS.
    Plaintext,
}

impl TlsMode {
    /// As the config spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Mutual => "mutual",
            TlsMode::Plaintext => "plaintext",
        }
    }
}
