//! Tests of the object storage rules: bucket names per provider, settings that fit the
//! provider, the prefix, S3 encryption and the CA bundle.

use crate::config::model::{BucketLookupType, Provider, SseType};
use crate::config::testing::{expect, help_of, passes, position, rejects, warns};
use crate::diagnostic::Severity;
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

// -----------------------------------------------------------------------------------------
// prefix
// -----------------------------------------------------------------------------------------

#[test]
fn a_prefix_with_folders_passes() {
    let loaded = passes(
        "objectStorage: {prefix: clusters/prod-eu1_a.b}",
        "spec.objectStorage.prefix",
    );
    assert_eq!(
        loaded.config.spec.object_storage.prefix.as_deref(),
        Some("clusters/prod-eu1_a.b")
    );
}

#[test]
fn a_prefix_must_not_start_or_end_with_a_slash() {
    for prefix in ["/clusters", "clusters/"] {
        let d = rejects(
            &format!("objectStorage: {{prefix: '{prefix}'}}"),
            "spec.objectStorage.prefix",
            &format!("`{prefix}` starts or ends with `/`"),
        );
        assert!(help_of(&d).contains("such as `clusters/prod-eu1`"));
    }
}

#[test]
fn a_prefix_must_not_climb_out_of_its_folder() {
    for prefix in ["clusters/../other", "..", "a/./b", "a//b"] {
        rejects(
            &format!("objectStorage: {{prefix: '{prefix}'}}"),
            "spec.objectStorage.prefix",
            "has an empty, `.` or `..` segment",
        );
    }
}

#[test]
fn a_prefix_refuses_other_characters() {
    rejects(
        "objectStorage: {prefix: 'prod eu1'}",
        "spec.objectStorage.prefix",
        "`prod eu1` holds ` `",
    );
}

#[test]
fn an_empty_prefix_is_refused() {
    let d = rejects(
        "objectStorage: {prefix: ''}",
        "spec.objectStorage.prefix",
        "is empty",
    );
    assert!(help_of(&d).contains("remove it to use the bucket's root"));
}

#[test]
fn a_prefix_has_a_length_limit() {
    rejects(
        &format!("objectStorage: {{prefix: {}}}", "a".repeat(257)),
        "spec.objectStorage.prefix",
        "is 257 characters long, more than the 256 allowed",
    );
}

// -----------------------------------------------------------------------------------------
// S3 bucket lookup and server-side encryption
// -----------------------------------------------------------------------------------------

#[test]
fn path_style_lookup_passes() {
    let loaded = passes(
        "objectStorage: {provider: s3, s3: {endpoint: minio.example.com, bucketLookupType: path}}",
        "spec.objectStorage.s3.bucketLookupType",
    );
    let s3 = loaded.config.spec.object_storage.s3.unwrap();
    assert_eq!(s3.bucket_lookup_type, Some(BucketLookupType::Path));
}

#[test]
fn an_unknown_lookup_type_names_the_allowed_ones() {
    let d = rejects(
        "objectStorage: {provider: s3, s3: {endpoint: minio.example.com, bucketLookupType: dns}}",
        "spec.objectStorage.s3.bucketLookupType",
        "is not an allowed value",
    );
    let help = help_of(&d);
    assert!(
        help.contains("`auto`") && help.contains("`virtual-hosted`") && help.contains("`path`"),
        "{help}"
    );
}

#[test]
fn sse_kms_with_a_key_passes() {
    let loaded = passes(
        "
        objectStorage:
          provider: s3
          s3:
            endpoint: s3.amazonaws.com
            sse:
              type: SSE-KMS
              kmsKeyId: arn:aws:kms:us-east-1:123456789012:key/abcd
              kmsEncryptionContext: {team: payments}
        ",
        "spec.objectStorage.s3.sse.kmsKeyId",
    );
    let sse = loaded.config.spec.object_storage.s3.unwrap().sse.unwrap();
    assert_eq!(sse.kind, SseType::SseKms);
    assert_eq!(sse.kms_encryption_context["team"], "payments");
}

#[test]
fn sse_s3_alone_passes() {
    passes(
        "objectStorage: {provider: s3, s3: {endpoint: s3.amazonaws.com, sse: {type: SSE-S3}}}",
        "spec.objectStorage.s3.sse",
    );
}

#[test]
fn sse_kms_needs_a_key() {
    let d = rejects(
        "objectStorage: {provider: s3, s3: {endpoint: s3.amazonaws.com, sse: {type: SSE-KMS}}}",
        "spec.objectStorage.s3.sse.kmsKeyId",
        "is missing, and `type: SSE-KMS` needs the KMS key to encrypt with",
    );
    assert!(help_of(&d).contains("`type: SSE-S3`"));
}

#[test]
fn sse_kms_refuses_an_empty_key() {
    rejects(
        "objectStorage: {provider: s3, s3: {endpoint: s3.amazonaws.com, sse: {type: SSE-KMS, kmsKeyId: ''}}}",
        "spec.objectStorage.s3.sse.kmsKeyId",
        "is empty",
    );
}

#[test]
fn kms_settings_are_refused_with_sse_s3() {
    let ds = crate::config::testing::diagnostics(
        "
        objectStorage:
          provider: s3
          s3:
            endpoint: s3.amazonaws.com
            sse: {type: SSE-S3, kmsKeyId: abcd, kmsEncryptionContext: {a: b}}
        ",
    );
    // Both faults at once, each at its own path.
    let key = expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.s3.sse.kmsKeyId",
        "is only allowed with `type: SSE-KMS`",
    );
    assert!(help_of(&key).contains("remove it"));
    expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.s3.sse.kmsEncryptionContext",
        "is only allowed with `type: SSE-KMS`",
    );
}

#[test]
fn an_unknown_sse_type_names_the_allowed_ones() {
    let d = rejects(
        "objectStorage: {provider: s3, s3: {endpoint: s3.amazonaws.com, sse: {type: SSE-C}}}",
        "spec.objectStorage.s3.sse.type",
        "is not an allowed value",
    );
    assert!(
        help_of(&d).contains("`SSE-S3`, `SSE-KMS`"),
        "{}",
        help_of(&d)
    );
}

// -----------------------------------------------------------------------------------------
// caBundle
// -----------------------------------------------------------------------------------------

/// An on-prem S3 store; a test appends its `caBundle` line.
const MINIO: &str = "objectStorage:
  provider: s3
  s3: {endpoint: minio.storage.example.com, bucketLookupType: path}
";

#[test]
fn a_ca_bundle_from_a_config_map_passes() {
    let loaded = passes(
        &format!("{MINIO}  caBundle: {{configMap: {{name: minio-ca, key: ca.crt}}}}\n"),
        "spec.objectStorage.caBundle",
    );
    let ca = loaded.config.spec.object_storage.ca_bundle.unwrap();
    assert_eq!(ca.config_map.unwrap().name.as_str(), "minio-ca");
}

#[test]
fn a_ca_bundle_from_a_secret_passes_with_gcs_and_azure() {
    passes(
        "objectStorage: {caBundle: {secret: {name: proxy-ca, key: ca.pem}}}",
        "spec.objectStorage.caBundle",
    );
    passes(
        "
        objectStorage:
          provider: azure
          credentialsSecret: null
          azure: {storageAccount: acct}
          workloadIdentity: {azureClientId: 00000000-0000-0000-0000-000000000000}
          caBundle: {secret: {name: proxy-ca, key: ca.pem}}
        ",
        "spec.objectStorage.caBundle",
    );
}

#[test]
fn a_ca_bundle_names_exactly_one_source() {
    let d = rejects(
        &format!(
            "{MINIO}  caBundle: {{configMap: {{name: a, key: ca.crt}}, secret: {{name: b, key: ca.crt}}}}\n"
        ),
        "spec.objectStorage.caBundle",
        "names both a Secret and a ConfigMap",
    );
    assert!(help_of(&d).contains("exactly one of `secret` and `configMap`"));
    let d = rejects(
        &format!("{MINIO}  caBundle: {{}}\n"),
        "spec.objectStorage.caBundle",
        "names neither a Secret nor a ConfigMap",
    );
    assert!(help_of(&d).contains("caBundle: {configMap: {name: <name>, key: ca.crt}}"));
}

#[test]
fn a_ca_bundle_is_refused_over_plain_http() {
    let d = rejects(
        "
        objectStorage:
          provider: s3
          s3: {endpoint: minio.storage:9000, insecure: true}
          caBundle: {configMap: {name: minio-ca, key: ca.crt}}
        ",
        "spec.objectStorage.caBundle",
        "`s3.insecure: true` speaks plain HTTP, which has no TLS to verify",
    );
    assert!(help_of(&d).contains("remove `s3.insecure`"));
}

#[test]
fn a_ca_bundle_is_refused_for_filesystem_storage() {
    let d = rejects(
        "objectStorage: {provider: filesystem, caBundle: {configMap: {name: ca, key: ca.crt}}}",
        "spec.objectStorage.caBundle",
        "cannot be used with provider `filesystem`",
    );
    assert!(help_of(&d).contains("only `s3`, `gcs` and `azure` take a CA bundle"));
}

#[test]
fn a_ca_bundle_key_must_be_a_file_name() {
    rejects(
        &format!("{MINIO}  caBundle: {{configMap: {{name: minio-ca, key: 'certs/ca.crt'}}}}\n"),
        "spec.objectStorage.caBundle.configMap.key",
        "`certs/ca.crt` is not a ConfigMap key",
    );
    rejects(
        &format!("{MINIO}  caBundle: {{secret: {{name: minio-ca, key: '..'}}}}\n"),
        "spec.objectStorage.caBundle.secret.key",
        "`..` is not a Secret key",
    );
}

#[test]
fn object_storage_faults_are_reported_together() {
    let ds = crate::config::testing::diagnostics(
        "
        objectStorage:
          provider: s3
          prefix: /tenants/
          s3: {endpoint: minio.storage:9000, insecure: true, sse: {type: SSE-KMS}}
          caBundle: {configMap: {name: minio-ca, key: ca.crt}}
        ",
    );
    expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.prefix",
        "starts or ends with `/`",
    );
    expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.s3.sse.kmsKeyId",
        "is missing",
    );
    expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.caBundle",
        "plain HTTP",
    );
}
