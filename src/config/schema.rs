//! The checking schema, read as far as a config needs it.
//!
//! It is 130 kB of JSON, and parsing all of it cost more than the rest of `validate`. A
//! config reaches few of its definitions (the Kubernetes types behind the escape hatches only
//! when it uses them), so `build.rs` splits them off into a table of JSON texts, and each is
//! parsed the first time a `$ref` leads to it.

use std::sync::OnceLock;

use serde_json::Value as Json;

/// Definitions by name, sorted by name: each one's JSON text.
pub type Definitions = &'static [(&'static str, &'static str)];

pub struct Schema {
    root: Json,
    definitions: Definitions,
    parsed: Vec<OnceLock<Json>>,
}

impl Schema {
    /// The schema whose top level is `root` (without `$defs`), its `$ref`s naming
    /// `definitions`.
    pub fn new(root: &str, definitions: Definitions) -> Result<Self, serde_json::Error> {
        debug_assert!(definitions.is_sorted_by_key(|(name, _)| *name));
        Ok(Self {
            root: serde_json::from_str(root)?,
            definitions,
            parsed: definitions.iter().map(|_| OnceLock::new()).collect(),
        })
    }

    /// The schema of the whole document.
    pub fn root(&self) -> &Json {
        &self.root
    }

    /// The definition a `$ref` of the form `#/$defs/NAME` points at.
    pub fn definition(&self, reference: &str) -> Option<&Json> {
        let name = reference.strip_prefix("#/$defs/")?;
        let i = self
            .definitions
            .binary_search_by_key(&name, |(name, _)| name)
            .ok()?;
        Some(self.parsed[i].get_or_init(|| {
            serde_json::from_str(self.definitions[i].1).expect("build.rs wrote JSON")
        }))
    }

    /// Follows `$ref`s from `schema` to the definition they end at; a bounded loop guards
    /// against a cyclic schema.
    pub fn resolve<'a>(&'a self, mut schema: &'a Json) -> &'a Json {
        for _ in 0..32 {
            let Some(target) = schema
                .get("$ref")
                .and_then(Json::as_str)
                .and_then(|r| self.definition(r))
            else {
                break;
            };
            schema = target;
        }
        schema
    }

    /// Every definition, parsed: for tests that look at the whole schema.
    #[cfg(test)]
    pub fn definitions(&self) -> impl Iterator<Item = &Json> {
        self.definitions
            .iter()
            .filter_map(|(name, _)| self.definition(&format!("#/$defs/{name}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_parsed_when_first_reached() {
        let schema = Schema::new(
            r##"{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}}}"##,
            &[
                ("A", r##"{"$ref":"#/$defs/B"}"##),
                ("B", r#"{"type":"string"}"#),
                ("C", r#"{"type":"integer"}"#),
            ],
        )
        .unwrap();
        assert!(schema.parsed.iter().all(|p| p.get().is_none()));
        let a = &schema.root()["properties"]["a"];
        assert_eq!(schema.resolve(a), &serde_json::json!({"type": "string"}));
        assert!(schema.parsed[2].get().is_none());
        assert!(schema.definition("#/$defs/missing").is_none());
    }

    /// What build.rs wrote is the committed schema, less Kubernetes' descriptions.
    #[test]
    fn the_pieces_are_the_committed_schema() {
        let committed: Json = serde_json::from_str(crate::config::schema_text()).unwrap();
        let schema = crate::config::schema();
        let mut root = committed.as_object().unwrap().clone();
        let defs = root.remove("$defs").unwrap();
        assert_eq!(schema.root(), &Json::Object(root));
        let defs = defs.as_object().unwrap();
        assert_eq!(schema.definitions.len(), defs.len());
        for (name, def) in defs {
            let piece = schema.definition(&format!("#/$defs/{name}")).unwrap();
            if !name.starts_with("io.k8s.") {
                assert_eq!(piece, def, "{name}");
            }
        }
    }
}
