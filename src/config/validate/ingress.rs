//! Ingress exposure: every UI the ingress exposes without a login of its own is named when no
//! basic auth guards it.

use super::Findings;
use crate::config::facts::Ui;
use crate::config::model::Spec;

pub(super) fn exposed_uis_are_protected(spec: &Spec, f: &mut Findings) {
    if spec.ingress.basic_auth_secret.is_some() {
        return;
    }
    let open: Vec<&str> = spec
        .exposed_uis()
        .into_iter()
        .filter(|ui| !ui.has_own_login())
        .map(Ui::title)
        .collect();
    if !open.is_empty() {
        f.warn(
            "spec.ingress.basicAuthSecret",
            format!("is unset, so {} are exposed without authentication", open.join(", ")),
            "set `basicAuthSecret` to a Secret in nginx's auth-file format, or turn those hosts off under `spec.ingress.expose`",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, warns};

    #[test]
    fn exposed_uis_without_basic_auth_are_warned_about() {
        warns(
            "ingress: {enabled: true}",
            "spec.ingress.basicAuthSecret",
            "is unset, so Thanos Query, Alertmanager, Thanos Ruler, Prometheus are exposed without authentication",
        );
    }

    #[test]
    fn only_the_uis_really_exposed_are_named() {
        let d = warns(
            "
            ingress: {expose: {prometheus: false, querier: false}}
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
