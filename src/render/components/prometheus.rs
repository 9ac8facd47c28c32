//! Prometheus replicas, each with a Thanos sidecar that expands the config template
//! (`$(POD_NAME)` as the replica label), reloads it and uploads blocks to the bucket.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::rbac::v1 as rbac;
use serde::Serialize;

use super::objstore::{self, Buckets};
use super::{alertmanager, thanos};
use crate::config::facts::Ui;
use crate::config::model::Spec;
use crate::render::RenderError;
use crate::render::assets;
use crate::render::embedded::{Checked, render_checked, rule_files};
use crate::render::formats::PromConfig;
use crate::render::network::everywhere;
use crate::render::part::{Allow, From, Part, Policy, ScrapeJob, Service};
use crate::render::stack::Stack;
use crate::render::workload::{
    Pod, Port, Workload, config_map_volume, container, data_volume, empty_dir, env_field,
    http_probe, level, mount, pod_env, read_only,
};

pub const NAME: &str = "prometheus";
pub const HTTP: Port = Port::tcp("http", 9090);
/// The sidecar's HTTP port: the Thanos one, named apart from Prometheus's own.
const SIDECAR_HTTP: Port = Port::tcp("http-sidecar", thanos::HTTP.number);
const CONFIG: &str = "prometheus-config";
const RULES: &str = "prometheus-rules";
const CONFIG_DIR: &str = "/etc/prometheus/config";
const CONFIG_OUT_DIR: &str = "/etc/prometheus/config_out";
/// The config the sidecar expands and Prometheus reads.
const CONFIG_OUT: &str = "prometheus.yaml";
const RULES_DIR: &str = "/etc/prometheus/rules";
const DATA_DIR: &str = "/prometheus";
const TEMPLATE: &str = "prometheus/prometheus.yaml.tmpl.j2";

/// What `prometheus.yaml.tmpl.j2` lays out.
#[derive(Serialize)]
struct ConfigVars<'a> {
    namespace: &'a str,
    scrape_interval: String,
    evaluation_interval: String,
    external_labels: BTreeMap<String, String>,
    /// Dropped from alerts so replicas' identical alerts deduplicate.
    replica_label: &'a str,
    rules_dir: &'a str,
    alertmanager_srv: Option<String>,
    scrape_jobs: Vec<&'a ScrapeJob>,
}

/// Prometheus scrapes its own replicas and sidecars, then every part in `others`.
pub fn part(stack: &Stack, buckets: &Buckets, others: &[Part]) -> Result<Part, RenderError> {
    let spec = stack.spec;
    let own = [
        ScrapeJob::new(NAME, NAME, HTTP),
        ScrapeJob::new("thanos-sidecar", NAME, SIDECAR_HTTP),
    ];
    let mut external_labels = spec.prometheus_stream_labels();
    external_labels.insert(spec.replica_label.to_string(), "$(POD_NAME)".to_owned());
    let vars = ConfigVars {
        namespace: stack.namespace,
        scrape_interval: spec.prometheus.scrape_interval.to_string(),
        evaluation_interval: spec.prometheus.evaluation_interval.to_string(),
        external_labels,
        replica_label: spec.replica_label.as_str(),
        rules_dir: RULES_DIR,
        alertmanager_srv: spec.alertmanager.enabled.then(|| alertmanager::srv(stack)),
        scrape_jobs: own
            .iter()
            .chain(others.iter().flat_map(|p| &p.scrape))
            .collect(),
    };
    let checked: Checked<PromConfig> = render_checked(stack.templates, TEMPLATE, &vars)?;
    checked
        .parsed
        .check()
        .map_err(|m| RenderError::new(TEMPLATE, m))?;
    let config = BTreeMap::from([("prometheus.yaml.tmpl".to_owned(), checked.text)]);
    let rules = rule_files(
        &assets::STACK_RULES,
        |group| watches_enabled(stack, group),
        &spec.prometheus.rule_files,
    )?;

    let w = workload(stack, buckets);
    let mut part = Part::new(NAME);
    part.scraper = true;
    part.store_api = true;
    part.workload("kinds/statefulset.yaml.j2", &w);
    part.cluster_role(stack, &w, cluster_rules());
    part.config_map(stack, CONFIG, &w.labels, &config, vec![checked.data]);
    part.content_map(stack, RULES, &w.labels, &rules);
    part.front(stack, &w, NAME, &[HTTP, thanos::GRPC, SIDECAR_HTTP], true);
    // One Service per pod (`prometheus-0-service` …), to reach a single replica.
    for pod in pod_names(stack) {
        let selector =
            BTreeMap::from([("statefulset.kubernetes.io/pod-name".to_owned(), pod.clone())]);
        part.service(
            stack,
            Service {
                name: &pod_service(&pod),
                labels: &w.labels,
                selector: &selector,
                ports: &[HTTP],
                headless: false,
                publish_not_ready: false,
            },
        );
    }
    part.policy = Some(Policy {
        ingress: vec![
            Allow::new(&[HTTP], &[From::Scraper, From::Ingress(Ui::Prometheus)]),
            Allow::new(
                &[thanos::GRPC, SIDECAR_HTTP],
                &[From::Scraper, From::Clients],
            ),
        ],
        // Targets live all over the cluster and on every node.
        egress: vec![everywhere()],
    });
    Ok(part)
}

/// Whether a component is switched on.
type Switch = fn(&Spec) -> bool;

/// Built-in rule groups named after a component that can be switched off watch that
/// component; the others watch what is always there.
const GROUPS_NEEDING: [(&str, Switch); 5] = [
    ("prometheus-notifications", |s| s.alertmanager.enabled),
    ("alertmanager", |s| s.alertmanager.enabled),
    ("thanos-ruler", |s| s.thanos.ruler.enabled),
    ("nodes", |s| s.node_exporter.enabled),
    ("kube-state-metrics", |s| s.kube_state_metrics.enabled),
];

fn watches_enabled(stack: &Stack, group: &str) -> bool {
    GROUPS_NEEDING
        .iter()
        .find(|(name, _)| *name == group)
        .is_none_or(|(_, enabled)| enabled(stack.spec))
}

/// The pods of the StatefulSet, by name.
pub fn pod_names(stack: &Stack) -> Vec<String> {
    (0..stack.spec.prometheus.replicas)
        .map(|i| format!("{NAME}-{i}"))
        .collect()
}

/// The Service that reaches one replica.
pub fn pod_service(pod: &str) -> String {
    format!("{pod}-service")
}

fn workload(stack: &Stack, buckets: &Buckets) -> Workload {
    let spec = stack.spec;
    let p = &spec.prometheus;
    let mut pod = Pod::new(NAME, "prometheus", &spec.images.prometheus, p.replicas);
    pod.automount_token = true;
    pod.serve_store_api();
    let data = data_volume(&mut pod, &p.storage, DATA_DIR);
    pod.volumes.extend([
        config_map_volume("config", CONFIG),
        empty_dir("config-out"),
        config_map_volume("rules", RULES),
    ]);
    // The sidecar shares the data volume and fills in the config; bucket access is its alone.
    let (bucket_mounts, bucket_env) = objstore::attach(stack, &mut pod, &buckets.main);

    let mut prometheus = container(NAME, &spec.images.prometheus, &[HTTP], &p.resources);
    prometheus.args = Some(vec![
        format!("--config.file={CONFIG_OUT_DIR}/{CONFIG_OUT}"),
        format!("--storage.tsdb.path={DATA_DIR}"),
        format!("--storage.tsdb.retention.time={}", p.retention),
        format!("--storage.tsdb.min-block-duration={}", p.min_block_duration),
        format!("--storage.tsdb.max-block-duration={}", p.max_block_duration),
        "--web.enable-lifecycle".to_owned(),
        format!("--log.level={}", level(p.log_level)),
    ]);
    // Alert links ("source") point at the replica's own host: `prometheus-N.<domain>`, the
    // pod's name under the domain, which Kubernetes expands from the env.
    if spec.exposes(Ui::Prometheus) {
        let args = prometheus.args.get_or_insert_default();
        args.push(format!(
            "--web.external-url={}",
            stack.public_url("$(POD_NAME)")
        ));
        prometheus.env = Some(vec![env_field("POD_NAME", "metadata.name")]);
    }
    prometheus.volume_mounts = Some(vec![
        data.clone(),
        read_only("config-out", CONFIG_OUT_DIR),
        read_only("rules", RULES_DIR),
    ]);
    prometheus.liveness_probe = Some(http_probe("/-/healthy", HTTP, 10, Some(6)));
    prometheus.readiness_probe = Some(http_probe("/-/ready", HTTP, 5, Some(3)));

    let mut sidecar = sidecar(stack);
    let mut env = pod_env();
    env.extend(bucket_env);
    sidecar.env = Some(env);
    let mut mounts = vec![
        data,
        read_only("config", CONFIG_DIR),
        mount("config-out", CONFIG_OUT_DIR),
        read_only("rules", RULES_DIR),
    ];
    mounts.extend(bucket_mounts);
    sidecar.volume_mounts = Some(mounts);
    // A native sidecar (an init container that keeps running): the kubelet starts Prometheus
    // only once its startup probe sees the expanded config, which Prometheus needs at start
    // (it exits when `--config.file` is missing). The sidecar writes it before it first
    // tries to reach Prometheus, and stops after Prometheus on shutdown.
    sidecar.restart_policy = Some("Always".to_owned());
    sidecar.startup_probe = Some(core::Probe {
        exec: Some(core::ExecAction {
            command: Some(vec![
                "sh".to_owned(),
                "-c".to_owned(),
                format!("test -s {CONFIG_OUT_DIR}/{CONFIG_OUT}"),
            ]),
        }),
        period_seconds: Some(2),
        failure_threshold: Some(60),
        ..core::Probe::default()
    });
    pod.extra.init_containers = Some(vec![sidecar]);
    pod.containers = vec![prometheus];
    // Time to finish writing the head block and let the sidecar see it.
    pod.extra.termination_grace_period_seconds = Some(600);
    pod.build(stack, Some(NAME), true)
}

fn sidecar(stack: &Stack) -> core::Container {
    let p = &stack.spec.prometheus;
    let mut sidecar = container(
        "thanos-sidecar",
        &stack.spec.images.thanos,
        &[thanos::GRPC, SIDECAR_HTTP],
        &p.sidecar_resources,
    );
    let mut args = thanos::command("sidecar", p.log_level);
    args.extend([
        format!("--tsdb.path={DATA_DIR}"),
        format!("--prometheus.url=http://127.0.0.1:{}", HTTP.number),
        format!("--grpc-address={}", thanos::GRPC.listen()),
        format!("--http-address={}", SIDECAR_HTTP.listen()),
        thanos::objstore_flag(),
        format!("--reloader.config-file={CONFIG_DIR}/prometheus.yaml.tmpl"),
        format!("--reloader.config-envsubst-file={CONFIG_OUT_DIR}/{CONFIG_OUT}"),
        format!("--reloader.rule-dir={RULES_DIR}"),
    ]);
    sidecar.args = Some(args);
    sidecar.liveness_probe = Some(http_probe("/-/healthy", SIDECAR_HTTP, 10, None));
    sidecar.readiness_probe = Some(http_probe("/-/ready", SIDECAR_HTTP, 5, None));
    sidecar
}

/// Read-only discovery of scrape targets and kubelet metrics; nothing more.
fn cluster_rules() -> Vec<rbac::PolicyRule> {
    let read = || vec!["get".to_owned(), "list".to_owned(), "watch".to_owned()];
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
    vec![
        rbac::PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(strings(&[
                "nodes",
                "nodes/metrics",
                "services",
                "endpoints",
                "pods",
            ])),
            verbs: read(),
            ..rbac::PolicyRule::default()
        },
        rbac::PolicyRule {
            api_groups: Some(vec!["discovery.k8s.io".to_owned()]),
            resources: Some(strings(&["endpointslices"])),
            verbs: read(),
            ..rbac::PolicyRule::default()
        },
        rbac::PolicyRule {
            non_resource_urls: Some(strings(&["/metrics"])),
            verbs: vec!["get".to_owned()],
            ..rbac::PolicyRule::default()
        },
    ]
}
