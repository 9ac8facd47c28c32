//! `render -o DIR`: replaces a directory stackgen generated, whole and in one step, and
//! never loses a file stackgen did not write.
//!
//! A directory is stackgen's when it holds the `.stackgen` marker listing the files stackgen
//! wrote (or, written before the marker existed, stackgen's kustomization.yaml). The
//! rendering is built in a staging folder beside it, with every other file carried over,
//! then swapped in with one `renameat2(RENAME_EXCHANGE)`; the swapped-out copy is removed.
//! Where no swap is possible, the files are replaced one by one (`inplace`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use stackgen::output::{self, Found, MARKER, Plan};

use crate::exchange;
use crate::inplace;
use crate::read;
use crate::retire::{Retired, retire};
use crate::staging::{self, Staging, Streaming};
use crate::walk;

/// The largest marker (or kustomization.yaml) read to learn what stackgen wrote. A marker
/// lists every file: a fleet of 10,000 clusters writes one of about 50 MB.
const MARKER_LIMIT: u64 = 256 << 20;

/// How many names a message lists before it says "and N more".
const LISTED: usize = 5;

/// How a directory says which of its files stackgen wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Its `.stackgen` marker lists them.
    Marker,
    /// Written before the marker existed: stackgen's kustomization.yaml lists them.
    Legacy,
    /// Nothing says stackgen wrote anything here.
    None,
}

/// What an existing directory holds, as a rewrite sees it.
#[derive(Debug)]
pub struct Existing {
    pub mark: Mark,
    /// The files an earlier run wrote.
    pub written: BTreeSet<PathBuf>,
    /// Every file, link and empty folder below it, but the marker and stackgen's temporary
    /// files.
    pub found: Vec<Found>,
    /// Temporary files of in-place runs that are gone.
    pub stale: Vec<PathBuf>,
}

/// What a rewrite did besides writing the rendering, for the user to hear.
#[derive(Debug, Default)]
pub struct Report {
    /// The files stackgen did not write, kept, as [`output::summary`] names them.
    pub kept: Vec<String>,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

impl Report {
    fn absorb(&mut self, retired: Retired, dir: &Path) {
        if !retired.moved.is_empty() {
            self.notes.push(format!(
                "kept files that appeared in `{}` while stackgen wrote it: {}",
                dir.display(),
                few(&retired
                    .moved
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>())
            ));
        }
        if let Some(first) = retired.left.first() {
            let more = match retired.left.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            self.warnings.push(format!(
                "could not remove all of `{}`, set aside by stackgen: {first}{more}; remove it \
                 by hand",
                retired.folder.display()
            ));
        }
    }
}

/// Writes `files` to `dir` as described in the module docs. `force` lets stackgen write
/// into a non-empty directory without a marker, keeping every file there.
pub fn write(dir: &Path, files: &BTreeMap<PathBuf, String>, force: bool) -> Result<Report> {
    let (target, mut report, existing) = open(dir)?;
    let paths = || files.keys().map(PathBuf::as_path);
    let plan = plan(dir, &target, existing.as_ref(), paths, force, &mut report)?;
    let staged = Staging::build(&target, files, &plan.foreign)?;
    install(
        dir,
        &target,
        staged,
        existing,
        &mut report,
        |staged, previous| {
            drop(staged);
            inplace::write(&target, files, previous, &plan.removed)
        },
    )?;
    Ok(report)
}

/// As [`write`], for a rendering too large to hold at once (a fleet's): `produce` writes
/// it piece by piece into the staging folder ([`Streaming::stage`], from any thread), and
/// what it returns is given back. The plan is made from the paths staged, once they are
/// all known; a directory stackgen did not write is refused before anything is produced.
/// An error anywhere, `produce`'s included, removes the staging folder and leaves `dir` as
/// it was.
pub fn write_streamed<R>(
    dir: &Path,
    force: bool,
    produce: impl FnOnce(&Streaming) -> Result<R>,
) -> Result<(Report, R)> {
    let (target, mut report, existing) = open(dir)?;
    if let Some(existing) = &existing {
        refuse_unmarked(dir, existing, force)?;
    }
    let mut streaming = Staging::stream(&target)?;
    let produced = produce(&streaming)?;
    let staged = streaming.staged();
    let paths = || staged.iter().map(PathBuf::as_path);
    let plan = plan(dir, &target, existing.as_ref(), paths, force, &mut report)?;
    let (staged, paths) = streaming.finish(&plan.foreign)?;
    install(
        dir,
        &target,
        staged,
        existing,
        &mut report,
        |staged, previous| {
            // Each file is read back from the staging folder when its turn comes.
            let from = staged.path().to_path_buf();
            let read = |relative: &Path| -> Result<Cow<'static, str>> {
                let path = from.join(relative);
                fs::read_to_string(&path)
                    .map(Cow::Owned)
                    .with_context(|| format!("cannot read `{}`", path.display()))
            };
            let written = inplace::write_each(&target, paths.iter(), read, previous, &plan.removed);
            drop(staged);
            written
        },
    )?;
    Ok((report, produced))
}

/// The directory to replace (see [`resolve`]), what it holds, and the report, which
/// already names the leftovers of earlier runs it cleaned.
fn open(dir: &Path) -> Result<(PathBuf, Report, Option<Existing>)> {
    let target = resolve(dir)?;
    let mut report = Report::default();
    for leftover in staging::clean_leftovers(&target) {
        report.absorb(leftover, dir);
    }
    let existing = inspect(&target)?;
    Ok((target, report, existing))
}

/// The plan for writing the rendering of `paths` over `existing` (see [`checked_plan`]),
/// with the temporary files of in-place runs that are gone removed, and the files it keeps
/// named in `report`.
fn plan<'a, I: Iterator<Item = &'a Path>>(
    dir: &Path,
    target: &Path,
    existing: Option<&Existing>,
    paths: impl Fn() -> I,
    force: bool,
    report: &mut Report,
) -> Result<Plan> {
    let plan = match existing {
        Some(existing) => checked_plan(dir, existing, paths(), force)?,
        None => Plan::default(),
    };
    for stale in existing.iter().flat_map(|e| &e.stale) {
        let _ = fs::remove_file(target.join(stale));
    }
    report.kept = output::summary(&plan.foreign, paths());
    Ok(plan)
}

/// Puts the `staged` rendering in `target`'s place: renamed there when `target` does not
/// exist, swapped in one step when it does, or, where no swap is possible, written file by
/// file by `in_place`, which gets the staging folder and the files the earlier run wrote.
fn install(
    dir: &Path,
    target: &Path,
    staged: Staging,
    existing: Option<Existing>,
    report: &mut Report,
    in_place: impl FnOnce(Staging, &BTreeSet<PathBuf>) -> Result<()>,
) -> Result<()> {
    let Some(existing) = existing else {
        fs::rename(staged.path(), target)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        staged.swapped();
        return Ok(());
    };
    match exchange::exchange(staged.path(), target) {
        Ok(()) => {
            let old = staged.swapped();
            report.absorb(retire(&old, target), dir);
        }
        Err(e) if exchange::impossible(&e) => {
            report.notes.push(format!(
                "`{}` cannot be swapped in one step ({e}), so its files were replaced one by one",
                dir.display()
            ));
            in_place(staged, &existing.written)?;
        }
        Err(e) => bail!("cannot replace `{}`: {e}", dir.display()),
    }
    Ok(())
}

/// The directory to replace: `dir`, or where it links to (the link is kept). Its parent
/// is created when missing.
fn resolve(dir: &Path) -> Result<PathBuf> {
    let target = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => dir.to_path_buf(),
        Err(e) => bail!("cannot read `{}`: {e}", dir.display()),
        Ok(_) => fs::canonicalize(dir)
            .with_context(|| format!("`{}` links to nothing", dir.display()))?,
    };
    if target.exists() && !target.is_dir() {
        bail!("`{}` exists and is not a directory", dir.display());
    }
    if target.file_name().is_none() {
        bail!(
            "cannot write to `{}`: stackgen builds a directory beside it, so it needs a name",
            dir.display()
        );
    }
    let parent = staging::parent(&target);
    fs::create_dir_all(parent).with_context(|| format!("cannot create `{}`", parent.display()))?;
    Ok(target)
}

/// What `dir` holds; `None` when it does not exist.
pub fn inspect(dir: &Path) -> Result<Option<Existing>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let (mark, written) = written(dir)?;
    let mut found = Vec::new();
    let mut stale = Vec::new();
    for leaf in walk::leaves(&walk::walk(dir)?) {
        let name = leaf.path.file_name().unwrap_or_default();
        if staging::is_stale_temporary(name) {
            stale.push(leaf.path);
        } else if leaf.path != Path::new(MARKER) && !staging::is_temporary(name) {
            found.push(leaf);
        }
    }
    Ok(Some(Existing {
        mark,
        written,
        found,
        stale,
    }))
}

/// The files stackgen wrote in `dir`, as its marker (or the kustomization.yaml of a
/// stackgen that predates the marker) lists them. A marker stackgen cannot read is trouble:
/// what it wrote cannot be told from what it did not.
pub fn written(dir: &Path) -> Result<(Mark, BTreeSet<PathBuf>)> {
    let marker = dir.join(MARKER);
    if let Some(text) = read::small(&marker, MARKER_LIMIT)? {
        let listed = output::read_marker(&text).map_err(|e| {
            anyhow!(
                "cannot tell which files in `{}` stackgen wrote: `{}` cannot be read, as {e}; \
                 move it away to treat the directory as one stackgen did not write",
                dir.display(),
                marker.display()
            )
        })?;
        return Ok((Mark::Marker, listed));
    }
    if let Ok(Some(text)) = read::small(&dir.join("kustomization.yaml"), MARKER_LIMIT)
        && let Some(listed) = output::legacy_listing(&text)
    {
        return Ok((Mark::Legacy, listed));
    }
    Ok((Mark::None, BTreeSet::new()))
}

/// The plan for rewriting `existing` with the rendered `files`, or why it is refused: a
/// directory stackgen did not write (unless `force`), or files it did not write where the
/// rendering goes.
fn checked_plan<'a>(
    dir: &Path,
    existing: &Existing,
    files: impl IntoIterator<Item = &'a Path>,
    force: bool,
) -> Result<Plan> {
    refuse_unmarked(dir, existing, force)?;
    let plan = output::plan(&existing.written, &existing.found, files);
    if !plan.in_the_way.is_empty() {
        let names: Vec<String> = plan
            .in_the_way
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        bail!(
            "`{}` holds files stackgen did not write where the rendering goes, and stackgen \
             never replaces those (not even with `--force`): {}\n\
             \x20 = help: move them away and render again",
            dir.display(),
            few(&names)
        );
    }
    Ok(plan)
}

/// Refuses a non-empty directory stackgen did not write, unless `force`.
fn refuse_unmarked(dir: &Path, existing: &Existing, force: bool) -> Result<()> {
    if existing.mark == Mark::None && !existing.found.is_empty() && !force {
        let paths: Vec<PathBuf> = existing.found.iter().map(|f| f.path.clone()).collect();
        bail!(
            "`{}` is not empty and stackgen did not write it (it has no `{MARKER}` marker), so \
             stackgen will not replace it; in the way: {}\n\
             \x20 = help: render into a new or empty directory, or pass `--force` to write the \
             rendering beside these files, which are kept",
            dir.display(),
            few(&output::summary(&paths, []))
        );
    }
    Ok(())
}

/// `a, b, c, d, e and 7 more`.
pub fn few(names: &[String]) -> String {
    let shown = names[..names.len().min(LISTED)].join(", ");
    match names.len().saturating_sub(LISTED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
