//! The minijinja environment: embedded templates, strict undefined, and one rule for every
//! value a template prints.
//!
//! A template lays out YAML; the values it prints never become YAML text. Each `{{ value }}`
//! is written as a placeholder scalar and kept aside as the value itself; the laid-out text
//! (template text and placeholders only) is parsed, and each placeholder replaced by its
//! value. No config string is ever read by a YAML parser, so none can break out of its
//! scalar and inject a key, and the large values (pod specs, label maps) skip a round through
//! text and back: the parse sees a few hundred bytes of layout instead of the whole object.
//! That formatter is the one quoting rule of the whole renderer.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value as Json;

use super::RenderError;

/// Starts every placeholder: a character no template writes, and no config value reaches
/// the parsed text.
const MARK: char = '\0';

/// The values one render printed, in order; placeholder `N` stands for the `N`th.
#[derive(Default)]
struct Printed(Vec<Value>);

pub struct Templates {
    env: Environment<'static>,
    layouts: Mutex<HashMap<String, Json>>,
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(|out, state, value| {
            // A custom formatter takes over the strict check of the default one.
            if value.is_undefined() {
                return Err(Error::new(
                    ErrorKind::UndefinedError,
                    "a template printed an undefined value",
                ));
            }
            let printed = state.get_or_insert_extension(Printed::default());
            // A YAML double-quoted scalar: `\0` is its escape for the mark.
            write!(out, "\"\\0{}\"", printed.0.len()).map_err(Error::from)?;
            printed.0.push(value.clone());
            Ok(())
        });
        minijinja_embed::load_templates!(&mut env);
        Self {
            env,
            layouts: Mutex::default(),
        }
    }

    /// Renders template `name` with `ctx` into the value it lays out; errors name the
    /// template and line.
    pub fn render<S: Serialize>(&self, name: &str, ctx: &S) -> Result<Json, RenderError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| RenderError::new(name, e.to_string()))?;
        let captured = template.render_captured(Serde(ctx)).map_err(|e| {
            let line = e.line().map(|l| format!(" (line {l})")).unwrap_or_default();
            RenderError::new(name, format!("{e}{line}"))
        })?;
        let printed = captured
            .state()
            .get_extension::<Printed>()
            .map_or(&[][..], |p| p.0.as_slice());
        let mut layout = self.layout(name, captured.output())?;
        fill(&mut layout, printed).map_err(|m| RenderError::new(name, m))?;
        Ok(layout)
    }

    /// The parsed layout text. A template lays out few distinct texts (its `{% if %}`
    /// branches), and a placeholder is only an index, so each text is parsed once per
    /// process: a stack repeats them for every Service and workload, a fleet for every
    /// cluster.
    fn layout(&self, name: &str, text: &str) -> Result<Json, RenderError> {
        let mut parsed = self.layouts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(layout) = parsed.get(text) {
            return Ok(layout.clone());
        }
        let layout: Json = serde_saphyr::from_str(text).map_err(|e| {
            RenderError::new(
                name,
                format!(
                    "rendered invalid YAML: {}",
                    e.to_string().lines().next().unwrap_or_default()
                ),
            )
        })?;
        parsed.insert(text.to_owned(), layout.clone());
        Ok(layout)
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

/// Replaces every placeholder in `layout` by the value it stands for. A mark anywhere else
/// means a template printed a value inside a scalar or a key (`name: x-{{ y }}`), which has
/// no value of its own: such strings are built in Rust.
fn fill(layout: &mut Json, printed: &[Value]) -> Result<(), String> {
    match layout {
        Json::String(s) if s.starts_with(MARK) => {
            let value = s[1..]
                .parse::<usize>()
                .ok()
                .and_then(|i| printed.get(i))
                .ok_or_else(|| format!("a value is printed inside the string {s:?}"))?;
            *layout = serde_json::to_value(value)
                .map_err(|e| format!("a printed value is not data: {e}"))?;
        }
        Json::String(s) if misplaced(s) => {
            return Err(format!("a value is printed inside the string {s:?}"));
        }
        Json::Array(items) => {
            for item in items {
                fill(item, printed)?;
            }
        }
        Json::Object(map) => {
            if let Some(key) = map.keys().find(|k| misplaced(k)) {
                return Err(format!("a value is printed as a key ({key:?})"));
            }
            for value in map.values_mut() {
                fill(value, printed)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a placeholder was written inside a scalar: decoded in a quoted one, as text in a
/// plain one (which reads no escapes).
fn misplaced(s: &str) -> bool {
    s.contains(MARK) || s.contains("\"\\0")
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(source: &str, ctx: Json) -> Result<Json, RenderError> {
        let mut templates = Templates::new();
        templates.replace("t", source.to_owned());
        templates.render("t", &ctx)
    }

    #[test]
    fn printed_values_keep_their_shape_and_never_become_yaml() {
        let hostile = "x\nevil: true\n# {{ y }}";
        let out = render(
            "a: {{ s }}\nb: [{{ n }}, {{ m }}]\nc: {{ yes }}\n",
            json!({"s": hostile, "n": 3, "m": {"k": [1.5, null, "on"]}, "yes": "yes"}),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"a": hostile, "b": [3, {"k": [1.5, null, "on"]}], "c": "yes"})
        );
    }

    #[test]
    fn a_value_printed_inside_a_string_or_as_a_key_is_refused() {
        let plain = render("a: x-{{ s }}\n", json!({"s": "y"})).unwrap_err();
        assert!(plain.message.contains("inside the string"), "{plain}");
        let quoted = render("a: \"x-{{ s }}\"\n", json!({"s": "y"})).unwrap_err();
        assert!(quoted.message.contains("invalid YAML"), "{quoted}");
        let key = render("{{ s }}: 1\n", json!({"s": "y"})).unwrap_err();
        assert!(key.message.contains("as a key"), "{key}");
    }

    #[test]
    fn an_undefined_value_fails_the_render() {
        let err = render("a: {{ missing }}\n", json!({})).unwrap_err();
        assert!(err.message.contains("undefined"), "{err}");
    }
}
