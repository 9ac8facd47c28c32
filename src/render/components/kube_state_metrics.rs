//! kube-state-metrics: metrics about Kubernetes objects, with read access to exactly the
//! resources it exports.

use k8s_openapi::api::rbac::v1 as rbac;

use crate::render::network::anywhere;
use crate::render::part::{Allow, From, Part, Policy, ScrapeJob};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, Port, container, http_probe};

pub const NAME: &str = "kube-state-metrics";
const METRICS: Port = Port::tcp("http-metrics", 8080);
const TELEMETRY: Port = Port::tcp("telemetry", 8081);

/// One table gives both the exported resources (`--resources`) and the RBAC to list them:
/// nothing more, and no Secrets.
const EXPORTED: [(&str, &[&str]); 8] = [
    (
        "",
        &[
            "namespaces",
            "nodes",
            "persistentvolumeclaims",
            "persistentvolumes",
            "pods",
            "resourcequotas",
            "services",
        ],
    ),
    (
        "apps",
        &["daemonsets", "deployments", "replicasets", "statefulsets"],
    ),
    ("autoscaling", &["horizontalpodautoscalers"]),
    ("batch", &["cronjobs", "jobs"]),
    ("discovery.k8s.io", &["endpointslices"]),
    ("networking.k8s.io", &["ingresses"]),
    ("policy", &["poddisruptionbudgets"]),
    ("storage.k8s.io", &["storageclasses"]),
];

pub fn part(stack: &Stack) -> Part {
    let spec = stack.spec;
    let k = &spec.kube_state_metrics;
    let image = &spec.images.kube_state_metrics;
    let mut exported: Vec<&str> = EXPORTED
        .iter()
        .flat_map(|(_, rs)| rs.iter().copied())
        .collect();
    exported.sort_unstable();
    let mut main = container(NAME, image, &[METRICS, TELEMETRY], &k.resources);
    main.args = Some(vec![
        format!("--port={}", METRICS.number),
        format!("--telemetry-port={}", TELEMETRY.number),
        format!("--resources={}", exported.join(",")),
    ]);
    main.liveness_probe = Some(http_probe("/livez", METRICS, 10, None));
    main.readiness_probe = Some(http_probe("/readyz", TELEMETRY, 5, None));
    let mut pod = Pod::new(NAME, "exporter", image, 1, &k.pod);
    pod.automount_token = true;
    pod.containers.push(main);
    pod.extra(NAME, &k.extra, "spec.kubeStateMetrics.extra");
    let w = pod.build(stack, None, false);

    let mut part = Part::new(NAME);
    part.workload("kinds/deployment.yaml.j2", &w);
    let rules = EXPORTED
        .iter()
        .map(|(group, resources)| rbac::PolicyRule {
            api_groups: Some(vec![(*group).to_owned()]),
            resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
            verbs: vec!["list".to_owned(), "watch".to_owned()],
            ..rbac::PolicyRule::default()
        })
        .collect();
    part.cluster_role(stack, &w, rules);
    part.front(stack, &w, NAME, &[METRICS, TELEMETRY], false);
    part.scrape.push(ScrapeJob {
        honor_labels: true,
        ..ScrapeJob::new(NAME, NAME, METRICS)
    });
    part.policy = Some(Policy {
        ingress: vec![Allow::new(&[METRICS, TELEMETRY], &[From::Scraper])],
        // The API server, by its service IP or its endpoints.
        egress: vec![anywhere(&spec.network_policies.api_server_ports)],
    });
    part
}
