//! Thanos Ruler: rules over the global Query view, with its own bucket and labels, alerting
//! Alertmanager.

use std::collections::BTreeMap;

use super::objstore::{self, Buckets};
use super::{alertmanager, query, thanos};
use crate::config::facts::Ui;
use crate::render::RenderError;
use crate::render::assets;
use crate::render::embedded::{checksum, rule_files};
use crate::render::part::{Allow, Egress, From, Part, Policy, ScrapeJob, Target};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, config_map_volume, data_volume, pod_env, read_only};

pub const NAME: &str = "thanos-ruler";
const RULES: &str = "thanos-ruler-rules";
const RULES_DIR: &str = "/etc/thanos/rules";
const DATA_DIR: &str = "/var/thanos/rule";

pub fn part(stack: &Stack, buckets: &Buckets) -> Result<Part, RenderError> {
    let spec = stack.spec;
    let r = &spec.thanos.ruler;
    let image = &spec.images.thanos;
    let rules = rule_files(
        &assets::GLOBAL_RULES,
        |_| true,
        |_| true,
        &spec.built_in_alerts,
        &r.rule_files,
    )?;

    let mut pod = Pod::new(NAME, "rule-evaluation-engine", image, r.replicas, &r.pod);
    pod.serve_store_api();
    pod.annotations
        .insert("checksum/rules".to_owned(), checksum(&rules));
    let mut mounts = vec![data_volume(&mut pod, &r.storage, DATA_DIR)];
    let (bucket_mounts, bucket_env) = objstore::attach(stack, &mut pod, &buckets.ruler);
    mounts.extend(bucket_mounts);
    pod.volumes.push(config_map_volume("rules", RULES));
    mounts.push(read_only("rules", RULES_DIR));
    let mut env = pod_env();
    env.extend(bucket_env);

    let ports = [thanos::GRPC, thanos::HTTP];
    let mut main = thanos::container(
        stack,
        "thanos-rule",
        (&ports, thanos::HTTP),
        &r.resources,
        args(stack),
    );
    main.env = Some(env);
    main.volume_mounts = Some(mounts);
    pod.containers.push(main);
    pod.extra("thanos-rule", &r.extra, "spec.thanos.ruler.extra");
    let w = pod.build(stack, Some(NAME), true);

    let mut part = Part::new(NAME);
    part.store_api = true;
    part.workload("kinds/statefulset.yaml.j2", &w);
    part.content_map(stack, RULES, &w.labels, &rules);
    // Headless: it governs the StatefulSet, which needs stable pod names.
    part.front(stack, &w, NAME, &[thanos::HTTP, thanos::GRPC], true);
    part.scrape.push(ScrapeJob::new(NAME, NAME, thanos::HTTP));
    let mut egress = objstore::egress(stack);
    egress.push(Egress::dial(
        Target::App(query::front(stack)),
        &[query::HTTP],
    ));
    if spec.alertmanager.enabled {
        egress.push(Egress::dial(
            Target::App(alertmanager::NAME),
            &[alertmanager::HTTP],
        ));
    }
    part.policy = Some(Policy {
        ingress: vec![
            Allow::new(&[thanos::GRPC], &[From::Clients]),
            Allow::new(&[thanos::HTTP], &[From::Scraper, From::Ingress(Ui::Ruler)]),
        ],
        egress,
    });
    Ok(part)
}

fn args(stack: &Stack) -> Vec<String> {
    let spec = stack.spec;
    let r = &spec.thanos.ruler;
    let mut args = thanos::command("rule", r.log_level);
    args.extend([
        format!("--data-dir={DATA_DIR}"),
        format!("--grpc-address={}", thanos::GRPC.listen()),
        format!("--http-address={}", thanos::HTTP.listen()),
        thanos::objstore_flag(),
        format!("--rule-file={RULES_DIR}/*.yaml"),
        format!("--eval-interval={}", spec.prometheus.evaluation_interval),
        format!("--query=dnssrv+{}", query::srv(stack)),
    ]);
    if spec.alertmanager.enabled {
        args.push(format!(
            "--alertmanagers.url=dnssrv+http://{}",
            alertmanager::srv(stack)
        ));
    }
    // Alert links ("source") open the expression in Query's UI, where users can reach it.
    if spec.exposes(Ui::Querier) {
        args.push(format!(
            "--alert.query-url={}",
            stack.public_url(query::NAME)
        ));
    }
    // Thanos parses `--label` values as Go-quoted strings; JSON string escaping matches.
    let labels: BTreeMap<String, String> = spec.ruler_stream_labels();
    for (name, value) in labels {
        args.push(format!(
            "--label={name}={}",
            serde_json::to_string(&value).expect("string serializes")
        ));
    }
    if r.replicas > 1 {
        let replica = r.replica_label.as_str();
        args.push(format!("--label={replica}=\"$(POD_NAME)\""));
        // Raw name: Thanos does not unquote this flag, so `"replica"` would drop nothing.
        args.push(format!("--alert.label-drop={replica}"));
    }
    args
}
