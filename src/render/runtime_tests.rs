//! The stack works when applied, not only validates: each test pins a defect that static
//! checkers passed (see FIELD-NOTES, "Runtime facts") and fails without its fix.

use serde_json::Value as Json;

use super::testing::find;
use super::{Object, render};
use crate::config::model::{MonitoringStack, Tls};

fn pod(objects: &[Object], kind: &str, name: &str) -> Json {
    find(objects, kind, name)["spec"]["template"]["spec"].clone()
}

fn strings(value: &Json) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The first container (or init container) named `name` in a pod spec.
fn container(pod: &Json, name: &str) -> Json {
    ["containers", "initContainers"]
        .iter()
        .flat_map(|list| pod[list].as_array().cloned().unwrap_or_default())
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn args(pod: &Json, name: &str) -> Vec<String> {
    strings(&container(pod, name)["args"])
}

fn default_objects() -> Vec<Object> {
    render(&MonitoringStack::default()).unwrap()
}

/// Without auto-downsampling Query reads raw blocks only, so ranges past raw retention
/// come back empty although 5m and 1h blocks exist.
#[test]
fn query_reads_downsampled_blocks() {
    let objects = default_objects();
    let query = pod(&objects, "Deployment", "thanos-querier");
    assert!(args(&query, "thanos-query").contains(&"--query.auto-downsampling".to_owned()));
}

/// Every bucket written (by sidecars and by the Ruler) is read by a Store gateway and
/// compacted by exactly one Compactor.
#[test]
fn every_written_bucket_is_read_and_compacted_once() {
    let objects = default_objects();
    let objstore_secret = |o: &Object| -> Option<String> {
        o.value["spec"]["template"]["spec"]["volumes"]
            .as_array()?
            .iter()
            .find(|v| v["name"] == "objstore-config")
            .and_then(|v| v["secret"]["secretName"].as_str().map(str::to_owned))
    };
    let by_role = |role: &str| -> Vec<String> {
        objects
            .iter()
            .filter(|o| o.value["spec"]["template"]["spec"].is_object())
            .filter(|o| {
                let pod = &o.value["spec"]["template"]["spec"];
                ["containers", "initContainers"].iter().any(|list| {
                    pod[list]
                        .as_array()
                        .is_some_and(|cs| cs.iter().any(|c| c["args"][0] == role))
                })
            })
            .filter_map(objstore_secret)
            .collect()
    };
    let mut written = by_role("sidecar");
    written.extend(by_role("rule"));
    written.sort();
    written.dedup();
    assert_eq!(written.len(), 2, "{written:?}");
    let read = by_role("store");
    let compacted = by_role("compact");
    for bucket in &written {
        assert!(read.contains(bucket), "{bucket} is never read: {read:?}");
        let compactors = compacted.iter().filter(|b| *b == bucket).count();
        assert_eq!(compactors, 1, "{bucket} has {compactors} compactors");
    }
}

/// Behind the ingress's basic auth Grafana must ignore the forwarded `Authorization`
/// header, or it answers 401.
#[test]
fn grafana_works_behind_the_ingress_basic_auth() {
    let env_of = |config: &MonitoringStack| -> Vec<(String, String)> {
        let objects = render(config).unwrap();
        let grafana = container(&pod(&objects, "Deployment", "grafana"), "grafana");
        grafana["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_owned(),
                    e["value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let mut config = MonitoringStack::default();
    config.spec.ingress.basic_auth_secret = Some("auth".parse().unwrap());
    assert!(env_of(&config).contains(&("GF_AUTH_BASIC_ENABLED".into(), "false".into())));
    let open = env_of(&MonitoringStack::default());
    assert!(!open.iter().any(|(k, _)| k == "GF_AUTH_BASIC_ENABLED"));
}

/// Prometheus exits when its config file is missing at start: the sidecar that writes it
/// must start first and be seen to have written it.
#[test]
fn prometheus_starts_after_the_sidecar_wrote_its_config() {
    let objects = default_objects();
    let prometheus = pod(&objects, "StatefulSet", "prometheus");
    let config_file = args(&prometheus, "prometheus")
        .iter()
        .find_map(|a| a.strip_prefix("--config.file=").map(str::to_owned))
        .unwrap();
    let init = strings(&json_list(&prometheus["initContainers"], "name"));
    assert_eq!(init, ["thanos-sidecar"]);
    let sidecar = container(&prometheus, "thanos-sidecar");
    assert_eq!(sidecar["restartPolicy"], "Always");
    let probe = strings(&sidecar["startupProbe"]["exec"]["command"]).join(" ");
    assert!(
        probe.ends_with(&format!("test -s {config_file}")),
        "{probe}"
    );
    assert!(
        args(&prometheus, "thanos-sidecar")
            .contains(&format!("--reloader.config-envsubst-file={config_file}"))
    );
}

fn json_list(items: &Json, field: &str) -> Json {
    Json::Array(
        items
            .as_array()
            .map(|a| a.iter().map(|i| i[field].clone()).collect())
            .unwrap_or_default(),
    )
}

/// node-exporter needs the `privileged` Pod Security level; without it the namespace
/// enforces `restricted`.
#[test]
fn the_namespace_allows_exactly_what_its_pods_need() {
    let level = |config: &MonitoringStack| {
        let objects = render(config).unwrap();
        find(&objects, "Namespace", "monitoring")["metadata"]["labels"]
            ["pod-security.kubernetes.io/enforce"]
            .clone()
    };
    assert_eq!(level(&MonitoringStack::default()), "privileged");
    let mut config = MonitoringStack::default();
    config.spec.node_exporter.enabled = false;
    assert_eq!(level(&config), "restricted");
}

/// Job names match the upstream mixins' default selectors, so their dashboards and alerts
/// find data.
#[test]
fn scrape_jobs_match_the_upstream_mixins() {
    let objects = default_objects();
    let config = find(&objects, "ConfigMap", "prometheus-config")["data"]["prometheus.yaml.tmpl"]
        .as_str()
        .unwrap()
        .to_owned();
    let parsed: Json = serde_saphyr::from_str(&config).unwrap();
    let jobs: Vec<String> = strings(&json_list(&parsed["scrape_configs"], "job_name"));
    for exact in [
        "apiserver",
        "kubelet",
        "cadvisor",
        "kube-state-metrics",
        "node-exporter",
    ] {
        assert!(jobs.iter().any(|j| j == exact), "no job {exact}: {jobs:?}");
    }
    for pattern in [
        "thanos-query",
        "thanos-store",
        "thanos-compact",
        "thanos-rule",
        "thanos-sidecar",
    ] {
        assert!(
            jobs.iter().any(|j| j.contains(pattern)),
            "no {pattern}: {jobs:?}"
        );
    }
}

/// A StatefulSet's `serviceName` must be a headless Service for its pods to get DNS names.
#[test]
fn every_statefulset_is_governed_by_a_headless_service() {
    let objects = default_objects();
    for sts in objects.iter().filter(|o| o.kind() == "StatefulSet") {
        let service = sts.value["spec"]["serviceName"].as_str().unwrap();
        let governing = find(&objects, "Service", service);
        assert_eq!(governing["spec"]["clusterIP"], "None", "{}", sts.name());
    }
}

/// Links in alerts and notifications point at the exposed hosts, https with TLS.
#[test]
fn links_point_at_the_exposed_hosts() {
    let mut config = MonitoringStack::default();
    config.spec.ingress.basic_auth_secret = Some("auth".parse().unwrap());
    config.spec.ingress.tls = Some(Tls {
        secret_name: "tls".parse().unwrap(),
        cluster_issuer: None,
    });
    let objects = render(&config).unwrap();
    let am = args(
        &pod(&objects, "StatefulSet", "alertmanager"),
        "alertmanager",
    );
    assert!(am.contains(&"--web.external-url=https://alertmanager.example.com".to_owned()));
    let ruler = args(&pod(&objects, "StatefulSet", "thanos-ruler"), "thanos-rule");
    assert!(ruler.contains(&"--alert.query-url=https://thanos-querier.example.com".to_owned()));
    let prometheus = pod(&objects, "StatefulSet", "prometheus");
    assert!(
        args(&prometheus, "prometheus")
            .contains(&"--web.external-url=https://$(POD_NAME).example.com".to_owned())
    );
    assert_eq!(
        container(&prometheus, "prometheus")["env"][0]["name"],
        "POD_NAME"
    );
}

/// With Alertmanager off, no built-in alert waits for ever for Alertmanagers.
#[test]
fn built_in_rules_follow_the_components_switched_on() {
    let rules = |config: &MonitoringStack| {
        let objects = render(config).unwrap();
        find(&objects, "ConfigMap", "prometheus-rules")["data"]["stack.rules.yaml"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(rules(&MonitoringStack::default()).contains("PrometheusNotConnectedToAlertmanagers"));
    let mut config = MonitoringStack::default();
    config.spec.alertmanager.enabled = false;
    config.spec.kube_state_metrics.enabled = false;
    let without = rules(&config);
    assert!(!without.contains("PrometheusNotConnectedToAlertmanagers"));
    assert!(!without.contains("AlertmanagerConfigReloadFailed"));
    assert!(!without.contains("KubePodCrashLooping"));
    assert!(without.contains("KubeAPIServerErrors"));
}

/// With another cluster domain, no address keeps the default one (and the wiring check,
/// run by `render`, resolves every address in the new one).
#[test]
fn the_cluster_domain_is_used_everywhere() {
    let mut config = MonitoringStack::default();
    config.spec.cluster_domain = "corp.internal".parse().unwrap();
    let objects = render(&config).unwrap();
    let stream = crate::output::yaml_stream(&objects);
    assert!(!stream.contains("cluster.local"));
    assert!(stream.contains("thanos-store-gateway.monitoring.svc.corp.internal"));
}

/// Grafana's state survives a restart on a volume (one replica, replaced, not rolled) or
/// lives in a shared database read from a Secret file.
#[test]
fn grafana_keeps_its_state_on_a_volume_or_in_a_shared_database() {
    let mut config = MonitoringStack::default();
    config.spec.grafana.storage.persistent = true;
    let objects = render(&config).unwrap();
    let deployment = find(&objects, "Deployment", "grafana");
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate");
    let volumes = &deployment["spec"]["template"]["spec"]["volumes"];
    assert_eq!(volumes[0]["persistentVolumeClaim"]["claimName"], "grafana");
    find(&objects, "PersistentVolumeClaim", "grafana");

    let mut config = MonitoringStack::default();
    config.spec.grafana.replicas = 2;
    config.spec.grafana.database = Some(crate::config::model::GrafanaDatabase {
        url_secret: crate::config::model::SecretKeyRef {
            name: "grafana-db".parse().unwrap(),
            key: "url".to_owned(),
        },
    });
    let objects = render(&config).unwrap();
    let grafana = container(&pod(&objects, "Deployment", "grafana"), "grafana");
    assert!(grafana["env"].to_string().contains("GF_DATABASE_URL__FILE"));
}

/// Rules and dashboards are content, not config: an alert's description may name any
/// host, in any namespace, or a port on localhost, without a component dialling it, and
/// such a rule once failed the render's wiring check.
#[test]
fn free_text_in_a_rule_dials_nothing() {
    let mut config = MonitoringStack::default();
    config.spec.prometheus.rule_files = serde_json::from_value(serde_json::json!([{
        "name": "team.yaml",
        "groups": [{"name": "team", "rules": [{
            "alert": "WikiDown",
            "expr": "up == 0",
            "annotations": {"description": "see http://wiki.tools.svc.cluster.local:80/x or localhost:1234"},
        }]}],
    }]))
    .unwrap();
    let objects = render(&config).unwrap();
    let rules = &find(&objects, "ConfigMap", "prometheus-rules")["data"]["team.yaml"];
    assert!(rules.as_str().unwrap().contains("localhost:1234"));
}
