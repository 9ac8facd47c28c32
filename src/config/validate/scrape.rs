//! The user's scrape jobs and remote writes, checked as Prometheus checks them when it loads
//! its config (`config.go`, `relabel.go` of v3.5): job names unique and none of stackgen's,
//! a timeout within its interval, targets `host:port`, regexes that compile, each relabel
//! action with what it needs, and every secret file on a volume the prometheus container
//! mounts (else Prometheus would not start, or scrape nothing).

use std::collections::BTreeSet;

use super::Findings;
use crate::config::facts::SERVICE_ACCOUNT_DIR;
use crate::config::model::scrape::{
    DnsType, KubernetesRole, RelabelConfig, RemoteWrite, ScrapeConfig, client_files,
};
use crate::config::model::{Extras, Spec};

/// The jobs stackgen writes itself; a component's job is named after it.
const OWN_JOBS: [&str; 17] = [
    "apiserver",
    "kubelet",
    "cadvisor",
    "kubernetes-service-endpoints",
    "kubernetes-pods",
    "prometheus",
    "alertmanager",
    "grafana",
    "kube-state-metrics",
    "node-exporter",
    "memcached",
    "thanos-sidecar",
    "coredns",
    "etcd",
    "kube-scheduler",
    "kube-controller-manager",
    "kube-proxy",
];

pub(super) fn scrape_configs_are_valid(spec: &Spec, f: &mut Findings) {
    let p = &spec.prometheus;
    let mounts = mounted(&p.extra);
    let mut names = BTreeSet::new();
    for (i, job) in p.additional_scrape_configs.iter().enumerate() {
        let at = format!("spec.prometheus.additionalScrapeConfigs[{i}]");
        scrape_config(&at, job, spec, f);
        if !names.insert(job.job_name.as_str()) {
            f.error(
                &format!("{at}.job_name"),
                format!("job `{}` is named twice", job.job_name),
                "give each job its own name: it is the `job` label of every series it scrapes",
            );
        }
        let files = client_files(&job.basic_auth, &job.authorization, &job.tls_config);
        files_are_mounted(&at, &files, &mounts, f);
    }
    let mut names = BTreeSet::new();
    for (i, write) in p.remote_write.iter().enumerate() {
        let at = format!("spec.prometheus.remoteWrite[{i}]");
        remote_write(&at, write, f);
        if let Some(name) = &write.name
            && !names.insert(name.as_str())
        {
            f.error(
                &format!("{at}.name"),
                format!("remote write `{name}` is named twice"),
                "give each endpoint its own name",
            );
        }
        let files = client_files(&write.basic_auth, &write.authorization, &write.tls_config);
        files_are_mounted(&at, &files, &mounts, f);
    }
}

fn scrape_config(at: &str, job: &ScrapeConfig, spec: &Spec, f: &mut Findings) {
    let name = job.job_name.as_str();
    if name.is_empty() {
        f.error(
            &format!("{at}.job_name"),
            "is empty".to_owned(),
            "name the job",
        );
    } else if OWN_JOBS.contains(&name) || name.starts_with("thanos-") {
        f.error(
            &format!("{at}.job_name"),
            format!("`{name}` is a job stackgen writes (its own jobs are the stack's components, `thanos-*`, the Kubernetes and the control-plane jobs)"),
            "choose another name, such as `team-a-api`",
        );
    }
    if job.static_configs.is_empty()
        && job.kubernetes_sd_configs.is_empty()
        && job.dns_sd_configs.is_empty()
    {
        f.error(
            at,
            format!("job `{name}` has no targets"),
            "add `static_configs`, `kubernetes_sd_configs` or `dns_sd_configs`",
        );
    }
    let interval = job
        .scrape_interval
        .as_ref()
        .unwrap_or(&spec.prometheus.scrape_interval);
    if let Some(timeout) = &job.scrape_timeout
        && timeout.millis() > interval.millis()
    {
        f.error(
            &format!("{at}.scrape_timeout"),
            format!("{timeout} is longer than the scrape interval, {interval}"),
            "Prometheus refuses a timeout longer than the interval; shorten it",
        );
    }
    if let Some(path) = &job.metrics_path
        && !path.starts_with('/')
    {
        f.error(
            &format!("{at}.metrics_path"),
            format!("`{path}` does not start with `/`"),
            "write the path part of the URL only, such as `/metrics`",
        );
    }
    for (s, config) in job.static_configs.iter().enumerate() {
        for (t, target) in config.targets.iter().enumerate() {
            if !is_host_port(target) {
                f.error(
                    &format!("{at}.static_configs[{s}].targets[{t}]"),
                    format!("`{target}` is not `host:port`"),
                    "write the host and port only; the scheme and path are the job's `scheme` and `metrics_path`",
                );
            }
        }
    }
    for (k, sd) in job.kubernetes_sd_configs.iter().enumerate() {
        let allowed = selector_roles(sd.role);
        let mut seen = BTreeSet::new();
        for (n, selector) in sd.selectors.iter().enumerate() {
            let at = format!("{at}.kubernetes_sd_configs[{k}].selectors[{n}].role");
            if !allowed.contains(&selector.role) {
                f.error(
                    &at,
                    format!(
                        "a `{}` selector does not apply to role `{}`",
                        role_name(selector.role),
                        role_name(sd.role)
                    ),
                    format!(
                        "role `{}` takes selectors of role {}",
                        role_name(sd.role),
                        allowed
                            .iter()
                            .map(|r| format!("`{}`", role_name(*r)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            if !seen.insert(role_name(selector.role)) {
                f.error(
                    &at,
                    format!("a second `{}` selector", role_name(selector.role)),
                    "Prometheus takes one selector per role; join their terms with `,`",
                );
            }
        }
    }
    for (d, dns) in job.dns_sd_configs.iter().enumerate() {
        let needs_port = matches!(
            dns.type_,
            Some(DnsType::A | DnsType::Aaaa | DnsType::Mx | DnsType::Ns)
        );
        if needs_port && dns.port.is_none() {
            f.error(
                &format!("{at}.dns_sd_configs[{d}].port"),
                "is missing: A, AAAA, MX and NS records carry no port".to_owned(),
                "set `port`, or use SRV records",
            );
        }
    }
    relabels(&format!("{at}.relabel_configs"), &job.relabel_configs, f);
    relabels(
        &format!("{at}.metric_relabel_configs"),
        &job.metric_relabel_configs,
        f,
    );
}

fn remote_write(at: &str, write: &RemoteWrite, f: &mut Findings) {
    if !(write.url.starts_with("http://") || write.url.starts_with("https://"))
        || write.url.contains(char::is_whitespace)
    {
        f.error(
            &format!("{at}.url"),
            format!("`{}` is not an http(s) URL", write.url),
            "write the endpoint's full URL, such as `https://metrics.example.com/api/v1/write`",
        );
    }
    relabels(
        &format!("{at}.write_relabel_configs"),
        &write.write_relabel_configs,
        f,
    );
    if let Some(q) = &write.queue_config {
        if let (Some(min), Some(max)) = (q.min_shards, q.max_shards)
            && min > max
        {
            f.error(
                &format!("{at}.queue_config.min_shards"),
                format!("{min} is more than `max_shards`, {max}"),
                "keep `min_shards` at most `max_shards`",
            );
        }
        if let (Some(min), Some(max)) = (&q.min_backoff, &q.max_backoff)
            && min.millis() > max.millis()
        {
            f.error(
                &format!("{at}.queue_config.min_backoff"),
                format!("{min} is longer than `max_backoff`, {max}"),
                "keep `min_backoff` at most `max_backoff`",
            );
        }
    }
}

/// What Prometheus's `relabel.Config.Validate` refuses, and regexes that do not compile.
fn relabels(at: &str, steps: &[RelabelConfig], f: &mut Findings) {
    for (i, step) in steps.iter().enumerate() {
        let at = format!("{at}[{i}]");
        if let Some(regex) = &step.regex
            && let Err(e) = regex::Regex::new(&format!("^(?:{regex})$"))
        {
            let why = e.to_string();
            f.error(
                &format!("{at}.regex"),
                format!(
                    "`{regex}` does not compile: {}",
                    why.lines().last().unwrap_or_default().trim()
                ),
                "Prometheus takes RE2 syntax, anchored at both ends",
            );
        }
        for (field, why, help) in step.problems() {
            let at = if field.is_empty() {
                at.clone()
            } else {
                format!("{at}.{field}")
            };
            f.error(&at, why, help);
        }
    }
}

/// The selector roles Prometheus's Kubernetes discovery allows for a role.
fn selector_roles(role: KubernetesRole) -> &'static [KubernetesRole] {
    use KubernetesRole as R;
    match role {
        R::Endpoints => &[R::Pod, R::Service, R::Endpoints],
        R::EndpointSlice => &[R::Pod, R::Service, R::EndpointSlice],
        R::Node => &[R::Node],
        R::Pod => &[R::Pod],
        R::Service => &[R::Service],
        R::Ingress => &[R::Ingress],
    }
}

fn role_name(role: KubernetesRole) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The folders mounted into the prometheus container: its token's, and the user's.
fn mounted(extra: &Extras) -> Vec<String> {
    let mut dirs = vec![SERVICE_ACCOUNT_DIR.to_owned()];
    dirs.extend(extra.volume_mounts.iter().map(|m| m.mount_path.clone()));
    dirs
}

fn files_are_mounted(at: &str, files: &[(&str, &str)], mounts: &[String], f: &mut Findings) {
    for (field, file) in files {
        let on_a_volume = mounts.iter().any(|dir| {
            file.strip_prefix(dir.trim_end_matches('/'))
                .is_some_and(|rest| rest.starts_with('/'))
        });
        if !file.starts_with('/') || !on_a_volume {
            f.error(
                &format!("{at}.{field}"),
                format!("`{file}` lies on no volume mounted into the prometheus container"),
                "mount the Secret holding it with `prometheus.extra.volumes` and `prometheus.extra.volumeMounts`, and name the file by its absolute path there",
            );
        }
    }
}

fn is_host_port(target: &str) -> bool {
    let Some((host, port)) = target.rsplit_once(':') else {
        return false;
    };
    !host.is_empty()
        && !host.contains('/')
        && !host.contains(char::is_whitespace)
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, passes};
    use crate::diagnostic::Severity;

    #[test]
    fn scrape_jobs_are_checked_as_prometheus_loads_them() {
        let ds = diagnostics(
            r#"
            prometheus:
              scrapeInterval: 30s
              additionalScrapeConfigs:
                - job_name: kubelet
                  static_configs: [{targets: ["https://db:9187", "db:9187"]}]
                - job_name: team
                  scrape_timeout: 1m
                  metrics_path: metrics
                  kubernetes_sd_configs: [{role: pod, selectors: [{role: service, label: a=b}]}]
                  basic_auth: {username: u, password_file: /etc/secret/password}
                  relabel_configs:
                    - {source_labels: [a], regex: "(unclosed"}
                    - {source_labels: [a]}
                    - {action: hashmod, target_label: h}
                    - {action: labeldrop, regex: tmp_.*, source_labels: [x]}
                - job_name: team
                  dns_sd_configs: [{names: [db.example.org], type: A}]
              remoteWrite:
                - url: metrics.example.org/write
                  queue_config: {min_shards: 5, max_shards: 2}
            "#,
        );
        for (path, fragment) in [
            (
                "spec.prometheus.additionalScrapeConfigs[0].job_name",
                "is a job stackgen writes",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[0].static_configs[0].targets[0]",
                "is not `host:port`",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].scrape_timeout",
                "longer than the scrape interval, 30s",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].metrics_path",
                "does not start with `/`",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].kubernetes_sd_configs[0].selectors[0].role",
                "does not apply to role `pod`",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].basic_auth.password_file",
                "lies on no volume mounted",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].relabel_configs[0].regex",
                "does not compile",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].relabel_configs[1]",
                "needs `target_label`",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].relabel_configs[2].modulus",
                "above 0",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[1].relabel_configs[3]",
                "takes no `source_labels`",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[2].job_name",
                "named twice",
            ),
            (
                "spec.prometheus.additionalScrapeConfigs[2].dns_sd_configs[0].port",
                "carry no port",
            ),
            (
                "spec.prometheus.remoteWrite[0].url",
                "is not an http(s) URL",
            ),
            (
                "spec.prometheus.remoteWrite[0].queue_config.min_shards",
                "more than `max_shards`",
            ),
        ] {
            expect(&ds, Severity::Error, path, fragment);
        }
    }

    #[test]
    fn a_misspelt_field_is_refused_with_the_likely_one() {
        let ds = diagnostics(
            "
            prometheus:
              additionalScrapeConfigs:
                - job_name: team
                  static_config: [{targets: ['db:9187']}]
            ",
        );
        let d = expect(
            &ds,
            Severity::Error,
            "spec.prometheus.additionalScrapeConfigs[0].static_config",
            "unknown field",
        );
        assert!(d.help.unwrap_or_default().contains("static_configs"));
    }

    #[test]
    fn secrets_on_mounted_volumes_pass() {
        passes(
            "
            prometheus:
              additionalScrapeConfigs:
                - job_name: team
                  static_configs: [{targets: ['db:9187']}]
                  authorization: {credentials_file: /etc/prometheus/secrets/team/token}
              extra:
                volumes: [{name: team, secret: {secretName: team-token}}]
                volumeMounts: [{name: team, mountPath: /etc/prometheus/secrets/team}]
            ",
            "spec.prometheus.additionalScrapeConfigs",
        );
    }
}
