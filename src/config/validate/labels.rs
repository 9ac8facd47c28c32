//! External labels: every stream unique per cluster and replica, and every `$(VAR)` one the
//! sidecar can expand.

use std::sync::LazyLock;

use regex::Regex;

use super::Findings;
use crate::config::facts::POD_ENV;
use crate::config::model::Spec;

pub(super) fn labels_make_series_unique(spec: &Spec, f: &mut Findings) {
    if spec.cluster.trim().is_empty() {
        f.error(
            "spec.cluster",
            "is empty".to_owned(),
            "the `cluster` external label tells clusters apart in Thanos Query; name this cluster, such as `prod-eu1`",
        );
    }
    let replica = spec.replica_label.as_str();
    if spec.external_labels.keys().any(|k| k.as_str() == replica) {
        f.error(
            &format!("spec.externalLabels.{replica}"),
            format!("`{replica}` is the replica label, which each Prometheus sets to its pod name"),
            "remove it from `externalLabels`, or choose another `replicaLabel`",
        );
    }
    if spec.external_labels.keys().any(|k| k.as_str() == "cluster") {
        f.error(
            "spec.externalLabels.cluster",
            "`cluster` is set from `spec.cluster`".to_owned(),
            "remove it from `externalLabels` and set `spec.cluster` instead",
        );
    }
    for (path, label) in [
        ("spec.replicaLabel", replica),
        (
            "spec.thanos.ruler.replicaLabel",
            spec.thanos.ruler.replica_label.as_str(),
        ),
    ] {
        if label == "cluster" {
            f.error(
                path,
                "`cluster` cannot be a replica label".to_owned(),
                "Query drops replica labels to deduplicate; dropping `cluster` would merge every cluster's series",
            );
        }
    }
    for (name, value) in &spec.external_labels {
        if value.is_empty() {
            f.error(
                &format!("spec.externalLabels.{name}"),
                "is empty".to_owned(),
                "Prometheus drops labels with empty values, so the label would never be set; give it a value or remove it",
            );
        }
    }
    let ruler = &spec.thanos.ruler;
    if ruler.enabled {
        let ruler_replica = ruler.replica_label.as_str();
        if ruler
            .external_labels
            .keys()
            .any(|k| k.as_str() == ruler_replica)
        {
            f.error(
                &format!("spec.thanos.ruler.externalLabels.{ruler_replica}"),
                format!("`{ruler_replica}` is the Ruler's replica label, set to its pod name"),
                "remove it from the Ruler's `externalLabels`",
            );
        }
        let prometheus_labels = spec.prometheus_stream_labels();
        let ruler_labels = spec.ruler_stream_labels();
        if ruler_labels == prometheus_labels {
            f.error(
                "spec.thanos.ruler.externalLabels",
                "the Ruler's external labels equal Prometheus's, so their series would collide".to_owned(),
                "give the Ruler its own labels, such as `ruler_cluster: <cluster>` (the default when unset)",
            );
        }
    }
}

pub(super) fn sidecar_can_expand_variables(spec: &Spec, f: &mut Findings) {
    static VAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)").expect("valid"));
    let mut values: Vec<(String, &str)> = vec![("spec.cluster".to_owned(), spec.cluster.as_str())];
    values.extend(
        spec.external_labels
            .iter()
            .map(|(k, v)| (format!("spec.externalLabels.{k}"), v.as_str())),
    );
    for (path, value) in values {
        for capture in VAR.captures_iter(value) {
            let name = &capture[1];
            if !POD_ENV.iter().any(|(var, _)| *var == name) {
                f.error(
                    &path,
                    format!(
                        "`$({name})` is not in the sidecar's environment, so it would stay literal"
                    ),
                    format!(
                        "the sidecar expands only {}",
                        POD_ENV.map(|(v, _)| format!("`$({v})`")).join(" and ")
                    ),
                );
            }
        }
        if value.contains("${") {
            f.warn(
                &path,
                format!("`{value}` uses `${{…}}`, which the sidecar does not expand"),
                "only the `$(VAR)` form is expanded; write `$(POD_NAME)`",
            );
        }
    }
}

/// Names starting with `__` are Prometheus's own (`__name__`, `__address__` …): as a
/// replica label `__name__` would merge every metric; as external labels they are dropped.
pub(super) fn labels_are_not_reserved(spec: &Spec, f: &mut Findings) {
    let mut names: Vec<(String, &str)> = vec![
        ("spec.replicaLabel".to_owned(), spec.replica_label.as_str()),
        (
            "spec.thanos.ruler.replicaLabel".to_owned(),
            spec.thanos.ruler.replica_label.as_str(),
        ),
    ];
    names.extend(
        spec.external_labels
            .keys()
            .map(|k| (format!("spec.externalLabels.{k}"), k.as_str())),
    );
    names.extend(
        spec.thanos
            .ruler
            .external_labels
            .keys()
            .map(|k| (format!("spec.thanos.ruler.externalLabels.{k}"), k.as_str())),
    );
    for (path, name) in names {
        if name.starts_with("__") {
            f.error(
                &path,
                format!(
                    "`{name}` is reserved: Prometheus keeps names starting with `__` for itself"
                ),
                "choose a name without the leading `__`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{help_of, passes, position, rejects, warns};

    #[test]
    fn reserved_label_names_are_refused() {
        rejects("replicaLabel: __name__", "spec.replicaLabel", "is reserved");
        rejects(
            "externalLabels: {__region: eu}",
            "spec.externalLabels.__region",
            "is reserved",
        );
    }

    // -----------------------------------------------------------------------------------------
    // labels_make_series_unique
    // -----------------------------------------------------------------------------------------

    #[test]
    fn cluster_must_not_be_empty() {
        let d = rejects("cluster: ''", "spec.cluster", "is empty");
        assert_eq!(position(&d), (4, 12));
    }

    #[test]
    fn blank_cluster_is_empty_too() {
        rejects("cluster: '   '", "spec.cluster", "is empty");
    }

    #[test]
    fn named_cluster_passes() {
        let loaded = passes("cluster: prod-eu1", "spec.cluster");
        assert_eq!(loaded.config.spec.cluster, "prod-eu1");
    }

    #[test]
    fn replica_label_must_not_be_an_external_label() {
        let d = rejects(
            "externalLabels: {replica: a}",
            "spec.externalLabels.replica",
            "`replica` is the replica label",
        );
        assert_eq!(position(&d), (4, 29));
    }

    #[test]
    fn renamed_replica_label_must_not_be_an_external_label_either() {
        rejects(
            "{replicaLabel: prometheus_replica, externalLabels: {prometheus_replica: a}}",
            "spec.externalLabels.prometheus_replica",
            "is the replica label",
        );
    }

    #[test]
    fn other_external_labels_pass() {
        let loaded = passes(
            "externalLabels: {region: europe-west1, env: prod}",
            "spec.externalLabels.region",
        );
        assert_eq!(loaded.config.spec.external_labels.len(), 2);
    }

    #[test]
    fn cluster_must_not_be_an_external_label() {
        let d = rejects(
            "externalLabels: {cluster: a}",
            "spec.externalLabels.cluster",
            "`cluster` is set from `spec.cluster`",
        );
        assert!(help_of(&d).contains("set `spec.cluster` instead"));
    }

    #[test]
    fn cluster_cannot_be_the_replica_label() {
        rejects(
            "replicaLabel: cluster",
            "spec.replicaLabel",
            "`cluster` cannot be a replica label",
        );
    }

    #[test]
    fn cluster_cannot_be_the_ruler_replica_label() {
        rejects(
            "thanos: {ruler: {replicaLabel: cluster}}",
            "spec.thanos.ruler.replicaLabel",
            "`cluster` cannot be a replica label",
        );
    }

    #[test]
    fn other_replica_labels_pass() {
        passes(
            "{replicaLabel: prometheus_replica, thanos: {ruler: {replicaLabel: ruler_replica}}}",
            "spec.replicaLabel",
        );
    }

    #[test]
    fn external_label_values_must_not_be_empty() {
        rejects(
            "externalLabels: {region: ''}",
            "spec.externalLabels.region",
            "is empty",
        );
    }

    #[test]
    fn ruler_labels_must_differ_from_prometheus_labels() {
        let d = rejects(
            "
            cluster: eu1
            externalLabels: {region: west}
            thanos:
              ruler:
                externalLabels: {cluster: eu1, region: west}
            ",
            "spec.thanos.ruler.externalLabels",
            "the Ruler's external labels equal Prometheus's",
        );
        assert_eq!(position(&d).0, 8);
    }

    #[test]
    fn ruler_labels_of_their_own_pass() {
        passes(
            "
            cluster: eu1
            thanos:
              ruler:
                externalLabels: {ruler_cluster: eu1}
            ",
            "spec.thanos.ruler.externalLabels",
        );
    }

    #[test]
    fn disabled_ruler_labels_are_not_compared() {
        passes(
            "
            cluster: eu1
            thanos:
              ruler:
                enabled: false
                externalLabels: {cluster: eu1}
            ",
            "spec.thanos.ruler.externalLabels",
        );
    }

    #[test]
    fn ruler_replica_label_must_not_be_a_ruler_external_label() {
        rejects(
            "thanos: {ruler: {externalLabels: {ruler_cluster: a, rule_replica: x}}}",
            "spec.thanos.ruler.externalLabels.rule_replica",
            "`rule_replica` is the Ruler's replica label",
        );
    }

    #[test]
    fn ruler_external_labels_without_its_replica_label_pass() {
        passes(
            "thanos: {ruler: {externalLabels: {ruler_cluster: a}}}",
            "spec.thanos.ruler.externalLabels.rule_replica",
        );
    }

    // -----------------------------------------------------------------------------------------
    // sidecar_can_expand_variables
    // -----------------------------------------------------------------------------------------

    #[test]
    fn sidecar_variables_in_its_env_pass() {
        passes(
            "externalLabels: {pod: $(POD_NAME), ns: $(POD_NAMESPACE)}",
            "spec.externalLabels.pod",
        );
    }

    #[test]
    fn sidecar_variables_outside_its_env_are_refused() {
        let d = rejects(
            "externalLabels: {node: $(FOO)}",
            "spec.externalLabels.node",
            "`$(FOO)` is not in the sidecar's environment",
        );
        assert!(help_of(&d).contains("`$(POD_NAME)` and `$(POD_NAMESPACE)`"));
    }

    #[test]
    fn sidecar_variables_in_the_cluster_name_are_checked() {
        rejects(
            "cluster: eu-$(REGION)",
            "spec.cluster",
            "`$(REGION)` is not in the sidecar's environment",
        );
    }

    #[test]
    fn shell_style_variables_are_warned_about() {
        warns(
            "externalLabels: {pod: '${X}'}",
            "spec.externalLabels.pod",
            "uses `${…}`, which the sidecar does not expand",
        );
    }
}
