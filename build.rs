//! Embeds `templates/**/*.j2` in the binary (minijinja-embed fails the build on a syntax
//! error), and turns the built-in rule files into JSON.
//!
//! The rule files are written as commented YAML for their authors, and ship re-emitted from
//! their parsed form. Parsing 28 KB of YAML cost a fifth of a render; JSON of the same data
//! parses an order of magnitude faster, so the YAML is read here, once per build. The
//! render still reads the data into its typed model, which refuses unknown fields.

use std::path::Path;

const RULE_FILES: [&str; 2] = [
    "templates/prometheus/rules/stack.rules.yaml",
    "templates/thanos/ruler-rules/global.rules.yaml",
];

fn main() {
    minijinja_embed::embed_templates!("templates", &[".j2"]);
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    for source in RULE_FILES {
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(source).expect("the rule file is readable");
        let data: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{source} is not YAML: {e}"));
        let name = Path::new(source).file_name().expect("a file name");
        let json = serde_json::to_string(&data).expect("JSON values serialize");
        std::fs::write(Path::new(&out).join(name).with_extension("json"), json)
            .expect("OUT_DIR is writable");
    }
}
