//! What every embedded config (Prometheus, rules, Alertmanager, Grafana provisioning and
//! dashboards) goes through before it ships: rendered, parsed back into a typed model of its
//! own format (unknown fields refused), checked, re-emitted canonically and checksummed.
//! The component that owns a config calls these.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::RenderError;
use super::assets::Rules;
use super::formats::RuleFileDoc;
use super::templates::Templates;
use crate::config::model::{BuiltInAlerts, Rule, RuleFile};
use crate::config::types::LabelName;
use crate::yaml;

/// A rendered config file: read into its format (for checks), its data, and the canonical
/// text that ships, which is `yaml::json_to_string(&data)`.
pub struct Checked<T> {
    pub parsed: T,
    pub data: Json,
    pub text: String,
}

/// Renders the config template `template` and reads it into its format `T`.
pub fn render_checked<T: DeserializeOwned>(
    templates: &Templates,
    template: &str,
    vars: &impl serde::Serialize,
) -> Result<Checked<T>, RenderError> {
    let written = templates.render(template, vars)?;
    let parsed = T::deserialize(&written).map_err(|e| {
        RenderError::new(
            template,
            format!("rendered config does not fit its format: {e}"),
        )
    })?;
    Ok(Checked {
        parsed,
        text: yaml::json_to_string(&written),
        data: written,
    })
}

/// SHA-256 over a ConfigMap's data, in key order.
pub fn checksum(data: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in data {
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Our own rules file plus the user's. Only the built-in groups `keep` names ship: those
/// watching a component switched off would fire for ever or never; and of them only the
/// rules `keep_rule` keeps (a shard leaves out those needing every target). No PromQL is
/// parsed here: the user's was parsed by validation, and ours is stackgen's own text, which
/// the test suite parses (`every_built_in_rule_parses`), promtool checks and tests.
pub fn rule_files(
    rules: &Rules,
    keep: impl Fn(&str) -> bool,
    keep_rule: impl Fn(&Rule) -> bool,
    tuning: &BuiltInAlerts,
    user: &[RuleFile],
) -> Result<BTreeMap<String, String>, RenderError> {
    let mut ours: RuleFileDoc = serde_json::from_str(rules.json).map_err(|e| {
        RenderError::new(
            rules.name,
            format!("does not fit the rule file format: {e}"),
        )
    })?;
    ours.groups.retain(|g| keep(&g.name));
    for group in &mut ours.groups {
        group.rules.retain(&keep_rule);
    }
    tune(&mut ours, tuning);
    let mut data = BTreeMap::from([(rules.name.to_owned(), yaml::to_string(&ours))]);
    for file in user {
        data.insert(
            file.name.clone(),
            yaml::to_string(&RuleFileDoc {
                groups: file.groups.clone(),
            }),
        );
    }
    Ok(data)
}

/// The user's `builtInAlerts` applied: disabled alerts and groups left out (and a group left
/// empty with them), overrides written over the alerts they name, a group's first and then
/// the alert's own, so the alert's wins.
fn tune(doc: &mut RuleFileDoc, tuning: &BuiltInAlerts) {
    if tuning.is_empty() {
        return;
    }
    let named = |name: &str| tuning.disabled.iter().any(|d| d == name);
    for group in &mut doc.groups {
        if named(&group.name) {
            group.rules.clear();
        }
        group
            .rules
            .retain(|rule| !rule.alert.as_deref().is_some_and(named));
        for rule in &mut group.rules {
            let Some(alert) = rule.alert.clone() else {
                continue;
            };
            for key in [&group.name, &alert] {
                let Some(o) = tuning.overrides.get(key) else {
                    continue;
                };
                if let Some(for_) = &o.for_ {
                    rule.for_ = Some(for_.clone());
                }
                if let Some(severity) = o.severity {
                    rule.labels
                        .insert(LabelName::lit("severity"), severity.as_str().to_owned());
                }
                rule.labels
                    .extend(o.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
    }
    doc.groups.retain(|g| !g.rules.is_empty());
}

/// Every group and alert of the built-in rule files, Prometheus's and the Ruler's: the names
/// `builtInAlerts` may use, with each alert's group.
pub fn built_in_alert_names() -> &'static BuiltInNames {
    static NAMES: LazyLock<BuiltInNames> = LazyLock::new(|| {
        let mut names = BuiltInNames::default();
        for rules in [&super::assets::STACK_RULES, &super::assets::GLOBAL_RULES] {
            let Ok(doc) = serde_json::from_str::<RuleFileDoc>(rules.json) else {
                continue;
            };
            for group in doc.groups {
                for rule in &group.rules {
                    if let Some(alert) = &rule.alert {
                        names.alerts.insert(alert.clone(), group.name.clone());
                    }
                }
                names.groups.insert(group.name);
            }
        }
        names
    });
    &NAMES
}

/// See [`built_in_alert_names`].
#[derive(Debug, Default)]
pub struct BuiltInNames {
    pub groups: std::collections::BTreeSet<String>,
    /// Alert name to its group.
    pub alerts: BTreeMap<String, String>,
}

/// Grafana substitutes these before the query reaches Thanos; stand-ins make it parseable.
/// A dashboard query with Grafana's variables (`$cluster`, `$__rate_interval`, a user's
/// own) given stand-ins that fit where they stand, so it parses as PromQL.
pub fn grafana_variables_to_promql(expr: &str) -> String {
    crate::config::validate::dashboards::concrete(expr)
}

/// The built-in dashboards are data of stackgen's, the same on every run: the test suite
/// checks them (here, and as rendered by every profile in the checkers tests) so a render
/// need not.
#[cfg(test)]
mod dashboard_tests {
    use crate::config::model::{BUILT_IN_UID_PREFIX, Dashboard};
    use crate::config::validate::dashboards;
    use crate::render::assets;

    /// The built-in dashboards pass the checks every user dashboard passes.
    #[test]
    fn every_built_in_dashboard_uses_the_datasource_and_parses() {
        let mut uids = Vec::new();
        for d in [Dashboard::Cluster, Dashboard::Nodes, Dashboard::Thanos] {
            // A new dashboard must be added to the list above.
            match d {
                Dashboard::Cluster | Dashboard::Nodes | Dashboard::Thanos => {}
            }
            let (file, text) = assets::dashboard(d);
            let checked = dashboards::check(text);
            assert!(
                checked.problems.is_empty(),
                "{file}: {:?}",
                checked.problems
            );
            let uid = checked.uid.expect("a uid");
            assert!(uid.starts_with(BUILT_IN_UID_PREFIX), "{file}: {uid}");
            uids.push(uid);
        }
        uids.sort();
        uids.dedup();
        assert_eq!(uids.len(), 3);
    }

    /// The Thanos dashboard selects the jobs the stack's scrape config gives the Thanos
    /// components, and nothing else.
    #[test]
    fn the_thanos_dashboard_reads_the_stacks_own_jobs() {
        let (_, text) = assets::dashboard(Dashboard::Thanos);
        let jobs = [
            r#"job=~\"thanos-query|thanos-query-global\""#,
            r#"job=~\"thanos-store-gateway.*\""#,
            r#"job=~\"thanos-compactor.*\""#,
            r#"job=\"thanos-sidecar\""#,
            r#"job=\"thanos-ruler\""#,
        ];
        for job in jobs {
            assert!(text.contains(job), "{job}");
        }
        let all = text.matches("job=").count();
        let known: usize = jobs.iter().map(|j| text.matches(j).count()).sum();
        assert_eq!(
            all, known,
            "a query selects a job the stack does not scrape"
        );
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use crate::render::assets;

    fn parse_checked<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
        serde_saphyr::from_str(text).map_err(|e| format!("{name}: {e}"))
    }

    /// What ships is the YAML as written: the JSON `build.rs` made holds the same data.
    #[test]
    fn the_built_in_rules_ship_as_written() {
        for rules in [assets::STACK_RULES, assets::GLOBAL_RULES] {
            let written: Json = serde_saphyr::from_str(rules.source).unwrap();
            let built: Json = serde_json::from_str(rules.json).unwrap();
            assert_eq!(written, built, "{}", rules.name);
            let all =
                rule_files(&rules, |_| true, |_| true, &BuiltInAlerts::default(), &[]).unwrap();
            let doc: RuleFileDoc = parse_checked(rules.name, rules.source).unwrap();
            assert_eq!(all[rules.name], yaml::to_string(&doc));
        }
    }

    #[test]
    fn every_built_in_rule_parses() {
        for rules in [assets::STACK_RULES, assets::GLOBAL_RULES] {
            let name = rules.name;
            let doc: RuleFileDoc = parse_checked(name, rules.source).unwrap();
            let rules: Vec<_> = doc.groups.iter().flat_map(|g| &g.rules).collect();
            assert!(rules.len() > 3, "{name}");
            for rule in rules {
                if let Err(e) = promql_parser::parser::parse(&rule.expr) {
                    panic!(
                        "{name}: {:?}: `{}` does not parse: {e}",
                        rule.alert, rule.expr
                    );
                }
            }
        }
    }
}
