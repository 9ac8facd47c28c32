//! Helpers for the render tests: a config through the real loader, and one object of a
//! rendered stack.

use serde_json::Value as Json;

use super::Object;
use crate::config::model::MonitoringStack;
use crate::config::{Document, Inputs};

/// The config whose `spec` is `spec` (YAML, unindented), through the real loader.
pub fn config(spec: &str) -> MonitoringStack {
    let mut text =
        String::from("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspec:\n");
    for line in spec.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    let inputs = Inputs {
        documents: vec![Document {
            name: "t.yaml".into(),
            text,
        }],
        ..Inputs::default()
    };
    match crate::config::load(&inputs) {
        Ok(loaded) => loaded.config,
        Err(rejected) => panic!("config was rejected: {:#?}", rejected.diagnostics),
    }
}

/// The object of `kind` named `name`.
pub fn find<'a>(objects: &'a [Object], kind: &str, name: &str) -> &'a Json {
    &objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
        .value
}
