//! The validation rules of DESIGN.md: each rule a function, every finding reported at once,
//! each with the config path, the value, why, and how to fix it.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::facts::{POD_ENV, Ui};
use super::model::{MonitoringStack, Provider, RuleFile, Spec};
use super::tree::{Node, Path};
use crate::diagnostic::{Diagnostic, Severity};

/// Block duration Thanos documents for the sidecar.
const DOCUMENTED_BLOCK_MILLIS: u64 = 2 * 3_600_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

/// Collects findings, each pointed at the merged tree's origin of its path.
struct Findings<'a> {
    tree: &'a Node,
    out: Vec<Diagnostic>,
}

impl Findings<'_> {
    fn push(&mut self, severity: Severity, path: &str, message: String, help: impl Into<String>) {
        let origin = Path::parse(path).ok().map(|p| self.tree.origin_of(&p));
        let mut d = match severity {
            Severity::Error => Diagnostic::error(message),
            Severity::Warning => Diagnostic::warning(message),
        };
        d = d.at(path).from_origin(origin).help(help);
        self.out.push(d);
    }
    fn error(&mut self, path: &str, message: String, help: impl Into<String>) {
        self.push(Severity::Error, path, message, help);
    }
    fn warn(&mut self, path: &str, message: String, help: impl Into<String>) {
        self.push(Severity::Warning, path, message, help);
    }
}

/// Runs every rule over a config that passed the structural check.
pub fn validate(config: &MonitoringStack, tree: &Node) -> Vec<Diagnostic> {
    let mut f = Findings {
        tree,
        out: Vec::new(),
    };
    let spec = &config.spec;
    compactor_is_a_singleton(spec, &mut f);
    block_durations_allow_upload(spec, &mut f);
    retention_survives_downsampling(spec, &mut f);
    labels_make_series_unique(spec, &mut f);
    sidecar_can_expand_variables(spec, &mut f);
    buckets_follow_provider_rules(spec, &mut f);
    object_storage_is_complete(spec, &mut f);
    replicas_are_highly_available(spec, &mut f);
    data_stays_on_volumes(spec, &mut f);
    rule_files_parse(
        "spec.prometheus.ruleFiles",
        &spec.prometheus.rule_files,
        &mut f,
    );
    rule_files_parse(
        "spec.thanos.ruler.ruleFiles",
        &spec.thanos.ruler.rule_files,
        &mut f,
    );
    alertmanager_routes_resolve(spec, &mut f);
    remote_endpoints_are_unique(spec, &mut f);
    exposed_uis_are_protected(spec, &mut f);
    dashboards_have_data(spec, &mut f);
    thanos_flags_match_the_image(spec, &mut f);
    f.out
}

fn compactor_is_a_singleton(spec: &Spec, f: &mut Findings) {
    let replicas = spec.thanos.compact.replicas;
    if replicas != 1 {
        f.error(
            "spec.thanos.compact.replicas",
            format!("is {replicas}, but the compactor must run as exactly 1 replica"),
            "Thanos Compact is a singleton per bucket: two compactors corrupt each other's work; set it to 1",
        );
    }
}

fn block_durations_allow_upload(spec: &Spec, f: &mut Findings) {
    let p = &spec.prometheus;
    if p.min_block_duration != p.max_block_duration {
        f.error(
            "spec.prometheus.maxBlockDuration",
            format!(
                "is `{}` but `minBlockDuration` is `{}`; with object storage they must be equal",
                p.max_block_duration, p.min_block_duration
            ),
            "the sidecar uploads only blocks Prometheus never compacts locally: set both to `2h`",
        );
    } else if p.min_block_duration.millis() != DOCUMENTED_BLOCK_MILLIS {
        f.warn(
            "spec.prometheus.minBlockDuration",
            format!(
                "is `{}`; Thanos documents and tests `2h`",
                p.min_block_duration
            ),
            "set `minBlockDuration` and `maxBlockDuration` to `2h` unless you know why not",
        );
    }
    let block = p.max_block_duration.millis();
    if !p.retention.is_zero() && p.retention.millis() < block.saturating_mul(3) {
        f.warn(
            "spec.prometheus.retention",
            format!("`{}` is under 3 times the block duration `{}`", p.retention, p.max_block_duration),
            "a block may be deleted locally before the sidecar uploads it; keep at least 3 blocks (`6h` for 2h blocks)",
        );
    }
    for (path, interval) in [
        ("spec.prometheus.scrapeInterval", &p.scrape_interval),
        ("spec.prometheus.evaluationInterval", &p.evaluation_interval),
    ] {
        if interval.is_zero() {
            f.error(
                path,
                "must not be zero".to_owned(),
                "use a duration such as `30s`",
            );
        }
    }
}

fn retention_survives_downsampling(spec: &Spec, f: &mut Findings) {
    let c = &spec.thanos.compact;
    let r = &c.retention;
    if c.downsampling {
        let checks = [
            ("raw", &r.raw, 40 * HOUR, "40h"),
            ("fiveMinutes", &r.five_minutes, 10 * DAY, "10d"),
            ("oneHour", &r.one_hour, 10 * DAY, "10d"),
        ];
        for (field, value, min, min_text) in checks {
            if !value.is_zero() && value.millis() < min {
                f.error(
                    &format!("spec.thanos.compact.retention.{field}"),
                    format!("`{value}` is shorter than {min_text}, the least the compactor accepts while downsampling"),
                    format!("set it to `{min_text}` or more, `0d` to keep data forever, or turn `downsampling` off"),
                );
            }
        }
    }
    // Zero keeps data forever, so it is the longest retention of all.
    let forever = |d: &super::types::Duration| if d.is_zero() { u64::MAX } else { d.millis() };
    if c.downsampling
        && (forever(&r.five_minutes) < forever(&r.raw) || forever(&r.one_hour) < forever(&r.raw))
    {
        f.warn(
            "spec.thanos.compact.retention",
            format!(
                "downsampled data is deleted before raw data (raw `{}`, 5m `{}`, 1h `{}`)",
                r.raw, r.five_minutes, r.one_hour
            ),
            "downsampled resolutions exist to outlive raw data: keep `fiveMinutes` and `oneHour` at least as long as `raw`",
        );
    }
}

fn labels_make_series_unique(spec: &Spec, f: &mut Findings) {
    if spec.cluster.trim().is_empty() {
        f.error(
            "spec.cluster",
            "is empty".to_owned(),
            "the `cluster` external label tells clusters apart in Thanos Query; name this cluster, such as `prod-eu1`",
        );
    }
    let replica = spec.replica_label.as_str();
    if spec.external_labels.keys().any(|k| k.as_str() == replica) {
        f.error(
            &format!("spec.externalLabels.{replica}"),
            format!("`{replica}` is the replica label, which each Prometheus sets to its pod name"),
            "remove it from `externalLabels`, or choose another `replicaLabel`",
        );
    }
    if spec.external_labels.keys().any(|k| k.as_str() == "cluster") {
        f.error(
            "spec.externalLabels.cluster",
            "`cluster` is set from `spec.cluster`".to_owned(),
            "remove it from `externalLabels` and set `spec.cluster` instead",
        );
    }
    for (path, label) in [
        ("spec.replicaLabel", replica),
        (
            "spec.thanos.ruler.replicaLabel",
            spec.thanos.ruler.replica_label.as_str(),
        ),
    ] {
        if label == "cluster" {
            f.error(
                path,
                "`cluster` cannot be a replica label".to_owned(),
                "Query drops replica labels to deduplicate; dropping `cluster` would merge every cluster's series",
            );
        }
    }
    for (name, value) in &spec.external_labels {
        if value.is_empty() {
            f.error(
                &format!("spec.externalLabels.{name}"),
                "is empty".to_owned(),
                "Prometheus drops labels with empty values, so the label would never be set; give it a value or remove it",
            );
        }
    }
    let ruler = &spec.thanos.ruler;
    if ruler.enabled {
        let ruler_replica = ruler.replica_label.as_str();
        if ruler
            .external_labels
            .keys()
            .any(|k| k.as_str() == ruler_replica)
        {
            f.error(
                &format!("spec.thanos.ruler.externalLabels.{ruler_replica}"),
                format!("`{ruler_replica}` is the Ruler's replica label, set to its pod name"),
                "remove it from the Ruler's `externalLabels`",
            );
        }
        let prometheus_labels = spec.prometheus_stream_labels();
        let ruler_labels = spec.ruler_stream_labels();
        if ruler_labels == prometheus_labels {
            f.error(
                "spec.thanos.ruler.externalLabels",
                "the Ruler's external labels equal Prometheus's, so their series would collide".to_owned(),
                "give the Ruler its own labels, such as `ruler_cluster: <cluster>` (the default when unset)",
            );
        }
    }
}

fn sidecar_can_expand_variables(spec: &Spec, f: &mut Findings) {
    static VAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)").expect("valid"));
    let mut values: Vec<(String, &str)> = vec![("spec.cluster".to_owned(), spec.cluster.as_str())];
    values.extend(
        spec.external_labels
            .iter()
            .map(|(k, v)| (format!("spec.externalLabels.{k}"), v.as_str())),
    );
    for (path, value) in values {
        for capture in VAR.captures_iter(value) {
            let name = &capture[1];
            if !POD_ENV.iter().any(|(var, _)| *var == name) {
                f.error(
                    &path,
                    format!(
                        "`$({name})` is not in the sidecar's environment, so it would stay literal"
                    ),
                    format!(
                        "the sidecar expands only {}",
                        POD_ENV.map(|(v, _)| format!("`$({v})`")).join(" and ")
                    ),
                );
            }
        }
        if value.contains("${") {
            f.warn(
                &path,
                format!("`{value}` uses `${{…}}`, which the sidecar does not expand"),
                "only the `$(VAR)` form is expanded; write `$(POD_NAME)`",
            );
        }
    }
}

fn buckets_follow_provider_rules(spec: &Spec, f: &mut Findings) {
    let os = &spec.object_storage;
    let mut buckets = vec![("spec.objectStorage.bucket", &os.bucket)];
    if spec.thanos.ruler.enabled {
        buckets.push(("spec.objectStorage.rulerBucket", &os.ruler_bucket));
    }
    for (path, bucket) in buckets {
        if let Err(why) = check_bucket(os.provider, bucket) {
            f.error(
                path,
                format!("`{bucket}` is not a valid bucket name: {why}"),
                bucket_help(os.provider),
            );
        }
    }
    if spec.thanos.ruler.enabled && os.bucket == os.ruler_bucket {
        f.warn(
            "spec.objectStorage.rulerBucket",
            format!("is the same bucket as `bucket` (`{}`)", os.bucket),
            "the article keeps the Ruler's blocks in their own bucket, so its retention and access stay separate",
        );
    }
}

fn bucket_help(provider: Provider) -> &'static str {
    match provider {
        Provider::Gcs => {
            "GCS bucket names have 3-63 characters: lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"
        }
        Provider::S3 => {
            "S3 bucket names have 3-63 characters: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit, no `..`"
        }
        Provider::Azure => {
            "Azure container names have 3-63 characters: lowercase letters, digits and single `-`, starting with a letter or digit"
        }
        Provider::Filesystem => "a directory name: letters, digits, `-`, `_` and `.`",
    }
}

fn check_bucket(provider: Provider, bucket: &str) -> Result<(), &'static str> {
    let len = bucket.len();
    let edges_ok = bucket
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && bucket
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let only = |extra: &str| {
        bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c))
    };
    match provider {
        Provider::Gcs | Provider::S3 | Provider::Azure if !(3..=63).contains(&len) => {
            Err("it must have 3 to 63 characters")
        }
        Provider::Gcs if !only("-_.") => {
            Err("it may hold only lowercase letters, digits, `-`, `_` and `.`")
        }
        Provider::S3 if !only("-.") => {
            Err("it may hold only lowercase letters, digits, `-` and `.`")
        }
        Provider::S3 if bucket.contains("..") => Err("it must not contain `..`"),
        Provider::Azure if !only("-") || bucket.contains("--") => {
            Err("it may hold only lowercase letters, digits and single `-`")
        }
        Provider::Gcs | Provider::S3 | Provider::Azure if !edges_ok => {
            Err("it must start and end with a letter or digit")
        }
        Provider::Filesystem
            if bucket.is_empty()
                || !bucket
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                || bucket.starts_with('.') =>
        {
            Err("it must be a plain directory name")
        }
        _ => Ok(()),
    }
}

fn object_storage_is_complete(spec: &Spec, f: &mut Findings) {
    let os = &spec.object_storage;
    match os.provider {
        Provider::S3 if os.s3.is_none() => f.error(
            "spec.objectStorage.s3",
            "is missing, and S3 needs an endpoint".to_owned(),
            "add `s3: {endpoint: s3.<region>.amazonaws.com, region: <region>}`",
        ),
        Provider::Azure if os.azure.is_none() => f.error(
            "spec.objectStorage.azure",
            "is missing, and Azure needs a storage account".to_owned(),
            "add `azure: {storageAccount: <name>}`",
        ),
        Provider::Azure if os.credentials_secret.is_some() => f.error(
            "spec.objectStorage.credentialsSecret",
            "cannot be used with Azure".to_owned(),
            "Thanos reads an Azure account key only from its config file, which stackgen never fills with secrets; set `credentialsSecret: null` and `workloadIdentity.azureClientId`",
        ),
        Provider::Filesystem => f.warn(
            "spec.objectStorage.provider",
            "`filesystem` keeps blocks on a pod volume: for demos only".to_owned(),
            "use `gcs`, `s3` or `azure` for anything that must survive",
        ),
        _ => {}
    }
    if let Some(s3) = &os.s3 {
        if os.provider != Provider::S3 {
            f.warn(
                "spec.objectStorage.s3",
                format!("is ignored with provider `{:?}`", os.provider).to_lowercase(),
                "remove it, or set `provider: s3`",
            );
        } else if s3.endpoint.contains("://") || s3.endpoint.is_empty() {
            f.error(
                "spec.objectStorage.s3.endpoint",
                format!("`{}` must be a bare host (and port)", s3.endpoint),
                "write `s3.eu-west-1.amazonaws.com`, without a scheme; use `insecure: true` for plain HTTP",
            );
        }
    }
    if os.azure.is_some() && os.provider != Provider::Azure {
        f.warn(
            "spec.objectStorage.azure",
            "is ignored unless `provider: azure`".to_owned(),
            "remove it, or set `provider: azure`",
        );
    }
    if let Some(wi) = &os.workload_identity {
        if wi.gcp_service_account.is_some() && os.provider != Provider::Gcs {
            f.error(
                "spec.objectStorage.workloadIdentity.gcpServiceAccount",
                "GKE Workload Identity only reaches GCS".to_owned(),
                "use `awsRoleArn` with S3, or `provider: gcs`",
            );
        }
        if wi.azure_client_id.is_some() && os.provider != Provider::Azure {
            f.error(
                "spec.objectStorage.workloadIdentity.azureClientId",
                "AKS Workload Identity only reaches Azure storage".to_owned(),
                "use `gcpServiceAccount` with GCS, `awsRoleArn` with S3, or `provider: azure`",
            );
        }
        if wi.aws_role_arn.is_some() && os.provider != Provider::S3 {
            f.error(
                "spec.objectStorage.workloadIdentity.awsRoleArn",
                "IRSA only reaches S3".to_owned(),
                "use `gcpServiceAccount` with GCS, or `provider: s3`",
            );
        }
        if let Some(sa) = &wi.gcp_service_account
            && !sa.ends_with(".iam.gserviceaccount.com")
        {
            f.error(
                "spec.objectStorage.workloadIdentity.gcpServiceAccount",
                format!("`{sa}` is not a Google service account email"),
                "write `NAME@PROJECT.iam.gserviceaccount.com`",
            );
        }
        if let Some(arn) = &wi.aws_role_arn
            && !arn.starts_with("arn:aws")
        {
            f.error(
                "spec.objectStorage.workloadIdentity.awsRoleArn",
                format!("`{arn}` is not an IAM role ARN"),
                "write `arn:aws:iam::ACCOUNT:role/NAME`",
            );
        }
        if os.credentials_secret.is_some() {
            f.warn(
                "spec.objectStorage.credentialsSecret",
                "is set together with `workloadIdentity`; the Secret's credentials win".to_owned(),
                "set `credentialsSecret: null` to rely on the workload identity alone",
            );
        }
    }
}

fn replicas_are_highly_available(spec: &Spec, f: &mut Findings) {
    let mut components = vec![
        (
            "spec.prometheus.replicas",
            "Prometheus",
            spec.prometheus.replicas,
            true,
        ),
        (
            "spec.thanos.query.replicas",
            "Thanos Query",
            spec.thanos.query.replicas,
            true,
        ),
        (
            "spec.thanos.store.replicas",
            "Thanos Store",
            spec.thanos.store.replicas,
            false,
        ),
    ];
    if spec.alertmanager.enabled {
        components.push((
            "spec.alertmanager.replicas",
            "Alertmanager",
            spec.alertmanager.replicas,
            true,
        ));
    }
    if spec.thanos.ruler.enabled {
        components.push((
            "spec.thanos.ruler.replicas",
            "Thanos Ruler",
            spec.thanos.ruler.replicas,
            false,
        ));
    }
    if spec.grafana.enabled {
        components.push((
            "spec.grafana.replicas",
            "Grafana",
            spec.grafana.replicas,
            false,
        ));
    }
    for (path, name, replicas, warn_single) in components {
        if replicas == 0 {
            f.error(path, "is 0".to_owned(), format!("{name} needs at least 1 replica; switch the component off with `enabled: false` where it can be"));
        } else if replicas == 1 && warn_single {
            f.warn(
                path,
                format!("is 1: {name} is not highly available"),
                "run at least 2 replicas (3 for Prometheus and Alertmanager) in production",
            );
        }
    }
}

fn data_stays_on_volumes(spec: &Spec, f: &mut Findings) {
    for (path, name) in [
        ("spec.thanos.store.storage.persistent", "Store gateway"),
        ("spec.thanos.compact.storage.persistent", "Compactor"),
    ] {
        let persistent = if name == "Compactor" {
            spec.thanos.compact.storage.persistent
        } else {
            spec.thanos.store.storage.persistent
        };
        if !persistent {
            f.warn(
                path,
                format!(
                    "is off: the {name} rebuilds its local data from the bucket after every restart"
                ),
                "keep a persistent volume unless the bucket is tiny",
            );
        }
    }
    if !spec.prometheus.storage.persistent {
        f.warn(
            "spec.prometheus.storage.persistent",
            "is off: blocks not yet uploaded are lost when a pod restarts".to_owned(),
            "keep a persistent volume per Prometheus replica",
        );
    }
}

/// Checks inline rule files: names, groups, one of `alert`/`record`, and PromQL that parses.
fn rule_files_parse(base: &str, files: &[RuleFile], f: &mut Findings) {
    static FILE_NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*\.ya?ml$").expect("valid"));
    static METRIC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$").expect("valid"));
    let mut file_names = BTreeSet::new();
    for (i, file) in files.iter().enumerate() {
        let file_path = format!("{base}[{i}]");
        if !FILE_NAME.is_match(&file.name) {
            f.error(&format!("{file_path}.name"), format!("`{}` is not a usable rule file name", file.name), "use letters, digits, `.`, `-`, `_`, ending in `.yaml`, such as `team-a.rules.yaml`");
        }
        if !file_names.insert(file.name.as_str()) {
            f.error(
                &format!("{file_path}.name"),
                format!("`{}` is used by two rule files", file.name),
                "give each rule file its own name",
            );
        }
        let mut group_names = BTreeSet::new();
        for (g, group) in file.groups.iter().enumerate() {
            let group_path = format!("{file_path}.groups[{g}]");
            if !group_names.insert(group.name.as_str()) {
                f.error(
                    &format!("{group_path}.name"),
                    format!("group `{}` appears twice in `{}`", group.name, file.name),
                    "Prometheus requires unique group names per file",
                );
            }
            for (r, rule) in group.rules.iter().enumerate() {
                let rule_path = format!("{group_path}.rules[{r}]");
                let rule_name = rule
                    .alert
                    .as_deref()
                    .or(rule.record.as_deref())
                    .unwrap_or("?");
                match (&rule.alert, &rule.record) {
                    (Some(_), Some(_)) | (None, None) => f.error(&rule_path, "needs exactly one of `alert` and `record`".to_owned(), "`alert: Name` for an alerting rule, `record: level:metric:operation` for a recording rule"),
                    (None, Some(record)) => {
                        if !METRIC.is_match(record) {
                            f.error(&format!("{rule_path}.record"), format!("`{record}` is not a valid metric name"), "use letters, digits, `_` and `:`, such as `job:http_requests:rate5m`");
                        }
                        if rule.for_.is_some() {
                            f.error(&format!("{rule_path}.for"), "`for` only applies to alerting rules".to_owned(), "remove `for` from the recording rule");
                        }
                    }
                    (Some(alert), None) => {
                        if alert.is_empty() || alert.chars().any(char::is_whitespace) {
                            f.error(&format!("{rule_path}.alert"), format!("`{alert}` is not a usable alert name"), "alert names are label values users route on: use CamelCase without spaces");
                        }
                    }
                }
                if let Err(message) = promql_parser::parser::parse(&rule.expr) {
                    f.error(
                        &format!("{rule_path}.expr"),
                        format!(
                            "PromQL of `{rule_name}` in group `{}` of `{}` does not parse: {}",
                            group.name,
                            file.name,
                            message.trim()
                        ),
                        "fix the expression; `promtool check rules` gives the same verdict",
                    );
                }
            }
        }
    }
}

fn alertmanager_routes_resolve(spec: &Spec, f: &mut Findings) {
    static MATCHER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*("([^"\\]|\\.)*"|[^"\s]*)\s*$"#)
            .expect("valid")
    });
    let am = &spec.alertmanager;
    if !am.enabled {
        return;
    }
    let mut names = BTreeSet::new();
    for (i, receiver) in am.receivers.iter().enumerate() {
        if !names.insert(receiver.name.as_str()) {
            f.error(
                &format!("spec.alertmanager.receivers[{i}].name"),
                format!("receiver `{}` is defined twice", receiver.name),
                "give each receiver its own name",
            );
        }
    }
    let known: Vec<&str> = names.iter().copied().collect();
    let check_receiver = |path: String, name: &str, f: &mut Findings| {
        if !names.contains(name) {
            let mut help = format!(
                "defined receivers: {}",
                known
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if let Some(best) = super::suggest::closest(name, known.iter().copied()) {
                help = format!("did you mean `{best}`? {help}");
            }
            f.error(
                &path,
                format!("receiver `{name}` is not defined in `spec.alertmanager.receivers`"),
                help,
            );
        }
    };
    check_receiver(
        "spec.alertmanager.route.receiver".to_owned(),
        &am.route.receiver,
        f,
    );
    for (i, route) in am.route.routes.iter().enumerate() {
        check_receiver(
            format!("spec.alertmanager.route.routes[{i}].receiver"),
            &route.receiver,
            f,
        );
        for (m, matcher) in route.matchers.iter().enumerate() {
            if !MATCHER.is_match(matcher) {
                f.error(
                    &format!("spec.alertmanager.route.routes[{i}].matchers[{m}]"),
                    format!("`{matcher}` is not an Alertmanager matcher"),
                    "write `label=\"value\"`, with `=`, `!=`, `=~` or `!~`",
                );
            }
        }
    }
}

fn remote_endpoints_are_unique(spec: &Spec, f: &mut Findings) {
    let mut seen = BTreeSet::new();
    for (i, endpoint) in spec.thanos.query.remote_endpoints.iter().enumerate() {
        if !seen.insert(endpoint.as_str()) {
            f.error(
                &format!("spec.thanos.query.remoteEndpoints[{i}]"),
                format!("`{endpoint}` is listed twice"),
                "list each endpoint once",
            );
        }
    }
}

fn exposed_uis_are_protected(spec: &Spec, f: &mut Findings) {
    if spec.ingress.basic_auth_secret.is_some() {
        return;
    }
    let open: Vec<&str> = spec
        .exposed_uis()
        .into_iter()
        .filter(|ui| !ui.has_own_login())
        .map(Ui::title)
        .collect();
    if !open.is_empty() {
        f.warn(
            "spec.ingress.basicAuthSecret",
            format!("is unset, so {} are exposed without authentication", open.join(", ")),
            "set `basicAuthSecret` to a Secret in nginx's auth-file format, or turn those hosts off under `spec.ingress.expose`",
        );
    }
}

fn dashboards_have_data(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    let mut seen = BTreeSet::new();
    for (i, dashboard) in g.dashboards.iter().enumerate() {
        if !seen.insert(dashboard) {
            f.error(
                &format!("spec.grafana.dashboards[{i}]"),
                format!("`{dashboard:?}` is listed twice").to_lowercase(),
                "list each dashboard once",
            );
        }
    }
    if seen.contains(&super::model::Dashboard::Nodes) && !spec.node_exporter.enabled {
        f.warn(
            "spec.grafana.dashboards",
            "the `nodes` dashboard reads node-exporter, which is off".to_owned(),
            "turn `nodeExporter.enabled` on, or drop the dashboard",
        );
    }
    if seen.contains(&super::model::Dashboard::Cluster) && !spec.kube_state_metrics.enabled {
        f.warn(
            "spec.grafana.dashboards",
            "the `cluster` dashboard reads kube-state-metrics, which is off".to_owned(),
            "turn `kubeStateMetrics.enabled` on, or drop the dashboard",
        );
    }
}

/// The oldest Thanos release whose flags stackgen writes: Query's `--endpoint` (which
/// replaced `--store`, removed in 0.38) and the current sidecar reloader flags.
const OLDEST_THANOS: (u64, u64) = (0, 32);

fn thanos_flags_match_the_image(spec: &Spec, f: &mut Findings) {
    let Some(tag) = spec.images.thanos.tag() else {
        return;
    };
    let mut numbers = tag
        .trim_start_matches('v')
        .split(['.', '-'])
        .map(str::parse::<u64>);
    let (Some(Ok(major)), Some(Ok(minor))) = (numbers.next(), numbers.next()) else {
        return; // not a release tag (`main-2025…`): nothing to compare
    };
    if (major, minor) < OLDEST_THANOS {
        f.warn(
            "spec.images.thanos",
            format!(
                "`{tag}` is older than Thanos v{}.{}, whose flags stackgen writes",
                OLDEST_THANOS.0, OLDEST_THANOS.1
            ),
            "Query uses `--endpoint`, which older releases may not know; pin v0.32 or newer",
        );
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
