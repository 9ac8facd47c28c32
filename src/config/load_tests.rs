//! Tests of loading: files, YAML, profiles, layering and `--set`.

use crate::config::Inputs;
use crate::config::model::{MonitoringStack, Provider};
use crate::config::testing::{
    all, config, doc, expect, file_of, first_error, help_of, inputs, load_spec, load_text,
    position, refused,
};
use crate::diagnostic::Severity;
use crate::source::Origin;

#[test]
fn empty_file_gives_the_defaults() {
    let loaded = load_text("").expect("an empty file is valid");
    assert_eq!(loaded.config, MonitoringStack::default());
}

#[test]
fn comment_only_file_gives_the_defaults() {
    let loaded = load_text("# nothing here\n").expect("a comment-only file is valid");
    assert_eq!(loaded.config, MonitoringStack::default());
}

#[test]
fn no_input_at_all_gives_the_defaults() {
    let loaded = crate::config::load(&Inputs::default()).expect("defaults are valid");
    assert_eq!(loaded.config, MonitoringStack::default());
}

#[test]
fn a_file_must_hold_a_map() {
    let d = first_error(load_text("- a\n- b\n"));
    assert_eq!(d.message, "a config must be a map, found a list");
    assert_eq!(d.path, None);
    assert_eq!(file_of(&d), "t.yaml");
    assert_eq!(position(&d), (1, 1));
}

#[test]
fn a_scalar_file_is_not_a_map_either() {
    let result = load_text("hello\n");
    let ds = all(&result);
    assert!(result.is_err());
    assert!(
        ds.iter()
            .any(|d| d.message == "a config must be a map, found a string"),
        "{ds:#?}"
    );
}

#[test]
fn invalid_yaml_is_reported_at_its_line_and_column() {
    let d = first_error(load_text("spec:\n  prometheus: [1\n"));
    assert!(d.message.starts_with("invalid YAML: "), "{}", d.message);
    assert!(d.message.contains("unclosed bracket"), "{}", d.message);
    assert_eq!(file_of(&d), "t.yaml");
    assert_eq!(position(&d), (2, 15));
}

#[test]
fn invalid_yaml_in_one_file_does_not_hide_another_files_errors() {
    let result = crate::config::load(&inputs(
        &[],
        &["spec: [", &doc("thanos: {compact: {replicas: 2}}")],
        &[],
    ));
    let ds = all(&result);
    assert!(
        ds.iter().any(|d| d.message.starts_with("invalid YAML")),
        "{ds:#?}"
    );
    let d = expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 2");
    assert_eq!(file_of(&d), "t1.yaml");
}

#[test]
fn unknown_profiles_are_refused_with_a_suggestion() {
    let d = first_error(crate::config::load(&inputs(&["observr"], &[], &[])));
    assert_eq!(d.message, "unknown profile `observr`");
    assert!(
        help_of(&d).starts_with("did you mean `observer`?"),
        "{:?}",
        d.help
    );
    assert!(help_of(&d).contains("dev, eks, gke, ha, observer"));
}

#[test]
fn every_builtin_profile_validates() {
    for profile in crate::config::profiles::all() {
        let result = crate::config::load(&inputs(&[profile.name], &[], &[]));
        assert!(
            result.is_ok(),
            "profile {}: {:#?}",
            profile.name,
            all(&result)
        );
    }
}

#[test]
fn profile_findings_point_into_the_profile() {
    // The dev profile is a development stack, so its single replicas are not warned about;
    // another stack's purpose makes them so, pointing into the profile.
    let ds = all(&crate::config::load(&inputs(
        &["dev"],
        &[],
        &["purpose=production"],
    )));
    let d = expect(&ds, Severity::Warning, "spec.prometheus.replicas", "is 1");
    assert_eq!(file_of(&d), "profiles/dev.yaml");
}

#[test]
fn files_override_profiles_and_sets_override_files() {
    let file = doc("prometheus: {replicas: 4}");
    let from_profile = config(crate::config::load(&inputs(&["dev"], &[], &[])));
    assert_eq!(from_profile.spec.prometheus.replicas, 1);
    let from_file = config(crate::config::load(&inputs(&["dev"], &[&file], &[])));
    assert_eq!(from_file.spec.prometheus.replicas, 4);
    let from_set = config(crate::config::load(&inputs(
        &["dev"],
        &[&file],
        &["prometheus.replicas=5"],
    )));
    assert_eq!(from_set.spec.prometheus.replicas, 5);
}

#[test]
fn later_files_override_earlier_ones() {
    let first = doc("prometheus: {replicas: 4}");
    let second = doc("prometheus: {replicas: 6}");
    let c = config(crate::config::load(&inputs(&[], &[&first, &second], &[])));
    assert_eq!(c.spec.prometheus.replicas, 6);
}

#[test]
fn later_profiles_override_earlier_ones() {
    // dev picks `filesystem`, ha `gcs`.
    let c = config(crate::config::load(&inputs(&["dev", "ha"], &[], &[])));
    assert_eq!(c.spec.object_storage.provider, Provider::Gcs);
    let c = config(crate::config::load(&inputs(&["ha", "dev"], &[], &[])));
    assert_eq!(c.spec.object_storage.provider, Provider::Filesystem);
}

#[test]
fn maps_merge_deeply() {
    // The file sets one field of `prometheus`; the profile's other fields survive.
    let c = config(crate::config::load(&inputs(
        &["dev"],
        &[&doc("prometheus: {retention: 1d}")],
        &[],
    )));
    assert_eq!(c.spec.prometheus.retention.to_string(), "1d");
    assert_eq!(c.spec.prometheus.replicas, 1);
    assert_eq!(c.spec.prometheus.storage.size.to_string(), "5Gi");
    // … and the defaults' fields the profile did not touch.
    assert_eq!(c.spec.prometheus.scrape_interval.to_string(), "30s");
}

#[test]
fn lists_are_replaced_not_merged() {
    let c = config(crate::config::load(&inputs(
        &["observer"],
        &[&doc(
            "thanos: {query: {remoteEndpoints: ['c.example.com:10901']}}",
        )],
        &[],
    )));
    let endpoints = remote_endpoints(&c);
    assert_eq!(endpoints, ["c.example.com:10901"]);
}

#[test]
fn null_turns_an_optional_default_off() {
    assert!(
        MonitoringStack::default()
            .spec
            .object_storage
            .credentials_secret
            .is_some()
    );
    let c = config(load_spec("objectStorage: {credentialsSecret: null}"));
    assert!(c.spec.object_storage.credentials_secret.is_none());
}

#[test]
fn set_paths_are_taken_under_spec() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &["prometheus.replicas=5"],
    )));
    assert_eq!(c.spec.prometheus.replicas, 5);
}

#[test]
fn set_paths_may_be_rooted() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &["spec.prometheus.replicas=7", "metadata.name=prod-eu1"],
    )));
    assert_eq!(c.spec.prometheus.replicas, 7);
    assert_eq!(c.metadata.name.to_string(), "prod-eu1");
}

#[test]
fn set_reaches_list_items_by_index() {
    let c = config(crate::config::load(&inputs(
        &["observer"],
        &[],
        &["thanos.query.remoteEndpoints[1]=z.example.com:10901"],
    )));
    let endpoints = remote_endpoints(&c);
    assert_eq!(
        endpoints,
        [
            "thanos-grpc.cluster-a.example.com:443",
            "z.example.com:10901"
        ]
    );
}

#[test]
fn set_appends_at_the_index_just_past_the_end() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &["thanos.query.remoteEndpoints[0]=a.example.com:10901"],
    )));
    assert_eq!(c.spec.thanos.query.remote_endpoints.len(), 1);
}

#[test]
fn set_refuses_an_index_beyond_the_end() {
    let d = first_error(crate::config::load(&inputs(
        &[],
        &[],
        &["thanos.query.remoteEndpoints[3]=a.example.com:10901"],
    )));
    assert!(
        d.message.contains("index 3 is past the end"),
        "{}",
        d.message
    );
    assert_eq!(
        d.origin,
        Some(Origin::Set(
            "thanos.query.remoteEndpoints[3]=a.example.com:10901".into()
        ))
    );
}

#[test]
fn set_values_are_read_as_yaml_scalars() {
    let c = config(crate::config::load(&inputs(
        &[],
        &[],
        &[
            "ingress.enabled=false",
            "cluster=\"123\"",
            "externalLabels.region=eu",
        ],
    )));
    assert!(!c.spec.ingress.enabled);
    assert_eq!(c.spec.cluster, "123");
    assert_eq!(c.spec.external_labels.len(), 1);
}

#[test]
fn set_numbers_stay_numbers() {
    // Unquoted, `123` is an integer, so a string field refuses it; the error names the flag.
    let d = refused(
        crate::config::load(&inputs(&[], &[], &["cluster=123"])),
        "spec.cluster",
        "expected a string, found `123`",
    );
    assert_eq!(d.origin, Some(Origin::Set("cluster=123".into())));
}

#[test]
fn set_findings_point_at_the_flag() {
    let result = crate::config::load(&inputs(&[], &[], &["thanos.compact.replicas=2"]));
    let ds = all(&result);
    let d = expect(&ds, Severity::Error, "spec.thanos.compact.replicas", "is 2");
    assert_eq!(
        d.origin,
        Some(Origin::Set("thanos.compact.replicas=2".into()))
    );
}

#[test]
fn set_without_an_equals_sign_is_refused() {
    let d = first_error(crate::config::load(&inputs(
        &[],
        &[],
        &["prometheus.replicas"],
    )));
    assert_eq!(d.message, "`prometheus.replicas` has no `=`");
    assert_eq!(d.origin, Some(Origin::Set("prometheus.replicas".into())));
}

#[test]
fn set_with_an_empty_key_is_refused() {
    let d = first_error(crate::config::load(&inputs(
        &[],
        &[],
        &["prometheus..replicas=1"],
    )));
    assert!(d.message.contains("empty key in path"), "{}", d.message);
    assert!(help_of(&d).contains("dot-separated"));
}

#[test]
fn set_with_a_non_numeric_index_is_refused() {
    let result = crate::config::load(&inputs(&[], &[], &["thanos.query.remoteEndpoints[x]=a:1"]));
    let ds = all(&result);
    assert!(result.is_err());
    assert!(
        ds.iter()
            .any(|d| d.message.contains("list index `x`") && d.message.contains("is not a number")),
        "{ds:#?}"
    );
}

#[test]
fn set_cannot_step_into_a_scalar() {
    let d = first_error(crate::config::load(&inputs(&[], &[], &["cluster.name=x"])));
    assert!(
        d.message.contains("`spec.cluster` is a string"),
        "{}",
        d.message
    );
}

#[test]
fn set_to_an_unknown_key_is_refused_with_a_suggestion() {
    let d = refused(
        crate::config::load(&inputs(&[], &[], &["prometheus.replica=3"])),
        "spec.prometheus.replica",
        "unknown field `replica`",
    );
    assert!(help_of(&d).starts_with("did you mean `replicas`?"));
    assert_eq!(d.origin, Some(Origin::Set("prometheus.replica=3".into())));
}

/// Query's remote endpoints, as written.
fn remote_endpoints(c: &MonitoringStack) -> Vec<String> {
    c.spec
        .thanos
        .query
        .remote_endpoints
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The contract for careless input: each answer names the place and stays short.
mod careless_input {
    use crate::config::testing::{all, load_text};
    use crate::diagnostic::Severity;
    use crate::source::Origin;

    const HEAD: &str = "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\n";

    fn line_of(d: &crate::diagnostic::Diagnostic) -> (usize, usize) {
        match &d.origin {
            Some(Origin::File { line, column, .. }) => (*line, *column),
            other => panic!("no file origin: {other:?}"),
        }
    }

    #[test]
    fn a_tab_is_reported_where_it_is() {
        let text = format!("{HEAD}spec:\n  prometheus:\n    replicas: 3\n\tretention: 2h\n");
        let ds = all(&load_text(&text));
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert!(ds[0].message.contains("a tab indents this line"));
        assert_eq!(line_of(&ds[0]), (6, 1));
    }

    #[test]
    fn an_empty_config_says_the_defaults_apply() {
        for text in ["", "# only a comment\n", "\n\n"] {
            let result = load_text(text);
            assert!(result.is_ok());
            let ds = all(&result);
            assert!(
                ds.iter().any(|d| d.severity == Severity::Warning
                    && d.message
                        .contains("holds no settings, so the built-in defaults apply")),
                "{ds:#?}"
            );
        }
    }

    #[test]
    fn unknown_tags_are_refused() {
        let ds = all(&load_text(&format!(
            "{HEAD}spec:\n  cluster: !vault prod\n"
        )));
        assert!(
            ds[0].message.contains("unsupported tag `!vault`"),
            "{ds:#?}"
        );
    }

    #[test]
    fn a_refused_config_reports_errors_only() {
        let ds = all(&load_text(&format!(
            "{HEAD}spec:\n  thanos: {{compact: {{replicas: 2}}}}\n"
        )));
        assert!(ds.iter().all(|d| d.severity == Severity::Error), "{ds:#?}");
        assert_eq!(ds.len(), 1);
    }

    #[test]
    fn a_deep_set_path_is_refused_not_a_stack_overflow() {
        let path = vec!["a"; 10_000].join(".");
        let inputs = crate::config::testing::inputs(&[], &[], &[&format!("{path}=1")]);
        let ds = all(&crate::config::load(&inputs));
        assert!(ds[0].message.contains("more than 32 steps"), "{ds:#?}");
    }

    #[test]
    fn a_huge_line_is_quoted_in_part() {
        let text = format!(
            "{HEAD}spec: {{cluster: x, domain: {}}}\n",
            "A".repeat(1_000_000)
        );
        let result = load_text(&text);
        let rendered = match &result {
            Err(r) => crate::diagnostic::render_all(&r.diagnostics, &r.sources),
            Ok(_) => panic!("a malformed domain passed"),
        };
        assert!(
            rendered.len() < 2_000,
            "{} bytes of diagnostics",
            rendered.len()
        );
    }
}
