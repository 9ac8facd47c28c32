//! Query's remote Store API endpoints: each other cluster listed once.

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

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, rejects};

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
