//! Grafana's dashboards: each listed once, and each with the exporter it reads.

use std::collections::BTreeSet;

use super::Findings;
use crate::config::model::{Dashboard, Spec};

pub(super) fn dashboards_have_data(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    let mut seen = BTreeSet::new();
    for (i, dashboard) in g.dashboards.iter().enumerate() {
        if !seen.insert(dashboard) {
            f.error(
                &format!("spec.grafana.dashboards[{i}]"),
                format!("`{dashboard:?}` is listed twice").to_lowercase(),
                "list each dashboard once",
            );
        }
    }
    if seen.contains(&Dashboard::Nodes) && !spec.node_exporter.enabled {
        f.warn(
            "spec.grafana.dashboards",
            "the `nodes` dashboard reads node-exporter, which is off".to_owned(),
            "turn `nodeExporter.enabled` on, or drop the dashboard",
        );
    }
    if seen.contains(&Dashboard::Cluster) && !spec.kube_state_metrics.enabled {
        f.warn(
            "spec.grafana.dashboards",
            "the `cluster` dashboard reads kube-state-metrics, which is off".to_owned(),
            "turn `kubeStateMetrics.enabled` on, or drop the dashboard",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, rejects, warns};

    #[test]
    fn dashboards_must_be_unique() {
        rejects(
            "grafana: {dashboards: [cluster, nodes, cluster]}",
            "spec.grafana.dashboards[2]",
            "`cluster` is listed twice",
        );
    }

    #[test]
    fn nodes_dashboard_without_node_exporter_is_warned_about() {
        warns(
            "{grafana: {dashboards: [nodes]}, nodeExporter: {enabled: false}}",
            "spec.grafana.dashboards",
            "the `nodes` dashboard reads node-exporter, which is off",
        );
    }

    #[test]
    fn cluster_dashboard_without_kube_state_metrics_is_warned_about() {
        warns(
            "{grafana: {dashboards: [cluster]}, kubeStateMetrics: {enabled: false}}",
            "spec.grafana.dashboards",
            "the `cluster` dashboard reads kube-state-metrics, which is off",
        );
    }

    #[test]
    fn dashboards_with_their_exporters_pass() {
        passes(
            "grafana: {dashboards: [cluster, nodes]}",
            "spec.grafana.dashboards",
        );
    }

    #[test]
    fn dashboards_without_exporters_pass_when_not_listed() {
        passes(
            "{grafana: {dashboards: [cluster]}, nodeExporter: {enabled: false}}",
            "spec.grafana.dashboards",
        );
    }

    #[test]
    fn dashboards_of_a_disabled_grafana_are_not_checked() {
        passes(
            "{grafana: {enabled: false, dashboards: [nodes, nodes]}, nodeExporter: {enabled: false}}",
            "spec.grafana.dashboards[1]",
        );
    }
}
