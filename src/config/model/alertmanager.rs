//! The Alertmanager section: its receivers and routing tree.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{Extras, PodSettings};

use super::{LogLevel, Resources, SecretKeyRef, Storage};
use crate::config::files::FileRef;
use crate::config::types::{Duration, LabelName};

/// Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Alertmanager {
    /// Deploy Alertmanager; Prometheus and the Ruler send alerts to it.
    pub enabled: bool,
    /// Number of clustered replicas (at most 25: each is a gossip peer of every other).
    #[schemars(range(max = 25))]
    pub replicas: u32,
    /// Notification receivers; secrets are referenced, never inlined.
    pub receivers: Vec<Receiver>,
    /// The routing tree's root.
    pub route: Route,
    /// Notification template files (`.tmpl`, Go templates with `define` blocks), or
    /// directories of them, relative to the config file; shipped in a ConfigMap and listed
    /// under Alertmanager's `templates`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<FileRef>,
    /// Named time intervals that routes mute or activate by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<TimeInterval>,
    /// Rules muting alerts (targets) while others (sources) fire; the default mutes a
    /// `warning` while a `critical` with the same alert name, cluster and namespace fires.
    pub inhibit_rules: Vec<InhibitRule>,
    /// Volume for silences and the notification log.
    pub storage: Storage,
    /// Resources of the alertmanager container.
    pub resources: Resources,
    /// Log level.
    pub log_level: LogLevel,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

impl Default for Alertmanager {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            replicas: 3,
            receivers: vec![Receiver {
                name: "default".to_owned(),
                ..Receiver::default()
            }],
            route: Route::default(),
            templates: Vec::new(),
            time_intervals: Vec::new(),
            inhibit_rules: vec![InhibitRule {
                source_matchers: vec![r#"severity="critical""#.to_owned()],
                target_matchers: vec![r#"severity="warning""#.to_owned()],
                equal: ["alertname", "cluster", "namespace"]
                    .map(LabelName::lit)
                    .to_vec(),
            }],
            storage: Storage::sized("1Gi"),
            resources: Resources::new("50m", "128Mi", "256Mi"),
            log_level: LogLevel::Info,
        }
    }
}

/// An Alertmanager receiver. With no integration set, alerts routed here are dropped.
/// Every secret (URL, key, token, password) is a Secret key mounted into the pod and read
/// through the integration's `*_file` field; none is ever written into the config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Receiver {
    /// Receiver name, referenced from routes.
    pub name: String,
    /// Webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Webhook>,
    /// Slack incoming webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<Slack>,
    /// PagerDuty Events v2, routing key read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagerduty: Option<PagerDuty>,
    /// Email through an SMTP smarthost; the password is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Opsgenie alerts; the API key is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opsgenie: Option<Opsgenie>,
    /// VictorOps (Splunk On-Call); the API key is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victorops: Option<VictorOps>,
    /// Pushover; the user key and the application token are read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushover: Option<Pushover>,
    /// Amazon SNS, signed with the pod's AWS identity (static keys are not offered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns: Option<Sns>,
    /// Telegram bot; the bot token is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram: Option<Telegram>,
    /// Webex room; the bot's access token is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webex: Option<Webex>,
    /// Microsoft Teams incoming webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msteams: Option<MsTeams>,
    /// Discord webhook whose URL is read from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discord: Option<Discord>,
    /// WeChat Work. Refused: Alertmanager v0.28 reads its `api_secret` only inline (there is
    /// no `api_secret_file`), and stackgen never writes a secret into a ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat: Option<WeChat>,
}

impl Receiver {
    /// Every Secret key the receiver reads, with its path under the receiver.
    pub fn secrets(&self) -> Vec<(&'static str, &SecretKeyRef)> {
        let mut out = Vec::new();
        if let Some(w) = &self.webhook {
            out.push(("webhook.urlSecret", &w.url_secret));
        }
        if let Some(s) = &self.slack {
            out.push(("slack.apiUrlSecret", &s.api_url_secret));
        }
        if let Some(p) = &self.pagerduty {
            out.push(("pagerduty.routingKeySecret", &p.routing_key_secret));
        }
        if let Some(secret) = self
            .email
            .as_ref()
            .and_then(|e| e.auth_password_secret.as_ref())
        {
            out.push(("email.authPasswordSecret", secret));
        }
        if let Some(o) = &self.opsgenie {
            out.push(("opsgenie.apiKeySecret", &o.api_key_secret));
        }
        if let Some(v) = &self.victorops {
            out.push(("victorops.apiKeySecret", &v.api_key_secret));
        }
        if let Some(p) = &self.pushover {
            out.push(("pushover.userKeySecret", &p.user_key_secret));
            out.push(("pushover.tokenSecret", &p.token_secret));
        }
        if let Some(t) = &self.telegram {
            out.push(("telegram.botTokenSecret", &t.bot_token_secret));
        }
        if let Some(w) = &self.webex {
            out.push(("webex.botTokenSecret", &w.bot_token_secret));
        }
        if let Some(m) = &self.msteams {
            out.push(("msteams.webhookUrlSecret", &m.webhook_url_secret));
        }
        if let Some(d) = &self.discord {
            out.push(("discord.webhookUrlSecret", &d.webhook_url_secret));
        }
        out
    }
}

/// A webhook receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Webhook {
    /// Secret key holding the URL.
    pub url_secret: SecretKeyRef,
}

/// A Slack receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Slack {
    /// Secret key holding the incoming-webhook URL.
    pub api_url_secret: SecretKeyRef,
    /// Channel to post to, such as `#alerts`.
    pub channel: String,
}

/// A PagerDuty receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PagerDuty {
    /// Secret key holding the Events v2 routing key.
    pub routing_key_secret: SecretKeyRef,
}

/// The root route of Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Route {
    /// Receiver of alerts no child route takes.
    pub receiver: String,
    /// Labels that group alerts into one notification.
    pub group_by: Vec<LabelName>,
    /// Wait before the first notification of a group.
    pub group_wait: Duration,
    /// Wait before notifying about new alerts in a group.
    pub group_interval: Duration,
    /// Wait before repeating a notification.
    pub repeat_interval: Duration,
    /// Child routes, tried in order.
    pub routes: Vec<ChildRoute>,
}

impl Default for Route {
    fn default() -> Self {
        Self {
            receiver: "default".to_owned(),
            group_by: ["alertname", "cluster", "namespace"]
                .map(LabelName::lit)
                .to_vec(),
            group_wait: Duration::lit("30s"),
            group_interval: Duration::lit("5m"),
            repeat_interval: Duration::lit("4h"),
            routes: Vec::new(),
        }
    }
}

/// A child route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChildRoute {
    /// Receiver of the matching alerts.
    pub receiver: String,
    /// Alertmanager matchers such as `severity="critical"`, all of which must match; none
    /// matches every alert.
    #[serde(default)]
    pub matchers: Vec<String>,
    /// Keep trying later siblings after a match.
    #[serde(default, rename = "continue")]
    pub continue_: bool,
    /// Labels that group alerts into one notification (`...` groups by every label);
    /// inherited from the parent when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Vec<String>>,
    /// Wait before the first notification of a group; inherited when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<Duration>,
    /// Wait before notifying about new alerts in a group; inherited when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<Duration>,
    /// Wait before repeating a notification; inherited when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<Duration>,
    /// Names of `timeIntervals` during which this route sends nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<String>,
    /// Names of `timeIntervals` outside which this route sends nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub active_time_intervals: Vec<String>,
    /// Child routes of this route, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<ChildRoute>,
}

/// A named set of time ranges; a moment is in the interval when any range holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeInterval {
    /// Name routes refer to.
    pub name: String,
    /// The ranges; each holds a moment when every field it sets holds it.
    pub time_intervals: Vec<TimeRange>,
}

/// One time range of a [`TimeInterval`]; an unset field holds at any time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeRange {
    /// Times of day, `HH:MM` from `00:00` to `24:00`, start before end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<TimeOfDay>,
    /// Days of the week or ranges of them: `monday`, `monday:friday`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<String>,
    /// Days of the month or ranges, negative counting from the end: `1`, `1:15`, `-3:-1`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days_of_month: Vec<String>,
    /// Months by name or number, or ranges: `january`, `1:3`, `october:december`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<String>,
    /// Years or ranges of them: `2025`, `2025:2027`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<String>,
    /// IANA time zone the range is read in, such as `Europe/Berlin` (default `UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// A time of day range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeOfDay {
    /// Start, `HH:MM`, inclusive.
    pub start_time: String,
    /// End, `HH:MM`, exclusive.
    pub end_time: String,
}

/// An inhibition rule: while an alert matching `sourceMatchers` fires, alerts matching
/// `targetMatchers` with the same values of the `equal` labels are muted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InhibitRule {
    /// Matchers the muting (source) alert must satisfy.
    #[serde(default)]
    pub source_matchers: Vec<String>,
    /// Matchers the muted (target) alert must satisfy.
    #[serde(default)]
    pub target_matchers: Vec<String>,
    /// Labels whose values source and target must share.
    #[serde(default)]
    pub equal: Vec<LabelName>,
}

/// An email receiver. Alertmanager v0.28 has no file for `auth_secret` (CRAM-MD5), so it is
/// not offered; PLAIN/LOGIN authentication with `authPasswordSecret` is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Email {
    /// Recipient address(es), comma-separated; a Go template.
    pub to: String,
    /// Sender address.
    pub from: String,
    /// SMTP server as `host:port`, such as `smtp.example.com:587`.
    pub smarthost: String,
    /// Hostname to identify as to the SMTP server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hello: Option<String>,
    /// SMTP user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_username: Option<String>,
    /// Secret key holding the SMTP password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_password_secret: Option<SecretKeyRef>,
    /// Identity for PLAIN authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_identity: Option<String>,
    /// Require STARTTLS (Alertmanager's default is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
    /// Extra headers such as `Subject`; values are Go templates.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// HTML body; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Plain-text body; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Notify about resolved alerts (Alertmanager's default for email is `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// An Opsgenie receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Opsgenie {
    /// Secret key holding the API key.
    pub api_key_secret: SecretKeyRef,
    /// API URL, for Opsgenie's EU instance `https://api.eu.opsgenie.com/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Alert message; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Alert description; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Backlink to the sender; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Extra key-value details; values are Go templates.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
    /// Teams, users, escalations or schedules to notify.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responders: Vec<OpsgenieResponder>,
    /// Comma-separated tags; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// Priority `P1` to `P5`; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Notify about resolved alerts (Alertmanager's default for Opsgenie is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// Whom Opsgenie notifies: one of `id`, `name` or `username`, and a `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpsgenieResponder {
    /// The responder's Opsgenie id (one of `id`, `name`, `username`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The responder's name (a team, escalation or schedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The responder's user name (a user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `team`, `teams`, `user`, `escalation` or `schedule`, or a Go template.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A VictorOps (Splunk On-Call) receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VictorOps {
    /// Secret key holding the API key.
    pub api_key_secret: SecretKeyRef,
    /// Routing key of the team to alert; a Go template.
    pub routing_key: String,
    /// API URL, when not VictorOps's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// `CRITICAL`, `WARNING` or `INFO`; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// Long description; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_message: Option<String>,
    /// Summary; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_display_name: Option<String>,
    /// Extra fields; values are Go templates.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, String>,
    /// Notify about resolved alerts (Alertmanager's default for VictorOps is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// A Pushover receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pushover {
    /// Secret key holding the recipient's user key.
    pub user_key_secret: SecretKeyRef,
    /// Secret key holding the application's API token.
    pub token_secret: SecretKeyRef,
    /// Title; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Message; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Supplementary URL; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Priority `-2` to `2`; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// How often an emergency notification is retried, a Go duration (`1m`; no days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<String>,
    /// How long an emergency notification is retried, a Go duration (`1h`; no days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire: Option<String>,
    /// Notify about resolved alerts (Alertmanager's default for Pushover is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// An Amazon SNS receiver: exactly one of `topicArn`, `targetArn` and `phoneNumber`.
/// Requests are signed with the credentials the AWS SDK finds in the pod (web identity,
/// environment); SigV4's `access_key`/`secret_key` have no file in v0.28 and are not offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sns {
    /// SNS topic ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
    /// Mobile platform endpoint ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<String>,
    /// Phone number for SMS, in E.164 format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// AWS region of the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Role to assume for publishing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// SNS API URL, when not the region's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Subject (email endpoints); a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Message; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Message attributes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Notify about resolved alerts (Alertmanager's default for SNS is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// A Telegram receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Telegram {
    /// Secret key holding the bot token.
    pub bot_token_secret: SecretKeyRef,
    /// Chat to post to (negative for groups).
    pub chat_id: i64,
    /// Bot API URL, when not `https://api.telegram.org`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Message; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `HTML` (Alertmanager's default), `Markdown` or `MarkdownV2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<String>,
    /// Send silently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_notifications: Option<bool>,
    /// Notify about resolved alerts (Alertmanager's default for Telegram is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// A Webex receiver; the bot's token becomes the `Bearer` credentials of its HTTP client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Webex {
    /// Secret key holding the bot's access token.
    pub bot_token_secret: SecretKeyRef,
    /// Room to post to.
    pub room_id: String,
    /// API URL, when not `https://webexapis.com/v1/messages`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Message; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Notify about resolved alerts (Alertmanager's default for Webex is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// A Microsoft Teams receiver (Office 365 connector webhook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MsTeams {
    /// Secret key holding the incoming-webhook URL.
    pub webhook_url_secret: SecretKeyRef,
    /// Title; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Summary; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Text; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Notify about resolved alerts (Alertmanager's default for Teams is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// A Discord receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Discord {
    /// Secret key holding the webhook URL.
    pub webhook_url_secret: SecretKeyRef,
    /// Title; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Message; a Go template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Notify about resolved alerts (Alertmanager's default for Discord is `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// A WeChat Work receiver: always refused (see `Receiver.wechat`), kept typed so the error
/// can say why rather than call the field unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeChat {
    /// Corporation ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
    /// Application agent ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// User to notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_user: Option<String>,
}
