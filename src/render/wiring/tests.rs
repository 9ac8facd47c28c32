//! Each kind of break, planted into a real rendered stream, is caught, naming both ends.

use serde_json::{Value as Json, json};

use crate::config::model::{
    BucketLookupType, CaBundle, Cache, ConfigMapKeyRef, MemcachedCache, MonitoringStack, Provider,
    S3, TimePartition,
};
use crate::render::object::Object;
use crate::render::{prerequisites, render};

fn stack(network_policies: bool) -> (MonitoringStack, Vec<Object>) {
    let mut config = MonitoringStack::default();
    // Every UI behind the ingress, so its backends and flows are all checked.
    config.spec.ingress.basic_auth_secret = Some("auth".parse().unwrap());
    config.spec.network_policies.enabled = network_policies;
    let objects = render(&config).expect("the stack renders and passes the wiring check");
    (config, objects)
}

/// Plants a break with `edit` into the object `kind`/`name`, and returns the check's verdict.
fn planted(network_policies: bool, kind: &str, name: &str, edit: impl FnOnce(&mut Json)) -> String {
    let (config, objects) = stack(network_policies);
    planted_in(&config, objects, kind, name, edit)
}

/// Plants a break into the rendered `objects` of `config`.
fn planted_in(
    config: &MonitoringStack,
    mut objects: Vec<Object>,
    kind: &str,
    name: &str,
    edit: impl FnOnce(&mut Json),
) -> String {
    let object = objects
        .iter_mut()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"));
    let mut value = object.value.clone();
    edit(&mut value);
    // The edit is to the text: the check reads it back, not what the component built.
    *object = Object::new(&object.template, value, object.part, None);
    check(config, &objects).expect_err("the planted break is caught")
}

/// An on-prem S3 store behind a private CA, whose bundle is a ConfigMap the user creates.
fn onprem() -> (MonitoringStack, Vec<Object>) {
    let mut config = MonitoringStack::default();
    let os = &mut config.spec.object_storage;
    os.provider = Provider::S3;
    os.s3 = Some(S3 {
        endpoint: "minio.storage.example.com:9000".to_owned(),
        region: None,
        insecure: false,
        bucket_lookup_type: Some(BucketLookupType::Path),
        sse: None,
    });
    os.ca_bundle = Some(CaBundle {
        secret: None,
        config_map: Some(ConfigMapKeyRef {
            name: "minio-ca".parse().unwrap(),
            key: "ca.crt".to_owned(),
        }),
    });
    let objects = render(&config).expect("the on-prem stack renders and passes the wiring check");
    (config, objects)
}

/// Removes the CA bundle's volume from a pod and its mount from every container.
fn drop_ca_volume(workload: &mut Json) {
    let spec = &mut workload["spec"]["template"]["spec"];
    spec["volumes"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v["name"] != "objstore-ca");
    for list in ["initContainers", "containers"] {
        for c in spec[list].as_array_mut().into_iter().flatten() {
            if let Some(mounts) = c["volumeMounts"].as_array_mut() {
                mounts.retain(|m| m["name"] != "objstore-ca");
            }
        }
    }
}

fn check(config: &MonitoringStack, objects: &[Object]) -> Result<(), String> {
    super::check(
        objects,
        &super::Cluster::of(&config.spec),
        &prerequisites::of(&config.spec),
    )
    .map_err(|e| e.message)
}

fn container<'v>(value: &'v mut Json, name: &str) -> &'v mut Json {
    let spec = &mut value["spec"]["template"]["spec"];
    let in_init = spec["initContainers"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["name"] == name));
    let list = if in_init {
        "initContainers"
    } else {
        "containers"
    };
    spec[list]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["name"] == name)
        .unwrap()
}

fn replace_arg(value: &mut Json, container_name: &str, from: &str, to: &str) {
    let args = container(value, container_name)["args"]
        .as_array_mut()
        .unwrap();
    let arg = args
        .iter_mut()
        .find(|a| a.as_str().unwrap().contains(from))
        .unwrap();
    *arg = json!(arg.as_str().unwrap().replace(from, to));
}

#[test]
fn every_rendered_stack_passes() {
    for network_policies in [false, true] {
        let (config, objects) = stack(network_policies);
        assert_eq!(check(&config, &objects), Ok(()));
    }
}

#[test]
fn an_address_to_a_missing_service_is_caught() {
    let err = planted(false, "Deployment", "thanos-querier", |q| {
        replace_arg(q, "thanos-query", "thanos-store-gateway", "thanos-store");
    });
    assert!(
        err.contains("Deployment/thanos-querier dials")
            && err.contains("no Service `thanos-store`"),
        "{err}"
    );
}

#[test]
fn a_port_name_the_service_lacks_is_caught() {
    let err = planted(false, "Service", "thanos-querier", |svc| {
        svc["spec"]["ports"][0]["name"] = json!("web");
    });
    assert!(
        err.contains("StatefulSet/thanos-ruler dials") && err.contains("has no port named `http`"),
        "{err}"
    );
}

#[test]
fn another_cluster_domain_is_caught() {
    let err = planted(false, "StatefulSet", "thanos-ruler", |r| {
        replace_arg(r, "thanos-rule", ".svc.cluster.local", ".svc.example.org");
    });
    assert!(err.contains("cluster domain is `example.org`"), "{err}");
}

#[test]
fn a_pod_address_beyond_the_replicas_is_caught() {
    let err = planted(false, "StatefulSet", "alertmanager", |am| {
        am["spec"]["replicas"] = json!(2);
    });
    assert!(
        err.contains("alertmanager-2") && err.contains("has a pod"),
        "{err}"
    );
}

#[test]
fn a_mount_without_a_volume_is_caught() {
    let err = planted(false, "Deployment", "grafana", |g| {
        container(g, "grafana")["volumeMounts"][0]["name"] = json!("storage");
    });
    assert!(
        err.contains("Deployment/grafana mounts volume `storage`"),
        "{err}"
    );
}

#[test]
fn a_file_a_config_does_not_hold_is_caught() {
    let err = planted(false, "StatefulSet", "thanos-store-gateway", |s| {
        replace_arg(s, "thanos-store", "objstore.yml", "objstore.yaml");
    });
    assert!(err.contains("has no key `objstore.yaml`"), "{err}");
}

#[test]
fn an_undeclared_secret_is_caught() {
    let err = planted(false, "StatefulSet", "prometheus", |p| {
        let volumes = p["spec"]["template"]["spec"]["volumes"]
            .as_array_mut()
            .unwrap();
        let creds = volumes
            .iter_mut()
            .find(|v| v["name"] == "gcs-credentials")
            .unwrap();
        creds["secret"]["secretName"] = json!("gcs-key");
    });
    assert!(
        err.contains("Secret `gcs-key`, which is neither rendered nor a declared prerequisite"),
        "{err}"
    );
}

#[test]
fn a_file_read_from_nowhere_is_caught() {
    let err = planted(false, "StatefulSet", "thanos-compactor", |c| {
        replace_arg(
            c,
            "thanos-compact",
            "/etc/thanos/objstore/",
            "/etc/thanos/bucket/",
        );
    });
    assert!(
        err.contains("reads `/etc/thanos/bucket/objstore.yml`, which is on no mounted volume"),
        "{err}"
    );
}

#[test]
fn writing_to_a_read_only_volume_is_caught() {
    let err = planted(false, "StatefulSet", "prometheus", |p| {
        let sidecar = container(p, "thanos-sidecar");
        let mounts = sidecar["volumeMounts"].as_array_mut().unwrap();
        let out = mounts
            .iter_mut()
            .find(|m| m["name"] == "config-out")
            .unwrap();
        out["readOnly"] = json!(true);
    });
    assert!(
        err.contains("writes `/etc/prometheus/config_out/prometheus.yaml`"),
        "{err}"
    );
}

#[test]
fn a_service_selecting_nothing_is_caught() {
    let err = planted(false, "Service", "grafana", |svc| {
        svc["spec"]["selector"]["app.kubernetes.io/name"] = json!("grafana-ui");
    });
    assert!(
        err.contains("Service `grafana` selects no rendered pods"),
        "{err}"
    );
}

#[test]
fn a_budget_selecting_nothing_is_caught() {
    let err = planted(false, "PodDisruptionBudget", "thanos-querier", |pdb| {
        pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] = json!("other");
    });
    assert!(
        err.contains("PodDisruptionBudget `thanos-querier` selects no rendered pods"),
        "{err}"
    );
}

#[test]
fn an_ingress_backend_on_a_missing_port_is_caught() {
    let err = planted(false, "Ingress", "monitoring-ingress", |i| {
        i["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"] =
            json!(8080);
    });
    assert!(
        err.contains("routes to Service `thanos-query-frontend` port 8080"),
        "{err}"
    );
}

#[test]
fn a_bucket_nobody_compacts_is_caught() {
    let err = planted(false, "StatefulSet", "thanos-compactor-ruler", |c| {
        replace_arg(c, "thanos-compact", "compact", "tools");
    });
    assert!(
        err.contains("has 0 Compactors, not 1") && err.contains("StatefulSet/thanos-ruler"),
        "{err}"
    );
}

#[test]
fn a_stack_that_hands_compaction_to_another_cluster_runs_no_compactor() {
    // The stream rendered with the Compactors on, checked as a stack whose buckets another
    // cluster compacts: two Compactors on one bucket corrupt it.
    let (mut config, objects) = stack(false);
    config.spec.thanos.compact.enabled = false;
    let err = check(&config, &objects).unwrap_err();
    assert!(err.contains("has 1 Compactors, not 0"), "{err}");
    // Rendered as such, it passes, with neither Compactor.
    let objects = render(&config).expect("renders without Compactors");
    assert!(
        !objects
            .iter()
            .any(|o| o.name().starts_with("thanos-compactor"))
    );
}

#[test]
fn a_bucket_nobody_reads_is_caught() {
    let (config, objects) = stack(false);
    let without: Vec<Object> = objects
        .into_iter()
        .filter(|o| !(o.kind() == "StatefulSet" && o.name() == "thanos-store-gateway-ruler"))
        .collect();
    let err = check(&config, &without).unwrap_err();
    assert!(err.contains("is read by no Store gateway"), "{err}");
}

#[test]
fn a_scrape_job_finding_nothing_is_caught() {
    let err = planted(false, "Deployment", "kube-state-metrics", |k| {
        container(k, "kube-state-metrics")["ports"][0]["name"] = json!("metrics");
    });
    assert!(err.contains("scrape job `kube-state-metrics`"), "{err}");
}

#[test]
fn a_policy_that_blocks_a_needed_flow_is_caught() {
    let err = planted(true, "NetworkPolicy", "thanos-querier", |p| {
        p["spec"]["ingress"][0]["from"] =
            json!([{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "grafana"}}}]);
    });
    assert!(
        err.contains("NetworkPolicies block") && err.contains("StatefulSet/thanos-ruler dialling"),
        "{err}"
    );
}

#[test]
fn a_policy_without_dns_is_caught() {
    let err = planted(true, "NetworkPolicy", "allow-dns", |p| {
        p["spec"]["egress"][0]["ports"] = json!([{"protocol": "TCP", "port": 53}]);
    });
    assert!(err.contains("resolving names (port 53/UDP)"), "{err}");
}

#[test]
fn a_policy_closed_to_the_ingress_controller_is_caught() {
    let err = planted(true, "NetworkPolicy", "grafana", |p| {
        p["spec"]["ingress"][0]["from"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    assert!(
        err.contains("the ingress controller reaching Deployment/grafana"),
        "{err}"
    );
}

/// Every UI exposed through a Gateway, whose proxies run in `gateway-system`.
fn gateway_stack() -> (MonitoringStack, Vec<Object>) {
    let config = crate::render::testing::config(
        "ingress:
  kind: gatewayAPI
  gateway: {name: public, namespace: gateway-system}
  expose: {querier: true, alertmanager: true, ruler: true, prometheus: true}
networkPolicies: {enabled: true, ingressControllerNamespace: gateway-system}",
    );
    let objects = render(&config).expect("the stack renders and passes the wiring check");
    (config, objects)
}

#[test]
fn a_route_backend_on_a_missing_port_is_caught() {
    let (config, objects) = gateway_stack();
    let err = planted_in(&config, objects, "HTTPRoute", "alertmanager", |r| {
        r["spec"]["rules"][0]["backendRefs"][0]["port"] = json!(8080);
    });
    assert!(
        err.contains("HTTPRoute `alertmanager` routes to Service `alertmanager` port 8080"),
        "{err}"
    );
}

#[test]
fn a_policy_closed_to_the_gateway_is_caught() {
    let (config, objects) = gateway_stack();
    let err = planted_in(&config, objects, "NetworkPolicy", "grafana", |p| {
        p["spec"]["ingress"][0]["from"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    assert!(
        err.contains("reaching Deployment/grafana through HTTPRoute `grafana`"),
        "{err}"
    );
}

#[test]
fn a_ca_bundle_config_map_declared_as_a_prerequisite_passes() {
    let (config, objects) = onprem();
    assert_eq!(check(&config, &objects), Ok(()));
}

#[test]
fn a_bucket_client_without_the_ca_volume_is_caught() {
    // Every bucket client in turn: each must fail on its own.
    for (kind, name) in [
        ("StatefulSet", "prometheus"),
        ("StatefulSet", "thanos-store-gateway"),
        ("StatefulSet", "thanos-compactor"),
        ("StatefulSet", "thanos-ruler"),
    ] {
        let (config, objects) = onprem();
        let err = planted_in(&config, objects, kind, name, drop_ca_volume);
        assert!(
            err.contains(&format!("{kind}/{name} container"))
                && err.contains(
                    "reads `/etc/thanos/objstore-ca/ca.crt`, which is on no mounted volume"
                ),
            "{err}"
        );
    }
}

#[test]
fn a_ca_mount_in_another_container_than_the_bucket_client_is_caught() {
    // The sidecar reads the bucket; the CA mounted into the Prometheus container instead
    // is out of its reach.
    let (config, objects) = onprem();
    let err = planted_in(&config, objects, "StatefulSet", "prometheus", |p| {
        let sidecar = container(p, "thanos-sidecar");
        let mounts = sidecar["volumeMounts"].as_array_mut().unwrap();
        let at = mounts
            .iter()
            .position(|m| m["name"] == "objstore-ca")
            .unwrap();
        let mount = mounts.remove(at);
        container(p, "prometheus")["volumeMounts"]
            .as_array_mut()
            .unwrap()
            .push(mount);
    });
    assert!(
        err.contains("StatefulSet/prometheus container `thanos-sidecar` reads `/etc/thanos/objstore-ca/ca.crt`")
            && err.contains("named by its objstore config"),
        "{err}"
    );
}

#[test]
fn an_undeclared_ca_config_map_is_caught() {
    let (config, objects) = onprem();
    let err = planted_in(&config, objects, "StatefulSet", "thanos-compactor", |c| {
        let volumes = c["spec"]["template"]["spec"]["volumes"]
            .as_array_mut()
            .unwrap();
        let ca = volumes
            .iter_mut()
            .find(|v| v["name"] == "objstore-ca")
            .unwrap();
        ca["configMap"]["name"] = json!("other-ca");
    });
    assert!(
        err.contains("ConfigMap `other-ca`, which is neither rendered nor a declared prerequisite"),
        "{err}"
    );
}

#[test]
fn a_ca_key_the_prerequisites_do_not_list_is_caught() {
    let (config, objects) = onprem();
    let err = planted_in(&config, objects, "Secret", "thanos-objstore-config", |s| {
        let text = s["stringData"]["objstore.yml"].as_str().unwrap();
        s["stringData"]["objstore.yml"] = json!(text.replace("ca.crt", "tls.crt"));
    });
    assert!(
        err.contains(
            "reads key `tls.crt` of ConfigMap `minio-ca`, which the prerequisites do not list"
        ),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Prometheus shards: every target scraped by exactly one of them
// ---------------------------------------------------------------------------------------------

/// Two Prometheus shards behind NetworkPolicies, every UI behind the ingress.
fn sharded() -> (MonitoringStack, Vec<Object>) {
    let (mut config, _) = stack(true);
    config.spec.prometheus.shards = 2;
    let objects = render(&config).expect("a sharded stack renders and passes the wiring check");
    (config, objects)
}

/// Plants `edit` into the scrape job `job` of the config of StatefulSet `shard`, as text.
fn planted_job(shard: &str, job: &str, edit: impl FnOnce(&mut Vec<Json>)) -> String {
    let (config, objects) = sharded();
    let map = format!("{shard}-config");
    planted_in(&config, objects, "ConfigMap", &map, |cm| {
        let text = cm["data"]["prometheus.yaml.tmpl"].as_str().unwrap();
        let mut doc: Json = serde_saphyr::from_str(text).unwrap();
        let steps = doc["scrape_configs"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|j| j["job_name"] == job)
            .unwrap()["relabel_configs"]
            .as_array_mut()
            .unwrap();
        edit(steps);
        cm["data"]["prometheus.yaml.tmpl"] = json!(doc.to_string());
    })
}

#[test]
fn a_sharded_stack_passes() {
    let (config, objects) = sharded();
    assert_eq!(check(&config, &objects), Ok(()));
}

#[test]
fn a_shard_hashing_modulo_the_wrong_count_is_caught() {
    let err = planted_job("prometheus-shard-1", "kubelet", |steps| {
        let hash = steps.iter_mut().find(|s| s["action"] == "hashmod").unwrap();
        hash["modulus"] = json!(3);
    });
    assert!(
        err.contains(
            "scrape job `kubelet` of StatefulSet/prometheus-shard-1 hashes its targets modulo 3, but 2 Prometheus StatefulSets split them"
        ) && err.contains("no Prometheus keeps the targets of scrape job `kubelet` whose address hashes to 1"),
        "{err}"
    );
}

#[test]
fn a_shard_without_its_keep_step_is_caught() {
    let err = planted_job("prometheus-shard-0", "node-exporter", |steps| {
        let last = steps.pop().unwrap();
        assert_eq!(last["action"], "keep");
    });
    assert!(
        err.contains(
            "scrape job `node-exporter` of StatefulSet/prometheus-shard-0 hashes its targets into `__tmp_hash` but keeps every hash"
        ),
        "{err}"
    );
}

#[test]
fn two_shards_keeping_the_same_hash_are_caught() {
    let err = planted_job("prometheus-shard-1", "apiserver", |steps| {
        steps.last_mut().unwrap()["regex"] = json!("0");
    });
    assert!(
        err.contains("StatefulSet/prometheus-shard-0, StatefulSet/prometheus-shard-1 all keep the targets of scrape job `apiserver` whose address hashes to 0: their series are stored 2 times")
            && err.contains("no Prometheus keeps the targets of scrape job `apiserver` whose address hashes to 1"),
        "{err}"
    );
}

#[test]
fn a_shard_hashing_before_the_address_is_set_is_caught() {
    let err = planted_job("prometheus-shard-0", "kubernetes-pods", |steps| {
        let at = steps.iter().position(|s| s["action"] == "hashmod").unwrap();
        let tail: Vec<Json> = steps.drain(at..).collect();
        steps.splice(0..0, tail);
    });
    assert!(
        err.contains("scrape job `kubernetes-pods` of StatefulSet/prometheus-shard-0 sets `__address__` after hashing it"),
        "{err}"
    );
}

#[test]
fn a_job_one_shard_scrapes_whole_is_caught() {
    let err = planted_job("prometheus-shard-1", "grafana", |steps| {
        steps.truncate(steps.len() - 2);
    });
    assert!(
        err.contains("scrape job `grafana` of StatefulSet/prometheus-shard-1 keeps every target, while the other Prometheus StatefulSets split them by hash"),
        "{err}"
    );
}

#[test]
fn a_shard_scraping_another_shards_pods_is_caught() {
    let err = planted_job("prometheus-shard-1", "thanos-sidecar", |steps| {
        steps.last_mut().unwrap()["regex"] = json!("prometheus-shard-0");
    });
    assert!(
        err.contains("StatefulSet/prometheus-shard-0, StatefulSet/prometheus-shard-1 all keep the pods of StatefulSet/prometheus-shard-0 in scrape job `thanos-sidecar`")
            && err.contains("no Prometheus keeps the pods of StatefulSet/prometheus-shard-1 in scrape job `thanos-sidecar`"),
        "{err}"
    );
}

/// Store gateways split by hash and time, with both caches in the memcached stackgen renders.
fn cached(network_policies: bool) -> (MonitoringStack, Vec<Object>) {
    let mut config = MonitoringStack::default();
    config.spec.network_policies.enabled = network_policies;
    let store = &mut config.spec.thanos.store;
    store.index_cache = Cache {
        in_memory: None,
        memcached: Some(MemcachedCache::default()),
    };
    store.bucket_cache = store.index_cache.clone().into();
    store.shards.hash = Some(2);
    store.shards.time_partitions = vec![
        TimePartition::between(None, Some("-8w")),
        TimePartition::between(Some("-8w"), None),
    ];
    let objects = render(&config).expect("the cached stack renders and passes the wiring check");
    (config, objects)
}

#[test]
fn a_memcached_address_inside_a_flag_value_is_resolved() {
    let (config, objects) = cached(false);
    let err = planted_in(&config, objects, "Service", "memcached", |svc| {
        svc["metadata"]["name"] = json!("memcache");
    });
    assert!(
        err.contains("StatefulSet/thanos-store-gateway-0 dials `_memcached._tcp.memcached.monitoring.svc.cluster.local`")
            && err.contains("no Service `memcached` is rendered"),
        "{err}"
    );
}

#[test]
fn a_pod_name_lookup_of_a_service_with_a_cluster_ip_is_caught() {
    let (config, objects) = cached(false);
    let err = planted_in(&config, objects, "Service", "memcached", |svc| {
        svc["spec"].as_object_mut().unwrap().remove("clusterIP");
    });
    assert!(
        err.contains("dials `_memcached._tcp.memcached")
            && err.contains("Service `memcached` is not headless, so its SRV records name no pods"),
        "{err}"
    );
}

#[test]
fn a_pod_name_lookup_of_pods_the_service_does_not_govern_is_caught() {
    let (config, objects) = cached(false);
    let err = planted_in(&config, objects, "StatefulSet", "memcached", |m| {
        m["spec"]["serviceName"] = json!("thanos-store-gateway");
    });
    assert!(
        err.contains(
            "StatefulSet/memcached behind Service `memcached` is not a StatefulSet it governs"
        ),
        "{err}"
    );
}

#[test]
fn memcached_admits_its_clients_only() {
    let (config, objects) = cached(true);
    assert_eq!(check(&config, &objects), Ok(()));
    let err = planted_in(&config, objects, "NetworkPolicy", "memcached", |p| {
        p["spec"]["ingress"].as_array_mut().unwrap().remove(0);
    });
    assert!(
        err.contains("NetworkPolicies block StatefulSet/thanos-store-gateway-")
            && err.contains("(StatefulSet/memcached) (port 11211/TCP)"),
        "{err}"
    );
}

#[test]
fn a_service_of_another_namespace_lies_outside_the_stack() {
    let mut config = MonitoringStack::default();
    config.spec.network_policies.enabled = true;
    config.spec.thanos.store.index_cache = Cache {
        in_memory: None,
        memcached: Some(MemcachedCache {
            addresses: vec![
                "dnssrvnoa+_memcache._tcp.memcached.cache.svc.cluster.local".to_owned(),
                "memcached.cache.svc:11211".to_owned(),
            ],
        }),
    };
    let objects = render(&config).expect("another namespace's Service is no address to resolve");
    assert!(objects.iter().all(|o| o.name() != "memcached"));
}
