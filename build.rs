//! Embeds `templates/**/*.j2` in the binary (minijinja-embed fails the build on a syntax
//! error), turns the built-in data files (rules, Kubernetes' own scrape jobs) into JSON, and
//! writes the schema the structural check walks: the committed one without Kubernetes' own
//! descriptions, in pieces.
//!
//! The data files are written as commented YAML for their authors, and ship re-emitted from
//! their parsed form. Parsing 28 KB of YAML cost a fifth of a render; JSON of the same data
//! parses an order of magnitude faster, so the YAML is read here, once per build. The
//! render still reads the data into its typed model, which refuses unknown fields.

use std::path::Path;

const DATA_FILES: [&str; 3] = [
    "templates/prometheus/rules/stack.rules.yaml",
    "templates/thanos/ruler-rules/global.rules.yaml",
    "templates/prometheus/kubernetes-jobs.yaml",
];

/// The committed schema, pretty and fully described for editors and `stackgen schema`.
const SCHEMA: &str = "src/config/schema.json";

fn main() {
    minijinja_embed::embed_templates!("templates", &[".j2"]);
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    checking_schema(Path::new(&out));
    for source in DATA_FILES {
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(source).expect("the data file is readable");
        let data: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{source} is not YAML: {e}"));
        let name = Path::new(source).file_name().expect("a file name");
        let json = serde_json::to_string(&data).expect("JSON values serialize");
        std::fs::write(Path::new(&out).join(name).with_extension("json"), json)
            .expect("OUT_DIR is writable");
    }
}

/// The schema the structural check walks, minified, with the API documentation of the
/// Kubernetes types (two thirds of its text, the k8s-openapi types the config embeds:
/// containers, volumes, affinity …) left out: the check reads stackgen's own descriptions
/// for its help lines, and only names and types of Kubernetes' fields.
///
/// It is written in two pieces, so a run parses only what its config reaches: the top level
/// as JSON, and the definitions as a Rust table of JSON texts sorted by name, each parsed
/// the first time a `$ref` leads to it (`config::schema`).
fn checking_schema(out: &Path) {
    println!("cargo:rerun-if-changed={SCHEMA}");
    let text = std::fs::read_to_string(SCHEMA).expect("the schema is readable");
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    let mut definitions: Vec<(String, String)> = schema
        .as_object_mut()
        .and_then(|top| top.remove("$defs"))
        .and_then(|defs| match defs {
            serde_json::Value::Object(defs) => Some(defs),
            _ => None,
        })
        .unwrap_or_default()
        .into_iter()
        .map(|(name, mut def)| {
            if name.starts_with("io.k8s.") {
                undescribe(&mut def);
            }
            let json = serde_json::to_string(&def).expect("JSON values serialize");
            (name, json)
        })
        .collect();
    definitions.sort();
    let root = serde_json::to_string(&schema).expect("JSON values serialize");
    std::fs::write(out.join("schema.root.json"), root).expect("OUT_DIR is writable");
    let mut table = String::from("&[\n");
    for (name, json) in &definitions {
        table.push_str(&format!("    ({name:?}, {json:?}),\n"));
    }
    table.push_str("]\n");
    std::fs::write(out.join("schema.definitions.rs"), table).expect("OUT_DIR is writable");
}

/// Drops `description` from a schema and the schemas inside it; a property that happens to
/// be named `description` stays.
fn undescribe(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            if map
                .get("description")
                .is_some_and(serde_json::Value::is_string)
            {
                map.remove("description");
            }
            for (key, value) in map.iter_mut() {
                if key == "properties" {
                    for property in value
                        .as_object_mut()
                        .into_iter()
                        .flat_map(|p| p.values_mut())
                    {
                        undescribe(property);
                    }
                } else {
                    undescribe(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(undescribe),
        _ => {}
    }
}
