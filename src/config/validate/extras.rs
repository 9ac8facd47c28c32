//! The escape hatches (`spec.<component>.extra`): flags are flags, added containers keep to
//! the restricted profile, and, once the rest of the config is valid, nothing the user adds
//! collides with what stackgen writes (which only a render of the pods can tell).

use std::sync::LazyLock;

use k8s_openapi::api::core::v1 as core;
use regex::Regex;

use super::Findings;
use crate::config::model::{MonitoringStack, Spec};

/// The one capability the restricted profile lets a container add.
const ALLOWED_CAPABILITY: &str = "NET_BIND_SERVICE";

pub(super) fn extras_are_well_formed(spec: &Spec, f: &mut Findings) {
    static FLAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^--[A-Za-z0-9][A-Za-z0-9._-]*(=.*)?$").unwrap());
    for (path, extras) in spec.extras() {
        for (list, args) in [
            ("args", &extras.args),
            ("overrideArgs", &extras.override_args),
        ] {
            for (i, arg) in args.iter().enumerate() {
                if !FLAG.is_match(arg) {
                    f.error(
                        &format!("{path}.{list}[{i}]"),
                        format!("`{arg}` is not a flag"),
                        "write each flag as one item, `--name=value` (or `--name` for a switch), without spaces around `=`",
                    );
                }
            }
        }
        if path.ends_with("sidecarExtra") {
            for (field, set) in [
                ("volumes", !extras.volumes.is_empty()),
                ("containers", !extras.containers.is_empty()),
            ] {
                if set {
                    f.error(
                        &format!("{path}.{field}"),
                        format!("{field} belong to the pod, not to the sidecar container"),
                        "declare them under `spec.prometheus.extra`; the sidecar's `volumeMounts` can mount them",
                    );
                }
            }
        }
        for (i, env) in extras.env.iter().enumerate() {
            if env.value.is_some() && env.value_from.is_some() {
                f.error(
                    &format!("{path}.env[{i}]"),
                    format!("`{}` has both `value` and `valueFrom`", env.name),
                    "Kubernetes takes one of them; keep the one you mean",
                );
            }
        }
        for (i, c) in extras.containers.iter().enumerate() {
            let at = format!("{path}.containers[{i}]");
            if c.image.as_deref().is_none_or(str::is_empty) {
                f.error(
                    &format!("{at}.image"),
                    format!("container `{}` has no image", c.name),
                    "set `image`, pinned by tag or digest",
                );
            }
            if let Some(sc) = &c.security_context {
                restricted(&format!("{at}.securityContext"), sc, f);
            }
        }
    }
}

/// What the restricted Pod Security profile refuses in a container's security context (the
/// namespace enforces it, so the pods would never start).
fn restricted(at: &str, sc: &core::SecurityContext, f: &mut Findings) {
    let mut refuse = |field: &str, what: &str| {
        f.error(
            &format!("{at}.{field}"),
            format!("{what} breaks the restricted Pod Security profile the stack runs under"),
            "leave it unset: stackgen fills in the restricted settings",
        );
    };
    if sc.privileged == Some(true) {
        refuse("privileged", "a privileged container");
    }
    if sc.allow_privilege_escalation == Some(true) {
        refuse("allowPrivilegeEscalation", "privilege escalation");
    }
    if sc.run_as_non_root == Some(false) {
        refuse("runAsNonRoot", "`runAsNonRoot: false`");
    }
    if sc.run_as_user == Some(0) {
        refuse("runAsUser", "running as root");
    }
    let added = sc.capabilities.as_ref().and_then(|c| c.add.as_ref());
    if added
        .into_iter()
        .flatten()
        .any(|cap| cap != ALLOWED_CAPABILITY)
    {
        refuse(
            "capabilities.add",
            "a capability other than NET_BIND_SERVICE",
        );
    }
}

/// Collisions with what stackgen writes, found by building the pods with the extras.
pub(super) fn extras_fit(config: &MonitoringStack, f: &mut Findings) {
    for finding in crate::render::extras_findings(config) {
        f.error(&finding.path, finding.message, finding.help);
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect};
    use crate::diagnostic::Severity;

    #[test]
    fn malformed_flags_misplaced_pod_parts_and_unrestricted_containers_are_refused() {
        let ds = diagnostics(
            "
            prometheus:
              sidecarExtra:
                args: ['--objstore.config-file /x', 'shipper']
                volumes: [{name: v, emptyDir: {}}]
            grafana:
              extra:
                env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                containers:
                - name: shell
                  securityContext: {privileged: true, runAsUser: 0, capabilities: {add: [NET_BIND_SERVICE, SYS_ADMIN]}}
            ",
        );
        for (path, fragment) in [
            ("spec.prometheus.sidecarExtra.args[0]", "is not a flag"),
            (
                "spec.prometheus.sidecarExtra.args[1]",
                "`shipper` is not a flag",
            ),
            ("spec.prometheus.sidecarExtra.volumes", "belong to the pod"),
            ("spec.grafana.extra.env[0]", "both `value` and `valueFrom`"),
            ("spec.grafana.extra.containers[0].image", "has no image"),
            (
                "spec.grafana.extra.containers[0].securityContext.privileged",
                "restricted",
            ),
            (
                "spec.grafana.extra.containers[0].securityContext.runAsUser",
                "running as root",
            ),
            (
                "spec.grafana.extra.containers[0].securityContext.capabilities.add",
                "other than NET_BIND_SERVICE",
            ),
        ] {
            expect(&ds, Severity::Error, path, fragment);
        }
    }

    /// The collision checks need a render, so they wait for the other errors to be fixed.
    #[test]
    fn collisions_are_checked_once_the_rest_is_valid() {
        let ds = diagnostics(
            "
            thanos:
              compact: {replicas: 2, extra: {args: ['--data-dir=/x']}}
            ",
        );
        expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "");
        assert!(
            ds.iter()
                .all(|d| d.path.as_deref() != Some("spec.thanos.compact.extra.args[0]"))
        );
    }
}
