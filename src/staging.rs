//! The folder a rendering is built in beside its `-o` directory before it is swapped in,
//! `.DIR.stackgen-staging-<pid>`, the temporary names of files written in place, and the
//! clean-up of both when the run that made them is gone.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use stackgen::output::{self, MARKER};

use crate::retire::{Retired, retire};
use crate::stdio::say;
use crate::walk::{self, Kind};

/// What names a staging folder, between the directory's name and the pid.
const STAGING: &str = ".stackgen-staging-";

/// What names a file being written in place, between its name and the pid.
const TEMPORARY: &str = ".stackgen-tmp-";

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
        let path = sibling(target, std::process::id());
        fs::create_dir(&path).with_context(|| format!("cannot create `{}`", path.display()))?;
        let staging = Self {
            path,
            target: target.to_path_buf(),
        };
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
        for relative in foreign {
            let (from, to) = (target.join(relative), staging.path.join(relative));
            carry(&from, &to).with_context(|| {
                format!("cannot carry `{}` into the new rendering", from.display())
            })?;
        }
        copy_permissions(target, &staging.path)?;
        Ok(staging)
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
