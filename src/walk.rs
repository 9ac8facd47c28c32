//! Lists a directory tree without following symbolic links, so a link loop (`a -> ..`)
//! cannot hang a run or make it read outside the tree.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use stackgen::output::Found;

/// What an entry is, as its directory says, links not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Folder,
    /// A symbolic link: an entry of its own, whatever it points at.
    Link,
    /// A fifo, socket or device.
    Other,
}

/// One entry below the walked directory.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Relative to the walked directory.
    pub path: PathBuf,
    pub kind: Kind,
}

/// Every entry below `root`, relative to it and sorted (a folder right before what it
/// holds). `root` itself may be a link; links below it are listed, never followed.
pub fn walk(root: &Path) -> Result<Vec<Entry>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(folder) = pending.pop() {
        let full = root.join(&folder);
        let read = |e| format!("cannot read `{}`: {e}", full.display());
        for entry in fs::read_dir(&full).map_err(|e| anyhow::anyhow!(read(e)))? {
            let entry = entry.map_err(|e| anyhow::anyhow!(read(e)))?;
            let file_type = entry
                .file_type()
                .with_context(|| format!("cannot read `{}`", entry.path().display()))?;
            let kind = if file_type.is_symlink() {
                Kind::Link
            } else if file_type.is_dir() {
                Kind::Folder
            } else if file_type.is_file() {
                Kind::File
            } else {
                Kind::Other
            };
            let path = folder.join(entry.file_name());
            if kind == Kind::Folder {
                pending.push(path.clone());
            }
            found.push(Entry { path, kind });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// What a rewrite plans over: every entry but the folders that hold something.
pub fn leaves(entries: &[Entry]) -> Vec<Found> {
    entries
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            e.kind != Kind::Folder
                || !entries
                    .get(i + 1)
                    .is_some_and(|next| next.path.starts_with(&e.path))
        })
        .map(|(_, e)| Found {
            path: e.path.clone(),
            folder: e.kind == Kind::Folder,
        })
        .collect()
}
