//! The user's own scrape jobs and remote-write targets, in Prometheus's own format (field
//! names as in `prometheus.yml`, so existing jobs paste in), typed and closed: an unknown or
//! misspelt field is an error at its line, durations are parsed and regexes compiled by
//! validation. Secrets only as files (`password_file`, `credentials_file`, `key_file`), on
//! volumes mounted with `prometheus.extra`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::{Duration, LabelName};

/// A scrape job (`scrape_configs` entry).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrapeConfig {
    /// The job's name, the `job` label of its series; unique among every job.
    pub job_name: String,
    /// How often the targets are scraped; `prometheus.scrapeInterval` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<Duration>,
    /// At most `scrape_interval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_timeout: Option<Duration>,
    /// Starts with `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_path: Option<String>,
    /// `http` (the default) or `https`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
    /// URL parameters of every scrape.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Vec<String>>,
    /// Keep the target's own labels where they clash with the job's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honor_labels: Option<bool>,
    /// Keep the timestamps the target reports (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honor_timestamps: Option<bool>,
    /// Samples per scrape above which the whole scrape fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_limit: Option<u64>,
    /// Labels per series above which the scrape fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_limit: Option<u64>,
    /// Targets above which the job scrapes none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_limit: Option<u64>,
    /// Basic auth; the password from a mounted file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// An `Authorization` header; the credentials from a mounted file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    /// TLS towards the targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    /// An HTTP proxy to scrape through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    /// Fixed targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_configs: Vec<StaticConfig>,
    /// Targets found through the Kubernetes API.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kubernetes_sd_configs: Vec<KubernetesSdConfig>,
    /// Targets found through DNS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_sd_configs: Vec<DnsSdConfig>,
    /// Steps over each target's labels before it is scraped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relabel_configs: Vec<RelabelConfig>,
    /// Steps over each scraped series' labels before it is stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_relabel_configs: Vec<RelabelConfig>,
}

/// Every file an HTTP client of Prometheus reads (its basic auth, authorization and TLS
/// settings), with the field that names it: scrape jobs and remote writes alike.
pub fn client_files<'a>(
    basic_auth: &'a Option<BasicAuth>,
    authorization: &'a Option<Authorization>,
    tls_config: &'a Option<TlsConfig>,
) -> Vec<(&'static str, &'a str)> {
    let mut files = Vec::new();
    if let Some(b) = basic_auth {
        files.push(("basic_auth.password_file", b.password_file.as_str()));
    }
    if let Some(a) = authorization {
        files.push((
            "authorization.credentials_file",
            a.credentials_file.as_str(),
        ));
    }
    if let Some(t) = tls_config {
        for (field, file) in [
            ("tls_config.ca_file", &t.ca_file),
            ("tls_config.cert_file", &t.cert_file),
            ("tls_config.key_file", &t.key_file),
        ] {
            if let Some(file) = file {
                files.push((field, file.as_str()));
            }
        }
    }
    files
}

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

/// Basic auth; the password from a mounted file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// The user name.
    pub username: String,
    /// An absolute path on a volume mounted into the prometheus container.
    pub password_file: String,
}

/// An `Authorization` header; the credentials from a mounted file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// `Bearer` when unset.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// An absolute path on a volume mounted into the prometheus container.
    pub credentials_file: String,
}

/// TLS towards the target; every file on a mounted volume.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// CA certificates to check the server's certificate with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Client certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<String>,
    /// Client certificate's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<String>,
    /// The name the server's certificate must be valid for, when not the target's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// Accept any server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    /// `TLS10` … `TLS13`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<TlsVersion>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TlsVersion {
    #[serde(rename = "TLS10")]
    Tls10,
    #[serde(rename = "TLS11")]
    Tls11,
    #[serde(rename = "TLS12")]
    Tls12,
    #[serde(rename = "TLS13")]
    Tls13,
}

/// Fixed targets, `host:port` each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaticConfig {
    /// `host:port` of each target.
    pub targets: Vec<String>,
    /// Labels added to every series of these targets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<LabelName, String>,
}

/// Kubernetes service discovery, through Prometheus's own ServiceAccount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSdConfig {
    /// What is discovered: `node`, `pod`, `service`, `endpoints`, `endpointslice` or `ingress`.
    pub role: KubernetesRole,
    /// The namespaces to look in; every one when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<SdNamespaces>,
    /// Label and field selectors the API server filters by, one per role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<SdSelector>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KubernetesRole {
    Node,
    Pod,
    Service,
    Endpoints,
    EndpointSlice,
    Ingress,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SdNamespaces {
    /// Namespace names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Also the stack's own namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_namespace: Option<bool>,
}

/// A label or field selector the API server filters by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SdSelector {
    /// The role the selector applies to.
    pub role: KubernetesRole,
    /// A label selector, such as `app=web,tier!=cache`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A field selector, such as `spec.nodeName=node-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// DNS service discovery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsSdConfig {
    /// The DNS names to query.
    pub names: Vec<String>,
    /// `SRV` when unset; `A`, `AAAA` and `MX` need `port`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<DnsType>,
    /// The port of the targets found by A, AAAA, MX and NS records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// How often the names are queried again (30s when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DnsType {
    #[serde(rename = "SRV")]
    Srv,
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "MX")]
    Mx,
    #[serde(rename = "NS")]
    Ns,
}

/// A relabelling step, as Prometheus v3 takes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelabelConfig {
    /// Labels whose values, joined by `separator`, the step reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_labels: Vec<String>,
    /// Joins the source labels' values (`;` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// RE2 syntax, anchored at both ends; `(.*)` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// `hashmod` only: the number of buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modulus: Option<u64>,
    /// The label the step writes (or, for `keepequal`/`dropequal`, compares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_label: Option<String>,
    /// What `replace` writes, with `$1` … for the regex's groups (`$1` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// `replace` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RelabelAction>,
}

impl RelabelConfig {
    /// What Prometheus's `relabel.Config.Validate` refuses of the step, as (the field at
    /// fault, or `""` for the step, why, how to fix it). The regex is compiled by whoever
    /// needs it compiled.
    pub fn problems(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut problems = Vec::new();
        let action = self.action.unwrap_or(RelabelAction::Replace);
        let needs_target = matches!(
            action,
            RelabelAction::Replace
                | RelabelAction::Hashmod
                | RelabelAction::Lowercase
                | RelabelAction::Uppercase
                | RelabelAction::KeepEqual
                | RelabelAction::DropEqual
        );
        if needs_target && self.target_label.is_none() {
            problems.push((
                "",
                format!("a `{}` step needs `target_label`", action.as_str()),
                "name the label it writes (or compares) in `target_label`",
            ));
        }
        if action == RelabelAction::Hashmod && self.modulus.unwrap_or(0) == 0 {
            problems.push((
                "modulus",
                "a `hashmod` step needs a `modulus` above 0".to_owned(),
                "set the number of buckets the hash falls into",
            ));
        }
        let by_name = matches!(action, RelabelAction::Labeldrop | RelabelAction::Labelkeep);
        if by_name && (!self.source_labels.is_empty() || self.target_label.is_some()) {
            problems.push((
                "",
                format!(
                    "a `{}` step matches label names by `regex` and takes no `source_labels` or `target_label`",
                    action.as_str()
                ),
                "keep only `regex` and `action`",
            ));
        }
        problems
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RelabelAction {
    Replace,
    Keep,
    Drop,
    KeepEqual,
    DropEqual,
    Hashmod,
    Labelmap,
    Labeldrop,
    Labelkeep,
    Lowercase,
    Uppercase,
}

impl RelabelAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RelabelAction::Replace => "replace",
            RelabelAction::Keep => "keep",
            RelabelAction::Drop => "drop",
            RelabelAction::KeepEqual => "keepequal",
            RelabelAction::DropEqual => "dropequal",
            RelabelAction::Hashmod => "hashmod",
            RelabelAction::Labelmap => "labelmap",
            RelabelAction::Labeldrop => "labeldrop",
            RelabelAction::Labelkeep => "labelkeep",
            RelabelAction::Lowercase => "lowercase",
            RelabelAction::Uppercase => "uppercase",
        }
    }
}

/// A remote-write endpoint (`remote_write` entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteWrite {
    /// `http://` or `https://`.
    pub url: String,
    /// Unique among the endpoints; names the queue in Prometheus's metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How long one request may take (30s when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_timeout: Option<Duration>,
    /// Basic auth; the password from a mounted file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// An `Authorization` header; the credentials from a mounted file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    /// TLS towards the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    /// An HTTP proxy to send through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    /// Steps over each series' labels before it is sent; `drop` what the endpoint need not get.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_relabel_configs: Vec<RelabelConfig>,
    /// How samples are batched and retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_config: Option<QueueConfig>,
    /// Send exemplars too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_exemplars: Option<bool>,
}

/// How the remote-write queue batches and retries.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// Samples buffered per shard before reading from the WAL blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u64>,
    /// Most concurrent senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_shards: Option<u64>,
    /// Fewest concurrent senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_shards: Option<u64>,
    /// Samples per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_samples_per_send: Option<u64>,
    /// Longest a sample waits in a batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_send_deadline: Option<Duration>,
    /// First wait before a retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_backoff: Option<Duration>,
    /// Longest wait between retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_backoff: Option<Duration>,
}

/// Scrape jobs for the control plane, which runs outside the stack and differs per
/// distribution: each a switch, off by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ControlPlane {
    /// CoreDNS (`k8s-app=kube-dns` pods in kube-system, port 9153).
    #[serde(rename = "coreDNS")]
    pub core_dns: bool,
    /// etcd's metrics listener (`component=etcd` pods, port 2381, plain HTTP): kubeadm binds
    /// it to 127.0.0.1; set etcd's `--listen-metrics-urls=http://0.0.0.0:2381` first.
    pub etcd: bool,
    /// kube-scheduler (`component=kube-scheduler` pods, HTTPS port 10259, Prometheus's
    /// token): its `--bind-address` must not be 127.0.0.1.
    pub scheduler: bool,
    /// kube-controller-manager (`component=kube-controller-manager` pods, HTTPS port 10257):
    /// its `--bind-address` must not be 127.0.0.1.
    pub controller_manager: bool,
    /// kube-proxy (`k8s-app=kube-proxy` pods, port 10249): its `metricsBindAddress` must
    /// not be 127.0.0.1.
    pub kube_proxy: bool,
}

impl ControlPlane {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
