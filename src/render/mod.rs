//! The render half of the pipeline: validated config → one part per component (its
//! objects, scrape jobs and NetworkPolicy) → kind templates → objects that passed the
//! round-trip check, in install order.

mod assets;
pub mod check;
mod components;
mod embedded;
pub mod extras;
pub mod formats;
pub mod gateway_api;
mod network;
mod object;
pub mod order;
mod part;
pub mod prerequisites;
mod recheck;
mod stack;
pub mod templates;
#[cfg(test)]
mod testing;
mod wiring;
mod workload;

use std::sync::LazyLock;

use minijinja::context;
use serde_json::Value as Json;

use crate::config::MonitoringStack;
use part::Job;
use stack::Stack;
use templates::Templates;

pub use embedded::{BuiltInNames, built_in_alert_names, grafana_variables_to_promql};
pub use object::{Object, RenderError};
pub use recheck::recheck;
pub use stack::is_tooling_annotation;

static TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::new);

/// Renders every object of the stack, each checked, sorted in install order.
pub fn render(config: &MonitoringStack) -> Result<Vec<Object>, RenderError> {
    render_with(&TEMPLATES, config)
}

fn render_with(
    templates: &Templates,
    config: &MonitoringStack,
) -> Result<Vec<Object>, RenderError> {
    let stack = Stack::new(config, templates);
    let mut parts = components::parts(&stack)?;
    parts.push(network::objects(&stack, &parts));
    // Each object renders and checks on its own, so they spread over the cores (or stay on
    // this one, inside a fleet's worker).
    let jobs: Vec<(&Job, &'static str)> = parts
        .iter()
        .flat_map(|part| part.jobs.iter().map(move |job| (job, part.name)))
        .collect();
    let mut objects = crate::parallel::try_map(jobs, |(job, part)| {
        let vars = context! { namespace => stack.namespace, ..job.vars.clone() };
        let mut written = templates.render(job.template, &vars)?;
        stack.stamp(&mut written);
        check_object(job.template, &written, part, job.config.clone())
    })?;
    objects.sort_by(|a, b| {
        (order::rank(a.kind()), a.namespace(), a.name(), a.kind()).cmp(&(
            order::rank(b.kind()),
            b.namespace(),
            b.name(),
            b.kind(),
        ))
    });
    if let Some(pair) = objects.windows(2).find(|w| {
        w[0].kind() == w[1].kind()
            && w[0].namespace() == w[1].namespace()
            && w[0].name() == w[1].name()
    }) {
        return Err(RenderError::new(
            &pair[1].template,
            format!(
                "{} `{}` is also rendered by `{}`",
                pair[1].kind(),
                pair[1].name(),
                pair[0].template
            ),
        ));
    }
    wiring::check(
        &objects,
        &wiring::Cluster::of(stack.spec),
        &prerequisites::of(stack.spec),
    )?;
    Ok(objects)
}

/// What the user's extras would break in the stack `config` renders, for validation to
/// report; nothing when the config has none. The config must have passed every other rule.
/// Names stackgen already uses are found while building the pods; anything else (a flag
/// naming a file on no volume, say) by the checks of a whole render, which are then run
/// without each section of extras in turn to tell which broke it.
pub fn extras_findings(config: &MonitoringStack) -> Vec<extras::Finding> {
    let sections: Vec<&str> = config
        .spec
        .extras()
        .into_iter()
        .filter(|(_, e)| !e.is_empty())
        .map(|(path, _)| path)
        .collect();
    if sections.is_empty() {
        return Vec::new();
    }
    let stack = Stack::new(config, &TEMPLATES);
    let Ok(parts) = components::parts(&stack) else {
        // The render fails the same way and reports it.
        return Vec::new();
    };
    // A component with several workloads (one per bucket, per shard) finds the same ones
    // in each.
    let mut found: Vec<extras::Finding> = Vec::new();
    for finding in parts.into_iter().flat_map(|p| p.findings) {
        if !found.contains(&finding) {
            found.push(finding);
        }
    }
    if !found.is_empty() {
        return found;
    }
    let Err(error) = render(config) else {
        return Vec::new();
    };
    // The config without the section at `path` (a config path of plain keys) still renders.
    let without = |path: &str| {
        let mut json = serde_json::to_value(config).unwrap_or_default();
        let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
        if let Some(parent) = json
            .pointer_mut(&format!("/{}", parent.replace('.', "/")))
            .and_then(Json::as_object_mut)
        {
            parent.remove(key);
        }
        serde_json::from_value::<MonitoringStack>(json).is_ok_and(|other| render(&other).is_ok())
    };
    let culprits: Vec<&str> = sections.iter().copied().filter(|p| without(p)).collect();
    let culprits = if culprits.is_empty() {
        sections
    } else {
        culprits
    };
    culprits
        .into_iter()
        .map(|path| extras::Finding {
            path: path.to_owned(),
            message: format!("breaks the rendered stack: {}", error.message),
            help: "every file a flag names must lie on a mounted volume, every mount must name a volume, and every port dialled must be served".to_owned(),
        })
        .collect()
}

/// Runs the round-trip check on one rendered template.
fn check_object(
    template: &str,
    written: &Json,
    part: &'static str,
    config: Option<Vec<Json>>,
) -> Result<Object, RenderError> {
    let value = check::round_trip(written).map_err(|m| RenderError::new(template, m))?;
    Ok(Object::new(template, value, part, config))
}

#[cfg(test)]
mod runtime_tests;

#[cfg(test)]
mod tests {
    use super::*;

    /// A misspelt field in a real template must fail the render, naming template and field.
    #[test]
    fn a_misspelt_field_in_a_template_fails_the_round_trip() {
        let name = "kinds/deployment.yaml.j2";
        let source = include_str!("../../templates/kinds/deployment.yaml.j2");
        assert!(source.contains("\n  replicas:"));
        let mut templates = Templates::new();
        templates.replace(name, source.replace("\n  replicas:", "\n  replicsa:"));
        let err = render_with(&templates, &MonitoringStack::default()).unwrap_err();
        assert_eq!(err.template, name);
        assert!(err.message.contains("spec.replicsa"), "{err}");
    }

    /// The wiring check reads what a component built its config files from; that must be
    /// what the files' text says.
    #[test]
    fn the_config_data_the_wiring_check_reads_is_the_text_that_ships() {
        let objects = render(&MonitoringStack::default()).unwrap();
        let mut compared = 0;
        for o in &objects {
            let Some(parsed) = o.config.as_ref().filter(|p| !p.is_empty()) else {
                continue;
            };
            let texts: Vec<Json> = o.value["data"]
                .as_object()
                .unwrap()
                .values()
                .map(|t| serde_saphyr::from_str(t.as_str().unwrap()).unwrap())
                .collect();
            assert_eq!(&texts, parsed, "{}", o.name());
            compared += 1;
        }
        assert!(compared >= 4, "{compared}");
    }

    /// Every embedded template is rendered by some config: the default, or the default with
    /// NetworkPolicies and `filesystem` storage switched on, or exposed through Gateway API
    /// with the Store API.
    #[test]
    fn every_template_is_used_by_the_default_or_a_switch() {
        let mut switched = MonitoringStack::default();
        switched.spec.network_policies.enabled = true;
        switched.spec.object_storage.provider = crate::config::model::Provider::Filesystem;
        let routed = testing::config(
            "ingress: {kind: gatewayAPI, gateway: {name: public}}\nstoreApi: {expose: ingress, tls: {mode: plaintext, secretName: s}}",
        );
        let mut used = std::collections::BTreeSet::new();
        for config in [MonitoringStack::default(), switched, routed] {
            let stack = Stack::new(&config, &TEMPLATES);
            let mut parts = components::parts(&stack).unwrap();
            parts.push(network::objects(&stack, &parts));
            used.extend(parts.iter().flat_map(|p| p.jobs.iter().map(|j| j.template)));
        }
        // Configs the components render into ConfigMaps, not objects of their own.
        let configs = [
            "prometheus/prometheus.yaml.tmpl.j2",
            "alertmanager/alertmanager.yaml.j2",
            "grafana/datasources.yaml.j2",
            "grafana/dashboard-provider.yaml.j2",
        ];
        for name in TEMPLATES.names() {
            assert!(
                used.contains(name.as_str()) || configs.contains(&name.as_str()),
                "template {name} is never rendered"
            );
        }
    }

    #[test]
    fn switching_a_component_off_drops_what_depends_on_it() {
        let mut config = MonitoringStack::default();
        config.spec.ingress.basic_auth_secret = Some("auth".parse().unwrap());
        config.spec.alertmanager.enabled = false;
        config.spec.grafana.enabled = false;
        config.spec.thanos.ruler.enabled = false;
        let objects = render(&config).unwrap();
        let names: Vec<String> = objects
            .iter()
            .map(|o| format!("{}/{}", o.kind(), o.name()))
            .collect();
        assert!(
            !names.iter().any(|n| n.contains("alertmanager")
                || n.contains("grafana")
                || n.contains("ruler")),
            "{names:?}"
        );
        let query = objects
            .iter()
            .find(|o| o.kind() == "Deployment" && o.name() == "thanos-querier")
            .unwrap();
        let args = query
            .value
            .pointer("/spec/template/spec/containers/0/args")
            .unwrap()
            .to_string();
        assert!(!args.contains("rule_replica"), "{args}");
        let prom = objects
            .iter()
            .find(|o| o.name() == "prometheus-config")
            .unwrap();
        assert!(!prom.value.to_string().contains("alertmanagers"));
        let ingress = objects
            .iter()
            .find(|o| o.kind() == "Ingress")
            .unwrap()
            .value
            .to_string();
        assert!(
            !ingress.contains("grafana.example.com")
                && !ingress.contains("alertmanager.example.com")
        );
    }
}

#[cfg(test)]
mod escaping_tests {
    use super::*;

    /// Config strings reach the output only through the JSON escaping of the templates: a
    /// value that looks like YAML structure stays one string, byte for byte.
    #[test]
    fn config_strings_cannot_inject_keys() {
        let hostile = "x\"\nkind: Secret\n  injected: {a: b}\n# c: 'd' ${e} {{ f }}";
        let mut config = MonitoringStack::default();
        config.spec.cluster = hostile.to_owned();
        config
            .spec
            .external_labels
            .insert("team".parse().unwrap(), hostile.to_owned());
        config.spec.alertmanager.route.receiver = "default".to_owned();
        let objects = render(&config).unwrap();
        let prom = objects
            .iter()
            .find(|o| o.name() == "prometheus-config")
            .unwrap();
        let text = prom.value["data"]["prometheus.yaml.tmpl"].as_str().unwrap();
        let parsed: Json = serde_saphyr::from_str(text).unwrap();
        assert_eq!(parsed["global"]["external_labels"]["cluster"], hostile);
        assert_eq!(parsed["global"]["external_labels"]["team"], hostile);
        assert!(parsed.get("kind").is_none() && parsed["global"].get("injected").is_none());
        let ruler = objects
            .iter()
            .find(|o| o.kind() == "StatefulSet" && o.name() == "thanos-ruler")
            .unwrap();
        let args: Vec<&str> = ruler
            .value
            .pointer("/spec/template/spec/containers/0/args")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let expected = format!(
            "--label=ruler_cluster={}",
            serde_json::to_string(hostile).unwrap()
        );
        assert!(args.contains(&expected.as_str()), "{args:?}");
        // And the emitted stream reads back as the same objects.
        let stream = crate::output::yaml_stream(&objects);
        let reread: Vec<Json> = serde_saphyr::from_multiple(&stream).unwrap();
        assert_eq!(reread.len(), objects.len());
        assert_eq!(
            reread
                .iter()
                .zip(&objects)
                .filter(|(r, o)| **r != o.value)
                .count(),
            0
        );
    }
}

#[cfg(test)]
mod hardening_tests {
    use super::*;
    use crate::config::{Inputs, load, profiles};

    fn every_profile() -> Vec<(String, Vec<Object>)> {
        let mut sets = vec![(String::from("default"), Vec::new())];
        sets.extend(
            profiles::all()
                .iter()
                .map(|p| (p.name.to_owned(), vec![p.name.to_owned()])),
        );
        sets.into_iter()
            .map(|(name, profiles)| {
                let loaded = load(&Inputs {
                    profiles,
                    ..Inputs::default()
                })
                .unwrap();
                (name, render(&loaded.config).unwrap())
            })
            .collect()
    }

    fn pod_spec(o: &Object) -> Option<&Json> {
        matches!(o.kind(), "Deployment" | "StatefulSet" | "DaemonSet")
            .then(|| &o.value["spec"]["template"]["spec"])
    }

    /// Every object carries the recommended labels; selectors use name and instance only.
    #[test]
    fn every_object_is_labelled_and_selectors_never_carry_the_version() {
        for (set, objects) in every_profile() {
            for o in &objects {
                let labels = &o.value["metadata"]["labels"];
                for key in [
                    "app.kubernetes.io/instance",
                    "app.kubernetes.io/managed-by",
                    "app.kubernetes.io/part-of",
                ] {
                    assert!(
                        labels.get(key).is_some(),
                        "{set}: {} {} lacks {key}",
                        o.kind(),
                        o.name()
                    );
                }
                if let Some(selector) = o.value.pointer("/spec/selector/matchLabels") {
                    let keys: Vec<&String> = selector.as_object().unwrap().keys().collect();
                    assert_eq!(
                        keys,
                        ["app.kubernetes.io/instance", "app.kubernetes.io/name"],
                        "{set}: {}",
                        o.name()
                    );
                }
            }
        }
    }

    /// Restricted pods: non-root with a fixed uid, seccomp, and per container a read-only
    /// root, no escalation, no capabilities, probes, requests and a memory limit.
    #[test]
    fn every_container_is_restricted_probed_and_sized() {
        for (set, objects) in every_profile() {
            for o in &objects {
                let Some(pod) = pod_spec(o) else { continue };
                let name = format!("{set}: {} {}", o.kind(), o.name());
                let psc = &pod["securityContext"];
                assert_eq!(psc["runAsNonRoot"], true, "{name}");
                assert!(
                    psc["runAsUser"].as_i64().is_some_and(|u| u >= 10000),
                    "{name}"
                );
                assert_eq!(psc["seccompProfile"]["type"], "RuntimeDefault", "{name}");
                assert!(pod["automountServiceAccountToken"].is_boolean(), "{name}");
                let init = pod["initContainers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for c in pod["containers"].as_array().unwrap().iter().chain(&init) {
                    let sc = &c["securityContext"];
                    assert_eq!(sc["readOnlyRootFilesystem"], true, "{name}");
                    assert_eq!(sc["allowPrivilegeEscalation"], false, "{name}");
                    assert_eq!(
                        sc["capabilities"]["drop"],
                        serde_json::json!(["ALL"]),
                        "{name}"
                    );
                    assert!(
                        c["livenessProbe"].is_object() && c["readinessProbe"].is_object(),
                        "{name}"
                    );
                    assert!(c["resources"]["requests"]["cpu"].is_string(), "{name}");
                    assert!(c["resources"]["limits"]["memory"].is_string(), "{name}");
                }
            }
        }
    }

    /// Replicated components spread over nodes and get a disruption budget.
    #[test]
    fn every_replicated_component_spreads_and_has_a_budget() {
        for (set, objects) in every_profile() {
            for o in objects
                .iter()
                .filter(|o| o.value["spec"]["replicas"].as_i64().is_some_and(|r| r > 1))
            {
                let Some(pod) = pod_spec(o) else { continue };
                let keys: Vec<&str> = pod["topologySpreadConstraints"]
                    .as_array()
                    .map(|c| c.iter().filter_map(|t| t["topologyKey"].as_str()).collect())
                    .unwrap_or_default();
                assert!(
                    keys.contains(&"kubernetes.io/hostname"),
                    "{set}: {} does not spread over nodes",
                    o.name()
                );
                let budget = objects
                    .iter()
                    .any(|p| p.kind() == "PodDisruptionBudget" && p.name() == o.name());
                assert!(budget, "{set}: {} has no PodDisruptionBudget", o.name());
            }
        }
    }

    const POD_SETTINGS: &str = "
apiVersion: stackgen.dev/v1alpha1
kind: MonitoringStack
spec:
  defaults:
    pod:
      nodeSelector: {example.com/pool: monitoring}
      tolerations: [{key: dedicated, operator: Equal, value: monitoring, effect: NoSchedule}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{matchExpressions: [{key: example.com/arch, operator: In, values: [amd64]}]}]
      priorityClassName: monitoring
      imagePullSecrets: [mirror-pull]
      podLabels: {example.com/team: platform}
      podAnnotations: {example.com/owner: platform}
      topologySpreadConstraints: [{maxSkew: 2, topologyKey: example.com/rack, whenUnsatisfiable: ScheduleAnyway}]
  grafana:
    pod:
      nodeSelector: {example.com/pool: ui}
      tolerations: []
";

    fn with_settings(
        profiles: Vec<String>,
        documents: Vec<crate::config::Document>,
    ) -> Vec<Object> {
        let loaded = load(&Inputs {
            profiles,
            documents,
            ..Inputs::default()
        })
        .unwrap();
        render(&loaded.config).unwrap()
    }

    /// Every workload of every profile gets the pod settings on top of stackgen's own, and
    /// no selector changes.
    #[test]
    fn every_pod_gets_the_pod_settings_and_selectors_stay() {
        let settings = || crate::config::Document {
            name: "pods.yaml".to_owned(),
            text: POD_SETTINGS.to_owned(),
        };
        let mut runs: Vec<(String, Vec<Object>, Vec<Object>)> = every_profile()
            .into_iter()
            .map(|(set, plain)| {
                let profiles = if set == "default" {
                    vec![]
                } else {
                    vec![set.clone()]
                };
                let placed = with_settings(profiles, vec![settings()]);
                (set, plain, placed)
            })
            .collect();
        // The profiles run no memcached; the large example does.
        let large = crate::config::Document {
            name: "large.yaml".to_owned(),
            text: include_str!("../../examples/large.yaml").to_owned(),
        };
        runs.push((
            "large".to_owned(),
            with_settings(vec![], vec![large.clone()]),
            with_settings(vec![], vec![large, settings()]),
        ));
        let mut seen = std::collections::BTreeSet::new();
        for (set, plain, placed) in runs {
            assert_eq!(placed.len(), plain.len(), "{set}");
            for (o, before) in placed.iter().zip(&plain) {
                assert_eq!(o.name(), before.name(), "{set}");
                for pointer in ["/spec/selector", "/spec/podSelector"] {
                    assert_eq!(
                        o.value.pointer(pointer),
                        before.value.pointer(pointer),
                        "{set}: {}",
                        o.name()
                    );
                }
                let Some(pod) = pod_spec(o) else { continue };
                let name = format!("{set}: {} {}", o.kind(), o.name());
                seen.insert(o.name().to_owned());
                let meta = &o.value["spec"]["template"]["metadata"];
                assert_eq!(meta["labels"]["example.com/team"], "platform", "{name}");
                assert_eq!(
                    meta["annotations"]["example.com/owner"], "platform",
                    "{name}"
                );
                assert_eq!(pod["priorityClassName"], "monitoring", "{name}");
                assert_eq!(
                    pod["imagePullSecrets"],
                    serde_json::json!([{"name": "mirror-pull"}]),
                    "{name}"
                );
                assert!(pod["affinity"]["nodeAffinity"].is_object(), "{name}");
                let spread = pod["topologySpreadConstraints"].as_array().unwrap();
                assert_eq!(
                    spread.last().unwrap()["topologyKey"],
                    "example.com/rack",
                    "{name}"
                );
                let own = before_spread(before);
                assert_eq!(&spread[..spread.len() - 1], own.as_slice(), "{name}");
                let tolerations = pod["tolerations"].as_array().cloned().unwrap_or_default();
                if o.name() == "grafana" {
                    assert_eq!(pod["nodeSelector"]["example.com/pool"], "ui", "{name}");
                    assert!(tolerations.is_empty(), "{name}");
                } else {
                    assert_eq!(
                        pod["nodeSelector"]["example.com/pool"], "monitoring",
                        "{name}"
                    );
                    assert!(
                        tolerations.iter().any(|t| t["key"] == "dedicated"),
                        "{name}"
                    );
                }
                // stackgen's own pod labels and annotations stay.
                let before_meta = &before.value["spec"]["template"]["metadata"];
                for field in ["labels", "annotations"] {
                    for (k, v) in before_meta[field].as_object().into_iter().flatten() {
                        assert_eq!(&meta[field][k], v, "{name}");
                    }
                }
            }
        }
        for component in [
            "prometheus",
            "thanos-querier",
            "thanos-query-frontend",
            "thanos-store-gateway",
            "thanos-compactor",
            "thanos-ruler",
            "alertmanager",
            "grafana",
            "kube-state-metrics",
            "node-exporter",
            "memcached",
        ] {
            assert!(
                seen.iter().any(|n| n.starts_with(component)),
                "no profile renders {component}: {seen:?}"
            );
        }
    }

    fn before_spread(o: &Object) -> Vec<Json> {
        pod_spec(o)
            .and_then(|p| p["topologySpreadConstraints"].as_array().cloned())
            .unwrap_or_default()
    }

    #[test]
    fn spreading_over_zones_keeps_spreading_over_nodes() {
        let loaded = load(&Inputs {
            profiles: vec!["gke".to_owned()],
            ..Inputs::default()
        })
        .unwrap();
        let objects = render(&loaded.config).unwrap();
        let prometheus = objects
            .iter()
            .find(|o| o.kind() == "StatefulSet" && o.name() == "prometheus")
            .unwrap();
        let keys: Vec<&str> =
            prometheus.value["spec"]["template"]["spec"]["topologySpreadConstraints"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|t| t["topologyKey"].as_str())
                .collect();
        assert_eq!(
            keys,
            ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
        );
    }
}
