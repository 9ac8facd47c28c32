//! The validation rules of DESIGN.md: each rule a function, every finding reported at once,
//! each with the config path, the value, why, and how to fix it. One module per family of
//! rules, with its tests beside it.

mod alertmanager;
mod built_in_alerts;
mod caches;
pub mod dashboards;
mod endpoints;
mod extras;
mod grafana;
mod images;
mod ingress;
mod labels;
mod matchers;
mod metadata;
mod object_storage;
mod pods;
mod receivers;
mod replicas;
mod retention;
mod rule_files;
mod scrape;
mod shards;
mod store_api;
mod store_shards;
mod topology;
mod values;
mod versions;

use super::facts::{PROMETHEUS_RULES_FILE, RULER_RULES_FILE};
use super::model::MonitoringStack;
use super::tree::{Node, Path};
use crate::diagnostic::{Diagnostic, Severity};

/// Collects findings, each pointed at the merged tree's origin of its path.
struct Findings<'a> {
    tree: &'a Node,
    out: Vec<Diagnostic>,
}

impl Findings<'_> {
    fn push(&mut self, severity: Severity, path: &str, message: String, help: impl Into<String>) {
        let origin = Path::parse(path).ok().map(|p| self.tree.origin_of(&p));
        let mut d = match severity {
            Severity::Error => Diagnostic::error(message),
            Severity::Warning => Diagnostic::warning(message),
            Severity::Note => Diagnostic::note(message),
        };
        d = d.at(path).from_origin(origin).help(help);
        self.out.push(d);
    }
    fn error(&mut self, path: &str, message: String, help: impl Into<String>) {
        self.push(Severity::Error, path, message, help);
    }
    fn warn(&mut self, path: &str, message: String, help: impl Into<String>) {
        self.push(Severity::Warning, path, message, help);
    }
    fn note(&mut self, path: &str, message: String, help: impl Into<String>) {
        self.push(Severity::Note, path, message, help);
    }
}

/// Runs every rule over a config that passed the structural check.
pub fn validate(config: &MonitoringStack, tree: &Node) -> Vec<Diagnostic> {
    let mut f = Findings {
        tree,
        out: Vec::new(),
    };
    let spec = &config.spec;
    replicas::compactor_is_a_singleton(spec, &mut f);
    retention::block_durations_allow_upload(spec, &mut f);
    retention::retention_survives_downsampling(spec, &mut f);
    labels::labels_make_series_unique(spec, &mut f);
    labels::sidecar_can_expand_variables(spec, &mut f);
    labels::labels_are_not_reserved(spec, &mut f);
    object_storage::buckets_follow_provider_rules(spec, &mut f);
    object_storage::object_storage_is_complete(spec, &mut f);
    replicas::replicas_are_highly_available(spec, &mut f);
    replicas::data_stays_on_volumes(spec, &mut f);
    shards::shards_split_the_targets(spec, &mut f);
    rule_files::rule_files_parse(
        ("spec.prometheus", &spec.prometheus.rule_file_origins),
        PROMETHEUS_RULES_FILE,
        &spec.prometheus.rule_files,
        &mut f,
    );
    rule_files::rule_files_parse(
        ("spec.thanos.ruler", &spec.thanos.ruler.rule_file_origins),
        RULER_RULES_FILE,
        &spec.thanos.ruler.rule_files,
        &mut f,
    );
    alertmanager::alertmanager_routes_resolve(spec, &mut f);
    built_in_alerts::built_in_alerts_exist(&spec.built_in_alerts, &mut f);
    alertmanager::time_intervals_parse(spec, &mut f);
    alertmanager::inhibit_rules_parse(spec, &mut f);
    alertmanager::templates_load(spec, &mut f);
    receivers::integrations_are_usable(spec, &mut f);
    endpoints::remote_endpoints_are_unique(spec, &mut f);
    store_api::store_api_can_be_offered(spec, &mut f);
    store_api::remote_endpoints_are_reachable(spec, &mut f);
    topology::stack_reads_what_it_keeps(spec, &mut f);
    caches::caches_are_usable(spec, &mut f);
    store_shards::store_shards_cover_every_block(spec, &mut f);
    ingress::exposed_uis_are_protected(spec, &mut f);
    ingress::exposure_fits_its_kind(spec, &mut f);
    grafana::dashboards_have_data(spec, &mut f);
    grafana::grafana_keeps_its_state(spec, &mut f);
    grafana::dashboard_files_are_dashboards(spec, &mut f);
    grafana::plugins_are_pinned(spec, &mut f);
    grafana::grafana_logins_work(spec, &mut f);
    endpoints::network_policy_ports_are_usable(spec, &mut f);
    images::thanos_flags_match_the_image(spec, &mut f);
    versions::sidecars_run_natively(spec, &mut f);
    values::requests_fit_limits(spec, &mut f);
    values::volumes_have_room(spec, &mut f);
    values::secret_keys_are_file_names(spec, &mut f);
    values::hosts_fit_in_dns(spec, &mut f);
    scrape::scrape_configs_are_valid(spec, &mut f);
    pods::pod_settings_are_well_formed(spec, &mut f);
    pods::platform_ids_are_not_also_fixed(spec, &mut f);
    extras::extras_are_well_formed(spec, &mut f);
    metadata::metadata_is_well_formed(&config.metadata, &mut f);
    // Telling a flag of the user's from one stackgen writes takes building the pods, which
    // only a config that broke no other rule can do safely.
    if !f.out.iter().any(Diagnostic::is_error) {
        extras::extras_fit(config, &mut f);
    }
    f.out
}

#[cfg(test)]
mod tests {
    use super::validate;
    use crate::config::model::MonitoringStack;
    use crate::config::testing::{diagnostics, expect};
    use crate::config::tree::Node;
    use crate::diagnostic::Severity;
    use crate::source::Origin;

    #[test]
    fn defaults_break_no_rule() {
        let defaults = MonitoringStack::default();
        let tree = Node::from_json(
            &serde_json::to_value(&defaults).expect("defaults serialize"),
            &Origin::Default,
        );
        let findings = validate(&defaults, &tree);
        assert!(
            findings.iter().all(|d| !d.is_error()),
            "defaults must validate: {findings:#?}"
        );
        // The defaults draw no warning; the only remark is a note on the UIs kept off the
        // ingress for want of authentication, pointed at the built-in default.
        let paths: Vec<_> = findings
            .iter()
            .map(|d| (d.severity, d.path.as_deref()))
            .collect();
        assert_eq!(
            paths,
            [(Severity::Note, Some("spec.ingress.expose"))],
            "{findings:#?}"
        );
        assert!(findings.iter().all(|d| d.origin == Some(Origin::Default)));
    }

    #[test]
    fn every_finding_of_a_run_is_reported_at_once() {
        let ds = diagnostics(
            "
            cluster: ''
            prometheus: {replicas: 0}
            thanos: {compact: {replicas: 3}}
            ",
        );
        expect(&ds, Severity::Error, "spec.cluster", "is empty");
        expect(&ds, Severity::Error, "spec.prometheus.replicas", "is 0");
        expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 3");
    }
}
