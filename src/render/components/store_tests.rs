//! Tests of the Store gateway's caches and shards, and of the memcached it may dial: the
//! flags as the pinned Thanos reads them, one StatefulSet per shard, and the policies.

use serde_json::Value as Json;

use crate::render::testing::{config, find};
use crate::render::{Object, render};

/// Renders a config whose `spec` is `spec` (YAML, unindented), through the real loader.
fn rendered(spec: &str) -> Vec<Object> {
    render(&config(spec)).expect("renders")
}

fn names(objects: &[Object], kind: &str, prefix: &str) -> Vec<String> {
    objects
        .iter()
        .filter(|o| o.kind() == kind && o.name().starts_with(prefix))
        .map(|o| o.name().to_owned())
        .collect()
}

/// The args of a workload's first container.
fn args(workload: &Json) -> Vec<String> {
    workload["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// The value of `--flag=` in `args`, parsed as Thanos parses it: YAML.
fn flag_yaml(args: &[String], flag: &str) -> Option<Json> {
    let prefix = format!("--{flag}=");
    args.iter()
        .find_map(|a| a.strip_prefix(&prefix))
        .map(|v| serde_saphyr::from_str(v).expect("the flag's value is YAML"))
}

const MEMCACHED: &str = "dnssrvnoa+_memcached._tcp.memcached.monitoring.svc.cluster.local";

#[test]
fn the_default_index_cache_is_the_in_memory_size_flag_and_runs_no_memcached() {
    let objects = rendered("{}");
    let store = args(find(&objects, "StatefulSet", "thanos-store-gateway"));
    assert!(
        store.contains(&"--index-cache-size=250MB".to_owned()),
        "{store:?}"
    );
    assert!(
        !store.iter().any(|a| a.contains("cache.config")),
        "{store:?}"
    );
    assert!(names(&objects, "StatefulSet", "memcached").is_empty());
}

#[test]
fn caches_in_memcached_are_configs_thanos_reads() {
    let objects =
        rendered("thanos: {store: {indexCache: {memcached: {}}, bucketCache: {memcached: {}}}}");
    let store = args(find(&objects, "StatefulSet", "thanos-store-gateway"));
    assert!(!store.iter().any(|a| a.starts_with("--index-cache-size")));
    for flag in ["index-cache.config", "store.caching-bucket.config"] {
        let config = flag_yaml(&store, flag).unwrap_or_else(|| panic!("no --{flag}"));
        assert_eq!(config["type"], "MEMCACHED");
        assert_eq!(config["config"]["addresses"][0], MEMCACHED);
        assert_eq!(config["config"]["max_item_size"], "1MiB");
        assert_eq!(config.as_object().unwrap().len(), 2, "{config}");
    }
    // The Ruler's bucket keeps the index cache but not the bucket cache, whose listing key
    // would collide with the other bucket's in the shared memcached.
    let ruler = args(find(&objects, "StatefulSet", "thanos-store-gateway-ruler"));
    assert!(flag_yaml(&ruler, "index-cache.config").is_some());
    assert!(flag_yaml(&ruler, "store.caching-bucket.config").is_none());
}

#[test]
fn an_in_memory_bucket_cache_is_every_store_gateways_own() {
    let objects = rendered("thanos: {store: {bucketCache: {inMemory: {maxSize: 512MB}}}}");
    for name in ["thanos-store-gateway", "thanos-store-gateway-ruler"] {
        let config = flag_yaml(
            &args(find(&objects, "StatefulSet", name)),
            "store.caching-bucket.config",
        )
        .unwrap_or_else(|| panic!("{name} has no bucket cache"));
        assert_eq!(
            config,
            serde_json::json!({"type": "IN-MEMORY", "config": {"max_size": "512MB"}})
        );
    }
    assert!(names(&objects, "StatefulSet", "memcached").is_empty());
    // Unsized, it takes Thanos's default.
    let objects = rendered("thanos: {store: {bucketCache: {}}}");
    let store = args(find(&objects, "StatefulSet", "thanos-store-gateway"));
    assert_eq!(
        flag_yaml(&store, "store.caching-bucket.config").unwrap(),
        serde_json::json!({"type": "IN-MEMORY", "config": {"max_size": "250MB"}})
    );
}

#[test]
fn the_users_memcached_is_dialled_where_it_says() {
    let objects = rendered(
        "networkPolicies: {enabled: true}\nthanos: {store: {indexCache: {memcached: {addresses: ['dns+cache.example.com:11311']}}}}",
    );
    let store = args(find(&objects, "StatefulSet", "thanos-store-gateway"));
    let config = flag_yaml(&store, "index-cache.config").unwrap();
    assert_eq!(
        config["config"]["addresses"][0],
        "dns+cache.example.com:11311"
    );
    assert!(config["config"].get("max_item_size").is_none());
    assert!(names(&objects, "StatefulSet", "memcached").is_empty());
    let egress =
        find(&objects, "NetworkPolicy", "thanos-store-gateway")["spec"]["egress"].to_string();
    assert!(
        egress.contains(r#"{"ports":[{"port":11311,"protocol":"TCP"}]}"#),
        "{egress}"
    );
}

#[test]
fn hash_and_time_shards_are_statefulsets_of_one_store_gateway() {
    let objects = rendered(
        "networkPolicies: {enabled: true}\nthanos: {store: {shards: {hash: 2, timePartitions: [{maxTime: -8w}, {minTime: -8w}]}}}",
    );
    let shards = names(&objects, "StatefulSet", "thanos-store-gateway-");
    assert_eq!(
        shards,
        [
            "thanos-store-gateway-0",
            "thanos-store-gateway-1",
            "thanos-store-gateway-2",
            "thanos-store-gateway-3",
            "thanos-store-gateway-ruler",
        ]
    );
    assert!(
        objects
            .iter()
            .all(|o| !(o.kind() == "StatefulSet" && o.name() == "thanos-store-gateway"))
    );
    for (k, (time, h)) in [("-8w", "0"), ("-8w", "1"), ("-8w", "0"), ("-8w", "1")]
        .iter()
        .enumerate()
    {
        let sts = find(
            &objects,
            "StatefulSet",
            &format!("thanos-store-gateway-{k}"),
        );
        let a = args(sts);
        let time_flag = if k < 2 {
            format!("--max-time={time}")
        } else {
            format!("--min-time={time}")
        };
        assert!(a.contains(&time_flag), "{k}: {a:?}");
        assert_eq!(
            a.iter().filter(|x| x.contains("-time=")).count(),
            1,
            "{a:?}"
        );
        let relabel = flag_yaml(&a, "selector.relabel-config").unwrap();
        assert_eq!(relabel[0]["action"], "hashmod");
        assert_eq!(relabel[0]["source_labels"][0], "__block_id");
        assert_eq!(relabel[0]["modulus"], 2);
        assert_eq!(relabel[1]["action"], "keep");
        assert_eq!(relabel[1]["regex"], *h);
        let selector = &sts["spec"]["selector"]["matchLabels"];
        assert_eq!(selector["store.thanos.io/shard"], format!("shard-{k}"));
        assert_eq!(selector["app.kubernetes.io/name"], "thanos-store-gateway");
        let pod = &sts["spec"]["template"]["metadata"]["labels"];
        assert_eq!(pod["thanos-store-api"], "true");
        assert_eq!(sts["spec"]["serviceName"], "thanos-store-gateway");
        let pdb = find(
            &objects,
            "PodDisruptionBudget",
            &format!("thanos-store-gateway-{k}"),
        );
        assert_eq!(&pdb["spec"]["selector"]["matchLabels"], selector);
    }
    // One discovery Service, one NetworkPolicy and one scrape job cover every shard.
    assert_eq!(
        names(&objects, "Service", "thanos-store-gateway"),
        ["thanos-store-gateway", "thanos-store-gateway-ruler"]
    );
    let policy = find(&objects, "NetworkPolicy", "thanos-store-gateway");
    assert_eq!(
        policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
        "thanos-store-gateway"
    );
    assert!(
        policy["spec"]["podSelector"]["matchLabels"]
            .get("store.thanos.io/shard")
            .is_none()
    );
    let prometheus =
        find(&objects, "ConfigMap", "prometheus-config")["data"]["prometheus.yaml.tmpl"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_eq!(
        prometheus
            .matches("job_name: thanos-store-gateway\n")
            .count(),
        1
    );
}

#[test]
fn time_partitions_alone_keep_every_hash() {
    let objects = rendered(
        "thanos: {store: {shards: {timePartitions: [{maxTime: '2025-01-01T00:00:00Z'}, {minTime: '2025-01-01T00:00:00Z'}]}}}",
    );
    let first = args(find(&objects, "StatefulSet", "thanos-store-gateway-0"));
    assert!(first.contains(&"--max-time=2025-01-01T00:00:00Z".to_owned()));
    assert!(
        !first
            .iter()
            .any(|a| a.starts_with("--selector.relabel-config"))
    );
    let second = args(find(&objects, "StatefulSet", "thanos-store-gateway-1"));
    assert!(second.contains(&"--min-time=2025-01-01T00:00:00Z".to_owned()));
}

#[test]
fn one_hash_shard_is_no_sharding() {
    let sharded = rendered("thanos: {store: {shards: {hash: 1}}}");
    let plain = rendered("{}");
    assert_eq!(
        crate::output::yaml_stream(&sharded),
        crate::output::yaml_stream(&plain)
    );
}

#[test]
fn the_rendered_memcached_serves_its_clients_as_thanos_finds_them() {
    let objects = rendered(
        "networkPolicies: {enabled: true}\nthanos: {store: {bucketCache: {memcached: {}}}}\nmemcached: {replicas: 4, maxMemory: 2GiB, resources: {limits: {memory: 3Gi}}}",
    );
    let sts = find(&objects, "StatefulSet", "memcached");
    assert_eq!(sts["spec"]["replicas"], 4);
    assert_eq!(sts["spec"]["serviceName"], "memcached");
    let pod = &sts["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsUser"], 11211);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        args(sts),
        [
            "--port=11211",
            "--memory-limit=2048",
            "--max-item-size=1m",
            "--conn-limit=4096"
        ]
    );
    assert_eq!(
        pod["containers"][0]["readinessProbe"]["tcpSocket"]["port"],
        "memcached"
    );
    assert_eq!(pod["containers"][1]["name"], "exporter");
    assert!(
        pod["containers"][1]["image"]
            .as_str()
            .unwrap()
            .starts_with("quay.io/prometheus/memcached-exporter:")
    );
    let svc = find(&objects, "Service", "memcached");
    assert_eq!(svc["spec"]["clusterIP"], "None");
    assert_eq!(svc["spec"]["ports"][0]["name"], "memcached");
    find(&objects, "PodDisruptionBudget", "memcached");
    let ingress = find(&objects, "NetworkPolicy", "memcached")["spec"]["ingress"].to_string();
    assert!(
        ingress.contains(r#""app.kubernetes.io/name":"thanos-store-gateway""#)
            && !ingress.contains("thanos-store-gateway-ruler")
            && ingress.contains(r#""app.kubernetes.io/name":"prometheus""#),
        "{ingress}"
    );
    let prometheus =
        find(&objects, "ConfigMap", "prometheus-config")["data"]["prometheus.yaml.tmpl"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(
        prometheus.contains("job_name: memcached\n"),
        "no memcached scrape job"
    );
}
