//! Golden files: the output of every profile and every example, compared byte for byte.
//!
//! `tests/golden/` holds one file per distinct output (`default.yaml`, `profiles/NAME.yaml`,
//! `examples/NAME.yaml`); a case that renders, by design, what another renders is declared in
//! [`SAME_AS`] and compared with that case's file, so it is still rendered and checked.
//!
//! Refresh with `UPDATE_GOLDEN=1 cargo test --test integration golden` and read the diff
//! like code. Never rewritten when `CI` is set, so CI cannot bless its own output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    cases
}

/// Every `monitoring-stack.yaml` in a folder below `dir`, sorted.
fn nested_example_configs(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if folder != dir
                && path
                    .file_name()
                    .is_some_and(|n| n == "monitoring-stack.yaml")
            {
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

/// `UPDATE_GOLDEN=1`, and not in CI.
fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some() && std::env::var_os("CI").is_none()
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
    for (name, args) in cases {
        let own = golden_of(&name) == name;
        if let Err(e) = compare(&stream_file(&name), &render(&args), update && own) {
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
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every file below `tests/golden`, relative to it, with `/` separators.
fn golden_files() -> Vec<String> {
    let root = golden_root();
    let mut found = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(&root).unwrap().to_string_lossy();
                found.push(relative.replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn golden_folder_holds_nothing_stale() {
    let streams: Vec<String> = cases()
        .iter()
        .map(|(name, _)| format!("{}.yaml", golden_of(name)))
        .collect();
    let stale: Vec<String> = golden_files()
        .into_iter()
        .filter(|file| !streams.contains(file))
        .collect();
    assert!(
        stale.is_empty(),
        "golden files without a profile or example: {stale:?}"
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
