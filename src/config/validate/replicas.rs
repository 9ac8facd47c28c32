//! How many replicas run and where their data lives: the compactor stays a singleton, the
//! rest stay available, and data that must survive a restart stays on a volume.

use super::Findings;
use crate::config::model::{Purpose, Spec};

pub(super) fn compactor_is_a_singleton(spec: &Spec, f: &mut Findings) {
    let replicas = spec.thanos.compact.replicas;
    if replicas != 1 && spec.thanos.compact.enabled {
        f.error(
            "spec.thanos.compact.replicas",
            format!("is {replicas}, but the compactor must run as exactly 1 replica"),
            "Thanos Compact is a singleton per bucket: two compactors corrupt each other's work; set it to 1",
        );
    }
}

pub(super) fn replicas_are_highly_available(spec: &Spec, f: &mut Findings) {
    let (thanos, alertmanager, grafana) = (&spec.thanos, &spec.alertmanager, &spec.grafana);
    // `replicas` is per shard: every shard is its own HA set.
    let prometheus = match spec.prometheus.shards {
        0 | 1 => "Prometheus".to_owned(),
        n => format!("each of the {n} Prometheus shards"),
    };
    // (deployed, path, name, replicas, warn when single)
    let components = [
        (
            spec.prometheus.enabled,
            "spec.prometheus.replicas",
            prometheus.as_str(),
            spec.prometheus.replicas,
            true,
        ),
        (
            true,
            "spec.thanos.query.replicas",
            "Thanos Query",
            thanos.query.replicas,
            true,
        ),
        (
            thanos.store.enabled,
            "spec.thanos.store.replicas",
            "Thanos Store",
            thanos.store.replicas,
            false,
        ),
        (
            alertmanager.enabled,
            "spec.alertmanager.replicas",
            "Alertmanager",
            alertmanager.replicas,
            true,
        ),
        (
            thanos.ruler.enabled,
            "spec.thanos.ruler.replicas",
            "Thanos Ruler",
            thanos.ruler.replicas,
            false,
        ),
        (
            grafana.enabled,
            "spec.grafana.replicas",
            "Grafana",
            grafana.replicas,
            false,
        ),
    ];
    for (deployed, path, name, replicas, warn_single) in components {
        if !deployed {
            continue;
        }
        if replicas == 0 {
            f.error(path, "is 0".to_owned(), format!("{name} needs at least 1 replica; switch the component off with `enabled: false` where it can be"));
        } else if replicas == 1 && warn_single && spec.purpose == Purpose::Production {
            f.warn(
                path,
                format!("is 1: {name} is not highly available"),
                "run at least 2 replicas (3 for Prometheus and Alertmanager) in production, or say `purpose: development`",
            );
        }
    }
}

pub(super) fn data_stays_on_volumes(spec: &Spec, f: &mut Findings) {
    let thanos = &spec.thanos;
    for (path, name, persistent) in [
        (
            "spec.thanos.store.storage.persistent",
            "Store gateway",
            thanos.store.storage.persistent,
        ),
        (
            "spec.thanos.compact.storage.persistent",
            "Compactor",
            thanos.compact.storage.persistent,
        ),
    ] {
        let runs = if path.contains("store") {
            thanos.store.enabled
        } else {
            thanos.compact.enabled
        };
        if !persistent && runs {
            f.warn(
                path,
                format!(
                    "is off: the {name} rebuilds its local data from the bucket after every restart"
                ),
                "keep a persistent volume unless the bucket is tiny",
            );
        }
    }
    if !spec.prometheus.storage.persistent && spec.prometheus.enabled {
        f.warn(
            "spec.prometheus.storage.persistent",
            "is off: blocks not yet uploaded are lost when a pod restarts".to_owned(),
            "keep a persistent volume per Prometheus replica",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{
        all, file_of, help_of, load_spec, passes, position, rejects, warns,
    };

    // -----------------------------------------------------------------------------------------
    // compactor_is_a_singleton
    // -----------------------------------------------------------------------------------------

    #[test]
    fn compactor_must_be_a_singleton() {
        let d = rejects(
            "
            thanos:
              compact:
                replicas: 2
            ",
            "spec.thanos.compact.replicas",
            "is 2, but the compactor must run as exactly 1 replica",
        );
        assert_eq!(file_of(&d), "t.yaml");
        assert_eq!(position(&d), (6, 17));
        assert!(help_of(&d).contains("singleton"));
    }

    #[test]
    fn compactor_with_one_replica_passes() {
        let loaded = passes(
            "thanos: {compact: {replicas: 1}}",
            "spec.thanos.compact.replicas",
        );
        assert_eq!(loaded.config.spec.thanos.compact.replicas, 1);
    }

    #[test]
    fn compactor_with_zero_replicas_is_refused_too() {
        rejects(
            "thanos: {compact: {replicas: 0}}",
            "spec.thanos.compact.replicas",
            "is 0",
        );
    }

    // -----------------------------------------------------------------------------------------
    // replicas_are_highly_available
    // -----------------------------------------------------------------------------------------

    #[test]
    fn zero_prometheus_replicas_are_refused() {
        let d = rejects(
            "prometheus: {replicas: 0}",
            "spec.prometheus.replicas",
            "is 0",
        );
        assert!(help_of(&d).contains("Prometheus needs at least 1 replica"));
    }

    #[test]
    fn replicas_are_highly_available_per_shard() {
        warns(
            "prometheus: {shards: 2, replicas: 1}",
            "spec.prometheus.replicas",
            "is 1: each of the 2 Prometheus shards is not highly available",
        );
        let d = rejects(
            "prometheus: {shards: 2, replicas: 0}",
            "spec.prometheus.replicas",
            "is 0",
        );
        assert!(help_of(&d).contains("each of the 2 Prometheus shards needs at least 1 replica"));
    }

    #[test]
    fn zero_replicas_are_refused_for_every_component() {
        for (body, path) in [
            (
                "thanos: {query: {replicas: 0}}",
                "spec.thanos.query.replicas",
            ),
            (
                "thanos: {store: {replicas: 0}}",
                "spec.thanos.store.replicas",
            ),
            (
                "thanos: {ruler: {replicas: 0}}",
                "spec.thanos.ruler.replicas",
            ),
            ("alertmanager: {replicas: 0}", "spec.alertmanager.replicas"),
            ("grafana: {replicas: 0}", "spec.grafana.replicas"),
        ] {
            rejects(body, path, "is 0");
        }
    }

    #[test]
    fn zero_replicas_of_a_disabled_component_pass() {
        passes(
            "alertmanager: {enabled: false, replicas: 0}",
            "spec.alertmanager.replicas",
        );
        passes(
            "grafana: {enabled: false, replicas: 0}",
            "spec.grafana.replicas",
        );
        passes(
            "thanos: {ruler: {enabled: false, replicas: 0}}",
            "spec.thanos.ruler.replicas",
        );
    }

    #[test]
    fn single_prometheus_is_warned_about() {
        warns(
            "prometheus: {replicas: 1}",
            "spec.prometheus.replicas",
            "is 1: Prometheus is not highly available",
        );
    }

    #[test]
    fn single_query_is_warned_about() {
        warns(
            "thanos: {query: {replicas: 1}}",
            "spec.thanos.query.replicas",
            "is 1: Thanos Query is not highly available",
        );
    }

    #[test]
    fn single_alertmanager_is_warned_about() {
        warns(
            "alertmanager: {replicas: 1}",
            "spec.alertmanager.replicas",
            "is 1: Alertmanager is not highly available",
        );
    }

    #[test]
    fn single_store_ruler_and_grafana_pass() {
        for (body, path) in [
            (
                "thanos: {store: {replicas: 1}}",
                "spec.thanos.store.replicas",
            ),
            (
                "thanos: {ruler: {replicas: 1}}",
                "spec.thanos.ruler.replicas",
            ),
            ("grafana: {replicas: 1}", "spec.grafana.replicas"),
        ] {
            passes(body, path);
        }
    }

    #[test]
    fn two_replicas_pass() {
        passes("prometheus: {replicas: 2}", "spec.prometheus.replicas");
        passes(
            "thanos: {query: {replicas: 2}}",
            "spec.thanos.query.replicas",
        );
        passes("alertmanager: {replicas: 2}", "spec.alertmanager.replicas");
    }

    // -----------------------------------------------------------------------------------------
    // data_stays_on_volumes
    // -----------------------------------------------------------------------------------------

    #[test]
    fn store_without_a_volume_is_warned_about() {
        warns(
            "thanos: {store: {storage: {persistent: false}}}",
            "spec.thanos.store.storage.persistent",
            "is off: the Store gateway rebuilds its local data",
        );
    }

    #[test]
    fn compactor_without_a_volume_is_warned_about() {
        warns(
            "thanos: {compact: {storage: {persistent: false}}}",
            "spec.thanos.compact.storage.persistent",
            "is off: the Compactor rebuilds its local data",
        );
    }

    #[test]
    fn prometheus_without_a_volume_is_warned_about() {
        warns(
            "prometheus: {storage: {persistent: false}}",
            "spec.prometheus.storage.persistent",
            "blocks not yet uploaded are lost",
        );
    }

    #[test]
    fn persistent_volumes_pass() {
        let ds = all(&load_spec(
            "
            prometheus: {storage: {persistent: true}}
            thanos:
              store: {storage: {persistent: true}}
              compact: {storage: {persistent: true}}
            ",
        ));
        assert!(
            ds.iter().all(|d| !d
                .path
                .as_deref()
                .unwrap_or_default()
                .ends_with("persistent")),
            "{ds:#?}"
        );
    }
}
