//! NetworkPolicies: deny everything in the namespace, then allow exactly the flows the
//! stack needs, component by component. Derived from the same names and ports the
//! workloads use, so a component switched off takes its flows with it.

use serde_json::{Value as Json, json};

use super::names::{self, GRPC_PORT, THANOS_HTTP_PORT};
use crate::config::model::{MonitoringStack, Provider};

/// One policy: its name and spec (labels come from the template's context).
pub fn policies(config: &MonitoringStack) -> Vec<Json> {
    let spec = &config.spec;
    if !spec.network_policies.enabled {
        return Vec::new();
    }
    let instance = config.metadata.name.to_string();
    let app = |name: &str| json!({"podSelector": {"matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance}}});
    let ingress_controller = json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": spec.network_policies.ingress_controller_namespace.to_string()}}});
    let tcp = |ports: &[u16]| {
        ports
            .iter()
            .map(|p| json!({"protocol": "TCP", "port": p}))
            .collect::<Vec<_>>()
    };
    let rule = |from: Vec<Json>, ports: &[u16]| json!({"from": from, "ports": tcp(ports)});
    let to = |peers: Vec<Json>, ports: &[u16]| json!({"to": peers, "ports": tcp(ports)});
    let anywhere = |ports: &[u16]| json!({"ports": tcp(ports)});
    let prometheus = app(names::PROMETHEUS);
    let exposed = spec.ingress.enabled;

    // Object storage is outside the cluster (or, for `filesystem`, a volume: no traffic).
    let mut bucket: Vec<Json> = match spec.object_storage.provider {
        Provider::Filesystem => Vec::new(),
        _ => vec![anywhere(&object_storage_ports(config))],
    };
    if spec
        .object_storage
        .workload_identity
        .as_ref()
        .is_some_and(|w| w.gcp_service_account.is_some())
    {
        // GKE's metadata server hands out the workload identity's tokens.
        bucket.push(
            json!({"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": tcp(&[80, 988])}),
        );
    }

    let mut out = vec![
        policy(
            "default-deny",
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        ),
        policy(
            "allow-dns",
            // Any destination: the cluster DNS may be a node-local cache outside every pod
            // network (169.254.20.10) as well as CoreDNS pods.
            json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }]}),
        ),
    ];

    // Prometheus scrapes targets anywhere in the cluster and on every node, and ships blocks.
    let mut from_prometheus_ui = vec![prometheus.clone()];
    if exposed && spec.ingress.expose.prometheus {
        from_prometheus_ui.push(ingress_controller.clone());
    }
    out.push(component(
        names::PROMETHEUS,
        &instance,
        vec![
            rule(from_prometheus_ui, &[9090]),
            rule(
                vec![prometheus.clone(), app(names::QUERY)],
                &[GRPC_PORT, THANOS_HTTP_PORT],
            ),
        ],
        vec![json!({})],
    ));

    let mut query_from = vec![prometheus.clone()];
    if spec.grafana.enabled {
        query_from.push(app(names::GRAFANA));
    }
    if spec.thanos.ruler.enabled {
        query_from.push(app(names::RULER));
    }
    if exposed && spec.ingress.expose.querier {
        query_from.push(ingress_controller.clone());
    }
    let mut query_egress = vec![to(
        vec![
            json!({"podSelector": {"matchLabels": {"thanos-store-api": "true", "app.kubernetes.io/instance": instance}}}),
        ],
        &[GRPC_PORT],
    )];
    let mut remote_ports: Vec<u16> = spec
        .thanos
        .query
        .remote_endpoints
        .iter()
        .filter_map(|e| e.as_str().rsplit(':').next()?.parse().ok())
        .collect();
    remote_ports.sort_unstable();
    remote_ports.dedup();
    if !remote_ports.is_empty() {
        query_egress.push(anywhere(&remote_ports));
    }
    out.push(component(
        names::QUERY,
        &instance,
        vec![rule(query_from, &[9090])],
        query_egress,
    ));

    out.push(component(
        names::STORE,
        &instance,
        vec![
            rule(vec![app(names::QUERY)], &[GRPC_PORT]),
            rule(vec![prometheus.clone()], &[THANOS_HTTP_PORT]),
        ],
        bucket.clone(),
    ));
    out.push(component(
        names::COMPACT,
        &instance,
        vec![rule(vec![prometheus.clone()], &[THANOS_HTTP_PORT])],
        bucket.clone(),
    ));

    if spec.thanos.ruler.enabled {
        let mut http_from = vec![prometheus.clone()];
        if exposed && spec.ingress.expose.ruler {
            http_from.push(ingress_controller.clone());
        }
        let mut egress = bucket.clone();
        egress.push(to(vec![app(names::QUERY)], &[9090]));
        if spec.alertmanager.enabled {
            egress.push(to(vec![app(names::ALERTMANAGER)], &[9093]));
        }
        out.push(component(
            names::RULER,
            &instance,
            vec![
                rule(vec![app(names::QUERY)], &[GRPC_PORT]),
                rule(http_from, &[THANOS_HTTP_PORT]),
            ],
            egress,
        ));
    }

    if spec.alertmanager.enabled {
        let mut http_from = vec![prometheus.clone()];
        if spec.thanos.ruler.enabled {
            http_from.push(app(names::RULER));
        }
        if exposed && spec.ingress.expose.alertmanager {
            http_from.push(ingress_controller.clone());
        }
        let am = app(names::ALERTMANAGER);
        let gossip = json!([{"protocol": "TCP", "port": 9094}, {"protocol": "UDP", "port": 9094}]);
        out.push(component(
            names::ALERTMANAGER,
            &instance,
            vec![
                rule(http_from, &[9093]),
                json!({"from": [am.clone()], "ports": gossip}),
            ],
            // Receivers (chat, paging, webhooks) live outside the cluster.
            vec![json!({"to": [am], "ports": gossip}), anywhere(&[443])],
        ));
    }

    if spec.grafana.enabled {
        let mut from = vec![prometheus.clone()];
        if exposed && spec.ingress.expose.grafana {
            from.push(ingress_controller.clone());
        }
        out.push(component(
            names::GRAFANA,
            &instance,
            vec![rule(from, &[3000])],
            vec![to(vec![app(names::QUERY)], &[9090])],
        ));
    }

    if spec.kube_state_metrics.enabled {
        out.push(component(
            names::KUBE_STATE_METRICS,
            &instance,
            vec![rule(vec![prometheus], &[8080, 8081])],
            // The API server, by its service IP or its endpoints.
            vec![anywhere(&[443, 6443])],
        ));
    }
    // node-exporter runs in the host's network namespace, where NetworkPolicies do not apply.
    out
}

fn object_storage_ports(config: &MonitoringStack) -> Vec<u16> {
    let s3 = config.spec.object_storage.s3.as_ref();
    let explicit = s3
        .and_then(|s| s.endpoint.rsplit_once(':'))
        .and_then(|(_, p)| p.parse().ok());
    match (explicit, s3.is_some_and(|s| s.insecure)) {
        (Some(port), _) => vec![port],
        (None, true) => vec![80],
        (None, false) => vec![443],
    }
}

fn policy(name: &str, spec: Json) -> Json {
    json!({"name": name, "spec": spec})
}

fn component(name: &str, instance: &str, ingress: Vec<Json>, egress: Vec<Json>) -> Json {
    policy(
        name,
        json!({
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::policies;
    use crate::config::model::MonitoringStack;

    fn names(config: &MonitoringStack) -> Vec<String> {
        policies(config)
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn nothing_unless_enabled() {
        assert!(policies(&MonitoringStack::default()).is_empty());
    }

    #[test]
    fn deny_by_default_then_one_policy_per_component() {
        let mut config = MonitoringStack::default();
        config.spec.network_policies.enabled = true;
        assert_eq!(
            names(&config),
            [
                "default-deny",
                "allow-dns",
                "prometheus",
                "thanos-querier",
                "thanos-store-gateway",
                "thanos-compactor",
                "thanos-ruler",
                "alertmanager",
                "grafana",
                "kube-state-metrics"
            ]
        );
        config.spec.grafana.enabled = false;
        config.spec.alertmanager.enabled = false;
        let without = names(&config);
        assert!(
            !without.contains(&"grafana".to_owned())
                && !without.contains(&"alertmanager".to_owned())
        );
        let ruler = policies(&config)
            .into_iter()
            .find(|p| p["name"] == "thanos-ruler")
            .unwrap();
        assert!(
            !ruler.to_string().contains("9093"),
            "no egress to a switched-off Alertmanager: {ruler}"
        );
    }

    #[test]
    fn ingress_controller_reaches_only_exposed_uis() {
        let mut config = MonitoringStack::default();
        config.spec.network_policies.enabled = true;
        config.spec.ingress.expose.prometheus = false;
        let all = policies(&config);
        let prometheus = all
            .iter()
            .find(|p| p["name"] == "prometheus")
            .unwrap()
            .to_string();
        assert!(!prometheus.contains("ingress-nginx"), "{prometheus}");
        let grafana = all
            .iter()
            .find(|p| p["name"] == "grafana")
            .unwrap()
            .to_string();
        assert!(grafana.contains("ingress-nginx"), "{grafana}");
    }

    #[test]
    fn remote_endpoints_open_their_ports() {
        let mut config = MonitoringStack::default();
        config.spec.network_policies.enabled = true;
        config.spec.thanos.query.remote_endpoints = vec!["a.example.com:10911".parse().unwrap()];
        let query = policies(&config)
            .into_iter()
            .find(|p| p["name"] == "thanos-querier")
            .unwrap()
            .to_string();
        assert!(query.contains("10911"), "{query}");
    }
}
