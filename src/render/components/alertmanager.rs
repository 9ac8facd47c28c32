//! Alertmanager: replicas gossiping over a headless Service so each notification goes out
//! once; receivers' secrets are mounted files, never inlined.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::config::facts::Ui;
use crate::config::model::{ChildRoute, Receiver, SecretKeyRef, TimeInterval};
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
const TEMPLATES: &str = "alertmanager-templates";
const CONFIG_DIR: &str = "/etc/alertmanager";
/// Where the notification template files are mounted, one file per ConfigMap key.
const TEMPLATES_DIR: &str = "/etc/alertmanager/templates";
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
    let templates = template_files(stack);

    let image = &spec.images.alertmanager;
    let mut pod = Pod::new(NAME, "alert-router", image, a.replicas, &a.pod);
    pod.annotations
        .insert("checksum/config".to_owned(), checksum(&data));
    let mut mounts = vec![data_volume(&mut pod, &a.storage, DATA_DIR)];
    pod.volumes.push(config_map_volume("config", CONFIG));
    mounts.push(read_only("config", CONFIG_DIR));
    if !templates.is_empty() {
        // Alertmanager reads its templates only at (re)load: a change must roll the pods.
        pod.annotations
            .insert("checksum/templates".to_owned(), checksum(&templates));
        pod.volumes.push(config_map_volume("templates", TEMPLATES));
        mounts.push(read_only("templates", TEMPLATES_DIR));
    }
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
    if !templates.is_empty() {
        part.content_map(stack, TEMPLATES, &w.labels, &templates);
    }
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
        .flat_map(Receiver::secrets)
        .map(|(_, s)| s.name.to_string())
        .collect();
    secrets.sort();
    secrets.dedup();
    secrets
}

/// The notification template files, by file name (validation made the names unique).
fn template_files(stack: &Stack) -> BTreeMap<String, String> {
    stack
        .spec
        .alertmanager
        .templates
        .iter()
        .flat_map(|r| &r.files)
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect()
}

/// Where Alertmanager reads the Secret key `r`.
fn secret_file(r: &SecretKeyRef) -> String {
    format!("{}/{}", secret_dir(r.name.as_str()), r.key)
}

/// Sets `key` when the config set the value; Alertmanager's own default applies otherwise.
fn put<T: serde::Serialize>(out: &mut Json, key: &str, value: Option<T>) {
    if let Some(value) = value {
        out[key] = json!(value);
    }
}

/// One receiver in Alertmanager's format, with secret files in place of secrets. WeChat is
/// never rendered: validation refuses it (its secret has no file).
fn receiver(r: &Receiver) -> Json {
    let file = secret_file;
    let mut out = json!({"name": r.name});
    if let Some(w) = &r.webhook {
        out["webhook_configs"] = json!([{"url_file": file(&w.url_secret), "send_resolved": true}]);
    }
    if let Some(s) = &r.slack {
        out["slack_configs"] = json!([{"api_url_file": file(&s.api_url_secret), "channel": s.channel, "send_resolved": true}]);
    }
    if let Some(p) = &r.pagerduty {
        out["pagerduty_configs"] =
            json!([{"routing_key_file": file(&p.routing_key_secret), "send_resolved": true}]);
    }
    if let Some(e) = &r.email {
        let mut c = json!({"to": e.to, "from": e.from, "smarthost": e.smarthost});
        put(&mut c, "hello", e.hello.as_ref());
        put(&mut c, "auth_username", e.auth_username.as_ref());
        put(
            &mut c,
            "auth_password_file",
            e.auth_password_secret.as_ref().map(file),
        );
        put(&mut c, "auth_identity", e.auth_identity.as_ref());
        put(&mut c, "require_tls", e.require_tls);
        put(
            &mut c,
            "headers",
            (!e.headers.is_empty()).then_some(&e.headers),
        );
        put(&mut c, "html", e.html.as_ref());
        put(&mut c, "text", e.text.as_ref());
        put(&mut c, "send_resolved", e.send_resolved);
        out["email_configs"] = json!([c]);
    }
    if let Some(o) = &r.opsgenie {
        let mut c = json!({"api_key_file": file(&o.api_key_secret)});
        put(&mut c, "api_url", o.api_url.as_ref());
        put(&mut c, "message", o.message.as_ref());
        put(&mut c, "description", o.description.as_ref());
        put(&mut c, "source", o.source.as_ref());
        put(
            &mut c,
            "details",
            (!o.details.is_empty()).then_some(&o.details),
        );
        let responders: Vec<Json> = o
            .responders
            .iter()
            .map(|x| {
                let mut j = json!({});
                put(&mut j, "id", x.id.as_ref());
                put(&mut j, "name", x.name.as_ref());
                put(&mut j, "username", x.username.as_ref());
                j["type"] = json!(x.kind);
                j
            })
            .collect();
        put(
            &mut c,
            "responders",
            (!responders.is_empty()).then_some(responders),
        );
        put(&mut c, "tags", o.tags.as_ref());
        put(&mut c, "priority", o.priority.as_ref());
        put(&mut c, "send_resolved", o.send_resolved);
        out["opsgenie_configs"] = json!([c]);
    }
    if let Some(v) = &r.victorops {
        let mut c = json!({"api_key_file": file(&v.api_key_secret), "routing_key": v.routing_key});
        put(&mut c, "api_url", v.api_url.as_ref());
        put(&mut c, "message_type", v.message_type.as_ref());
        put(&mut c, "state_message", v.state_message.as_ref());
        put(
            &mut c,
            "entity_display_name",
            v.entity_display_name.as_ref(),
        );
        put(
            &mut c,
            "custom_fields",
            (!v.custom_fields.is_empty()).then_some(&v.custom_fields),
        );
        put(&mut c, "send_resolved", v.send_resolved);
        out["victorops_configs"] = json!([c]);
    }
    if let Some(p) = &r.pushover {
        let mut c =
            json!({"user_key_file": file(&p.user_key_secret), "token_file": file(&p.token_secret)});
        put(&mut c, "title", p.title.as_ref());
        put(&mut c, "message", p.message.as_ref());
        put(&mut c, "url", p.url.as_ref());
        put(&mut c, "priority", p.priority.as_ref());
        put(&mut c, "retry", p.retry.as_ref());
        put(&mut c, "expire", p.expire.as_ref());
        put(&mut c, "send_resolved", p.send_resolved);
        out["pushover_configs"] = json!([c]);
    }
    if let Some(s) = &r.sns {
        let mut c = json!({});
        put(&mut c, "api_url", s.api_url.as_ref());
        if s.region.is_some() || s.role_arn.is_some() {
            let mut sigv4 = json!({});
            put(&mut sigv4, "region", s.region.as_ref());
            put(&mut sigv4, "role_arn", s.role_arn.as_ref());
            c["sigv4"] = sigv4;
        }
        put(&mut c, "topic_arn", s.topic_arn.as_ref());
        put(&mut c, "target_arn", s.target_arn.as_ref());
        put(&mut c, "phone_number", s.phone_number.as_ref());
        put(&mut c, "subject", s.subject.as_ref());
        put(&mut c, "message", s.message.as_ref());
        put(
            &mut c,
            "attributes",
            (!s.attributes.is_empty()).then_some(&s.attributes),
        );
        put(&mut c, "send_resolved", s.send_resolved);
        out["sns_configs"] = json!([c]);
    }
    if let Some(t) = &r.telegram {
        let mut c = json!({"bot_token_file": file(&t.bot_token_secret), "chat_id": t.chat_id});
        put(&mut c, "api_url", t.api_url.as_ref());
        put(&mut c, "message", t.message.as_ref());
        put(&mut c, "parse_mode", t.parse_mode.as_ref());
        put(&mut c, "disable_notifications", t.disable_notifications);
        put(&mut c, "send_resolved", t.send_resolved);
        out["telegram_configs"] = json!([c]);
    }
    if let Some(w) = &r.webex {
        // Webex authenticates with the bot's token as a Bearer credential of the HTTP client.
        let mut c = json!({
            "http_config": {"authorization": {"credentials_file": file(&w.bot_token_secret)}},
            "room_id": w.room_id,
        });
        put(&mut c, "api_url", w.api_url.as_ref());
        put(&mut c, "message", w.message.as_ref());
        put(&mut c, "send_resolved", w.send_resolved);
        out["webex_configs"] = json!([c]);
    }
    if let Some(m) = &r.msteams {
        let mut c = json!({"webhook_url_file": file(&m.webhook_url_secret)});
        put(&mut c, "title", m.title.as_ref());
        put(&mut c, "summary", m.summary.as_ref());
        put(&mut c, "text", m.text.as_ref());
        put(&mut c, "send_resolved", m.send_resolved);
        out["msteams_configs"] = json!([c]);
    }
    if let Some(d) = &r.discord {
        let mut c = json!({"webhook_url_file": file(&d.webhook_url_secret)});
        put(&mut c, "title", d.title.as_ref());
        put(&mut c, "message", d.message.as_ref());
        put(&mut c, "send_resolved", d.send_resolved);
        out["discord_configs"] = json!([c]);
    }
    out
}

/// A child route and its own children; unset fields are left out, so Alertmanager inherits
/// the parent's.
fn child_route(r: &ChildRoute) -> Json {
    let mut out = json!({"receiver": r.receiver, "matchers": r.matchers, "continue": r.continue_});
    put(&mut out, "group_by", r.group_by.as_ref());
    put(&mut out, "group_wait", r.group_wait.as_ref());
    put(&mut out, "group_interval", r.group_interval.as_ref());
    put(&mut out, "repeat_interval", r.repeat_interval.as_ref());
    let some = |v: &Vec<String>| (!v.is_empty()).then_some(v.clone());
    put(
        &mut out,
        "mute_time_intervals",
        some(&r.mute_time_intervals),
    );
    put(
        &mut out,
        "active_time_intervals",
        some(&r.active_time_intervals),
    );
    if !r.routes.is_empty() {
        out["routes"] = r.routes.iter().map(child_route).collect();
    }
    out
}

fn time_interval(t: &TimeInterval) -> Json {
    let ranges: Vec<Json> = t
        .time_intervals
        .iter()
        .map(|r| {
            let mut out = json!({});
            let some = |v: &Vec<String>| (!v.is_empty()).then_some(v.clone());
            if !r.times.is_empty() {
                out["times"] = r
                    .times
                    .iter()
                    .map(|x| json!({"start_time": x.start_time, "end_time": x.end_time}))
                    .collect();
            }
            put(&mut out, "weekdays", some(&r.weekdays));
            put(&mut out, "days_of_month", some(&r.days_of_month));
            put(&mut out, "months", some(&r.months));
            put(&mut out, "years", some(&r.years));
            put(&mut out, "location", r.location.as_ref());
            out
        })
        .collect();
    json!({"name": t.name, "time_intervals": ranges})
}

/// Routes, receivers and the rest for `alertmanager.yaml.j2`, with secret files in place of
/// secrets.
fn config_vars(stack: &Stack) -> Json {
    let am = &stack.spec.alertmanager;
    let templates: Vec<String> = template_files(stack)
        .keys()
        .map(|name| format!("{TEMPLATES_DIR}/{name}"))
        .collect();
    let inhibit: Vec<Json> = am
        .inhibit_rules
        .iter()
        .map(|r| {
            json!({
                "source_matchers": r.source_matchers,
                "target_matchers": r.target_matchers,
                "equal": r.equal,
            })
        })
        .collect();
    json!({
        "templates": templates,
        "route": {
            "receiver": am.route.receiver,
            "group_by": am.route.group_by,
            "group_wait": am.route.group_wait,
            "group_interval": am.route.group_interval,
            "repeat_interval": am.route.repeat_interval,
        },
        "routes": am.route.routes.iter().map(child_route).collect::<Vec<_>>(),
        "inhibit_rules": inhibit,
        "receivers": am.receivers.iter().map(receiver).collect::<Vec<_>>(),
        "time_intervals": am.time_intervals.iter().map(time_interval).collect::<Vec<_>>(),
    })
}
