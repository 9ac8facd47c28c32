//! Exposure: every UI the ingress exposes without a login of its own is named when no basic
//! auth guards it; what the Ingress or Gateway API routes are asked to carry is what stackgen
//! can write for that controller.

use super::Findings;
use super::pods::keys_and_values;
use crate::config::facts::Ui;
use crate::config::model::{Controller, ExposureKind, Spec, StoreApiExpose};

/// Annotations stackgen writes on the Ingresses it renders, with the setting that writes
/// each: a user's value would fight it.
const OWNED_ANNOTATIONS: [(&str, &str); 9] = [
    (
        "nginx.ingress.kubernetes.io/auth-type",
        "ingress.basicAuthSecret",
    ),
    (
        "nginx.ingress.kubernetes.io/auth-secret",
        "ingress.basicAuthSecret",
    ),
    (
        "nginx.ingress.kubernetes.io/auth-realm",
        "ingress.basicAuthSecret",
    ),
    (
        "cert-manager.io/cluster-issuer",
        "ingress.tls.clusterIssuer",
    ),
    (
        "nginx.ingress.kubernetes.io/backend-protocol",
        "storeApi.expose: ingress",
    ),
    (
        "nginx.ingress.kubernetes.io/auth-tls-secret",
        "storeApi.tls",
    ),
    (
        "nginx.ingress.kubernetes.io/auth-tls-verify-client",
        "storeApi.tls",
    ),
    (
        "nginx.ingress.kubernetes.io/auth-tls-verify-depth",
        "storeApi.tls",
    ),
    (
        "nginx.ingress.kubernetes.io/whitelist-source-range",
        "storeApi.sources",
    ),
];

/// What stackgen writes for basic auth, and for the Store API's gRPC, exists only as
/// ingress-nginx annotations; Gateway API routes carry neither TLS nor authentication.
pub(super) fn exposure_fits_its_kind(spec: &Spec, f: &mut Findings) {
    let i = &spec.ingress;
    for (key, _) in i.annotations.iter() {
        if let Some((_, setting)) = OWNED_ANNOTATIONS.iter().find(|(k, _)| k == key) {
            f.error(
                &format!("spec.ingress.annotations.{key}"),
                format!("`{key}` is an annotation stackgen writes"),
                format!("stackgen writes it from `{setting}`; set that instead"),
            );
        }
    }
    keys_and_values(f, "spec.ingress.annotations", &i.annotations, false);
    let store_api_routed = spec.store_api.expose == StoreApiExpose::Ingress;
    if !i.enabled && !store_api_routed {
        return;
    }
    match i.kind {
        ExposureKind::Ingress => fits_the_controller(spec, store_api_routed, f),
        ExposureKind::GatewayApi => fits_gateway_api(spec, store_api_routed, f),
    }
}

fn fits_the_controller(spec: &Spec, store_api_routed: bool, f: &mut Findings) {
    let i = &spec.ingress;
    if i.gateway.is_some() {
        f.error(
            "spec.ingress.gateway",
            "is set, but `kind` is `ingress`, which renders an Ingress and no routes".to_owned(),
            "set `kind: gatewayAPI` to attach routes to that Gateway, or remove `gateway`",
        );
    }
    let controller = i.controller.as_str();
    if i.basic_auth_secret.is_some() && i.controller != Controller::Nginx {
        let instead = match i.controller {
            Controller::Traefik => {
                "Traefik takes basic auth from a `basicAuth` Middleware (traefik.io/v1alpha1): create one, name it in `annotations` as `traefik.ingress.kubernetes.io/router.middlewares: <namespace>-<name>@kubernetescrd`, and expose the UIs with `expose.<ui>: true`"
            }
            _ => {
                "configure authentication the way your controller does, through `annotations` or its own resources, and expose the UIs with `expose.<ui>: true`"
            }
        };
        f.error(
            "spec.ingress.basicAuthSecret",
            format!(
                "is set, but stackgen writes basic auth only for ingress-nginx (`controller: nginx`), and `controller` is `{controller}`"
            ),
            format!("remove it; {instead}"),
        );
    }
    if store_api_routed && i.controller != Controller::Nginx {
        f.error(
            "spec.storeApi.expose",
            format!(
                "is `ingress`, but stackgen writes the gRPC Ingress (GRPCS to Query, client certificates checked by the controller) only for ingress-nginx, and `ingress.controller` is `{controller}`"
            ),
            "use `expose: loadBalancer` (Query checks the client certificates itself), or `ingress.kind: gatewayAPI`",
        );
    }
}

fn fits_gateway_api(spec: &Spec, store_api_routed: bool, f: &mut Findings) {
    let i = &spec.ingress;
    if i.gateway.is_none() {
        f.error(
            "spec.ingress.gateway",
            "is unset, but `kind: gatewayAPI` attaches routes to an existing Gateway".to_owned(),
            "name it: `gateway: {name: <gateway>, namespace: <its namespace>}`",
        );
    }
    if i.tls.is_some() {
        f.error(
            "spec.ingress.tls",
            "is set, but with Gateway API, TLS terminates at the Gateway's listeners and a route carries none".to_owned(),
            "remove it and give the Gateway's HTTPS listener the certificate (`certificateRefs`); `gateway.https` says whether it serves HTTPS",
        );
    }
    if i.basic_auth_secret.is_some() {
        f.error(
            "spec.ingress.basicAuthSecret",
            "is set, but Gateway API has no basic auth: HTTPRoute's core filters cannot ask for a login".to_owned(),
            "remove it; authenticate at the Gateway with your implementation's own policy, then expose the UIs with `expose.<ui>: true`, or use `kind: ingress` with ingress-nginx",
        );
    }
    if store_api_routed && !spec.store_api.sources.is_empty() {
        f.error(
            "spec.storeApi.sources",
            "is set, but a GRPCRoute cannot admit by source address".to_owned(),
            "remove it and restrict sources at the Gateway (its implementation's policy, or the load balancer in front of it)",
        );
    }
    let np = &spec.network_policies;
    if np.enabled && np.ingress_controller_namespace.as_str() == "ingress-nginx" {
        f.warn(
            "spec.networkPolicies.ingressControllerNamespace",
            "is `ingress-nginx`, the default, but the UIs are exposed through a Gateway: NetworkPolicies admit only that namespace to them".to_owned(),
            "set it to the namespace the Gateway's proxy pods run in (for many implementations, the Gateway's own)",
        );
    }
}

pub(super) fn exposed_uis_are_protected(spec: &Spec, f: &mut Findings) {
    if !spec.ingress.enabled || spec.ingress.basic_auth_secret.is_some() {
        return;
    }
    let gateway = spec.ingress.kind == ExposureKind::GatewayApi;
    let nginx = spec.ingress.controller == Controller::Nginx;
    // Asked for in so many words: exposed, and warned about.
    let open: Vec<&str> = spec
        .exposed_uis()
        .into_iter()
        .filter(|ui| !ui.has_own_login() && spec.asks_to_expose(*ui) == Some(true))
        .map(Ui::title)
        .collect();
    if !open.is_empty() && gateway {
        f.warn(
            "spec.ingress.expose",
            format!(
                "exposes {} through the Gateway, and stackgen can put no login in front of them",
                open.join(", ")
            ),
            "authenticate at the Gateway with your implementation's own policy, or turn those hosts off under `spec.ingress.expose`",
        );
    } else if !open.is_empty() && !nginx {
        f.warn(
            "spec.ingress.expose",
            format!(
                "exposes {} through the ingress controller, and stackgen can put no login in front of them with this controller",
                open.join(", ")
            ),
            "authenticate at the controller (its own resources, named under `ingress.annotations`), or turn those hosts off under `spec.ingress.expose`",
        );
    } else if !open.is_empty() {
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
        let port_forward = format!(
            "`kubectl -n {} port-forward svc/thanos-querier 9090`",
            spec.namespace
        );
        let (why, help) = if gateway {
            (
                "Gateway API has no basic auth for stackgen to put in front of them",
                format!(
                    "expose one with `ingress.expose.<ui>: true` once the Gateway authenticates (your implementation's policy), or open it with {port_forward}"
                ),
            )
        } else if !nginx {
            (
                "stackgen writes basic auth for ingress-nginx only",
                format!(
                    "expose one with `ingress.expose.<ui>: true` once the controller authenticates (its own resources, named under `ingress.annotations`), or open it with {port_forward}"
                ),
            )
        } else {
            (
                "the ingress has no `basicAuthSecret`",
                format!(
                    "set `ingress.basicAuthSecret` to expose them, or open one with {port_forward}"
                ),
            )
        };
        f.note(
            "spec.ingress.expose",
            format!("{} are not exposed: {why}", names.join(", ")),
            help,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, passes, rejects, warns};
    use crate::diagnostic::Severity;

    const GATEWAY: &str = "kind: gatewayAPI, gateway: {name: public, namespace: gateway-system}";

    #[test]
    fn gateway_api_needs_a_gateway() {
        rejects(
            "ingress: {kind: gatewayAPI}",
            "spec.ingress.gateway",
            "attaches routes to an existing Gateway",
        );
        passes(&format!("ingress: {{{GATEWAY}}}"), "spec.ingress");
    }

    #[test]
    fn a_gateway_without_gateway_api_is_refused() {
        rejects(
            "ingress: {gateway: {name: public}}",
            "spec.ingress.gateway",
            "`kind` is `ingress`",
        );
    }

    #[test]
    fn gateway_api_has_no_basic_auth_and_no_route_tls() {
        let d = rejects(
            &format!("ingress: {{{GATEWAY}, basicAuthSecret: auth}}"),
            "spec.ingress.basicAuthSecret",
            "Gateway API has no basic auth",
        );
        assert!(d.help.unwrap().contains("expose.<ui>: true"));
        rejects(
            &format!("ingress: {{{GATEWAY}, tls: {{secretName: t}}}}"),
            "spec.ingress.tls",
            "terminates at the Gateway's listeners",
        );
    }

    #[test]
    fn basic_auth_is_written_for_ingress_nginx_only() {
        let d = rejects(
            "ingress: {controller: traefik, basicAuthSecret: auth}",
            "spec.ingress.basicAuthSecret",
            "`controller` is `traefik`",
        );
        assert!(d.help.unwrap().contains("Middleware"));
        rejects(
            "ingress: {controller: other, basicAuthSecret: auth}",
            "spec.ingress.basicAuthSecret",
            "only for ingress-nginx",
        );
        passes(
            "ingress: {controller: nginx, basicAuthSecret: auth}",
            "spec.ingress.basicAuthSecret",
        );
    }

    #[test]
    fn the_grpc_ingress_is_written_for_ingress_nginx_only() {
        rejects(
            "{ingress: {controller: traefik}, storeApi: {expose: ingress}}",
            "spec.storeApi.expose",
            "only for ingress-nginx",
        );
    }

    #[test]
    fn the_store_api_through_a_gateway_is_plaintext_or_refused() {
        let d = rejects(
            &format!("{{ingress: {{{GATEWAY}}}, storeApi: {{expose: ingress}}}}"),
            "spec.storeApi.expose",
            "BackendTLSPolicy",
        );
        assert!(d.help.unwrap().contains("expose: loadBalancer"));
        let ds = diagnostics(&format!(
            "{{ingress: {{{GATEWAY}}}, storeApi: {{expose: ingress, tls: {{mode: plaintext, secretName: s}}}}}}"
        ));
        expect(
            &ds,
            Severity::Warning,
            "spec.storeApi.tls.mode",
            "unencrypted",
        );
        rejects(
            &format!(
                "{{ingress: {{{GATEWAY}}}, storeApi: {{expose: ingress, sources: ['10.0.0.0/8'], tls: {{mode: plaintext, secretName: s}}}}}}"
            ),
            "spec.storeApi.sources",
            "cannot admit by source address",
        );
    }

    #[test]
    fn annotations_stackgen_writes_are_refused() {
        let d = rejects(
            "ingress: {annotations: {nginx.ingress.kubernetes.io/auth-secret: mine}}",
            "spec.ingress.annotations.nginx.ingress.kubernetes.io/auth-secret",
            "an annotation stackgen writes",
        );
        assert!(d.help.unwrap().contains("ingress.basicAuthSecret"));
        rejects(
            "ingress: {annotations: {'bad key!': x}}",
            "spec.ingress.annotations.bad key!",
            "is not a valid key",
        );
        passes(
            "ingress: {annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 8m}}",
            "spec.ingress.annotations",
        );
    }

    #[test]
    fn uis_without_login_stay_off_the_gateway_and_the_note_says_why() {
        let ds = diagnostics(&format!("ingress: {{{GATEWAY}}}"));
        let note = expect(
            &ds,
            Severity::Note,
            "spec.ingress.expose",
            "Gateway API has no basic auth",
        );
        assert!(note.help.unwrap().contains("port-forward"));
        let d = warns(
            &format!("ingress: {{{GATEWAY}, expose: {{alertmanager: true}}}}"),
            "spec.ingress.expose",
            "exposes Alertmanager through the Gateway",
        );
        assert!(d.help.unwrap().contains("authenticate at the Gateway"));
    }

    #[test]
    fn network_policies_left_on_ingress_nginx_are_warned_about_under_gateway_api() {
        warns(
            &format!("{{ingress: {{{GATEWAY}}}, networkPolicies: {{enabled: true}}}}"),
            "spec.networkPolicies.ingressControllerNamespace",
            "exposed through a Gateway",
        );
        passes(
            &format!(
                "{{ingress: {{{GATEWAY}}}, networkPolicies: {{enabled: true, ingressControllerNamespace: gateway-system}}}}"
            ),
            "spec.networkPolicies",
        );
    }

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

#[cfg(test)]
mod controller_tests {
    use crate::config::testing::{load_spec, warns};

    /// Without ingress-nginx stackgen writes no basic auth, so the note does not offer it.
    #[test]
    fn other_controllers_are_not_told_to_set_basic_auth() {
        let loaded =
            load_spec("ingress: {controller: other, className: openshift-default}").unwrap();
        let note = loaded
            .warnings
            .iter()
            .find(|d| d.path.as_deref() == Some("spec.ingress.expose"))
            .expect("a note on the closed UIs");
        assert!(note.message.contains("ingress-nginx only"), "{note:#?}");
        assert!(
            !note.help.as_deref().unwrap().contains("basicAuthSecret"),
            "{note:#?}"
        );
        warns(
            "ingress: {controller: traefik, expose: {querier: true}}",
            "spec.ingress.expose",
            "stackgen can put no login in front of them with this controller",
        );
    }
}
