//! Inline rule files, of Prometheus and the Ruler alike: usable names, unique groups, one of
//! `alert`/`record` per rule, and PromQL that parses.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::Findings;
use crate::config::gotemplate;
use crate::config::model::{Rule, RuleFile};

/// Checks inline rule files: names, groups, one of `alert`/`record`, and PromQL that parses.
/// `built_in` is the file the stack's own rules ship under, which no user file may replace.
pub(super) fn rule_files_parse(
    (base, origins): (&str, &BTreeMap<usize, String>),
    built_in: &str,
    files: &[RuleFile],
    f: &mut Findings,
) {
    static FILE_NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*\.ya?ml$").expect("valid"));
    let mut file_names = BTreeSet::new();
    for (i, file) in files.iter().enumerate() {
        let file_path = RuleFile::path(base, origins, i);
        if !FILE_NAME.is_match(&file.name) {
            f.error(
                &format!("{file_path}.name"),
                format!("`{}` is not a usable rule file name", file.name),
                "use letters, digits, `.`, `-`, `_`, ending in `.yaml`, such as `team-a.rules.yaml`",
            );
        }
        if file.name == built_in {
            f.error(
                &format!("{file_path}.name"),
                format!("`{built_in}` is the file of the built-in rules, which it would replace"),
                "give your rule file another name, such as `team-a.rules.yaml`",
            );
        }
        if !file_names.insert(file.name.as_str()) {
            f.error(
                &format!("{file_path}.name"),
                format!("`{}` is used by two rule files", file.name),
                "give each rule file its own name",
            );
        }
        let mut group_names = BTreeSet::new();
        for (g, group) in file.groups.iter().enumerate() {
            let group_path = format!("{file_path}.groups[{g}]");
            if !group_names.insert(group.name.as_str()) {
                f.error(
                    &format!("{group_path}.name"),
                    format!("group `{}` appears twice in `{}`", group.name, file.name),
                    "Prometheus requires unique group names per file",
                );
            }
            for (r, rule) in group.rules.iter().enumerate() {
                let rule_path = format!("{group_path}.rules[{r}]");
                rule_is_well_formed(&rule_path, rule, &group.name, &file.name, f);
            }
        }
    }
}

/// One rule: exactly one of `alert` and `record`, each well named, PromQL that parses, and
/// labels and annotations that are templates Prometheus can parse.
fn rule_is_well_formed(rule_path: &str, rule: &Rule, group: &str, file: &str, f: &mut Findings) {
    for (field, values) in [("labels", &rule.labels), ("annotations", &rule.annotations)] {
        for (key, value) in values {
            if let Err(why) = gotemplate::check(value) {
                f.error(
                    &format!("{rule_path}.{field}.{key}"),
                    format!("is not a template Prometheus can parse: {why}"),
                    "fix the `{{ … }}`; `promtool check rules` refuses the file the same way",
                );
            }
        }
    }
    static METRIC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$").expect("valid"));
    let rule_name = rule
        .alert
        .as_deref()
        .or(rule.record.as_deref())
        .unwrap_or("?");
    match (&rule.alert, &rule.record) {
        (Some(_), Some(_)) | (None, None) => f.error(
            rule_path,
            "needs exactly one of `alert` and `record`".to_owned(),
            "`alert: Name` for an alerting rule, `record: level:metric:operation` for a recording rule",
        ),
        (None, Some(record)) => {
            if !METRIC.is_match(record) {
                f.error(
                    &format!("{rule_path}.record"),
                    format!("`{record}` is not a valid metric name"),
                    "use letters, digits, `_` and `:`, such as `job:http_requests:rate5m`",
                );
            }
            if rule.for_.is_some() {
                f.error(
                    &format!("{rule_path}.for"),
                    "`for` only applies to alerting rules".to_owned(),
                    "remove `for` from the recording rule",
                );
            }
        }
        (Some(alert), None) => {
            if alert.is_empty() || alert.chars().any(char::is_whitespace) {
                f.error(
                    &format!("{rule_path}.alert"),
                    format!("`{alert}` is not a usable alert name"),
                    "alert names are label values users route on: use CamelCase without spaces",
                );
            }
        }
    }
    if let Err(message) = promql_parser::parser::parse(&rule.expr) {
        f.error(
            &format!("{rule_path}.expr"),
            format!(
                "PromQL of `{rule_name}` in group `{group}` of `{file}` does not parse: {}",
                message.trim()
            ),
            "fix the expression; `promtool check rules` gives the same verdict",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{
        all, dedent, file_of, help_of, load_spec, passes, position, rejects,
    };
    use crate::diagnostic::Diagnostic;

    #[test]
    fn valid_rule_files_pass() {
        let ds = all(&load_spec(
            r#"
            prometheus:
              ruleFiles:
                - name: team-a.rules.yaml
                  groups:
                    - name: team-a
                      rules:
                        - alert: HighErrorRate
                          expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1'
                          for: 10m
                          labels: {severity: page}
                        - record: job:http_requests:rate5m
                          expr: sum by (job) (rate(http_requests_total[5m]))
            thanos:
              ruler:
                ruleFiles:
                  - name: global.yml
                    groups:
                      - name: global
                        rules:
                          - alert: NoData
                            expr: absent(up)
            "#,
        ));
        assert!(
            ds.iter()
                .all(|d| !d.path.as_deref().unwrap_or_default().contains("ruleFiles")),
            "{ds:#?}"
        );
        assert!(!ds.iter().any(Diagnostic::is_error), "{ds:#?}");
    }

    /// One Prometheus rule file holding `rules` (YAML list items at any indentation).
    fn rule_file(name: &str, rules: &str) -> String {
        let mut body = format!(
            "prometheus:\n  ruleFiles:\n    - name: '{name}'\n      groups:\n        - name: g\n          rules:\n"
        );
        for line in dedent(rules).lines() {
            body.push_str("            ");
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    #[test]
    fn rule_file_names_must_be_yaml_file_names() {
        let d = rejects(
            &rule_file("team a.rules", "- {alert: A, expr: up == 0}"),
            "spec.prometheus.ruleFiles[0].name",
            "`team a.rules` is not a usable rule file name",
        );
        assert!(help_of(&d).contains("ending in `.yaml`"));
    }

    #[test]
    fn a_user_file_cannot_replace_the_built_in_rules() {
        rejects(
            &rule_file("stack.rules.yaml", "[{alert: A, expr: up == 0}]"),
            "spec.prometheus.ruleFiles[0].name",
            "the file of the built-in rules",
        );
    }

    #[test]
    fn templates_in_labels_and_annotations_must_parse() {
        rejects(
            &rule_file(
                "t.rules.yaml",
                "[{alert: A, expr: up == 0, annotations: {summary: '{{ $lables.job }} down'}}]",
            ),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].annotations.summary",
            "undefined variable `$lables`",
        );
    }

    #[test]
    fn rule_file_names_must_be_unique() {
        rejects(
            "
            prometheus:
              ruleFiles:
                - {name: a.yaml, groups: [{name: g1, rules: [{alert: A, expr: up == 0}]}]}
                - {name: a.yaml, groups: [{name: g2, rules: [{alert: B, expr: up == 0}]}]}
            ",
            "spec.prometheus.ruleFiles[1].name",
            "`a.yaml` is used by two rule files",
        );
    }

    #[test]
    fn group_names_must_be_unique_within_a_file() {
        rejects(
            "
            prometheus:
              ruleFiles:
                - name: a.yaml
                  groups:
                    - {name: g, rules: [{alert: A, expr: up == 0}]}
                    - {name: g, rules: [{alert: B, expr: up == 0}]}
            ",
            "spec.prometheus.ruleFiles[0].groups[1].name",
            "group `g` appears twice in `a.yaml`",
        );
    }

    #[test]
    fn same_group_name_in_two_files_passes() {
        passes(
            "
            prometheus:
              ruleFiles:
                - {name: a.yaml, groups: [{name: g, rules: [{alert: A, expr: up == 0}]}]}
                - {name: b.yaml, groups: [{name: g, rules: [{alert: B, expr: up == 0}]}]}
            ",
            "spec.prometheus.ruleFiles[1].groups[0].name",
        );
    }

    #[test]
    fn rule_with_both_alert_and_record_is_refused() {
        rejects(
            &rule_file("a.yaml", "- {alert: A, record: 'a:b', expr: up}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0]",
            "needs exactly one of `alert` and `record`",
        );
    }

    #[test]
    fn rule_with_neither_alert_nor_record_is_refused() {
        rejects(
            &rule_file("a.yaml", "- {expr: up}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0]",
            "needs exactly one of `alert` and `record`",
        );
    }

    #[test]
    fn record_names_must_be_metric_names() {
        rejects(
            &rule_file("a.yaml", "- {record: job-requests, expr: up}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].record",
            "`job-requests` is not a valid metric name",
        );
    }

    #[test]
    fn record_names_with_colons_pass() {
        passes(
            &rule_file("a.yaml", "- {record: 'job:up:sum', expr: sum(up)}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].record",
        );
    }

    #[test]
    fn recording_rules_take_no_for() {
        rejects(
            &rule_file("a.yaml", "- {record: 'job:up:sum', expr: sum(up), for: 5m}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].for",
            "`for` only applies to alerting rules",
        );
    }

    #[test]
    fn alert_names_must_not_hold_spaces() {
        let d = rejects(
            &rule_file("a.yaml", "- {alert: High Error Rate, expr: up == 0}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].alert",
            "`High Error Rate` is not a usable alert name",
        );
        assert!(help_of(&d).contains("CamelCase"));
    }

    #[test]
    fn alert_names_must_not_be_empty() {
        rejects(
            &rule_file("a.yaml", "- {alert: '', expr: up == 0}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].alert",
            "is not a usable alert name",
        );
    }

    #[test]
    fn promql_that_does_not_parse_is_refused_naming_file_group_and_rule() {
        let d = rejects(
            &rule_file("team-a.yaml", "- {alert: Broken, expr: 'sum(rate(up[5m])'}"),
            "spec.prometheus.ruleFiles[0].groups[0].rules[0].expr",
            "PromQL of `Broken` in group `g` of `team-a.yaml` does not parse: ",
        );
        // Points at the expression itself.
        assert_eq!(file_of(&d), "t.yaml");
        assert_eq!(position(&d).0, 10);
    }

    #[test]
    fn ruler_rule_files_are_checked_too() {
        rejects(
            "
            thanos:
              ruler:
                ruleFiles:
                  - name: global.yaml
                    groups:
                      - name: global
                        rules:
                          - {record: 'cluster:up:sum', expr: 'sum(up'}
            ",
            "spec.thanos.ruler.ruleFiles[0].groups[0].rules[0].expr",
            "PromQL of `cluster:up:sum` in group `global` of `global.yaml` does not parse",
        );
    }
}
