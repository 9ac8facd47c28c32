//! The one error/warning type users see, and its rustc-style rendering.

use std::fmt::Write as _;

use crate::source::{Origin, Sources};

/// How bad a finding is: errors stop the pipeline, warnings only do under `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    /// Information a user may act on: neither refuses the config nor fails `--strict`.
    Note,
}

/// Something a user got wrong (or should look at), with where it came from and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Config path such as `spec.thanos.compact.replicas`, when the finding is about one value.
    pub path: Option<String>,
    pub origin: Option<Origin>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: None,
            origin: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    #[must_use]
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    #[must_use]
    pub fn from_origin(mut self, origin: Option<Origin>) -> Self {
        self.origin = origin;
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    pub fn note(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Note,
            ..Self::error(message)
        }
    }

    /// Renders rustc-style: headline, `--> file:line:col`, the source line with a caret, help.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        match &self.path {
            Some(path) => {
                let _ = writeln!(out, "{label}: `{path}`: {}", self.message);
            }
            None => {
                let _ = writeln!(out, "{label}: {}", self.message);
            }
        }
        if let Some(origin) = &self.origin {
            let _ = writeln!(out, "  --> {origin}");
            if let Origin::File {
                source,
                line,
                column,
                ..
            } = origin
                && let Some(text) = sources.line(*source, *line)
            {
                let (text, column) = window(text, *column);
                let number = line.to_string();
                let pad = " ".repeat(number.len());
                let caret = " ".repeat(column.saturating_sub(1));
                let _ = writeln!(out, "  {pad} |");
                let _ = writeln!(out, "  {number} | {text}");
                let _ = writeln!(out, "  {pad} | {caret}^");
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }
}

/// The most of a line a diagnostic quotes: a long line (a one-line file of megabytes) is
/// cut to a window around the column, marked with `…`.
const QUOTED_CHARS: usize = 100;

/// `line` cut to at most `QUOTED_CHARS` characters around the 1-based `column`, and the
/// column within what is kept.
fn window(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= QUOTED_CHARS {
        return (line.to_owned(), column);
    }
    let at = column.saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(QUOTED_CHARS / 2);
    let end = (start + QUOTED_CHARS).min(chars.len());
    let mut text: String = chars[start..end].iter().collect();
    let mut column = at - start + 1;
    if start > 0 {
        text.insert(0, '…');
        column += 1;
    }
    if end < chars.len() {
        text.push('…');
    }
    (text, column)
}

/// Renders every diagnostic in document order, then a one-line count.
pub fn render_all(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in in_document_order(diagnostics) {
        out.push_str(&d.render(sources));
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.iter().filter(|d| d.is_warning()).count();
    if errors > 0 {
        let _ = writeln!(
            out,
            "{errors} error{}{}",
            plural(errors),
            if warnings > 0 {
                format!(", {warnings} warning{}", plural(warnings))
            } else {
                String::new()
            }
        );
    }
    out
}

/// `diagnostics` in document order: by input, line and column; flags and defaults after the
/// files.
pub fn in_document_order(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| match &d.origin {
        Some(Origin::File {
            source,
            line,
            column,
            ..
        }) => (0, *source, *line, *column),
        Some(Origin::Set(_)) => (1, 0, 0, 0),
        Some(Origin::Default) | None => (2, 0, 0, 0),
    });
    sorted
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
