//! `render --check DIR`: what `render -o DIR` would change there, writing nothing.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Result;
use stackgen::output::{self, MARKER};

use crate::outdir;
use crate::read;

/// What a rewrite of a directory would do to it.
#[derive(Debug, Default)]
pub struct Drift {
    /// Files it would add, change or remove, or that are in its way: one line each.
    pub changes: Vec<String>,
    /// The files stackgen did not write, which it keeps; not drift.
    pub kept: Vec<String>,
}

/// What `render -o dir` would change in `dir` to make it hold `files`.
pub fn drift(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Drift> {
    let existing = outdir::inspect(dir)?;
    let (written, found) = existing.map(|e| (e.written, e.found)).unwrap_or_default();
    let plan = output::plan(&written, &found, files);
    let marker = output::marker(files);
    let expected = files
        .iter()
        .map(|(p, c)| (p.as_path(), c.as_str()))
        .chain(std::iter::once((Path::new(MARKER), marker.as_str())));
    let mut changes = Vec::new();
    for (path, content) in expected {
        if plan.in_the_way.iter().any(|p| p == path) {
            continue;
        }
        match read::holds(&dir.join(path), content) {
            Ok(true) => {}
            Ok(false) => changes.push(format!("differs: {}", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                changes.push(format!("missing: {}", path.display()));
            }
            Err(e) => changes.push(format!("differs: {} (unreadable: {e})", path.display())),
        }
    }
    for path in &plan.in_the_way {
        changes.push(format!(
            "in the way: {} (stackgen did not write it, and will not replace it)",
            path.display()
        ));
    }
    changes.extend(
        plan.removed
            .iter()
            .map(|p| format!("removed: {}", p.display())),
    );
    Ok(Drift {
        changes,
        kept: output::summary(&plan.foreign, files),
    })
}
