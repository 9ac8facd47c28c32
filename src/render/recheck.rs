//! The checks of a render, run again on a stream someone else changed: the output of a
//! kustomize overlay over the stack, say. An overlay can break what no template check sees:
//! `namespace: obs` moves every object, while the addresses inside args and configs still
//! name the namespace the stack was rendered for, so nothing would find anything.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::{Object, prerequisites, wiring};
use crate::config::MonitoringStack;

const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
const INSTANCE: &str = "app.kubernetes.io/instance";

/// What the stream breaks of the stack `config` renders, as messages for people; empty when
/// it still holds together. Only the stack's own objects (by their managed-by and instance
/// labels) are checked: an overlay's other objects are its business.
pub fn recheck(config: &MonitoringStack, items: &[Json]) -> Vec<String> {
    let instance = config.metadata.name.as_str();
    let ours: Vec<&Json> = items
        .iter()
        .filter(|item| {
            let labels = &item["metadata"]["labels"];
            labels[MANAGED_BY] == "stackgen" && labels[INSTANCE] == instance
        })
        .collect();
    if ours.is_empty() {
        return vec![format!(
            "no object of stack `{instance}` is in the input (none is labelled `{MANAGED_BY}: stackgen` and `{INSTANCE}: {instance}`)"
        )];
    }
    let rendered_for = config.spec.namespace.as_str();
    let moved_to: BTreeSet<&str> = ours
        .iter()
        .filter_map(|item| {
            if item["kind"] == "Namespace" {
                item["metadata"]["name"].as_str()
            } else {
                item["metadata"]["namespace"].as_str()
            }
        })
        .filter(|ns| *ns != rendered_for)
        .collect();
    if !moved_to.is_empty() {
        let to: Vec<String> = moved_to.iter().map(|ns| format!("`{ns}`")).collect();
        return vec![format!(
            "the stack was rendered for namespace `{rendered_for}`, but its objects were moved to {} (a kustomize `namespace:`?): the addresses in their args and configs still name `{rendered_for}`, so its components would not find each other. Set `spec.namespace: {}` in the MonitoringStack instead, and drop the overlay's `namespace:`",
            to.join(", "),
            moved_to.first().copied().unwrap_or_default()
        )];
    }
    let objects: Vec<Object> = ours
        .into_iter()
        .map(|item| Object::new("input", item.clone(), "input", None))
        .collect();
    let cluster = wiring::Cluster::of(&config.spec);
    wiring::problems(&objects, &cluster, &prerequisites::of(&config.spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> (MonitoringStack, Vec<Json>) {
        let config = MonitoringStack::default();
        let objects = super::super::render(&config).expect("renders");
        let items = objects.into_iter().map(|o| o.value).collect();
        (config, items)
    }

    #[test]
    fn the_stack_as_rendered_holds_together() {
        let (config, items) = stack();
        assert_eq!(recheck(&config, &items), Vec::<String>::new());
    }

    /// What kustomize's `namespace: obs` does: every namespaced object and the Namespace
    /// itself moved, the addresses left alone.
    #[test]
    fn a_moved_namespace_is_refused_with_what_to_set_instead() {
        let (config, mut items) = stack();
        for item in &mut items {
            let metadata = &mut item["metadata"];
            if item_is_namespace(metadata) {
                metadata["name"] = "obs".into();
            } else if metadata.get("namespace").is_some() {
                metadata["namespace"] = "obs".into();
            }
        }
        let problems = recheck(&config, &items);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].contains(
                "rendered for namespace `monitoring`, but its objects were moved to `obs`"
            ) && problems[0].contains("Set `spec.namespace: obs`"),
            "{problems:#?}"
        );
    }

    fn item_is_namespace(metadata: &Json) -> bool {
        metadata["labels"]["kubernetes.io/metadata.name"].is_string()
    }

    /// A patch that renames a Service breaks every address of it; the wiring check says so.
    #[test]
    fn an_overlay_that_breaks_the_wiring_is_refused() {
        let (config, mut items) = stack();
        let service = items
            .iter_mut()
            .find(|i| i["kind"] == "Service" && i["metadata"]["name"] == "thanos-store-gateway")
            .expect("the discovery Service");
        service["metadata"]["name"] = "store".into();
        let problems = recheck(&config, &items);
        assert!(
            problems.iter().any(|p| p.contains("thanos-store-gateway")),
            "{problems:#?}"
        );
    }

    #[test]
    fn a_stream_without_the_stack_says_so() {
        let (config, _) = stack();
        let problems = recheck(&config, &[serde_json::json!({"kind": "ConfigMap"})]);
        assert!(
            problems[0].contains("no object of stack `monitoring`"),
            "{problems:#?}"
        );
    }
}
