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
