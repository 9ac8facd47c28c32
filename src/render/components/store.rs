//! Thanos Store gateway: serves the bucket's blocks over the Store API; its disk is a cache.
//! Owns the headless discovery Service through which Query finds every Store API.

use super::objstore::{self, Bucket};
use super::thanos;
use crate::render::part::{Allow, From, Part, Policy, ScrapeJob, Service};
use crate::render::stack::{Labels, Stack};
use crate::render::workload::{Pod, data_volume, http_probe, some};

/// The StatefulSet, and the discovery Service the article named after it.
pub const NAME: &str = "thanos-store-gateway";
/// The Store gateway of the Ruler's bucket (the thanos-mixin selects `.*thanos-store.*`).
const RULER_BUCKET: &str = "thanos-store-gateway-ruler";
const DATA_DIR: &str = "/var/thanos/store";

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

/// The Store gateway of `bucket`; the one of Prometheus's bucket also owns the discovery
/// Service.
pub fn part(stack: &Stack, bucket: &Bucket) -> Part {
    let name = if bucket.ruler { RULER_BUCKET } else { NAME };
    let spec = stack.spec;
    let s = &spec.thanos.store;
    let image = &spec.images.thanos;
    let mut pod = Pod::new(name, "object-store-gateway", image, s.replicas);
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
        "--index-cache-size=250MB".to_owned(),
    ]);
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
    let w = pod.build(stack, Some(name), true);

    let mut part = Part::new(name);
    part.store_api = true;
    part.workload("kinds/statefulset.yaml.j2", &w);
    if bucket.ruler {
        // Its governing Service; Query finds it through the discovery Service like every
        // other Store API.
        part.front(stack, &w, name, &[thanos::GRPC], true);
    } else {
        discovery_service(stack, &mut part, &w.labels);
    }
    part.scrape.push(ScrapeJob::new(name, name, thanos::HTTP));
    part.policy = Some(Policy {
        ingress: vec![
            Allow::new(&[thanos::GRPC], &[From::Clients]),
            Allow::new(&[thanos::HTTP], &[From::Scraper]),
        ],
        egress: objstore::egress(stack),
    });
    part
}
