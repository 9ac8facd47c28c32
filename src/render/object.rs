//! What the render half hands on: checked objects, or the template that failed.

use std::fmt;

use serde_json::Value as Json;

/// A template that produced something other than a valid object: a bug in stackgen, never
/// in the user's config (validation ran before), reported with the template that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

impl RenderError {
    pub fn new(template: &str, message: impl Into<String>) -> Self {
        Self {
            template: template.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "internal error in template `{}`: {}",
            self.template, self.message
        )
    }
}

impl std::error::Error for RenderError {}

/// One rendered, checked Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// The template it came from.
    pub template: String,
    /// Its canonical form: what k8s-openapi serialises after the round-trip.
    pub value: Json,
    /// The component that rendered it, for objects that carry no name label.
    pub part: &'static str,
    /// For a ConfigMap or Secret: the data of its config files, as the component wrote
    /// their text from it, for the wiring check; empty for content (rules, dashboards),
    /// which nothing dials or opens. `None`: the check reads the files' text.
    pub config: Option<Vec<Json>>,
    /// Its identity, read once: sorting, the wiring check and the directory layout ask for
    /// it tens of thousands of times per render.
    id: Id,
}

#[derive(Debug, Clone, PartialEq)]
struct Id {
    api_version: String,
    kind: String,
    name: String,
    namespace: String,
    /// The `app.kubernetes.io/name` label; empty when it has none.
    app: String,
}

impl Object {
    pub fn new(template: &str, value: Json, part: &'static str, config: Option<Vec<Json>>) -> Self {
        let field = |pointer: &str| {
            value
                .pointer(pointer)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let id = Id {
            api_version: field("/apiVersion"),
            kind: field("/kind"),
            name: field("/metadata/name"),
            namespace: field("/metadata/namespace"),
            app: field("/metadata/labels/app.kubernetes.io~1name"),
        };
        Self {
            template: template.to_owned(),
            value,
            part,
            config,
            id,
        }
    }
    pub fn api_version(&self) -> &str {
        &self.id.api_version
    }
    pub fn kind(&self) -> &str {
        &self.id.kind
    }
    pub fn name(&self) -> &str {
        &self.id.name
    }
    pub fn namespace(&self) -> &str {
        &self.id.namespace
    }
    /// The component it belongs to: its `app.kubernetes.io/name` label, or the component
    /// that rendered it.
    pub fn component(&self) -> &str {
        if self.id.app.is_empty() {
            self.part
        } else {
            &self.id.app
        }
    }
}
