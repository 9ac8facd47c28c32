//! YAML in and out through serde-saphyr, with the options every output of stackgen uses.

mod writer;

use serde::Serialize;

/// Serializer settings: block style, strings quoted where a YAML 1.1 reader (kubectl) would
/// read them as something else, and long single-line strings (PromQL, annotations) never
/// folded, while multi-line strings (embedded configs) become literal blocks.
fn options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        folded_wrap_chars: usize::MAX,
        min_fold_chars: usize::MAX,
    }
}

/// Serializes `value` as one YAML document (no `---`).
pub fn to_string<T: Serialize>(value: &T) -> String {
    serde_saphyr::to_string_with_options(value, options())
        .expect("JSON-shaped values always serialize")
}

/// Reader settings: YAML 1.2 booleans (`true`/`false` only), as kustomize and kpt read
/// them, so `yes`, `no`, `on` and `off` stay strings on every path into stackgen and a
/// config means the same from `-c`, from kustomize and from kpt.
///
/// Tags serde-saphyr does not know (`!foo`) are refused rather than silently dropped: a
/// value that meant something to its author must not lose that meaning unnoticed.
fn read_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        reject_unsupported_tags: true,
    }
}

/// Parses one YAML document.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, read_options())
}

/// Serializes a JSON value as one YAML document, as [`to_string`] does, byte for byte:
/// through the faster [`writer`] where it can place every value (every object of a stack),
/// else through serde-saphyr.
pub fn json_to_string(value: &serde_json::Value) -> String {
    writer::write(value).unwrap_or_else(|| to_string(value))
}

#[cfg(test)]
mod tests {
    use super::writer::block;

    /// Long enough to stand for a dashboard or a rule file.
    const LONG: usize = 4096;
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    fn long(body: &str) -> String {
        body.repeat(LONG / body.len().max(1) + 1)
    }

    /// Every position a block can open at, and every kind of block the emitter writes.
    #[test]
    fn reused_blocks_read_as_emitted() {
        let kinds = [
            long("{\n  \"a\": 1,\n\n   \"b\": [\n  ]\n}\n"),
            long("line\n") + "last",
            long("x\n") + "\n\n",
            format!("   indented first\n{}", long("y\n")),
            long("a: b # not a comment\n- not an item\n"),
            long("tab\there\n"),
            long("trailing space \n"),
        ];
        let reused = kinds.iter().filter(|s| block(s).is_some()).count();
        assert!(
            reused >= 5,
            "only {reused} kinds are block scalars: the test tests nothing"
        );
        for s in &kinds {
            for value in [
                json!({"k": s}),
                json!({"a": {"b": {"k": s}}}),
                json!({"a": [{"k": s, "j": s}]}),
                json!({"a": [s, [s]]}),
                json!([s, {"on": s}]),
                json!({"data": {"kubernetes-cluster.json": s, "small": "x\ny"}}),
            ] {
                assert_eq!(json_to_string(&value), to_string(&value), "{value}");
            }
        }
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("\n".to_owned()),
                Just("  ".to_owned()),
                Just("\t".to_owned()),
                Just("#".to_owned()),
                Just(": ".to_owned()),
                Just("\"'".to_owned()),
                "[a-z{}\\[\\],]{1,12}",
                "\\PC{1,4}",
            ],
            1..40,
        )
        .prop_map(|parts| {
            let s = parts.concat();
            s.repeat(LONG / s.len().max(1) + 1)
        })
    }

    /// Keys and strings of every kind the emitter treats apart: plain words, YAML 1.1
    /// booleans, numbers, indicators, spaces, colons, hashes, quotes, unicode, lines.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9._/-]{0,12}",
            "[A-Za-z_/][A-Za-z0-9_./=@,+-]{0,12}",
            r#"[A-Za-z0-9 :#@*&!|>'"%,.={}\[\]?~-]{0,10}"#,
            Just("on".to_owned()),
            Just("inf".to_owned()),
            Just("NaN".to_owned()),
            Just("e5".to_owned()),
            Just("x0".to_owned()),
            Just("Off".to_owned()),
            Just("TRUE".to_owned()),
            Just("no-go".to_owned()),
            Just("Yes".to_owned()),
            Just("n".to_owned()),
            Just("null".to_owned()),
            Just("0.5".to_owned()),
            Just("1e3".to_owned()),
            Just("500m".to_owned()),
            Just("-x".to_owned()),
            Just("--flag=a b".to_owned()),
            "-{1,4}[A-Za-z0-9_./=@,+:#-]{0,12}:?",
            "[a-z][a-z0-9:/.]{0,8}:?",
            Just("-inf".to_owned()),
            Just("--on".to_owned()),
            Just("---x".to_owned()),
            Just("--- x".to_owned()),
            Just("http://a.b:90/x".to_owned()),
            Just(String::new()),
            "\\PC{0,6}",
            "[a-z \n]{1,20}",
        ]
    }

    fn document() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::from),
            any::<u32>().prop_map(|f| Json::from(f64::from(f) / 7.0)),
            word().prop_map(Json::String),
        ];
        let tree = leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
                proptest::collection::vec((word(), inner), 0..5)
                    .prop_map(|pairs| Json::Object(pairs.into_iter().collect())),
            ]
        });
        prop_oneof![
            proptest::collection::vec((word(), tree.clone()), 1..6)
                .prop_map(|pairs| Json::Object(pairs.into_iter().collect())),
            proptest::collection::vec(tree, 1..4).prop_map(Json::Array),
        ]
    }

    /// The rendered stacks are written the same by the writer and by the emitter.
    #[test]
    fn every_profile_is_written_as_the_emitter_writes_it() {
        let objects = crate::render::render(&crate::config::MonitoringStack::default()).unwrap();
        for o in &objects {
            assert_eq!(
                writer::write(&o.value).as_deref(),
                Some(to_string(&o.value).as_str()),
                "{}",
                o.name()
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn any_document_is_written_as_the_emitter_writes_it(value in document()) {
            prop_assert_eq!(json_to_string(&value), to_string(&value));
        }
    }

    /// The strings a block scalar is tried on: lines of words, spaces, tabs, indicators,
    /// unicode and control characters, with any number of newlines anywhere.
    fn lines() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("\n".to_owned()),
                Just("\n\n".to_owned()),
                Just(" ".to_owned()),
                Just("\t".to_owned()),
                Just("\r".to_owned()),
                Just("\u{85}".to_owned()),
                Just("\u{FEFF}".to_owned()),
                Just("- ".to_owned()),
                Just("---".to_owned()),
                "[a-z#:|>{}\\[\\]\"',]{1,6}",
                "\\PC{1,3}",
                "\\p{Cc}",
            ],
            1..24,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn any_block_is_the_emitters(before in lines(), after in lines()) {
            let s = format!("{before}\n{after}");
            let emitted = to_string(&json!({ "k": s }));
            let theirs = emitted.strip_prefix("k: |").map(|rest| format!("|{rest}"));
            prop_assert_eq!(block(&s), theirs);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_long_string_reads_as_emitted(s in text(), depth in 0usize..4, in_list in any::<bool>()) {
            let mut value = Json::String(s);
            for level in 0..depth {
                value = if in_list && level % 2 == 0 { json!([value, "x"]) } else { json!({"key": value, "z": 1}) };
            }
            prop_assert_eq!(json_to_string(&value), to_string(&value));
        }
    }
}
