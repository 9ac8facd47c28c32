//! What runs where: a cluster that hands its buckets to another one, or one that only reads
//! other clusters. A single config cannot see the other cluster; `render --fleet` can, and
//! checks what these notes leave to it.

use super::Findings;
use crate::config::model::Spec;

/// Switching off a Store gateway, a Compactor or Prometheus leaves something to another
/// cluster, or leaves Query with nothing to read.
pub(super) fn stack_reads_what_it_keeps(spec: &Spec, f: &mut Findings) {
    let thanos = &spec.thanos;
    let buckets: Vec<String> = spec
        .buckets()
        .into_iter()
        .map(|b| format!("`{}`", b.key))
        .collect();
    let buckets = buckets.join(" and ");
    if !thanos.compact.enabled && !buckets.is_empty() {
        f.note(
            "spec.thanos.compact.enabled",
            format!(
                "is false: nothing here compacts, downsamples or prunes {buckets}; another cluster's Compactor must, exactly one"
            ),
            "render the clusters sharing the bucket together with `render --fleet`, which checks that exactly one compacts it",
        );
    }
    if !thanos.store.enabled && !buckets.is_empty() {
        f.note(
            "spec.thanos.store.enabled",
            format!(
                "is false: this cluster's Query reads only what its Prometheus still holds; another cluster's Store gateway must serve {buckets}"
            ),
            "render the clusters sharing the bucket together with `render --fleet`, which checks that some cluster reads it",
        );
    }
    if !spec.prometheus.enabled && !spec.prometheus.rule_files.is_empty() {
        f.warn(
            "spec.prometheus.ruleFiles",
            "are never evaluated: Prometheus is switched off".to_owned(),
            "move them to `thanos.ruler.ruleFiles`, which the Ruler evaluates over the global view",
        );
    }
    let reads_something = spec.prometheus.enabled
        || thanos.store.enabled
        || thanos.ruler.enabled
        || !thanos.query.remote_endpoints.is_empty();
    if !reads_something {
        f.error(
            "spec.prometheus.enabled",
            "is false, and so are the Store gateway and the Ruler, with no remote endpoint: Thanos Query would have no Store API to read".to_owned(),
            "keep the Store gateway over a bucket, or list the other clusters in `thanos.query.remoteEndpoints`",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, passes, rejects};
    use crate::diagnostic::Severity;

    #[test]
    fn handing_a_bucket_over_is_noted_with_the_bucket() {
        let ds = diagnostics("thanos: {compact: {enabled: false}, store: {enabled: false}}");
        expect(
            &ds,
            Severity::Note,
            "spec.thanos.compact.enabled",
            "`gs://prometheus-long-term` and `gs://thanos-ruler`; another cluster's Compactor must",
        );
        expect(
            &ds,
            Severity::Note,
            "spec.thanos.store.enabled",
            "only what its Prometheus still holds",
        );
    }

    #[test]
    fn an_observer_without_prometheus_passes() {
        passes(
            "{prometheus: {enabled: false}, thanos: {query: {remoteEndpoints: ['thanos-grpc.eu1.example.com:443']}}}",
            "spec.prometheus.enabled",
        );
    }

    #[test]
    fn rules_for_a_prometheus_switched_off_are_warned_about() {
        let ds = diagnostics(
            "prometheus: {enabled: false, ruleFiles: [{name: a.yaml, groups: [{name: g, rules: [{record: 'a:b', expr: up}]}]}]}",
        );
        expect(
            &ds,
            Severity::Warning,
            "spec.prometheus.ruleFiles",
            "never evaluated",
        );
    }

    #[test]
    fn a_query_with_nothing_to_read_is_refused() {
        rejects(
            "{prometheus: {enabled: false}, thanos: {store: {enabled: false}, ruler: {enabled: false}}}",
            "spec.prometheus.enabled",
            "no Store API to read",
        );
    }
}
