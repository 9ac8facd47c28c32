//! The one error/warning type users see, and its rustc-style rendering.

use std::fmt::Write as _;

use crate::source::{Origin, Sources};

/// How bad a finding is: errors stop the pipeline, warnings only do under `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
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

    /// Renders rustc-style: headline, `--> file:line:col`, the source line with a caret, help.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
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

/// Renders every diagnostic in document order, then a one-line count.
pub fn render_all(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    // Document order: by input, line and column; flags and defaults after the files.
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
    for d in sorted {
        out.push_str(&d.render(sources));
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
