//! Entry points for fuzzing (`fuzz/`, run with `cargo fuzz`) and for the bounded run of the
//! same bodies in the test suite. Not an API: they panic on what must never happen.

use crate::config::{Document, Inputs, load};

/// Loads `data` as a config (up to the first NUL) with `--set` flags (one per line after
/// it), and renders it when valid. Invalid input must be refused with diagnostics, and a
/// valid config must render: an internal error, a panic or an abort is a bug.
pub fn config(data: &[u8]) {
    let (text, sets) = match data.iter().position(|b| *b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let inputs = Inputs {
        documents: vec![Document {
            name: "fuzz.yaml".to_owned(),
            text: String::from_utf8_lossy(text).into_owned(),
        }],
        sets: String::from_utf8_lossy(sets)
            .lines()
            .map(str::to_owned)
            .collect(),
        ..Inputs::default()
    };
    match load(&inputs) {
        Err(rejected) => assert!(
            rejected.diagnostics.iter().any(|d| d.is_error()),
            "refused without an error"
        ),
        Ok(loaded) => {
            if let Err(e) = crate::render::render(&loaded.config) {
                panic!("a valid config failed to render: {e}");
            }
        }
    }
}

/// The bounded run in the test suite: generated inputs through the fuzz body, generated
/// configs through the whole pipeline, and every free-text field landing where it belongs.
#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value as Json;

    use super::config;
    use crate::config::{Document, Inputs, load};
    use crate::render::{Object, render};

    /// Pieces of YAML and of stackgen's own keys, so generated text reaches past the parser.
    #[rustfmt::skip]
    const TOKENS: [&str; 44] = [
        "apiVersion: stackgen.dev/v1alpha1\n", "kind: MonitoringStack\n", "spec:", "\n", "  ",
        "\t", "prometheus:", "replicas:", "thanos:", "query:", "remoteEndpoints:", "- ",
        "{", "}", "[", "]", ",", ": ", "\"", "'", "3", "0", "-1", "99999999999", "1e400",
        "2h", "cluster", "grafana", "enabled: false", "null", "~", "&a ", "*a", "!x ",
        "!!str ", "<<: ", "#", "|\n", ">-\n", "é", "\u{0}", "..", "$(POD_NAME)", "{{",
    ];

    fn yamlish() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(TOKENS.to_vec()), 0..40).prop_map(|t| t.concat())
    }

    fn set(flags: &[String]) -> Option<Vec<Object>> {
        let loaded = load(&Inputs {
            sets: flags.to_vec(),
            ..Inputs::default()
        })
        .ok()?;
        Some(render(&loaded.config).expect("a valid config renders"))
    }

    /// `--set` flags over the switches and numbers that change what is rendered.
    fn knobs() -> impl Strategy<Value = Vec<String>> {
        (
            (0u32..120, 0u32..30, 0u32..4, 0u32..4, 1u32..3),
            (
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
            ),
            (
                prop::sample::select(vec!["gcs", "s3", "azure", "filesystem"]),
                prop::sample::select(vec!["node", "zone"]),
                prop::sample::select(vec!["cluster.local", "corp.internal"]),
                any::<bool>(),
                any::<bool>(),
            ),
        )
            .prop_map(|(n, on, (provider, spread, domain, auth, tls))| {
                let mut flags = vec![
                    format!("prometheus.replicas={}", n.0),
                    format!("alertmanager.replicas={}", n.1),
                    format!("thanos.query.replicas={}", n.2),
                    format!("thanos.ruler.replicas={}", n.3),
                    format!("thanos.store.replicas={}", n.4),
                    format!("alertmanager.enabled={}", on.0),
                    format!("grafana.enabled={}", on.1),
                    format!("thanos.ruler.enabled={}", on.2),
                    format!("networkPolicies.enabled={}", on.3),
                    format!("nodeExporter.enabled={}", on.4),
                    format!("objectStorage.provider={provider}"),
                    format!("highAvailability.spreadAcross={spread}"),
                    format!("clusterDomain={domain}"),
                ];
                if provider == "s3" {
                    flags.push("objectStorage.s3.endpoint=minio.storage:9000".to_owned());
                    flags.push("objectStorage.s3.insecure=true".to_owned());
                }
                if provider == "azure" {
                    flags.push("objectStorage.credentialsSecret=null".to_owned());
                    flags.push("objectStorage.azure.storageAccount=metrics".to_owned());
                    flags.push("objectStorage.workloadIdentity.azureClientId=abc".to_owned());
                }
                if auth {
                    flags.push("ingress.basicAuthSecret=auth".to_owned());
                }
                if tls {
                    flags.push("ingress.tls.secretName=tls".to_owned());
                }
                flags
            })
    }

    fn external_labels(objects: &[Object]) -> Json {
        let config = objects
            .iter()
            .find(|o| o.name() == "prometheus-config")
            .expect("a Prometheus config");
        let text = config.value["data"]["prometheus.yaml.tmpl"]
            .as_str()
            .unwrap();
        let parsed: Json = serde_saphyr::from_str(text).unwrap();
        parsed["global"]["external_labels"].clone()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Any bytes: refused with diagnostics, or rendered; never a panic.
        #[test]
        fn any_bytes_are_refused_or_rendered(data in prop::collection::vec(any::<u8>(), 0..400)) {
            config(&data);
        }

        /// Text built of YAML and of stackgen's keys reaches the checks behind the parser.
        #[test]
        fn yamlish_text_is_refused_or_rendered(text in yamlish(), sets in yamlish()) {
            let mut data = text.into_bytes();
            data.push(0);
            data.extend(sets.replace('\n', "=\n").into_bytes());
            config(&data);
        }

        /// Every config the switches make is refused, or renders (wiring checked) the
        /// same bytes twice.
        #[test]
        fn generated_configs_render_deterministically(flags in knobs()) {
            if let Some(first) = set(&flags) {
                let again = set(&flags).unwrap();
                prop_assert_eq!(
                    crate::output::yaml_stream(&first),
                    crate::output::yaml_stream(&again)
                );
            }
        }

        /// A free-text value is refused, or lands as exactly itself where it belongs: in
        /// Prometheus's external labels and the Ruler's `--label`.
        #[test]
        fn free_text_lands_exactly_where_it_belongs(value in any::<String>()) {
            let text = format!(
                "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspec:\n  cluster: {c}\n  externalLabels: {{team: {c}}}\n",
                c = serde_json::to_string(&value).unwrap()
            );
            let inputs = Inputs {
                documents: vec![Document { name: "t.yaml".into(), text }],
                ..Inputs::default()
            };
            if let Ok(loaded) = load(&inputs) {
                let objects = render(&loaded.config).expect("a valid config renders");
                let labels = external_labels(&objects);
                prop_assert_eq!(labels["cluster"].as_str(), Some(value.as_str()));
                prop_assert_eq!(labels["team"].as_str(), Some(value.as_str()));
                let expected = format!("--label=ruler_cluster={}", serde_json::to_string(&value).unwrap());
                let ruler = objects.iter().find(|o| o.kind() == "StatefulSet" && o.name() == "thanos-ruler").unwrap();
                let args = ruler.value["spec"]["template"]["spec"]["containers"][0]["args"].to_string();
                prop_assert!(args.contains(&serde_json::to_string(&expected).unwrap()), "{}", args);
            }
        }
    }
}
