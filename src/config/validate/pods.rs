//! Pod settings (`spec.defaults.pod`, `spec.<component>.pod`): the user's labels, annotations
//! and node selectors are well-formed Kubernetes keys and values, and none takes a key stackgen
//! owns.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::Findings;
use crate::config::model::{PodSettings, Spec};

/// Label keys stackgen sets and selects pods by: a user's value would break the selectors.
const OWNED_LABEL_PREFIX: &str = "app.kubernetes.io/";
const STORE_API_LABEL: &str = "thanos-store-api";
/// Annotations stackgen computes to roll pods when their config changes.
const OWNED_ANNOTATION_PREFIX: &str = "checksum/";

/// Every pod settings section with its config path.
pub(super) fn sections(spec: &Spec) -> [(&'static str, &PodSettings); 12] {
    let t = &spec.thanos;
    [
        ("spec.defaults.pod", &spec.defaults.pod),
        ("spec.prometheus.pod", &spec.prometheus.pod),
        ("spec.thanos.query.pod", &t.query.pod),
        ("spec.thanos.queryFrontend.pod", &t.query_frontend.pod),
        ("spec.thanos.store.pod", &t.store.pod),
        ("spec.thanos.compact.pod", &t.compact.pod),
        ("spec.thanos.ruler.pod", &t.ruler.pod),
        ("spec.alertmanager.pod", &spec.alertmanager.pod),
        ("spec.grafana.pod", &spec.grafana.pod),
        ("spec.kubeStateMetrics.pod", &spec.kube_state_metrics.pod),
        ("spec.nodeExporter.pod", &spec.node_exporter.pod),
        ("spec.memcached.pod", &spec.memcached.pod),
    ]
}

pub(super) fn pod_settings_are_well_formed(spec: &Spec, f: &mut Findings) {
    for (path, pod) in sections(spec) {
        if let Some(labels) = &pod.pod_labels {
            for key in labels.keys() {
                if key.starts_with(OWNED_LABEL_PREFIX) || key == STORE_API_LABEL {
                    f.error(
                        &format!("{path}.podLabels.{key}"),
                        format!("`{key}` is a label stackgen sets"),
                        "stackgen selects its pods by `app.kubernetes.io/*` and `thanos-store-api`; choose a key outside them, such as `example.com/team`",
                    );
                }
            }
            keys_and_values(f, &format!("{path}.podLabels"), labels, true);
        }
        if let Some(selector) = &pod.node_selector {
            keys_and_values(f, &format!("{path}.nodeSelector"), selector, true);
        }
        if let Some(annotations) = &pod.pod_annotations {
            for key in annotations.keys() {
                if key.starts_with(OWNED_ANNOTATION_PREFIX) {
                    f.error(
                        &format!("{path}.podAnnotations.{key}"),
                        format!("`{key}` is an annotation stackgen sets"),
                        "stackgen writes `checksum/*` to roll pods when their config changes; choose another key",
                    );
                }
            }
            keys_and_values(f, &format!("{path}.podAnnotations"), annotations, false);
        }
    }
}

/// `ids: platform` leaves every id to the platform, so an id set beside it, in the same
/// section or in the defaults it merges over, would be dropped without a word.
pub(super) fn platform_ids_are_not_also_fixed(spec: &Spec, f: &mut Findings) {
    let [(defaults_path, defaults), components @ ..] = sections(spec);
    let mut reported = std::collections::BTreeSet::new();
    for (path, pod) in components {
        let merged = defaults.overridden_by(pod);
        let Some(security) = merged.security_context.filter(|s| s.platform_ids()) else {
            continue;
        };
        let own = pod.security_context.clone().unwrap_or_default();
        let ids = [
            ("runAsUser", security.run_as_user, own.run_as_user),
            ("runAsGroup", security.run_as_group, own.run_as_group),
            ("fsGroup", security.fs_group, own.fs_group),
        ];
        for (field, merged, own) in ids {
            if merged.is_none() {
                continue;
            }
            let at = if own.is_some() { path } else { defaults_path };
            let at = format!("{at}.securityContext.{field}");
            if reported.insert(at.clone()) {
                f.error(
                    &at,
                    format!("is set, but `ids: platform` leaves the ids of {path}'s pods to the platform"),
                    "remove it for the platform to assign the ids (OpenShift's restricted-v2), or set `ids: stackgen` in the same section",
                );
            }
        }
    }
}

/// Kubernetes' rules for label (and annotation) keys, and for label values.
pub(super) fn keys_and_values(
    f: &mut Findings,
    path: &str,
    map: &BTreeMap<String, String>,
    values_are_labels: bool,
) {
    for (key, value) in map {
        if let Some(why) = key_problem(key) {
            f.error(
                &format!("{path}.{key}"),
                format!("`{key}` is not a valid key: {why}"),
                "a key is an optional DNS-subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
            );
        }
        if values_are_labels && !is_label_value(value) {
            f.error(
                &format!("{path}.{key}"),
                format!("`{value}` is not a valid label value"),
                "a label value is at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit (or empty)",
            );
        }
    }
}

fn key_problem(key: &str) -> Option<&'static str> {
    static NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$").unwrap());
    static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").unwrap()
    });
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && (p.len() > 253 || !PREFIX.is_match(p))
    {
        return Some("the prefix is not a DNS subdomain");
    }
    if name.len() > 63 || !NAME.is_match(name) {
        return Some("the name part is malformed");
    }
    None
}

fn is_label_value(v: &str) -> bool {
    v.is_empty() || (v.len() <= 63 && key_problem(v).is_none() && !v.contains('/'))
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, load_spec};
    use crate::diagnostic::Severity;

    #[test]
    fn stackgen_owned_pod_labels_are_refused() {
        let ds = diagnostics(
            "
            defaults: {pod: {podLabels: {app.kubernetes.io/name: mine}}}
            grafana: {pod: {podLabels: {thanos-store-api: 'true'}}}
            ",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.defaults.pod.podLabels.app.kubernetes.io/name",
            "is a label stackgen sets",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.grafana.pod.podLabels.thanos-store-api",
            "is a label stackgen sets",
        );
    }

    #[test]
    fn platform_ids_beside_fixed_ids_are_refused_where_they_are_set() {
        let ds = diagnostics(
            "
            defaults: {pod: {securityContext: {ids: platform, fsGroup: 2000}}}
            grafana: {pod: {securityContext: {runAsUser: 472}}}
            memcached: {pod: {securityContext: {ids: stackgen, runAsUser: 11211}}}
            ",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.grafana.pod.securityContext.runAsUser",
            "`ids: platform` leaves the ids of spec.grafana.pod's pods to the platform",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.defaults.pod.securityContext.fsGroup",
            "`ids: platform`",
        );
        assert!(
            !ds.iter().any(|d| d
                .path
                .as_deref()
                .is_some_and(|p| p.starts_with("spec.memcached"))),
            "{ds:#?}"
        );
    }

    #[test]
    fn root_ids_are_refused() {
        let ds = diagnostics("prometheus: {pod: {securityContext: {runAsUser: 0}}}");
        expect(
            &ds,
            Severity::Error,
            "spec.prometheus.pod.securityContext.runAsUser",
            "",
        );
    }

    #[test]
    fn checksum_annotations_and_malformed_keys_are_refused() {
        let ds = diagnostics(
            "
            alertmanager: {pod: {podAnnotations: {checksum/config: x}}}
            thanos: {store: {pod: {nodeSelector: {'bad key': x, pool: 'not/valid'}}}}
            ",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.alertmanager.pod.podAnnotations.checksum/config",
            "an annotation stackgen sets",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.thanos.store.pod.nodeSelector.bad key",
            "is not a valid key",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.thanos.store.pod.nodeSelector.pool",
            "is not a valid label value",
        );
    }

    #[test]
    fn well_formed_pod_settings_are_accepted() {
        let loaded = load_spec(
            "
            defaults:
              pod:
                nodeSelector: {node-role.example.com/monitoring: ''}
                podLabels: {example.com/team: platform}
                podAnnotations: {example.com/owner: 'team platform'}
                tolerations: [{key: dedicated, operator: Equal, value: monitoring, effect: NoSchedule}]
                priorityClassName: monitoring-high
                imagePullSecrets: [mirror-pull]
            ",
        );
        assert!(loaded.is_ok(), "{:#?}", loaded.err().map(|r| r.diagnostics));
    }

    #[test]
    fn a_misspelt_toleration_key_is_refused_with_a_suggestion() {
        let ds =
            diagnostics("defaults: {pod: {tolerations: [{effect: NoSchedule, opertor: Exists}]}}");
        let d = expect(
            &ds,
            Severity::Error,
            "spec.defaults.pod.tolerations[0].opertor",
            "",
        );
        assert!(
            d.help.as_deref().unwrap_or("").contains("`operator`"),
            "{d:#?}"
        );
        let origin = format!("{:?}", d.origin);
        assert!(origin.contains("t.yaml"), "{origin}");
    }
}
