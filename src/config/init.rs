//! `stackgen init`: a starter config that spells out every setting with its description.
//!
//! The comments come from the schema, so the starter file documents exactly the fields the
//! loader accepts, and it is written from the merged defaults, so it validates as it is.

use serde_json::Value as Json;

use super::schema::Schema;

/// Name of the schema file the modeline points at; `stackgen schema` writes its content.
pub const SCHEMA_FILE: &str = "stackgen.schema.json";

/// A commented config equal to the given layers' result.
pub fn starter(config: &super::MonitoringStack, profiles: &[String]) -> String {
    let schema = super::schema();
    let value = serde_json::to_value(config).expect("config serializes");
    let mut out = format!(
        "# yaml-language-server: $schema=./{SCHEMA_FILE}\n\
         # A stackgen config{}. Write the schema beside it for editor completion:\n\
         #   stackgen schema > {SCHEMA_FILE}\n\
         # Every setting is spelled out with the value the defaults (and profiles) give it, so\n\
         # the file means the same on its own; a key you delete falls back to the built-in default.\n\
         # Render with: stackgen render -c this-file.yaml\n",
        if profiles.is_empty() {
            String::new()
        } else {
            format!(" starting from profile {}", profiles.join(", "))
        }
    );
    let defaults =
        serde_json::to_value(super::MonitoringStack::default()).expect("defaults serialize");
    if let Json::Object(map) = &value {
        emit_map(
            &mut out,
            map,
            defaults.as_object(),
            Some(schema.root()),
            schema,
            0,
        );
    }
    out
}

fn resolve<'a>(root: &'a Schema, schema: Option<&'a Json>) -> Option<&'a Json> {
    let mut schema = schema?;
    for _ in 0..8 {
        if let Some(r) = schema.get("$ref").and_then(Json::as_str) {
            schema = root.definition(r)?;
        } else if let Some(first) = schema
            .get("anyOf")
            .and_then(Json::as_array)
            .and_then(|b| b.first())
        {
            schema = first;
        } else {
            break;
        }
    }
    Some(schema)
}

/// Writes `map` with each key's description above it. A key the defaults set but `map`
/// lacks was turned off (an optional set to null by a profile): it is written as `null`, or
/// reading the file back would bring the default back.
fn emit_map(
    out: &mut String,
    map: &serde_json::Map<String, Json>,
    defaults: Option<&serde_json::Map<String, Json>>,
    schema: Option<&Json>,
    root: &Schema,
    depth: usize,
) {
    let indent = "  ".repeat(depth);
    let schema = resolve(root, schema);
    let mut entries: Vec<(&String, &Json)> = map.iter().collect();
    for (key, _) in defaults.into_iter().flatten() {
        if !map.contains_key(key) {
            entries.push((key, &Json::Null));
        }
    }
    for (key, value) in entries {
        let field = schema
            .and_then(|s| s.get("properties"))
            .and_then(|p| p.get(key))
            .or_else(|| schema.and_then(|s| s.get("additionalProperties")));
        if let Some(description) = field
            .and_then(|f| {
                f.get("description")
                    .or_else(|| resolve(root, Some(f))?.get("description"))
            })
            .and_then(Json::as_str)
        {
            for line in description.lines() {
                out.push_str(&format!("{indent}# {line}\n"));
            }
        }
        let key_text = scalar(&Json::String(key.clone()));
        match value {
            Json::Object(inner) if !inner.is_empty() => {
                out.push_str(&format!("{indent}{key_text}:\n"));
                let inner_defaults = defaults.and_then(|d| d.get(key)).and_then(Json::as_object);
                emit_map(out, inner, inner_defaults, field, root, depth + 1);
            }
            Json::Array(items) if items.iter().any(Json::is_object) => {
                out.push_str(&format!("{indent}{key_text}:\n"));
                for item in items {
                    let text = crate::yaml::to_string(item);
                    for (i, line) in text.lines().enumerate() {
                        let bullet = if i == 0 { "- " } else { "  " };
                        out.push_str(&format!("{indent}  {bullet}{line}\n"));
                    }
                }
            }
            other => out.push_str(&format!("{indent}{key_text}: {}\n", scalar(other))),
        }
    }
}

/// A scalar or flow collection on one line, quoted where a YAML 1.1 reader would misread it.
fn scalar(value: &Json) -> String {
    match value {
        Json::Array(_) | Json::Object(_) => value.to_string(),
        _ => crate::yaml::to_string(value).trim_end().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Document, Inputs, load, profiles};

    /// The starter file must mean exactly what its profiles mean, including settings a
    /// profile turned off (`credentialsSecret: null`).
    #[test]
    fn starter_reads_back_as_the_same_config_for_every_profile() {
        let mut cases: Vec<Vec<String>> = vec![Vec::new()];
        cases.extend(profiles::all().iter().map(|p| vec![p.name.to_owned()]));
        for profile in cases {
            let from_profile = load(&Inputs {
                profiles: profile.clone(),
                ..Inputs::default()
            })
            .unwrap();
            let text = super::starter(&from_profile.config, &profile);
            assert!(text.starts_with("# yaml-language-server: $schema="));
            let document = Document {
                name: "starter.yaml".to_owned(),
                text,
            };
            let from_starter = load(&Inputs {
                documents: vec![document],
                ..Inputs::default()
            })
            .unwrap();
            assert_eq!(
                from_profile.config, from_starter.config,
                "profile {profile:?}"
            );
            assert_eq!(
                from_profile.warnings.len(),
                from_starter.warnings.len(),
                "profile {profile:?}"
            );
        }
    }
}
