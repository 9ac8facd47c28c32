//! What every Thanos component shares: its ports and its flags for logging and the bucket.

use k8s_openapi::api::core::v1 as core;

use crate::config::model::{LogLevel, Resources};
use crate::render::stack::Stack;
use crate::render::workload::{self, Port, http_probe, level};

/// The Store API (gRPC) of every Thanos component that serves one.
pub const GRPC: Port = Port::tcp("grpc", 10901);
/// HTTP: metrics, health, and the UI where there is one.
pub const HTTP: Port = Port::tcp("http", 10902);

/// Where every bucket user finds its objstore config file.
pub const OBJSTORE_DIR: &str = "/etc/thanos/objstore";
pub const OBJSTORE_KEY: &str = "objstore.yml";

/// The flags every Thanos component starts with: the subcommand and its log level.
pub fn command(subcommand: &str, log_level: LogLevel) -> Vec<String> {
    vec![
        subcommand.to_owned(),
        format!("--log.level={}", level(log_level)),
    ]
}

/// `--objstore.config-file`, the same mounted file for every bucket user.
pub fn objstore_flag() -> String {
    format!("--objstore.config-file={OBJSTORE_DIR}/{OBJSTORE_KEY}")
}

/// A Thanos container: the pinned image and its flags, restricted, probed on Thanos's
/// health endpoints.
pub fn container(
    stack: &Stack,
    name: &str,
    (ports, http): (&[Port], Port),
    resources: &Resources,
    args: Vec<String>,
) -> core::Container {
    let mut c = workload::container(name, &stack.spec.images.thanos, ports, resources);
    c.args = Some(args);
    c.liveness_probe = Some(http_probe("/-/healthy", http, 30, Some(4)));
    c.readiness_probe = Some(http_probe("/-/ready", http, 5, Some(20)));
    c
}
