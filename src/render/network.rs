//! NetworkPolicies: deny everything in the namespace, then allow exactly the flows the
//! stack needs. Each component declares who it accepts (by role) and what it dials; the
//! roles are resolved here against every component switched on, so a component switched
//! off takes its flows with it and no component names its clients.

use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use minijinja::context;
use minijinja::value::Serde;

use super::part::{Allow, Egress, From, Part, Target};
use super::stack::{Labels, Stack};
use super::workload::Port;
use crate::config::model::StoreApiExpose;

/// The NetworkPolicy objects, when switched on.
pub fn objects(stack: &Stack, parts: &[Part]) -> Part {
    let mut out = Part::new("network-policy");
    if !stack.spec.network_policies.enabled {
        return out;
    }
    let labels = stack.stack_labels();
    let mut push = |name: &str, spec: net::NetworkPolicySpec| {
        out.push(
            "kinds/networkpolicy.yaml.j2",
            context! { metadata => Serde(stack.meta(name, &labels)), spec => Serde(spec) },
        );
    };
    push(
        "default-deny",
        net::NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".to_owned(), "Egress".to_owned()]),
            ..net::NetworkPolicySpec::default()
        },
    );
    // Any destination: the cluster DNS may be a node-local cache outside every pod network
    // (169.254.20.10) as well as CoreDNS pods.
    push(
        "allow-dns",
        net::NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Egress".to_owned()]),
            egress: Some(vec![net::NetworkPolicyEgressRule {
                ports: Some(vec![port("UDP", 53), port("TCP", 53)]),
                ..net::NetworkPolicyEgressRule::default()
            }]),
            ..net::NetworkPolicySpec::default()
        },
    );
    for part in parts {
        if let Some(policy) = &part.policy {
            let spec = net::NetworkPolicySpec {
                pod_selector: Some(selector(stack.selector(part.name))),
                policy_types: Some(vec!["Ingress".to_owned(), "Egress".to_owned()]),
                // A rule whose peers all resolve to nothing (the scraper of a stack without
                // Prometheus) is left out: with an empty `from` it would admit every source.
                ingress: Some(
                    policy
                        .ingress
                        .iter()
                        .map(|a| ingress_rule(stack, parts, part, a))
                        .filter(|rule| rule.from.as_ref().is_none_or(|from| !from.is_empty()))
                        .collect(),
                ),
                egress: Some(
                    policy
                        .egress
                        .iter()
                        .map(|e| egress_rule(stack, e))
                        .collect(),
                ),
            };
            push(part.name, spec);
        }
    }
    out
}

/// The peers an `Allow` names: Prometheus first, then the clients by name, then the ingress
/// controller; each once.
fn ingress_rule(
    stack: &Stack,
    parts: &[Part],
    me: &Part,
    allow: &Allow,
) -> net::NetworkPolicyIngressRule {
    let mut names: Vec<&str> = Vec::new();
    let mut peers = Vec::new();
    for from in &allow.from {
        match from {
            From::Scraper => names.extend(parts.iter().filter(|p| p.scraper).map(|p| p.name)),
            From::Clients => {
                let mut clients: Vec<&str> = parts
                    .iter()
                    .filter(|p| dials(p, me, &allow.ports))
                    .map(|p| p.name)
                    .collect();
                clients.sort_unstable();
                names.extend(clients);
            }
            From::Ingress(ui) => {
                if stack.spec.exposes(*ui) {
                    peers.push(ingress_controller(stack));
                }
            }
            From::Observers => match stack.spec.store_api.expose {
                StoreApiExpose::None => {}
                StoreApiExpose::Ingress => peers.push(ingress_controller(stack)),
                // No sources: any address, which a rule says by naming no peer.
                StoreApiExpose::LoadBalancer if stack.spec.store_api.sources.is_empty() => {
                    return net::NetworkPolicyIngressRule {
                        from: None,
                        ports: Some(ports(&allow.ports)),
                    };
                }
                StoreApiExpose::LoadBalancer => {
                    peers.extend(stack.spec.store_api.sources.iter().map(|cidr| {
                        net::NetworkPolicyPeer {
                            ip_block: Some(net::IPBlock {
                                cidr: cidr.to_string(),
                                ..net::IPBlock::default()
                            }),
                            ..net::NetworkPolicyPeer::default()
                        }
                    }));
                }
            },
        }
    }
    let mut seen = Vec::new();
    let mut apps: Vec<net::NetworkPolicyPeer> = names
        .into_iter()
        .filter(|n| {
            let new = !seen.contains(n);
            seen.push(n);
            new
        })
        .map(|n| app(stack, n))
        .collect();
    apps.extend(peers);
    net::NetworkPolicyIngressRule {
        from: Some(apps),
        ports: Some(ports(&allow.ports)),
    }
}

/// Whether `client` dials `server` on one of `ports`.
fn dials(client: &Part, server: &Part, ports: &[Port]) -> bool {
    client.policy.iter().flat_map(|p| p.dials()).any(|d| {
        let reaches = match d.to {
            Target::App(name) => name == server.name,
            Target::StoreApi => server.store_api,
        };
        reaches && d.ports.iter().any(|p| ports.contains(p))
    })
}

fn egress_rule(stack: &Stack, egress: &Egress) -> net::NetworkPolicyEgressRule {
    match egress {
        Egress::Rule(rule) => rule.clone(),
        Egress::Dial(dial) => {
            let peer = match dial.to {
                Target::App(name) => app(stack, name),
                Target::StoreApi => pod_peer(stack.store_api_selector()),
            };
            net::NetworkPolicyEgressRule {
                to: Some(vec![peer]),
                ports: Some(ports(&dial.ports)),
            }
        }
    }
}

fn selector(labels: Labels) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels),
        ..LabelSelector::default()
    }
}

fn pod_peer(labels: Labels) -> net::NetworkPolicyPeer {
    net::NetworkPolicyPeer {
        pod_selector: Some(selector(labels)),
        ..net::NetworkPolicyPeer::default()
    }
}

fn app(stack: &Stack, name: &str) -> net::NetworkPolicyPeer {
    pod_peer(stack.selector(name))
}

fn ingress_controller(stack: &Stack) -> net::NetworkPolicyPeer {
    let ns = stack
        .spec
        .network_policies
        .ingress_controller_namespace
        .to_string();
    net::NetworkPolicyPeer {
        namespace_selector: Some(selector(Labels::from([(
            "kubernetes.io/metadata.name".to_owned(),
            ns,
        )]))),
        ..net::NetworkPolicyPeer::default()
    }
}

fn port(protocol: &str, number: u16) -> net::NetworkPolicyPort {
    net::NetworkPolicyPort {
        port: Some(IntOrString::Int(number.into())),
        protocol: Some(protocol.to_owned()),
        ..net::NetworkPolicyPort::default()
    }
}

fn ports(ports: &[Port]) -> Vec<net::NetworkPolicyPort> {
    ports.iter().map(|p| port(p.protocol(), p.number)).collect()
}

/// Egress to any address on these TCP ports (object storage, the API server, other clusters).
pub fn anywhere(numbers: &[u16]) -> Egress {
    Egress::Rule(net::NetworkPolicyEgressRule {
        ports: Some(numbers.iter().map(|n| port("TCP", *n)).collect()),
        ..net::NetworkPolicyEgressRule::default()
    })
}

/// Egress to these TCP ports of one address block (a metadata server).
pub fn to_cidr(cidr: &str, numbers: &[u16]) -> Egress {
    Egress::Rule(net::NetworkPolicyEgressRule {
        to: Some(vec![net::NetworkPolicyPeer {
            ip_block: Some(net::IPBlock {
                cidr: cidr.to_owned(),
                ..net::IPBlock::default()
            }),
            ..net::NetworkPolicyPeer::default()
        }]),
        ports: Some(numbers.iter().map(|n| port("TCP", *n)).collect()),
    })
}

/// Egress anywhere on any port (Prometheus scrapes targets all over the cluster).
pub fn everywhere() -> Egress {
    Egress::Rule(net::NetworkPolicyEgressRule::default())
}

#[cfg(test)]
mod tests {
    use serde_json::Value as Json;

    use crate::config::model::{MonitoringStack, StoreApiExpose, TlsMode};

    /// The rendered NetworkPolicies, by name.
    fn policies(config: &MonitoringStack) -> Vec<(String, Json)> {
        crate::render::render(config)
            .unwrap()
            .into_iter()
            .filter(|o| o.kind() == "NetworkPolicy")
            .map(|o| (o.name().to_owned(), o.value["spec"].clone()))
            .collect()
    }

    fn policy(config: &MonitoringStack, name: &str) -> String {
        policies(config)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, spec)| spec.to_string())
            .unwrap_or_else(|| panic!("no policy {name}"))
    }

    fn enabled() -> MonitoringStack {
        let mut config = MonitoringStack::default();
        config.spec.network_policies.enabled = true;
        config
    }

    #[test]
    fn nothing_unless_enabled() {
        assert!(policies(&MonitoringStack::default()).is_empty());
    }

    #[test]
    fn deny_by_default_then_one_policy_per_component() {
        let mut config = enabled();
        let names: Vec<String> = policies(&config).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "alertmanager",
                "allow-dns",
                "default-deny",
                "grafana",
                "kube-state-metrics",
                "prometheus",
                "thanos-compactor",
                "thanos-compactor-ruler",
                "thanos-querier",
                "thanos-query-frontend",
                "thanos-ruler",
                "thanos-store-gateway",
                "thanos-store-gateway-ruler",
            ]
        );
        config.spec.grafana.enabled = false;
        config.spec.alertmanager.enabled = false;
        let without: Vec<String> = policies(&config).into_iter().map(|(n, _)| n).collect();
        assert!(!without.contains(&"grafana".to_owned()));
        assert!(!without.contains(&"alertmanager".to_owned()));
        let ruler = policy(&config, "thanos-ruler");
        assert!(
            !ruler.contains("9093"),
            "no egress to a switched-off Alertmanager: {ruler}"
        );
        let frontend = policy(&config, "thanos-query-frontend");
        assert!(
            !frontend.contains("\"grafana\""),
            "no ingress from a switched-off Grafana: {frontend}"
        );
    }

    /// Clients are found from what each component dials: the Query Frontend accepts
    /// Grafana, Query accepts the frontend and the Ruler, the Store API servers accept Query.
    #[test]
    fn a_server_admits_the_components_that_dial_it() {
        let config = enabled();
        let frontend = policy(&config, "thanos-query-frontend");
        assert!(frontend.contains("\"grafana\""), "{frontend}");
        let query = policy(&config, "thanos-querier");
        assert!(
            query.contains("\"thanos-query-frontend\"") && query.contains("\"thanos-ruler\""),
            "{query}"
        );
        for server in ["prometheus", "thanos-store-gateway", "thanos-ruler"] {
            assert!(
                policy(&config, server).contains("\"thanos-querier\""),
                "{server}"
            );
        }
        assert!(!policy(&config, "thanos-compactor").contains("\"thanos-querier\""));
    }

    #[test]
    fn ingress_controller_reaches_only_exposed_uis() {
        let mut config = enabled();
        config.spec.ingress.expose.prometheus = Some(false);
        assert!(!policy(&config, "prometheus").contains("ingress-nginx"));
        assert!(policy(&config, "grafana").contains("ingress-nginx"));
    }

    #[test]
    fn remote_endpoints_open_their_ports_to_the_query_that_dials_them() {
        let mut config = enabled();
        config.spec.thanos.query.remote_endpoints = vec!["a.example.com:10911".parse().unwrap()];
        // Over TLS the global Query dials them, and this cluster's Query only admits it.
        assert!(policy(&config, "thanos-global-querier").contains("10911"));
        assert!(!policy(&config, "thanos-querier").contains("10911"));
        assert!(policy(&config, "thanos-querier").contains("thanos-global-querier"));
        config.spec.thanos.query.remote_tls.mode = TlsMode::Plaintext;
        assert!(policy(&config, "thanos-querier").contains("10911"));
    }

    #[test]
    fn observers_are_admitted_from_their_sources_only() {
        let mut config = enabled();
        config.spec.store_api.expose = StoreApiExpose::LoadBalancer;
        config.spec.store_api.sources = vec!["198.51.100.0/28".parse().unwrap()];
        let querier = policy(&config, "thanos-querier");
        assert!(
            querier.contains(r#"{"ipBlock":{"cidr":"198.51.100.0/28"}}"#),
            "{querier}"
        );
        // With no sources, the gRPC port is open to any address, and only to it.
        config.spec.store_api.sources.clear();
        let querier = policy(&config, "thanos-querier");
        assert!(
            querier.contains(r#"{"ports":[{"port":10901,"protocol":"TCP"}]}"#),
            "{querier}"
        );
        config.spec.store_api.expose = StoreApiExpose::Ingress;
        let querier = policy(&config, "thanos-querier");
        assert!(
            querier.contains(r#"{"from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"ingress-nginx"}}}],"ports":[{"port":10901"#),
            "{querier}"
        );
    }

    #[test]
    fn grpc_is_closed_when_nobody_dials_it() {
        let (_, spec) = policies(&enabled())
            .into_iter()
            .find(|(n, _)| n == "thanos-querier")
            .unwrap();
        let admitted = spec["ingress"].to_string();
        assert!(
            admitted.contains("9090") && !admitted.contains("10901"),
            "{admitted}"
        );
    }

    #[test]
    fn the_api_server_and_receiver_ports_are_configurable() {
        let mut config = enabled();
        config.spec.network_policies.api_server_ports = vec![8443];
        config.spec.network_policies.receiver_ports = vec![443, 8080];
        assert!(policy(&config, "kube-state-metrics").contains("8443"));
        assert!(policy(&config, "alertmanager").contains("8080"));
    }
}
