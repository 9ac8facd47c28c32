//! The Ingress: one host per exposed UI under the domain, TLS and basic auth when
//! configured. Each UI's backend is the Service and port its component declares.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1 as net;
use minijinja::context;
use minijinja::value::Serde;

use super::{alertmanager, grafana, prometheus, query, query_frontend, ruler, thanos};
use crate::config::facts::Ui;
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

/// Nothing when no UI is exposed.
pub fn part(stack: &Stack) -> Part {
    let mut part = Part::new(NAME);
    let i = &stack.spec.ingress;
    let hosts: Vec<(String, String, Port)> = stack
        .spec
        .exposed_uis()
        .into_iter()
        .flat_map(|ui| backends(stack, ui))
        .map(|(host, service, port)| (stack.public_host(&host), service, port))
        .collect();
    if hosts.is_empty() {
        return part;
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
    metadata.annotations = (!annotations.is_empty()).then_some(annotations);
    part.push(
        "kinds/ingress.yaml.j2",
        context! { metadata => Serde(metadata), class_name => i.class_name.as_str(), tls => Serde(tls), rules => Serde(rules) },
    );
    part
}
