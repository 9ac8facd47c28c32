//! Alertmanager's integrations, checked as v0.28 checks them when it loads its config (and
//! what it would only find out when a notification fails): required fields, one-of choices,
//! enumerations, inline URLs, Go templates, and ports NetworkPolicies would block.

use super::Findings;
use crate::config::gotemplate::{self, Dialect};
use crate::config::model::{Receiver, Spec};

pub(super) fn integrations_are_usable(spec: &Spec, f: &mut Findings) {
    let am = &spec.alertmanager;
    if !am.enabled {
        return;
    }
    let policies = &spec.network_policies;
    let ports = policies
        .enabled
        .then_some(policies.receiver_ports.as_slice());
    for (i, r) in am.receivers.iter().enumerate() {
        let mut c = Check {
            base: format!("spec.alertmanager.receivers[{i}]"),
            ports,
            f: &mut *f,
        };
        c.receiver(r);
    }
}

struct Check<'f, 'a> {
    base: String,
    /// Ports NetworkPolicies let Alertmanager dial, when they are on.
    ports: Option<&'f [u16]>,
    f: &'f mut Findings<'a>,
}

impl Check<'_, '_> {
    fn at(&self, field: &str) -> String {
        format!("{}.{field}", self.base)
    }

    fn error(&mut self, field: &str, message: String, help: impl Into<String>) {
        let path = self.at(field);
        self.f.error(&path, message, help);
    }

    /// Fields Alertmanager renders as Go templates.
    fn templates<'s>(&mut self, fields: impl IntoIterator<Item = (String, Option<&'s String>)>) {
        for (field, text) in fields {
            let Some(text) = text else { continue };
            if let Err(why) = gotemplate::check_in(text, Dialect::Alertmanager) {
                self.error(
                    &field,
                    format!("is not a Go template Alertmanager can parse: {why}"),
                    "Alertmanager refuses to send the notification; fix the template (its data is `.`, such as `.CommonLabels.alertname`)",
                );
            }
        }
    }

    fn required(&mut self, field: &str, value: &str, why: &str) {
        if value.trim().is_empty() {
            self.error(field, "is empty".to_owned(), why.to_owned());
        }
    }

    /// An inline (non-secret) URL: Alertmanager wants `http` or `https` and a host; with
    /// NetworkPolicies on, its port must be one Alertmanager may dial.
    fn url(&mut self, field: &str, url: Option<&String>) {
        let Some(url) = url else { return };
        let Some((scheme, rest)) = url.split_once("://") else {
            return self.error(
                field,
                format!("`{url}` is not a URL"),
                "write an absolute URL such as `https://api.example.com/`",
            );
        };
        let host_port = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = host_port.rsplit('@').next().unwrap_or_default();
        if !matches!(scheme, "http" | "https")
            || host_port.is_empty()
            || url.chars().any(char::is_whitespace)
        {
            return self.error(
                field,
                format!("`{url}` is not an http(s) URL with a host"),
                "Alertmanager accepts only `http://` and `https://` URLs with a host",
            );
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let port = match host_port.rsplit_once(':') {
            Some((_, p)) if !host_port.ends_with(']') => match p.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => {
                    return self.error(
                        field,
                        format!("`{url}` has no valid port"),
                        "a port is a number from 1 to 65535",
                    );
                }
            },
            _ => default_port,
        };
        self.port_allowed(field, url, port);
    }

    fn port_allowed(&mut self, field: &str, what: &str, port: u16) {
        let Some(ports) = self.ports else { return };
        if !ports.contains(&port) {
            let list = ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            self.error(
                field,
                format!(
                    "`{what}` is on port {port}, but NetworkPolicies let Alertmanager reach receivers only on {list}"
                ),
                format!("add {port} to `spec.networkPolicies.receiverPorts`"),
            );
        }
    }

    fn receiver(&mut self, r: &Receiver) {
        if let Some(e) = &r.email {
            self.required(
                "email.to",
                &e.to,
                "Alertmanager refuses an email config without `to`",
            );
            self.required(
                "email.from",
                &e.from,
                "Alertmanager needs a sender; stackgen sets no global one",
            );
            self.smarthost(&e.smarthost);
            let mut seen: Vec<String> = Vec::new();
            for name in e.headers.keys() {
                let canonical = canonical_header(name);
                if seen.contains(&canonical) {
                    self.error(
                        &format!("email.headers.{name}"),
                        format!("header `{canonical}` is set twice (header names ignore case)"),
                        "Alertmanager refuses duplicate headers; keep one",
                    );
                }
                seen.push(canonical);
            }
            self.templates(
                [
                    ("email.to".to_owned(), Some(&e.to)),
                    ("email.html".to_owned(), e.html.as_ref()),
                    ("email.text".to_owned(), e.text.as_ref()),
                ]
                .into_iter()
                .chain(
                    e.headers
                        .iter()
                        .map(|(k, v)| (format!("email.headers.{k}"), Some(v))),
                ),
            );
        }
        if let Some(o) = &r.opsgenie {
            self.url("opsgenie.apiUrl", o.api_url.as_ref());
            for (i, responder) in o.responders.iter().enumerate() {
                let field = format!("opsgenie.responders[{i}]");
                let named = [&responder.id, &responder.name, &responder.username]
                    .iter()
                    .any(|v| v.as_deref().is_some_and(|v| !v.is_empty()));
                if !named {
                    self.error(
                        &field,
                        "names nobody".to_owned(),
                        "set one of `id`, `name` or `username`",
                    );
                }
                let kind = responder.kind.to_lowercase();
                let types = ["team", "teams", "user", "escalation", "schedule"];
                if !responder.kind.contains("{{") && !types.contains(&kind.as_str()) {
                    self.error(
                        &format!("{field}.type"),
                        format!("`{}` is not a responder type", responder.kind),
                        "use `team`, `teams`, `user`, `escalation` or `schedule` (or a Go template)",
                    );
                }
                self.templates([(format!("{field}.type"), Some(&responder.kind))]);
            }
            self.templates(
                [
                    ("opsgenie.message", o.message.as_ref()),
                    ("opsgenie.description", o.description.as_ref()),
                    ("opsgenie.source", o.source.as_ref()),
                    ("opsgenie.tags", o.tags.as_ref()),
                    ("opsgenie.priority", o.priority.as_ref()),
                ]
                .map(|(k, v)| (k.to_owned(), v))
                .into_iter()
                .chain(
                    o.details
                        .iter()
                        .map(|(k, v)| (format!("opsgenie.details.{k}"), Some(v))),
                ),
            );
        }
        if let Some(v) = &r.victorops {
            self.required(
                "victorops.routingKey",
                &v.routing_key,
                "Alertmanager refuses a VictorOps config without a routing key",
            );
            self.url("victorops.apiUrl", v.api_url.as_ref());
            const RESERVED: [&str; 7] = [
                "routing_key",
                "message_type",
                "state_message",
                "entity_display_name",
                "monitoring_tool",
                "entity_id",
                "entity_state",
            ];
            for name in v.custom_fields.keys() {
                if RESERVED.contains(&name.as_str()) {
                    self.error(
                        &format!("victorops.customFields.{name}"),
                        format!("`{name}` is a field Alertmanager sets itself"),
                        format!(
                            "Alertmanager refuses custom fields named {}",
                            RESERVED.join(", ")
                        ),
                    );
                }
            }
            self.templates(
                [
                    ("victorops.routingKey", Some(&v.routing_key)),
                    ("victorops.messageType", v.message_type.as_ref()),
                    ("victorops.stateMessage", v.state_message.as_ref()),
                    (
                        "victorops.entityDisplayName",
                        v.entity_display_name.as_ref(),
                    ),
                ]
                .map(|(k, v)| (k.to_owned(), v))
                .into_iter()
                .chain(
                    v.custom_fields
                        .iter()
                        .map(|(k, v)| (format!("victorops.customFields.{k}"), Some(v))),
                ),
            );
        }
        if let Some(p) = &r.pushover {
            for (field, value) in [("pushover.retry", &p.retry), ("pushover.expire", &p.expire)] {
                if let Some(value) = value
                    && !is_go_duration(value)
                {
                    self.error(
                        field,
                        format!("`{value}` is not a Go duration"),
                        "Pushover's retry and expire are read by Go's time.ParseDuration: units `ms`, `s`, `m`, `h` (no days), such as `30s` or `2h`",
                    );
                }
            }
            self.templates(
                [
                    ("pushover.title", p.title.as_ref()),
                    ("pushover.message", p.message.as_ref()),
                    ("pushover.url", p.url.as_ref()),
                    ("pushover.priority", p.priority.as_ref()),
                ]
                .map(|(k, v)| (k.to_owned(), v)),
            );
        }
        if let Some(s) = &r.sns {
            let set = [&s.topic_arn, &s.target_arn, &s.phone_number]
                .iter()
                .filter(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
                .count();
            if set != 1 {
                self.error(
                    "sns",
                    format!("sets {set} of `topicArn`, `targetArn` and `phoneNumber`"),
                    "Alertmanager publishes to exactly one: set one of them",
                );
            }
            self.url("sns.apiUrl", s.api_url.as_ref());
            self.templates(
                [
                    ("sns.subject", s.subject.as_ref()),
                    ("sns.message", s.message.as_ref()),
                ]
                .map(|(k, v)| (k.to_owned(), v)),
            );
        }
        if let Some(t) = &r.telegram {
            if t.chat_id == 0 {
                self.error(
                    "telegram.chatId",
                    "is 0".to_owned(),
                    "Alertmanager refuses a Telegram config without a chat; set the chat's ID",
                );
            }
            if let Some(mode) = &t.parse_mode
                && !["HTML", "Markdown", "MarkdownV2"].contains(&mode.as_str())
            {
                self.error(
                    "telegram.parseMode",
                    format!("`{mode}` is not a Telegram parse mode"),
                    "use `HTML`, `Markdown` or `MarkdownV2`",
                );
            }
            self.url("telegram.apiUrl", t.api_url.as_ref());
            self.templates([("telegram.message".to_owned(), t.message.as_ref())]);
        }
        if let Some(w) = &r.webex {
            self.required(
                "webex.roomId",
                &w.room_id,
                "Alertmanager refuses a Webex config without a room",
            );
            self.url("webex.apiUrl", w.api_url.as_ref());
            self.templates([("webex.message".to_owned(), w.message.as_ref())]);
        }
        if let Some(m) = &r.msteams {
            self.templates(
                [
                    ("msteams.title", m.title.as_ref()),
                    ("msteams.summary", m.summary.as_ref()),
                    ("msteams.text", m.text.as_ref()),
                ]
                .map(|(k, v)| (k.to_owned(), v)),
            );
        }
        if let Some(d) = &r.discord {
            self.templates(
                [
                    ("discord.title", d.title.as_ref()),
                    ("discord.message", d.message.as_ref()),
                ]
                .map(|(k, v)| (k.to_owned(), v)),
            );
        }
        if r.wechat.is_some() {
            self.error(
                "wechat",
                "WeChat needs its `api_secret` written into Alertmanager's config, which stackgen never does".to_owned(),
                "Alertmanager v0.28 has no `api_secret_file` for WeChat; use another integration, or a webhook to a relay that holds the secret",
            );
        }
    }

    /// `host:port`, as Alertmanager's email config requires (it dials the port as given).
    fn smarthost(&mut self, smarthost: &str) {
        let field = "email.smarthost";
        let parsed = smarthost
            .rsplit_once(':')
            .filter(|(host, _)| !host.is_empty() && !host.chars().any(char::is_whitespace))
            .and_then(|(_, port)| port.parse::<u16>().ok().filter(|p| *p > 0));
        match parsed {
            Some(port) => self.port_allowed(field, smarthost, port),
            None => self.error(
                field,
                format!("`{smarthost}` is not `host:port`"),
                "write the SMTP server with its port, such as `smtp.example.com:587`",
            ),
        }
    }
}

/// Go's `textproto.CanonicalMIMEHeaderKey` for ASCII names: `x-team` becomes `X-Team`.
fn canonical_header(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// What Go's `time.ParseDuration` reads: signed decimal numbers with units, such as `1h30m`.
fn is_go_duration(s: &str) -> bool {
    let rest = s.strip_prefix(['-', '+']).unwrap_or(s);
    if rest == "0" {
        return true;
    }
    let mut rest = rest;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 || rest[..digits].parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u) && !(*u == "m" && rest.starts_with("ms")))
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_go_duration;
    use crate::config::testing::{help_of, passes, rejects};

    const SECRET: &str = "{name: am-secrets, key: k}";

    #[test]
    fn go_durations_are_what_go_reads() {
        for ok in ["30s", "1h30m", "1.5h", "0", "500ms"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["1d", "", "h", "5", "1w"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn every_integration_with_its_secrets_as_files_passes() {
        passes(
            &format!(
                r#"
                alertmanager:
                  receivers:
                    - name: default
                    - name: all
                      email: {{to: 'ops@example.com', from: 'am@example.com', smarthost: 'smtp.example.com:587', authUsername: am, authPasswordSecret: {SECRET}, headers: {{Subject: '{{{{ .CommonLabels.alertname }}}}'}}}}
                      opsgenie: {{apiKeySecret: {SECRET}, apiUrl: 'https://api.eu.opsgenie.com/', responders: [{{name: sre, type: team}}]}}
                      victorops: {{apiKeySecret: {SECRET}, routingKey: sre}}
                      pushover: {{userKeySecret: {SECRET}, tokenSecret: {SECRET}, retry: 1m, expire: 2h}}
                      sns: {{topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts', region: eu-west-1}}
                      telegram: {{botTokenSecret: {SECRET}, chatId: -100123, parseMode: MarkdownV2}}
                      webex: {{botTokenSecret: {SECRET}, roomId: abc}}
                      msteams: {{webhookUrlSecret: {SECRET}, title: '{{{{ .Status }}}}'}}
                      discord: {{webhookUrlSecret: {SECRET}}}
                "#
            ),
            "spec.alertmanager.receivers[1]",
        );
    }

    #[test]
    fn what_alertmanager_refuses_in_integrations_is_refused() {
        let base = "alertmanager: {receivers: [{name: default}, {name: r, ";
        let cases = [
            (
                "email: {to: a@b, from: c@d, smarthost: smtp.example.com}}]}",
                "spec.alertmanager.receivers[1].email.smarthost",
                "is not `host:port`",
            ),
            (
                "email: {to: a@b, from: c@d, smarthost: 'h:25', headers: {subject: a, Subject: b}}}]}",
                "spec.alertmanager.receivers[1].email.headers.subject",
                "header `Subject` is set twice",
            ),
            (
                "opsgenie: {apiKeySecret: {name: s, key: k}, apiUrl: 'ftp://x'}}]}",
                "spec.alertmanager.receivers[1].opsgenie.apiUrl",
                "is not an http(s) URL",
            ),
            (
                "opsgenie: {apiKeySecret: {name: s, key: k}, responders: [{type: squad, name: x}]}}]}",
                "spec.alertmanager.receivers[1].opsgenie.responders[0].type",
                "`squad` is not a responder type",
            ),
            (
                "victorops: {apiKeySecret: {name: s, key: k}, routingKey: x, customFields: {entity_id: y}}}]}",
                "spec.alertmanager.receivers[1].victorops.customFields.entity_id",
                "Alertmanager sets itself",
            ),
            (
                "pushover: {userKeySecret: {name: s, key: k}, tokenSecret: {name: s, key: t}, expire: 1d}}]}",
                "spec.alertmanager.receivers[1].pushover.expire",
                "is not a Go duration",
            ),
            (
                "sns: {topicArn: a, phoneNumber: '+1555'}}]}",
                "spec.alertmanager.receivers[1].sns",
                "sets 2 of",
            ),
            (
                "telegram: {botTokenSecret: {name: s, key: k}, chatId: 0}}]}",
                "spec.alertmanager.receivers[1].telegram.chatId",
                "is 0",
            ),
            (
                "telegram: {botTokenSecret: {name: s, key: k}, chatId: 1, parseMode: html}}]}",
                "spec.alertmanager.receivers[1].telegram.parseMode",
                "not a Telegram parse mode",
            ),
            (
                "webex: {botTokenSecret: {name: s, key: k}, roomId: ''}}]}",
                "spec.alertmanager.receivers[1].webex.roomId",
                "is empty",
            ),
            (
                "discord: {webhookUrlSecret: {name: s, key: k}, title: '{{ .Status '}}]}",
                "spec.alertmanager.receivers[1].discord.title",
                "is not a Go template",
            ),
            (
                "msteams: {webhookUrlSecret: {name: s, key: k}, text: '{{ $labels.job }}'}}]}",
                "spec.alertmanager.receivers[1].msteams.text",
                "undefined variable `$labels`",
            ),
        ];
        for (body, path, fragment) in cases {
            rejects(&format!("{base}{body}"), path, fragment);
        }
    }

    #[test]
    fn wechat_is_refused_because_its_secret_has_no_file() {
        let d = rejects(
            "alertmanager: {receivers: [{name: default, wechat: {corpId: x}}]}",
            "spec.alertmanager.receivers[0].wechat",
            "never does",
        );
        assert!(help_of(&d).contains("no `api_secret_file`"));
    }

    #[test]
    fn receiver_ports_that_network_policies_block_are_refused() {
        let d = rejects(
            "networkPolicies: {enabled: true}\nalertmanager: {receivers: [{name: default, email: {to: a@b, from: c@d, smarthost: 'smtp.example.com:587'}}]}",
            "spec.alertmanager.receivers[0].email.smarthost",
            "on port 587",
        );
        assert!(help_of(&d).contains("add 587 to `spec.networkPolicies.receiverPorts`"));
        passes(
            "networkPolicies: {enabled: true, receiverPorts: [443, 587]}\nalertmanager: {receivers: [{name: default, email: {to: a@b, from: c@d, smarthost: 'smtp.example.com:587'}}]}",
            "spec.alertmanager.receivers[0].email.smarthost",
        );
        rejects(
            "networkPolicies: {enabled: true}\nalertmanager: {receivers: [{name: default, telegram: {botTokenSecret: {name: s, key: k}, chatId: 1, apiUrl: 'http://tg-proxy.internal:8080'}}]}",
            "spec.alertmanager.receivers[0].telegram.apiUrl",
            "on port 8080",
        );
    }
}
