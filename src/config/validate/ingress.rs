//! Ingress exposure: every UI the ingress exposes without a login of its own is named when no
//! basic auth guards it.

use super::Findings;
use crate::config::facts::Ui;
use crate::config::model::Spec;

pub(super) fn exposed_uis_are_protected(spec: &Spec, f: &mut Findings) {
    if !spec.ingress.enabled || spec.ingress.basic_auth_secret.is_some() {
        return;
    }
    // Asked for in so many words: exposed, and warned about.
    let open: Vec<&str> = spec
        .exposed_uis()
        .into_iter()
        .filter(|ui| !ui.has_own_login() && spec.asks_to_expose(*ui) == Some(true))
        .map(Ui::title)
        .collect();
    if !open.is_empty() {
        f.warn(
            "spec.ingress.basicAuthSecret",
            format!("is unset, so {} are exposed without authentication", open.join(", ")),
            "set `basicAuthSecret` to a Secret in nginx's auth-file format, or turn those hosts off under `spec.ingress.expose`",
        );
    }
    // Left unasked: kept off the ingress, and said how to reach them.
    let closed: Vec<Ui> = Ui::ALL
        .into_iter()
        .filter(|ui| !ui.has_own_login() && spec.asks_to_expose(*ui).is_none())
        .filter(|ui| match ui {
            Ui::Alertmanager => spec.alertmanager.enabled,
            Ui::Ruler => spec.thanos.ruler.enabled,
            Ui::Prometheus => spec.prometheus.enabled,
            _ => true,
        })
        .collect();
    if !closed.is_empty() {
        let names: Vec<&str> = closed.iter().map(|ui| ui.title()).collect();
        f.note(
            "spec.ingress.expose",
            format!("{} are not exposed: the ingress has no `basicAuthSecret`", names.join(", ")),
            format!(
                "set `ingress.basicAuthSecret` to expose them, or open one with `kubectl -n {} port-forward svc/thanos-querier 9090`",
                spec.namespace
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, warns};

    #[test]
    fn exposed_uis_without_basic_auth_are_warned_about() {
        warns(
            "ingress: {expose: {querier: true, alertmanager: true, ruler: true, prometheus: true}}",
            "spec.ingress.basicAuthSecret",
            "is unset, so Thanos Query, Alertmanager, Thanos Ruler, Prometheus are exposed without authentication",
        );
    }

    /// Without basic auth only Grafana, which has its own login, is exposed unasked; the
    /// rest stay off the ingress, and a note says how to reach them.
    #[test]
    fn without_basic_auth_only_grafana_is_exposed_unasked() {
        let loaded = passes("ingress: {enabled: true}", "spec.ingress.basicAuthSecret");
        assert_eq!(
            loaded.config.spec.exposed_uis(),
            [crate::config::facts::Ui::Grafana]
        );
        let note = loaded
            .warnings
            .iter()
            .find(|d| d.path.as_deref() == Some("spec.ingress.expose"))
            .expect("a note on the closed UIs");
        assert_eq!(note.severity, crate::diagnostic::Severity::Note);
        assert!(note.help.as_deref().unwrap().contains("port-forward"));
    }

    #[test]
    fn only_the_uis_really_exposed_are_named() {
        let d = warns(
            "
            ingress: {expose: {prometheus: false, querier: false, alertmanager: true, ruler: true}}
            thanos: {ruler: {enabled: false}}
            ",
            "spec.ingress.basicAuthSecret",
            "so Alertmanager are exposed",
        );
        assert!(!d.message.contains("Ruler"), "{}", d.message);
    }

    #[test]
    fn basic_auth_protects_exposed_uis() {
        passes(
            "ingress: {basicAuthSecret: ingress-auth}",
            "spec.ingress.basicAuthSecret",
        );
    }

    #[test]
    fn grafana_alone_needs_no_basic_auth() {
        passes(
            "ingress: {expose: {prometheus: false, querier: false, alertmanager: false, ruler: false}}",
            "spec.ingress.basicAuthSecret",
        );
    }

    #[test]
    fn disabled_components_are_not_exposed() {
        passes(
            "
            ingress: {expose: {prometheus: false, querier: false}}
            alertmanager: {enabled: false}
            thanos: {ruler: {enabled: false}}
            ",
            "spec.ingress.basicAuthSecret",
        );
    }

    #[test]
    fn disabled_ingress_exposes_nothing() {
        passes("ingress: {enabled: false}", "spec.ingress.basicAuthSecret");
    }
}
