//! The UIs' exposure: one host per exposed UI under the domain, in one Ingress (TLS and
//! basic auth when configured) or, with `kind: gatewayAPI`, in one HTTPRoute per host
//! attached to the user's Gateway. Each UI's backend is the Service and port its component
//! declares.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1 as net;
use minijinja::context;
use minijinja::value::Serde;

use super::{alertmanager, grafana, prometheus, query, query_frontend, ruler, thanos};
use crate::config::facts::Ui;
use crate::config::model::ExposureKind;
use crate::render::gateway_api::{
    self as gw, BackendRef, HttpRoute, HttpRouteRule, HttpRouteSpec, ParentRef,
};
use crate::render::part::Part;
use crate::render::stack::Stack;
use crate::render::workload::Port;

pub const NAME: &str = "monitoring-ingress";

/// The hosts of `ui`: its name under the domain, and the Service and port behind it.
fn backends(stack: &Stack, ui: Ui) -> Vec<(String, String, Port)> {
    let one = |name: &str, port: Port| vec![(name.to_owned(), name.to_owned(), port)];
    match ui {
        Ui::Querier => vec![(
            query::NAME.to_owned(),
            query_frontend::reader(stack).to_owned(),
            query_frontend::HTTP,
        )],
        Ui::Grafana => one(grafana::NAME, grafana::HTTP),
        Ui::Alertmanager => one(alertmanager::NAME, alertmanager::HTTP),
        Ui::Ruler => one(ruler::NAME, thanos::HTTP),
        Ui::Prometheus => prometheus::pod_names(stack)
            .into_iter()
            .map(|pod| (pod.clone(), prometheus::pod_service(&pod), prometheus::HTTP))
            .collect(),
    }
}

/// The rule sending every path of `host` to `service` on `port`.
pub fn rule(host: &str, service: &str, port: Port) -> net::IngressRule {
    net::IngressRule {
        host: Some(host.to_owned()),
        http: Some(net::HTTPIngressRuleValue {
            paths: vec![net::HTTPIngressPath {
                path: Some("/".to_owned()),
                path_type: "Prefix".to_owned(),
                backend: net::IngressBackend {
                    service: Some(net::IngressServiceBackend {
                        name: service.to_owned(),
                        port: Some(net::ServiceBackendPort {
                            number: Some(port.number.into()),
                            ..net::ServiceBackendPort::default()
                        }),
                    }),
                    ..net::IngressBackend::default()
                },
            }],
        }),
    }
}

/// The user's annotations with stackgen's own: validation refuses a user key stackgen
/// writes, so neither overwrites the other.
pub fn annotations(
    stack: &Stack,
    own: BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    let mut all = stack.spec.ingress.annotations.clone();
    all.extend(own);
    (!all.is_empty()).then_some(all)
}

/// The user's Gateway, as every route names it.
pub fn parent_refs(stack: &Stack) -> Vec<ParentRef> {
    stack
        .spec
        .ingress
        .gateway
        .iter()
        .map(|g| ParentRef {
            name: g.name.to_string(),
            namespace: g.namespace.as_ref().map(ToString::to_string),
            section_name: g.section_name.as_ref().map(ToString::to_string),
        })
        .collect()
}

/// Nothing when no UI is exposed.
pub fn part(stack: &Stack) -> Part {
    let mut part = Part::new(NAME);
    let exposed: Vec<(String, String, Port)> = stack
        .spec
        .exposed_uis()
        .into_iter()
        .flat_map(|ui| backends(stack, ui))
        .collect();
    match stack.spec.ingress.kind {
        ExposureKind::Ingress => ingress(stack, &mut part, &exposed),
        ExposureKind::GatewayApi => http_routes(stack, &mut part, &exposed),
    }
    part
}

/// One HTTPRoute per host, named after it. An HTTPRoute's rules apply to all of its
/// hostnames (a rule cannot match on the host), so hosts with different backends cannot
/// share one route.
fn http_routes(stack: &Stack, part: &mut Part, exposed: &[(String, String, Port)]) {
    // The routes are the ingress component's, as the Ingress is, whatever UI they serve.
    let labels = stack.labels(NAME, "ingress", None);
    for (name, service, port) in exposed {
        let mut metadata = stack.meta(name, &labels);
        metadata.annotations = annotations(stack, BTreeMap::new());
        let route = HttpRoute {
            api_version: gw::API_VERSION.to_owned(),
            kind: "HTTPRoute".to_owned(),
            metadata,
            spec: HttpRouteSpec {
                hostnames: vec![stack.public_host(name)],
                parent_refs: parent_refs(stack),
                rules: vec![HttpRouteRule::everything_to(BackendRef::service(
                    service,
                    port.number,
                ))],
            },
        };
        part.push(
            "kinds/httproute.yaml.j2",
            context! {
                metadata => Serde(&route.metadata),
                parent_refs => Serde(&route.spec.parent_refs),
                hostnames => Serde(&route.spec.hostnames),
                rules => Serde(&route.spec.rules),
            },
        );
    }
}

fn ingress(stack: &Stack, part: &mut Part, exposed: &[(String, String, Port)]) {
    let i = &stack.spec.ingress;
    let hosts: Vec<(String, String, Port)> = exposed
        .iter()
        .map(|(host, service, port)| (stack.public_host(host), service.clone(), *port))
        .collect();
    if hosts.is_empty() {
        return;
    }
    let rules: Vec<net::IngressRule> = hosts
        .iter()
        .map(|(host, service, port)| rule(host, service, *port))
        .collect();
    let mut annotations = BTreeMap::new();
    if let Some(secret) = &i.basic_auth_secret {
        for (key, value) in [
            ("auth-type", "basic"),
            ("auth-secret", secret.as_str()),
            ("auth-realm", "Authentication required"),
        ] {
            annotations.insert(
                format!("nginx.ingress.kubernetes.io/{key}"),
                value.to_owned(),
            );
        }
    }
    let tls: Vec<net::IngressTLS> = i
        .tls
        .iter()
        .map(|tls| {
            if let Some(issuer) = &tls.cluster_issuer {
                annotations.insert(
                    "cert-manager.io/cluster-issuer".to_owned(),
                    issuer.to_string(),
                );
            }
            net::IngressTLS {
                hosts: Some(hosts.iter().map(|(h, _, _)| h.clone()).collect()),
                secret_name: Some(tls.secret_name.to_string()),
            }
        })
        .collect();
    let labels = stack.labels(NAME, "ingress", None);
    let mut metadata = stack.meta(NAME, &labels);
    metadata.annotations = self::annotations(stack, annotations);
    part.push(
        "kinds/ingress.yaml.j2",
        context! { metadata => Serde(metadata), class_name => i.class_name.as_str(), tls => Serde(tls), rules => Serde(rules) },
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::render::testing::{config, find};
    use crate::render::{Object, render};

    const GATEWAY: &str =
        "kind: gatewayAPI, gateway: {name: public, namespace: gateway-system, sectionName: https}";

    fn rendered(spec: &str) -> Vec<Object> {
        render(&config(spec)).expect("renders and passes the round trip and wiring checks")
    }

    fn kinds(objects: &[Object], kind: &str) -> Vec<String> {
        objects
            .iter()
            .filter(|o| o.kind() == kind)
            .map(|o| o.name().to_owned())
            .collect()
    }

    #[test]
    fn gateway_api_renders_one_route_per_host_and_no_ingress() {
        let objects = rendered(&format!(
            "ingress: {{{GATEWAY}, expose: {{querier: true, prometheus: true}}}}\nprometheus: {{replicas: 2}}"
        ));
        assert!(kinds(&objects, "Ingress").is_empty());
        assert_eq!(
            kinds(&objects, "HTTPRoute"),
            ["grafana", "prometheus-0", "prometheus-1", "thanos-querier"]
        );
        let route = find(&objects, "HTTPRoute", "thanos-querier");
        assert_eq!(route["apiVersion"], "gateway.networking.k8s.io/v1");
        assert_eq!(
            route["spec"]["parentRefs"],
            json!([{"name": "public", "namespace": "gateway-system", "sectionName": "https"}])
        );
        assert_eq!(
            route["spec"]["hostnames"],
            json!(["thanos-querier.example.com"])
        );
        // The same backend the Ingress sends the host to: the Query Frontend.
        assert_eq!(
            route["spec"]["rules"],
            json!([{"backendRefs": [{"name": "thanos-query-frontend", "port": 9090}],
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}])
        );
    }

    #[test]
    fn the_gateway_listener_decides_the_links_scheme() {
        let objects = rendered(&format!(
            "ingress: {{{GATEWAY}, expose: {{alertmanager: true}}}}"
        ));
        let am = find(&objects, "StatefulSet", "alertmanager").to_string();
        assert!(
            am.contains("--web.external-url=https://alertmanager."),
            "{am}"
        );
        let objects = rendered(
            "ingress: {kind: gatewayAPI, gateway: {name: public, https: false}, expose: {alertmanager: true}}",
        );
        let am = find(&objects, "StatefulSet", "alertmanager").to_string();
        assert!(
            am.contains("--web.external-url=http://alertmanager."),
            "{am}"
        );
    }

    #[test]
    fn user_annotations_join_stackgens_own() {
        let objects =
            rendered("ingress: {basicAuthSecret: auth, annotations: {example.com/team: obs}}");
        let annotations = &find(&objects, "Ingress", super::NAME)["metadata"]["annotations"];
        assert_eq!(annotations["example.com/team"], "obs");
        assert_eq!(
            annotations["nginx.ingress.kubernetes.io/auth-type"],
            "basic"
        );
        let objects = rendered(&format!(
            "ingress: {{{GATEWAY}, annotations: {{example.com/team: obs}}}}"
        ));
        let route = find(&objects, "HTTPRoute", "grafana");
        assert_eq!(
            route["metadata"]["annotations"],
            json!({"example.com/team": "obs"})
        );
    }

    #[test]
    fn the_store_api_through_a_gateway_is_a_grpc_route_to_query() {
        let objects = rendered(&format!(
            "ingress: {{{GATEWAY}}}\nstoreApi: {{expose: ingress, tls: {{mode: plaintext, secretName: s}}}}"
        ));
        let route = find(&objects, "GRPCRoute", "thanos-querier-grpc");
        assert_eq!(
            route["spec"]["hostnames"],
            json!(["thanos-grpc.example.com"])
        );
        assert_eq!(
            route["spec"]["rules"],
            json!([{"backendRefs": [{"name": "thanos-querier", "port": 10901}]}])
        );
        assert!(kinds(&objects, "Ingress").is_empty());
    }

    #[test]
    fn routes_are_admitted_by_the_network_policies() {
        // With NetworkPolicies on, the wiring check proves the Gateway's namespace reaches
        // every backend; rendering at all is the assertion.
        let objects = rendered(&format!(
            "ingress: {{{GATEWAY}, expose: {{querier: true}}}}\nnetworkPolicies: {{enabled: true, ingressControllerNamespace: gateway-system}}"
        ));
        assert_eq!(kinds(&objects, "HTTPRoute"), ["grafana", "thanos-querier"]);
    }
}
