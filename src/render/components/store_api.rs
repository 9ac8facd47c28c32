//! This cluster's Store API offered to observer clusters: the LoadBalancer Service or the
//! gRPC Ingress in front of Thanos Query, which serves it over TLS.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1 as net;
use minijinja::context;
use minijinja::value::Serde;

use super::thanos;
use crate::config::model::StoreApiExpose;
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
        StoreApiExpose::Ingress => ingress(stack, part, w, &sources),
    }
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
    metadata.annotations = Some(
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
