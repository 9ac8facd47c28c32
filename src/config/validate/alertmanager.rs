//! Alertmanager's routing tree and what hangs off it: unique receivers, routes that reach
//! one, matchers that parse, time intervals that exist and hold real times, inhibition rules,
//! and notification template files Alertmanager can load.

use std::collections::BTreeSet;

use super::Findings;
use super::matchers;
use crate::config::gotemplate::{self, Dialect};
use crate::config::model::{ChildRoute, Spec, TimeRange};
use crate::config::suggest;

/// Kubernetes's limit on a ConfigMap's data, which the templates ConfigMap must fit.
const CONFIG_MAP_LIMIT: usize = 1 << 20;

pub(super) fn alertmanager_routes_resolve(spec: &Spec, f: &mut Findings) {
    let am = &spec.alertmanager;
    if !am.enabled {
        return;
    }
    let mut names = BTreeSet::new();
    for (i, receiver) in am.receivers.iter().enumerate() {
        if receiver.name.trim().is_empty() {
            f.error(
                &format!("spec.alertmanager.receivers[{i}].name"),
                "is empty".to_owned(),
                "Alertmanager refuses a receiver without a name; routes name receivers",
            );
        }
        if !names.insert(receiver.name.as_str()) {
            f.error(
                &format!("spec.alertmanager.receivers[{i}].name"),
                format!("receiver `{}` is defined twice", receiver.name),
                "give each receiver its own name",
            );
        }
    }
    let intervals: BTreeSet<&str> = am.time_intervals.iter().map(|t| t.name.as_str()).collect();
    let tree = Tree {
        receivers: names,
        intervals,
    };
    tree.resolve(
        "spec.alertmanager.route.receiver".to_owned(),
        &am.route.receiver,
        "receiver",
        f,
    );
    for (i, route) in am.route.routes.iter().enumerate() {
        tree.child(&format!("spec.alertmanager.route.routes[{i}]"), route, f);
    }
    intervals_are_not_zero(spec, f);
}

/// The names routes refer to.
struct Tree<'a> {
    receivers: BTreeSet<&'a str>,
    intervals: BTreeSet<&'a str>,
}

impl Tree<'_> {
    fn resolve(&self, path: String, name: &str, kind: &str, f: &mut Findings) {
        let (known, section) = match kind {
            "receiver" => (&self.receivers, "spec.alertmanager.receivers"),
            _ => (&self.intervals, "spec.alertmanager.timeIntervals"),
        };
        if known.contains(name) {
            return;
        }
        let listed = known
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut help = if listed.is_empty() {
            format!("define it in `{section}`")
        } else {
            format!("defined {kind}s: {listed}")
        };
        if let Some(best) = suggest::closest(name, known.iter().copied()) {
            help = format!("did you mean `{best}`? {help}");
        }
        f.error(
            &path,
            format!("{kind} `{name}` is not defined in `{section}`"),
            help,
        );
    }

    fn child(&self, base: &str, route: &ChildRoute, f: &mut Findings) {
        self.resolve(format!("{base}.receiver"), &route.receiver, "receiver", f);
        for (m, matcher) in route.matchers.iter().enumerate() {
            matcher_parses(&format!("{base}.matchers[{m}]"), matcher, f);
        }
        if let Some(group_by) = &route.group_by {
            group_by_is_usable(&format!("{base}.groupBy"), group_by, f);
        }
        for (field, value) in [
            ("groupInterval", &route.group_interval),
            ("repeatInterval", &route.repeat_interval),
        ] {
            if let Some(value) = value
                && value.is_zero()
            {
                f.error(
                    &format!("{base}.{field}"),
                    format!("`{value}` is zero, which Alertmanager refuses"),
                    "use a duration such as `5m`, or leave it unset to inherit the parent's",
                );
            }
        }
        for (field, names) in [
            ("muteTimeIntervals", &route.mute_time_intervals),
            ("activeTimeIntervals", &route.active_time_intervals),
        ] {
            for (n, name) in names.iter().enumerate() {
                self.resolve(format!("{base}.{field}[{n}]"), name, "time interval", f);
            }
        }
        for (i, child) in route.routes.iter().enumerate() {
            self.child(&format!("{base}.routes[{i}]"), child, f);
        }
    }
}

fn matcher_parses(path: &str, matcher: &str, f: &mut Findings) {
    if let Err(why) = matchers::parse(matcher) {
        let help = if why.contains("regular expression") {
            "fix the regex; Alertmanager refuses the whole config otherwise"
        } else {
            "write `label=\"value\"`, with `=`, `!=`, `=~` or `!~`, several separated by commas"
        };
        f.error(
            path,
            format!("`{matcher}` is not an Alertmanager matcher: {why}"),
            help,
        );
    }
}

fn group_by_is_usable(path: &str, group_by: &[String], f: &mut Findings) {
    let mut seen = BTreeSet::new();
    for (i, label) in group_by.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if label == "..." {
            if group_by.len() > 1 {
                f.error(
                    &at,
                    "`...` (every label) is listed with other labels".to_owned(),
                    "Alertmanager refuses both at once: keep `...` alone or list labels",
                );
            }
        } else if label.parse::<crate::config::types::LabelName>().is_err() {
            f.error(
                &at,
                format!("`{label}` is not a label name"),
                "use a label name such as `alertname`, or `...` for every label",
            );
        }
        if !seen.insert(label.as_str()) {
            f.error(
                &at,
                format!("`{label}` is listed twice"),
                "Alertmanager refuses a duplicated `group_by` label",
            );
        }
    }
}

/// Alertmanager refuses a zero `group_interval` or `repeat_interval`.
fn intervals_are_not_zero(spec: &Spec, f: &mut Findings) {
    let route = &spec.alertmanager.route;
    for (field, value) in [
        ("groupInterval", &route.group_interval),
        ("repeatInterval", &route.repeat_interval),
    ] {
        if value.is_zero() {
            f.error(
                &format!("spec.alertmanager.route.{field}"),
                format!("`{value}` is zero, which Alertmanager refuses"),
                "use a duration such as `5m` (groupInterval) or `4h` (repeatInterval)",
            );
        }
    }
}

/// Inhibition rules' matchers parse as route matchers do.
pub(super) fn inhibit_rules_parse(spec: &Spec, f: &mut Findings) {
    let am = &spec.alertmanager;
    if !am.enabled {
        return;
    }
    for (i, rule) in am.inhibit_rules.iter().enumerate() {
        let base = format!("spec.alertmanager.inhibitRules[{i}]");
        for (field, list) in [
            ("sourceMatchers", &rule.source_matchers),
            ("targetMatchers", &rule.target_matchers),
        ] {
            for (m, matcher) in list.iter().enumerate() {
                matcher_parses(&format!("{base}.{field}[{m}]"), matcher, f);
            }
        }
    }
}

/// Time intervals as Alertmanager parses them: unique names, `HH:MM` times with the start
/// first, known weekday and month names, days of the month within ±31, ranges in order.
pub(super) fn time_intervals_parse(spec: &Spec, f: &mut Findings) {
    let am = &spec.alertmanager;
    if !am.enabled {
        return;
    }
    let mut names = BTreeSet::new();
    for (i, interval) in am.time_intervals.iter().enumerate() {
        let base = format!("spec.alertmanager.timeIntervals[{i}]");
        if interval.name.trim().is_empty() {
            f.error(
                &format!("{base}.name"),
                "is empty".to_owned(),
                "routes refer to time intervals by name",
            );
        } else if !names.insert(interval.name.as_str()) {
            f.error(
                &format!("{base}.name"),
                format!("time interval `{}` is defined twice", interval.name),
                "Alertmanager refuses duplicate time interval names",
            );
        }
        for (r, range) in interval.time_intervals.iter().enumerate() {
            time_range_parses(&format!("{base}.timeIntervals[{r}]"), range, f);
        }
    }
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn time_range_parses(base: &str, range: &TimeRange, f: &mut Findings) {
    for (i, t) in range.times.iter().enumerate() {
        let at = format!("{base}.times[{i}]");
        let start = minutes(&t.start_time);
        let end = minutes(&t.end_time);
        for (field, text, parsed) in [
            ("startTime", &t.start_time, start),
            ("endTime", &t.end_time, end),
        ] {
            if parsed.is_none() {
                f.error(
                    &format!("{at}.{field}"),
                    format!("`{text}` is not a time of day"),
                    "write `HH:MM`, from `00:00` to `24:00`",
                );
            }
        }
        if let (Some(s), Some(e)) = (start, end)
            && s >= e
        {
            f.error(
                &at,
                format!("starts at {} but ends at {}", t.start_time, t.end_time),
                "the start must come before the end; split a range across midnight in two",
            );
        }
    }
    let weekday = |s: &str| {
        WEEKDAYS
            .iter()
            .position(|d| d.eq_ignore_ascii_case(s))
            .map(|p| p as i64)
    };
    ranges(
        f,
        &format!("{base}.weekdays"),
        &range.weekdays,
        weekday,
        "a weekday such as `monday`, or a range such as `monday:friday`",
    );
    let day = |s: &str| {
        s.parse::<i64>()
            .ok()
            .filter(|d| *d != 0 && (-31..=31).contains(d))
            // Alertmanager compares a negative day (from the month's end) as if the month
            // had 31 days.
            .map(|d| if d < 0 { 32 + d } else { d })
    };
    ranges(
        f,
        &format!("{base}.daysOfMonth"),
        &range.days_of_month,
        day,
        "a day from 1 to 31 or -31 to -1 (counting from the end), or a range such as `1:15`",
    );
    let month = |s: &str| {
        MONTHS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(s))
            .map(|p| p as i64 + 1)
            .or_else(|| s.parse::<i64>().ok().filter(|m| (1..=12).contains(m)))
    };
    ranges(
        f,
        &format!("{base}.months"),
        &range.months,
        month,
        "a month by name or number 1 to 12, or a range such as `january:march`",
    );
    let year = |s: &str| s.parse::<i64>().ok().filter(|y| *y > 0);
    ranges(
        f,
        &format!("{base}.years"),
        &range.years,
        year,
        "a year such as `2026`, or a range such as `2026:2027`",
    );
    if let Some(location) = &range.location {
        let well_formed = location == "UTC"
            || (location != "Local"
                && location.split('/').all(|part| {
                    !part.is_empty()
                        && part.starts_with(|c: char| c.is_ascii_alphabetic())
                        && part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
                }));
        if !well_formed {
            f.error(
                &format!("{base}.location"),
                format!("`{location}` is not an IANA time zone name"),
                "use a name from the tz database such as `Europe/Berlin` or `UTC`",
            );
        }
    }
}

/// `HH:MM` as minutes since midnight, `24:00` included.
fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Values or `start:end` ranges of one field of a time range.
fn ranges(
    f: &mut Findings,
    base: &str,
    items: &[String],
    value: impl Fn(&str) -> Option<i64>,
    allowed: &str,
) {
    for (i, item) in items.iter().enumerate() {
        let at = format!("{base}[{i}]");
        let (start, end) = item.split_once(':').unwrap_or((item, item));
        match (value(start.trim()), value(end.trim())) {
            (Some(s), Some(e)) if s > e => f.error(
                &at,
                format!("`{item}` ends before it starts"),
                "write the range's start first",
            ),
            (Some(_), Some(_)) => {}
            _ => f.error(
                &at,
                format!("`{item}` is not {allowed}"),
                allowed.to_owned(),
            ),
        }
    }
}

/// Template files: one ConfigMap key each (so unique, and key-shaped), Go templates
/// Alertmanager can parse, all within a ConfigMap's size.
pub(super) fn templates_load(spec: &Spec, f: &mut Findings) {
    let am = &spec.alertmanager;
    if !am.enabled {
        return;
    }
    let mut names = BTreeSet::new();
    let mut size = 0;
    for (i, reference) in am.templates.iter().enumerate() {
        let at = format!("spec.alertmanager.templates[{i}]");
        for file in &reference.files {
            size += file.name.len() + file.text.len();
            let key_shaped = !file.name.is_empty()
                && file
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
            if !key_shaped {
                f.error(
                    &at,
                    format!("template file `{}` cannot be a ConfigMap key", file.name),
                    "rename it with letters, digits, `-`, `_` and `.` only",
                );
            }
            if !names.insert(file.name.as_str()) {
                f.error(
                    &at,
                    format!("a template file named `{}` is read twice", file.name),
                    "template files share one folder in the pod: give each its own name",
                );
            }
            if let Err(why) = gotemplate::check_in(&file.text, Dialect::Alertmanager) {
                f.error(
                    &at,
                    format!(
                        "`{}` is not a template Alertmanager can parse: {why}",
                        file.name
                    ),
                    "Alertmanager refuses to start with a broken template file",
                );
            }
        }
    }
    if size > CONFIG_MAP_LIMIT {
        f.error(
            "spec.alertmanager.templates",
            format!("the template files hold {size} bytes, more than a ConfigMap's 1 MiB"),
            "ship fewer or smaller templates",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, help_of, passes, refused, rejects};
    use crate::diagnostic::Severity;

    #[test]
    fn values_alertmanager_refuses_are_refused() {
        rejects(
            "alertmanager: {receivers: [{name: ''}, {name: default}]}",
            "spec.alertmanager.receivers[0].name",
            "is empty",
        );
        rejects(
            "alertmanager: {route: {repeatInterval: 0s}}",
            "spec.alertmanager.route.repeatInterval",
            "is zero",
        );
        rejects(
            "alertmanager: {receivers: [{name: default}, {name: team}], route: {routes: [{receiver: team, matchers: ['team=~\"(a\"']}]}}",
            "spec.alertmanager.route.routes[0].matchers[0]",
            "is not a regular expression",
        );
    }

    #[test]
    fn routes_to_defined_receivers_pass() {
        passes(
            r#"
            alertmanager:
              receivers:
                - name: default
                - name: pager
              route:
                receiver: default
                routes:
                  - {receiver: pager, matchers: ['severity="page"', 'team=~"a|b"', 'env!=dev']}
            "#,
            "spec.alertmanager.route.routes[0].receiver",
        );
    }

    #[test]
    fn route_to_an_unknown_receiver_is_refused_with_a_suggestion() {
        let d = rejects(
            "alertmanager: {route: {receiver: defualt}}",
            "spec.alertmanager.route.receiver",
            "receiver `defualt` is not defined in `spec.alertmanager.receivers`",
        );
        assert!(
            help_of(&d).starts_with("did you mean `default`?"),
            "{:?}",
            d.help
        );
        assert!(help_of(&d).contains("defined receivers: `default`"));
    }

    #[test]
    fn child_route_to_an_unknown_receiver_is_refused() {
        rejects(
            "alertmanager: {route: {routes: [{receiver: nobody, matchers: []}]}}",
            "spec.alertmanager.route.routes[0].receiver",
            "receiver `nobody` is not defined",
        );
    }

    #[test]
    fn receivers_must_be_unique() {
        rejects(
            "alertmanager: {receivers: [{name: default}, {name: default}]}",
            "spec.alertmanager.receivers[1].name",
            "receiver `default` is defined twice",
        );
    }

    #[test]
    fn malformed_matchers_are_refused() {
        let d = rejects(
            "alertmanager: {route: {routes: [{receiver: default, matchers: ['severity']}]}}",
            "spec.alertmanager.route.routes[0].matchers[0]",
            "`severity` is not an Alertmanager matcher",
        );
        assert!(
            help_of(&d).contains("label=\\\"value\\\"") || help_of(&d).contains("label=\"value\"")
        );
    }

    #[test]
    fn nested_routes_resolve_their_receivers_and_time_intervals_with_suggestions() {
        let body = r#"
            alertmanager:
              receivers: [{name: default}, {name: pager}]
              timeIntervals:
                - name: business-hours
                  timeIntervals: [{weekdays: ['monday:friday'], times: [{startTime: '08:00', endTime: '18:00'}]}]
              route:
                routes:
                  - receiver: pager
                    muteTimeIntervals: [busines-hours]
                    routes:
                      - {receiver: pagr, matchers: ['a="b"'], groupBy: ['...', job], repeatInterval: 0s}
            "#;
        let ds = diagnostics(body);
        let d = expect(
            &ds,
            Severity::Error,
            "spec.alertmanager.route.routes[0].muteTimeIntervals[0]",
            "time interval `busines-hours` is not defined in `spec.alertmanager.timeIntervals`",
        );
        assert!(help_of(&d).starts_with("did you mean `business-hours`?"));
        let d = expect(
            &ds,
            Severity::Error,
            "spec.alertmanager.route.routes[0].routes[0].receiver",
            "receiver `pagr` is not defined",
        );
        assert!(help_of(&d).starts_with("did you mean `pager`?"));
        expect(
            &ds,
            Severity::Error,
            "spec.alertmanager.route.routes[0].routes[0].groupBy[0]",
            "`...` (every label) is listed with other labels",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.alertmanager.route.routes[0].routes[0].repeatInterval",
            "is zero",
        );
    }

    #[test]
    fn time_intervals_are_read_as_alertmanager_reads_them() {
        let base = "alertmanager: {timeIntervals: [{name: t, timeIntervals: [";
        for (range, path, fragment) in [
            (
                "{times: [{startTime: '18:00', endTime: '08:00'}]}",
                "times[0]",
                "starts at 18:00 but ends at 08:00",
            ),
            (
                "{times: [{startTime: '8:00', endTime: '09:00'}]}",
                "times[0].startTime",
                "is not a time of day",
            ),
            (
                "{weekdays: ['friday:monday']}",
                "weekdays[0]",
                "ends before it starts",
            ),
            ("{weekdays: [funday]}", "weekdays[0]", "is not a weekday"),
            ("{daysOfMonth: ['0']}", "daysOfMonth[0]", "is not a day"),
            (
                "{daysOfMonth: ['-1:5']}",
                "daysOfMonth[0]",
                "ends before it starts",
            ),
            ("{months: ['13']}", "months[0]", "is not a month"),
            (
                "{years: ['2027:2026']}",
                "years[0]",
                "ends before it starts",
            ),
            (
                "{location: 'Mars Base'}",
                "location",
                "is not an IANA time zone name",
            ),
        ] {
            rejects(
                &format!("{base}{range}]}}]}}"),
                &format!("spec.alertmanager.timeIntervals[0].timeIntervals[0].{path}"),
                fragment,
            );
        }
        passes(
            &format!(
                "{base}{{times: [{{startTime: '00:00', endTime: '24:00'}}], weekdays: [Saturday, 'monday:friday'], daysOfMonth: ['1:5', '-3:-1'], months: ['january:march', '12'], years: ['2026'], location: Europe/Berlin}}]}}]}}"
            ),
            "spec.alertmanager.timeIntervals[0]",
        );
        rejects(
            "alertmanager: {timeIntervals: [{name: t, timeIntervals: []}, {name: t, timeIntervals: []}]}",
            "spec.alertmanager.timeIntervals[1].name",
            "time interval `t` is defined twice",
        );
    }

    #[test]
    fn inhibition_matchers_must_parse() {
        rejects(
            "alertmanager: {inhibitRules: [{sourceMatchers: ['severity=critical'], targetMatchers: ['severity=~\"(w\"'], equal: [alertname]}]}",
            "spec.alertmanager.inhibitRules[0].targetMatchers[0]",
            "is not a regular expression",
        );
    }

    #[test]
    fn template_files_are_read_beside_the_config_and_parsed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tmpl")).unwrap();
        let good = r#"{{ define "t" }}{{ .CommonLabels.alertname | toUpper }}{{ end }}"#;
        std::fs::write(dir.path().join("tmpl/a.tmpl"), good).unwrap();
        std::fs::write(dir.path().join("tmpl/readme.md"), "not read").unwrap();
        std::fs::write(
            dir.path().join("bad.tmpl"),
            "{{ define \"x\" }}{{ $labels.job }}",
        )
        .unwrap();
        let path = dir.path().join("stack.yaml");
        let load = |templates: &str| {
            let text = format!(
                "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspec:\n  alertmanager: {{templates: {templates}}}\n"
            );
            std::fs::write(&path, &text).unwrap();
            crate::config::load(&crate::config::Inputs {
                documents: vec![crate::config::Document {
                    name: path.to_string_lossy().into_owned(),
                    text,
                }],
                ..Default::default()
            })
        };
        let loaded = load("[tmpl]").expect("a directory of templates loads");
        let files = &loaded.config.spec.alertmanager.templates[0].files;
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].name, "a.tmpl");
        let d = refused(
            load("[bad.tmpl]"),
            "spec.alertmanager.templates[0]",
            "`bad.tmpl` is not a template Alertmanager can parse",
        );
        assert!(d.message.contains("`$labels`"), "{}", d.message);
        refused(
            load("[tmpl/a.tmpl, tmpl]"),
            "spec.alertmanager.templates[1]",
            "a template file named `a.tmpl` is read twice",
        );
    }

    #[test]
    fn routes_of_a_disabled_alertmanager_are_not_checked() {
        passes(
            "alertmanager: {enabled: false, route: {receiver: nobody}}",
            "spec.alertmanager.route.receiver",
        );
    }
}
