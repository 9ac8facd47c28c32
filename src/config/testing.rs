//! Helpers for the config tests. Every config goes through the real loader, so a test sees
//! exactly the diagnostics a user would.

use crate::config::model::MonitoringStack;
use crate::config::{Document, Inputs, Loaded, Rejected};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Origin;

/// Strips the indentation common to every non-blank line, and a leading blank line, so
/// configs can be written indented in the test body.
pub(super) fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A whole config document whose `spec` is `body` (written at any indentation).
pub(super) fn doc(body: &str) -> String {
    let mut out = String::from("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspec:\n");
    for line in dedent(body).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

pub(super) fn inputs(profiles: &[&str], files: &[&str], sets: &[&str]) -> Inputs {
    Inputs {
        profiles: profiles.iter().map(|p| (*p).to_owned()).collect(),
        documents: files
            .iter()
            .enumerate()
            .map(|(i, text)| Document {
                name: if i == 0 {
                    "t.yaml".to_owned()
                } else {
                    format!("t{i}.yaml")
                },
                text: (*text).to_owned(),
            })
            .collect(),
        sets: sets.iter().map(|s| (*s).to_owned()).collect(),
        file_root: None,
    }
}

/// Loads one raw document named `t.yaml`.
pub(super) fn load_text(text: &str) -> Result<Loaded, Rejected> {
    crate::config::load(&Inputs {
        documents: vec![Document {
            name: "t.yaml".into(),
            text: text.to_owned(),
        }],
        ..Default::default()
    })
}

/// Loads a config whose `spec` is `body`.
pub(super) fn load_spec(body: &str) -> Result<Loaded, Rejected> {
    load_text(&doc(body))
}

/// Every diagnostic of a run, errors and warnings, whether the config was accepted or not.
pub(super) fn all(result: &Result<Loaded, Rejected>) -> Vec<Diagnostic> {
    match result {
        Ok(loaded) => loaded.warnings.clone(),
        Err(rejected) => rejected.diagnostics.clone(),
    }
}

pub(super) fn diagnostics(body: &str) -> Vec<Diagnostic> {
    all(&load_spec(body))
}

pub(super) fn at<'a>(diagnostics: &'a [Diagnostic], path: &str) -> Vec<&'a Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.path.as_deref() == Some(path))
        .collect()
}

/// Asserts exactly one diagnostic of `severity` at `path`, its message holding `fragment`,
/// and returns it for further checks.
#[track_caller]
pub(super) fn expect(
    diagnostics: &[Diagnostic],
    severity: Severity,
    path: &str,
    fragment: &str,
) -> Diagnostic {
    let found: Vec<&Diagnostic> = at(diagnostics, path)
        .into_iter()
        .filter(|d| d.severity == severity)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {severity:?} at `{path}`, got {found:#?}\nall diagnostics: {diagnostics:#?}"
    );
    let d = found[0];
    assert!(
        d.message.contains(fragment),
        "message at `{path}` lacks {fragment:?}: {:?}",
        d.message
    );
    d.clone()
}

/// The config whose `spec` is `body` is rejected, with an error at `path` whose message holds
/// `fragment`.
#[track_caller]
pub(super) fn rejects(body: &str, path: &str, fragment: &str) -> Diagnostic {
    refused(load_spec(body), path, fragment)
}

/// The run was refused, with an error at `path` whose message holds `fragment`.
#[track_caller]
pub(super) fn refused(result: Result<Loaded, Rejected>, path: &str, fragment: &str) -> Diagnostic {
    let ds = all(&result);
    assert!(result.is_err(), "config was accepted; diagnostics: {ds:#?}");
    expect(&ds, Severity::Error, path, fragment)
}

/// The run was refused; its first error, for findings that belong to no config path.
#[track_caller]
pub(super) fn first_error(result: Result<Loaded, Rejected>) -> Diagnostic {
    let ds = all(&result);
    assert!(result.is_err(), "config was accepted; diagnostics: {ds:#?}");
    ds.into_iter().find(Diagnostic::is_error).expect("an error")
}

/// The config is accepted, with a warning at `path` whose message holds `fragment`.
#[track_caller]
pub(super) fn warns(body: &str, path: &str, fragment: &str) -> Diagnostic {
    let result = load_spec(body);
    let ds = all(&result);
    assert!(result.is_ok(), "config was rejected: {ds:#?}");
    expect(&ds, Severity::Warning, path, fragment)
}

/// The config is accepted and nothing at all is said about `path`.
#[track_caller]
pub(super) fn passes(body: &str, path: &str) -> Loaded {
    let result = load_spec(body);
    let ds = all(&result);
    let found = at(&ds, path);
    assert!(
        found.is_empty(),
        "unexpected diagnostics at `{path}`: {found:#?}"
    );
    match result {
        Ok(loaded) => loaded,
        Err(rejected) => panic!("config was rejected: {:#?}", rejected.diagnostics),
    }
}

/// `(line, column)` of a diagnostic that points into a file.
#[track_caller]
pub(super) fn position(d: &Diagnostic) -> (usize, usize) {
    match &d.origin {
        Some(Origin::File { line, column, .. }) => (*line, *column),
        other => panic!("expected a file position, got {other:?}"),
    }
}

#[track_caller]
pub(super) fn file_of(d: &Diagnostic) -> String {
    match &d.origin {
        Some(Origin::File { name, .. }) => name.to_string(),
        other => panic!("expected a file origin, got {other:?}"),
    }
}

#[track_caller]
pub(super) fn help_of(d: &Diagnostic) -> &str {
    d.help.as_deref().expect("a help line")
}

#[track_caller]
pub(super) fn config(result: Result<Loaded, Rejected>) -> MonitoringStack {
    match result {
        Ok(loaded) => loaded.config,
        Err(rejected) => panic!("config was rejected: {:#?}", rejected.diagnostics),
    }
}
