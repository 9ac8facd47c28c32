//! This cluster's Store API offered to observer clusters: the LoadBalancer Service, the
//! gRPC Ingress or the GRPCRoute in front of Thanos Query.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1 as net;
use minijinja::context;
use minijinja::value::Serde;

use super::thanos;
use crate::config::model::{ExposureKind, StoreApiExpose};
use crate::render::gateway_api::{self as gw, BackendRef, GrpcRoute, GrpcRouteRule, GrpcRouteSpec};
use crate::render::part::{LoadBalancer, Part};
use crate::render::stack::Stack;
use crate::render::workload::Workload;

/// The Service or Ingress observers reach Query's gRPC through.
pub const NAME: &str = "thanos-querier-grpc";

/// Adds the LoadBalancer Service or the Ingress in front of `w`, Query's pods, if the
/// Store API is offered.
pub fn expose(stack: &Stack, part: &mut Part, w: &Workload) {
    let spec = stack.spec;
    let sources: Vec<String> = spec
        .store_api
        .sources
        .iter()
        .map(ToString::to_string)
        .collect();
    match spec.store_api.expose {
        StoreApiExpose::None => {}
        StoreApiExpose::LoadBalancer => part.load_balancer(
            stack,
            (w, NAME),
            &[thanos::GRPC],
            LoadBalancer { sources: &sources },
        ),
        StoreApiExpose::Ingress => match spec.ingress.kind {
            ExposureKind::Ingress => ingress(stack, part, w, &sources),
            ExposureKind::GatewayApi => grpc_route(stack, part, w),
        },
    }
}

/// gRPC through the user's Gateway. Validation lets this through only in plaintext: Query
/// then serves plaintext gRPC, which the Gateway reaches as h2c, while a TLS backend would
/// need a BackendTLSPolicy (see `config/validate/store_api.rs`). TLS towards observers and
/// any check of their certificates are the Gateway listener's.
fn grpc_route(stack: &Stack, part: &mut Part, w: &Workload) {
    let mut metadata = stack.meta(NAME, &w.labels);
    metadata.annotations = super::ingress::annotations(stack, BTreeMap::new());
    let route = GrpcRoute {
        api_version: gw::API_VERSION.to_owned(),
        kind: "GRPCRoute".to_owned(),
        metadata,
        spec: GrpcRouteSpec {
            hostnames: vec![stack.spec.store_api_host()],
            parent_refs: super::ingress::parent_refs(stack),
            rules: vec![GrpcRouteRule {
                backend_refs: vec![BackendRef::service(super::query::NAME, thanos::GRPC.number)],
            }],
        },
    };
    part.push(
        "kinds/grpcroute.yaml.j2",
        context! {
            metadata => Serde(&route.metadata),
            parent_refs => Serde(&route.spec.parent_refs),
            hostnames => Serde(&route.spec.hostnames),
            rules => Serde(&route.spec.rules),
        },
    );
}

/// gRPC through ingress-nginx: HTTP/2 needs TLS at the controller, which also asks the
/// observers for a certificate signed by the Secret's `ca.crt`, and speaks TLS (GRPCS) to
/// Query behind it.
fn ingress(stack: &Stack, part: &mut Part, w: &Workload, sources: &[String]) {
    let spec = stack.spec;
    let host = spec.store_api_host();
    let secret = spec.store_api.tls.secret_name.as_str();
    let mut annotations = BTreeMap::from([
        ("backend-protocol", "GRPCS".to_owned()),
        ("auth-tls-secret", format!("{}/{secret}", stack.namespace)),
        ("auth-tls-verify-client", "on".to_owned()),
        ("auth-tls-verify-depth", "2".to_owned()),
    ]);
    if !sources.is_empty() {
        annotations.insert("whitelist-source-range", sources.join(","));
    }
    let mut metadata = stack.meta(NAME, &w.labels);
    metadata.annotations = super::ingress::annotations(
        stack,
        annotations
            .into_iter()
            .map(|(k, v)| (format!("nginx.ingress.kubernetes.io/{k}"), v))
            .collect(),
    );
    let rule = super::ingress::rule(&host, super::query::NAME, thanos::GRPC);
    let tls = vec![net::IngressTLS {
        hosts: Some(vec![host]),
        secret_name: Some(secret.to_owned()),
    }];
    part.push(
        "kinds/ingress.yaml.j2",
        context! {
            metadata => Serde(metadata),
            class_name => spec.ingress.class_name.as_str(),
            tls => Serde(tls),
            rules => Serde(vec![rule]),
        },
    );
}
