//! Prometheus shards: no more pods than the stack gives a Service and a host each, a shard
//! label that stays apart from every other label, and the rules each shard evaluates over
//! its share of the targets only. The number of shards itself (1 to 32) is bounded by the
//! schema.

use promql_parser::parser::{self, Expr};

use super::Findings;
use crate::config::facts::ALERTS_NEEDING_EVERY_TARGET;
use crate::config::model::{Rule, RuleFile, Spec};

/// As many Prometheus pods in all as replicas of one: each gets its own Service and host.
const MAX_PODS: u32 = 100;

pub(super) fn shards_split_the_targets(spec: &Spec, f: &mut Findings) {
    let p = &spec.prometheus;
    if !p.enabled || p.shards <= 1 {
        return;
    }
    let pods = p.shards.saturating_mul(p.replicas);
    if pods > MAX_PODS {
        f.error(
            "spec.prometheus.shards",
            format!(
                "{} shards of {} replicas are {pods} Prometheus pods, more than {MAX_PODS}",
                p.shards, p.replicas
            ),
            format!(
                "each pod gets its own Service and ingress host; keep `shards` × `replicas` at most {MAX_PODS}"
            ),
        );
    }
    shard_label_stays_apart(spec, f);
    built_in_alerts_have_a_home(spec, f);
    rules_see_one_share(spec, f);
}

/// The shard label tells streams apart: Query must keep it (so it is no replica label),
/// and nothing else may set it.
fn shard_label_stays_apart(spec: &Spec, f: &mut Findings) {
    let label = spec.prometheus.shard_label.as_str();
    let path = "spec.prometheus.shardLabel";
    let mut replica_labels = vec![(
        spec.replica_label.as_str(),
        "the replica label (`replicaLabel`)",
    )];
    if spec.thanos.ruler.enabled {
        replica_labels.push((
            spec.thanos.ruler.replica_label.as_str(),
            "the Ruler's replica label (`thanos.ruler.replicaLabel`)",
        ));
    }
    for (replica, what) in replica_labels {
        if label == replica {
            f.error(
                path,
                format!("`{label}` is {what}, which Query drops to deduplicate"),
                "the shards hold different series, which Query must keep apart: choose another name, such as `prometheus_shard`",
            );
            return;
        }
    }
    if label == "cluster" {
        f.error(
            path,
            "`cluster` is set from `spec.cluster`".to_owned(),
            "choose another name for the shard label, such as `prometheus_shard`",
        );
    } else if spec.external_labels.keys().any(|k| k.as_str() == label) {
        f.error(
            path,
            format!("`{label}` is also set in `externalLabels`"),
            "each shard sets the shard label to its number: remove it from `externalLabels`, or choose another name",
        );
    } else if label.starts_with("__") {
        f.error(
            path,
            format!("`{label}` is reserved: Prometheus keeps names starting with `__` for itself"),
            "choose a name without the leading `__`, such as `prometheus_shard`",
        );
    }
}

/// The built-in alerts that need every target are left off the shards: said once, unless
/// the Ruler evaluates alerts of those names over every shard; a warning when no Ruler runs.
fn built_in_alerts_have_a_home(spec: &Spec, f: &mut Findings) {
    let ruler = &spec.thanos.ruler;
    let in_ruler = |alert: &str| {
        ruler.enabled
            && ruler
                .rule_files
                .iter()
                .flat_map(|file| &file.groups)
                .flat_map(|group| &group.rules)
                .any(|rule| rule.alert.as_deref() == Some(alert))
    };
    // An alert the user turned off needs no home. The built-in names are parsed only when
    // something is turned off.
    let disabled = |alert: &str| {
        spec.built_in_alerts.disabled.iter().any(|d| {
            d == alert || crate::render::built_in_alert_names().alerts.get(alert) == Some(d)
        })
    };
    let missing: Vec<String> = ALERTS_NEEDING_EVERY_TARGET
        .iter()
        .filter(|alert| !in_ruler(alert) && !disabled(alert))
        .map(|alert| format!("`{alert}`"))
        .collect();
    if missing.is_empty() {
        return;
    }
    let message = format!(
        "the built-in alerts {} need every target's series, so the {} shards, each with its share, leave them out",
        missing.join(", "),
        spec.prometheus.shards
    );
    if ruler.enabled {
        f.note(
            "spec.prometheus.shards",
            message,
            "evaluate them over every shard in the Ruler: `examples/sharded-prometheus.yaml` has their global form for `thanos.ruler.ruleFiles`",
        );
    } else {
        f.warn(
            "spec.prometheus.shards",
            format!("{message}, and no Ruler runs to evaluate them over every shard"),
            "switch the Ruler on (`thanos.ruler.enabled`) and give it their global form (see `examples/sharded-prometheus.yaml`)",
        );
    }
}

/// Each shard evaluates `prometheus.ruleFiles` over its share of the targets: `absent()`
/// fires on every shard that does not scrape the series (a warning), an aggregation covers
/// one share (a note: aggregating by one target's labels is right on a shard).
fn rules_see_one_share(spec: &Spec, f: &mut Findings) {
    let shards = spec.prometheus.shards;
    for (i, file) in spec.prometheus.rule_files.iter().enumerate() {
        for (g, group) in file.groups.iter().enumerate() {
            for (r, rule) in group.rules.iter().enumerate() {
                let file_path =
                    RuleFile::path("spec.prometheus", &spec.prometheus.rule_file_origins, i);
                let path = format!("{file_path}.groups[{g}].rules[{r}].expr");
                // A rule that does not parse is reported by `rule_files_parse`.
                let Ok(expr) = parser::parse(&rule.expr) else {
                    continue;
                };
                let name = rule_name(rule);
                let mut found = Found::default();
                walk(&expr, &mut found);
                if let Some(function) = found.absent {
                    f.warn(
                        &path,
                        format!(
                            "`{function}()` in `{name}` is evaluated by each of the {shards} Prometheus shards over its share of the targets, so it fires on every shard that does not scrape the series"
                        ),
                        "move the rule to `thanos.ruler.ruleFiles`, where the Ruler evaluates it over every shard (group by `cluster` there)",
                    );
                } else if let Some(op) = found.aggregation {
                    f.note(
                        &path,
                        format!(
                            "`{op}` in `{name}` aggregates over the share of the targets one of the {shards} Prometheus shards scrapes, not over all of them"
                        ),
                        "if the result must cover every target, move the rule to `thanos.ruler.ruleFiles`; aggregating by the labels of one target (`by (namespace, pod)`) is right on a shard",
                    );
                }
            }
        }
    }
}

fn rule_name(rule: &Rule) -> &str {
    rule.alert
        .as_deref()
        .or(rule.record.as_deref())
        .unwrap_or("?")
}

/// What in an expression depends on seeing every series: the first `absent` function and
/// the first aggregation operator met.
#[derive(Default)]
struct Found {
    absent: Option<&'static str>,
    aggregation: Option<String>,
}

fn walk(expr: &Expr, found: &mut Found) {
    match expr {
        Expr::Aggregate(a) => {
            found.aggregation.get_or_insert_with(|| a.op.to_string());
            walk(&a.expr, found);
            if let Some(param) = &a.param {
                walk(param, found);
            }
        }
        Expr::Call(call) => {
            if call.func.name.starts_with("absent") {
                found.absent.get_or_insert(call.func.name);
            }
            for arg in &call.args.args {
                walk(arg, found);
            }
        }
        Expr::Unary(u) => walk(&u.expr, found),
        Expr::Binary(b) => {
            walk(&b.lhs, found);
            walk(&b.rhs, found);
        }
        Expr::Paren(p) => walk(&p.expr, found),
        Expr::Subquery(s) => walk(&s.expr, found),
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::VectorSelector(_)
        | Expr::MatrixSelector(_)
        | Expr::Extension(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{
        at, config, diagnostics, expect, help_of, load_spec, passes, rejects, warns,
    };
    use crate::diagnostic::Severity;

    #[test]
    fn shards_between_1_and_32_pass() {
        for shards in [1, 2, 32] {
            let body = format!("prometheus: {{shards: {shards}, replicas: 3}}");
            let loaded = config(load_spec(&body));
            assert_eq!(loaded.spec.prometheus.shards, shards);
            let ds = diagnostics(&body);
            let said = at(&ds, "spec.prometheus.shards");
            assert!(
                said.iter().all(|d| d.severity == Severity::Note),
                "{said:#?}"
            );
        }
    }

    #[test]
    fn no_shards_are_refused() {
        let d = rejects(
            "prometheus: {shards: 0}",
            "spec.prometheus.shards",
            "0 is out of range",
        );
        assert_eq!(help_of(&d), "use a whole number at least 1");
    }

    #[test]
    fn more_than_32_shards_are_refused() {
        let d = rejects(
            "prometheus: {shards: 33}",
            "spec.prometheus.shards",
            "33 is out of range",
        );
        assert_eq!(help_of(&d), "use a whole number at most 32");
    }

    #[test]
    fn more_than_100_prometheus_pods_are_refused() {
        let d = rejects(
            "prometheus: {shards: 32, replicas: 4}",
            "spec.prometheus.shards",
            "32 shards of 4 replicas are 128 Prometheus pods, more than 100",
        );
        assert!(
            help_of(&d).contains("its own Service and ingress host"),
            "{d:?}"
        );
    }

    #[test]
    fn the_shard_label_must_not_be_a_replica_label() {
        let d = rejects(
            "prometheus: {shards: 2, shardLabel: replica}",
            "spec.prometheus.shardLabel",
            "`replica` is the replica label (`replicaLabel`), which Query drops to deduplicate",
        );
        assert!(help_of(&d).contains("such as `prometheus_shard`"));
        rejects(
            "prometheus: {shards: 2, shardLabel: rule_replica}",
            "spec.prometheus.shardLabel",
            "the Ruler's replica label",
        );
    }

    #[test]
    fn the_shard_label_must_not_be_cluster_or_an_external_label() {
        rejects(
            "prometheus: {shards: 2, shardLabel: cluster}",
            "spec.prometheus.shardLabel",
            "`cluster` is set from `spec.cluster`",
        );
        rejects(
            "
            externalLabels: {shard: a}
            prometheus: {shards: 2, shardLabel: shard}
            ",
            "spec.prometheus.shardLabel",
            "`shard` is also set in `externalLabels`",
        );
        rejects(
            "prometheus: {shards: 2, shardLabel: __shard}",
            "spec.prometheus.shardLabel",
            "is reserved",
        );
    }

    #[test]
    fn the_shard_label_of_one_shard_is_not_used_so_not_checked() {
        passes(
            "prometheus: {shards: 1, shardLabel: replica}",
            "spec.prometheus.shardLabel",
        );
    }

    #[test]
    fn shards_say_which_built_in_alerts_they_leave_to_the_ruler() {
        let ds = diagnostics("prometheus: {shards: 2}");
        let note = expect(
            &ds,
            Severity::Note,
            "spec.prometheus.shards",
            "the built-in alerts `TargetJobDown`, `KubeAPIServerTargetMissing`, `AlertmanagerClusterMembersMismatch` need every target's series, so the 2 shards",
        );
        assert!(help_of(&note).contains("examples/sharded-prometheus.yaml"));
        // Without a Ruler they are lost: a warning.
        warns(
            "
            prometheus: {shards: 2}
            thanos: {ruler: {enabled: false}}
            ",
            "spec.prometheus.shards",
            "no Ruler runs to evaluate them over every shard",
        );
    }

    /// Turned off, they need no home: the note names only the others.
    #[test]
    fn disabled_built_in_alerts_are_not_named() {
        let ds = diagnostics(
            "
            prometheus: {shards: 2}
            builtInAlerts: {disabled: [targets, AlertmanagerClusterMembersMismatch]}
            ",
        );
        assert!(
            ds.iter()
                .all(|d| d.path.as_deref() != Some("spec.prometheus.shards")),
            "{ds:#?}"
        );
    }

    #[test]
    fn the_ruler_evaluating_them_silences_the_note() {
        let ds = diagnostics(
            r#"
            prometheus: {shards: 2}
            thanos:
              ruler:
                ruleFiles:
                  - name: global.yaml
                    groups:
                      - name: g
                        rules:
                          - {alert: TargetJobDown, expr: 'max by (cluster, job) (up) == 0'}
                          - {alert: KubeAPIServerTargetMissing, expr: 'absent(up{job="apiserver"})'}
            "#,
        );
        expect(
            &ds,
            Severity::Note,
            "spec.prometheus.shards",
            "the built-in alerts `AlertmanagerClusterMembersMismatch` need",
        );
    }

    #[test]
    fn a_shard_rule_needing_every_series_is_warned_about() {
        let rules = r#"
            prometheus:
              shards: 2
              ruleFiles:
                - name: team-a.rules.yaml
                  groups:
                    - name: team-a
                      rules:
                        - {alert: ApiGone, expr: 'absent(up{job="api"})'}
                        - {alert: ApiErrors, expr: 'sum by (job) (rate(errors_total[5m])) > 1'}
                        - {alert: ApiDown, expr: 'up{job="api"} == 0'}
            "#;
        let d = warns(
            rules,
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].expr",
            "`absent()` in `ApiGone` is evaluated by each of the 2 Prometheus shards over its share of the targets",
        );
        assert!(help_of(&d).contains("`thanos.ruler.ruleFiles`"));
        let ds = diagnostics(rules);
        let rule = |r: usize| format!("spec.prometheus.ruleFiles[0].groups[0].rules[{r}].expr");
        expect(
            &ds,
            Severity::Note,
            &rule(1),
            "`sum` in `ApiErrors` aggregates over the share of the targets one of the 2 Prometheus shards scrapes",
        );
        assert_eq!(at(&ds, &rule(1)).len(), 1);
        assert!(
            at(&ds, &rule(2)).is_empty(),
            "a per-target rule is right on a shard"
        );
    }

    #[test]
    fn rules_of_one_prometheus_are_not_warned_about() {
        let ds = diagnostics(
            r#"
            prometheus:
              ruleFiles:
                - name: team-a.rules.yaml
                  groups:
                    - name: team-a
                      rules:
                        - {alert: ApiGone, expr: 'absent(up{job="api"})'}
            "#,
        );
        let about_prometheus: Vec<_> = ds
            .iter()
            .filter(|d| {
                d.path
                    .as_deref()
                    .is_some_and(|p| p.starts_with("spec.prometheus"))
            })
            .collect();
        assert!(about_prometheus.is_empty(), "{about_prometheus:#?}");
    }
}
