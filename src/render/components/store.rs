//! Thanos Store gateway: serves the bucket's blocks over the Store API; its disk is a cache.
//! Owns the headless discovery Service through which Query finds every Store API. Its
//! caches (index, bucket) live in its memory or in memcached; the blocks of Prometheus's
//! bucket may be split between shards, each a StatefulSet of its own.

use serde_json::json;

use super::objstore::{self, Bucket};
use super::{memcached, thanos};
use crate::config::model::{Cache, Store, TimePartition};
use crate::render::part::{Allow, From, Part, Policy, ScrapeJob, Service};
use crate::render::stack::{Labels, Stack};
use crate::render::workload::{Pod, Workload, data_volume, http_probe, some};

/// The StatefulSet, and the discovery Service the article named after it.
pub const NAME: &str = "thanos-store-gateway";
/// The Store gateway of the Ruler's bucket (the thanos-mixin selects `.*thanos-store.*`).
const RULER_BUCKET: &str = "thanos-store-gateway-ruler";
const COMPONENT: &str = "object-store-gateway";
const DATA_DIR: &str = "/var/thanos/store";
/// The label that tells a shard's pods from the other shards' (kube-thanos's).
const SHARD_LABEL: &str = "store.thanos.io/shard";

/// Every Store API in the cluster (sidecars, Store gateways, Rulers), as a DNS SRV name.
pub fn discovery_srv(stack: &Stack) -> String {
    stack.srv(thanos::GRPC.name, NAME)
}

/// The headless Service selecting every Store API pod, whose SRV records Query dials:
/// owned by the Store gateway of Prometheus's bucket, or by Query where no Store gateway
/// runs.
pub fn discovery_service(stack: &Stack, part: &mut Part, labels: &Labels) {
    let discovery = stack.store_api_selector();
    part.service(
        stack,
        Service {
            name: NAME,
            labels,
            selector: &discovery,
            ports: &[thanos::GRPC],
            headless: true,
            publish_not_ready: false,
        },
    );
}

/// One StatefulSet's share of the blocks: its name and shard label (none for the whole
/// bucket), and the flags that select its blocks.
struct Share {
    shard: Option<(String, String)>,
    flags: Vec<String>,
}

/// The shares of Prometheus's bucket: one per time partition and hash shard, named
/// `thanos-store-gateway-<k>` with `k` counting hash shards within time partitions, oldest
/// partition first; the whole bucket in one StatefulSet when it is not split.
fn shares(stack: &Stack) -> Vec<Share> {
    let shards = &stack.spec.thanos.store.shards;
    if shards.count() <= 1 {
        return vec![Share {
            shard: None,
            flags: Vec::new(),
        }];
    }
    let hash = shards.hash_count();
    let partitions: Vec<Option<&TimePartition>> = if shards.time_partitions.is_empty() {
        vec![None]
    } else {
        shards.time_partitions.iter().map(Some).collect()
    };
    let mut out = Vec::new();
    for (t, partition) in partitions.into_iter().enumerate() {
        for h in 0..hash {
            let k = t as u64 * u64::from(hash) + u64::from(h);
            let mut flags = Vec::new();
            if let Some(p) = partition {
                if let Some(min) = &p.min_time {
                    flags.push(format!("--min-time={min}"));
                }
                if let Some(max) = &p.max_time {
                    flags.push(format!("--max-time={max}"));
                }
            }
            if hash > 1 {
                flags.push(format!(
                    "--selector.relabel-config={}",
                    hash_selector(hash, h)
                ));
            }
            out.push(Share {
                shard: Some((format!("{NAME}-{k}"), format!("shard-{k}"))),
                flags,
            });
        }
    }
    out
}

/// The relabel config that keeps shard `h` of `n`: Thanos relabels each block's external
/// labels plus `__block_id` (its ULID) and drops the blocks left with no labels
/// (`LabelShardedMetaFilter`). Hashing the ID spreads blocks evenly: the external labels
/// of one cluster's bucket take a handful of values (one per Prometheus replica), which
/// would leave shards empty or lopsided.
fn hash_selector(n: u32, h: u32) -> String {
    let config = json!([
        {"action": "hashmod", "source_labels": ["__block_id"], "target_label": "shard", "modulus": n},
        {"action": "keep", "source_labels": ["shard"], "regex": h.to_string()},
    ]);
    serde_json::to_string(&config).expect("JSON serializes")
}

/// The caches of the Store gateways of a bucket. The bucket cache keys the listing of the
/// bucket's root as `iter:` whatever the bucket (`pkg/store/cache/caching_bucket.go`), so
/// one memcached shared by the Store gateways of two buckets would hand each the other's
/// blocks: a bucket cache in memcached serves Prometheus's bucket only. Index cache keys
/// start with the block's ULID, which no two buckets share.
fn caches<'a>(stack: &Stack<'a>, bucket: &Bucket) -> (&'a Cache, Option<&'a Cache>) {
    let s = &stack.spec.thanos.store;
    let bucket_cache = s
        .bucket_cache
        .as_ref()
        .filter(|c| !bucket.ruler || c.memcached.is_none());
    (&s.index_cache, bucket_cache)
}

/// The flags of the caches: the in-memory index cache by its size flag (as Thanos's own
/// default is written), any other through its config.
fn cache_flags(stack: &Stack, bucket: &Bucket) -> Vec<String> {
    let (index, bucket_cache) = caches(stack, bucket);
    let mut flags = vec![match &index.memcached {
        None => format!("--index-cache-size={}", index.max_size(Store::CACHE_SIZE)),
        Some(_) => memcached::flag("index-cache.config", stack, index, Store::CACHE_SIZE),
    }];
    if let Some(cache) = bucket_cache {
        let flag = "store.caching-bucket.config";
        flags.push(memcached::flag(flag, stack, cache, Store::CACHE_SIZE));
    }
    flags
}

/// One StatefulSet of Store gateways over `bucket`, serving `share` of its blocks.
fn workload(stack: &Stack, bucket: &Bucket, name: &'static str, share: Share) -> Workload {
    let spec = stack.spec;
    let s = &spec.thanos.store;
    let image = &spec.images.thanos;
    let mut pod = Pod::new(name, COMPONENT, image, s.replicas, &s.pod);
    if let Some((workload, shard)) = share.shard {
        pod.workload_name = Some(workload);
        pod.shard_labels.insert(SHARD_LABEL.to_owned(), shard);
    }
    pod.serve_store_api();
    let mut mounts = vec![data_volume(&mut pod, &s.storage, DATA_DIR)];
    let (bucket_mounts, env) = objstore::attach(stack, &mut pod, bucket);
    mounts.extend(bucket_mounts);

    let mut args = thanos::command("store", s.log_level);
    args.extend([
        format!("--data-dir={DATA_DIR}"),
        format!("--grpc-address={}", thanos::GRPC.listen()),
        format!("--http-address={}", thanos::HTTP.listen()),
        thanos::objstore_flag(),
    ]);
    args.extend(cache_flags(stack, bucket));
    args.extend(share.flags);
    let ports = [thanos::GRPC, thanos::HTTP];
    let mut main = thanos::container(
        stack,
        "thanos-store",
        (&ports, thanos::HTTP),
        &s.resources,
        args,
    );
    main.env = some(env);
    main.volume_mounts = Some(mounts);
    // Loading the bucket's index headers takes a while on a cold start.
    main.liveness_probe = Some(http_probe("/-/healthy", thanos::HTTP, 30, Some(8)));
    pod.containers.push(main);
    // Every shard's pods are named under the discovery Service, which governs them all.
    pod.extra("thanos-store", &s.extra, "spec.thanos.store.extra");
    pod.build(stack, Some(name), true)
}

/// The Store gateways of `bucket` (one StatefulSet per shard of Prometheus's bucket); the
/// one of Prometheus's bucket also owns the discovery Service.
pub fn part(stack: &Stack, bucket: &Bucket) -> Part {
    let name = if bucket.ruler { RULER_BUCKET } else { NAME };
    let spec = stack.spec;
    let shares = if bucket.ruler {
        vec![Share {
            shard: None,
            flags: Vec::new(),
        }]
    } else {
        shares(stack)
    };

    let mut part = Part::new(name);
    part.store_api = true;
    let workloads: Vec<Workload> = shares
        .into_iter()
        .map(|share| workload(stack, bucket, name, share))
        .collect();
    // One ServiceAccount for every shard.
    if let Some(w) = workloads.first() {
        part.account(w);
    }
    for w in &workloads {
        part.pods("kinds/statefulset.yaml.j2", w);
    }
    if bucket.ruler {
        // Its governing Service; Query finds it through the discovery Service like every
        // other Store API.
        if let Some(w) = workloads.first() {
            part.front(stack, w, name, &[thanos::GRPC], true);
        }
    } else {
        let labels = stack.labels(name, COMPONENT, Some(&spec.images.thanos));
        discovery_service(stack, &mut part, &labels);
    }
    // One job over every shard: the pods share their name label.
    part.scrape.push(ScrapeJob::new(name, name, thanos::HTTP));
    let (index, bucket_cache) = caches(stack, bucket);
    let caches: Vec<&Cache> = std::iter::once(index).chain(bucket_cache).collect();
    let mut egress = objstore::egress(stack);
    egress.extend(memcached::egress(&caches));
    part.policy = Some(Policy {
        ingress: vec![
            Allow::new(&[thanos::GRPC], &[From::Clients]),
            Allow::new(&[thanos::HTTP], &[From::Scraper]),
        ],
        egress,
    });
    part
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
