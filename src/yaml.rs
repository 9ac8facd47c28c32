//! YAML in and out through serde-saphyr, with the options every output of stackgen uses.

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

/// What stands for a reused string in the emitter's input, with its index appended.
const TOKEN: &str = "stackgen-reused-block-";

/// Serializes a JSON value as one YAML document, as [`to_string`] does, byte for byte.
///
/// Each long multi-line string is swapped for a plain token, the document emitted, and
/// each token's line given back the string's block scalar, as the emitter wrote it once at
/// the top level and indented to the token's column (the emitter indents a block's lines
/// two columns past the key or dash that opens it). `reused_blocks_read_as_emitted` holds
/// this to the emitter on every kind of position and block.
pub fn json_to_string(value: &serde_json::Value) -> String {
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
/// `s` another way (quoted), which is then not reused. Emitted once per process.
fn block(s: &str) -> Option<std::sync::Arc<str>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex, PoisonError};
    static BLOCKS: LazyLock<Mutex<HashMap<String, Option<Arc<str>>>>> =
        LazyLock::new(Mutex::default);
    if let Some(known) = BLOCKS.lock().unwrap_or_else(PoisonError::into_inner).get(s) {
        return known.clone();
    }
    let emitted = to_string(&serde_json::json!({ "k": s }));
    let block = emitted
        .strip_prefix("k: |")
        .map(|rest| Arc::from(format!("|{rest}")));
    BLOCKS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(s.to_owned(), block.clone());
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
