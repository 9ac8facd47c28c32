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
    /// A ConfigMap of content, not config (`Part::content_map`).
    pub content: bool,
}

impl Object {
    fn field(&self, pointer: &str) -> &str {
        self.value
            .pointer(pointer)
            .and_then(Json::as_str)
            .unwrap_or_default()
    }
    pub fn api_version(&self) -> &str {
        self.field("/apiVersion")
    }
    pub fn kind(&self) -> &str {
        self.field("/kind")
    }
    pub fn name(&self) -> &str {
        self.field("/metadata/name")
    }
    pub fn namespace(&self) -> &str {
        self.field("/metadata/namespace")
    }
    /// The component it belongs to: its `app.kubernetes.io/name` label, or the component
    /// that rendered it.
    pub fn component(&self) -> &str {
        let label = self.field("/metadata/labels/app.kubernetes.io~1name");
        if label.is_empty() { self.part } else { label }
    }
}
