//! The user's escape hatches (`spec.<component>.extra`) applied to a pod stackgen built, and
//! what they must not do to it: set a flag stackgen writes without saying so, or reuse a
//! name (of a variable, volume, mount path or container) stackgen already gave.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1 as core;

use super::workload::restricted;
use crate::config::model::{Extras, flag_name};

/// What a component's extras would break, at their config path. Validation reports them
/// (see `config::validate::extras`); a render after validation applies the extras as they
/// are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: String,
    pub message: String,
    pub help: String,
}

/// One component's extras for one of its containers.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The container the flags, variables and mounts go to.
    pub container: &'a str,
    pub extras: &'a Extras,
    /// Where they are in the config.
    pub path: &'static str,
}

/// Adds `request`'s extras to `spec`, whose volume claims (a StatefulSet's) are `claims`.
pub fn apply(
    spec: &mut core::PodSpec,
    claims: &[String],
    request: Request,
    findings: &mut Vec<Finding>,
) {
    let Request {
        container,
        extras,
        path,
    } = request;
    let mut find = |at: String, message: String, help: &str| {
        findings.push(Finding {
            path: at,
            message,
            help: help.to_owned(),
        });
    };
    let volumes = spec.volumes.get_or_insert_with(Vec::new);
    let mut volume_names: BTreeSet<String> = volumes.iter().map(|v| v.name.clone()).collect();
    volume_names.extend(claims.iter().cloned());
    for (i, v) in extras.volumes.iter().enumerate() {
        if !volume_names.insert(v.name.clone()) {
            find(
                format!("{path}.volumes[{i}].name"),
                format!("volume `{}` is already declared", v.name),
                "stackgen's pods already have a volume of that name; choose another",
            );
        }
        volumes.push(v.clone());
    }
    if volumes.is_empty() {
        spec.volumes = None;
    }
    let mut taken: BTreeSet<String> = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .map(|c| c.name.clone())
        .collect();
    for (i, c) in extras.containers.iter().enumerate() {
        if !taken.insert(c.name.clone()) {
            find(
                format!("{path}.containers[{i}].name"),
                format!("container `{}` is already in the pods", c.name),
                "choose another name",
            );
        }
        for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
            if !volume_names.contains(&m.name) {
                find(
                    format!("{path}.containers[{i}].volumeMounts[{j}].name"),
                    format!("volume `{}` is neither stackgen's nor in `volumes`", m.name),
                    "declare it under the component's `extra.volumes`",
                );
            }
        }
        spec.containers.push(restricted_container(c.clone()));
    }
    // The Thanos sidecar is a native sidecar: an init container that keeps running.
    let Some(target) = spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
        .find(|c| c.name == container)
    else {
        return;
    };
    let args = target.args.get_or_insert_with(Vec::new);
    let written: BTreeSet<String> = args.iter().map(|a| flag_name(a).to_owned()).collect();
    let overridden: BTreeSet<&str> = extras.override_args.iter().map(|a| flag_name(a)).collect();
    for (i, arg) in extras.args.iter().enumerate() {
        if let Some(own) = args.iter().find(|a| flag_name(a) == flag_name(arg)) {
            find(
                format!("{path}.args[{i}]"),
                format!(
                    "`{}` is a flag stackgen writes for container `{container}` (`{own}`)",
                    flag_name(arg)
                ),
                "to replace stackgen's value, move it to `overrideArgs`",
            );
        }
    }
    for (i, arg) in extras.override_args.iter().enumerate() {
        if !written.contains(flag_name(arg)) {
            find(
                format!("{path}.overrideArgs[{i}]"),
                format!(
                    "stackgen writes no `{}` for container `{container}`, so there is nothing to override",
                    flag_name(arg)
                ),
                "list it under `args`",
            );
        }
    }
    args.retain(|a| !overridden.contains(flag_name(a)));
    args.extend(extras.override_args.iter().cloned());
    args.extend(extras.args.iter().cloned());
    if args.is_empty() {
        target.args = None;
    }
    let env = target.env.get_or_insert_with(Vec::new);
    let mut names: BTreeSet<String> = env.iter().map(|e| e.name.clone()).collect();
    for (i, e) in extras.env.iter().enumerate() {
        if !names.insert(e.name.clone()) {
            find(
                format!("{path}.env[{i}].name"),
                format!("`{}` is already set in container `{container}`", e.name),
                "stackgen's containers read that variable; choose another name",
            );
        }
        env.push(e.clone());
    }
    if env.is_empty() {
        target.env = None;
    }
    let mounts = target.volume_mounts.get_or_insert_with(Vec::new);
    let mut paths: BTreeSet<String> = mounts.iter().map(|m| m.mount_path.clone()).collect();
    for (i, m) in extras.volume_mounts.iter().enumerate() {
        if !volume_names.contains(&m.name) {
            find(
                format!("{path}.volumeMounts[{i}].name"),
                format!("volume `{}` is neither stackgen's nor in `volumes`", m.name),
                "declare it under the component's `extra.volumes`",
            );
        }
        if !paths.insert(m.mount_path.clone()) {
            find(
                format!("{path}.volumeMounts[{i}].mountPath"),
                format!(
                    "`{}` is already mounted in container `{container}`",
                    m.mount_path
                ),
                "mount it at another path",
            );
        }
        mounts.push(m.clone());
    }
    if mounts.is_empty() {
        target.volume_mounts = None;
    }
}

/// The user's container under the restricted profile: what its security context leaves
/// unset is stackgen's (validation refuses what would break the profile).
fn restricted_container(mut c: core::Container) -> core::Container {
    let base = restricted();
    let own = c.security_context.take().unwrap_or_default();
    c.security_context = Some(core::SecurityContext {
        allow_privilege_escalation: own
            .allow_privilege_escalation
            .or(base.allow_privilege_escalation),
        read_only_root_filesystem: own
            .read_only_root_filesystem
            .or(base.read_only_root_filesystem),
        capabilities: own.capabilities.or(base.capabilities),
        ..own
    });
    c
}

#[cfg(test)]
mod tests {
    use crate::render::testing::{config as load_spec_ok, errors as errors_of, find};

    const EXTRAS: &str = "
thanos:
  query:
    extra:
      args: [--query.timeout=5m, --query.lookback-delta=15m]
      overrideArgs: [--query.replica-label=prometheus_replica]
      env: [{name: GOMEMLIMIT, valueFrom: {resourceFieldRef: {resource: limits.memory}}}]
      volumes: [{name: tracing, secret: {secretName: tracing-config, items: [{key: tracing.yaml, path: tracing.yaml}]}}]
      volumeMounts: [{name: tracing, mountPath: /etc/tracing, readOnly: true}]
      containers:
      - name: oauth-proxy
        image: quay.io/oauth2-proxy/oauth2-proxy:v7.6.0
        args: [--http-address=0.0.0.0:4180]
        securityContext: {runAsUser: 2000}
";

    #[test]
    fn extras_land_on_the_main_container_and_the_pods() {
        let config = load_spec_ok(EXTRAS);
        let objects = crate::render::render(&config).expect("renders");
        let pod = &find(&objects, "Deployment", "thanos-querier")["spec"]["template"]["spec"];
        let query = &pod["containers"][0];
        let args: Vec<&str> = query["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        // Every value stackgen wrote for the overridden flag is gone; the user's is there once.
        let replica: Vec<&&str> = args
            .iter()
            .filter(|a| a.starts_with("--query.replica-label="))
            .collect();
        assert_eq!(replica, [&"--query.replica-label=prometheus_replica"]);
        assert!(args.ends_with(&["--query.timeout=5m", "--query.lookback-delta=15m"]));
        assert!(args.contains(&"--query.auto-downsampling"));
        assert_eq!(
            query["env"].as_array().unwrap().last().unwrap()["name"],
            "GOMEMLIMIT"
        );
        assert_eq!(query["volumeMounts"][0]["mountPath"], "/etc/tracing");
        assert_eq!(
            pod["volumes"].as_array().unwrap().last().unwrap()["name"],
            "tracing"
        );
        let proxy = &pod["containers"][1];
        assert_eq!(proxy["name"], "oauth-proxy");
        let sc = &proxy["securityContext"];
        assert_eq!(sc["runAsUser"], 2000);
        assert_eq!(sc["allowPrivilegeEscalation"], false);
        assert_eq!(sc["readOnlyRootFilesystem"], true);
        assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
        let prerequisites = crate::render::prerequisites::of(&config.spec);
        assert!(
            prerequisites.secrets["tracing-config"]
                .keys
                .contains("tracing.yaml")
        );
    }

    #[test]
    fn a_flag_stackgen_writes_needs_to_be_an_override_and_an_override_a_flag_it_writes() {
        let errors = errors_of(
            "thanos:\n  store:\n    extra:\n      args: [--data-dir=/tmp]\n      overrideArgs: [--no-such-flag=1]\n",
        );
        assert_eq!(
            errors,
            [
                (
                    "spec.thanos.store.extra.args[0]".to_owned(),
                    "`--data-dir` is a flag stackgen writes for container `thanos-store` (`--data-dir=/var/thanos/store`)".to_owned()
                ),
                (
                    "spec.thanos.store.extra.overrideArgs[0]".to_owned(),
                    "stackgen writes no `--no-such-flag` for container `thanos-store`, so there is nothing to override".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn names_stackgen_uses_are_refused() {
        let errors = errors_of(
            "prometheus:\n  sidecarExtra:\n    env: [{name: POD_NAME, value: x}]\n    volumeMounts: [{name: data, mountPath: /prometheus}, {name: nowhere, mountPath: /x}]\n  extra:\n    volumes: [{name: config, emptyDir: {}}]\n    containers: [{name: prometheus, image: busybox:1.36}]\n",
        );
        let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.prometheus.extra.volumes[0].name",
                "spec.prometheus.extra.containers[0].name",
                "spec.prometheus.sidecarExtra.env[0].name",
                "spec.prometheus.sidecarExtra.volumeMounts[0].mountPath",
                "spec.prometheus.sidecarExtra.volumeMounts[1].name",
            ],
            "{errors:#?}"
        );
    }

    /// A flag naming a file on no volume passes the name checks but not the wiring check of
    /// the whole render; the error names the extras that caused it.
    #[test]
    fn extras_that_break_the_wiring_are_refused_at_their_path() {
        let errors = errors_of(
            "thanos:\n  compact:\n    extra:\n      args: [--tracing.config-file=/etc/tracing/tracing.yaml]\n",
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].0, "spec.thanos.compact.extra");
        assert!(
            errors[0].1.contains("/etc/tracing/tracing.yaml"),
            "{errors:#?}"
        );
    }
}
