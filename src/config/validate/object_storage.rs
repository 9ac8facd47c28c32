//! Object storage: bucket names the provider accepts, and the settings and identity each
//! provider needs.

use super::Findings;
use crate::config::model::{ObjectStorage, Provider, Purpose, Spec, WorkloadIdentity};

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
