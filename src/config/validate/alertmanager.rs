//! Alertmanager's routing tree: unique receivers, routes that reach one, matchers that parse.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::Findings;
use crate::config::model::Spec;
use crate::config::suggest;

pub(super) fn alertmanager_routes_resolve(spec: &Spec, f: &mut Findings) {
    static MATCHER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*("([^"\\]|\\.)*"|[^"\s]*)\s*$"#)
            .expect("valid")
    });
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
    let known: Vec<&str> = names.iter().copied().collect();
    let check_receiver = |path: String, name: &str, f: &mut Findings| {
        if !names.contains(name) {
            let mut help = format!(
                "defined receivers: {}",
                known
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if let Some(best) = suggest::closest(name, known.iter().copied()) {
                help = format!("did you mean `{best}`? {help}");
            }
            f.error(
                &path,
                format!("receiver `{name}` is not defined in `spec.alertmanager.receivers`"),
                help,
            );
        }
    };
    check_receiver(
        "spec.alertmanager.route.receiver".to_owned(),
        &am.route.receiver,
        f,
    );
    for (i, route) in am.route.routes.iter().enumerate() {
        check_receiver(
            format!("spec.alertmanager.route.routes[{i}].receiver"),
            &route.receiver,
            f,
        );
        for (m, matcher) in route.matchers.iter().enumerate() {
            let path = format!("spec.alertmanager.route.routes[{i}].matchers[{m}]");
            match MATCHER.captures(matcher) {
                None => f.error(
                    &path,
                    format!("`{matcher}` is not an Alertmanager matcher"),
                    "write `label=\"value\"`, with `=`, `!=`, `=~` or `!~`",
                ),
                Some(c) if c[1].contains('~') => {
                    let value = c[2].trim_matches('"');
                    // Alertmanager anchors matcher regexes and uses Go's RE2, which the regex
                    // crate follows.
                    if let Err(e) = Regex::new(&format!("^(?:{value})$")) {
                        let why = e.to_string().lines().last().unwrap_or_default().to_owned();
                        f.error(
                            &path,
                            format!("`{value}` is not a regular expression: {why}"),
                            "fix the regex; Alertmanager refuses the whole config otherwise",
                        );
                    }
                }
                Some(_) => {}
            }
        }
    }
    intervals_are_not_zero(spec, f);
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

#[cfg(test)]
mod tests {
    use crate::config::testing::{help_of, passes, rejects};

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
    fn routes_of_a_disabled_alertmanager_are_not_checked() {
        passes(
            "alertmanager: {enabled: false, route: {receiver: nobody}}",
            "spec.alertmanager.route.receiver",
        );
    }
}
