//! Checks the merged tree against the config's JSON Schema before serde sees it.
//!
//! serde stops at the first problem; users want every unknown key, wrong type and malformed
//! value of a run at once, each at its `file:line:col`. Walking the tree against the very
//! schema `stackgen schema` prints gives that, and keeps one definition of the contract.

use std::collections::HashMap;

use regex_lite::Regex;
use serde_json::{Map, Value as Json};

use super::schema::Schema;
use super::suggest;
use super::tree::{Node, Path, Value};
use crate::diagnostic::Diagnostic;

/// What a structural finding leaves for serde and the rules that run after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The value at the finding's path is wrong: it is set aside, so its default stands in and
    /// the rest of the config can still be validated.
    Value,
    /// A required field is missing under the finding's path: there is no value to set aside.
    Missing,
}

pub struct StructureChecker<'a> {
    schema: &'a Schema,
    patterns: HashMap<String, Option<Regex>>,
    diagnostics: Vec<Diagnostic>,
    /// Paths of the offending values, so the rest of the config can still be validated.
    rejected: Vec<Path>,
}

impl<'a> StructureChecker<'a> {
    pub fn new(schema: &'a Schema) -> Self {
        Self {
            schema,
            patterns: HashMap::new(),
            diagnostics: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// Every structural problem in `node`, in document order, and the paths of the values
    /// at fault.
    pub fn check(mut self, node: &Node) -> (Vec<Diagnostic>, Vec<Path>) {
        self.walk(node, self.schema.root(), &Path::root());
        (self.diagnostics, self.rejected)
    }

    fn resolve(&self, schema: &'a Json) -> &'a Json {
        self.schema.resolve(schema)
    }

    fn report(&mut self, fault: Fault, diagnostic: Diagnostic) {
        if fault == Fault::Value
            && let Some(path) = diagnostic.path.as_deref().and_then(|p| Path::parse(p).ok())
        {
            self.rejected.push(path);
        }
        self.diagnostics.push(diagnostic);
    }

    fn walk(&mut self, node: &Node, schema: &'a Json, path: &Path) {
        // The built-in defaults fit the schema (`the_defaults_fit_the_schema`), and the walk
        // is context-free: what no layer touched needs no second look.
        if node.is_default() {
            return;
        }
        let schema = self.resolve(schema);
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array)
        {
            self.walk_alternatives(node, branches, path);
            return;
        }
        if let Some(expected) = schema.get("const") {
            if node.to_json() != *expected {
                self.report(
                    Fault::Value,
                    Diagnostic::error(format!("must be {expected}, found {}", show(node)))
                        .at(path.to_string())
                        .from_origin(Some(node.origin.clone())),
                );
            }
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Json::as_array) {
            self.check_enum(node, allowed, path);
            return;
        }
        if !self.check_type(node, schema, path) {
            return;
        }
        match &node.value {
            Value::Map(map) => self.walk_map(node, map, schema, path),
            Value::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item, item_schema, &path.index(i));
                    }
                }
            }
            Value::String(s) => self.check_string(node, s, schema, path),
            Value::Int(i) => self.check_integer(node, *i, schema, path),
            _ => {}
        }
    }

    fn walk_alternatives(&mut self, node: &Node, branches: &'a [Json], path: &Path) {
        let branches: Vec<&'a Json> = branches.iter().map(|b| self.resolve(b)).collect();
        let is_null_branch = |b: &&Json| b.get("type").and_then(Json::as_str) == Some("null");
        if node.value == Value::Null && branches.iter().any(is_null_branch) {
            return;
        }
        // Documented enums come out as one `const` branch per variant.
        let constants: Vec<Json> = branches
            .iter()
            .filter_map(|b| b.get("const").cloned())
            .collect();
        if !constants.is_empty() && constants.len() == branches.len() {
            self.check_enum(node, &constants, path);
            return;
        }
        if let Some(branch) = branches.into_iter().find(|b| !is_null_branch(b)) {
            self.walk(node, branch, path);
        }
    }

    fn check_enum(&mut self, node: &Node, allowed: &[Json], path: &Path) {
        let value = node.to_json();
        if allowed.contains(&value) {
            return;
        }
        let names: Vec<String> = allowed
            .iter()
            .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned))
            .collect();
        let mut help = format!("allowed values: {}", quoted_list(&names));
        if let Some(s) = value.as_str()
            && let Some(best) = suggest::closest(s, names.iter().map(String::as_str))
        {
            help = format!("did you mean `{best}`? {help}");
        } else if value.is_number() && names.iter().any(|n| n.parse::<f64>().is_ok()) {
            help.push_str("; write the value in quotes, as YAML reads `1.30` as the number 1.3");
        }
        self.report(
            Fault::Value,
            Diagnostic::error(format!("{} is not an allowed value", show(node)))
                .at(path.to_string())
                .from_origin(Some(node.origin.clone()))
                .help(help),
        );
    }

    /// Reports a type mismatch and returns whether the walk may go deeper.
    fn check_type(&mut self, node: &Node, schema: &Json, path: &Path) -> bool {
        let types: Vec<&str> = match schema.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
            _ => return true,
        };
        let fits = types.iter().any(|t| {
            matches!(
                (*t, &node.value),
                ("null", Value::Null)
                    | ("boolean", Value::Bool(_))
                    | ("integer" | "number", Value::Int(_))
                    | ("number", Value::Float(_))
                    | ("string", Value::String(_))
                    | ("array", Value::Seq(_))
                    | ("object", Value::Map(_))
            )
        });
        if fits {
            return true;
        }
        let expected: Vec<&str> = types
            .iter()
            .filter(|t| **t != "null")
            .map(|t| match *t {
                "object" => "a map",
                "array" => "a list",
                "string" => "a string",
                "integer" => "a whole number",
                "number" => "a number",
                "boolean" => "`true` or `false`",
                other => other,
            })
            .collect();
        let mut diagnostic = Diagnostic::error(format!(
            "expected {}, found {}",
            expected.join(" or "),
            show(node)
        ))
        .at(path.to_string())
        .from_origin(Some(node.origin.clone()));
        if types.contains(&"string")
            && matches!(node.value, Value::Int(_) | Value::Float(_) | Value::Bool(_))
        {
            diagnostic = diagnostic.help(format!(
                "YAML read this as {}; put it in quotes to make it a string",
                article(node.value.type_name())
            ));
        } else if types.contains(&"boolean") && matches!(node.value, Value::String(_)) {
            diagnostic = diagnostic.help("write `true` or `false`; stackgen reads YAML 1.2, as kustomize does, where `yes`, `no`, `on` and `off` are strings");
        } else if let Some(description) = schema.get("description").and_then(Json::as_str) {
            diagnostic = diagnostic.help(first_sentence(description));
        }
        self.report(Fault::Value, diagnostic);
        false
    }

    fn walk_map(
        &mut self,
        node: &Node,
        map: &indexmap::IndexMap<String, Node>,
        schema: &'a Json,
        path: &Path,
    ) {
        static EMPTY: std::sync::LazyLock<Map<String, Json>> = std::sync::LazyLock::new(Map::new);
        let properties = schema
            .get("properties")
            .and_then(Json::as_object)
            .unwrap_or(&EMPTY);
        let additional = schema.get("additionalProperties");
        for (key, child) in map {
            let child_path = path.key(key);
            if let Some(child_schema) = properties.get(key) {
                self.walk(child, child_schema, &child_path);
                continue;
            }
            // Maps with constrained keys (label names) come out as `patternProperties`.
            if let Some(patterns) = schema.get("patternProperties").and_then(Json::as_object) {
                self.walk_pattern_key(key, child, patterns, &child_path);
                continue;
            }
            match additional {
                Some(Json::Bool(false)) => self.unknown_key(key, child, properties, path),
                Some(extra @ Json::Object(_)) => {
                    if let Some(names) = schema.get("propertyNames") {
                        let key_node = Node::new(
                            Value::String(key.clone()),
                            child
                                .key_origin
                                .clone()
                                .unwrap_or_else(|| child.origin.clone()),
                        );
                        self.walk(&key_node, names, &child_path);
                    }
                    self.walk(child, extra, &child_path);
                }
                _ => {}
            }
        }
        self.check_required(node, map, schema, properties, path);
    }

    /// Walks a value whose key must match one of `patterns`, or reports the key.
    fn walk_pattern_key(
        &mut self,
        key: &str,
        child: &Node,
        patterns: &'a Map<String, Json>,
        child_path: &Path,
    ) {
        let matching = patterns
            .iter()
            .find(|(p, _)| self.pattern(p).is_some_and(|re| re.is_match(key)));
        match matching {
            Some((_, child_schema)) => self.walk(child, child_schema, child_path),
            None => {
                let allowed: Vec<&str> = patterns.keys().map(String::as_str).collect();
                self.report(
                    Fault::Value,
                    Diagnostic::error(format!("`{key}` is not a valid key here"))
                        .at(child_path.to_string())
                        .from_origin(child.key_origin.clone().or_else(|| Some(child.origin.clone())))
                        .help(format!("keys must match {}: for label names, a letter or `_`, then letters, digits or `_`", quoted_list(&allowed))),
                );
            }
        }
    }

    /// Reports every required field `map` lacks. Its parent stays: setting that aside would
    /// drop the fields the user did write, and the rules would then report the gap again.
    fn check_required(
        &mut self,
        node: &Node,
        map: &indexmap::IndexMap<String, Node>,
        schema: &Json,
        properties: &'a Map<String, Json>,
        path: &Path,
    ) {
        let Some(required) = schema.get("required").and_then(Json::as_array) else {
            return;
        };
        for name in required.iter().filter_map(Json::as_str) {
            if !map.contains_key(name) {
                let help = properties
                    .get(name)
                    .map(|p| self.resolve(p))
                    .and_then(|p| p.get("description"))
                    .and_then(Json::as_str)
                    .map(first_sentence);
                let mut d = Diagnostic::error(format!("missing required field `{name}`"))
                    .at(path.to_string())
                    .from_origin(Some(node.origin.clone()));
                if let Some(help) = help {
                    d = d.help(format!("`{name}`: {help}"));
                }
                self.report(Fault::Missing, d);
            }
        }
    }

    fn unknown_key(
        &mut self,
        key: &str,
        child: &Node,
        properties: &Map<String, Json>,
        path: &Path,
    ) {
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        let mut help = format!("fields allowed here: {}", quoted_list(&names));
        if let Some(best) = suggest::closest(key, names.iter().copied()) {
            help = format!("did you mean `{best}`? {help}");
        }
        let place = if path.0.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("in `{path}`")
        };
        self.report(
            Fault::Value,
            Diagnostic::error(format!("unknown field `{key}` {place}"))
                .at(path.key(key).to_string())
                .from_origin(
                    child
                        .key_origin
                        .clone()
                        .or_else(|| Some(child.origin.clone())),
                )
                .help(help),
        );
    }

    fn check_string(&mut self, node: &Node, s: &str, schema: &'a Json, path: &Path) {
        let too_long = schema
            .get("maxLength")
            .and_then(Json::as_u64)
            .is_some_and(|max| s.chars().count() as u64 > max);
        let mismatch = schema
            .get("pattern")
            .and_then(Json::as_str)
            .and_then(|p| self.pattern(p))
            .is_some_and(|re| !re.is_match(s));
        let too_short = schema
            .get("minLength")
            .and_then(Json::as_u64)
            .is_some_and(|min| (s.chars().count() as u64) < min);
        if !(too_long || mismatch || too_short)
            && let Some(Err(why)) = schema
                .get("format")
                .and_then(Json::as_str)
                .and_then(|f| super::types::check_format(f, s))
        {
            self.report(
                Fault::Value,
                Diagnostic::error(why)
                    .at(path.to_string())
                    .from_origin(Some(node.origin.clone())),
            );
            return;
        }
        if too_long || mismatch || too_short {
            let expected = schema
                .get("description")
                .and_then(Json::as_str)
                .map_or_else(|| "a valid value".to_owned(), first_sentence);
            let why = if too_long {
                "is too long"
            } else if too_short {
                "is too short"
            } else {
                "is malformed"
            };
            self.report(
                Fault::Value,
                Diagnostic::error(format!("{} {why}", show(node)))
                    .at(path.to_string())
                    .from_origin(Some(node.origin.clone()))
                    .help(format!("expected {expected}")),
            );
        }
    }

    fn check_integer(&mut self, node: &Node, i: i64, schema: &Json, path: &Path) {
        let min = schema.get("minimum").and_then(Json::as_i64);
        let max = schema.get("maximum").and_then(Json::as_i64).or_else(|| {
            (schema.get("format").and_then(Json::as_str) == Some("uint32"))
                .then_some(i64::from(u32::MAX))
        });
        let below = min.is_some_and(|m| i < m);
        let above = max.is_some_and(|m| i > m);
        // Name the bound that was crossed: a lower bound of 0 says nothing to someone who
        // wrote too large a number.
        let range = match (below, min, max) {
            (true, Some(a), _) => format!("at least {a}"),
            (false, _, Some(b)) if above => format!("at most {b}"),
            _ => return,
        };
        self.report(
            Fault::Value,
            Diagnostic::error(format!("{i} is out of range"))
                .at(path.to_string())
                .from_origin(Some(node.origin.clone()))
                .help(format!("use a whole number {range}")),
        );
    }

    fn pattern(&mut self, pattern: &str) -> Option<&Regex> {
        if let Some(regex) = super::types::compiled(pattern) {
            return Some(regex);
        }
        self.patterns
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(pattern).ok())
            .as_ref()
    }
}

/// A value as users wrote it, for messages: strings quoted, containers by type.
fn show(node: &Node) -> String {
    match &node.value {
        Value::String(s) => format!("`{}`", crate::source::clip(s, 60)),
        Value::Seq(_) | Value::Map(_) | Value::Null => format!("a {}", node.value.type_name()),
        _ => format!("`{}`", node.to_json()),
    }
}

fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_sentence(description: &str) -> String {
    let text = description
        .split("\n\n")
        .next()
        .unwrap_or(description)
        .replace('\n', " ");
    let text = text.trim_end_matches('.');
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

#[cfg(test)]
#[path = "structure_tests.rs"]
mod tests;

/// `a list`, `an integer`: a type name with its article.
fn article(name: &str) -> String {
    let an = name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {name}", if an { "an" } else { "a" })
}
