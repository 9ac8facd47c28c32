//! The object storage section: the buckets long-term metrics and the Ruler's blocks live in.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SecretKeyRef;
use crate::config::types::Dns1123Label;

/// Where long-term metrics are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ObjectStorage {
    /// Object storage service.
    pub provider: Provider,
    /// Bucket for the Prometheus blocks, read by Store and Compact.
    pub bucket: String,
    /// Bucket for the Ruler's blocks (kept apart, as in the article).
    pub ruler_bucket: String,
    /// Secret holding the credentials; only referenced, never rendered. For `gcs` the key is a
    /// service-account JSON file; for `s3` the Secret holds `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY` (and `key` is unused). Unset with workload identity; `azure`
    /// always authenticates through workload identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_secret: Option<SecretKeyRef>,
    /// S3 settings (`provider: s3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3>,
    /// Azure settings (`provider: azure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure: Option<Azure>,
    /// Cloud identity bound to the ServiceAccounts instead of a credentials Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_identity: Option<WorkloadIdentity>,
}

impl Default for ObjectStorage {
    fn default() -> Self {
        Self {
            provider: Provider::Gcs,
            bucket: "prometheus-long-term".to_owned(),
            ruler_bucket: "thanos-ruler".to_owned(),
            credentials_secret: Some(SecretKeyRef {
                name: Dns1123Label::lit("thanos-objstore-credentials"),
                key: "credentials.json".to_owned(),
            }),
            s3: None,
            azure: None,
            workload_identity: None,
        }
    }
}

/// Object storage services Thanos supports here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Google Cloud Storage.
    Gcs,
    /// Amazon S3 or an S3-compatible store.
    S3,
    /// Azure Blob Storage.
    Azure,
    /// A local directory: for demos only, data is lost with the pod.
    Filesystem,
}

/// S3 bucket location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3 {
    /// S3 endpoint host, such as `s3.eu-west-1.amazonaws.com`.
    pub endpoint: String,
    /// Region of the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Use plain HTTP (for in-cluster MinIO and the like).
    #[serde(default)]
    pub insecure: bool,
}

/// Azure storage account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Azure {
    /// Storage account name.
    pub storage_account: String,
}

/// A cloud identity for the pods that read and write the bucket.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadIdentity {
    /// GKE Workload Identity: the Google service account (`name@project.iam.gserviceaccount.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_service_account: Option<String>,
    /// EKS IRSA: the IAM role ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_role_arn: Option<String>,
    /// AKS Workload Identity: the client ID of the managed identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_client_id: Option<String>,
}
