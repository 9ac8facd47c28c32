//! Values that pass their type but that the component consuming them would refuse or
//! choke on: requests above limits, empty volumes, Secret and ConfigMap keys that are no file
//! names, ingress hosts longer than DNS allows.

use super::Findings;
use crate::config::facts::Ui;
use crate::config::model::{Resources, SecretKeyRef, Spec, Storage};

/// Every container's resources, by config path.
fn resources(spec: &Spec) -> Vec<(&'static str, &Resources)> {
    vec![
        ("spec.prometheus.resources", &spec.prometheus.resources),
        (
            "spec.prometheus.sidecarResources",
            &spec.prometheus.sidecar_resources,
        ),
        ("spec.thanos.query.resources", &spec.thanos.query.resources),
        ("spec.thanos.store.resources", &spec.thanos.store.resources),
        (
            "spec.thanos.compact.resources",
            &spec.thanos.compact.resources,
        ),
        ("spec.thanos.ruler.resources", &spec.thanos.ruler.resources),
        ("spec.alertmanager.resources", &spec.alertmanager.resources),
        ("spec.grafana.resources", &spec.grafana.resources),
        (
            "spec.kubeStateMetrics.resources",
            &spec.kube_state_metrics.resources,
        ),
        ("spec.nodeExporter.resources", &spec.node_exporter.resources),
        ("spec.memcached.resources", &spec.memcached.resources),
        (
            "spec.memcached.exporterResources",
            &spec.memcached.exporter_resources,
        ),
    ]
}

/// Every volume, by config path.
fn storages(spec: &Spec) -> Vec<(&'static str, &Storage)> {
    vec![
        ("spec.prometheus.storage", &spec.prometheus.storage),
        ("spec.thanos.store.storage", &spec.thanos.store.storage),
        ("spec.thanos.compact.storage", &spec.thanos.compact.storage),
        ("spec.thanos.ruler.storage", &spec.thanos.ruler.storage),
        ("spec.alertmanager.storage", &spec.alertmanager.storage),
        ("spec.grafana.storage", &spec.grafana.storage),
    ]
}

/// The API server refuses a container whose request is above its limit.
pub(super) fn requests_fit_limits(spec: &Spec, f: &mut Findings) {
    for (path, r) in resources(spec) {
        for (resource, request, limit) in [
            ("cpu", &r.requests.cpu, &r.limits.cpu),
            ("memory", &r.requests.memory, &r.limits.memory),
        ] {
            if let (Some(request), Some(limit)) = (request, limit)
                && request.value() > limit.value()
            {
                f.error(
                    &format!("{path}.requests.{resource}"),
                    format!("`{request}` is more than the limit `{limit}`"),
                    "the API server refuses a request above its limit: raise the limit or lower the request",
                );
            }
        }
    }
}

/// A claim of size 0 is refused by the API server.
pub(super) fn volumes_have_room(spec: &Spec, f: &mut Findings) {
    for (path, storage) in storages(spec) {
        if storage.persistent && storage.size.value() <= 0.0 {
            f.error(
                &format!("{path}.size"),
                format!("`{}` holds nothing", storage.size),
                "give the claim a size such as `10Gi`, or set `persistent: false`",
            );
        }
    }
}

/// Every Secret and ConfigMap key the config names, by config path: the path, the kind and
/// the key.
fn file_keys(spec: &Spec) -> Vec<(String, &'static str, &str)> {
    let mut secrets: Vec<(String, &SecretKeyRef)> = Vec::new();
    if let Some(creds) = &spec.object_storage.credentials_secret {
        secrets.push(("spec.objectStorage.credentialsSecret".to_owned(), creds));
    }
    if let Some(r) = spec
        .object_storage
        .ca_bundle
        .as_ref()
        .and_then(|ca| ca.secret.as_ref())
    {
        secrets.push(("spec.objectStorage.caBundle.secret".to_owned(), r));
    }
    for (i, r) in spec.alertmanager.receivers.iter().enumerate() {
        for (field, secret) in r.secrets() {
            secrets.push((format!("spec.alertmanager.receivers[{i}].{field}"), secret));
        }
    }
    if let Some(db) = &spec.grafana.database {
        secrets.push(("spec.grafana.database.urlSecret".to_owned(), &db.url_secret));
    }
    let mut out: Vec<(String, &'static str, &str)> = secrets
        .into_iter()
        .map(|(path, r)| (path, "Secret", r.key.as_str()))
        .collect();
    if let Some(r) = spec
        .object_storage
        .ca_bundle
        .as_ref()
        .and_then(|ca| ca.config_map.as_ref())
    {
        out.push((
            "spec.objectStorage.caBundle.configMap".to_owned(),
            "ConfigMap",
            r.key.as_str(),
        ));
    }
    out
}

/// Secret and ConfigMap keys become file names in mounted volumes: Kubernetes allows
/// letters, digits, `-`, `_` and `.`, and neither `.` nor `..`.
pub(super) fn secret_keys_are_file_names(spec: &Spec, f: &mut Findings) {
    for (path, kind, key) in file_keys(spec) {
        let chars_ok = !key.is_empty()
            && key.len() <= 253
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !chars_ok || key == "." || key == ".." {
            f.error(
                &format!("{path}.key"),
                format!("`{key}` is not a {kind} key"),
                "a key is a file name: letters, digits, `-`, `_` and `.`, not `.` or `..`",
            );
        }
    }
}

/// Every ingress host is a UI's name under the domain, and DNS names end at 253 characters.
pub(super) fn hosts_fit_in_dns(spec: &Spec, f: &mut Findings) {
    let longest = spec
        .exposed_uis()
        .into_iter()
        .map(|ui| match ui {
            Ui::Querier => "thanos-querier".len(),
            Ui::Grafana => "grafana".len(),
            Ui::Alertmanager => "alertmanager".len(),
            Ui::Ruler => "thanos-ruler".len(),
            // The last shard's last pod has the longest name.
            Ui::Prometheus => spec
                .prometheus_sets()
                .last()
                .map_or(0, |set| format!("{set}-{}", spec.prometheus.replicas).len()),
        })
        .max();
    if let Some(prefix) = longest
        && prefix + 1 + spec.domain.as_str().len() > 253
    {
        f.error(
            "spec.domain",
            format!(
                "is {} characters long, so ingress hosts under it pass the 253 DNS allows",
                spec.domain.as_str().len()
            ),
            format!("use a domain of at most {} characters", 253 - prefix - 1),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::rejects;

    #[test]
    fn a_request_above_its_limit_is_refused() {
        rejects(
            "thanos: {query: {resources: {requests: {memory: 4Gi}, limits: {memory: 2Gi}}}}",
            "spec.thanos.query.resources.requests.memory",
            "`4Gi` is more than the limit `2Gi`",
        );
        rejects(
            "grafana: {resources: {requests: {cpu: '2'}, limits: {cpu: 500m}}}",
            "spec.grafana.resources.requests.cpu",
            "more than the limit",
        );
    }

    #[test]
    fn an_empty_volume_is_refused() {
        rejects(
            "prometheus: {storage: {size: '0'}}",
            "spec.prometheus.storage.size",
            "holds nothing",
        );
    }

    #[test]
    fn secret_keys_must_be_file_names() {
        rejects(
            "objectStorage: {credentialsSecret: {name: creds, key: ../etc/passwd}}",
            "spec.objectStorage.credentialsSecret.key",
            "is not a Secret key",
        );
        rejects(
            "objectStorage: {credentialsSecret: {name: creds, key: '..'}}",
            "spec.objectStorage.credentialsSecret.key",
            "is not a Secret key",
        );
    }

    #[test]
    fn ingress_hosts_must_fit_in_dns() {
        let label = "a".repeat(60);
        let domain = [label.as_str(); 4].join(".");
        rejects(
            &format!("{{domain: {domain}, ingress: {{basicAuthSecret: auth}}}}"),
            "spec.domain",
            "pass the 253 DNS allows",
        );
    }
}
