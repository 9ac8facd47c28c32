//! A YAML writer for the JSON values stackgen emits, byte for byte what serde-saphyr writes
//! for them, and several times faster: the emitter scans every key and string character by
//! character to choose its style, while nearly all of a stack's keys and strings are plain
//! words whose style is known at a glance.
//!
//! It writes the layout (block maps, sequences at their key's indentation, `- ` items) and
//! the scalars it can tell are plain; every other scalar is written by serde-saphyr itself,
//! and a value it cannot place (a top-level scalar, a quoted string that spans lines) makes
//! it decline, so the caller falls back to serde-saphyr for the whole document. The
//! differential tests in `super::tests` hold it to serde-saphyr on generated documents.

use serde_json::{Map, Value as Json};

/// The document, or `None` when serde-saphyr must write it.
pub fn write(value: &Json) -> Option<String> {
    let mut w = Writer {
        out: String::with_capacity(4096),
    };
    match value {
        Json::Object(map) if !map.is_empty() => w.map(map, 0, false)?,
        Json::Array(items) if !items.is_empty() => w.seq(items, 0, false)?,
        _ => return None,
    }
    Some(w.out)
}

struct Writer {
    out: String,
}

impl Writer {
    fn indent(&mut self, column: usize) {
        self.out.extend(std::iter::repeat_n(' ', column));
    }

    /// A map whose keys start at `column`; with `inline`, the first key goes where the
    /// writer stands (after `- `).
    fn map(&mut self, map: &Map<String, Json>, column: usize, inline: bool) -> Option<()> {
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 || !inline {
                self.indent(column);
            }
            self.key(key)?;
            self.out.push(':');
            match value {
                Json::Object(inner) if !inner.is_empty() => {
                    self.out.push('\n');
                    self.map(inner, column + 2, false)?;
                }
                // A sequence under a key starts at the key's own column.
                Json::Array(items) if !items.is_empty() => {
                    self.out.push('\n');
                    self.seq(items, column, false)?;
                }
                scalar => {
                    self.out.push(' ');
                    self.scalar(scalar, column)?;
                }
            }
        }
        Some(())
    }

    /// A sequence whose dashes stand at `column`; `inline` as for [`Writer::map`].
    fn seq(&mut self, items: &[Json], column: usize, inline: bool) -> Option<()> {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !inline {
                self.indent(column);
            }
            self.out.push_str("- ");
            match item {
                Json::Object(map) if !map.is_empty() => self.map(map, column + 2, true)?,
                Json::Array(inner) if !inner.is_empty() => self.seq(inner, column + 2, true)?,
                scalar => self.scalar(scalar, column)?,
            }
        }
        Some(())
    }

    /// A scalar and the end of its line; `opener` is the column of the key or dash a block
    /// scalar's lines are indented from.
    fn scalar(&mut self, value: &Json, opener: usize) -> Option<()> {
        match value {
            Json::Null => self.out.push_str("null"),
            Json::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) if n.is_i64() || n.is_u64() => self.out.push_str(&n.to_string()),
            Json::Object(_) => self.out.push_str("{}"),
            Json::Array(_) => self.out.push_str("[]"),
            Json::String(s) if is_plain_value(s) => self.out.push_str(s),
            Json::String(s) if s.contains('\n') => {
                let block = block(s)?;
                let (header, body) = block.split_once('\n').unwrap_or((&block, ""));
                self.out.push_str(header);
                self.out.push('\n');
                for line in body.split_inclusive('\n') {
                    if line != "\n" {
                        self.indent(opener);
                    }
                    self.out.push_str(line);
                }
                return Some(());
            }
            other => {
                // Floats and strings the emitter may quote: its own spelling, which for a
                // single-line value is the same wherever it stands.
                let text = super::to_string(other);
                let text = text.strip_suffix('\n')?;
                if text.contains('\n') {
                    return None;
                }
                self.out.push_str(text);
            }
        }
        self.out.push('\n');
        Some(())
    }

    fn key(&mut self, key: &str) -> Option<()> {
        if is_plain(key, b"_./-") {
            self.out.push_str(key);
            return Some(());
        }
        let text = super::to_string(&serde_json::json!({ key: null }));
        let spelled = text.strip_suffix(": null\n")?;
        if spelled.contains('\n') {
            return None;
        }
        self.out.push_str(spelled);
        Some(())
    }
}

/// Whether a string is certainly written plain: a letter or `/` first, then letters,
/// digits and `also` (never a space, `:` or `#`; a key takes no `,`, which flow maps read),
/// and not a word a YAML reader takes for a boolean, null or number.
fn is_plain(s: &str, also: &[u8]) -> bool {
    let bytes = s.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || *first == b'/')
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || also.contains(b))
        && !is_yaml11_word(s)
}

/// Whether a value string is certainly written plain: a plain word, which as a value may
/// also hold `:` (never last, and never before a space, which a word has none of), or such
/// a word after one or two dashes, as command-line flags are (`--web.listen-address=:9100`).
/// A dash before a space, a digit or a dot would start a list item or a number.
fn is_plain_value(s: &str) -> bool {
    const ALSO: &[u8] = b"_./=@,+-:";
    if s.ends_with(':') {
        return false;
    }
    let word = s.strip_prefix("--").or_else(|| s.strip_prefix('-'));
    match word {
        Some(word) => is_plain(word, ALSO),
        None => is_plain(s, ALSO),
    }
}

/// The words that start with a letter and read as something other than a string: YAML 1.1
/// booleans, null, and the undotted floats some readers take.
fn is_yaml11_word(s: &str) -> bool {
    s.len() <= 5
        && [
            "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
        ]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
}

/// The literal block scalar serde-saphyr writes for the multi-line `s` as the value of a
/// top-level key: its header (`|`, `|-`, `|+`, `|2-` …) and its lines, each non-empty one
/// indented two columns. `None` when serde-saphyr writes `s` quoted instead: a character a
/// block scalar cannot hold. Its rules, from `serialize_str` and `quoting.rs`: the
/// indentation indicator when the first non-empty line starts with a space; strip (`-`)
/// without a final newline, clip with one, keep (`+`) with more or with nothing but
/// newlines. Written here because serde-saphyr checks and copies a block character by
/// character, which made the dashboards and rule files most of the cost of writing a stack.
pub(super) fn block(s: &str) -> Option<String> {
    // Nearly every block is printable ASCII, which a byte scan tells at once.
    let printable_ascii = s.bytes().all(|b| matches!(b, b'\n' | b'\t' | 0x20..=0x7E));
    if !printable_ascii && !s.chars().all(fits_a_block) {
        return None;
    }
    let content = s.trim_end_matches('\n');
    let newlines = s.len() - content.len();
    let mut out = String::with_capacity(s.len() + s.len() / 8 + 8);
    out.push('|');
    let first = content.split('\n').find(|line| !line.is_empty());
    if first.is_some_and(|line| line.starts_with(' ')) {
        out.push('2');
    }
    match newlines {
        0 => out.push('-'),
        1 if !content.is_empty() => {}
        _ => out.push('+'),
    }
    out.push('\n');
    if content.is_empty() {
        out.extend(std::iter::repeat_n('\n', newlines));
        return Some(out);
    }
    for line in content.split('\n') {
        if !line.is_empty() {
            out.push_str("  ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out.extend(std::iter::repeat_n('\n', newlines.saturating_sub(1)));
    Some(out)
}

/// Whether a block scalar holds `c` as it is: printable, or a tab or line feed.
fn fits_a_block(c: char) -> bool {
    match c {
        '\n' | '\t' => true,
        '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' => false,
        c => matches!(
            u32::from(c),
            0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF
        ),
    }
}
