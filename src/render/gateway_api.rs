//! Gateway API routes (`gateway.networking.k8s.io/v1`), typed. k8s-openapi has no types for
//! them, so these structs cover exactly the fields stackgen writes and refuse any other:
//! the components build their routes with them, and the round-trip check reads every
//! rendered route back through them, so a field a template misspells fails the render as
//! it would for a built-in kind. Fields are declared in alphabetical order, the order
//! k8s-openapi serialises its types in, so the canonical form reads like the other kinds.
//! The test suite holds what they produce to the upstream CRDs' schemas
//! (`tests/schemas/gateway-api/`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "gateway.networking.k8s.io/v1";

/// An `HTTPRoute`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRoute {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: HttpRouteSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteSpec {
    pub hostnames: Vec<String>,
    pub parent_refs: Vec<ParentRef>,
    pub rules: Vec<HttpRouteRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteRule {
    pub backend_refs: Vec<BackendRef>,
    pub matches: Vec<HttpRouteMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteMatch {
    pub path: PathMatch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PathMatch {
    #[serde(rename = "type")]
    pub type_: String,
    pub value: String,
}

/// A `GRPCRoute`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcRoute {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: GrpcRouteSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcRouteSpec {
    pub hostnames: Vec<String>,
    pub parent_refs: Vec<ParentRef>,
    pub rules: Vec<GrpcRouteRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcRouteRule {
    pub backend_refs: Vec<BackendRef>,
}

/// The Gateway (and listener) a route attaches to; group and kind are left to their
/// defaults, `gateway.networking.k8s.io` and `Gateway`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParentRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
}

/// A Service port of the route's own namespace (group `""` and kind `Service` are the
/// defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendRef {
    pub name: String,
    pub port: u16,
}

impl BackendRef {
    pub fn service(name: &str, port: u16) -> Self {
        Self {
            name: name.to_owned(),
            port,
        }
    }
}

impl HttpRouteRule {
    /// Every path of the host to one Service port, as the Ingress's `Prefix` path `/` does.
    pub fn everything_to(backend: BackendRef) -> Self {
        Self {
            backend_refs: vec![backend],
            matches: vec![HttpRouteMatch {
                path: PathMatch {
                    type_: "PathPrefix".to_owned(),
                    value: "/".to_owned(),
                },
            }],
        }
    }
}
