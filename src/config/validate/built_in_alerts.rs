//! `builtInAlerts`: every name is a built-in alert or group (with the likely one when it is
//! not), nothing is both turned off and tuned, and the severity is set where routes look.

use super::Findings;
use crate::config::model::BuiltInAlerts;
use crate::config::suggest::closest;

const BASE: &str = "spec.builtInAlerts";

pub(super) fn built_in_alerts_exist(tuning: &BuiltInAlerts, f: &mut Findings) {
    if tuning.is_empty() {
        return;
    }
    let names = crate::render::built_in_alert_names();
    let known = |name: &str| names.alerts.contains_key(name) || names.groups.contains(name);
    let mut unknown = |at: String, name: &str| {
        let candidates = names
            .alerts
            .keys()
            .chain(names.groups.iter())
            .map(String::as_str);
        let help = match closest(name, candidates) {
            Some(likely) => format!("did you mean `{likely}`?"),
            None => "name a built-in alert or group: `stackgen render` ships them in the `stack.rules.yaml` and `global.rules.yaml` ConfigMap keys".to_owned(),
        };
        f.error(
            &at,
            format!("`{name}` is neither a built-in alert nor a built-in group"),
            help,
        );
    };
    for (i, name) in tuning.disabled.iter().enumerate() {
        if !known(name) {
            unknown(format!("{BASE}.disabled[{i}]"), name);
        }
    }
    for name in tuning.overrides.keys() {
        if !known(name) {
            unknown(format!("{BASE}.overrides.{name}"), name);
        }
    }
    for (name, o) in &tuning.overrides {
        let at = format!("{BASE}.overrides.{name}");
        let group = names.alerts.get(name);
        if tuning
            .disabled
            .iter()
            .any(|d| d == name || Some(d) == group)
        {
            f.error(
                &at,
                format!("`{name}` is also disabled, so the override would change nothing"),
                "remove it from `disabled`, or drop the override",
            );
        }
        if o.labels.keys().any(|k| k.as_str() == "severity") {
            f.error(
                &format!("{at}.labels.severity"),
                "the severity is set by `severity`".to_owned(),
                "write `severity: critical` (or `warning`, `info`) beside `labels`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, load_spec};
    use crate::diagnostic::Severity;

    #[test]
    fn unknown_names_are_refused_with_the_likely_one() {
        let ds = diagnostics(
            "
            builtInAlerts:
              disabled: [NodeClockSkw, nodes]
              overrides:
                ThanosCompactHalt: {severity: warning}
                NodeMemoryLow: {labels: {severity: info}}
                NodeCPUSaturated: {for: 1h}
            ",
        );
        let d = expect(
            &ds,
            Severity::Error,
            "spec.builtInAlerts.disabled[0]",
            "`NodeClockSkw` is neither",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `NodeClockSkew`?"));
        let d = expect(
            &ds,
            Severity::Error,
            "spec.builtInAlerts.overrides.ThanosCompactHalt",
            "neither",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `ThanosCompactHalted`?")
        );
        expect(
            &ds,
            Severity::Error,
            "spec.builtInAlerts.overrides.NodeMemoryLow.labels.severity",
            "set by `severity`",
        );
        // `nodes` (the group) is disabled, so tuning one of its alerts is pointless.
        expect(
            &ds,
            Severity::Error,
            "spec.builtInAlerts.overrides.NodeCPUSaturated",
            "also disabled",
        );
    }

    #[test]
    fn alerts_and_groups_are_turned_off_and_tuned() {
        let loaded = load_spec(
            "
            builtInAlerts:
              disabled: [NodeClockSkew, kube-state-metrics, ClusterMetricsMissing]
              overrides:
                thanos: {labels: {team: observability}}
                ThanosCompactHalted: {for: 1h, severity: warning, labels: {team: storage}}
            ",
        )
        .expect("valid");
        let objects = crate::render::render(&loaded.config).expect("renders");
        let rules = |map: &str, key: &str| -> serde_json::Value {
            let o = objects
                .iter()
                .find(|o| o.kind() == "ConfigMap" && o.name() == map)
                .unwrap();
            serde_saphyr::from_str(o.value["data"][key].as_str().unwrap()).unwrap()
        };
        let stack = rules("prometheus-rules", "stack.rules.yaml");
        let text = stack.to_string();
        assert!(
            !text.contains("NodeClockSkew") && !text.contains("KubePodCrashLooping"),
            "{text}"
        );
        assert!(
            !text.contains("\"kube-state-metrics\""),
            "the emptied group goes too"
        );
        let alert = |name: &str| {
            stack["groups"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["rules"].as_array().unwrap())
                .find(|r| r["alert"] == name)
                .cloned()
                .unwrap()
        };
        let halted = alert("ThanosCompactHalted");
        assert_eq!(halted["for"], "1h");
        assert_eq!(halted["labels"]["severity"], "warning");
        assert_eq!(
            halted["labels"]["team"], "storage",
            "the alert's own entry wins"
        );
        assert_eq!(
            alert("ThanosCompactFailing")["labels"]["team"],
            "observability"
        );
        assert!(alert("NodeMemoryLow")["labels"].get("team").is_none());
        let global = rules("thanos-ruler-rules", "global.rules.yaml").to_string();
        assert!(!global.contains("ClusterMetricsMissing"), "{global}");
    }
}
