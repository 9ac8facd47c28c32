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

/// Multi-line strings at least this long (dashboards, rule files) are emitted once per
/// process and reused: the emitter scans a block scalar character by character, which made
/// these few strings most of the cost of writing a stack, and a fleet repeats them in
/// every cluster.
const REUSED: usize = 4096;

/// How many block scalars are kept at most.
const KEPT_BLOCKS: usize = 64;

/// What stands for a reused string in the emitter's input, with its index appended.
const TOKEN: &str = "stackgen-reused-block-";

/// Serializes a JSON value as one YAML document, as [`to_string`] does, byte for byte:
/// through the faster [`writer`] where it can place every value, else as follows.
///
/// Each long multi-line string is swapped for a plain token, the document emitted, and
/// each token's line given back the string's block scalar, as the emitter wrote it once at
/// the top level and indented to the token's column (the emitter indents a block's lines
/// two columns past the key or dash that opens it). `reused_blocks_read_as_emitted` holds
/// this to the emitter on every kind of position and block.
pub fn json_to_string(value: &serde_json::Value) -> String {
    if let Some(text) = writer::write(value) {
        return text;
    }
    let mut long = Vec::new();
    if !collect_long(value, &mut long) || long.is_empty() {
        return to_string(value);
    }
    let blocks: Vec<Option<std::sync::Arc<str>>> = long.iter().map(|s| block(s)).collect();
    if blocks.iter().all(Option::is_none) {
        return to_string(value);
    }
    let mut next = 0;
    let tokened = swap_long(value, &blocks, &mut next);
    let text = to_string(&tokened);
    let mut out = String::with_capacity(text.len() + long.iter().map(|s| s.len()).sum::<usize>());
    for line in text.split_inclusive('\n') {
        let Some((head, index)) = line
            .trim_end_matches('\n')
            .rsplit_once(TOKEN)
            .and_then(|(head, i)| Some((head, i.parse::<usize>().ok()?)))
        else {
            out.push_str(line);
            continue;
        };
        let Some(Some(block)) = blocks.get(index) else {
            out.push_str(line);
            continue;
        };
        // `key: ` or `- `, after the indentation and the dashes of enclosing items.
        let opener = if head.ends_with(": ") {
            head.len() - head.trim_start_matches([' ', '-']).len()
        } else if head.ends_with("- ") {
            head.len() - 2
        } else {
            // A string that is the whole document: no key or dash to indent from.
            return to_string(value);
        };
        let (header, body) = block.split_once('\n').unwrap_or((block, ""));
        out.push_str(head);
        out.push_str(header);
        out.push('\n');
        for body_line in body.split_inclusive('\n') {
            if body_line != "\n" {
                out.extend(std::iter::repeat_n(' ', opener));
            }
            out.push_str(body_line);
        }
    }
    out
}

/// The long multi-line strings of `value`, depth first; `false` when a string already
/// holds the token, which then could not be told apart.
fn collect_long<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) -> bool {
    use serde_json::Value as Json;
    match value {
        Json::String(s) if s.contains(TOKEN) => false,
        Json::String(s) => {
            if s.len() >= REUSED && s.contains('\n') {
                out.push(s);
            }
            true
        }
        Json::Array(items) => items.iter().all(|i| collect_long(i, out)),
        Json::Object(map) => map
            .iter()
            .all(|(k, v)| !k.contains(TOKEN) && collect_long(v, out)),
        _ => true,
    }
}

/// `value` with the long strings that have a reusable block swapped for tokens, in the
/// order [`collect_long`] found them.
fn swap_long(
    value: &serde_json::Value,
    blocks: &[Option<std::sync::Arc<str>>],
    next: &mut usize,
) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        Json::String(s) if s.len() >= REUSED && s.contains('\n') => {
            let i = *next;
            *next += 1;
            match blocks[i] {
                Some(_) => Json::String(format!("{TOKEN}{i}")),
                None => value.clone(),
            }
        }
        Json::Array(items) => {
            Json::Array(items.iter().map(|v| swap_long(v, blocks, next)).collect())
        }
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), swap_long(v, blocks, next)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The block scalar the emitter writes for `s` as the value of a top-level key: its header
/// (`|`, `|-`, `|2` …) and its lines, indented two columns. `None` when the emitter writes
/// `s` another way (quoted). A long string's is kept for the rest of the process.
fn block(s: &str) -> Option<std::sync::Arc<str>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex, PoisonError};
    /// Each kept block and whether it was asked for again since it was kept.
    type Kept = HashMap<String, (Option<Arc<str>>, bool)>;
    static BLOCKS: LazyLock<Mutex<Kept>> = LazyLock::new(Mutex::default);
    let long = s.len() >= REUSED;
    if long
        && let Some((known, again)) = BLOCKS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(s)
    {
        *again = true;
        return known.clone();
    }
    let emitted = to_string(&serde_json::json!({ "k": s }));
    let block = emitted
        .strip_prefix("k: |")
        .map(|rest| Arc::from(format!("|{rest}")));
    if long {
        let mut blocks = BLOCKS.lock().unwrap_or_else(PoisonError::into_inner);
        // A fleet's clusters share their dashboards and rule files, not their configs:
        // when full, keep what was asked for again, so a fleet keeps only the shared ones.
        if blocks.len() >= KEPT_BLOCKS {
            blocks.retain(|_, (_, again)| std::mem::take(again));
            if blocks.len() >= KEPT_BLOCKS {
                blocks.clear();
            }
        }
        blocks.insert(s.to_owned(), (block.clone(), false));
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    fn long(body: &str) -> String {
        body.repeat(REUSED / body.len().max(1) + 1)
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

    #[test]
    fn a_string_holding_the_token_is_emitted_as_it_is() {
        let value = json!({"a": format!("{TOKEN}0"), "b": long("x\n")});
        assert_eq!(json_to_string(&value), to_string(&value));
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
            s.repeat(REUSED / s.len().max(1) + 1)
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
