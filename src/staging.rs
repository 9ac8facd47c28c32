//! The folder a rendering is built in beside its `-o` directory before it is swapped in,
//! `.DIR.stackgen-staging-<pid>`, the temporary names of files written in place, and the
//! clean-up of both when the run that made them is gone.
//!
//! A single rendering is staged whole ([`Staging::build`]); a fleet's is staged member by
//! member as workers render them ([`Staging::stream`]), so it is never held whole. Until
//! its marker can be written, a streamed folder keeps a journal of what it holds, each
//! member's paths listed before its files are written: whatever retires the folder (this run
//! on an error, or the next after a kill) then knows every rendered file in it for
//! stackgen's, and never takes one for a file the user wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context as _, Result};
use stackgen::output::{self, MARKER};

use crate::retire::{Retired, retire};
use crate::stdio::say;
use crate::walk::{self, Kind};

/// What names a staging folder, between the directory's name and the pid.
const STAGING: &str = ".stackgen-staging-";

/// What names a file being written in place, between its name and the pid.
const TEMPORARY: &str = ".stackgen-tmp-";

/// The journal of a streamed staging folder: a temporary file (`.stackgen-journal` +
/// [`TEMPORARY`] + pid) at its top, so nothing takes it for a file the user wrote.
const JOURNAL: &str = "stackgen-journal";

/// The folder `target` is built in, beside it. Dropped before [`Staging::swapped`], it is
/// retired: removed without losing anything stackgen did not write.
pub struct Staging {
    path: PathBuf,
    target: PathBuf,
}

impl Staging {
    /// Builds the rendering `files` for `target` beside it: the marker first (so a leftover
    /// of this run says what in it is stackgen's), the files, the `foreign` entries of
    /// `target` (hard links, or copies where a link cannot be made), and the permissions of
    /// the folders `target` already has.
    pub fn build(
        target: &Path,
        files: &BTreeMap<PathBuf, String>,
        foreign: &[PathBuf],
    ) -> Result<Self> {
        let staging = Self::create(target)?;
        let marker = output::marker(files);
        let rendered = std::iter::once((Path::new(MARKER), marker.as_str()))
            .chain(files.iter().map(|(p, c)| (p.as_path(), c.as_str())));
        for (relative, content) in rendered {
            let to = staging.path.join(relative);
            to.parent()
                .map_or(Ok(()), fs::create_dir_all)
                .and_then(|()| fs::write(&to, content))
                .with_context(|| format!("cannot write `{}`", to.display()))?;
        }
        staging.complete(foreign)?;
        Ok(staging)
    }

    /// Starts a staging folder for `target` that is filled piece by piece, from any thread,
    /// with [`Streaming::stage`].
    pub fn stream(target: &Path) -> Result<Streaming> {
        let staging = Self::create(target)?;
        let journal = journal(&staging.path);
        let file = fs::File::create_new(&journal)
            .with_context(|| format!("cannot write `{}`", journal.display()))?;
        Ok(Streaming {
            state: Mutex::new((file, BTreeSet::new())),
            journal,
            staging,
        })
    }

    /// The empty folder, named after `target` and this process.
    fn create(target: &Path) -> Result<Self> {
        let path = sibling(target, std::process::id());
        fs::create_dir(&path).with_context(|| format!("cannot create `{}`", path.display()))?;
        Ok(Self {
            path,
            target: target.to_path_buf(),
        })
    }

    /// Carries the `foreign` entries of the target in and gives the folders the target
    /// already has their permissions: the last steps, once the rendering and marker are in.
    fn complete(&self, foreign: &[PathBuf]) -> Result<()> {
        for relative in foreign {
            let (from, to) = (self.target.join(relative), self.path.join(relative));
            carry(&from, &to).with_context(|| {
                format!("cannot carry `{}` into the new rendering", from.display())
            })?;
        }
        copy_permissions(&self.target, &self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder now holds the previous rendering: the caller retires it.
    pub fn swapped(self) -> PathBuf {
        let path = self.path.clone();
        std::mem::forget(self);
        path
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let retired = retire(&self.path, &self.target);
        if let Some(first) = retired.left.first() {
            say(&format!(
                "warning: could not remove all of `{}`: {first}; remove it by hand",
                self.path.display()
            ));
        }
    }
}

/// A staging folder being filled piece by piece, from any thread. Dropped before
/// [`Streaming::finish`], its folder is retired as a [`Staging`] is, its journal naming what
/// stackgen wrote there.
pub struct Streaming {
    /// The journal, and every path staged so far (the marker's list, in the end).
    state: Mutex<(fs::File, BTreeSet<PathBuf>)>,
    journal: PathBuf,
    // Last, so the journal is closed before the folder is retired.
    staging: Staging,
}

impl Streaming {
    /// Writes `files` (paths relative to the target) into the folder, after listing them in
    /// the journal.
    pub fn stage(&self, files: &BTreeMap<PathBuf, String>) -> Result<()> {
        let mut listing = String::new();
        for path in files.keys() {
            listing.push_str(&path.to_string_lossy());
            listing.push('\n');
        }
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let (journal, staged) = &mut *state;
            journal
                .write_all(listing.as_bytes())
                .with_context(|| format!("cannot write `{}`", self.journal.display()))?;
            staged.extend(files.keys().cloned());
        }
        // Each folder once: a member's ~70 files share a handful.
        let folders: BTreeSet<&Path> = files.keys().filter_map(|p| p.parent()).collect();
        for folder in folders {
            let to = self.staging.path.join(folder);
            fs::create_dir_all(&to).with_context(|| format!("cannot create `{}`", to.display()))?;
        }
        for (relative, content) in files {
            let to = self.staging.path.join(relative);
            fs::write(&to, content).with_context(|| format!("cannot write `{}`", to.display()))?;
        }
        Ok(())
    }

    /// Every path staged so far, relative to the target.
    pub fn staged(&mut self) -> &BTreeSet<PathBuf> {
        &self
            .state
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .1
    }

    /// Ends the stream: writes the marker listing every staged path, removes the journal,
    /// then carries the `foreign` entries of the target in, as [`Staging::build`] does.
    /// Gives back the folder and the staged paths.
    pub fn finish(self, foreign: &[PathBuf]) -> Result<(Staging, BTreeSet<PathBuf>)> {
        let Self {
            state,
            journal,
            staging,
        } = self;
        let (file, staged) = state.into_inner().unwrap_or_else(PoisonError::into_inner);
        drop(file);
        let marker = staging.path.join(MARKER);
        fs::write(&marker, output::marker_of(&staged))
            .with_context(|| format!("cannot write `{}`", marker.display()))?;
        // The marker says it all now; a journal left behind would only be removed later.
        fs::remove_file(&journal)
            .with_context(|| format!("cannot remove `{}`", journal.display()))?;
        staging.complete(foreign)?;
        Ok((staging, staged))
    }
}

/// The journal of a streamed staging folder.
fn journal(folder: &Path) -> PathBuf {
    temporary(&folder.join(JOURNAL))
}

/// The paths the journals at the top of `folder` list: what a streamed staging folder
/// holds of stackgen's before its marker is written. Lines cut off by a kill are left out.
pub fn journaled(folder: &Path) -> BTreeSet<PathBuf> {
    let prefix = format!(".{JOURNAL}{TEMPORARY}");
    let mut listed = BTreeSet::new();
    let Ok(entries) = fs::read_dir(folder) else {
        return listed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(|n| n.starts_with(&prefix)) {
            continue;
        }
        let Ok(bytes) = fs::read(entry.path()) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let whole = text.rfind('\n').map_or("", |end| &text[..end]);
        listed.extend(whole.lines().map(PathBuf::from));
    }
    listed
}

/// Puts what `from` is at `to`: a folder is made anew, anything else hard-linked (the same
/// file, so an edit made meanwhile is kept) or else copied.
fn carry(from: &Path, to: &Path) -> io::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    let meta = fs::symlink_metadata(from)?;
    if meta.is_dir() {
        return fs::create_dir_all(to);
    }
    fs::hard_link(from, to).or_else(|_| {
        if meta.file_type().is_symlink() {
            symlink(&fs::read_link(from)?, to)
        } else {
            fs::copy(from, to).map(|_| ())
        }
    })
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Gives each folder of `staging` that `target` also has the permissions it has there,
/// deepest first, so a read-only folder is filled before it is closed.
fn copy_permissions(target: &Path, staging: &Path) -> Result<()> {
    if !target.is_dir() {
        return Ok(());
    }
    let mut folders: Vec<PathBuf> = walk::walk(staging)?
        .into_iter()
        .filter(|e| e.kind == Kind::Folder)
        .map(|e| e.path)
        .collect();
    folders.insert(0, PathBuf::new());
    for folder in folders.iter().rev() {
        if let Ok(meta) = fs::symlink_metadata(target.join(folder))
            && meta.is_dir()
        {
            let to = staging.join(folder);
            fs::set_permissions(&to, meta.permissions())
                .with_context(|| format!("cannot set the permissions of `{}`", to.display()))?;
        }
    }
    Ok(())
}

/// The folder beside `target` that a run with `pid` builds it in.
fn sibling(target: &Path, pid: u32) -> PathBuf {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    parent(target).join(format!(".{name}{STAGING}{pid}"))
}

/// The folder holding `target` (`.` for a bare name).
pub fn parent(target: &Path) -> &Path {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The name a file is written under before it is renamed to `path`, beside it.
pub fn temporary(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}{TEMPORARY}{}", std::process::id()))
}

/// Whether `name` is a file stackgen was writing in place.
pub fn is_temporary(name: &OsStr) -> bool {
    pid_after(name, TEMPORARY).is_some()
}

/// Whether `name` is a file stackgen was writing in place in a run that is gone.
pub fn is_stale_temporary(name: &OsStr) -> bool {
    pid_after(name, TEMPORARY).is_some_and(gone)
}

/// The pid at the end of `name`, after `tag`.
fn pid_after(name: &OsStr, tag: &str) -> Option<u32> {
    let (_, digits) = name.to_str()?.rsplit_once(tag)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&pid| pid > 0)
}

/// Retires the staging folders beside `target` of runs that are gone: killed, or crashed
/// before they could clean up. A folder with this run's pid is one of them too: it is left
/// by an earlier process that had this pid.
pub fn clean_leftovers(target: &Path) -> Vec<Retired> {
    let mut all = Vec::new();
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let prefix = format!(".{name}{STAGING}");
    let Ok(entries) = fs::read_dir(parent(target)) else {
        return all;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let ours = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .is_some_and(|_| {
                pid_after(&file_name, STAGING)
                    .is_some_and(|pid| pid == std::process::id() || gone(pid))
            });
        if ours && entry.file_type().is_ok_and(|t| t.is_dir()) {
            all.push(retire(&entry.path(), target));
        }
    }
    all
}

/// Whether no process has `pid`. Where that cannot be told, it is taken as running, so
/// nothing is removed.
#[cfg(unix)]
fn gone(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only asks whether the process exists; `pid` is positive, so it names
    // one process, never a group.
    let result = unsafe { libc::kill(pid, 0) };
    result != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn gone(_: u32) -> bool {
    false
}
