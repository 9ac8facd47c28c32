//! Everything the templates need, derived once in Rust from the validated config: names,
//! labels, selectors, args, URLs, volumes. Templates only lay these values out.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::names::{self, GRPC_PORT, THANOS_HTTP_PORT};
use crate::config::model::{LogLevel, MonitoringStack, Provider, Resources, SpreadAcross, Storage};
use crate::config::types::ImageRef;

/// Labels of every object: `app.kubernetes.io/*` as Kubernetes recommends.
pub type Labels = BTreeMap<String, String>;

/// A workload (Deployment, StatefulSet, DaemonSet) and the objects around it.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub name: String,
    pub labels: Labels,
    /// Immutable selector: name and instance only, never the version.
    pub selector: Labels,
    pub pod_labels: Labels,
    /// Filled after the embedded configs are rendered: `checksum/<config>` roll the pods.
    pub pod_annotations: BTreeMap<String, String>,
    pub replicas: u32,
    pub image: String,
    pub args: Vec<String>,
    pub resources: Json,
    pub service_account: String,
    pub service_account_annotations: BTreeMap<String, String>,
    /// Only components that call the Kubernetes API get a token.
    pub automount_token: bool,
    pub pod_security_context: Json,
    pub topology_spread: Vec<Json>,
    /// Whether a PodDisruptionBudget (maxUnavailable 1) is rendered.
    pub pdb: bool,
    pub env: Vec<Json>,
    pub volumes: Vec<Json>,
    pub volume_mounts: Vec<Json>,
    /// A PersistentVolumeClaim template, when the data volume is persistent.
    pub volume_claim: Option<Json>,
}

/// The whole template context.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub namespace: String,
    pub cluster: String,
    pub instance: String,
    pub namespace_labels: Labels,
    /// Restricted container security context, written once and used by every container.
    pub container_security_context: Json,
    pub prometheus: PrometheusCtx,
    pub objstore: ObjstoreCtx,
    pub query: Workload,
    pub store: Workload,
    pub compact: Workload,
    pub ruler: Option<RulerCtx>,
    pub alertmanager: Option<AlertmanagerCtx>,
    pub kube_state_metrics: Option<KsmCtx>,
    pub node_exporter: Option<Workload>,
    pub grafana: Option<GrafanaCtx>,
    pub ingress: Option<IngressCtx>,
    /// Set per object while rendering templates used more than once (PDBs, per-pod Services).
    pub item: Option<Json>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrometheusCtx {
    #[serde(flatten)]
    pub workload: Workload,
    pub sidecar_image: String,
    pub sidecar_args: Vec<String>,
    pub sidecar_resources: Json,
    pub sidecar_env: Vec<Json>,
    pub sidecar_volume_mounts: Vec<Json>,
    pub scrape_interval: String,
    pub evaluation_interval: String,
    pub external_labels: BTreeMap<String, String>,
    /// Label drop in `alert_relabel_configs` so replicas' identical alerts deduplicate.
    pub replica_label: String,
    pub scrape_jobs: Vec<ScrapeJob>,
    pub alertmanager_srv: Option<String>,
    /// One Service per pod (`prometheus-0-service` …), for debugging single replicas.
    pub pod_services: Vec<String>,
    /// Filled later: the data of the `prometheus-config` and `prometheus-rules` ConfigMaps.
    pub config_data: BTreeMap<String, String>,
    pub rules_data: BTreeMap<String, String>,
}

/// A scrape job over pods of one stack component, selected by name label and port name.
#[derive(Debug, Clone, Serialize)]
pub struct ScrapeJob {
    pub job: String,
    pub app: String,
    pub port: String,
    /// kube-state-metrics reports other objects' `namespace` and `pod`: keep those.
    pub honor_labels: bool,
    /// node-exporter is one per node, so the node name is the useful `instance`.
    pub node_instance: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjstoreCtx {
    pub labels: Labels,
    pub secret: String,
    pub ruler_secret: String,
    pub key: String,
    /// Filled later: the objstore config files.
    pub data: BTreeMap<String, String>,
    pub ruler_data: BTreeMap<String, String>,
    /// Filesystem provider: the claim every Thanos pod shares.
    pub filesystem_claim: Option<Json>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RulerCtx {
    #[serde(flatten)]
    pub workload: Workload,
    pub rules_data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertmanagerCtx {
    #[serde(flatten)]
    pub workload: Workload,
    pub cluster_service: String,
    pub config_data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KsmCtx {
    #[serde(flatten)]
    pub workload: Workload,
    pub rules: Vec<Json>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GrafanaCtx {
    #[serde(flatten)]
    pub workload: Workload,
    pub datasources_data: BTreeMap<String, String>,
    pub provider_data: BTreeMap<String, String>,
    /// ConfigMap name → (file name → JSON).
    pub dashboards: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngressCtx {
    pub name: String,
    pub labels: Labels,
    pub class_name: String,
    pub annotations: BTreeMap<String, String>,
    pub rules: Vec<Json>,
    pub tls: Vec<Json>,
}

const NOBODY: i64 = 65534;
const CONFIG_DIR: &str = "/etc/prometheus/config";
const CONFIG_OUT_DIR: &str = "/etc/prometheus/config_out";
const RULES_DIR: &str = "/etc/prometheus/rules";
const OBJSTORE_DIR: &str = "/etc/thanos/objstore";
const GCS_CREDENTIALS_DIR: &str = "/etc/thanos/gcs";
const FILESYSTEM_DIR: &str = "/var/thanos/objstore";

impl Context {
    pub fn new(config: &MonitoringStack) -> Self {
        let spec = &config.spec;
        let ns = spec.namespace.to_string();
        let base = Base { config, ns: &ns };
        let ruler_enabled = spec.thanos.ruler.enabled;
        let am_enabled = spec.alertmanager.enabled;

        Self {
            namespace: ns.clone(),
            cluster: spec.cluster.clone(),
            instance: config.metadata.name.to_string(),
            namespace_labels: BTreeMap::from([
                (
                    "app.kubernetes.io/managed-by".to_owned(),
                    "stackgen".to_owned(),
                ),
                ("app.kubernetes.io/part-of".to_owned(), PART_OF.to_owned()),
                (
                    "app.kubernetes.io/instance".to_owned(),
                    config.metadata.name.to_string(),
                ),
                ("kubernetes.io/metadata.name".to_owned(), ns.clone()),
            ]),
            container_security_context: json!({
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]},
            }),
            prometheus: base.prometheus(),
            objstore: base.objstore(),
            query: base.query(),
            store: base.store(),
            compact: base.compact(),
            ruler: ruler_enabled.then(|| RulerCtx {
                workload: base.ruler(),
                rules_data: BTreeMap::new(),
            }),
            alertmanager: am_enabled.then(|| AlertmanagerCtx {
                workload: base.alertmanager(),
                cluster_service: names::ALERTMANAGER_CLUSTER.to_owned(),
                config_data: BTreeMap::new(),
            }),
            kube_state_metrics: spec
                .kube_state_metrics
                .enabled
                .then(|| base.kube_state_metrics()),
            node_exporter: spec.node_exporter.enabled.then(|| base.node_exporter()),
            grafana: spec.grafana.enabled.then(|| GrafanaCtx {
                workload: base.grafana(),
                datasources_data: BTreeMap::new(),
                provider_data: BTreeMap::new(),
                dashboards: BTreeMap::new(),
            }),
            ingress: spec.ingress.enabled.then(|| base.ingress()),
            item: None,
        }
    }
}

const PART_OF: &str = "monitoring-stack";

/// Shared inputs of the per-component builders.
struct Base<'a> {
    config: &'a MonitoringStack,
    ns: &'a str,
}

impl Base<'_> {
    fn spec(&self) -> &crate::config::model::Spec {
        &self.config.spec
    }

    /// Recommended labels and the selector (name and instance only: selectors are immutable,
    /// so never the version). The version is the image's tag, for objects that run one.
    fn labels(&self, name: &str, component: &str, image: Option<&ImageRef>) -> (Labels, Labels) {
        let instance = self.config.metadata.name.to_string();
        let selector = BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), name.to_owned()),
            ("app.kubernetes.io/instance".to_owned(), instance),
        ]);
        let mut labels = selector.clone();
        labels.insert(
            "app.kubernetes.io/component".to_owned(),
            component.to_owned(),
        );
        labels.insert("app.kubernetes.io/part-of".to_owned(), PART_OF.to_owned());
        labels.insert(
            "app.kubernetes.io/managed-by".to_owned(),
            "stackgen".to_owned(),
        );
        if let Some(tag) = image.and_then(ImageRef::tag).filter(|t| is_label_value(t)) {
            labels.insert("app.kubernetes.io/version".to_owned(), tag.to_owned());
        }
        (labels, selector)
    }

    fn workload(
        &self,
        name: &str,
        component: &str,
        image: &ImageRef,
        replicas: u32,
        resources: &Resources,
    ) -> Workload {
        let (labels, selector) = self.labels(name, component, Some(image));
        let ha = &self.spec().high_availability;
        let topology_spread = if replicas > 1 {
            let mut keys = vec!["kubernetes.io/hostname"];
            if ha.spread_across == SpreadAcross::Zone {
                keys.insert(0, "topology.kubernetes.io/zone");
            }
            keys.into_iter()
                .map(|key| {
                    json!({
                        "maxSkew": 1,
                        "topologyKey": key,
                        "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": {"matchLabels": selector},
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        Workload {
            name: name.to_owned(),
            pod_labels: labels.clone(),
            labels,
            selector,
            pod_annotations: BTreeMap::new(),
            replicas,
            image: image.to_string(),
            args: Vec::new(),
            resources: resources_json(resources),
            service_account: name.to_owned(),
            service_account_annotations: BTreeMap::new(),
            automount_token: false,
            pod_security_context: pod_security_context(NOBODY),
            topology_spread,
            pdb: replicas > 1 && ha.pod_disruption_budgets,
            env: Vec::new(),
            volumes: Vec::new(),
            volume_mounts: Vec::new(),
            volume_claim: None,
        }
    }

    /// Makes `w` a reader/writer of the bucket: objstore config, credentials, identity.
    fn use_bucket(&self, w: &mut Workload, secret: &str) {
        let os = &self.spec().object_storage;
        w.volumes
            .push(json!({"name": "objstore-config", "secret": {"secretName": secret}}));
        w.volume_mounts
            .push(json!({"name": "objstore-config", "mountPath": OBJSTORE_DIR, "readOnly": true}));
        match (os.provider, &os.credentials_secret) {
            (Provider::Gcs, Some(creds)) => {
                w.volumes.push(json!({"name": "gcs-credentials", "secret": {"secretName": creds.name.to_string()}}));
                w.volume_mounts.push(json!({"name": "gcs-credentials", "mountPath": GCS_CREDENTIALS_DIR, "readOnly": true}));
                w.env.push(json!({"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": format!("{GCS_CREDENTIALS_DIR}/{}", creds.key)}));
            }
            (Provider::S3, Some(creds)) => {
                for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
                    w.env.push(json!({"name": key, "valueFrom": {"secretKeyRef": {"name": creds.name.to_string(), "key": key}}}));
                }
            }
            (Provider::Filesystem, _) => {
                w.volumes.push(json!({"name": "objstore-data", "persistentVolumeClaim": {"claimName": names::FILESYSTEM_CLAIM}}));
                w.volume_mounts
                    .push(json!({"name": "objstore-data", "mountPath": FILESYSTEM_DIR}));
            }
            _ => {}
        }
        if let Some(wi) = &os.workload_identity {
            if let Some(sa) = &wi.gcp_service_account {
                w.service_account_annotations
                    .insert("iam.gke.io/gcp-service-account".to_owned(), sa.clone());
            }
            if let Some(arn) = &wi.aws_role_arn {
                w.service_account_annotations
                    .insert("eks.amazonaws.com/role-arn".to_owned(), arn.clone());
            }
            if let Some(id) = &wi.azure_client_id {
                w.service_account_annotations
                    .insert("azure.workload.identity/client-id".to_owned(), id.clone());
                w.pod_labels
                    .insert("azure.workload.identity/use".to_owned(), "true".to_owned());
            }
        }
    }

    fn data_volume(&self, w: &mut Workload, storage: &Storage, mount_path: &str) {
        w.volume_mounts
            .push(json!({"name": "data", "mountPath": mount_path}));
        if storage.persistent {
            let mut spec = json!({
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": storage.size.to_string()}},
            });
            if let Some(class) = &storage.storage_class_name {
                spec["storageClassName"] = json!(class.to_string());
            }
            w.volume_claim = Some(json!({"metadata": {"name": "data"}, "spec": spec}));
        } else {
            w.volumes.push(json!({"name": "data", "emptyDir": {}}));
        }
    }

    fn srv(&self, port: &str, service: &str) -> String {
        format!("_{port}._tcp.{service}.{}.svc.cluster.local", self.ns)
    }

    fn prometheus(&self) -> PrometheusCtx {
        let spec = self.spec();
        let p = &spec.prometheus;
        let mut w = self.workload(
            names::PROMETHEUS,
            "prometheus",
            &spec.images.prometheus,
            p.replicas,
            &p.resources,
        );
        w.automount_token = true;
        w.pod_labels
            .insert("thanos-store-api".to_owned(), "true".to_owned());
        w.args = vec![
            format!("--config.file={CONFIG_OUT_DIR}/prometheus.yaml"),
            "--storage.tsdb.path=/prometheus".to_owned(),
            format!("--storage.tsdb.retention.time={}", p.retention),
            format!("--storage.tsdb.min-block-duration={}", p.min_block_duration),
            format!("--storage.tsdb.max-block-duration={}", p.max_block_duration),
            "--web.enable-lifecycle".to_owned(),
            format!("--log.level={}", level(p.log_level)),
        ];
        self.data_volume(&mut w, &p.storage, "/prometheus");
        w.volumes.extend([
            json!({"name": "config", "configMap": {"name": "prometheus-config"}}),
            json!({"name": "config-out", "emptyDir": {}}),
            json!({"name": "rules", "configMap": {"name": "prometheus-rules"}}),
        ]);
        w.volume_mounts.extend([
            json!({"name": "config-out", "mountPath": CONFIG_OUT_DIR, "readOnly": true}),
            json!({"name": "rules", "mountPath": RULES_DIR, "readOnly": true}),
        ]);
        // The sidecar shares the data volume and fills in the config; bucket access is its alone.
        let mut sidecar = self.workload(
            names::PROMETHEUS,
            "prometheus",
            &spec.images.thanos,
            p.replicas,
            &p.sidecar_resources,
        );
        sidecar.env = pod_env();
        self.use_bucket(&mut sidecar, names::OBJSTORE_SECRET);
        w.volumes.extend(sidecar.volumes.clone());
        w.service_account_annotations = sidecar.service_account_annotations.clone();
        w.pod_labels.extend(
            sidecar
                .pod_labels
                .iter()
                .filter(|(k, _)| k.starts_with("azure."))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let mut sidecar_mounts = vec![
            json!({"name": "data", "mountPath": "/prometheus"}),
            json!({"name": "config", "mountPath": CONFIG_DIR, "readOnly": true}),
            json!({"name": "config-out", "mountPath": CONFIG_OUT_DIR}),
            json!({"name": "rules", "mountPath": RULES_DIR, "readOnly": true}),
        ];
        sidecar_mounts.extend(sidecar.volume_mounts.clone());

        let mut jobs = vec![
            job(names::PROMETHEUS, names::PROMETHEUS, "http"),
            job("thanos-sidecar", names::PROMETHEUS, "http-sidecar"),
            job(names::QUERY, names::QUERY, "http"),
            job(names::STORE, names::STORE, "http"),
            job(names::COMPACT, names::COMPACT, "http"),
        ];
        if spec.thanos.ruler.enabled {
            jobs.push(job(names::RULER, names::RULER, "http"));
        }
        if spec.alertmanager.enabled {
            jobs.push(job(names::ALERTMANAGER, names::ALERTMANAGER, "http"));
        }
        if spec.grafana.enabled {
            jobs.push(job(names::GRAFANA, names::GRAFANA, "http"));
        }
        if spec.kube_state_metrics.enabled {
            jobs.push(job(
                names::KUBE_STATE_METRICS,
                names::KUBE_STATE_METRICS,
                "http-metrics",
            ));
        }
        if spec.node_exporter.enabled {
            jobs.push(job(
                names::NODE_EXPORTER,
                names::NODE_EXPORTER,
                "http-metrics",
            ));
        }

        let mut external_labels: BTreeMap<String, String> = spec.prometheus_stream_labels();
        external_labels.insert(spec.replica_label.to_string(), "$(POD_NAME)".to_owned());

        PrometheusCtx {
            sidecar_image: spec.images.thanos.to_string(),
            sidecar_args: vec![
                "sidecar".to_owned(),
                format!("--log.level={}", level(p.log_level)),
                "--tsdb.path=/prometheus".to_owned(),
                "--prometheus.url=http://127.0.0.1:9090".to_owned(),
                format!("--grpc-address=0.0.0.0:{GRPC_PORT}"),
                format!("--http-address=0.0.0.0:{THANOS_HTTP_PORT}"),
                objstore_flag(),
                format!("--reloader.config-file={CONFIG_DIR}/prometheus.yaml.tmpl"),
                format!("--reloader.config-envsubst-file={CONFIG_OUT_DIR}/prometheus.yaml"),
                format!("--reloader.rule-dir={RULES_DIR}"),
            ],
            sidecar_resources: resources_json(&p.sidecar_resources),
            sidecar_env: sidecar.env,
            sidecar_volume_mounts: sidecar_mounts,
            scrape_interval: p.scrape_interval.to_string(),
            evaluation_interval: p.evaluation_interval.to_string(),
            external_labels,
            replica_label: spec.replica_label.to_string(),
            scrape_jobs: jobs,
            alertmanager_srv: spec
                .alertmanager
                .enabled
                .then(|| self.srv("http", names::ALERTMANAGER_CLUSTER)),
            pod_services: (0..p.replicas).map(|i| format!("prometheus-{i}")).collect(),
            config_data: BTreeMap::new(),
            rules_data: BTreeMap::new(),
            workload: w,
        }
    }

    fn objstore(&self) -> ObjstoreCtx {
        let os = &self.spec().object_storage;
        let (labels, _) = self.labels("thanos", "object-store", Some(&self.spec().images.thanos));
        ObjstoreCtx {
            labels: labels.clone(),
            secret: names::OBJSTORE_SECRET.to_owned(),
            ruler_secret: names::RULER_OBJSTORE_SECRET.to_owned(),
            key: names::OBJSTORE_KEY.to_owned(),
            data: BTreeMap::new(),
            ruler_data: BTreeMap::new(),
            filesystem_claim: (os.provider == Provider::Filesystem).then(|| {
                json!({
                    "name": names::FILESYSTEM_CLAIM,
                    "labels": labels,
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
                })
            }),
        }
    }

    fn query(&self) -> Workload {
        let spec = self.spec();
        let q = &spec.thanos.query;
        let mut w = self.workload(
            names::QUERY,
            "query-layer",
            &spec.images.thanos,
            q.replicas,
            &q.resources,
        );
        let mut replica_labels = vec![spec.replica_label.to_string()];
        if spec.thanos.ruler.enabled
            && !replica_labels.contains(&spec.thanos.ruler.replica_label.to_string())
        {
            replica_labels.push(spec.thanos.ruler.replica_label.to_string());
        }
        w.args = vec![
            "query".to_owned(),
            format!("--log.level={}", level(q.log_level)),
            format!("--grpc-address=0.0.0.0:{GRPC_PORT}"),
            "--http-address=0.0.0.0:9090".to_owned(),
        ];
        w.args.extend(
            replica_labels
                .iter()
                .map(|l| format!("--query.replica-label={l}")),
        );
        w.args.push(format!(
            "--endpoint=dnssrv+{}",
            self.srv("grpc", names::STORE)
        ));
        w.args
            .extend(q.remote_endpoints.iter().map(|e| format!("--endpoint={e}")));
        w
    }

    fn store(&self) -> Workload {
        let spec = self.spec();
        let s = &spec.thanos.store;
        let mut w = self.workload(
            names::STORE,
            "object-store-gateway",
            &spec.images.thanos,
            s.replicas,
            &s.resources,
        );
        w.pod_labels
            .insert("thanos-store-api".to_owned(), "true".to_owned());
        w.args = vec![
            "store".to_owned(),
            format!("--log.level={}", level(s.log_level)),
            "--data-dir=/var/thanos/store".to_owned(),
            format!("--grpc-address=0.0.0.0:{GRPC_PORT}"),
            format!("--http-address=0.0.0.0:{THANOS_HTTP_PORT}"),
            objstore_flag(),
            "--index-cache-size=250MB".to_owned(),
        ];
        self.data_volume(&mut w, &s.storage, "/var/thanos/store");
        self.use_bucket(&mut w, names::OBJSTORE_SECRET);
        w
    }

    fn compact(&self) -> Workload {
        let spec = self.spec();
        let c = &spec.thanos.compact;
        let mut w = self.workload(
            names::COMPACT,
            "database-compactor",
            &spec.images.thanos,
            c.replicas,
            &c.resources,
        );
        w.args = vec![
            "compact".to_owned(),
            "--wait".to_owned(),
            format!("--log.level={}", level(c.log_level)),
            "--data-dir=/var/thanos/compact".to_owned(),
            format!("--http-address=0.0.0.0:{THANOS_HTTP_PORT}"),
            objstore_flag(),
            format!("--retention.resolution-raw={}", c.retention.raw),
            format!("--retention.resolution-5m={}", c.retention.five_minutes),
            format!("--retention.resolution-1h={}", c.retention.one_hour),
        ];
        if !c.downsampling {
            w.args.push("--downsampling.disable".to_owned());
        }
        self.data_volume(&mut w, &c.storage, "/var/thanos/compact");
        self.use_bucket(&mut w, names::OBJSTORE_SECRET);
        w
    }

    fn ruler(&self) -> Workload {
        let spec = self.spec();
        let r = &spec.thanos.ruler;
        let mut w = self.workload(
            names::RULER,
            "rule-evaluation-engine",
            &spec.images.thanos,
            r.replicas,
            &r.resources,
        );
        w.pod_labels
            .insert("thanos-store-api".to_owned(), "true".to_owned());
        w.env = pod_env();
        w.args = vec![
            "rule".to_owned(),
            format!("--log.level={}", level(r.log_level)),
            "--data-dir=/var/thanos/rule".to_owned(),
            format!("--grpc-address=0.0.0.0:{GRPC_PORT}"),
            format!("--http-address=0.0.0.0:{THANOS_HTTP_PORT}"),
            objstore_flag(),
            "--rule-file=/etc/thanos/rules/*.yaml".to_owned(),
            format!("--eval-interval={}", spec.prometheus.evaluation_interval),
            format!("--query=dnssrv+{}", self.srv("http", names::QUERY)),
        ];
        if spec.alertmanager.enabled {
            w.args.push(format!(
                "--alertmanagers.url=dnssrv+http://{}",
                self.srv("http", names::ALERTMANAGER_CLUSTER)
            ));
        }
        // Thanos parses `--label` values as Go-quoted strings; JSON string escaping matches.
        for (name, value) in spec.ruler_stream_labels() {
            w.args.push(format!(
                "--label={name}={}",
                serde_json::to_string(&value).expect("string serializes")
            ));
        }
        if r.replicas > 1 {
            let replica = r.replica_label.as_str();
            w.args.push(format!("--label={replica}=\"$(POD_NAME)\""));
            // Raw name: Thanos does not unquote this flag, so `"replica"` would drop nothing.
            w.args.push(format!("--alert.label-drop={replica}"));
        }
        self.data_volume(&mut w, &r.storage, "/var/thanos/rule");
        self.use_bucket(&mut w, names::RULER_OBJSTORE_SECRET);
        w.volumes
            .push(json!({"name": "rules", "configMap": {"name": "thanos-ruler-rules"}}));
        w.volume_mounts
            .push(json!({"name": "rules", "mountPath": "/etc/thanos/rules", "readOnly": true}));
        w
    }

    fn alertmanager(&self) -> Workload {
        let spec = self.spec();
        let a = &spec.alertmanager;
        let mut w = self.workload(
            names::ALERTMANAGER,
            "alert-router",
            &spec.images.alertmanager,
            a.replicas,
            &a.resources,
        );
        w.env = vec![
            json!({"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}),
        ];
        w.args = vec![
            "--config.file=/etc/alertmanager/alertmanager.yaml".to_owned(),
            "--storage.path=/alertmanager".to_owned(),
            "--web.listen-address=:9093".to_owned(),
            format!("--log.level={}", level(a.log_level)),
        ];
        if a.replicas > 1 {
            w.args
                .push("--cluster.listen-address=0.0.0.0:9094".to_owned());
            w.args
                .push("--cluster.advertise-address=$(POD_IP):9094".to_owned());
            w.args.extend((0..a.replicas).map(|i| {
                format!(
                    "--cluster.peer={}-{i}.{}.{}.svc.cluster.local:9094",
                    names::ALERTMANAGER,
                    names::ALERTMANAGER_CLUSTER,
                    self.ns
                )
            }));
        } else {
            // An empty listen address switches gossip off: a lone replica has no peers.
            w.args.push("--cluster.listen-address=".to_owned());
        }
        self.data_volume(&mut w, &a.storage, "/alertmanager");
        w.volumes
            .push(json!({"name": "config", "configMap": {"name": "alertmanager-config"}}));
        w.volume_mounts
            .push(json!({"name": "config", "mountPath": "/etc/alertmanager", "readOnly": true}));
        let mut secrets: Vec<String> = a
            .receivers
            .iter()
            .flat_map(|r| {
                r.webhook
                    .iter()
                    .map(|x| x.url_secret.name.to_string())
                    .chain(r.slack.iter().map(|x| x.api_url_secret.name.to_string()))
                    .chain(
                        r.pagerduty
                            .iter()
                            .map(|x| x.routing_key_secret.name.to_string()),
                    )
            })
            .collect();
        secrets.sort();
        secrets.dedup();
        for secret in secrets {
            let volume = format!("secret-{secret}");
            w.volumes
                .push(json!({"name": volume, "secret": {"secretName": secret}}));
            w.volume_mounts.push(json!({"name": volume, "mountPath": alertmanager_secret_dir(&secret), "readOnly": true}));
        }
        w
    }

    fn kube_state_metrics(&self) -> KsmCtx {
        let spec = self.spec();
        let k = &spec.kube_state_metrics;
        let mut w = self.workload(
            names::KUBE_STATE_METRICS,
            "exporter",
            &spec.images.kube_state_metrics,
            1,
            &k.resources,
        );
        w.automount_token = true;
        // One table gives both the exported resources and the RBAC to list them: nothing more.
        let groups: [(&str, &[(&str, &str)]); 8] = [
            (
                "",
                &[
                    ("namespaces", "namespaces"),
                    ("nodes", "nodes"),
                    ("persistentvolumeclaims", "persistentvolumeclaims"),
                    ("persistentvolumes", "persistentvolumes"),
                    ("pods", "pods"),
                    ("resourcequotas", "resourcequotas"),
                    ("services", "services"),
                ],
            ),
            (
                "apps",
                &[
                    ("daemonsets", "daemonsets"),
                    ("deployments", "deployments"),
                    ("replicasets", "replicasets"),
                    ("statefulsets", "statefulsets"),
                ],
            ),
            (
                "autoscaling",
                &[("horizontalpodautoscalers", "horizontalpodautoscalers")],
            ),
            ("batch", &[("cronjobs", "cronjobs"), ("jobs", "jobs")]),
            ("discovery.k8s.io", &[("endpointslices", "endpointslices")]),
            ("networking.k8s.io", &[("ingresses", "ingresses")]),
            (
                "policy",
                &[("poddisruptionbudgets", "poddisruptionbudgets")],
            ),
            ("storage.k8s.io", &[("storageclasses", "storageclasses")]),
        ];
        let mut exported: Vec<&str> = groups
            .iter()
            .flat_map(|(_, rs)| rs.iter().map(|(flag, _)| *flag))
            .collect();
        exported.sort_unstable();
        w.args = vec![
            "--port=8080".to_owned(),
            "--telemetry-port=8081".to_owned(),
            format!("--resources={}", exported.join(",")),
        ];
        let rules = groups
            .iter()
            .map(|(group, resources)| {
                json!({
                    "apiGroups": [group],
                    "resources": resources.iter().map(|(_, r)| *r).collect::<Vec<_>>(),
                    "verbs": ["list", "watch"],
                })
            })
            .collect();
        KsmCtx { workload: w, rules }
    }

    fn node_exporter(&self) -> Workload {
        let spec = self.spec();
        let n = &spec.node_exporter;
        let mut w = self.workload(
            names::NODE_EXPORTER,
            "exporter",
            &spec.images.node_exporter,
            1,
            &n.resources,
        );
        w.pdb = false;
        w.args = vec![
            "--web.listen-address=:9100".to_owned(),
            "--path.procfs=/host/proc".to_owned(),
            "--path.sysfs=/host/sys".to_owned(),
            "--path.rootfs=/host/root".to_owned(),
            "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/.+)($|/)".to_owned(),
            "--collector.netclass.ignored-devices=^(veth.*|[a-f0-9]{15})$".to_owned(),
        ];
        for (name, host, mount) in [
            ("proc", "/proc", "/host/proc"),
            ("sys", "/sys", "/host/sys"),
            ("root", "/", "/host/root"),
        ] {
            w.volumes
                .push(json!({"name": name, "hostPath": {"path": host}}));
            let mut m = json!({"name": name, "mountPath": mount, "readOnly": true});
            if name == "root" {
                m["mountPropagation"] = json!("HostToContainer");
            }
            w.volume_mounts.push(m);
        }
        w
    }

    fn grafana(&self) -> Workload {
        let spec = self.spec();
        let g = &spec.grafana;
        let mut w = self.workload(
            names::GRAFANA,
            "grafana",
            &spec.images.grafana,
            g.replicas,
            &g.resources,
        );
        w.env = [
            ("GF_AUTH_ANONYMOUS_ENABLED", "false"),
            ("GF_USERS_ALLOW_SIGN_UP", "false"),
            ("GF_ANALYTICS_REPORTING_ENABLED", "false"),
            ("GF_ANALYTICS_CHECK_FOR_UPDATES", "false"),
            ("GF_PATHS_DATA", "/var/lib/grafana"),
            ("GF_PATHS_LOGS", "/var/lib/grafana/log"),
            ("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning"),
        ]
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
        // Grafana reads `__FILE` variables from files, so the admin credentials stay out of
        // the environment (where crash dumps and `/proc` could show them).
        let admin = g.admin_secret.as_ref().map(ToString::to_string);
        if admin.is_some() {
            for (env, key) in [
                ("GF_SECURITY_ADMIN_USER__FILE", "admin-user"),
                ("GF_SECURITY_ADMIN_PASSWORD__FILE", "admin-password"),
            ] {
                w.env
                    .push(json!({"name": env, "value": format!("/etc/grafana/admin/{key}")}));
            }
        }
        w.volumes = vec![
            json!({"name": "data", "emptyDir": {}}),
            json!({"name": "tmp", "emptyDir": {}}),
            json!({"name": "datasources", "configMap": {"name": "grafana-datasources"}}),
            json!({"name": "dashboard-provider", "configMap": {"name": "grafana-dashboard-provider"}}),
        ];
        w.volume_mounts = vec![
            json!({"name": "data", "mountPath": "/var/lib/grafana"}),
            json!({"name": "tmp", "mountPath": "/tmp"}),
            json!({"name": "datasources", "mountPath": "/etc/grafana/provisioning/datasources", "readOnly": true}),
            json!({"name": "dashboard-provider", "mountPath": "/etc/grafana/provisioning/dashboards", "readOnly": true}),
        ];
        if let Some(secret) = admin {
            w.volumes
                .push(json!({"name": "admin", "secret": {"secretName": secret}}));
            w.volume_mounts.push(
                json!({"name": "admin", "mountPath": "/etc/grafana/admin", "readOnly": true}),
            );
        }
        let mut dashboards = g.dashboards.clone();
        dashboards.sort();
        dashboards.dedup();
        for d in dashboards {
            let name = dashboard_config_map(d);
            w.volumes
                .push(json!({"name": name, "configMap": {"name": name}}));
            w.volume_mounts.push(json!({"name": name, "mountPath": format!("/var/lib/grafana/dashboards/{}", dashboard_slug(d)), "readOnly": true}));
        }
        w
    }

    fn ingress(&self) -> IngressCtx {
        let spec = self.spec();
        let i = &spec.ingress;
        let domain = spec.domain.as_str();
        let mut hosts: Vec<(String, String, Json)> = Vec::new();
        let mut add =
            |host: String, service: &str, port: Json| hosts.push((host, service.to_owned(), port));
        if i.expose.querier {
            add(
                format!("{}.{domain}", names::QUERY),
                names::QUERY,
                json!(9090),
            );
        }
        if i.expose.grafana && spec.grafana.enabled {
            add(
                format!("{}.{domain}", names::GRAFANA),
                names::GRAFANA,
                json!(3000),
            );
        }
        if i.expose.alertmanager && spec.alertmanager.enabled {
            add(
                format!("{}.{domain}", names::ALERTMANAGER),
                names::ALERTMANAGER,
                json!(9093),
            );
        }
        if i.expose.ruler && spec.thanos.ruler.enabled {
            add(
                format!("{}.{domain}", names::RULER),
                names::RULER,
                json!(THANOS_HTTP_PORT),
            );
        }
        if i.expose.prometheus {
            for n in 0..spec.prometheus.replicas {
                add(
                    format!("prometheus-{n}.{domain}"),
                    &format!("prometheus-{n}-service"),
                    json!(9090),
                );
            }
        }
        let rules = hosts
            .iter()
            .map(|(host, service, port)| {
                json!({
                    "host": host,
                    "http": {"paths": [{
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {"service": {"name": service, "port": {"number": port}}},
                    }]},
                })
            })
            .collect();
        let mut annotations = BTreeMap::new();
        if let Some(secret) = &i.basic_auth_secret {
            annotations.insert(
                "nginx.ingress.kubernetes.io/auth-type".to_owned(),
                "basic".to_owned(),
            );
            annotations.insert(
                "nginx.ingress.kubernetes.io/auth-secret".to_owned(),
                secret.to_string(),
            );
            annotations.insert(
                "nginx.ingress.kubernetes.io/auth-realm".to_owned(),
                "Authentication required".to_owned(),
            );
        }
        let tls = i
            .tls
            .iter()
            .map(|tls| {
                if let Some(issuer) = &tls.cluster_issuer {
                    annotations.insert("cert-manager.io/cluster-issuer".to_owned(), issuer.to_string());
                }
                json!({"hosts": hosts.iter().map(|(h, _, _)| h.clone()).collect::<Vec<_>>(), "secretName": tls.secret_name.to_string()})
            })
            .collect();
        let (labels, _) = self.labels("monitoring-ingress", "ingress", None);
        IngressCtx {
            name: "monitoring-ingress".to_owned(),
            labels,
            class_name: i.class_name.to_string(),
            annotations,
            rules,
            tls,
        }
    }
}

/// Every bucket user reads the objstore config from the same mounted file.
fn objstore_flag() -> String {
    format!(
        "--objstore.config-file={OBJSTORE_DIR}/{}",
        names::OBJSTORE_KEY
    )
}

fn job(job: &str, app: &str, port: &str) -> ScrapeJob {
    ScrapeJob {
        job: job.to_owned(),
        app: app.to_owned(),
        port: port.to_owned(),
        honor_labels: app == names::KUBE_STATE_METRICS,
        node_instance: app == names::NODE_EXPORTER,
    }
}

/// The pod's own name and namespace, which the sidecar and Ruler substitute into labels.
fn pod_env() -> Vec<Json> {
    vec![
        json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}),
        json!({"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}),
    ]
}

fn pod_security_context(uid: i64) -> Json {
    json!({
        "runAsNonRoot": true,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

fn resources_json(r: &Resources) -> Json {
    let amounts = |a: &crate::config::model::ResourceAmounts| {
        let mut m = serde_json::Map::new();
        if let Some(cpu) = &a.cpu {
            m.insert("cpu".to_owned(), json!(cpu.to_string()));
        }
        if let Some(memory) = &a.memory {
            m.insert("memory".to_owned(), json!(memory.to_string()));
        }
        m
    };
    let mut out = serde_json::Map::new();
    let requests = amounts(&r.requests);
    let limits = amounts(&r.limits);
    if !requests.is_empty() {
        out.insert("requests".to_owned(), Json::Object(requests));
    }
    if !limits.is_empty() {
        out.insert("limits".to_owned(), Json::Object(limits));
    }
    Json::Object(out)
}

fn level(l: LogLevel) -> &'static str {
    match l {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    }
}

fn is_label_value(s: &str) -> bool {
    s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Where Alertmanager finds a receiver Secret's keys as files.
pub fn alertmanager_secret_dir(secret: &str) -> String {
    format!("/etc/alertmanager/secrets/{secret}")
}

pub fn dashboard_config_map(d: crate::config::model::Dashboard) -> String {
    format!("grafana-dashboard-{}", dashboard_slug(d))
}

pub fn dashboard_slug(d: crate::config::model::Dashboard) -> &'static str {
    match d {
        crate::config::model::Dashboard::Cluster => "cluster",
        crate::config::model::Dashboard::Nodes => "nodes",
    }
}
