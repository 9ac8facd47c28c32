//! One passing and one failing case per validation rule, plus the loader behaviour the rules
//! rely on (layering, `--set`, the structural check). Every config goes through the real
//! loader, so a test sees exactly the diagnostics a user would.

use super::validate;
use crate::config::model::{MonitoringStack, Provider};
use crate::config::tree::Node;
use crate::config::{Document, Inputs, Loaded, Rejected};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Origin;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Strips the indentation common to every non-blank line, and a leading blank line, so
/// configs can be written indented in the test body.
fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A whole config document whose `spec` is `body` (written at any indentation).
fn doc(body: &str) -> String {
    let mut out = String::from("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspec:\n");
    for line in dedent(body).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn inputs(profiles: &[&str], files: &[&str], sets: &[&str]) -> Inputs {
    Inputs {
        profiles: profiles.iter().map(|p| (*p).to_owned()).collect(),
        documents: files
            .iter()
            .enumerate()
            .map(|(i, text)| Document {
                name: if i == 0 {
                    "t.yaml".to_owned()
                } else {
                    format!("t{i}.yaml")
                },
                text: (*text).to_owned(),
            })
            .collect(),
        sets: sets.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Loads one raw document named `t.yaml`.
fn load_text(text: &str) -> Result<Loaded, Rejected> {
    crate::config::load(&Inputs {
        documents: vec![Document {
            name: "t.yaml".into(),
            text: text.to_owned(),
        }],
        ..Default::default()
    })
}

/// Loads a config whose `spec` is `body`.
fn load_spec(body: &str) -> Result<Loaded, Rejected> {
    load_text(&doc(body))
}

/// Every diagnostic of a run, errors and warnings, whether the config was accepted or not.
fn all(result: &Result<Loaded, Rejected>) -> Vec<Diagnostic> {
    match result {
        Ok(loaded) => loaded.warnings.clone(),
        Err(rejected) => rejected.diagnostics.clone(),
    }
}

fn diagnostics(body: &str) -> Vec<Diagnostic> {
    all(&load_spec(body))
}

fn at<'a>(diagnostics: &'a [Diagnostic], path: &str) -> Vec<&'a Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.path.as_deref() == Some(path))
        .collect()
}

/// Asserts exactly one diagnostic of `severity` at `path`, its message holding `fragment`,
/// and returns it for further checks.
#[track_caller]
fn expect(
    diagnostics: &[Diagnostic],
    severity: Severity,
    path: &str,
    fragment: &str,
) -> Diagnostic {
    let found: Vec<&Diagnostic> = at(diagnostics, path)
        .into_iter()
        .filter(|d| d.severity == severity)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {severity:?} at `{path}`, got {found:#?}\nall diagnostics: {diagnostics:#?}"
    );
    let d = found[0];
    assert!(
        d.message.contains(fragment),
        "message at `{path}` lacks {fragment:?}: {:?}",
        d.message
    );
    d.clone()
}

/// The config is rejected, with an error at `path` whose message holds `fragment`.
#[track_caller]
fn rejects(body: &str, path: &str, fragment: &str) -> Diagnostic {
    let result = load_spec(body);
    let ds = all(&result);
    assert!(result.is_err(), "config was accepted; diagnostics: {ds:#?}");
    expect(&ds, Severity::Error, path, fragment)
}

/// The config is accepted, with a warning at `path` whose message holds `fragment`.
#[track_caller]
fn warns(body: &str, path: &str, fragment: &str) -> Diagnostic {
    let result = load_spec(body);
    let ds = all(&result);
    assert!(result.is_ok(), "config was rejected: {ds:#?}");
    expect(&ds, Severity::Warning, path, fragment)
}

/// The config is accepted and nothing at all is said about `path`.
#[track_caller]
fn passes(body: &str, path: &str) -> Loaded {
    let result = load_spec(body);
    let ds = all(&result);
    let found = at(&ds, path);
    assert!(
        found.is_empty(),
        "unexpected diagnostics at `{path}`: {found:#?}"
    );
    match result {
        Ok(loaded) => loaded,
        Err(rejected) => panic!("config was rejected: {:#?}", rejected.diagnostics),
    }
}

/// `(line, column)` of a diagnostic that points into a file.
#[track_caller]
fn position(d: &Diagnostic) -> (usize, usize) {
    match &d.origin {
        Some(Origin::File { line, column, .. }) => (*line, *column),
        other => panic!("expected a file position, got {other:?}"),
    }
}

#[track_caller]
fn file_of(d: &Diagnostic) -> String {
    match &d.origin {
        Some(Origin::File { name, .. }) => name.to_string(),
        other => panic!("expected a file origin, got {other:?}"),
    }
}

#[track_caller]
fn help_of(d: &Diagnostic) -> &str {
    d.help.as_deref().expect("a help line")
}

#[track_caller]
fn config(result: Result<Loaded, Rejected>) -> MonitoringStack {
    match result {
        Ok(loaded) => loaded.config,
        Err(rejected) => panic!("config was rejected: {:#?}", rejected.diagnostics),
    }
}

// ---------------------------------------------------------------------------------------------
// The rules as a whole
// ---------------------------------------------------------------------------------------------

#[test]
fn defaults_break_no_rule() {
    let defaults = MonitoringStack::default();
    let tree = Node::from_json(
        &serde_json::to_value(&defaults).expect("defaults serialize"),
        &Origin::Default,
    );
    let findings = validate(&defaults, &tree);
    assert!(
        findings.iter().all(|d| !d.is_error()),
        "defaults must validate: {findings:#?}"
    );
    // The only remark on the defaults is the open ingress, pointed at the built-in default.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        findings[0].path.as_deref(),
        Some("spec.ingress.basicAuthSecret")
    );
    assert_eq!(findings[0].origin, Some(Origin::Default));
}

#[test]
fn every_finding_of_a_run_is_reported_at_once() {
    let ds = diagnostics(
        "
        cluster: ''
        prometheus: {replicas: 0}
        thanos: {compact: {replicas: 3}}
        ",
    );
    expect(&ds, Severity::Error, "spec.cluster", "is empty");
    expect(&ds, Severity::Error, "spec.prometheus.replicas", "is 0");
    expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 3");
}

// ---------------------------------------------------------------------------------------------
// compactor_is_a_singleton
// ---------------------------------------------------------------------------------------------

#[test]
fn compactor_must_be_a_singleton() {
    let d = rejects(
        "
        thanos:
          compact:
            replicas: 2
        ",
        "spec.thanos.compact.replicas",
        "is 2, but the compactor must run as exactly 1 replica",
    );
    assert_eq!(file_of(&d), "t.yaml");
    assert_eq!(position(&d), (6, 17));
    assert!(help_of(&d).contains("singleton"));
}

#[test]
fn compactor_with_one_replica_passes() {
    let loaded = passes(
        "thanos: {compact: {replicas: 1}}",
        "spec.thanos.compact.replicas",
    );
    assert_eq!(loaded.config.spec.thanos.compact.replicas, 1);
}

#[test]
fn compactor_with_zero_replicas_is_refused_too() {
    rejects(
        "thanos: {compact: {replicas: 0}}",
        "spec.thanos.compact.replicas",
        "is 0",
    );
}

// ---------------------------------------------------------------------------------------------
// block_durations_allow_upload
// ---------------------------------------------------------------------------------------------

#[test]
fn block_durations_must_be_equal() {
    let d = rejects(
        "prometheus: {minBlockDuration: 2h, maxBlockDuration: 6h, retention: 48h}",
        "spec.prometheus.maxBlockDuration",
        "is `6h` but `minBlockDuration` is `2h`",
    );
    assert!(help_of(&d).contains("`2h`"));
}

#[test]
fn equal_two_hour_blocks_pass() {
    let ds = all(&load_spec(
        "prometheus: {minBlockDuration: 2h, maxBlockDuration: 2h}",
    ));
    assert!(
        at(&ds, "spec.prometheus.maxBlockDuration").is_empty(),
        "{ds:#?}"
    );
    assert!(
        at(&ds, "spec.prometheus.minBlockDuration").is_empty(),
        "{ds:#?}"
    );
}

#[test]
fn equal_blocks_other_than_two_hours_are_warned_about() {
    warns(
        "prometheus: {minBlockDuration: 1h, maxBlockDuration: 1h}",
        "spec.prometheus.minBlockDuration",
        "is `1h`; Thanos documents and tests `2h`",
    );
}

#[test]
fn retention_under_three_blocks_is_warned_about() {
    warns(
        "prometheus: {retention: 5h}",
        "spec.prometheus.retention",
        "`5h` is under 3 times the block duration `2h`",
    );
}

#[test]
fn retention_of_three_blocks_passes() {
    passes("prometheus: {retention: 6h}", "spec.prometheus.retention");
}

#[test]
fn zero_retention_is_not_measured_against_blocks() {
    passes("prometheus: {retention: 0s}", "spec.prometheus.retention");
}

#[test]
fn zero_scrape_interval_is_refused() {
    let d = rejects(
        "prometheus: {scrapeInterval: 0s}",
        "spec.prometheus.scrapeInterval",
        "must not be zero",
    );
    assert_eq!(position(&d), (4, 32));
}

#[test]
fn zero_evaluation_interval_is_refused() {
    rejects(
        "prometheus: {evaluationInterval: '0'}",
        "spec.prometheus.evaluationInterval",
        "must not be zero",
    );
}

#[test]
fn non_zero_intervals_pass() {
    passes(
        "prometheus: {scrapeInterval: 15s, evaluationInterval: 1m}",
        "spec.prometheus.scrapeInterval",
    );
}

// ---------------------------------------------------------------------------------------------
// retention_survives_downsampling
// ---------------------------------------------------------------------------------------------

#[test]
fn raw_retention_under_40h_is_refused_while_downsampling() {
    let d = rejects(
        "thanos: {compact: {retention: {raw: 39h}}}",
        "spec.thanos.compact.retention.raw",
        "`39h` is shorter than 40h",
    );
    assert!(help_of(&d).contains("`0d` to keep data forever"));
}

#[test]
fn raw_retention_of_40h_passes() {
    passes(
        "thanos: {compact: {retention: {raw: 40h}}}",
        "spec.thanos.compact.retention.raw",
    );
}

#[test]
fn five_minute_retention_under_10d_is_refused_while_downsampling() {
    rejects(
        "thanos: {compact: {retention: {raw: 2d, fiveMinutes: 9d}}}",
        "spec.thanos.compact.retention.fiveMinutes",
        "`9d` is shorter than 10d",
    );
}

#[test]
fn one_hour_retention_under_10d_is_refused_while_downsampling() {
    rejects(
        "thanos: {compact: {retention: {raw: 2d, oneHour: 1w}}}",
        "spec.thanos.compact.retention.oneHour",
        "`1w` is shorter than 10d",
    );
}

#[test]
fn downsampled_retentions_of_10d_pass() {
    let ds = all(&load_spec(
        "thanos: {compact: {retention: {raw: 2d, fiveMinutes: 10d, oneHour: 240h}}}",
    ));
    assert!(!ds.iter().any(Diagnostic::is_error), "{ds:#?}");
    assert!(at(&ds, "spec.thanos.compact.retention.fiveMinutes").is_empty());
    assert!(at(&ds, "spec.thanos.compact.retention.oneHour").is_empty());
}

#[test]
fn zero_retention_keeps_data_forever_and_passes() {
    let ds = all(&load_spec(
        "thanos: {compact: {retention: {raw: 0d, fiveMinutes: 0d, oneHour: 0d}}}",
    ));
    assert!(!ds.iter().any(Diagnostic::is_error), "{ds:#?}");
    assert!(
        ds.iter().all(|d| !d
            .path
            .as_deref()
            .unwrap_or_default()
            .starts_with("spec.thanos.compact.retention")),
        "{ds:#?}"
    );
}

#[test]
fn short_retention_passes_without_downsampling() {
    passes(
        "thanos: {compact: {downsampling: false, retention: {raw: 1d, fiveMinutes: 1d, oneHour: 1d}}}",
        "spec.thanos.compact.retention.raw",
    );
}

#[test]
fn downsampled_data_shorter_than_raw_is_warned_about() {
    warns(
        "thanos: {compact: {retention: {raw: 90d, fiveMinutes: 30d, oneHour: 1y}}}",
        "spec.thanos.compact.retention",
        "downsampled data is deleted before raw data (raw `90d`, 5m `30d`, 1h `1y`)",
    );
}

#[test]
fn hourly_data_shorter_than_raw_is_warned_about() {
    warns(
        "thanos: {compact: {retention: {raw: 90d, fiveMinutes: 1y, oneHour: 30d}}}",
        "spec.thanos.compact.retention",
        "downsampled data is deleted before raw data (raw `90d`, 5m `1y`, 1h `30d`)",
    );
}

#[test]
fn raw_data_kept_forever_outlives_finite_downsampled_data() {
    warns(
        "thanos: {compact: {retention: {raw: 0d, fiveMinutes: 30d, oneHour: 0d}}}",
        "spec.thanos.compact.retention",
        "downsampled data is deleted before raw data",
    );
}

#[test]
fn downsampled_data_kept_forever_passes() {
    passes(
        "thanos: {compact: {retention: {raw: 30d, fiveMinutes: 0d, oneHour: 0d}}}",
        "spec.thanos.compact.retention",
    );
}

// ---------------------------------------------------------------------------------------------
// labels_make_series_unique
// ---------------------------------------------------------------------------------------------

#[test]
fn cluster_must_not_be_empty() {
    let d = rejects("cluster: ''", "spec.cluster", "is empty");
    assert_eq!(position(&d), (4, 12));
}

#[test]
fn blank_cluster_is_empty_too() {
    rejects("cluster: '   '", "spec.cluster", "is empty");
}

#[test]
fn named_cluster_passes() {
    let loaded = passes("cluster: prod-eu1", "spec.cluster");
    assert_eq!(loaded.config.spec.cluster, "prod-eu1");
}

#[test]
fn replica_label_must_not_be_an_external_label() {
    let d = rejects(
        "externalLabels: {replica: a}",
        "spec.externalLabels.replica",
        "`replica` is the replica label",
    );
    assert_eq!(position(&d), (4, 29));
}

#[test]
fn renamed_replica_label_must_not_be_an_external_label_either() {
    rejects(
        "{replicaLabel: prometheus_replica, externalLabels: {prometheus_replica: a}}",
        "spec.externalLabels.prometheus_replica",
        "is the replica label",
    );
}

#[test]
fn other_external_labels_pass() {
    let loaded = passes(
        "externalLabels: {region: europe-west1, env: prod}",
        "spec.externalLabels.region",
    );
    assert_eq!(loaded.config.spec.external_labels.len(), 2);
}

#[test]
fn cluster_must_not_be_an_external_label() {
    let d = rejects(
        "externalLabels: {cluster: a}",
        "spec.externalLabels.cluster",
        "`cluster` is set from `spec.cluster`",
    );
    assert!(help_of(&d).contains("set `spec.cluster` instead"));
}

#[test]
fn cluster_cannot_be_the_replica_label() {
    rejects(
        "replicaLabel: cluster",
        "spec.replicaLabel",
        "`cluster` cannot be a replica label",
    );
}

#[test]
fn cluster_cannot_be_the_ruler_replica_label() {
    rejects(
        "thanos: {ruler: {replicaLabel: cluster}}",
        "spec.thanos.ruler.replicaLabel",
        "`cluster` cannot be a replica label",
    );
}

#[test]
fn other_replica_labels_pass() {
    passes(
        "{replicaLabel: prometheus_replica, thanos: {ruler: {replicaLabel: ruler_replica}}}",
        "spec.replicaLabel",
    );
}

#[test]
fn external_label_values_must_not_be_empty() {
    rejects(
        "externalLabels: {region: ''}",
        "spec.externalLabels.region",
        "is empty",
    );
}

#[test]
fn ruler_labels_must_differ_from_prometheus_labels() {
    let d = rejects(
        "
        cluster: eu1
        externalLabels: {region: west}
        thanos:
          ruler:
            externalLabels: {cluster: eu1, region: west}
        ",
        "spec.thanos.ruler.externalLabels",
        "the Ruler's external labels equal Prometheus's",
    );
    assert_eq!(position(&d).0, 8);
}

#[test]
fn ruler_labels_of_their_own_pass() {
    passes(
        "
        cluster: eu1
        thanos:
          ruler:
            externalLabels: {ruler_cluster: eu1}
        ",
        "spec.thanos.ruler.externalLabels",
    );
}

#[test]
fn disabled_ruler_labels_are_not_compared() {
    passes(
        "
        cluster: eu1
        thanos:
          ruler:
            enabled: false
            externalLabels: {cluster: eu1}
        ",
        "spec.thanos.ruler.externalLabels",
    );
}

#[test]
fn ruler_replica_label_must_not_be_a_ruler_external_label() {
    rejects(
        "thanos: {ruler: {externalLabels: {ruler_cluster: a, rule_replica: x}}}",
        "spec.thanos.ruler.externalLabels.rule_replica",
        "`rule_replica` is the Ruler's replica label",
    );
}

#[test]
fn ruler_external_labels_without_its_replica_label_pass() {
    passes(
        "thanos: {ruler: {externalLabels: {ruler_cluster: a}}}",
        "spec.thanos.ruler.externalLabels.rule_replica",
    );
}

// ---------------------------------------------------------------------------------------------
// sidecar_can_expand_variables
// ---------------------------------------------------------------------------------------------

#[test]
fn sidecar_variables_in_its_env_pass() {
    passes(
        "externalLabels: {pod: $(POD_NAME), ns: $(POD_NAMESPACE)}",
        "spec.externalLabels.pod",
    );
}

#[test]
fn sidecar_variables_outside_its_env_are_refused() {
    let d = rejects(
        "externalLabels: {node: $(FOO)}",
        "spec.externalLabels.node",
        "`$(FOO)` is not in the sidecar's environment",
    );
    assert!(help_of(&d).contains("`$(POD_NAME)` and `$(POD_NAMESPACE)`"));
}

#[test]
fn sidecar_variables_in_the_cluster_name_are_checked() {
    rejects(
        "cluster: eu-$(REGION)",
        "spec.cluster",
        "`$(REGION)` is not in the sidecar's environment",
    );
}

#[test]
fn shell_style_variables_are_warned_about() {
    warns(
        "externalLabels: {pod: '${X}'}",
        "spec.externalLabels.pod",
        "uses `${…}`, which the sidecar does not expand",
    );
}

// ---------------------------------------------------------------------------------------------
// buckets_follow_provider_rules
// ---------------------------------------------------------------------------------------------

#[test]
fn gcs_bucket_names_allow_underscores_and_dots() {
    passes(
        "objectStorage: {bucket: metrics_long.term-1}",
        "spec.objectStorage.bucket",
    );
}

#[test]
fn gcs_bucket_names_must_be_lowercase() {
    let d = rejects(
        "objectStorage: {bucket: Metrics}",
        "spec.objectStorage.bucket",
        "`Metrics` is not a valid bucket name: it may hold only lowercase letters",
    );
    assert!(help_of(&d).starts_with("GCS bucket names"));
}

#[test]
fn gcs_bucket_names_need_three_characters() {
    rejects(
        "objectStorage: {bucket: ab}",
        "spec.objectStorage.bucket",
        "it must have 3 to 63 characters",
    );
}

#[test]
fn gcs_bucket_names_start_with_a_letter_or_digit() {
    rejects(
        "objectStorage: {bucket: _metrics}",
        "spec.objectStorage.bucket",
        "it must start and end with a letter or digit",
    );
}

#[test]
fn s3_bucket_names_refuse_underscores() {
    let d = rejects(
        "objectStorage: {provider: s3, bucket: my_bucket, s3: {endpoint: s3.amazonaws.com}}",
        "spec.objectStorage.bucket",
        "`my_bucket` is not a valid bucket name",
    );
    assert!(help_of(&d).starts_with("S3 bucket names"));
}

#[test]
fn s3_bucket_names_refuse_double_dots() {
    rejects(
        "objectStorage: {provider: s3, bucket: my..bucket, s3: {endpoint: s3.amazonaws.com}}",
        "spec.objectStorage.bucket",
        "it must not contain `..`",
    );
}

#[test]
fn s3_bucket_names_with_dots_pass() {
    passes(
        "objectStorage: {provider: s3, bucket: my.bucket-1, s3: {endpoint: s3.amazonaws.com}}",
        "spec.objectStorage.bucket",
    );
}

#[test]
fn azure_container_names_refuse_double_dashes() {
    let d = rejects(
        "
        objectStorage:
          provider: azure
          bucket: my--container
          credentialsSecret: null
          azure: {storageAccount: acct}
        ",
        "spec.objectStorage.bucket",
        "it may hold only lowercase letters, digits and single `-`",
    );
    assert!(help_of(&d).starts_with("Azure container names"));
}

#[test]
fn azure_container_names_refuse_dots() {
    rejects(
        "
        objectStorage:
          provider: azure
          bucket: my.container
          credentialsSecret: null
          azure: {storageAccount: acct}
        ",
        "spec.objectStorage.bucket",
        "single `-`",
    );
}

#[test]
fn azure_container_names_with_single_dashes_pass() {
    passes(
        "
        objectStorage:
          provider: azure
          bucket: my-container
          credentialsSecret: null
          azure: {storageAccount: acct}
        ",
        "spec.objectStorage.bucket",
    );
}

#[test]
fn filesystem_directories_must_not_be_hidden() {
    let d = rejects(
        "objectStorage: {provider: filesystem, bucket: .data}",
        "spec.objectStorage.bucket",
        "it must be a plain directory name",
    );
    assert!(help_of(&d).starts_with("a directory name"));
}

#[test]
fn filesystem_directories_refuse_slashes() {
    rejects(
        "objectStorage: {provider: filesystem, bucket: data/blocks}",
        "spec.objectStorage.bucket",
        "it must be a plain directory name",
    );
}

#[test]
fn filesystem_directories_may_use_capitals_and_underscores() {
    passes(
        "objectStorage: {provider: filesystem, bucket: Data_Dir}",
        "spec.objectStorage.bucket",
    );
}

#[test]
fn ruler_bucket_follows_the_same_rules() {
    rejects(
        "objectStorage: {rulerBucket: Ruler}",
        "spec.objectStorage.rulerBucket",
        "`Ruler` is not a valid bucket name",
    );
}

#[test]
fn ruler_bucket_is_not_checked_without_a_ruler() {
    passes(
        "{objectStorage: {rulerBucket: Ruler}, thanos: {ruler: {enabled: false}}}",
        "spec.objectStorage.rulerBucket",
    );
}

#[test]
fn ruler_bucket_shared_with_prometheus_is_warned_about() {
    warns(
        "objectStorage: {bucket: metrics, rulerBucket: metrics}",
        "spec.objectStorage.rulerBucket",
        "is the same bucket as `bucket` (`metrics`)",
    );
}

#[test]
fn shared_bucket_without_a_ruler_passes() {
    passes(
        "{objectStorage: {bucket: metrics, rulerBucket: metrics}, thanos: {ruler: {enabled: false}}}",
        "spec.objectStorage.rulerBucket",
    );
}

#[test]
fn separate_ruler_bucket_passes() {
    passes(
        "objectStorage: {bucket: metrics, rulerBucket: ruler-metrics}",
        "spec.objectStorage.rulerBucket",
    );
}

// ---------------------------------------------------------------------------------------------
// object_storage_is_complete
// ---------------------------------------------------------------------------------------------

#[test]
fn s3_needs_its_settings() {
    let d = rejects(
        "objectStorage: {provider: s3}",
        "spec.objectStorage.s3",
        "is missing, and S3 needs an endpoint",
    );
    // Nothing in the file says `s3`, so the finding points at the section that lacks it.
    assert_eq!(position(&d), (4, 18));
}

#[test]
fn s3_with_an_endpoint_passes() {
    let loaded = passes(
        "objectStorage: {provider: s3, s3: {endpoint: minio.storage:9000, insecure: true}}",
        "spec.objectStorage.s3",
    );
    assert_eq!(loaded.config.spec.object_storage.provider, Provider::S3);
}

#[test]
fn s3_endpoint_must_be_a_bare_host() {
    let d = rejects(
        "objectStorage: {provider: s3, s3: {endpoint: 'https://s3.amazonaws.com'}}",
        "spec.objectStorage.s3.endpoint",
        "`https://s3.amazonaws.com` must be a bare host",
    );
    assert!(help_of(&d).contains("without a scheme"));
}

#[test]
fn s3_endpoint_must_not_be_empty() {
    rejects(
        "objectStorage: {provider: s3, s3: {endpoint: ''}}",
        "spec.objectStorage.s3.endpoint",
        "must be a bare host",
    );
}

#[test]
fn azure_needs_a_storage_account() {
    rejects(
        "objectStorage: {provider: azure, credentialsSecret: null}",
        "spec.objectStorage.azure",
        "is missing, and Azure needs a storage account",
    );
}

#[test]
fn azure_refuses_a_credentials_secret() {
    let d = rejects(
        "objectStorage: {provider: azure, azure: {storageAccount: acct}}",
        "spec.objectStorage.credentialsSecret",
        "cannot be used with Azure",
    );
    assert!(help_of(&d).contains("workloadIdentity.azureClientId"));
}

#[test]
fn azure_with_workload_identity_passes() {
    passes(
        "
        objectStorage:
          provider: azure
          credentialsSecret: null
          azure: {storageAccount: acct}
          workloadIdentity: {azureClientId: 00000000-0000-0000-0000-000000000000}
        ",
        "spec.objectStorage.credentialsSecret",
    );
}

#[test]
fn filesystem_storage_is_warned_about() {
    warns(
        "objectStorage: {provider: filesystem}",
        "spec.objectStorage.provider",
        "`filesystem` keeps blocks on a pod volume: for demos only",
    );
}

#[test]
fn cloud_storage_is_not_warned_about() {
    passes(
        "objectStorage: {provider: gcs}",
        "spec.objectStorage.provider",
    );
}

#[test]
fn s3_settings_with_gcs_are_warned_about() {
    warns(
        "objectStorage: {provider: gcs, s3: {endpoint: s3.amazonaws.com}}",
        "spec.objectStorage.s3",
        "is ignored with provider `gcs`",
    );
}

#[test]
fn azure_settings_with_gcs_are_warned_about() {
    warns(
        "objectStorage: {provider: gcs, azure: {storageAccount: acct}}",
        "spec.objectStorage.azure",
        "is ignored unless `provider: azure`",
    );
}

#[test]
fn gcp_workload_identity_needs_gcs() {
    rejects(
        "
        objectStorage:
          provider: s3
          s3: {endpoint: s3.amazonaws.com}
          credentialsSecret: null
          workloadIdentity: {gcpServiceAccount: thanos@p.iam.gserviceaccount.com}
        ",
        "spec.objectStorage.workloadIdentity.gcpServiceAccount",
        "GKE Workload Identity only reaches GCS",
    );
}

#[test]
fn aws_workload_identity_needs_s3() {
    rejects(
        "
        objectStorage:
          credentialsSecret: null
          workloadIdentity: {awsRoleArn: 'arn:aws:iam::123456789012:role/thanos'}
        ",
        "spec.objectStorage.workloadIdentity.awsRoleArn",
        "IRSA only reaches S3",
    );
}

#[test]
fn azure_workload_identity_needs_azure() {
    rejects(
        "
        objectStorage:
          credentialsSecret: null
          workloadIdentity: {azureClientId: abc}
        ",
        "spec.objectStorage.workloadIdentity.azureClientId",
        "AKS Workload Identity only reaches Azure storage",
    );
}

#[test]
fn gcp_service_account_must_be_an_email() {
    let d = rejects(
        "
        objectStorage:
          credentialsSecret: null
          workloadIdentity: {gcpServiceAccount: thanos}
        ",
        "spec.objectStorage.workloadIdentity.gcpServiceAccount",
        "`thanos` is not a Google service account email",
    );
    assert!(help_of(&d).contains("iam.gserviceaccount.com"));
}

#[test]
fn gcp_service_account_email_passes() {
    passes(
        "
        objectStorage:
          credentialsSecret: null
          workloadIdentity: {gcpServiceAccount: thanos@p.iam.gserviceaccount.com}
        ",
        "spec.objectStorage.workloadIdentity.gcpServiceAccount",
    );
}

#[test]
fn aws_role_must_be_an_arn() {
    rejects(
        "
        objectStorage:
          provider: s3
          s3: {endpoint: s3.amazonaws.com}
          credentialsSecret: null
          workloadIdentity: {awsRoleArn: thanos-role}
        ",
        "spec.objectStorage.workloadIdentity.awsRoleArn",
        "`thanos-role` is not an IAM role ARN",
    );
}

#[test]
fn aws_role_arn_passes() {
    passes(
        "
        objectStorage:
          provider: s3
          s3: {endpoint: s3.amazonaws.com}
          credentialsSecret: null
          workloadIdentity: {awsRoleArn: 'arn:aws:iam::123456789012:role/thanos'}
        ",
        "spec.objectStorage.workloadIdentity.awsRoleArn",
    );
}

#[test]
fn credentials_secret_with_workload_identity_is_warned_about() {
    let d = warns(
        "objectStorage: {workloadIdentity: {gcpServiceAccount: t@p.iam.gserviceaccount.com}}",
        "spec.objectStorage.credentialsSecret",
        "is set together with `workloadIdentity`",
    );
    // The Secret comes from the defaults: the finding says so rather than inventing a line.
    assert_eq!(d.origin, Some(Origin::Default));
}

#[test]
fn workload_identity_alone_passes() {
    passes(
        "objectStorage: {credentialsSecret: null, workloadIdentity: {gcpServiceAccount: t@p.iam.gserviceaccount.com}}",
        "spec.objectStorage.credentialsSecret",
    );
}

// ---------------------------------------------------------------------------------------------
// replicas_are_highly_available
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_prometheus_replicas_are_refused() {
    let d = rejects(
        "prometheus: {replicas: 0}",
        "spec.prometheus.replicas",
        "is 0",
    );
    assert!(help_of(&d).contains("Prometheus needs at least 1 replica"));
}

#[test]
fn zero_replicas_are_refused_for_every_component() {
    for (body, path) in [
        (
            "thanos: {query: {replicas: 0}}",
            "spec.thanos.query.replicas",
        ),
        (
            "thanos: {store: {replicas: 0}}",
            "spec.thanos.store.replicas",
        ),
        (
            "thanos: {ruler: {replicas: 0}}",
            "spec.thanos.ruler.replicas",
        ),
        ("alertmanager: {replicas: 0}", "spec.alertmanager.replicas"),
        ("grafana: {replicas: 0}", "spec.grafana.replicas"),
    ] {
        rejects(body, path, "is 0");
    }
}

#[test]
fn zero_replicas_of_a_disabled_component_pass() {
    passes(
        "alertmanager: {enabled: false, replicas: 0}",
        "spec.alertmanager.replicas",
    );
    passes(
        "grafana: {enabled: false, replicas: 0}",
        "spec.grafana.replicas",
    );
    passes(
        "thanos: {ruler: {enabled: false, replicas: 0}}",
        "spec.thanos.ruler.replicas",
    );
}

#[test]
fn single_prometheus_is_warned_about() {
    warns(
        "prometheus: {replicas: 1}",
        "spec.prometheus.replicas",
        "is 1: Prometheus is not highly available",
    );
}

#[test]
fn single_query_is_warned_about() {
    warns(
        "thanos: {query: {replicas: 1}}",
        "spec.thanos.query.replicas",
        "is 1: Thanos Query is not highly available",
    );
}

#[test]
fn single_alertmanager_is_warned_about() {
    warns(
        "alertmanager: {replicas: 1}",
        "spec.alertmanager.replicas",
        "is 1: Alertmanager is not highly available",
    );
}

#[test]
fn single_store_ruler_and_grafana_pass() {
    for (body, path) in [
        (
            "thanos: {store: {replicas: 1}}",
            "spec.thanos.store.replicas",
        ),
        (
            "thanos: {ruler: {replicas: 1}}",
            "spec.thanos.ruler.replicas",
        ),
        ("grafana: {replicas: 1}", "spec.grafana.replicas"),
    ] {
        passes(body, path);
    }
}

#[test]
fn two_replicas_pass() {
    passes("prometheus: {replicas: 2}", "spec.prometheus.replicas");
    passes(
        "thanos: {query: {replicas: 2}}",
        "spec.thanos.query.replicas",
    );
    passes("alertmanager: {replicas: 2}", "spec.alertmanager.replicas");
}

// ---------------------------------------------------------------------------------------------
// data_stays_on_volumes
// ---------------------------------------------------------------------------------------------

#[test]
fn store_without_a_volume_is_warned_about() {
    warns(
        "thanos: {store: {storage: {persistent: false}}}",
        "spec.thanos.store.storage.persistent",
        "is off: the Store gateway rebuilds its local data",
    );
}

#[test]
fn compactor_without_a_volume_is_warned_about() {
    warns(
        "thanos: {compact: {storage: {persistent: false}}}",
        "spec.thanos.compact.storage.persistent",
        "is off: the Compactor rebuilds its local data",
    );
}

#[test]
fn prometheus_without_a_volume_is_warned_about() {
    warns(
        "prometheus: {storage: {persistent: false}}",
        "spec.prometheus.storage.persistent",
        "blocks not yet uploaded are lost",
    );
}

#[test]
fn persistent_volumes_pass() {
    let ds = all(&load_spec(
        "
        prometheus: {storage: {persistent: true}}
        thanos:
          store: {storage: {persistent: true}}
          compact: {storage: {persistent: true}}
        ",
    ));
    assert!(
        ds.iter().all(|d| !d
            .path
            .as_deref()
            .unwrap_or_default()
            .ends_with("persistent")),
        "{ds:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// rule_files_parse
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_rule_files_pass() {
    let ds = all(&load_spec(
        r#"
        prometheus:
          ruleFiles:
            - name: team-a.rules.yaml
              groups:
                - name: team-a
                  rules:
                    - alert: HighErrorRate
                      expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1'
                      for: 10m
                      labels: {severity: page}
                    - record: job:http_requests:rate5m
                      expr: sum by (job) (rate(http_requests_total[5m]))
        thanos:
          ruler:
            ruleFiles:
              - name: global.yml
                groups:
                  - name: global
                    rules:
                      - alert: NoData
                        expr: absent(up)
        "#,
    ));
    assert!(
        ds.iter()
            .all(|d| !d.path.as_deref().unwrap_or_default().contains("ruleFiles")),
        "{ds:#?}"
    );
    assert!(!ds.iter().any(Diagnostic::is_error), "{ds:#?}");
}

/// One Prometheus rule file holding `rules` (YAML list items at any indentation).
fn rule_file(name: &str, rules: &str) -> String {
    let mut body = format!(
        "prometheus:\n  ruleFiles:\n    - name: '{name}'\n      groups:\n        - name: g\n          rules:\n"
    );
    for line in dedent(rules).lines() {
        body.push_str("            ");
        body.push_str(line);
        body.push('\n');
    }
    body
}

#[test]
fn rule_file_names_must_be_yaml_file_names() {
    let d = rejects(
        &rule_file("team a.rules", "- {alert: A, expr: up == 0}"),
        "spec.prometheus.ruleFiles[0].name",
        "`team a.rules` is not a usable rule file name",
    );
    assert!(help_of(&d).contains("ending in `.yaml`"));
}

#[test]
fn rule_file_names_must_be_unique() {
    rejects(
        "
        prometheus:
          ruleFiles:
            - {name: a.yaml, groups: [{name: g1, rules: [{alert: A, expr: up == 0}]}]}
            - {name: a.yaml, groups: [{name: g2, rules: [{alert: B, expr: up == 0}]}]}
        ",
        "spec.prometheus.ruleFiles[1].name",
        "`a.yaml` is used by two rule files",
    );
}

#[test]
fn group_names_must_be_unique_within_a_file() {
    rejects(
        "
        prometheus:
          ruleFiles:
            - name: a.yaml
              groups:
                - {name: g, rules: [{alert: A, expr: up == 0}]}
                - {name: g, rules: [{alert: B, expr: up == 0}]}
        ",
        "spec.prometheus.ruleFiles[0].groups[1].name",
        "group `g` appears twice in `a.yaml`",
    );
}

#[test]
fn same_group_name_in_two_files_passes() {
    passes(
        "
        prometheus:
          ruleFiles:
            - {name: a.yaml, groups: [{name: g, rules: [{alert: A, expr: up == 0}]}]}
            - {name: b.yaml, groups: [{name: g, rules: [{alert: B, expr: up == 0}]}]}
        ",
        "spec.prometheus.ruleFiles[1].groups[0].name",
    );
}

#[test]
fn rule_with_both_alert_and_record_is_refused() {
    rejects(
        &rule_file("a.yaml", "- {alert: A, record: 'a:b', expr: up}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0]",
        "needs exactly one of `alert` and `record`",
    );
}

#[test]
fn rule_with_neither_alert_nor_record_is_refused() {
    rejects(
        &rule_file("a.yaml", "- {expr: up}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0]",
        "needs exactly one of `alert` and `record`",
    );
}

#[test]
fn record_names_must_be_metric_names() {
    rejects(
        &rule_file("a.yaml", "- {record: job-requests, expr: up}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0].record",
        "`job-requests` is not a valid metric name",
    );
}

#[test]
fn record_names_with_colons_pass() {
    passes(
        &rule_file("a.yaml", "- {record: 'job:up:sum', expr: sum(up)}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0].record",
    );
}

#[test]
fn recording_rules_take_no_for() {
    rejects(
        &rule_file("a.yaml", "- {record: 'job:up:sum', expr: sum(up), for: 5m}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0].for",
        "`for` only applies to alerting rules",
    );
}

#[test]
fn alert_names_must_not_hold_spaces() {
    let d = rejects(
        &rule_file("a.yaml", "- {alert: High Error Rate, expr: up == 0}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0].alert",
        "`High Error Rate` is not a usable alert name",
    );
    assert!(help_of(&d).contains("CamelCase"));
}

#[test]
fn alert_names_must_not_be_empty() {
    rejects(
        &rule_file("a.yaml", "- {alert: '', expr: up == 0}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0].alert",
        "is not a usable alert name",
    );
}

#[test]
fn promql_that_does_not_parse_is_refused_naming_file_group_and_rule() {
    let d = rejects(
        &rule_file("team-a.yaml", "- {alert: Broken, expr: 'sum(rate(up[5m])'}"),
        "spec.prometheus.ruleFiles[0].groups[0].rules[0].expr",
        "PromQL of `Broken` in group `g` of `team-a.yaml` does not parse: ",
    );
    // Points at the expression itself.
    assert_eq!(file_of(&d), "t.yaml");
    assert_eq!(position(&d).0, 10);
}

#[test]
fn ruler_rule_files_are_checked_too() {
    rejects(
        "
        thanos:
          ruler:
            ruleFiles:
              - name: global.yaml
                groups:
                  - name: global
                    rules:
                      - {record: 'cluster:up:sum', expr: 'sum(up'}
        ",
        "spec.thanos.ruler.ruleFiles[0].groups[0].rules[0].expr",
        "PromQL of `cluster:up:sum` in group `global` of `global.yaml` does not parse",
    );
}

// ---------------------------------------------------------------------------------------------
// alertmanager_routes_resolve
// ---------------------------------------------------------------------------------------------

#[test]
fn routes_to_defined_receivers_pass() {
    passes(
        r#"
        alertmanager:
          receivers:
            - name: default
            - name: pager
          route:
            receiver: default
            routes:
              - {receiver: pager, matchers: ['severity="page"', 'team=~"a|b"', 'env!=dev']}
        "#,
        "spec.alertmanager.route.routes[0].receiver",
    );
}

#[test]
fn route_to_an_unknown_receiver_is_refused_with_a_suggestion() {
    let d = rejects(
        "alertmanager: {route: {receiver: defualt}}",
        "spec.alertmanager.route.receiver",
        "receiver `defualt` is not defined in `spec.alertmanager.receivers`",
    );
    assert!(
        help_of(&d).starts_with("did you mean `default`?"),
        "{:?}",
        d.help
    );
    assert!(help_of(&d).contains("defined receivers: `default`"));
}

#[test]
fn child_route_to_an_unknown_receiver_is_refused() {
    rejects(
        "alertmanager: {route: {routes: [{receiver: nobody, matchers: []}]}}",
        "spec.alertmanager.route.routes[0].receiver",
        "receiver `nobody` is not defined",
    );
}

#[test]
fn receivers_must_be_unique() {
    rejects(
        "alertmanager: {receivers: [{name: default}, {name: default}]}",
        "spec.alertmanager.receivers[1].name",
        "receiver `default` is defined twice",
    );
}

#[test]
fn malformed_matchers_are_refused() {
    let d = rejects(
        "alertmanager: {route: {routes: [{receiver: default, matchers: ['severity']}]}}",
        "spec.alertmanager.route.routes[0].matchers[0]",
        "`severity` is not an Alertmanager matcher",
    );
    assert!(help_of(&d).contains("label=\\\"value\\\"") || help_of(&d).contains("label=\"value\""));
}

#[test]
fn routes_of_a_disabled_alertmanager_are_not_checked() {
    passes(
        "alertmanager: {enabled: false, route: {receiver: nobody}}",
        "spec.alertmanager.route.receiver",
    );
}

// ---------------------------------------------------------------------------------------------
// remote_endpoints_are_unique
// ---------------------------------------------------------------------------------------------

#[test]
fn remote_endpoints_must_be_unique() {
    rejects(
        "thanos: {query: {remoteEndpoints: ['a.example.com:10901', 'b.example.com:10901', 'a.example.com:10901']}}",
        "spec.thanos.query.remoteEndpoints[2]",
        "`a.example.com:10901` is listed twice",
    );
}

#[test]
fn distinct_remote_endpoints_pass() {
    let loaded = passes(
        "thanos: {query: {remoteEndpoints: ['a.example.com:10901', 'b.example.com:10901']}}",
        "spec.thanos.query.remoteEndpoints[1]",
    );
    assert_eq!(loaded.config.spec.thanos.query.remote_endpoints.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// exposed_uis_are_protected
// ---------------------------------------------------------------------------------------------

#[test]
fn exposed_uis_without_basic_auth_are_warned_about() {
    warns(
        "ingress: {enabled: true}",
        "spec.ingress.basicAuthSecret",
        "is unset, so Thanos Query, Alertmanager, Thanos Ruler, Prometheus are exposed without authentication",
    );
}

#[test]
fn only_the_uis_really_exposed_are_named() {
    let d = warns(
        "
        ingress: {expose: {prometheus: false, querier: false}}
        thanos: {ruler: {enabled: false}}
        ",
        "spec.ingress.basicAuthSecret",
        "so Alertmanager are exposed",
    );
    assert!(!d.message.contains("Ruler"), "{}", d.message);
}

#[test]
fn basic_auth_protects_exposed_uis() {
    passes(
        "ingress: {basicAuthSecret: ingress-auth}",
        "spec.ingress.basicAuthSecret",
    );
}

#[test]
fn grafana_alone_needs_no_basic_auth() {
    passes(
        "ingress: {expose: {prometheus: false, querier: false, alertmanager: false, ruler: false}}",
        "spec.ingress.basicAuthSecret",
    );
}

#[test]
fn disabled_components_are_not_exposed() {
    passes(
        "
        ingress: {expose: {prometheus: false, querier: false}}
        alertmanager: {enabled: false}
        thanos: {ruler: {enabled: false}}
        ",
        "spec.ingress.basicAuthSecret",
    );
}

#[test]
fn disabled_ingress_exposes_nothing() {
    passes("ingress: {enabled: false}", "spec.ingress.basicAuthSecret");
}

// ---------------------------------------------------------------------------------------------
// dashboards_have_data
// ---------------------------------------------------------------------------------------------

#[test]
fn dashboards_must_be_unique() {
    rejects(
        "grafana: {dashboards: [cluster, nodes, cluster]}",
        "spec.grafana.dashboards[2]",
        "`cluster` is listed twice",
    );
}

#[test]
fn nodes_dashboard_without_node_exporter_is_warned_about() {
    warns(
        "{grafana: {dashboards: [nodes]}, nodeExporter: {enabled: false}}",
        "spec.grafana.dashboards",
        "the `nodes` dashboard reads node-exporter, which is off",
    );
}

#[test]
fn cluster_dashboard_without_kube_state_metrics_is_warned_about() {
    warns(
        "{grafana: {dashboards: [cluster]}, kubeStateMetrics: {enabled: false}}",
        "spec.grafana.dashboards",
        "the `cluster` dashboard reads kube-state-metrics, which is off",
    );
}

#[test]
fn dashboards_with_their_exporters_pass() {
    passes(
        "grafana: {dashboards: [cluster, nodes]}",
        "spec.grafana.dashboards",
    );
}

#[test]
fn dashboards_without_exporters_pass_when_not_listed() {
    passes(
        "{grafana: {dashboards: [cluster]}, nodeExporter: {enabled: false}}",
        "spec.grafana.dashboards",
    );
}

#[test]
fn dashboards_of_a_disabled_grafana_are_not_checked() {
    passes(
        "{grafana: {enabled: false, dashboards: [nodes, nodes]}, nodeExporter: {enabled: false}}",
        "spec.grafana.dashboards[1]",
    );
}

// ---------------------------------------------------------------------------------------------
// The structural check
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_keys_are_refused_with_a_suggestion() {
    let result = load_spec("prometheus: {replica: 3}");
    let ds = all(&result);
    assert!(result.is_err());
    let d = expect(
        &ds,
        Severity::Error,
        "spec.prometheus.replica",
        "unknown field `replica` in `spec.prometheus`",
    );
    assert!(
        help_of(&d).starts_with("did you mean `replicas`?"),
        "{:?}",
        d.help
    );
    // Points at the key, not its value.
    assert_eq!(position(&d), (4, 16));
}

#[test]
fn unknown_top_level_keys_are_refused() {
    let result = load_text("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspce: {}\n");
    let ds = all(&result);
    assert!(result.is_err());
    let d = expect(
        &ds,
        Severity::Error,
        "spce",
        "unknown field `spce` at the top level",
    );
    assert!(help_of(&d).starts_with("did you mean `spec`?"));
    assert_eq!(position(&d), (3, 1));
}

#[test]
fn unknown_keys_far_from_any_field_get_no_suggestion() {
    let ds = all(&load_spec("prometheus: {zzzzzz: 1}"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.prometheus.zzzzzz",
        "unknown field",
    );
    assert!(
        help_of(&d).starts_with("fields allowed here: "),
        "{:?}",
        d.help
    );
}

#[test]
fn wrong_types_are_refused() {
    let ds = all(&load_spec("prometheus: {replicas: three}"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.prometheus.replicas",
        "expected a whole number, found `three`",
    );
    assert_eq!(position(&d), (4, 26));
}

#[test]
fn numbers_where_strings_belong_get_a_quoting_hint() {
    let ds = all(&load_spec("cluster: 123"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.cluster",
        "expected a string, found `123`",
    );
    assert!(help_of(&d).contains("put it in quotes"));
}

#[test]
fn quoted_booleans_are_strings() {
    let ds = all(&load_spec("ingress: {enabled: 'true'}"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.ingress.enabled",
        "expected `true` or `false`, found `true`",
    );
    assert!(help_of(&d).starts_with("write `true` or `false`"));
}

#[test]
fn unquoted_yes_and_no_are_strings_as_in_yaml_1_2() {
    // Read as kustomize and kpt read it: `no` is a string, so a string field takes it as
    // it is and a boolean field refuses it with the fix.
    let c = config(load_spec("cluster: no"));
    assert_eq!(c.spec.cluster, "no");
    let ds = all(&load_spec("ingress: {enabled: no}"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.ingress.enabled",
        "expected `true` or `false`, found `no`",
    );
    assert!(help_of(&d).contains("write `true` or `false`"));
}

#[test]
fn malformed_durations_are_refused() {
    let ds = all(&load_spec("prometheus: {retention: 2x}"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.prometheus.retention",
        "`2x` is malformed",
    );
    assert!(help_of(&d).starts_with("expected a duration"));
}

#[test]
fn malformed_quantities_are_refused() {
    let ds = all(&load_spec("prometheus: {storage: {size: 20 GB}}"));
    expect(
        &ds,
        Severity::Error,
        "spec.prometheus.storage.size",
        "`20 GB` is malformed",
    );
}

#[test]
fn invalid_label_names_are_refused_as_keys() {
    let ds = all(&load_spec("externalLabels: {9x: a}"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.externalLabels.9x",
        "`9x` is not a valid key here",
    );
    assert!(help_of(&d).contains("for label names"));
}

#[test]
fn enum_values_are_refused_with_a_suggestion() {
    let ds = all(&load_spec("objectStorage: {provider: filesystm}"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.provider",
        "`filesystm` is not an allowed value",
    );
    assert!(
        help_of(&d).starts_with("did you mean `filesystem`?"),
        "{:?}",
        d.help
    );
    assert!(help_of(&d).contains("`gcs`, `s3`, `azure`, `filesystem`"));
}

#[test]
fn numeric_enum_values_get_a_quoting_hint() {
    let ds = all(&load_spec("kubernetesVersion: 1.30"));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.kubernetesVersion",
        "is not an allowed value",
    );
    assert!(
        help_of(&d).contains("write the value in quotes"),
        "{:?}",
        d.help
    );
}

#[test]
fn wrong_api_version_is_refused() {
    let result = load_text("apiVersion: v1\nkind: MonitoringStack\n");
    let ds = all(&result);
    assert!(result.is_err());
    let d = expect(
        &ds,
        Severity::Error,
        "apiVersion",
        "must be \"stackgen.dev/v1alpha1\"",
    );
    assert_eq!(position(&d), (1, 13));
}

#[test]
fn missing_required_fields_of_list_items_are_refused() {
    let ds = all(&load_spec("alertmanager: {receivers: [{webhook: null}]}"));
    expect(
        &ds,
        Severity::Error,
        "spec.alertmanager.receivers[0]",
        "missing required field `name`",
    );
}

#[test]
fn a_missing_required_field_does_not_set_its_parent_aside() {
    // Were `s3` set aside for lacking `endpoint`, the rules would say it is missing again.
    let ds = all(&load_spec(
        "objectStorage: {provider: s3, bucket: b-1, s3: {region: eu-west-1}}",
    ));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.s3",
        "missing required field `endpoint`",
    );
    assert_eq!(at(&ds, "spec.objectStorage.s3"), [&d], "{ds:#?}");
}

#[test]
fn structural_errors_do_not_hide_rule_findings() {
    // A typo elsewhere must not stop the rules from running over the rest.
    let ds = all(&load_spec(
        "
        prometheus: {replica: 3}
        thanos: {compact: {replicas: 2}}
        ",
    ));
    expect(
        &ds,
        Severity::Error,
        "spec.prometheus.replica",
        "unknown field",
    );
    expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 2");
}

#[test]
fn a_rejected_value_falls_back_to_the_default_for_the_rules() {
    // `replicas: three` is reported once; the rules see the default 3, not a bogus value.
    let ds = all(&load_spec("prometheus: {replicas: three}"));
    assert_eq!(at(&ds, "spec.prometheus.replicas").len(), 1, "{ds:#?}");
}

// ---------------------------------------------------------------------------------------------
// Loading: files, YAML, layering, --set
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file_gives_the_defaults() {
    let loaded = load_text("").expect("an empty file is valid");
    assert_eq!(loaded.config, MonitoringStack::default());
}

#[test]
fn comment_only_file_gives_the_defaults() {
    let loaded = load_text("# nothing here\n").expect("a comment-only file is valid");
    assert_eq!(loaded.config, MonitoringStack::default());
}

#[test]
fn no_input_at_all_gives_the_defaults() {
    let loaded = crate::config::load(&Inputs::default()).expect("defaults are valid");
    assert_eq!(loaded.config, MonitoringStack::default());
}

#[test]
fn a_file_must_hold_a_map() {
    let result = load_text("- a\n- b\n");
    let ds = all(&result);
    assert!(result.is_err());
    let d = ds.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(d.message, "a config must be a map, found a list");
    assert_eq!(d.path, None);
    assert_eq!(file_of(d), "t.yaml");
    assert_eq!(position(d), (1, 1));
}

#[test]
fn a_scalar_file_is_not_a_map_either() {
    let result = load_text("hello\n");
    let ds = all(&result);
    assert!(result.is_err());
    assert!(
        ds.iter()
            .any(|d| d.message == "a config must be a map, found a string"),
        "{ds:#?}"
    );
}

#[test]
fn invalid_yaml_is_reported_at_its_line_and_column() {
    let result = load_text("spec:\n  prometheus: [1\n");
    let ds = all(&result);
    assert!(result.is_err());
    let d = ds.iter().find(|d| d.is_error()).expect("an error");
    assert!(d.message.starts_with("invalid YAML: "), "{}", d.message);
    assert!(d.message.contains("unclosed bracket"), "{}", d.message);
    assert_eq!(file_of(d), "t.yaml");
    assert_eq!(position(d), (2, 15));
}

#[test]
fn invalid_yaml_in_one_file_does_not_hide_another_files_errors() {
    let result = crate::config::load(&inputs(
        &[],
        &["spec: [", &doc("thanos: {compact: {replicas: 2}}")],
        &[],
    ));
    let ds = all(&result);
    assert!(
        ds.iter().any(|d| d.message.starts_with("invalid YAML")),
        "{ds:#?}"
    );
    let d = expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 2");
    assert_eq!(file_of(&d), "t1.yaml");
}

#[test]
fn unknown_profiles_are_refused_with_a_suggestion() {
    let result = crate::config::load(&inputs(&["observr"], &[], &[]));
    let ds = all(&result);
    assert!(result.is_err());
    let d = ds.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(d.message, "unknown profile `observr`");
    assert!(
        help_of(d).starts_with("did you mean `observer`?"),
        "{:?}",
        d.help
    );
    assert!(help_of(d).contains("dev, eks, gke, ha, observer"));
}

#[test]
fn every_builtin_profile_validates() {
    for profile in crate::config::profiles::all() {
        let result = crate::config::load(&inputs(&[profile.name], &[], &[]));
        assert!(
            result.is_ok(),
            "profile {}: {:#?}",
            profile.name,
            all(&result)
        );
    }
}

#[test]
fn profile_findings_point_into_the_profile() {
    let ds = all(&crate::config::load(&inputs(&["dev"], &[], &[])));
    let d = expect(&ds, Severity::Warning, "spec.prometheus.replicas", "is 1");
    assert_eq!(file_of(&d), "profiles/dev.yaml");
}

#[test]
fn files_override_profiles_and_sets_override_files() {
    let file = doc("prometheus: {replicas: 4}");
    let from_profile = config(crate::config::load(&inputs(&["dev"], &[], &[])));
    assert_eq!(from_profile.spec.prometheus.replicas, 1);
    let from_file = config(crate::config::load(&inputs(&["dev"], &[&file], &[])));
    assert_eq!(from_file.spec.prometheus.replicas, 4);
    let from_set = config(crate::config::load(&inputs(
        &["dev"],
        &[&file],
        &["prometheus.replicas=5"],
    )));
    assert_eq!(from_set.spec.prometheus.replicas, 5);
}

#[test]
fn later_files_override_earlier_ones() {
    let first = doc("prometheus: {replicas: 4}");
    let second = doc("prometheus: {replicas: 6}");
    let c = config(crate::config::load(&inputs(&[], &[&first, &second], &[])));
    assert_eq!(c.spec.prometheus.replicas, 6);
}

#[test]
fn later_profiles_override_earlier_ones() {
    // dev picks `filesystem`, ha `gcs`.
    let c = config(crate::config::load(&inputs(&["dev", "ha"], &[], &[])));
    assert_eq!(c.spec.object_storage.provider, Provider::Gcs);
    let c = config(crate::config::load(&inputs(&["ha", "dev"], &[], &[])));
    assert_eq!(c.spec.object_storage.provider, Provider::Filesystem);
}

#[test]
fn maps_merge_deeply() {
    // The file sets one field of `prometheus`; the profile's other fields survive.
    let c = config(crate::config::load(&inputs(
        &["dev"],
        &[&doc("prometheus: {retention: 1d}")],
        &[],
    )));
    assert_eq!(c.spec.prometheus.retention.to_string(), "1d");
    assert_eq!(c.spec.prometheus.replicas, 1);
    assert_eq!(c.spec.prometheus.storage.size.to_string(), "5Gi");
    // … and the defaults' fields the profile did not touch.
    assert_eq!(c.spec.prometheus.scrape_interval.to_string(), "30s");
}

#[test]
fn lists_are_replaced_not_merged() {
    let c = config(crate::config::load(&inputs(
        &["observer"],
        &[&doc(
            "thanos: {query: {remoteEndpoints: ['c.example.com:10901']}}",
        )],
        &[],
    )));
    let endpoints: Vec<String> = c
        .spec
        .thanos
        .query
        .remote_endpoints
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(endpoints, ["c.example.com:10901"]);
}

#[test]
fn null_turns_an_optional_default_off() {
    assert!(
        MonitoringStack::default()
            .spec
            .object_storage
            .credentials_secret
            .is_some()
    );
    let c = config(load_spec("objectStorage: {credentialsSecret: null}"));
    assert!(c.spec.object_storage.credentials_secret.is_none());
}

#[test]
fn set_paths_are_taken_under_spec() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &["prometheus.replicas=5"],
    )));
    assert_eq!(c.spec.prometheus.replicas, 5);
}

#[test]
fn set_paths_may_be_rooted() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &["spec.prometheus.replicas=7", "metadata.name=prod-eu1"],
    )));
    assert_eq!(c.spec.prometheus.replicas, 7);
    assert_eq!(c.metadata.name.to_string(), "prod-eu1");
}

#[test]
fn set_reaches_list_items_by_index() {
    let c = config(crate::config::load(&inputs(
        &["observer"],
        &[],
        &["thanos.query.remoteEndpoints[1]=z.example.com:10901"],
    )));
    let endpoints: Vec<String> = c
        .spec
        .thanos
        .query
        .remote_endpoints
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        endpoints,
        [
            "thanos-store.cluster-a.example.com:10901",
            "z.example.com:10901"
        ]
    );
}

#[test]
fn set_appends_at_the_index_just_past_the_end() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &["thanos.query.remoteEndpoints[0]=a.example.com:10901"],
    )));
    assert_eq!(c.spec.thanos.query.remote_endpoints.len(), 1);
}

#[test]
fn set_refuses_an_index_beyond_the_end() {
    let result = crate::config::load(&inputs(
        &[],
        &[],
        &["thanos.query.remoteEndpoints[3]=a.example.com:10901"],
    ));
    let ds = all(&result);
    assert!(result.is_err());
    let d = ds.iter().find(|d| d.is_error()).expect("an error");
    assert!(
        d.message.contains("index 3 is past the end"),
        "{}",
        d.message
    );
    assert_eq!(
        d.origin,
        Some(Origin::Set(
            "thanos.query.remoteEndpoints[3]=a.example.com:10901".into()
        ))
    );
}

#[test]
fn set_values_are_read_as_yaml_scalars() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &[
            "ingress.enabled=false",
            "cluster=\"123\"",
            "externalLabels.region=eu",
        ],
    )));
    assert!(!c.spec.ingress.enabled);
    assert_eq!(c.spec.cluster, "123");
    assert_eq!(c.spec.external_labels.len(), 1);
}

#[test]
fn set_numbers_stay_numbers() {
    // Unquoted, `123` is an integer, so a string field refuses it; the error names the flag.
    let result = crate::config::load(&inputs(&[], &[], &["cluster=123"]));
    let ds = all(&result);
    assert!(result.is_err());
    let d = expect(
        &ds,
        Severity::Error,
        "spec.cluster",
        "expected a string, found `123`",
    );
    assert_eq!(d.origin, Some(Origin::Set("cluster=123".into())));
}

#[test]
fn set_findings_point_at_the_flag() {
    let result = crate::config::load(&inputs(&[], &[], &["thanos.compact.replicas=2"]));
    let ds = all(&result);
    let d = expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 2");
    assert_eq!(
        d.origin,
        Some(Origin::Set("thanos.compact.replicas=2".into()))
    );
}

#[test]
fn set_without_an_equals_sign_is_refused() {
    let result = crate::config::load(&inputs(&[], &[], &["prometheus.replicas"]));
    let ds = all(&result);
    assert!(result.is_err());
    let d = ds.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(d.message, "`prometheus.replicas` has no `=`");
    assert_eq!(d.origin, Some(Origin::Set("prometheus.replicas".into())));
}

#[test]
fn set_with_an_empty_key_is_refused() {
    let result = crate::config::load(&inputs(&[], &[], &["prometheus..replicas=1"]));
    let ds = all(&result);
    assert!(result.is_err());
    let d = ds.iter().find(|d| d.is_error()).expect("an error");
    assert!(d.message.contains("empty key in path"), "{}", d.message);
    assert!(help_of(d).contains("dot-separated"));
}

#[test]
fn set_with_a_non_numeric_index_is_refused() {
    let result = crate::config::load(&inputs(&[], &[], &["thanos.query.remoteEndpoints[x]=a:1"]));
    let ds = all(&result);
    assert!(result.is_err());
    assert!(
        ds.iter()
            .any(|d| d.message.contains("list index `x`") && d.message.contains("is not a number")),
        "{ds:#?}"
    );
}

#[test]
fn set_cannot_step_into_a_scalar() {
    let result = crate::config::load(&inputs(&[], &[], &["cluster.name=x"]));
    let ds = all(&result);
    assert!(result.is_err());
    let d = ds.iter().find(|d| d.is_error()).expect("an error");
    assert!(
        d.message.contains("`spec.cluster` is a string"),
        "{}",
        d.message
    );
}

#[test]
fn set_to_an_unknown_key_is_refused_with_a_suggestion() {
    let result = crate::config::load(&inputs(&[], &[], &["prometheus.replica=3"]));
    let ds = all(&result);
    assert!(result.is_err());
    let d = expect(
        &ds,
        Severity::Error,
        "spec.prometheus.replica",
        "unknown field `replica`",
    );
    assert!(help_of(&d).starts_with("did you mean `replicas`?"));
    assert_eq!(d.origin, Some(Origin::Set("prometheus.replica=3".into())));
}

#[test]
fn old_thanos_images_are_warned_about() {
    warns(
        "images: {thanos: \"quay.io/thanos/thanos:v0.31.0\"}",
        "spec.images.thanos",
        "older than Thanos v0.32",
    );
}

#[test]
fn current_and_untagged_thanos_images_pass() {
    passes(
        "images: {thanos: \"quay.io/thanos/thanos:v0.39.2\"}",
        "spec.images.thanos",
    );
    passes(
        "images: {thanos: \"quay.io/thanos/thanos:main-2025-01-01-abc\"}",
        "spec.images.thanos",
    );
}

#[test]
fn bad_list_items_past_the_ninth_are_each_reported() {
    // Removing rejected items must go from the highest index down, numerically: `[10]`
    // before `[9]`, or the second removal would hit a shifted neighbour.
    let endpoints: Vec<String> = (0..12)
        .map(|i| {
            if i == 9 || i == 10 {
                format!("\"bad {i}\"")
            } else {
                format!("h{i}.example.com:10901")
            }
        })
        .collect();
    let ds = all(&load_spec(&format!(
        "thanos: {{query: {{remoteEndpoints: [{}]}}, compact: {{replicas: 2}}}}",
        endpoints.join(", ")
    )));
    // The semantic rules still ran, which needs every bad item gone from the repaired tree.
    assert!(
        ds.iter()
            .any(|d| d.path.as_deref() == Some("spec.thanos.compact.replicas")),
        "{ds:#?}"
    );
    for i in [9, 10] {
        assert!(
            ds.iter().any(|d| d.path.as_deref()
                == Some(&format!("spec.thanos.query.remoteEndpoints[{i}]")[..])),
            "{ds:#?}"
        );
    }
}
