//! Tests of the object storage rules: bucket names per provider, and settings that fit the
//! provider.

use crate::config::model::Provider;
use crate::config::testing::{help_of, passes, position, rejects, warns};
use crate::source::Origin;

// -----------------------------------------------------------------------------------------
// buckets_follow_provider_rules
// -----------------------------------------------------------------------------------------

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

// -----------------------------------------------------------------------------------------
// object_storage_is_complete
// -----------------------------------------------------------------------------------------

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
