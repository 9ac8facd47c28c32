//! gRPC between clusters: what an observed cluster offers, what an observer dials, and the
//! TLS both ends agree on.

use super::Findings;
use crate::config::model::{ExposureKind, Spec, StoreApiExpose};

/// The Store API offered to observers can carry what it says it carries.
pub(super) fn store_api_can_be_offered(spec: &Spec, f: &mut Findings) {
    let api = &spec.store_api;
    let gateway = spec.ingress.kind == ExposureKind::GatewayApi;
    match api.expose {
        StoreApiExpose::None => return,
        StoreApiExpose::Ingress if gateway && api.tls.is_mutual() => f.error(
            "spec.storeApi.expose",
            "is `ingress` with `ingress.kind: gatewayAPI`, but Query serves the Store API over TLS, and a Gateway speaks TLS to a backend only under a BackendTLSPolicy, which stackgen does not write: it is not in Gateway API v1.3's standard channel, and from v1.4 its support is Extended (not every implementation has it) and it reads the CA from a ConfigMap".to_owned(),
            "use `expose: loadBalancer` (Query checks the client certificates itself); or, on a network you trust end to end, `storeApi.tls.mode: plaintext` for a GRPCRoute to Query over h2c",
        ),
        StoreApiExpose::Ingress if !gateway && !api.tls.is_mutual() => f.error(
            "spec.storeApi.tls.mode",
            "is `plaintext`, but ingress-nginx carries gRPC only over HTTP/2 with TLS".to_owned(),
            "keep `mode: mutual`, or offer it in plaintext through `expose: loadBalancer`",
        ),
        StoreApiExpose::Ingress if !spec.ingress.enabled => f.error(
            "spec.storeApi.expose",
            "is `ingress`, but `ingress.enabled` is false, which says there is no ingress controller"
                .to_owned(),
            "use `expose: loadBalancer`, or set `ingress.enabled: true`",
        ),
        _ if !api.tls.is_mutual() => f.warn(
            "spec.storeApi.tls.mode",
            "is `plaintext`: every series this cluster holds crosses the network unencrypted, to anyone who connects"
                .to_owned(),
            "use `mode: mutual` unless the whole path is a network you trust",
        ),
        StoreApiExpose::LoadBalancer if api.sources.is_empty() => f.warn(
            "spec.storeApi.sources",
            "is empty: any address can open a connection to the load balancer, and only the client certificate keeps strangers out"
                .to_owned(),
            "list the address blocks the observers connect from",
        ),
        _ => {}
    }
    if api.host.is_none() && spec.store_api_host().len() > 253 {
        f.error(
            "spec.domain",
            format!(
                "is {} characters long, so the Store API's host `thanos-grpc.<domain>` passes the 253 DNS allows",
                spec.domain.as_str().len()
            ),
            "set `storeApi.host`, or use a shorter domain",
        );
    }
}

/// The remote endpoints are dialled with TLS, or the user said plaintext; the Query that
/// dials them can also dial this cluster's own.
pub(super) fn remote_endpoints_are_reachable(spec: &Spec, f: &mut Findings) {
    let q = &spec.thanos.query;
    if q.remote_endpoints.is_empty() {
        return;
    }
    if !q.remote_tls.is_mutual() {
        f.warn(
            "spec.thanos.query.remoteTls.mode",
            "is `plaintext`: queries and every series they return cross the network between clusters unencrypted"
                .to_owned(),
            "use `mode: mutual`, with the other clusters offering their Store API over TLS",
        );
    } else if !spec.store_api.tls.is_mutual() {
        f.error(
            "spec.storeApi.tls.mode",
            "is `plaintext`, but the global Query dials this cluster's Query with the TLS of `thanos.query.remoteTls`: Thanos v0.39 has one TLS setting for every endpoint a Query dials"
                .to_owned(),
            "set `storeApi.tls.mode: mutual` (its certificate must name the Query Service), or `thanos.query.remoteTls.mode: plaintext`",
        );
    }
    if let Some(own) = spec.store_api_address() {
        for (i, endpoint) in q.remote_endpoints.iter().enumerate() {
            if endpoint.as_str() == own {
                f.error(
                    &format!("spec.thanos.query.remoteEndpoints[{i}]"),
                    format!("`{endpoint}` is this cluster's own Store API"),
                    "remove it: this cluster's Query is read already",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, passes, rejects};
    use crate::diagnostic::Severity;

    #[test]
    fn grpc_through_the_ingress_needs_tls() {
        rejects(
            "storeApi: {expose: ingress, tls: {mode: plaintext, secretName: s}}",
            "spec.storeApi.tls.mode",
            "only over HTTP/2 with TLS",
        );
    }

    #[test]
    fn the_ingress_route_needs_an_ingress() {
        rejects(
            "{storeApi: {expose: ingress}, ingress: {enabled: false}}",
            "spec.storeApi.expose",
            "no ingress controller",
        );
    }

    #[test]
    fn plaintext_and_open_load_balancers_are_warned_about() {
        let ds =
            diagnostics("storeApi: {expose: loadBalancer, tls: {mode: plaintext, secretName: s}}");
        expect(
            &ds,
            Severity::Warning,
            "spec.storeApi.tls.mode",
            "unencrypted",
        );
        let ds = diagnostics("storeApi: {expose: loadBalancer}");
        expect(
            &ds,
            Severity::Warning,
            "spec.storeApi.sources",
            "any address",
        );
        passes(
            "storeApi: {expose: loadBalancer, sources: ['203.0.113.0/24']}",
            "spec.storeApi",
        );
    }

    #[test]
    fn plaintext_remotes_are_warned_about() {
        let ds = diagnostics(
            "thanos: {query: {remoteEndpoints: ['a.example.com:10901'], remoteTls: {mode: plaintext, secretName: c}}}",
        );
        expect(
            &ds,
            Severity::Warning,
            "spec.thanos.query.remoteTls.mode",
            "unencrypted",
        );
    }

    #[test]
    fn the_global_query_needs_this_clusters_query_on_tls() {
        rejects(
            "{thanos: {query: {remoteEndpoints: ['a.example.com:443']}}, storeApi: {tls: {mode: plaintext, secretName: s}}}",
            "spec.storeApi.tls.mode",
            "one TLS setting for every endpoint",
        );
    }

    #[test]
    fn a_cluster_does_not_federate_itself() {
        rejects(
            "{domain: eu1.example.com, storeApi: {expose: ingress}, thanos: {query: {remoteEndpoints: ['thanos-grpc.eu1.example.com:443']}}}",
            "spec.thanos.query.remoteEndpoints[0]",
            "this cluster's own Store API",
        );
    }

    #[test]
    fn sources_are_address_blocks() {
        rejects(
            "storeApi: {expose: loadBalancer, sources: ['10.0.0.0/33']}",
            "spec.storeApi.sources[0]",
            "32 bits",
        );
    }
}
