//! The KRM function: a `ResourceList` in, the same list plus the rendered stack out.
//!
//! The `functionConfig` is a `MonitoringStack`, the same document `-c` reads. Input items are
//! kept as they are, except objects this function generated on an earlier run, which the
//! new ones replace (so `kpt fn eval` can run again and again). Config errors become
//! `results` with severity `error`, and no item is generated.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json, json};

use crate::config::{Document, Inputs};
use crate::diagnostic::{Diagnostic, Severity};
use crate::diff::Key;
use crate::pipeline::{self, Failure, Options};
use crate::render::Object;

/// Annotation that marks what this function generated, naming the stack.
pub const GENERATED_BY: &str = "stackgen.dev/generated-by";
const PATH_ANNOTATION: &str = "internal.config.kubernetes.io/path";

/// What the function writes: the ResourceList for stdout, and whether it failed.
pub struct Outcome {
    pub resource_list: Json,
    pub failed: bool,
}

/// Runs the function over a ResourceList (YAML or JSON).
pub fn run(input: &str) -> Outcome {
    let (items, function_config) = match read(input) {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let inputs = Inputs {
        documents: vec![Document {
            name: "functionConfig".to_owned(),
            text: crate::yaml::json_to_string(&strip_tooling_metadata(&function_config)),
        }],
        ..Inputs::default()
    };
    let rendered = match pipeline::run(&inputs, Options::default()) {
        Ok(rendered) => rendered,
        Err(Failure::Internal { error, .. }) => {
            return failure(items, vec![error_result(error.to_string())]);
        }
        Err(refused) => {
            return failure(items, refused.diagnostics().iter().map(result_of).collect());
        }
    };
    let stack = rendered.config.metadata.name.to_string();
    match keep(&items, &rendered.objects, &stack) {
        Ok(mut kept) => {
            kept.extend(rendered.objects.iter().map(|o| generated_item(o, &stack)));
            let results = rendered.warnings.iter().map(result_of).collect();
            Outcome {
                resource_list: resource_list(kept, results),
                failed: false,
            }
        }
        Err(clashes) => failure(items, clashes),
    }
}

/// The list's items and its function config, or the failure to give back.
fn read(input: &str) -> Result<(Vec<Json>, Json), Outcome> {
    let list: Json = crate::yaml::from_str(input).map_err(|e| {
        let message = format!(
            "input is not a ResourceList: {}",
            e.to_string().lines().next().unwrap_or_default()
        );
        failure(Vec::new(), vec![error_result(message)])
    })?;
    let items = match list.get("items") {
        Some(Json::Array(items)) => items.clone(),
        None | Some(Json::Null) => Vec::new(),
        Some(_) => {
            let message = "`items` of the ResourceList must be a list";
            return Err(failure(Vec::new(), vec![error_result(message)]));
        }
    };
    if list.get("kind").and_then(Json::as_str) != Some("ResourceList") {
        let message = "input is not a ResourceList (`kind: ResourceList`)";
        return Err(failure(items, vec![error_result(message)]));
    }
    match list.get("functionConfig").filter(|c| !c.is_null()) {
        Some(function_config) => Ok((items, function_config.clone())),
        None => {
            let message =
                "no `functionConfig`: give the function a MonitoringStack (kpt `--fn-config FILE`)";
            Err(failure(items, vec![error_result(message)]))
        }
    }
}

/// The input items that stay beside the new objects, or the clashes as results.
///
/// What this stack generated before goes; so does anything generated (by any stack name) in
/// the place of a new object, or renaming a stack would leave every object twice. A
/// package's own object in such a place is a clash the user must resolve.
fn keep(items: &[Json], objects: &[Object], stack: &str) -> Result<Vec<Json>, Vec<Json>> {
    let generated: BTreeSet<Key> = objects.iter().map(|o| Key::of(&o.value)).collect();
    let mut kept = Vec::new();
    let mut clashes = Vec::new();
    for item in items {
        let collides = generated.contains(&Key::of(item));
        match (marker(item), collides) {
            (Some(by), _) if by == stack => {}
            (Some(_), true) => {}
            (None, true) => clashes.push(Key::of(item)),
            _ => kept.push(item.clone()),
        }
    }
    if clashes.is_empty() {
        return Ok(kept);
    }
    Err(clashes
        .iter()
        .map(|key| {
            result_of(
                &Diagnostic::error(format!(
                    "the package already holds {key}, which the stack generates"
                ))
                .help("remove or rename the package's object, or switch the component off"),
            )
        })
        .collect())
}

/// kustomize and kpt annotate the config they pass; those annotations are theirs, not
/// config fields the schema knows.
fn strip_tooling_metadata(config: &Json) -> Json {
    let mut config = config.clone();
    if let Some(Json::Object(annotations)) = config.pointer_mut("/metadata/annotations") {
        annotations.retain(|k, _| !crate::render::is_tooling_annotation(k));
    }
    config
}

/// The stack that generated `item`, if stackgen did.
fn marker(item: &Json) -> Option<&str> {
    item.pointer("/metadata/annotations")
        .and_then(|a| a.get(GENERATED_BY))
        .and_then(Json::as_str)
}

fn generated_item(object: &Object, stack: &str) -> Json {
    let mut value = object.value.clone();
    let path = format!(
        "stackgen/{}/{}-{}.yaml",
        object.component(),
        object.kind().to_lowercase(),
        object.name()
    );
    let metadata = value
        .as_object_mut()
        .and_then(|v| v.get_mut("metadata"))
        .and_then(Json::as_object_mut);
    if let Some(metadata) = metadata {
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(annotations) = annotations {
            annotations.insert(GENERATED_BY.to_owned(), json!(stack));
            annotations.insert(PATH_ANNOTATION.to_owned(), json!(path));
        }
    }
    value
}

fn resource_list(items: Vec<Json>, results: Vec<Json>) -> Json {
    let mut list =
        json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items});
    if !results.is_empty() {
        list["results"] = Json::Array(results);
    }
    list
}

fn failure(items: Vec<Json>, results: Vec<Json>) -> Outcome {
    Outcome {
        resource_list: resource_list(items, results),
        failed: true,
    }
}

fn error_result(message: impl Into<String>) -> Json {
    result_of(&Diagnostic::error(message))
}

/// A diagnostic as a KRM result: the config path in the message and as `field.path`.
fn result_of(d: &Diagnostic) -> Json {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "info",
    };
    let mut message = match &d.path {
        Some(path) => format!("`{path}`: {}", d.message),
        None => d.message.clone(),
    };
    if let Some(help) = &d.help {
        message.push_str(&format!(" (help: {help})"));
    }
    let mut result = json!({"message": message, "severity": severity});
    if let Some(path) = &d.path {
        result["field"] = json!({"path": path});
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(function_config: &str, items: &str) -> String {
        format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {items}\nfunctionConfig:\n{function_config}"
        )
    }

    const CONFIG: &str = "  apiVersion: stackgen.dev/v1alpha1\n  kind: MonitoringStack\n  metadata:\n    name: edge\n    annotations:\n      config.kubernetes.io/local-config: \"true\"\n  spec:\n    cluster: edge\n";

    #[test]
    fn generates_the_stack_after_the_input_items() {
        let input = list(
            CONFIG,
            "[{apiVersion: v1, kind: ConfigMap, metadata: {name: mine}}]",
        );
        let out = run(&input);
        assert!(!out.failed);
        let items = out.resource_list["items"].as_array().unwrap();
        assert_eq!(items[0]["metadata"]["name"], "mine");
        assert_eq!(items[1]["kind"], "Namespace");
        assert_eq!(items[1]["metadata"]["annotations"][GENERATED_BY], "edge");
        assert!(items.iter().all(|i| {
            i.pointer("/metadata/annotations/config.kubernetes.io~1local-config")
                .is_none()
        }));
    }

    #[test]
    fn a_second_run_replaces_what_the_first_generated() {
        let first = run(&list(CONFIG, "[]"));
        let items = serde_json::to_string(&first.resource_list["items"]).unwrap();
        let second = run(&list(CONFIG, &items));
        assert_eq!(first.resource_list["items"], second.resource_list["items"]);
    }

    #[test]
    fn config_errors_become_results_and_nothing_is_generated() {
        let bad = CONFIG.replace(
            "    cluster: edge\n",
            "    cluster: edge\n    thanos:\n      compact:\n        replicas: 2\n",
        );
        let out = run(&list(
            &bad,
            "[{apiVersion: v1, kind: ConfigMap, metadata: {name: mine}}]",
        ));
        assert!(out.failed);
        assert_eq!(out.resource_list["items"].as_array().unwrap().len(), 1);
        let result = &out.resource_list["results"][0];
        assert_eq!(result["severity"], "error");
        assert_eq!(result["field"]["path"], "spec.thanos.compact.replicas");
        assert!(
            result["message"]
                .as_str()
                .unwrap()
                .contains("spec.thanos.compact.replicas")
        );
    }

    #[test]
    fn renaming_the_stack_replaces_instead_of_duplicating() {
        let first = run(&list(CONFIG, "[]"));
        let items = serde_json::to_string(&first.resource_list["items"]).unwrap();
        let renamed = CONFIG.replace("name: edge", "name: edge-2");
        let second = run(&list(&renamed, &items));
        assert!(!second.failed);
        let keys: Vec<Key> = second.resource_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(Key::of)
            .collect();
        let unique: BTreeSet<&Key> = keys.iter().collect();
        assert_eq!(
            keys.len(),
            unique.len(),
            "duplicate identities after a rename"
        );
    }

    #[test]
    fn a_package_object_in_a_generated_place_is_a_clash() {
        let mine = "[{apiVersion: v1, kind: ConfigMap, metadata: {name: prometheus-config, namespace: monitoring}}]";
        let out = run(&list(CONFIG, mine));
        assert!(out.failed);
        let message = out.resource_list["results"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("ConfigMap monitoring/prometheus-config"),
            "{message}"
        );
        assert_eq!(out.resource_list["items"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn package_values_keep_their_yaml_1_2_meaning() {
        let mine = "[{apiVersion: v1, kind: ConfigMap, metadata: {name: mine}, data: {enabled: yes, mode: off}}]";
        let out = run(&list(CONFIG, mine));
        assert_eq!(
            out.resource_list["items"][0]["data"],
            json!({"enabled": "yes", "mode": "off"})
        );
    }

    #[test]
    fn missing_function_config_is_an_error_result() {
        let out = run("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n");
        assert!(out.failed);
        assert_eq!(out.resource_list["results"][0]["severity"], "error");
    }

    #[test]
    fn garbage_input_is_an_error_result_not_a_panic() {
        for input in ["", "[", "kind: ResourceList\nitems: 3\n", "kind: Other\n"] {
            assert!(run(input).failed, "{input:?}");
        }
    }
}
