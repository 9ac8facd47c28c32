//! Grafana: its dashboards (each listed once, each with the exporter it reads) and its
//! state (users, sessions, settings), which lives in a database.

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

/// Each replica keeps its own SQLite database unless a shared one is configured, so
/// sessions flap between pods; and without an admin Secret Grafana starts as admin/admin.
pub(super) fn grafana_keeps_its_state(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    if g.replicas > 1 && g.database.is_none() {
        f.error(
            "spec.grafana.replicas",
            format!("is {}, but each replica would keep its own SQLite database", g.replicas),
            "logins and settings would differ from pod to pod: set `grafana.database.urlSecret` to a shared MySQL or PostgreSQL, or run 1 replica",
        );
    }
    if g.replicas > 1 && g.storage.persistent {
        f.error(
            "spec.grafana.storage.persistent",
            format!(
                "cannot serve {} replicas: the claim is ReadWriteOnce",
                g.replicas
            ),
            "with a shared `database` no volume is needed: set `persistent: false`",
        );
    }
    if g.admin_secret.is_none() {
        let lost = if g.database.is_none() && !g.storage.persistent {
            "; a password changed in the UI is forgotten on restart"
        } else {
            ""
        };
        f.warn(
            "spec.grafana.adminSecret",
            format!("is unset, so Grafana starts with the login admin/admin{lost}"),
            "create a Secret with keys `admin-user` and `admin-password` and name it here",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, rejects, warns};

    #[test]
    fn several_grafana_replicas_need_a_shared_database() {
        rejects(
            "grafana: {replicas: 2, adminSecret: admin}",
            "spec.grafana.replicas",
            "each replica would keep its own SQLite database",
        );
        passes(
            "grafana: {replicas: 2, adminSecret: admin, database: {urlSecret: {name: grafana-db, key: url}}}",
            "spec.grafana.replicas",
        );
    }

    #[test]
    fn a_grafana_volume_serves_one_replica() {
        rejects(
            "grafana: {replicas: 2, adminSecret: admin, storage: {persistent: true}, database: {urlSecret: {name: db, key: url}}}",
            "spec.grafana.storage.persistent",
            "the claim is ReadWriteOnce",
        );
    }

    #[test]
    fn grafana_without_an_admin_secret_is_warned_about() {
        warns(
            "grafana: {adminSecret: null}",
            "spec.grafana.adminSecret",
            "starts with the login admin/admin; a password changed in the UI is forgotten",
        );
        warns(
            "grafana: {adminSecret: null, storage: {persistent: true}}",
            "spec.grafana.adminSecret",
            "starts with the login admin/admin",
        );
    }

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
