//! Helpers for the render tests: a config through the real loader, and one object of a
//! rendered stack.

use serde_json::Value as Json;

use super::Object;
use crate::config::model::MonitoringStack;
use crate::config::{Document, Inputs};

/// The config whose `spec` is `spec` (YAML, unindented), through the real loader.
pub fn config(spec: &str) -> MonitoringStack {
    match load(spec) {
        Ok(loaded) => loaded.config,
        Err(rejected) => panic!("config was rejected: {:#?}", rejected.diagnostics),
    }
}

fn load(spec: &str) -> Result<crate::config::Loaded, crate::config::Rejected> {
    let text = format!(
        "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspec:\n{}",
        spec.lines().map(|l| format!("  {l}\n")).collect::<String>()
    );
    crate::config::load(&Inputs {
        documents: vec![Document {
            name: "t.yaml".into(),
            text,
        }],
        ..Inputs::default()
    })
}

/// The object of `kind` named `name`.
pub fn find<'a>(objects: &'a [Object], kind: &str, name: &str) -> &'a Json {
    &objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
        .value
}

/// The errors loading the config whose `spec` is `spec` reports, as (path, message).
pub fn errors(spec: &str) -> Vec<(String, String)> {
    match load(spec) {
        Ok(_) => Vec::new(),
        Err(rejected) => rejected
            .diagnostics
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| (d.path.unwrap_or_default(), d.message))
            .collect(),
    }
}
