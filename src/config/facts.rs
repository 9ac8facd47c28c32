//! Facts derived from the config that validation, rendering and NetworkPolicies all need.
//! Each is decided here, once, so the three can never disagree.

use std::collections::BTreeMap;

use super::model::{Cache, Extras, Spec, StoreApiExpose};

/// Where the kubelet mounts a pod's ServiceAccount token and the cluster's CA, when the pod
/// asks for them: what Prometheus authenticates to the API server and the kubelets with.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The variables in the Thanos sidecar's (and Ruler's) environment, with the pod field each
/// one holds: the only `$(VAR)`s they can expand.
pub const POD_ENV: [(&str, &str); 2] = [
    ("POD_NAME", "metadata.name"),
    ("POD_NAMESPACE", "metadata.namespace"),
];

/// The file names of the built-in rules, beside the user's in the same ConfigMap: of every
/// Prometheus, and of the Ruler.
pub const PROMETHEUS_RULES_FILE: &str = "stack.rules.yaml";
pub const RULER_RULES_FILE: &str = "global.rules.yaml";

/// The built-in alerts of every Prometheus that need every target's series, so a shard,
/// which holds its share of the targets only, gets them wrong: `TargetJobDown` fires when
/// the shard's share of a job is down, `KubeAPIServerTargetMissing` (an `absent()`) on every
/// shard the API server does not hash to, and `AlertmanagerClusterMembersMismatch` counts
/// the Alertmanagers one shard scrapes. Several shards leave them out; validation says so
/// unless the Ruler evaluates alerts of those names over every shard.
pub const ALERTS_NEEDING_EVERY_TARGET: [&str; 3] = [
    "TargetJobDown",
    "KubeAPIServerTargetMissing",
    "AlertmanagerClusterMembersMismatch",
];

/// The largest item the memcached stackgen renders stores (`--max-item-size=1m`, and the
/// clients' `max_item_size`); memcached refuses to start with less than twice it in memory.
pub const MEMCACHED_MAX_ITEM_BYTES: u64 = 1 << 20;

/// A UI that the ingress can expose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ui {
    Querier,
    Grafana,
    Alertmanager,
    Ruler,
    Prometheus,
}

impl Ui {
    /// Every UI, in the order the ingress lists their hosts.
    pub const ALL: [Ui; 5] = [
        Ui::Querier,
        Ui::Grafana,
        Ui::Alertmanager,
        Ui::Ruler,
        Ui::Prometheus,
    ];

    /// How users call it in messages.
    pub fn title(self) -> &'static str {
        match self {
            Ui::Querier => "Thanos Query",
            Ui::Grafana => "Grafana",
            Ui::Alertmanager => "Alertmanager",
            Ui::Ruler => "Thanos Ruler",
            Ui::Prometheus => "Prometheus",
        }
    }

    /// Whether it has a login of its own (Grafana), so exposing it without the ingress's
    /// basic auth leaves nothing open.
    pub fn has_own_login(self) -> bool {
        self == Ui::Grafana
    }
}

impl Spec {
    /// Every component's escape hatches, at their config paths.
    pub fn extras(&self) -> [(&'static str, &Extras); 12] {
        let t = &self.thanos;
        [
            ("spec.prometheus.extra", &self.prometheus.extra),
            (
                "spec.prometheus.sidecarExtra",
                &self.prometheus.sidecar_extra,
            ),
            ("spec.thanos.query.extra", &t.query.extra),
            ("spec.thanos.queryFrontend.extra", &t.query_frontend.extra),
            ("spec.thanos.store.extra", &t.store.extra),
            ("spec.thanos.compact.extra", &t.compact.extra),
            ("spec.thanos.ruler.extra", &t.ruler.extra),
            ("spec.alertmanager.extra", &self.alertmanager.extra),
            ("spec.grafana.extra", &self.grafana.extra),
            (
                "spec.kubeStateMetrics.extra",
                &self.kube_state_metrics.extra,
            ),
            ("spec.nodeExporter.extra", &self.node_exporter.extra),
            ("spec.memcached.extra", &self.memcached.extra),
        ]
    }

    /// The external labels (minus the replica label) every Prometheus stream carries.
    pub fn prometheus_stream_labels(&self) -> BTreeMap<String, String> {
        let mut labels: BTreeMap<String, String> = self
            .external_labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        labels.insert("cluster".to_owned(), self.cluster.clone());
        labels
    }

    /// The Prometheus StatefulSets, by name: `prometheus`, or with several shards one per
    /// shard, `prometheus-shard-0` … (their pods `prometheus-shard-0-0` …). Never
    /// `prometheus-0` …: those are the pods of the single StatefulSet, and their Services
    /// and hosts (`prometheus-0-service`, `prometheus-0.<domain>`) would change meaning.
    pub fn prometheus_sets(&self) -> Vec<String> {
        match self.prometheus.shards {
            0 | 1 => vec!["prometheus".to_owned()],
            n => (0..n).map(|k| format!("prometheus-shard-{k}")).collect(),
        }
    }

    /// The external labels (minus the replica label) of the streams of shard `shard`:
    /// every Prometheus's, and the shard label when there are several shards, so each
    /// shard's blocks are a stream of their own and Query keeps them apart.
    pub fn prometheus_shard_labels(&self, shard: u32) -> BTreeMap<String, String> {
        let mut labels = self.prometheus_stream_labels();
        if self.prometheus.shards > 1 {
            labels.insert(self.prometheus.shard_label.to_string(), shard.to_string());
        }
        labels
    }

    /// The Ruler's external labels (minus its replica label): its own, or `ruler_cluster`.
    pub fn ruler_stream_labels(&self) -> BTreeMap<String, String> {
        let own = &self.thanos.ruler.external_labels;
        if own.is_empty() {
            BTreeMap::from([("ruler_cluster".to_owned(), self.cluster.clone())])
        } else {
            own.iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        }
    }

    /// Whether `ui` is reachable through the ingress: the ingress is on, the UI is asked
    /// for (or, unasked, it is safe to: Grafana has its own login, the others only behind
    /// the ingress's basic auth), and its component is deployed.
    pub fn exposes(&self, ui: Ui) -> bool {
        let ingress = &self.ingress;
        let by_default = ui.has_own_login() || ingress.basic_auth_secret.is_some();
        ingress.enabled
            && self.asks_to_expose(ui).unwrap_or(by_default)
            && match ui {
                Ui::Querier => true,
                Ui::Prometheus => self.prometheus.enabled,
                Ui::Grafana => self.grafana.enabled,
                Ui::Alertmanager => self.alertmanager.enabled,
                Ui::Ruler => self.thanos.ruler.enabled,
            }
    }

    /// What the config says about exposing `ui`, if anything.
    pub fn asks_to_expose(&self, ui: Ui) -> Option<bool> {
        let expose = &self.ingress.expose;
        match ui {
            Ui::Querier => expose.querier,
            Ui::Grafana => expose.grafana,
            Ui::Alertmanager => expose.alertmanager,
            Ui::Ruler => expose.ruler,
            Ui::Prometheus => expose.prometheus,
        }
    }

    /// The UIs the ingress exposes, in host order.
    pub fn exposed_uis(&self) -> Vec<Ui> {
        Ui::ALL.into_iter().filter(|ui| self.exposes(*ui)).collect()
    }

    /// The host observers dial for this cluster's Store API.
    pub fn store_api_host(&self) -> String {
        match &self.store_api.host {
            Some(host) => host.to_string(),
            None => format!("thanos-grpc.{}", self.domain),
        }
    }

    /// The `host:port` an observer lists in `remoteEndpoints` for this cluster, when the
    /// Store API is offered: the ingress answers gRPC on 443, a load balancer on 10901.
    pub fn store_api_address(&self) -> Option<String> {
        let port = match self.store_api.expose {
            StoreApiExpose::None => return None,
            StoreApiExpose::Ingress => 443,
            StoreApiExpose::LoadBalancer => 10901,
        };
        Some(format!("{}:{port}", self.store_api_host()))
    }

    /// Whether a global Query federates the remote endpoints with TLS. Thanos v0.39 has one
    /// set of client TLS flags for every endpoint a Query dials (per-endpoint TLS came with
    /// thanos-io/thanos#8594, after v0.40), so the Query that reads this cluster's own
    /// plaintext sidecars cannot also dial other clusters over TLS: a second Query does,
    /// and reaches this cluster through the first one, over TLS too.
    pub fn global_query(&self) -> bool {
        let q = &self.thanos.query;
        !q.remote_endpoints.is_empty() && q.remote_tls.is_mutual()
    }

    /// Whether this cluster's Query serves its gRPC over TLS: when it is offered to
    /// observers with TLS, or dialled by the global Query.
    pub fn query_serves_tls(&self) -> bool {
        self.store_api.tls.is_mutual()
            && (self.store_api.expose != StoreApiExpose::None || self.global_query())
    }

    /// Whether this cluster's Query itself asks its gRPC clients for a certificate. Behind
    /// the ingress, the controller asks the observers (and is the only client allowed in):
    /// it does not show one of its own to the backend.
    pub fn query_checks_clients(&self) -> bool {
        self.query_serves_tls() && self.store_api.expose != StoreApiExpose::Ingress
    }

    /// The buckets of this cluster, each known as `scheme://[endpoint/]bucket[/prefix]`
    /// (clusters sharing a bucket under distinct prefixes keep apart): Prometheus's, and
    /// the Ruler's when it has one of its own.
    pub fn buckets(&self) -> Vec<BucketUse> {
        use super::model::Provider;
        let os = &self.object_storage;
        let scheme = match os.provider {
            Provider::Gcs => "gs://".to_owned(),
            Provider::S3 => match &os.s3 {
                Some(s3) => format!("s3://{}/", s3.endpoint),
                None => "s3://".to_owned(),
            },
            Provider::Azure => match &os.azure {
                Some(a) => format!("azure://{}/", a.storage_account),
                None => "azure://".to_owned(),
            },
            // A volume of the cluster's own: nothing to share.
            Provider::Filesystem => return Vec::new(),
        };
        let prefix = os
            .prefix
            .as_deref()
            .map_or(String::new(), |p| format!("/{p}"));
        let ruler = &self.thanos.ruler;
        let own_ruler_bucket = ruler.enabled && os.ruler_bucket != os.bucket;
        let mut buckets = vec![BucketUse {
            path: "spec.objectStorage.bucket",
            key: format!("{scheme}{}{prefix}", os.bucket),
            written: self.prometheus.enabled || (ruler.enabled && !own_ruler_bucket),
            read: self.thanos.store.enabled,
            compacted: self.thanos.compact.enabled,
        }];
        if own_ruler_bucket {
            buckets.push(BucketUse {
                path: "spec.objectStorage.rulerBucket",
                key: format!("{scheme}{}{prefix}", os.ruler_bucket),
                written: true,
                read: self.thanos.store.enabled,
                compacted: self.thanos.compact.enabled,
            });
        }
        buckets
    }

    /// Whether kube-state-metrics is rendered: switched on, and Prometheus is there to
    /// scrape it.
    pub fn kube_state_metrics_runs(&self) -> bool {
        self.kube_state_metrics.enabled && self.prometheus.enabled
    }

    /// Whether node-exporter is rendered: switched on, and Prometheus is there to scrape it.
    pub fn node_exporter_runs(&self) -> bool {
        self.node_exporter.enabled && self.prometheus.enabled
    }

    /// Every cache of a component that runs, with its config path: Query Frontend's
    /// results cache, the Store gateway's index and bucket caches. A new cache joins this
    /// list, and validation and the memcached stackgen renders follow.
    pub fn caches(&self) -> Vec<(&'static str, &Cache)> {
        let store = &self.thanos.store;
        let mut caches = Vec::new();
        if self.thanos.query_frontend.enabled {
            caches.push((
                "spec.thanos.queryFrontend.cache",
                &self.thanos.query_frontend.cache,
            ));
        }
        if store.enabled {
            caches.push(("spec.thanos.store.indexCache", &store.index_cache));
            if let Some(cache) = &store.bucket_cache {
                caches.push(("spec.thanos.store.bucketCache", cache));
            }
        }
        caches
    }

    /// Whether stackgen renders memcached (`spec.memcached`): some cache in use asks for it.
    pub fn memcached_runs(&self) -> bool {
        self.caches().iter().any(|(_, c)| c.in_rendered_memcached())
    }
}

impl Cache {
    /// Whether it lives in the memcached stackgen renders: memcached with no addresses.
    pub fn in_rendered_memcached(&self) -> bool {
        self.in_memory.is_none()
            && self
                .memcached
                .as_ref()
                .is_some_and(|m| m.addresses.is_empty())
    }
}

/// What a cluster does with one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketUse {
    /// The config path that names it.
    pub path: &'static str,
    /// `scheme://[endpoint/]bucket[/prefix]`.
    pub key: String,
    /// Its sidecars or Ruler upload blocks there.
    pub written: bool,
    /// A Store gateway of the cluster serves it.
    pub read: bool,
    /// A Compactor of the cluster compacts it.
    pub compacted: bool,
}
