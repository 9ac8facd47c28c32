//! Typed models of the formats stackgen embeds (Prometheus, rule files, Alertmanager,
//! Grafana provisioning), limited to what it writes and refusing unknown fields. Reading a
//! rendered config into them is the check; most fields are never read afterwards.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::config::model::RuleGroup;
use crate::config::types::{Duration, LabelName};

/// A Prometheus rule file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileDoc {
    pub groups: Vec<RuleGroup>,
}

/// The part of Prometheus's config format that stackgen writes; anything else is a bug.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromConfig {
    pub global: PromGlobal,
    pub rule_files: Vec<String>,
    #[serde(default)]
    pub alerting: Option<PromAlerting>,
    /// stackgen's own jobs and the user's alike, read into the config's model of the
    /// format, which is closed to unknown fields.
    pub scrape_configs: Vec<ScrapeConfig>,
    #[serde(default)]
    pub remote_write: Vec<crate::config::model::scrape::RemoteWrite>,
}

impl PromConfig {
    pub fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for job in &self.scrape_configs {
            if !seen.insert(job.job_name.as_str()) {
                return Err(format!("scrape job `{}` appears twice", job.job_name));
            }
            for r in &job.relabel_configs {
                check_relabel(r, &job.job_name)?;
            }
        }
        if let Some(alerting) = &self.alerting {
            for r in &alerting.alert_relabel_configs {
                check_relabel(r, "alerting")?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromGlobal {
    pub scrape_interval: Duration,
    pub evaluation_interval: Duration,
    pub external_labels: BTreeMap<LabelName, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromAlerting {
    pub alert_relabel_configs: Vec<Relabel>,
    pub alertmanagers: Vec<AlertmanagerTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerTarget {
    pub scheme: String,
    pub dns_sd_configs: Vec<DnsSd>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSd {
    pub names: Vec<String>,
}

pub use crate::config::model::scrape::ScrapeConfig;

/// A relabelling step: the config's model of it, which the renderer also writes where a
/// step is computed (a shard's share of the targets). Prometheus's load-time checks are
/// [`Relabel::problems`]; the regexes are stackgen's own text or validated label names, so
/// the test suite compiles them (`relabel_regexes_compile`), not every run.
pub use crate::config::model::scrape::{RelabelAction, RelabelConfig as Relabel};

/// What Prometheus refuses at load (`Config.Validate`) of a step of job `job`.
fn check_relabel(step: &Relabel, job: &str) -> Result<(), String> {
    match step.problems().into_iter().next() {
        Some((_, why, _)) => Err(format!("job `{job}`: {why}")),
        None => Ok(()),
    }
}

/// The part of Alertmanager's config format that stackgen writes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    pub global: AmGlobal,
    #[serde(default)]
    pub templates: Vec<String>,
    pub route: AmRoute,
    pub inhibit_rules: Vec<AmInhibit>,
    pub receivers: Vec<AmReceiver>,
    #[serde(default)]
    pub time_intervals: Vec<AmTimeInterval>,
}

impl AlertmanagerConfig {
    pub fn check(&self) -> Result<(), String> {
        let names: Vec<&str> = self.receivers.iter().map(|r| r.name.as_str()).collect();
        let intervals: Vec<&str> = self
            .time_intervals
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        if !names.contains(&self.route.receiver.as_str()) {
            return Err(format!(
                "route to undefined receiver `{}`",
                self.route.receiver
            ));
        }
        let mut routes: Vec<&AmChildRoute> = self.route.routes.iter().collect();
        while let Some(route) = routes.pop() {
            if !names.contains(&route.receiver.as_str()) {
                return Err(format!("route to undefined receiver `{}`", route.receiver));
            }
            let named = route
                .mute_time_intervals
                .iter()
                .chain(&route.active_time_intervals);
            if let Some(missing) = named.into_iter().find(|n| !intervals.contains(&n.as_str())) {
                return Err(format!("route names undefined time interval `{missing}`"));
            }
            routes.extend(&route.routes);
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmTimeInterval {
    pub name: String,
    pub time_intervals: Vec<AmTimeRange>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmTimeRange {
    #[serde(default)]
    pub times: Vec<AmTimes>,
    #[serde(default)]
    pub weekdays: Vec<String>,
    #[serde(default)]
    pub days_of_month: Vec<String>,
    #[serde(default)]
    pub months: Vec<String>,
    #[serde(default)]
    pub years: Vec<String>,
    #[serde(default)]
    pub location: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmTimes {
    pub start_time: String,
    pub end_time: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmGlobal {
    pub resolve_timeout: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmRoute {
    pub receiver: String,
    pub group_by: Vec<LabelName>,
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub repeat_interval: Duration,
    pub routes: Vec<AmChildRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmChildRoute {
    pub receiver: String,
    pub matchers: Vec<String>,
    #[serde(rename = "continue")]
    pub _continue: bool,
    #[serde(default)]
    pub group_by: Option<Vec<String>>,
    #[serde(default)]
    pub group_wait: Option<Duration>,
    #[serde(default)]
    pub group_interval: Option<Duration>,
    #[serde(default)]
    pub repeat_interval: Option<Duration>,
    #[serde(default)]
    pub mute_time_intervals: Vec<String>,
    #[serde(default)]
    pub active_time_intervals: Vec<String>,
    #[serde(default)]
    pub routes: Vec<AmChildRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmInhibit {
    pub source_matchers: Vec<String>,
    pub target_matchers: Vec<String>,
    pub equal: Vec<LabelName>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmReceiver {
    pub name: String,
    #[serde(default)]
    pub webhook_configs: Vec<AmFileIntegration>,
    #[serde(default)]
    pub slack_configs: Vec<AmFileIntegration>,
    #[serde(default)]
    pub pagerduty_configs: Vec<AmFileIntegration>,
    #[serde(default)]
    pub email_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub opsgenie_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub victorops_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub pushover_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub sns_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub telegram_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub webex_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub msteams_configs: Vec<AmIntegration>,
    #[serde(default)]
    pub discord_configs: Vec<AmIntegration>,
}

/// An integration whose secret is a mounted file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmFileIntegration {
    #[serde(default)]
    pub url_file: Option<String>,
    #[serde(default)]
    pub api_url_file: Option<String>,
    #[serde(default)]
    pub routing_key_file: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    pub send_resolved: bool,
}

/// The fields stackgen writes for the other integrations, each an Alertmanager v0.28 field;
/// the secret ones only as `*_file` (and Webex's `http_config.authorization.credentials_file`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmIntegration {
    // Secrets, as files.
    pub auth_password_file: Option<String>,
    pub api_key_file: Option<String>,
    pub user_key_file: Option<String>,
    pub token_file: Option<String>,
    pub bot_token_file: Option<String>,
    pub webhook_url_file: Option<String>,
    pub http_config: Option<AmHttpConfig>,
    // Everything else is plain text, numbers, flags and maps.
    pub to: Option<String>,
    pub from: Option<String>,
    pub smarthost: Option<String>,
    pub hello: Option<String>,
    pub auth_username: Option<String>,
    pub auth_identity: Option<String>,
    pub require_tls: Option<bool>,
    pub headers: Option<BTreeMap<String, String>>,
    pub html: Option<String>,
    pub text: Option<String>,
    pub api_url: Option<String>,
    pub message: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub details: Option<BTreeMap<String, String>>,
    pub responders: Option<Vec<BTreeMap<String, String>>>,
    pub tags: Option<String>,
    pub priority: Option<String>,
    pub routing_key: Option<String>,
    pub message_type: Option<String>,
    pub state_message: Option<String>,
    pub entity_display_name: Option<String>,
    pub custom_fields: Option<BTreeMap<String, String>>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub retry: Option<String>,
    pub expire: Option<String>,
    pub sigv4: Option<BTreeMap<String, String>>,
    pub topic_arn: Option<String>,
    pub target_arn: Option<String>,
    pub phone_number: Option<String>,
    pub subject: Option<String>,
    pub attributes: Option<BTreeMap<String, String>>,
    pub chat_id: Option<i64>,
    pub parse_mode: Option<String>,
    pub disable_notifications: Option<bool>,
    pub room_id: Option<String>,
    pub summary: Option<String>,
    pub send_resolved: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmHttpConfig {
    pub authorization: AmAuthorization,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmAuthorization {
    pub credentials_file: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaDatasources {
    pub api_version: u32,
    pub datasources: Vec<GrafanaDatasource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaDatasource {
    pub name: String,
    pub uid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub access: String,
    pub url: String,
    pub is_default: bool,
    pub editable: bool,
    pub json_data: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaProviders {
    pub api_version: u32,
    pub providers: Vec<GrafanaProvider>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaProvider {
    pub name: String,
    pub org_id: u32,
    pub folder: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub disable_deletion: bool,
    pub allow_ui_updates: bool,
    pub options: BTreeMap<String, Json>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::MonitoringStack;

    /// Every relabel regex of a Prometheus config with every component on compiles as
    /// Prometheus anchors it, and every step passes the checks Prometheus makes at load;
    /// with one Prometheus and with each of several shards.
    #[test]
    fn relabel_regexes_compile() {
        let mut sharded = MonitoringStack::default();
        sharded.spec.prometheus.shards = 2;
        for (config, map) in [
            (MonitoringStack::default(), "prometheus-config"),
            (sharded.clone(), "prometheus-shard-0-config"),
            (sharded, "prometheus-shard-1-config"),
        ] {
            let objects = crate::render::render(&config).unwrap();
            let config = objects
                .iter()
                .find(|o| o.kind() == "ConfigMap" && o.name() == map)
                .unwrap();
            let text = config.value["data"]["prometheus.yaml.tmpl"]
                .as_str()
                .unwrap();
            let parsed: Json = serde_saphyr::from_str(text).unwrap();
            let relabels = parsed["scrape_configs"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|job| job["relabel_configs"].as_array().unwrap())
                .chain(
                    parsed["alerting"]["alert_relabel_configs"]
                        .as_array()
                        .unwrap(),
                );
            let mut compiled = 0;
            for relabel in relabels {
                let relabel: Relabel = serde_json::from_value(relabel.clone()).unwrap();
                check_relabel(&relabel, map).unwrap();
                if let Some(regex) = &relabel.regex {
                    regex::Regex::new(&format!("^(?s:{regex})$")).unwrap();
                    compiled += 1;
                }
            }
            assert!(compiled > 10, "{map}: only {compiled} regexes");
        }
    }

    #[test]
    fn a_hashmod_step_needs_a_modulus_and_a_target() {
        let step = |modulus: Option<u64>, target: Option<&str>| Relabel {
            source_labels: vec!["__address__".parse().unwrap()],
            modulus,
            target_label: target.map(str::to_owned),
            action: Some(RelabelAction::Hashmod),
            ..Relabel::default()
        };
        let check = |r: Relabel| check_relabel(&r, "j");
        assert!(check(step(Some(2), Some("__tmp_hash"))).is_ok());
        let zero = check(step(Some(0), Some("__tmp_hash"))).unwrap_err();
        assert!(zero.contains("`modulus` above 0"), "{zero}");
        assert!(check(step(None, Some("__tmp_hash"))).is_err());
        let untargeted = check(step(Some(2), None)).unwrap_err();
        assert!(untargeted.contains("needs `target_label`"), "{untargeted}");
    }
}
