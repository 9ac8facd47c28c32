//! Thanos Compactor: the bucket's singleton; compacts, downsamples and applies retention.

use super::objstore::{self, Bucket};
use super::thanos;
use crate::render::part::{Allow, From, Part, Policy, ScrapeJob};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, data_volume, some};

pub const NAME: &str = "thanos-compactor";
/// The Compactor of the Ruler's bucket (the thanos-mixin selects `.*thanos-compact.*`).
const RULER_BUCKET: &str = "thanos-compactor-ruler";
const DATA_DIR: &str = "/var/thanos/compact";

/// The one Compactor of `bucket`, with the same retention and downsampling for every bucket.
pub fn part(stack: &Stack, bucket: &Bucket) -> Part {
    let name = if bucket.ruler { RULER_BUCKET } else { NAME };
    let spec = stack.spec;
    let c = &spec.thanos.compact;
    let image = &spec.images.thanos;
    let mut pod = Pod::new(name, "database-compactor", image, c.replicas, &c.pod);
    let mut mounts = vec![data_volume(&mut pod, &c.storage, DATA_DIR)];
    let (bucket_mounts, env) = objstore::attach(stack, &mut pod, bucket);
    mounts.extend(bucket_mounts);

    let mut args = thanos::command("compact", c.log_level);
    // Keep running and compact as blocks arrive, instead of one pass and exit.
    args.insert(1, "--wait".to_owned());
    args.extend([
        format!("--data-dir={DATA_DIR}"),
        format!("--http-address={}", thanos::HTTP.listen()),
        thanos::objstore_flag(),
        format!("--retention.resolution-raw={}", c.retention.raw),
        format!("--retention.resolution-5m={}", c.retention.five_minutes),
        format!("--retention.resolution-1h={}", c.retention.one_hour),
    ]);
    if !c.downsampling {
        args.push("--downsampling.disable".to_owned());
    }
    let ports = [thanos::HTTP];
    let mut main = thanos::container(
        stack,
        "thanos-compact",
        (&ports, thanos::HTTP),
        &c.resources,
        args,
    );
    main.env = some(env);
    main.volume_mounts = Some(mounts);
    pod.containers.push(main);
    pod.extra("thanos-compact", &c.extra, "spec.thanos.compact.extra");
    let w = pod.build(stack, Some(name), false);

    let mut part = Part::new(name);
    part.workload("kinds/statefulset.yaml.j2", &w);
    part.front(stack, &w, name, &[thanos::HTTP], true);
    part.scrape.push(ScrapeJob::new(name, name, thanos::HTTP));
    part.policy = Some(Policy {
        ingress: vec![Allow::new(&[thanos::HTTP], &[From::Scraper])],
        egress: objstore::egress(stack),
    });
    part
}
