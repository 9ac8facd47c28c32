//! Golden files: the output of every profile and every example, compared byte for byte.
//!
//! `tests/golden/` holds one file per distinct output (`default.yaml`, `profiles/NAME.yaml`,
//! `examples/NAME.yaml`); a case that renders, by design, what another renders is declared in
//! [`SAME_AS`] and compared with that case's file. The Grafana dashboards, thousands of lines
//! of JSON that every stream carries unchanged, live once in `dashboards/CONFIGMAP.yaml`;
//! in the stream files each dashboard value is replaced by its digest and that file's name.
//! Each case is still rendered in full: its dashboard ConfigMaps are compared with their
//! dashboard files, the rest of its stream with its stream file.
//!
//! Refresh with `UPDATE_GOLDEN=1 cargo test --test integration golden` and read the diff
//! like code. Never rewritten when `CI` is set, so CI cannot bless its own output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::Test;

/// Cases that render, by design, exactly what another case renders: compared with that
/// case's golden file instead of keeping a byte-identical copy.
const SAME_AS: &[(&str, &str)] = &[
    // The `ha` profile names the built-in defaults; every value in it is a default.
    ("profiles/ha", "default"),
    // The Argo CD example's cluster config is the kustomize example's base config, comments,
    // a tooling annotation and a default storage size aside.
    (
        "examples/argocd-clusters-prod-eu1",
        "examples/kustomize-base",
    ),
];

/// Where the dashboards' golden files live, below `tests/golden`.
const DASHBOARDS: &str = "dashboards";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_root() -> PathBuf {
    repo().join("tests/golden")
}

/// Every input set with a golden file: the default, each profile, each example.
pub fn cases() -> Vec<(String, Vec<String>)> {
    let mut cases = vec![("default".to_owned(), Vec::new())];
    let mut profiles: Vec<PathBuf> = std::fs::read_dir(repo().join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    profiles.sort();
    for p in profiles {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        cases.push((format!("profiles/{name}"), vec!["-p".to_owned(), name]));
    }
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    examples.sort();
    for e in examples {
        let name = e.file_stem().unwrap().to_string_lossy().into_owned();
        cases.push((
            format!("examples/{name}"),
            vec!["-c".to_owned(), e.to_string_lossy().into_owned()],
        ));
    }
    // Configs inside the kustomize and Argo CD examples, named after their folder.
    for config in nested_example_configs(&repo().join("examples")) {
        let folder = config
            .parent()
            .unwrap()
            .strip_prefix(repo().join("examples"))
            .unwrap();
        let name = folder.to_string_lossy().replace(['/', '\\'], "-");
        cases.push((
            format!("examples/{name}"),
            vec!["-c".to_owned(), config.to_string_lossy().into_owned()],
        ));
    }
    // The members of the example fleets, each rendered as `render -c` renders it.
    for fleet in FLEETS {
        let folder = Path::new(fleet).file_name().unwrap().to_string_lossy();
        for member in files_below(&repo().join(fleet)) {
            if member.extension().is_some_and(|e| e == "yaml") {
                let name = member.file_stem().unwrap().to_string_lossy();
                cases.push((
                    format!("examples/{folder}-{name}"),
                    vec!["-c".to_owned(), member.to_string_lossy().into_owned()],
                ));
            }
        }
    }
    cases
}

/// The example fleets: one config per cluster, rendered together by `render --fleet`.
pub const FLEETS: [&str; 2] = ["examples/multi-cluster", "examples/shared-bucket"];

/// Every `monitoring-stack.yaml` in a folder below `dir`, sorted.
fn nested_example_configs(dir: &Path) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|path| {
            path.parent() != Some(dir)
                && path
                    .file_name()
                    .is_some_and(|n| n == "monitoring-stack.yaml")
        })
        .collect()
}

/// Every file below `dir`, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `stackgen render ARGS`, which must succeed; its stdout. Runs from the repository root, as
/// `cargo test` does, so relative paths mean the same.
pub fn render(args: &[String]) -> String {
    let out = Test::new()
        .arg("render")
        .args(args)
        .current_dir(repo())
        .run();
    out.status(0);
    out.stdout
}

/// The case whose golden file `case` is compared with: its own, or the one `SAME_AS` names.
fn golden_of(case: &str) -> &str {
    SAME_AS
        .iter()
        .find(|(alias, _)| *alias == case)
        .map_or(case, |(_, primary)| primary)
}

fn stream_file(case: &str) -> PathBuf {
    golden_root().join(format!("{}.yaml", golden_of(case)))
}

fn dashboard_file(config_map: &str) -> PathBuf {
    golden_root()
        .join(DASHBOARDS)
        .join(format!("{config_map}.yaml"))
}

/// `UPDATE_GOLDEN=1`, and not in CI.
fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some() && std::env::var_os("CI").is_none()
}

/// A rendered stream as its golden files hold it.
struct Split {
    /// The stream, each dashboard value replaced by a reference to its dashboard file.
    stream: String,
    /// Each dashboard ConfigMap's name and the text of its dashboard file.
    dashboards: Vec<(String, String)>,
}

/// A Grafana dashboard's ConfigMap: `grafana-dashboard-*`, holding only `.json` files.
fn is_dashboard(object: &Value) -> bool {
    object["kind"] == "ConfigMap"
        && object["metadata"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("grafana-dashboard-"))
        && object["data"]
            .as_object()
            .is_some_and(|d| !d.is_empty() && d.keys().all(|k| k.ends_with(".json")))
}

/// The documents of a stream, each with its trailing newline, without the `---` lines
/// between them (literal blocks are indented, so a `---` line is always a separator).
fn documents(stream: &str) -> Vec<String> {
    let mut documents = vec![String::new()];
    for line in stream.split_inclusive('\n') {
        if line == "---\n" {
            documents.push(String::new());
        } else {
            documents.last_mut().unwrap().push_str(line);
        }
    }
    documents
}

/// Splits the dashboards off a rendered stream. The dashboard documents are rebuilt by the
/// serializer stackgen emits with, and each must come out as it was rendered, so the
/// stream file and the dashboard files together determine every byte of the output.
fn split(stream: &str) -> Split {
    let mut kept = Vec::new();
    let mut dashboards = Vec::new();
    for document in documents(stream) {
        let object: Value = stackgen::yaml::from_str(&document).unwrap_or(Value::Null);
        if !is_dashboard(&object) {
            kept.push(document);
            continue;
        }
        assert_eq!(
            stackgen::yaml::to_string(&object),
            document,
            "a dashboard ConfigMap does not round-trip, so its golden files could not hold it"
        );
        let name = object["metadata"]["name"].as_str().unwrap().to_owned();
        let mut reduced = object.clone();
        for value in reduced["data"].as_object_mut().unwrap().values_mut() {
            let digest = Sha256::digest(value.as_str().unwrap().as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            *value = json!(format!("sha256:{hex} {DASHBOARDS}/{name}.yaml"));
        }
        kept.push(stackgen::yaml::to_string(&reduced));
        let golden = json!({
            "apiVersion": object["apiVersion"],
            "kind": "ConfigMap",
            "data": object["data"],
            "metadata": {"name": name},
        });
        let header = format!(
            "# The data of ConfigMap `{name}` in every golden stream that names this file.\n"
        );
        dashboards.push((name, header + &stackgen::yaml::to_string(&golden)));
    }
    Split {
        stream: kept.join("---\n"),
        dashboards,
    }
}

/// Compares `actual` with the golden file; rewrites the file instead when `write`.
fn compare(golden: &Path, actual: &str, write: bool) -> Result<(), String> {
    let expected = std::fs::read_to_string(golden).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    if write {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(golden, actual).unwrap();
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(expected.as_str(), actual);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header("golden", "rendered")
        .to_string();
    let shown: String = text.lines().take(60).collect::<Vec<_>>().join("\n");
    Err(format!(
        "{} differs from the rendered output (refresh with `UPDATE_GOLDEN=1 cargo test --test integration golden`):\n{shown}",
        golden.display()
    ))
}

#[test]
fn golden_files_match_every_profile_and_example() {
    let update = updating();
    // Cases with their own file first: under UPDATE_GOLDEN an alias is then compared with
    // the refreshed file of the case it names.
    let mut cases = cases();
    cases.sort_by_key(|(name, _)| golden_of(name) != name);
    let mut failures = Vec::new();
    let mut dashboards_seen: BTreeMap<String, String> = BTreeMap::new();
    for (name, args) in cases {
        let split = split(&render(&args));
        let own = golden_of(&name) == name;
        if let Err(e) = compare(&stream_file(&name), &split.stream, update && own) {
            let alias = if own {
                String::new()
            } else {
                format!(
                    "`{name}` is declared in SAME_AS to render what `{}` renders; if that is no longer so, remove it there and refresh.\n",
                    golden_of(&name)
                )
            };
            failures.push(format!("{alias}{e}"));
        }
        // Every case's dashboards are compared with their files; a text already compared
        // gives the same answer again, and only the first text may be written, so cases
        // that disagree fail instead of overwriting each other.
        for (config_map, text) in split.dashboards {
            let seen = dashboards_seen.get(&config_map);
            if seen == Some(&text) {
                continue;
            }
            let write = update && seen.is_none();
            if let Err(e) = compare(&dashboard_file(&config_map), &text, write) {
                failures.push(format!("`{name}`: {e}"));
            }
            dashboards_seen.entry(config_map).or_insert(text);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every file below `tests/golden`, relative to it, with `/` separators.
fn golden_files() -> Vec<String> {
    let root = golden_root();
    files_below(&root)
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap().to_string_lossy();
            relative.replace('\\', "/")
        })
        .collect()
}

#[test]
fn golden_folder_holds_nothing_stale() {
    let streams: Vec<String> = cases()
        .iter()
        .map(|(name, _)| format!("{}.yaml", golden_of(name)))
        .collect();
    let stream_texts: Vec<String> = streams
        .iter()
        .filter_map(|f| std::fs::read_to_string(golden_root().join(f)).ok())
        .collect();
    // A dashboard file is live while a stream file names it.
    let stale: Vec<String> = golden_files()
        .into_iter()
        .filter(|file| {
            let named = file.starts_with(&format!("{DASHBOARDS}/"))
                && stream_texts.iter().any(|t| t.contains(&format!(" {file}")));
            !streams.contains(file) && !named
        })
        .collect();
    assert!(
        stale.is_empty(),
        "golden files without a profile, example or stream naming them: {stale:?}"
    );
}

#[test]
fn no_two_golden_files_are_byte_identical() {
    let mut by_content: BTreeMap<Vec<u8>, Vec<String>> = BTreeMap::new();
    for file in golden_files() {
        let bytes = std::fs::read(golden_root().join(&file)).unwrap();
        by_content.entry(bytes).or_default().push(file);
    }
    let copies: Vec<&Vec<String>> = by_content.values().filter(|f| f.len() > 1).collect();
    assert!(
        copies.is_empty(),
        "byte-identical golden files {copies:?}: keep one, and declare the other cases in SAME_AS (tests/integration/golden.rs)"
    );
}

#[test]
fn same_as_names_cases_with_their_own_golden_file() {
    let names: Vec<String> = cases().into_iter().map(|(name, _)| name).collect();
    for (alias, primary) in SAME_AS {
        assert!(
            names.iter().any(|n| n == alias),
            "SAME_AS names `{alias}`, which is no case"
        );
        assert!(
            names.iter().any(|n| n == primary) && golden_of(primary) == *primary,
            "SAME_AS compares `{alias}` with `{primary}`, which is no case with its own golden file"
        );
    }
}

#[test]
fn splitting_the_dashboards_off_keeps_every_other_byte() {
    let stream = "apiVersion: v1\nkind: Namespace\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  board.json: |\n    {\n      \"a\": 1\n    }\nmetadata:\n  name: grafana-dashboard-x\n  namespace: monitoring\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  provider.yaml: |\n    ---\n    a: 1\nmetadata:\n  name: grafana-dashboard-provider\n";
    let split = split(stream);
    let documents = documents(&split.stream);
    assert_eq!(documents.len(), 3, "{}", split.stream);
    assert_eq!(documents[0], "apiVersion: v1\nkind: Namespace\n");
    assert!(
        documents[1].contains("board.json: sha256:")
            && documents[1].ends_with("  name: grafana-dashboard-x\n  namespace: monitoring\n"),
        "{}",
        documents[1]
    );
    assert!(documents[2].contains("provider.yaml: |\n    ---\n    a: 1\n"));
    let [(name, golden)] = split.dashboards.as_slice() else {
        panic!("one dashboard expected: {:?}", split.dashboards.len());
    };
    assert_eq!(name, "grafana-dashboard-x");
    assert!(golden.contains("data:\n  board.json: |\n    {\n      \"a\": 1\n    }\nmetadata:\n  name: grafana-dashboard-x\n"));
}
