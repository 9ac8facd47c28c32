//! Files embedded as they are: rules and dashboards written for stackgen. They are data, not
//! templates (their `{{ $labels }}` belong to Prometheus and Grafana), so no config string
//! ever reaches them.

use crate::config::facts::{PROMETHEUS_RULES_FILE, RULER_RULES_FILE};
use crate::config::model::Dashboard;

/// Alert rules every Prometheus replica evaluates.
pub const STACK_RULES: (&str, &str) = (
    PROMETHEUS_RULES_FILE,
    include_str!("../../templates/prometheus/rules/stack.rules.yaml"),
);

/// Recording rules and alerts the Ruler evaluates over the global view.
pub const GLOBAL_RULES: (&str, &str) = (
    RULER_RULES_FILE,
    include_str!("../../templates/thanos/ruler-rules/global.rules.yaml"),
);

/// File name and JSON of a built-in dashboard.
pub fn dashboard(d: Dashboard) -> (&'static str, &'static str) {
    match d {
        Dashboard::Cluster => (
            "kubernetes-cluster.json",
            include_str!("../../templates/grafana/dashboards/kubernetes-cluster.json"),
        ),
        Dashboard::Nodes => (
            "kubernetes-nodes.json",
            include_str!("../../templates/grafana/dashboards/kubernetes-nodes.json"),
        ),
    }
}
