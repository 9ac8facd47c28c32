//! `stackgen test-rules`: the user's `promtool test rules` files run against the rules the
//! stack ships, as rendered (built-in alerts tuned, the user's rule files beside them), so a
//! unit test proves what will run, not a copy of it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use stackgen::render::Object;

/// The ConfigMaps whose files are the rules, and the folder each is laid out in for the
/// tests (`rule_files: [prometheus/team.rules.yaml]`).
const RULE_MAPS: [(&str, &str); 2] = [
    ("prometheus-rules", "prometheus"),
    ("thanos-ruler-rules", "ruler"),
];

/// Lays the rendered rules out in a scratch folder beside copies of `tests` and runs
/// `promtool test rules` on them there; its exit status.
pub fn run(objects: &[Object], tests: &[PathBuf], promtool: &Path) -> Result<bool> {
    let scratch = tempfile::tempdir().context("cannot create a scratch folder")?;
    for (map, folder) in RULE_MAPS {
        let Some(o) = objects
            .iter()
            .find(|o| o.kind() == "ConfigMap" && o.name() == map)
        else {
            continue;
        };
        let dir = scratch.path().join(folder);
        std::fs::create_dir(&dir)?;
        for (file, text) in o.value["data"].as_object().into_iter().flatten() {
            std::fs::write(dir.join(file), text.as_str().unwrap_or_default())?;
        }
    }
    let mut names = Vec::new();
    for test in tests {
        let name = test
            .file_name()
            .with_context(|| format!("`{}` names no file", test.display()))?;
        if names.contains(&name.to_owned()) {
            bail!(
                "two test files are named `{}`: rename one",
                name.to_string_lossy()
            );
        }
        std::fs::copy(test, scratch.path().join(name))
            .with_context(|| format!("cannot read `{}`", test.display()))?;
        names.push(name.to_owned());
    }
    let status = Command::new(promtool)
        .args(["test", "rules"])
        .args(&names)
        .current_dir(scratch.path())
        .status()
        .with_context(|| {
            format!(
                "cannot run `{}`: install promtool (Debian package `prometheus`, or a Prometheus release) or name it with --promtool",
                promtool.display()
            )
        })?;
    match status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => bail!("`{}` ended with {status}", promtool.display()),
    }
}
