//! Alertmanager: replicas gossiping over a headless Service so each notification goes out
//! once; receivers' secrets are mounted files, never inlined.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::config::facts::Ui;
use crate::config::model::SecretKeyRef;
use crate::render::RenderError;
use crate::render::embedded::{Checked, checksum, render_checked};
use crate::render::formats::AlertmanagerConfig;
use crate::render::network::anywhere;
use crate::render::part::{Allow, Egress, From, Part, Policy, ScrapeJob, Service, Target};
use crate::render::stack::Stack;
use crate::render::workload::{
    Pod, Port, config_map_volume, container, data_volume, env_field, http_probe, level, read_only,
    secret_volume,
};

pub const NAME: &str = "alertmanager";
/// Headless Service through which Alertmanager peers and their clients find every replica.
pub const CLUSTER: &str = "alertmanager-cluster";
pub const HTTP: Port = Port::tcp("http", 9093);
const MESH_TCP: Port = Port::tcp("mesh-tcp", 9094);
const MESH_UDP: Port = Port::udp("mesh-udp", 9094);
const CONFIG: &str = "alertmanager-config";
const CONFIG_DIR: &str = "/etc/alertmanager";
const DATA_DIR: &str = "/alertmanager";

/// Every replica, as a DNS SRV name: Prometheus and the Ruler must alert each of them.
pub fn srv(stack: &Stack) -> String {
    stack.srv(HTTP.name, CLUSTER)
}

/// Where Alertmanager finds a receiver Secret's keys as files.
fn secret_dir(secret: &str) -> String {
    format!("{CONFIG_DIR}/secrets/{secret}")
}

pub fn part(stack: &Stack) -> Result<Part, RenderError> {
    let spec = stack.spec;
    let a = &spec.alertmanager;
    let config: Checked<AlertmanagerConfig> = render_checked(
        stack.templates,
        "alertmanager/alertmanager.yaml.j2",
        &json!({"am": config_vars(stack)}),
    )?;
    config
        .parsed
        .check()
        .map_err(|m| RenderError::new("alertmanager/alertmanager.yaml.j2", m))?;
    let data = BTreeMap::from([("alertmanager.yaml".to_owned(), config.text)]);

    let image = &spec.images.alertmanager;
    let mut pod = Pod::new(NAME, "alert-router", image, a.replicas, &a.pod);
    pod.annotations
        .insert("checksum/config".to_owned(), checksum(&data));
    let mut mounts = vec![data_volume(&mut pod, &a.storage, DATA_DIR)];
    pod.volumes.push(config_map_volume("config", CONFIG));
    mounts.push(read_only("config", CONFIG_DIR));
    for secret in receiver_secrets(stack) {
        let volume = format!("secret-{secret}");
        pod.volumes.push(secret_volume(&volume, &secret));
        mounts.push(read_only(&volume, &secret_dir(&secret)));
    }
    let mut main = container(NAME, image, &[HTTP, MESH_TCP, MESH_UDP], &a.resources);
    main.args = Some(args(stack));
    main.env = Some(vec![env_field("POD_IP", "status.podIP")]);
    main.volume_mounts = Some(mounts);
    main.liveness_probe = Some(http_probe("/-/healthy", HTTP, 10, None));
    main.readiness_probe = Some(http_probe("/-/ready", HTTP, 5, None));
    pod.containers.push(main);
    pod.extra(NAME, &a.extra, "spec.alertmanager.extra");
    let w = pod.build(stack, Some(CLUSTER), true);

    let mut part = Part::new(NAME);
    part.workload("kinds/statefulset.yaml.j2", &w);
    part.config_map(stack, CONFIG, &w.labels, &data, vec![config.data]);
    part.front(stack, &w, NAME, &[HTTP], false);
    part.service(
        stack,
        Service {
            name: CLUSTER,
            labels: &w.labels,
            selector: &w.selector,
            ports: &[HTTP, MESH_TCP, MESH_UDP],
            headless: true,
            publish_not_ready: true,
        },
    );
    part.scrape.push(ScrapeJob::new(NAME, NAME, HTTP));
    part.policy = Some(Policy {
        ingress: vec![
            Allow::new(
                &[HTTP],
                &[
                    From::Scraper,
                    From::Clients,
                    From::Ingress(Ui::Alertmanager),
                ],
            ),
            Allow::new(&[MESH_TCP, MESH_UDP], &[From::Clients]),
        ],
        egress: vec![
            Egress::dial(Target::App(NAME), &[MESH_TCP, MESH_UDP]),
            // Receivers (chat, paging, webhooks) live outside the cluster.
            anywhere(&spec.network_policies.receiver_ports),
        ],
    });
    Ok(part)
}

fn args(stack: &Stack) -> Vec<String> {
    let a = &stack.spec.alertmanager;
    let mut args = vec![
        format!("--config.file={CONFIG_DIR}/alertmanager.yaml"),
        format!("--storage.path={DATA_DIR}"),
        format!("--web.listen-address=:{}", HTTP.number),
        format!("--log.level={}", level(a.log_level)),
    ];
    // Links in notifications (silence, source) point where users open the UI.
    if stack.spec.exposes(Ui::Alertmanager) {
        args.push(format!("--web.external-url={}", stack.public_url(NAME)));
    }
    if a.replicas > 1 {
        args.push(format!("--cluster.listen-address={}", MESH_TCP.listen()));
        args.push(format!(
            "--cluster.advertise-address=$(POD_IP):{}",
            MESH_TCP.number
        ));
        args.extend((0..a.replicas).map(|i| {
            format!(
                "--cluster.peer={NAME}-{i}.{}:{}",
                stack.service_host(CLUSTER),
                MESH_TCP.number
            )
        }));
    } else {
        // An empty listen address switches gossip off: a lone replica has no peers.
        args.push("--cluster.listen-address=".to_owned());
    }
    args
}

/// Every Secret a receiver reads, once each, in name order.
fn receiver_secrets(stack: &Stack) -> Vec<String> {
    let mut secrets: Vec<String> = stack
        .spec
        .alertmanager
        .receivers
        .iter()
        .flat_map(|r| {
            r.webhook
                .iter()
                .map(|x| &x.url_secret)
                .chain(r.slack.iter().map(|x| &x.api_url_secret))
                .chain(r.pagerduty.iter().map(|x| &x.routing_key_secret))
        })
        .map(|s| s.name.to_string())
        .collect();
    secrets.sort();
    secrets.dedup();
    secrets
}

/// Routes and receivers for `alertmanager.yaml.j2`, with secret files in place of secrets.
fn config_vars(stack: &Stack) -> Json {
    let am = &stack.spec.alertmanager;
    let file = |r: &SecretKeyRef| format!("{}/{}", secret_dir(r.name.as_str()), r.key);
    let receivers: Vec<Json> = am
        .receivers
        .iter()
        .map(|r| {
            let mut out = json!({"name": r.name});
            if let Some(w) = &r.webhook {
                out["webhook_configs"] = json!([{"url_file": file(&w.url_secret), "send_resolved": true}]);
            }
            if let Some(s) = &r.slack {
                out["slack_configs"] = json!([{"api_url_file": file(&s.api_url_secret), "channel": s.channel, "send_resolved": true}]);
            }
            if let Some(p) = &r.pagerduty {
                out["pagerduty_configs"] = json!([{"routing_key_file": file(&p.routing_key_secret), "send_resolved": true}]);
            }
            out
        })
        .collect();
    let routes: Vec<Json> = am
        .route
        .routes
        .iter()
        .map(|r| json!({"receiver": r.receiver, "matchers": r.matchers, "continue": r.continue_}))
        .collect();
    json!({
        "route": {
            "receiver": am.route.receiver,
            "group_by": am.route.group_by,
            "group_wait": am.route.group_wait,
            "group_interval": am.route.group_interval,
            "repeat_interval": am.route.repeat_interval,
        },
        "routes": routes,
        "receivers": receivers,
    })
}
