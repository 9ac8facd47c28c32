//! The minijinja environment: embedded templates, strict undefined, and one escaping rule.
//!
//! Every `{{ value }}` is written as a JSON literal (strings quoted and escaped, maps and
//! lists in flow style). JSON is YAML, so no config string can break out of its scalar and
//! inject a key; that formatter is the one quoting filter of the whole renderer.

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use super::RenderError;

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::Json);
        minijinja_embed::load_templates!(&mut env);
        Self { env }
    }

    /// Renders template `name` with `ctx`; errors name the template and line.
    pub fn render<S: Serialize>(&self, name: &str, ctx: &S) -> Result<String, RenderError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| RenderError::new(name, e.to_string()))?;
        template.render(Serde(ctx)).map_err(|e| {
            let line = e.line().map(|l| format!(" (line {l})")).unwrap_or_default();
            RenderError::new(name, format!("{e}{line}"))
        })
    }

    /// Names of every embedded template, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .env
            .templates()
            .map(|(name, _)| name.to_owned())
            .collect();
        names.sort();
        names
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
impl Templates {
    /// Swaps one template's source, to prove the checks catch a broken template.
    pub fn replace(&mut self, name: &'static str, source: String) {
        self.env
            .add_template_owned(name, source)
            .expect("template parses");
    }
}
