//! Tests of the structural check: unknown keys, wrong types, malformed values, each at its
//! `file:line:col`, and values set aside so the rules still run over the rest.

use crate::config::testing::{
    all, at, config, expect, help_of, load_spec, load_text, position, refused, rejects,
};
use crate::diagnostic::Severity;

#[test]
fn unknown_keys_are_refused_with_a_suggestion() {
    let d = rejects(
        "prometheus: {replica: 3}",
        "spec.prometheus.replica",
        "unknown field `replica` in `spec.prometheus`",
    );
    assert!(
        help_of(&d).starts_with("did you mean `replicas`?"),
        "{:?}",
        d.help
    );
    // Points at the key, not its value.
    assert_eq!(position(&d), (4, 16));
}

#[test]
fn unknown_top_level_keys_are_refused() {
    let d = refused(
        load_text("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspce: {}\n"),
        "spce",
        "unknown field `spce` at the top level",
    );
    assert!(help_of(&d).starts_with("did you mean `spec`?"));
    assert_eq!(position(&d), (3, 1));
}

#[test]
fn unknown_keys_far_from_any_field_get_no_suggestion() {
    let d = rejects(
        "prometheus: {zzzzzz: 1}",
        "spec.prometheus.zzzzzz",
        "unknown field",
    );
    assert!(
        help_of(&d).starts_with("fields allowed here: "),
        "{:?}",
        d.help
    );
}

#[test]
fn wrong_types_are_refused() {
    let d = rejects(
        "prometheus: {replicas: three}",
        "spec.prometheus.replicas",
        "expected a whole number, found `three`",
    );
    assert_eq!(position(&d), (4, 26));
}

#[test]
fn numbers_where_strings_belong_get_a_quoting_hint() {
    let d = rejects(
        "cluster: 123",
        "spec.cluster",
        "expected a string, found `123`",
    );
    assert!(help_of(&d).contains("put it in quotes"));
}

#[test]
fn quoted_booleans_are_strings() {
    let d = rejects(
        "ingress: {enabled: 'true'}",
        "spec.ingress.enabled",
        "expected `true` or `false`, found `true`",
    );
    assert!(help_of(&d).starts_with("write `true` or `false`"));
}

#[test]
fn unquoted_yes_and_no_are_strings_as_in_yaml_1_2() {
    // Read as kustomize and kpt read it: `no` is a string, so a string field takes it as
    // it is and a boolean field refuses it with the fix.
    let c = config(load_spec("cluster: no"));
    assert_eq!(c.spec.cluster, "no");
    let d = rejects(
        "ingress: {enabled: no}",
        "spec.ingress.enabled",
        "expected `true` or `false`, found `no`",
    );
    assert!(help_of(&d).contains("write `true` or `false`"));
}

#[test]
fn malformed_durations_are_refused() {
    let d = rejects(
        "prometheus: {retention: 2x}",
        "spec.prometheus.retention",
        "`2x` is malformed",
    );
    assert!(help_of(&d).starts_with("expected a duration"));
}

#[test]
fn malformed_quantities_are_refused() {
    rejects(
        "prometheus: {storage: {size: 20 GB}}",
        "spec.prometheus.storage.size",
        "`20 GB` is malformed",
    );
}

#[test]
fn invalid_label_names_are_refused_as_keys() {
    let d = rejects(
        "externalLabels: {9x: a}",
        "spec.externalLabels.9x",
        "`9x` is not a valid key here",
    );
    assert!(help_of(&d).contains("for label names"));
}

#[test]
fn enum_values_are_refused_with_a_suggestion() {
    let d = rejects(
        "objectStorage: {provider: filesystm}",
        "spec.objectStorage.provider",
        "`filesystm` is not an allowed value",
    );
    assert!(
        help_of(&d).starts_with("did you mean `filesystem`?"),
        "{:?}",
        d.help
    );
    assert!(help_of(&d).contains("`gcs`, `s3`, `azure`, `filesystem`"));
}

#[test]
fn numeric_enum_values_get_a_quoting_hint() {
    let d = rejects(
        "kubernetesVersion: 1.30",
        "spec.kubernetesVersion",
        "is not an allowed value",
    );
    assert!(
        help_of(&d).contains("write the value in quotes"),
        "{:?}",
        d.help
    );
}

#[test]
fn wrong_api_version_is_refused() {
    let d = refused(
        load_text("apiVersion: v1\nkind: MonitoringStack\n"),
        "apiVersion",
        "must be \"stackgen.dev/v1alpha1\"",
    );
    assert_eq!(position(&d), (1, 13));
}

#[test]
fn missing_required_fields_of_list_items_are_refused() {
    rejects(
        "alertmanager: {receivers: [{webhook: null}]}",
        "spec.alertmanager.receivers[0]",
        "missing required field `name`",
    );
}

#[test]
fn a_missing_required_field_does_not_set_its_parent_aside() {
    // Were `s3` set aside for lacking `endpoint`, the rules would say it is missing again.
    let ds = all(&load_spec(
        "objectStorage: {provider: s3, bucket: b-1, s3: {region: eu-west-1}}",
    ));
    let d = expect(
        &ds,
        Severity::Error,
        "spec.objectStorage.s3",
        "missing required field `endpoint`",
    );
    assert_eq!(at(&ds, "spec.objectStorage.s3"), [&d], "{ds:#?}");
}

#[test]
fn structural_errors_do_not_hide_rule_findings() {
    // A typo elsewhere must not stop the rules from running over the rest.
    let ds = all(&load_spec(
        "
        prometheus: {replica: 3}
        thanos: {compact: {replicas: 2}}
        ",
    ));
    expect(
        &ds,
        Severity::Error,
        "spec.prometheus.replica",
        "unknown field",
    );
    expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 2");
}

#[test]
fn a_rejected_value_falls_back_to_the_default_for_the_rules() {
    // `replicas: three` is reported once; the rules see the default 3, not a bogus value.
    let ds = all(&load_spec("prometheus: {replicas: three}"));
    assert_eq!(at(&ds, "spec.prometheus.replicas").len(), 1, "{ds:#?}");
}

#[test]
fn bad_list_items_past_the_ninth_are_each_reported() {
    // Removing rejected items must go from the highest index down, numerically: `[10]`
    // before `[9]`, or the second removal would hit a shifted neighbour.
    let endpoints: Vec<String> = (0..12)
        .map(|i| {
            if i == 9 || i == 10 {
                format!("\"bad {i}\"")
            } else {
                format!("h{i}.example.com:10901")
            }
        })
        .collect();
    let ds = all(&load_spec(&format!(
        "thanos: {{query: {{remoteEndpoints: [{}]}}, compact: {{replicas: 2}}}}",
        endpoints.join(", ")
    )));
    // The semantic rules still ran, which needs every bad item gone from the repaired tree.
    assert!(
        ds.iter()
            .any(|d| d.path.as_deref() == Some("spec.thanos.compact.replicas")),
        "{ds:#?}"
    );
    for i in [9, 10] {
        assert!(
            ds.iter().any(|d| d.path.as_deref()
                == Some(&format!("spec.thanos.query.remoteEndpoints[{i}]")[..])),
            "{ds:#?}"
        );
    }
}

/// The walk skips what no layer touched, which is sound only while the built-in defaults
/// fit the schema: here every default is walked as if a user had written it.
#[test]
fn the_defaults_fit_the_schema() {
    use crate::config::MonitoringStack;
    use crate::config::tree::Node;
    use crate::source::Origin;

    let defaults = serde_json::to_value(MonitoringStack::default()).unwrap();
    let written = Node::from_json(&defaults, &Origin::Set("spec=…".into()));
    assert!(!written.is_default());
    let (diagnostics, rejected) =
        super::StructureChecker::new(crate::config::schema()).check(&written);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert!(rejected.is_empty());
}

/// `--set` writes below a default map without changing the map's origin; the value is
/// still checked.
#[test]
fn a_set_value_below_an_untouched_map_is_checked() {
    let inputs = crate::config::Inputs {
        sets: vec!["thanos.compact.replicas=two".to_owned()],
        ..Default::default()
    };
    let rejected = crate::config::load(&inputs).unwrap_err();
    assert!(
        rejected.diagnostics.iter().any(|d| d.path.as_deref()
            == Some("spec.thanos.compact.replicas")
            && d.message == "expected a whole number, found `two`"),
        "{:?}",
        rejected.diagnostics
    );
}
