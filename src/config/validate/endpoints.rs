//! What the stack dials outside itself: Query's remote Store API endpoints (each other
//! cluster listed once), and the ports NetworkPolicies open to the API server and receivers.

use std::collections::BTreeSet;

use super::Findings;
use crate::config::model::Spec;

pub(super) fn remote_endpoints_are_unique(spec: &Spec, f: &mut Findings) {
    let mut seen = BTreeSet::new();
    for (i, endpoint) in spec.thanos.query.remote_endpoints.iter().enumerate() {
        if !seen.insert(endpoint.as_str()) {
            f.error(
                &format!("spec.thanos.query.remoteEndpoints[{i}]"),
                format!("`{endpoint}` is listed twice"),
                "list each endpoint once",
            );
        }
    }
}

/// A list of ports NetworkPolicies open: none would block the component, port 0 is none.
pub(super) fn network_policy_ports_are_usable(spec: &Spec, f: &mut Findings) {
    let np = &spec.network_policies;
    for (field, ports, who) in [
        (
            "apiServerPorts",
            &np.api_server_ports,
            "Prometheus and kube-state-metrics could not reach the API server",
        ),
        (
            "receiverPorts",
            &np.receiver_ports,
            "Alertmanager could not reach its receivers",
        ),
    ] {
        let path = format!("spec.networkPolicies.{field}");
        if ports.is_empty() && np.enabled {
            f.error(
                &path,
                "is empty".to_owned(),
                format!("{who}; list at least one port, such as 443"),
            );
        }
        for (i, port) in ports.iter().enumerate() {
            if *port == 0 {
                f.error(
                    &format!("{path}[{i}]"),
                    "is 0, which is no port".to_owned(),
                    "use a port between 1 and 65535",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, rejects};

    #[test]
    fn network_policy_ports_must_be_usable() {
        rejects(
            "networkPolicies: {enabled: true, apiServerPorts: []}",
            "spec.networkPolicies.apiServerPorts",
            "is empty",
        );
        rejects(
            "networkPolicies: {receiverPorts: [443, 0]}",
            "spec.networkPolicies.receiverPorts[1]",
            "is 0",
        );
    }

    #[test]
    fn remote_endpoints_must_be_unique() {
        rejects(
            "thanos: {query: {remoteEndpoints: ['a.example.com:10901', 'b.example.com:10901', 'a.example.com:10901']}}",
            "spec.thanos.query.remoteEndpoints[2]",
            "`a.example.com:10901` is listed twice",
        );
    }

    #[test]
    fn distinct_remote_endpoints_pass() {
        let loaded = passes(
            "thanos: {query: {remoteEndpoints: ['a.example.com:10901', 'b.example.com:10901']}}",
            "spec.thanos.query.remoteEndpoints[1]",
        );
        assert_eq!(loaded.config.spec.thanos.query.remote_endpoints.len(), 2);
    }
}
