//! Prometheus replicas, each with a Thanos sidecar that expands the config template
//! (`$(POD_NAME)` as the replica label), reloads it and uploads blocks to the bucket. With
//! `prometheus.shards` above 1, one StatefulSet per shard, each scraping its share of the
//! targets and uploading blocks told apart by the shard label.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::rbac::v1 as rbac;
use serde::Serialize;
use serde_json::Value as Json;

use super::objstore::{self, Buckets};
use super::{alertmanager, control_plane, thanos};
use crate::config::facts::{ALERTS_NEEDING_EVERY_TARGET, Ui};
use crate::config::model::scrape::{RemoteWrite, ScrapeConfig};
use crate::config::model::{Rule, Spec};
use crate::render::RenderError;
use crate::render::assets;
use crate::render::embedded::{Checked, render_checked, rule_files};
use crate::render::formats::{PromConfig, Relabel, RelabelAction};
use crate::render::network::everywhere;
use crate::render::part::{Allow, From, Part, Policy, ScrapeJob, Service};
use crate::render::stack::{Labels, Stack};
use crate::render::workload::{
    Pod, Port, Workload, config_map_volume, container, data_volume, empty_dir, env_field,
    http_probe, level, mount, pod_env, read_only,
};

pub const NAME: &str = "prometheus";
const COMPONENT: &str = "prometheus";
pub const HTTP: Port = Port::tcp("http", 9090);
/// The sidecar's HTTP port: the Thanos one, named apart from Prometheus's own.
const SIDECAR_HTTP: Port = Port::tcp("http-sidecar", thanos::HTTP.number);
const RULES: &str = "prometheus-rules";
const CONFIG_DIR: &str = "/etc/prometheus/config";
const CONFIG_OUT_DIR: &str = "/etc/prometheus/config_out";
/// The config the sidecar expands and Prometheus reads.
const CONFIG_OUT: &str = "prometheus.yaml";
const RULES_DIR: &str = "/etc/prometheus/rules";
const DATA_DIR: &str = "/prometheus";
const TEMPLATE: &str = "prometheus/prometheus.yaml.tmpl.j2";
/// The pod label telling one shard's pods from another's, in its selector (several shards
/// only): the name label stays `prometheus` on every shard, so the scrape jobs, the
/// NetworkPolicy and its peers find them all.
const SHARD_LABEL: &str = "stackgen.dev/shard";
/// Where a shard's hashmod step leaves a target's hash: Prometheus leaves `__tmp` names to
/// users, and drops every `__` label once relabelling is done.
const HASH_LABEL: &str = "__tmp_hash";
/// The address a target is scraped at, once a job's own steps have set it.
const ADDRESS_LABEL: &str = "__address__";
/// The name of the workload owning a pod: the StatefulSet, for Prometheus's.
const CONTROLLER_LABEL: &str = "__meta_kubernetes_pod_controller_name";

/// What `prometheus.yaml.tmpl.j2` lays out.
#[derive(Serialize)]
struct ConfigVars<'a> {
    scrape_interval: String,
    evaluation_interval: String,
    external_labels: BTreeMap<String, String>,
    /// Dropped from alerts so replicas' identical alerts deduplicate.
    replica_label: &'a str,
    rules_dir: &'a str,
    alertmanager_srv: Option<String>,
    /// Every job, each ending with the shard's share of its targets.
    scrape_configs: Vec<Json>,
    remote_write: &'a [RemoteWrite],
}

/// One Prometheus StatefulSet: the only one, or shard `index` of `count`.
#[derive(Debug, Clone)]
struct Shard {
    index: u32,
    count: u32,
    /// The StatefulSet's name, and its governing Service's.
    name: String,
}

/// Every Prometheus StatefulSet, in shard order.
fn shards(stack: &Stack) -> Vec<Shard> {
    let count = stack.spec.prometheus.shards.max(1);
    (0..)
        .zip(stack.spec.prometheus_sets())
        .map(|(index, name)| Shard { index, count, name })
        .collect()
}

impl Shard {
    fn sharded(&self) -> bool {
        self.count > 1
    }

    /// The ConfigMap of its config template: `prometheus-config`, `prometheus-shard-0-config` ….
    fn config_map(&self) -> String {
        format!("{}-config", self.name)
    }

    /// The pods of its StatefulSet, by name.
    fn pod_names(&self, stack: &Stack) -> Vec<String> {
        (0..stack.spec.prometheus.replicas)
            .map(|i| format!("{}-{i}", self.name))
            .collect()
    }

    /// The steps that keep this shard's share of a job's targets: those whose address
    /// (as the job's own steps left it) hashes to the shard's number. Nothing unsharded.
    fn hashed_share(&self) -> Vec<Relabel> {
        if !self.sharded() {
            return Vec::new();
        }
        vec![
            Relabel {
                source_labels: vec![ADDRESS_LABEL.to_owned()],
                modulus: Some(self.count.into()),
                target_label: Some(HASH_LABEL.to_owned()),
                action: Some(RelabelAction::Hashmod),
                ..Relabel::default()
            },
            Relabel {
                source_labels: vec![HASH_LABEL.to_owned()],
                regex: Some(self.index.to_string()),
                action: Some(RelabelAction::Keep),
                ..Relabel::default()
            },
        ]
    }

    /// The step that keeps this shard's own pods: each shard scrapes itself and its own
    /// sidecars, so every Prometheus is scraped once and its metrics carry its own shard
    /// label. Nothing unsharded.
    fn own_pods(&self) -> Vec<Relabel> {
        if !self.sharded() {
            return Vec::new();
        }
        vec![Relabel {
            source_labels: vec![CONTROLLER_LABEL.to_owned()],
            regex: Some(self.name.clone()),
            action: Some(RelabelAction::Keep),
            ..Relabel::default()
        }]
    }
}

/// Prometheus scrapes its own replicas and sidecars, then every part in `others`; each
/// shard its share of them.
pub fn part(stack: &Stack, buckets: &Buckets, others: &[Part]) -> Result<Part, RenderError> {
    let spec = stack.spec;
    let shards = shards(stack);
    let sharded = shards.len() > 1;
    // Every shard evaluates the same rules, each over its share of the targets.
    let rules = rule_files(
        &assets::STACK_RULES,
        |group| watches_enabled(stack, group),
        |rule| !(sharded && needs_every_target(rule)),
        &spec.built_in_alerts,
        &spec.prometheus.rule_files,
    )?;
    let component_labels = stack.labels(NAME, COMPONENT, Some(&spec.images.prometheus));

    let mut part = Part::new(NAME);
    part.scraper = true;
    part.store_api = true;
    part.content_map(stack, RULES, &component_labels, &rules);
    for shard in &shards {
        let w = workload(stack, buckets, shard);
        // One ServiceAccount and ClusterRole for every shard: they discover and read the
        // same things, and one identity is one workload-identity binding to make.
        if shard.index == 0 {
            part.account(&w);
            part.cluster_role(stack, &w, cluster_rules());
        }
        part.pods("kinds/statefulset.yaml.j2", &w);
        let checked = config(stack, shard, others)?;
        let config = BTreeMap::from([("prometheus.yaml.tmpl".to_owned(), checked.text)]);
        part.config_map(
            stack,
            &shard.config_map(),
            &w.labels,
            &config,
            vec![checked.data],
        );
        part.front(
            stack,
            &w,
            &shard.name,
            &[HTTP, thanos::GRPC, SIDECAR_HTTP],
            true,
        );
        // One Service per pod (`prometheus-0-service` …), to reach a single replica.
        for pod in shard.pod_names(stack) {
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
    }
    // One policy selects every shard (by the name label they share): they accept and send
    // the same traffic.
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

/// The config template of one shard: its external labels, and every job cut to its share.
fn config(
    stack: &Stack,
    shard: &Shard,
    others: &[Part],
) -> Result<Checked<PromConfig>, RenderError> {
    let spec = stack.spec;
    let own = [
        ScrapeJob::new(NAME, NAME, HTTP),
        ScrapeJob::new("thanos-sidecar", NAME, SIDECAR_HTTP),
    ];
    let mut external_labels = spec.prometheus_shard_labels(shard.index);
    external_labels.insert(spec.replica_label.to_string(), "$(POD_NAME)".to_owned());
    // Kubernetes' own jobs are data, the control plane's and the user's are typed in the
    // config's model, the components' built from their parts; each ends with the shard's
    // share of its targets.
    static KUBERNETES_JOBS: LazyLock<Vec<Json>> = LazyLock::new(|| {
        serde_json::from_str(assets::KUBERNETES_JOBS).expect("build.rs writes JSON")
    });
    let share = shard.hashed_share();
    let share_json = serde_json::to_value(&share).unwrap_or_default();
    let ending_with_share = |mut job: Json| {
        if let (Some(steps), Some(share)) = (
            job.as_object_mut().map(|j| {
                j.entry("relabel_configs")
                    .or_insert_with(|| Json::Array(Vec::new()))
            }),
            share_json.as_array(),
        ) && let Some(steps) = steps.as_array_mut()
        {
            steps.extend(share.iter().cloned());
        }
        job
    };
    let as_json = |job: &ScrapeConfig| serde_json::to_value(job).unwrap_or_default();
    let mut scrape_configs: Vec<Json> = KUBERNETES_JOBS
        .iter()
        .cloned()
        .map(ending_with_share)
        .collect();
    scrape_configs.extend(
        own.iter()
            .map(|job| as_json(&job.scrape_config(stack.namespace, shard.own_pods()))),
    );
    scrape_configs.extend(
        others
            .iter()
            .flat_map(|p| &p.scrape)
            .map(|job| as_json(&job.scrape_config(stack.namespace, share.clone()))),
    );
    scrape_configs.extend(
        control_plane::jobs(&spec.prometheus.control_plane)
            .iter()
            .chain(&spec.prometheus.additional_scrape_configs)
            .map(|job| ending_with_share(as_json(job))),
    );
    let vars = ConfigVars {
        scrape_interval: spec.prometheus.scrape_interval.to_string(),
        evaluation_interval: spec.prometheus.evaluation_interval.to_string(),
        external_labels,
        replica_label: spec.replica_label.as_str(),
        rules_dir: RULES_DIR,
        alertmanager_srv: spec.alertmanager.enabled.then(|| alertmanager::srv(stack)),
        scrape_configs,
        remote_write: &spec.prometheus.remote_write,
    };
    let checked: Checked<PromConfig> = render_checked(stack.templates, TEMPLATE, &vars)?;
    checked
        .parsed
        .check()
        .map_err(|m| RenderError::new(TEMPLATE, m))?;
    Ok(checked)
}

fn needs_every_target(rule: &Rule) -> bool {
    rule.alert
        .as_deref()
        .is_some_and(|a| ALERTS_NEEDING_EVERY_TARGET.contains(&a))
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

/// The pods of every shard's StatefulSet, by name.
pub fn pod_names(stack: &Stack) -> Vec<String> {
    shards(stack)
        .iter()
        .flat_map(|shard| shard.pod_names(stack))
        .collect()
}

/// The Service that reaches one replica.
pub fn pod_service(pod: &str) -> String {
    format!("{pod}-service")
}

fn workload(stack: &Stack, buckets: &Buckets, shard: &Shard) -> Workload {
    let spec = stack.spec;
    let p = &spec.prometheus;
    let mut pod = Pod::new(NAME, COMPONENT, &spec.images.prometheus, p.replicas, &p.pod);
    if shard.sharded() {
        pod.workload_name = Some(shard.name.clone());
        pod.shard_labels = Labels::from([(SHARD_LABEL.to_owned(), shard.index.to_string())]);
    }
    pod.automount_token = true;
    pod.serve_store_api();
    let data = data_volume(&mut pod, &p.storage, DATA_DIR);
    pod.volumes.extend([
        config_map_volume("config", &shard.config_map()),
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
    pod.extra(NAME, &p.extra, "spec.prometheus.extra");
    pod.extra(
        "thanos-sidecar",
        &p.sidecar_extra,
        "spec.prometheus.sidecarExtra",
    );
    pod.build(stack, Some(&shard.name), true)
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

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use crate::config::facts::ALERTS_NEEDING_EVERY_TARGET;
    use crate::config::model::MonitoringStack;
    use crate::render::testing::find;
    use crate::render::{Object, render};

    fn sharded(shards: u32) -> (MonitoringStack, Vec<Object>) {
        let mut config = MonitoringStack::default();
        config.spec.prometheus.shards = shards;
        config.spec.ingress.basic_auth_secret = Some("auth".parse().unwrap());
        config.spec.network_policies.enabled = true;
        let objects = render(&config).unwrap();
        (config, objects)
    }

    fn names<'a>(objects: &'a [Object], kind: &str, prefix: &str) -> Vec<&'a str> {
        objects
            .iter()
            .filter(|o| o.kind() == kind && o.name().starts_with(prefix))
            .map(Object::name)
            .collect()
    }

    /// The config of one shard as it ships: the text of its ConfigMap, parsed.
    fn shipped_config(objects: &[Object], map: &str) -> Json {
        let text = find(objects, "ConfigMap", map)["data"]["prometheus.yaml.tmpl"]
            .as_str()
            .unwrap();
        serde_saphyr::from_str(text).unwrap()
    }

    /// Runs the `keep` and `hashmod` steps of a job on a target whose address hashes to
    /// `hash` and whose pods belong to `controller`, as Prometheus would; every other step
    /// is taken to leave what these read alone (the shard check proves that it does).
    fn keeps(job: &Json, hash: u64, modulus_seen: &mut Vec<u64>, controller: &str) -> bool {
        let mut tmp = None;
        for step in job["relabel_configs"].as_array().unwrap() {
            match step["action"].as_str() {
                Some("hashmod") => {
                    assert_eq!(step["source_labels"], json!(["__address__"]));
                    let modulus = step["modulus"].as_u64().unwrap();
                    modulus_seen.push(modulus);
                    tmp = Some((step["target_label"].clone(), hash % modulus));
                }
                Some("keep") => {
                    let source = &step["source_labels"];
                    let value = match &tmp {
                        Some((label, v)) if source == &json!([label]) => v.to_string(),
                        _ if source == &json!(["__meta_kubernetes_pod_controller_name"]) => {
                            controller.to_owned()
                        }
                        // The job's own keeps (name label and port), the same on every shard.
                        _ => continue,
                    };
                    if step["regex"].as_str() != Some(value.as_str()) {
                        return false;
                    }
                }
                _ => {}
            }
        }
        true
    }

    #[test]
    fn one_shard_is_the_prometheus_of_old() {
        let objects = render(&MonitoringStack::default()).unwrap();
        assert_eq!(names(&objects, "StatefulSet", "prometheus"), ["prometheus"]);
        let config = shipped_config(&objects, "prometheus-config");
        assert!(
            config["global"]["external_labels"]
                .get("prometheus_shard")
                .is_none()
        );
        let text = find(&objects, "ConfigMap", "prometheus-config")["data"].to_string();
        assert!(!text.contains("hashmod") && !text.contains("__tmp_hash"));
        let selector = &find(&objects, "StatefulSet", "prometheus")["spec"]["selector"];
        assert!(selector["matchLabels"].get("stackgen.dev/shard").is_none());
    }

    #[test]
    fn each_shard_keeps_exactly_its_share_of_every_job() {
        let (_, objects) = sharded(3);
        let configs: Vec<Json> = (0..3)
            .map(|k| shipped_config(&objects, &format!("prometheus-shard-{k}-config")))
            .collect();
        let jobs: Vec<&str> = configs[0]["scrape_configs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["job_name"].as_str().unwrap())
            .collect();
        assert!(jobs.len() > 10, "{jobs:?}");
        for job in &jobs {
            let of = |k: usize| {
                configs[k]["scrape_configs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|j| j["job_name"] == *job)
                    .unwrap_or_else(|| panic!("shard {k} has no job {job}"))
            };
            if ["prometheus", "thanos-sidecar"].contains(job) {
                // Each shard its own pods: the pods of shard `owner`, by the shards keeping them.
                for owner in 0..3 {
                    let controller = format!("prometheus-shard-{owner}");
                    let keepers: Vec<usize> = (0..3)
                        .filter(|&k| keeps(of(k), 0, &mut Vec::new(), &controller))
                        .collect();
                    assert_eq!(keepers, [owner], "{job}");
                }
                continue;
            }
            // Whatever a target's address hashes to, exactly one shard keeps it.
            for hash in 0..12 {
                let mut moduli = Vec::new();
                let keepers: Vec<usize> = (0..3)
                    .filter(|&k| keeps(of(k), hash, &mut moduli, ""))
                    .collect();
                assert_eq!(keepers, [usize::try_from(hash % 3).unwrap()], "{job}");
                assert_eq!(moduli, [3, 3, 3], "{job}");
            }
            // The hash is taken last, of the address the job's own steps set.
            let steps = of(0)["relabel_configs"].as_array().unwrap();
            let n = steps.len();
            assert_eq!(steps[n - 2]["action"], "hashmod", "{job}");
            assert_eq!(steps[n - 2]["target_label"], "__tmp_hash", "{job}");
            assert_eq!(
                steps[n - 1],
                json!({"source_labels": ["__tmp_hash"], "regex": "0", "action": "keep"}),
                "{job}"
            );
        }
    }

    #[test]
    fn each_shard_labels_its_blocks_with_its_number() {
        let (mut config, _) = sharded(2);
        config.spec.prometheus.shard_label = "shard".parse().unwrap();
        let objects = render(&config).unwrap();
        for k in 0..2 {
            let shipped = shipped_config(&objects, &format!("prometheus-shard-{k}-config"));
            assert_eq!(
                shipped["global"]["external_labels"],
                json!({"cluster": "prometheus-ha", "replica": "$(POD_NAME)", "shard": k.to_string()})
            );
            // Alerts keep the shard label: two shards' alerts are about different targets,
            // and an alert both evaluate over their different shares would flap as one.
            assert_eq!(
                shipped["alerting"]["alert_relabel_configs"],
                json!([{"action": "labeldrop", "regex": "replica"}])
            );
        }
    }

    #[test]
    fn each_shard_has_its_own_workload_services_and_budget() {
        let (_, objects) = sharded(2);
        assert_eq!(
            names(&objects, "StatefulSet", "prometheus"),
            ["prometheus-shard-0", "prometheus-shard-1"]
        );
        assert_eq!(
            names(&objects, "PodDisruptionBudget", "prometheus"),
            ["prometheus-shard-0", "prometheus-shard-1"]
        );
        assert_eq!(
            names(&objects, "Service", "prometheus"),
            [
                "prometheus-shard-0",
                "prometheus-shard-0-0-service",
                "prometheus-shard-0-1-service",
                "prometheus-shard-0-2-service",
                "prometheus-shard-1",
                "prometheus-shard-1-0-service",
                "prometheus-shard-1-1-service",
                "prometheus-shard-1-2-service",
            ]
        );
        assert_eq!(
            names(&objects, "ConfigMap", "prometheus"),
            [
                "prometheus-rules",
                "prometheus-shard-0-config",
                "prometheus-shard-1-config"
            ]
        );
        // Shared: one identity, one role, one policy selecting every shard by name.
        assert_eq!(
            names(&objects, "ServiceAccount", "prometheus"),
            ["prometheus"]
        );
        assert_eq!(
            names(&objects, "ClusterRole", "monitoring-prometheus"),
            ["monitoring-prometheus"]
        );
        assert_eq!(
            names(&objects, "NetworkPolicy", "prometheus"),
            ["prometheus"]
        );
        let policy = find(&objects, "NetworkPolicy", "prometheus");
        assert_eq!(
            policy["spec"]["podSelector"]["matchLabels"],
            json!({"app.kubernetes.io/instance": "monitoring", "app.kubernetes.io/name": "prometheus"})
        );
        for k in 0..2 {
            let name = format!("prometheus-shard-{k}");
            let set = find(&objects, "StatefulSet", &name);
            let selector = json!({
                "app.kubernetes.io/instance": "monitoring",
                "app.kubernetes.io/name": "prometheus",
                "stackgen.dev/shard": k.to_string(),
            });
            assert_eq!(set["spec"]["selector"]["matchLabels"], selector);
            assert_eq!(set["spec"]["serviceName"], name);
            let pod = &set["spec"]["template"]["spec"];
            assert_eq!(pod["serviceAccountName"], "prometheus");
            // Replicas of a shard spread apart from each other, not from other shards'.
            assert_eq!(
                pod["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"],
                selector
            );
            let config = pod["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == "config")
                .unwrap();
            assert_eq!(config["configMap"]["name"], format!("{name}-config"));
            let annotations = &set["spec"]["template"]["metadata"]["annotations"];
            assert!(
                annotations["checksum/objstore"].is_string(),
                "{annotations}"
            );
            let budget = find(&objects, "PodDisruptionBudget", &name);
            assert_eq!(budget["spec"]["selector"]["matchLabels"], selector);
            assert_eq!(
                find(&objects, "Service", &name)["spec"]["selector"],
                selector
            );
        }
    }

    #[test]
    fn the_ingress_has_a_host_for_every_shards_pods() {
        let (_, objects) = sharded(2);
        let hosts: Vec<&str> = find(&objects, "Ingress", "monitoring-ingress")["spec"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["host"].as_str())
            .filter(|h| h.starts_with("prometheus"))
            .collect();
        assert_eq!(
            hosts,
            [
                "prometheus-shard-0-0.example.com",
                "prometheus-shard-0-1.example.com",
                "prometheus-shard-0-2.example.com",
                "prometheus-shard-1-0.example.com",
                "prometheus-shard-1-1.example.com",
                "prometheus-shard-1-2.example.com",
            ]
        );
    }

    #[test]
    fn shards_leave_out_the_alerts_that_need_every_target() {
        let alerts = |objects: &[Object]| -> String {
            find(objects, "ConfigMap", "prometheus-rules")["data"].to_string()
        };
        let whole = alerts(&render(&MonitoringStack::default()).unwrap());
        let (_, objects) = sharded(2);
        let shard = alerts(&objects);
        for alert in ALERTS_NEEDING_EVERY_TARGET {
            let named = format!("alert: {alert}\\n");
            assert!(whole.contains(&named), "{alert}");
            assert!(!shard.contains(&named), "{alert}");
        }
        // Per-target alerts stay.
        assert!(
            shard.contains("alert: TargetDown\\n") && shard.contains("alert: NodeExporterDown")
        );
    }
}
