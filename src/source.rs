//! Where a config value came from, so every diagnostic can point back at it.

use std::fmt;
use std::sync::Arc;

/// The origin of one value in the merged config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a YAML input: a `-c` file, stdin, or an embedded profile.
    File {
        name: Arc<str>,
        source: usize,
        line: usize,
        column: usize,
    },
    /// A `--set PATH=VALUE` flag; the flag as the user typed it.
    Set(Arc<str>),
    /// The built-in defaults.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File {
                name, line, column, ..
            } => write!(f, "{name}:{line}:{column}"),
            Origin::Set(flag) => write!(f, "--set {}", clip(flag, 100)),
            Origin::Default => f.write_str("built-in default"),
        }
    }
}

/// The text of every YAML input, kept so diagnostics can quote the offending line.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<(Arc<str>, String)>,
}

impl Sources {
    /// Registers an input and returns its id and shared name.
    pub fn add(&mut self, name: &str, text: String) -> (usize, Arc<str>) {
        let name: Arc<str> = Arc::from(name);
        self.files.push((name.clone(), text));
        (self.files.len() - 1, name)
    }

    pub fn text(&self, source: usize) -> Option<&str> {
        self.files.get(source).map(|(_, text)| text.as_str())
    }

    /// Line `line` (1-based) of input `source`, without its newline.
    pub fn line(&self, source: usize, line: usize) -> Option<&str> {
        self.text(source)?.lines().nth(line.checked_sub(1)?)
    }
}

/// `text` cut to `max` characters, marked with `…`: for values quoted in messages.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
