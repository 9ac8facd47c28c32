//! The names users grep for, kept as the article has them, and the fixed in-pod paths.

pub const PROMETHEUS: &str = "prometheus";
pub const QUERY: &str = "thanos-querier";
pub const STORE: &str = "thanos-store-gateway";
pub const COMPACT: &str = "thanos-compactor";
pub const RULER: &str = "thanos-ruler";
pub const ALERTMANAGER: &str = "alertmanager";
/// Headless Service through which Alertmanager peers and their clients find every replica.
pub const ALERTMANAGER_CLUSTER: &str = "alertmanager-cluster";
pub const KUBE_STATE_METRICS: &str = "kube-state-metrics";
pub const NODE_EXPORTER: &str = "node-exporter";
pub const GRAFANA: &str = "grafana";

pub const OBJSTORE_SECRET: &str = "thanos-objstore-config";
pub const RULER_OBJSTORE_SECRET: &str = "thanos-ruler-objstore-config";
pub const OBJSTORE_KEY: &str = "objstore.yml";
/// Volume holding the blocks when `provider: filesystem` (shared by every Thanos pod).
pub const FILESYSTEM_CLAIM: &str = "thanos-objstore";

pub const GRPC_PORT: u16 = 10901;
pub const THANOS_HTTP_PORT: u16 = 10902;
