//! The buckets: their objstore config files (never a credential), the access every bucket
//! user gets (config mount, credentials, CA bundle, cloud identity), and the egress to the
//! store.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use minijinja::context;
use minijinja::value::Serde;
use serde_json::json;

use super::thanos::{OBJSTORE_DIR, OBJSTORE_KEY};
use crate::config::model::{CaBundle, Provider};
use crate::render::embedded::checksum;
use crate::render::network::{anywhere, to_cidr};
use crate::render::part::{Egress, Part};
use crate::render::stack::{Labels, Stack};
use crate::render::workload::{
    self, Pod, claim_volume, config_map_volume, env, env_secret, read_only, secret_volume,
};
use crate::yaml;

pub const NAME: &str = "thanos";
const SECRET: &str = "thanos-objstore-config";
const RULER_SECRET: &str = "thanos-ruler-objstore-config";
/// Volume holding the blocks when `provider: filesystem` (shared by every Thanos pod).
const FILESYSTEM_CLAIM: &str = "thanos-objstore";
const FILESYSTEM_DIR: &str = "/var/thanos/objstore";
const GCS_CREDENTIALS_DIR: &str = "/etc/thanos/gcs";
/// Where every bucket user mounts the CA bundle; the objstore config names the file in it.
const CA_VOLUME: &str = "objstore-ca";
const CA_DIR: &str = "/etc/thanos/objstore-ca";

/// One bucket's objstore config, as the Secret that carries it.
pub struct Bucket {
    /// The Ruler's bucket rather than Prometheus's.
    pub ruler: bool,
    pub secret: &'static str,
    pub data: BTreeMap<String, String>,
    /// Rolls the pods that read the config when it changes.
    pub checksum: String,
}

impl Bucket {
    fn new(stack: &Stack, ruler: bool, secret: &'static str, bucket: &str) -> Self {
        let data = BTreeMap::from([(OBJSTORE_KEY.to_owned(), config_file(stack, bucket))]);
        Self {
            ruler,
            secret,
            checksum: checksum(&data),
            data,
        }
    }
}

/// The main bucket (Prometheus blocks) and the Ruler's.
pub struct Buckets {
    pub main: Bucket,
    pub ruler: Bucket,
}

impl Buckets {
    pub fn new(stack: &Stack) -> Self {
        let os = &stack.spec.object_storage;
        Self {
            main: Bucket::new(stack, false, SECRET, &os.bucket),
            ruler: Bucket::new(stack, true, RULER_SECRET, &os.ruler_bucket),
        }
    }

    /// Every bucket of the stack, each read by a Store gateway and compacted by exactly one
    /// Compactor, here or (`thanos.store` or `thanos.compact` switched off) in the cluster
    /// that does it for a fleet sharing the bucket: Prometheus's, and the Ruler's when it
    /// has a bucket of its own.
    pub fn written(&self, stack: &Stack) -> Vec<&Bucket> {
        let spec = stack.spec;
        let own_ruler_bucket = spec.thanos.ruler.enabled
            && spec.object_storage.ruler_bucket != spec.object_storage.bucket;
        let mut buckets = vec![&self.main];
        if own_ruler_bucket {
            buckets.push(&self.ruler);
        }
        buckets
    }
}

/// The objstore config file of `bucket`. Never any credential. Keys as the pinned objstore
/// reads them: `prefix` beside `type` and `config` (`client/factory.go`), the TLS settings
/// under `config.http_config.tls_config` (`exthttp`), S3's `bucket_lookup_type` and
/// `sse_config` (`providers/s3/s3.go`).
fn config_file(stack: &Stack, bucket: &str) -> String {
    let os = &stack.spec.object_storage;
    let mut doc = match os.provider {
        Provider::Gcs => json!({"type": "GCS", "config": {"bucket": bucket}}),
        Provider::S3 => {
            let s3 = os.s3.as_ref();
            let mut c = json!({"bucket": bucket, "endpoint": s3.map(|s| s.endpoint.clone()).unwrap_or_default()});
            if let Some(region) = s3.and_then(|s| s.region.clone()) {
                c["region"] = json!(region);
            }
            if s3.is_some_and(|s| s.insecure) {
                c["insecure"] = json!(true);
            }
            if let Some(lookup) = s3.and_then(|s| s.bucket_lookup_type) {
                c["bucket_lookup_type"] = json!(lookup.as_str());
            }
            if let Some(sse) = s3.and_then(|s| s.sse.as_ref()) {
                let mut sse_config = json!({"type": sse.kind.as_str()});
                if let Some(id) = &sse.kms_key_id {
                    sse_config["kms_key_id"] = json!(id);
                }
                if !sse.kms_encryption_context.is_empty() {
                    sse_config["kms_encryption_context"] = json!(sse.kms_encryption_context);
                }
                c["sse_config"] = sse_config;
            }
            json!({"type": "S3", "config": c})
        }
        Provider::Azure => json!({"type": "AZURE", "config": {
            "storage_account": os.azure.as_ref().map(|a| a.storage_account.clone()).unwrap_or_default(),
            "container": bucket,
        }}),
        Provider::Filesystem => {
            json!({"type": "FILESYSTEM", "config": {"directory": format!("{FILESYSTEM_DIR}/{bucket}")}})
        }
    };
    if let Some(file) = os.ca_bundle.as_ref().and_then(ca_file) {
        doc["config"]["http_config"] = json!({"tls_config": {"ca_file": file}});
    }
    if let Some(prefix) = &os.prefix {
        doc["prefix"] = json!(prefix);
    }
    yaml::json_to_string(&doc)
}

/// The CA bundle's volume, and the key the objstore config names as a file in it. Validation
/// has made sure exactly one source is named.
fn ca_volume(ca: &CaBundle) -> Option<(core::Volume, &str)> {
    match (&ca.secret, &ca.config_map) {
        (Some(s), _) => Some((secret_volume(CA_VOLUME, s.name.as_str()), s.key.as_str())),
        (None, Some(m)) => Some((
            config_map_volume(CA_VOLUME, m.name.as_str()),
            m.key.as_str(),
        )),
        (None, None) => None,
    }
}

/// Where every bucket user reads the CA bundle.
fn ca_file(ca: &CaBundle) -> Option<String> {
    ca_volume(ca).map(|(_, key)| format!("{CA_DIR}/{key}"))
}

fn labels(stack: &Stack) -> Labels {
    stack.labels(NAME, "object-store", Some(&stack.spec.images.thanos))
}

/// The objstore Secrets (the Ruler's only with a Ruler) and, for `filesystem`, the shared claim.
pub fn part(stack: &Stack, buckets: &Buckets) -> Part {
    let mut part = Part::new(NAME);
    let labels = labels(stack);
    let mut secrets = vec![&buckets.main];
    if stack.spec.thanos.ruler.enabled {
        secrets.push(&buckets.ruler);
    }
    for bucket in secrets {
        part.push(
            "kinds/secret.yaml.j2",
            context! { metadata => Serde(stack.meta(bucket.secret, &labels)), data => &bucket.data },
        );
    }
    if stack.spec.object_storage.provider == Provider::Filesystem {
        part.push(
            "kinds/persistentvolumeclaim.yaml.j2",
            context! {
                metadata => Serde(stack.meta(FILESYSTEM_CLAIM, &labels)),
                spec => Serde(workload::claim_spec("10Gi", None)),
            },
        );
    }
    part
}

/// What a bucket user gets: the config, credentials and identity, returned as the mounts
/// and env of the container that talks to the bucket; volumes, labels, annotations and the
/// config checksum go straight onto the pod.
pub fn attach(
    stack: &Stack,
    pod: &mut Pod,
    bucket: &Bucket,
) -> (Vec<core::VolumeMount>, Vec<core::EnvVar>) {
    let os = &stack.spec.object_storage;
    let mut mounts = vec![read_only("objstore-config", OBJSTORE_DIR)];
    let mut env_vars = Vec::new();
    pod.volumes
        .push(secret_volume("objstore-config", bucket.secret));
    match (os.provider, &os.credentials_secret) {
        (Provider::Gcs, Some(creds)) => {
            pod.volumes
                .push(secret_volume("gcs-credentials", creds.name.as_str()));
            mounts.push(read_only("gcs-credentials", GCS_CREDENTIALS_DIR));
            env_vars.push(env(
                "GOOGLE_APPLICATION_CREDENTIALS",
                &format!("{GCS_CREDENTIALS_DIR}/{}", creds.key),
            ));
        }
        (Provider::S3, Some(creds)) => {
            for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
                env_vars.push(env_secret(key, creds.name.as_str(), key));
            }
        }
        (Provider::Filesystem, _) => {
            pod.volumes
                .push(claim_volume("objstore-data", FILESYSTEM_CLAIM));
            mounts.push(workload::mount("objstore-data", FILESYSTEM_DIR));
        }
        _ => {}
    }
    if let Some((volume, _)) = os.ca_bundle.as_ref().and_then(ca_volume) {
        pod.volumes.push(volume);
        mounts.push(read_only(CA_VOLUME, CA_DIR));
    }
    if let Some(wi) = &os.workload_identity {
        let annotations = &mut pod.account_annotations;
        if let Some(sa) = &wi.gcp_service_account {
            annotations.insert("iam.gke.io/gcp-service-account".to_owned(), sa.clone());
        }
        if let Some(arn) = &wi.aws_role_arn {
            annotations.insert("eks.amazonaws.com/role-arn".to_owned(), arn.clone());
        }
        if let Some(id) = &wi.azure_client_id {
            annotations.insert("azure.workload.identity/client-id".to_owned(), id.clone());
            pod.pod_labels
                .insert("azure.workload.identity/use".to_owned(), "true".to_owned());
        }
    }
    pod.annotations
        .insert("checksum/objstore".to_owned(), bucket.checksum.clone());
    (mounts, env_vars)
}

/// Egress to the object store: outside the cluster (for `filesystem`, a volume: no traffic),
/// and GKE's metadata server, which hands out Workload Identity tokens: pods dial
/// 169.254.169.254:80, which Dataplane V2 serves there and the iptables dataplane redirects
/// to the GKE metadata server at 169.254.169.252:988 before policies are evaluated.
pub fn egress(stack: &Stack) -> Vec<Egress> {
    let os = &stack.spec.object_storage;
    let mut rules = match os.provider {
        Provider::Filesystem => Vec::new(),
        _ => vec![anywhere(&[store_port(stack)])],
    };
    if os
        .workload_identity
        .as_ref()
        .is_some_and(|w| w.gcp_service_account.is_some())
    {
        rules.push(to_cidr("169.254.169.254/32", &[80]));
        rules.push(to_cidr("169.254.169.252/32", &[988]));
    }
    rules
}

fn store_port(stack: &Stack) -> u16 {
    let s3 = stack.spec.object_storage.s3.as_ref();
    let explicit = s3
        .and_then(|s| s.endpoint.rsplit_once(':'))
        .and_then(|(_, p)| p.parse().ok());
    match (explicit, s3.is_some_and(|s| s.insecure)) {
        (Some(port), _) => port,
        (None, true) => 80,
        (None, false) => 443,
    }
}

#[cfg(test)]
#[path = "objstore_tests.rs"]
mod tests;
