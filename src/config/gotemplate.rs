//! Prometheus renders alert labels and annotations as Go `text/template`s, and refuses a
//! rule file whose template does not parse (`promtool check rules` says the same). This
//! checks what Go's parser checks that a typo is likely to break: balanced `{{ }}`,
//! `if`/`range`/`with` closed by `end`, variables that exist (`$labels`, `$value`,
//! `$externalLabels`, `$externalURL`, and those the template declares) and functions that
//! Go or Prometheus define.

/// Functions of Go's text/template and Prometheus's alert templates.
const FUNCTIONS: [&str; 47] = [
    // text/template
    "and",
    "call",
    "html",
    "index",
    "slice",
    "js",
    "len",
    "not",
    "or",
    "print",
    "printf",
    "println",
    "urlquery",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
    "ne",
    // Prometheus (template/template.go)
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "sortByLabel",
    "stripPort",
    "stripDomain",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "toDuration",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "now",
];

/// Variables Prometheus defines for alert templates.
const VARIABLES: [&str; 4] = ["$labels", "$value", "$externalLabels", "$externalURL"];

/// Functions Alertmanager adds to Go's for notification templates (its `template.DefaultFuncs`
/// in v0.28).
const ALERTMANAGER_FUNCTIONS: [&str; 16] = [
    "toUpper",
    "toLower",
    "title",
    "trimSpace",
    "join",
    "match",
    "safeHtml",
    "safeUrl",
    "urlUnescape",
    "reReplaceAll",
    "stringSlice",
    "date",
    "tz",
    "since",
    "humanizeDuration",
    "toJson",
];

/// Whose templates are checked: the functions and variables each defines.
#[derive(Clone, Copy)]
pub enum Dialect {
    /// Prometheus's alert labels and annotations.
    Prometheus,
    /// Alertmanager's notification templates: the data is `.`, no `$labels`.
    Alertmanager,
}

impl Dialect {
    fn defines_function(self, name: &str) -> bool {
        match self {
            Self::Prometheus => FUNCTIONS.contains(&name),
            // Go's own functions are the first 19 of `FUNCTIONS`.
            Self::Alertmanager => {
                FUNCTIONS[..19].contains(&name) || ALERTMANAGER_FUNCTIONS.contains(&name)
            }
        }
    }

    fn defines_variable(self, name: &str) -> bool {
        match self {
            Self::Prometheus => VARIABLES.contains(&name),
            Self::Alertmanager => false,
        }
    }
}

/// Words that open a block closed by `end`.
const BLOCKS: [&str; 4] = ["if", "range", "with", "define"];

/// Why `text` is not a template Prometheus can parse, if it is not.
pub fn check(text: &str) -> Result<(), String> {
    check_in(text, Dialect::Prometheus)
}

/// Why `text` is not a template `dialect` can parse, if it is not.
pub fn check_in(text: &str, dialect: Dialect) -> Result<(), String> {
    let mut open_blocks: Vec<&str> = Vec::new();
    let mut declared: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err("`{{` is never closed by `}}`".to_owned());
        };
        let action = after[..end]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        rest = &after[end + 2..];
        if action.starts_with("/*") {
            continue; // a comment
        }
        action_ok(action, dialect, &mut open_blocks, &mut declared)?;
    }
    if rest.contains("}}") && !text.contains("{{") {
        return Err("`}}` without an opening `{{`".to_owned());
    }
    match open_blocks.last() {
        Some(block) => Err(format!(
            "`{{{{ {block} }}}}` is never closed by `{{{{ end }}}}`"
        )),
        None => Ok(()),
    }
}

fn action_ok<'a>(
    action: &'a str,
    dialect: Dialect,
    open_blocks: &mut Vec<&'a str>,
    declared: &mut Vec<String>,
) -> Result<(), String> {
    let first = action.split_whitespace().next().unwrap_or_default();
    match first {
        "end" => {
            open_blocks
                .pop()
                .ok_or("`{{ end }}` closes no `if`, `range` or `with`")?;
            return Ok(());
        }
        "else" if open_blocks.is_empty() => {
            return Err("`{{ else }}` outside an `if`, `range` or `with`".to_owned());
        }
        block if BLOCKS.contains(&block) => open_blocks.push(block),
        _ => {}
    }
    // `$x := …` declares a variable for the rest of the template (Go scopes it to the
    // block; the rest of the template is close enough to catch typos).
    if let Some((lhs, _)) = action.split_once(":=") {
        for var in lhs.split([',', ' ']).filter(|v| v.starts_with('$')) {
            declared.push(var.trim().to_owned());
        }
    }
    for word in words(action) {
        if let Some(var) = word.strip_prefix('$') {
            let name = format!("${}", var.split('.').next().unwrap_or_default());
            let known = name == "$" || dialect.defines_variable(&name) || declared.contains(&name);
            if !known {
                return Err(format!("undefined variable `{name}`"));
            }
        } else if is_identifier(word)
            && !dialect.defines_function(word)
            && !BLOCKS.contains(&word)
            && ![
                "else", "end", "nil", "true", "false", "template", "block", "break", "continue",
            ]
            .contains(&word)
        {
            return Err(format!("function `{word}` is not defined"));
        }
    }
    Ok(())
}

/// The words of an action outside string literals, split at spaces, pipes and brackets.
fn words(action: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_string: Option<char> = None;
    let mut start = None;
    let bytes: Vec<(usize, char)> = action.char_indices().collect();
    for &(i, c) in &bytes {
        if let Some(q) = in_string {
            if c == q {
                in_string = None;
            }
            continue;
        }
        if c == '"' || c == '`' || c == '\'' {
            if let Some(s) = start.take() {
                out.push(&action[s..i]);
            }
            in_string = Some(c);
            continue;
        }
        let separator = c.is_whitespace() || "|(),=:".contains(c);
        match (separator, start) {
            (true, Some(s)) => {
                out.push(&action[s..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&action[s..]);
    }
    out
}

/// A bare name Go would look up as a function (not a field `.x`, number or variable).
fn is_identifier(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::{Dialect, check, check_in};

    #[test]
    fn alertmanager_templates_know_their_own_functions_and_no_labels_variable() {
        let ok = r#"{{ define "slack.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}
{{ define "slack.text" }}{{ range .Alerts.Firing }}{{ .Annotations.summary }} {{ join ", " .Labels.Values }}{{ end }}{{ end }}"#;
        assert_eq!(check_in(ok, Dialect::Alertmanager), Ok(()));
        let err = check_in("{{ $labels.job }}", Dialect::Alertmanager).unwrap_err();
        assert!(err.contains("undefined variable `$labels`"), "{err}");
        let err =
            check_in("{{ .Status | humanizePercentage }}", Dialect::Alertmanager).unwrap_err();
        assert!(err.contains("humanizePercentage"), "{err}");
    }

    #[test]
    fn the_templates_prometheus_users_write_pass() {
        for ok in [
            "plain text",
            "{{ $labels.instance }} is down",
            "{{ $value | humanizePercentage }} of requests fail.",
            "{{ printf \"%.3g\" $value }} alerts/s",
            "{{ if gt $value 1.0 }}many{{ else }}one{{ end }}",
            "{{ range $i, $l := $labels }}{{ $i }}={{ $l }}{{ end }}",
            "{{- $labels.job -}}",
            "{{ with $externalLabels.cluster }}{{ . }}{{ end }}",
            "{{/* a comment */}}",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn typos_that_promtool_rejects_are_caught() {
        for (bad, why) in [
            ("{{ $lables.instance }}", "undefined variable `$lables`"),
            (
                "{{ $value | humanizePercentag }}",
                "function `humanizePercentag` is not defined",
            ),
            ("{{ $labels.job ", "never closed"),
            ("{{ if $value }}x", "never closed by"),
            ("x {{ end }}", "closes no"),
        ] {
            let err = check(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
