//! Golden files: the output of every profile and every example, compared byte for byte.
//!
//! Refresh with `UPDATE_GOLDEN=1 cargo test --test integration golden` and read the diff
//! like code. Never rewritten when `CI` is set, so CI cannot bless its own output.

use std::path::{Path, PathBuf};

use crate::support::Test;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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

fn compare(golden: &Path, actual: &str) -> Result<(), String> {
    let expected = std::fs::read_to_string(golden).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() && std::env::var_os("CI").is_none() {
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
    let failures: Vec<String> = cases()
        .into_iter()
        .filter_map(|(name, args)| {
            compare(
                &repo().join("tests/golden").join(format!("{name}.yaml")),
                &render(&args),
            )
            .err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn golden_folder_holds_nothing_stale() {
    let expected: Vec<String> = cases()
        .into_iter()
        .map(|(name, _)| format!("{name}.yaml"))
        .collect();
    let root = repo().join("tests/golden");
    let mut stale = Vec::new();
    for dir in [root.clone(), root.join("profiles"), root.join("examples")] {
        for entry in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if !expected.contains(&rel) {
                    stale.push(rel);
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "golden files without a profile or example: {stale:?}"
    );
}
