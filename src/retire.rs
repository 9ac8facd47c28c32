//! Removing a folder stackgen set beside a `-o` directory (a staging folder that was not
//! swapped in, the previous rendering swapped out, the leftover of an interrupted run)
//! without losing a file stackgen did not write.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use stackgen::output::MARKER;

use crate::outdir;
use crate::staging;
use crate::walk::{self, Entry, Kind};

/// What retiring a folder could not simply delete.
#[derive(Debug, Default)]
pub struct Retired {
    /// The folder retired.
    pub folder: PathBuf,
    /// Files moved into the directory: they were not there (they appeared while stackgen
    /// worked, or were left by an interrupted run).
    pub moved: Vec<PathBuf>,
    /// What is still there, each with why.
    pub left: Vec<String>,
}

/// Removes `old`, a folder beside `target`. What its marker (or a streamed staging folder's
/// journal) lists, the marker and stackgen's temporary files go, and so does a file `target`
/// also holds (the same file, or the same bytes); any other file is moved into `target`
/// where that path is free, else left and named. Read-only folders are made writable first.
pub fn retire(old: &Path, target: &Path) -> Retired {
    let mut retired = Retired {
        folder: old.to_path_buf(),
        ..Retired::default()
    };
    let mut written = outdir::written(old).map(|(_, w)| w).unwrap_or_default();
    // A fleet's staging folder lists its files in a journal until its marker is written.
    written.extend(staging::journaled(old));
    make_writable(old);
    let entries = match walk::walk(old) {
        Ok(entries) => entries,
        Err(e) => {
            retired.left.push(format!("{e:#}"));
            return retired;
        }
    };
    // What lies below one top-level entry never touches what lies below another, so each
    // is retired on its own, on every core: a fleet's folder holds tens of thousands of
    // files. Last first, and each from its deepest entry up, so folders are emptied before
    // they are removed and the report reads as one pass from the end would give it.
    let mut groups: Vec<&[Entry]> = entries
        .chunk_by(|a, b| a.path.components().next() == b.path.components().next())
        .collect();
    groups.reverse();
    let outcomes = stackgen::parallel::map(groups, |group| {
        for entry in group.iter().filter(|e| e.kind == Kind::Folder) {
            make_writable(&old.join(&entry.path));
        }
        let mut outcome = (Vec::new(), Vec::new());
        for entry in group.iter().rev() {
            settle(entry, old, target, &written, &mut outcome);
        }
        outcome
    });
    for (moved, left) in outcomes {
        retired.moved.extend(moved);
        retired.left.extend(left);
    }
    if let Err(e) = remove_folder(old) {
        retired.left.push(format!("the folder itself: {e}"));
    }
    retired
}

/// Retires one entry of `old`: removes it, or moves it into `target`, or leaves it and says
/// why; what was moved and what was left go to `outcome`.
fn settle(
    entry: &Entry,
    old: &Path,
    target: &Path,
    written: &BTreeSet<PathBuf>,
    (moved, left): &mut (Vec<PathBuf>, Vec<String>),
) {
    let from = old.join(&entry.path);
    let to = target.join(&entry.path);
    let ours = written.contains(&entry.path)
        || entry.path == Path::new(MARKER)
        || entry.path.file_name().is_some_and(staging::is_temporary);
    let outcome = if entry.kind == Kind::Folder {
        remove_folder(&from)
    } else if ours || same(&from, &to) {
        fs::remove_file(&from)
    } else if target.is_dir() && fs::symlink_metadata(&to).is_err() {
        let moving = to
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::rename(&from, &to));
        if moving.is_ok() {
            moved.push(entry.path.clone());
        }
        moving
    } else {
        Err(io::Error::other(format!(
            "kept: stackgen did not write it, and `{}` is taken or gone",
            to.display()
        )))
    };
    if let Err(e) = outcome {
        left.push(format!("`{}`: {e}", entry.path.display()));
    }
}

/// Removes an empty folder; one that still holds something is already accounted for.
fn remove_folder(path: &Path) -> io::Result<()> {
    match fs::remove_dir(path) {
        Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => Ok(()),
        other => other,
    }
}

/// Lets the owner change a folder, so what it holds can be removed.
fn make_writable(folder: &Path) {
    #[cfg(unix)]
    if let Ok(meta) = fs::symlink_metadata(folder)
        && meta.is_dir()
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o700 != 0o700 {
            let _ = fs::set_permissions(folder, fs::Permissions::from_mode(mode | 0o700));
        }
    }
    #[cfg(not(unix))]
    if let Ok(meta) = fs::symlink_metadata(folder) {
        let mut permissions = meta.permissions();
        if permissions.readonly() {
            permissions.set_readonly(false);
            let _ = fs::set_permissions(folder, permissions);
        }
    }
}

/// Whether `a` and `b` are the same file, or hold the same bytes (or link to the same place).
fn same(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::symlink_metadata(a), fs::symlink_metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (ma.dev(), ma.ino()) == (mb.dev(), mb.ino()) {
            return true;
        }
    }
    if ma.file_type().is_symlink() && mb.file_type().is_symlink() {
        return fs::read_link(a).ok() == fs::read_link(b).ok();
    }
    ma.is_file() && mb.is_file() && ma.len() == mb.len() && same_bytes(a, b).unwrap_or(false)
}

fn same_bytes(a: &Path, b: &Path) -> io::Result<bool> {
    let (mut a, mut b) = (fs::File::open(a)?, fs::File::open(b)?);
    let (mut x, mut y) = (vec![0; 64 * 1024], vec![0; 64 * 1024]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok(b.read(&mut y)? == 0);
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            return Ok(false);
        }
    }
}
