//! The object storage section: the buckets long-term metrics and the Ruler's blocks live in.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ConfigMapKeyRef, SecretKeyRef};
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
    /// A folder inside the bucket(s), such as `clusters/prod-eu1`, so several clusters or
    /// tenants can share one bucket; every block is written and read below it. Written as
    /// the objstore config's top-level `prefix`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// CA certificate(s) to trust for the object store's TLS, for an on-prem endpoint signed
    /// by a private CA: one key of a Secret or a ConfigMap, mounted read-only into every pod
    /// that talks to the bucket and named as `http_config.tls_config.ca_file`. Only this CA
    /// is trusted then, not the system's. `s3`, `gcs` and `azure` take it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_bundle: Option<CaBundle>,
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
            prefix: None,
            ca_bundle: None,
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
    /// How the bucket is addressed: `virtual-hosted` (`bucket.endpoint`), `path`
    /// (`endpoint/bucket`, what MinIO and Ceph RGW need) or `auto`; Thanos picks `auto`
    /// when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_lookup_type: Option<BucketLookupType>,
    /// Server-side encryption of the blocks written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse: Option<Sse>,
}

/// S3 bucket addressing, as Thanos's `bucket_lookup_type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BucketLookupType {
    /// Let the client choose from the endpoint.
    Auto,
    /// `https://bucket.endpoint/object`.
    VirtualHosted,
    /// `https://endpoint/bucket/object`: MinIO, Ceph RGW and most on-prem stores.
    Path,
}

impl BucketLookupType {
    /// The value Thanos reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::VirtualHosted => "virtual-hosted",
            Self::Path => "path",
        }
    }
}

/// S3 server-side encryption, written as Thanos's `sse_config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sse {
    /// `SSE-S3` (keys managed by the store) or `SSE-KMS` (a KMS key of yours).
    #[serde(rename = "type")]
    pub kind: SseType,
    /// The KMS key (ID or ARN) to encrypt with; required for, and only allowed with, `SSE-KMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// KMS encryption context (`SSE-KMS` only); AWS supplies a default one when unset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kms_encryption_context: BTreeMap<String, String>,
}

/// Server-side encryption methods. (`SSE-C` needs a key file of its own and is not offered.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SseType {
    /// Keys managed by the object store.
    #[serde(rename = "SSE-S3")]
    SseS3,
    /// A customer-managed KMS key.
    #[serde(rename = "SSE-KMS")]
    SseKms,
}

impl SseType {
    /// The value Thanos reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SseS3 => "SSE-S3",
            Self::SseKms => "SSE-KMS",
        }
    }
}

/// Where the CA bundle lives: exactly one of `secret` and `configMap`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaBundle {
    /// A key of a Secret holding the PEM certificate(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretKeyRef>,
    /// A key of a ConfigMap holding the PEM certificate(s) (a CA is public, so a ConfigMap
    /// is enough).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapKeyRef>,
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
