//! `render --check DIR`: what `render -o DIR` would change there, writing nothing; with
//! `--fleet`, over every member's folder, each compared as soon as it is rendered.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use stackgen::fleet::{self, Member};
use stackgen::output::{self, MARKER};

use crate::outdir::{self, Existing};
use crate::read;

/// What a rewrite of a directory would do to it.
#[derive(Debug, Default)]
pub struct Drift {
    /// Files it would add, change or remove, or that are in its way: one line each.
    pub changes: Vec<String>,
    /// The files stackgen did not write, which it keeps; not drift.
    pub kept: Vec<String>,
}

/// A rendered file that the directory does not hold as rendered: its path, and the line
/// that says so.
type Stale = (PathBuf, String);

/// What `render -o dir` would change in `dir` to make it hold `files`.
pub fn drift(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Drift> {
    let existing = outdir::inspect(dir)?;
    let stale = stale(dir, files.iter().map(|(p, c)| (p.as_path(), c.as_str())));
    Ok(conclude(dir, existing, files.keys(), stale))
}

/// What `render --fleet … -o dir` would change in `dir`: every member rendered on every
/// core, its files compared at once and dropped, so only their paths are held.
pub fn fleet_drift(dir: &Path, members: Vec<Member>) -> Result<Drift> {
    let existing = outdir::inspect(dir)?;
    let compared = fleet::render_each(members, |_, rendered| {
        let files = fleet::files(&rendered);
        let stale = stale(dir, files.iter().map(|(p, c)| (p.as_path(), c.as_str())));
        Ok::<_, Infallible>((files.into_keys().collect::<Vec<_>>(), stale))
    })
    .map_err(|e| anyhow!("{e}"))?;
    let mut paths = BTreeSet::new();
    let mut stale = Vec::new();
    for (rendered, found) in compared {
        paths.extend(rendered);
        stale.extend(found);
    }
    // By path, as a single rendering's are: the members' order is their files'.
    stale.sort();
    Ok(conclude(dir, existing, &paths, stale))
}

/// The files among `files` that `dir` does not hold exactly.
fn stale<'a>(dir: &Path, files: impl Iterator<Item = (&'a Path, &'a str)>) -> Vec<Stale> {
    let mut found = Vec::new();
    for (path, content) in files {
        let line = match read::holds(&dir.join(path), content) {
            Ok(true) => continue,
            Ok(false) => format!("differs: {}", path.display()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                format!("missing: {}", path.display())
            }
            Err(e) => format!("differs: {} (unreadable: {e})", path.display()),
        };
        found.push((path.to_path_buf(), line));
    }
    found
}

/// The drift of `dir`, which holds `existing`, from the rendering of `paths`, given the
/// rendered files it does not hold as rendered (`stale`): those, then the marker, the files
/// in the way and the files it would remove.
fn conclude<'a>(
    dir: &Path,
    existing: Option<Existing>,
    paths: impl IntoIterator<Item = &'a PathBuf> + Clone,
    mut stale: Vec<Stale>,
) -> Drift {
    let (written, found) = existing.map(|e| (e.written, e.found)).unwrap_or_default();
    let as_paths = || paths.clone().into_iter().map(PathBuf::as_path);
    let plan = output::plan(&written, &found, as_paths());
    let marker = output::marker_of(paths.clone());
    stale.extend(self::stale(
        dir,
        std::iter::once((Path::new(MARKER), marker.as_str())),
    ));
    let in_the_way: BTreeSet<&PathBuf> = plan.in_the_way.iter().collect();
    let mut changes: Vec<String> = stale
        .into_iter()
        .filter(|(path, _)| !in_the_way.contains(path))
        .map(|(_, line)| line)
        .collect();
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
    Drift {
        changes,
        kept: output::summary(&plan.foreign, as_paths()),
    }
}
