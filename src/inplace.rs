//! Writing a rendering into its directory file by file, where the directory cannot be
//! swapped in one step (a mount point, another file system, a platform without
//! `renameat2`). Each file is written under a temporary name and renamed over its old self,
//! so every file is old or new at every instant; the directory as a whole is not.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use stackgen::output::{self, MARKER};

use crate::read;
use crate::staging;

/// Writes `files` into `target`, which an earlier run wrote `previous` into, and removes the
/// `removed` ones. The marker lists the old and the new files while the run works, so an
/// interrupted run leaves nothing the next one takes for a file stackgen did not write.
pub fn write(
    target: &Path,
    files: &BTreeMap<PathBuf, String>,
    previous: &BTreeSet<PathBuf>,
    removed: &[PathBuf],
) -> Result<()> {
    write_each(
        target,
        files.keys(),
        |path| Ok(Cow::Borrowed(files[path].as_str())),
        previous,
        removed,
    )
}

/// As [`write`], for a rendering of which only the `paths` are held: `content` gives each
/// file's text when its turn comes (a fleet's, read back from its staging folder).
pub fn write_each<'a, 'p>(
    target: &Path,
    paths: impl Iterator<Item = &'p PathBuf> + Clone,
    content: impl Fn(&Path) -> Result<Cow<'a, str>>,
    previous: &'p BTreeSet<PathBuf>,
    removed: &[PathBuf],
) -> Result<()> {
    let both = output::marker_of(previous.iter().chain(paths.clone()));
    replace(&target.join(MARKER), &both)?;
    for relative in paths.clone() {
        let path = target.join(relative);
        let content = content(relative)?;
        if !read::holds(&path, &content).unwrap_or(false) {
            replace(&path, &content)?;
        }
    }
    for relative in removed {
        let path = target.join(relative);
        if let Err(e) = fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(anyhow!("cannot remove `{}`: {e}", path.display()));
        }
        // Folders the removal emptied go too; one that holds anything stays.
        for folder in relative
            .ancestors()
            .skip(1)
            .filter(|a| !a.as_os_str().is_empty())
        {
            if fs::remove_dir(target.join(folder)).is_err() {
                break;
            }
        }
    }
    replace(&target.join(MARKER), &output::marker_of(paths))
}

/// Writes `content` to a temporary name beside `path`, then renames it over `path`.
fn replace(path: &Path, content: &str) -> Result<()> {
    let temporary = staging::temporary(path);
    let written = path
        .parent()
        .map_or(Ok(()), fs::create_dir_all)
        .and_then(|()| fs::write(&temporary, content))
        .and_then(|()| fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        anyhow!("cannot write `{}`: {e}", path.display())
    })
}
