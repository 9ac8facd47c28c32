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
            if !MATCHER.is_match(matcher) {
                f.error(
                    &format!("spec.alertmanager.route.routes[{i}].matchers[{m}]"),
                    format!("`{matcher}` is not an Alertmanager matcher"),
                    "write `label=\"value\"`, with `=`, `!=`, `=~` or `!~`",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{help_of, passes, rejects};

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
