//! Object storage: bucket names the provider accepts, the prefix inside them, and the
//! settings, encryption, CA bundle and identity each provider needs.

use super::Findings;
use crate::config::model::{
    CaBundle, ObjectStorage, Provider, Purpose, S3, Spec, Sse, SseType, WorkloadIdentity,
};

/// The providers whose objstore config takes `http_config.tls_config.ca_file`.
const TLS_PROVIDERS: &str = "`s3`, `gcs` and `azure`";

/// The longest prefix accepted: object names stay far below S3's 1,024-byte key limit.
const PREFIX_MAX: usize = 256;

pub(super) fn buckets_follow_provider_rules(spec: &Spec, f: &mut Findings) {
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

pub(super) fn object_storage_is_complete(spec: &Spec, f: &mut Findings) {
    let os = &spec.object_storage;
    provider_has_its_settings(os, f);
    if os.provider == Provider::Filesystem && spec.purpose == Purpose::Production {
        f.warn(
            "spec.objectStorage.provider",
            "`filesystem` keeps blocks on a pod volume: for demos only".to_owned(),
            "use `gcs`, `s3` or `azure` for anything that must survive, or say `purpose: development`",
        );
    }
    settings_fit_the_provider(os, f);
    if let Some(wi) = &os.workload_identity {
        workload_identity_fits_the_provider(os, wi, f);
    }
    if let Some(prefix) = &os.prefix {
        prefix_is_a_folder(prefix, f);
    }
    if let (Provider::S3, Some(s3)) = (os.provider, &os.s3)
        && let Some(sse) = &s3.sse
    {
        encryption_is_complete(sse, f);
    }
    if let Some(ca) = &os.ca_bundle {
        ca_bundle_fits(os, ca, f);
    }
}

/// The prefix is a relative folder: Thanos trims `/` at its ends and joins it to every
/// object name with `/`, so empty, `.` and `..` segments would name other folders than the
/// one written.
fn prefix_is_a_folder(prefix: &str, f: &mut Findings) {
    let why = if prefix.is_empty() {
        Some("is empty".to_owned())
    } else if prefix.len() > PREFIX_MAX {
        Some(format!(
            "is {} characters long, more than the {PREFIX_MAX} allowed",
            prefix.len()
        ))
    } else if let Some(c) = prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_./".contains(*c)))
    {
        Some(format!("`{prefix}` holds `{c}`"))
    } else if prefix.starts_with('/') || prefix.ends_with('/') {
        Some(format!("`{prefix}` starts or ends with `/`"))
    } else if prefix
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        Some(format!("`{prefix}` has an empty, `.` or `..` segment"))
    } else {
        None
    };
    if let Some(why) = why {
        f.error(
            "spec.objectStorage.prefix",
            why,
            "a prefix is a folder inside the bucket, such as `clusters/prod-eu1`: letters, digits, `-`, `_` and `.`, segments joined by single `/`, none of them `.` or `..`, no `/` at either end; remove it to use the bucket's root",
        );
    }
}

/// `SSE-KMS` needs its key; the KMS settings mean nothing to `SSE-S3`, which Thanos would
/// silently ignore.
fn encryption_is_complete(sse: &Sse, f: &mut Findings) {
    const PATH: &str = "spec.objectStorage.s3.sse";
    match (sse.kind, &sse.kms_key_id) {
        (SseType::SseKms, None) => f.error(
            &format!("{PATH}.kmsKeyId"),
            "is missing, and `type: SSE-KMS` needs the KMS key to encrypt with".to_owned(),
            "add `kmsKeyId: <key ID or ARN>`, or use `type: SSE-S3` for keys the store manages",
        ),
        (SseType::SseKms, Some(id)) if id.trim().is_empty() => f.error(
            &format!("{PATH}.kmsKeyId"),
            "is empty, and `type: SSE-KMS` needs the KMS key to encrypt with".to_owned(),
            "write the key ID or ARN, such as `arn:aws:kms:<region>:<account>:key/<id>`",
        ),
        (SseType::SseS3, Some(_)) => f.error(
            &format!("{PATH}.kmsKeyId"),
            "is only allowed with `type: SSE-KMS`".to_owned(),
            "remove it, or set `type: SSE-KMS` to encrypt with that key",
        ),
        _ => {}
    }
    if sse.kind == SseType::SseS3 && !sse.kms_encryption_context.is_empty() {
        f.error(
            &format!("{PATH}.kmsEncryptionContext"),
            "is only allowed with `type: SSE-KMS`".to_owned(),
            "remove it, or set `type: SSE-KMS` and `kmsKeyId`",
        );
    }
}

/// A CA bundle names exactly one source, a provider that speaks TLS through Thanos's HTTP
/// client, and not a plain-HTTP endpoint.
fn ca_bundle_fits(os: &ObjectStorage, ca: &CaBundle, f: &mut Findings) {
    const PATH: &str = "spec.objectStorage.caBundle";
    match (&ca.secret, &ca.config_map) {
        (None, None) => f.error(
            PATH,
            "names neither a Secret nor a ConfigMap".to_owned(),
            "write exactly one of `caBundle: {configMap: {name: <name>, key: ca.crt}}` and `caBundle: {secret: {name: <name>, key: ca.crt}}`",
        ),
        (Some(_), Some(_)) => f.error(
            PATH,
            "names both a Secret and a ConfigMap".to_owned(),
            "keep exactly one of `secret` and `configMap`: the CA file is read from one place",
        ),
        _ => {}
    }
    if os.provider == Provider::Filesystem {
        f.error(
            PATH,
            "cannot be used with provider `filesystem`, which opens no connection".to_owned(),
            format!("only {TLS_PROVIDERS} take a CA bundle (their `http_config.tls_config.ca_file`); remove it"),
        );
    }
    if os.provider == Provider::S3 && os.s3.as_ref().is_some_and(|s3: &S3| s3.insecure) {
        f.error(
            PATH,
            "is set, but `s3.insecure: true` speaks plain HTTP, which has no TLS to verify".to_owned(),
            "remove `s3.insecure` to reach the endpoint over HTTPS with this CA, or remove `caBundle`",
        );
    }
}

/// The settings the chosen provider cannot do without, and what it cannot take.
fn provider_has_its_settings(os: &ObjectStorage, f: &mut Findings) {
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
        _ => {}
    }
}

/// Settings written for another provider are ignored; the S3 endpoint is a bare host.
fn settings_fit_the_provider(os: &ObjectStorage, f: &mut Findings) {
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
}

/// Each cloud identity reaches only its own provider's storage, and is written in its form.
fn workload_identity_fits_the_provider(
    os: &ObjectStorage,
    wi: &WorkloadIdentity,
    f: &mut Findings,
) {
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

#[cfg(test)]
#[path = "object_storage_tests.rs"]
mod tests;
