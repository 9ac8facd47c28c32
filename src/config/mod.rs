//! The config half of the pipeline: layers in, a validated `MonitoringStack` out.

pub mod facts;
pub mod files;
pub(crate) mod gotemplate;
pub mod init;
pub mod load;
pub mod model;
pub mod profiles;
pub mod schema;
mod structure;
mod suggest;
#[cfg(test)]
mod testing;
pub mod tree;
pub mod types;
pub mod validate;

use serde::Deserialize as _;

use crate::diagnostic::Diagnostic;
use crate::source::Sources;
pub use load::{Document, Inputs};
pub use model::MonitoringStack;
use tree::{Node, Path};

/// A config that passed every rule, with its warnings.
#[derive(Debug)]
pub struct Loaded {
    pub config: MonitoringStack,
    pub tree: Node,
    pub sources: Sources,
    pub warnings: Vec<Diagnostic>,
}

/// Why a config was refused: every diagnostic of the run, errors and warnings alike.
#[derive(Debug)]
pub struct Rejected {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

impl Rejected {
    /// A refused run reports its errors only: warnings (many about defaults the user has not
    /// touched yet) come back once the errors are fixed, instead of burying them.
    fn refused(sources: Sources, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.retain(Diagnostic::is_error);
        Self {
            sources,
            diagnostics,
        }
    }
}

/// The JSON Schema of the config as the structural check walks it and `init` takes its
/// comments from: the committed one (`schema.json`, generated from the same types serde
/// reads, by the test suite rather than on every run: `the_committed_schema_is_the_generated_one`
/// holds the two equal), minified by `build.rs` and without the API documentation of the
/// Kubernetes types, which was two thirds of its text; each definition is parsed the first
/// time the check reaches it.
pub fn schema() -> &'static schema::Schema {
    static SCHEMA: std::sync::LazyLock<schema::Schema> = std::sync::LazyLock::new(|| {
        schema::Schema::new(
            include_str!(concat!(env!("OUT_DIR"), "/schema.root.json")),
            include!(concat!(env!("OUT_DIR"), "/schema.definitions.rs")),
        )
        .expect("the committed schema is JSON")
    });
    &SCHEMA
}

/// The committed schema as editors and `stackgen schema` read it, every description kept.
pub fn schema_text() -> &'static str {
    include_str!("schema.json")
}

/// Merges the layers, checks their structure, reads them into the typed model and runs
/// every validation rule; all problems of one run are reported together.
pub fn load(inputs: &Inputs) -> Result<Loaded, Rejected> {
    let merged = load::merge(inputs);
    let mut diagnostics = merged.diagnostics;
    let (structural, rejected) = structure::StructureChecker::new(schema()).check(&merged.tree);
    diagnostics.extend(structural);
    // Without the values at fault (the defaults take their place) the rest of the config can
    // still be validated, so one run reports every problem. Later siblings first, so list
    // indexes stay right while removing.
    let mut repaired = merged.tree.clone();
    let mut rejected = rejected;
    rejected.sort_by(|a, b| b.cmp(a));
    for path in &rejected {
        repaired.remove(path);
    }
    let json = repaired.to_json();
    // Tracking the path costs on every field; only a failure needs it, so it is read again.
    let typed =
        MonitoringStack::deserialize(&json).or_else(|_| serde_path_to_error::deserialize(&json));
    let config: MonitoringStack = match typed {
        Ok(config) => config,
        Err(_) if diagnostics.iter().any(Diagnostic::is_error) => {
            // A value the structural check rejected left a gap serde cannot fill; its error
            // is already reported, and anything serde says now would only repeat it.
            return Err(Rejected::refused(merged.sources, diagnostics));
        }
        Err(e) => {
            // The structural check mirrors the schema, so this is a gap in it; still say where.
            let path = format!("{}", e.path());
            let origin = Path::parse(&path).ok().map(|p| merged.tree.origin_of(&p));
            diagnostics.push(
                Diagnostic::error(e.inner().to_string())
                    .at(path)
                    .from_origin(origin),
            );
            return Err(Rejected::refused(merged.sources, diagnostics));
        }
    };
    let mut config = config;
    let roots = files::Roots {
        root: inputs.file_root.as_deref(),
        documents: &inputs.documents,
    };
    for (at, message, help) in files::read_all(config.file_refs_mut(), &merged.tree, &roots) {
        let origin = Path::parse(&at).ok().map(|p| merged.tree.origin_of(&p));
        diagnostics.push(
            Diagnostic::error(message)
                .at(at)
                .from_origin(origin)
                .help(help),
        );
    }
    for (at, message) in config.adopt_rule_files() {
        let origin = Path::parse(&at).ok().map(|p| merged.tree.origin_of(&p));
        diagnostics.push(
            Diagnostic::error(message)
                .at(at)
                .from_origin(origin)
                .help("a rule file holds `groups:`, each with a `name` and its `rules`, as `promtool check rules` reads it"),
        );
    }
    diagnostics.extend(validate::validate(&config, &merged.tree));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Rejected::refused(merged.sources, diagnostics));
    }
    Ok(Loaded {
        config,
        tree: merged.tree,
        sources: merged.sources,
        warnings: diagnostics,
    })
}

#[cfg(test)]
mod schema_tests {
    use serde_json::Value as Json;

    /// The schema the types generate, with Kubernetes' own types (tolerations, affinity)
    /// closed: k8s-openapi's schemas allow any key and its serde impls drop unknown ones, so
    /// `opertor: Exists` would vanish without a word. Closed, the structural check refuses the
    /// key at its `file:line:col` with a did-you-mean, and editors flag it too.
    fn generated_schema() -> Json {
        let mut schema = serde_json::to_value(schemars::schema_for!(super::MonitoringStack))
            .expect("the schema is JSON");
        if let Some(defs) = schema.get_mut("$defs").and_then(Json::as_object_mut) {
            for (name, def) in defs.iter_mut() {
                if name.starts_with("io.k8s.") {
                    close(def);
                }
            }
        }
        schema
    }

    fn close(schema: &mut Json) {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        if object.get("properties").is_some_and(Json::is_object)
            && !object.contains_key("additionalProperties")
        {
            object.insert("additionalProperties".to_owned(), Json::Bool(false));
        }
        for (_, child) in object.iter_mut() {
            match child {
                Json::Object(_) => close(child),
                Json::Array(items) => items.iter_mut().for_each(close),
                _ => {}
            }
        }
    }

    /// The schema validation reads is the one the types generate. After a change to the
    /// model, refresh it with `UPDATE_GOLDEN=1 cargo test --lib committed_schema` and review
    /// the diff.
    /// `stackgen init` and editors show each field's description: every field of stackgen's
    /// own types has one (Kubernetes' types bring theirs).
    #[test]
    fn every_field_is_described() {
        let schema = generated_schema();
        let mut missing = Vec::new();
        let root = "MonitoringStack".to_owned();
        let own = schema["$defs"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(name, _)| !name.starts_with("io.k8s."))
            .chain([(&root, &schema)]);
        for (name, def) in own {
            for (field, property) in def["properties"].as_object().into_iter().flatten() {
                if property.get("description").is_none() {
                    missing.push(format!("{name}.{field}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "fields without a doc comment: {missing:?}"
        );
    }

    #[test]
    fn the_committed_schema_is_the_generated_one() {
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&generated_schema()).unwrap()
        );
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/config/schema.json");
        if std::env::var_os("UPDATE_GOLDEN").is_some() && std::env::var_os("CI").is_none() {
            std::fs::write(path, &generated).unwrap();
        }
        assert!(
            generated == std::fs::read_to_string(path).unwrap(),
            "src/config/schema.json is stale: refresh it with \
             `UPDATE_GOLDEN=1 cargo test --lib committed_schema`"
        );
    }
}
