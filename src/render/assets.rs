//! Files embedded as they are: rules and dashboards written for stackgen. They are data, not
//! templates (their `{{ $labels }}` belong to Prometheus and Grafana), so no config string
//! ever reaches them.

use crate::config::facts::{PROMETHEUS_RULES_FILE, RULER_RULES_FILE};
use crate::config::model::Dashboard;

/// A built-in rule file: the name it ships as, and its data as JSON, which `build.rs` makes
/// from the commented YAML source.
pub struct Rules {
    pub name: &'static str,
    pub json: &'static str,
    /// The YAML as written, for the tests that hold the JSON to it.
    #[cfg(test)]
    pub source: &'static str,
}

/// Alert rules every Prometheus replica evaluates.
pub const STACK_RULES: Rules = Rules {
    name: PROMETHEUS_RULES_FILE,
    json: include_str!(concat!(env!("OUT_DIR"), "/stack.rules.json")),
    #[cfg(test)]
    source: include_str!("../../templates/prometheus/rules/stack.rules.yaml"),
};

/// Recording rules and alerts the Ruler evaluates over the global view.
pub const GLOBAL_RULES: Rules = Rules {
    name: RULER_RULES_FILE,
    json: include_str!(concat!(env!("OUT_DIR"), "/global.rules.json")),
    #[cfg(test)]
    source: include_str!("../../templates/thanos/ruler-rules/global.rules.yaml"),
};

/// The scrape jobs over what Kubernetes itself serves (API server, kubelets, annotated
/// Services and pods), as JSON `build.rs` makes from `kubernetes-jobs.yaml`.
pub const KUBERNETES_JOBS: &str = include_str!(concat!(env!("OUT_DIR"), "/kubernetes-jobs.json"));

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
        Dashboard::Thanos => (
            "thanos.json",
            include_str!("../../templates/grafana/dashboards/thanos.json"),
        ),
    }
}
