//! memcached: the cache servers stackgen runs for every cache of the read path that says
//! `memcached: {}`, each with Prometheus's exporter beside it; and, for any component with
//! a `Cache`, the config Thanos reads for it and what its pods dial.
//!
//! Clients find the servers through the headless Service's SRV records as `dnssrvnoa+`:
//! the records name each StatefulSet pod (`memcached-0.memcached.<ns>.svc…`), and Thanos's
//! memcached client spreads keys with a jump hash over the naturally sorted names
//! (`pkg/cacheutil/memcached_server_selector.go`). Pod names, unlike pod IPs (`dnssrv+`),
//! keep their place in that order across restarts, so a restarted server gets back its
//! own keys and the others keep theirs; Thanos's docs ask for exactly this setup.

use serde_json::{Value as Json, json};

use crate::config::model::Cache;
use crate::render::network::anywhere;
use crate::render::part::{Allow, Egress, From, Part, Policy, ScrapeJob, Target};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, Port, container, tcp_probe};

/// The StatefulSet, its headless Service and the scrape job.
pub const NAME: &str = "memcached";
/// The memcached protocol, which every cache client dials.
pub const PORT: Port = Port::tcp("memcached", 11211);
/// The exporter's metrics.
const METRICS: Port = Port::tcp("metrics", 9150);
/// The largest item a server stores: memcached's `--max-item-size` and the `max_item_size`
/// clients are told, so they never send what the server refuses. Both sides' default, and
/// [`crate::config::facts::MEMCACHED_MAX_ITEM_BYTES`], which validation holds `--memory-limit` to twice.
const MAX_ITEM_SIZE: (&str, &str) = ("1m", "1MiB");
/// The official image's `memcache` user and group.
const UID: i64 = 11211;
/// memcached's default of 1024 connections is too few once the Store gateways' shards and
/// replicas each keep up to 100 idle connections per server and cache.
const CONNECTIONS: u32 = 4096;
/// The port clients of a server of the user's dial when its address names none.
const DEFAULT_PORT: u16 = 11211;

/// The address of every server stackgen renders, for a client's `addresses`.
pub fn address(stack: &Stack) -> String {
    format!("dnssrvnoa+{}", stack.srv(PORT.name, NAME))
}

/// The `{type, config}` of `cache` as Thanos reads it (`--index-cache.config`,
/// `--store.caching-bucket.config`, Query Frontend's `--query-range.response-cache-config`):
/// `MEMCACHED` with the user's addresses or the rendered servers' (and their item size), or
/// `IN-MEMORY` with its `max_size`, `default_size` where the cache names none.
pub fn cache_config(stack: &Stack, cache: &Cache, default_size: &str) -> Json {
    match &cache.memcached {
        Some(m) if m.addresses.is_empty() => json!({
            "type": "MEMCACHED",
            "config": {"addresses": [address(stack)], "max_item_size": MAX_ITEM_SIZE.1},
        }),
        Some(m) => json!({"type": "MEMCACHED", "config": {"addresses": m.addresses}}),
        None => json!({"type": "IN-MEMORY", "config": {"max_size": cache.max_size(default_size)}}),
    }
}

/// `--<flag>=<config>`: the config as one line of JSON, which Thanos's YAML parser reads
/// as it is (JSON is YAML); every value in it is JSON-escaped, never pasted.
pub fn flag(flag: &str, stack: &Stack, cache: &Cache, default_size: &str) -> String {
    let config = cache_config(stack, cache, default_size);
    let config = serde_json::to_string(&config).expect("JSON serializes");
    format!("--{flag}={config}")
}

/// What a client of `caches` dials, each server once: the rendered servers (a dial, which
/// admits the client to them), then any address on the ports of the user's servers (11211
/// where an address names none); nothing for in-memory caches.
pub fn egress(caches: &[&Cache]) -> Vec<Egress> {
    let servers: Vec<&crate::config::model::MemcachedCache> =
        caches.iter().filter_map(|c| c.memcached.as_ref()).collect();
    let mut out = Vec::new();
    if servers.iter().any(|m| m.addresses.is_empty()) {
        out.push(Egress::dial(Target::App(NAME), &[PORT]));
    }
    let mut ports: Vec<u16> = servers
        .iter()
        .flat_map(|m| m.addresses.iter())
        .map(|a| port_of(a))
        .collect();
    ports.sort_unstable();
    ports.dedup();
    if !ports.is_empty() {
        out.push(anywhere(&ports));
    }
    out
}

/// The port of `[dns+|dnssrv+|dnssrvnoa+]host[:port]`.
fn port_of(address: &str) -> u16 {
    let host = address.split_once('+').map_or(address, |(_, h)| h);
    host.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(DEFAULT_PORT)
}

/// The servers: a StatefulSet (stable names, hence stable places in the clients' hash)
/// governed by a headless Service, whose SRV records list every pod.
pub fn part(stack: &Stack) -> Part {
    let spec = stack.spec;
    let m = &spec.memcached;
    let image = &spec.images.memcached;
    let mut pod = Pod::new(NAME, "cache", image, m.replicas, &m.pod);
    pod.run_as = Some(UID);
    let mut main = container(NAME, image, &[PORT], &m.resources);
    main.args = Some(vec![
        format!("--port={}", PORT.number),
        // In MiB; validation holds it to whole MiB.
        format!("--memory-limit={}", m.max_memory.bytes() >> 20),
        format!("--max-item-size={}", MAX_ITEM_SIZE.0),
        format!("--conn-limit={CONNECTIONS}"),
    ]);
    main.liveness_probe = Some(tcp_probe(PORT, 10, None));
    main.readiness_probe = Some(tcp_probe(PORT, 5, None));
    pod.containers.push(main);
    let exporter_image = &spec.images.memcached_exporter;
    let mut exporter = container(
        "exporter",
        exporter_image,
        &[METRICS],
        &m.exporter_resources,
    );
    exporter.args = Some(vec![
        format!("--memcached.address=localhost:{}", PORT.number),
        format!("--web.listen-address=:{}", METRICS.number),
    ]);
    exporter.liveness_probe = Some(tcp_probe(METRICS, 10, None));
    exporter.readiness_probe = Some(tcp_probe(METRICS, 5, None));
    pod.containers.push(exporter);
    pod.extra(NAME, &m.extra, "spec.memcached.extra");
    let w = pod.build(stack, Some(NAME), true);

    let mut part = Part::new(NAME);
    part.workload("kinds/statefulset.yaml.j2", &w);
    part.front(stack, &w, NAME, &[PORT], true);
    // memcached-mixin's alerts and dashboards read `memcached_*` of any job.
    part.scrape.push(ScrapeJob::new(NAME, NAME, METRICS));
    part.policy = Some(Policy {
        ingress: vec![
            Allow::new(&[PORT], &[From::Clients]),
            Allow::new(&[METRICS], &[From::Scraper]),
        ],
        egress: Vec::new(),
    });
    part
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::facts::MEMCACHED_MAX_ITEM_BYTES;

    #[test]
    fn the_item_size_is_the_one_validation_counts_with() {
        assert_eq!(MAX_ITEM_SIZE, ("1m", "1MiB"));
        assert_eq!(MEMCACHED_MAX_ITEM_BYTES, 1 << 20);
    }

    #[test]
    fn addresses_name_their_port_or_memcacheds() {
        assert_eq!(port_of("dnssrv+_memcache._tcp.cache.example.com"), 11211);
        assert_eq!(port_of("dns+cache.example.com:11311"), 11311);
        assert_eq!(port_of("10.0.0.7:11212"), 11212);
    }
}
