//! Tests of the objstore config files and of what every bucket client gets: the keys as the
//! pinned objstore reads them, and the CA bundle on every pod that talks to the bucket.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::config::MonitoringStack;
use crate::render::testing::{config, find};
use crate::render::{Object, render};

/// On-prem MinIO: path-style lookup, a private CA from a ConfigMap, a prefix, SSE-KMS.
const MINIO: &str = "\
objectStorage:
  provider: s3
  bucket: metrics
  rulerBucket: metrics-ruler
  prefix: clusters/dc1
  credentialsSecret: {name: minio-credentials, key: unused}
  s3:
    endpoint: minio.storage.example.com:9000
    bucketLookupType: path
    sse: {type: SSE-KMS, kmsKeyId: minio-kes-key, kmsEncryptionContext: {tenant: dc1}}
  caBundle: {configMap: {name: minio-ca, key: ca.crt}}
";

/// The objstore config text of a rendered Secret.
fn objstore_text(objects: &[Object], secret: &str) -> String {
    find(objects, "Secret", secret)["stringData"]["objstore.yml"]
        .as_str()
        .expect("an objstore.yml")
        .to_owned()
}

fn objstore_doc(objects: &[Object], secret: &str) -> Json {
    serde_saphyr::from_str(&objstore_text(objects, secret)).expect("objstore.yml parses")
}

/// The objstore config as the pinned `thanos-io/objstore` reads it, limited to the keys
/// stackgen writes and refusing any other, as its `yaml.UnmarshalStrict` does: the top
/// level from `client/factory.go` (`BucketConfig`), S3 from `providers/s3/s3.go`
/// (`Config`, `SSEConfig`, `BucketLookupType`), GCS from `providers/gcs/gcs.go`, Azure from
/// `providers/azure/azure.go`, `http_config` and `tls_config` from `exthttp`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketConfig {
    #[serde(rename = "type")]
    kind: String,
    config: ProviderConfig,
    #[serde(default)]
    prefix: Option<String>,
}

// Reading the text into it is the check (as in `render/formats.rs`); most fields are never
// read afterwards.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderConfig {
    // S3 and GCS
    bucket: Option<String>,
    // S3
    endpoint: Option<String>,
    region: Option<String>,
    insecure: Option<bool>,
    bucket_lookup_type: Option<LookupType>,
    sse_config: Option<SseConfig>,
    // Azure
    storage_account: Option<String>,
    container: Option<String>,
    // Filesystem
    directory: Option<String>,
    // S3, GCS, Azure
    http_config: Option<HttpConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum LookupType {
    Auto,
    VirtualHosted,
    Path,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SseConfig {
    #[serde(rename = "type")]
    kind: SseKind,
    kms_key_id: Option<String>,
    kms_encryption_context: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
enum SseKind {
    #[serde(rename = "SSE-S3")]
    S3,
    #[serde(rename = "SSE-KMS")]
    Kms,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpConfig {
    tls_config: TlsConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsConfig {
    ca_file: String,
}

/// Every objstore Secret of a rendered stream, read as Thanos reads it.
fn strict(objects: &[Object]) -> Vec<BucketConfig> {
    ["thanos-objstore-config", "thanos-ruler-objstore-config"]
        .iter()
        .filter(|name| {
            objects
                .iter()
                .any(|o| o.kind() == "Secret" && o.name() == **name)
        })
        .map(|name| {
            serde_saphyr::from_str(&objstore_text(objects, name))
                .unwrap_or_else(|e| panic!("{name} holds a key or value Thanos refuses: {e}"))
        })
        .collect()
}

#[test]
fn s3_config_carries_prefix_encryption_path_lookup_and_ca_file() {
    let objects = render(&config(MINIO)).unwrap();
    assert_eq!(
        objstore_doc(&objects, "thanos-objstore-config"),
        json!({
            "type": "S3",
            "config": {
                "bucket": "metrics",
                "endpoint": "minio.storage.example.com:9000",
                "bucket_lookup_type": "path",
                "sse_config": {
                    "type": "SSE-KMS",
                    "kms_key_id": "minio-kes-key",
                    "kms_encryption_context": {"tenant": "dc1"},
                },
                "http_config": {"tls_config": {"ca_file": "/etc/thanos/objstore-ca/ca.crt"}},
            },
            "prefix": "clusters/dc1",
        })
    );
    // The Ruler's bucket gets the same settings.
    let ruler = objstore_doc(&objects, "thanos-ruler-objstore-config");
    assert_eq!(ruler["config"]["bucket"], "metrics-ruler");
    assert_eq!(ruler["prefix"], "clusters/dc1");
    assert_eq!(
        ruler["config"]["http_config"]["tls_config"]["ca_file"],
        "/etc/thanos/objstore-ca/ca.crt"
    );
    for doc in strict(&objects) {
        assert_eq!(doc.kind, "S3");
        assert!(matches!(
            doc.config.bucket_lookup_type,
            Some(LookupType::Path)
        ));
        let sse = doc.config.sse_config.expect("sse_config");
        assert!(matches!(sse.kind, SseKind::Kms));
        assert!(sse.kms_key_id.is_some() && sse.kms_encryption_context.is_some());
        assert!(doc.prefix.is_some());
        let http = doc.config.http_config.expect("http_config");
        assert_eq!(http.tls_config.ca_file, "/etc/thanos/objstore-ca/ca.crt");
    }
}

#[test]
fn s3_text_lists_the_new_keys_after_the_existing_ones() {
    let objects = render(&config(MINIO)).unwrap();
    assert_eq!(
        objstore_text(&objects, "thanos-objstore-config"),
        "type: S3
config:
  bucket: metrics
  endpoint: minio.storage.example.com:9000
  bucket_lookup_type: path
  sse_config:
    type: SSE-KMS
    kms_key_id: minio-kes-key
    kms_encryption_context:
      tenant: dc1
  http_config:
    tls_config:
      ca_file: /etc/thanos/objstore-ca/ca.crt
prefix: clusters/dc1
"
    );
}

#[test]
fn sse_s3_and_virtual_hosted_lookup_are_written_as_thanos_names_them() {
    let objects = render(&config(
        "objectStorage:
  provider: s3
  credentialsSecret: null
  workloadIdentity: {awsRoleArn: 'arn:aws:iam::123456789012:role/thanos'}
  s3: {endpoint: s3.us-east-1.amazonaws.com, region: us-east-1, bucketLookupType: virtual-hosted, sse: {type: SSE-S3}}",
    ))
    .unwrap();
    let doc = objstore_doc(&objects, "thanos-objstore-config");
    assert_eq!(doc["config"]["bucket_lookup_type"], "virtual-hosted");
    assert_eq!(doc["config"]["sse_config"], json!({"type": "SSE-S3"}));
    assert!(doc.get("prefix").is_none());
    assert!(doc["config"].get("http_config").is_none());
    strict(&objects);
}

#[test]
fn gcs_and_azure_take_the_prefix_and_the_ca_file() {
    let gcs = render(&config(
        "objectStorage: {prefix: tenants/a, caBundle: {secret: {name: proxy-ca, key: ca.pem}}}",
    ))
    .unwrap();
    assert_eq!(
        objstore_doc(&gcs, "thanos-objstore-config"),
        json!({
            "type": "GCS",
            "config": {
                "bucket": "prometheus-long-term",
                "http_config": {"tls_config": {"ca_file": "/etc/thanos/objstore-ca/ca.pem"}},
            },
            "prefix": "tenants/a",
        })
    );
    strict(&gcs);
    let azure = render(&config(
        "objectStorage:
  provider: azure
  credentialsSecret: null
  azure: {storageAccount: acct}
  workloadIdentity: {azureClientId: 00000000-0000-0000-0000-000000000000}
  prefix: tenants/a
  caBundle: {configMap: {name: proxy-ca, key: ca.pem}}",
    ))
    .unwrap();
    let doc = objstore_doc(&azure, "thanos-objstore-config");
    assert_eq!(doc["config"]["container"], "prometheus-long-term");
    assert_eq!(
        doc["config"]["http_config"]["tls_config"]["ca_file"],
        "/etc/thanos/objstore-ca/ca.pem"
    );
    assert_eq!(doc["prefix"], "tenants/a");
    strict(&azure);
}

#[test]
fn without_the_new_settings_the_config_is_as_before() {
    let objects = render(&MonitoringStack::default()).unwrap();
    assert_eq!(
        objstore_text(&objects, "thanos-objstore-config"),
        "type: GCS\nconfig:\n  bucket: prometheus-long-term\n"
    );
    strict(&objects);
    let filesystem = render(&config(
        "purpose: development\nobjectStorage: {provider: filesystem, prefix: dev}",
    ))
    .unwrap();
    let doc = objstore_doc(&filesystem, "thanos-objstore-config");
    assert_eq!(doc["prefix"], "dev");
    strict(&filesystem);
}

#[test]
fn config_strings_stay_values_in_the_objstore_config() {
    let hostile = "k\"\nprefix: evil\n  insecure: true # {{ x }}";
    let mut stack = config(
        "objectStorage: {provider: s3, s3: {endpoint: s3.amazonaws.com, sse: {type: SSE-KMS, kmsKeyId: placeholder}}}",
    );
    let sse = stack
        .spec
        .object_storage
        .s3
        .as_mut()
        .unwrap()
        .sse
        .as_mut()
        .unwrap();
    sse.kms_key_id = Some(hostile.to_owned());
    sse.kms_encryption_context
        .insert("on".to_owned(), "yes".to_owned());
    let objects = render(&stack).unwrap();
    let doc = objstore_doc(&objects, "thanos-objstore-config");
    assert_eq!(doc["config"]["sse_config"]["kms_key_id"], hostile);
    // YAML 1.1 readers (Thanos uses yaml.v2) must see strings, not booleans.
    assert_eq!(
        doc["config"]["sse_config"]["kms_encryption_context"],
        json!({"on": "yes"})
    );
    assert!(doc.get("prefix").is_none());
    assert!(doc["config"].get("insecure").is_none());
    let text = objstore_text(&objects, "thanos-objstore-config");
    assert!(text.contains("\"on\": \"yes\""), "{text}");
}

/// Every container that reads an objstore config: (owner, container, pod spec).
fn bucket_clients(objects: &[Object]) -> Vec<(String, String, Json)> {
    let mut out = Vec::new();
    for o in objects
        .iter()
        .filter(|o| matches!(o.kind(), "StatefulSet" | "Deployment"))
    {
        let pod = &o.value["spec"]["template"]["spec"];
        for list in ["initContainers", "containers"] {
            for c in pod[list].as_array().into_iter().flatten() {
                let reads_bucket = c["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .any(|a| a.starts_with("--objstore.config-file="));
                if reads_bucket {
                    out.push((
                        format!("{}/{}", o.kind(), o.name()),
                        c["name"].as_str().unwrap().to_owned(),
                        pod.clone(),
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn every_bucket_client_mounts_the_ca_bundle_read_only() {
    let objects = render(&config(MINIO)).unwrap();
    let clients = bucket_clients(&objects);
    let owners: Vec<&str> = clients.iter().map(|(o, _, _)| o.as_str()).collect();
    assert_eq!(
        owners,
        [
            "StatefulSet/prometheus",
            "StatefulSet/thanos-compactor",
            "StatefulSet/thanos-compactor-ruler",
            "StatefulSet/thanos-ruler",
            "StatefulSet/thanos-store-gateway",
            "StatefulSet/thanos-store-gateway-ruler",
        ]
    );
    for (owner, container, pod) in &clients {
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "objstore-ca")
            .unwrap_or_else(|| panic!("{owner} has no CA volume"));
        assert_eq!(volume["configMap"]["name"], "minio-ca", "{owner}");
        let c = ["initContainers", "containers"]
            .iter()
            .flat_map(|l| pod[l].as_array().cloned().unwrap_or_default())
            .find(|c| c["name"] == container.as_str())
            .unwrap();
        let mount = c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "objstore-ca")
            .unwrap_or_else(|| panic!("{owner} container {container} does not mount the CA"));
        assert_eq!(mount["mountPath"], "/etc/thanos/objstore-ca", "{owner}");
        assert_eq!(mount["readOnly"], true, "{owner}");
    }
}

#[test]
fn a_ca_bundle_from_a_secret_mounts_the_secret() {
    let objects = render(&config(
        "objectStorage: {caBundle: {secret: {name: proxy-ca, key: ca.pem}}}",
    ))
    .unwrap();
    let clients = bucket_clients(&objects);
    assert!(!clients.is_empty());
    for (owner, _, pod) in clients {
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "objstore-ca")
            .unwrap_or_else(|| panic!("{owner} has no CA volume"))
            .clone();
        assert_eq!(volume["secret"]["secretName"], "proxy-ca", "{owner}");
    }
}

#[test]
fn without_a_ca_bundle_no_pod_has_a_ca_volume() {
    let objects = render(&MonitoringStack::default()).unwrap();
    for (owner, _, pod) in bucket_clients(&objects) {
        assert!(
            pod["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v["name"] != "objstore-ca"),
            "{owner}"
        );
    }
}
